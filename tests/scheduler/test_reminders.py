"""Task reminders: a DM to the assignee at the due time in their zone, with Done/Snooze/Open buttons,
sent late (and saying so) after downtime, and following the task when it is completed, moved or
handed to someone else."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.clock import ManualClock
from bot.proactive.kinds.reminder import (
    REMINDER_DONE,
    REMINDER_OPEN,
    REMINDER_SNOOZE_HOUR,
    REMINDER_SNOOZE_TOMORROW,
)
from bot.services import CRM, Actor
from bot.services.proactive import Proactive
from tests.scheduler.conftest import Slack, action_ids, block_text, deliveries
from tests.support.fakeslack import Fault


def test_reminder_is_a_dm_at_nine_local_on_a_bare_day_with_buttons(
    crm: CRM, ann: Actor, bob: Actor, slack: Slack, scheduler, clock: ManualClock
) -> None:
    # Bob is in Paris: a task due on 25 Nov with no time reminds him at 09:00 Paris = 08:00 UTC.
    crm.create_task(ann, "Send Acme the pricing", assignee="UBOB", due=date(2026, 11, 25))
    scheduler.tick()
    clock.set(datetime(2026, 11, 25, 7, 59, tzinfo=UTC))
    scheduler.tick()
    assert slack.posted == []

    clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    stats = scheduler.tick()
    assert stats.sent == 1
    [post] = slack.posted
    assert post["channel"] == "UBOB"
    assert "Send Acme the pricing" in post["text"] and "late" not in post["text"]
    assert "due today" in block_text(post).lower()
    assert action_ids(post) == [REMINDER_DONE, REMINDER_SNOOZE_HOUR, REMINDER_SNOOZE_TOMORROW, REMINDER_OPEN]
    assert post["metadata"]["event_payload"]["dedupe_key"].startswith("reminder:")

    clock.advance(minutes=10)
    scheduler.tick()
    assert len(slack.posted) == 1
    assert [d.state for d in deliveries(crm)] == ["sent"]


def test_reminder_at_a_time_uses_that_instant(
    crm: CRM, ann: Actor, slack: Slack, scheduler, clock: ManualClock
) -> None:
    # Ann types 3pm in her zone (New York): 20:00 UTC.
    crm.create_task(ann, "Call Jane", due="2026-11-24T15:00")
    clock.set(datetime(2026, 11, 24, 19, 59, tzinfo=UTC))
    scheduler.tick()
    assert slack.posted == []
    clock.set(datetime(2026, 11, 24, 20, 0, 30, tzinfo=UTC))
    scheduler.tick()
    [post] = slack.posted
    assert post["channel"] == "UANN"
    assert "today 15:00" in block_text(post)


def test_reminder_that_fell_due_while_down_is_sent_late_after_restart(
    crm: CRM, ann: Actor, slack: Slack, make_scheduler, clock: ManualClock
) -> None:
    crm.create_task(ann, "Renewal call", due="2026-11-24T09:00")  # 14:00 UTC
    first = make_scheduler()
    first.tick()
    first.stop()  # the bot goes down at 12:00 UTC …

    clock.set(datetime(2026, 11, 24, 18, 0, tzinfo=UTC))  # … and is back at 18:00
    second = make_scheduler()
    second.tick()
    [post] = slack.posted
    assert "(late)" in post["text"]
    assert "Sent late" in block_text(post)
    second.tick()
    assert len(slack.posted) == 1


def test_completing_rescheduling_and_reassigning_change_the_pending_reminder(
    crm: CRM, ann: Actor, bob: Actor, slack: Slack, scheduler, clock: ManualClock
) -> None:
    done = crm.create_task(ann, "Done early", due="2026-11-24T10:00").task
    moved = crm.create_task(ann, "Moved later", due="2026-11-24T10:00").task
    handed = crm.create_task(ann, "Handed to Bob", due="2026-11-24T10:00").task
    assert done and moved and handed
    crm.complete_task(ann, done.id)
    crm.reschedule_task(ann, moved.id, "2026-11-24T12:00")
    crm.reassign_task(ann, handed.id, "UBOB")

    clock.set(datetime(2026, 11, 24, 15, 1, tzinfo=UTC))
    scheduler.tick()
    assert [(p["channel"], p["text"].split(" — ")[0]) for p in slack.posted] == [
        ("UBOB", "Reminder: Handed to Bob")
    ]
    clock.set(datetime(2026, 11, 24, 17, 0, tzinfo=UTC))
    scheduler.tick()
    assert [p["text"].split(" — ")[0] for p in slack.posted] == [
        "Reminder: Handed to Bob",
        "Reminder: Moved later",
    ]


def test_reminder_planned_but_not_yet_delivered_is_cancelled_when_the_task_is_done(
    crm: CRM, ann: Actor, slack: Slack, scheduler, clock: ManualClock
) -> None:
    task = crm.create_task(ann, "Flaky one", due="2026-11-24T07:00").task  # 12:00 UTC: due now
    assert task
    slack.fail_next("chat.postMessage", Fault(500))
    stats = scheduler.tick()
    assert stats.retried == 1 and slack.posted == []
    crm.complete_task(ann, task.id)
    clock.advance(minutes=5)
    stats = scheduler.tick()
    assert stats.cancelled == 1
    assert slack.posted == []
    assert [d.state for d in deliveries(crm)] == ["cancelled"]


def test_snooze_an_hour_and_until_tomorrow(
    crm: CRM, ann: Actor, slack: Slack, scheduler, clock: ManualClock
) -> None:
    task = crm.create_task(ann, "Chase invoice", due="2026-11-24T07:00").task
    assert task
    scheduler.tick()
    assert len(slack.posted) == 1
    buttons = Proactive(crm)
    buttons.snooze_hour(ann, task.id)
    clock.advance(minutes=59)
    scheduler.tick()
    assert len(slack.posted) == 1
    clock.advance(minutes=1)
    scheduler.tick()
    assert len(slack.posted) == 2
    assert slack.posted[1]["text"].startswith("Reminder (snoozed): Chase invoice")

    buttons.snooze_tomorrow(ann, task.id)  # 09:00 New York tomorrow = 14:00 UTC on the 25th
    clock.set(datetime(2026, 11, 25, 13, 59, tzinfo=UTC))
    scheduler.tick()
    assert len(slack.posted) == 2
    clock.set(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    scheduler.tick()
    assert len(slack.posted) == 3
    buttons.done(ann, task.id)
    clock.advance(timedelta(days=3))
    scheduler.tick()
    assert len(slack.posted) == 3


def test_old_deliveries_are_purged_and_nothing_is_sent_again(
    crm: CRM, ann: Actor, slack: Slack, scheduler, clock: ManualClock
) -> None:
    crm.create_task(ann, "Long ago", due="2026-11-24T07:00")
    scheduler.tick()
    assert len(deliveries(crm)) == 1
    clock.advance(days=29)
    scheduler.tick()
    assert len(deliveries(crm)) == 1  # kept for the record a while
    clock.advance(days=2)
    scheduler.tick()
    assert deliveries(crm, "reminder") == []
    # The task is still open: its daily nudges go on, its reminder is not sent again.
    assert len([p for p in slack.posted if p["text"].startswith("Reminder: Long ago")]) == 1


def test_task_handed_back_before_its_reminder_went_out_still_reminds(
    crm: CRM, ann: Actor, bob: Actor, slack: Slack, scheduler, clock: ManualClock
) -> None:
    """Ann's reminder failed (Slack 500) and was waiting to retry when the task went to Bob, so it was
    cancelled; when the task comes back to Ann she must still be reminded, once."""
    task = crm.create_task(ann, "Call Jane", due=clock.now().isoformat()).task
    assert task
    slack.fail_next("chat.postMessage", Fault(500))
    scheduler.tick()
    assert slack.posted == []
    crm.reassign_task(ann, task.id, "UBOB")
    clock.advance(seconds=30)
    scheduler.tick()
    assert [p["channel"] for p in slack.posted] == ["UBOB"]
    crm.reassign_task(bob, task.id, "UANN")
    clock.advance(seconds=30)
    scheduler.tick()
    clock.advance(minutes=5)
    scheduler.tick()
    assert [p["channel"] for p in slack.posted] == ["UBOB", "UANN"]


def test_undoing_done_on_a_task_whose_reminder_was_held_back_still_reminds(
    crm: CRM, ann: Actor, slack: Slack, scheduler, clock: ManualClock
) -> None:
    task = crm.create_task(ann, "Call Jane", due=clock.now().isoformat()).task
    assert task
    slack.fail_next("chat.postMessage", Fault(500))
    scheduler.tick()  # planned, Slack failed: waiting to retry
    done = crm.complete_task(ann, task.id)
    clock.advance(seconds=30)
    scheduler.tick()  # the retry finds the task done: cancelled, not sent
    assert slack.posted == []
    crm.undo(ann, done.op_id)
    scheduler.tick()
    assert [p["channel"] for p in slack.posted] == ["UANN"]
    clock.advance(hours=1)
    scheduler.tick()
    assert len(slack.posted) == 1


def test_a_deleted_task_is_not_reminded_and_undo_brings_the_reminder_back(
    crm: CRM, ann: Actor, slack: Slack, scheduler, clock: ManualClock
) -> None:
    crm.create_task(ann, "Call Jane", due="2026-11-24T15:00")
    scheduler.tick()  # planned while the task stood
    gone = crm.delete_record(ann, "task", "Call Jane")
    clock.set(datetime(2026, 11, 24, 20, 0, 30, tzinfo=UTC))
    scheduler.tick()
    assert slack.posted == []

    crm.undo(ann, gone.op_id)
    scheduler.tick()
    [post] = slack.posted
    assert "Call Jane" in post["text"]
