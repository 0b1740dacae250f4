"""The funnel and pipeline velocity.

The funnel follows the deals added in a period through the stages they went through, read from the
audit trail (each deal's ``stage_id`` as it was made and at each change, leaving out what was undone):
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
from statistics import median
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.services import policy
from bot.services.base import Actor, Service
from bot.services.reports import bounds
from bot.services.workspace import user_by_slack
from models import AuditEvent, Deal, PipelineStage, User


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


def _paths(
    s: Session, deal_ids: dict[int, tuple[datetime, int]], chosen: Select[Any]
) -> dict[int, list[tuple[datetime, int]]]:
    """Each deal's stages in order, with when it entered each: from its audit events, or (a deal with
    none, imported before the audit trail) the stage it is in since it was made."""
    paths: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    if deal_ids:
        q = (
            select(AuditEvent.record_id, AuditEvent.at, AuditEvent.after)
            .where(
                AuditEvent.record_type == "deal",
                # The deals by the query that chose them: no list of ids as long as the period's deals.
                AuditEvent.record_id.in_(chosen.with_only_columns(Deal.id)),
                AuditEvent.action.in_(("create", "update")),
                AuditEvent.undone_by_op.is_(None),
            )
            .order_by(AuditEvent.record_id, AuditEvent.at, AuditEvent.id)
        )
        for deal_id, at, after in s.execute(q):
            stage_id = (after or {}).get("stage_id")
            if stage_id is not None and (not paths[deal_id] or paths[deal_id][-1][1] != stage_id):
                paths[deal_id].append((at, int(stage_id)))
    for deal_id, (made, stage_id) in deal_ids.items():
        if not paths[deal_id]:
            paths[deal_id] = [(made, stage_id)]
    return paths


def funnel(s: Session, actor: Actor, start: date, end: date, owner: User | None) -> Funnel:
    _check(s, actor, owner)
    since, until = bounds(actor, start, end)
    stages = list(s.scalars(select(PipelineStage).order_by(PipelineStage.position)))
    opened = [st for st in stages if not st.is_closed]
    rank = {st.id: i for i, st in enumerate(opened)}
    won_ids = {st.id for st in stages if st.is_won}
    q = select(Deal.id, Deal.created_at, Deal.stage_id).where(
        Deal.created_at >= since, Deal.created_at < until
    )
    if owner is not None:
        q = q.where(Deal.owner_id == owner.id)
    deals = {deal_id: (made, stage_id) for deal_id, made, stage_id in s.execute(q)}
    paths = _paths(s, deals, q)
    reached = [0] * len(opened)
    stays: dict[int, list[float]] = defaultdict(list)
    won = 0
    for deal_id, path in paths.items():
        is_won = deals[deal_id][1] in won_ids
        won += is_won
        furthest = len(opened) - 1 if is_won else max((rank.get(st, -1) for _, st in path), default=-1)
        for i in range(furthest + 1):
            reached[i] += 1
        for (entered, stage_id), (left, _) in zip(path, path[1:], strict=False):
            if stage_id in rank:
                stays[stage_id].append(max(0.0, (left - entered).total_seconds() / 86400))
    lines = []
    for i, st in enumerate(opened):
        following = reached[i + 1] if i + 1 < len(opened) else won
        lines.append(
            FunnelStage(
                st.name,
                reached[i],
                following / reached[i] if reached[i] else None,
                won / reached[i] if reached[i] else None,
                median(stays[st.id]) if stays[st.id] else None,
            )
        )
    return Funnel(start, end, len(deals), won, lines)


def velocity(s: Session, actor: Actor, start: date, end: date, owner: User | None) -> Velocity:
    _check(s, actor, owner)
    since, until = bounds(actor, start, end)
    open_q = (
        select(Deal.currency, func.count())
        .join(PipelineStage, Deal.stage_id == PipelineStage.id)
        .where(PipelineStage.is_closed.is_(False))
        .group_by(Deal.currency)
    )
    closed_q = (
        select(Deal.currency, PipelineStage.is_won, Deal.amount, Deal.created_at, Deal.closed_at)
        .join(PipelineStage, Deal.stage_id == PipelineStage.id)
        .where(PipelineStage.is_closed.is_(True), Deal.closed_at >= since, Deal.closed_at < until)
    )
    if owner is not None:
        open_q = open_q.where(Deal.owner_id == owner.id)
        closed_q = closed_q.where(Deal.owner_id == owner.id)
    open_deals = {currency: int(n) for currency, n in s.execute(open_q)}
    won: dict[str, list[tuple[Decimal, float]]] = defaultdict(list)
    lost: dict[str, int] = defaultdict(int)
    for currency, is_won, amount, made, closed in s.execute(closed_q):
        if is_won:
            won[currency].append((Decimal(amount or 0), max(0.0, (closed - made).total_seconds() / 86400)))
        else:
            lost[currency] += 1
    out = []
    for currency in sorted(set(open_deals) | set(won) | set(lost)):
        w = won[currency]
        closed_n = len(w) + lost[currency]
        out.append(
            CurrencyVelocity(
                currency,
                open_deals.get(currency, 0),
                len(w) / closed_n if closed_n else None,
                sum((a for a, _ in w), Decimal(0)) / len(w) if w else None,
                sum(d for _, d in w) / len(w) if w else None,
            )
        )
    return Velocity(start, end, out)


class Funnels(Service):
    def funnel(self, actor: Actor, start: date, end: date, owner: str | None = None) -> Funnel:
        """How the deals added between two days went through the stages (from the audit trail)."""
        with self.read(actor) as s:
            owner_row = user_by_slack(s, actor.workspace_id, owner) if owner else None
            return funnel(s, actor, start, end, owner_row)

    def velocity(self, actor: Actor, start: date, end: date, owner: str | None = None) -> Velocity:
        """Open deals × win rate × average won amount ÷ days to win, per currency."""
        with self.read(actor) as s:
            owner_row = user_by_slack(s, actor.workspace_id, owner) if owner else None
            return velocity(s, actor, start, end, owner_row)
