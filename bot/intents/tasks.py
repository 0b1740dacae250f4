"""Tasks: add one (for yourself or a teammate), mark one done, list them; and the edit of one from its card."""

from __future__ import annotations

from typing import Any

from bot.blocks import cards
from bot.blocks import ids as action_ids
from bot.blocks.common import as_said, button, due_phrase, esc, user
from bot.blocks.modals import Field, Form, pick
from bot.commands.registry import Ctx, Reply
from bot.dispatch import escaped, execute, run_verb, verb_of
from bot.intents.common import edit_button
from bot.services.errors import NotFound
from bot.services.views import Written
from bot.spec import Ask, Edit, IntentSpec, Verb

GROUP = "Tasks"


def create_task(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    def make(link: bool) -> Written:
        return ctx.crm.create_task(
            ctx.actor,
            slots.get("title", ""),
            assignee=slots.get("assignee"),
            due=slots.get("due"),
            contact=slots.get("contact") if link else None,
            deal=slots.get("deal") if link else None,
            force=bool(slots.get("force")),
            ask_if_past=True,
        )

    note = ""
    try:
        w = make(True)
    except NotFound as exc:
        if exc.kind not in ("contact", "deal"):
            raise
        # The name in a task is context, not a must: the task is made, just not linked.
        w = make(False)
        note = f"_No {exc.kind} called “{esc(exc.ref)}” on file, so the task is not linked to one._"
    t = w.task
    assert t is not None
    who = "you" if t.assignee_slack_id == ctx.user_id else user(t.assignee_slack_id)
    edit_slots = {
        "title": t.title,
        "assignee": t.assignee_slack_id,
        "due": t.due_at.isoformat() if t.due_at else t.due_date.isoformat() if t.due_date else None,
        "contact": t.contact,
        "deal": t.deal,
    }
    blocks = cards.written(
        f"☐ Task *{esc(t.title)}* for {who} · {due_phrase(t.due_date, t.due_at, ctx.tz)}"
        + (f" · re {esc(t.contact or t.deal)}" if t.contact or t.deal else ""),
        [note] if note else [],
        op_id=w.op_id,
        edit=edit_button("create_task", edit_slots, "edit", {}, task=t.id),
        next_steps=[cards.task_done_button(t)],
    )
    return Reply(f"Task {t.title} for {who}", blocks)


def complete_task(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    w = ctx.crm.complete_task(ctx.actor, slots["task"])
    t = w.task
    assert t is not None
    follow_up = (
        button("Add follow-up", action_ids.ADD_FOLLOW_UP, {"contact": t.contact, "label": t.contact})
        if t.contact
        else None
    )
    blocks = cards.written(f"✅ Done: *{esc(t.title)}*", [], op_id=w.op_id, next_steps=[follow_up])
    return Reply(f"Done: {t.title}", blocks)


def list_tasks(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    # A name as written was found among the team by bot.dispatch.know_people before this runs.
    # No one named at all ("who has overdue tasks?", "show all overdue"): the parser gives the sender when
    # the message is about them, so a list without an assignee is the whole team's.
    everyone = "assignee" not in slots
    assignee = slots.get("assignee") or ctx.user_id
    scope = slots.get("scope") or "all"
    tasks = ctx.crm.list_tasks(ctx.actor, assignee=assignee, scope=scope, limit=40, everyone=everyone)
    label = {
        "all": "open tasks",
        "today": "tasks due today",
        "overdue": "overdue tasks",
        "week": "tasks for the coming 7 days",
    }.get(scope, "tasks")
    if everyone:
        title = f"The team's {label}"
        return Reply(f"{title}: {len(tasks)}", cards.task_list(title, tasks, ctx.tz, show_assignee=True))
    whose = "Your" if assignee == ctx.user_id else f"{user(assignee)}'s"
    title = f"{whose} {label}"
    if scope == "today":
        title = f"{whose} day"
        return Reply(f"{title}: {len(tasks)}", cards.task_day(title, tasks, ctx.tz))
    return Reply(f"{title}: {len(tasks)}", cards.task_list(title, tasks, ctx.tz))


def edit_task_form(ctx: Ctx, record: dict[str, Any], slots: dict[str, Any]) -> Reply:
    """The Edit form of a task's card: the task changed in place."""
    w = ctx.crm.edit_task(
        ctx.actor,
        int(record["task"]),
        title=slots.get("title"),
        due=slots.get("due"),
        assignee=slots.get("assignee"),
        contact=slots.get("contact"),
        deal=slots.get("deal"),
    )
    t = w.task
    assert t is not None
    headline = (
        f"☐ Updated task *{esc(t.title)}* for {user(t.assignee_slack_id)} · "
        f"{due_phrase(t.due_date, t.due_at, ctx.tz)}"
    )
    blocks = cards.written(headline, [], op_id=w.op_id, next_steps=[cards.task_done_button(t)])
    return Reply(f"Updated task {t.title}", blocks)


# ---- the specs -----------------------------------------------------------------------------------------


def _added(slots: dict[str, Any]) -> str:
    s = escaped(slots)
    text = f"Add task “{s.get('title', '?')}”"
    if s.get("assignee"):
        text += f" for {user(str(slots['assignee']))}"
    if s.get("due"):
        text += f" due {as_said(slots['due'])}"
    return text


def _done(slots: dict[str, Any]) -> str:
    return f"Mark “{escaped(slots).get('task', '?')}” done"


def _task_done(ctx: Ctx, args: str) -> Reply:
    """``task done TASK``: the task as written (the words a message would leave out, "task" among them,
    are part of its title here)."""
    verb = verb_of("task done")
    if not args.strip() or verb is None:
        return execute(ctx, {"intent": "complete_task", "slots": {}})
    return run_verb(ctx, verb, args, extra={"task": args.strip()})


SPECS = (
    IntentSpec(
        "create_task",
        create_task,
        writes=True,
        asks=(Ask(("title",), "What is the task?", "/crm task add call Jane tomorrow 3pm"),),
        read_back=_added,
        form=Form(
            "Task",
            (
                Field("title", "Task", required=True),
                Field("assignee", "Assignee", "user"),
                Field("due", "Due", "datetime"),
                pick("contact", "Contact"),
                pick("deal", "Deal"),
            ),
        ),
        edit=Edit("task", edit_task_form),
        verbs=(
            Verb(
                "task add",
                "task add TITLE [for @someone] [DUE]",
                "Add a task for yourself or someone else; the due date is read in your time zone.",
                GROUP,
                ("task add call Jane tomorrow 3pm", "task add send contract for @bob by Friday"),
            ),
        ),
    ),
    IntentSpec(
        "complete_task",
        complete_task,
        writes=True,
        asks=(Ask(("task",), "Which task is done?", "/crm task done call Jane"),),
        read_back=_done,
        form=Form("Complete a task", (Field("task", "Task", required=True),)),
        verbs=(
            Verb(
                "task done",
                "task done TASK",
                "Mark a task done.",
                GROUP,
                ("task done call Jane",),
                run=_task_done,
            ),
        ),
    ),
    IntentSpec(
        "list_tasks",
        list_tasks,
        verbs=(
            Verb(
                "tasks",
                "tasks [today|overdue|week] [@someone]",
                "Open tasks: yours or someone's, all or due today, overdue, or in the coming 7 days (week).",
                GROUP,
                ("tasks overdue", "tasks week @bob"),
            ),
        ),
    ),
)
