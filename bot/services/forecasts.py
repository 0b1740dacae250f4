"""The forecast: open deals expected to close in a period (by their expected close date), each amount as
it is and weighted by its stage's probability of winning, per stage, per month (or quarter, over a
longer period), per forecast category (pipeline, best case, commit, set by each deal's owner); and, for
the period before, what was forecast as it began against what was actually won in it.

What was forecast then is each deal's stage, amount, currency and expected close date as they stood when
that period began for the team (00:00 in the workspace's zone; what was undone since taken out with its
undo): read from each deal's kept rows (bot/services/forecast_marks.py) for the periods they are kept
for, else from the stage history (``deal_stage_changes``). Amounts stay per currency.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from bot.services import forecast_marks, policy
from bot.services.base import Actor
from bot.services.reports import bounds, in_pipeline, previous
from bot.services.stages import stage_label, workspace_stages
from bot.services.views import Amounts, add_amounts
from models import Deal, DealStageChange, ForecastTotal, Pipeline, PipelineStage, User, Workspace
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
    # Stages in pipeline order; named after their pipeline when several are added up, so that two
    # pipelines' stages of one name are never one line.
    known = workspace_stages(s, actor.workspace_id, pipeline.id if pipeline is not None else None)
    open_ids = [st.id for st in known if not st.is_closed]
    several = pipeline is None and len({st.pipeline_id for st in known}) > 1
    place = {st.id: i for i, st in enumerate(known)}
    by_id = {st.id: st for st in known}
    stages: dict[int, Slice] = defaultdict(Slice)
    periods = buckets(start, end)
    by_bucket: list[Slice] = [Slice() for _ in periods]
    categories: dict[str, Slice] = {c: Slice() for c in FORECAST_CATEGORIES}
    unweighted = 0
    for stage_id, currency, close_date, category, count, amount in _open_deals(
        s, open_ids, start, end, owner
    ):
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
    # A period over: what was forecast for it as it began. Else the period before, once it has begun (still
    # running when the forecast is for one to come).
    before = (start, end) if end < today else previous(start, end)
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


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def _open_deals(
    s: Session, open_ids: list[int], start: date, end: date, owner: User | None
) -> list[tuple[int, str, date, str, int, Any]]:
    """The open deals (of these stages) expected to close from ``start`` to ``end``, counted and summed
    per stage, currency, day (the month's first for whole months) and forecast category.

    The whole months of the period are read from the kept totals (bot/services/forecast_totals.py: a few
    thousand rows), the days before the first and after the last of them (a period of weeks, or one not
    starting on the 1st) from the deals themselves, by ix_deals_forecast alone."""
    first = start if start.day == 1 else _next_month(start)  # the first whole month's first day
    after = _next_month(end)  # the day after the last whole month
    if after.toordinal() - 1 != end.toordinal():
        after = _month_start(end)
    if first < after:
        edges = [(start, date.fromordinal(first.toordinal() - 1))] if start < first else []
        edges += [(after, end)] if after <= end else []
    else:  # no whole month: the period is read from the deals alone
        edges = [(start, end)]
    rows: list[tuple[int, str, date, str, int, Any]] = []
    if first < after:
        T = ForecastTotal
        q = (
            select(
                T.stage_id,
                T.currency,
                T.close_month,
                T.forecast_category,
                func.sum(T.deals),
                func.sum(T.amount),
            )
            .where(T.stage_id.in_(open_ids), T.close_month >= first, T.close_month < after)
            .group_by(T.stage_id, T.currency, T.close_month, T.forecast_category)
        )
        if owner is not None:
            q = q.where(T.owner_key == owner.id)
        rows.extend(r for r in s.execute(q).tuples() if r[4])
    for a, b in edges:
        # The open stages (of the pipeline) by id: no join to their stages.
        d = (
            select(
                Deal.stage_id,
                Deal.currency,
                Deal.close_date,
                Deal.forecast_category,
                func.count(),
                func.sum(Deal.amount),
            )
            .where(Deal.stage_id.in_(open_ids), Deal.close_date >= a, Deal.close_date <= b)
            .group_by(Deal.stage_id, Deal.currency, Deal.close_date, Deal.forecast_category)
        )
        if owner is not None:
            d = d.where(Deal.owner_id == owner.id)
        rows.extend((st, cur, day, cat, n, amt) for st, cur, day, cat, n, amt in s.execute(d).tuples() if day)
    return rows


def _first(item: tuple[tuple[int, str, int | None], Slice]) -> int:
    return item[0][0]


def _hindsight(
    s: Session, actor: Actor, start: date, end: date, owner: User | None, pipeline: Pipeline | None = None
) -> Hindsight:
    since, until = bounds(actor, start, end)
    stages = {st.id: st for st in s.scalars(select(PipelineStage))}
    won_q = (
        select(Deal.id)
        .join(PipelineStage, Deal.stage_id == PipelineStage.id)
        .where(PipelineStage.is_won.is_(True), Deal.closed_at >= since, Deal.closed_at < until)
    )
    if owner is not None:
        won_q = won_q.where(Deal.owner_id == owner.id)
    won_q = in_pipeline(won_q, pipeline)
    won = Slice()
    for currency, n, amount in s.execute(
        won_q.with_only_columns(Deal.currency, func.count(), func.sum(Deal.amount)).group_by(Deal.currency)
    ):
        won = won.plus(int(n), currency, Decimal(amount or 0), 100)
    counts = (
        _kept(s, actor, start, end, owner, pipeline)
        if forecast_marks.covers(start, end)
        else _from_history(s, actor, start, end, owner, pipeline, stages)
    )
    forecast, forecast_won = Slice(), 0
    for (stage_id, currency), (n, amount, n_won) in sorted(counts.items()):
        if n:
            forecast = forecast.plus(n, currency, amount, stages[stage_id].probability)
            forecast_won += n_won
    return Hindsight(start, end, forecast, won, forecast_won)


Counts = dict[tuple[int, str], tuple[int, Decimal, int]]


def team_zone(s: Session, actor: Actor) -> str:
    return s.scalar(select(Workspace.default_tz).where(Workspace.id == actor.workspace_id)) or "UTC"


def _add(into: Counts, rows: Iterable[Any], sign: int = 1) -> Counts:
    for stage_id, currency, n, amount, n_won in rows:
        was = into.get((int(stage_id), currency), (0, Decimal(0), 0))
        into[(int(stage_id), currency)] = (
            was[0] + sign * int(n),
            was[1] + sign * Decimal(amount or 0),
            was[2] + sign * int(n_won or 0),
        )
    return into


def _kept(
    s: Session, actor: Actor, start: date, end: date, owner: User | None, pipeline: Pipeline | None
) -> Counts:
    """The look back from the deals' kept rows (bot/services/forecast_marks.py)."""
    since, until = bounds(actor, start, end)
    q = forecast_marks.counted(
        actor.workspace_id,
        start,
        end,
        since,
        until,
        owner.id if owner is not None else None,
        pipeline.id if pipeline is not None else None,
    )
    return _add({}, s.execute(q))


def _from_history(
    s: Session,
    actor: Actor,
    start: date,
    end: date,
    owner: User | None,
    pipeline: Pipeline | None,
    stages: dict[int, PipelineStage],
) -> Counts:
    """The look back read from the stage history: every deal's row valid as the period began for the
    team (at its midnight: bot/services/forecast_marks.py), expected to close in it; those won since
    counted in the reader's period."""
    since, until = bounds(actor, start, end)
    began = forecast_marks.team_midnight(team_zone(s, actor), start)
    chosen = select(Deal.id).where(
        Deal.created_at < began, or_(Deal.closed_at.is_(None), Deal.closed_at >= began)
    )
    if owner is not None:
        chosen = chosen.where(Deal.owner_id == owner.id)
    chosen = in_pipeline(chosen, pipeline)
    # Each deal's state at the start of the period, from its stage history
    # (bot/services/stage_history.py): the row that began before it and ended, if at all, after it;
    # found by its expected close date in the period.
    H = DealStageChange
    open_ids = [i for i, st in stages.items() if not st.is_closed]
    won_ids = [i for i, st in stages.items() if st.is_won]
    won_then = and_(Deal.stage_id.in_(won_ids), Deal.closed_at >= since, Deal.closed_at < until)
    q = (
        chosen.with_only_columns(
            H.stage_id,
            H.currency,
            func.count(),
            func.sum(H.amount),
            func.sum(case((won_then, 1), else_=0)),
        )
        .select_from(Deal)
        .join(H, H.deal_id == Deal.id)
        .where(
            H.close_date >= start,
            H.close_date <= end,
            H.valid_from < began,
            or_(H.valid_until.is_(None), H.valid_until >= began),
            H.stage_id.in_(open_ids),
        )
        .group_by(H.stage_id, H.currency)
    )
    if s.get_bind().dialect.name == "postgresql":
        # The look back reads every stage history row expected to close in the period and hashes most
        # deals: compiling it (JIT) costs a tenth of its time, and the hash spills to disk in 8 batches
        # at the default 4 MB. For this transaction only.
        s.execute(select(func.set_config("jit", "off", True), func.set_config("work_mem", "64MB", True)))
    return _add({}, s.execute(q))
