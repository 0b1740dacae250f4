"""The daily overdue nudge: one DM a day per person with tasks that fell due on an earlier day, from
09:00 their time, listing them (each line with its Done button). Tasks reminded, or snoozed to, today are
left to their own reminder. The dedupe key is the person and their local day."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from slack_sdk.models.blocks import Block, ButtonElement, ContextBlock, SectionBlock
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.proactive.blockkit import dicts, md, when_local
from bot.proactive.kind import Kind, Planned, Rendered
from bot.proactive.kinds.reminder import REMINDER_DONE
from bot.proactive.local import next_local_time
from bot.proactive.outbox import delivery, enqueue, iso
from bot.services.timeutil import local_day_bounds, zone
from models import Delivery, Task, User

NAME = "overdue_nudge"
# The nudge goes out once a day, from this local time on.
NUDGE_AT = time(9, 0)
NUDGE_LIST = 10
# Block ids of the nudge's lines: Done on one of them answers below, and the nudge keeps its other lines.
LINE = "nudge_task:"


# ---- data ------------------------------------------------------------------------------------------


def plan(s: Session, now: datetime, batch: int) -> Planned:
    """One message a day per person with tasks overdue from an earlier day, listing them. Everyone is
    looked at in one step (a grouped query), so there is no batch to continue."""
    candidates = s.execute(
        select(Task.assignee_id, func.min(Task.due_utc))
        .where(Task.done_at.is_(None), Task.due_utc < now, Task.assignee_id.is_not(None))
        .group_by(Task.assignee_id)
    ).all()
    if not candidates:
        return Planned(0)
    users = {u.id: u for u in s.scalars(select(User).where(User.id.in_([c[0] for c in candidates])))}
    wanted: dict[str, tuple[User, date, datetime]] = {}
    for user_id, oldest in candidates:
        user = users.get(user_id)
        if user is None:
            continue
        local_now = now.astimezone(zone(user.tz))
        if local_now.time() < NUDGE_AT:
            continue
        day_start, _ = local_day_bounds(local_now.date(), user.tz)
        if oldest >= day_start:
            continue  # everything overdue fell due today: today's reminders covered it
        wanted[f"nudge:{user.id}:{local_now.date().isoformat()}"] = (user, local_now.date(), day_start)
    if not wanted:
        return Planned(0)
    done = set(s.scalars(select(Delivery.dedupe_key).where(Delivery.dedupe_key.in_(list(wanted)))))
    out = []
    for key, (user, day, day_start) in wanted.items():
        if key in done:
            continue
        row = _nudge(s, key, user, day, day_start, now)
        if row is not None:
            out.append(row)
    return Planned(enqueue(s, out))


def _nudge(
    s: Session, key: str, user: User, day: date, day_start: datetime, now: datetime
) -> dict[str, Any] | None:
    where = (
        Task.assignee_id == user.id,
        Task.done_at.is_(None),
        Task.due_utc < day_start,
        # A task reminded today, or snoozed to later today, has had (or will get) its own message: not twice.
        (Task.remind_at.is_(None)) | (Task.remind_at < day_start),
        (Task.reminded_at.is_(None)) | (Task.reminded_at < day_start),
    )
    total = s.scalar(select(func.count(Task.id)).where(*where)) or 0
    tasks = s.execute(
        select(Task.id, Task.title, Task.due_date, Task.due_utc)
        .where(*where)
        .order_by(Task.due_utc, Task.id)
        .limit(NUDGE_LIST)
    ).all()
    if not tasks:
        return None
    payload = {
        "date": day.isoformat(),
        "tz": user.tz,
        "total": int(total),
        "tasks": [
            {"id": t.id, "title": t.title, "due_date": iso(t.due_date), "due_utc": iso(t.due_utc)}
            for t in tasks
        ],
    }
    due = datetime.combine(day, NUDGE_AT, tzinfo=zone(user.tz)).astimezone(UTC)
    return delivery(
        workspace_id=user.workspace_id,
        kind=NAME,
        key=key,
        channel=user.slack_id,
        user_id=user.id,
        payload=payload,
        due=due,
        now=now,
    )


def still_due(s: Session, p: dict[str, Any], user_id: int | None, now: datetime) -> dict[str, Any] | None:
    """The tasks still open and still the person's; none left, no nudge."""
    ids = [t["id"] for t in p["tasks"]]
    still_open = set(
        s.scalars(
            select(Task.id).where(Task.id.in_(ids), Task.done_at.is_(None), Task.assignee_id == user_id)
        )
    )
    gone = len(ids) - len(still_open)
    p["tasks"] = [t for t in p["tasks"] if t["id"] in still_open]
    p["total"] = max(int(p["total"]) - gone, len(p["tasks"]))
    return p if p["tasks"] else None


def preload(p: dict[str, Any]) -> Mapping[type[Any], Iterable[int]]:
    return {Task: [t["id"] for t in p.get("tasks", [])]}


def next_due(s: Session, after: datetime, until: datetime) -> datetime | None:
    """The next 09:00 in any of the team's zones (whether anyone will have overdue tasks then is only
    known by planning at that moment)."""
    return next_local_time(s, NUDGE_AT, after, until)


# ---- presentation ----------------------------------------------------------------------------------


def render(payload: dict[str, Any], *, late: bool = False, now: datetime | None = None) -> Rendered:
    tz = payload.get("tz") or "UTC"
    tasks = payload["tasks"]
    total = int(payload.get("total") or len(tasks))
    noun = "task is" if total == 1 else "tasks are"
    text = f"{total} {noun} overdue: " + "; ".join(t["title"] for t in tasks)
    blocks: list[Block] = [SectionBlock(text=md(f":warning: *{total} {noun} overdue*"))]
    for t in tasks:
        due = when_local(t.get("due_utc"), t.get("due_date"), tz, now)
        blocks.append(
            SectionBlock(
                block_id=f"{LINE}{t['id']}",
                text=md(f"• {t['title']} — was due {due}"),
                # The reminder's own Done: the reminder kind handles the press.
                accessory=ButtonElement(text="Done", action_id=REMINDER_DONE, value=str(t["id"])),
            )
        )
    if total > len(tasks):
        blocks.append(ContextBlock(elements=[md(f"…and {total - len(tasks)} more: /crm tasks overdue")]))
    return text, dicts(blocks)


KIND = Kind(
    name=NAME,
    plan=plan,
    # Sent per local day: looking every round (seconds apart) would only re-read the same tables.
    scan_every=timedelta(minutes=1),
    still_due=still_due,
    preload=preload,
    next_due=next_due,
    render=render,
    lines=(LINE,),
)
