"""Edits of what a chat message wrote: an interaction with its follow-up task, or a task, as one op.

They belong to the service layer (one transaction, audited, undoable) and use the CRM's own lookups,
so an edited reference resolves exactly like a typed one.
"""

from __future__ import annotations

from typing import Any

from bot.services import policy
from bot.services.base import Actor, lock_row, snapshot
from bot.services.crm import CRM, _name, _summary
from bot.services.errors import Invalid, NotFound
from bot.services.text import fold
from bot.services.timeutil import parse_when
from bot.services.views import Written
from models import Company, Interaction, Task, User
from models.entities import INTERACTION_KINDS

UNSET: Any = object()


def edit_interaction(
    crm: CRM,
    actor: Actor,
    interaction_id: int,
    *,
    task_id: int | None = None,
    kind: str | None = None,
    summary: str | None = None,
    contact: int | str | None = UNSET,
    company: int | str | None = UNSET,
    occurred_at: Any = UNSET,
    follow_up: dict[str, Any] | None = UNSET,
) -> Written:
    """Change a logged interaction and its follow-up task together; a follow-up may be added or dropped."""
    if kind is not None and kind not in INTERACTION_KINDS:
        raise Invalid(
            "kind", f"“{kind}” is not an interaction kind.", "Kinds: " + ", ".join(INTERACTION_KINDS)
        )
    if follow_up is not UNSET and follow_up and follow_up.get("title"):
        _name(follow_up["title"], "task title", "call Jane tomorrow 3pm")
    with crm.op(actor) as op:
        s = op.session
        interaction = lock_row(s, Interaction, interaction_id)
        if interaction is None or interaction.workspace_id != actor.workspace_id:
            raise NotFound("interaction", str(interaction_id), "It may have been undone.")
        policy.require_change(s, actor, interaction)
        before = snapshot(interaction)
        if kind is not None:
            interaction.kind = kind
        if summary is not None:
            interaction.summary = _summary(summary, kind or interaction.kind)
        contact_row = None
        if contact is not UNSET:
            hint = company if isinstance(company, str) else None
            contact_row = (
                crm._contact(s, actor, contact, hint) if contact is not None and contact != "" else None
            )
            interaction.contact_id = contact_row.id if contact_row else None
            if contact_row is not None and contact_row.company_id and company is UNSET:
                interaction.company_id = contact_row.company_id
        if company is not UNSET:
            if company in (None, ""):
                interaction.company_id = contact_row.company_id if contact_row else None
            elif contact_row is not None and contact_row.company_id and isinstance(company, str):
                interaction.company_id = contact_row.company_id
            else:
                row = crm._company(s, op, actor, company, create=False)
                interaction.company_id = row.id if isinstance(row, Company) else None
        if interaction.contact_id is None and interaction.company_id is None and interaction.deal_id is None:
            raise Invalid("contact", "Who was it with?", "Give a contact or a company.")
        if occurred_at is not UNSET:
            interaction.occurred_at = crm._occurred(occurred_at, actor.tz)
        op.updated(interaction, before)

        task_view = None
        task = None
        if task_id is not None:
            task = lock_row(s, Task, task_id)
            if task is not None and task.workspace_id != actor.workspace_id:
                task = None
            if task is not None and follow_up is not UNSET:
                # The follow-up may have been handed to someone else since: it is theirs now.
                policy.require_change(s, actor, task)
        if follow_up is not UNSET:
            wants = bool(follow_up and (follow_up.get("title") or follow_up.get("due")))
            if task is not None and not wants:
                gone = snapshot(task)
                s.delete(task)
                s.flush()
                op.deleted(task, gone)
                task = None
            elif task is not None and follow_up:
                _change_task(crm, op, task, title=follow_up.get("title"), due=follow_up.get("due", UNSET))
                if interaction.contact_id and task.contact_id != interaction.contact_id:
                    tb = snapshot(task)
                    task.contact_id = interaction.contact_id
                    op.updated(task, tb)
            elif task is None and wants and follow_up:
                from models import Contact

                who = s.get(Contact, interaction.contact_id) if interaction.contact_id else None
                task = crm._new_task(
                    op,
                    title=follow_up.get("title") or f"Follow up with {who.name if who else 'them'}",
                    assignee=follow_up.get("assignee") or actor.slack_id,
                    due=follow_up.get("due"),
                    contact_row=who,
                )
        s.flush()
        if task is not None:
            task_view = crm._task_view(s, task)
        return Written(op.id, interaction=crm._interaction_view(s, interaction), task=task_view)


def _change_task(
    crm: CRM,
    op: Any,
    task: Task,
    *,
    title: str | None,
    due: Any,
    assignee: Any = UNSET,
    before: dict[str, Any] | None = None,
) -> None:
    s = op.session
    before = before if before is not None else snapshot(task)
    if title:
        task.title = _name(title, "task title", "call Jane tomorrow 3pm")
        task.title_key = fold(task.title)
    if due is not UNSET:
        task.due_date, task.due_at = parse_when(due, op.actor.tz)
    who = s.get(User, task.assignee_id) if task.assignee_id else None
    if assignee is not UNSET and assignee:
        who = crm._user_by_slack(s, op.actor.workspace_id, assignee)
        task.assignee_id = who.id
    crm._schedule(task, who)
    op.updated(task, before)


def edit_task(
    crm: CRM,
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
    with crm.op(actor) as op:
        s = op.session
        task = crm._task(s, actor, task_id, open_only=False)
        policy.require_change(s, actor, task)
        # Linked before the change is recorded, so the audit's before → after (and its undo) covers them.
        before = snapshot(task)
        if contact:
            task.contact_id = crm._contact(s, actor, contact).id
        if deal:
            task.deal_id = crm._deal(s, actor, deal).id
        _change_task(crm, op, task, title=title, due=due, assignee=assignee or UNSET, before=before)
        s.flush()
        return Written(op.id, task=crm._task_view(s, task))


def create_company(crm: CRM, actor: Actor, name: str) -> Written:
    """A company on its own (contacts and deals usually create theirs on the way)."""
    from bot.services.views import CompanyView

    with crm.op(actor) as op:
        company = crm._company(op.session, op, actor, _name(name, "company name", "Acme Corp"), create=True)
        assert company is not None
        return Written(op.id, company=CompanyView(company.id, company.name, company.domain))


def logged_values(crm: CRM, actor: Actor, interaction_id: int, task_id: int | None) -> dict[str, Any] | None:
    """What an interaction and its follow-up say now, as intent slots (for the edit form)."""
    with crm.read() as s:
        i = s.get(Interaction, interaction_id)
        if i is None or i.workspace_id != actor.workspace_id:
            return None
        view = crm._interaction_view(s, i)
        # Records by id (a name could match a namesake); the form shows the names (see labels()).
        slots: dict[str, Any] = {
            "kind": view.kind,
            "contact": i.contact_id,
            "company": i.company_id,
            "summary": view.summary,
            "occurred_at": view.occurred_at.isoformat(),
        }
        t = s.get(Task, task_id) if task_id else None
        if t is not None and t.workspace_id == actor.workspace_id:
            due = t.due_at.isoformat() if t.due_at else t.due_date.isoformat() if t.due_date else None
            slots["follow_up"] = {"title": t.title, "due": due}
        slots["labels"] = {k: v for k, v in (("contact", view.contact), ("company", view.company)) if v}
        return slots
