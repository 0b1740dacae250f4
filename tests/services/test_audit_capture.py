"""What an op records comes from its session's flushes: one event per record per op, from each column's
value before and after, leaving out the columns marked unaudited and the writes no op makes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from bot.services import CRM, Actor
from bot.services.base import AUDITED, Op, audited_columns, marked
from models import AuditEvent, Deal, Task


def _events(crm: CRM, op_id: str) -> list[tuple[str, int, str, dict | None, dict | None]]:
    with crm.sessions() as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.op_id == op_id).order_by(AuditEvent.id))
        return [(e.record_type, e.record_id, e.action, e.before, e.after) for e in rows]


def test_unaudited_columns_are_marked_and_never_recorded() -> None:
    for cls in AUDITED.values():
        assert "id" not in audited_columns(cls)
    assert not {"name_key", "updated_at"} & set(audited_columns(AUDITED["contact"]))
    assert not {"title_key", "updated_at"} & set(audited_columns(AUDITED["deal"]))
    assert marked(Deal, "activity") == {"last_activity_at", "stale_alerted_at"}
    assert marked(Task, "bot") == {"due_utc", "reminder_state", "remind_at", "reminded_at"}


def test_several_flushes_on_one_record_make_one_event(crm: CRM, ann: Actor) -> None:
    deal = crm.create_deal(ann, "Acme renewal", amount=1).deal
    assert deal is not None
    with crm.deals.op(ann) as op:
        row = op.session.get(Deal, deal.id)
        assert row is not None
        row.amount = Decimal(2)
        op.session.flush()
        row.amount = Decimal(3)
        row.title = "Acme renewal 2027"
        op.session.flush()
        row.title = "Acme renewal"  # back as it was: not a change
        op_id = op.id
    assert _events(crm, op_id) == [("deal", deal.id, "update", {"amount": "1.00"}, {"amount": "3"})]


def test_a_change_undone_within_the_op_records_nothing(crm: CRM, ann: Actor) -> None:
    deal = crm.create_deal(ann, "Acme renewal", amount=1).deal
    assert deal is not None
    with crm.deals.op(ann) as op:
        row = op.session.get(Deal, deal.id)
        assert row is not None
        row.close_date = datetime(2026, 12, 1, tzinfo=UTC).date()
        op.session.flush()
        row.close_date = None
        op_id = op.id
    assert _events(crm, op_id) == []


def test_made_then_changed_is_made_as_it_ended_and_made_then_removed_is_nothing(crm: CRM, ann: Actor) -> None:
    with crm.tasks.op(ann) as op:
        s = op.session
        kept = Task(
            workspace_id=ann.workspace_id, title="call Jane", title_key="call jane", assignee_id=ann.user_id
        )
        gone = Task(workspace_id=ann.workspace_id, title="call Joe", title_key="call joe")
        s.add_all([kept, gone])
        s.flush()
        kept.title = "call Jane back"
        s.delete(gone)
        s.flush()
        op_id = op.id
    events = _events(crm, op_id)
    assert [(kind, action) for kind, _, action, _, _ in events] == [("task", "create")]
    assert events[0][4] is not None and events[0][4]["title"] == "call Jane back"


def test_a_value_set_without_being_loaded_is_recorded_from_the_database(crm: CRM, ann: Actor) -> None:
    deal = crm.create_deal(ann, "Acme renewal", amount=1).deal
    assert deal is not None
    with crm.deals.op(ann) as op:
        row = op.session.get(Deal, deal.id)
        assert row is not None
        op.session.expire(row, ["amount"])
        row.amount = Decimal(5)
        op_id = op.id
    assert _events(crm, op_id) == [("deal", deal.id, "update", {"amount": "1.00"}, {"amount": "5"})]


def test_writes_outside_an_op_and_bulk_updates_are_not_recorded(crm: CRM, ann: Actor) -> None:
    deal = crm.create_deal(ann, "Acme renewal", amount=1).deal
    assert deal is not None
    with crm.sessions.begin() as s:  # the bot's own write (the planner, the scheduler): no op
        row = s.get(Deal, deal.id)
        assert row is not None
        row.stale_alerted_at = datetime(2026, 11, 2, tzinfo=UTC)
    with crm.deals.op(ann) as op:  # activity bookkeeping as a bulk UPDATE inside an op
        assert op.session.get(Deal, deal.id) is not None  # loaded, so the UPDATE refreshes it in memory
        op.session.execute(update(Deal).where(Deal.id == deal.id).values(stale_alerted_at=None))
        op_id = op.id
    assert _events(crm, op_id) == []
    with crm.sessions() as s:
        assert s.scalar(select(AuditEvent.id).where(AuditEvent.action == "update")) is None


def test_a_zone_change_records_the_person_not_their_tasks(crm: CRM, ann: Actor) -> None:
    crm.create_task(ann, "call Jane", due="2026-12-01")
    with crm.sessions() as s:
        last = s.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()))
    crm.register_user("T1", "UANN", name="Ann Rep", tz="Asia/Tokyo")
    with crm.sessions() as s:
        later = s.scalars(select(AuditEvent).where(AuditEvent.id > last)).all()
        # The task's due instant moved with the zone: the bot's bookkeeping, not recorded.
        assert s.scalar(select(Task.due_utc)) == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    assert [(e.record_type, e.before, e.after) for e in later] == [
        ("user", {"tz": "America/New_York"}, {"tz": "Asia/Tokyo"})
    ]


def test_one_op_per_session(crm: CRM, ann: Actor) -> None:
    with crm.deals.op(ann) as op, pytest.raises(RuntimeError):
        Op(op.session, ann)
