"""Values a person typed that the parser could not take: said back, naming the value and its right form,
instead of being dropped or read as something else.

Pure text rules over what was typed and what the parser made of it, for `/crm` forms and messages alike.
"""

from __future__ import annotations

import calendar
import html
import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from bot.blocks.common import esc
from bot.nlu.commands import amount

AMOUNT_FORM = "Write it like 50000, $50k or 1.2M."
MAX_AMOUNT = 1e12
MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_abbr) if name}
_MONTH = r"(jan|feb|mar|apr|May|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
# "Feb 30", "30 February", "feb 31st": a day the month never has. Lower-case "may" is the verb.
MONTH_DAY = re.compile(
    rf"(?i:\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b)|(?i:\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b)"
)
CLOCK = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?![\d:])")
NEGATIVE = re.compile(r"(?<![\w\-–—])-[$€£]?\d[\d,.]*[kKmM]?\b")
EXPONENT = re.compile(r"(?<![\w.])\d+(?:\.\d+)?[eE][+-]?\d+(?![\w.])")
BIG = re.compile(r"(?<![\w.])[$€£]?\d[\d,]*(?:\.\d+)?\s?([kKmM]|bn)?(?![\w.])")
MONEY_INTENTS = {"create_deal", "update_deal"}
# "@zed" left as typed: Slack turns a picked person into <@U…>; what stays text names no one yet.
TYPED_AT = re.compile(r"(?<![\w.<@|/])@([A-Za-z][\w.\-]*[A-Za-z0-9]|[A-Za-z])")
BROADCASTS = {"here", "channel", "everyone", "crm"}
PEOPLE_SLOTS = ("assignee", "owner", "person")


def _month_day(match: re.Match[str]) -> tuple[int, int]:
    if match.group(1):
        month, day = match.group(1), match.group(2)
    else:
        day, month = match.group(3), match.group(4)
    return MONTHS[month.lower()[:3]], int(day)


KRONA = re.compile(
    r"(?<![\w])kr\.?\s?(?P<n>\d[\d\s\u00a0.,']*\d(?:\s?[kKmM]\b)?|\d)|(?P<n2>\d[\d\s\u00a0.,']*?[kKmM]?)\s?kr\b",
    re.I,
)


# Text in angle brackets that is no Slack markup (mentions, channels, links): Slack sends what a person typed
# with < and > escaped; raw ones that are not markup come from elsewhere. Neither can be read as a value.
ANGLED = re.compile(r"&lt;.*?&gt;|<(?![@#!]|(?:https?|ftp|mailto|tel|slack):)[^<>]*>")


def angle_brackets(text: str) -> str | None:
    """The first text in angle brackets that is no Slack markup, said back: kept as written it can't be,
    and read without its brackets it would become a value nobody wrote (a company called "1")."""
    m = ANGLED.search(text)
    if m is None:
        return None
    said = html.unescape(m.group(0))
    return f"“{esc(said)}” is in angle brackets, which I can't keep as written. Write it without < and >."


def _bad_day(text: str, today: date | None) -> str | None:
    """A month and day no calendar has ("Feb 30"), or 29 February with no year when neither February
    near ``today`` has one."""
    for m in MONTH_DAY.finditer(text):
        month, day = _month_day(m)
        # Any year: 29 February is a day some years have.
        if not 1 <= day <= (29 if month == 2 else calendar.monthrange(2026, month)[1]):
            return f"“{esc(m.group(0))}” is not a date. Write it like 2026-12-15, “friday” or “Feb 27”."
        if (
            (month, day) == (2, 29)
            and today is not None
            and not re.match(r"\s*,?\s*\d{4}\b", text[m.end() :])
        ):
            coming = today.year if today.month <= 2 else today.year + 1
            last = today.year if today.month >= 2 else today.year - 1
            if not calendar.isleap(coming) and not calendar.isleap(last):
                return (
                    f"“{esc(m.group(0))}”: February {coming} has no 29th (nor had February {last}). "
                    "Write the day you mean, like “Feb 28” or “Mar 1”, or give the year."
                )
    return None


def malformed_value(text: str, intent: dict[str, Any], today: date | None = None) -> str | None:
    """The first value in ``text`` that cannot be what the person meant, as a one-line message."""
    name = intent.get("intent")
    slots = intent.get("slots") or {}
    angled = angle_brackets(text)
    if angled:
        return angled
    said = {str(slots.get(k) or "").lower().lstrip("@") for k in PEOPLE_SLOTS}
    for m in TYPED_AT.finditer(text):
        if m.group(1).lower() not in BROADCASTS and m.group(1).lower() not in said:
            return (
                f"“{esc(m.group(0))}” did not come through as a mention, so I can't tell who it is. "
                f"Pick the person from Slack's @ list, or write their name (“remind {esc(m.group(1))} to …”)."
            )
    if name in MONEY_INTENTS:
        for m in NEGATIVE.finditer(text):
            return f"“{esc(m.group(0))}” is a negative amount; a deal's amount is 0 or more."
        if "amount" in slots and not slots.get("currency"):
            for m in KRONA.finditer(text):
                # Swedish, Norwegian, Danish or Icelandic: saying one would be a guess written down
                n = esc((m.group("n") or m.group("n2")).strip())
                return (
                    f"“{esc(m.group(0).strip())}”: which krona? Write the currency's code, like "
                    f"SEK {n}, NOK {n} or DKK {n}."
                )
        for m in EXPONENT.finditer(text):
            return f"“{esc(m.group(0))}” is not an amount. {AMOUNT_FORM}"
        for m in BIG.finditer(text):
            digits = re.sub(r"[^\d.]", "", m.group(0))
            factor = {"k": 1e3, "m": 1e6, "bn": 1e9}.get((m.group(1) or "").lower(), 1)
            if digits.count(".") <= 1 and digits.strip(".") and float(digits) * factor >= MAX_AMOUNT:
                return f"“{esc(m.group(0))}” is too large for an amount (under a trillion). {AMOUNT_FORM}"
    bad_day = _bad_day(text, today)
    if bad_day:
        return bad_day
    for m in CLOCK.finditer(text):
        if int(m.group(1)) > 23 or int(m.group(2)) > 59:
            return f"“{esc(m.group(0))}” is not a time. Write it like 15:30 or 3:30pm."
    return None


# "jane@acme.com", and the half-typed "jane@" that must not be dropped as nothing.
EMAILISH = re.compile(r"(?<![<|\w])[^\s<>|,;()@]+@[^\s<>|,;()]*")
# A run of words made only of digits and phone punctuation: "555-12", "+1 (415) 555-0100".
PHONEISH = re.compile(r"(?<!\S)\+?[\d(][\d().\-]*(?:\s+[\d(][\d().\-]*)*(?!\S)")


def stage_as_written(verb: str, args: str, intent: dict[str, Any]) -> dict[str, Any]:
    """``deal move DEAL to STAGE`` with a stage the parser does not know (a team's own, "security
    review"): the intent with that stage as written, for the deals service to match against the
    workspace's stages (and to refuse, naming them, when it is none of them)."""
    slots = intent.get("slots") or {}
    deal = slots.get("deal")
    if verb != "deal move" or intent.get("intent") != "update_deal" or slots.get("stage"):
        return intent
    if not isinstance(deal, str) or not deal.strip():
        return intent
    at = args.lower().find(deal.lower())
    rest = args[at + len(deal) :] if at >= 0 else ""
    m = re.match(r"^\s+(?:to|into)\s+(?:the\s+)?(?:stage\s+)?(?P<s>\S.*?)(?:\s+stage)?[\s.!]*$", rest, re.I)
    if m is None:
        return intent
    return {**intent, "slots": {**slots, "stage": m.group("s")}}


def check_typed_values(
    verb: str,
    args: str,
    intent: dict[str, Any],
    stages: Callable[[], Sequence[str]] = tuple,
    today: date | None = None,
) -> str | None:
    """What a subcommand was given but the parser could not take: said back instead of dropped.
    ``stages``: the workspace's pipeline stages, asked for only when a stage is said back."""
    slots = intent.get("slots") or {}
    problem = malformed_value(args, intent, today)
    if problem:
        return problem
    if verb.startswith("contact"):
        # Finding or showing someone by their address is a search, not a new address to check.
        looked_up = {
            str(slots.get(s) or "").lower()
            for s in ("email", "query", "contact")
            if verb != "contact add" or s == "email"
        }
        for token in EMAILISH.findall(re.sub(r"<mailto:[^>]*>|<@[^>]*>", " ", args)):
            if token.strip(".").lower() not in looked_up:
                return f"“{esc(token)}” is not an email address. Write it like jane@acme.com."
    if verb == "contact add":
        taken = " ".join(str(v) for v in slots.values() if isinstance(v, str))
        for token in PHONEISH.findall(args):
            # Digits in a company's name stay ("Studio 54"); a company that is nothing but them is a bad
            # phone number read as one ("555-12").
            if token not in taken or token == str(slots.get("company") or "").strip():
                return f"“{esc(token)}” is not a phone number. Write it like +1 415 555 0100."
    if verb.startswith("deal"):
        m = re.search(r"\bstage\s+(\S+)", args, re.I)
        if verb == "deal move" and not m:
            m = re.search(r"\bto\s+(\S+)\s*$", args, re.I)
        if m and not slots.get("stage"):
            return f"“{esc(m.group(1))}” is not a pipeline stage. Stages: " + ", ".join(stages()) + "."
        for token in re.findall(r"(?<!\S)[$€£]\S+", args):
            if amount(token.rstrip(".,;")) is None:
                return f"“{esc(token)}” is not an amount. Write it like 50000, $50k or 1.2M."
    for token in re.findall(r"\b\d{4}-\d{1,2}-\d{1,2}\b", args):
        try:
            date.fromisoformat(token)
        except ValueError:
            return f"“{esc(token)}” is not a date. Write it like 2026-12-15, “friday” or “tomorrow 3pm”."
    return None
