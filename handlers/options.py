"""The forms' pickers (``external_select``): the options for what a person has typed so far, answered in
the ack itself (Slack shows nothing without them, and waits three seconds at most)."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.blocks.modals import OPTION_TEXT, typed_option
from bot.services.pickers import PICKABLE
from bot.slack.reply import make_ctx

log = logging.getLogger(__name__)
PICKER = re.compile(r"^pick_(\w+)$")


def options(ack: Ack, payload: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    m = PICKER.match(payload.get("action_id") or "")
    kind = m.group(1) if m else ""
    typed = str(payload.get("value") or "").strip()
    if kind not in PICKABLE:
        ack(options=[])
        return
    try:
        ctx = make_ctx(context, body, "options")
        found = ctx.crm.pick_options(ctx.actor, kind, typed)
    except Exception:
        # An empty list is what Slack can show; the person can still type the name as written.
        log.exception("picker %s failed", kind)
        found = []
    shown = [{"text": {"type": "plain_text", "text": label[:OPTION_TEXT]}, "value": v} for v, label in found]
    if (
        typed
        and kind != "person"
        and not any(label.split(" · ")[0].casefold() == typed.casefold() for _, label in found)
    ):
        # A name that is no record yet (a new company, a contact to be made): kept as typed, and read
        # on submit like a typed name.
        shown = [typed_option(typed).to_dict(), *shown[:99]]
    ack(options=shown)


def register(app: App) -> None:
    app.options(PICKER)(options)
