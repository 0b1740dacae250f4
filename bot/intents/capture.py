"""A Slack message turned into a CRM record: what the "Log to CRM" and "Create task from message"
shortcuts prefill, read by the parser as if the person had typed the message to the bot.

Not an intent family: the forms it fills are the ``log_interaction`` and ``create_task`` intents' own, so
what is submitted goes through the same services, checks and questions as a typed message.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from bot.commands.registry import Ctx
from bot.dispatch import understand
from models.entities import INTERACTION_KINDS

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
CHANNEL = re.compile(r"<#[CG][A-Z0-9]+\|([^>]*)>")
# A task title is one line; the rest of a long message is in the permalink.
TITLE_CHARS = 150


def readable(ctx: Ctx, text: str) -> str:
    """The message as a person reads it in Slack: mentions as names, links and channels as written."""

    def person(m: re.Match[str]) -> str:
        known = ctx.crm.user(ctx.actor, m.group(1))
        return "@" + (known.name if known else m.group(2) or m.group(1))

    text = MENTION.sub(person, text)
    text = CHANNEL.sub(lambda m: "#" + m.group(1), text)
    return LINK.sub(lambda m: m.group(2) or m.group(1).removeprefix("mailto:"), text).strip()


def posted_at(ts: str | None) -> str | None:
    try:
        return datetime.fromtimestamp(float(ts or ""), UTC).isoformat()
    except ValueError:
        return None


def _as_written(ts: str | None, writer: str | None, author: str | None) -> dict[str, Any]:
    """Read the message when and as whom it was written: its "tomorrow" is the day after it was posted,
    its "I" the teammate who wrote it (an outsider's "I" is no one the bot can give a task to)."""
    try:
        at = datetime.fromtimestamp(float(ts or ""), UTC)
    except ValueError:
        at = None
    return {"at": at, "writer": writer if writer and not author else None}


def log_slots(
    ctx: Ctx, text: str, ts: str | None, author: str | None, writer: str | None = None
) -> dict[str, Any]:
    """The interaction a message records: its kind, who it was with, its summary and any follow-up the
    parser reads in it; the summary is the whole message when the parser keeps only part of it.
    ``author``: the writer's name when they are not of this workspace (a customer in a shared channel)."""
    reading = understand(ctx, text, **_as_written(ts, writer, author))
    found = dict(reading.get("slots") or {})
    slots: dict[str, Any] = {"kind": "message", "summary": readable(ctx, text), "occurred_at": posted_at(ts)}
    if reading.get("intent") == "log_interaction":
        if found.get("kind") in INTERACTION_KINDS:
            slots["kind"] = found["kind"]
        for key in ("contact", "company", "deal", "follow_up"):
            if found.get(key):
                slots[key] = found[key]
        if found.get("occurred_at"):
            slots["occurred_at"] = found["occurred_at"]
    elif reading.get("intent") == "create_task" and found.get("title"):
        slots["follow_up"] = {"title": found["title"], "due": found.get("due")}
        for key in ("contact", "deal"):
            if found.get(key):
                slots[key] = found[key]
    if author and not slots.get("contact"):
        slots["contact"] = author
    return slots


def task_slots(
    ctx: Ctx, text: str, author: str | None, ts: str | None = None, writer: str | None = None
) -> dict[str, Any]:
    """The task a message asks for: the parser's title, assignee and due date when it reads a task in
    it, else the message's first line, for the person who pressed the shortcut."""
    reading = understand(ctx, text, **_as_written(ts, writer, author))
    found = dict(reading.get("slots") or {})
    first_line = readable(ctx, text).splitlines()[0] if text.strip() else ""
    slots: dict[str, Any] = {"title": first_line[:TITLE_CHARS], "assignee": ctx.user_id}
    if reading.get("intent") == "create_task":
        for key in ("title", "assignee", "due", "contact", "deal"):
            if found.get(key):
                slots[key] = found[key]
    elif reading.get("intent") == "log_interaction":
        given = found.get("follow_up")
        follow_up: dict[str, Any] = given if isinstance(given, dict) else {}
        if follow_up.get("title"):
            slots.update(title=follow_up["title"], due=follow_up.get("due"))
        for key in ("contact", "deal"):
            if found.get(key):
                slots[key] = found[key]
    if author and not slots.get("contact"):
        slots["contact"] = author
    return slots
