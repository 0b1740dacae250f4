"""What every service shares: the actor, audit records, the transaction boundary and the shape of a write.

A write is one :class:`Op` (one transaction, one op id on its audit records). A change to a record that
already exists goes through :func:`change` (or :meth:`ServiceBase.edit`, which also opens the op and
loads the record): the actor's permission is checked (bot/services/policy.py), the record is
snapshotted, the caller changes it, and the change is audited, in that order every time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import TypeDecorator, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from bot.services import limits, policy
from bot.services.errors import RepeatedWrite
from models import AuditEvent, Base, Company, Contact, Deal, Interaction, Subscription, Task, User, Workspace
from models.entities import linked_fields, utcnow

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
}
RECORD_TYPE = {cls: name for name, cls in AUDITED.items()}
# Bookkeeping columns: they change on every write and are not part of what a person changed.
SKIP = {"updated_at", "name_key", "title_key"}
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
class Op:
    """One operation: one transaction, one op id shared by its audit records (undo works per op)."""

    session: Session
    actor: Actor
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    events: list[AuditEvent] = field(default_factory=list)
    # The service's clock, so audit times agree with the times it writes (a test's or console's clock).
    clock: Callable[[], datetime] = utcnow

    def created(self, obj: Base) -> None:
        self.session.flush()
        self._event(obj, "create", None, snapshot(obj))

    def updated(self, obj: Base, before: dict[str, Any]) -> None:
        self.session.flush()
        after = snapshot(obj)
        changed = {k for k in after if before.get(k) != after.get(k)}
        if changed:
            self._event(obj, "update", {k: before.get(k) for k in changed}, {k: after[k] for k in changed})

    def refuse_repeat(self, obj: Base, label: str) -> None:
        """Raise :class:`RepeatedWrite` when this person made the same record within the repeat window
        (and it still stands). Call it after the new row is flushed and before :meth:`created`."""
        self.session.flush()
        now = self.clock()
        kind = RECORD_TYPE[type(obj)]
        earlier = self.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.workspace_id == self.actor.workspace_id,
                AuditEvent.actor_id == self.actor.user_id,
                AuditEvent.record_type == kind,
                AuditEvent.action == "create",
                AuditEvent.at >= now - REPEAT_WINDOW,
                AuditEvent.undone_by_op.is_(None),
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

    def deleted(self, obj: Base, before: dict[str, Any]) -> None:
        self._event(obj, "delete", before, None)

    def undone(self, obj: Base, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        """What an undo put back (``before``/``after`` as the record was just before and after it)."""
        self._event(obj, "undo", before, after)

    def _event(
        self, obj: Base, action: str, before: dict[str, Any] | None, after: dict[str, Any] | None
    ) -> None:
        event = AuditEvent(
            workspace_id=self.actor.workspace_id,
            op_id=self.id,
            actor_id=self.actor.user_id,
            record_type=RECORD_TYPE[type(obj)],
            record_id=obj.id,  # type: ignore[attr-defined]
            action=action,
            before=before,
            after=after,
            at=self.clock(),
        )
        self.session.add(event)
        self.events.append(event)


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


def snapshot(obj: Base) -> dict[str, Any]:
    mapper = inspect(type(obj))
    values = {
        col.key: to_json(getattr(obj, col.key))
        for col in mapper.column_attrs
        if col.key not in SKIP and col.key != "id"
    }
    # A task's or interaction's links (kept in targets) are part of it: audited, compared and undone.
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
    """One existing record being changed inside an op, with its snapshot from before the change."""

    def __init__(self, op: Op, record: R) -> None:
        self.op = op
        self.record = record
        self.before = snapshot(record)
        self._audited = False

    @property
    def session(self) -> Session:
        return self.op.session

    def audit(self) -> None:
        """Record the change now (once); :func:`change` does it on the way out otherwise."""
        if not self._audited:
            self._audited = True
            self.op.updated(self.record, self.before)

    def changes(self, ignore: Iterable[str] = ()) -> dict[str, tuple[Any, Any]]:
        """Each field that differs from before, as (before, now)."""
        self.session.flush()
        after = snapshot(self.record)
        skip = set(ignore)
        return {
            k: (self.before[k], after[k])
            for k in after
            if k not in skip and self.before.get(k) != after.get(k)
        }


@contextmanager
def change(op: Op, record: R, *, check: Check | None = None) -> Iterator[Edit[R]]:
    """Check the actor may change ``record`` (``check``: the holder's rule unless given, or
    :func:`skip_check` where the caller has asked already), snapshot it, let the caller change it, then
    audit what changed. Nothing is audited when the body raises: the op rolls back."""
    (check or may_change())(op.session, op.actor, record)
    edit = Edit(op, record)
    yield edit
    edit.audit()


def skip_check(_s: Session, _actor: Actor, _record: Any) -> None:
    """For :func:`change` where the caller asked already (a workspace-wide action, a record just made)."""


class ServiceBase:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        # No write of any service sends the database a value over its limit.
        limits.guard(sessions)

    @contextmanager
    def op(self, actor: Actor) -> Iterator[Op]:
        """One write: committed whole with its audit records, or not at all."""
        with self.sessions.begin() as session:
            yield Op(session, actor, clock=getattr(self, "clock", None) or utcnow)

    @contextmanager
    def edit(self, actor: Actor, load: Callable[[Op], R], *, check: Check | None = None) -> Iterator[Edit[R]]:
        """A write that changes one existing record: load it (``load`` locks it or finds it by
        reference), then as :func:`change`. Everything in one transaction."""
        with self.op(actor) as op, change(op, load(op), check=check) as edit:
            yield edit

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session


class Service(ServiceBase):
    """One of the services the CRM is made of (bot/services/crm.py), on the CRM's sessions and clock,
    so the times it writes and audits agree with every other service's."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        super().__init__(sessions)
        self.clock = clock

    def now(self) -> datetime:
        return self.clock()
