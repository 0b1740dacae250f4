"""One deal's stale alert, as planned before alerts were grouped per owner and day (``stale_deals``).
Nothing plans these any more, but rows of this kind may still wait in an outbox after an upgrade: they
are checked and delivered as they were. Its buttons are the grouped alert's, handled there."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.proactive.blockkit import dicts
from bot.proactive.kind import Kind, Rendered
from bot.proactive.kinds.stale_deals import LINES, deal_blocks, deal_line, still_stale
from models import Deal

NAME = "stale_deal"


def still_due(s: Session, p: dict[str, Any], user_id: int | None, now: datetime) -> dict[str, Any] | None:
    return p if still_stale(s, p, p["owner_id"], p.get("tz") or "UTC", now) else None


def preload(p: dict[str, Any]) -> Mapping[type[Any], Iterable[int]]:
    return {Deal: [p["deal_id"]]}


def render(payload: dict[str, Any], *, late: bool = False, now: datetime | None = None) -> Rendered:
    return deal_line(payload), dicts(deal_blocks(payload, payload.get("stages", [])))


KIND = Kind(name=NAME, still_due=still_due, preload=preload, render=render, lines=(LINES,))
