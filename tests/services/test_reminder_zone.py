"""A day-only task falls due at 09:00 in its assignee's zone, whatever zone they had when it was made."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.clock import ManualClock
from bot.services import CRM, Actor
from models import Task

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)


def test_zone_learned_later_moves_pending_day_reminders(crm: CRM, ann: Actor) -> None:
    clock = ManualClock(NOW)
    crm.clock = clock.now
    # Slack's users.info failed the first time: stored in the default zone.
    crm.register_user("T1", "UCAL", name="UCAL", tz="UTC")
    made = crm.create_task(ann, "send contract", assignee="UCAL", due="2026-11-20")
    day_task = made.task
    timed = crm.create_task(ann, "demo call", assignee="UCAL", due="2026-11-20T17:00:00+00:00").task
    assert day_task and timed and day_task.due_utc == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    snoozed = crm.create_task(ann, "chase invoice", assignee="UCAL", due="2026-11-19").task
    assert snoozed
    cal = crm.actor("T1", "UCAL")
    assert cal
    crm.snooze_task(cal, snoozed.id, datetime(2026, 11, 19, 13, 0, tzinfo=UTC))

    crm.register_user("T1", "UCAL", name="Cal West", tz="America/Los_Angeles")

    assert crm.task(ann, day_task.id).due_utc == datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
    assert crm.task(ann, timed.id).due_utc == datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
    with crm.read() as s:
        rows = {t.id: t for t in s.scalars(select(Task))}
    assert rows[day_task.id].remind_at == datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
    assert rows[day_task.id].reminder_state == "pending"
    # A snooze is an instant the person chose: it stays.
    assert rows[snoozed.id].remind_at == datetime(2026, 11, 19, 13, 0, tzinfo=UTC)
    assert rows[snoozed.id].due_utc == datetime(2026, 11, 19, 17, 0, tzinfo=UTC)
    # Moving the instant is bookkeeping, not a later edit: the task can still be undone.
    crm.undo(ann, made.op_id)
    assert [t.title for t in crm.list_tasks(cal, scope="all")] == ["chase invoice", "demo call"]
