"""Buttons on the bot's cards: undo, next steps, answers to its questions, and the edit modal."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.errors import SlackApiError

from bot.blocks import ids, modals
from bot.blocks.common import unpack
from bot.commands.registry import Ctx, Reply
from bot.dispatch import execute, form_of, guarded
from bot.intents import advance_deal, create_and_continue, show_company, show_contact, show_deal, undo_op
from bot.intents.quotas import set_quota_confirmed
from bot.slack.reply import make_ctx, post, post_to_response_url, respond_with, safely
from handlers.home import publish, refresh_after
from handlers.shortcuts import GLOBAL, open_form, workspace_choices

log = logging.getLogger(__name__)
ACTION = re.compile(r"^crm_")


def ack_action(ack: Ack) -> None:
    ack()


# What each button's value must carry; a value without it was not made by this bot (or by an older one).
NEEDS: dict[str, tuple[str, ...]] = {
    ids.UNDO: ("op",),
    ids.DELETE: ("i", "s"),
    ids.TASK_DONE: ("task",),
    ids.DEAL_ADVANCE: ("deal", "to"),
    ids.CONFIRM: ("i", "s"),
    ids.PICK: ("i", "s"),
    ids.MERGE: ("i", "s"),
    ids.USE_EXISTING: ("contact",),
    ids.SHOW_CONTACT: ("contact",),
    ids.SHOW_DEAL: ("deal",),
    ids.SHOW_COMPANY: ("company",),
    ids.CREATE_ANYWAY: ("s",),
    ids.EDIT: ("i",),
    ids.OPEN_FORM: ("i",),
    ids.PAGE: ("i", "s"),
    ids.QUOTA_CURRENCY: ("p", "a", "from", "to"),
}
# Buttons that finish what a question asked (with the button's value), replacing the question.
FOLLOW_THROUGH: dict[str, Callable[[Ctx, dict[str, Any]], Reply]] = {
    ids.CREATE_THEN: create_and_continue,
    ids.QUOTA_CURRENCY: set_quota_confirmed,
}
# The requests a Previous / Next button may repeat: lists, which write nothing.
PAGED = {"list_records"}


def on_action(body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ctx = make_ctx(context, body, "action")
    action_id = action.get("action_id", "")
    value = unpack(action.get("value")) or {}
    name = re.sub(r"_\d+$", "", action_id)
    if not isinstance(value, dict) or any(key not in value for key in NEEDS.get(name, ())):
        log.warning("button %s with a value this bot did not make", name[:40])
        if body.get("response_url"):
            respond_with(respond, Reply.say("That button no longer does anything."), share=False)
        return
    if name == ids.OPEN_FORM and value["i"] in GLOBAL.values():
        # From App Home: the form a shortcut opens, for a new record.
        open_form(ctx, body, str(value["i"]), {"assignee": ctx.user_id}, {})
        return
    if name == ids.EDIT or name in (ids.LOG_FOLLOW_UP, ids.ADD_FOLLOW_UP):
        try:
            open_modal(ctx, body, name, value)
        except SlackApiError as exc:
            # Typically an expired trigger (Slack allows 3 seconds): say so rather than do nothing.
            log.warning("views.open failed: %s", exc.response.get("error"))
            if body.get("response_url"):
                sorry = Reply.say("I couldn't open the form in time. Please press the button again.")
                post_to_response_url(body["response_url"], sorry, replace=False)
        return
    # A refusal (already undone, not yours to change) answers beside the card and leaves it as it was.
    outcome: list[bool] = [False]

    def run() -> Reply:
        reply, outcome[0] = press(ctx, name, value)
        return reply

    reply = safely(ctx, run)
    replace = outcome[0]
    if body.get("response_url"):
        respond_with(respond, reply, share=False, replace=replace)
        refresh_after(ctx, reply)
    else:
        # App Home has no message to answer in: the answer goes to the person's DM with the bot.
        post(context.client, reply, channel=ctx.user_id)
        publish(ctx)


def press(ctx: Ctx, name: str, value: dict[str, Any]) -> tuple[Reply, bool]:
    """What a button does, and whether its answer replaces the message it was on."""
    if name == ids.UNDO:
        return undo_op(ctx, value["op"]), True
    if name == ids.CANCEL:
        return Reply.say("OK, nothing was saved."), True
    if name == ids.TASK_DONE:
        return execute(
            ctx, {"intent": "complete_task", "slots": {"task": int(value["task"])}}, confirmed=True
        ), not value.get("list")
    if name == ids.DEAL_ADVANCE:
        moved, reply = advance_deal(ctx, int(value["deal"]), value.get("from"), value["to"])
        return reply, moved
    if name == ids.PAGE and value["i"] in PAGED:
        return execute(ctx, {"intent": value["i"], "slots": value["s"]}), True
    if name in (ids.CONFIRM, ids.PICK):
        return execute(ctx, {"intent": value["i"], "slots": value["s"]}, confirmed=True), True
    if name == ids.DELETE and value["i"] == "delete_record":
        # Confirmed in Slack's dialog (a company's question comes next, beside the card).
        return execute(ctx, {"intent": "delete_record", "slots": value["s"]}, confirmed=True), False
    if name == ids.MERGE:
        return execute(ctx, {"intent": "merge_records", "slots": value["s"]}, confirmed=True), False
    if name == ids.USE_EXISTING:
        return guarded(ctx, lambda: show_contact(ctx, {"contact": int(value["contact"])})), True
    if name == ids.SHOW_CONTACT:
        return guarded(ctx, lambda: show_contact(ctx, {"contact": int(value["contact"])})), False
    if name == ids.SHOW_DEAL:
        return guarded(ctx, lambda: show_deal(ctx, {"deal": int(value["deal"])})), False
    if name == ids.SHOW_COMPANY:
        return guarded(ctx, lambda: show_company(ctx, {"company": int(value["company"])})), False
    if name == ids.CREATE_ANYWAY:
        slots = {**value["s"], "force": True}
        made = ("create_contact", "create_deal", "create_company")
        intent = value.get("i") if value.get("i") in made else "create_contact"
        return execute(ctx, {"intent": intent, "slots": slots}, confirmed=True), True
    if name in FOLLOW_THROUGH:
        return guarded(ctx, lambda: FOLLOW_THROUGH[name](ctx, value)), True
    log.warning("unknown action %s", name)
    return Reply.say("That button no longer does anything."), False


def open_modal(ctx: Ctx, body: dict[str, Any], name: str, value: dict[str, Any]) -> None:
    if name == ids.EDIT:
        intent, slots, mode = value["i"], dict(value.get("s") or {}), value.get("m", "new")
        labels = dict(value.get("l") or {})
        record_ids = value.get("ids") or {}
        if mode == "edit" and intent == "log_interaction" and record_ids.get("interaction"):
            # From the database, not the button: a button value is cut at 2,000 characters.
            current = ctx.crm.logged_values(ctx.actor, int(record_ids["interaction"]), record_ids.get("task"))
            if current is None:
                post_gone(ctx, body)
                return
            labels = current.pop("labels")
            slots = current
    elif name == ids.LOG_FOLLOW_UP:
        intent, mode, record_ids = "log_interaction", "new", {}
        ref_slot = "deal" if "deal" in value else "contact"
        slots = {"kind": value.get("kind", "call"), ref_slot: value[ref_slot]}
        labels = {ref_slot: value.get("label") or str(value[ref_slot])}
    else:
        intent, mode, record_ids = "create_task", "new", {}
        who = value.get("label") or ""
        slots = {"title": f"Follow up with {who}".strip(), "assignee": ctx.user_id}
        labels = {}
        if value.get("contact") is not None:
            slots["contact"] = value["contact"]
            if who:
                labels["contact"] = who
    form = form_of(intent)
    if form is None:
        return
    meta = {
        "m": mode,
        "ids": record_ids,
        "r": {k: slots.get(k) for k in labels},
        "ru": body.get("response_url"),
        "ch": ctx.channel_id,
        # Opened from a card that confirms a write: only another write may replace that card.
        "e": 1 if name == ids.EDIT else 0,
    }
    choices = workspace_choices(ctx, form)
    if intent in modals.CUSTOM_RECORD:
        form, more = modals.with_custom(form, ctx.crm.custom_fields(ctx.actor, modals.CUSTOM_RECORD[intent]))
        choices = {**choices, **more}
    view = modals.build(intent, form, slots, meta=meta, tz=ctx.tz, labels=labels, choices=choices)
    ctx.client.views_open(trigger_id=body["trigger_id"], view=view)  # type: ignore[union-attr]


def post_gone(ctx: Ctx, body: dict[str, Any]) -> None:
    reply = Reply.say("That record is gone (undone or deleted), so there is nothing to edit.")
    if body.get("response_url"):
        post_to_response_url(body["response_url"], reply, replace=False)


def register(app: App) -> None:
    app.action(ACTION)(ack=ack_action, lazy=[on_action])
