"""A scheduler that stops beating (crashed, killed) leaves its claimed rows to the next scheduler within
the recovery window (30 s), not the whole 5-minute lease; a live scheduler, however slow its sends, keeps
its rows. Either way each message reaches Slack once."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.scheduler import Scheduler, SchedulerBusy, TickStats
from bot.services import CRM
from tests.scheduler.conftest import Slack, deliveries, eventually


def _due(crm: CRM, people: int, each: int) -> int:
    for p in range(people):
        actor = crm.register_user("T1", f"U{p:03d}", name=f"Person {p}", tz="UTC")
        for i in range(each):
            crm.create_task(actor, f"Task {p}.{i}", due=crm.now().isoformat())
    return people * each


def _keys(slack: Slack) -> Counter[str]:
    return Counter(p["metadata"]["event_payload"]["dedupe_key"] for p in slack.posted)


def test_rows_of_a_claimer_that_stopped_beating_are_recovered_within_the_window(
    crm: CRM, backend: str, slack: Slack, make_scheduler, clock: ManualClock
) -> None:
    n = _due(crm, people=4, each=5)
    dead: Scheduler = make_scheduler(name="dead").start()
    dead.plan()
    claimed = dead._claim(clock.now(), TickStats())  # … and then it died: no send, no beat, no release
    assert len(claimed) == n
    dead.started = False  # its process is gone: nothing will give its lease back

    survivor: Scheduler = make_scheduler(name="survivor")
    clock.advance(seconds=20)
    if backend == "sqlite":
        with pytest.raises(SchedulerBusy):
            survivor.tick()
    else:
        assert survivor.tick().sent == 0
    assert slack.posted == []

    clock.advance(seconds=11)  # 31 s after the last sign of life
    stats = survivor.tick()
    assert stats.sent == n
    assert len(slack.posted) == n and set(_keys(slack).values()) == {1}
    assert {(d.state, d.slack_ts is not None) for d in deliveries(crm)} == {("sent", True)}


def test_a_live_claimer_keeps_its_rows_however_slow_its_sends(
    crm: CRM, backend: str, slack: Slack, make_scheduler, clock: ManualClock
) -> None:
    n = _due(crm, people=1, each=3)
    accepted = Slack._post
    release = threading.Event()

    def slow_post(params: dict[str, Any]) -> dict[str, Any]:
        release.wait(20)
        return accepted(slack, params)

    slack.handlers["chat.postMessage"] = slow_post
    slow: Scheduler = make_scheduler(name="slow", workers=1, heartbeat_seconds=0.05)
    done: list[TickStats] = []
    ticking = threading.Thread(target=lambda: done.append(slow.tick()))
    ticking.start()
    try:
        slack.wait_calls("chat.postMessage", 1, timeout=10)
        # Longer than the recovery window, well inside the lease: only the heartbeat keeps the rows.
        clock.advance(seconds=60)
        eventually(lambda: slow.last_beat_at == clock.now())
        peer: Scheduler = make_scheduler(name="peer")
        if backend == "sqlite":
            with pytest.raises(SchedulerBusy):
                peer.tick()
        else:
            assert peer.tick().sent == 0
        assert {d.claimed_by for d in deliveries(crm)} == {"slow"}
    finally:
        release.set()
        ticking.join(20)
    assert done and done[0].sent == n
    assert len(slack.posted) == n and set(_keys(slack).values()) == {1}
