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

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.services import policy
from bot.services.base import Actor, Service
from bot.services.reports import bounds, previous
from bot.services.views import Amounts, add_amounts
from bot.services.workspace import user_by_slack
from models import Company, Deal, PipelineStage, User, Workspace

TOP = 10
QUIET_LIST = 15


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


def _won(owner: User | None) -> Select[tuple[int | None]]:
    q = (
        select(Deal.company_id)
        .join(PipelineStage, Deal.stage_id == PipelineStage.id)
        .where(PipelineStage.is_won.is_(True), Deal.company_id.is_not(None))
    )
    return q.where(Deal.owner_id == owner.id) if owner is not None else q


def _buyers(s: Session, owner: User | None, since: datetime, until: datetime) -> set[int]:
    q = _won(owner).where(Deal.closed_at >= since, Deal.closed_at < until).distinct()
    return {int(c) for c in s.scalars(q) if c is not None}


def customers(
    s: Session, actor: Actor, start: date, end: date, owner: User | None, quiet_days: int, now: datetime
) -> Customers:
    if owner is not None and owner.id != actor.user_id:
        policy.require(s, actor, "teammate figures")
    ws = s.get(Workspace, actor.workspace_id)
    home = ws.default_currency if ws else "USD"
    since, until = bounds(actor, start, end)
    before = previous(start, end)
    prior = _buyers(s, owner, *bounds(actor, *before))
    buyers = _buyers(s, owner, since, until)
    lifetime: dict[int, Amounts] = defaultdict(dict)
    period: dict[int, Amounts] = defaultdict(dict)
    counts: dict[int, int] = defaultdict(int)
    base = _won(owner).add_columns(Deal.currency, func.sum(Deal.amount), func.count())
    for company_id, currency, amount, count in s.execute(base.group_by(Deal.company_id, Deal.currency)):
        lifetime[company_id] = add_amounts(lifetime[company_id], {currency: Decimal(amount or 0)})
        counts[company_id] += int(count)
    in_period = base.where(Deal.closed_at >= since, Deal.closed_at < until).group_by(
        Deal.company_id, Deal.currency
    )
    for company_id, currency, amount, _count in s.execute(in_period):
        period[company_id] = add_amounts(period[company_id], {currency: Decimal(amount or 0)})
    # New customers: no win before the period began.
    earlier = _buyers(s, owner, datetime(1970, 1, 1, tzinfo=since.tzinfo), since)
    ranked = sorted(
        lifetime,
        key=lambda c: (-lifetime[c].get(home, Decimal(0)), -sum(lifetime[c].values(), Decimal(0)), c),
    )[:TOP]
    last = (
        select(Deal.company_id, func.max(Deal.last_activity_at))
        .where(Deal.company_id.in_(_won(owner)))
        .group_by(Deal.company_id)
        .having(func.max(Deal.last_activity_at) < now - timedelta(days=quiet_days))
        .order_by(func.max(Deal.last_activity_at), Deal.company_id)
    )
    quiet_rows = s.execute(last).all()
    wanted = set(ranked) | {c for c, _ in quiet_rows[:QUIET_LIST]}
    names: dict[int, str] = {}
    if wanted:
        names = {i: n for i, n in s.execute(select(Company.id, Company.name).where(Company.id.in_(wanted)))}
    return Customers(
        start,
        end,
        before,
        len(prior),
        len(prior & buyers),
        len(buyers),
        len(buyers - earlier),
        add_amounts(*period.values()),
        [CustomerLine(names.get(c, "?"), period.get(c, {}), lifetime[c], counts[c]) for c in ranked],
        quiet_days,
        [(names.get(c, "?"), at) for c, at in quiet_rows[:QUIET_LIST]],
        len(quiet_rows),
    )


class CustomerReports(Service):
    def customers(
        self, actor: Actor, start: date, end: date, owner: str | None = None, quiet_days: int = 30
    ) -> Customers:
        """Customers over a period: revenue, retention, new ones, the top by lifetime value, the quiet."""
        with self.read(actor) as s:
            owner_row = user_by_slack(s, actor.workspace_id, owner) if owner else None
            return customers(s, actor, start, end, owner_row, quiet_days, self.clock())
