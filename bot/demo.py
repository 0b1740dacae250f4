"""A small, realistic team to try the bot with: people in three time zones, companies, contacts,
a pipeline of deals across the stages, a history of calls and meetings, and tasks (some overdue,
some due today).

Everything goes through the service layer, so the demo data is audited like anything a person types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot.services import CRM, Actor
from bot.services.timeutil import zone

# Slack-shaped ids, as the parser expects them in mentions ("task for <@U0BOB0002>").
ANN, BOB, CARA = "U0ANN0001", "U0BOB0002", "U0CARA003"

# slack id, name, time zone, role, email
PEOPLE = (
    (ANN, "Ann Lee", "America/New_York", "admin", "ann@demo.example"),
    (BOB, "Bob Martin", "Europe/Paris", "rep", "bob@demo.example"),
    (CARA, "Cara Diaz", "America/Los_Angeles", "manager", "cara@demo.example"),
)

# name, email, company, title, lifecycle, owner
CONTACTS = (
    ("Jane Doe", "jane@acme.com", "Acme Corp", "VP Sales", "customer", ANN),
    ("Raj Patel", "raj@acme.com", "Acme Corp", "Procurement Manager", "customer", ANN),
    ("Hank Scorpio", "hank@globex.com", "Globex", "CEO", "lead", BOB),
    ("Lucia Romano", "lucia@globex.com", "Globex", "IT Director", "lead", BOB),
    ("Peter Gibbons", "peter@initech.com", "Initech", "Operations Manager", "prospect", CARA),
    ("Samir Nagheenanajar", "samir@initech.com", "Initech", "Engineer", "prospect", CARA),
    ("Alice Wong", "alice@umbrella-health.com", "Umbrella Health", "CFO", "lead", BOB),
    (
        "Marta Kowalska",
        "marta@starklogistics.com",
        "Stark Logistics",
        "Head of Procurement",
        "customer",
        ANN,
    ),
    ("Tom Becker", "tom@waynefoods.com", "Wayne Foods", "COO", "prospect", CARA),
    ("Chloe Martin", "chloe@soylent.example", "Soylent", "Buyer", "lead", BOB),
)

# title, company, contact, amount, stage, owner, close in days
DEALS = (
    ("Acme renewal", "Acme Corp", "Jane Doe", "48000", "negotiation", ANN, 12),
    ("Acme expansion", "Acme Corp", "Raj Patel", "25000", "qualified", ANN, 60),
    ("Globex platform", "Globex", "Hank Scorpio", "120000", "proposal", BOB, 30),
    ("Globex pilot", "Globex", "Lucia Romano", "15000", "demo", BOB, 20),
    ("Initech licenses", "Initech", "Peter Gibbons", "9000", "lead", CARA, 45),
    ("Initech support plan", "Initech", "Samir Nagheenanajar", "6000", "qualified", CARA, 40),
    ("Umbrella Health onboarding", "Umbrella Health", "Alice Wong", "70000", "demo", BOB, 35),
    ("Umbrella Health analytics", "Umbrella Health", "Alice Wong", "32000", "lead", BOB, 90),
    ("Stark Logistics fleet", "Stark Logistics", "Marta Kowalska", "85000", "won", ANN, -10),
    ("Stark Logistics services", "Stark Logistics", "Marta Kowalska", "18000", "proposal", ANN, 25),
    ("Wayne Foods new logo", "Wayne Foods", "Tom Becker", "40000", "qualified", CARA, 50),
    ("Wayne Foods pilot", "Wayne Foods", "Tom Becker", "12000", "lost", CARA, -20),
    ("Soylent starter", "Soylent", "Chloe Martin", "7500", "lead", BOB, 70),
    ("Acme training", "Acme Corp", "Jane Doe", "5000", "won", ANN, -3),
    ("Initech migration", "Initech", "Peter Gibbons", "22000", "negotiation", CARA, 8),
)

# author, kind, contact, deal, summary, days ago
INTERACTIONS = (
    (ANN, "call", "Jane Doe", "Acme renewal", "Renewal terms: wants a 2-year price lock", 2),
    (ANN, "email", "Raj Patel", "Acme expansion", "Sent the seat-count questionnaire", 6),
    (BOB, "meeting", "Hank Scorpio", "Globex platform", "Exec sponsor meeting, proposal requested", 4),
    (BOB, "call", "Lucia Romano", "Globex pilot", "Pilot scope: 20 users, SSO required", 9),
    (CARA, "email", "Peter Gibbons", "Initech licenses", "Intro email after the webinar", 12),
    (BOB, "meeting", "Alice Wong", "Umbrella Health onboarding", "Demo to the finance team went well", 3),
    (ANN, "note", "Marta Kowalska", "Stark Logistics fleet", "Signed; kickoff planned next month", 10),
    (CARA, "call", "Tom Becker", "Wayne Foods new logo", "Budget confirmed for Q1", 5),
    (CARA, "call", "Peter Gibbons", "Initech migration", "Legal review of the MSA under way", 1),
    (BOB, "message", "Chloe Martin", None, "Asked for a pricing sheet on LinkedIn", 20),
)

# assignee, creator, title, contact, deal, due: ("days", n, "HH:MM" or None)
TASKS = (
    (ANN, ANN, "Send Acme renewal quote", "Jane Doe", "Acme renewal", (-1, None)),
    (ANN, ANN, "Call Raj about seat count", "Raj Patel", "Acme expansion", (0, "15:00")),
    (BOB, BOB, "Send Globex proposal", "Hank Scorpio", "Globex platform", (0, "11:00")),
    (
        BOB,
        ANN,
        "Prepare Umbrella onboarding plan",
        "Alice Wong",
        "Umbrella Health onboarding",
        (2, None),
    ),
    (
        CARA,
        CARA,
        "Follow up with Peter on licenses",
        "Peter Gibbons",
        "Initech licenses",
        (-3, "10:00"),
    ),
    (CARA, ANN, "Chase Initech legal on the MSA", "Peter Gibbons", "Initech migration", (0, "16:30")),
    (BOB, BOB, "Send pricing sheet to Chloe", "Chloe Martin", None, (1, "09:30")),
    (CARA, CARA, "Book Wayne Foods demo", "Tom Becker", "Wayne Foods new logo", (5, None)),
)


@dataclass(frozen=True)
class DemoTeam:
    team_id: str
    people: dict[str, Actor]
    created: bool

    @property
    def manager(self) -> Actor:
        return self.people[PEOPLE[0][0]]


def _local(day: date, hhmm: str | None, tz: str) -> date | datetime:
    if hhmm is None:
        return day
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=zone(tz)).astimezone(UTC)


# Days before now the team started: its contacts were added then.
STARTED = 75
# Days a deal spends in each stage before it moves on.
STAY = 6
OPEN_STAGES = ("lead", "qualified", "demo", "proposal", "negotiation")


def _deal_with_a_past(
    crm: CRM, people: dict[str, Actor], now: datetime, n: int, deal: tuple[Any, ...]
) -> None:
    """A deal added as a lead weeks ago and moved a stage every few days: a won or lost one closed on its
    close date (in the past), an open one moved to its stage today."""
    title, company, contact, amount, stage, owner, close_in = deal
    actor = people[owner]
    close = (now.astimezone(zone(actor.tz)) + timedelta(days=close_in)).date()
    if stage in ("won", "lost"):
        path = [*OPEN_STAGES[: 2 if stage == "lost" else len(OPEN_STAGES)], stage]
        last = now + timedelta(days=min(close_in, -1))
    else:
        path = list(OPEN_STAGES[: OPEN_STAGES.index(stage) + 1])
        # moved on today: the open pipeline's activity is fresh, so its deals go quiet together
        last = now - timedelta(minutes=30 + n)
    added = last - timedelta(days=STAY * (len(path) - 1) + n % 4 + 1)
    crm.clock = lambda: added
    written = crm.create_deal(
        actor, title, company=company, contact=contact, amount=amount, stage="lead", close_date=close
    )
    assert written.deal is not None
    for i, step in enumerate(path[1:], start=1):
        at = last - timedelta(days=STAY * (len(path) - 1 - i))
        crm.clock = lambda at=at: at  # type: ignore[misc]
        crm.update_deal(actor, written.deal.id, stage=step)


def seed_demo(crm: CRM, team_id: str = "TDEMO", *, team_name: str = "Demo Inc") -> DemoTeam:
    """Seed the demo team once; a second call finds it there and changes nothing."""
    crm.ensure_workspace(team_id, team_name, default_tz=PEOPLE[0][2])
    existing = {slack_id: crm.actor(team_id, slack_id) for slack_id, *_ in PEOPLE}
    if all(existing.values()):
        probe = existing[PEOPLE[0][0]]
        assert probe is not None
        if crm.find_contacts(probe, CONTACTS[0][0], limit=1):
            return DemoTeam(team_id, {k: v for k, v in existing.items() if v is not None}, False)

    people: dict[str, Actor] = {}
    for slack_id, name, tz, role, email in PEOPLE:
        people[slack_id] = crm.register_user(team_id, slack_id, name=name, tz=tz, email=email, role=role)

    now = crm.now()
    clock = crm.clock
    try:
        # The team's past is written at the times it happened (the CRM's clock set back for each write),
        # so a manager's reports on the demo have cycles, stays in stages and a history over weeks.
        crm.clock = lambda: now - timedelta(days=STARTED)
        for name, email, company, title, lifecycle, owner in CONTACTS:
            crm.create_contact(
                people[owner],
                name,
                email=email,
                company=company,
                title=title,
                lifecycle=lifecycle,
                force=True,
            )
        for n, row in enumerate(DEALS):
            _deal_with_a_past(crm, people, now, n, row)
        # Logged now, as happening days ago: logging marks its deals active now, not days back.
        crm.clock = clock
        for author, kind, contact, deal_title, summary, days_ago in INTERACTIONS:
            kwargs: dict[str, Any] = {"contact": contact}
            if deal_title:
                kwargs["deal"] = deal_title
            at = now - timedelta(days=days_ago, hours=2)
            crm.log_interaction(people[author], kind, summary, occurred_at=at, **kwargs)
    finally:
        crm.clock = clock

    for assignee, creator, title, contact, deal, (days, hhmm) in TASKS:
        tz = people[assignee].tz
        day = now.astimezone(zone(tz)).date() + timedelta(days=days)
        crm.create_task(
            people[creator],
            title,
            assignee=assignee,
            due=_local(day, hhmm, tz),
            contact=contact,
            deal=deal,
        )
    return DemoTeam(team_id, people, True)


__all__ = ["ANN", "BOB", "CARA", "CONTACTS", "DEALS", "PEOPLE", "DemoTeam", "seed_demo"]
