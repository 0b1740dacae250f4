"""Block Kit as terminal text: sections, fields, context, headers, images; buttons and menus numbered.

Only layout is turned into text here. What a number presses is kept by the console, which sends the
``block_actions`` payload Slack would send for that element.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.services.timeutil import zone

BOLD, DIM, RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"
PRESSABLE = {
    "button",
    "static_select",
    "external_select",
    "overflow",
    "users_select",
    "conversations_select",
    "channels_select",
    "datepicker",
    "timepicker",
    "radio_buttons",
    "checkboxes",
}


@dataclass
class Control:
    """One interactive element in a message or a home tab: what a number presses."""

    element: dict[str, Any]
    block_id: str

    @property
    def kind(self) -> str:
        return str(self.element.get("type", ""))

    @property
    def label(self) -> str:
        el = self.element
        if self.kind == "button":
            return plain(el.get("text"))
        if self.kind == "overflow":
            return "…more"
        placeholder = plain(el.get("placeholder")) or self.kind.replace("_", " ")
        return f"{placeholder} ▾"

    def options(self) -> list[dict[str, Any]]:
        opts = list(self.element.get("options") or [])
        for group in self.element.get("option_groups") or []:
            opts += list(group.get("options") or [])
        return opts


@dataclass
class Style:
    tty: bool = False
    width: int = 100
    tz: str = "UTC"
    names: Callable[[str], str] = field(default=lambda uid: uid)
    channels: Callable[[str], str] = field(default=lambda cid: cid)

    def bold(self, text: str) -> str:
        return f"{BOLD}{text}{RESET}" if self.tty else text

    def dim(self, text: str) -> str:
        return f"{DIM}{text}{RESET}" if self.tty else text


def default_style(
    tty: bool, tz: str, names: Callable[[str], str], channels: Callable[[str], str] | None = None
) -> Style:
    width = shutil.get_terminal_size((100, 24)).columns if tty else 100
    return Style(
        tty=tty, width=max(60, min(width, 120)), tz=tz, names=names, channels=channels or (lambda cid: cid)
    )


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def visible_len(text: str) -> int:
    """Columns a string takes on screen: terminal styling codes take none."""
    return len(_ANSI.sub("", text))


def plain(obj: Any) -> str:
    if obj is None:
        return ""
    if isinstance(obj, str):
        return obj
    return str(obj.get("text", ""))


_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#([CDG][A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_SUBTEAM = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>")
_DATE = re.compile(r"<!date\^(\d+)\^([^^|>]*)(?:\^[^|>]*)?\|([^>]*)>")
_LINK = re.compile(r"<((?:https?|mailto|tel):[^|>]+)(?:\|([^>]*))?>")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_FENCE = re.compile(r"```\n?(.*?)\n?```", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")
_QUOTE = re.compile(r"^(?:>|&gt;) ?", re.MULTILINE)
_EMOJI_CODE = re.compile(r":([a-z0-9_+\-]+):")
EMOJI = {
    "alarm_clock": "⏰",
    "hourglass": "⌛",
    "hourglass_flowing_sand": "⏳",
    "warning": "⚠️",
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "x": "❌",
    "calendar": "📅",
    "spiral_calendar_pad": "🗓️",
    "date": "📅",
    "telephone_receiver": "📞",
    "phone": "☎️",
    "email": "📧",
    "envelope": "✉️",
    "memo": "📝",
    "handshake": "🤝",
    "speech_balloon": "💬",
    "moneybag": "💰",
    "chart_with_upwards_trend": "📈",
    "bar_chart": "📊",
    "trophy": "🏆",
    "tada": "🎉",
    "zzz": "💤",
    "bell": "🔔",
    "mag": "🔍",
    "bust_in_silhouette": "👤",
    "busts_in_silhouette": "👥",
    "office": "🏢",
    "briefcase": "💼",
    "ballot_box_with_check": "☑️",
    "arrow_right": "➡️",
    "leftwards_arrow_with_hook": "↩️",
    "rewind": "⏪",
    "new": "🆕",
    "fire": "🔥",
    "wave": "👋",
    "question": "❓",
    "information_source": "ℹ️",
    "pushpin": "📌",
    "link": "🔗",
    "sleeping": "😴",
}


def _slack_date(match: re.Match[str], style: Style) -> str:
    try:
        when = datetime.fromtimestamp(int(match.group(1)), UTC).astimezone(zone(style.tz))
    except (ValueError, OverflowError):
        return match.group(3)
    fmt = match.group(2)
    out = (
        fmt.replace("{date_num}", when.strftime("%Y-%m-%d"))
        .replace("{date_short_pretty}", when.strftime("%b %-d"))
        .replace("{date_short}", when.strftime("%b %-d, %Y"))
        .replace("{date_long_pretty}", when.strftime("%A, %B %-d"))
        .replace("{date_long}", when.strftime("%A, %B %-d, %Y"))
        .replace("{date_pretty}", when.strftime("%B %-d"))
        .replace("{date}", when.strftime("%B %-d, %Y"))
        .replace("{time_secs}", when.strftime("%H:%M:%S"))
        .replace("{time}", when.strftime("%H:%M"))
        .replace("{day_divider_pretty}", when.strftime("%A, %B %-d"))
    )
    return out if "{" not in out else match.group(3)


def mrkdwn(text: str, style: Style) -> str:
    """Slack's markup as a person reads it: names for ids, dates in the reader's zone, links shown."""
    text = _USER.sub(lambda m: "@" + (m.group(2) or style.names(m.group(1))), text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or style.channels(m.group(1))), text)
    text = _SPECIAL.sub(lambda m: "@" + m.group(1), text)
    text = _SUBTEAM.sub(lambda m: m.group(1) or "@team", text)
    text = _DATE.sub(lambda m: _slack_date(m, style), text)
    text = _LINK.sub(
        lambda m: (
            m.group(1).removeprefix("mailto:")
            if not m.group(2)
            else (m.group(2) if m.group(2) in m.group(1) else f"{m.group(2)} ({m.group(1)})")
        ),
        text,
    )
    text = _FENCE.sub(lambda m: m.group(1), text)
    text = _CODE.sub(lambda m: m.group(1), text)
    text = _QUOTE.sub("│ ", text)
    text = _EMOJI_CODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    text = _BOLD.sub(lambda m: style.bold(m.group(1)), text)
    text = _ITALIC.sub(lambda m: m.group(1), text)
    text = _STRIKE.sub(lambda m: m.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: Any, style: Style) -> str:
    if obj is None:
        return ""
    if isinstance(obj, str):
        return mrkdwn(obj, style)
    if obj.get("type") == "mrkdwn":
        return mrkdwn(str(obj.get("text", "")), style)
    return str(obj.get("text", ""))


def _wrap(text: str, style: Style, indent: str = "  ") -> list[str]:
    lines: list[str] = []
    for raw in text.splitlines() or [""]:
        if not raw.strip():
            lines.append("")
            continue
        lead = re.match(r"^(\s*(?:[•\-*]|\d+\.)\s+)", raw)
        sub = indent + " " * (len(lead.group(1)) if lead else 0)
        # ANSI codes do not take space on screen, so a tty line may run a little short; fine.
        lines += textwrap.wrap(
            raw, width=style.width, initial_indent=indent, subsequent_indent=sub, break_on_hyphens=False
        ) or [indent]
    return lines


def _rich_text(elements: list[dict[str, Any]], style: Style) -> str:
    out: list[str] = []
    for el in elements:
        kind = el.get("type")
        if kind in ("rich_text_section", "rich_text_preformatted", "rich_text_quote"):
            out.append(_rich_inline(el.get("elements") or [], style))
        elif kind == "rich_text_list":
            for i, item in enumerate(el.get("elements") or [], 1):
                bullet = f"{i}." if el.get("style") == "ordered" else "•"
                out.append(f"{bullet} {_rich_inline(item.get('elements') or [], style)}")
    return "\n".join(out)


def _rich_inline(elements: list[dict[str, Any]], style: Style) -> str:
    parts: list[str] = []
    for el in elements:
        kind = el.get("type")
        if kind == "text":
            text = str(el.get("text", ""))
            parts.append(style.bold(text) if (el.get("style") or {}).get("bold") else text)
        elif kind == "link":
            parts.append(str(el.get("text") or el.get("url", "")))
        elif kind == "user":
            parts.append("@" + style.names(str(el.get("user_id", ""))))
        elif kind == "channel":
            parts.append("#" + str(el.get("channel_id", "")))
        elif kind == "emoji":
            parts.append(f":{el.get('name')}:")
        else:
            parts.append(str(el.get("text", "")))
    return "".join(parts)


# Gives a control its number, or None when the reader cannot press it (someone else's message).
Numberer = Callable[[Control], int | None]


def _control(el: dict[str, Any], block_id: str, number: Numberer, style: Style) -> str:
    control = Control(el, block_id)
    n = number(control)
    mark = " ★" if el.get("style") == "primary" else (" ⚠" if el.get("style") == "danger" else "")
    label = control.label
    if control.kind in ("radio_buttons", "checkboxes"):
        label = " / ".join(plain(o.get("text")) for o in control.options())
    if n is None:
        return style.dim(f"[{label}]")
    return style.bold(f"[{n}]") + f" {label}{mark}"


def _header_lines(block: dict[str, Any], style: Style, number: Numberer) -> list[str]:
    title = plain(block.get("text"))
    return ["  " + style.bold(title), "  " + "═" * min(len(title), style.width - 2)]


def _section_lines(block: dict[str, Any], style: Style, number: Numberer) -> list[str]:
    lines: list[str] = []
    if block.get("text"):
        lines += _wrap(_text(block["text"], style), style)
    fields = block.get("fields") or []
    for i in range(0, len(fields), 2):
        pair = [_text(f, style).replace("\n", " ") for f in fields[i : i + 2]]
        if len(pair) == 2 and max(visible_len(pair[0]), visible_len(pair[1])) < style.width // 2 - 4:
            pad = " " * (style.width // 2 - 2 - visible_len(pair[0]))
            lines.append("  " + pair[0] + pad + pair[1])
        else:
            lines += ["  " + p for p in pair]
    accessory = block.get("accessory")
    if accessory and accessory.get("type") in PRESSABLE:
        lines.append("    " + _control(accessory, str(block.get("block_id") or ""), number, style))
    elif accessory and accessory.get("type") == "image":
        lines.append("    " + style.dim(f"[image: {accessory.get('alt_text', '')}]"))
    return lines


def _context_lines(block: dict[str, Any], style: Style, number: Numberer) -> list[str]:
    parts = [
        f"[{el.get('alt_text', 'image')}]" if el.get("type") == "image" else _text(el, style)
        for el in block.get("elements") or []
    ]
    return [style.dim(line) for line in _wrap(" · ".join(parts), style)]


def _divider_lines(block: dict[str, Any], style: Style, number: Numberer) -> list[str]:
    return ["  " + style.dim("─" * min(40, style.width - 2))]


def _actions_lines(block: dict[str, Any], style: Style, number: Numberer) -> list[str]:
    block_id = str(block.get("block_id") or "")
    controls = [
        _control(el, block_id, number, style)
        for el in block.get("elements") or []
        if el.get("type") in PRESSABLE
    ]
    return ["  " + "   ".join(controls)] if controls else []


def _image_lines(block: dict[str, Any], style: Style, number: Numberer) -> list[str]:
    title = plain(block.get("title")) or block.get("alt_text", "image")
    return ["  " + style.dim(f"[image: {title}] {block.get('image_url') or ''}".rstrip())]


def _rich_text_lines(block: dict[str, Any], style: Style, number: Numberer) -> list[str]:
    return _wrap(_rich_text(block.get("elements") or [], style), style)


def _input_lines(block: dict[str, Any], style: Style, number: Numberer) -> list[str]:
    return [f"  {plain(block.get('label'))}: " + style.dim("(form field)")]


def _file_lines(block: dict[str, Any], style: Style, number: Numberer) -> list[str]:
    return ["  " + style.dim(f"[file {block.get('file_id', '')}]")]


# How each kind of block reads in a terminal; a kind not here is not shown.
BLOCK_LINES: dict[str, Callable[[dict[str, Any], Style, Numberer], list[str]]] = {
    "header": _header_lines,
    "section": _section_lines,
    "context": _context_lines,
    "divider": _divider_lines,
    "actions": _actions_lines,
    "image": _image_lines,
    "rich_text": _rich_text_lines,
    "input": _input_lines,
    "file": _file_lines,
}


def render_blocks(blocks: list[dict[str, Any]], style: Style, number: Numberer) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        render = BLOCK_LINES.get(str(block.get("type")))
        if render is not None:
            lines += render(block, style, number)
    return lines


def render_message(message: dict[str, Any], style: Style, number: Numberer) -> list[str]:
    """A message body (``text``, ``blocks``, ``attachments``) as indented lines."""
    blocks = message.get("blocks")
    if isinstance(blocks, str):
        import json

        try:
            blocks = json.loads(blocks)
        except ValueError:
            blocks = []
    lines = render_blocks(list(blocks or []), style, number)
    if not lines and message.get("text"):
        lines = _wrap(mrkdwn(str(message["text"]), style), style)
    attachments = message.get("attachments")
    if isinstance(attachments, str):
        import json

        try:
            attachments = json.loads(attachments)
        except ValueError:
            attachments = []
    for att in attachments or []:
        inner = render_blocks(list(att.get("blocks") or []), style, number)
        if not inner:
            inner = _wrap(mrkdwn(str(att.get("text") or att.get("fallback") or ""), style), style)
        lines += ["  │" + line[1:] if line.startswith("  ") else "  │ " + line for line in inner]
    return lines


# ---- modals -------------------------------------------------------------------------------------


@dataclass
class FormField:
    block_id: str
    action_id: str
    label: str
    element: dict[str, Any]
    optional: bool
    hint: str = ""

    @property
    def kind(self) -> str:
        return str(self.element.get("type", "plain_text_input"))

    def options(self) -> list[dict[str, Any]]:
        return Control(self.element, self.block_id).options()

    def initial_text(self) -> str | None:
        el = self.element
        if "initial_value" in el:
            return str(el["initial_value"])
        if el.get("initial_option"):
            return plain(el["initial_option"].get("text"))
        if el.get("initial_options"):
            return ", ".join(plain(o.get("text")) for o in el["initial_options"])
        for key in (
            "initial_date",
            "initial_time",
            "initial_user",
            "initial_conversation",
            "initial_channel",
        ):
            if el.get(key):
                return str(el[key])
        if el.get("initial_users"):
            return ",".join(el["initial_users"])
        return None


def form_fields(view: dict[str, Any]) -> list[FormField]:
    fields = []
    for i, block in enumerate(view.get("blocks") or []):
        if block.get("type") != "input":
            continue
        element = dict(block.get("element") or {})
        fields.append(
            FormField(
                block_id=str(block.get("block_id") or f"b{i}"),
                action_id=str(element.get("action_id") or f"a{i}"),
                label=plain(block.get("label")),
                element=element,
                optional=bool(block.get("optional")),
                hint=plain(block.get("hint")),
            )
        )
    return fields


def render_view_header(view: dict[str, Any], style: Style, number: Numberer) -> list[str]:
    """A modal's title and the blocks around its fields (text, context, buttons inside the modal)."""
    title = plain(view.get("title")) or "Form"
    lines = ["  ┌─ " + style.bold(title) + " " + "─" * max(2, 40 - len(title))]
    others = [b for b in view.get("blocks") or [] if b.get("type") != "input"]
    lines += ["  │" + line[1:] for line in render_blocks(others, style, number)]
    return lines
