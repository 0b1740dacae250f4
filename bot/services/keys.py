"""Delivery dedupe keys that more than one module works out.

The planner (bot/services/proactive.py) plans a task's reminder under this key and undo
(bot/services/undo.py) looks the same key up to tell a cancelled reminder from a sent one, so both
import it from here rather than from each other.
"""

from __future__ import annotations

from datetime import UTC, datetime


def key_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%f")


def reminder_key(task_id: int, assignee_id: int | None, remind_at: datetime) -> str:
    return f"reminder:{task_id}:{assignee_id}:{key_time(remind_at)}"
