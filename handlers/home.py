"""App Home: the person's dashboard, published when they open the tab and again after their own changes."""

from __future__ import annotations

import weakref
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.models.views import View

from bot.blocks import cards, ids
from bot.commands.registry import Ctx, Reply
from bot.slack.reply import make_ctx

# Who has opened the tab since this process started, per CRM: only their tab is kept fresh after a
# change (Slack advises publishing only for people who look at it; a restart forgets, and the next
# opening publishes anew).
_SEEN: weakref.WeakKeyDictionary[Any, set[tuple[str, str]]] = weakref.WeakKeyDictionary()


def ack_event(ack: Ack) -> None:
    ack()


def publish(ctx: Ctx) -> None:
    blocks = cards.home(ctx.actor.name, ctx.crm.dashboard(ctx.actor), ctx.tz)
    view = View(type="home", blocks=blocks)
    ctx.client.views_publish(user_id=ctx.user_id, view=view)  # type: ignore[union-attr]


def on_home_opened(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    if event.get("tab", "home") != "home":
        return
    ctx = make_ctx(context, body, "home")
    _SEEN.setdefault(ctx.crm, set()).add((ctx.team_id, ctx.user_id))
    publish(ctx)


def wrote(reply: Reply) -> bool:
    """Whether an answer confirms a write: such answers carry an Undo button."""
    return any(
        el.get("action_id") == ids.UNDO
        for block in reply.blocks_json()
        for el in [*(block.get("elements") or []), block.get("accessory") or {}]
    )


def refresh_after(ctx: Ctx, reply: Reply) -> None:
    """After the person's own write, their tab again, if they have it open in this process's memory."""
    if ctx.client is not None and wrote(reply) and (ctx.team_id, ctx.user_id) in _SEEN.get(ctx.crm, ()):
        publish(ctx)


def register(app: App) -> None:
    app.event("app_home_opened")(ack=ack_event, lazy=[on_home_opened])
