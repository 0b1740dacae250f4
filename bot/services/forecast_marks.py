"""What the forecast's look back reads, kept as deals and their stage history change.

Last period's forecast is what its deals stood at as it began (bot/services/forecasts.py): each deal's
stage history row valid at that instant, expected to close in the period. Read from the history, that
is every row of the period's deals (over a million at a million deals). So each deal keeps a row
(``deal_forecast_marks``) per day a period can begin on where it counts: a Monday, the 1st of a month,
of a quarter, 1 January; at 00:00 of that day in the team's zone (the workspace's), open then and
expected to close within the longest period that day begins (the week, month, quarter or year). The
rows carry the deal's owner and pipeline now, and its close while it is won, for what the look back
filters and counts by.

The period begins for the team as a whole at its midnight, whoever reads it: two managers in two zones
see one forecast as it began (what each counts as won in the period follows their own zone, as every
report's does).

The rows are recomputed from the deal and its history with its funnel rows (bot/services/funnel_rows.py
calls :func:`refresh` and :func:`rebuild`), so every write path that keeps those keeps these. A period
that begins on another day, or runs past the longest period its first day begins, is read from the
history.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    TIMESTAMP,
    ColumnElement,
    Date,
    Integer,
    Select,
    Table,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    union,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.engine import Connection

from models import Deal, DealForecastMark, DealStageChange, PipelineStage, Workspace

_D = cast(Table, Deal.__table__)
_H = cast(Table, DealStageChange.__table__)
_M = cast(Table, DealForecastMark.__table__)
_P = cast(Table, PipelineStage.__table__)
_W = cast(Table, Workspace.__table__)

KINDS = ("week", "month", "quarter", "year")
_COLUMNS = [
    "workspace_id",
    "since_day",
    "deal_id",
    "close_date",
    "owner_key",
    "pipeline_id",
    "stage_id",
    "currency",
    "amount",
    "won_at",
]


def horizon(start: date) -> date | None:
    """The last day of the longest period ``start`` begins (none when no period begins on it)."""
    if start.day == 1 and start.month == 1:
        return date(start.year, 12, 31)
    if start.day == 1:
        months = 3 if start.month % 3 == 1 else 1
        last = start.month + months - 1
        return date(start.year, last, calendar.monthrange(start.year, last)[1])
    if start.weekday() == 0:
        return start + timedelta(days=6)
    return None


def covers(start: date, end: date) -> bool:
    last = horizon(start)
    return last is not None and end <= last


def team_midnight(zone: str, day: date) -> datetime:
    """When a period beginning on ``day`` begins for a team in ``zone``."""
    try:
        tz: tzinfo = ZoneInfo(zone)
    except (ValueError, ZoneInfoNotFoundError):
        tz = UTC
    return datetime.combine(day, time(0), tz)


def _start_of(dialect: str, kind: str, day: Any) -> ColumnElement[Any]:
    """The first day of the week (Monday), month, quarter or year of a date column."""
    if dialect == "postgresql":
        return sql_cast(func.date_trunc(kind, sql_cast(day, TIMESTAMP)), Date)
    if kind == "week":
        return func.date(day, "-6 days", "weekday 1", type_=Date)
    if kind == "month":
        return func.date(day, "start of month", type_=Date)
    if kind == "year":
        return func.date(day, "start of year", type_=Date)
    back = (sql_cast(func.strftime("%m", day), Integer) - 1) % 3
    return func.date(day, "start of month", func.printf("-%d months", back), type_=Date)


def _instant(dialect: str, day: Any, zone: Any) -> ColumnElement[Any]:
    """00:00 of a date in a zone, comparable with the instant columns as each database stores them."""
    if dialect == "postgresql":
        return func.timezone(zone, sql_cast(day, TIMESTAMP))
    # SQLite keeps instants as text in UTC; it knows no zones (bot/db.py gives it this function).
    return func.crm_midnight(day, zone)


def _select(dialect: str, workspace_id: int, among: Any) -> Select[Any]:
    """The rows of these deals (not deleted), from the deals and their history."""
    d, h = _D.c, _H.c
    now_stage = _P.alias("now_stage")
    then_stage = _P.alias("then_stage")
    w = _W
    parts = []
    for kind in KINDS:
        day = _start_of(dialect, kind, h.close_date)
        at = _instant(dialect, day, w.c.default_tz)
        parts.append(
            select(
                d.workspace_id,
                day.label("since_day"),
                d.id,
                h.close_date,
                func.coalesce(d.owner_id, 0),
                now_stage.c.pipeline_id,
                h.stage_id,
                h.currency,
                h.amount,
                case((now_stage.c.is_won.is_(True), d.closed_at), else_=None),
            )
            # The deals' rows by their ids (ix_deal_stage_changes_deal), as bot/services/funnel_rows.py
            # reads them.
            .select_from(
                _H.join(_D, d.id == h.deal_id)
                .join(w, w.c.id == d.workspace_id)
                .join(now_stage, now_stage.c.id == d.stage_id)
                .join(then_stage, then_stage.c.id == h.stage_id)
            )
            .where(
                d.workspace_id == workspace_id,
                h.deal_id.in_(among),
                d.deleted_at.is_(None),
                h.close_date.is_not(None),
                then_stage.c.is_closed.is_(False),
                h.valid_from < at,
                or_(h.valid_until.is_(None), h.valid_until >= at),
                d.created_at < at,
                or_(d.closed_at.is_(None), d.closed_at >= at),
            )
        )
    # A day several periods begin on (1 January) is found by each: once.
    return cast(Select[Any], union(*parts))


def refresh(conn: Connection, workspace_id: int, among: Any) -> None:
    """Recompute the rows of these deals (a list of ids, or a query of them)."""
    conn.execute(delete(_M).where(_M.c.workspace_id == workspace_id, _M.c.deal_id.in_(among)))
    rows = _select(conn.dialect.name, workspace_id, among).subquery()
    conn.execute(insert(_M).from_select(_COLUMNS, select(*rows.c)))


def rebuild(conn: Connection, workspace_id: int) -> None:
    """Every row of a workspace, from scratch."""
    conn.execute(delete(_M).where(_M.c.workspace_id == workspace_id))
    every = select(_D.c.id).where(_D.c.workspace_id == workspace_id)
    rows = _select(conn.dialect.name, workspace_id, every).subquery()
    conn.execute(insert(_M).from_select(_COLUMNS, select(*rows.c)))


def counted(
    workspace_id: int,
    start: date,
    end: date,
    since: datetime,
    until: datetime,
    owner_id: int | None,
    pipeline_id: int | None,
) -> Select[Any]:
    """Per stage then and currency then: the deals forecast for [start, end] as it began, their
    amounts, and how many of them were won between ``since`` and ``until``."""
    m = DealForecastMark
    q = (
        select(
            m.stage_id,
            m.currency,
            func.count(),
            func.sum(m.amount),
            func.sum(case((and_(m.won_at >= since, m.won_at < until), 1), else_=literal(0))),
        )
        .where(
            m.workspace_id == workspace_id,
            m.since_day == start,
            m.close_date >= start,
            m.close_date <= end,
        )
        .group_by(m.stage_id, m.currency)
    )
    if owner_id is not None:
        q = q.where(m.owner_key == owner_id)
    if pipeline_id is not None:
        q = q.where(m.pipeline_id == pipeline_id)
    return q
