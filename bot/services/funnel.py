"""The funnel and pipeline velocity.

The funnel follows the deals added in a period through the stages they went through, read from their
stage history (``deal_stage_changes``, written with each change and taken out with its undo):
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
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import Session

from bot.services import policy
from bot.services.base import Actor, Service
from bot.services.reports import (
    bounds,
    days_between,
    in_pipeline,
    not_negative,
    pipeline_named,
    stage_kinds,
)
from bot.services.workspace import user_by_slack
from models import Deal, DealStageChange, Pipeline, PipelineStage, PipelineTotal, User


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


def moved() -> ColumnElement[bool]:
    """A row that moved its deal (or is its first stage), as the funnel's index says it
    (models.entities.MOVED), so that the planner reads that index."""
    H = DealStageChange
    return or_(H.from_stage_id.is_(None), H.from_stage_id != H.stage_id)


def _stays(chosen: Select[Any], since: datetime, until: datetime) -> Any:
    """The stays of the chosen deals that ended, from their stage history (bot/services/stage_history.py):
    a row per move out of a stage, with the stage, when the deal had entered it and when it left."""
    H = DealStageChange
    return (
        select(
            H.from_stage_id.label("stage_id"),
            H.from_entered_at.label("entered"),
            H.at.label("left"),
        )
        .where(
            # The deals added in the period, by the index on when each was made, then the ones chosen.
            H.deal_created_at >= since,
            H.deal_created_at < until,
            moved(),
            H.from_stage_id.is_not(None),
            H.from_entered_at.is_not(None),
            H.deal_id.in_(chosen.with_only_columns(Deal.id)),
        )
        .subquery()
    )


def _medians(s: Session, path: Any, open_ids: list[int]) -> dict[int, float]:
    """The median days of the stays that ended, per open stage (the middle one, or the mean of the two
    middle ones), ranked in the database."""
    days = not_negative(s, days_between(s, path.c.left, path.c.entered))
    if s.get_bind().dialect.name == "postgresql":
        # One sort per stage, no window over every stay: the same middle (or mean of the two middle).
        median = (
            select(path.c.stage_id, func.percentile_cont(0.5).within_group(days))
            .where(path.c.left.is_not(None), path.c.stage_id.in_(open_ids))
            .group_by(path.c.stage_id)
        )
        return {int(stage_id): float(d) for stage_id, d in s.execute(median)}
    stays = (
        select(path.c.stage_id, days.label("days"))
        .where(path.c.left.is_not(None), path.c.stage_id.in_(open_ids))
        .subquery()
    )
    ranked = select(
        stays.c.stage_id,
        stays.c.days,
        func.row_number().over(partition_by=stays.c.stage_id, order_by=stays.c.days).label("n"),
        func.count().over(partition_by=stays.c.stage_id).label("of"),
    ).subquery()
    middle = (
        select(ranked.c.stage_id, func.avg(ranked.c.days))
        .where(ranked.c.n.in_(((ranked.c.of + 1) // 2, (ranked.c.of + 2) // 2)))
        .group_by(ranked.c.stage_id)
    )
    return {int(stage_id): float(d) for stage_id, d in s.execute(middle)}


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
    q = select(Deal.id).where(Deal.created_at >= since, Deal.created_at < until)
    if owner is not None:
        q = q.where(Deal.owner_id == owner.id)
    q = in_pipeline(q, pipeline)
    H = DealStageChange
    # The furthest open stage each deal reached, from its stage history, counted per (stage it is in,
    # furthest): a handful of rows.
    furthest = (
        select(H.deal_id, func.max(case(rank, value=H.stage_id, else_=-1)).label("rank"))
        .where(H.deal_created_at >= since, H.deal_created_at < until, moved())
        .group_by(H.deal_id)
        .subquery()
    )
    counts = (
        q.with_only_columns(Deal.stage_id, furthest.c.rank, func.count())
        .outerjoin(furthest, furthest.c.deal_id == Deal.id)
        .group_by(Deal.stage_id, furthest.c.rank)
    )
    reached = [0] * len(opened)
    added = won = 0
    for stage_id, far, n in s.execute(counts):
        is_won = stage_id in won_ids
        added += n
        won += n if is_won else 0
        # A deal with no stage in its history (imported before the audit trail): the stage it is in.
        top = len(opened) - 1 if is_won else (far if far is not None else rank.get(stage_id, -1))
        for i in range(top + 1):
            reached[i] += n
    medians = _medians(s, _stays(q, since, until), list(rank)) if added else {}
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
