"""What the funnel reads, kept as deals and their stage history change.

- ``deal_funnel``: a row per deal not deleted: when it was made, its owner and stage now, the stages its
  history moved it into;
- ``deal_stays``: a row per stay in a stage that ended: the stage, its days, the deal's owner and
  pipeline now;
- ``funnel_totals`` and ``stay_totals``: those rows counted per day (UTC) the deal was made, without the
  owner: what a team's funnel over a quarter sums, a few thousand rows whatever the number of deals.

How far a deal went is the furthest of the stages it visited, in the pipeline's order as it is when the
funnel is read (stages can be reordered), so a deal's rows keep the stages it visited, not a rank; and a
median is no running figure, so the stays are counted per whole day stayed (where the median falls is
found from the counts; only that bucket's stays are read in order).

Each deal's rows are recomputed from the deal and its history whenever either changes
(:func:`refresh`), and the totals adjusted by what its rows counted before and after, in the same
transaction: the session's flushes of deals (owner, stage, deletion, restoring), the stage history's
writes and undos (bot/services/stage_history.py: ops, set-based stage moves, imports and their undo).
:func:`rebuild` recounts a workspace from scratch. The forecast's look back keeps its rows per deal
with these (bot/services/forecast_marks.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Integer,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from bot.services import forecast_marks
from models import Deal, DealFunnel, DealStageChange, DealStay, FunnelTotal, PipelineStage, StayTotal

CHUNK = 500

_D = cast(Table, Deal.__table__)
_H = cast(Table, DealStageChange.__table__)
_F = cast(Table, DealFunnel.__table__)
_S = cast(Table, DealStay.__table__)
_FT = cast(Table, FunnelTotal.__table__)
_ST = cast(Table, StayTotal.__table__)
_P = cast(Table, PipelineStage.__table__)

# What a deal's rows are made from: a change to any other column of the deal leaves them as they are.
_INPUTS = ("owner_id", "stage_id", "deleted_at", "created_at", "closed_at")


def days(dialect: str, later: Any, earlier: Any) -> ColumnElement[float]:
    """A stay's days (with their fraction, never below none), as bot/services/reports.py's
    ``days_between`` and ``not_negative`` compute them, so the medians are the same numbers."""
    if dialect == "sqlite":
        return func.max(func.julianday(later) - func.julianday(earlier), 0.0, type_=Float)
    return func.greatest(sql_cast(func.extract("epoch", later - earlier), Float) / 86400, 0.0, type_=Float)


def whole(dialect: str, value: Any) -> ColumnElement[int]:
    """The whole days of a stay (never negative: the whole part)."""
    if dialect == "sqlite":
        return sql_cast(value, Integer)
    return sql_cast(func.floor(value), Integer)


def day(dialect: str, instant: Any) -> ColumnElement[Any]:
    """The day (UTC) of an instant column."""
    if dialect == "sqlite":
        return func.date(instant, type_=Date)
    return sql_cast(func.timezone("UTC", instant), Date)


def _visited(dialect: str, among: Any) -> Any:
    """Per deal, the stages its history moved it into, their ids joined by commas."""
    h = _H.c
    pairs = (
        select(h.deal_id, h.stage_id)
        .where(
            # By the deals' ids alone (they are the workspace's): given the workspace too, SQLite reads the
            # workspace's every move through the funnel's index instead of these deals' rows.
            h.deal_id.in_(among),
            or_(h.from_stage_id.is_(None), h.from_stage_id != h.stage_id),
        )
        .distinct()
        .subquery()
    )
    text_id = sql_cast(pairs.c.stage_id, DealFunnel.visited.type)
    if dialect == "postgresql":
        joined: Any = func.string_agg(text_id, aggregate_order_by(literal_column("','"), pairs.c.stage_id))
    else:
        # SQLite's group_concat takes no order: a set's ids may come in another order, which changes no
        # count (the funnel reads them as a set).
        joined = func.group_concat(text_id)
    return select(pairs.c.deal_id, joined.label("visited")).group_by(pairs.c.deal_id).subquery()


_FUNNEL_KEY = ("workspace_id", "day", "stage_id", "visited")
_STAY_KEY = ("workspace_id", "day", "pipeline_id", "from_stage_id", "whole_days")

Counts = dict[tuple[Any, ...], int]


def _counted(conn: Connection, workspace_id: int, among: Any) -> tuple[Counts, Counts]:
    """What the rows of these deals count for in the totals: per funnel key, per stay key."""
    dialect = conn.dialect.name
    f, s = _F.c, _S.c
    funnel = [f.workspace_id, day(dialect, f.created_at), f.stage_id, f.visited]
    stays = [s.workspace_id, day(dialect, s.created_at), s.pipeline_id, s.from_stage_id, s.whole_days]
    out: tuple[Counts, Counts] = ({}, {})
    for counts, keys, table in ((out[0], funnel, _F), (out[1], stays, _S)):
        where = and_(table.c.workspace_id == workspace_id, table.c.deal_id.in_(among))
        for *key, n in conn.execute(select(*keys, func.count()).where(where).group_by(*keys)):
            counts[tuple(key)] = int(n)
    return out


def _delta(into: Counts, before: Counts, after: Counts) -> Counts:
    """Add what changed from ``before`` to ``after`` to ``into``."""
    for k in set(before) | set(after):
        into[k] = into.get(k, 0) + after.get(k, 0) - before.get(k, 0)
    return into


def _apply(conn: Connection, table: Table, keys: tuple[str, ...], value: str, changes: Counts) -> None:
    """Add what changed to the totals: one statement, its keys in order so that two transactions never
    wait on each other in a cycle; nothing (and no lock) when nothing changed."""
    params = [
        {**{f"t_{name}": part for name, part in zip(keys, key, strict=True)}, "t_n": n}
        for key, n in sorted(changes.items(), key=lambda kv: tuple(str(p) for p in kv[0]))
        if n
    ]
    if not params:
        return
    stmt: Any = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)
    stmt = stmt.values({name: bindparam(f"t_{name}") for name in keys} | {value: bindparam("t_n")})
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={value: table.c[value] + stmt.excluded[value]}
    )
    conn.execute(stmt, params)


def _rows(conn: Connection, workspace_id: int, among: Any) -> None:
    """Write the rows of these deals (none there yet) from the deals and their history."""
    dialect = conn.dialect.name
    d, h, p = _D.c, _H.c, _P.c
    visited = _visited(dialect, among)
    owner = func.coalesce(d.owner_id, 0)
    conn.execute(
        insert(_F).from_select(
            ["workspace_id", "deal_id", "created_at", "owner_key", "stage_id", "visited"],
            select(
                d.workspace_id,
                d.id,
                d.created_at,
                owner,
                d.stage_id,
                func.coalesce(visited.c.visited, literal("")),
            )
            .select_from(_D.outerjoin(visited, visited.c.deal_id == d.id))
            .where(d.workspace_id == workspace_id, d.id.in_(among), d.deleted_at.is_(None)),
        )
    )
    length = days(dialect, h.at, h.from_entered_at)
    conn.execute(
        insert(_S).from_select(
            [
                "workspace_id",
                "change_id",
                "deal_id",
                "created_at",
                "owner_key",
                "pipeline_id",
                "from_stage_id",
                "days",
                "whole_days",
            ],
            select(
                h.workspace_id,
                h.id,
                h.deal_id,
                d.created_at,
                owner,
                p.pipeline_id,
                h.from_stage_id,
                length,
                whole(dialect, length),
            )
            # Joined by the deal's id alone, for the reason _visited gives.
            .select_from(_H.join(_D, d.id == h.deal_id).join(_P, p.id == d.stage_id))
            .where(
                d.workspace_id == workspace_id,
                h.deal_id.in_(among),
                h.from_stage_id.is_not(None),
                h.from_stage_id != h.stage_id,
                h.from_entered_at.is_not(None),
                d.deleted_at.is_(None),
            ),
        )
    )


def _refresh(conn: Connection, workspace_id: int, among: Any, pending: tuple[Counts, Counts] | None) -> None:
    funnel, stays = _counted(conn, workspace_id, among)
    conn.execute(delete(_F).where(_F.c.workspace_id == workspace_id, _F.c.deal_id.in_(among)))
    conn.execute(delete(_S).where(_S.c.workspace_id == workspace_id, _S.c.deal_id.in_(among)))
    _rows(conn, workspace_id, among)
    forecast_marks.refresh(conn, workspace_id, among)
    funnel_now, stays_now = _counted(conn, workspace_id, among)
    if pending is not None:
        # Kept for the commit (settle): one upsert per table for the whole transaction.
        _delta(pending[0], funnel, funnel_now)
        _delta(pending[1], stays, stays_now)
        return
    _apply(conn, _FT, _FUNNEL_KEY, "deals", _delta({}, funnel, funnel_now))
    _apply(conn, _ST, _STAY_KEY, "stays", _delta({}, stays, stays_now))


def refresh(
    conn: Connection,
    workspace_id: int,
    deal_ids: Iterable[int] | Select[Any],
    *,
    session: Session | None = None,
) -> None:
    """Recompute the rows of these deals (ids, or a query of them) from the deals and their history.

    Given the session whose connection this is, the totals are added up there and written once, as it
    commits (:func:`settle`): a transaction that refreshes deals over several flushes (a change, then
    its stage history) would otherwise lock the totals' keys in several rounds, each in order but
    together in no order, and two such transactions could each hold a key the other waits for."""
    pending = _pending(session) if session is not None else None
    if isinstance(deal_ids, Select):
        _refresh(conn, workspace_id, deal_ids, pending)
        return
    ids = sorted(set(deal_ids))
    for start in range(0, len(ids), CHUNK):
        _refresh(conn, workspace_id, ids[start : start + CHUNK], pending)


_TOTALS = "_funnel_totals_pending"


def _pending(session: Session) -> tuple[Counts, Counts]:
    pending: tuple[Counts, Counts] = session.info.setdefault(_TOTALS, ({}, {}))
    return pending


def settle(session: Session) -> None:
    """Write the totals this session's refreshes added up: the funnel's keys, then the stays', each in
    key order, in one statement each (the last locks the transaction takes on the funnel)."""
    pending = session.info.pop(_TOTALS, None)
    if pending is None:
        return
    conn = session.connection()
    _apply(conn, _FT, _FUNNEL_KEY, "deals", pending[0])
    _apply(conn, _ST, _STAY_KEY, "stays", pending[1])


def rebuild(conn: Connection, workspace_id: int) -> None:
    """Every row and total of a workspace, from scratch (a deal deleted or gone leaves none behind)."""
    for table in (_F, _S, _FT, _ST):
        conn.execute(delete(table).where(table.c.workspace_id == workspace_id))
    every = select(_D.c.id).where(_D.c.workspace_id == workspace_id)
    _rows(conn, workspace_id, every)
    forecast_marks.rebuild(conn, workspace_id)
    dialect = conn.dialect.name
    f, s = _F.c, _S.c
    for table, value, columns, source in (
        (_FT, "deals", [f.workspace_id, day(dialect, f.created_at), f.stage_id, f.visited], _F),
        (
            _ST,
            "stays",
            [s.workspace_id, day(dialect, s.created_at), s.pipeline_id, s.from_stage_id, s.whole_days],
            _S,
        ),
    ):
        conn.execute(
            insert(table).from_select(
                [*(_FUNNEL_KEY if table is _FT else _STAY_KEY), value],
                select(*columns, func.count())
                .where(source.c.workspace_id == workspace_id)
                .group_by(*columns),
            )
        )


def _changed(obj: Deal) -> bool:
    state = inspect(obj)
    return any(state.attrs[k].history.has_changes() for k in _INPUTS)


_PENDING = "_funnel_rows_pending"


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """Which deals this flush changes in a way their rows follow (read before the flush clears it)."""
    session.info[_PENDING] = [obj for obj in session.deleted if isinstance(obj, Deal)] + [
        obj for obj in session.dirty if isinstance(obj, Deal) and _changed(obj)
    ]


def _after_flush(session: Session, _context: Any) -> None:
    by_workspace: dict[int, set[int]] = defaultdict(set)
    deals = session.info.pop(_PENDING, []) + [obj for obj in session.new if isinstance(obj, Deal)]
    for obj in deals:
        if obj.id is not None and obj.workspace_id is not None:
            by_workspace[int(obj.workspace_id)].add(int(obj.id))
    for workspace_id, ids in sorted(by_workspace.items()):
        refresh(session.connection(), workspace_id, ids, session=session)


def _before_commit(session: Session) -> None:
    # Flushed first: the commit's own flush comes after this event, and its deals' totals with it.
    session.flush()
    settle(session)


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_TOTALS, None)


_TRACKED = "_funnel_rows_tracked"


def track(sessions: sessionmaker[Session]) -> None:
    """Keep the rows for every session this factory makes (once per factory; marked on the factory as
    bot/services/totals.py does, for its reason)."""
    if not getattr(sessions, _TRACKED, False):
        event.listen(sessions, "before_flush", _before_flush)
        event.listen(sessions, "after_flush", _after_flush)
        # After bot/services/base.py's (registered by every service before this): an op's stage history
        # is written, and its deals refreshed, as it commits.
        event.listen(sessions, "before_commit", _before_commit)
        event.listen(sessions, "after_rollback", _forget)
        setattr(sessions, _TRACKED, True)
