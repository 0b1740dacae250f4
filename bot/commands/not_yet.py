"""Intents the message contract defines that the bot serves only in part so far.

Where an older intent already does the job (a deal or contact card, a list of deals), the request is
served by it; everything else gets "I can't do that yet" and the closest help topic. Never a button that
would turn the question into a record ("Create contact “all customers”").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.blocks import cards
from bot.blocks.common import esc
from bot.commands.records import list_deals, show_contact, show_deal
from bot.commands.registry import Ctx, Reply, intent_handler
from bot.services.errors import NotFound

# What each intent would do, in words, and the help topic closest to it today.
NOT_YET: dict[str, tuple[str, str]] = {
    "create_company": ("add companies on their own", "contacts"),
    "update_company": ("change a company's details", "contacts"),
    "show_record": ("show that kind of record", "deals"),
    "list_records": ("list records that way", "deals"),
    "tag_record": ("tag records", "contacts"),
    "delete_record": ("delete records", "undo"),
    "merge_records": ("merge records", "contacts"),
    "report": ("answer that report", "pipeline"),
    "log_feedback": ("log NPS or CSAT answers", "log"),
}


def not_yet(intent: str) -> Reply:
    what, topic = NOT_YET[intent]
    text = f"I can't {what} yet."
    hint = f"The closest I can do: `/crm help {topic}`."
    return Reply(f"{text} {hint}", cards.problem_md(esc(text), hint))


def _show_record(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    record, kind = slots.get("record"), slots.get("record_type")
    if kind == "deal":
        return show_deal(ctx, {"deal": record})
    if kind == "contact":
        return show_contact(ctx, {"contact": record})
    if kind is None and record:
        try:
            return show_deal(ctx, {"deal": record})
        except NotFound:
            return show_contact(ctx, {"contact": record})
    return not_yet("show_record")


def _list_records(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    filters = {k for k, v in slots.items() if v not in (None, "", []) and k != "record_type"}
    if slots.get("record_type") == "deal" and filters <= {"owner", "stage"}:
        return list_deals(ctx, {k: slots.get(k) for k in ("owner", "stage")})
    return not_yet("list_records")


def _answer_not_yet(intent: str) -> Callable[[Ctx, dict[str, Any]], Reply]:
    def handler(ctx: Ctx, slots: dict[str, Any]) -> Reply:
        return not_yet(intent)

    return handler


def _register() -> None:
    served = {"show_record": _show_record, "list_records": _list_records}
    for intent in NOT_YET:
        intent_handler(intent, builtin=True)(served.get(intent) or _answer_not_yet(intent))


_register()
