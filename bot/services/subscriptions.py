"""Channels' standing orders for the pipeline summary: ``daily 09:00`` or ``weekly monday 09:00``, at
that local time in the subscriber's zone. Each change is one audited, undoable operation."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.services import policy
from bot.services.base import Actor, ServiceBase
from bot.services.errors import Conflict, Invalid, NotFound
from bot.services.retrying import units
from bot.services.timeutil import zone
from models import Subscription

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CHANNEL = re.compile(r"^<#(?P<id>[CGD][A-Z0-9]+)(?:\|(?P<name>[^>]*))?>$|^(?P<bare>[CGD][A-Z0-9]{6,})$")
TIME = re.compile(r"^(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>am|pm)?$")


@dataclass(frozen=True)
class Schedule:
    frequency: str
    weekday: int | None
    time_local: str

    def describe(self) -> str:
        if self.frequency == "weekly" and self.weekday is not None:
            return f"weekly on {WEEKDAYS[self.weekday].capitalize()} at {self.time_local}"
        return f"daily at {self.time_local}"


@dataclass(frozen=True)
class SubscriptionView:
    id: int
    channel_id: str
    channel_name: str | None
    schedule: Schedule
    tz: str
    next_run_at: datetime
    last_run_at: datetime | None

    def describe(self) -> str:
        return f"{self.schedule.describe()} ({self.tz})"


@dataclass(frozen=True)
class SubscriptionWritten:
    op_id: str
    subscription: SubscriptionView | None = None
    removed: tuple[SubscriptionView, ...] = ()


def parse_channel(text: str) -> tuple[str, str | None]:
    """A channel as Slack escapes it in a slash command (``<#C123|sales>``), or a bare id."""
    m = CHANNEL.match(text.strip())
    if not m:
        raise Invalid("subscription.channel.invalid", field="channel", value=text)
    return (m.group("id") or m.group("bare")), m.group("name") or None


def parse_time(text: str) -> str:
    m = TIME.match(text.strip().lower())
    if not m:
        raise Invalid("subscription.time.invalid", field="time", value=text)
    hour, minute = int(m.group("h")), int(m.group("m") or 0)
    if m.group("ampm"):
        if not 1 <= hour <= 12:
            raise Invalid("subscription.time.invalid", field="time", value=text)
        hour = hour % 12 + (12 if m.group("ampm") == "pm" else 0)
    if hour > 23 or minute > 59:
        raise Invalid("subscription.time.invalid", field="time", value=text)
    return f"{hour:02d}:{minute:02d}"


def parse_weekday(text: str) -> int:
    word = text.strip().lower().rstrip("s")
    for i, name in enumerate(WEEKDAYS):
        if len(word) >= 3 and name.startswith(word):
            return i
    raise Invalid("subscription.weekday.invalid", field="weekday", value=text)


def parse_schedule(text: str) -> Schedule:
    """``daily 09:00`` · ``daily 9am`` · ``weekly monday 09:00`` · ``weekly mon`` (09:00 by default)."""
    words = text.strip().lower().split()
    if not words:
        raise Invalid("subscription.schedule.missing", field="schedule")
    kind, rest = words[0], words[1:]
    if kind in ("daily", "day", "every-day"):
        return Schedule("daily", None, parse_time(" ".join(rest)) if rest else "09:00")
    if kind in ("weekly", "week"):
        if not rest:
            raise Invalid("subscription.weekday.missing", field="weekday")
        return Schedule(
            "weekly", parse_weekday(rest[0]), parse_time(" ".join(rest[1:])) if rest[1:] else "09:00"
        )
    if len(kind) >= 3 and any(d.startswith(kind.rstrip("s")) for d in WEEKDAYS):
        return Schedule("weekly", parse_weekday(kind), parse_time(" ".join(rest)) if rest else "09:00")
    raise Invalid("subscription.schedule.invalid", field="schedule", value=text)


@dataclass(frozen=True)
class SummaryRequest:
    """A standing order for the summary asked for in words: ``subscribe`` with a schedule in the form
    :func:`parse_schedule` reads, or ``unsubscribe`` with ``daily``, ``weekly`` or nothing (both)."""

    action: str
    channel: str | None
    schedule: str


_CHANNEL_REF = re.compile(r"<#[CGD][A-Z0-9]+(?:\|[^>]*)?>|#[a-z0-9][a-z0-9_\-]*", re.IGNORECASE)
_STOP = re.compile(
    r"^(?:please\s+)?(?:stop|unsubscribe|cancel|end|turn off|no more|don'?t (?:post|send)|do not (?:post|send))\b"
)
_ORDER = re.compile(r"^(?:please\s+|can you\s+|could you\s+)?(?:post|send|share|drop|put|deliver|give)\b")
_RECURRING = re.compile(
    r"\b(?:every|each)\s+(?:morning|day|weekday|week|evening|afternoon|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday)\b|\b(?:daily|weekly|mornings)\b|\bon\s+(?:mondays|tuesdays|wednesdays|thursdays|"
    r"fridays|saturdays|sundays)\b"
)
_WEEKDAY = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?\b")
_AT = re.compile(r"\b(?:at|@)\s*(\d{1,2}(?::\d{2})?\s*(?:am|pm)?)|\b(\d{1,2}(?::\d{2})?\s*(?:am|pm))\b")


def read_summary_request(text: str) -> SummaryRequest | None:
    """ "post the pipeline summary in #sales every morning at 9" → subscribe #sales daily 09:00; "stop
    posting the pipeline summary in #sales" → unsubscribe. None for anything else (asking for the
    pipeline, a task about a summary): the message parser reads those."""
    low = text.strip().lower()
    named = re.search(r"\b(?:summary|summaries|report|digest|update|numbers)\b", low)
    # "send the pipeline to #sales every Monday" is an order as much as "post the pipeline summary …".
    ordered = _ORDER.match(low) and _RECURRING.search(low)
    if "pipeline" not in low or not (named or ordered):
        return None
    found = _CHANNEL_REF.search(text.strip())
    here = re.search(r"\b(?:here|this channel)\b", low)
    if found is None and here is None:
        return None
    channel = found.group(0) if found else "here"
    weekly = bool(re.search(r"\bweekly\b|\b(?:every|each) week\b", low)) or bool(
        re.search(r"\b(?:every|each|on)\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)", low)
    )
    if _STOP.match(low):
        daily = re.search(r"\bdaily\b|\b(?:every|each) (?:morning|day)\b", low)
        return SummaryRequest("unsubscribe", channel, "weekly" if weekly else "daily" if daily else "")
    if not _ORDER.match(low) or not _RECURRING.search(low):
        return None
    at = _AT.search(low)
    hhmm = parse_time((at.group(1) or at.group(2)).strip()) if at else "09:00"
    hour = int(hhmm[:2])
    # "every evening at 6" is 18:00: a bare hour takes the part of the day the message names.
    if hour < 12 and re.search(r"\b(?:evening|afternoon)\b", low) and not (at and "am" in at.group(0)):
        hhmm = f"{hour + 12:02d}{hhmm[2:]}"
    if weekly:
        day = _WEEKDAY.search(low)
        return SummaryRequest("subscribe", channel, f"weekly {day.group(1) if day else 'monday'} {hhmm}")
    return SummaryRequest("subscribe", channel, f"daily {hhmm}")


def next_run(schedule: Schedule, tz: str, after: datetime) -> datetime:
    """The first instant strictly after ``after`` that is the schedule's local time (UTC)."""
    z = zone(tz)
    hh, mm = (int(x) for x in schedule.time_local.split(":"))
    local_after = after.astimezone(z)
    day: date = local_after.date()
    for _ in range(15):
        if schedule.frequency == "daily" or day.weekday() == schedule.weekday:
            # Wall-clock time in the zone; a time skipped by a DST jump lands just after it.
            candidate = datetime.combine(day, time(hh, mm), tzinfo=z).astimezone(UTC)
            if candidate > after:
                return candidate
        day += timedelta(days=1)
    raise AssertionError("no run within two weeks")  # pragma: no cover - weekly always matches


def _view(sub: Subscription) -> SubscriptionView:
    return SubscriptionView(
        sub.id,
        sub.channel_id,
        sub.channel_name,
        Schedule(sub.frequency, sub.weekday, sub.time_local),
        sub.tz,
        sub.next_run_at,
        sub.last_run_at,
    )


# Each public method is one unit: run again whole on a deadlock (bot/services/retrying.py).
@units
class Subscriptions(ServiceBase):
    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(sessions)
        self.clock = clock or (lambda: datetime.now(UTC))

    def subscribe(
        self, actor: Actor, channel: str, schedule: str | Schedule, *, channel_name: str | None = None
    ) -> SubscriptionWritten:
        """Post the summary to ``channel`` on ``schedule``, at that time in the subscriber's zone.

        ``channel`` may be Slack's escaped form (``<#C123|sales>``) or an id."""
        channel_id, escaped_name = parse_channel(channel)
        sched = parse_schedule(schedule) if isinstance(schedule, str) else schedule
        with self.op(actor) as op:
            s = op.session
            policy.require(s, actor, "subscribe")
            existing = s.scalars(
                select(Subscription).where(
                    Subscription.channel_id == channel_id,
                    Subscription.frequency == sched.frequency,
                )
            ).all()
            for sub in existing:
                if sub.weekday == sched.weekday and sub.time_local == sched.time_local:
                    raise Conflict(
                        "subscription.exists",
                        channel_id=channel_id,
                        frequency=sched.frequency,
                        weekday=sched.weekday,
                        time_local=sched.time_local,
                    )
            sub = Subscription(
                workspace_id=actor.workspace_id,
                channel_id=channel_id,
                channel_name=channel_name or escaped_name,
                frequency=sched.frequency,
                weekday=sched.weekday,
                time_local=sched.time_local,
                tz=actor.tz,
                next_run_at=next_run(sched, actor.tz, self.clock()),
                created_by=actor.user_id,
            )
            s.add(sub)
            s.flush()
            return SubscriptionWritten(op.id, subscription=_view(sub))

    def unsubscribe(self, actor: Actor, channel: str, schedule: str | None = None) -> SubscriptionWritten:
        """Stop the channel's summaries: all of them, or only those matching ``daily``/``weekly``/a
        full schedule."""
        channel_id, _ = parse_channel(channel)
        with self.op(actor) as op:
            s = op.session
            policy.require(s, actor, "unsubscribe")
            q = select(Subscription).where(Subscription.channel_id == channel_id)
            subs = list(s.scalars(q.order_by(Subscription.id).with_for_update()))
            if schedule and schedule.strip():
                words = schedule.strip().lower().split()
                if len(words) == 1 and words[0] in ("daily", "weekly"):
                    subs = [x for x in subs if x.frequency == words[0]]
                else:
                    sched = parse_schedule(schedule)
                    subs = [
                        x
                        for x in subs
                        if (x.frequency, x.weekday, x.time_local)
                        == (sched.frequency, sched.weekday, sched.time_local)
                    ]
            if not subs:
                raise NotFound("subscription.not_found", kind="summary subscription", ref=channel_id)
            removed = []
            for sub in subs:
                removed.append(_view(sub))
                s.delete(sub)
                s.flush()
            return SubscriptionWritten(op.id, removed=tuple(removed))

    def list(self, actor: Actor, channel: str | None = None) -> list[SubscriptionView]:
        """The channel's subscriptions, or the whole workspace's when no channel is given."""
        with self.read(actor) as s:
            q = select(Subscription)
            if channel:
                q = q.where(Subscription.channel_id == parse_channel(channel)[0])
            return [_view(x) for x in s.scalars(q.order_by(Subscription.channel_id, Subscription.id))]
