"""Report charts drawn straight onto a Pillow image: a trend (one line per series, a labelled point per
period) and grouped horizontal bars. matplotlib laid out and drew every tick, label and annotation as an
artist, 150–400 ms a chart on this machine, most of a report's reply; this draws the same chart in a few
milliseconds. It is drawn at twice its size and scaled down, so lines and text come out smooth."""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import matplotlib
from PIL import Image, ImageDraw, ImageFont

SCALE = 2  # drawn at twice the size, then scaled down: antialiasing for the lines and markers
INK = (38, 38, 38)
GRID = (230, 230, 230)
AXIS = (120, 120, 120)
WHITE = (255, 255, 255)
PAD = 14  # pixels (at the final size) around the plot's labels

Colour = tuple[int, int, int]
Font = ImageFont.FreeTypeFont


@lru_cache(maxsize=16)
def font(size: int, bold: bool = False) -> Font:
    """DejaVu Sans (the font matplotlib ships and used), at ``size`` pixels of the final image."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(Path(matplotlib.get_data_path(), "fonts", "ttf", name)), size * SCALE)


def rgb(hex_colour: str) -> Colour:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _text_size(f: Font, text: str) -> tuple[int, int]:
    left, top, right, bottom = f.getbbox(text or " ")
    return int(right - left), int(bottom - top)


def nice_ticks(low: float, high: float, count: int = 6, integer: bool = False) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) covering ``low`` … ``high``."""
    span = (high - low) or 1.0
    raw = span / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next((m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw), 10 * power)
    if integer:
        step = max(1.0, round(step))
    first = math.ceil(low / step - 1e-9) * step
    out = []
    value = first
    while value <= high + step * 1e-9:
        out.append(0.0 if abs(value) < step * 1e-9 else value)
        value = first + step * len(out)
    return out


class Canvas:
    """A white image at twice the final size; coordinates are given at the final size."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.image = Image.new("RGB", (width * SCALE, height * SCALE), WHITE)
        self.ink = ImageDraw.Draw(self.image)

    def text(
        self, xy: tuple[float, float], text: str, size: int, anchor: str = "la", bold: bool = False
    ) -> None:
        self.ink.text((xy[0] * SCALE, xy[1] * SCALE), text, fill=INK, font=font(size, bold), anchor=anchor)

    def turned_text(self, xy: tuple[float, float], text: str, size: int, angle: float, anchor: str) -> None:
        """``text`` turned ``angle`` degrees anticlockwise, its box's corner or side ``anchor`` (``rt``: the
        right top, ``rc``: the right middle, ``cc``: the centre) at ``xy``."""
        f = font(size)
        w, h = _text_size(f, text)
        block = Image.new("L", (w + 4 * SCALE, h + 6 * SCALE), 0)
        ImageDraw.Draw(block).text((2 * SCALE, 1 * SCALE), text, fill=255, font=f, anchor="lt")
        turned = block.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
        tw, th = turned.size
        x, y = xy[0] * SCALE, xy[1] * SCALE
        dx = {"r": -tw, "c": -tw / 2, "l": 0}[anchor[0]]
        dy = {"t": 0, "c": -th / 2, "b": -th}[anchor[1]]
        self.image.paste(Image.new("RGB", turned.size, INK), (int(x + dx), int(y + dy)), turned)

    def line(self, points: Sequence[tuple[float, float]], colour: Colour, width: float = 1) -> None:
        self.ink.line([(x * SCALE, y * SCALE) for x, y in points], fill=colour, width=round(width * SCALE))

    def rect(self, box: tuple[float, float, float, float], colour: Colour) -> None:
        x0, y0, x1, y1 = box
        self.ink.rectangle((x0 * SCALE, y0 * SCALE, x1 * SCALE, y1 * SCALE), fill=colour)

    def dot(self, x: float, y: float, radius: float, colour: Colour) -> None:
        r = radius * SCALE
        self.ink.ellipse((x * SCALE - r, y * SCALE - r, x * SCALE + r, y * SCALE + r), fill=colour)

    def png(self) -> bytes:
        out = io.BytesIO()
        # A box filter halving the size (cheapest), and quick compression: a chart is a few dozen KB.
        self.image.reduce(SCALE).save(out, format="PNG", compress_level=1)
        return out.getvalue()


def text_width(text: str, size: int) -> float:
    return _text_size(font(size), text)[0] / SCALE


def text_height(size: int) -> float:
    return _text_size(font(size), "Ag")[1] / SCALE


def _legend(c: Canvas, x: float, y: float, entries: Sequence[tuple[str, Colour]], right: bool) -> None:
    """Coloured keys and names, from ``(x, y)`` rightwards (or ending at ``x`` when ``right``)."""
    widths = [18 + text_width(name, 10) + 12 for name, _ in entries]
    cursor = x - sum(widths) if right else x
    for (name, colour), w in zip(entries, widths, strict=True):
        c.rect((cursor, y - 5, cursor + 12, y + 5), colour)
        c.text((cursor + 16, y), name, 10, anchor="lm")
        cursor += w


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float], Colour]],
    ylabel: str,
    short: Callable[[float], str],
) -> bytes:
    """One point per label, left to right; one line per series, each point labelled with its value."""
    width, height = max(600, int(70 * len(labels) + 200)), 400
    c = Canvas(width, height)
    values = [v for _, vs, _ in series for v in vs]
    low, high = min([*values, 0.0]), max([*values, 0.0])
    span = (high - low) or 1.0
    integer = all(float(v).is_integer() for v in values)
    ticks = nice_ticks(low, high + span * 0.15, integer=integer)
    y_low, y_high = min(ticks[0], low - span * 0.05), max(ticks[-1], high + span * 0.2)
    rotated = len(labels) > 6
    tick_w = max((text_width(short(t), 10) for t in ticks), default=0.0)
    x_label_h = (
        max((text_width(t, 10) * 0.5 + text_height(10) * 0.87 for t in labels), default=0.0)
        if rotated
        else text_height(10)
    )
    left = PAD + text_height(11) + 8 + tick_w + 8
    top = PAD + text_height(13) + 14
    right, bottom = width - PAD - 6, height - PAD - x_label_h - 8
    c.text((width / 2, PAD), title, 13, anchor="mt")

    def y_of(v: float) -> float:
        return bottom - (v - y_low) / (y_high - y_low) * (bottom - top)

    step = (right - left) / max(len(labels), 1)

    def x_of(i: int) -> float:
        return left + step * (i + 0.5)

    for t in ticks:
        y = y_of(t)
        c.line([(left, y), (right, y)], GRID)
        c.text((left - 6, y), short(t), 10, anchor="rm")
    c.line([(left, top), (left, bottom), (right, bottom)], AXIS)
    c.turned_text((PAD, (top + bottom) / 2), ylabel, 11, 90, "lc")
    for i, label in enumerate(labels):
        x = x_of(i)
        c.line([(x, bottom), (x, bottom + 4)], AXIS)
        if rotated:
            c.turned_text((x + 4, bottom + 6), label, 10, 30, "rt")
        else:
            c.text((x, bottom + 6), label, 10, anchor="mt")
    for _name, vs, colour in series:
        points = [(x_of(i), y_of(v)) for i, v in enumerate(vs)]
        if len(points) > 1:
            c.line(points, colour, 2)
        for (x, y), v in zip(points, vs, strict=True):
            c.dot(x, y, 3.5, colour)
            c.text((x, y - 6), short(v), 9, anchor="mb")
    if len(series) > 1:
        _legend(c, left + 8, top + 6, [(name, colour) for name, _, colour in series], right=False)
    return c.png()


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float], Colour]],
    xlabel: str,
    short: Callable[[float], str],
) -> bytes:
    """Horizontal bars, one group per label (top to bottom in the order given), one bar per series, each
    labelled with its value; the axis starts at nothing."""
    rows = max(len(labels), 3) * max(len(series), 1)
    width, height = 700, int(45 * rows + 120)
    c = Canvas(width, height)
    top_value = max((v for _, vs, _ in series for v in vs), default=0.0) or 1.0
    ticks = [t for t in nice_ticks(0.0, top_value * 1.2) if t <= top_value * 1.2]
    x_high = top_value * 1.2
    label_w = max((text_width(label, 10) for label in labels), default=0.0)
    left = PAD + label_w + 10
    top = PAD + text_height(13) + 14
    right = width - PAD - text_width(short(x_high), 10) / 2
    bottom = height - PAD - text_height(11) - 8 - text_height(10) - 10
    c.text((width / 2, PAD), title, 13, anchor="mt")

    def x_of(v: float) -> float:
        return left + max(v, 0.0) / x_high * (right - left)

    for t in ticks:
        x = x_of(t)
        c.line([(x, top), (x, bottom)], GRID)
        c.line([(x, bottom), (x, bottom + 4)], AXIS)
        c.text((x, bottom + 6), short(t), 10, anchor="mt")
    group = (bottom - top) / max(len(labels), 1)
    bar = group * 0.8 / max(len(series), 1)
    for j, label in enumerate(labels):
        y0 = top + group * j + group * 0.1
        c.text((left - 6, y0 + group * 0.4), label, 10, anchor="rm")
        for i, (_name, vs, colour) in enumerate(series):
            y = y0 + bar * i
            c.rect((left, y, x_of(vs[j]), y + bar - 1), colour)
            c.text((x_of(vs[j]) + 4, y + bar / 2), short(vs[j]), 9, anchor="lm")
    c.line([(left, top), (left, bottom), (right, bottom)], AXIS)
    c.text(((left + right) / 2, height - PAD), xlabel, 11, anchor="mb")
    if len(series) > 1:
        _legend(c, right, bottom - 12, [(name, colour) for name, _, colour in series], right=True)
    return c.png()
