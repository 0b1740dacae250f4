"""Who may do what: the one place every write asks before it changes anything.

The README's "Who may do what" table is this module in words; change them together. In short:

- everyone may read every record of the team and create anything (a task for a teammate, a deal they own);
- a record is changed by whoever holds it (a company's, contact's or deal's owner, a task's assignee or creator, an
  interaction's author) and, while nobody holds it, by anyone; managers and admins change anyone's;
- undo is a change like the one it takes back: your own operations, or anyone's for a manager or admin,
  and never beyond what your role may do now (a rep who was a manager cannot undo a subscription);
- channel summaries, workspace settings and the pipelines' stages are for managers and admins; roles are
  for admins;
- reports: everyone sees the team's totals and their own figures; a teammate's are for managers and admins;
- quotas are set (and their setting undone) by managers and admins.

A refusal is a :class:`Forbidden` whose data say what was refused and who can do it instead (the words are
bot/blocks/messages.py's).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.errors import Forbidden
from models import AuditEvent, Company, Contact, Deal, Feedback, Interaction, Task, User

if TYPE_CHECKING:
    # Only named in signatures: base.py runs every write's permission check through this module.
    from bot.services.base import Actor

RANK = {"rep": 0, "manager": 1, "admin": 2}

# Workspace-wide actions and the least role each needs (a refusal names the action by its key).
ACTIONS: dict[str, str] = {
    "subscribe": "manager",
    "unsubscribe": "manager",
    "subscriptions": "manager",
    "stale days": "manager",
    "settings": "manager",
    "roles": "admin",
    "custom fields": "admin",
    "teammate figures": "manager",
    "webhooks": "admin",
    "stages": "manager",
    "quotas": "manager",
    "deleted records": "manager",
    "report subscriptions": "manager",
    "report unsubscribe": "manager",
    "export": "manager",
}
# Undoing a change to one of these records is that action again.
UNDO_ACTION = {
    "subscription": "subscriptions",
    "workspace": "settings",
    "user": "roles",
    "webhook": "webhooks",
    "stage": "stages",
    "pipeline": "stages",
    "custom_field": "custom fields",
    "quota": "quotas",
}

# Who holds a record: its columns naming people, and the part each plays (a refusal names them by it).
HOLDERS: dict[type[Any], tuple[tuple[str, str], ...]] = {
    Company: (("owner_id", "owner"),),
    Contact: (("owner_id", "owner"),),
    Deal: (("owner_id", "owner"),),
    Task: (("assignee_id", "assignee"), ("creator_id", "creator")),
    Interaction: (("author_id", "author"),),
    Feedback: (("author_id", "author"),),
}


def at_least(actor: Actor, role: str) -> bool:
    return RANK.get(actor.role, 0) >= RANK[role]


def sees_figures_of(actor: Actor, slack_id: str | None) -> bool:
    """One rule for every report and the pipeline: reps see their own figures and the team's totals;
    managers and admins see everyone's."""
    return at_least(actor, ACTIONS["teammate figures"]) or (
        slack_id is not None and slack_id == actor.slack_id
    )


def require(s: Session, actor: Actor, action: str) -> None:
    """Refuse a workspace-wide ``action`` (a key of :data:`ACTIONS`) that the actor's role does not allow."""
    least = ACTIONS[action]
    if at_least(actor, least):
        return
    ask, more = _ask(s, actor.workspace_id, least)
    raise Forbidden("policy.forbidden.action", action=action, least=least, ask=ask, more=more)


def require_change(s: Session, actor: Actor, record: Any, verb: str = "change") -> None:
    """Refuse changing ``record`` (a contact, deal, task or interaction) unless the actor may; ``verb``
    names what was refused (``change``, ``snooze``)."""
    if at_least(actor, "manager"):
        return
    held = [(getattr(record, column), part) for column, part in HOLDERS[type(record)]]
    holders = {user_id for user_id, _ in held if user_id is not None}
    # A record nobody holds (its owner left, it was imported without one) is the team's to tidy.
    if not holders or actor.user_id in holders:
        return
    names = _names(s, holders)
    parts: dict[int, list[str]] = {}
    for user_id, part in held:
        if user_id is not None:
            parts.setdefault(user_id, []).append(part)
    people = [(names.get(uid), ps) for uid, ps in parts.items()]
    raise Forbidden("policy.forbidden.change", holders=people, verb=verb, **describe(s, record))


def require_undo(s: Session, actor: Actor, events: Sequence[AuditEvent]) -> None:
    """Refuse undoing an operation the actor may not take back (see the module's rules)."""
    for record_type in sorted({e.record_type for e in events}):
        if record_type in UNDO_ACTION:
            require(s, actor, UNDO_ACTION[record_type])
    if at_least(actor, "manager"):
        return
    others = {e.actor_id for e in events if e.actor_id is not None and e.actor_id != actor.user_id}
    if others:
        raise Forbidden("policy.forbidden.undo", makers=sorted(_names(s, others).values()))


def describe(s: Session, record: Any) -> dict[str, Any]:
    """What a refusal names the record by: its type and name (an interaction: its kind and whom it was
    with)."""
    if isinstance(record, Contact):
        return {"record_type": "contact", "name": record.name}
    if isinstance(record, Company):
        return {"record_type": "company", "name": record.name}
    if isinstance(record, Deal):
        return {"record_type": "deal", "name": record.title}
    if isinstance(record, Task):
        return {"record_type": "task", "name": record.title}
    if isinstance(record, Interaction):
        party = (
            (s.get(Contact, record.contact_id) if record.contact_id else None)
            or (s.get(Company, record.company_id) if record.company_id else None)
            or (s.get(Deal, record.deal_id) if record.deal_id else None)
        )
        name = getattr(party, "name", None) or getattr(party, "title", None)
        return {"record_type": "interaction", "interaction_kind": record.kind, "name": name}
    return {"record_type": None, "name": None}


def _names(s: Session, user_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(user_ids))
    return {uid: name for uid, name in s.execute(select(User.id, User.name).where(User.id.in_(ids)))}


def _ask(s: Session, workspace_id: int, least: str, limit: int = 5) -> tuple[list[tuple[str, str]], bool]:
    """Who to ask instead: the people whose role allows it (name and role), highest first, and whether
    there are more than ``limit`` of them."""
    roles = [role for role, rank in RANK.items() if rank >= RANK[least]]
    rows = s.execute(
        select(User.name, User.role)
        .where(User.workspace_id == workspace_id, User.role.in_(roles))
        .order_by(User.role, User.name)  # "admin" sorts before "manager"
        .limit(limit + 1)
    ).all()
    return [(name, role) for name, role in rows[:limit]], len(rows) > limit
