"""The satisfaction report's figures on a seeded set of answers, against figures this test computes
answer by answer from what it seeded (not by the report's query): the team's NPS and CSAT, the fifteen
companies with the most answers (ties by name, two companies of one name as one line), every owner's
(a contact with no owner as its own line), one person's, and the trend per week. Answers of a deleted
contact are not counted; those about a deleted company count for the team and the owner, not the
company; another workspace's never."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services import CRM, Actor
from bot.services.feedback import Scores
from models import Company, Contact, Feedback

NY = ZoneInfo("America/New_York")  # ann's zone: the days the periods are made of
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
WEEKS = [
    (date(2026, 11, 2) + timedelta(days=7 * i), date(2026, 11, 8) + timedelta(days=7 * i)) for i in range(4)
]


@dataclass(frozen=True)
class Answer:
    company: str | None  # the company the answer is about, None when gone (deleted) or never said
    owner: str | None  # the Slack id of the contact's owner
    counted: bool  # False: its contact is deleted
    scale: str
    score: int
    at: datetime


def _seed(crm: CRM, ann: Actor, bob: Actor, other: Actor) -> list[Answer]:
    rng = random.Random(13)
    answers: list[Answer] = []
    with crm.sessions.begin() as s:
        names = [f"Firm {i:02d}" for i in range(24)] + ["Twin", "Twin"]
        companies = [Company(workspace_id=ann.workspace_id, name=n, name_key=n.lower()) for n in names]
        gone_company = Company(workspace_id=ann.workspace_id, name="Gone Corp", name_key="gone corp")
        gone_company.deleted_at = datetime(2026, 10, 1, tzinfo=UTC)
        s.add_all([*companies, gone_company])
        s.flush()
        owners = {ann.user_id: ann.slack_id, bob.user_id: bob.slack_id, None: None}
        contacts = []
        for i in range(80):
            firm = rng.choice([*companies, gone_company, None])
            owner = rng.choice(list(owners))
            person = Contact(
                workspace_id=ann.workspace_id,
                name=f"Person {i}",
                name_key=f"person {i}",
                company_id=firm.id if firm is not None else None,
                owner_id=owner,
            )
            if i % 11 == 0:
                person.deleted_at = datetime(2026, 10, 1, tzinfo=UTC)
            contacts.append((person, firm, owner))
        s.add_all(c for c, _, _ in contacts)
        s.flush()
        for _ in range(700):
            person, firm, owner = rng.choice(contacts)
            scale = rng.choice(("nps", "csat"))
            score = rng.randint(0, 10) if scale == "nps" else rng.randint(1, 5)
            # Around the month, some answers a few minutes either side of a New York midnight.
            at = datetime(2026, 10, 25, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 45 * 24 * 60))
            if rng.random() < 0.1:
                at = datetime.combine(at.astimezone(NY).date(), datetime.min.time(), NY) + timedelta(
                    minutes=rng.choice((-3, 3))
                )
            s.add(
                Feedback(
                    workspace_id=ann.workspace_id,
                    contact_id=person.id,
                    company_id=firm.id if firm is not None else None,
                    scale=scale,
                    score=score,
                    author_id=ann.user_id,
                    given_at=at,
                )
            )
            answers.append(
                Answer(
                    firm.name if firm is not None and firm is not gone_company else None,
                    owners[owner],
                    person.deleted_at is None,
                    scale,
                    score,
                    at,
                )
            )
    # Another workspace's answers, in the same days, about a company of the same name: never counted.
    elsewhere = crm.create_contact(other, "Jane Elsewhere", company="Twin").contact
    assert elsewhere is not None
    with crm.sessions.begin() as s:
        twin = s.get(Contact, elsewhere.id).company_id  # type: ignore[union-attr]
        for score in (0, 1, 2):
            s.add(
                Feedback(
                    workspace_id=other.workspace_id,
                    contact_id=elsewhere.id,
                    company_id=twin,
                    scale="nps",
                    score=score,
                    given_at=datetime(2026, 11, 10 + score, 15, tzinfo=UTC),
                )
            )
    return answers


def _scores(answers: list[Answer]) -> Scores:
    out = Scores()
    for a in answers:
        getattr(out, a.scale)[a.score] += 1
    return out


def _in(
    answers: list[Answer], start: date, end: date, owner: str | None = "", zone: ZoneInfo = NY
) -> list[Answer]:
    """The answers counted in the days ``start`` … ``end`` of the reader's zone (of one owner's)."""
    return [
        a
        for a in answers
        if a.counted and start <= a.at.astimezone(zone).date() <= end and owner in ("", a.owner)
    ]


def _companies(answers: list[Answer]) -> list[tuple[str, Scores]]:
    by: dict[str, list[Answer]] = defaultdict(list)
    for a in answers:
        if a.company is not None:
            by[a.company].append(a)
    ranked = sorted(by.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [(name, _scores(each)) for name, each in ranked[:15]]


def _owners(answers: list[Answer]) -> list[tuple[str | None, Scores]]:
    by: dict[str | None, list[Answer]] = defaultdict(list)
    for a in answers:
        by[a.owner].append(a)
    return [(k, _scores(v)) for k, v in sorted(by.items(), key=lambda kv: (-len(kv[1]), kv[0] or ""))]


def test_the_report_counts_each_answer_once_where_it_belongs(crm: CRM, ann: Actor, bob: Actor) -> None:
    other = crm.register_user("T2", "UOTHER", name="Other Admin")
    answers = _seed(crm, ann, bob, other)
    month = _in(answers, *NOVEMBER)
    # The seed is worth testing: a tie across the fifteenth place, the twins, no-owner and deleted answers.
    totals = sorted(Counter(a.company for a in month if a.company).values(), reverse=True)
    assert totals[14] == totals[15], totals
    assert any(a.company == "Twin" for a in month) and any(a.owner is None for a in month)
    assert any(not a.counted and NOVEMBER[0] <= a.at.astimezone(NY).date() <= NOVEMBER[1] for a in answers)

    r = crm.satisfaction(ann, *NOVEMBER)
    assert r.team == _scores(month)
    assert r.team.nps_answers + r.team.csat_answers == len(month)
    assert r.companies == _companies(month)
    assert r.owners == _owners(month)

    bobs = _in(answers, *NOVEMBER, owner=bob.slack_id)
    mine = crm.satisfaction(ann, *NOVEMBER, owner=bob.slack_id)
    assert (mine.team, mine.companies, mine.owners) == (_scores(bobs), _companies(bobs), _owners(bobs))
    # A rep sees the team's figures and their own line only.
    paris = ZoneInfo("Europe/Paris")  # bob's days
    as_bob = crm.satisfaction(bob, *NOVEMBER)
    assert (as_bob.team, as_bob.owners) == (
        _scores(_in(answers, *NOVEMBER, zone=paris)),
        [(bob.slack_id, _scores(_in(answers, *NOVEMBER, owner=bob.slack_id, zone=paris)))],
    )

    assert crm.satisfaction_trend(ann, WEEKS) == [_scores(_in(answers, a, b)) for a, b in WEEKS]
    assert crm.satisfaction_trend(ann, WEEKS, owner=bob.slack_id) == [
        _scores(_in(answers, a, b, owner=bob.slack_id)) for a, b in WEEKS
    ]
    elsewhere = crm.satisfaction(other, *NOVEMBER)
    assert elsewhere.team == Scores(nps=Counter({0: 1, 1: 1, 2: 1}))
    assert elsewhere.companies == [("Twin", Scores(nps=Counter({0: 1, 1: 1, 2: 1})))]
