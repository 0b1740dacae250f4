"""What answers the bot's own messages: the buttons on reminders, nudges and stale-deal alerts; the
``/crm subscribe``, ``unsubscribe`` and ``subscriptions`` verbs; and ``/crm pipeline`` as the full
summary (the same content the subscriptions post, chart included)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.models.blocks import Block

from bot.blocks import cards
from bot.blocks.common import context as context_block
from bot.blocks.messages import SUBSCRIBE_USAGE
from bot.charts import summary_chart_png
from bot.commands.registry import Ctx, Reply, command, intent_handler, phrase_handler
from bot.proactive import registry
from bot.proactive.blockkit import local_time
from bot.proactive.kinds.summary import summary_blocks
from bot.services.errors import Invalid
from bot.services.proactive import Proactive
from bot.services.subscriptions import Subscriptions, SubscriptionView, read_summary_request
from bot.services.summary import SummaryService
from bot.slack.reply import make_ctx, post_to_response_url, respond_with, safely

# ---- buttons -------------------------------------------------------------------------------------
# Each kind of proactive message owns its buttons and forms (bot.proactive.kinds); these listeners only
# route a press to its kind and carry the answer back to Slack.


def ack_only(ack: Ack) -> None:
    ack()


def press(ctx: Ctx, action: dict[str, Any]) -> Reply:
    """What a button on a proactive message does."""
    found = registry.button(action.get("action_id"))
    if found is None or found.press is None:
        raise Invalid("button.stale", field="action")
    return found.press(ctx, action)


def on_press(body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """The answer replaces the message; it goes below instead for a button that shows something (Open)
    and for one on a line of a grouped message (the nudge, the stale deals), which keeps its other lines
    and their buttons."""
    ctx = make_ctx(context, body, "action")
    reply = safely(ctx, lambda: press(ctx, action))
    found = registry.button(action.get("action_id"))
    below = (found is not None and found.below) or registry.answers_below(str(action.get("block_id", "")))
    respond_with(respond, reply, share=False, replace=not below)


def ack_with_modal(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    # views.open needs the trigger within 3 seconds, so the modal opens in the ack itself.
    ack()
    found = registry.button(action.get("action_id"))
    if found is None or found.modal is None:
        return
    context.client.views_open(trigger_id=body["trigger_id"], view=found.modal(body, action))


def on_submit(view: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    ctx = make_ctx(context, body, "view")
    found = registry.form(view.get("callback_id"))
    if found is None:
        return
    submit = found.submit
    response_url = found.reply_to(view)
    reply = safely(ctx, lambda: submit(ctx, view))
    if response_url:
        # Below the message the form came from, which stays as it was.
        post_to_response_url(response_url, reply, replace=False)
    else:
        context.client.chat_postMessage(channel=ctx.user_id, text=reply.text, blocks=reply.blocks_json())


# ---- /crm subscribe · unsubscribe · subscriptions --------------------------------------------------


def channel_of(ctx: Ctx, word: str | None) -> tuple[str, str | None]:
    """A channel as written (escaped ``<#C…|name>`` or an id), or the one the command was typed in."""
    if word and word.startswith("<#"):
        return word, None
    if word and word.lstrip("#").lower() in ("here", "this") or not word:
        if not ctx.channel_id or ctx.channel_id.startswith("D"):
            raise Invalid("subscription.channel.missing", field="channel")
        return ctx.channel_id, ctx.channel_name
    if (
        word.startswith("#")
        and ctx.channel_name
        and word[1:].lower() == ctx.channel_name.lower()
        and ctx.channel_id
    ):
        return ctx.channel_id, ctx.channel_name
    if word.startswith("#"):
        raise Invalid("subscription.channel.elsewhere", field="channel", value=word)
    return word, None


def _split(args: str) -> tuple[str | None, str]:
    words = args.strip().split(None, 1)
    if not words:
        return None, ""
    first = words[0]
    if first.startswith(("<#", "#")) or first.lower() in ("here", "this") or first[:1] in ("C", "G"):
        if first[:1] in ("C", "G") and not first[1:].isalnum():
            return None, args.strip()
        return first, words[1] if len(words) > 1 else ""
    return None, args.strip()


def _sub_line(v: SubscriptionView) -> str:
    return f"• <#{v.channel_id}> {v.describe()} · next {local_time(v.next_run_at, v.tz)}"


@command(
    "subscribe",
    usage="subscribe #channel daily 09:00 | weekly monday 09:00",
    examples=["subscribe #sales daily 09:00", "subscribe #sales weekly monday 08:30"],
    group="Pipeline",
)
def subscribe(ctx: Ctx, args: str) -> Reply:
    """Post the pipeline summary (with its chart) to a channel every day or week, at that time in your zone."""
    word, schedule = _split(args)
    if not schedule:
        raise Invalid("subscription.schedule.missing", field="schedule")
    channel, name = channel_of(ctx, word)
    written = Subscriptions(ctx.sessions, ctx.now).subscribe(ctx.actor, channel, schedule, channel_name=name)
    sub = written.subscription
    assert sub is not None
    line = f"📊 <#{sub.channel_id}> will get the pipeline summary {sub.describe()}."
    return Reply(
        line, cards.written(line, [f"First one: {local_time(sub.next_run_at, sub.tz)}."], op_id=written.op_id)
    )


@command(
    "unsubscribe",
    usage="unsubscribe #channel [daily|weekly]",
    examples=["unsubscribe #sales", "unsubscribe #sales weekly"],
    group="Pipeline",
)
def unsubscribe(ctx: Ctx, args: str) -> Reply:
    """Stop a channel's pipeline summaries: all of them, or only the daily or weekly one."""
    word, schedule = _split(args)
    request = read_summary_request(f"unsubscribe {args}") if schedule else None
    if request is not None:
        # "unsubscribe #sales from the weekly pipeline summary": only daily or weekly is the schedule.
        schedule = request.schedule
    channel, _ = channel_of(ctx, word)
    written = Subscriptions(ctx.sessions, ctx.now).unsubscribe(ctx.actor, channel, schedule or None)
    lines = [_sub_line(v) for v in written.removed]
    line = "🔕 Stopped: " + ("one summary" if len(lines) == 1 else f"{len(lines)} summaries") + "."
    return Reply(line + "\n" + "\n".join(lines), cards.written(line, lines, op_id=written.op_id))


@phrase_handler
def summary_order(ctx: Ctx, text: str) -> Reply | None:
    """ "post the pipeline summary in #sales every morning at 9" is /crm subscribe #sales daily 09:00."""
    request = read_summary_request(text)
    if request is None:
        return None
    args = f"{request.channel or ''} {request.schedule}".strip()
    return subscribe(ctx, args) if request.action == "subscribe" else unsubscribe(ctx, args)


@command(
    "subscriptions",
    usage="subscriptions [#channel|all]",
    examples=["subscriptions", "subscriptions all"],
    group="Pipeline",
)
def subscriptions(ctx: Ctx, args: str) -> Reply:
    """The pipeline summaries a channel gets (this one unless you name another; `all` for every channel)."""
    word = args.strip() or None
    service = Subscriptions(ctx.sessions, ctx.now)
    if word and word.lower() == "all":
        found, where = service.list(ctx.actor), "this workspace"
    else:
        in_dm = not word and (not ctx.channel_id or ctx.channel_id.startswith("D"))
        if in_dm:
            found, where = service.list(ctx.actor), "this workspace"
        else:
            channel, _ = channel_of(ctx, word)
            found = service.list(ctx.actor, channel)
            where = f"<#{found[0].channel_id}>" if found else "this channel"
            if not found and not word:
                # None here, but the workspace may have some (subscribed from another channel): each
                # line names the channel it posts to.
                others = service.list(ctx.actor)
                if others:
                    text = "No pipeline summaries in this channel. In this workspace:\n" + "\n".join(
                        _sub_line(v) for v in others
                    )
                    return Reply.say(text)
    if not found:
        return Reply.say(
            f"No pipeline summaries in {where} yet. {SUBSCRIBE_USAGE.replace('For example: ', 'Try ')}."
        )
    text = f"Pipeline summaries in {where}:\n" + "\n".join(_sub_line(v) for v in found)
    return Reply.say(text)


@command("stale days", usage="stale days [N]", examples=["stale days", "stale days 21"], group="Pipeline")
def stale_days(ctx: Ctx, args: str) -> Reply:
    """How many quiet days make an open deal stale (its owner is told once); managers can change it."""
    service = Proactive(ctx.crm)
    text = args.strip()
    if not text:
        days = service.stale_days(ctx.actor)
        state = f"after {days} days without activity" if days else "never (alerts are off)"
        return Reply.say(
            f"Open deals are flagged to their owner {state}. Change it with `/crm stale days 21`."
        )
    if not text.isdigit():
        raise Invalid("stale.days.unreadable", field="days", value=text)
    days = int(text)
    op_id = service.set_stale_days(ctx.actor, days)
    line = f"⚙️ Deals now count as stale after {days} quiet days." if days else "⚙️ Stale-deal alerts are off."
    return Reply(line, cards.written(line, [], op_id=op_id))


@command("currency", usage="currency [CODE]", examples=["currency", "currency EUR"], group="Other")
def currency(ctx: Ctx, args: str) -> Reply:
    """The currency an amount written without one is read in; managers and admins change it (nothing
    saved is converted)."""
    code = args.strip()
    if not code:
        now = ctx.crm.workspace_currency(ctx.actor)
        other = "USD" if now == "EUR" else "EUR"
        return Reply.say(
            f"Amounts written without a currency are read as {now}. "
            f"A manager or an admin changes it with `/crm currency CODE`, like `/crm currency {other}`."
        )
    written = ctx.crm.set_workspace_currency(ctx.actor, code)
    if not written.changed:
        return Reply.say(f"Amounts without a currency are already read as {code.upper()}.")
    was, wanted = written.changed["currency"]
    line = f"💱 Amounts written without a currency are now read as {wanted} (was {was})."
    lines = ["Amounts already saved keep their currency; nothing is converted."]
    return Reply(line, cards.written(line, lines, op_id=written.op_id))


# ---- /crm pipeline: the full summary on demand -----------------------------------------------------


def pipeline_reply(ctx: Ctx) -> Reply:
    """The summary the subscriptions post, for the person asking, in their zone; the chart goes to the
    channel when they share it, or to their DM with the bot otherwise (an ephemeral reply has no files).
    The figures answer first; drawing and uploading the chart (several times their cost) runs after them."""
    service = SummaryService(ctx.sessions, ctx.services.clock)
    # "pipeline renewals": one of the team's pipelines, named as they call it.
    named = service.pipeline_named_in(ctx.actor, ctx.text)
    summary = service.pipeline_summary(ctx.actor, pipeline=named)
    text, shown = summary_blocks(summary, title=f"Pipeline: {named}" if named else "Pipeline")
    result: list[Block] = list(shown)
    client = ctx.client
    if client is None:
        return Reply(text, result)
    target = ctx.channel_id if ctx.share and ctx.channel_id else ctx.user_id

    def upload_chart() -> None:
        to = target
        if to.startswith("U"):
            opened = client.conversations_open(users=to)
            to = str((opened.get("channel") or {}).get("id") or to)
        client.files_upload_v2(
            channel=to,
            file=summary_chart_png(summary),
            filename="pipeline.png",
            title="Pipeline: amount by stage",
            request_file_info=False,
        )

    if not ctx.share:
        result.append(context_block("📈 The chart is in your DM with me."))
    return Reply(text, result, after=[upload_chart])


@intent_handler("pipeline_summary")
def pipeline_summary(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    if slots.get("owner"):
        # One person's pipeline stays the per-owner card.
        from bot.intents import pipeline_summary as per_owner

        return per_owner(ctx, slots)
    return pipeline_reply(ctx)


def register(app: App) -> None:
    for button in registry.buttons():
        if button.modal is not None:
            app.action(button.action_id)(ack_with_modal)
        else:
            app.action(button.action_id)(ack=ack_only, lazy=[on_press])
    for form in registry.forms():
        app.view(form.callback_id)(ack=ack_only, lazy=[on_submit])
