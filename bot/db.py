"""The engine and the one session factory, built at start-up; and how a database that cannot be
reached is told apart from a bug, and named in one line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker


class DatabaseUnreachable(Exception):
    """The one line to show: which database (no password) and why it cannot be reached."""


def public_url(url: str | URL) -> str:
    """The URL as a person would write it: no driver, and never the password."""
    parsed = make_url(url) if isinstance(url, str) else url
    shown = parsed._replace(drivername=parsed.get_backend_name(), password=None)
    return shown.render_as_string(hide_password=False)


def is_unavailable(exc: BaseException) -> bool:
    """An operational failure (the database unreachable, gone away, a dropped connection), which is
    worth one line, as opposed to a bug, which is worth its traceback."""
    if isinstance(exc, DatabaseUnreachable | OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def reason(exc: BaseException) -> str:
    """The driver's why, shortly: 'connection refused', 'unable to open database file'."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    # psycopg: 'connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused'
    why = lines[0].rsplit(": ", 1)[-1].strip() if lines else ""
    why = re.sub(r"^\[Errno -?\d+\] ", "", why) or type(orig).__name__
    return why[:1].lower() + why[1:]


def unreachable(url: str | URL, exc: BaseException) -> DatabaseUnreachable:
    return DatabaseUnreachable(f"cannot reach the database at {public_url(url)}: {reason(exc)}")


@contextmanager
def reaching(url: str | URL) -> Iterator[None]:
    """Turns a database that cannot be reached into :class:`DatabaseUnreachable` naming ``url``."""
    try:
        yield
    except DatabaseUnreachable:
        raise
    except Exception as exc:
        if is_unavailable(exc):
            raise unreachable(url, exc) from None
        raise


def ping(engine: Engine) -> None:
    """Connect once, so that a start against a database that is not there stops at once."""
    with reaching(engine.url), engine.connect():
        pass


@lru_cache(maxsize=65536)
def midnight_utc(day: str | None, zone: str | None) -> str | None:
    """00:00 of a day in a zone, as SQLite keeps instants (UTC text); as Python places a midnight that a
    clock change skips (bot/services/reports.py's ``bounds``)."""
    if day is None:
        return None
    try:
        tz: tzinfo = ZoneInfo(zone or "UTC")
    except (ValueError, ZoneInfoNotFoundError):
        tz = UTC
    at = datetime.combine(date.fromisoformat(str(day)[:10]), time(0), tz).astimezone(UTC)
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                why = f"cannot create {folder}: {(exc.strerror or str(exc)).lower()}"
                raise DatabaseUnreachable(
                    f"cannot reach the database at {public_url(parsed)}: {why}"
                ) from None
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let pysqlite not emit BEGIN itself, so that we can BEGIN IMMEDIATE: a writer then takes
            # the write lock up front instead of failing to upgrade a read lock under contention.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            # SQLite knows no zones: the forecast's kept rows (bot/services/forecast_marks.py) ask it.
            dbapi_conn.create_function("crm_midnight", 2, midnight_utc, deterministic=True)

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    from bot.services import tenancy

    # Its sessions honour tenancy.scoped(): scoped to a workspace, they see only its rows.
    return tenancy.install(sessionmaker(engine, expire_on_commit=False))


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
