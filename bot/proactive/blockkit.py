"""Block Kit pieces the proactive kinds share: times in the reader's zone and the "sent late" note."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject

from bot.services.timeutil import zone


def md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text)


def dicts(blocks: list[Block]) -> list[dict[str, Any]]:
    return [b.to_dict() for b in blocks]


def local_time(when: datetime | None, tz: str) -> str:
    """“Tue 24 Nov 10:00” in the reader's zone (empty for no time)."""
    return "" if when is None else f"{when.astimezone(zone(tz)):%a %d %b %H:%M}"


def when_local(iso_utc: str | None, iso_day: str | None, tz: str, now: datetime | None = None) -> str:
    """“today 15:00”, “Mon 24 Nov 15:00”, or the day alone, in the reader's zone."""
    if iso_day and not iso_utc:
        day = date.fromisoformat(iso_day)
        return day_label(day, tz, now)
    if iso_utc is None:
        return "no due date"
    at = datetime.fromisoformat(iso_utc).astimezone(zone(tz))
    return f"{day_label(at.date(), tz, now)} {at:%H:%M}"


def day_label(day: date, tz: str, now: datetime | None) -> str:
    today = (now or datetime.now(UTC)).astimezone(zone(tz)).date()
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta == -1:
        return "yesterday"
    if delta == 1:
        return "tomorrow"
    return f"{day:%a %d %b}"


def late_note(late: bool, due_iso: str | None, tz: str, now: datetime | None) -> list[Block]:
    """Said under a message the bot sends well after it fell due (it was offline meanwhile)."""
    if not late or not due_iso:
        return []
    return [
        ContextBlock(
            elements=[
                md(
                    f":hourglass: Sent late: this was due {when_local(due_iso, None, tz, now)} "
                    "while the bot was offline."
                )
            ]
        )
    ]
