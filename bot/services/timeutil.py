"""Conversions between what a person means (a day, or a time in their zone) and stored UTC instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.services.errors import Invalid

DAY_REMINDER = time(9, 0)


def zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_when(value: str | date | datetime | None, tz: str) -> tuple[date | None, datetime | None]:
    """A due value as (day, instant): exactly one is set, or neither."""
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone(tz))
        return None, value.astimezone(UTC)
    if isinstance(value, date):
        return value, None
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text), None
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid("due.unreadable", field="due", value=str(value)) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone(tz))
    return None, parsed.astimezone(UTC)


def parse_day(value: str | date | None, field_name: str = "date") -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise Invalid("date.unreadable", field=field_name, value=str(value)) from None


def years_ago(day: date, now: datetime, tz: str) -> bool:
    """Whether ``day`` is more than a year before today in ``tz``: too long ago to be meant as a
    close or due date."""
    today = today_in(tz, now)
    return day < today - timedelta(days=366)


def due_instant(day: date | None, at: datetime | None, tz: str) -> datetime | None:
    """When a task falls due: its time, or 09:00 in the assignee's zone on its day."""
    if at is not None:
        return at
    if day is not None:
        return datetime.combine(day, DAY_REMINDER, tzinfo=zone(tz)).astimezone(UTC)
    return None


def local_day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    z = zone(tz)
    start = datetime.combine(day, time(0), tzinfo=z)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=z)
    return start.astimezone(UTC), end.astimezone(UTC)


def today_in(tz: str, now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(zone(tz)).date()
