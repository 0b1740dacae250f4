"""Reading the database the way a test checks outcomes: rows that exist after a conversation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from tests.support.slackhttp import SlackHTTP


def rows(slack: SlackHTTP, model: Any, *where: Any) -> list[Any]:
    with slack.services.sessions() as s:
        return list(s.scalars(select(model).where(*where)))


def count(slack: SlackHTTP, model: Any, *where: Any) -> int:
    with slack.services.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)
