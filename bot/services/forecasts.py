"""The forecast: open deals expected to close in a period (by their expected close date), each amount as
it is and weighted by its stage's probability of winning, per stage, per month (or quarter, over a
longer period), per forecast category (pipeline, best case, commit, set by each deal's owner); and, for
the period before, what was forecast as it began against what was actually won in it.

What was forecast then is read back from the audit trail: each deal's stage, amount, currency and
expected close date as they stood at the start of that period (leaving out what was undone since).
Amounts stay per currency.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from bot.services import policy
from bot.services.base import Actor
from bot.services.reports import bounds, previous
from bot.services.views import Amounts, add_amounts
from models import AuditEvent, Deal, PipelineStage, User
from models.entities import FORECAST_CATEGORIES


@dataclass(frozen=True)
class Slice:
    """Deals, their amounts and the amounts weighted by their stages' probabilities."""

    deals: int = 0
    amounts: Amounts = field(default_factory=dict)
    weighted: Amounts = field(default_factory=dict)

    def plus(self, deals: int, currency: str, amount: Decimal, probability: int | None) -> Slice:
        weight = amount * Decimal(probability or 0) / 100
        return Slice(
            self.deals + deals,
            add_amounts(self.amounts, {currency: amount}),
            add_amounts(self.weighted, {currency: weight}),
        )


@dataclass(frozen=True)
class ForecastStage:
    name: str
    probability: int | None
    deals: int
    amounts: Amounts
    weighted: Amounts


@dataclass(frozen=True)
class Hindsight:
    """The period before: what was forecast for it as it began, and what was won in it."""

    start: date
    end: date
    forecast: Slice
    won: Slice
    forecast_won: int  # of the deals forecast, those won in the period


@dataclass(frozen=True)
class Forecast:
    start: date
    end: date
    stages: list[ForecastStage]  # in pipeline order; only stages with deals
    buckets: list[tuple[date, date, Slice]] = field(default_factory=list)  # months, or quarters
    categories: dict[str, Slice] = field(default_factory=dict)  # in FORECAST_CATEGORIES order
    unweighted_deals: int = 0  # in stages with no probability set
    hindsight: Hindsight | None = None

    @property
    def deals(self) -> int:
        return sum(st.deals for st in self.stages)

    @property
    def amounts(self) -> Amounts:
        return add_amounts(*(st.amounts for st in self.stages))

    @property
    def weighted(self) -> Amounts:
        return add_amounts(*(st.weighted for st in self.stages))


def _month_start(d: date) -> date:
    return d.replace(day=1)


def buckets(start: date, end: date) -> list[tuple[date, date]]:
    """The months of the period, or its quarters when it runs longer than a quarter; clipped to it."""
    by_quarter = (end.year - start.year) * 12 + end.month - start.month >= 3
    out = []
    first = start.replace(day=1, month=(start.month - 1) // 3 * 3 + 1) if by_quarter else _month_start(start)
    step = 3 if by_quarter else 1
    while first <= end:
        month = first.month - 1 + step
        following = date(first.year + month // 12, month % 12 + 1, 1)
        out.append((max(first, start), min(end, date.fromordinal(following.toordinal() - 1))))
        first = following
    return out


def forecast(s: Session, actor: Actor, start: date, end: date, owner: User | None, today: date) -> Forecast:
    if owner is not None and owner.id != actor.user_id:
        policy.require(s, actor, "teammate figures")
    q = (
        select(
            PipelineStage.position,
            PipelineStage.name,
            PipelineStage.probability,
            Deal.currency,
            Deal.close_date,
            Deal.forecast_category,
            func.count(),
            func.sum(Deal.amount),
        )
        .select_from(Deal)
        .join(PipelineStage, Deal.stage_id == PipelineStage.id)
        .where(PipelineStage.is_closed.is_(False), Deal.close_date >= start, Deal.close_date <= end)
        .group_by(
            PipelineStage.position,
            PipelineStage.name,
            PipelineStage.probability,
            Deal.currency,
            Deal.close_date,
            Deal.forecast_category,
        )
    )
    if owner is not None:
        q = q.where(Deal.owner_id == owner.id)
    stages: dict[tuple[int, str, int | None], Slice] = defaultdict(Slice)
    periods = buckets(start, end)
    by_bucket: list[Slice] = [Slice() for _ in periods]
    categories: dict[str, Slice] = {c: Slice() for c in FORECAST_CATEGORIES}
    unweighted = 0
    for position, name, probability, currency, close_date, category, count, amount in s.execute(q):
        n, value = int(count), Decimal(amount or 0)
        stages[(position, name, probability)] = stages[(position, name, probability)].plus(
            n, currency, value, probability
        )
        i = next(i for i, (a, b) in enumerate(periods) if a <= close_date <= b)
        by_bucket[i] = by_bucket[i].plus(n, currency, value, probability)
        categories[category] = categories[category].plus(n, currency, value, probability)
        unweighted += n if probability is None else 0
    lines = [
        ForecastStage(k[1], k[2], v.deals, v.amounts, v.weighted)
        for k, v in sorted(stages.items(), key=_first)
    ]
    before = previous(start, end)
    # The period before, once it has begun (still running when the forecast is for one to come).
    hindsight = _hindsight(s, actor, *before, owner) if before[0] <= today else None
    return Forecast(
        start,
        end,
        lines,
        [(a, b, sl) for (a, b), sl in zip(periods, by_bucket, strict=True)],
        categories,
        unweighted,
        hindsight,
    )


def _first(item: tuple[tuple[int, str, int | None], Slice]) -> int:
    return item[0][0]


# The columns a forecast reads, as a deal's audit events record them.
TRACKED = ("stage_id", "amount", "currency", "close_date")


def _as_of(s: Session, deals: dict[int, dict[str, Any]], chosen: Select[Any], instant: datetime) -> None:
    """Each deal's tracked columns as they stood at ``instant``, folded from its audit events up to
    then (a deal with none keeps the values it has now)."""
    q = (
        select(AuditEvent.record_id, AuditEvent.after)
        .where(
            AuditEvent.record_type == "deal",
            AuditEvent.record_id.in_(chosen.with_only_columns(Deal.id)),
            AuditEvent.action.in_(("create", "update")),
            AuditEvent.undone_by_op.is_(None),
            AuditEvent.at < instant,
        )
        .order_by(AuditEvent.record_id, AuditEvent.at, AuditEvent.id)
    )
    for deal_id, after in s.execute(q):
        for key in TRACKED:
            if after and key in after:
                deals.setdefault(deal_id, {})[key] = after[key]


def _hindsight(s: Session, actor: Actor, start: date, end: date, owner: User | None) -> Hindsight:
    since, until = bounds(actor, start, end)
    stages = {st.id: st for st in s.scalars(select(PipelineStage))}
    q = select(Deal.id, Deal.stage_id, Deal.amount, Deal.currency, Deal.close_date, Deal.closed_at).where(
        Deal.created_at < since, or_(Deal.closed_at.is_(None), Deal.closed_at >= since)
    )
    if owner is not None:
        q = q.where(Deal.owner_id == owner.id)
    now_rows = {row.id: row for row in s.execute(q)}
    then = {
        i: {"stage_id": r.stage_id, "amount": r.amount, "currency": r.currency, "close_date": r.close_date}
        for i, r in now_rows.items()
    }
    if then:
        _as_of(s, then, q, since)
    won_q = (
        select(Deal.id, Deal.currency, Deal.amount)
        .join(PipelineStage, Deal.stage_id == PipelineStage.id)
        .where(PipelineStage.is_won.is_(True), Deal.closed_at >= since, Deal.closed_at < until)
    )
    if owner is not None:
        won_q = won_q.where(Deal.owner_id == owner.id)
    won, won_ids = Slice(), set()
    for deal_id, currency, amount in s.execute(won_q):
        won = won.plus(1, currency, Decimal(amount or 0), 100)
        won_ids.add(deal_id)
    forecast, forecast_won = Slice(), 0
    for deal_id, was in then.items():
        stage = stages.get(int(was["stage_id"]))
        day = was["close_date"]
        day = date.fromisoformat(day) if isinstance(day, str) else day
        if stage is None or stage.is_closed or day is None or not start <= day <= end:
            continue
        forecast = forecast.plus(1, was["currency"], Decimal(str(was["amount"] or 0)), stage.probability)
        forecast_won += deal_id in won_ids
    return Hindsight(start, end, forecast, won, forecast_won)
