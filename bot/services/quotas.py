"""Quotas: what a person is expected to win in a period, in one currency, set by a manager; attainment
(won deals in that currency closed in the period, by the day they closed in the workspace's zone) with a
leaderboard; and the milestones (50 %, 90 %, 100 %) whose first crossing is announced once to the person
and to the manager who set the quota (bot/proactive/kinds/quota_milestone.py plans those messages
through :func:`milestones_due`).

Reps see their own line and the team's totals; managers and admins see everyone's lines."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services import fields, policy
from bot.services.base import Actor, Service
from bot.services.errors import CurrencyChange, Invalid
from bot.services.timeutil import today_in, zone
from bot.services.views import Amounts, add_amounts
from bot.services.workspace import user_by_slack
from models import Deal, PipelineStage, Quota, User, Workspace
from models.entities import QUOTA_MILESTONES

# Deals won a few days after a quota's period ended (and dated into it) still count towards it.
LATE_WINS = timedelta(days=7)


@dataclass(frozen=True)
class QuotaLine:
    quota_id: int
    slack_id: str
    start: date
    end: date
    target: Decimal
    currency: str
    won: Decimal
    deals: int
    name: str = ""
    place: int = 0  # on the leaderboard of everyone with a quota in the period, 1 = first

    @property
    def share(self) -> float:
        return float(self.won / self.target) if self.target else 0.0


@dataclass(frozen=True)
class Attainment:
    start: date
    end: date
    lines: list[QuotaLine]  # the ones the reader may see, best first
    targets: Amounts  # the team's (every quota in the period), per currency
    won: Amounts
    rank: int | None  # the reader's place among everyone with a quota, 1 = first
    people: int


@dataclass(frozen=True)
class QuotaWritten:
    op_id: str
    slack_id: str
    start: date
    end: date
    amount: Decimal
    currency: str
    before: tuple[Decimal, str] | None  # the quota it replaced


def _won(s: Session, q: Quota, tz: str) -> tuple[Decimal, int]:
    since = datetime.combine(q.period_start, time(0), zone(tz))
    until = datetime.combine(q.period_end + timedelta(days=1), time(0), zone(tz))
    amount, count = s.execute(
        select(func.sum(Deal.amount), func.count())
        .join(PipelineStage, Deal.stage_id == PipelineStage.id)
        .where(
            PipelineStage.is_won.is_(True),
            Deal.owner_id == q.user_id,
            Deal.currency == q.currency,
            Deal.closed_at >= since,
            Deal.closed_at < until,
        )
    ).one()
    return Decimal(amount or 0), int(count)


def _won_per_period(
    s: Session, quotas: list[Quota], tz: str
) -> dict[tuple[date, date, int, str], tuple[Decimal, int]]:
    """What each quota's person won in its period, one grouped query per distinct period (not one per
    quota): (period start, period end, person, currency) → (amount, deals)."""
    people: dict[tuple[date, date], set[int]] = {}
    for q in quotas:
        people.setdefault((q.period_start, q.period_end), set()).add(q.user_id)
    out: dict[tuple[date, date, int, str], tuple[Decimal, int]] = {}
    for (first, last), ids in people.items():
        since = datetime.combine(first, time(0), zone(tz))
        until = datetime.combine(last + timedelta(days=1), time(0), zone(tz))
        won = (
            select(Deal.owner_id, Deal.currency, func.sum(Deal.amount), func.count())
            .join(PipelineStage, Deal.stage_id == PipelineStage.id)
            .where(
                PipelineStage.is_won.is_(True),
                Deal.owner_id.in_(ids),
                Deal.closed_at >= since,
                Deal.closed_at < until,
            )
            .group_by(Deal.owner_id, Deal.currency)
        )
        for owner_id, currency, amount, count in s.execute(won):
            out[(first, last, int(owner_id or 0), currency)] = (Decimal(amount or 0), int(count))
    return out


def attainment(s: Session, actor: Actor, start: date, end: date, owner: User | None) -> Attainment:
    if owner is not None and owner.id != actor.user_id:
        policy.require(s, actor, "teammate figures")
    ws = s.get(Workspace, actor.workspace_id)
    tz = ws.default_tz if ws else "UTC"
    rows = s.execute(
        select(Quota, User.slack_id, User.name)
        .join(User, Quota.user_id == User.id)
        .where(Quota.period_start <= end, Quota.period_end >= start)
    ).all()
    won_by = _won_per_period(s, [q for q, _, _ in rows], tz)
    lines = []
    for q, slack_id, name in rows:
        won, deals = won_by.get((q.period_start, q.period_end, q.user_id, q.currency), (Decimal(0), 0))
        lines.append(
            QuotaLine(q.id, slack_id, q.period_start, q.period_end, q.amount, q.currency, won, deals, name)
        )
    lines.sort(key=lambda x: (-x.share, x.slack_id))
    lines = [replace(x, place=i + 1) for i, x in enumerate(lines)]
    mine = [i for i, x in enumerate(lines) if x.slack_id == actor.slack_id]
    shown = lines if policy.at_least(actor, "manager") else [x for x in lines if x.slack_id == actor.slack_id]
    if owner is not None:
        shown = [x for x in lines if x.slack_id == owner.slack_id]
    return Attainment(
        start,
        end,
        shown,
        add_amounts(*({x.currency: x.target} for x in lines)),
        add_amounts(*({x.currency: x.won} for x in lines)),
        mine[0] + 1 if mine else None,
        len({x.slack_id for x in lines}),
    )


@dataclass(frozen=True)
class Milestone:
    quota: Quota
    person: User
    setter: User | None
    milestone: int
    won: Decimal


def milestones_due(s: Session, now: datetime, batch: int) -> list[Milestone]:
    """Quotas (of every workspace) whose attainment has passed a milestone not yet announced: the
    highest such milestone each, with the quota marked as having announced it (the caller plans the
    messages in the same transaction)."""
    out: list[Milestone] = []
    rows = s.execute(
        select(Quota, Workspace.default_tz)
        .join(Workspace, Quota.workspace_id == Workspace.id)
        .where(
            Quota.announced_pct < QUOTA_MILESTONES[-1], Quota.period_start <= now.date() + timedelta(days=1)
        )
        .order_by(Quota.id)
    ).all()
    for q, tz in rows:
        today = today_in(tz, now)
        if not q.period_start <= today <= q.period_end + LATE_WINS or not q.amount:
            continue
        won, _ = _won(s, q, tz)
        passed = [m for m in QUOTA_MILESTONES if won * 100 >= q.amount * m and m > q.announced_pct]
        if not passed:
            continue
        q.announced_pct = passed[-1]
        person = s.get(User, q.user_id)
        setter = s.get(User, q.set_by_id) if q.set_by_id else None
        if person is not None:
            out.append(Milestone(q, person, setter, passed[-1], won))
        if len(out) >= batch:
            break
    return out


class Quotas(Service):
    def set_quota(
        self,
        actor: Actor,
        person: str,
        amount: object,
        currency: str | None,
        start: date,
        end: date,
        *,
        force: bool = False,
    ) -> QuotaWritten:
        """A person's quota for a period (replacing the one they had for it): managers and admins only.
        A quota given without a currency keeps the one it has; one given in another currency than the
        quota it replaces is written only once the person confirmed it (``force``): nothing is converted."""
        value = fields.money(amount)
        if value is None or value <= 0:
            raise Invalid("quota.amount", field="amount", value=str(amount))
        if end < start:
            raise Invalid("quota.period", field="period", value=f"{start} – {end}")
        with self.op(actor) as op:
            s = op.session
            policy.require(s, actor, "quotas")
            ws = s.get(Workspace, actor.workspace_id)
            user = user_by_slack(s, actor.workspace_id, person)
            q = s.scalar(
                select(Quota).where(
                    Quota.user_id == user.id, Quota.period_start == start, Quota.period_end == end
                )
            )
            default = q.currency if q is not None else ws.default_currency if ws else "USD"
            code = fields.currency(currency, default)
            before = (q.amount, q.currency) if q is not None else None
            if q is not None and code != q.currency and not force:
                raise CurrencyChange(
                    "quota.currency.change",
                    title=f"{user.name or user.slack_id}'s quota",
                    old=q.currency,
                    old_amount=q.amount,
                    new=code,
                    new_amount=value,
                )
            if q is None:
                q = Quota(
                    workspace_id=actor.workspace_id,
                    user_id=user.id,
                    period_start=start,
                    period_end=end,
                    amount=value,
                    currency=code,
                    set_by_id=actor.user_id,
                    announced_pct=0,
                )
                s.add(q)
            else:
                q.amount, q.currency, q.set_by_id = value, code, actor.user_id
            s.flush()
            return QuotaWritten(op.id, user.slack_id, start, end, value, code, before)

    def quota_period(self, actor: Actor, day: date, owner: str | None = None) -> tuple[date, date] | None:
        """The period of the quotas in force on ``day`` (of ``owner``, or anyone's): from the first one's
        start to the last one's end; None when there is none."""
        with self.read(actor) as s:
            where = [Quota.period_start <= day, Quota.period_end >= day]
            if owner:
                where.append(Quota.user_id == user_by_slack(s, actor.workspace_id, owner).id)
            first, last = s.execute(
                select(func.min(Quota.period_start), func.max(Quota.period_end)).where(*where)
            ).one()
            return (first, last) if first is not None and last is not None else None

    def attainment(self, actor: Actor, start: date, end: date, owner: str | None = None) -> Attainment:
        """Quotas overlapping the period and what each person has won towards theirs."""
        with self.read(actor) as s:
            owner_row = user_by_slack(s, actor.workspace_id, owner) if owner else None
            return attainment(s, actor, start, end, owner_row)
