"""Customers: the companies with a won deal. Over a period: the revenue won, retention (of the customers
who won a deal in the period before, those who bought again in this one), new customers (their first win
in the period), the top customers by lifetime value (every won deal, ever), and the customers gone quiet
(no activity on any of their deals for N days). Amounts stay per currency; ranking is by the workspace's
own currency first."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, literal, select
from sqlalchemy.orm import Session

from bot.services import policy
from bot.services.base import Actor, Service
from bot.services.reports import bounds, in_pipeline, pipeline_named, previous
from bot.services.views import Amounts, add_amounts
from bot.services.workspace import user_by_slack
from models import Company, Deal, Pipeline, PipelineStage, User, Workspace

TOP = 10
QUIET_LIST = 15
QUIET_IDS = 5000  # quiet customers named in a statement; SQLite takes 32,766 values at most


@dataclass(frozen=True)
class CustomerLine:
    name: str
    period: Amounts  # won in the period
    lifetime: Amounts  # won ever
    deals: int  # won ever


@dataclass(frozen=True)
class Customers:
    start: date
    end: date
    before: tuple[date, date]
    prior: int  # customers with a win in the period before
    retained: int  # of those, with a win in this period too
    buyers: int  # customers with a win in this period
    new: int  # of those, whose first win it was
    revenue: Amounts
    top: list[CustomerLine]
    quiet_days: int
    quiet: list[tuple[str, datetime]]  # name, last activity; quietest first
    quiet_count: int

    @property
    def retention(self) -> float | None:
        return self.retained / self.prior if self.prior else None


def _won(owner: User | None, pipeline: Pipeline | None = None) -> Select[tuple[int | None]]:
    """The won deals' companies (of one owner, in one pipeline, when given), as a query."""
    q = (
        select(Deal.company_id)
        .join(PipelineStage, Deal.stage_id == PipelineStage.id)
        .where(PipelineStage.is_won.is_(True), Deal.company_id.is_not(None))
    )
    return in_pipeline(q.where(Deal.owner_id == owner.id) if owner is not None else q, pipeline)


def _buyers(
    owner: User | None, since: datetime, until: datetime, pipeline: Pipeline | None = None
) -> Select[tuple[int | None]]:
    """The companies with a win between two instants, as a query."""
    return _won(owner, pipeline).where(Deal.closed_at >= since, Deal.closed_at < until).distinct()


def _count(s: Session, q: Select[Any]) -> int:
    return int(s.scalar(select(func.count()).select_from(q.subquery())) or 0)


def _amounts(rows: Any) -> dict[int, Amounts]:
    out: dict[int, Amounts] = defaultdict(dict)
    for company_id, currency, amount in rows:
        out[company_id] = add_amounts(out[company_id], {currency: Decimal(amount or 0)})
    return out


def customers(
    s: Session,
    actor: Actor,
    start: date,
    end: date,
    owner: User | None,
    quiet_days: int,
    now: datetime,
    pipeline: Pipeline | None = None,
) -> Customers:
    if owner is not None and owner.id != actor.user_id:
        policy.require(s, actor, "teammate figures")
    ws = s.get(Workspace, actor.workspace_id)
    home = ws.default_currency if ws else "USD"
    since, until = bounds(actor, start, end)
    before = previous(start, end)
    prior = _buyers(owner, *bounds(actor, *before), pipeline)
    buyers = _buyers(owner, since, until, pipeline)
    # New customers: no win (in the pipeline) before the period began.
    earlier = _buyers(owner, datetime(1970, 1, 1, tzinfo=since.tzinfo), since, pipeline)
    period_q = (
        _won(owner, pipeline)
        .add_columns(Deal.currency, func.sum(Deal.amount))
        .where(Deal.closed_at >= since, Deal.closed_at < until)
    )
    revenue = add_amounts(
        *(
            {currency: Decimal(amount or 0)}
            for _c, currency, amount in s.execute(
                period_q.with_only_columns(literal(0), Deal.currency, func.sum(Deal.amount)).group_by(
                    Deal.currency
                )
            )
        )
    )
    # The top by lifetime value, ranked in the database: the workspace's currency first, then the sum
    # of the rest (a ranking only; no amount shown adds currencies).
    home_sum = func.coalesce(func.sum(case((Deal.currency == home, Deal.amount), else_=0)), 0)
    ranked = [
        int(c or 0)
        for c in s.scalars(
            _won(owner, pipeline)
            .group_by(Deal.company_id)
            .order_by(home_sum.desc(), func.coalesce(func.sum(Deal.amount), 0).desc(), Deal.company_id)
            .limit(TOP)
        )
    ]
    lifetime: dict[int, Amounts] = {}
    period: dict[int, Amounts] = {}
    counts: dict[int, int] = defaultdict(int)
    if ranked:
        top = _won(owner, pipeline).where(Deal.company_id.in_(ranked))
        rows = s.execute(
            top.add_columns(Deal.currency, func.sum(Deal.amount), func.count()).group_by(
                Deal.company_id, Deal.currency
            )
        ).all()
        lifetime = _amounts((c, cur, a) for c, cur, a, _n in rows)
        for c, _cur, _a, n in rows:
            counts[c] += int(n)
        period = _amounts(
            s.execute(period_q.where(Deal.company_id.in_(ranked)).group_by(Deal.company_id, Deal.currency))
        )
    # Gone quiet: customers none of whose deals has been active since the cutoff. The companies active
    # since then come from a range of ix_deals_active and are taken from the customers, and only the
    # quiet ones' deals are read for when each was last active (grouping every deal of every customer
    # read most of the deals' table).
    cutoff = now - timedelta(days=quiet_days)
    active = select(Deal.company_id).where(Deal.last_activity_at >= cutoff, Deal.company_id.is_not(None))
    quiet_ids = [int(c) for c in s.scalars(_won(owner, pipeline).except_(active)) if c is not None]
    # Named as a list the planner sees how few they are and reads their deals by company; as a
    # subquery it guessed tens of thousands and read every deal. Past what a statement may carry, the
    # subquery it is.
    among = (
        Deal.company_id.in_(quiet_ids)
        if len(quiet_ids) <= QUIET_IDS
        else Deal.company_id.in_(_won(owner, pipeline).except_(active))
    )
    last = select(Deal.company_id, func.max(Deal.last_activity_at)).where(among).group_by(Deal.company_id)
    # The quietest, with how many there are in all (a window over the groups): one pass, not two.
    quiet_rows = [
        (c, at, int(n))
        for c, at, n in s.execute(
            last.add_columns(func.count().over())
            .order_by(func.max(Deal.last_activity_at), Deal.company_id)
            .limit(QUIET_LIST)
        )
    ]
    wanted = set(ranked) | {c for c, _, _ in quiet_rows}
    names: dict[int, str] = {}
    if wanted:
        names = {i: n for i, n in s.execute(select(Company.id, Company.name).where(Company.id.in_(wanted)))}
    buyers_sub = buyers.subquery()
    return Customers(
        start,
        end,
        before,
        _count(s, prior),
        _count(s, prior.where(Deal.company_id.in_(select(buyers_sub.c.company_id)))),
        _count(s, buyers),
        _count(s, buyers.where(Deal.company_id.not_in(earlier.with_only_columns(Deal.company_id)))),
        revenue,
        [CustomerLine(names.get(c, "?"), period.get(c, {}), lifetime[c], counts[c]) for c in ranked],
        quiet_days,
        [(names.get(c, "?"), at) for c, at, _ in quiet_rows],
        quiet_rows[0][2] if quiet_rows else 0,
    )


class CustomerReports(Service):
    def customers(
        self,
        actor: Actor,
        start: date,
        end: date,
        owner: str | None = None,
        quiet_days: int = 30,
        *,
        pipeline: str | None = None,
    ) -> Customers:
        """Customers over a period: revenue, retention, new ones, the top by lifetime value, the quiet."""
        with self.read(actor) as s:
            owner_row = user_by_slack(s, actor.workspace_id, owner) if owner else None
            found = pipeline_named(s, actor, pipeline)
            return customers(s, actor, start, end, owner_row, quiet_days, self.clock(), found)
