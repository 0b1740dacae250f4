"""App Home: the person's open tasks and deals, published whenever they open the tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.models.views import View

from bot.blocks import cards
from bot.commands.registry import Ctx
from bot.slack.reply import make_ctx


def ack_event(ack: Ack) -> None:
    ack()


def publish(ctx: Ctx) -> None:
    tasks = ctx.crm.list_tasks(ctx.actor, scope="all", limit=20)
    deals = ctx.crm.list_deals(ctx.actor, owner=ctx.user_id, limit=20)
    blocks = cards.home(ctx.actor.name, tasks, deals, ctx.tz)
    view = View(type="home", blocks=blocks)
    ctx.client.views_publish(user_id=ctx.user_id, view=view)  # type: ignore[union-attr]


def on_home_opened(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    if event.get("tab", "home") != "home":
        return
    publish(make_ctx(context, body, "home"))


def register(app: App) -> None:
    app.event("app_home_opened")(ack=ack_event, lazy=[on_home_opened])
