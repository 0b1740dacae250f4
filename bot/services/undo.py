"""The audit trail and taking changes back: a record's history and timeline, a person's last
operation, and undo, which restores what an operation changed as a new audited operation.

Undo refuses rather than lose work: a record changed again since, or one that something made since
points at, is left as it is (see :meth:`UndoLog.undo`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.services import policy, stage_history, targets
from bot.services.base import AUDITED, Actor, Op, Ref, Service, from_json, lock_row, marked, snapshot
from bot.services.companies import find_company
from bot.services.contacts import find_contact
from bot.services.customfields import named_changes
from bot.services.deals import find_deal
from bot.services.errors import Conflict, NotFound
from bot.services.report_subscriptions import next_run as report_next_run
from bot.services.report_subscriptions import weekdays_of
from bot.services.stage_moves import is_move, restore_moves
from bot.services.subscriptions import Schedule, next_run
from bot.services.tasks import find_task, rearm_reminder
from bot.services.tenancy import with_deleted
from bot.services.text import fold, money
from bot.services.timeline import QUIET, Timeline, timeline
from bot.services.views import Undone, UndoPreview
from bot.services.workspace import Workspaces, role_now
from models import (
    AuditEvent,
    Company,
    Contact,
    CustomField,
    Deal,
    Feedback,
    Interaction,
    PipelineStage,
    Quota,
    ReportSubscription,
    Subscription,
    Task,
    User,
)


def _record(s: Session, actor: Actor, kind: str, ref: Ref) -> tuple[int, str]:
    if kind == "deal":
        deal = find_deal(s, actor, ref)
        return deal.id, deal.title
    if kind == "contact":
        contact = find_contact(s, actor, ref)
        return contact.id, contact.name
    if kind == "task":
        task = find_task(s, actor, ref, open_only=False)
        return task.id, task.title
    company = find_company(s, None, actor, ref, create=False)
    if company is None:
        raise NotFound("record.not_found", kind="company", ref=str(ref))
    return company.id, company.name


# Records a history can be of when the type was not said, with the folded name a person calls them by.
_NAMED: tuple[tuple[str, Any, Any, Any], ...] = (
    ("deal", Deal.id, Deal.title_key, Deal.title),
    ("contact", Contact.id, Contact.name_key, Contact.name),
    ("company", Company.id, Company.name_key, Company.name),
)


def _named_exactly(s: Session, ref: Ref) -> tuple[str, int, str] | None:
    """The one record of any type whose whole name is ``ref`` ("Acme Corp" is the company, not one of
    the company's deals that fuzzy matching would offer first); None when none or several are."""
    if not isinstance(ref, str) or not ref.strip():
        return None
    key = fold(ref)
    found = [
        (kind, row[0], row[1])
        for kind, id_, key_col, name in _NAMED
        for row in s.execute(select(id_, name).where(key_col == key).limit(2))
    ]
    return found[0] if len(found) == 1 else None


def _undo_label(s: Session, record_type: str, obj: Any) -> str:
    """What an undo took away, as a person would say it: “the call with Jane Doe”, “deal Acme renewal”."""
    if isinstance(obj, Interaction):
        contact = s.get(Contact, obj.contact_id) if obj.contact_id else None
        company = s.get(Company, obj.company_id) if obj.company_id else None
        deal = s.get(Deal, obj.deal_id) if obj.deal_id else None
        if contact or company:
            return f"the {obj.kind} with {(contact or company).name}"  # type: ignore[union-attr]
        return f"the {obj.kind} on {deal.title}" if deal else f"the {obj.kind}"
    if isinstance(obj, Feedback):
        contact = s.get(Contact, obj.contact_id)
        by = f" from {contact.name}" if contact is not None else ""
        return f"the {obj.scale.upper()} score {obj.score}{by}"
    if isinstance(obj, Quota):
        person = s.get(User, obj.user_id)
        whose = f" of {person.name}" if person is not None else ""
        return f"the quota{whose} for {obj.period_start:%d %b %Y} – {obj.period_end:%d %b %Y}"
    if isinstance(obj, CustomField):
        return f"the {obj.record_type} field {obj.name}"
    return f"{record_type} {_name(obj)}".strip()


def _name(obj: Any) -> str:
    return str(getattr(obj, "name", None) or getattr(obj, "title", None) or "")


# How a person calls a field, where its column name is not that.
_FIELD_WORDS = {
    "stage_id": "stage",
    "company_id": "company",
    "contact_id": "contact",
    "deal_id": "deal",
    "owner_id": "owner",
    "assignee_id": "assignee",
    "user_id": "person",
    "close_date": "expected close date",
    "due_date": "due date",
    "due_at": "due time",
    "done_at": "done",
    "stale_snoozed_until": "snooze",
}
# Ids in a change, said as what they stand for.
_ID_NAMES: dict[str, tuple[Any, Any]] = {
    "stage_id": (PipelineStage, PipelineStage.name),
    "company_id": (Company, Company.name),
    "contact_id": (Contact, Contact.name),
    "deal_id": (Deal, Deal.title),
    "owner_id": (User, User.name),
    "assignee_id": (User, User.name),
    "user_id": (User, User.name),
}


def _said(s: Session, obj: Any, key: str, value: Any) -> str:
    """A field's value as a person reads it ("" for none)."""
    if value in (None, "", [], {}):
        return ""
    if key in _ID_NAMES:
        cls, column = _ID_NAMES[key]
        return str(s.scalar(select(column).where(cls.id == value)) or f"#{value}")
    if key == "amount":
        return money(str(value), getattr(obj, "currency", None) or "").strip()
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _put_back(s: Session, event: AuditEvent, obj: Any) -> str:
    """An update taken back, as the record and what went back: “Acme renewal: stage back to
    Negotiation”, “Jane Doe: tag hot removed”; a deletion taken back: “restored contact Jane Doe”."""
    name = _name(obj) or _undo_label(s, event.record_type, obj)
    before, after = event.before or {}, event.after or {}
    if "deleted_at" in after:
        label = _undo_label(s, event.record_type, obj)
        return f"restored {label}" if after["deleted_at"] else f"deleted {label} again"
    parts: list[str] = []
    for key, old in before.items():
        if key in QUIET or key.endswith("_key"):
            continue
        new = after.get(key)
        if key == "tags":
            parts += [f"tag {t} removed" for t in new or [] if t not in (old or [])]
            parts += [f"tag {t} back" for t in old or [] if t not in (new or [])]
            continue
        if key == "custom":
            named = named_changes(s, event.record_type, {"custom": (new, old)})
            said = [k.partition(":")[2] for k in named if k.startswith("custom:")]
            parts.append(f"{', '.join(said)} back" if said else "custom fields back as they were")
            continue
        word = _FIELD_WORDS.get(key, key.replace("_", " "))
        shown = _said(s, obj, key, old)
        parts.append(f"{word} back to {shown}" if shown else f"{word} cleared")
    return f"{name}: {', '.join(parts) or 'back as it was'}"


def _check_unchanged(event: AuditEvent, obj: Any) -> None:
    """Undo only what is still as the change left it, so a later edit is never silently lost. The
    bookkeeping the bot keeps itself (columns marked "bot" or "activity": due_utc follows the assignee's
    zone, a reminder goes out) is not a person's edit: the bot changing it since does not stop an undo."""
    current = snapshot(obj)
    kept = marked(type(obj), "bot", "activity")
    for key, value in (event.after or {}).items():
        if key in kept:
            continue
        if current.get(key) != value:
            raise Conflict("undo.changed_since", record_type=event.record_type, key=key)


def _first_user(s: Session, obj: Any) -> tuple[str, Any] | None:
    """The first record that points at ``obj`` by a key of its own, else the first task or
    interaction linked to it (``targets``), with its record type."""
    table = type(obj).__table__
    for kind, cls in AUDITED.items():
        for fk in cls.__table__.foreign_keys:  # type: ignore[attr-defined]
            if fk.column.table is not table or fk.parent.table is table or fk.column.name != "id":
                continue
            row = s.scalars(select(cls).where(fk.parent == obj.id).limit(1)).first()
            if row is not None:
                return kind, row
    return targets.first_source_linked_to(s, obj)


def _check_unused(s: Session, op: Op, event: AuditEvent, obj: Any) -> None:
    """Removing a record that anything else points at now would unlink or delete that work (the
    foreign keys' SET NULL / CASCADE, a task's or interaction's link to it), unaudited: refuse, naming
    the first such record and who made it. Every audited table with a key to this record's table is
    looked at, and every link in targets, so a new record type is covered without a list here."""
    found = _first_user(s, obj)
    if found is None:
        return
    kind, row = found
    maker = s.scalar(
        select(User.name)
        .join(AuditEvent, AuditEvent.actor_id == User.id)
        .where(
            AuditEvent.record_type == kind,
            AuditEvent.record_id == row.id,
            AuditEvent.action == "create",
        )
        .limit(1)
    )
    what = getattr(row, "name", None) or getattr(row, "title", None) or getattr(row, "summary", "")
    mine = getattr(obj, "name", None) or getattr(obj, "title", None) or event.record_type
    raise Conflict(
        "undo.used_since",
        record=mine,
        kind=kind,
        label=str(what)[:60],
        maker=maker,
        mine=maker == op.actor.name,
    )


def _runs(events: list[AuditEvent]) -> list[list[AuditEvent]]:
    """The events in their order, consecutive deal moves gathered into one run (each other event alone)."""
    runs: list[list[AuditEvent]] = []
    for event in events:
        if runs and is_move(event) and is_move(runs[-1][-1]):
            runs[-1].append(event)
        else:
            runs.append([event])
    return runs


def _refold(obj: Any, changed: dict[str, Any] | None) -> None:
    """The search keys follow a restored name or title (all of them when ``changed`` is None)."""
    if hasattr(obj, "name_key") and (changed is None or "name" in changed):
        obj.name_key = fold(obj.name)
    if hasattr(obj, "title_key") and (changed is None or "title" in changed):
        obj.title_key = fold(obj.title)


class UndoLog(Service):
    """History and undo. ``workspaces`` keeps the admin rules when an undo changes a role back."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Callable[[], datetime], workspaces: Workspaces
    ) -> None:
        super().__init__(sessions, clock)
        self.workspaces = workspaces

    def timeline(
        self, actor: Actor, ref: Ref, record_type: str | None = None, *, offset: int = 0
    ) -> Timeline:
        """A record's history, newest first (bot.services.timeline). When the type was not said: the one
        record named exactly so, else a deal, then a contact, then a company."""
        kinds = [record_type] if record_type else ["deal", "contact", "company"]
        with self.read(actor) as s:
            exact = None if record_type else _named_exactly(s, ref)
            if exact is not None:
                return timeline(s, actor, exact[0], exact[1], exact[2], offset=offset)
            missing: NotFound | None = None
            for kind in kinds:
                try:
                    found = _record(s, actor, kind, ref)
                except NotFound as exc:
                    missing = missing or exc
                    continue
                return timeline(s, actor, kind, found[0], found[1], offset=offset)
            if record_type is None or missing is None:
                # Looked for among deals, contacts and companies: none of them is called that.
                raise NotFound("record.not_found", kind="deal, contact or company", ref=str(ref))
            raise missing

    def named_exactly(self, actor: Actor, ref: Ref) -> tuple[str, int] | None:
        """The type and id of the one deal, contact or company whose whole name is ``ref``."""
        with self.read(actor) as s:
            exact = _named_exactly(s, ref)
            return (exact[0], exact[1]) if exact is not None else None

    def history(self, actor: Actor, record_type: str, record_id: int, limit: int = 20) -> list[AuditEvent]:
        with self.read(actor) as s:
            return list(
                s.scalars(
                    select(AuditEvent)
                    .where(
                        AuditEvent.record_type == record_type,
                        AuditEvent.record_id == record_id,
                    )
                    .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                    .limit(limit)
                )
            )

    def last_op(self, actor: Actor, within: timedelta | None = None) -> str | None:
        """The actor's most recent operation that can still be undone (made in the last ``within``)."""
        with self.read(actor) as s:
            recent = [AuditEvent.at >= self.now() - within] if within is not None else []
            return s.scalar(
                select(AuditEvent.op_id)
                .where(
                    *recent,
                    AuditEvent.actor_id == actor.user_id,
                    AuditEvent.undone_by_op.is_(None),
                    AuditEvent.action != "undo",
                    # Another workspace's history brought by an import: not an operation of anyone here.
                    AuditEvent.replayed_by.is_(None),
                    # Being registered (or refreshed) is not a change of one's own to take back; a
                    # role an admin gave someone is.
                    ~((AuditEvent.record_type == "user") & (AuditEvent.record_id == actor.user_id)),
                )
                .order_by(AuditEvent.id.desc())
                .limit(1)
            )

    def undoable(self, actor: Actor, op_id: str) -> bool:
        with self.read(actor) as s:
            return bool(
                s.scalar(
                    select(func.count(AuditEvent.id)).where(
                        AuditEvent.op_id == op_id,
                        AuditEvent.undone_by_op.is_(None),
                        AuditEvent.replayed_by.is_(None),
                    )
                )
            )

    def preview(self, actor: Actor, op_id: str) -> UndoPreview:
        """What undoing ``op_id`` would take back, and whose records those are now: the question a
        person is asked before an undo that is old or reaches someone else's work."""
        with self.read(actor) as s:
            s = with_deleted(s)
            events = list(
                s.scalars(
                    select(AuditEvent)
                    .where(
                        AuditEvent.op_id == op_id,
                        AuditEvent.undone_by_op.is_(None),
                        AuditEvent.replayed_by.is_(None),
                    )
                    .order_by(AuditEvent.id)
                )
            )
            if not events:
                raise NotFound("record.not_found", kind="change", ref=op_id[:8])
            what: list[str] = []
            others: list[tuple[str, str, str]] = []
            for event in events:
                obj = s.get(AUDITED[event.record_type], event.record_id)
                if obj is None:
                    continue
                label = _undo_label(s, event.record_type, obj)
                if label not in what:
                    what.append(label)
                for column, part in policy.HOLDERS.get(type(obj), ()):
                    holder = getattr(obj, column)
                    person = s.get(User, holder) if holder and holder != actor.user_id else None
                    if person is not None and (person.name, part, label) not in others:
                        others.append((person.name, part, label))
            at = min(e.at for e in events)
            return UndoPreview(op_id, at if at.tzinfo else at.replace(tzinfo=UTC), what, others)

    def undo(self, actor: Actor, op_id: str) -> Undone:
        """Restore what an operation changed, as a new audited operation."""
        with self.op(actor) as op:
            # What it puts back is recorded as "undo" events (see bot/services/base.py Op).
            op.undo = True
            # A delete or a merge is undone by bringing deleted records back: this op must see them.
            s = with_deleted(op.session)
            events = list(
                s.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.op_id == op_id)
                    .order_by(AuditEvent.id.desc())
                    .with_for_update()
                )
            )
            if not events:
                raise NotFound("record.not_found", kind="change", ref=op_id[:8])
            if any(e.undone_by_op for e in events):
                raise Conflict("undo.already_undone")
            if any(e.action == "undo" for e in events):
                raise Conflict("undo.of_undo")
            if any(e.replayed_by for e in events):
                # History an import brought from another workspace: its import's undo takes it away.
                raise Conflict("undo.replayed")
            if any(e.record_type == "user" for e in events):
                actor = role_now(s, actor)
            policy.require_undo(s, actor, events)
            summary: list[str] = []
            for run in _runs(events):
                if len(run) > 1 and is_move(run[0]):
                    # A stage's deals, moved together: put back together (bot/services/stage_moves.py).
                    summary.append(restore_moves(op, run))
                else:
                    summary += [self._revert(op, event) for event in run]
            # The deals' stage history as it was before the op (bot/services/stage_history.py).
            stage_history.undo(s, actor.workspace_id, op_id)
            # One statement for every event, however many (a stage's thousands of deal moves).
            s.execute(
                update(AuditEvent)
                .where(AuditEvent.op_id == op_id, AuditEvent.undone_by_op.is_(None))
                .values(undone_by_op=op.id)
                # The loaded events are not read again in this op: no need to set each in memory.
                .execution_options(synchronize_session=False)
            )
            return Undone(op.id, op_id, summary)

    def _revert(self, op: Op, event: AuditEvent) -> str:
        obj = lock_row(op.session, AUDITED[event.record_type], event.record_id)
        if event.action == "create":
            return self._remove(op, event, obj)
        if event.action == "update":
            return self._restore(op, event, obj)
        if event.action == "delete":
            return self._recreate(op, event, obj)
        raise Conflict("undo.unsupported")

    @staticmethod
    def _remove(op: Op, event: AuditEvent, obj: Any) -> str:
        """Undo a create: the record goes, unless it was changed or used since."""
        s = op.session
        if obj is None:
            return f"{event.record_type} #{event.record_id} was already gone"
        named = _undo_label(s, event.record_type, obj)
        # Used since first: naming the record that points at it (and who made it) says more than that it
        # changed, which is often that use's bookkeeping (a company's lifecycle moved by a deal).
        _check_unused(s, op, event, obj)
        _check_unchanged(event, obj)
        s.delete(obj)
        s.flush()
        return f"removed {named}"

    def _restore(self, op: Op, event: AuditEvent, obj: Any) -> str:
        """Undo an update: each field back as it was, unless it was changed since."""
        s = op.session
        if obj is None:
            raise Conflict("undo.deleted_since", record_type=event.record_type)
        _check_unchanged(event, obj)
        current = snapshot(obj)
        cls = AUDITED[event.record_type]
        activity = marked(cls, "activity")
        for key, value in (event.before or {}).items():
            if key in activity and current.get(key) != (event.after or {}).get(key):
                # Activity recorded since (a call logged, an alert sent) is not this op's to take back.
                continue
            setattr(obj, key, from_json(cls, key, value))
        _refold(obj, event.before or {})
        if isinstance(obj, Task):
            rearm_reminder(s, obj)
        if isinstance(obj, User):
            self.workspaces.check_admins(s, obj)
        s.flush()
        return _put_back(s, event, obj)

    def _recreate(self, op: Op, event: AuditEvent, obj: Any) -> str:
        """Undo a delete: the record again, under its old id."""
        s = op.session
        if obj is not None:
            raise Conflict("undo.exists_again", record_type=event.record_type)
        cls = AUDITED[event.record_type]
        values = {k: from_json(cls, k, v) for k, v in (event.before or {}).items()}
        restored = cls(id=event.record_id, **values)
        _refold(restored, None)
        if isinstance(restored, Subscription) and restored.next_run_at <= self.now():
            # Its old slot has passed while it was gone: resume at the next one, not at once.
            restored.next_run_at = next_run(
                Schedule(restored.frequency, restored.weekday, restored.time_local),
                restored.tz,
                self.now(),
            )
        if isinstance(restored, ReportSubscription) and restored.next_run_at <= self.now():
            restored.next_run_at = report_next_run(
                restored.frequency,
                weekdays_of(restored),
                restored.time_local,
                restored.tz,
                self.now(),
            )
        s.add(restored)
        s.flush()
        return f"restored {_undo_label(s, event.record_type, restored)}"
