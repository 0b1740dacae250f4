"""Slack's limits and faults: Retry-After honoured, per-channel pacing, failed posts retried with
backoff (never dropped, never doubled), one bad channel not holding up the others; and the crash window
between Slack accepting a post and the outbox recording it."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.scheduler import Scheduler, SchedulerBusy
from bot.services import CRM, Actor
from models import Delivery, User
from tests.scheduler.conftest import Slack, deliveries
from tests.support.fakeslack import Fault


def _people(crm: CRM, *slack_ids: str) -> list[Actor]:
    return [crm.register_user("T1", sid, name=sid, tz="UTC") for sid in slack_ids]


def _due_now(crm: CRM, actor: Actor, title: str) -> int:
    task = crm.create_task(actor, title, due=crm.now().isoformat()).task
    assert task
    return task.id


def test_429_retry_after_is_honoured_for_that_channel_only(
    crm: CRM, slack: Slack, scheduler: Scheduler, clock: ManualClock
) -> None:
    a, b = _people(crm, "UA", "UB")
    _due_now(crm, a, "a1")
    _due_now(crm, a, "a2")
    _due_now(crm, b, "b1")
    slack.fail_next(
        "chat.postMessage",
        Fault(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"}),
    )
    sched = Scheduler(crm.sessions, scheduler.transport, clock, pace_seconds=0, workers=1)
    stats = sched.tick()
    # The first post hit the limit; its channel waits, the other channel's message went out.
    limited = slack.calls_to("chat.postMessage")[0].params["channel"]
    other = "UB" if limited == "UA" else "UA"
    assert [p["channel"] for p in slack.posted] == [other] * len(slack.posts_to(other))
    assert stats.sent == len(slack.posted)
    waiting = [d for d in deliveries(crm) if d.state == "pending"]
    assert waiting and {d.channel for d in waiting} == {limited}
    assert all(d.next_attempt_at == clock.now() + timedelta(seconds=30) for d in waiting)

    clock.advance(seconds=29)
    sched.tick()
    assert slack.posts_to(limited) == []
    clock.advance(seconds=1)
    sched.tick()
    assert sorted(p["text"].split(" — ")[0] for p in slack.posted) == [
        "Reminder: a1",
        "Reminder: a2",
        "Reminder: b1",
    ]
    assert [d.state for d in deliveries(crm)] == ["sent"] * 3
    sched.stop()


def test_500_and_ok_false_are_retried_with_backoff_and_sent_once(
    crm: CRM, ann: Actor, slack: Slack, scheduler: Scheduler, clock: ManualClock
) -> None:
    _due_now(crm, ann, "Flaky")
    slack.fail_next("chat.postMessage", Fault(500), Fault(200, {"ok": False, "error": "internal_error"}))
    assert scheduler.tick().retried == 1
    [row] = deliveries(crm)
    assert (row.state, row.attempts, row.next_attempt_at) == (
        "pending",
        1,
        clock.now() + timedelta(seconds=30),
    )
    assert "500" in (row.last_error or "")
    clock.advance(seconds=30)
    assert scheduler.tick().retried == 1
    [row] = deliveries(crm)
    assert row.next_attempt_at == clock.now() + timedelta(seconds=60)  # doubled
    clock.advance(seconds=59)
    assert scheduler.tick().sent == 0
    clock.advance(seconds=1)
    assert scheduler.tick().sent == 1
    assert len(slack.calls_to("chat.postMessage")) == 3
    assert len(slack.posted) == 1
    [row] = deliveries(crm)
    assert (row.state, row.attempts, row.slack_ts) == ("sent", 3, slack.posted[0]["ts"])


def test_a_failing_channel_does_not_hold_up_the_others(
    crm: CRM, slack: Slack, scheduler: Scheduler, clock: ManualClock
) -> None:
    people = _people(crm, "UGONE", "U1", "U2", "U3")
    for person in people:
        _due_now(crm, person, f"for {person.slack_id}")

    def post(params: dict) -> dict:
        if params.get("channel") == "UGONE":
            return {"ok": False, "error": "user_not_found"}
        return Slack._post(slack, params)

    slack.handlers["chat.postMessage"] = post
    stats = scheduler.tick()
    assert stats.sent == 3 and stats.failed == 1
    assert sorted(p["channel"] for p in slack.posted) == ["U1", "U2", "U3"]
    gone = [d for d in deliveries(crm) if d.channel == "UGONE"]
    # Kept with its reason, not retried for ever and not silently dropped.
    assert [(d.state, d.last_error) for d in gone] == [("failed", "permanent: user_not_found")]
    clock.advance(hours=2)
    scheduler.tick()
    assert len(slack.calls_to("chat.postMessage")) == 4


def test_posts_to_one_channel_are_paced_while_others_interleave(
    crm: CRM, slack: Slack, make_scheduler, clock: ManualClock
) -> None:
    a, b = _people(crm, "UA", "UB")
    for i in range(3):
        _due_now(crm, a, f"a{i}")
        _due_now(crm, b, f"b{i}")
    make_scheduler(pace_seconds=0.05, workers=2).tick()
    assert len(slack.posted) == 6
    calls = slack.calls_to("chat.postMessage")
    for channel in ("UA", "UB"):
        times = [c.at for c in calls if c.params["channel"] == channel]
        assert all(later - earlier >= 0.045 for earlier, later in zip(times, times[1:], strict=False))
    # The two channels went out side by side, not one after the other.
    order = [c.params["channel"] for c in calls]
    assert order[:2] in (["UA", "UB"], ["UB", "UA"])


class Crash(BaseException):
    """The process dies: nothing after this runs, no handler sees it."""


def _crash_after_post(sched: Scheduler) -> None:
    def die(*_args: object, **_kwargs: object) -> None:
        raise Crash()

    sched._mark_sent = die  # type: ignore[method-assign]


def test_crash_after_slack_accepted_is_not_posted_twice(
    crm: CRM, ann: Actor, slack: Slack, make_scheduler, clock: ManualClock
) -> None:
    _due_now(crm, ann, "Exactly once")
    doomed = make_scheduler(workers=1, lease_seconds=120)
    _crash_after_post(doomed)
    with pytest.raises(Crash):
        doomed.tick()
    assert len(slack.posted) == 1
    [row] = deliveries(crm)
    assert row.state == "sending"  # Slack has it; the outbox does not know

    # Another scheduler waits until the dead one has been silent for the recovery window (30 s; on
    # SQLite it cannot even start before), then finds the message in the channel's history by its
    # dedupe key instead of posting it again.
    survivor = make_scheduler()
    clock.advance(seconds=29)
    with contextlib.suppress(SchedulerBusy):
        survivor.tick()
    assert len(slack.posted) == 1 and deliveries(crm)[0].state == "sending"
    clock.advance(seconds=2)
    stats = survivor.tick()
    assert stats.recovered == 1 and stats.sent == 0
    assert len(slack.posted) == 1
    [row] = deliveries(crm)
    assert (row.state, row.slack_ts) == ("sent", slack.posted[0]["ts"])


def test_crash_before_slack_answered_and_no_history_means_sent_once_more_not_lost(
    crm: CRM, ann: Actor, slack: Slack, make_scheduler, clock: ManualClock
) -> None:
    _due_now(crm, ann, "Not lost")
    slack.history_available = False
    doomed = make_scheduler(workers=1, lease_seconds=60)
    doomed.transport.post = lambda *a, **k: (_ for _ in ()).throw(Crash())  # type: ignore[method-assign]
    with pytest.raises(Crash):
        doomed.tick()
    assert slack.posted == []
    clock.advance(seconds=61)
    make_scheduler().tick()
    assert len(slack.posted) == 1
    assert deliveries(crm)[0].state == "sent"


def test_timeout_is_in_doubt_and_checked_before_resending(
    crm: CRM, ann: Actor, slack: Slack, scheduler: Scheduler, clock: ManualClock
) -> None:
    _due_now(crm, ann, "Slow Slack")
    real_post = scheduler.transport.post

    def post_then_time_out(*args: object, **kwargs: object) -> tuple[str, str]:
        real_post(*args, **kwargs)  # type: ignore[arg-type]
        raise TimeoutError("read timed out")

    scheduler.transport.post = post_then_time_out  # type: ignore[method-assign]
    assert scheduler.tick().retried == 1
    scheduler.transport.post = real_post  # type: ignore[method-assign]
    clock.advance(seconds=30)
    assert scheduler.tick().recovered == 1
    assert len(slack.posted) == 1


def test_second_scheduler_on_sqlite_refuses_to_start_with_one_line(
    crm: CRM, backend: str, make_scheduler, clock: ManualClock
) -> None:
    if backend != "sqlite":
        first, second = make_scheduler(), make_scheduler()
        first.start()
        second.start()  # PostgreSQL shares the work
        return
    from bot.scheduler import SchedulerBusy

    first = make_scheduler(name="host-a:1")
    first.start()
    second = make_scheduler(name="host-b:2")
    with pytest.raises(SchedulerBusy) as err:
        second.start()
    assert "\n" not in str(err.value)
    assert "another scheduler (host-a:1) is already running on this SQLite database" in str(err.value)
    first.stop()
    second.start()  # free once the first one stopped
    # A crashed holder (lease not renewed) does not block for ever.
    third = make_scheduler(name="host-c:3")
    clock.advance(minutes=2)
    third.start()


def test_deleted_user_leaves_no_stuck_row(crm: CRM, ann: Actor, slack: Slack, scheduler: Scheduler) -> None:
    bob = crm.register_user("T1", "UBOB", name="Bob", tz="UTC")
    _due_now(crm, bob, "Orphan")
    with crm.sessions.begin() as s:
        # Through the ORM, which unlinks the rows naming them (their keys carry the workspace, so the
        # database no longer sets them to NULL itself and refuses a bare DELETE).
        s.delete(s.query(User).filter(User.slack_id == "UBOB").one())
    scheduler.tick()
    with crm.sessions() as s:
        assert s.query(Delivery).filter(Delivery.state.in_(("pending", "sending"))).count() == 0
    assert slack.posted == []


def test_tick_with_nothing_due_posts_nothing(scheduler: Scheduler, slack: Slack) -> None:
    stats = scheduler.tick()
    assert stats.sent == 0 and stats.planned.total == 0
    assert slack.calls == []


def test_start_time_is_the_clock() -> None:
    assert ManualClock(datetime(2026, 1, 1, tzinfo=UTC)).now().year == 2026


def test_messages_held_back_by_a_rate_limit_keep_their_retries(
    crm: CRM, slack: Slack, scheduler: Scheduler, clock: ManualClock
) -> None:
    """Rows sent back because their channel was rate limited were never tried: a later real failure
    must not find their tries used up (given up on, or backed off for an hour)."""
    [a] = _people(crm, "UA")
    _due_now(crm, a, "a1")
    _due_now(crm, a, "a2")
    slack.fail_next(
        "chat.postMessage", Fault(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"})
    )
    sched = Scheduler(crm.sessions, scheduler.transport, clock, pace_seconds=0, workers=1, max_attempts=2)
    sched.tick()

    flaked: list[str] = []

    def post(params: dict) -> dict:
        if "a2" in str(params.get("text")) and not flaked:
            flaked.append("a2")
            return {"ok": False, "error": "internal_error"}
        return Slack._post(slack, params)

    slack.handlers["chat.postMessage"] = post
    clock.advance(seconds=30)
    sched.tick()
    clock.advance(seconds=30)
    sched.tick()
    assert sorted(p["text"].split(" — ")[0] for p in slack.posted) == ["Reminder: a1", "Reminder: a2"]
    assert [d.state for d in deliveries(crm)] == ["sent", "sent"]
    sched.stop()


def test_a_database_error_while_recording_an_outcome_does_not_hang_the_round(
    crm: CRM, slack: Slack, scheduler: Scheduler, clock: ManualClock
) -> None:
    """The database dropping out under one sender must end the round (the runner logs it and tries
    again), not leave the other senders waiting for it for ever."""
    import threading

    a, b = _people(crm, "UA", "UB")
    _due_now(crm, a, "a1")
    _due_now(crm, b, "b1")
    slack.fail_next("chat.postMessage", Fault(500))
    real_finish = scheduler._finish

    def broken(*args: object, **kwargs: object) -> None:
        raise ConnectionError("database went away")

    scheduler._finish = broken  # type: ignore[method-assign]
    errors: list[BaseException] = []

    def run() -> None:
        try:
            scheduler.tick()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    round_ = threading.Thread(target=run, daemon=True)
    round_.start()
    round_.join(10)
    assert not round_.is_alive(), "the round hung"
    assert [type(e) for e in errors] == [ConnectionError]

    scheduler._finish = real_finish  # type: ignore[method-assign]
    clock.advance(minutes=6)  # the stuck claim runs out
    scheduler.tick()
    assert sorted(p["channel"] for p in slack.posted) == ["UA", "UB"]
    assert [d.state for d in deliveries(crm)] == ["sent", "sent"]


def test_failing_to_record_a_post_slack_accepted_does_not_post_it_twice(
    crm: CRM, ann: Actor, slack: Slack, scheduler: Scheduler, clock: ManualClock
) -> None:
    _due_now(crm, ann, "Once only")
    real_mark = scheduler._mark_sent

    def broken(*args: object, **kwargs: object) -> None:
        scheduler._mark_sent = real_mark  # type: ignore[method-assign]
        raise ConnectionError("database blinked")

    scheduler._mark_sent = broken  # type: ignore[method-assign]
    scheduler.tick()
    assert len(slack.posted) == 1
    clock.advance(hours=2)
    scheduler.tick()
    assert len(slack.posted) == 1
    assert [d.state for d in deliveries(crm)] == ["sent"]


def test_retry_after_holds_the_channel_for_messages_planned_later(
    crm: CRM, slack: Slack, scheduler: Scheduler, clock: ManualClock
) -> None:
    """A 429 holds its channel, not only the rows that were queued with it: a reminder that falls due
    for the same DM during the hold waits for the hold to end; other channels keep flowing."""
    a, b = _people(crm, "UA", "UB")
    _due_now(crm, a, "a1")
    slack.fail_next(
        "chat.postMessage", Fault(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "10"})
    )
    scheduler.tick()
    assert [c.params["channel"] for c in slack.calls_to("chat.postMessage")] == ["UA"]
    assert slack.posted == []

    clock.advance(seconds=3)
    _due_now(crm, a, "a2")
    _due_now(crm, b, "b1")
    scheduler.tick()
    assert [c.params["channel"] for c in slack.calls_to("chat.postMessage")] == ["UA", "UB"]
    held = [d for d in deliveries(crm) if d.channel == "UA"]
    assert {(d.state, d.next_attempt_at) for d in held} == {("pending", clock.now() + timedelta(seconds=7))}

    clock.advance(seconds=6)
    scheduler.tick()
    assert slack.posts_to("UA") == []
    clock.advance(seconds=1)
    scheduler.tick()
    assert sorted(p["text"].split(" — ")[0] for p in slack.posts_to("UA")) == ["Reminder: a1", "Reminder: a2"]
    assert [d.state for d in deliveries(crm)] == ["sent"] * 3
