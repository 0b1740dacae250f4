"""Interactions: logging a call, email, meeting, note or message (with its follow-up task, as one
undoable op), editing what was logged, and reading it back for the edit form.

Public for the other services: :func:`interaction_view` and :func:`occurred`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.services import fields, policy, targets
from bot.services.base import UNSET, Actor, Edit, Op, Ref, Service, lock_row
from bot.services.companies import find_company
from bot.services.contacts import find_contact
from bot.services.deals import find_deal, touch_deals
from bot.services.errors import Invalid, NotFound
from bot.services.tasks import change_task, new_task, task_view
from bot.services.timeutil import parse_when, today_in, zone
from bot.services.views import InteractionView, Written
from models import Company, Contact, Deal, Interaction, Task, User
from models.entities import INTERACTION_KINDS


def interaction_view(s: Session, i: Interaction) -> InteractionView:
    author = s.get(User, i.author_id) if i.author_id else None
    ids = {kind: targets.linked(i, kind) for kind in ("contact", "company", "deal")}
    contact = s.get(Contact, ids["contact"]) if ids["contact"] else None
    company = s.get(Company, ids["company"]) if ids["company"] else None
    deal = s.get(Deal, ids["deal"]) if ids["deal"] else None
    return InteractionView(
        i.id,
        i.kind,
        i.summary,
        i.occurred_at,
        author.slack_id if author else None,
        contact.name if contact else None,
        company.name if company else None,
        deal.title if deal else None,
    )


def occurred(value: str | date | datetime | None, tz: str, now: datetime) -> datetime:
    """When something a person logs happened: now unless they said; a day they named (in their zone)
    without a time is now if it is today."""
    if value is None or value == "":
        return now
    day, at = parse_when(value, tz)
    if at is not None:
        return at
    assert day is not None
    if day == today_in(tz, now):
        return now
    # A past day with no time: noon that day, so it sorts on the right day in any zone nearby.
    return datetime.combine(day, datetime.min.time().replace(hour=12), tzinfo=zone(tz)).astimezone(UTC)


def _wants_follow_up(follow_up: dict[str, Any] | None) -> bool:
    return bool(follow_up and (follow_up.get("title") or follow_up.get("due")))


def _logged_company(s: Session, op: Op, contact_row: Contact | None, company: Ref | None) -> Company | None:
    """The company a logged interaction is with: a contact's own when the company was named by words
    (the contact's company is what was meant), else the one named, else the contact's."""
    if company is not None:
        if contact_row is not None and contact_row.company_id and isinstance(company, str):
            return s.get(Company, contact_row.company_id)
        return find_company(s, op, op.actor, company, create=False)
    if contact_row is not None and contact_row.company_id:
        return s.get(Company, contact_row.company_id)
    return None


def _relink(edit: Edit[Interaction], contact: Any, company: Any) -> None:
    """Point an edited interaction at another contact and company (UNSET: leave it)."""
    s, interaction, actor = edit.session, edit.record, edit.op.actor
    contact_row = None
    if contact is not UNSET:
        hint = company if isinstance(company, str) else None
        contact_row = find_contact(s, actor, contact, hint) if contact is not None and contact != "" else None
        targets.link(interaction, "contact", contact_row)
        if contact_row is not None and contact_row.company_id and company is UNSET:
            targets.link(interaction, "company", contact_row.company_id)
    if company is not UNSET:
        if company in (None, ""):
            targets.link(interaction, "company", contact_row.company_id if contact_row else None)
        elif contact_row is not None and contact_row.company_id and isinstance(company, str):
            targets.link(interaction, "company", contact_row.company_id)
        else:
            row = find_company(s, edit.op, actor, company, create=False)
            targets.link(interaction, "company", row if isinstance(row, Company) else None)


def _edit_follow_up(op: Op, interaction: Interaction, task_id: int | None, follow_up: Any) -> Task | None:
    """Change, add or drop the follow-up task of an edited interaction (``follow_up`` UNSET: leave it);
    the task as it is after, if any."""
    s = op.session
    task = lock_row(s, Task, task_id) if task_id is not None else None
    if task is not None and task.workspace_id != op.actor.workspace_id:
        task = None
    if follow_up is UNSET:
        return task
    if task is not None:
        # The follow-up may have been handed to someone else since: it is theirs now.
        policy.require_change(s, op.actor, task)
        if not _wants_follow_up(follow_up):
            s.delete(task)
            s.flush()
            return None
        change_task(s, op.actor, task, title=follow_up.get("title"), due=follow_up.get("due", UNSET))
        contact_id = targets.linked(interaction, "contact")
        if contact_id and targets.linked(task, "contact") != contact_id:
            targets.link(task, "contact", contact_id)
        return task
    if not _wants_follow_up(follow_up):
        return None
    contact_id = targets.linked(interaction, "contact")
    who = s.get(Contact, contact_id) if contact_id else None
    return new_task(
        op,
        title=follow_up.get("title") or f"Follow up with {who.name if who else 'them'}",
        assignee=follow_up.get("assignee") or op.actor.slack_id,
        due=follow_up.get("due"),
        contact_row=who,
    )


def _load(op: Op, interaction_id: int) -> Interaction:
    interaction = lock_row(op.session, Interaction, interaction_id)
    if interaction is None or interaction.workspace_id != op.actor.workspace_id:
        raise NotFound("interaction.not_found", kind="interaction", ref=str(interaction_id))
    return interaction


class Interactions(Service):
    def log_interaction(
        self,
        actor: Actor,
        kind: str,
        summary: str = "",
        *,
        contact: Ref | None = None,
        company: Ref | None = None,
        deal: Ref | None = None,
        occurred_at: str | date | datetime | None = None,
        permalink: str | None = None,
        follow_up: dict[str, Any] | None = None,
        force: bool = False,
    ) -> Written:
        """Log a call/email/meeting/note/message, and its follow-up task, as one undoable operation.
        ``force``: log it even though the person logged the same one a moment ago."""
        if kind not in INTERACTION_KINDS:
            raise Invalid("interaction.kind.unknown", field="kind", value=kind, kinds=list(INTERACTION_KINDS))
        if contact is None and company is None and deal is None:
            raise Invalid("interaction.party.missing", field="contact")
        summary = fields.summary(summary, kind)
        if follow_up and follow_up.get("title"):
            fields.name(follow_up["title"], "task title", "task")
        when = occurred(occurred_at, actor.tz, self.now())
        with self.op(actor) as op:
            s = op.session
            contact_row = (
                find_contact(s, actor, contact, company if isinstance(company, str) else None)
                if contact
                else None
            )
            company_row = _logged_company(s, op, contact_row, company)
            deal_row = find_deal(s, actor, deal, lock=True) if deal else None
            interaction = Interaction(
                workspace_id=actor.workspace_id,
                kind=kind,
                summary=summary,
                occurred_at=when,
                author_id=actor.user_id,
                permalink=permalink,
            )
            targets.link(interaction, "contact", contact_row)
            targets.link(interaction, "company", company_row)
            targets.link(interaction, "deal", deal_row)
            s.add(interaction)
            if not force:
                op.refuse_repeat(interaction, interaction.summary or kind)
            s.flush()
            touch_deals(op, deal_row, contact_row, self.now())
            task_shown = None
            if follow_up and _wants_follow_up(follow_up):
                task = new_task(
                    op,
                    title=follow_up.get("title")
                    or f"Follow up with {contact_row.name if contact_row else 'them'}",
                    assignee=follow_up.get("assignee") or actor.slack_id,
                    due=follow_up.get("due"),
                    contact_row=contact_row,
                    deal_row=deal_row,
                )
                task_shown = task_view(s, task, self.now())
            return Written(op.id, interaction=interaction_view(s, interaction), task=task_shown)

    def edit_interaction(
        self,
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
        """Change a logged interaction and its follow-up task together; a follow-up may be added or
        dropped. Arguments left UNSET stay as they are."""
        if kind is not None and kind not in INTERACTION_KINDS:
            raise Invalid(
                "interaction.kind.unknown_in_edit", field="kind", value=kind, kinds=list(INTERACTION_KINDS)
            )
        if follow_up is not UNSET and follow_up and follow_up.get("title"):
            fields.name(follow_up["title"], "task title", "task")
        with self.edit(actor, lambda op: _load(op, interaction_id)) as edit:
            s, interaction = edit.session, edit.record
            if kind is not None:
                interaction.kind = kind
            if summary is not None:
                interaction.summary = fields.summary(summary, kind or interaction.kind)
            _relink(edit, contact, company)
            if not interaction.targets:
                raise Invalid("interaction.party.removed", field="contact")
            if occurred_at is not UNSET:
                interaction.occurred_at = occurred(occurred_at, actor.tz, self.now())
            # The interaction's change is written (and so recorded) before its task's, as undo expects
            # them in order.
            s.flush()
            task = _edit_follow_up(edit.op, interaction, task_id, follow_up)
            s.flush()
            shown = task_view(s, task, self.now()) if task is not None else None
            return Written(edit.op.id, interaction=interaction_view(s, interaction), task=shown)

    def logged_values(self, actor: Actor, interaction_id: int, task_id: int | None) -> dict[str, Any] | None:
        """What an interaction and its follow-up say now, as intent slots (for the edit form)."""
        with self.read(actor) as s:
            i = s.get(Interaction, interaction_id)
            if i is None or i.workspace_id != actor.workspace_id:
                return None
            view = interaction_view(s, i)
            # Records by id (a name could match a namesake); the form shows the names (see labels()).
            slots: dict[str, Any] = {
                "kind": view.kind,
                "contact": targets.linked(i, "contact"),
                "company": targets.linked(i, "company"),
                "summary": view.summary,
                "occurred_at": view.occurred_at.isoformat(),
            }
            t = s.get(Task, task_id) if task_id else None
            if t is not None and t.workspace_id == actor.workspace_id:
                due = t.due_at.isoformat() if t.due_at else t.due_date.isoformat() if t.due_date else None
                slots["follow_up"] = {"title": t.title, "due": due}
            slots["labels"] = {k: v for k, v in (("contact", view.contact), ("company", view.company)) if v}
            return slots
