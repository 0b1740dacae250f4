"""``/crm``: acknowledged at once; the text is understood and answered after the ack."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.dispatch import handle_text
from bot.slack.reply import make_ctx, respond_with, safely
from handlers.home import refresh_after


def ack_command(ack: Ack) -> None:
    ack()


def run_command(body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Everything `/crm …` can do; see `/crm help`."""
    ctx = make_ctx(context, body, "command")
    reply = safely(ctx, lambda: handle_text(ctx, body.get("text") or ""))
    respond_with(respond, reply, share=ctx.share if reply.share is None else reply.share)
    refresh_after(ctx, reply)


def register(app: App) -> None:
    app.command("/crm")(ack=ack_command, lazy=[run_command])
