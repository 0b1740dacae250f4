"""The forecast's totals kept in step with deals: per month of expected close, stage, owner, currency and
forecast category, how many deals and their amount (``forecast_totals``), so the forecast
(bot/services/forecasts.py) reads its whole months from a few thousand rows instead of grouping a
quarter of a million open deals. A deleted deal, or one with no expected close date, counts nowhere.

Every flush that adds, moves, re-owns, re-prices, re-dates, re-categorises, deletes or restores a deal
adds up what it changes (its state before the flush read from the database, as bot/services/totals.py
does: the in-memory history is incomplete for attributes set without being loaded first); the sums are
written once, as the session commits, in key order (:func:`settle`), as the funnel's totals are
(bot/services/funnel_rows.py): a transaction that wrote its keys in several rounds, each in order but
together in no order, could hold one key another transaction waits for while waiting for one it holds.

Writers that bypass the ORM keep them too: set-based stage moves and their undo write their deltas at
once, in key order (:func:`apply`, bot/services/stage_moves.py: the stage the deals left may be removed
before the commit, taking its rows with it); imports, their undo and the bench seeder recount the
workspace (:func:`rebuild`, beside ``totals.rebuild``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, bindparam, delete, event, func, insert, literal_column, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from bot.services.totals import amount_of as _amount
from bot.services.totals import deals_before_flush
from models import Deal, ForecastTotal

# workspace, first day of the month of expected close, stage, owner (0: none), currency, category
Key = tuple[int, date, int, int, str, str]
Deltas = dict[Key, list[Any]]  # key: [deals, amount]
_OLD = "_forecast_totals_old"
_PENDING = "_forecast_totals_pending"
_TRACKED = "_forecast_totals_tracked"


def key(
    workspace_id: Any, close_date: Any, stage_id: Any, owner_id: Any, currency: Any, category: Any
) -> Key | None:
    """Where a deal with these values counts (None: nowhere, as a deal with no expected close date)."""
    if workspace_id is None or stage_id is None or close_date is None:
        return None
    if isinstance(close_date, str):  # a raw SQLite read
        close_date = date.fromisoformat(close_date[:10])
    return (
        int(workspace_id),
        close_date.replace(day=1),
        int(stage_id),
        int(owner_id or 0),
        str(currency or "USD"),
        str(category or "pipeline"),
    )


def _counted(obj: Deal) -> Key | None:
    if obj.deleted_at is not None:
        return None
    return key(
        obj.workspace_id, obj.close_date, obj.stage_id, obj.owner_id, obj.currency, obj.forecast_category
    )


def _before_flush(session: Session, flush: Any, _instances: Any) -> None:
    """What the changed and removed deals counted for before this flush (read once for both totals)."""
    session.info[_OLD] = {
        i: (
            None
            if r.deleted_at is not None
            else key(r.workspace_id, r.close_date, r.stage_id, r.owner_id, r.currency, r.forecast_category),
            _amount(r.amount),
        )
        for i, r in deals_before_flush(session, flush).items()
    }


def _after_flush(session: Session, _context: Any) -> None:
    old: dict[int, tuple[Key | None, Decimal]] = session.info.pop(_OLD, {})
    deltas = pending(session)

    def count(at: Key | None, n: int, amount: Decimal) -> None:
        if at is not None:
            deltas[at][0] += n
            deltas[at][1] += amount

    for obj in session.new:
        if isinstance(obj, Deal):
            count(_counted(obj), 1, _amount(obj.amount))
    for obj in session.dirty:
        if isinstance(obj, Deal) and obj.id in old:
            before, before_amount = old[obj.id]
            after, after_amount = _counted(obj), _amount(obj.amount)
            if before != after or before_amount != after_amount:
                count(before, -1, -before_amount)
                count(after, 1, after_amount)
    for obj in session.deleted:
        if isinstance(obj, Deal) and obj.id in old:
            before, before_amount = old[obj.id]
            count(before, -1, -before_amount)


def pending(session: Session) -> Deltas:
    """The deltas this session's transaction has added up so far, written as it commits."""
    deltas: Deltas = session.info.setdefault(_PENDING, defaultdict(lambda: [0, Decimal(0)]))
    return deltas


def settle(session: Session) -> None:
    """Write what this session's transaction added up: every key in order, in one statement."""
    deltas = session.info.pop(_PENDING, None)
    if not deltas:
        return
    changes = {k: v for k, v in deltas.items() if v[0] or v[1]}
    if changes:
        apply(session.connection(), changes)


def apply(conn: Connection, changes: Deltas) -> None:
    dialect = conn.dialect.name
    if dialect == "postgresql":
        stmt: Any = pg_insert(ForecastTotal)
    elif dialect == "sqlite":
        stmt = sqlite_insert(ForecastTotal)
    else:  # pragma: no cover - the bot runs on SQLite and PostgreSQL only
        raise RuntimeError(f"forecast totals: unsupported database {dialect}")
    stmt = stmt.values(
        workspace_id=bindparam("f_ws"),
        close_month=bindparam("f_month", type_=Date),
        stage_id=bindparam("f_stage"),
        owner_key=bindparam("f_owner"),
        currency=bindparam("f_currency"),
        forecast_category=bindparam("f_category"),
        deals=bindparam("f_deals"),
        amount=bindparam("f_amount"),
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[
            "workspace_id",
            "close_month",
            "stage_id",
            "owner_key",
            "currency",
            "forecast_category",
        ],
        set_={
            "deals": ForecastTotal.deals + stmt.excluded.deals,
            "amount": ForecastTotal.amount + stmt.excluded.amount,
        },
    )
    conn.execute(
        stmt,
        [
            {
                "f_ws": ws,
                "f_month": month,
                "f_stage": stage,
                "f_owner": owner,
                "f_currency": currency,
                "f_category": category,
                "f_deals": n,
                "f_amount": amount,
            }
            for (ws, month, stage, owner, currency, category), (n, amount) in sorted(changes.items())
        ],
    )


def _before_commit(session: Session) -> None:
    # Flushed first: the commit's own flush comes after this event, and its deals' deltas with it.
    session.flush()
    settle(session)


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_OLD, None)


def track(sessions: sessionmaker[Session]) -> None:
    """Keep the totals for every session this factory makes (once per factory; marked on the factory as
    bot/services/totals.py does, for its reason)."""
    if not getattr(sessions, _TRACKED, False):
        event.listen(sessions, "before_flush", _before_flush)
        event.listen(sessions, "after_flush", _after_flush)
        event.listen(sessions, "before_commit", _before_commit)
        event.listen(sessions, "after_rollback", _forget)
        setattr(sessions, _TRACKED, True)


def month_of(dialect: str, column: Any) -> Any:
    """The first day of a date column's month, in SQL."""
    if dialect == "sqlite":
        return func.date(column, literal_column("'start of month'"), type_=Date)
    return sql_cast(func.date_trunc(literal_column("'month'"), column), Date)


def rebuild(conn: Connection, workspace_id: int) -> None:
    """Recount one workspace's totals from its deals (after a bulk write that bypassed the ORM)."""
    conn.execute(delete(ForecastTotal).where(ForecastTotal.workspace_id == workspace_id))
    owner = func.coalesce(Deal.owner_id, 0)
    month = month_of(conn.dialect.name, Deal.close_date)
    conn.execute(
        insert(ForecastTotal).from_select(
            [
                "workspace_id",
                "close_month",
                "stage_id",
                "owner_key",
                "currency",
                "forecast_category",
                "deals",
                "amount",
            ],
            select(
                Deal.workspace_id,
                month,
                Deal.stage_id,
                owner,
                Deal.currency,
                Deal.forecast_category,
                func.count(),
                func.coalesce(func.sum(Deal.amount), 0),
            )
            .where(
                Deal.workspace_id == workspace_id,
                Deal.deleted_at.is_(None),
                Deal.close_date.is_not(None),
            )
            .group_by(Deal.workspace_id, month, Deal.stage_id, owner, Deal.currency, Deal.forecast_category),
        )
    )
