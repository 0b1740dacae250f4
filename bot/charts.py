"""Charts as PNG bytes, drawn off-screen (Agg) so they work in a server process with no display."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.services.summary import PipelineSummary, StageLine

OPEN = "#2b6cb0"
WON = "#2f855a"
LOST = "#a0aec0"


def _short(value: float) -> str:
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}{suffix}".replace(".0", "")
    return f"{value:.0f}"


def amount_by_stage_png(
    stages: Sequence[StageLine], currency: str = "USD", title: str | None = None
) -> bytes:
    """A horizontal bar per stage (pipeline order, top to bottom), labelled with amount and count."""
    # A Figure of its own (not pyplot's global state): safe to draw from several threads.
    fig = Figure(figsize=(7, 0.5 * max(len(stages), 3) + 1.2), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    names = [s.name for s in stages][::-1]
    amounts = [float(s.amount or Decimal(0)) for s in stages][::-1]
    colours = [(WON if s.is_won else LOST) if s.is_closed else OPEN for s in stages][::-1]
    bars = ax.barh(names, amounts, color=colours)
    top = max(amounts, default=0.0) or 1.0
    for bar, stage in zip(bars, list(stages)[::-1], strict=True):
        ax.text(
            bar.get_width() + top * 0.01,
            bar.get_y() + bar.get_height() / 2,
            f"{_short(float(stage.amount))} · {stage.count}",
            va="center",
            fontsize=9,
        )
    ax.set_xlim(0, top * 1.2)
    ax.set_xlabel(f"Amount ({currency})")
    ax.xaxis.set_major_formatter(lambda x, _pos: _short(x))
    ax.set_title(title or "Pipeline: amount by stage")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def summary_chart_png(summary: PipelineSummary) -> bytes:
    return amount_by_stage_png(summary.stages, summary.currency)
