"""The ``deliveries`` outbox as the kinds' planning writes it: one row per message, unique by its dedupe
key, so a crash or a second scheduler can neither lose a message nor plan it twice."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services.keys import key_time
from models import Delivery

# Sent more than this after it fell due (the bot was down, or behind): the message says so.
LATE_AFTER = timedelta(minutes=5)

__all__ = [
    "LATE_AFTER",
    "delivery",
    "earliest_between",
    "enqueue",
    "enqueue_keys",
    "iso",
    "key_time",
    "post_to_channel",
]


def iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def enqueue(s: Session, rows: list[dict[str, Any]]) -> int:
    """Insert deliveries, skipping any whose dedupe key is already planned (by us or a peer). A row
    with that key that was cancelled (never sent: its task went to someone else and came back, say)
    is planned again rather than leaving the message lost."""
    return len(enqueue_keys(s, rows))


def enqueue_keys(s: Session, rows: list[dict[str, Any]]) -> set[str]:
    """As :func:`enqueue`, returning the dedupe keys this call planned."""
    if not rows:
        return set()
    if s.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(Delivery).values(rows)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(Delivery).values(rows)
    rearm = {
        key: stmt.excluded[key]
        for key in ("channel", "user_id", "payload", "due_at", "late", "next_attempt_at", "created_at")
    }
    stmt = stmt.on_conflict_do_update(
        index_elements=["dedupe_key"],
        set_={
            **rearm,
            "state": "pending",
            "attempts": 0,
            "last_error": None,
            "claimed_by": None,
            "claimed_until": None,
        },
        where=Delivery.state == "cancelled",
    )
    return {str(k) for k in s.execute(stmt.returning(Delivery.dedupe_key)).scalars()}


def delivery(
    *,
    workspace_id: int,
    kind: str,
    key: str,
    channel: str,
    user_id: int | None,
    payload: dict[str, Any],
    due: datetime,
    now: datetime,
) -> dict[str, Any]:
    """An outbox row for :func:`enqueue`: ``kind`` names the :class:`bot.proactive.kind.Kind` that
    renders it, ``channel`` is a channel id or, for a DM, the user's Slack id."""
    return {
        "workspace_id": workspace_id,
        "kind": kind,
        "dedupe_key": key[:200],
        "channel": channel,
        "user_id": user_id,
        "payload": payload,
        "state": "pending",
        "attempts": 0,
        "due_at": due,
        "late": now - due > LATE_AFTER,
        "next_attempt_at": now,
        "created_at": now,
    }


def post_to_channel(
    s: Session,
    *,
    workspace_id: int,
    kind: str,
    key: str,
    channel: str,
    payload: dict[str, Any],
    due: datetime,
    now: datetime,
) -> int:
    """One channel post of a subscription's run (a summary, a report), planned once whoever plans it."""
    row = delivery(
        workspace_id=workspace_id,
        kind=kind,
        key=key,
        channel=channel,
        user_id=None,
        payload=payload,
        due=due,
        now=now,
    )
    return enqueue(s, [row])


def earliest_between(s: Session, column: Any, after: datetime, until: datetime) -> datetime | None:
    """The first run time in ``column`` (a subscription's next run) after ``after`` and by ``until``."""
    found: datetime | None = s.scalar(select(func.min(column)).where(column > after, column <= until))
    return found
