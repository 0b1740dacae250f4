"""Who may do what: the one place every write asks before it changes anything.

The README's "Who may do what" table is this module in words; change them together. In short:

- everyone may read every record of the team and create anything (a task for a teammate, a deal they own);
- a record is changed by whoever holds it (a company's, contact's or deal's owner, a task's assignee or creator, an
  interaction's author) and, while nobody holds it, by anyone; managers and admins change anyone's;
- undo is a change like the one it takes back: your own operations, or anyone's for a manager or admin,
  and never beyond what your role may do now (a rep who was a manager cannot undo a subscription);
- channel summaries and workspace settings are for managers and admins; roles are for admins;
- reports: everyone sees the team's totals and their own figures; a teammate's are for managers and admins.

A refusal is a :class:`Forbidden` whose message says what was refused and who can do it instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.errors import Forbidden
from models import AuditEvent, Company, Contact, Deal, Interaction, Task, User

if TYPE_CHECKING:
    # Only named in signatures: base.py runs every write's permission check through this module.
    from bot.services.base import Actor

RANK = {"rep": 0, "manager": 1, "admin": 2}

# Workspace-wide actions: the least role each needs, and how a refusal says what was refused.
ACTIONS: dict[str, tuple[str, str]] = {
    "subscribe": ("manager", "subscribe a channel to the pipeline summary"),
    "unsubscribe": ("manager", "stop a channel's pipeline summary"),
    "subscriptions": ("manager", "change which channels get the pipeline summary"),
    "stale days": ("manager", "change when deals count as stale"),
    "settings": ("manager", "change the workspace's settings"),
    "roles": ("admin", "change roles"),
    "teammate figures": (
        "manager",
        "see a teammate's own figures (everyone sees the team's totals and their own)",
    ),
}
# Undoing a change to one of these records is that action again.
UNDO_ACTION = {"subscription": "subscriptions", "workspace": "settings", "user": "roles"}

# Who holds a record: its columns naming people, and how a refusal names each of them.
HOLDERS: dict[type[Any], tuple[tuple[str, str], ...]] = {
    Company: (("owner_id", "the owner"),),
    Contact: (("owner_id", "the owner"),),
    Deal: (("owner_id", "the owner"),),
    Task: (("assignee_id", "the assignee"), ("creator_id", "who created it")),
    Interaction: (("author_id", "who logged it"),),
}


def at_least(actor: Actor, role: str) -> bool:
    return RANK.get(actor.role, 0) >= RANK[role]


def require(s: Session, actor: Actor, action: str) -> None:
    """Refuse a workspace-wide ``action`` (a key of :data:`ACTIONS`) that the actor's role does not allow."""
    least, what = ACTIONS[action]
    if at_least(actor, least):
        return
    who = "an admin" if least == "admin" else "a manager or an admin"
    raise Forbidden(f"Only {who} can {what}.", _ask(s, actor.workspace_id, least))


def require_change(s: Session, actor: Actor, record: Any, verb: str = "change") -> None:
    """Refuse changing ``record`` (a contact, deal, task or interaction) unless the actor may."""
    if at_least(actor, "manager"):
        return
    held = [(getattr(record, column), label) for column, label in HOLDERS[type(record)]]
    holders = {user_id for user_id, _ in held if user_id is not None}
    # A record nobody holds (its owner left, it was imported without one) is the team's to tidy.
    if not holders or actor.user_id in holders:
        return
    names = _names(s, holders)
    labels: dict[int, list[str]] = {}
    for user_id, label in held:
        if user_id is not None:
            labels.setdefault(user_id, []).append(label)
    people = [f"{names.get(uid, 'someone')} ({' and '.join(ls)})" for uid, ls in labels.items()]
    raise Forbidden(f"Only {', '.join(people)}, a manager or an admin can {verb} {describe(s, record)}.")


def require_undo(s: Session, actor: Actor, events: Sequence[AuditEvent]) -> None:
    """Refuse undoing an operation the actor may not take back (see the module's rules)."""
    for record_type in sorted({e.record_type for e in events}):
        if record_type in UNDO_ACTION:
            require(s, actor, UNDO_ACTION[record_type])
    if at_least(actor, "manager"):
        return
    others = {e.actor_id for e in events if e.actor_id is not None and e.actor_id != actor.user_id}
    if others:
        names = ", ".join(sorted(_names(s, others).values())) or "the person who made it"
        raise Forbidden(f"Only {names} (who made that change), a manager or an admin can undo it.")


def describe(s: Session, record: Any) -> str:
    """How a refusal names the record: by its name, as a person would."""
    if isinstance(record, Contact):
        return record.name
    if isinstance(record, Company):
        return f"the company “{record.name}”"
    if isinstance(record, Deal):
        return f"the deal “{record.title}”"
    if isinstance(record, Task):
        return f"the task “{record.title}”"
    if isinstance(record, Interaction):
        party = (
            (s.get(Contact, record.contact_id) if record.contact_id else None)
            or (s.get(Company, record.company_id) if record.company_id else None)
            or (s.get(Deal, record.deal_id) if record.deal_id else None)
        )
        name = getattr(party, "name", None) or getattr(party, "title", None)
        return f"the {record.kind} with {name}" if name else f"this {record.kind}"
    return "it"


def _names(s: Session, user_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(user_ids))
    return {uid: name for uid, name in s.execute(select(User.id, User.name).where(User.id.in_(ids)))}


def _ask(s: Session, workspace_id: int, least: str, limit: int = 5) -> str | None:
    """Who to ask instead: the people whose role allows it, highest first."""
    roles = [role for role, rank in RANK.items() if rank >= RANK[least]]
    rows = s.execute(
        select(User.name, User.role)
        .where(User.workspace_id == workspace_id, User.role.in_(roles))
        .order_by(User.role, User.name)  # "admin" sorts before "manager"
        .limit(limit + 1)
    ).all()
    if not rows:
        return None
    people = [f"{name} ({role})" for name, role in rows[:limit]]
    return "Ask " + ", ".join(people) + (" or another of them." if len(rows) > limit else ".")
