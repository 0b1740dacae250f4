"""At most once per Slack request: Events API retries and double clicks are recognised by a key.

The key is inserted in ``processed_requests`` before the work starts; the primary key makes the
second insert fail, on SQLite and PostgreSQL alike, even when two bot processes race.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from models import ProcessedRequest


def claim(
    sessions: sessionmaker[Session], key: str, now: datetime, result: dict[str, Any] | None = None
) -> bool:
    """True the first time ``key`` is seen, False ever after."""
    try:
        with sessions.begin() as s:
            s.add(ProcessedRequest(key=key[:200], result=result, created_at=now))
            s.flush()
    except IntegrityError:
        return False
    return True


def forget_before(sessions: sessionmaker[Session], cutoff: datetime) -> int:
    with sessions.begin() as s:
        result: Any = s.execute(delete(ProcessedRequest).where(ProcessedRequest.created_at < cutoff))
        return int(result.rowcount or 0)


def request_key(body: dict[str, Any]) -> str | None:
    """The idempotency key of a Slack request, or None when it needs none."""
    kind = body.get("type")
    trigger = body.get("trigger_id")
    if (body.get("command") or kind == "view_submission") and isinstance(trigger, str) and trigger:
        # Slack gives every slash command and every modal submission a trigger id of its own, so a
        # replay of the same signed bytes (or a proxy's retry) carries the same one.
        team = body.get("team_id") or (body.get("team") or {}).get("id", "")
        return f"trigger:{team}:{hashlib.sha256(trigger.encode()).hexdigest()}"
    if kind == "event_callback" and body.get("event_id"):
        return f"event:{body.get('team_id', '')}:{body['event_id']}"
    if kind == "block_actions":
        container = body.get("container") or {}
        where = container.get("message_ts") or container.get("view_id") or ""
        action = (body.get("actions") or [{}])[0]
        team = (body.get("team") or {}).get("id", "")
        who = (body.get("user") or {}).get("id", "")
        # What was chosen is part of the key: picking another stage in the same menu is a new request.
        chosen = [
            action.get("value"),
            (action.get("selected_option") or {}).get("value"),
            action.get("selected_date"),
            action.get("selected_time"),
            action.get("selected_user"),
        ]
        raw = json.dumps([team, who, where, action.get("action_id"), *chosen], default=str)
        return "action:" + hashlib.sha256(raw.encode()).hexdigest()
    return None
