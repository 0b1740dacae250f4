"""Tasks: adding, completing, rescheduling, snoozing, reassigning and editing them, and the lists of
what is due. A task falls due in its assignee's zone and is reminded of then (bot/services/proactive.py
sends the reminder).

Public for the other services: :func:`task_view`, :func:`find_task`, :func:`new_task`,
:func:`change_task`, :func:`schedule` and :func:`rearm_reminder`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot.services import fields, rooms, targets
from bot.services.base import UNSET, Actor, Op, Ref, Service, aware, lock_row
from bot.services.contacts import find_contact
from bot.services.deals import find_deal
from bot.services.errors import AskFirst, Invalid, NotFound
from bot.services.keys import reminder_key
from bot.services.lookup import pick, rank
from bot.services.text import fold
from bot.services.timeutil import due_instant, local_day_bounds, parse_when, today_in, years_ago
from bot.services.views import TaskView, Written
from bot.services.workspace import user_by_slack
from models import Contact, Deal, Delivery, Task, User

TASK_SCOPES = ("today", "overdue", "week", "all")


def _overdue(t: Task, tz: str, now: datetime) -> bool:
    # A task due on a day is on time all that day; one due at a time is late from that time.
    if t.done_at is not None:
        return False
    if t.due_at is not None:
        return t.due_utc is not None and aware(t.due_utc) < now
    return t.due_date is not None and t.due_date < today_in(tz, now)


def _overdue_clause(today: date, now: datetime) -> Any:
    """The same rule as ``_overdue`` in SQL, for one assignee whose day is ``today``."""
    return or_(
        and_(Task.due_at.is_not(None), Task.due_utc < now),
        and_(Task.due_at.is_(None), Task.due_date < today),
    )


def task_view(s: Session, t: Task, now: datetime) -> TaskView:
    """The task as shown; ``now`` tells whether it is overdue."""
    assignee = s.get(User, t.assignee_id) if t.assignee_id else None
    creator = s.get(User, t.creator_id) if t.creator_id else None
    contact_id, deal_id = targets.linked(t, "contact"), targets.linked(t, "deal")
    contact = s.get(Contact, contact_id) if contact_id else None
    deal = s.get(Deal, deal_id) if deal_id else None
    return TaskView(
        t.id,
        t.title,
        assignee.slack_id if assignee else None,
        creator.slack_id if creator else None,
        t.due_date,
        t.due_at,
        t.due_utc,
        t.done_at,
        contact.name if contact else None,
        deal.title if deal else None,
        _overdue(t, assignee.tz if assignee else "UTC", now),
    )


def schedule(task: Task, assignee: User | None) -> None:
    """When the task falls due in its assignee's zone, and its reminder then (none once done)."""
    tz = assignee.tz if assignee else "UTC"
    task.due_utc = due_instant(task.due_date, task.due_at, tz)
    if task.done_at is None and task.due_utc is not None and assignee is not None:
        task.remind_at = task.due_utc
        task.reminder_state = "pending"
    else:
        task.remind_at = None
        task.reminder_state = "none"


def new_task(
    op: Op,
    *,
    title: str,
    assignee: str | None,
    due: Any,
    contact_row: Contact | None = None,
    deal_row: Deal | None = None,
    check_repeat: bool = False,
) -> Task:
    """A task made in ``op`` (audited there); ``assignee`` a Slack id, the actor when None."""
    s = op.session
    actor = op.actor
    title = fields.name(title, "task title", "task.add")
    assignee_row = user_by_slack(s, actor.workspace_id, assignee or actor.slack_id)
    # The day someone types is read in their zone; the instant is kept in UTC.
    day, at = parse_when(due, actor.tz)
    task = Task(
        workspace_id=actor.workspace_id,
        title=title,
        title_key=fold(title),
        assignee_id=assignee_row.id,
        creator_id=actor.user_id,
        due_date=day,
        due_at=at,
    )
    targets.link(task, "contact", contact_row)
    targets.link(task, "deal", deal_row)
    schedule(task, assignee_row)
    s.add(task)
    if check_repeat:
        op.refuse_repeat(task, title)
    s.flush()
    return task


def _check_due(due: Any, tz: str, now: datetime, force: bool) -> None:
    day, at = parse_when(due, tz)
    if day is None and at is None:
        return
    local = day if day is not None else today_in(tz, at)
    if years_ago(local, now, tz):
        raise Invalid("task.due.long_ago", field="due", value=str(due))
    past = (at is not None and at < now) or (day is not None and day < today_in(tz, now))
    if past and not force:
        raise AskFirst("task.due.past", value=str(due))


def find_task(s: Session, actor: Actor, ref: Ref, *, open_only: bool = True) -> Task:
    """The task a person named, locked: theirs first, then anyone's; ``open_only``: not done."""
    if isinstance(ref, int):
        task = lock_row(s, Task, ref)
        if task is None or task.workspace_id != actor.workspace_id:
            raise NotFound("record.not_found", kind="task", ref=str(ref))
        return task
    where = [Task.done_at.is_(None)] if open_only else []
    mine = rank(
        s,
        Task,
        Task.title_key,
        Task.title,
        actor.workspace_id,
        ref,
        extra_where=[*where, Task.assignee_id == actor.user_id],
    )
    matches = (
        mine
        if mine and mine[0].score >= 75
        else rank(s, Task, Task.title_key, Task.title, actor.workspace_id, ref, extra_where=where)
    )
    task = lock_row(s, Task, pick("task", ref, matches))
    assert task is not None
    return task


def change_task(
    s: Session, actor: Actor, task: Task, *, title: str | None, due: Any, assignee: Any = UNSET
) -> None:
    """Rename, reschedule (``due`` UNSET: keep it) and reassign (a Slack id) a task, and schedule it
    again for whoever holds it now. The caller's op records the change."""
    if title:
        task.title = fields.name(title, "task title", "task")
        task.title_key = fold(task.title)
    if due is not UNSET:
        task.due_date, task.due_at = parse_when(due, actor.tz)
    who = s.get(User, task.assignee_id) if task.assignee_id else None
    if assignee is not UNSET and assignee:
        who = user_by_slack(s, actor.workspace_id, assignee)
        task.assignee_id = who.id
    schedule(task, who)


def rearm_reminder(s: Session, task: Task) -> None:
    """A task reopened by undo with its reminder marked sent, whose message was in fact cancelled
    (the task was done before it went out): remind again rather than never."""
    if task.done_at is not None or task.reminder_state != "sent" or task.remind_at is None:
        return
    key = reminder_key(task.id, task.assignee_id, task.remind_at)
    if s.scalar(select(Delivery.state).where(Delivery.dedupe_key == key)) == "cancelled":
        task.reminder_state = "pending"


class Tasks(Service):
    def create_task(
        self,
        actor: Actor,
        title: str,
        *,
        assignee: str | None = None,
        due: Any = None,
        contact: Ref | None = None,
        deal: Ref | None = None,
        force: bool = False,
        ask_if_past: bool = False,
    ) -> Written:
        """``force``: add it even though the person added the same task a moment ago (or due in the
        past); ``ask_if_past``: a due date a person gave that is past is asked about first, and one
        more than a year ago refused (seeded and imported tasks may be overdue from the start)."""
        fields.name(title, "task title", "task.add")
        if ask_if_past:
            _check_due(due, actor.tz, self.now(), force)
        with self.op(actor) as op:
            s = op.session
            contact_row = find_contact(s, actor, contact) if contact else None
            deal_row = find_deal(s, actor, deal) if deal else None
            task = new_task(
                op,
                title=title,
                assignee=assignee,
                due=due,
                contact_row=contact_row,
                deal_row=deal_row,
                check_repeat=not force,
            )
            view = task_view(s, task, self.now())
            if deal_row is not None:
                due = view.due_date.isoformat() if view.due_date else None
                detail = {"task": view.title, "assignee": view.assignee_slack_id, "due": due}
                rooms.announce(op, deal_row, "task", detail)
            return Written(op.id, task=view)

    def complete_task(self, actor: Actor, ref: Ref) -> Written:
        with self.edit(actor, lambda op: find_task(op.session, actor, ref)) as edit:
            task = edit.record
            if task.done_at is None:
                task.done_at = self.now()
                task.reminder_state = "none"
            return Written(edit.op.id, task=task_view(edit.session, task, self.now()))

    def reschedule_task(self, actor: Actor, ref: Ref, due: Any) -> Written:
        with self.edit(actor, lambda op: find_task(op.session, actor, ref)) as edit:
            s, task = edit.session, edit.record
            task.due_date, task.due_at = parse_when(due, actor.tz)
            schedule(task, s.get(User, task.assignee_id) if task.assignee_id else None)
            return Written(edit.op.id, task=task_view(s, task, self.now()))

    def snooze_task(self, actor: Actor, ref: Ref, until: datetime) -> Written:
        """Remind again at ``until``; the due date stays what it was."""
        with self.edit(actor, lambda op: find_task(op.session, actor, ref)) as edit:
            task = edit.record
            task.remind_at = until.astimezone(UTC)
            task.reminder_state = "pending"
            return Written(edit.op.id, task=task_view(edit.session, task, self.now()))

    def reassign_task(self, actor: Actor, ref: Ref, assignee: str) -> Written:
        with self.edit(actor, lambda op: find_task(op.session, actor, ref)) as edit:
            s, task = edit.session, edit.record
            new = user_by_slack(s, actor.workspace_id, assignee)
            task.assignee_id = new.id
            schedule(task, new)
            return Written(edit.op.id, task=task_view(s, task, self.now()))

    def edit_task(
        self,
        actor: Actor,
        task_id: int,
        *,
        title: str | None = None,
        due: Any = UNSET,
        assignee: str | None = None,
        contact: str | None = None,
        deal: str | None = None,
    ) -> Written:
        """Rename, reschedule, reassign or relink a task in one operation."""
        with self.edit(actor, lambda op: find_task(op.session, actor, task_id, open_only=False)) as edit:
            s, task = edit.session, edit.record
            if contact:
                targets.link(task, "contact", find_contact(s, actor, contact))
            if deal:
                targets.link(task, "deal", find_deal(s, actor, deal))
            change_task(s, actor, task, title=title, due=due, assignee=assignee or UNSET)
            return Written(edit.op.id, task=task_view(s, task, self.now()))

    def list_tasks(
        self,
        actor: Actor,
        *,
        assignee: str | None = None,
        scope: str = "all",
        limit: int = 25,
        everyone: bool = False,
    ) -> list[TaskView]:
        """Open tasks of one person (the actor unless ``assignee``), or of the whole team (``everyone``)."""
        if scope not in TASK_SCOPES:
            raise Invalid("task.scope.unknown", field="scope", value=scope)
        with self.read(actor) as s:
            # the team's days are read in the asker's zone
            who = user_by_slack(
                s, actor.workspace_id, actor.slack_id if everyone else assignee or actor.slack_id
            )
            q = select(Task).where(Task.done_at.is_(None))
            if not everyone:
                q = q.where(Task.assignee_id == who.id)
            now = self.now()
            # "Today" and "this week" are the reader's days, not UTC's.
            today = today_in(who.tz, now)
            if scope == "overdue":
                q = q.where(_overdue_clause(today, now))
            elif scope == "today":
                _, end = local_day_bounds(today, who.tz)
                q = q.where(Task.due_utc < end)
            elif scope == "week":
                # The coming seven days (today and the six after), whatever day today is: on a Sunday
                # the calendar week would hold today alone.
                _, end = local_day_bounds(today + timedelta(days=6), who.tz)
                q = q.where(Task.due_utc < end)
            q = q.order_by(Task.due_utc.is_(None), Task.due_utc, Task.id).limit(limit)
            return [task_view(s, t, now) for t in s.scalars(q)]

    def task(self, actor: Actor, task_id: int) -> TaskView:
        with self.read(actor) as s:
            t = s.get(Task, task_id)
            if t is None or t.workspace_id != actor.workspace_id:
                raise NotFound("record.not_found", kind="task", ref=str(task_id))
            return task_view(s, t, self.now())
