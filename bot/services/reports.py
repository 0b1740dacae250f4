"""Reports managers ask for in chat, computed by SQL over a period in the reader's zone: deals won and
lost (by when they actually closed), the win rate, the activity logged (calls, emails, meetings… per
person), the sales cycle (days from a won deal's creation to its close). The forecast is bot/services/forecasts.py, the funnel
and velocity bot/services/funnel.py. Amounts stay per currency."""

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
from models import Deal, Interaction, PipelineStage, User


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
    quarter, the same days of the month before a month so far, else the same number of days)."""
    if (
        start.day == 1
        and (start.year, start.month) == (end.year, end.month)
        and (end + timedelta(days=1)).day != 1
    ):
        first = (start - timedelta(days=1)).replace(day=1)
        last_day = (start - timedelta(days=1)).day
        return first, first.replace(day=min(end.day, last_day))
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
    since, until = bounds(actor, start, end)
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


def bounds(actor: Actor, start: date, end: date) -> tuple[datetime, datetime]:
    """The period's first and last day, in the reader's zone, as instants."""
    tz = zone(actor.tz)
    return datetime.combine(start, time(0), tz), datetime.combine(end + timedelta(days=1), time(0), tz)


@dataclass(frozen=True)
class PersonActivity:
    slack_id: str | None
    kinds: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.kinds.values())


@dataclass(frozen=True)
class Activity:
    start: date
    end: date
    people: list[PersonActivity]

    @property
    def kinds(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for p in self.people:
            for kind, n in p.kinds.items():
                out[kind] += n
        return dict(out)

    @property
    def total(self) -> int:
        return sum(p.total for p in self.people)


def activity(s: Session, actor: Actor, start: date, end: date, owner: User | None) -> Activity:
    """What was logged in the period, by who logged it and its kind, by when it happened."""
    if owner is not None and owner.id != actor.user_id:
        policy.require(s, actor, "teammate figures")
    since, until = bounds(actor, start, end)
    q = (
        select(User.slack_id, Interaction.kind, func.count())
        .select_from(Interaction)
        .outerjoin(User, Interaction.author_id == User.id)
        .where(Interaction.occurred_at >= since, Interaction.occurred_at < until)
        .group_by(User.slack_id, Interaction.kind)
    )
    if owner is not None:
        q = q.where(Interaction.author_id == owner.id)
    kinds: dict[str | None, dict[str, int]] = defaultdict(dict)
    for slack_id, kind, count in s.execute(q):
        kinds[slack_id][kind] = int(count)
    people = [PersonActivity(k, v) for k, v in kinds.items()]
    people.sort(key=lambda p: (-p.total, p.slack_id or ""))
    return Activity(start, end, people)


@dataclass(frozen=True)
class Cycle:
    start: date
    end: date
    days: list[float]  # one per deal won in the period: from its creation to its close

    @property
    def average(self) -> float | None:
        return sum(self.days) / len(self.days) if self.days else None

    @property
    def median(self) -> float | None:
        if not self.days:
            return None
        ordered = sorted(self.days)
        mid = len(ordered) // 2
        return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def cycle(s: Session, actor: Actor, start: date, end: date, owner: User | None) -> Cycle:
    """How long the deals won in the period took, from the day each was added to the day it closed."""
    if owner is not None and owner.id != actor.user_id:
        policy.require(s, actor, "teammate figures")
    since, until = bounds(actor, start, end)
    q = (
        select(Deal.created_at, Deal.closed_at)
        .join(PipelineStage, Deal.stage_id == PipelineStage.id)
        .where(PipelineStage.is_won.is_(True), Deal.closed_at >= since, Deal.closed_at < until)
    )
    if owner is not None:
        q = q.where(Deal.owner_id == owner.id)
    days = [
        max(0.0, (closed - made).total_seconds() / 86400)
        for made, closed in s.execute(q)
        if made is not None and closed is not None
    ]
    return Cycle(start, end, days)
