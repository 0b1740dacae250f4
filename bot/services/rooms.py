"""Deal rooms: a deal's own channel, where its stage changes, its win or loss and its new tasks are posted.

What is posted goes through the scheduler's outbox (``deliveries``, kind ``deal_room``), added in the same
transaction as the change itself: a change that rolls back posts nothing, and the unique dedupe key (the
operation, the deal, what happened) lets a retried send go out once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.services.base import Op
from models import Deal, Delivery

KIND = "deal_room"


def announce(op: Op, deal: Deal, what: str, detail: dict[str, Any]) -> None:
    """Queue one post to ``deal``'s room (if it has one) about ``what`` happened in ``op``."""
    if not deal.room_channel_id:
        return
    s: Session = op.session
    now = op.clock()
    s.add(
        Delivery(
            workspace_id=deal.workspace_id,
            kind=KIND,
            dedupe_key=f"{KIND}:{op.id}:{deal.id}:{what}"[:200],
            channel=deal.room_channel_id,
            payload={"what": what, "deal": deal.title, "deal_id": deal.id, "by": op.actor.slack_id, **detail},
            due_at=now,
            next_attempt_at=now,
        )
    )
