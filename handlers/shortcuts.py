"""Shortcuts: the global ones ("New contact", "New deal", "New task", "Log interaction") open an empty form,
the message ones ("Log to CRM", "Create task from message") open one filled from the message. The forms
are the intents' own (submitted through handlers/views.py); their record fields are pickers
(handlers/options.py)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import (
    CheckboxesElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
)

from bot.blocks import ids, modals
from bot.blocks.common import esc
from bot.commands.registry import Ctx, Reply
from bot.dispatch import form_of
from bot.intents.capture import log_slots, task_slots
from bot.slack.reply import make_ctx, post

log = logging.getLogger(__name__)

GLOBAL = {
    ids.NEW_CONTACT: "create_contact",
    ids.NEW_DEAL: "create_deal",
    ids.NEW_TASK: "create_task",
    ids.LOG_INTERACTION: "log_interaction",
}
ON_MESSAGE = {ids.LOG_MESSAGE: "log_interaction", ids.TASK_FROM_MESSAGE: "create_task"}
THREAD_NOTE_LABEL = "Say in the thread that it was logged (a quiet reply, no notification)"


def ack_shortcut(ack: Ack) -> None:
    ack()


def on_global(body: dict[str, Any], context: BoltContext) -> None:
    ctx = make_ctx(context, body, "shortcut")
    open_form(ctx, body, GLOBAL[body["callback_id"]], {"assignee": ctx.user_id}, {})


def on_message(body: dict[str, Any], context: BoltContext) -> None:
    ctx = make_ctx(context, body, "shortcut")
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or ctx.channel_id
    ts = message.get("ts") or body.get("message_ts")
    author = outside_author(ctx, message.get("user"))
    intent = ON_MESSAGE[body["callback_id"]]
    text = message.get("text") or ""
    writer = message.get("user")
    if intent == "log_interaction":
        slots = log_slots(ctx, text, ts, author, writer)
    else:
        slots = task_slots(ctx, text, author, ts, writer)
    link = permalink(ctx, channel, ts)
    extra: dict[str, Any] = {"pl": link, "th": [channel, message.get("thread_ts") or ts]}
    open_form(ctx, body, intent, slots, extra)


def open_form(
    ctx: Ctx, body: dict[str, Any], intent: str, slots: dict[str, Any], extra: dict[str, Any]
) -> None:
    """The intent's form for a new record, prefilled with ``slots``; ``extra`` (the message's permalink
    and thread) travels in the metadata to the submit."""
    form = form_of(intent, "new")
    if form is None:
        return
    shown = {s.split(".")[0] for s in form.slots()}
    slots = {k: v for k, v in slots.items() if k in shown and v not in (None, "")}
    meta = {"m": "new", "f": "new", "ids": {}, "r": {}, "ru": None, "ch": ctx.channel_id, **extra}
    view = modals.build(intent, form, slots, meta=meta, tz=ctx.tz, choices=workspace_choices(ctx, form))
    if extra.get("th"):
        view.blocks = [*view.blocks, *message_blocks(extra.get("pl"), intent)]
    try:
        ctx.client.views_open(trigger_id=body["trigger_id"], view=view)  # type: ignore[union-attr]
    except SlackApiError as exc:
        # Slack gives three seconds to open a form: say so rather than do nothing.
        log.warning("views.open failed: %s", exc.response.get("error"))
        sorry = Reply.say("I couldn't open the form in time. Please use the shortcut again.")
        post(ctx.client, sorry, channel=ctx.user_id)  # type: ignore[arg-type]


def workspace_choices(ctx: Ctx, form: modals.Form) -> dict[str, list[tuple[str, str]]]:
    """The workspace's own lists the form's selects offer: its pipeline stages, as the database has them."""
    if not any(f.choices_of == "stages" for f in form.fields):
        return {}
    return {"stages": [(key, name) for key, name, _closed in ctx.crm.stages(ctx.actor)]}


def message_blocks(link: str | None, intent: str) -> list[Any]:
    blocks: list[Any] = []
    if link:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"From <{link}|this message>")]))
    if intent == "log_interaction":
        note = CheckboxesElement(action_id="v", options=[Option(value="yes", label=THREAD_NOTE_LABEL)])
        blocks.append(
            InputBlock(
                block_id=ids.THREAD_NOTE, label=PlainTextObject(text="Thread"), element=note, optional=True
            )
        )
    return blocks


def outside_author(ctx: Ctx, user_id: str | None) -> str | None:
    """The name of a message's writer who is not of this workspace (a customer in a shared channel):
    the contact the message was with. A teammate's message names no contact by being theirs."""
    if not user_id or ctx.client is None:
        return None
    try:
        user = ctx.client.users_info(user=user_id).get("user") or {}
    except SlackApiError:
        return None
    team = user.get("team_id")
    if not team or team == ctx.team_id or user.get("is_bot"):
        return None
    profile = user.get("profile") or {}
    return profile.get("real_name") or user.get("real_name") or user.get("name")


def permalink(ctx: Ctx, channel: str | None, ts: str | None) -> str | None:
    if not channel or not ts or ctx.client is None:
        return None
    try:
        return (
            str(ctx.client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink") or "") or None
        )
    except SlackApiError as exc:
        log.warning("chat.getPermalink failed: %s", exc.response.get("error"))
        return None


def note_in_thread(ctx: Ctx, meta: dict[str, Any], summary: str) -> None:
    """The quiet confirmation a person asked for: one reply in the message's thread, not broadcast."""
    channel, thread_ts = (meta.get("th") or [None, None])[:2]
    if not channel or not thread_ts or ctx.client is None:
        return
    short = summary if len(summary) <= 200 else summary[:199] + "…"
    text = f"📝 <@{ctx.user_id}> logged this to the CRM: {esc(short)}"
    try:
        ctx.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text[:3000])
    except SlackApiError as exc:
        log.warning("thread note failed: %s", exc.response.get("error"))
        sorry = Reply.say("It is logged, but I couldn't reply in that thread (I may not be in the channel).")
        post(ctx.client, sorry, channel=ctx.user_id)


def register(app: App) -> None:
    for callback_id in GLOBAL:
        app.shortcut(callback_id)(ack=ack_shortcut, lazy=[on_global])
    for callback_id in ON_MESSAGE:
        app.shortcut(callback_id)(ack=ack_shortcut, lazy=[on_message])
