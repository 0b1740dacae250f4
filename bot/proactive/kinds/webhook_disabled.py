"""The DM an admin gets when the scheduler turns off a webhook endpoint that kept failing (planned by
bot/scheduler/webhooks.py, in the transaction that disables it): which URL, since when, the last
error, and how to turn it back on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import Block, SectionBlock

from bot.blocks.common import esc
from bot.proactive.blockkit import dicts, local_time, md
from bot.proactive.kind import Kind, Rendered

NAME = "webhook_disabled"


def render(payload: dict[str, Any], *, late: bool = False, now: datetime | None = None) -> Rendered:
    since = datetime.fromisoformat(str(payload["since"]))
    number = payload["endpoint_id"]
    text = (
        f"⚠️ I turned off webhook #{number} ({payload['url']}): every delivery to it has failed since "
        f"{local_time(since, str(payload.get('tz') or 'UTC'))}. Last error: {payload.get('error') or 'unknown'}. "
        f"Events are no longer sent to it; `/crm webhooks enable {number}` turns it back on."
    )
    blocks: list[Block] = [SectionBlock(text=md(esc(text)))]
    return text, dicts(blocks)


KIND = Kind(name=NAME, render=render)
