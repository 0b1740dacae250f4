"""The charts of the reports that have a shape: the funnel, the forecast by month, the quota leaderboard,
and the trends (won and lost, win rate, activity, satisfaction per period, which :func:`compose` reads
with the figures). What each chart draws, as a :class:`ChartSpec`; drawing it is :func:`bot.charts.draw`.
The figures stay in the message as text, for screen readers and the console; a chart only draws them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bot.blocks.reports import Asker, Report, figures, funnel_parts, scoped
from bot.charts import ChartSpec


def _funnel(ctx: Asker, start: date, end: date, owner: str | None, pipeline: str | None) -> list[ChartSpec]:
    """A chart per pipeline the funnel shows (each through its own stages)."""
    out = []
    for name in funnel_parts(ctx, pipeline):
        f = figures(ctx, "funnel", start, end, owner, name)
        if not f.added:
            continue
        labels = (*(st.name for st in f.stages), "Won")
        reached = (*(float(st.reached) for st in f.stages), float(f.won))
        out.append(
            ChartSpec(
                f"funnel-{_slug(name)}.png" if name else "funnel.png",
                f"{scoped('Funnel', name)}: deals reaching each stage",
                labels,
                (("deals", reached),),
                "Deals",
                caption=scoped("Funnel", name),
            )
        )
    return out


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-") or "pipeline"


def _bucket(a: date, b: date) -> str:
    return f"{a:%b %Y}" if a.month == b.month else f"Q{(a.month - 1) // 3 + 1} {a.year}"


def _forecast(ctx: Asker, start: date, end: date, owner: str | None, pipeline: str | None) -> list[ChartSpec]:
    f = figures(ctx, "forecast", start, end, owner, pipeline)
    out = []
    for currency in sorted(f.amounts):  # one chart per currency: never one scale for two
        labels = tuple(_bucket(a, b) for a, b, _ in f.buckets)
        plain = tuple(float(sl.amounts.get(currency, 0)) for _, _, sl in f.buckets)
        weighted = tuple(float(sl.weighted.get(currency, 0)) for _, _, sl in f.buckets)
        out.append(
            ChartSpec(
                f"forecast-{currency.lower()}.png",
                scoped(f"Forecast ({currency}) by expected close", pipeline),
                labels,
                (("amount", plain), ("weighted", weighted)),
                currency,
                caption=f"Forecast in {currency}" + (f" · {pipeline}" if pipeline else ""),
            )
        )
    return out


def _quota(ctx: Asker, start: date, end: date, owner: str | None, pipeline: str | None) -> list[ChartSpec]:
    a = figures(ctx, "attainment", start, end, owner)
    if not a.lines:
        return []
    labels = tuple(x.name or x.slack_id for x in a.lines[:20])
    shares = tuple(100 * x.share for x in a.lines[:20])
    return [
        ChartSpec(
            "quota.png",
            "Quota attainment",
            labels,
            (("% of quota", shares),),
            "% of quota",
            caption="Quota leaderboard",
        )
    ]


# (asker, first day, last day, owner's Slack id, pipeline's name) → the charts.
CHARTS: dict[str, Callable[[Asker, date, date, str | None, str | None], list[ChartSpec]]] = {
    "funnel": _funnel,
    "forecast": _forecast,
    "quota": _quota,
}


def has_chart(report: Report) -> bool:
    return bool(report.charts) or report.measure in CHARTS


def charts(ctx: Asker, report: Report, owner: str | None) -> list[ChartSpec]:
    """The report's charts: its trend's, read with its figures, or else its shape's, read now."""
    if report.charts:
        return list(report.charts)
    chart = CHARTS.get(report.measure)
    return chart(ctx, report.start, report.end, owner, report.pipeline) if chart else []
