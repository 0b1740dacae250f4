"""When each company's deals were last active, kept as the deals change (table ``company_activity``).

A row per company with a deal not deleted: the latest ``last_activity_at`` of those deals. The customers
report reads the customers gone quiet from it (a range of companies by when) instead of taking every deal
active lately away from every customer.

A company's row is recomputed from its deals (:func:`refresh`, by the deals' company index) whenever one
of its deals is added, removed, deleted or restored, moves to another company or is active again, in the
same transaction: the session's flushes of deals (every ORM write: the services, undo, merging, deletion),
the activity logged on deals (``touch_deals``, a set-based update) and imports and their undo (which
write deals without the ORM and recount the workspace, as they do the pipeline totals). :func:`rebuild`
recounts a workspace from scratch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Select, Table, and_, delete, event, exists, func, insert, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from models import CompanyActivity, Deal

CHUNK = 500
# What a company's row holds for the moment between being made and being set from its deals.
_PLACEHOLDER = datetime(1970, 1, 1, tzinfo=UTC)

_D = cast(Table, Deal.__table__)
_A = cast(Table, CompanyActivity.__table__)

# What a company's row is made from: a change to any other column of a deal leaves it as it is.
# (The company as a relationship too: set that way, its key is only filled in by the flush.)
_INPUTS = ("company_id", "company", "last_activity_at", "deleted_at")


def _latest(workspace_id: int) -> Select[Any]:
    d = _D.c
    return (
        select(d.workspace_id, d.company_id, func.max(d.last_activity_at))
        .where(d.workspace_id == workspace_id, d.company_id.is_not(None), d.deleted_at.is_(None))
        .group_by(d.workspace_id, d.company_id)
    )


def _refresh(conn: Connection, workspace_id: int, ids: list[int]) -> None:
    """A row for each of these companies (from a placeholder), locked in order, then set from the
    company's deals or removed if none is left: on PostgreSQL a transaction that refreshes a company
    another is refreshing waits for it, and reads that one's deals as committed (each statement reads
    anew), so the two never leave a latest activity that misses one of theirs."""
    a, d = _A.c, _D.c
    stmt: Any = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(_A)
    conn.execute(
        stmt.values(
            [{"workspace_id": workspace_id, "company_id": c, "last_activity_at": _PLACEHOLDER} for c in ids]
        ).on_conflict_do_nothing(index_elements=["workspace_id", "company_id"])
    )
    mine = and_(a.workspace_id == workspace_id, a.company_id.in_(ids))
    conn.execute(select(a.company_id).where(mine).order_by(a.company_id).with_for_update()).all()
    live = and_(d.company_id == a.company_id, d.workspace_id == workspace_id, d.deleted_at.is_(None))
    conn.execute(delete(_A).where(mine, ~exists().where(live)))
    latest = select(func.max(d.last_activity_at)).where(live).scalar_subquery()
    conn.execute(update(_A).where(mine).values(last_activity_at=latest))


def refresh(conn: Connection, workspace_id: int, company_ids: Iterable[int | None]) -> None:
    """Recompute the rows of these companies from their deals."""
    ids = sorted({int(c) for c in company_ids if c is not None})
    for start in range(0, len(ids), CHUNK):
        _refresh(conn, workspace_id, ids[start : start + CHUNK])


def refresh_deals(conn: Connection, workspace_id: int, deal_ids: Iterable[int]) -> None:
    """Recompute the rows of the companies of these deals (whose company has not changed)."""
    ids = sorted(set(deal_ids))
    companies: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        companies.update(
            conn.scalars(
                select(_D.c.company_id)
                .where(_D.c.id.in_(ids[start : start + CHUNK]), _D.c.company_id.is_not(None))
                .distinct()
            )
        )
    refresh(conn, workspace_id, companies)


def rebuild(conn: Connection, workspace_id: int) -> None:
    """Every row of a workspace, from scratch."""
    conn.execute(delete(_A).where(_A.c.workspace_id == workspace_id))
    conn.execute(
        insert(_A).from_select(["workspace_id", "company_id", "last_activity_at"], _latest(workspace_id))
    )


def _changed(obj: Deal) -> bool:
    state = inspect(obj)
    return any(state.attrs[k].history.has_changes() for k in _INPUTS)


_BEFORE = "_company_activity_before"


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """The companies the deals this flush may change or remove are with before it, read from the
    database (a company set without being loaded first has no history in memory)."""
    ids = [
        obj.id for obj in (*session.dirty, *session.deleted) if isinstance(obj, Deal) and obj.id is not None
    ]
    before: dict[int, tuple[int, int]] = {}
    for start in range(0, len(ids), CHUNK):
        for deal_id, ws, company in session.execute(
            select(Deal.id, Deal.workspace_id, Deal.company_id)
            .where(Deal.id.in_(ids[start : start + CHUNK]), Deal.company_id.is_not(None))
            # A deleted deal being restored still names its company.
            .execution_options(include_deleted=True)
        ):
            before[int(deal_id)] = (int(ws), int(company))
    session.info[_BEFORE] = before


def _after_flush(session: Session, _context: Any) -> None:
    """Refresh the companies of the deals added, removed or changed in what the rows follow, as they
    were and as they are (the flush has set the keys of deals given a company by relationship)."""
    before: dict[int, tuple[int, int]] = session.info.pop(_BEFORE, {})
    touched: dict[int, set[int]] = defaultdict(set)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, Deal):
            continue
        if obj not in session.new and obj not in session.deleted and not _changed(obj):
            continue
        if obj.id is not None and int(obj.id) in before:
            ws, company = before[int(obj.id)]
            touched[ws].add(company)
        if obj.workspace_id is not None and obj.company_id is not None:
            touched[int(obj.workspace_id)].add(int(obj.company_id))
    for workspace_id, companies in sorted(touched.items()):
        refresh(session.connection(), workspace_id, companies)


_TRACKED = "_company_activity_tracked"


def track(sessions: sessionmaker[Session]) -> None:
    """Keep the rows for every session this factory makes (once per factory, as bot/services/totals.py)."""
    if not getattr(sessions, _TRACKED, False):
        event.listen(sessions, "before_flush", _before_flush)
        event.listen(sessions, "after_flush", _after_flush)
        setattr(sessions, _TRACKED, True)
