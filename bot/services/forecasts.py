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

from sqlalchemy import ColumnElement, Date, Numeric, Select, and_, case, cast, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from bot.services import policy
from bot.services.base import Actor
from bot.services.reports import bounds, in_pipeline, previous
from bot.services.stages import stage_label, workspace_stages
from bot.services.views import Amounts, add_amounts
from models import AuditEvent, Deal, Pipeline, PipelineStage, User
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
    # The pipelines it adds up when it is not kept to one and there are several (stages then named
    # after their pipeline: "Renewals · Demo").
    pipelines: tuple[str, ...] = ()

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


def forecast(
    s: Session,
    actor: Actor,
    start: date,
    end: date,
    owner: User | None,
    today: date,
    pipeline: Pipeline | None = None,
) -> Forecast:
    if owner is not None and owner.id != actor.user_id:
        policy.require(s, actor, "teammate figures")
    q = (
        select(
            Deal.stage_id,
            Deal.currency,
            Deal.close_date,
            Deal.forecast_category,
            func.count(),
            func.sum(Deal.amount),
        )
        .select_from(Deal)
        .join(PipelineStage, Deal.stage_id == PipelineStage.id)
        .where(PipelineStage.is_closed.is_(False), Deal.close_date >= start, Deal.close_date <= end)
        .group_by(Deal.stage_id, Deal.currency, Deal.close_date, Deal.forecast_category)
    )
    if owner is not None:
        q = q.where(Deal.owner_id == owner.id)
    q = in_pipeline(q, pipeline)
    # Stages in pipeline order; named after their pipeline when several are added up, so that two
    # pipelines' stages of one name are never one line.
    known = workspace_stages(s, actor.workspace_id, pipeline.id if pipeline is not None else None)
    several = pipeline is None and len({st.pipeline_id for st in known}) > 1
    place = {st.id: i for i, st in enumerate(known)}
    by_id = {st.id: st for st in known}
    stages: dict[int, Slice] = defaultdict(Slice)
    periods = buckets(start, end)
    by_bucket: list[Slice] = [Slice() for _ in periods]
    categories: dict[str, Slice] = {c: Slice() for c in FORECAST_CATEGORIES}
    unweighted = 0
    for stage_id, currency, close_date, category, count, amount in s.execute(q):
        n, value = int(count), Decimal(amount or 0)
        probability = by_id[stage_id].probability
        stages[stage_id] = stages[stage_id].plus(n, currency, value, probability)
        i = next(i for i, (a, b) in enumerate(periods) if a <= close_date <= b)
        by_bucket[i] = by_bucket[i].plus(n, currency, value, probability)
        categories[category] = categories[category].plus(n, currency, value, probability)
        unweighted += n if probability is None else 0
    lines = [
        ForecastStage(stage_label(by_id[k], several), by_id[k].probability, v.deals, v.amounts, v.weighted)
        for k, v in sorted(stages.items(), key=lambda kv: place[kv[0]])
    ]
    before = previous(start, end)
    # The period before, once it has begun (still running when the forecast is for one to come).
    hindsight = _hindsight(s, actor, *before, owner, pipeline) if before[0] <= today else None
    return Forecast(
        start,
        end,
        lines,
        [(a, b, sl) for (a, b), sl in zip(periods, by_bucket, strict=True)],
        categories,
        unweighted,
        hindsight,
        tuple(dict.fromkeys(st.pipeline.name for st in known)) if several else (),
    )


# The columns a forecast reads, as a deal's audit events record them.
TRACKED = ("stage_id", "amount", "currency", "close_date")


def _has(s: Session, key: str) -> ColumnElement[bool]:
    """Whether an audit event's ``after`` holds ``key`` (even as null: a cleared close date)."""
    if s.get_bind().dialect.name == "sqlite":
        return func.json_type(AuditEvent.after, f"$.{key}").is_not(None)
    return func.jsonb_exists(AuditEvent.after, key)


def _as_of(s: Session, chosen: Select[Any], instant: datetime) -> Any:
    """Each chosen deal's tracked columns as they stood at ``instant``: per column, the value of its
    last audit event up to then that set it (leaving out what was undone), or the value it has now
    when none did; one pass over the events, folded in the database."""
    order = (AuditEvent.at.desc(), AuditEvent.id.desc())
    values = {
        "stage_id": AuditEvent.after["stage_id"].as_integer(),
        "amount": AuditEvent.after["amount"].as_string(),
        "currency": AuditEvent.after["currency"].as_string(),
        "close_date": AuditEvent.after["close_date"].as_string(),
    }
    columns: list[Any] = [AuditEvent.record_id.label("deal_id")]
    for key in TRACKED:
        has = _has(s, key)
        columns += [
            case((has, 1), else_=0).label(f"has_{key}"),
            values[key].label(key),
            func.row_number()
            .over(partition_by=(AuditEvent.record_id, has), order_by=order)
            .label(f"n_{key}"),
        ]
    events = (
        select(*columns)
        .where(
            AuditEvent.record_type == "deal",
            AuditEvent.record_id.in_(chosen.with_only_columns(Deal.id)),
            AuditEvent.action.in_(("create", "update")),
            AuditEvent.undone_by_op.is_(None),
            AuditEvent.at < instant,
        )
        .subquery()
    )
    folded: list[Any] = [events.c.deal_id]
    for key in TRACKED:
        latest = and_(events.c[f"has_{key}"] == 1, events.c[f"n_{key}"] == 1)
        folded += [
            func.max(case((latest, 1), else_=0)).label(f"has_{key}"),
            func.max(case((latest, events.c[key]))).label(key),
        ]
    last = select(*folded).group_by(events.c.deal_id).subquery()
    pg = s.get_bind().dialect.name != "sqlite"
    # SQLite keeps a date as its ISO text, as the audit trail does.
    close = cast(last.c.close_date, Date) if pg else last.c.close_date
    return (
        chosen.with_only_columns(
            Deal.id,
            case((last.c.has_stage_id == 1, last.c.stage_id), else_=Deal.stage_id).label("stage_id"),
            case((last.c.has_amount == 1, cast(last.c.amount, Numeric(14, 2))), else_=Deal.amount).label(
                "amount"
            ),
            case((last.c.has_currency == 1, last.c.currency), else_=Deal.currency).label("currency"),
            type_coerce(case((last.c.has_close_date == 1, close), else_=Deal.close_date), Date).label(
                "close_date"
            ),
        )
        .outerjoin(last, last.c.deal_id == Deal.id)
        .subquery()
    )


def _hindsight(
    s: Session, actor: Actor, start: date, end: date, owner: User | None, pipeline: Pipeline | None = None
) -> Hindsight:
    since, until = bounds(actor, start, end)
    stages = {st.id: st for st in s.scalars(select(PipelineStage))}
    chosen = select(Deal.id).where(
        Deal.created_at < since, or_(Deal.closed_at.is_(None), Deal.closed_at >= since)
    )
    won_q = (
        select(Deal.id)
        .join(PipelineStage, Deal.stage_id == PipelineStage.id)
        .where(PipelineStage.is_won.is_(True), Deal.closed_at >= since, Deal.closed_at < until)
    )
    if owner is not None:
        chosen = chosen.where(Deal.owner_id == owner.id)
        won_q = won_q.where(Deal.owner_id == owner.id)
    chosen, won_q = in_pipeline(chosen, pipeline), in_pipeline(won_q, pipeline)
    won = Slice()
    for currency, n, amount in s.execute(
        won_q.with_only_columns(Deal.currency, func.count(), func.sum(Deal.amount)).group_by(Deal.currency)
    ):
        won = won.plus(int(n), currency, Decimal(amount or 0), 100)
    then = _as_of(s, chosen, since)
    open_ids = [i for i, st in stages.items() if not st.is_closed]
    q = (
        select(
            then.c.stage_id,
            then.c.currency,
            func.count(),
            func.sum(then.c.amount),
            func.sum(case((then.c.id.in_(won_q), 1), else_=0)),
        )
        .where(
            then.c.stage_id.in_(open_ids),
            then.c.close_date.is_not(None),
            then.c.close_date >= start,
            then.c.close_date <= end,
        )
        .group_by(then.c.stage_id, then.c.currency)
    )
    forecast, forecast_won = Slice(), 0
    for stage_id, currency, n, amount, n_won in s.execute(q):
        forecast = forecast.plus(int(n), currency, Decimal(amount or 0), stages[int(stage_id)].probability)
        forecast_won += int(n_won or 0)
    return Hindsight(start, end, forecast, won, forecast_won)
