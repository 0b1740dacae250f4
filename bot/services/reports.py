"""Reports managers ask for in chat, computed by SQL over a period in the reader's zone: deals won and
lost (by when they actually closed), and the win rate. Amounts stay per currency."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services import policy
from bot.services.base import Actor
from bot.services.timeutil import zone
from bot.services.views import Amounts, add_amounts
from models import Deal, PipelineStage, User


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


def previous(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before (a calendar month before a month, a quarter before a
    quarter, else the same number of days)."""
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        first = start
        for _ in range(months):
            first = (first - timedelta(days=1)).replace(day=1)
        return first, start - timedelta(days=1)
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)


def closed_deals(s: Session, actor: Actor, start: date, end: date, owner: User | None) -> Closed:
    if owner is not None and owner.id != actor.user_id:
        policy.require(s, actor, "teammate figures")
    tz = zone(actor.tz)
    since = datetime.combine(start, time(0), tz)
    until = datetime.combine(end + timedelta(days=1), time(0), tz)
    q = (
        select(User.slack_id, PipelineStage.is_won, Deal.currency, func.count(), func.sum(Deal.amount))
        .select_from(Deal)
        .join(PipelineStage, Deal.stage_id == PipelineStage.id)
        .outerjoin(User, Deal.owner_id == User.id)
        .where(
            PipelineStage.is_closed.is_(True),
            Deal.closed_at >= since,
            Deal.closed_at < until,
        )
        .group_by(User.slack_id, PipelineStage.is_won, Deal.currency)
    )
    if owner is not None:
        q = q.where(Deal.owner_id == owner.id)
    won: dict[str | None, int] = defaultdict(int)
    lost: dict[str | None, int] = defaultdict(int)
    won_amounts: dict[str | None, list[Amounts]] = defaultdict(list)
    lost_amounts: dict[str | None, list[Amounts]] = defaultdict(list)
    for slack_id, is_won, currency, count, amount in s.execute(q):
        value = {currency: Decimal(amount or 0)}
        if is_won:
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
