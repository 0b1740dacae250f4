"""Block Kit for what the bot says first: reminders, the overdue nudge, stale-deal alerts and the pipeline
summary. Built from the plain payloads the planner stores, so every delivery attempt renders the same
message. The action ids here are the ones ``handlers/proactive.py`` listens for."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.common import day as card_day
from bot.blocks.common import deals_count, money, moneys
from bot.services.summary import PipelineSummary
from bot.services.timeutil import zone

REMINDER_DONE = "reminder_done"
REMINDER_SNOOZE_HOUR = "reminder_snooze_hour"
REMINDER_SNOOZE_TOMORROW = "reminder_snooze_tomorrow"
REMINDER_OPEN = "reminder_open"
STALE_LOG = "stale_log_activity"
STALE_MOVE = "stale_move_stage"
STALE_SNOOZE = "stale_snooze_until"
STALE_LOG_VIEW = "stale_log_activity_view"
ACTION_IDS = (
    REMINDER_DONE,
    REMINDER_SNOOZE_HOUR,
    REMINDER_SNOOZE_TOMORROW,
    REMINDER_OPEN,
    STALE_LOG,
    STALE_MOVE,
    STALE_SNOOZE,
)

Rendered = tuple[str, list[dict[str, Any]]]


def _md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text)


def _dicts(blocks: list[Block]) -> list[dict[str, Any]]:
    return [b.to_dict() for b in blocks]


def when_local(iso_utc: str | None, iso_day: str | None, tz: str, now: datetime | None = None) -> str:
    """“today 15:00”, “Mon 24 Nov 15:00”, or the day alone, in the reader's zone."""
    if iso_day and not iso_utc:
        day = date.fromisoformat(iso_day)
        return _day_label(day, tz, now)
    if iso_utc is None:
        return "no due date"
    at = datetime.fromisoformat(iso_utc).astimezone(zone(tz))
    return f"{_day_label(at.date(), tz, now)} {at:%H:%M}"


def _day_label(day: date, tz: str, now: datetime | None) -> str:
    today = (now or datetime.now(UTC)).astimezone(zone(tz)).date()
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta == -1:
        return "yesterday"
    if delta == 1:
        return "tomorrow"
    return f"{day:%a %d %b}"


def _late_note(late: bool, due_iso: str | None, tz: str, now: datetime | None) -> list[Block]:
    if not late or not due_iso:
        return []
    return [
        ContextBlock(
            elements=[
                _md(
                    f":hourglass: Sent late: this was due {when_local(due_iso, None, tz, now)} "
                    "while the bot was offline."
                )
            ]
        )
    ]


def reminder(payload: dict[str, Any], *, late: bool = False, now: datetime | None = None) -> Rendered:
    tz = payload.get("tz") or "UTC"
    task_id = str(payload["task_id"])
    due = when_local(payload.get("due_utc"), payload.get("due_date"), tz, now)
    about = " · ".join(x for x in (payload.get("contact"), payload.get("deal")) if x)
    lead = "Reminder (snoozed)" if payload.get("snoozed") else "Reminder"
    text = f"{lead}: {payload['title']} — due {due}" + (" (late)" if late else "")
    lines = f":alarm_clock: *{lead}:* {payload['title']}\nDue {due}" + (f" · {about}" if about else "")
    blocks: list[Block] = [SectionBlock(block_id=f"reminder:{task_id}", text=_md(lines))]
    blocks += _late_note(late, payload.get("remind_at"), tz, now)
    blocks.append(
        ActionsBlock(
            block_id=f"reminder_actions:{task_id}",
            elements=[
                ButtonElement(text="Done", action_id=REMINDER_DONE, value=task_id, style="primary"),
                ButtonElement(text="Snooze 1 hour", action_id=REMINDER_SNOOZE_HOUR, value=task_id),
                ButtonElement(
                    text="Snooze until tomorrow", action_id=REMINDER_SNOOZE_TOMORROW, value=task_id
                ),
                ButtonElement(text="Open", action_id=REMINDER_OPEN, value=task_id),
            ],
        )
    )
    return text, _dicts(blocks)


def overdue_nudge(payload: dict[str, Any], *, late: bool = False, now: datetime | None = None) -> Rendered:
    tz = payload.get("tz") or "UTC"
    tasks = payload["tasks"]
    total = int(payload.get("total") or len(tasks))
    noun = "task is" if total == 1 else "tasks are"
    text = f"{total} {noun} overdue: " + "; ".join(t["title"] for t in tasks)
    blocks: list[Block] = [SectionBlock(text=_md(f":warning: *{total} {noun} overdue*"))]
    for t in tasks:
        due = when_local(t.get("due_utc"), t.get("due_date"), tz, now)
        blocks.append(
            SectionBlock(
                block_id=f"nudge_task:{t['id']}",
                text=_md(f"• {t['title']} — was due {due}"),
                accessory=ButtonElement(text="Done", action_id=REMINDER_DONE, value=str(t["id"])),
            )
        )
    if total > len(tasks):
        blocks.append(ContextBlock(elements=[_md(f"…and {total - len(tasks)} more: /crm tasks overdue")]))
    return text, _dicts(blocks)


def _day(iso: str) -> str:
    """A date as every other card shows it (“Sun 6 Dec 2026”)."""
    try:
        return card_day(date.fromisoformat(iso))
    except ValueError:
        return iso


def stale_deal(payload: dict[str, Any], *, late: bool = False, now: datetime | None = None) -> Rendered:
    """One deal's alert, as planned before alerts were grouped (such rows may still be in the outbox)."""
    text = _stale_line(payload)
    return text, _dicts(_stale_blocks(payload, payload.get("stages", [])))


def stale_deals(payload: dict[str, Any], *, late: bool = False, now: datetime | None = None) -> Rendered:
    """An owner's deals that went quiet, in one message a day; each deal keeps its own buttons."""
    deals = payload.get("deals") or []
    total = max(int(payload.get("total") or 0), len(deals))
    noun = "deal has" if total == 1 else "deals have"
    text = f"{total} {noun} gone quiet: " + "; ".join(_stale_line(d) for d in deals)
    blocks: list[Block] = [SectionBlock(text=_md(f":zzz: *{total} {noun} gone quiet*"))]
    for d in deals:
        blocks += _stale_blocks(d, payload.get("stages", []))
    if total > len(deals):
        more = total - len(deals)
        blocks.append(ContextBlock(elements=[_md(f"…and {more} more, in the next days' messages.")]))
    return text, _dicts(blocks)


def _stale_line(d: dict[str, Any]) -> str:
    amount = money(d.get("amount"), d.get("currency") or "USD")
    return f"{d['title']} has had no activity for {d.get('days_quiet')} days ({d['stage']}, {amount})"


def _stale_blocks(d: dict[str, Any], stages: list[list[str]]) -> list[Block]:
    deal_id = str(d["deal_id"])
    amount = money(d.get("amount"), d.get("currency") or "USD")
    options = [
        Option(text=name, value=f"{deal_id}:{key}") for key, name in stages if key != d.get("stage_key")
    ]
    elements: list[Any] = [ButtonElement(text="Log activity", action_id=STALE_LOG, value=deal_id)]
    if options:
        elements.append(
            StaticSelectElement(placeholder="Move to stage…", action_id=STALE_MOVE, options=options)
        )
    elements.append(DatePickerElement(placeholder="Snooze until…", action_id=STALE_SNOOZE))
    return [
        SectionBlock(
            block_id=f"stale:{deal_id}",
            text=_md(
                f":zzz: *{d['title']}* has had no activity for *{d.get('days_quiet')} days*.\n"
                f"{d['stage']} · {amount}"
                + (f" · closes {_day(d['close_date'])}" if d.get("close_date") else "")
            ),
        ),
        ActionsBlock(block_id=f"stale_actions:{deal_id}", elements=elements),
    ]


def summary(data: PipelineSummary, *, title: str = "Pipeline summary") -> Rendered:
    text, blocks = summary_blocks(data, title=title)
    return text, _dicts(blocks)


def summary_blocks(data: PipelineSummary, *, title: str = "Pipeline summary") -> tuple[str, list[Block]]:
    """The summary as typed blocks (for a Reply); :func:`summary` gives the same as JSON."""
    cur = data.currency
    tz = data.tz
    local = data.generated_at.astimezone(zone(tz))
    n = data.open_count
    text = f"{title}: {n} open {'deal' if n == 1 else 'deals'} worth {moneys(data.open_amounts, cur)}"
    stage_lines = "\n".join(
        f"• *{s.name}*{' (all time)' if s.is_closed else ''}: {s.count} · {moneys(s.amounts, cur)}"
        for s in data.stages
    )
    blocks: list[Block] = [
        HeaderBlock(text=title),
        ContextBlock(elements=[_md(f"{local:%a %d %b %Y, %H:%M} ({tz})")]),
        SectionBlock(
            text=_md(
                f"*Open: {deals_count(data.open_count)} · {moneys(data.open_amounts, cur)}*\n{stage_lines}"
            )
        ),
    ]
    if data.owners:
        owner_lines = [
            f"• {f'<@{o.slack_id}>' if o.slack_id else o.name}: {o.count} · {moneys(o.amounts, cur)}"
            for o in data.owners[:10]
        ]
        blocks.append(SectionBlock(text=_md("*Open by owner*\n" + "\n".join(owner_lines))))
    blocks.append(DividerBlock())
    since_local = data.since.astimezone(zone(tz))
    counts = data.change_counts
    change_lines = [
        f"*Since {since_local:%a %d %b %H:%M}:* {counts.get('new', 0)} new · {counts.get('moved', 0)} moved · "
        f"{counts.get('won', 0)} won · {counts.get('lost', 0)} lost"
    ]
    labels = {"new": ":new:", "moved": ":arrow_right:", "won": ":trophy:", "lost": ":x:"}
    for kind in ("won", "lost", "new", "moved"):
        listed = data.changes.get(kind, [])
        for c in listed:
            move = f" ({c.from_stage} → {c.to_stage})" if kind == "moved" and c.from_stage else ""
            change_lines.append(f"{labels[kind]} {c.title}{move} · {money(c.amount, c.currency)}")
        if counts.get(kind, 0) > len(listed):
            # The count above is every one; say so where the list stops.
            change_lines.append(f"   … and {counts[kind] - len(listed)} more {kind}")
    blocks.append(SectionBlock(text=_md("\n".join(change_lines))))
    closing = [
        f"*Closing this week* ({data.week_start:%d %b}–{data.week_end:%d %b}): "
        f"{data.closing_count} · {moneys(data.closing_amounts, cur)}"
    ]
    for d in data.closing[:5]:
        owner = f" · <@{d.owner_slack_id}>" if d.owner_slack_id else ""
        closing.append(
            f"• {d.title} · {money(d.amount, d.currency)} · {d.close_date:%a %d %b} · {d.stage_name}{owner}"
        )
    blocks.append(SectionBlock(text=_md("\n".join(closing))))
    overdue = [f"*Overdue tasks:* {data.overdue_total}"]
    for o in data.overdue_by_owner[:10]:
        who = f"<@{o.slack_id}>" if o.slack_id else o.name
        overdue.append(f"• {who}: {o.count}")
    blocks.append(SectionBlock(text=_md("\n".join(overdue))))
    return text, blocks


def render(
    kind: str, payload: dict[str, Any], *, late: bool = False, now: datetime | None = None
) -> Rendered:
    if kind == "reminder":
        return reminder(payload, late=late, now=now)
    if kind == "overdue_nudge":
        return overdue_nudge(payload, late=late, now=now)
    if kind == "stale_deal":
        return stale_deal(payload, late=late, now=now)
    if kind == "stale_deals":
        return stale_deals(payload, late=late, now=now)
    if kind == "summary":
        freq = payload.get("frequency")
        title = {"daily": "Daily pipeline summary", "weekly": "Weekly pipeline summary"}.get(
            freq or "", "Pipeline summary"
        )
        return summary(PipelineSummary.from_json(payload["summary"]), title=title)
    raise ValueError(f"unknown delivery kind {kind!r}")


LOG_KINDS = ("call", "email", "meeting", "note")


def log_activity_modal(deal_id: int, title: str, *, response_url: str | None) -> View:
    """What happened on a quiet deal: the kind and a line; submitting logs it against the deal."""
    note = Option(text="Note", value="note")
    return View(
        type="modal",
        callback_id=STALE_LOG_VIEW,
        title="Log activity",
        submit="Log it",
        close="Cancel",
        private_metadata=json.dumps({"deal": deal_id, "ru": response_url}),
        blocks=[
            SectionBlock(text=_md(f"*{title}*")),
            InputBlock(
                block_id="kind",
                label="What was it?",
                element=StaticSelectElement(
                    action_id="kind",
                    options=[Option(text=k.capitalize(), value=k) for k in LOG_KINDS],
                    initial_option=note,
                ),
            ),
            InputBlock(
                block_id="summary",
                label="What happened?",
                optional=True,
                element=PlainTextInputElement(action_id="summary", multiline=True),
            ),
        ],
    )


def read_log_activity(view: dict[str, Any]) -> tuple[int, str, str, str | None]:
    """(deal id, kind, summary, response_url) from a submitted :func:`log_activity_modal`."""
    meta = json.loads(view.get("private_metadata") or "{}")
    values = (view.get("state") or {}).get("values") or {}
    kind = ((values.get("kind") or {}).get("kind") or {}).get("selected_option") or {}
    summary_text = ((values.get("summary") or {}).get("summary") or {}).get("value") or ""
    return int(meta["deal"]), str(kind.get("value") or "note"), summary_text.strip(), meta.get("ru")
