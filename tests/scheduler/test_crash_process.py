"""A scheduler process killed (SIGKILL) after Slack accepted its post but before it could record it: the
next scheduler finds the message in the channel's history and does not post it again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bot.clock import ManualClock
from bot.scheduler import Scheduler
from bot.services import CRM, Actor
from tests.scheduler.conftest import Slack, deliveries

DOOMED = """
import sys
from slack_sdk import WebClient
from bot.db import make_engine, make_session_factory
from bot.scheduler import Scheduler

url, api = sys.argv[1], sys.argv[2]
engine = make_engine(url)
client = WebClient(token="xoxb-test", base_url=api, retry_handlers=[])
Scheduler(make_session_factory(engine), client, pace_seconds=0, workers=1, name="doomed").tick()
"""


def test_killed_mid_send_is_not_posted_twice(
    engine: Engine, crm: CRM, ann: Actor, slack: Slack, make_scheduler, clock: ManualClock
) -> None:
    crm.create_task(ann, "Survives a crash", due=datetime.now(UTC) - timedelta(minutes=5))
    accepted = Slack._post
    gone = threading.Event()

    def slow_post(params: dict[str, Any]) -> dict[str, Any]:
        answer = accepted(slack, params)  # Slack has the message now …
        gone.wait(30)  # … and answers only after the process is gone
        return answer

    slack.handlers["chat.postMessage"] = slow_post
    url = engine.url.render_as_string(hide_password=False)
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-c", DOOMED, url, slack.api_url],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        slack.wait_for(lambda s: s.posted, timeout=20)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        gone.set()
    slack.handlers["chat.postMessage"] = lambda params: accepted(slack, params)
    [row] = deliveries(crm)
    assert (row.state, row.claimed_by) == ("sending", "doomed")

    # Later (its claim and, on SQLite, its lease have run out), another scheduler takes over.
    clock.set(datetime.now(UTC) + timedelta(minutes=10))
    survivor: Scheduler = make_scheduler()
    stats = survivor.tick()
    assert stats.recovered == 1
    assert len(slack.posted) == 1
    [row] = deliveries(crm)
    assert (row.state, row.slack_ts) == ("sent", slack.posted[0]["ts"])


def test_killed_scheduler_rows_are_recovered_within_30_seconds_each_once(
    engine: Engine, crm: CRM, ann: Actor, slack: Slack, make_scheduler, clock: ManualClock
) -> None:
    """A kill -9 with a backlog claimed: the next scheduler takes it over once the dead one has been
    silent for 30 s (not after the 5-minute lease), and checks the one that may have gone out."""
    people = [crm.register_user("T1", f"U{i:03d}", name=f"P{i}", tz="UTC") for i in range(5)]
    due = datetime.now(UTC) - timedelta(minutes=5)
    for i in range(40):
        crm.create_task(people[i % 5], f"Backlog {i}", due=due)
    accepted = Slack._post
    gone = threading.Event()

    def slow_post(params: dict[str, Any]) -> dict[str, Any]:
        answer = accepted(slack, params)
        gone.wait(30)
        return answer

    slack.handlers["chat.postMessage"] = slow_post
    url = engine.url.render_as_string(hide_password=False)
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-c", DOOMED, url, slack.api_url],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        slack.wait_for(lambda s: s.posted, timeout=20)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        killed_at = datetime.now(UTC)
        gone.set()
    slack.handlers["chat.postMessage"] = lambda params: accepted(slack, params)
    assert {(d.state, d.claimed_by) for d in deliveries(crm)} == {("sending", "doomed")}

    clock.set(killed_at + timedelta(seconds=31))
    survivor: Scheduler = make_scheduler()
    stats = survivor.tick()
    assert (stats.recovered, stats.sent) == (1, 39)
    keys = Counter(p["metadata"]["event_payload"]["dedupe_key"] for p in slack.posted)
    assert len(keys) == 40 and set(keys.values()) == {1}
    assert {d.state for d in deliveries(crm)} == {"sent"}
