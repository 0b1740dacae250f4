from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from bot.clock import ManualClock
from tests.handlers.helpers import app_started
from tests.support.fakeslack import FakeSlack
from tests.support.slackhttp import ANN, BOB, Front, SlackHTTP

# Wednesday 18 November 2026, 10:00 in New York.
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    fake.add_user(ANN, "Ann Rep", tz="America/New_York", email="ann@example.com")
    fake.add_user(BOB, "Bob Rep", tz="Europe/Paris", email="bob@example.com")
    yield fake
    fake.stop()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture(scope="module")
def front() -> Iterator[Front]:
    """One HTTP server per module; each test mounts its own app on it."""
    front = Front()
    yield front
    front.stop()


@pytest.fixture
def slack(fake: FakeSlack, front: Front, engine: Engine, clock: ManualClock) -> Iterator[SlackHTTP]:
    """The app on a loopback port over a clean database (SQLite and PostgreSQL), fake Slack reset."""
    with app_started(fake, front, engine, clock) as server:
        yield server
