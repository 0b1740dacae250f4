from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.services import CRM, Actor, Forbidden, Invalid
from models import AuditEvent, Company, Interaction, Task


def test_edit_interaction_changes_it_and_its_follow_up_in_one_undoable_op(crm: CRM, ann: Actor) -> None:
    crm.create_contact(ann, "Jane Doe", company="Acme Corp")
    w = crm.log_interaction(
        ann, "call", "pricing", contact="Jane Doe", follow_up={"title": "send pricing", "due": "2026-11-20"}
    )
    assert w.interaction is not None and w.task is not None
    edited = crm.edit_interaction(
        ann,
        w.interaction.id,
        task_id=w.task.id,
        kind="meeting",
        summary="pricing and security",
        follow_up={"title": "send pricing", "due": "2026-11-23"},
    )
    assert edited.interaction is not None and edited.task is not None
    assert (edited.interaction.kind, edited.task.due_date) == ("meeting", date(2026, 11, 23))
    with crm.sessions() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.op_id == edited.op_id)).all()
        assert {(e.record_type, e.action) for e in events} == {("interaction", "update"), ("task", "update")}
    jane = crm.resolve_contact(ann, "Jane Doe")
    assert crm.logged_values(ann, w.interaction.id, w.task.id) == {
        "kind": "meeting",
        "contact": jane.id,
        "company": jane.company_id,
        "labels": {"contact": "Jane Doe", "company": "Acme Corp"},
        "summary": "pricing and security",
        "occurred_at": edited.interaction.occurred_at.isoformat(),
        "follow_up": {"title": "send pricing", "due": "2026-11-23"},
    }
    crm.undo(ann, edited.op_id)
    with crm.sessions() as s:
        assert s.get(Interaction, w.interaction.id).kind == "call"
        assert s.get(Task, w.task.id).due_date == date(2026, 11, 20)


def test_follow_up_dropped_or_added_by_an_edit(crm: CRM, ann: Actor) -> None:
    crm.create_contact(ann, "Jane Doe")
    w = crm.log_interaction(ann, "call", "hi", contact="Jane Doe", follow_up={"title": "call back"})
    assert w.interaction is not None and w.task is not None
    dropped = crm.edit_interaction(ann, w.interaction.id, task_id=w.task.id, follow_up=None)
    assert dropped.task is None
    with crm.sessions() as s:
        assert s.get(Task, w.task.id) is None
    crm.undo(ann, dropped.op_id)
    with crm.sessions() as s:
        assert s.get(Task, w.task.id) is not None
    bare = crm.log_interaction(ann, "email", "sent deck", contact="Jane Doe")
    assert bare.interaction is not None
    added = crm.edit_interaction(ann, bare.interaction.id, follow_up={"title": "chase", "due": "2026-11-25"})
    assert added.task is not None and added.task.title == "chase"


def test_edits_are_checked(crm: CRM, ann: Actor, bob: Actor) -> None:
    crm.create_contact(ann, "Jane Doe")
    w = crm.log_interaction(ann, "call", "hi", contact="Jane Doe")
    assert w.interaction is not None
    with pytest.raises(Invalid):
        crm.edit_interaction(ann, w.interaction.id, kind="carrier pigeon")
    with pytest.raises(Forbidden):
        crm.edit_interaction(bob, w.interaction.id, summary="mine now")
    task = crm.create_task(ann, "call Jane", due="2026-11-20")
    assert task.task is not None
    with pytest.raises(Forbidden):
        crm.edit_task(bob, task.task.id, title="renamed")
    moved = crm.edit_task(ann, task.task.id, title="call Jane Doe", due="2026-11-21T15:00:00")
    assert moved.task is not None and moved.task.title == "call Jane Doe" and moved.task.due_date is None


def test_create_company_is_audited(crm: CRM, ann: Actor) -> None:
    w = crm.ensure_company(ann, "Initech")
    assert w.company is not None and w.company.name == "Initech"
    with crm.sessions() as s:
        assert s.scalar(select(Company.name)) == "Initech"
        assert s.scalars(select(AuditEvent.record_type).where(AuditEvent.op_id == w.op_id)).all() == [
            "company"
        ]
