from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.services import CRM, Actor, Conflict, Forbidden, NotFound
from models import AuditEvent


def test_undo_update_restores_and_is_audited(crm: CRM, ann: Actor) -> None:
    crm.create_deal(ann, "Acme renewal", company="Acme", amount=50000, close_date="2026-12-15")
    change = crm.update_deal(ann, "Acme renewal", stage="negotiation", amount=65000, close_date="2026-12-31")
    undone = crm.undo(ann, change.op_id)
    deal = crm.resolve_deal(ann, "Acme renewal")
    assert (deal.stage, deal.amount, str(deal.close_date)) == ("lead", Decimal(50000), "2026-12-15")
    with crm.sessions() as s:
        undo_events = s.scalars(select(AuditEvent).where(AuditEvent.op_id == undone.op_id)).all()
        original = s.scalars(select(AuditEvent).where(AuditEvent.op_id == change.op_id)).all()
    assert [e.action for e in undo_events] == ["undo"]
    assert undo_events[0].after["amount"] == "50000.00"
    assert all(e.undone_by_op == undone.op_id for e in original)
    with pytest.raises(Conflict):
        crm.undo(ann, change.op_id)  # twice is refused, not applied again


def test_undo_create_removes_the_records_it_made(crm: CRM, ann: Actor) -> None:
    written = crm.create_contact(ann, "Jane Doe", email="jane@acme.com", company="Acme")
    crm.undo(ann, written.op_id)
    with pytest.raises(NotFound):
        crm.resolve_contact(ann, "Jane Doe")
    assert crm.find_companies(ann, "Acme") == []


def test_undo_refuses_when_the_record_changed_since(crm: CRM, ann: Actor) -> None:
    crm.create_deal(ann, "Acme renewal", company="Acme", amount=1)
    first = crm.update_deal(ann, "Acme renewal", amount=2)
    crm.update_deal(ann, "Acme renewal", amount=3)
    with pytest.raises(Conflict):
        crm.undo(ann, first.op_id)
    assert crm.resolve_deal(ann, "Acme renewal").amount == Decimal(3)


def test_undo_of_a_completed_task_reopens_it(crm: CRM, ann: Actor) -> None:
    crm.create_task(ann, "call Jane", due="2026-12-01")
    done = crm.complete_task(ann, "call Jane")
    crm.undo(ann, done.op_id)
    reopened = crm.list_tasks(ann)
    assert [t.title for t in reopened] == ["call Jane"] and reopened[0].done_at is None


def test_only_the_author_or_a_manager_can_undo(crm: CRM, ann: Actor, bob: Actor) -> None:
    written = crm.create_contact(ann, "Jane Doe")
    with pytest.raises(Forbidden):
        crm.undo(bob, written.op_id)
    assert crm.last_op(ann) == written.op_id
    crm.undo(ann, written.op_id)
    assert crm.last_op(ann) is None


def test_undoing_a_stage_move_keeps_activity_logged_after_it(crm: CRM, ann: Actor) -> None:
    from datetime import UTC, datetime

    from bot.clock import ManualClock

    clock = ManualClock(datetime(2026, 11, 1, 15, 0, tzinfo=UTC))
    crm.clock = clock.now
    deal = crm.create_deal(ann, "Acme renewal", company="Acme", amount=1000).deal
    assert deal
    clock.advance(days=10)
    move = crm.update_deal(ann, deal.id, stage="demo")
    clock.advance(days=2)
    crm.log_interaction(ann, "call", "they are keen", deal=deal.id)
    clock.advance(days=1)
    crm.undo(ann, move.op_id)
    after = crm.resolve_deal(ann, deal.id)
    assert after.stage == "lead"
    # The call two days later still counts: the deal must not look quiet since the 1st.
    assert after.last_activity_at == datetime(2026, 11, 13, 15, 0, tzinfo=UTC)


def test_undoing_a_deal_with_activity_logged_since_refuses_and_loses_nothing(crm: CRM, ann: Actor) -> None:
    made = crm.create_deal(ann, "Acme renewal", company="Acme", amount=1000)
    assert made.deal
    logged = crm.log_interaction(ann, "call", "they are keen", deal=made.deal.id)
    with pytest.raises(Conflict):
        crm.undo(ann, made.op_id)
    assert crm.resolve_deal(ann, "Acme renewal").title == "Acme renewal"
    crm.undo(ann, logged.op_id)  # the call is still there to undo, and then the deal can go
    crm.undo(ann, made.op_id)
    with pytest.raises(NotFound):
        crm.resolve_deal(ann, "Acme renewal")
