"""Edits of what a chat message wrote, kept importable here for the commands that use them.

The edits themselves are the services' (bot/services/interactions.py, tasks.py, companies.py); each
function here takes the CRM and goes through its public method.
"""

from __future__ import annotations

from typing import Any

from bot.services.base import UNSET, Actor
from bot.services.crm import CRM
from bot.services.views import Written


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
    return crm.edit_interaction(
        actor,
        interaction_id,
        task_id=task_id,
        kind=kind,
        summary=summary,
        contact=contact,
        company=company,
        occurred_at=occurred_at,
        follow_up=follow_up,
    )


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
    return crm.edit_task(actor, task_id, title=title, due=due, assignee=assignee, contact=contact, deal=deal)


def create_company(crm: CRM, actor: Actor, name: str) -> Written:
    """The company of that name, made if there is none: what a "Create company" button does after a
    reference found nothing (``CRM.create_company`` adds one of its own and asks about look-alikes)."""
    return crm.ensure_company(actor, name)


def logged_values(crm: CRM, actor: Actor, interaction_id: int, task_id: int | None) -> dict[str, Any] | None:
    """What an interaction and its follow-up say now, as intent slots (for the edit form)."""
    return crm.logged_values(actor, interaction_id, task_id)


__all__ = ["UNSET", "create_company", "edit_interaction", "edit_task", "logged_values"]
