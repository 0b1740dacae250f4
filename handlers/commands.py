"""``/crm``: acknowledged at once; the text is understood and answered after the ack."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.errors import SlackApiError

from bot.blocks import cards
from bot.blocks.common import esc
from bot.commands.registry import Ctx, Reply, command
from bot.dispatch import handle_text
from bot.services.errors import Invalid
from bot.services.text import fold
from bot.slack.reply import make_ctx, respond_with, safely
from handlers.home import refresh_after

log = logging.getLogger(__name__)


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


ROOM_CHANNEL = re.compile(r"\s*<#([CG][A-Z0-9]+)(?:\|([^>]*))?>\s*$")


@command(
    "deal room",
    usage="deal room DEAL [#channel]",
    examples=["deal room Acme renewal", "deal room Acme renewal #acme-renewal"],
    group="Pipeline",
)
def deal_room(ctx: Ctx, args: str) -> Reply:
    """Give a deal its own channel (made for it, or one you name): its stage changes, win or loss and new
    tasks are posted there."""
    m = ROOM_CHANNEL.search(args)
    ref = (args[: m.start()] if m else args).strip()
    if not ref:
        raise Invalid("deal.room.missing", field="deal")
    deal = ctx.crm.resolve_deal(ctx.actor, ref)
    channel = m.group(1) if m else deal.room_channel_id or _create_room(ctx, deal.title)
    written = ctx.crm.set_deal_room(ctx.actor, deal.id, channel)
    _introduce(ctx, channel, deal.title)
    line = f"🏠 <#{channel}> is the room of *{esc(deal.title)}*: its stage changes, win or loss and new tasks go there."
    return Reply(line, cards.written(line, [], op_id=written.op_id))


def _create_room(ctx: Ctx, title: str) -> str:
    """A public channel named after the deal (``deal-acme-renewal``, then ``-2`` … if taken), with the
    person who asked for it in it."""
    base = ("deal-" + re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-"))[:76].rstrip("-")
    assert ctx.client is not None
    for n in range(1, 6):
        name = base if n == 1 else f"{base}-{n}"
        try:
            made = ctx.client.conversations_create(name=name, is_private=False)
        except SlackApiError as exc:
            if exc.response.get("error") == "name_taken":
                continue
            raise Invalid(
                "deal.room.create_failed", field="channel", error=str(exc.response.get("error"))
            ) from exc
        channel_id = str(made["channel"]["id"])
        try:
            ctx.client.conversations_invite(channel=channel_id, users=ctx.user_id)
        except SlackApiError as exc:
            log.warning("conversations.invite failed: %s", exc.response.get("error"))
        return channel_id
    raise Invalid("deal.room.create_failed", field="channel", error="name_taken")


def _introduce(ctx: Ctx, channel: str, title: str) -> None:
    assert ctx.client is not None
    try:
        ctx.client.chat_postMessage(channel=channel, text=f"🏠 This is the deal room of *{esc(title)}*.")
    except SlackApiError as exc:
        # A private channel the bot is not in: the room is linked, posts wait for an invitation.
        log.warning("deal room intro failed: %s", exc.response.get("error"))
        raise Invalid("deal.room.not_in_channel", field="channel", channel=channel) from exc
