"""The funnel and pipeline velocity.

The funnel follows the deals added in a period through the stages they went through, read from their
stage history (``deal_stage_changes``, written with each change and taken out with its undo) as kept
per deal and per stay (``deal_funnel``, ``deal_stays``: bot/services/funnel_rows.py):
how many reached each open stage (a deal moved past a stage counts as having reached it), the share
that went on to the next stage and to won, and the median time a deal spent in each stage before
leaving it.

Velocity is what the pipeline earns per day: open deals × win rate × average won amount ÷ average
days to win, each over the period's closed deals, per currency (amounts in different currencies are
never added, so neither are their deals).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.services import policy
from bot.services.base import Actor, Service
from bot.services.reports import (
    bounds,
    days_between,
    not_negative,
    pipeline_named,
    stage_kinds,
)
from bot.services.workspace import user_by_slack
from models import (
    Deal,
    DealFunnel,
    DealStay,
    FunnelTotal,
    Pipeline,
    PipelineStage,
    PipelineTotal,
    StayTotal,
    User,
)


@dataclass(frozen=True)
class FunnelStage:
    name: str
    reached: int
    to_next: float | None  # of those that reached it, the share that reached the next stage (or won)
    to_won: float | None
    median_days: float | None  # in the stage, over the stays that ended


@dataclass(frozen=True)
class Funnel:
    start: date
    end: date
    added: int
    won: int
    stages: list[FunnelStage]


@dataclass(frozen=True)
class CurrencyVelocity:
    currency: str
    open_deals: int
    win_rate: float | None
    average_won: Decimal | None
    cycle_days: float | None

    @property
    def per_day(self) -> Decimal | None:
        if self.win_rate is None or self.average_won is None or self.cycle_days is None:
            return None
        # A deal won the day it was made still took a day: no division by a zero-day cycle.
        days = Decimal(str(max(self.cycle_days, 1.0)))
        return self.open_deals * Decimal(str(self.win_rate)) * self.average_won / days


@dataclass(frozen=True)
class Velocity:
    start: date
    end: date
    currencies: list[CurrencyVelocity]


def _check(s: Session, actor: Actor, owner: User | None) -> None:
    if owner is not None and owner.id != actor.user_id:
        policy.require(s, actor, "teammate figures")


def _kept(q: Select[Any], table: Any, owner: User | None, pipeline: Pipeline | None) -> Select[Any]:
    """``q`` over the funnel's rows of each deal kept to one owner's deals, and to the deals in one
    pipeline (by the stage each is in now), as the deals themselves would be."""
    if owner is not None:
        q = q.where(table.owner_key == owner.id)
    if pipeline is not None and table is DealStay:
        q = q.where(table.pipeline_id == pipeline.id)
    elif pipeline is not None:
        q = q.where(
            table.stage_id.in_(select(PipelineStage.id).where(PipelineStage.pipeline_id == pipeline.id))
        )
    return q


def _whole_days(since: datetime, until: datetime) -> tuple[date, date] | None:
    """The whole days (UTC) between two instants: the first and the one after the last; none when the
    period holds no whole day."""
    start, stop = since.astimezone(UTC), until.astimezone(UTC)
    first = start.date() if start.timetz() == time(0, tzinfo=UTC) else start.date() + timedelta(days=1)
    if first >= stop.date():
        return None
    return first, stop.date()


def _parts(
    since: datetime, until: datetime, owner: User | None
) -> tuple[tuple[date, date] | None, list[tuple[datetime, datetime]]]:
    """A team's period as the whole days (UTC) the totals hold, and the instants before and after them
    (the reader's midnight is not UTC's) read from each deal's rows; one person's all from the rows."""
    days = _whole_days(since, until) if owner is None else None
    if days is None:
        return None, [(since, until)]
    first, last = (datetime.combine(d, time(0), UTC) for d in days)
    return days, [(a, b) for a, b in ((since, first), (last, until)) if a < b]


def _counts(
    s: Session, since: datetime, until: datetime, owner: User | None, pipeline: Pipeline | None
) -> dict[tuple[int, str], int]:
    """The period's deals per (stage they are in, stages they moved into)."""
    F, T = DealFunnel, FunnelTotal
    days, edges = _parts(since, until, owner)
    out: dict[tuple[int, str], int] = defaultdict(int)
    queries = [
        _kept(
            select(F.stage_id, F.visited, func.count())
            .where(F.created_at >= a, F.created_at < b)
            .group_by(F.stage_id, F.visited),
            F,
            owner,
            pipeline,
        )
        for a, b in edges
    ]
    if days is not None:
        queries.append(
            _kept(
                select(T.stage_id, T.visited, func.sum(T.deals))
                .where(T.day >= days[0], T.day < days[1])
                .group_by(T.stage_id, T.visited),
                T,
                None,
                pipeline,
            )
        )
    for q in queries:
        for stage_id, visited, n in s.execute(q):
            out[int(stage_id), str(visited)] += int(n or 0)
    return out


def _buckets(
    s: Session,
    since: datetime,
    until: datetime,
    owner: User | None,
    pipeline: Pipeline | None,
    open_ids: list[int],
) -> dict[int, dict[int, int]]:
    """The period's ended stays per open stage left and whole days stayed."""
    S, T = DealStay, StayTotal
    days, edges = _parts(since, until, owner)
    queries = [
        _kept(
            select(S.from_stage_id, S.whole_days, func.count())
            .where(S.created_at >= a, S.created_at < b, S.from_stage_id.in_(open_ids))
            .group_by(S.from_stage_id, S.whole_days),
            S,
            owner,
            pipeline,
        )
        for a, b in edges
    ]
    if days is not None:
        q = (
            select(T.from_stage_id, T.whole_days, func.sum(T.stays))
            .where(T.day >= days[0], T.day < days[1], T.from_stage_id.in_(open_ids))
            .group_by(T.from_stage_id, T.whole_days)
        )
        queries.append(q.where(T.pipeline_id == pipeline.id) if pipeline is not None else q)
    out: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for q in queries:
        for stage_id, bucket, n in s.execute(q):
            if n:
                out[int(stage_id)][int(bucket)] += int(n)
    return out


def _place(counts: dict[int, int], rank: int) -> tuple[int, int]:
    """The bucket of the stay at ``rank`` (from 1, in order of days) and its place in it (from 0)."""
    for bucket in sorted(counts):
        if rank <= counts[bucket]:
            return bucket, rank - 1
        rank -= counts[bucket]
    raise ValueError("rank past the stays counted")


def _medians(
    s: Session,
    since: datetime,
    until: datetime,
    owner: User | None,
    pipeline: Pipeline | None,
    open_ids: list[int],
) -> dict[int, float]:
    """The median days of the stays that ended, per open stage: the middle one, or between the two
    middle ones as each database takes it (PostgreSQL's percentile_cont, SQLite the mean). Where they
    fall is found from the counts per whole day stayed; only the stays of that bucket are read, in order."""
    S = DealStay
    postgres = s.get_bind().dialect.name == "postgresql"
    out: dict[int, float] = {}
    for stage_id, counts in _buckets(s, since, until, owner, pipeline, open_ids).items():
        n = sum(counts.values())
        if not n:
            continue
        (low_bucket, low), (high_bucket, high) = _place(counts, (n + 1) // 2), _place(counts, (n + 2) // 2)
        if low_bucket == high_bucket:
            reads = [(low_bucket, low, high - low + 1)]
        else:
            reads = [(low_bucket, low, 1), (high_bucket, high, 1)]
        values = []
        for bucket, offset, limit in reads:
            q = select(S.days).where(
                S.from_stage_id == stage_id,
                S.whole_days == bucket,
                S.created_at >= since,
                S.created_at < until,
            )
            q = _kept(q, S, owner, pipeline).order_by(S.days).offset(offset).limit(limit)
            values += [float(v) for v in s.scalars(q)]
        lo, hi = values[0], values[-1]
        out[stage_id] = lo + (hi - lo) * 0.5 if postgres else (lo + hi) / 2
    return out


def _furthest(visited: str, rank: dict[int, int]) -> int | None:
    """The furthest open stage (its rank) among those a deal's history moved it into; -1 when none is
    open; None when its history has no move."""
    if not visited:
        return None
    return max(rank.get(int(stage_id), -1) for stage_id in visited.split(","))


def funnel(
    s: Session, actor: Actor, start: date, end: date, owner: User | None, pipeline: Pipeline | None = None
) -> Funnel:
    """Through the stages of ``pipeline``, over its deals (every pipeline's when None: for a workspace
    with one pipeline; several are read one by one, each through its own stages)."""
    _check(s, actor, owner)
    since, until = bounds(actor, start, end)
    chosen = select(PipelineStage).order_by(PipelineStage.position)
    if pipeline is not None:
        chosen = chosen.where(PipelineStage.pipeline_id == pipeline.id)
    stages = list(s.scalars(chosen))
    opened = [st for st in stages if not st.is_closed]
    rank = {st.id: i for i, st in enumerate(opened)}
    won_ids = {st.id for st in stages if st.is_won}
    reached = [0] * len(opened)
    added = won = 0
    for (stage_id, visited), n in _counts(s, since, until, owner, pipeline).items():
        if not n:
            continue
        is_won = stage_id in won_ids
        added += n
        won += n if is_won else 0
        far = _furthest(visited, rank)
        # A deal with no stage in its history (imported before the audit trail): the stage it is in.
        top = len(opened) - 1 if is_won else (far if far is not None else rank.get(stage_id, -1))
        for i in range(top + 1):
            reached[i] += n
    medians = _medians(s, since, until, owner, pipeline, list(rank)) if added else {}
    lines = []
    for i, st in enumerate(opened):
        following = reached[i + 1] if i + 1 < len(opened) else won
        lines.append(
            FunnelStage(
                st.name,
                reached[i],
                following / reached[i] if reached[i] else None,
                won / reached[i] if reached[i] else None,
                medians.get(st.id),
            )
        )
    return Funnel(start, end, added, won, lines)


def velocity(
    s: Session, actor: Actor, start: date, end: date, owner: User | None, pipeline: Pipeline | None = None
) -> Velocity:
    _check(s, actor, owner)
    since, until = bounds(actor, start, end)
    stages = stage_kinds(s, pipeline)
    # The deals open now, from the running totals per stage, owner and currency (bot/services/totals.py):
    # a few dozen rows instead of counting most of a million deals.
    open_q = select(PipelineTotal.stage_id, PipelineTotal.currency, PipelineTotal.deals)
    if owner is not None:
        open_q = open_q.where(PipelineTotal.owner_key == owner.id)
    open_deals: dict[str, int] = defaultdict(int)
    for stage_id, currency, n in s.execute(open_q):
        stage = stages.get(stage_id)
        if stage is not None and not stage.is_closed and n:
            open_deals[currency] += int(n)
    days = not_negative(s, days_between(s, Deal.closed_at, Deal.created_at))
    # Grouped by the stage's id from the index it scans, sorted into won and lost by the stages read above.
    closed_q = (
        select(Deal.stage_id, Deal.currency, func.count(), func.sum(Deal.amount), func.sum(days))
        .where(Deal.closed_at >= since, Deal.closed_at < until)
        .group_by(Deal.stage_id, Deal.currency)
    )
    if owner is not None:
        closed_q = closed_q.where(Deal.owner_id == owner.id)
    won_n: dict[str, int] = defaultdict(int)
    won_amount: dict[str, Decimal] = defaultdict(Decimal)
    won_days: dict[str, float] = defaultdict(float)
    lost: dict[str, int] = defaultdict(int)
    for stage_id, currency, n, amount, total_days in s.execute(closed_q):
        stage = stages.get(stage_id)
        if stage is None or not stage.is_closed:
            continue
        if stage.is_won:
            won_n[currency] += int(n)
            won_amount[currency] += Decimal(amount or 0)
            won_days[currency] += float(total_days or 0)
        else:
            lost[currency] += int(n)
    won = {c: (n, won_amount[c], won_days[c] / n) for c, n in won_n.items() if n}
    out = []
    for currency in sorted(set(open_deals) | set(won) | set(lost)):
        n_won, amount, average_days = won.get(currency, (0, Decimal(0), 0.0))
        closed_n = n_won + lost[currency]
        out.append(
            CurrencyVelocity(
                currency,
                open_deals.get(currency, 0),
                n_won / closed_n if closed_n else None,
                amount / n_won if n_won else None,
                average_days if n_won else None,
            )
        )
    return Velocity(start, end, out)


class Funnels(Service):
    def funnel(
        self, actor: Actor, start: date, end: date, owner: str | None = None, *, pipeline: str | None = None
    ) -> Funnel:
        """How the deals added between two days went through the stages (from the audit trail)."""
        with self.read(actor) as s:
            owner_row = user_by_slack(s, actor.workspace_id, owner) if owner else None
            return funnel(s, actor, start, end, owner_row, pipeline_named(s, actor, pipeline))

    def velocity(
        self, actor: Actor, start: date, end: date, owner: str | None = None, *, pipeline: str | None = None
    ) -> Velocity:
        """Open deals × win rate × average won amount ÷ days to win, per currency."""
        with self.read(actor) as s:
            owner_row = user_by_slack(s, actor.workspace_id, owner) if owner else None
            return velocity(s, actor, start, end, owner_row, pipeline_named(s, actor, pipeline))
