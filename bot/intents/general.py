"""What is about no record: help, not understood, and undoing one's last change."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.blocks import cards
from bot.commands.help import help_reply
from bot.commands.registry import Ctx, Reply
from bot.dispatch import stage_keys, unknown
from bot.spec import IntentSpec, Verb

UNDO_RECENT = timedelta(minutes=15)


def help_intent(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    return help_reply("", stage_keys(ctx))


def help_verb(ctx: Ctx, args: str) -> Reply:
    return help_reply(args, stage_keys(ctx))


def unknown_intent(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    return unknown(ctx)


def undo_last(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    # "Undo" typed means what was just done: said again and again it must not walk back through
    # weeks of history. Older changes are undone from their own card, where one sees what they were.
    op_id = slots.get("op") or ctx.crm.last_op(ctx.actor, within=UNDO_RECENT)
    if not op_id:
        minutes = int(UNDO_RECENT.total_seconds() // 60)
        return Reply.say(
            f"There is nothing of yours from the last {minutes} minutes to undo. "
            "An older change is undone with the Undo button on its card."
        )
    return undo_op(ctx, op_id)


def undo_op(ctx: Ctx, op_id: str) -> Reply:
    """The Undo button of a card: that change undone."""
    done = ctx.crm.undo(ctx.actor, op_id)
    return Reply("Undone: " + "; ".join(done.summary), cards.undone(done.summary))


SPECS = (
    IntentSpec(
        "help",
        help_intent,
        verbs=(
            Verb(
                "help",
                "help [TOPIC]",
                "This list; `help deals` shows one part of it.",
                "Other",
                ("help deals",),
                run=help_verb,
            ),
        ),
    ),
    IntentSpec("unknown", unknown_intent),
    IntentSpec("undo", undo_last, verbs=(Verb("undo", "undo", "Undo your last change.", "Other"),)),
)
