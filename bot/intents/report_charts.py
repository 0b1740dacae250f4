"""The charts of the reports that have a shape (the funnel, the forecast by month, the quota leaderboard),
drawn and uploaded after the figures are posted (``Reply.after``): to the channel when the report was
shared there, else to the asker's DM with the bot. The figures stay in the message as text, for screen
readers and the console; a chart only draws them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from bot.charts import bars_png
from bot.commands.registry import Ctx

Chart = tuple[str, bytes, str]  # filename, PNG, title


def figures(ctx: Ctx, report: str, start: date, end: date, owner: str | None) -> Any:
    """The report ``ctx.crm.<report>`` over the period, read once per request (reply and chart)."""
    key = (report, start, end, owner)
    if key not in ctx.figures:
        ctx.figures[key] = getattr(ctx.crm, report)(ctx.actor, start, end, owner)
    return ctx.figures[key]


def _funnel(ctx: Ctx, start: date, end: date, owner: str | None) -> list[Chart]:
    f = figures(ctx, "funnel", start, end, owner)
    if not f.added:
        return []
    labels = [st.name for st in f.stages] + ["Won"]
    png = bars_png(
        "Funnel: deals reaching each stage",
        labels,
        [("deals", [st.reached for st in f.stages] + [f.won])],
        "Deals",
    )
    return [("funnel.png", png, "Funnel")]


def _bucket(a: date, b: date) -> str:
    return f"{a:%b %Y}" if a.month == b.month else f"Q{(a.month - 1) // 3 + 1} {a.year}"


def _forecast(ctx: Ctx, start: date, end: date, owner: str | None) -> list[Chart]:
    f = figures(ctx, "forecast", start, end, owner)
    out = []
    for currency in sorted(f.amounts):  # one chart per currency: never one scale for two
        labels = [_bucket(a, b) for a, b, _ in f.buckets]
        plain = [float(sl.amounts.get(currency, 0)) for _, _, sl in f.buckets]
        weighted = [float(sl.weighted.get(currency, 0)) for _, _, sl in f.buckets]
        png = bars_png(
            f"Forecast ({currency}) by expected close",
            labels,
            [("amount", plain), ("weighted", weighted)],
            currency,
        )
        out.append((f"forecast-{currency.lower()}.png", png, f"Forecast in {currency}"))
    return out


def _quota(ctx: Ctx, start: date, end: date, owner: str | None) -> list[Chart]:
    a = figures(ctx, "attainment", start, end, owner)
    if not a.lines:
        return []
    labels = [x.name or x.slack_id for x in a.lines[:20]]
    png = bars_png(
        "Quota attainment", labels, [("% of quota", [100 * x.share for x in a.lines[:20]])], "% of quota"
    )
    return [("quota.png", png, "Quota leaderboard")]


CHARTS: dict[str, Callable[[Ctx, date, date, str | None], list[Chart]]] = {
    "funnel": _funnel,
    "forecast": _forecast,
    "quota": _quota,
}


def upload_after(
    ctx: Ctx, measure: str, start: date, end: date, owner: str | None
) -> Callable[[], None] | None:
    """What uploads the report's chart once the figures are posted; None for a report with no chart or
    no Slack client (the console and the tests have one)."""
    chart = CHARTS.get(measure)
    client = ctx.client
    if chart is None or client is None:
        return None
    target = ctx.channel_id if ctx.share and ctx.channel_id else ctx.user_id

    def upload() -> None:
        to = target
        if to.startswith("U"):
            opened = client.conversations_open(users=to)
            to = str((opened.get("channel") or {}).get("id") or to)
        for filename, png, title in chart(ctx, start, end, owner):
            client.files_upload_v2(
                channel=to, file=png, filename=filename, title=title, request_file_info=False
            )

    return upload
