"""What every service shares: the actor, audit records, the transaction boundary and the shape of a write.

A write is one :class:`Op` (one transaction, one op id on its audit records), and the op records
what its flushes do to the audited records (see :class:`Op`). A change to a record that already
exists goes through :func:`change` (or :meth:`ServiceBase.edit`, which also opens the op and loads
the record): the actor's permission is checked (bot/services/policy.py) before the caller changes it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import Table, TypeDecorator, insert, inspect, select
from sqlalchemy.event import listen
from sqlalchemy.orm import Session, sessionmaker

from bot.services import funnel_rows, limits, policy, retrying, stage_history
from bot.services.errors import RepeatedWrite
from bot.services.tenancy import scoped
from models import (
    AuditEvent,
    Base,
    Company,
    Contact,
    CustomField,
    Deal,
    Feedback,
    Interaction,
    Pipeline,
    PipelineStage,
    Quota,
    ReportSubscription,
    Subscription,
    Task,
    User,
    WebhookEndpoint,
    Workspace,
)
from models.entities import LINKS_BEFORE, linked_fields, utcnow

# Records whose changes can be audited and undone, by the name used in audit rows.
AUDITED: dict[str, type[Base]] = {
    "contact": Contact,
    "company": Company,
    "deal": Deal,
    "task": Task,
    "interaction": Interaction,
    "user": User,
    "subscription": Subscription,
    "workspace": Workspace,
    "webhook": WebhookEndpoint,
    "pipeline": Pipeline,
    "stage": PipelineStage,
    "custom_field": CustomField,
    "quota": Quota,
    "feedback": Feedback,
    "report_subscription": ReportSubscription,
}
RECORD_TYPE = {cls: name for name, cls in AUDITED.items()}
# How a column takes part in the audit trail: its ``info["audit"]`` (models/entities.py), True when
# unmarked. True: a person's data, recorded, guarded by undo (a later change to it stops an undo) and
# reported as changed. False: never recorded (derived, or touched on every write). "bot": bookkeeping
# the bot keeps, recorded with the change that moved it, but the bot moving it later does not stop an
# undo. "activity": such bookkeeping that later activity moves on; undo puts it back only if nothing
# moved it since. "follows": recorded and guarded, but it follows a person's change (a stage's time
# follows the stage) and is not reported as one of its own.
AUDIT_MARKS = (True, False, "bot", "activity", "follows")
# The same record made twice by the same person this close together is almost always a message sent
# twice (a double Enter, a retyped command), not two real deals or calls.
REPEAT_WINDOW = timedelta(seconds=60)

# How a person names a record: its id, or words to look it up by.
Ref = int | str
# A keyword argument not given at all, where None means "clear it".
UNSET: Any = object()
R = TypeVar("R", bound=Base)


@dataclass(frozen=True)
class Actor:
    """Who is asking: a Slack user inside one workspace."""

    workspace_id: int
    user_id: int
    slack_id: str
    tz: str = "UTC"
    role: str = "rep"
    name: str = ""

    @property
    def is_manager(self) -> bool:
        return self.role in ("manager", "admin")


@dataclass
class _Change:
    """What one op did to one record so far: its audit event, merged over the op's flushes."""

    kind: str  # create | update | delete
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    event: AuditEvent | None = None


def _merge(old: _Change | None, kind: str, before: Any, after: Any) -> _Change | None:
    """The change so far followed by one more flush's: one event per record per op, saying what the
    record was when the op first touched it and what the op left it as (None: nothing left to say)."""
    if old is None:
        return _Change(kind, before, after)
    if old.kind == "create":
        # Made and changed in one op is made as it ended up; made and removed is nothing at all.
        return None if kind == "delete" else _Change("create", None, {**(old.after or {}), **(after or {})})
    if kind == "delete":
        return _Change("delete", {**before, **(old.before or {})}, None)
    # An update after an update, or a record removed and made again under its id: from the first
    # before to the last after, leaving out what came back to where it was.
    first = {**(before or {}), **(old.before or {})}
    last = {**(old.after or {}), **(after or {})}
    changed = [k for k in last if first.get(k) != last[k]]
    if not changed:
        return None
    return _Change("update", {k: first.get(k) for k in changed}, {k: last[k] for k in changed})


@dataclass
class Op:
    """One operation: one transaction, one op id shared by its audit records (undo works per op).

    An op registers itself on its session, and from then on every flush of that session records what
    it did to the audited records (:data:`AUDITED`): made, changed (each column's value before and
    after, from the attribute history) or removed. A record touched by several flushes of one op gets
    one event, merged (:func:`_merge`). Columns marked ``info={"audit": False}`` are never recorded.
    Writes the bot keeps for itself stay out by where they happen: in sessions without an op (the
    planner, the scheduler), as bulk UPDATEs that never reach a flush, or to models that are not audited."""

    session: Session
    actor: Actor
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    events: list[AuditEvent] = field(default_factory=list)
    # The service's clock, so audit times agree with the times it writes (a test's or console's clock).
    clock: Callable[[], datetime] = utcnow
    # An undo's changes are recorded as "undo" events: what it put back, not a change of its own.
    undo: bool = False
    _changes: dict[tuple[str, int], _Change] = field(default_factory=dict, repr=False)
    _staged: list[tuple[Base, str, Any, Any]] = field(default_factory=list, repr=False)
    _flushed: list[tuple[Base, str, Any, Any]] = field(default_factory=list, repr=False)
    # Record types whose events record_many inserted and nobody has read back yet.
    _bulk: set[str] = field(default_factory=set, repr=False)
    # Deal events record_many inserted that the stage history follows: (event id, deal id, before).
    _bulk_deals: list[tuple[int, int, dict[str, Any]]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        current = self.session.info.get(_OP)
        if current is not None and current is not self:
            # Two ops would share one transaction and each take the other's changes for its own.
            raise RuntimeError("this session already has an op")
        self.session.info[_OP] = self
        # An op is one workspace's: its session reads and writes only that workspace's rows.
        scoped(self.session, self.actor.workspace_id)

    def created(self, obj: Base) -> None:
        """Record a record made before this op began: a person registering is the actor of their own
        creation, known only once their row has an id. Everything else is recorded by the flush."""
        self.session.flush()
        self._flushed.append((obj, "create", None, snapshot(obj)))
        self.record()

    def refuse_repeat(self, obj: Base, label: str) -> None:
        """Raise :class:`RepeatedWrite` when this person made the same record within the repeat window
        (and it still stands). Call it once the new row is added to the session."""
        self.session.flush()
        now = self.clock()
        kind = RECORD_TYPE[type(obj)]
        earlier = self.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.actor_id == self.actor.user_id,
                AuditEvent.record_type == kind,
                AuditEvent.action == "create",
                AuditEvent.at >= now - REPEAT_WINDOW,
                AuditEvent.undone_by_op.is_(None),
                AuditEvent.replayed_by.is_(None),
                AuditEvent.op_id != self.id,
            )
            .order_by(AuditEvent.at.desc())
            .limit(20)
        )
        mine = snapshot(obj)
        for event in earlier:
            if event.after is not None and same_record(type(obj), event.after, mine):
                seconds = max(0, int((now - aware(event.at)).total_seconds()))
                raise RepeatedWrite("record.repeated", kind=kind, label=label, seconds_ago=seconds)

    def record_many(
        self, record_type: str, changes: list[tuple[int, dict[str, Any], dict[str, Any]]]
    ) -> None:
        """Record updates a set-based statement made, which no flush sees: (record id, before, after)
        each, one event per record as a flush would have written, all inserted in one statement (a flush
        inserts them one at a time on SQLite, to learn each id)."""
        fresh = [c for c in changes if (record_type, c[0]) not in self._changes]
        for record_id, before, after in changes:
            if (record_type, record_id) in self._changes:
                # Changed by this op before: merged into its event, as a flush would.
                self._note((record_type, record_id), "update", before, after)
        if not fresh:
            return
        at = self.clock()
        action = "undo" if self.undo else "update"
        rows = [
            {
                "workspace_id": self.actor.workspace_id,
                "op_id": self.id,
                "actor_id": self.actor.user_id,
                "record_type": record_type,
                "record_id": record_id,
                "action": action,
                "before": before,
                "after": after,
                "at": at,
            }
            for record_id, before, after in fresh
        ]
        # Asking for the ids back makes SQLAlchemy send them as multi-row INSERTs of up to 1,000 rows
        # ("insertmanyvalues"), one statement compiled once: not a round trip per row on PostgreSQL.
        table = cast(Table, AuditEvent.__table__)
        written = self.session.execute(insert(table).returning(table.c.id, table.c.record_id), rows).all()
        if record_type == "deal" and not self.undo:
            by_deal = {record_id: (before, after) for record_id, before, after in fresh}
            self._bulk_deals += [
                (event_id, record_id, by_deal[record_id][0] or {})
                for event_id, record_id in written
                if stage_history.tracks(action, *by_deal[record_id])
            ]
        # Read back only when asked for (all_events): thousands of rows nobody else needs cost more
        # than their insert.
        self._bulk.add(record_type)

    @property
    def has_bulk_events(self) -> bool:
        return bool(self._bulk)

    def all_events(self) -> list[AuditEvent]:
        """Every event of this op, those :meth:`record_many` wrote included (read back once)."""
        self.session.flush()
        if self._bulk:
            known = {e.id for e in self.events}
            self.events += [
                e
                for e in self.session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.op_id == self.id, AuditEvent.record_type.in_(sorted(self._bulk)))
                    .order_by(AuditEvent.id)
                )
                if e.id not in known
            ]
            self._bulk = set()
        return list(self.events)

    def change_of(self, obj: Base) -> tuple[dict[str, Any], dict[str, Any]]:
        """What this op has changed on ``obj`` so far (flushed first), as (before, after)."""
        self.session.flush()
        change = self._changes.get((RECORD_TYPE[type(obj)], obj.id))  # type: ignore[attr-defined]
        if change is None or change.kind != "update":
            return {}, {}
        return dict(change.before or {}), dict(change.after or {})

    def finish(self) -> None:
        """As the op commits: the stage history of the deals it made or changed
        (bot/services/stage_history.py). An undo's own events are not history: the undo takes out the
        rows of the op it undoes instead."""
        self.session.flush()
        if self.undo:
            return
        changes = [
            stage_history.Change(e.id, e.record_id, e.action, e.before or {}, aware(e.at))
            for e in self.events
            if e.record_type == "deal" and stage_history.tracks(e.action, e.before, e.after)
        ]
        at = aware(self.clock())
        changes += [stage_history.Change(i, d, "update", b, at) for i, d, b in self._bulk_deals]
        self._bulk_deals = []
        if changes:
            stage_history.write(self.session, self.actor.workspace_id, self.id, self.actor.user_id, changes)

    # ---- called by the session's flush events (see track) ----------------------------------------

    def stage(self, session: Session) -> None:
        """Before a flush: the records it is about to change or remove, as they were."""
        self._staged = []
        for obj in session.deleted:
            if type(obj) in RECORD_TYPE:
                self._staged.append((obj, "delete", snapshot(obj), None))
        for obj in session.dirty:
            if type(obj) in RECORD_TYPE and obj not in session.deleted:
                diff = _diff(session, obj)
                if diff is not None:
                    self._staged.append((obj, "update", *diff))

    def flushed(self, session: Session) -> None:
        """After a flush: the records it made (ids and defaults known now), then the staged ones."""
        for obj in session.new:
            if type(obj) in RECORD_TYPE:
                self._flushed.append((obj, "create", None, snapshot(obj)))
        self._flushed += self._staged
        self._staged = []

    def record(self) -> None:
        """Merge what the flushes did into this op's events; new events are written by the next flush."""
        flushed, self._flushed = self._flushed, []
        for obj, kind, before, after in flushed:
            self._note((RECORD_TYPE[type(obj)], obj.id), kind, before, after)  # type: ignore[attr-defined]

    def _note(self, key: tuple[str, int], kind: str, before: Any, after: Any) -> None:
        old = self._changes.pop(key, None)
        change = _merge(old, kind, before, after)
        event = old.event if old is not None else None
        if change is None:
            if event is not None:
                self._drop(event)
            return
        change.event = self._write(key, change, event)
        self._changes[key] = change

    def _write(self, key: tuple[str, int], change: _Change, event: AuditEvent | None) -> AuditEvent:
        action = "undo" if self.undo else change.kind
        if event is None:
            event = AuditEvent(
                workspace_id=self.actor.workspace_id,
                op_id=self.id,
                actor_id=self.actor.user_id,
                record_type=key[0],
                record_id=key[1],
                at=self.clock(),
            )
            self.session.add(event)
            self.events.append(event)
        event.action = action
        event.before = change.before
        event.after = change.after
        return event

    def _drop(self, event: AuditEvent) -> None:
        self.events.remove(event)
        if event in self.session.new:
            self.session.expunge(event)
        else:
            self.session.delete(event)


# Where a session keeps the op its flushes are recorded in.
_OP = "crm_audit_op"
_TRACKED = "_crm_audit_tracked"


def current_op(session: Session) -> Op | None:
    """The op this session's flushes are recorded in, if any (what other per-op bookkeeping reads)."""
    op = session.info.get(_OP)
    return op if isinstance(op, Op) else None


def _diff(session: Session, obj: Base) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The audited columns of ``obj`` this flush changes, as (before, after); None when none."""
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    unloaded: list[str] = []
    for key in audited_columns(type(obj)):
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        after[key] = to_json(history.added[0]) if history.added else None
        if history.deleted:
            before[key] = to_json(history.deleted[0])
        else:
            unloaded.append(key)
    if unloaded:
        # Set without being loaded first (after an expire): what it was is still in the database.
        mapper = inspect(type(obj))
        columns = [mapper.column_attrs[k].columns[0] for k in unloaded]
        record_id = obj.id  # type: ignore[attr-defined]
        row = session.connection().execute(select(*columns).where(mapper.primary_key[0] == record_id))
        before.update({k: to_json(v) for k, v in zip(unloaded, row.one(), strict=True)})
    _link_changes(state, obj, before, after)
    changed = [k for k in after if before.get(k) != after[k]]
    if not changed:
        return None
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def _link_changes(state: Any, obj: Base, before: dict[str, Any], after: dict[str, Any]) -> None:
    """A task's or interaction's links changed since the last flush: only a targets row changed, so
    the link remembers what it was (:class:`models.entities.Linked`) and is read back here."""
    was = state.info.pop(LINKS_BEFORE, None)
    for name, old in (was or {}).items():
        now = getattr(obj, name)
        if old != now:
            before[name], after[name] = old, now


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    op = session.info.get(_OP)
    if op is not None:
        op.stage(session)


def _after_flush(session: Session, _context: Any) -> None:
    op = session.info.get(_OP)
    if op is not None:
        op.flushed(session)


def _after_flush_postexec(session: Session, _context: Any) -> None:
    # Events are added and changed here, once the flush is over: an event changed during the flush
    # that wrote it would have the change forgotten.
    op = session.info.get(_OP)
    if op is not None:
        op.record()


def _before_commit(session: Session) -> None:
    op = session.info.get(_OP)
    if op is not None:
        op.finish()
        # The funnel's totals the op's refreshes added up, its stage history's included: written last,
        # in key order (bot/services/funnel_rows.py also does it for sessions without an op).
        funnel_rows.settle(session)


def track(sessions: sessionmaker[Session]) -> None:
    """Record the flushes of this factory's sessions in their op (once per factory; the mark is on
    the factory, for the reason bot/services/totals.py gives)."""
    if not getattr(sessions, _TRACKED, False):
        listen(sessions, "before_flush", _before_flush)
        listen(sessions, "after_flush", _after_flush)
        listen(sessions, "after_flush_postexec", _after_flush_postexec)
        listen(sessions, "before_commit", _before_commit)
        setattr(sessions, _TRACKED, True)


def aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def same_record(cls: type[Base], earlier: dict[str, Any], now: dict[str, Any]) -> bool:
    """Two snapshots say the same thing: equal fields, and times set when the row was made (created,
    occurred, "in an hour") that lie within the repeat window of each other."""
    columns = inspect(cls).columns
    for key, value in now.items():
        old = earlier.get(key)
        if old == value:
            continue
        if key in columns and _python_type(columns[key]) is datetime and old and value:
            gap = abs(aware(datetime.fromisoformat(value)) - aware(datetime.fromisoformat(old)))
            if gap <= REPEAT_WINDOW:
                continue
        return False
    return True


def _python_type(column: Any) -> Any:
    col_type = column.type
    if isinstance(col_type, TypeDecorator):
        col_type = col_type.impl_instance
    try:
        return col_type.python_type
    except NotImplementedError:
        return None


def lock_row(session: Session, cls: Any, record_id: int) -> Any:
    """Lock one row for the rest of the transaction, then load it fresh.

    The lock is taken by a bare primary-key SELECT because PostgreSQL refuses FOR UPDATE on the
    outer joins that eager-loaded relationships add. SQLite ignores it: its writers are already
    serialised by BEGIN IMMEDIATE.
    """
    session.execute(select(cls.id).where(cls.id == record_id).with_for_update())
    return session.get(cls, record_id, populate_existing=True)


def to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@cache
def audited_columns(cls: type[Base]) -> dict[str, Any]:
    """The columns an audit record of ``cls`` holds (all but its id and those marked False), each with
    its mark (see :data:`AUDIT_MARKS`)."""
    marks = {}
    for attr in inspect(cls).column_attrs:
        mark = attr.columns[0].info.get("audit", True)
        if mark not in AUDIT_MARKS:
            raise ValueError(f"{cls.__name__}.{attr.key}: unknown audit mark {mark!r}")
        if attr.key != "id" and mark is not False:
            marks[attr.key] = mark
    return marks


def marked(cls: type[Base], *marks: Any) -> frozenset[str]:
    """The audited columns of ``cls`` with one of these marks."""
    return frozenset(k for k, mark in audited_columns(cls).items() if any(mark is m for m in marks))


def snapshot(obj: Base) -> dict[str, Any]:
    """The record as an audit event holds it: each audited column's value, as JSON, and a task's or
    interaction's links (kept in targets), which are part of it: audited, compared and undone."""
    values = {key: to_json(getattr(obj, key)) for key in audited_columns(type(obj))}
    values.update({name: getattr(obj, name) for name in linked_fields(type(obj))})
    return values


def from_json(cls: type[Base], key: str, value: Any) -> Any:
    """Turn a snapshot value back into what the column holds."""
    if value is None:
        return None
    if key in linked_fields(cls):
        return value  # a record's id
    column = inspect(cls).columns[key]
    col_type = column.type
    if isinstance(col_type, TypeDecorator):
        col_type = col_type.impl_instance
    try:
        py = col_type.python_type
    except NotImplementedError:
        return value
    if py is datetime:
        return datetime.fromisoformat(value)
    if py is date:
        return date.fromisoformat(value)
    if py is Decimal:
        return Decimal(value)
    return value


# A permission check on one record: raises Forbidden when the actor may not change it.
Check = Callable[[Session, Actor, Any], None]


def may_change(verb: str = "change") -> Check:
    """The usual check: the record's holder, a manager or an admin (see bot/services/policy.py)."""
    return lambda s, actor, record: policy.require_change(s, actor, record, verb)


class Edit(Generic[R]):
    """One existing record being changed inside an op (the op's flushes record the change)."""

    def __init__(self, op: Op, record: R) -> None:
        self.op = op
        self.record = record

    @property
    def session(self) -> Session:
        return self.op.session

    def changes(self) -> dict[str, tuple[Any, Any]]:
        """Each of the person's fields (unmarked columns) this op changed, as (before, now)."""
        before, after = self.op.change_of(self.record)
        mine = marked(type(self.record), True)
        return {k: (before.get(k), v) for k, v in after.items() if k in mine}


@contextmanager
def change(op: Op, record: R, *, check: Check | None = None) -> Iterator[Edit[R]]:
    """Check the actor may change ``record`` (``check``: the holder's rule unless given, or
    :func:`skip_check` where the caller has asked already), then let the caller change it; the op
    records the change. Nothing is recorded when the body raises: the op rolls back."""
    (check or may_change())(op.session, op.actor, record)
    yield Edit(op, record)


def skip_check(_s: Session, _actor: Actor, _record: Any) -> None:
    """For :func:`change` where the caller asked already (a workspace-wide action, a record just made)."""


class ServiceBase:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        # No write of any service sends the database a value over its limit.
        limits.guard(sessions)
        # Every op's writes are recorded in its audit events.
        track(sessions)
        # What a unit (bot/services/retrying.py) began and committed, to know whether it may run again.
        retrying.track(sessions)

    @contextmanager
    def op(self, actor: Actor) -> Iterator[Op]:
        """One write: committed whole with its audit records, or not at all; its session scoped to the
        actor's workspace (bot/services/tenancy.py)."""
        with self.sessions.begin() as session:
            yield Op(session, actor, clock=getattr(self, "clock", None) or utcnow)

    @contextmanager
    def edit(self, actor: Actor, load: Callable[[Op], R], *, check: Check | None = None) -> Iterator[Edit[R]]:
        """A write that changes one existing record: load it (``load`` locks it or finds it by
        reference), then as :func:`change`. Everything in one transaction."""
        with self.op(actor) as op, change(op, load(op), check=check) as edit:
            yield edit

    @contextmanager
    def read(self, actor: Actor | None = None) -> Iterator[Session]:
        """A session to read in, scoped to the actor's workspace. Without an actor it sees every
        workspace: only for the paths that must (see bot/services/tenancy.py)."""
        with self.sessions() as session:
            if actor is not None:
                scoped(session, actor.workspace_id)
            yield session


class Service(ServiceBase):
    """One of the services the CRM is made of (bot/services/crm.py), on the CRM's sessions and clock,
    so the times it writes and audits agree with every other service's."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        super().__init__(sessions)
        self.clock = clock

    def now(self) -> datetime:
        return self.clock()
