"""Each deal's stage history (``deal_stage_changes``), written with the audit events of the changes it
follows and taken out again with their undo.

A row per change of a deal's stage, amount, currency or expected close date: made, moved (one at a
time, a stage's deals at once, won, lost, merged…), edited. It holds what the deal stood at once the
operation was over, the stage it left and since when it had been in it, and how long that state held
(until the deal's next row). Every operation is recorded when it commits (:func:`record`, called by the
session's ``before_commit`` for the op on it), from the events the op wrote, whichever service wrote
them; an undo of the op deletes the rows it wrote and gives the row before each its end back
(:func:`undo`), so the table is exactly as it was. The funnel and the forecast's look back read it
through its indexes (bot/services/funnel.py, bot/services/forecasts.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Table,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from bot.services import funnel_rows
from models import Deal, DealStageChange, ImportChange

# The columns the reports follow through time.
TRACKED = ("stage_id", "amount", "currency", "close_date")
CHUNK = 500

_H = cast(Table, DealStageChange.__table__)
_D = cast(Table, Deal.__table__)


@dataclass(frozen=True)
class Change:
    """One audit event of a deal that touched a tracked column."""

    event_id: int
    deal_id: int
    action: str  # create | update
    before: dict[str, Any]
    at: datetime


def tracks(action: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> bool:
    """Whether a deal's audit event is one the history follows."""
    if action not in ("create", "update"):
        return False
    return any(k in TRACKED for k in (after or {})) or any(k in TRACKED for k in (before or {}))


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def write(s: Session, workspace_id: int, op_id: str, actor_id: int | None, changes: list[Change]) -> None:
    """Append a row per change (one per deal: an op has one event per record), each deal's state now;
    the deal's row before it ends where it begins."""
    if not changes:
        return
    ids = sorted({c.deal_id for c in changes})
    deals: dict[int, Any] = {}
    last: dict[int, Any] = {}
    for chunk in _chunks(ids):
        for row in s.execute(
            select(
                _D.c.id, _D.c.stage_id, _D.c.amount, _D.c.currency, _D.c.close_date, _D.c.created_at
            ).where(_D.c.workspace_id == workspace_id, _D.c.id.in_(chunk))
        ):
            deals[row.id] = row
        for row in s.execute(
            select(_H.c.id, _H.c.deal_id, _H.c.stage_id, _H.c.entered_at).where(
                _H.c.workspace_id == workspace_id, _H.c.deal_id.in_(chunk), _H.c.valid_until.is_(None)
            )
        ):
            if row.deal_id not in last or row.id > last[row.deal_id].id:
                last[row.deal_id] = row
    rows = []
    ended: list[dict[str, Any]] = []
    for c in sorted(changes, key=lambda c: c.event_id):
        deal = deals.get(c.deal_id)
        if deal is None:
            continue  # made and gone in the same op
        before = last.get(c.deal_id)
        was = before.stage_id if before is not None else c.before.get("stage_id")
        moved = was is None or was != deal.stage_id
        since = before.entered_at if before is not None else None
        rows.append(
            {
                "workspace_id": workspace_id,
                "deal_id": c.deal_id,
                "op_id": op_id,
                "event_id": c.event_id,
                "actor_id": actor_id,
                "at": c.at,
                "valid_from": min(c.at, _aware(deal.created_at)) if before is None else c.at,
                "valid_until": None,
                "from_stage_id": was,
                "from_entered_at": since if moved else None,
                "stage_id": deal.stage_id,
                "entered_at": c.at if moved or since is None else since,
                "amount": deal.amount,
                "currency": deal.currency,
                "close_date": deal.close_date,
                "deal_created_at": deal.created_at,
            }
        )
        if before is not None:
            ended.append({"_id": before.id, "_at": c.at})
    if ended:
        s.execute(
            update(_H).where(_H.c.id == bindparam("_id")).values(valid_until=bindparam("_at")),
            ended,
        )
    if rows:
        s.execute(insert(_H), rows)
    funnel_rows.refresh(s.connection(), workspace_id, ids, session=s)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def undo(s: Session, workspace_id: int, op_id: str) -> None:
    """Take out the rows ``op_id`` wrote; the row before each ends again where that one ended."""
    params = {"op": op_id, "ws": workspace_id}
    deals = s.scalars(
        select(_H.c.deal_id).where(_H.c.workspace_id == workspace_id, _H.c.op_id == op_id).distinct()
    ).all()
    s.execute(
        text(
            "UPDATE deal_stage_changes SET valid_until = (SELECT r.valid_until FROM deal_stage_changes r "
            "WHERE r.op_id = :op AND r.workspace_id = :ws AND r.deal_id = deal_stage_changes.deal_id) "
            "WHERE workspace_id = :ws AND id IN (SELECT (SELECT max(p.id) FROM deal_stage_changes p "
            "WHERE p.deal_id = r.deal_id AND p.id < r.id) FROM deal_stage_changes r "
            "WHERE r.op_id = :op AND r.workspace_id = :ws)"
        ),
        params,
    )
    s.execute(text("DELETE FROM deal_stage_changes WHERE op_id = :op AND workspace_id = :ws"), params)
    funnel_rows.refresh(s.connection(), workspace_id, deals, session=s)


def imported(conn: Connection, workspace_id: int, batch_id: str, actor_id: int, at: datetime) -> None:
    """The deals an import made or changed (no audit events: the import is their record): a row each
    whose stage, amount, currency or expected close date is not what its last row says, the import's
    batch id as the op; the rows before them end. Set-based, as the import is."""
    d, h, ic = _D.c, _H.c, cast(Table, ImportChange.__table__).c
    prev = _H.alias("prev")
    p = prev.c
    moved = or_(p.id.is_(None), p.stage_id != d.stage_id)
    when = literal(at, h.at.type)
    touched = or_(
        d.import_batch == batch_id,
        d.id.in_(select(ic.record_id).where(ic.workspace_id == workspace_id, ic.batch_id == batch_id)),
    )
    changed = or_(
        p.id.is_(None),
        p.stage_id != d.stage_id,
        p.amount.is_distinct_from(d.amount),
        p.currency != d.currency,
        p.close_date.is_distinct_from(d.close_date),
    )
    columns = {
        "workspace_id": d.workspace_id,
        "deal_id": d.id,
        "op_id": literal(batch_id),
        "actor_id": literal(actor_id),
        "at": when,
        "valid_from": case((and_(p.id.is_(None), d.created_at < when), d.created_at), else_=when),
        "from_stage_id": p.stage_id,
        "from_entered_at": case((and_(p.id.is_not(None), moved), p.entered_at)),
        "stage_id": d.stage_id,
        "entered_at": case((moved, when), else_=p.entered_at),
        "amount": d.amount,
        "currency": d.currency,
        "close_date": d.close_date,
        "deal_created_at": d.created_at,
    }
    conn.execute(
        insert(_H).from_select(
            list(columns),
            select(*columns.values())
            .select_from(
                _D.outerjoin(
                    prev,
                    and_(p.workspace_id == workspace_id, p.deal_id == d.id, p.valid_until.is_(None)),
                )
            )
            .where(d.workspace_id == workspace_id, touched, changed),
        )
    )
    mine = select(h.deal_id).where(h.workspace_id == workspace_id, h.op_id == batch_id)
    conn.execute(
        update(_H)
        .where(
            h.workspace_id == workspace_id,
            h.valid_until.is_(None),
            or_(h.op_id.is_(None), h.op_id != batch_id),
            h.deal_id.in_(mine),
        )
        .values(valid_until=when)
    )
    if conn.dialect.name == "postgresql":
        # Tables just filled have no statistics for the rows the refresh joins: without them its plan
        # can take minutes (380 s of a 20,000-deal import). ANALYZE samples this transaction's rows too.
        conn.execute(text("ANALYZE deals, deal_stage_changes"))
    # Every deal it touched: one whose owner alone changed has no new history row but a new owner.
    funnel_rows.refresh(conn, workspace_id, select(d.id).where(d.workspace_id == workspace_id, touched))


def import_undone(conn: Connection, workspace_id: int, batch_id: str, finished_at: datetime) -> None:
    """After an import's undo: the rows of the deals it made and that are gone go with them; those of
    the deals it put back (not changed since) go too, the row before each its end given back."""
    h, d = _H.c, _D.c
    # The deals it made (gone now) and those it changed (put back), found before their rows go.
    ic = cast(Table, ImportChange.__table__).c
    touched = set(
        conn.scalars(select(h.deal_id).where(h.workspace_id == workspace_id, h.op_id == batch_id).distinct())
    )
    touched |= set(
        conn.scalars(select(ic.record_id).where(ic.workspace_id == workspace_id, ic.batch_id == batch_id))
    )
    conn.execute(
        _H.delete().where(
            h.workspace_id == workspace_id,
            h.op_id == batch_id,
            ~exists().where(d.workspace_id == workspace_id, d.id == h.deal_id),
        )
    )
    back = select(h.id, h.deal_id).where(
        h.workspace_id == workspace_id,
        h.op_id == batch_id,
        h.valid_until.is_(None),
        h.deal_id.in_(
            select(d.id).where(
                d.workspace_id == workspace_id, d.updated_at <= literal(finished_at, d.updated_at.type)
            )
        ),
    )
    rows = conn.execute(back).all()
    for chunk in _chunks([r.id for r in rows]):
        r = _H.alias("r")
        q = _H.alias("q")
        conn.execute(
            update(_H)
            .where(
                h.id.in_(
                    select(func.max(q.c.id))
                    .select_from(q.join(r, and_(r.c.deal_id == q.c.deal_id, q.c.id < r.c.id)))
                    .where(r.c.id.in_(chunk))
                    .group_by(r.c.id)
                )
            )
            .values(valid_until=None)
        )
        conn.execute(_H.delete().where(h.id.in_(chunk)))
    funnel_rows.refresh(conn, workspace_id, touched)
