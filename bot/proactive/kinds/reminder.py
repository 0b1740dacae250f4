"""Task reminders: a DM to the assignee when a task's ``remind_at`` passes (its due instant, 09:00 in
the assignee's zone for a task due on a day, or where a snooze put it), with Done, Snooze and Open.

The task service keeps ``remind_at``/``reminder_state`` in step with the task (completing, rescheduling,
reassigning, snoozing), so planning only has to pick up what fell due; the dedupe key is the task, its
assignee and the reminder instant (``bot.services.keys.reminder_key``, which the task service also
uses to re-arm a reminder that was held back)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, SectionBlock
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.blocks import cards
from bot.blocks.common import esc
from bot.commands.registry import Ctx, Reply
from bot.proactive.blockkit import dicts, late_note, local_time, md, when_local
from bot.proactive.kind import Button, Kind, Planned, Rendered
from bot.proactive.outbox import delivery, enqueue, iso
from bot.services import targets
from bot.services.keys import reminder_key
from bot.services.proactive import Proactive
from bot.services.views import Written
from models import Contact, Deal, Task, User

NAME = "reminder"
REMINDER_DONE = "reminder_done"
REMINDER_SNOOZE_HOUR = "reminder_snooze_hour"
REMINDER_SNOOZE_TOMORROW = "reminder_snooze_tomorrow"
REMINDER_OPEN = "reminder_open"


# ---- data ------------------------------------------------------------------------------------------


def plan(s: Session, now: datetime, batch: int) -> Planned:
    rows = s.execute(
        select(
            Task.id,
            Task.workspace_id,
            Task.title,
            Task.due_date,
            Task.due_utc,
            Task.remind_at,
            Task.assignee_id,
        )
        .where(Task.reminder_state == "pending", Task.remind_at <= now, Task.done_at.is_(None))
        .order_by(Task.remind_at, Task.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    if not rows:
        return Planned(0)
    users = _users(s, {r.assignee_id for r in rows if r.assignee_id})
    links = targets.links_of(s, Task, [r.id for r in rows])
    contacts = _names(s, Contact.id, Contact.name, {x["contact"] for x in links.values() if "contact" in x})
    deals = _names(s, Deal.id, Deal.title, {x["deal"] for x in links.values() if "deal" in x})
    out = []
    for r in rows:
        user = users.get(r.assignee_id)
        if user is None:
            continue
        payload = {
            "task_id": r.id,
            "title": r.title,
            "due_date": iso(r.due_date),
            "due_utc": iso(r.due_utc),
            "remind_at": iso(r.remind_at),
            "assignee_id": r.assignee_id,
            "tz": user[1],
            "contact": contacts.get(links[r.id].get("contact", 0)),
            "deal": deals.get(links[r.id].get("deal", 0)),
            "snoozed": r.remind_at != r.due_utc,
        }
        out.append(
            delivery(
                workspace_id=r.workspace_id,
                kind=NAME,
                key=reminder_key(r.id, r.assignee_id, r.remind_at),
                channel=user[0],
                user_id=r.assignee_id,
                payload=payload,
                due=r.remind_at,
                now=now,
            )
        )
    made = enqueue(s, out)
    s.execute(
        update(Task)
        .where(Task.id.in_([r.id for r in rows]))
        .values(reminder_state="sent", reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    return Planned(made, more=len(rows) >= batch)


def _users(s: Session, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    ids = list(ids)
    if not ids:
        return {}
    return {
        r[0]: (r[1], r[2]) for r in s.execute(select(User.id, User.slack_id, User.tz).where(User.id.in_(ids)))
    }


def _names(s: Session, id_col: Any, name_col: Any, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {r[0]: r[1] for r in s.execute(select(id_col, name_col).where(id_col.in_(list(ids))))}


def still_due(s: Session, p: dict[str, Any], user_id: int | None, now: datetime) -> dict[str, Any] | None:
    """Not once the task is done, rescheduled (its reminder moved) or handed to someone else."""
    task = s.get(Task, p["task_id"])
    if task is None or task.done_at is not None or task.assignee_id != p["assignee_id"]:
        return None
    if task.remind_at is None or iso(task.remind_at) != p["remind_at"]:
        return None
    return p


def preload(p: dict[str, Any]) -> Mapping[type[Any], Iterable[int]]:
    return {Task: [p["task_id"]]}


def next_due(s: Session, after: datetime, until: datetime) -> datetime | None:
    found: datetime | None = s.scalar(
        select(func.min(Task.remind_at)).where(
            Task.reminder_state == "pending",
            Task.done_at.is_(None),
            Task.remind_at > after,
            Task.remind_at <= until,
        )
    )
    return found


# ---- presentation ----------------------------------------------------------------------------------


def render(payload: dict[str, Any], *, late: bool = False, now: datetime | None = None) -> Rendered:
    tz = payload.get("tz") or "UTC"
    task_id = str(payload["task_id"])
    due = when_local(payload.get("due_utc"), payload.get("due_date"), tz, now)
    about = " · ".join(x for x in (payload.get("contact"), payload.get("deal")) if x)
    lead = "Reminder (snoozed)" if payload.get("snoozed") else "Reminder"
    text = f"{lead}: {payload['title']} — due {due}" + (" (late)" if late else "")
    lines = f":alarm_clock: *{lead}:* {payload['title']}\nDue {due}" + (f" · {about}" if about else "")
    blocks: list[Block] = [SectionBlock(block_id=f"reminder:{task_id}", text=md(lines))]
    blocks += late_note(late, payload.get("remind_at"), tz, now)
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
    return text, dicts(blocks)


def _task_reply(headline: str, written: Written) -> Reply:
    task = written.task
    title = esc(task.title) if task else "the task"
    return Reply(
        headline.format(title=title), cards.written(headline.format(title=title), [], op_id=written.op_id)
    )


def press_done(ctx: Ctx, action: dict[str, Any]) -> Reply:
    """Done, on a reminder or on one line of the overdue nudge."""
    buttons = Proactive(ctx.crm)
    return _task_reply("✅ Done: *{title}*", buttons.done(ctx.actor, int(action["value"])))


def _snoozed(ctx: Ctx, written: Written, until: datetime) -> Reply:
    return _task_reply(
        "⏰ Snoozed *{title}*: I'll remind you again " + local_time(until, ctx.tz) + ".", written
    )


def press_snooze_hour(ctx: Ctx, action: dict[str, Any]) -> Reply:
    buttons = Proactive(ctx.crm)
    written, until = buttons.snooze_hour(ctx.actor, int(action["value"]))
    return _snoozed(ctx, written, until)


def press_snooze_tomorrow(ctx: Ctx, action: dict[str, Any]) -> Reply:
    buttons = Proactive(ctx.crm)
    written, until = buttons.snooze_tomorrow(ctx.actor, int(action["value"]))
    return _snoozed(ctx, written, until)


def press_open(ctx: Ctx, action: dict[str, Any]) -> Reply:
    """The task with its details, below the reminder (which stays, buttons and all)."""
    task = ctx.crm.task(ctx.actor, int(action["value"]))
    return Reply(task.title, cards.task_list("Task", [task], ctx.tz, show_assignee=True))


KIND = Kind(
    name=NAME,
    plan=plan,
    still_due=still_due,
    preload=preload,
    next_due=next_due,
    render=render,
    buttons=(
        Button(REMINDER_DONE, press=press_done),
        Button(REMINDER_SNOOZE_HOUR, press=press_snooze_hour),
        Button(REMINDER_SNOOZE_TOMORROW, press=press_snooze_tomorrow),
        Button(REMINDER_OPEN, press=press_open, below=True),
    ),
)
