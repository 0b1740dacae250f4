"""A record's history in Slack: `/crm history NAME`, "who moved the Acme deal?", "what's the history with
Jane Doe?" — its changes and the activity logged on it, newest first, a page at a time."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from bot.blocks import ids
from bot.blocks.common import a, actions, button, compact, context, esc, header, money, section, user, when
from bot.commands.registry import Ctx, Reply
from bot.dispatch import execute
from bot.services.timeline import PEOPLE_FIELDS, Change, Entry, Timeline
from bot.spec import IntentSpec, Verb

FIELD_NAMES = {
    "stage_id": "stage",
    "company_id": "company",
    "contact_id": "contact",
    "deal_id": "deal",
    "owner_id": "owner",
    "assignee_id": "assignee",
    "close_date": "close date",
    "forecast_category": "forecast category",
    "stale_snoozed_until": "stale alerts snoozed until",
    "room_channel_id": "deal room",
    "due_date": "due date",
    "due_at": "due",
    "done_at": "done",
    "preferred_channel": "preferred channel",
    "occurred_at": "when",
}


def _value(change: Change, value: Any, currency: str | None = None) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):  # tags
        return esc(", ".join(str(v) for v in value))
    if change.field in PEOPLE_FIELDS:
        return user(str(value))
    if change.field == "amount":
        return money(Decimal(str(value)), currency or "USD")
    if change.field == "forecast_category":
        return esc(str(value).replace("_", " "))
    return esc(str(value))


def _parts(entry: Entry, currency: str | None) -> str:
    """Each field changed, before → after; an amount changed with its currency is shown in the
    currency it had before and after."""
    moved = next((c for c in entry.changes if c.field == "currency"), None)
    was = str(moved.before) if moved and moved.before else currency
    now = str(moved.after) if moved and moved.after else currency
    return "; ".join(
        f"{FIELD_NAMES.get(c.field, c.field)} {_value(c, c.before, was)} → {_value(c, c.after, now)}"
        for c in entry.changes
    )


def _line(entry: Entry, tz: str, currency: str | None) -> str:
    who = user(entry.who_slack_id) if entry.who_slack_id else "someone"
    at = when(entry.at, tz)
    if entry.what == "changed" and entry.because is not None:
        # A lifecycle the bot moved, because of what this person did to a deal.
        title, how = entry.because
        parts = [
            f"{FIELD_NAMES.get(c.field, c.field)} {_value(c, c.before)} → {_value(c, c.after)}"
            for c in entry.changes
        ]
        return f"{at} · 🤖 moved {'; '.join(parts)} as {esc(title)} was {how} by {who}"
    if entry.what == "changed":
        if len(entry.changes) == 1 and entry.changes[0].field == "stage_id":
            c = entry.changes[0]
            return f"{at} · {who} moved it {_value(c, c.before)} → {_value(c, c.after)}"
        return f"{at} · {who} changed " + _parts(entry, currency)
    if entry.what == "undone" and entry.changes:
        return f"{at} · {who} undid a change: " + _parts(entry, currency)
    verbs = {
        "created": "added it",
        "undone": "undid a change",
        "removed": "removed it",
        "deleted": "deleted it",
        "restored": "restored it",
    }
    if entry.what == "merged":
        return f"{at} · {who} merged {esc(entry.summary)} into it"
    if entry.what in verbs:
        verb = verbs[entry.what]
        return f"{at} · {who} {verb}"
    summary = f": {esc(entry.summary[:200])}" if entry.summary else ""
    return f"{at} · {who} logged {a(entry.what)}{summary}"


def timeline_card(t: Timeline, tz: str, offset: int) -> list[Any]:
    lines = [_line(e, tz, t.currency) for e in t.entries] or ["_nothing recorded yet_"]
    shown_to = offset + len(t.entries)
    older = None
    if shown_to < t.total:
        value = {
            "i": "show_history",
            "s": {"record": t.record_id, "record_type": t.record_type, "offset": shown_to},
        }
        older = button("Older", ids.CONFIRM, value)
    return compact(
        [
            header(f"History of {t.title}"[:150]),
            section("\n".join(lines)),
            context(
                f"{offset + 1}–{shown_to} of {t.total} · {t.record_type}" if t.entries else t.record_type
            ),
            actions(older) if older else None,
        ]
    )


def show_history(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    offset = max(0, int(slots.get("offset") or 0))
    t = ctx.crm.timeline(ctx.actor, slots["record"], slots.get("record_type"), offset=offset)
    return Reply(f"History of {t.title}: {t.total} entries", timeline_card(t, ctx.tz, offset))


def history_verb(ctx: Ctx, args: str) -> Reply:
    if not args.strip():
        return Reply.say("Whose history? For example: `/crm history Acme renewal`")
    # "history of Jane", "history for the Acme deal": the words joining "history" to its record are not its name
    record = re.sub(r"^(?:of|for|on|about)\s+(?:the\s+)?", "", args.strip(), flags=re.I)
    return execute(ctx, {"intent": "show_history", "slots": {"record": record or args.strip()}})


SPECS = (
    IntentSpec(
        "show_history",
        show_history,
        verbs=(
            Verb(
                "history",
                "history NAME",
                "A deal's, contact's or company's history: who changed what and when, and what was logged on it.",
                "Deals",
                ("history Acme renewal",),
                run=history_verb,
            ),
        ),
    ),
)
