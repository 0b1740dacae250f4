"""Direct messages to the bot and messages that mention it: the same understanding as ``/crm``."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.dispatch import handle_text
from bot.slack.reply import make_ctx, post, safely
from handlers.home import refresh_after
from handlers.imports import on_shared_file

MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


def ack_event(ack: Ack) -> None:
    ack()


def _from_a_person(event: dict[str, Any]) -> bool:
    return not (event.get("bot_id") or event.get("subtype") or not event.get("user"))


def on_direct_message(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    if (
        event.get("channel_type") == "im"
        and event.get("files")
        and event.get("user")
        and not event.get("bot_id")
    ):
        # A file shared with the bot: an import to preview (handlers/imports.py).
        return on_shared_file(event, body, context)
    if event.get("channel_type") != "im" or not _from_a_person(event):
        return
    ctx = make_ctx(context, body, "dm", channel_id=event.get("channel"))
    reply = safely(ctx, lambda: handle_text(ctx, event.get("text") or ""))
    post(context.client, reply, channel=event["channel"], thread_ts=event.get("thread_ts"))
    refresh_after(ctx, reply)


def on_mention(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    if not _from_a_person(event):
        return
    bot_user = context.bot_user_id
    text = event.get("text") or ""
    text = (
        text.replace(f"<@{bot_user}>", " ", 1)
        if bot_user and f"<@{bot_user}>" in text
        else MENTION.sub(" ", text, 1)
    )
    ctx = make_ctx(context, body, "mention", channel_id=event.get("channel"))
    reply = safely(ctx, lambda: handle_text(ctx, text))
    share = ctx.share if reply.share is None else reply.share
    post(
        context.client,
        reply,
        channel=event["channel"],
        ephemeral_user=None if share else event["user"],
        thread_ts=event.get("thread_ts"),
    )
    refresh_after(ctx, reply)


def register(app: App) -> None:
    app.event("message")(ack=ack_event, lazy=[on_direct_message])
    app.event("app_mention")(ack=ack_event, lazy=[on_mention])
