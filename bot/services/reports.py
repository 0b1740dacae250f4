"""Reports managers ask for in chat, computed by SQL over a period in the reader's zone: deals won and
lost (by when they actually closed), the win rate, the activity logged (calls, emails, meetings… per
person), the sales cycle (days from a won deal's creation to its close). The forecast is bot/services/forecasts.py, the funnel
and velocity bot/services/funnel.py. Amounts stay per currency."""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from bot.services import policy
from bot.services.base import Actor
from bot.services.errors import Invalid
from bot.services.stages import find_pipeline
from bot.services.timeutil import zone
from bot.services.views import Amounts, add_amounts
from models import Deal, Interaction, Pipeline, PipelineStage, PipelineTotal, User

# The reports that count deals, and so can be kept to one pipeline's; quotas are per person over every
# pipeline, activity and satisfaction are logged against people, not against a pipeline.
PIPELINE_MEASURES = ("won", "lost", "win_rate", "cycle", "velocity", "funnel", "forecast", "customers")


@dataclass(frozen=True)
class OwnerClosed:
    slack_id: str | None
    won: int
    lost: int
    won_amounts: Amounts
    lost_amounts: Amounts


@dataclass(frozen=True)
class Closed:
    start: date
    end: date
    owner_slack_id: str | None
    owners: list[OwnerClosed] = field(default_factory=list)

    @property
    def won(self) -> int:
        return sum(o.won for o in self.owners)

    @property
    def lost(self) -> int:
        return sum(o.lost for o in self.owners)

    @property
    def won_amounts(self) -> Amounts:
        return add_amounts(*(o.won_amounts for o in self.owners))

    @property
    def lost_amounts(self) -> Amounts:
        return add_amounts(*(o.lost_amounts for o in self.owners))

    @property
    def win_rate(self) -> float | None:
        closed = self.won + self.lost
        return self.won / closed if closed else None


def pipeline_named(s: Session, actor: Actor, name: str | None) -> Pipeline | None:
    """The pipeline a report is kept to (None: every pipeline); an unknown name is refused, naming the
    pipelines there are."""
    return find_pipeline(s, actor.workspace_id, name) if name else None


def check_pipeline_measure(measure: str, pipeline: str | None) -> None:
    """Refuse a report for one pipeline when the measure is not counted per pipeline."""
    if pipeline and measure not in PIPELINE_MEASURES:
        raise Invalid("report.pipeline.unsupported", field="pipeline", measure=measure, pipeline=pipeline)


def in_pipeline(q: Select[Any], pipeline: Pipeline | None) -> Select[Any]:
    """``q``, a query over deals, kept to the deals in ``pipeline`` (the pipeline of the stage each is
    in); as it is when None (every pipeline)."""
    if pipeline is None:
        return q
    return q.where(
        Deal.stage_id.in_(select(PipelineStage.id).where(PipelineStage.pipeline_id == pipeline.id))
    )


def _so_far_unit(months: int, start: date, end: date) -> int:
    """How many months back the period before a span so far starts: a year for a year so far, a
    quarter for a quarter so far (which a month so far in a quarter's first month can't be told from),
    else the months it spans."""
    if start.year != end.year or months == 1:
        return months
    if start.month == 1 and months > 3:
        return 12
    if start.month % 3 == 1 and (end.month - 1) // 3 == (start.month - 1) // 3:
        return 3
    return months


def _months_back(day: date, months: int) -> date:
    """The first of the month ``months`` before ``day``'s (``day`` is a first of a month)."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class StageKind:
    is_closed: bool
    is_won: bool
    pipeline_id: int


def stage_kinds(s: Session, pipeline: Pipeline | None = None) -> dict[int, StageKind]:
    """The workspace's stages (``pipeline``'s alone when given): whether each is closed and won. A report
    groups deals by their stage's id, read from the index it scans, and sorts the groups by this, instead
    of joining the stages to every deal (five times the time of the scan)."""
    q = select(PipelineStage.id, PipelineStage.is_closed, PipelineStage.is_won, PipelineStage.pipeline_id)
    if pipeline is not None:
        q = q.where(PipelineStage.pipeline_id == pipeline.id)
    return {int(i): StageKind(bool(c), bool(w), int(p)) for i, c, w, p in s.execute(q)}


def slack_ids(s: Session) -> dict[int, str]:
    """The workspace's people by id: their Slack ids, for figures grouped by owner or author id."""
    return {int(i): str(slack_id) for i, slack_id in s.execute(select(User.id, User.slack_id))}


def previous(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before (a calendar month before a month, a quarter before a
    quarter, the same days of the month before a month so far, the same days of last year before this
    year so far, else the same number of days)."""
    if start.day == 1 and (end + timedelta(days=1)).day != 1:
        # So far in a month, quarter or year: as far into the month, quarter or year before.
        months = _so_far_unit((end.year - start.year) * 12 + end.month - start.month + 1, start, end)
        first = _months_back(start, months)
        last = _months_back(end.replace(day=1), months)
        return first, last.replace(day=min(end.day, calendar.monthrange(last.year, last.month)[1]))
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        first = start
        for _ in range(months):
            first = (first - timedelta(days=1)).replace(day=1)
        return first, start - timedelta(days=1)
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)


def closed_deals(
    s: Session, actor: Actor, start: date, end: date, owner: User | None, pipeline: Pipeline | None = None
) -> Closed:
    if owner is not None and owner.id != actor.user_id:
        policy.require(s, actor, "teammate figures")
    since, until = bounds(actor, start, end)
    stages, people = stage_kinds(s, pipeline), slack_ids(s)
    rows: Any
    if s.get_bind().dialect.name == "sqlite":
        rows = (row[1:] for row in _closed_keyed(s, [(since, until)], owner, stages))
    else:
        q = (
            select(Deal.stage_id, Deal.owner_id, Deal.currency, func.count(), func.sum(Deal.amount))
            .where(Deal.closed_at >= since, Deal.closed_at < until)
            .group_by(Deal.stage_id, Deal.owner_id, Deal.currency)
        )
        if owner is not None:
            q = q.where(Deal.owner_id == owner.id)
        rows = s.execute(q)
    won: dict[str | None, int] = defaultdict(int)
    lost: dict[str | None, int] = defaultdict(int)
    won_amounts: dict[str | None, list[Amounts]] = defaultdict(list)
    lost_amounts: dict[str | None, list[Amounts]] = defaultdict(list)
    for stage_id, owner_id, currency, count, amount in rows:
        stage = stages.get(stage_id)
        if stage is None or not stage.is_closed:
            continue
        slack_id = people.get(owner_id) if owner_id is not None else None
        value = {currency: Decimal(amount or 0)}
        if stage.is_won:
            won[slack_id] += int(count)
            won_amounts[slack_id].append(value)
        else:
            lost[slack_id] += int(count)
            lost_amounts[slack_id].append(value)
    owners = [
        OwnerClosed(k, won[k], lost[k], add_amounts(*won_amounts[k]), add_amounts(*lost_amounts[k]))
        for k in set(won) | set(lost)
    ]
    owners.sort(key=lambda o: (-(o.won + o.lost), o.slack_id or ""))
    return Closed(start, end, owner.slack_id if owner is not None else None, owners)


def _closed_keyed(
    s: Session,
    spans: list[tuple[datetime, datetime]],
    owner: User | None,
    stages: dict[int, StageKind],
) -> list[tuple[int, int, int | None, str, int, Any]]:
    """SQLite's count and amount of the deals closed in each span, per span, closed stage, owner and
    currency: ``(span's index, stage id, owner id, currency, count, amount)``, groups with deals only.

    SQLite has no hashed grouping: grouped over the closed deals' index by when they closed, it sorts
    every deal of the span (133,000 in a quarter at a million deals, most of a win rate's 620 ms). Here
    each group is read instead as a range of its own in ``ix_deals_closed_keys`` (stage, owner, currency,
    then when it closed: migration 0041), in the order the groups come, so nothing is sorted. The groups
    that can hold a deal are the running totals' keys of the closed stages (bot/services/totals.py keeps a
    row for every stage, owner and currency a deal not deleted is in; one with no deals reads an empty
    range)."""
    closed = [i for i, kind in stages.items() if kind.is_closed]
    if not closed or not spans:
        return []
    out: list[tuple[int, int, int | None, str, int, Any]] = []
    # SQLite takes at most 500 terms in one compound SELECT: a long trend's periods a few hundred at a time.
    for first in range(0, len(spans), _SPANS_AT_ONCE):
        out += _closed_keyed_part(s, spans[first : first + _SPANS_AT_ONCE], first, owner, closed)
    return out


_SPANS_AT_ONCE = 200


def _closed_keyed_part(
    s: Session, spans: list[tuple[datetime, datetime]], first: int, owner: User | None, closed: list[int]
) -> list[tuple[int, int, int | None, str, int, Any]]:
    """:func:`_closed_keyed` for a few hundred spans, the first of them numbered ``first``."""
    when = Deal.__table__.c.closed_at.type  # type: ignore[attr-defined]
    p = union_all(
        *(
            select(
                literal(first + i).label("i"),
                bindparam(f"since_{i}", since, type_=when).label("since"),
                bindparam(f"until_{i}", until, type_=when).label("until"),
            )
            for i, (since, until) in enumerate(spans)
        )
    ).subquery("p")
    k = PipelineTotal
    group = and_(
        Deal.stage_id == k.stage_id,
        Deal.owner_id.is_(func.nullif(k.owner_key, 0)),
        Deal.currency == k.currency,
        Deal.closed_at >= p.c.since,
        Deal.closed_at < p.c.until,
    )
    count = select(func.count()).select_from(Deal).where(group).scalar_subquery()
    amount = select(func.sum(Deal.amount)).where(group).scalar_subquery()
    q = (
        select(p.c.i, k.stage_id, k.owner_key, k.currency, count, amount)
        .select_from(p)
        .join(k, true())  # each span with each group
        .where(k.stage_id.in_(closed))
    )
    if owner is not None:
        q = q.where(k.owner_key == owner.id)
    return [
        (int(i), int(stage_id), int(owner_key) or None, str(currency), int(n), total)
        for i, stage_id, owner_key, currency, n, total in s.execute(q)
        if n
    ]


def period_of(
    actor: Actor, column: Any, periods: list[tuple[date, date]]
) -> tuple[ColumnElement[int], datetime, datetime]:
    """Which of consecutive periods an instant column falls in (its day in the reader's zone), as a SQL
    ``CASE`` on the periods' ends, with the first one's start and the last one's end: grouped by it, a
    trend is one grouped query over the rows of its span, not a query per period nor a row per deal."""
    tz = zone(actor.tz)
    ends = [datetime.combine(end + timedelta(days=1), time(0), tz) for _, end in periods]
    since = datetime.combine(periods[0][0], time(0), tz)
    index = case(*((column < until, i) for i, until in enumerate(ends)), else_=len(periods))
    return index, since, ends[-1]


def closed_per_period(
    s: Session,
    actor: Actor,
    periods: list[tuple[date, date]],
    owner: User | None,
    pipeline: Pipeline | None = None,
) -> list[Closed]:
    """:func:`closed_deals` for each of consecutive periods, in one grouped query over the deals closed in
    all of them (each deal counted in the period of its close day in the reader's zone)."""
    if not periods:
        return []
    if owner is not None and owner.id != actor.user_id:
        policy.require(s, actor, "teammate figures")
    stages, people = stage_kinds(s, pipeline), slack_ids(s)
    rows: Any
    if s.get_bind().dialect.name == "sqlite":
        rows = _closed_keyed(s, [bounds(actor, start, end) for start, end in periods], owner, stages)
    else:
        index, since, until = period_of(actor, Deal.closed_at, periods)
        bucket = index.label("bucket")
        q = (
            select(bucket, Deal.stage_id, Deal.owner_id, Deal.currency, func.count(), func.sum(Deal.amount))
            .where(Deal.closed_at >= since, Deal.closed_at < until)
            .group_by(bucket, Deal.stage_id, Deal.owner_id, Deal.currency)
        )
        if owner is not None:
            q = q.where(Deal.owner_id == owner.id)
        rows = s.execute(q)
    # Per period, per owner: [won, lost, won amounts, lost amounts].
    found: list[dict[str | None, list[Any]]] = [{} for _ in periods]
    for i, stage_id, owner_id, currency, count, amount in rows:
        stage = stages.get(stage_id)
        if i >= len(periods) or stage is None or not stage.is_closed:
            continue
        is_won, slack_id = stage.is_won, people.get(owner_id) if owner_id is not None else None
        row = found[i].setdefault(slack_id, [0, 0, [], []])
        row[0 if is_won else 1] += int(count)
        row[2 if is_won else 3].append({currency: Decimal(amount or 0)})
    out = []
    for (start, end), rows in zip(periods, found, strict=True):
        owners = [
            OwnerClosed(k, won, lost, add_amounts(*won_amounts), add_amounts(*lost_amounts))
            for k, (won, lost, won_amounts, lost_amounts) in rows.items()
        ]
        owners.sort(key=lambda o: (-(o.won + o.lost), o.slack_id or ""))
        out.append(Closed(start, end, owner.slack_id if owner is not None else None, owners))
    return out


def merged(parts: list[Closed], start: date, end: date) -> Closed:
    """The consecutive periods' closed deals as one period's: each owner's counts and amounts added."""
    by: dict[str | None, list[OwnerClosed]] = defaultdict(list)
    for part in parts:
        for o in part.owners:
            by[o.slack_id].append(o)
    owners = [
        OwnerClosed(
            k,
            sum(o.won for o in each),
            sum(o.lost for o in each),
            add_amounts(*(o.won_amounts for o in each)),
            add_amounts(*(o.lost_amounts for o in each)),
        )
        for k, each in by.items()
    ]
    owners.sort(key=lambda o: (-(o.won + o.lost), o.slack_id or ""))
    return Closed(start, end, parts[0].owner_slack_id if parts else None, owners)


def days_between(s: Session, later: Any, earlier: Any) -> ColumnElement[float]:
    """Days (with their fraction) from one instant column to another, in the database."""
    if s.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)  # type: ignore[no-any-return]
    return cast(func.extract("epoch", later - earlier), Float) / 86400


def not_negative(s: Session, value: ColumnElement[float]) -> ColumnElement[float]:
    if s.get_bind().dialect.name == "sqlite":
        return func.max(value, 0.0, type_=Float)
    return func.greatest(value, 0.0, type_=Float)


def bounds(actor: Actor, start: date, end: date) -> tuple[datetime, datetime]:
    """The period's first and last day, in the reader's zone, as instants."""
    tz = zone(actor.tz)
    return datetime.combine(start, time(0), tz), datetime.combine(end + timedelta(days=1), time(0), tz)


@dataclass(frozen=True)
class PersonActivity:
    slack_id: str | None
    kinds: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.kinds.values())


@dataclass(frozen=True)
class Activity:
    start: date
    end: date
    people: list[PersonActivity]

    @property
    def kinds(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for p in self.people:
            for kind, n in p.kinds.items():
                out[kind] += n
        return dict(out)

    @property
    def total(self) -> int:
        return sum(p.total for p in self.people)


def activity(s: Session, actor: Actor, start: date, end: date, owner: User | None) -> Activity:
    """What was logged in the period, by who logged it and its kind, by when it happened."""
    return activity_per_period(s, actor, [(start, end)], owner)[0]


def activity_per_period(
    s: Session, actor: Actor, periods: list[tuple[date, date]], owner: User | None
) -> list[Activity]:
    """:func:`activity` for each of consecutive periods, in one grouped query over their span."""
    if not periods:
        return []
    if owner is not None and owner.id != actor.user_id:
        policy.require(s, actor, "teammate figures")
    index, since, until = period_of(actor, Interaction.occurred_at, periods)
    bucket = index.label("bucket")
    # By the author's id from the index it scans (ix_interactions_occurred), named after: no join per row.
    q = (
        select(bucket, Interaction.author_id, Interaction.kind, func.count())
        .where(Interaction.occurred_at >= since, Interaction.occurred_at < until)
        .group_by(bucket, Interaction.author_id, Interaction.kind)
    )
    if owner is not None:
        q = q.where(Interaction.author_id == owner.id)
    people_ids = slack_ids(s)
    kinds: list[dict[str | None, dict[str, int]]] = [defaultdict(dict) for _ in periods]
    for i, author_id, kind, count in s.execute(q):
        if i < len(periods):
            slack_id = people_ids.get(author_id) if author_id is not None else None
            kinds[i][slack_id][kind] = kinds[i][slack_id].get(kind, 0) + int(count)
    out = []
    for (start, end), each in zip(periods, kinds, strict=True):
        people = [PersonActivity(k, v) for k, v in each.items()]
        people.sort(key=lambda p: (-p.total, p.slack_id or ""))
        out.append(Activity(start, end, people))
    return out


def merged_activity(parts: list[Activity], start: date, end: date) -> Activity:
    """Consecutive periods' activity as one period's: each person's kinds added up."""
    kinds: dict[str | None, dict[str, int]] = defaultdict(dict)
    for part in parts:
        for p in part.people:
            for kind, n in p.kinds.items():
                kinds[p.slack_id][kind] = kinds[p.slack_id].get(kind, 0) + n
    people = [PersonActivity(k, v) for k, v in kinds.items()]
    people.sort(key=lambda p: (-p.total, p.slack_id or ""))
    return Activity(start, end, people)


@dataclass(frozen=True)
class Cycle:
    """The deals won in the period and how long each took from its creation to its close, in days."""

    start: date
    end: date
    won: int
    average: float | None
    median: float | None


def cycle(
    s: Session, actor: Actor, start: date, end: date, owner: User | None, pipeline: Pipeline | None = None
) -> Cycle:
    """How long the deals won in the period took, from the day each was added to the day it closed:
    the count, the mean and the median (the middle one, or the mean of the two middle ones), ranked in
    the database."""
    if owner is not None and owner.id != actor.user_id:
        policy.require(s, actor, "teammate figures")
    since, until = bounds(actor, start, end)
    won = (
        select(not_negative(s, days_between(s, Deal.closed_at, Deal.created_at)).label("days"))
        .join(PipelineStage, Deal.stage_id == PipelineStage.id)
        .where(
            PipelineStage.is_won.is_(True),
            Deal.closed_at >= since,
            Deal.closed_at < until,
            Deal.created_at.is_not(None),
        )
    )
    if owner is not None:
        won = won.where(Deal.owner_id == owner.id)
    days = in_pipeline(won, pipeline).subquery()
    if s.get_bind().dialect.name == "postgresql":
        # One pass: the count, the mean and the median (the middle one, or the mean of the two middle
        # ones: percentile_cont's) together, not a window over every deal won in a second read.
        count, average, middle = s.execute(
            select(func.count(), func.avg(days.c.days), func.percentile_cont(0.5).within_group(days.c.days))
        ).one()
        return Cycle(
            start,
            end,
            int(count),
            float(average) if count else None,
            float(middle) if count and middle is not None else None,
        )
    count, average = s.execute(select(func.count(), func.avg(days.c.days))).one()
    middle = None
    if count:
        # The middle one or two, by their place in order now that the count is known: SQLite keeps only
        # the first half of the days as it sorts them, where numbering every deal won (a window over all
        # of them) sorted them all and kept them twice (230 → 150 ms for 67,000 deals at a million).
        n = int(count)
        halves = select(days.c.days).order_by(days.c.days).limit(2 - n % 2).offset((n - 1) // 2).subquery()
        middle = s.scalar(select(func.avg(halves.c.days)))
    return Cycle(
        start,
        end,
        int(count),
        float(average) if count else None,
        float(middle) if count and middle is not None else None,
    )
