"""A report a channel subscribed to (``/crm report subscribe``): read when its run falls due, as its
subscriber may see it, over the period counted from that day in the subscription's zone; posted with its
charts (drawn when delivered, from what the payload says to draw) and the figures as text beside them.
The dedupe key is the subscription and the run it was scheduled for, so two schedulers plan it once."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.common import context, section
from bot.blocks.messages import message
from bot.blocks.report_charts import charts
from bot.blocks.reports import Reading, compose, span, title_block
from bot.charts import ChartSpec, draw
from bot.proactive.blockkit import dicts
from bot.proactive.kind import Kind, Planned, Rendered, Upload
from bot.proactive.outbox import earliest_between, key_time, post_to_channel
from bot.services import CRM, Actor, policy, tenancy
from bot.services.errors import DomainError
from bot.services.report_subscriptions import next_run, period_days, weekdays_of
from bot.services.timeutil import zone
from models import Pipeline, ReportSubscription, User

NAME = "report"


def _crm(s: Session, now: datetime) -> CRM:
    """The services over the planning transaction's own connection: a second connection could not read
    while it holds SQLite's write lock, and on PostgreSQL the report sees what the plan sees."""
    joined = sessionmaker(
        bind=s.connection(), expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    return CRM(tenancy.install(joined), lambda: now)


def _read(s: Session, crm: CRM, sub: ReportSubscription, now: datetime, run: datetime) -> dict[str, Any]:
    """The report's title, lines and charts as its subscriber may see them now, over the period counted
    from the day of the run it is for (a catch-up after an outage reports on the run's days), in the
    subscription's zone; a refusal (the subscriber is a rep now) is said in the channel rather than kept quiet."""
    who = s.get(User, sub.created_by) if sub.created_by else None
    owner = s.get(User, sub.owner_id) if sub.owner_id else None
    if who is None:
        return {"refused": "Whoever subscribed this report has left the workspace."}
    actor = Actor(sub.workspace_id, who.id, who.slack_id, sub.tz, who.role, who.name)
    owner_id = owner.slack_id if owner else None
    # Its pipeline by the name it has now (renamed since, perhaps).
    pipeline = s.get(Pipeline, sub.pipeline_id) if sub.pipeline_id else None
    start, end = period_days(sub.period, run.astimezone(zone(sub.tz)).date(), sub.measure)
    reading = Reading(crm, actor, now)
    try:
        if owner is None or owner.id != who.id:
            # Subscribed as a manager, perhaps: a rep now may not post others' figures.
            policy.require(s, actor, "report subscriptions")
        shown = compose(
            reading, sub.measure, start, end, owner_id, pipeline=pipeline.name if pipeline else None
        )
        specs = charts(reading, shown, owner_id)
    except DomainError as exc:
        return {"refused": message(exc)}
    return {
        "title": shown.title,
        "text": shown.text,
        "lines": shown.lines,
        "context": shown.how,
        "span": [start.isoformat(), end.isoformat()],
        "charts": [spec.to_json() for spec in specs],
    }


def plan(s: Session, now: datetime, batch: int) -> Planned:
    subs = list(
        s.scalars(
            select(ReportSubscription)
            .where(ReportSubscription.next_run_at <= now)
            .order_by(ReportSubscription.next_run_at, ReportSubscription.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    )
    made = 0
    crm = _crm(s, now) if subs else None
    for sub in subs:
        assert crm is not None
        scheduled = sub.next_run_at
        payload = {"subscription_id": sub.id, "tz": sub.tz, **_read(s, crm, sub, now, scheduled)}
        made += post_to_channel(
            s,
            workspace_id=sub.workspace_id,
            kind=NAME,
            key=f"report:{sub.id}:{key_time(scheduled)}",
            channel=sub.channel_id,
            payload=payload,
            due=scheduled,
            now=now,
        )
        # After an outage: one catch-up report, then the rhythm.
        sub.last_run_at = now
        sub.next_run_at = next_run(sub.frequency, weekdays_of(sub), sub.time_local, sub.tz, now)
    return Planned(made, more=len(subs) >= batch)


def still_due(s: Session, p: dict[str, Any], user_id: int | None, now: datetime) -> dict[str, Any] | None:
    """Not once the subscription was removed."""
    return p if s.get(ReportSubscription, p.get("subscription_id")) is not None else None


def next_due(s: Session, after: datetime, until: datetime) -> datetime | None:
    return earliest_between(s, ReportSubscription.next_run_at, after, until)


# ---- presentation ----------------------------------------------------------------------------------


def render(payload: dict[str, Any], *, late: bool = False, now: datetime | None = None) -> Rendered:
    if payload.get("refused"):
        text = f"I could not post this report: {payload['refused']}"
        return text, dicts([section(text)])
    start, end = payload["span"]
    blocks = [
        title_block(payload["title"]),
        section("\n".join(payload["lines"])),
        context(f"{span(date.fromisoformat(start), date.fromisoformat(end))} · {payload['context']}"),
    ]
    if payload.get("charts"):
        blocks.append(context("📈 The chart follows."))
    return str(payload["text"]), dicts(blocks)


def uploads(payload: dict[str, Any]) -> list[Upload]:
    out = []
    for data in payload.get("charts") or []:
        spec = ChartSpec.from_json(data)
        out.append(Upload(spec.filename, draw(spec), spec.caption or spec.title))
    return out


KIND = Kind(
    name=NAME,
    plan=plan,
    still_due=still_due,
    next_due=next_due,
    render=render,
    uploads=uploads,
)
