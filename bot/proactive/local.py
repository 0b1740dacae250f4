"""Daily messages go out at a local time in each person's zone: when the next such moment is."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.timeutil import zone
from models import User


def next_local_time(s: Session, at: time, after: datetime, until: datetime) -> datetime | None:
    """The first ``at`` (local time) after ``after``, up to ``until``, in any zone people are in."""
    found = []
    for tz in set(s.scalars(select(User.tz).distinct())):
        day = after.astimezone(zone(tz)).date()
        for offset in (0, 1):
            moment = datetime.combine(day + timedelta(days=offset), at, tzinfo=zone(tz))
            if moment > after:
                found.append(moment.astimezone(UTC))
                break
    return min((t for t in found if t <= until), default=None)
