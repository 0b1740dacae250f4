"""Webhook deliveries under faults: 500s, timeouts, refused connections, a dead endpoint beside a live one,
pacing, days of failures, a rolled-back change and a scheduler killed mid-delivery. The receiver checks
every signature and counts what it accepted by delivery id. Both databases."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.clock import ManualClock
from bot.scheduler import Scheduler
from bot.scheduler.transport import SendError
from bot.scheduler.webhooks import HookTarget, WebhookSender
from bot.services import CRM, Actor
from models import Contact, WebhookEndpoint
from tests.scheduler.conftest import Slack, block_text, deliveries
from tests.support.hookreceiver import HookReceiver


@pytest.fixture
def receiver() -> Iterator[HookReceiver]:
    r = HookReceiver().start()
    yield r
    r.stop()


@pytest.fixture
def hooks(crm: CRM, receiver: HookReceiver) -> CRM:
    crm.webhooks.allow_hosts = (receiver.host,)
    return crm


def register(crm: CRM, ann: Actor, receiver: HookReceiver, path: str, url: str | None = None) -> int:
    written = crm.webhooks.add(ann, url or receiver.url(path))
    assert written.secret
    receiver.secrets[path] = written.secret
    return written.webhook.id


def sched(make_scheduler, receiver: HookReceiver, timeout: float = 2.0, **kwargs) -> Scheduler:
    kwargs.setdefault("webhook_pace", 0)
    return make_scheduler(webhooks=WebhookSender(allow_hosts=(receiver.host,), timeout=timeout), **kwargs)


def endpoint(crm: CRM, endpoint_id: int) -> WebhookEndpoint:
    with crm.sessions() as s:
        found = s.get(WebhookEndpoint, endpoint_id)
        assert found is not None
        return found


def test_500s_are_retried_with_backoff_and_accepted_once(
    hooks: CRM, ann: Actor, receiver: HookReceiver, make_scheduler, clock: ManualClock
) -> None:
    register(hooks, ann, receiver, "/a")
    receiver.plan("/a", 500, 502)
    hooks.create_contact(ann, "Jane Doe", email="jane@acme.com")
    scheduler = sched(make_scheduler, receiver)
    assert scheduler.tick().retried == 1
    assert scheduler.tick().sent == 0  # not before its backoff
    clock.advance(timedelta(seconds=31))
    assert scheduler.tick().retried == 1
    clock.advance(timedelta(seconds=61))
    assert scheduler.tick().sent == 1
    assert [a.status for a in receiver.arrivals] == [500, 502, 200]
    assert len({a.delivery for a in receiver.arrivals}) == 1
    assert len({a.body for a in receiver.arrivals}) == 1  # the same bytes, signed afresh each time
    assert all(a.signed for a in receiver.arrivals)
    [accepted] = receiver.accepted.values()
    assert accepted.event["type"] == "contact.created"
    assert accepted.event["record"]["email"] == "jane@acme.com"
    [row] = deliveries(hooks, "webhook")
    assert (row.state, row.attempts) == ("sent", 3)
    assert endpoint(hooks, row.payload["endpoint_id"]).failing_since is None


def test_a_timeout_is_retried_and_the_receiver_accepts_it_once(
    hooks: CRM, ann: Actor, receiver: HookReceiver, make_scheduler, clock: ManualClock
) -> None:
    register(hooks, ann, receiver, "/slow")
    receiver.plan("/slow", ("hang", 1.5))
    hooks.create_contact(ann, "Jane Doe")
    scheduler = sched(make_scheduler, receiver, timeout=0.5)
    scheduler.tick()
    [row] = deliveries(hooks, "webhook")
    assert row.state == "pending" and "no answer within 0.5s" in (row.last_error or "")
    clock.advance(timedelta(seconds=31))
    assert scheduler.tick().sent == 1
    assert len(receiver.arrivals) == 2 and len({a.delivery for a in receiver.arrivals}) == 1
    assert len(receiver.accepted) == 1 and receiver.repeats == 0


def test_a_refused_connection_is_retried_and_shown_on_the_endpoint(
    hooks: CRM, ann: Actor, receiver: HookReceiver, make_scheduler, clock: ManualClock
) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    hooks.webhooks.allow_hosts = (receiver.host, f"127.0.0.1:{closed}")
    hook = register(hooks, ann, receiver, "/nobody", url=f"http://127.0.0.1:{closed}/nobody")
    hooks.create_contact(ann, "Jane Doe")
    scheduler = make_scheduler(webhooks=WebhookSender(allow_hosts=(f"127.0.0.1:{closed}",), timeout=1.0))
    scheduler.tick()
    [row] = deliveries(hooks, "webhook")
    assert row.state == "pending" and "cannot connect" in (row.last_error or "")
    shown = endpoint(hooks, hook)
    assert "cannot connect" in (shown.last_error or "") and shown.failing_since is not None
    [view] = hooks.webhooks.list(ann)
    assert view.last_error == shown.last_error


def test_a_dead_endpoint_never_delays_a_live_one(
    hooks: CRM, ann: Actor, receiver: HookReceiver, make_scheduler
) -> None:
    register(hooks, ann, receiver, "/dead")
    register(hooks, ann, receiver, "/live")
    receiver.always["/dead"] = ("hang", 3.0)
    for i in range(10):
        hooks.create_contact(ann, f"Person {i}")
    scheduler = sched(make_scheduler, receiver, timeout=1.0, workers=2)
    started = time.monotonic()
    stats = scheduler.tick()
    took = time.monotonic() - started
    assert len(receiver.accepted_at("/live")) == 10
    # The dead one cost one timeout: its other nine waited, untried, for its backoff.
    assert len([a for a in receiver.arrivals if a.path == "/dead"]) == 1
    assert stats.sent == 10 and took < 5.0, (stats, took)
    waiting = [d for d in deliveries(hooks, "webhook") if d.state == "pending"]
    assert len(waiting) == 10 and sorted({d.attempts for d in waiting}) == [0, 1]


def test_deliveries_to_one_endpoint_are_paced(
    hooks: CRM, ann: Actor, receiver: HookReceiver, make_scheduler
) -> None:
    register(hooks, ann, receiver, "/paced")
    for i in range(5):
        hooks.create_contact(ann, f"Person {i}")
    sched(make_scheduler, receiver, webhook_pace=0.2).tick()
    times = [a.at for a in receiver.arrivals]
    assert len(times) == 5
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.18, gaps


def test_an_endpoint_failing_for_days_is_turned_off_and_its_admin_told(
    hooks: CRM, ann: Actor, receiver: HookReceiver, make_scheduler, clock: ManualClock, slack: Slack
) -> None:
    hook = register(hooks, ann, receiver, "/gone")
    receiver.always["/gone"] = 500
    hooks.create_contact(ann, "Jane Doe")
    scheduler = sched(make_scheduler, receiver, webhook_disable_after=timedelta(days=3))
    for _ in range(4 * 24):
        clock.advance(timedelta(hours=1))
        scheduler.tick()
        if endpoint(hooks, hook).disabled_at is not None:
            break
    shown = endpoint(hooks, hook)
    assert shown.disabled_at is not None
    assert timedelta(days=3) <= shown.disabled_at - shown.failing_since < timedelta(days=3, hours=2)
    scheduler.tick()  # the DM goes out
    [post] = slack.posts_to("UANN")
    assert f"I turned off webhook #{hook}" in block_text(post) and "HTTP 500" in block_text(post)
    assert [d.state for d in deliveries(hooks, "webhook")] == ["failed"]
    # Turned off, it is sent nothing new; turned back on, it is.
    hooks.create_contact(ann, "John Roe")
    assert len(deliveries(hooks, "webhook")) == 1
    hooks.webhooks.enable(ann, hook)
    receiver.always["/gone"] = 200
    hooks.create_contact(ann, "Max Moe")
    scheduler.tick()
    assert [a.event["record"]["name"] for a in receiver.accepted.values()] == ["Max Moe"]


def test_a_rolled_back_change_sends_nothing(hooks: CRM, ann: Actor, receiver: HookReceiver) -> None:
    register(hooks, ann, receiver, "/a")
    with pytest.raises(RuntimeError), hooks.op(ann) as op:
        op.session.add(Contact(workspace_id=ann.workspace_id, name="Never Was", name_key="never was"))
        op.session.flush()
        raise RuntimeError("the change fails after its row was written")
    assert deliveries(hooks, "webhook") == []
    with hooks.sessions() as s:
        assert s.scalars(select(Contact)).all() == []
    hooks.create_contact(ann, "Jane Doe")
    assert len(deliveries(hooks, "webhook")) == 1


def test_each_endpoint_gets_the_events_it_asked_for_once_each(
    hooks: CRM, ann: Actor, receiver: HookReceiver, make_scheduler
) -> None:
    everything = register(hooks, ann, receiver, "/all")
    only = hooks.webhooks.add(ann, receiver.url("/deleted"), ["deleted"]).webhook.id
    hooks.create_contact(ann, "Jane Doe")
    hooks.update_contact(ann, "Jane Doe", title="CTO")
    gone = hooks.create_contact(ann, "John Roe")
    hooks.undo(ann, gone.op_id)
    sent = sorted((d.channel, d.payload["event"]["type"]) for d in deliveries(hooks, "webhook"))
    assert sent == sorted(
        [
            (f"webhook:{everything}", "contact.created"),
            (f"webhook:{everything}", "contact.updated"),
            (f"webhook:{everything}", "contact.created"),
            (f"webhook:{everything}", "contact.deleted"),
            (f"webhook:{only}", "contact.deleted"),
        ]
    )
    [updated] = [d for d in deliveries(hooks, "webhook") if d.payload["event"]["type"] == "contact.updated"]
    assert updated.payload["event"]["changes"] == {"title": {"from": None, "to": "CTO"}}
    [undone] = [d for d in deliveries(hooks, "webhook") if d.channel == f"webhook:{only}"]
    assert undone.payload["event"]["undo"] is True and undone.payload["event"]["record"]["name"] == "John Roe"


DOOMED = """
import sys
from slack_sdk import WebClient
from bot.db import make_engine, make_session_factory
from bot.scheduler import Scheduler
from bot.scheduler.transport import SendError
from bot.scheduler.webhooks import HookTarget, WebhookSender

url, api, host = sys.argv[1], sys.argv[2], sys.argv[3]
engine = make_engine(url)
client = WebClient(token="xoxb-test", base_url=api, retry_handlers=[])
sender = WebhookSender(allow_hosts=(host,), timeout=30)
Scheduler(make_session_factory(engine), client, pace_seconds=0, workers=1, name="doomed", webhooks=sender).tick()
"""


def test_killed_mid_delivery_the_event_is_resent_with_its_id_and_accepted_once(
    engine: Engine,
    hooks: CRM,
    ann: Actor,
    receiver: HookReceiver,
    slack: Slack,
    make_scheduler,
    clock: ManualClock,
) -> None:
    register(hooks, ann, receiver, "/a")
    hooks.create_contact(ann, "Survives a crash")
    hold = threading.Event()
    receiver.plan("/a", ("hold", hold))  # processed, but the answer waits until the sender is gone
    url = engine.url.render_as_string(hide_password=False)
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-c", DOOMED, url, slack.api_url, receiver.host],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        receiver.wait_for(lambda r: r.accepted, timeout=30)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        hold.set()
    [row] = deliveries(hooks, "webhook")
    assert (row.state, row.claimed_by) == ("sending", "doomed")

    clock.set(datetime.now(UTC) + timedelta(minutes=10))
    survivor = sched(make_scheduler, receiver)
    assert survivor.tick().sent == 1
    assert len(receiver.arrivals) == 2 and len({a.delivery for a in receiver.arrivals}) == 1
    assert len(receiver.accepted) == 1 and receiver.repeats == 1
    assert all(a.signed for a in receiver.arrivals)
    [row] = deliveries(hooks, "webhook")
    assert row.state == "sent"
    survivor.tick()
    assert len(receiver.arrivals) == 2


def test_the_readme_receiver_prints_each_event_once_and_refuses_a_forged_one(tmp_path: Path) -> None:
    """The README's ten-line receiver, run as printed (with a secret and a port filled in)."""
    import socket

    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text()
    code = readme.split("```python\n", 1)[1].split("```", 1)[0]
    assert len(code.strip().splitlines()) <= 10
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    secret = "whsec_" + "ab" * 24
    code = code.replace('b"whsec_..."', repr(secret.encode())).replace('("", 8080)', f'("127.0.0.1", {port})')
    proc = subprocess.Popen([sys.executable, "-u", "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        host = f"127.0.0.1:{port}"
        sender = WebhookSender(allow_hosts=(host,), timeout=2.0)
        target = HookTarget(1, f"http://{host}/hook", secret)
        event = {"id": "evt_1", "type": "contact.created", "record": {"name": "Jane Doe"}}
        deadline = time.monotonic() + 10
        while True:
            try:
                assert sender.send(target, event, "webhook:1:evt_1") == 200
                break
            except SendError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert sender.send(target, event, "webhook:1:evt_1") == 200  # a retry: accepted, not processed again
        with pytest.raises(SendError, match="HTTP 401"):
            sender.send(HookTarget(1, target.url, "whsec_forged"), event, "webhook:1:evt_2")
    finally:
        proc.terminate()
        out = proc.communicate(timeout=10)[0]
    assert out.count('"type":"contact.created"') == 1, out
