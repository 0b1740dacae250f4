"""A post in a deal's room (``/crm deal room``): the deal moved, was won or lost, or got a task. Planned by
the services in the transaction of the change itself (bot/services/rooms.py); delivered here as it was
written, since the change it reports has happened."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import SectionBlock
from sqlalchemy.orm import Session

from bot.proactive.blockkit import dicts, md
from bot.proactive.kind import Kind, Rendered

NAME = "deal_room"


def still_due(s: Session, p: dict[str, Any], user_id: int | None, now: datetime) -> dict[str, Any] | None:
    return p


def _esc(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def line(p: dict[str, Any]) -> str:
    deal, by = f"*{_esc(p.get('deal'))}*", f"<@{p['by']}>" if p.get("by") else "someone"
    what = p.get("what")
    if what == "won":
        return f"🏆 {deal} is won! ({by})"
    if what == "lost":
        return f"❌ {deal} is lost ({by})."
    if what == "task":
        who = f" for <@{p['assignee']}>" if p.get("assignee") else ""
        due = f", due {date.fromisoformat(p['due']):%a %d %b}" if p.get("due") else ""
        return f"☐ New task on {deal}: *{_esc(p.get('task'))}*{who}{due} ({by})"
    return f"➡️ {deal} moved to *{_esc(p.get('stage'))}* ({by})"


def render(payload: dict[str, Any], *, late: bool = False, now: datetime | None = None) -> Rendered:
    text = line(payload)
    return text, dicts([SectionBlock(text=md(text))])


KIND = Kind(name=NAME, still_due=still_due, render=render)
