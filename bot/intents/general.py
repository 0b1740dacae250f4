"""What is about no record: help, not understood, and undoing one's last change."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.blocks import cards, imports
from bot.commands.help import help_reply
from bot.commands.registry import Ctx, Reply
from bot.dispatch import stage_keys, unknown
from bot.services.dataio.importer import Importer
from bot.spec import IntentSpec, Verb

# "Undo" typed takes back one's own change of the last hour at once; anything older, or a change whose
# records someone else holds now (a task given to them, their deal moved), is asked about first, naming
# what and whose, so saying it again and again never walks back through old work silently.
UNDO_RECENT = timedelta(hours=1)


def help_intent(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    return help_reply("", stage_keys(ctx))


def help_verb(ctx: Ctx, args: str) -> Reply:
    return help_reply(args, stage_keys(ctx))


def unknown_intent(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    return unknown(ctx)


def undo_last(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    op_id = slots.get("op") or ctx.crm.last_op(ctx.actor)
    if not op_id:
        return Reply.say("There is nothing of yours to undo.")
    batch = Importer(ctx.sessions).of_op(ctx.actor, op_id)
    if batch is not None:
        # The teammates an import added are its own: only its whole undo takes them back.
        return Reply(*imports.undo_offer(batch))
    if not slots.get("force"):
        preview = ctx.crm.undo_preview(ctx.actor, op_id)
        age = ctx.crm.now() - preview.at
        if age > UNDO_RECENT or preview.others:
            text = _undo_question(preview.what, age, preview.others)
            pending = {"intent": "undo", "slots": {"op": op_id}}
            return Reply(text, cards.ask_first(text, pending, "Undo it"))
    return undo_op(ctx, op_id)


def _ago(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 2:
        return "just now"
    if minutes < 120:
        return f"{minutes} minutes ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} hours ago"
    return f"{minutes // (24 * 60)} days ago"


def _undo_question(what: list[str], age: timedelta, others: list[tuple[str, str, str]]) -> str:
    text = f"Your last change, made {_ago(age)}: {'; '.join(what) or 'nothing left'}."
    if others:
        whose = "; ".join(f"{name} is the {part} of {label}" for name, part, label in others)
        text += f" Undoing it touches other people's work: {whose}."
    return text + " Undo it?"


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
