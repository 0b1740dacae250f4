from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.clock import ManualClock
from bot.services import CRM, Actor, Forbidden, Invalid

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # 10:00 in New York, a Wednesday


@pytest.fixture
def clock(crm: CRM) -> ManualClock:
    clock = ManualClock(NOW)
    crm.clock = clock.now
    return clock


def test_due_day_reminds_at_nine_in_the_assignees_zone(
    crm: CRM, ann: Actor, bob: Actor, clock: ManualClock
) -> None:
    mine = crm.create_task(ann, "call Jane", due="2026-11-20").task
    assert mine is not None and mine.due_date == date(2026, 11, 20)
    assert mine.due_utc == datetime(2026, 11, 20, 14, 0, tzinfo=UTC)  # 09:00 New York
    for_bob = crm.create_task(ann, "send contract", assignee="UBOB", due="2026-11-20").task
    assert for_bob is not None and for_bob.due_utc == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)  # 09:00 Paris


def test_due_time_is_an_instant(crm: CRM, ann: Actor, clock: ManualClock) -> None:
    task = crm.create_task(ann, "call Jane", due="2026-11-19T15:00:00-05:00").task
    assert (
        task is not None
        and task.due_at == datetime(2026, 11, 19, 20, 0, tzinfo=UTC)
        and task.due_date is None
    )


def test_lists_use_the_readers_days(crm: CRM, ann: Actor, clock: ManualClock) -> None:
    crm.create_task(ann, "overdue one", due="2026-11-17")
    crm.create_task(ann, "today one", due="2026-11-18T16:00:00-05:00")
    crm.create_task(ann, "friday one", due="2026-11-20")
    crm.create_task(ann, "next month", due="2026-12-20")
    crm.create_task(ann, "someday")
    titles = lambda scope: [t.title for t in crm.list_tasks(ann, scope=scope)]  # noqa: E731
    assert titles("overdue") == ["overdue one"]
    assert titles("today") == ["overdue one", "today one"]
    assert titles("week") == ["overdue one", "today one", "friday one"]
    assert titles("all") == ["overdue one", "today one", "friday one", "next month", "someday"]
    with pytest.raises(Invalid):
        crm.list_tasks(ann, scope="fortnight")


def test_complete_task_by_fuzzy_title_and_rights(
    crm: CRM, ann: Actor, bob: Actor, clock: ManualClock
) -> None:
    crm.create_task(ann, "call Jane about pricing", due="2026-11-20")
    with pytest.raises(Forbidden):
        crm.complete_task(bob, "call Jane about pricing")
    done = crm.complete_task(ann, "call jane abt pricing").task
    assert done is not None and done.done_at == NOW
    assert crm.list_tasks(ann) == []


def test_log_interaction_with_follow_up_is_one_undoable_op(crm: CRM, ann: Actor, clock: ManualClock) -> None:
    crm.create_contact(ann, "Jane Doe", company="Acme")
    deal = crm.create_deal(ann, "Acme renewal", contact="Jane Doe").deal
    assert deal is not None
    clock.advance(hours=2)
    written = crm.log_interaction(
        ann,
        "call",
        "she wants pricing",
        contact="Jane",
        company="Acme",
        follow_up={"title": "pricing", "due": "2026-11-20"},
    )
    assert written.interaction is not None and written.interaction.contact == "Jane Doe"
    assert written.interaction.company == "Acme"
    assert written.task is not None and written.task.contact == "Jane Doe"
    # Activity on the contact counts as activity on their open deals.
    assert crm.resolve_deal(ann, deal.id).last_activity_at == clock.now()
    crm.undo(ann, written.op_id)
    assert crm.contact_details(ann, "Jane Doe").interactions == []
    assert crm.list_tasks(ann) == []


def test_occurred_at_a_past_day(crm: CRM, ann: Actor, clock: ManualClock) -> None:
    crm.create_contact(ann, "Tom Baker", company="Globex")
    written = crm.log_interaction(ann, "meeting", "lunch", contact="Tom", occurred_at="2026-11-17")
    assert written.interaction is not None
    assert written.interaction.occurred_at.astimezone(UTC).date() == date(2026, 11, 17)


def test_log_needs_someone_and_a_known_kind(crm: CRM, ann: Actor) -> None:
    with pytest.raises(Invalid):
        crm.log_interaction(ann, "call", "hello")
    with pytest.raises(Invalid):
        crm.log_interaction(ann, "carrier pigeon", "hello", company="Acme")
