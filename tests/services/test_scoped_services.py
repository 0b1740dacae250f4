"""Each service reads in a session scoped to the actor's workspace (bot/services/tenancy.py), with no
workspace filter of its own: two workspaces holding the very same names, people and Slack ids, and each
sees only its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.services import CRM, Actor
from bot.services.subscriptions import Subscriptions
from bot.services.summary import SummaryService
from bot.services.tenancy import scoped
from models import Contact, Interaction, PipelineTotal, Target


@dataclass
class Twin:
    actor: Actor
    contact_id: int
    deal_id: int
    interaction_id: int
    task_id: int
    op_id: str


def _twin(crm: CRM, team: str) -> Twin:
    # The same Slack id, names, email and titles in both workspaces: a query that forgot its workspace
    # finds two of everything, or the other one.
    actor = crm.register_user(team, "UANN", name="Ann Rep", tz="UTC")
    contact = crm.create_contact(
        actor, "Jane Doe", email="jane@acme.com", company="Acme", tags=["vip"]
    ).contact
    assert contact is not None
    deal = crm.create_deal(actor, "Acme renewal", company="Acme", contact=contact.id, amount=100).deal
    won = crm.create_deal(actor, "Acme pilot", company="Acme", amount=50).deal
    assert deal is not None and won is not None
    crm.update_deal(actor, won.id, stage="won")
    logged = crm.log_interaction(actor, "call", "talked pricing", contact=contact.id, deal=deal.id)
    assert logged.interaction is not None
    task = crm.create_task(actor, "call Jane", due="2026-12-01", contact=contact.id, deal=deal.id).task
    assert task is not None
    op_id = crm.update_deal(actor, deal.id, amount=120).op_id
    return Twin(actor, contact.id, deal.id, logged.interaction.id, task.id, op_id)


@pytest.fixture
def twins(crm: CRM) -> tuple[Twin, Twin]:
    return _twin(crm, "TA"), _twin(crm, "TB")


def test_contacts_and_companies(crm: CRM, twins: tuple[Twin, Twin]) -> None:
    a, _ = twins
    assert [c.id for c in crm.find_contacts(a.actor, "Jane Doe")] == [a.contact_id]
    assert crm.resolve_contact(a.actor, "jane@acme.com").id == a.contact_id
    total, rows = crm.list_contacts(a.actor, tag="vip", company="Acme")
    assert (total, [c.id for c in rows]) == (1, [a.contact_id])
    assert crm.list_contacts(a.actor, inactive_days=0)[0] == 1
    assert len(crm.find_companies(a.actor, "Acme")) == 1
    details = crm.contact_details(a.actor, "Jane Doe")
    assert [i.id for i in details.interactions] == [a.interaction_id]
    assert [d.id for d in details.deals] == [a.deal_id]


def test_deals_pipeline_and_closed(crm: CRM, twins: tuple[Twin, Twin]) -> None:
    a, _ = twins
    assert crm.resolve_deal(a.actor, "Acme renewal").id == a.deal_id
    assert len(crm.list_deals(a.actor, include_closed=True)) == 2
    assert len(crm.list_deals(a.actor, owner="UANN")) == 1
    pipeline = crm.pipeline(a.actor)
    assert (pipeline.open_count, sum(s.count for s in pipeline.stages)) == (1, 2)
    today = datetime.now(UTC).date()
    assert crm.closed(a.actor, today - timedelta(days=1), today + timedelta(days=1)).won == 1
    summary = SummaryService(crm.sessions).pipeline_summary(a.actor)
    assert (summary.open_count, sum(s.count for s in summary.stages)) == (1, 2)


def test_tasks_and_interactions(crm: CRM, twins: tuple[Twin, Twin]) -> None:
    a, b = twins
    assert [t.id for t in crm.list_tasks(a.actor)] == [a.task_id]
    assert crm.task(a.actor, a.task_id).id == a.task_id
    assert crm.logged_values(a.actor, b.interaction_id, b.task_id) is None
    values = crm.logged_values(a.actor, a.interaction_id, b.task_id)
    assert values is not None and "follow_up" not in values


def test_people(crm: CRM, twins: tuple[Twin, Twin]) -> None:
    a, _ = twins
    assert [p.id for p in crm.people(a.actor)] == [a.actor.user_id]
    found = crm.user(a.actor, "UANN")
    assert found is not None and found.id == a.actor.user_id
    assert crm.teammate(a.actor, "Ann").id == a.actor.user_id


def test_history_timeline_and_undo(crm: CRM, twins: tuple[Twin, Twin]) -> None:
    a, b = twins
    assert crm.history(a.actor, "deal", b.deal_id) == []
    assert {e.workspace_id for e in crm.history(a.actor, "deal", a.deal_id)} == {a.actor.workspace_id}
    assert crm.last_op(a.actor) == a.op_id
    assert not crm.undoable(a.actor, b.op_id)
    assert crm.undoable(a.actor, a.op_id)
    line = crm.timeline(a.actor, "Acme renewal")
    assert line.record_id == a.deal_id and line.total == 3  # made, amount changed, the call: its own


def test_subscriptions(crm: CRM, twins: tuple[Twin, Twin]) -> None:
    a, b = twins
    subs = Subscriptions(crm.sessions)
    mine = subs.subscribe(a.actor, "C0SALES1", "daily 09:00").subscription
    subs.subscribe(b.actor, "C0SALES1", "daily 09:00")
    assert mine is not None
    assert [s.id for s in subs.list(a.actor)] == [mine.id]
    assert [s.id for s in subs.unsubscribe(a.actor, "C0SALES1").removed] == [mine.id]
    assert len(subs.list(b.actor)) == 1


def test_column_selects_subqueries_and_counts_of_an_entity_are_scoped(
    crm: CRM, twins: tuple[Twin, Twin]
) -> None:
    """What the services' queries rely on: not only whole entities, but their columns, in a subquery,
    counted, are limited to the session's workspace."""
    a, _ = twins
    with crm.sessions() as s:
        scoped(s, a.actor.workspace_id)
        assert s.execute(select(Contact.id).where(Contact.email == "jane@acme.com")).scalars().all() == [
            a.contact_id
        ]
        last = (
            select(Target.contact_id, func.max(Interaction.occurred_at).label("at"))
            .join(Interaction, Interaction.id == Target.interaction_id)
            .where(Target.contact_id.is_not(None))
            .group_by(Target.contact_id)
        )
        assert [r[0] for r in s.execute(select(last.subquery().c.contact_id))] == [a.contact_id]
        assert s.scalar(select(func.count()).select_from(Contact)) == 1
        assert s.scalar(select(func.sum(PipelineTotal.deals))) == 2
