"""A record's history: its audited changes (who, when, before → after) and the activity logged on it,
newest first. Plain data: the words and markup are the presentation's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services import targets
from bot.services.base import Actor
from bot.services.customfields import fields_of
from bot.services.tenancy import INCLUDE_DELETED
from models import AuditEvent, Company, Contact, Deal, Interaction, PipelineStage, User

# Bookkeeping the bot keeps itself: never a change a person made.
RECORDS_WITH_FIELDS = ("contact", "company", "deal")
QUIET = {
    "last_activity_at",
    "stale_alerted_at",
    "stage_changed_at",
    "reminder_state",
    "remind_at",
    "reminded_at",
    "due_utc",
    "updated_at",
    "closed_at",
    "closed_by_id",
    "workspace_id",
    "created_at",
    # Who deleted a record is the entry's own person (a deletion is its own entry, below).
    "deleted_by_id",
}
PAGE = 15
# Fields whose values the timeline gives as Slack user ids (the presentation shows the person).
PEOPLE_FIELDS = {"owner_id", "assignee_id"}


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Entry:
    at: datetime
    who_slack_id: str | None
    what: str  # created | changed | removed | deleted | restored | call | email | meeting | note | message
    changes: list[Change] = field(default_factory=list)
    summary: str = ""
    # A lifecycle the bot moved (bot/services/lifecycle.py): the deal whose change moved it, and how
    # ("won" or "added"); ``who_slack_id`` is then the person whose action it was.
    because: tuple[str, str] | None = None


@dataclass(frozen=True)
class Timeline:
    record_type: str
    record_id: int
    title: str
    entries: list[Entry]
    total: int
    # A deal's currency, for the amounts in its changes.
    currency: str | None = None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def timeline(
    s: Session, actor: Actor, record_type: str, record_id: int, title: str, *, offset: int = 0
) -> Timeline:
    # The session is the actor's workspace's (bot/services/tenancy.py): nothing here names it.
    audit_where = (
        AuditEvent.record_type == record_type,
        AuditEvent.record_id == record_id,
    )
    linked = (
        targets.linked_to(Interaction, actor.workspace_id, record_type, record_id)
        if record_type in ("deal", "contact", "company")
        else None
    )
    total = int(s.scalar(select(func.count()).select_from(AuditEvent).where(*audit_where)) or 0)
    if linked is not None:
        total += int(s.scalar(select(func.count()).select_from(Interaction).where(linked)) or 0)
    # Enough of each kind to fill the page after merging by time.
    want = offset + PAGE
    events = s.scalars(
        select(AuditEvent)
        .where(*audit_where)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(want)
    ).all()
    calls = (
        s.scalars(
            select(Interaction)
            .where(linked)
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .limit(want)
        ).all()
        if linked is not None
        else []
    )
    merges = _merged_into(s, record_type, record_id, [e.op_id for e in events if e.action == "update"])
    people = _names(s, {e.actor_id for e in events} | {c.author_id for c in calls})
    names = _Labels(s)
    causes = _lifecycle_causes(s, record_type, events)
    entries: list[Entry] = []
    for e in events:
        who = people.get(e.actor_id) if e.actor_id else None
        if e.action == "create":
            entries.append(Entry(_aware(e.at), who, "created"))
        elif e.action in ("update", "undo") and "deleted_at" in (e.after or {}):
            entries.append(
                Entry(_aware(e.at), who, "deleted" if (e.after or {})["deleted_at"] else "restored")
            )
        elif e.action == "update" and e.op_id in merges:
            entries.append(Entry(_aware(e.at), who, "merged", summary=merges[e.op_id]))
        elif e.action == "update":
            changes = _changes(s, names, record_type, e)
            if changes:
                because = causes.get(e.op_id) if "lifecycle" in (e.after or {}) else None
                entries.append(Entry(_aware(e.at), who, "changed", changes, because=because))
        elif e.action == "undo":
            # What went back, so the history says which change was undone.
            entries.append(Entry(_aware(e.at), who, "undone", _changes(s, names, record_type, e)))
        elif e.action == "delete":
            entries.append(Entry(_aware(e.at), who, "removed"))
    for c in calls:
        who = people.get(c.author_id) if c.author_id else None
        entries.append(Entry(_aware(c.occurred_at), who, c.kind, summary=c.summary))
    entries.sort(key=lambda x: x.at, reverse=True)
    currency = s.scalar(select(Deal.currency).where(Deal.id == record_id)) if record_type == "deal" else None
    return Timeline(record_type, record_id, title, entries[offset : offset + PAGE], total, currency)


def _changes(s: Session, names: _Labels, record_type: str, e: AuditEvent) -> list[Change]:
    """The fields an update or an undo changed, before → after, as a person reads them."""
    changes = [
        Change(k, names.value(k, (e.before or {}).get(k)), names.value(k, v))
        for k, v in (e.after or {}).items()
        if k not in QUIET and not k.endswith("_key") and k != "custom"
    ]
    if "custom" in (e.after or {}):
        changes += _custom_changes(s, record_type, (e.before or {}).get("custom"), (e.after or {})["custom"])
    return changes


def _merged_into(s: Session, record_type: str, record_id: int, ops: list[str]) -> dict[str, str]:
    """The ops among ``ops`` that merged another record of the type into this one: op id → its name."""
    if record_type not in ("contact", "company") or not ops:
        return {}
    deleted = s.execute(
        select(AuditEvent.op_id, AuditEvent.record_id, AuditEvent.after).where(
            AuditEvent.op_id.in_(ops),
            AuditEvent.record_type == record_type,
            AuditEvent.record_id != record_id,
            AuditEvent.action == "update",
        )
    ).all()
    gone = {op: rid for op, rid, after in deleted if (after or {}).get("deleted_at")}
    if not gone:
        return {}
    model = Contact if record_type == "contact" else Company
    names: dict[int, str] = {
        int(rid): str(name)
        for rid, name in s.execute(
            select(model.id, model.name)
            .where(model.id.in_(list(gone.values())))
            .execution_options(**{INCLUDE_DELETED: True})
        )
    }
    return {op: names.get(rid, f"{record_type} {rid}") for op, rid in gone.items()}


def _custom_changes(s: Session, record_type: str, before: Any, after: Any) -> list[Change]:
    """A change of custom values (kept by field id) told per field, by the field's name."""
    old, new = before or {}, after or {}
    names = (
        {str(f.id): f.name for f in fields_of(s, record_type)} if record_type in RECORDS_WITH_FIELDS else {}
    )
    keys = sorted(set(old) | set(new), key=lambda k: int(k) if str(k).isdigit() else 0)
    return [
        Change(names.get(k, "a removed field"), old.get(k), new.get(k))
        for k in keys
        if old.get(k) != new.get(k)
    ]


def _lifecycle_causes(s: Session, record_type: str, events: Any) -> dict[str, tuple[str, str]]:
    """For lifecycle changes of a contact or company: the deal change in the same op that moved it (the
    bot moves a lifecycle only inside the op of a deal won or added), as its title and "won"/"added"."""
    if record_type not in ("contact", "company"):
        return {}
    ops = [e.op_id for e in events if e.action == "update" and "lifecycle" in (e.after or {})]
    if not ops:
        return {}
    rows = s.execute(
        select(AuditEvent.op_id, AuditEvent.action, Deal.title)
        .outerjoin(Deal, Deal.id == AuditEvent.record_id)
        .where(AuditEvent.op_id.in_(ops), AuditEvent.record_type == "deal")
    ).all()
    return {op: (title or "a deal", "added" if action == "create" else "won") for op, action, title in rows}


def _names(s: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    return {uid: sid for uid, sid in s.execute(select(User.id, User.slack_id).where(User.id.in_(wanted)))}


class _Labels:
    """Ids in a change shown as what they stand for: a stage's name, a company's, a person's."""

    TABLES: dict[str, tuple[Any, Any]] = {
        "stage_id": (PipelineStage, PipelineStage.name),
        "company_id": (Company, Company.name),
        "contact_id": (Contact, Contact.name),
        "deal_id": (Deal, Deal.title),
        "owner_id": (User, User.slack_id),
        "assignee_id": (User, User.slack_id),
    }

    def __init__(self, s: Session) -> None:
        self.s = s

    def value(self, key: str, value: Any) -> Any:
        table = self.TABLES.get(key)
        if table is None or value is None:
            return value
        cls, column = table
        found = self.s.scalar(select(column).where(cls.id == value))
        if found is None and key == "stage_id":
            # A stage removed since: its name as its removal recorded it.
            gone = self.s.scalar(
                select(AuditEvent.before)
                .where(AuditEvent.record_type == "stage", AuditEvent.record_id == value)
                .where(AuditEvent.action == "delete")
                .limit(1)
            )
            found = (gone or {}).get("name")
        if found is None:
            return value
        return found


__all__ = ["PEOPLE_FIELDS", "Change", "Entry", "Timeline", "timeline"]
