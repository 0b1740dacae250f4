"""Channels' standing orders for a report: ``forecast #sales-leads weekly mon 08:30`` posts the forecast
there every Monday at 08:30 in the subscriber's zone (or the one named), over a period counted from the
day of each run (``this quarter``, ``last week``…), for the team or one person, over every pipeline's
deals or one's (``pipeline Renewals``). Each change is one
audited, undoable operation; the scheduler's kind (bot/proactive/kinds/report.py) plans each run once.

Whose figures: a subscription reads its report as its subscriber may see it, so a rep may subscribe a
channel to their own figures only; the team's or a teammate's are for managers and admins."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.services import policy
from bot.services.base import Actor, ServiceBase
from bot.services.errors import Conflict, Invalid, NotFound
from bot.services.reports import check_pipeline_measure
from bot.services.retrying import units
from bot.services.stages import find_pipeline
from bot.services.subscriptions import WEEKDAYS, parse_channel, parse_time, parse_weekday
from bot.services.timeutil import zone
from models import Pipeline, ReportSubscription, User
from models.scheduling import REPORT_MEASURES, REPORT_PERIODS

# How a measure is written after `/crm report subscribe`.
MEASURE_WORDS = {
    **{m: m for m in REPORT_MEASURES},
    "winrate": "win_rate",
    "win-rate": "win_rate",
    "closed": "won",
    "wins": "won",
    "losses": "lost",
    "activities": "activity",
    "nps": "satisfaction",
    "csat": "satisfaction",
    "quotas": "quota",
    "retention": "customers",
    "customer": "customers",
}
MEASURE_NAMES = {
    "won": "deals won",
    "lost": "deals lost",
    "win_rate": "win rate",
    "activity": "activity",
    "cycle": "sales cycle",
    "forecast": "forecast",
    "funnel": "funnel",
    "velocity": "pipeline velocity",
    "quota": "quotas",
    "customers": "customers",
    "satisfaction": "satisfaction",
}
PERIOD_NAMES = {p: p.replace("_", " ") for p in REPORT_PERIODS}
# The measures whose period looks ahead (open deals by close date, a quota's whole period): the rest
# count what happened, up to the day of the run.
WHOLE_PERIOD = ("forecast", "quota")
CHANNEL_WORD = re.compile(r"^<?#")
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


@dataclass(frozen=True)
class ReportOrder:
    """What was asked for, read from the words (see :func:`read_order`); the channel as written."""

    measure: str
    channel: str | None
    owner: str | None  # a Slack id, "me", or None for the team
    period: str
    frequency: str
    weekdays: tuple[int, ...]
    time_local: str
    tz: str | None
    pipeline: str | None = None  # one pipeline's deals, by name as written; None: every pipeline


@dataclass(frozen=True)
class ReportSubscriptionView:
    id: int
    channel_id: str
    measure: str
    owner_slack_id: str | None
    period: str
    frequency: str
    weekdays: tuple[int, ...]
    time_local: str
    tz: str
    next_run_at: datetime
    pipeline: str | None = None  # its name now; None: every pipeline

    def schedule(self) -> str:
        if self.frequency == "weekly":
            days = ", ".join(WEEKDAYS[d].capitalize() for d in self.weekdays)
            return f"weekly on {days} at {self.time_local}"
        return f"daily at {self.time_local}"


@dataclass(frozen=True)
class ReportSubscriptionWritten:
    op_id: str
    subscription: ReportSubscriptionView


def _days(text: str) -> tuple[int, ...]:
    """``mon`` · ``mon,thu`` · ``mon-fri`` · ``weekdays``."""
    if text in ("weekdays", "workdays"):
        return (0, 1, 2, 3, 4)
    found: list[int] = []
    for part in text.split(","):
        if "-" in part:
            first, last = (parse_weekday(x) for x in part.split("-", 1))
            found += range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
        else:
            found.append(parse_weekday(part))
    return tuple(sorted(set(found)))


def _is_zone(word: str) -> bool:
    if "/" not in word and word.upper() != "UTC":
        return False
    try:
        ZoneInfo(word)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _is_days(word: str) -> bool:
    try:
        _days(word)
    except Invalid:
        return False
    return True


def default_period(measure: str, frequency: str) -> str:
    if measure in WHOLE_PERIOD:
        return "this_quarter"
    if measure == "customers":
        return "this_year"
    return "last_week" if frequency == "weekly" else "this_week"


def _measure(words: list[str]) -> tuple[str, list[str]]:
    if not words:
        raise Invalid("report_subscription.measure.missing", field="measure")
    if len(words) > 1 and (words[0].lower(), words[1].lower()) == ("win", "rate"):
        words = ["win_rate", *words[2:]]
    measure = MEASURE_WORDS.get(words[0].lower())
    if measure is None:
        raise Invalid("report_subscription.measure.invalid", field="measure", value=words[0])
    return measure, words[1:]


def _schedule(frequency: str | None, days: tuple[int, ...]) -> tuple[str, tuple[int, ...]]:
    if frequency is None:
        raise Invalid("report_subscription.schedule.missing", field="schedule")
    if frequency == "weekly" and not days:
        raise Invalid("subscription.weekday.missing", field="weekday")
    return frequency, days if frequency == "weekly" else ()


def read_order(text: str) -> ReportOrder:
    """``forecast #sales-leads weekly mon 08:30 this quarter @bob in Europe/Paris``: the measure first,
    then in any order the channel, ``daily``/``weekly DAYS``/``DAYS``, a time, a period (``this|last
    week|month|quarter|year``, ``today``, ``yesterday``), whose figures (``@someone``, ``mine``, ``team``)
    and a zone."""
    measure, rest = _measure(text.split())
    channel = owner = tz = period = time_local = None
    frequency: str | None = None
    days: tuple[int, ...] = ()
    i = 0
    while i < len(rest):
        word, low = rest[i], rest[i].lower()
        nxt = rest[i + 1] if i + 1 < len(rest) else ""
        if CHANNEL_WORD.match(word) or low in ("here", "this-channel"):
            channel = word
        elif MENTION.match(word) or low.startswith("@"):
            owner = word
        elif low in ("mine", "me", "my", "team", "everyone"):
            owner = "me" if low in ("mine", "me", "my") else None
        elif low in ("this", "last") and nxt.lower() in ("week", "month", "quarter", "year"):
            period, i = f"{low}_{nxt.lower()}", i + 1
        elif low in ("today", "yesterday"):
            period = low
        elif low in ("daily", "weekly", "every"):
            frequency = "weekly" if low == "weekly" else frequency or "daily"
        elif low == "in" and _is_zone(nxt):
            tz, i = rest[i + 1], i + 1
        elif _is_zone(word):
            tz = word
        elif _is_days(low):
            frequency, days = "weekly", _days(low)
        elif low[:1].isdigit():
            time_local = parse_time(low)
        else:
            raise Invalid("report_subscription.word", field="order", value=word)
        i += 1
    frequency, days = _schedule(frequency, days)
    return ReportOrder(
        measure,
        channel,
        owner,
        period or default_period(measure, frequency),
        frequency,
        days,
        time_local or "09:00",
        tz,
    )


def period_days(period: str, today: date, measure: str) -> tuple[date, date]:
    """The days a run on ``today`` reports on; cut at today for a measure counting what happened."""
    word, _, unit = period.partition("_")
    if period in ("today", "yesterday"):
        day = today - timedelta(days=period == "yesterday")
        return day, day
    back = word == "last"
    if unit == "week":
        start = today - timedelta(days=today.weekday()) - timedelta(days=7 * back)
        end = start + timedelta(days=6)
    elif unit == "month":
        start = today.replace(day=1)
        if back:
            start = (start - timedelta(days=1)).replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    elif unit == "quarter":
        q, year = (today.month - 1) // 3 - back, today.year
        if q < 0:  # the quarter before Q1 is last year's Q4
            q, year = 3, year - 1
        start = date(year, q * 3 + 1, 1)
        end = (start + timedelta(days=93)).replace(day=1) - timedelta(days=1)
    else:
        start = date(today.year - back, 1, 1)
        end = date(today.year - back, 12, 31)
    if measure not in WHOLE_PERIOD:
        end = min(end, today)
    return start, end


def next_run(
    frequency: str, weekdays: tuple[int, ...], time_local: str, tz: str, after: datetime
) -> datetime:
    """The first instant strictly after ``after`` that is the schedule's wall-clock time in ``tz`` on
    one of its days (every day when daily); a time skipped by a DST jump lands just after it."""
    z = zone(tz)
    hh, mm = (int(x) for x in time_local.split(":"))
    day = after.astimezone(z).date()
    for _ in range(9):
        if frequency == "daily" or day.weekday() in weekdays:
            candidate = datetime.combine(day, time(hh, mm), tzinfo=z).astimezone(UTC)
            if candidate > after:
                return candidate
        day += timedelta(days=1)
    raise AssertionError("no run within a week")  # pragma: no cover - a weekly order names a day


def weekdays_of(sub: ReportSubscription) -> tuple[int, ...]:
    return tuple(int(x) for x in (sub.weekdays or "").split(",") if x)


def view(
    sub: ReportSubscription, owner_slack_id: str | None, pipeline: str | None = None
) -> ReportSubscriptionView:
    return ReportSubscriptionView(
        sub.id,
        sub.channel_id,
        sub.measure,
        owner_slack_id,
        sub.period,
        sub.frequency,
        weekdays_of(sub),
        sub.time_local,
        sub.tz,
        sub.next_run_at,
        pipeline,
    )


def _refuse_repeat(
    s: Session, channel_id: str, order: ReportOrder, owner: User | None, pipeline: Pipeline | None, tz: str
) -> None:
    """The same report ordered again for the same channel and time would be posted there twice."""
    same = s.scalar(
        select(ReportSubscription).where(
            ReportSubscription.channel_id == channel_id,
            ReportSubscription.measure == order.measure,
            ReportSubscription.owner_id == owner.id if owner else ReportSubscription.owner_id.is_(None),
            ReportSubscription.pipeline_id == pipeline.id
            if pipeline
            else ReportSubscription.pipeline_id.is_(None),
            ReportSubscription.period == order.period,
            ReportSubscription.frequency == order.frequency,
            ReportSubscription.time_local == order.time_local,
            ReportSubscription.tz == tz,
        )
    )
    if same is None or weekdays_of(same) != tuple(order.weekdays):
        return
    raise Conflict(
        "report_subscription.exists",
        channel_id=channel_id,
        number=same.id,
        owner=owner.slack_id if owner else None,
        measure=MEASURE_NAMES[order.measure],
        pipeline=pipeline.name if pipeline else None,
        period=PERIOD_NAMES[order.period],
        schedule=view(same, None).schedule(),
        tz=tz,
    )


# Each public method is one unit: run again whole on a deadlock (bot/services/retrying.py).
@units
class ReportSubscriptions(ServiceBase):
    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(sessions)
        self.clock = clock or (lambda: datetime.now(UTC))

    def _owner(self, s: Session, actor: Actor, owner: str | None) -> User | None:
        if owner is None:
            return None
        if owner == "me":
            return s.get(User, actor.user_id)
        m = MENTION.match(owner)
        if m is None:
            raise Invalid("report_subscription.owner.invalid", field="owner", value=owner)
        found = s.scalar(select(User).where(User.slack_id == m.group(1)))
        if found is None:
            raise NotFound("report_subscription.owner.unknown", kind="person", ref=m.group(1))
        return found

    def subscribe(
        self, actor: Actor, order: ReportOrder, channel: str, *, channel_name: str | None = None
    ) -> ReportSubscriptionWritten:
        """Post ``order``'s report to ``channel`` (Slack's escaped form or an id) on its schedule."""
        channel_id, escaped_name = parse_channel(channel)
        with self.op(actor) as op:
            s = op.session
            owner = self._owner(s, actor, order.owner)
            check_pipeline_measure(order.measure, order.pipeline)
            pipeline = find_pipeline(s, actor.workspace_id, order.pipeline) if order.pipeline else None
            if owner is None or owner.id != actor.user_id:
                # The team's figures or a teammate's, posted where others read them.
                policy.require(s, actor, "report subscriptions")
            tz = order.tz or actor.tz
            _refuse_repeat(s, channel_id, order, owner, pipeline, tz)
            sub = ReportSubscription(
                workspace_id=actor.workspace_id,
                channel_id=channel_id,
                channel_name=channel_name or escaped_name,
                measure=order.measure,
                owner_id=owner.id if owner else None,
                pipeline_id=pipeline.id if pipeline else None,
                period=order.period,
                frequency=order.frequency,
                weekdays=",".join(str(d) for d in order.weekdays) or None,
                time_local=order.time_local,
                tz=tz,
                next_run_at=next_run(order.frequency, order.weekdays, order.time_local, tz, self.clock()),
                created_by=actor.user_id,
            )
            s.add(sub)
            s.flush()
            shown = view(sub, owner.slack_id if owner else None, pipeline.name if pipeline else None)
            return ReportSubscriptionWritten(op.id, shown)

    def unsubscribe(self, actor: Actor, ref: str) -> ReportSubscriptionWritten:
        """Remove subscription number ``ref`` (as listed); a rep only their own."""
        number = ref.strip().lstrip("#")
        if not number.isdigit():
            raise Invalid("report_subscription.number.invalid", field="number", value=ref)
        with self.op(actor) as op:
            s = op.session
            sub = s.scalar(
                select(ReportSubscription).where(ReportSubscription.id == int(number)).with_for_update()
            )
            if sub is None:
                raise NotFound("report_subscription.not_found", kind="report subscription", ref=number)
            if sub.created_by != actor.user_id:
                policy.require(s, actor, "report unsubscribe")
            owner = s.get(User, sub.owner_id) if sub.owner_id else None
            pipeline = s.get(Pipeline, sub.pipeline_id) if sub.pipeline_id else None
            shown = view(sub, owner.slack_id if owner else None, pipeline.name if pipeline else None)
            s.delete(sub)
            s.flush()
            return ReportSubscriptionWritten(op.id, shown)

    def list(self, actor: Actor) -> list[ReportSubscriptionView]:
        """The workspace's report subscriptions, by channel."""
        with self.read(actor) as s:
            rows = s.execute(
                select(ReportSubscription, User.slack_id, Pipeline.name)
                .outerjoin(User, User.id == ReportSubscription.owner_id)
                .outerjoin(Pipeline, Pipeline.id == ReportSubscription.pipeline_id)
                .order_by(ReportSubscription.channel_id, ReportSubscription.id)
            ).all()
            return [view(sub, slack_id, pipeline) for sub, slack_id, pipeline in rows]
