"""The people a file names who have not written to the bot yet: a team migrating its CRM names every
salesperson in its Owner column, and the bot knows only those who have used it.

Before the rows are read, each distinct email in the file's people columns that nobody here has is
looked up once in the workspace's directory (Slack, by the caller: the services know nothing of it);
whoever is found is added to the workspace's people, as a rep, and their rows go to them. A name is
never looked up: two people may share it, and a guess would hand one's records to the other. Whoever
stays unknown is said once, with how many rows name them, rather than once per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, literal, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from bot.services.base import Actor, Op
from bot.services.dataio.cells import Context
from bot.services.dataio.columns import CUSTOM, column
from bot.services.dataio.tabular import Table
from bot.services.timeutil import zone
from models import AuditEvent, Base, User

# The most distinct unknown emails one import asks about: a file of strangers' addresses (a contact
# list mapped to Owner by mistake) is not a reason for thousands of calls.
MOST_LOOKUPS = 200


@dataclass(frozen=True)
class Teammate:
    """Someone the directory knows by their email."""

    slack_id: str
    name: str
    email: str
    tz: str | None = None


# An email → the teammate with it, or None when the directory has nobody by it (or cannot say).
Directory = Callable[[str], "Teammate | None"]


def people_columns(record_type: str, mapping: dict[int, str]) -> list[int]:
    """The positions of the mapped columns that name a person (Owner, Assigned to, Closed by…)."""
    return [
        pos
        for pos, fld in sorted(mapping.items())
        if not fld.startswith(CUSTOM) and column(record_type, fld).kind == "user"
    ]


def unknown_emails(table: Table, positions: list[int], ctx: Context) -> list[str]:
    """The distinct emails in those columns that nobody in the workspace has, in the file's order, up
    to :data:`MOST_LOOKUPS`; when the file names more, ``ctx`` keeps which were asked about, so that the
    others are said as not looked up (and their rows, imported again, look up the next ones)."""
    seen: dict[str, None] = {}
    with closing(table.rows()) as rows:
        for _, cells in rows:
            for pos in positions:
                raw = cells[pos].strip().lower() if pos < len(cells) else ""
                if "@" in raw and raw not in ctx.users and raw not in seen:
                    if len(seen) >= MOST_LOOKUPS:
                        ctx.lookup_limit = MOST_LOOKUPS
                        ctx.looked_up = set(seen)
                        return list(seen)
                    seen[raw] = None
    return list(seen)


def found_in(directory: Directory, emails: list[str]) -> Iterator[Teammate]:
    for email in emails:
        person = directory(email)
        if person is not None:
            yield person


def add(
    sessions: sessionmaker[Session],
    conn: Connection,
    actor: Actor,
    ctx: Context,
    found: list[Teammate],
    batch_id: str,
) -> list[str]:
    """The teammates found added to the workspace's people, audited as the importer's act, on the
    import's own transaction (a preview adds nobody); each one's email then names them in ``ctx``.
    Their names, as added. The op is the import's batch id, so its undo finds whom it added."""
    added: list[User] = []
    with sessions(bind=conn) as s:
        for person in found:
            user = s.scalar(
                select(User).where(User.workspace_id == actor.workspace_id, User.slack_id == person.slack_id)
            )
            if user is None:
                tz = person.tz if person.tz and zone(person.tz).key == person.tz else ctx.tz
                user = User(
                    workspace_id=actor.workspace_id,
                    slack_id=person.slack_id,
                    name=person.name or person.slack_id,
                    tz=tz,
                    email=person.email,
                    role="rep",
                )
                s.add(user)
                s.flush()
                added.append(user)
            ctx.users[person.email.lower()] = user.id
            ctx.zones[user.id] = user.tz
        if added:
            # Recorded as made by the importer, as a person registering is recorded (their row first).
            op = Op(s, actor, id=batch_id)
            for user in added:
                op.created(user)
            s.flush()
    return [user.name for user in added]


@dataclass
class TakenBack:
    """The teammates an import added, after its undo: those taken off the team again, and those who
    stay (their names) because they have used the bot or have records left since."""

    removed: list[str] = field(default_factory=list)
    used_bot: list[str] = field(default_factory=list)
    have_records: list[str] = field(default_factory=list)


def take_back(
    sessions: sessionmaker[Session],
    conn: Connection,
    actor: Actor,
    batch_id: str,
    clock: Callable[[], datetime],
) -> TakenBack:
    """An import's undo, once its records are gone: each teammate it added is taken off the team again
    (an audited undo of their creation) unless they have done anything since: written to the bot, been
    given a role, or anything left pointing at them (a record of the import kept because someone changed
    it, a task given to them, a quota). Nobody else's work is touched."""
    out = TakenBack()
    with sessions(bind=conn) as s:
        made = list(
            s.scalars(
                select(AuditEvent).where(
                    AuditEvent.workspace_id == actor.workspace_id,
                    AuditEvent.op_id == batch_id,
                    AuditEvent.record_type == "user",
                    AuditEvent.action == "create",
                    AuditEvent.undone_by_op.is_(None),
                )
            )
        )
        if not made:
            return out
        op = Op(s, actor, clock=clock)
        op.undo = True
        for event in made:
            user = s.get(User, event.record_id)
            if user is None:
                continue
            if _used_bot(s, actor.workspace_id, user.id, batch_id):
                out.used_bot.append(user.name)
            elif _pointed_at(s, actor.workspace_id, user.id):
                out.have_records.append(user.name)
            else:
                s.delete(user)
                s.flush()
                event.undone_by_op = op.id
                out.removed.append(user.name)
        s.flush()
    return out


def _used_bot(s: Session, ws: int, user_id: int, batch_id: str) -> bool:
    """Anything they did (any audit event of theirs), or anything done to their person since (a role)."""
    return (
        s.scalar(
            select(AuditEvent.id)
            .where(
                AuditEvent.workspace_id == ws,
                or_(
                    AuditEvent.actor_id == user_id,
                    and_(
                        AuditEvent.record_type == "user",
                        AuditEvent.record_id == user_id,
                        AuditEvent.op_id != batch_id,
                    ),
                ),
            )
            .limit(1)
        )
        is not None
    )


def _pointed_at(s: Session, ws: int, user_id: int) -> bool:
    """Whether any row of any table names them (every key to the people, so a new table is covered)."""
    users = User.__table__
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_key_constraints:
            if fk.referred_table is not users:
                continue
            col = next((c for c in fk.columns if c.name != "workspace_id"), None)
            if col is None or table is users:
                continue
            where = [col == user_id]
            if "workspace_id" in table.c:
                where.append(table.c.workspace_id == ws)
            if s.execute(select(literal(1)).select_from(table).where(*where).limit(1)).first() is not None:
                return True
    return False
