"""Scheduler fixtures: a manual clock shared by the CRM and the scheduler, the fake Slack Web API, and
helpers that read back what the bot actually posted."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, select

from bot.clock import ManualClock
from bot.db import make_session_factory
from bot.scheduler import Scheduler
from bot.services import CRM
from models import Delivery
from tests.support.fakeslack import FakeSlack

# A Tuesday, noon UTC.
START = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


class Slack(FakeSlack):
    """The suite's fake Slack, remembering the posts it accepted (a faulted call is recorded in
    ``calls`` but never reaches the handler) so that "exactly once" can be asserted, and serving them
    back through ``conversations.history`` as Slack would."""

    def __init__(self) -> None:
        super().__init__()
        self.posted: list[dict[str, Any]] = []
        # Posts arrive on the server's threads at once (schedulers with several workers): numbering
        # and recording one must not interleave with another, or two messages would share a ts.
        self._posting = threading.Lock()
        self.history_available = True
        self.handlers["chat.postMessage"] = self._post
        self.handlers["conversations.history"] = self._history

    def _post(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel"))
        dm = "D" + channel if channel.startswith("U") else channel
        metadata = params.get("metadata")
        if isinstance(metadata, str):
            import json

            metadata = json.loads(metadata)
        with self._posting:
            ts = f"{1_700_000_000 + len(self.posted)}.{len(self.posted):06d}"
            self.posted.append({**params, "channel": channel, "dm": dm, "ts": ts, "metadata": metadata})
        return {"ok": True, "channel": dm, "ts": ts, "message": {"text": params.get("text")}}

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        if not self.history_available:
            return {"ok": False, "error": "missing_scope"}
        channel = params.get("channel")
        return {"ok": True, "messages": [p for p in reversed(self.posted) if p["dm"] == channel]}

    def posts_to(self, channel: str) -> list[dict[str, Any]]:
        return [p for p in self.posted if p["channel"] == channel]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def crm(engine: Engine, clock: ManualClock) -> CRM:
    """The CRM on the test clock (overrides the suite's, so ``ann``/``bob`` live on it too)."""
    return CRM(make_session_factory(engine), clock=clock.now)


@pytest.fixture
def slack() -> Iterator[Slack]:
    fake = Slack().start()
    yield fake
    fake.stop()


@pytest.fixture
def client(slack: Slack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=slack.api_url, retry_handlers=[])


@pytest.fixture
def make_scheduler(crm: CRM, client: WebClient, clock: ManualClock) -> Iterator[Callable[..., Scheduler]]:
    made: list[Scheduler] = []

    def make(**kwargs: Any) -> Scheduler:
        kwargs.setdefault("pace_seconds", 0)
        kwargs.setdefault("workers", 2)
        sched = Scheduler(kwargs.pop("sessions", crm.sessions), kwargs.pop("client", client), clock, **kwargs)
        made.append(sched)
        return sched

    yield make
    for sched in made:
        sched.stop()


@pytest.fixture
def scheduler(make_scheduler: Callable[..., Scheduler]) -> Scheduler:
    return make_scheduler()


def eventually(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll until ``predicate()`` is truthy, for conditions no Slack call announces (the stand-in's
    ``wait_for`` wakes on calls only)."""
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in {timeout}s")
        time.sleep(0.01)
    return result


def deliveries(crm: CRM, kind: str | None = None) -> list[Delivery]:
    with crm.sessions() as s:
        q = select(Delivery).order_by(Delivery.id)
        if kind:
            q = q.where(Delivery.kind == kind)
        return list(s.scalars(q))


def block_text(post: dict[str, Any]) -> str:
    """Every text a person would read in a posted message's blocks, joined."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    out.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(post.get("blocks") or [])
    return "\n".join(out)


def action_ids(post: dict[str, Any]) -> list[str]:
    ids: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "action_id" in node:
                ids.append(node["action_id"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(post.get("blocks") or [])
    return ids
