"""Pipeline totals kept in step with deals: every flush that adds, moves, re-owns, re-prices or removes
a deal (a deleted deal counts nowhere) adjusts ``pipeline_totals`` in the same transaction, so ``/crm pipeline`` reads a few dozen
rows instead of summing a million deals.

It hangs on the session factory's flush events, so every ORM write path is covered (the services,
undo, the scheduler) without each one remembering to do it. Writers that bypass the ORM must keep the
totals themselves: :func:`rebuild` recounts a workspace.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import bindparam, delete, event, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from models import Deal, PipelineTotal

Key = tuple[int, int, int, str]  # workspace, stage, owner (0: none), currency
_OLD = "_pipeline_totals_old"


def _key(workspace_id: Any, stage_id: Any, owner_id: Any, currency: Any) -> Key | None:
    if workspace_id is None or stage_id is None:
        return None
    return int(workspace_id), int(stage_id), int(owner_id or 0), str(currency or "USD")


def amount_of(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


_BEFORE = "_deals_before_flush"


def deals_before_flush(session: Session, flush: Any) -> dict[int, Any]:
    """The changed and removed deals as the database holds them before this flush (the in-memory history
    is incomplete for attributes set without being loaded first): read once per flush, for every total
    kept from it (these and bot/services/forecast_totals.py's). Kept with the flush it was read for,
    compared by identity (the object is held, so a later flush cannot be taken for it)."""
    cached = session.info.get(_BEFORE)
    if cached is not None and cached[0] is flush:
        return cast(dict[int, Any], cached[1])
    ids = [
        obj.id
        for obj in list(session.dirty) + list(session.deleted)
        if isinstance(obj, Deal) and obj.id is not None
    ]
    rows: dict[int, Any] = {}
    if ids:
        for r in session.execute(
            select(
                Deal.id,
                Deal.workspace_id,
                Deal.stage_id,
                Deal.owner_id,
                Deal.currency,
                Deal.close_date,
                Deal.forecast_category,
                Deal.amount,
                Deal.deleted_at,
            )
            .where(Deal.id.in_(ids))
            # A deleted deal being restored counts for nothing before this flush, but it is still read.
            .execution_options(include_deleted=True)
        ):
            rows[r.id] = r
    session.info[_BEFORE] = (flush, rows)
    return rows


def _before_flush(session: Session, flush: Any, _instances: Any) -> None:
    """What the changed and removed deals counted for before this flush."""
    session.info[_OLD] = {
        i: (
            None if r.deleted_at is not None else _key(r.workspace_id, r.stage_id, r.owner_id, r.currency),
            amount_of(r.amount),
        )
        for i, r in deals_before_flush(session, flush).items()
    }


def _counted(obj: Deal) -> Key | None:
    """Where a deal counts now: nowhere once it is deleted."""
    if obj.deleted_at is not None:
        return None
    return _key(obj.workspace_id, obj.stage_id, obj.owner_id, obj.currency)


def _after_flush(session: Session, _context: Any) -> None:
    old: dict[int, tuple[Key | None, Decimal]] = session.info.pop(_OLD, {})
    deltas: dict[Key, list[Any]] = defaultdict(lambda: [0, Decimal(0)])

    def add(key: Key | None, count: int, amount: Decimal) -> None:
        if key is not None:
            deltas[key][0] += count
            deltas[key][1] += amount

    for obj in session.new:
        if isinstance(obj, Deal):
            add(_counted(obj), 1, amount_of(obj.amount))
    for obj in session.dirty:
        if isinstance(obj, Deal) and obj.id in old:
            before_key, before_amount = old[obj.id]
            after_key = _counted(obj)
            after_amount = amount_of(obj.amount)
            if before_key != after_key or before_amount != after_amount:
                add(before_key, -1, -before_amount)
                add(after_key, 1, after_amount)
    for obj in session.deleted:
        if isinstance(obj, Deal) and obj.id in old:
            before_key, before_amount = old[obj.id]
            add(before_key, -1, -before_amount)
    changes = {k: v for k, v in deltas.items() if v[0] or v[1]}
    if changes:
        apply(session.connection(), changes)


def apply(conn: Connection, changes: dict[Key, list[Any]]) -> None:
    """Add the deltas, in key order so that two transactions never wait on each other in a cycle; one
    statement, compiled once, for every key (a stage's removal touches one per owner and currency)."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        stmt: Any = pg_insert(PipelineTotal)
    elif dialect == "sqlite":
        stmt = sqlite_insert(PipelineTotal)
    else:  # pragma: no cover - the bot runs on SQLite and PostgreSQL only
        raise RuntimeError(f"pipeline totals: unsupported database {dialect}")
    stmt = stmt.values(
        workspace_id=bindparam("t_ws"),
        stage_id=bindparam("t_stage"),
        owner_key=bindparam("t_owner"),
        currency=bindparam("t_currency"),
        deals=bindparam("t_deals"),
        amount=bindparam("t_amount"),
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["workspace_id", "stage_id", "owner_key", "currency"],
        set_={
            "deals": PipelineTotal.deals + stmt.excluded.deals,
            "amount": PipelineTotal.amount + stmt.excluded.amount,
        },
    )
    params = [
        {
            "t_ws": ws,
            "t_stage": stage,
            "t_owner": owner,
            "t_currency": currency,
            "t_deals": count,
            "t_amount": amount,
        }
        for (ws, stage, owner, currency), (count, amount) in sorted(changes.items())
    ]
    conn.execute(stmt, params)


_TRACKED = "_pipeline_totals_tracked"


def track(sessions: sessionmaker[Session]) -> None:
    """Keep the totals for every session this factory makes (once per factory).

    The mark is kept on the factory itself: ``event.contains`` answers by object id, so a factory
    allocated where a freed one was would be taken as tracked and silently not be."""
    if not getattr(sessions, _TRACKED, False):
        event.listen(sessions, "before_flush", _before_flush)
        event.listen(sessions, "after_flush", _after_flush)
        setattr(sessions, _TRACKED, True)


def rebuild(conn: Connection, workspace_id: int) -> None:
    """Recount one workspace's totals from its deals (after a bulk load that bypassed the ORM)."""
    conn.execute(delete(PipelineTotal).where(PipelineTotal.workspace_id == workspace_id))
    owner = func.coalesce(Deal.owner_id, 0)
    conn.execute(
        insert(PipelineTotal).from_select(
            ["workspace_id", "stage_id", "owner_key", "currency", "deals", "amount"],
            select(
                Deal.workspace_id,
                Deal.stage_id,
                owner,
                Deal.currency,
                func.count(),
                func.coalesce(func.sum(Deal.amount), 0),
            )
            .where(Deal.workspace_id == workspace_id, Deal.deleted_at.is_(None))
            .group_by(Deal.workspace_id, Deal.stage_id, owner, Deal.currency),
        )
    )
