"""``/crm webhooks``: the endpoints an admin registered for record events (bot/services/webhooks.py),
with how their deliveries went; ``add``, ``remove``, ``enable`` and ``test`` them."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import cards
from bot.blocks.common import esc
from bot.blocks.messages import WEBHOOK_USAGE
from bot.commands.registry import Ctx, Reply, command
from bot.proactive.blockkit import local_time
from bot.services.errors import Invalid
from bot.services.webhooks import (
    DELIVERY_HEADER,
    EVENTS,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookView,
)


def _line(v: WebhookView, tz: str) -> str:
    events = "all events" if set(v.events) == set(EVENTS) else ", ".join(v.events)
    parts = [f"*#{v.id}* {esc(v.url)} · {events}"]
    if v.disabled_at is not None:
        parts.append(
            f"🔴 turned off {local_time(v.disabled_at, tz)} after failing; `/crm webhooks enable {v.id}`"
        )
    if v.last_delivery_at is not None:
        parts.append(f"last delivery {local_time(v.last_delivery_at, tz)} ({v.last_status or 'ok'})")
    else:
        parts.append("no delivery yet")
    if v.last_error and v.last_error_at is not None:
        parts.append(f"last error {local_time(v.last_error_at, tz)}: {esc(v.last_error[:200])}")
    if v.failing_since is not None and v.disabled_at is None:
        parts.append(f"failing since {local_time(v.failing_since, tz)}")
    return "• " + " · ".join(parts)


def _number(word: str) -> int:
    text = word.strip().lstrip("#")
    if not text.isdigit():
        raise Invalid("webhook.number", field="number", value=word)
    return int(text)


def _add(ctx: Ctx, rest: str) -> Reply:
    words = rest.split()
    if not words:
        raise Invalid("webhook.url.missing", field="url")
    url, events = words[0], words[1:]
    if events and events[0].lower() in ("events", "event", "for", "on"):
        events = events[1:]
    written = ctx.crm.webhooks.add(ctx.actor, url, events)
    v = written.webhook
    line = f"🪝 Webhook #{v.id} added: {esc(v.url)} gets {', '.join(v.events)}."
    lines = [
        f"Signing secret (shown this once, keep it safe): `{written.secret}`",
        f"Each delivery is signed: `{SIGNATURE_HEADER}: v0=HMAC-SHA256(secret, v0:<{TIMESTAMP_HEADER}>:<body>)`; "
        f"`{DELIVERY_HEADER}` is the same on a retry. `/crm webhooks test {v.id}` sends a test event.",
    ]
    text = "\n".join([line, *lines])
    # The secret goes to the admin alone, whatever was asked.
    return Reply(text, cards.written(line, lines, op_id=written.op_id), share=False)


def _list(ctx: Ctx) -> Reply:
    found = ctx.crm.webhooks.list(ctx.actor)
    if not found:
        return Reply.say(f"No webhooks yet. {WEBHOOK_USAGE.replace('For example: ', 'Add one: ')}.")
    return Reply.say("Webhooks:\n" + "\n".join(_line(v, ctx.tz) for v in found))


@command(
    "webhooks",
    usage="webhooks [add URL [events created,updated,stage_changed,won,lost,deleted] | remove N | test N | enable N]",
    examples=[
        "webhooks",
        "webhooks add https://hooks.example.com/crm events won,lost",
        "webhooks test 1",
        "webhooks remove 1",
    ],
    group="Other",
)
def webhooks(ctx: Ctx, args: str) -> Reply:
    """Tell other systems what changed: URLs sent a signed event when a contact, company, deal or task changes (admins)."""
    verb, _, rest = args.strip().partition(" ")
    verb = verb.lower()
    if not verb or verb in ("list", "show"):
        return _list(ctx)
    if verb == "add":
        return _add(ctx, rest)
    service = ctx.crm.webhooks
    if verb in ("remove", "delete", "rm"):
        written = service.remove(ctx.actor, _number(rest))
        line = f"🗑️ Webhook #{written.webhook.id} removed: {esc(written.webhook.url)} gets no more events."
        return Reply(line, cards.written(line, [], op_id=written.op_id))
    if verb in ("enable", "on", "resume"):
        written = service.enable(ctx.actor, _number(rest))
        line = f"🟢 Webhook #{written.webhook.id} is on again: {esc(written.webhook.url)}."
        return Reply(line, cards.written(line, [], op_id=written.op_id))
    if verb == "test":
        number = _number(rest)
        delivery = service.test(ctx.actor, number)
        return Reply.say(
            f"📨 A signed `webhook.test` event is on its way to webhook #{number} "
            f"(`{DELIVERY_HEADER}: {delivery}`); `/crm webhooks` shows how it went."
        )
    if verb.startswith(("http:", "https:")):
        return _add(ctx, args.strip())
    raise Invalid("webhook.verb", field="verb", value=verb)


def register(app: App) -> None:
    """The verb is registered by the decorator above; nothing else to listen to."""
