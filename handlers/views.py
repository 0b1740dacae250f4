"""The intent modal's submission: checked in the ack (errors shown in the modal), written after it."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.blocks import ids, modals
from bot.commands.registry import Ctx, Reply
from bot.dispatch import form_of, submit_form
from bot.slack.dedupe import claim
from bot.slack.reply import make_ctx, post, post_to_response_url, safely
from handlers.home import refresh_after, wrote


def _read(view: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    meta = json.loads(view.get("private_metadata") or "{}")
    values = (view.get("state") or {}).get("values") or {}
    form = form_of(meta["i"], meta.get("f"))
    if form is None:
        raise ValueError(f"no form for intent {meta['i']!r}")
    slots, errors = modals.read(meta["i"], form, values)
    # A record given by id and left as it was keeps its id (a name could match someone else); in the
    # form of a record's own card, a changed name is that record renamed, not a search for another.
    for slot, label in (meta.get("l") or {}).items():
        record_id = (meta.get("r") or {}).get(slot)
        if record_id is None:
            continue
        renamed_to = form.renamed_by(slot)
        if slots.get(slot) != label and slots.get(slot) and renamed_to:
            slots[renamed_to] = slots[slot]
        if slots.get(slot) == label or renamed_to:
            slots[slot] = record_id
    # A record the button named that the form has no field for (the deal of "Log follow-up") still counts.
    shown = form.slots()
    for slot, record_id in (meta.get("r") or {}).items():
        if slot not in shown and record_id is not None and slot not in slots:
            slots[slot] = record_id
    return meta, slots, errors


def check(ack: Ack, view: dict[str, Any]) -> None:
    _, _, errors = _read(view)
    if errors:
        ack(response_action="errors", errors=errors)
    else:
        ack()


def submit(view: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    meta, slots, errors = _read(view)
    if errors:
        return
    services = context["services"]
    if not claim(services.sessions, f"view:{view.get('id')}", services.now()):
        return
    ctx = make_ctx(context, body, "view", channel_id=meta.get("ch"))
    if meta.get("pl") and meta["i"] == "log_interaction":
        slots["permalink"] = meta["pl"]
    reply = safely(ctx, lambda: apply(ctx, meta, slots))
    if wrote(reply) and _thread_note_wanted(view):
        from handlers.shortcuts import note_in_thread

        note_in_thread(ctx, meta, slots.get("summary") or meta["i"].replace("_", " "))
    if meta.get("ru"):
        # An edit that wrote nothing (no change, a problem) answers below the card, which keeps its Undo.
        replace = not meta.get("e") or wrote(reply)
        post_to_response_url(meta["ru"], reply, replace=replace)
    else:
        post(context.client, reply, channel=ctx.user_id)
    refresh_after(ctx, reply)


def _thread_note_wanted(view: dict[str, Any]) -> bool:
    state = ((view.get("state") or {}).get("values") or {}).get(ids.THREAD_NOTE) or {}
    return any(o.get("value") == "yes" for o in (state.get("v") or {}).get("selected_options") or [])


def apply(ctx: Ctx, meta: dict[str, Any], slots: dict[str, Any]) -> Reply:
    return submit_form(ctx, meta["i"], meta.get("m", "new"), meta.get("ids") or {}, slots)


def register(app: App) -> None:
    app.view(ids.INTENT_MODAL)(ack=check, lazy=[submit])
