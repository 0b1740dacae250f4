"""Satisfaction: NPS (0–10) and CSAT (1–5) answers logged against a contact (and their company), audited
and undoable like any write; and the report: NPS (the share of promoters, 9–10, less the share of
detractors, 0–6) and average CSAT over a period, per company and per owner (the contact's owner).

Reps see the team's figures and their own line; managers and admins every owner's."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from bot.services import policy
from bot.services.base import Actor, Ref, Service
from bot.services.companies import find_company
from bot.services.contacts import find_contact
from bot.services.errors import Invalid
from bot.services.reports import bounds, slack_ids
from bot.services.workspace import user_by_slack
from models import Company, Feedback, User

RANGES = {"nps": (0, 10), "csat": (1, 5)}


@dataclass(frozen=True)
class FeedbackWritten:
    op_id: str
    contact: str
    company: str | None
    scale: str
    score: int


@dataclass
class Scores:
    """Answers per score, on each scale."""

    nps: Counter[int] = field(default_factory=Counter)
    csat: Counter[int] = field(default_factory=Counter)

    @property
    def nps_answers(self) -> int:
        return sum(self.nps.values())

    @property
    def csat_answers(self) -> int:
        return sum(self.csat.values())

    @property
    def net_promoter(self) -> float | None:
        if not self.nps_answers:
            return None
        promoters = sum(n for s, n in self.nps.items() if s >= 9)
        detractors = sum(n for s, n in self.nps.items() if s <= 6)
        return 100 * (promoters - detractors) / self.nps_answers

    @property
    def average_csat(self) -> float | None:
        n = self.csat_answers
        return sum(s * k for s, k in self.csat.items()) / n if n else None


@dataclass(frozen=True)
class Satisfaction:
    start: date
    end: date
    team: Scores
    companies: list[tuple[str, Scores]]  # most answers first
    owners: list[tuple[str | None, Scores]]  # the ones the reader may see


# The companies the report names: the most answers first.
TOP_COMPANIES = 15


def _counted(actor: Actor, start: date, end: date, owner: User | None) -> list[ColumnElement[bool]]:
    """The answers a report over the days ``start`` … ``end`` counts (``owner``'s contacts' alone when
    given): those given in the period whose contact is not deleted. Each answer carries its contact's
    owner and deletion and its company's name (kept by the database: models.entities.Feedback), so the
    period's answers are read alone, by the index on when they were given."""
    since, until = bounds(actor, start, end)
    where = [Feedback.given_at >= since, Feedback.given_at < until, Feedback.contact_deleted.is_(False)]
    if owner is not None:
        where.append(Feedback.contact_owner_id == owner.id)
    return where


def satisfaction(s: Session, actor: Actor, start: date, end: date, owner: User | None) -> Satisfaction:
    if owner is not None and owner.id != actor.user_id:
        policy.require(s, actor, "teammate figures")
    counted = _counted(actor, start, end, owner)
    people = slack_ids(s)
    team = Scores()
    owners: dict[str | None, Scores] = defaultdict(Scores)
    per_owner = (
        select(Feedback.contact_owner_id, Feedback.scale, Feedback.score, func.count())
        .where(*counted)
        .group_by(Feedback.contact_owner_id, Feedback.scale, Feedback.score)
    )
    for owner_id, scale, score, n in s.execute(per_owner):
        slack_id = people.get(owner_id) if owner_id is not None else None
        for scores in (team, owners[slack_id]):
            getattr(scores, scale)[int(score)] += int(n)
    # The companies with the most answers, by name (two of one name are one line), ranked in SQL: the
    # fifteenth place's ties come too, and are ordered by name here as before.
    named = (
        select(Feedback.company_name.label("name"), Feedback.scale, Feedback.score, func.count().label("n"))
        .where(*counted, Feedback.company_name.is_not(None))
        .group_by(Feedback.company_name, Feedback.scale, Feedback.score)
        .cte("named")
    )
    ranked = (
        select(named.c.name, func.rank().over(order_by=func.sum(named.c.n).desc()).label("place"))
        .group_by(named.c.name)
        .subquery("ranked")
    )
    companies: dict[str, Scores] = defaultdict(Scores)
    top = (
        select(named.c.name, named.c.scale, named.c.score, named.c.n)
        .join(ranked, ranked.c.name == named.c.name)
        .where(ranked.c.place <= TOP_COMPANIES)
    )
    for company, scale, score, n in s.execute(top):
        getattr(companies[company], scale)[int(score)] += int(n)
    seen = (
        owners
        if policy.at_least(actor, "manager")
        else {k: v for k, v in owners.items() if k == actor.slack_id}
    )
    return Satisfaction(
        start,
        end,
        team,
        sorted(companies.items(), key=lambda kv: (-(kv[1].nps_answers + kv[1].csat_answers), kv[0]))[
            :TOP_COMPANIES
        ],
        sorted(seen.items(), key=lambda kv: (-(kv[1].nps_answers + kv[1].csat_answers), kv[0] or "")),
    )


def satisfaction_trend(
    s: Session, actor: Actor, periods: list[tuple[date, date]], owner: User | None
) -> list[Scores]:
    """The team's answers in each of several periods (a trend's weeks or months), counted in one
    grouped query: each answer falls in the period its moment lies in."""
    if owner is not None and owner.id != actor.user_id:
        policy.require(s, actor, "teammate figures")
    if not periods:
        return []
    spans = [bounds(actor, a, b) for a, b in periods]
    bucket = case(
        *((and_(Feedback.given_at >= a, Feedback.given_at < b), i) for i, (a, b) in enumerate(spans)),
        else_=-1,
    ).label("bucket")
    q = (
        select(bucket, Feedback.scale, Feedback.score, func.count())
        .where(*_counted(actor, min(a for a, _ in periods), max(b for _, b in periods), owner))
        .group_by(bucket, Feedback.scale, Feedback.score)
    )
    out = [Scores() for _ in periods]
    for i, scale, score, n in s.execute(q):
        if 0 <= int(i) < len(out):
            getattr(out[int(i)], scale)[int(score)] += int(n)
    return out


class FeedbackLog(Service):
    def log_feedback(
        self, actor: Actor, contact: Ref, scale: str, score: object, company: Ref | None = None
    ) -> FeedbackWritten:
        """One NPS or CSAT answer from a contact (of the named company, when one is said)."""
        key = str(scale or "").strip().lower()
        if key not in RANGES:
            raise Invalid("feedback.scale", field="scale", value=str(scale))
        low, high = RANGES[key]
        try:
            value = int(str(score).strip())
        except ValueError:
            raise Invalid(
                "feedback.score", field="score", value=str(score), scale=key.upper(), low=low, high=high
            ) from None
        if not low <= value <= high:
            raise Invalid(
                "feedback.score", field="score", value=str(score), scale=key.upper(), low=low, high=high
            )
        with self.op(actor) as op:
            s = op.session
            hint = company if isinstance(company, str) else None
            person = find_contact(s, actor, contact, company_hint=hint)
            firm = find_company(s, op, actor, company, create=False) if company else None
            company_id = firm.id if firm is not None else person.company_id
            s.add(
                Feedback(
                    workspace_id=actor.workspace_id,
                    contact_id=person.id,
                    company_id=company_id,
                    scale=key,
                    score=value,
                    author_id=actor.user_id,
                    given_at=self.clock(),
                )
            )
            s.flush()
            name = s.get(Company, company_id).name if company_id else None  # type: ignore[union-attr]
            return FeedbackWritten(op.id, person.name, name, key, value)

    def satisfaction(self, actor: Actor, start: date, end: date, owner: str | None = None) -> Satisfaction:
        """NPS and average CSAT over a period: the team's, per company and per owner."""
        with self.read(actor) as s:
            owner_row = user_by_slack(s, actor.workspace_id, owner) if owner else None
            return satisfaction(s, actor, start, end, owner_row)

    def satisfaction_trend(
        self, actor: Actor, periods: list[tuple[date, date]], owner: str | None = None
    ) -> list[Scores]:
        """The team's answers per period, for a trend: one query for all the periods."""
        with self.read(actor) as s:
            owner_row = user_by_slack(s, actor.workspace_id, owner) if owner else None
            return satisfaction_trend(s, actor, periods, owner_row)
