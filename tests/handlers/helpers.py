"""Reading the database the way a test checks outcomes: rows that exist after a conversation; and the app
started over a clean database with an operator's settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, func, select

from bot.clock import ManualClock
from bot.db import make_session_factory
from tests.support.fakeslack import FakeSlack
from tests.support.slackhttp import Front, SlackHTTP


@contextmanager
def app_started(
    fake: FakeSlack, front: Front, engine: Engine, clock: ManualClock, **settings: Any
) -> Iterator[SlackHTTP]:
    """The app on the module's front over a clean database, the fake Slack reset, started with the
    operator's ``settings`` (default currency, OAuth mode…)."""
    fake.reset()
    fake.faults.clear()
    server = SlackHTTP.start(
        fake,
        engine.url.render_as_string(hide_password=False),
        clock=clock,
        sessions=make_session_factory(engine),
        front=front,
        **settings,
    )
    yield server
    server.finish()


def rows(slack: SlackHTTP, model: Any, *where: Any) -> list[Any]:
    with slack.services.sessions() as s:
        return list(s.scalars(select(model).where(*where)))


def count(slack: SlackHTTP, model: Any, *where: Any) -> int:
    with slack.services.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)
