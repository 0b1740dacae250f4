"""Every deal of a stage moved at once, and put back at once: what removing a stage does to the deals
it held, and what its Undo does (README, The team's stages).

One UPDATE moves them (the deleted ones too, so the stage can go and a deal restored later has a stage);
each deal still gets its own audit event (its timeline says who moved it and from where), written in one
insert with the op's others. The Undo reads the deals of a run of such events in a few reads, checks each
is still as the move left it (else it refuses, naming the field, as any undo does), and writes them back
with one statement per shape of change. The running pipeline totals and the forecast's are adjusted by
the same deltas (bot/services/totals.py and forecast_totals.py see no flush here).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import RowMapping, Table, bindparam, select, text, update

from bot.services import forecast_totals, totals
from bot.services.base import Op, from_json, to_json
from bot.services.errors import Conflict
from models import AuditEvent, Deal, PipelineStage
from models.entities import utcnow

# What moving a deal to another stage changes: the columns of its audit event.
MOVED = ("stage_id", "stage_changed_at", "closed_at", "closed_by_id")
# Deals read per statement (SQLite's bound-parameter limit is far above it).
CHUNK = 500
_D = cast(Table, Deal.__table__)
_READ = (
    _D.c.id,
    _D.c.owner_id,
    _D.c.currency,
    _D.c.amount,
    _D.c.deleted_at,
    _D.c.close_date,
    _D.c.forecast_category,
    *(_D.c[k] for k in MOVED),
)


def is_move(event: AuditEvent) -> bool:
    """An event that only moved a deal between stages (undone set-based with the rest of its run)."""
    if event.record_type != "deal" or event.action != "update":
        return False
    return set(event.before or {}) | set(event.after or {}) <= set(MOVED)


def move_all(op: Op, source: PipelineStage, target: PipelineStage, now: datetime) -> list[int]:
    """Move every deal of ``source`` (deleted ones too) into ``target`` from ``now``, closed by the actor
    if ``target`` is closed; one audit event each. Returns the ids of the live deals moved."""
    s, ws = op.session, op.actor.workspace_id
    rows = (
        s.execute(
            select(*_READ)
            .where(_D.c.workspace_id == ws, _D.c.stage_id == source.id)
            .order_by(_D.c.id)
            .with_for_update()
        )
        .mappings()
        .all()
    )
    if not rows:
        return []
    closed = target.is_closed
    new = {
        "stage_id": target.id,
        "stage_changed_at": now,
        "closed_at": now if closed else None,
        "closed_by_id": op.actor.user_id if closed else None,
    }
    s.execute(update(_D).where(_D.c.workspace_id == ws, _D.c.stage_id == source.id).values(**new))
    changes = []
    for row in rows:
        before = {k: to_json(row[k]) for k in MOVED if to_json(row[k]) != to_json(new[k])}
        changes.append((row["id"], before, {k: to_json(new[k]) for k in before}))
    op.record_many("deal", changes)
    _adjust_totals(op, rows, lambda _row: target.id)
    return [row["id"] for row in rows if row["deleted_at"] is None]


def restore_moves(op: Op, events: Sequence[AuditEvent]) -> str:
    """Undo a run of moves: each deal back in its stage with its times as they were, if nothing changed
    them since (then nothing is put back: the op rolls back)."""
    s, ws = op.session, op.actor.workspace_id
    ids = [e.record_id for e in events]
    found: dict[int, RowMapping] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = sorted(ids[start : start + CHUNK])
        for row in s.execute(
            select(*_READ).where(_D.c.workspace_id == ws, _D.c.id.in_(chunk)).with_for_update()
        ).mappings():
            found[row["id"]] = row
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    changes = []
    for event in events:
        if event.record_id not in found:
            raise Conflict("undo.deleted_since", record_type="deal")
        row = found[event.record_id]
        for key, value in (event.after or {}).items():
            if to_json(row[key]) != value:
                raise Conflict("undo.changed_since", record_type="deal", key=key)
        before = event.before or {}
        keys = tuple(sorted(before))
        shapes[keys].append({"_id": row["id"], **{f"_{k}": from_json(Deal, k, before[k]) for k in keys}})
        changes.append((row["id"], {k: to_json(row[k]) for k in keys}, dict(before)))
    for keys, params in shapes.items():
        for start in range(0, len(params), CHUNK):
            _put_back(s, ws, keys, params[start : start + CHUNK])
    back = {e.record_id: (e.before or {}).get("stage_id") for e in events}
    _adjust_totals(op, list(found.values()), lambda row: back[row["id"]] or row["stage_id"])
    op.record_many("deal", changes)
    return f"put {len(events):,} deals back where they were"


# The PostgreSQL array type of each moved column, for _put_back's unnest.
_ARRAY = {
    "stage_id": "integer[]",
    "stage_changed_at": "timestamptz[]",
    "closed_at": "timestamptz[]",
    "closed_by_id": "integer[]",
}


def _put_back(s: Any, ws: int, keys: tuple[str, ...], params: list[dict[str, Any]]) -> None:
    """One UPDATE for a chunk of deals whose events changed the same columns. On PostgreSQL the values go
    as one array per column (unnest): a statement per deal would be a round trip each, and a VALUES list
    of thousands of parameters takes longer to build than to run. SQLite, in process, takes them as one
    executemany."""
    if not keys:
        return
    if s.get_bind().dialect.name != "postgresql":
        s.execute(
            update(_D)
            .where(_D.c.workspace_id == ws, _D.c.id == bindparam("_id"))
            .values({k: bindparam(f"_{k}") for k in keys}),
            params,
        )
        return
    sets = ", ".join(f"{k} = back.{k}" for k in keys)
    arrays = ", ".join(f"CAST(:{k} AS {_ARRAY[k]})" for k in keys)
    s.execute(
        text(
            f"UPDATE deals SET {sets}, updated_at = :now FROM unnest(CAST(:ids AS integer[]), {arrays}) "
            f"AS back(id, {', '.join(keys)}) WHERE deals.workspace_id = :ws AND deals.id = back.id"
        ),
        {
            "ids": [p["_id"] for p in params],
            **{k: [p[f"_{k}"] for p in params] for k in keys},
            "now": utcnow(),
            "ws": ws,
        },
    )


def _adjust_totals(op: Op, rows: Sequence[RowMapping], stage_after: Any) -> None:
    deltas: dict[totals.Key, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    ws = op.actor.workspace_id
    for row in rows:
        if row["deleted_at"] is not None:
            continue  # a deleted deal counts nowhere
        amount = Decimal(str(row["amount"])) if row["amount"] is not None else Decimal(0)
        for stage, sign in ((row["stage_id"], -1), (stage_after(row), 1)):
            key = (ws, int(stage), int(row["owner_id"] or 0), str(row["currency"] or "USD"))
            deltas[key][0] += sign
            deltas[key][1] += sign * amount
    changes = {k: v for k, v in deltas.items() if v[0] or v[1]}
    if changes:
        totals.apply(op.session.connection(), changes)
    forecast: forecast_totals.Deltas = defaultdict(lambda: [0, Decimal(0)])
    for row in rows:
        if row["deleted_at"] is not None:
            continue
        amount = Decimal(str(row["amount"])) if row["amount"] is not None else Decimal(0)
        for stage, sign in ((row["stage_id"], -1), (stage_after(row), 1)):
            at = forecast_totals.key(
                ws, row["close_date"], stage, row["owner_id"], row["currency"], row["forecast_category"]
            )
            if at is not None:
                forecast[at][0] += sign
                forecast[at][1] += sign * amount
    moved = {k: v for k, v in forecast.items() if v[0] or v[1]}
    if moved:
        # Now, not as the op commits: the stage the deals left may be removed before then.
        forecast_totals.apply(op.session.connection(), moved)
