"""Small typed Block Kit builders and the formatting every card shares."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.services.text import money
from bot.services.timeutil import zone

VALUE_LIMIT = 2000  # Slack's limit on a button value


def esc(text: object) -> str:
    """Text a person typed, made safe for mrkdwn (no accidental mentions or links)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_ESCAPED_REF = re.compile(r"&lt;([@#][UWCGD][A-Z0-9]+)&gt;")


def esc_message(text: object) -> str:
    """A service's message made safe like :func:`esc`, except its references to people and channels
    (``<@U…>``, ``<#C…>``), which Slack then shows as names."""
    return _ESCAPED_REF.sub(r"<\1>", esc(text))


def md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text[:3000])


def section(text: str, accessory: Any = None) -> SectionBlock:
    return SectionBlock(text=md(text), accessory=accessory)


def fields(pairs: list[tuple[str, str]]) -> SectionBlock:
    return SectionBlock(fields=[md(f"*{k}*\n{v}") for k, v in pairs[:10]])


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[md(text)])


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=text[:150], emoji=True))


def divider() -> DividerBlock:
    return DividerBlock()


def pack(value: Any) -> str:
    """A button value: compact JSON, trimmed of free text if it would pass Slack's limit."""
    text = json.dumps(value, separators=(",", ":"), default=str)
    if len(text) <= VALUE_LIMIT or not isinstance(value, dict):
        return text[:VALUE_LIMIT]
    trimmed = json.loads(text)
    slots = trimmed.get("s") or {}
    for key in ("summary", "title"):
        if isinstance(slots.get(key), str) and len(slots[key]) > 300:
            # Visibly cut, never silently: the person sees "…" in what is read back to them.
            slots[key] = slots[key][:299] + "…"
    return json.dumps(trimmed, separators=(",", ":"))[:VALUE_LIMIT]


def unpack(value: str | None) -> Any:
    if not value:
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def button(
    text: str,
    action_id: str,
    value: Any = None,
    *,
    style: str | None = None,
    confirm: ConfirmObject | None = None,
) -> ButtonElement:
    raw = value if isinstance(value, str) else pack(value) if value is not None else None
    return ButtonElement(
        text=PlainTextObject(text=text[:75], emoji=True),
        action_id=action_id,
        value=raw,
        style=style,
        confirm=confirm,
    )


def actions(*elements: ButtonElement | None, block_id: str | None = None) -> ActionsBlock | None:
    present = [e for e in elements if e is not None]
    return ActionsBlock(elements=present[:25], block_id=block_id) if present else None


def compact(blocks: list[Block | None]) -> list[Block]:
    return [b for b in blocks if b is not None][:50]


def moneys(amounts: Mapping[str, Decimal], default_currency: str) -> str:
    """Amounts in several currencies side by side ("$10,000 + €7,000"), the workspace's own first;
    never converted or added across currencies. Nothing at all reads as zero in the workspace's."""
    if not amounts:
        return money(Decimal(0), default_currency)
    order = sorted(amounts, key=lambda c: (c != default_currency, c))
    return " + ".join(money(amounts[c], c) for c in order)


def a(word: str) -> str:
    """“a call”, “an email”: the kinds of interaction are all spelled so that the first letter decides."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def deals_count(n: int) -> str:
    return f"{n} deal" if n == 1 else f"{n} deals"


def day(value: date | None) -> str:
    if value is None:
        return "no date"
    return value.strftime("%a %-d %b %Y")


def when(value: datetime | None, tz: str) -> str:
    """An instant in the reader's zone."""
    if value is None:
        return "no date"
    local = value.astimezone(zone(tz))
    return local.strftime("%a %-d %b %Y %H:%M")


def as_said(value: object) -> str:
    """A date or time a message gave (a slot: ``2026-12-15`` or ``2026-12-07T12:00:00-05:00``, already in
    the writer's zone) as a card says it; anything else as written, escaped."""
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return day(date.fromisoformat(text))
        except ValueError:
            return esc(text)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?", text):
        try:
            return datetime.fromisoformat(text).strftime("%a %-d %b %Y %H:%M")
        except ValueError:
            return esc(text)
    return esc(text)


def due_text(due_date: date | None, due_at: datetime | None, tz: str) -> str:
    if due_at is not None:
        return when(due_at, tz)
    if due_date is not None:
        return day(due_date)
    return "no due date"


def due_phrase(due_date: date | None, due_at: datetime | None, tz: str) -> str:
    """“due Fri 27 Nov 2026”, or “no due date” (not “due no due date”)."""
    if due_date is None and due_at is None:
        return "no due date"
    return f"due {due_text(due_date, due_at, tz)}"


def user(slack_id: str | None) -> str:
    return f"<@{slack_id}>" if slack_id else "nobody"
