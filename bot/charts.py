"""Charts as PNG bytes, drawn off-screen (Agg) so they work in a server process with no display."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from matplotlib import rcParams
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from bot.drawing import bar_chart, line_chart, rgb
from bot.services.summary import PipelineSummary, StageLine

OPEN = "#2b6cb0"
WON = "#2f855a"
LOST = "#a0aec0"


def _short(value: float) -> str:
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}{suffix}".replace(".0", "")
    return f"{value:.0f}"


def _size(renderer: RendererAgg, text: str, size: str | float) -> tuple[float, float]:
    """Width and height of one line of text, in pixels."""
    w, h, _ = renderer.get_text_width_height_descent(text, FontProperties(size=size), ismath=False)
    return w, h


def _fit(canvas: FigureCanvasAgg, names: Sequence[str], right_label: str, xlabel: str, title: str) -> None:
    """Margins that just fit the labels around the bars, measured from the fonts. ``tight_layout``
    finds the same by drawing the whole figure once more, which took about half the time of a chart."""
    fig, renderer = canvas.figure, canvas.get_renderer()
    pt = fig.dpi / 72
    pad = 1.08 * FontProperties(size=rcParams["font.size"]).get_size_in_points() * pt
    ticks = (rcParams["ytick.major.pad"] + rcParams["ytick.major.size"]) * pt
    tick_w = max((_size(renderer, n, rcParams["ytick.labelsize"])[0] for n in names), default=0.0)
    tick_h = _size(renderer, "lp", rcParams["xtick.labelsize"])[1]
    label_h = _size(renderer, xlabel, rcParams["axes.labelsize"])[1]
    title_h = _size(renderer, title, rcParams["axes.titlesize"])[1]
    right_w = _size(renderer, right_label, rcParams["xtick.labelsize"])[0]
    width, height = fig.bbox.width, fig.bbox.height
    fig.subplots_adjust(
        left=(pad + tick_w + ticks) / width,
        right=1 - (pad + right_w / 2) / width,
        bottom=(pad + label_h + rcParams["axes.labelpad"] * pt + tick_h + ticks) / height,
        top=1 - (pad + title_h + rcParams["axes.titlepad"] * pt) / height,
    )


def _label(stage: StageLine) -> str:
    # With several pipelines, a stage says which one it is in (two may both be called "Won").
    return f"{stage.pipeline} · {stage.name}" if stage.pipeline else stage.name


def bar_labels(stages: Sequence[StageLine], currency: str) -> list[str]:
    """What each stage's bar in ``currency``'s panel says: that currency's amount and its deals only."""
    return [
        f"{_short(float(s.amounts.get(currency, Decimal(0))))} · "
        f"{s.counts.get(currency, 0) if s.counts else s.count if set(s.amounts) <= {currency} else 0}"
        for s in stages
    ]


def _bars(ax: Any, stages: Sequence[StageLine], currency: str) -> float:
    """One currency's bars on ``ax``, labelled with amount and count; returns the axis' right end."""
    names = [_label(s) for s in stages][::-1]
    amounts = [float(s.amounts.get(currency, Decimal(0))) for s in stages][::-1]
    colours = [(WON if s.is_won else LOST) if s.is_closed else OPEN for s in stages][::-1]
    bars = ax.barh(names, amounts, color=colours)
    top = max(amounts, default=0.0) or 1.0
    for bar, label in zip(bars, bar_labels(stages, currency)[::-1], strict=True):
        ax.text(
            bar.get_width() + top * 0.01,
            bar.get_y() + bar.get_height() / 2,
            label,
            va="center",
            fontsize=9,
        )
    ax.set_xlim(0, top * 1.2)
    ax.xaxis.set_major_formatter(lambda x, _pos: _short(x))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return top * 1.2


def amount_by_stage_png(
    stages: Sequence[StageLine], currency: str = "USD", title: str | None = None
) -> bytes:
    """A horizontal bar per stage (pipeline order, top to bottom), labelled with amount and count.
    Deals in several currencies get one panel per currency side by side: amounts in different
    currencies are never drawn on one scale, let alone added."""
    used = sorted({c for s in stages for c in s.amounts} | {currency}, key=lambda c: (c != currency, c))
    if len(used) > 1 and not any(s.amounts.get(currency) for s in stages):
        used.remove(currency)
    # A Figure of its own (not pyplot's global state): safe to draw from several threads.
    fig = Figure(figsize=(7 + 3 * (len(used) - 1), 0.5 * max(len(stages), 3) + 1.2), dpi=100)
    canvas = FigureCanvasAgg(fig)
    title = title or "Pipeline: amount by stage"
    axes = fig.subplots(1, len(used), sharey=True, squeeze=False)[0]
    right = 0.0
    for ax, code in zip(axes, used, strict=True):
        right = _bars(ax, stages, code)
        ax.set_xlabel(f"Amount ({code})")
    if len(used) == 1:
        # A fixed y: no tick labels sit above the bars, so the title need not be moved clear of them
        # (finding out would lay out the x axis once more).
        axes[0].set_title(title, y=1.0)
        _fit(canvas, [_label(s) for s in stages], _short(right), f"Amount ({used[0]})", title)
    else:
        fig.suptitle(title)
        fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def summary_chart_png(summary: PipelineSummary) -> bytes:
    return amount_by_stage_png(summary.stages, summary.currency)


def bars_png(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], xlabel: str
) -> bytes:
    """Horizontal bars, one group per label (top to bottom in the order given), one bar per series
    (e.g. an amount and its weighted part), each labelled with its value. One scale only: callers with
    several currencies draw one chart per currency, never adding them."""
    colours = (OPEN, WON, LOST)
    coloured = [(name, values, rgb(colours[i % len(colours)])) for i, (name, values) in enumerate(series)]
    return bar_chart(title, labels, coloured, xlabel, _short)


@dataclass(frozen=True)
class ChartSpec:
    """What a report's chart draws, kept apart from the drawing so a scheduled report can carry it in its
    outbox row (JSON) and draw it when it is delivered. ``shape``: ``bars`` (one group per label) or
    ``line`` (one point per label, left to right: a trend over periods)."""

    filename: str
    title: str
    labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[float, ...]], ...]
    axis: str
    shape: str = "bars"
    caption: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "title": self.title,
            "labels": list(self.labels),
            "series": [[name, list(values)] for name, values in self.series],
            "axis": self.axis,
            "shape": self.shape,
            "caption": self.caption,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChartSpec:
        return cls(
            str(data["filename"]),
            str(data["title"]),
            tuple(str(x) for x in data["labels"]),
            tuple((str(name), tuple(float(v) for v in values)) for name, values in data["series"]),
            str(data["axis"]),
            str(data.get("shape") or "bars"),
            str(data.get("caption") or ""),
        )


def draw(spec: ChartSpec) -> bytes:
    if spec.shape == "line":
        return line_png(spec.title, spec.labels, spec.series, spec.axis)
    return bars_png(spec.title, spec.labels, spec.series, spec.axis)


def line_png(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], ylabel: str
) -> bytes:
    """A trend: one point per period (left to right, in the order given), one line per series, each point
    labelled with its value. One scale only, as for :func:`bars_png`."""
    colours = (OPEN, WON, LOST)
    named = {"won": WON, "lost": LOST}
    coloured = [
        (name, values, rgb(named.get(name, colours[i % len(colours)])))
        for i, (name, values) in enumerate(series)
    ]
    return line_chart(title, labels, coloured, ylabel, _short)
