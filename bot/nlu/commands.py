"""``/crm`` verbs outside the message contract (``deal show``, ``deals mine``, ``contact edit …``, ``undo``).

They are exact forms, tried before :func:`bot.nlu.parse`; anything that does not fit them exactly
returns ``None`` and goes to the parser, so "deals are slow this month" is still understood as chat.
The result has the parser's shape (``{"intent", "confidence", "slots"}``) with intents of its own.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from datetime import datetime
from typing import Any

from .contract import BY_NAME, CONTACT_SLOTS, ROLES

STAGES = ("lead", "qualified", "demo", "proposal", "negotiation", "won", "lost")
CONTACT_FIELDS = CONTACT_SLOTS
# What ``company edit`` may set: the contract's update_company slots but the company itself.
COMPANY_FIELDS = tuple(s for s in BY_NAME["update_company"].slots if s != "company")
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_SHARE_TAIL = re.compile(r"(?:\s+|^)(?:--share|share|in (?:the )?channel|publicly)\s*$", re.I)
_SHARE_HEAD = re.compile(r"^\s*(?:--share|share)\s+", re.I)
_AMOUNT = re.compile(r"^[$€£]?\s*(\d[\d,]*(?:\.\d+)?)\s*([kKmM]?)$")
_CURRENCY = {"$": "USD", "€": "EUR", "£": "GBP"}
# The contract has no deal slot on log_interaction; this exact form adds one.
_LOG_ON_DEAL = re.compile(
    r"^log\s+(?P<kind>call|email|meeting|note|message)\s+(?:on|for)\s+(?:the\s+)?deal\s+(?P<deal>[^:]+?)"
    r"(?:\s*:\s*(?P<summary>.*))?$",
    re.I | re.S,
)


def split_share(text: str, is_command: Callable[[str], bool] = lambda rest: True) -> tuple[str, bool]:
    """The text without its share flag, and the flag.

    ``--share``, a trailing ``in channel`` or ``publicly`` always count. A bare ``share`` at either end
    counts only when the rest is a command (``is_command``): in "share the deck with Jane by Friday" it
    is the task itself.
    """
    stripped = text.strip()
    m = _SHARE_TAIL.search(stripped)
    if m and m.start() > 0:
        rest = stripped[: m.start()].strip()
        if m.group(0).strip().lower() != "share" or is_command(rest):
            return rest, True
    m = _SHARE_HEAD.match(stripped)
    if m:
        rest = stripped[m.end() :].strip()
        if m.group(0).strip().lower() != "share" or is_command(rest):
            return rest, True
    return stripped, False


def _intent(name: str, **slots: Any) -> dict[str, Any]:
    return {"intent": name, "confidence": 1.0, "slots": {k: v for k, v in slots.items() if v is not None}}


def _mention(word: str) -> str | None:
    m = _MENTION.match(word)
    return m.group(1) if m else None


def amount(text: str) -> tuple[float, str | None] | None:
    t = text.strip()
    currency = _CURRENCY.get(t[:1])
    m = _AMOUNT.match(t)
    if not m:
        return None
    factor = {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2).lower()]
    return float(m.group(1).replace(",", "")) * factor, currency


def _date(text: str, now: datetime | None) -> str | None:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        return text.strip()
    if now is None:
        return None
    try:
        from bot.nlu.dates import find_spans, resolve
    except ImportError:  # pragma: no cover - the parser package is always shipped
        return None
    low = text.lower().strip()
    spans = find_spans(low)
    if len(spans) != 1 or spans[0].end - spans[0].start < len(low) - 3:
        return None
    resolved = resolve(spans[0], now)
    return resolved[:10] if resolved else None


# "undo", "undo that", "oops, undo that please", "revert my last change": the bot's own verb (not an
# intent of the message contract), so it is read here, before the parser.
UNDO = re.compile(
    r"^(?:(?:oops|whoops|oh no|sorry|my bad|ugh|argh|wait)[\s,.!]*)*(?:please\s+|can you\s+|could you\s+)?"
    r"(?:undo|revert|take back)(?:\s+(?:that|it|this|last|the last (?:one|change|thing)|my last (?:one|change|thing)))?"
    r"(?:\s+please)?[\s.!?]*$",
    re.IGNORECASE,
)


def parse_command(
    text: str, *, user: str | None = None, now: datetime | None = None
) -> dict[str, Any] | None:
    words = text.strip().split()
    if not words:
        return None
    head = [w.lower() for w in words[:2]]
    rest = " ".join(words[2:]).strip()

    if UNDO.match(text.strip()):
        return _intent("undo")

    if head[0] in ("deal", "deals") and len(words) >= 3 and head[1] == "show":
        return _intent("show_deal", deal=rest)
    if head[0] in ("contact", "contacts") and len(words) >= 3 and head[1] == "show":
        return _intent("show_contact", contact=rest)
    if head[0] in ("contact", "contacts") and len(words) >= 3 and head[1] in ("find", "search"):
        return _intent("find_contact", query=rest)

    if head[0] == "deals" and len(words) <= 3:
        return _deals(words[1:], user)

    if head[:2] == ["contact", "edit"] and len(words) >= 3:
        return _contact_edit(" ".join(words[2:]))
    if head[:2] == ["company", "edit"] and len(words) >= 3:
        return _field_edit(" ".join(words[2:]), "update_company", "company", COMPANY_FIELDS)

    if head[0] == "deal" and len(words) >= 4 and head[1] == "amount":
        # The amount is what ends the line, in any form the money reader knows ("EUR 27000", "45.000 €").
        from bot.nlu.money import find_money

        body = " ".join(words[2:])
        found = find_money(body, deal_context=True, exclude=[])
        if found and found[-1].end >= len(body.rstrip(" .")) and body[: found[-1].start].strip():
            last = found[-1]
            return _intent(
                "update_deal", deal=body[: last.start].strip(), amount=last.amount, currency=last.currency
            )
        money = amount(words[-1])
        if money is None:
            return _intent("invalid", field="amount", form="deal amount DEAL AMOUNT", value=words[-1])
        return _intent("update_deal", deal=" ".join(words[2:-1]), amount=money[0], currency=money[1])
    if head[0] == "deal" and len(words) >= 4 and head[1] in ("close", "closes"):
        # deal close Acme renewal 2026-12-15 / deal close Acme renewal on friday
        body = " ".join(words[2:])
        m = re.match(r"^(?P<ref>.+?)\s+(?:on|to|by)\s+(?P<when>.+)$", body)
        candidates = [(m.group("ref"), m.group("when"))] if m else []
        candidates += [
            (" ".join(words[2:-k]), " ".join(words[-k:])) for k in (1, 2, 3) if len(words) - k >= 3
        ]
        for ref, when in candidates:
            day = _date(when, now)
            if day:
                return _intent("update_deal", deal=ref, close_date=day)
        return _intent("invalid", field="close_date", form="deal close DEAL 2026-12-15", value=body)

    m = _LOG_ON_DEAL.match(text.strip())
    if m:
        return _intent(
            "log_interaction",
            kind=m.group("kind").lower(),
            deal=m.group("deal").strip(),
            summary=(m.group("summary") or "").strip() or None,
        )

    if head[:2] == ["task", "done"] and len(words) == 3 and re.fullmatch(r"#\d+", words[2]):
        return _intent("complete_task", task=int(words[2][1:]))

    if head[0] in ("role", "roles"):
        return _role(words[1:])
    return None


def _role(args: list[str]) -> dict[str, Any] | None:
    """``role`` · ``role @someone`` · ``role @someone manager``; "role play the demo" is not one."""
    if not args:
        return _intent("show_roles")
    form = "role @someone rep|manager|admin"
    person = _mention(args[0])
    wanted = args[-1].lower().rstrip("s")  # "admins" as well
    if person is None:
        # "role bob manager": a name Slack did not turn into a mention; "role play the demo" is chat.
        return _intent("invalid", field="person", form=form, value=args[0]) if wanted in ROLES else None
    if len(args) == 1:
        return _intent("show_roles", person=person)
    if len(args) == 2 and wanted in ROLES:
        return _intent("set_role", person=person, role=wanted)
    return _intent("invalid", field="role", form=form, value=" ".join(args[1:]))


def _deals(args: list[str], user: str | None) -> dict[str, Any] | None:
    if not args:
        return _intent("list_deals", owner=user)
    owner: str | None = None
    said_owner = False
    stage: str | None = None
    for word in args:
        low = word.lower()
        if low in ("mine", "my", "me"):
            owner, said_owner = user, True
        elif low in ("all", "team", "everyone"):
            owner, said_owner = None, True
        elif low in STAGES:
            stage = low
        elif _mention(word):
            owner, said_owner = _mention(word), True
        else:
            return None
    # "deals proposal" is the stage across the team; with no stage the list is one's own.
    if not said_owner and stage is None:
        owner = user
    return _intent("list_deals", owner=owner, stage=stage)


def _contact_edit(body: str) -> dict[str, Any]:
    """``contact edit Jane Doe email=jane@acme.com title="VP Sales"``"""
    return _field_edit(body, "update_contact", "contact", CONTACT_FIELDS)


def _field_edit(body: str, intent: str, ref_slot: str, fields: tuple[str, ...]) -> dict[str, Any]:
    """``NAME field=value …`` for ``intent``: the record as written in ``ref_slot``, then its changes."""
    form = f"{ref_slot} edit NAME field=value (fields: " + ", ".join(fields) + ")"
    first = re.search(r"\b(\w+)\s*=", body)
    if first is None:
        return _intent("invalid", field="fields", form=form, value=body)
    ref = body[: first.start()].strip()
    try:
        pairs = shlex.split(body[first.start() :])
    except ValueError:
        return _intent("invalid", field="fields", form=form, value=body)
    changes: dict[str, Any] = {}
    key: str | None = None
    for token in pairs:
        if "=" in token:
            key, _, value = token.partition("=")
            key = key.strip().lower()
            if key not in fields:
                return _intent("invalid", field=key, form=form, value=token)
            changes[key] = value.strip()
        elif key is not None:
            changes[key] = f"{changes[key]} {token}".strip()
    if not ref:
        return _intent("invalid", field=ref_slot, form=form, value=body)
    return {"intent": intent, "confidence": 1.0, "slots": {ref_slot: ref, **changes}}
