"""``/crm report subscribe``, ``report subscriptions`` (with a Remove button on each) and ``report
unsubscribe N``: channels' standing orders for a report (bot/services/report_subscriptions.py), posted
by the scheduler (bot/proactive/kinds/report.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.models.blocks import Block

from bot.blocks import cards, ids
from bot.blocks.common import button, section
from bot.blocks.messages import REPORT_SUBSCRIBE_USAGE
from bot.commands.registry import Ctx, Reply, command
from bot.intents.reports import take_pipeline
from bot.proactive.blockkit import local_time
from bot.services.errors import Invalid
from bot.services.report_subscriptions import (
    MEASURE_NAMES,
    PERIOD_NAMES,
    ReportSubscriptions,
    ReportSubscriptionView,
    read_order,
)
from bot.slack.reply import make_ctx, respond_with, safely
from handlers.proactive import channel_of


def _service(ctx: Ctx) -> ReportSubscriptions:
    return ReportSubscriptions(ctx.sessions, ctx.now)


def describe(v: ReportSubscriptionView) -> str:
    """``the team's forecast (this quarter), weekly on Monday at 08:30 (America/New_York)``; ``the
    team's deals won in Renewals (last week), …`` for one pipeline."""
    who = f"<@{v.owner_slack_id}>'s" if v.owner_slack_id else "the team's"
    where = f" in {v.pipeline}" if v.pipeline else ""
    return f"{who} {MEASURE_NAMES[v.measure]}{where} ({PERIOD_NAMES[v.period]}), {v.schedule()} ({v.tz})"


def _line(v: ReportSubscriptionView) -> str:
    return f"*#{v.id}* <#{v.channel_id}>: {describe(v)} · next {local_time(v.next_run_at, v.tz)}"


@command(
    "report subscribe",
    usage=(
        "report subscribe MEASURE #channel daily|weekly DAYS [HH:MM] [PERIOD] [@someone|mine|team]"
        " [pipeline NAME] [in ZONE]"
    ),
    examples=[
        "report subscribe forecast #sales-leads weekly mon 08:30",
        "report subscribe won #renewals weekly mon 08:30 pipeline Renewals",
        "report subscribe won #sales daily 18:00 this week",
        "report subscribe activity #team weekly mon,thu 09:00 last week in Europe/Paris",
    ],
    group="Pipeline",
)
def report_subscribe(ctx: Ctx, args: str) -> Reply:
    """Post a report (with its chart) to a channel every day or on some weekdays, at a time in your zone or
    one you name; every pipeline's deals, or one's with `pipeline NAME`."""
    pipeline, args = take_pipeline(ctx, args)
    order = replace(read_order(args), pipeline=pipeline)
    if order.channel is None and (not ctx.channel_id or ctx.channel_id.startswith("D")):
        raise Invalid("report_subscription.channel.missing", field="channel")
    channel, name = channel_of(ctx, order.channel)
    written = _service(ctx).subscribe(ctx.actor, order, channel, channel_name=name)
    v = written.subscription
    line = f"📊 <#{v.channel_id}> will get {describe(v)}."
    lines = [
        f"First one: {local_time(v.next_run_at, ctx.tz)} your time. `/crm report subscriptions` lists them."
    ]
    return Reply(line, cards.written(line, lines, op_id=written.op_id))


def _list(ctx: Ctx) -> Reply:
    found = _service(ctx).list(ctx.actor)
    if not found:
        return Reply.say(
            f"No channel gets a report yet. {REPORT_SUBSCRIBE_USAGE.replace('For example: ', 'Try ')}."
        )
    blocks: list[Block] = [section("*Report subscriptions*")]
    for v in found[:45]:
        blocks.append(
            section(_line(v), accessory=button("Remove", ids.REPORT_SUB_REMOVE, str(v.id), style="danger"))
        )
    text = "Report subscriptions:\n" + "\n".join(_line(v) for v in found)
    return Reply(text, blocks)


@command(
    "report subscriptions",
    usage="report subscriptions",
    examples=["report subscriptions"],
    group="Pipeline",
)
def report_subscriptions(ctx: Ctx, args: str) -> Reply:
    """The reports channels get, each with its number and a Remove button."""
    return _list(ctx)


def _remove(ctx: Ctx, ref: str) -> Reply:
    written = _service(ctx).unsubscribe(ctx.actor, ref)
    v = written.subscription
    line = f"🔕 Stopped #{v.id}: <#{v.channel_id}> no longer gets {describe(v)}."
    return Reply(line, cards.written(line, [], op_id=written.op_id))


@command(
    "report unsubscribe",
    usage="report unsubscribe N",
    examples=["report unsubscribe 3"],
    group="Pipeline",
)
def report_unsubscribe(ctx: Ctx, args: str) -> Reply:
    """Stop a report subscription, by the number /crm report subscriptions shows."""
    return _remove(ctx, args.strip())


def ack_only(ack: Ack) -> None:
    ack()


def on_remove(body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Remove, pressed on a line of the list: the removal (with Undo) replaces the list."""
    ctx = make_ctx(context, body, "action")
    reply = safely(ctx, lambda: _remove(ctx, str(action.get("value") or "")))
    respond_with(respond, reply, share=False, replace=True)


def register(app: App) -> None:
    app.action(ids.REPORT_SUB_REMOVE)(ack=ack_only, lazy=[on_remove])
