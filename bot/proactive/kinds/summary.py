"""The pipeline summary a channel subscribed to (``/crm subscribe``): figures computed when it falls
due, posted with its chart. ``/crm pipeline`` answers with the same blocks (:func:`summary_blocks`).
The dedupe key is the subscription and the run it was scheduled for."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, DividerBlock, HeaderBlock, SectionBlock
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.common import deals_count, money, moneys
from bot.charts import summary_chart_png
from bot.proactive.blockkit import dicts, md
from bot.proactive.kind import Kind, Planned, Rendered, Upload
from bot.proactive.outbox import earliest_between, key_time, post_to_channel
from bot.services.subscriptions import Schedule, next_run
from bot.services.summary import PipelineSummary, compute_summary
from bot.services.timeutil import zone
from models import Subscription

NAME = "summary"
TITLES = {"daily": "Daily pipeline summary", "weekly": "Weekly pipeline summary"}


# ---- data ------------------------------------------------------------------------------------------


def plan(s: Session, now: datetime, batch: int) -> Planned:
    subs = list(
        s.scalars(
            select(Subscription)
            .where(Subscription.next_run_at <= now)
            .order_by(Subscription.next_run_at, Subscription.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    )
    made = 0
    for sub in subs:
        scheduled = sub.next_run_at
        period = timedelta(days=7 if sub.frequency == "weekly" else 1)
        since = sub.last_run_at or scheduled - period
        summary = compute_summary(s, sub.workspace_id, now=now, since=since, tz=sub.tz)
        payload = {"subscription_id": sub.id, "frequency": sub.frequency, "summary": summary.to_json()}
        made += post_to_channel(
            s,
            workspace_id=sub.workspace_id,
            kind=NAME,
            key=f"summary:{sub.id}:{key_time(scheduled)}",
            channel=sub.channel_id,
            payload=payload,
            due=scheduled,
            now=now,
        )
        # A bot that was down for days posts one catch-up summary, then resumes the rhythm.
        sub.last_run_at = now
        sub.next_run_at = next_run(Schedule(sub.frequency, sub.weekday, sub.time_local), sub.tz, now)
    return Planned(made, more=len(subs) >= batch)


def still_due(s: Session, p: dict[str, Any], user_id: int | None, now: datetime) -> dict[str, Any] | None:
    """Not once the subscription was removed."""
    sub_id = p.get("subscription_id")
    if sub_id is not None and s.get(Subscription, sub_id) is None:
        return None
    return p


def next_due(s: Session, after: datetime, until: datetime) -> datetime | None:
    return earliest_between(s, Subscription.next_run_at, after, until)


# ---- presentation ----------------------------------------------------------------------------------


def render(payload: dict[str, Any], *, late: bool = False, now: datetime | None = None) -> Rendered:
    title = TITLES.get(payload.get("frequency") or "", "Pipeline summary")
    return summary(PipelineSummary.from_json(payload["summary"]), title=title)


def uploads(payload: dict[str, Any]) -> list[Upload]:
    png = summary_chart_png(PipelineSummary.from_json(payload["summary"]))
    return [Upload("pipeline.png", png, "Pipeline: amount by stage")]


def summary(data: PipelineSummary, *, title: str = "Pipeline summary") -> Rendered:
    text, blocks = summary_blocks(data, title=title)
    return text, dicts(blocks)


def summary_blocks(data: PipelineSummary, *, title: str = "Pipeline summary") -> tuple[str, list[Block]]:
    """The summary as typed blocks (for a Reply); :func:`summary` gives the same as JSON."""
    cur = data.currency
    tz = data.tz
    local = data.generated_at.astimezone(zone(tz))
    n = data.open_count
    text = f"{title}: {n} open {'deal' if n == 1 else 'deals'} worth {moneys(data.open_amounts, cur)}"
    stage_lines = "\n".join(_stage_lines(data))
    blocks: list[Block] = [
        HeaderBlock(text=title),
        ContextBlock(elements=[md(f"{local:%a %d %b %Y, %H:%M} ({tz})")]),
        SectionBlock(
            text=md(
                f"*Open: {deals_count(data.open_count)} · {moneys(data.open_amounts, cur)}*\n{stage_lines}"
            )
        ),
    ]
    if data.weighted:
        blocks.append(
            ContextBlock(elements=[md(f"Weighted by win probability: {moneys(data.weighted, cur)}")])
        )
    if data.owners:
        owner_lines = [
            f"• {f'<@{o.slack_id}>' if o.slack_id else o.name}: {o.count} · {moneys(o.amounts, cur)}"
            for o in data.owners[:10]
        ]
        blocks.append(SectionBlock(text=md("*Open by owner*\n" + "\n".join(owner_lines))))
    blocks.append(DividerBlock())
    blocks.append(SectionBlock(text=md("\n".join(_change_lines(data)))))
    closing = [
        f"*Closing this week* ({data.week_start:%d %b}–{data.week_end:%d %b}): "
        f"{data.closing_count} · {moneys(data.closing_amounts, cur)}"
    ]
    for d in data.closing[:5]:
        owner = f" · <@{d.owner_slack_id}>" if d.owner_slack_id else ""
        closing.append(
            f"• {d.title} · {money(d.amount, d.currency)} · {d.close_date:%a %d %b} · {d.stage_name}{owner}"
        )
    blocks.append(SectionBlock(text=md("\n".join(closing))))
    overdue = [f"*Overdue tasks:* {data.overdue_total}"]
    for o in data.overdue_by_owner[:10]:
        who = f"<@{o.slack_id}>" if o.slack_id else o.name
        overdue.append(f"• {who}: {o.count}")
    blocks.append(SectionBlock(text=md("\n".join(overdue))))
    return text, blocks


def _stage_lines(data: PipelineSummary) -> list[str]:
    """A line per stage; under each pipeline's name when the workspace has several."""
    lines: list[str] = []
    heading = None
    for s in data.stages:
        if s.pipeline and s.pipeline != heading:
            heading = s.pipeline
            lines.append(f"*{s.pipeline}*")
        chance = f" ({s.probability}%)" if s.probability is not None and not s.is_closed else ""
        closed = " (all time)" if s.is_closed else ""
        lines.append(f"• *{s.name}*{chance}{closed}: {s.count} · {moneys(s.amounts, data.currency)}")
    return lines


def _change_lines(data: PipelineSummary) -> list[str]:
    since_local = data.since.astimezone(zone(data.tz))
    counts = data.change_counts
    lines = [
        f"*Since {since_local:%a %d %b %H:%M}:* {counts.get('new', 0)} new · {counts.get('moved', 0)} moved · "
        f"{counts.get('won', 0)} won · {counts.get('lost', 0)} lost"
    ]
    labels = {"new": ":new:", "moved": ":arrow_right:", "won": ":trophy:", "lost": ":x:"}
    for kind in ("won", "lost", "new", "moved"):
        listed = data.changes.get(kind, [])
        for c in listed:
            move = f" ({c.from_stage} → {c.to_stage})" if kind == "moved" and c.from_stage else ""
            lines.append(f"{labels[kind]} {c.title}{move} · {money(c.amount, c.currency)}")
        if counts.get(kind, 0) > len(listed):
            # The count above is every one; say so where the list stops.
            lines.append(f"   … and {counts[kind] - len(listed)} more {kind}")
    return lines


KIND = Kind(
    name=NAME,
    plan=plan,
    still_due=still_due,
    next_due=next_due,
    render=render,
    uploads=uploads,
)
