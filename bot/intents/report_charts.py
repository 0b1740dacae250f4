"""Uploading a report's charts (bot/blocks/report_charts.py) after its figures are posted
(``Reply.after``): to the channel when the report was shared there, else to the asker's DM with the bot."""

from __future__ import annotations

from collections.abc import Callable

from bot.blocks.report_charts import charts, has_chart
from bot.blocks.reports import Report
from bot.charts import draw
from bot.commands.registry import Ctx


def upload_after(ctx: Ctx, report: Report, owner: str | None) -> Callable[[], None] | None:
    """What uploads the report's charts once the figures are posted; None for a report with no chart or
    no Slack client (the console and the tests have one)."""
    client = ctx.client
    if not has_chart(report) or client is None:
        return None
    # Read now, drawn later: a report with nothing to chart (no quotas set) promises no chart.
    specs = charts(ctx, report, owner)
    if not specs:
        return None
    target = ctx.channel_id if ctx.share and ctx.channel_id else ctx.user_id

    def upload() -> None:
        to = target
        if to.startswith("U"):
            opened = client.conversations_open(users=to)
            to = str((opened.get("channel") or {}).get("id") or to)
        for spec in specs:
            client.files_upload_v2(
                channel=to,
                file=draw(spec),
                filename=spec.filename,
                title=spec.caption or spec.title.split(":")[0],
                request_file_info=False,
            )

    return upload
