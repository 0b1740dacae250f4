"""Values a message gives that its reading does not carry: the bot asks before writing without them.

The contract's answer has one amount, one currency, one email; a message can hold two ("$50k CHF", "$50k
60k") or one the rules could not place ("jean-luc@starfleet", "had a call with Jane tomorrow"). Dropping
such a value silently is the one thing a rep cannot see afterwards, so the bot reads the message back
and names what it left out. Pure, like the parser.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from . import rx as rc
from .dates import find_spans, resolve
from .money import ISO_CODES, PREFIX_SYMBOLS, SUFFIX_WORDS, find_money
from .normalize import normalize
from .parser import prepare

_DEAL_WRITES = ("create_deal", "update_deal")
_DATE_SLOTS = ("due", "occurred_at", "close_date")
# currency marks as written, for "$50k CHF": two currencies for one amount
# and currencies said in words ("they pay in pounds"): a deal written in the team's own currency instead would
# be wrong without anyone seeing it
_MARKS = rc.compiled(
    r"(?<![\w$])(?:[A-Z]{1,3}\$|[$€£¥₹₩₺₦₱₪฿₫₽₴]|zł|kč|kr\b)|\b(?:" + "|".join(ISO_CODES) + r")\b"
    r"|(?i:\b(?:euros?|pounds|dollars|yen|rupees?|reais|francs|dirhams?|riyals?|naira|yuan|renminbi|shillings|zlotys?|"
    r"złoty|quid|bucks)\b)"
)
_DATED = {"create_task", "log_interaction", "create_deal", "update_deal"}
_EMAILED = {"create_contact", "update_contact"}
# "£12k not £10k", "it's x@y.com not z@y.com": a value named to be replaced is not one to keep
_REPLACED = rc.compiled(r"\b(?:not|instead\s+of|rather\s+than|was)\s*$", re.I)
_TODAY = rc.compiled(r"^(?:today|tonight|now|this\s+(?:morning|afternoon|evening)|today's)$", re.I)


def _currency_of(mark: str) -> str:
    key = mark.lower()
    return PREFIX_SYMBOLS.get(key) or SUFFIX_WORDS.get(key) or mark


_EMAILISH = rc.compiled(r"(?<![<\w@])[\w.+\-']+@[\w\-]*(?:\.[\w\-]*)*(?![\w>|])")


def _strings(slots: dict[str, Any]) -> str:
    out = []
    for v in slots.values():
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, dict):
            out.extend(x for x in v.values() if isinstance(x, str))
        elif isinstance(v, list):
            out.extend(x for x in v if isinstance(x, str))
    return " ".join(out).lower()


_THREE_DECIMALS = rc.compiled(r"(?<![\d.,])\d{1,3}[.,]\d{3}(?![\d.,]*\d)")
_CODE_BY_AMOUNT = rc.compiled(r"(?<![\w.])\d[\d.,']*\s?[kKmM]?\s+([A-Z]{3})\b")
# a day and month that are no date in either order ("31/02", "30.02.2027"): the bot cannot place them
_NO_SUCH_DAY = rc.compiled(r"(?<![\w/.\-])(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?(?![\w/\-]|\.\d)")


def _no_such_days(text: str) -> list[str]:
    out = []
    for x in _NO_SUCH_DAY.finditer(text):
        a, b = int(x.group(1)), int(x.group(2))
        year = int(x.group(3)) if x.group(3) else 2028  # a leap year: 29/02 with no year is asked elsewhere
        year = year + 2000 if year < 100 else year
        fits = False
        for day, month in ((a, b), (b, a)):
            try:
                date(year, month, day)
                fits = True
            except ValueError:
                pass
        if not fits and max(a, b) <= 31 and min(a, b) >= 1 and min(a, b) <= 12:
            out.append(x.group(0))
    return out


def _money_left(text: str, slots: dict[str, Any], carried: str) -> list[str]:
    left = []
    amount = slots.get("amount")
    for mo in find_money(text, deal_context=True, exclude=[]):
        raw = text[mo.start : mo.end].strip()
        if _REPLACED.search(text[: mo.start]):
            continue
        if isinstance(amount, int | float) and abs(mo.amount - amount) < 0.005:
            if not slots.get("currency") and rc.search(r"(?i)\b(?:lakhs?|lacs?|crores?|cr)\b", raw):
                left.append(raw)  # "12 lakhs": a South Asian amount, its currency not said
            elif (three := _THREE_DECIMALS.search(raw)) and abs(
                amount - int(rc.sub(r"[.,]", "", three.group(0)))
            ) > 0.5:
                left.append(raw)  # "$10.999": ten thousand where a point groups thousands, not $11
            continue
        if raw.lower() in carried:
            continue  # kept in the title or summary, where the person can see it
        left.append(raw)
    named = {
        _currency_of(x.group(0)) for x in _MARKS.finditer(text) if not _REPLACED.search(text[: x.start()])
    }
    named = {c for c in named if len(c) == 3 and c.isupper()}
    cur = slots.get("currency")
    if cur is None and isinstance(amount, int | float):
        # "5000 XYZ": a code beside the amount that is no currency; the deal is not written in the team's own
        left += [x.group(1) for x in _CODE_BY_AMOUNT.finditer(text) if x.group(1) not in ISO_CODES]
    if isinstance(cur, str) and len(named - {cur, "RMB" if cur == "CNY" else cur}) > 0:
        left.extend(sorted(named - {cur}))
    elif cur is None and named and isinstance(amount, int | float):
        left.extend(sorted(named))  # "30k, payment in pounds" read with no currency: asked, not guessed
    return left


def _future_in_log(text: str, slots: dict[str, Any], now: datetime | str | None, tz: str) -> list[str]:
    """ "logged a call on 2027-05-01": a day still to come cannot be when something happened."""
    if now is None or "occurred_at" in slots:
        return []
    m = prepare(text, now=now, tz=tz)
    today = m.now.date().isoformat()
    follow_up = slots.get("follow_up")
    # the follow-up's own day ("…, follow up friday") is placed; another day to come is the call's, and cannot be
    due = str(follow_up.get("due") or "")[:10] if isinstance(follow_up, dict) else None
    return [
        sp.text.strip()
        for sp in m.spans
        if (got := resolve(sp, m.now, "past"))
        and got[:10] > today
        and (due is None or (resolve(sp, m.now, "future") or "")[:10] != due)
        and sp.text.strip().lower() not in _strings(slots)
    ]


def unplaced(
    text: str, answer: dict[str, Any], *, now: datetime | str | None = None, tz: str = "UTC"
) -> list[str]:
    """What ``text`` says that ``answer`` (the parser's reading) does not hold, as the person wrote it.
    With ``now``, a log whose day is still to come is named too."""
    intent = str(answer.get("intent") or "")
    slots = answer.get("slots") or {}
    if not isinstance(slots, dict) or intent in ("unknown", "help"):
        return []
    t = normalize(text).text
    carried = _strings(slots)
    left: list[str] = []
    if intent in _DEAL_WRITES:
        left += _money_left(t, slots, carried)
    if intent in _EMAILED:
        for em in _EMAILISH.finditer(text):  # as typed: normalising reads a lone "@" as "at"
            word = em.group(0).strip(".,;:!?'")
            if "@" in word and word.lower() not in carried and not _REPLACED.search(text[: em.start()]):
                left.append(word)
    has_date = any(k in slots for k in _DATE_SLOTS) or isinstance(slots.get("follow_up"), dict)
    if intent in _DATED and not has_date and not (intent == "log_interaction" and slots.get("summary")):
        for sp in find_spans(t.lower()):
            said = sp.text.strip()
            if said and not _TODAY.match(said) and said.lower() not in carried:
                left.append(said)
    if intent in _DATED:
        left += [d for d in _no_such_days(t) if d not in left]
    if intent == "create_task" and "due" not in slots:
        # "call Jane yesterday": a day already gone cannot be when it is due, even kept in the title
        left += [
            sp.text.strip() for sp in find_spans(t.lower()) if sp.is_past_word and sp.text.strip() not in left
        ]
    if intent == "log_interaction" and slots.get("summary"):
        left += _future_in_log(text, slots, now, tz)
    return list(dict.fromkeys(left))
