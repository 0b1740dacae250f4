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

from sqlalchemy import Select, and_, case, func, literal, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from bot.services import policy
from bot.services.base import Actor, Service
from bot.services.reports import bounds, pipeline_named, previous
from bot.services.views import Amounts, add_amounts
from bot.services.workspace import user_by_slack
from models import Company, CompanyActivity, Deal, Pipeline, PipelineStage, User, Workspace

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


def _won(owner: User | None, won: list[int]) -> Select[tuple[int | None]]:
    """The won deals' companies (of one owner, when given), as a query; ``won``: the won stages."""
    q = select(Deal.company_id).where(Deal.stage_id.in_(won), Deal.company_id.is_not(None))
    return q.where(Deal.owner_id == owner.id) if owner is not None else q


def _won_stages(s: Session, pipeline: Pipeline | None) -> list[int]:
    """The workspace's won stages (in one pipeline, when given), named to the queries as a list: one
    stage is read as the won deals' index range, ordered by company (PostgreSQL groups them as they
    come, where a join to the stages hashed every company's sums)."""
    q = select(PipelineStage.id).where(PipelineStage.is_won.is_(True)).order_by(PipelineStage.id)
    return list(s.scalars(q.where(PipelineStage.pipeline_id == pipeline.id) if pipeline is not None else q))


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
    won = _won_stages(s, pipeline)
    since_before, until_before = bounds(actor, *before)
    closed = _unindexed(s, Deal.closed_at)
    period_q = (
        _won(owner, won)
        .add_columns(Deal.currency, func.sum(Deal.amount))
        .where(closed >= since, closed < until)
    )
    figures = _ranked(s, owner, won, home, (since, until), (since_before, until_before))
    ranked = figures.ranked
    revenue = add_amounts({home: figures.revenue_home})
    if figures.other_currencies:
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
    lifetime: dict[int, Amounts] = {}
    period: dict[int, Amounts] = {}
    counts: dict[int, int] = defaultdict(int)
    if ranked:
        top = _won(owner, won).where(Deal.company_id.in_(ranked))
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
    quiet_rows = _quiet(s, owner, won, now - timedelta(days=quiet_days))
    wanted = set(ranked) | {c for c, _, _ in quiet_rows}
    names: dict[int, str] = {}
    if wanted:
        names = {i: n for i, n in s.execute(select(Company.id, Company.name).where(Company.id.in_(wanted)))}
    return Customers(
        start,
        end,
        before,
        figures.prior,
        figures.retained,
        figures.buyers,
        figures.new,
        revenue,
        [CustomerLine(names.get(c, "?"), period.get(c, {}), lifetime[c], counts[c]) for c in ranked],
        quiet_days,
        [(names.get(c, "?"), at) for c, at, _ in quiet_rows],
        quiet_rows[0][2] if quiet_rows else 0,
    )


def _unindexed(s: Session, column: Any) -> Any:
    """The column, on SQLite as an expression no index serves (its unary plus), so that the won deals
    are read from their covering index by stage (ix_deals_customers): grouped by company, SQLite walked
    every deal through the companies' index for its order, a row of the table each (6 s at a million
    deals); kept to a period, through the closed deals' index, which lacks the company (a row each)."""
    if s.get_bind().dialect.name != "sqlite":
        return column
    return UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)


def _between(span: tuple[datetime, datetime]) -> Any:
    """1 for a deal closed within the span, else 0: what a company's maximum of it says of the span."""
    return case((and_(Deal.closed_at >= span[0], Deal.closed_at < span[1]), 1), else_=0)


@dataclass(frozen=True)
class _Figures:
    ranked: list[int]  # the top customers' ids, first first
    prior: int
    retained: int
    buyers: int
    new: int
    revenue_home: Decimal  # won in the period in the workspace's currency
    other_currencies: bool  # and some in another


def _ranked(
    s: Session,
    owner: User | None,
    won: list[int],
    home: str,
    now: tuple[datetime, datetime],
    before: tuple[datetime, datetime],
) -> _Figures:
    """The top customers by lifetime value, and how many won in the period before (prior), of those in
    this one too (retained), in this one (buyers) and for the first time (new), with the period's revenue
    in the workspace's currency: one pass over the won deals grouped by company (each figure read its own
    set of them, and new customers every win before the period), its groups read twice (summed, and the
    first ten taken: a window over them cost a tenth of a second at a million deals). Ranked in the
    database: the workspace's currency first, then the sum of the rest (a ranking only; no amount shown
    adds currencies)."""
    earlier = (datetime(1970, 1, 1, tzinfo=now[0].tzinfo), now[0])
    # One won stage: its index range comes ordered by company, grouped as it is read (on SQLite too).
    company = Deal.company_id if len(won) == 1 else _unindexed(s, Deal.company_id)
    mine = Deal.currency == home
    per = (
        _won(owner, won)
        .with_only_columns(company.label("company_id"))
        .add_columns(
            func.coalesce(func.sum(case((mine, Deal.amount), else_=0)), 0).label("home"),
            func.coalesce(func.sum(Deal.amount), 0).label("total"),
            func.max(_between(now)).label("now"),
            func.max(_between(before)).label("prior"),
            func.max(_between(earlier)).label("earlier"),
            func.coalesce(
                func.sum(case((and_(_between(now) == 1, mine), Deal.amount), else_=0)),
                0,
                type_=Deal.amount.type,
            ).label("now_home"),
            func.max(case((and_(_between(now) == 1, ~mine), 1), else_=0)).label("now_other"),
        )
        .group_by(company)
        .cte("per")
    )
    c = per.c
    order = (c.home.desc(), c.total.desc(), c.company_id)
    top = select(c.company_id, c.home, c.total).order_by(*order).limit(TOP).subquery()
    figures = select(
        func.sum(c.prior).label("prior"),
        func.sum(c.prior * c.now).label("retained"),
        func.sum(c.now).label("buyers"),
        func.sum(c.now * (1 - c.earlier)).label("new"),
        func.sum(c.now_home, type_=Deal.amount.type).label("now_home"),
        func.max(c.now_other).label("now_other"),
    ).subquery()
    f = figures.c
    rows = s.execute(
        select(top.c.company_id, f.prior, f.retained, f.buyers, f.new, f.now_home, f.now_other)
        .select_from(top.join(figures, true()))
        .order_by(top.c.home.desc(), top.c.total.desc(), top.c.company_id)
    ).all()
    if not rows:
        return _Figures([], 0, 0, 0, 0, Decimal(0), False)
    first = rows[0]
    return _Figures(
        [int(r[0]) for r in rows],
        int(first[1]),
        int(first[2]),
        int(first[3]),
        int(first[4]),
        Decimal(first[5] or 0),
        bool(first[6]),
    )


def _quiet(
    s: Session, owner: User | None, won: list[int], cutoff: datetime
) -> list[tuple[int, datetime, int]]:
    """The customers none of whose deals has been active since the cutoff, quietest first, with how many
    there are in all: the companies whose deals were last active before it (a range of the kept
    ``company_activity``) that have a won deal (of the owner, in the pipeline: by the won deals' index)."""
    a = CompanyActivity
    customer = _won(owner, won).where(Deal.company_id == a.company_id).exists()
    return [
        (int(c), at, int(n))
        for c, at, n in s.execute(
            select(a.company_id, a.last_activity_at, func.count().over())
            .where(a.last_activity_at < cutoff, customer)
            .order_by(a.last_activity_at, a.company_id)
            .limit(QUIET_LIST)
        )
    ]


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
