"""Test databases: a migrated SQLite file copied per test, and a private PostgreSQL database per run."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from bot.db import make_engine
from bot.migrate import upgrade
from models import metadata

PG_ENV = "CRM_TEST_POSTGRES_URL"
PG_HINT = f"to run it too, set {PG_ENV}=postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_url_or_skip() -> str:
    """The PostgreSQL server for the suite; skipped locally when unset, a failure in CI or when unreachable."""
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} is not set; CI must run the PostgreSQL half of the suite")
        pytest.skip(f"PostgreSQL half skipped: {PG_HINT}")
    return url


def create_private_database(server_url: str, *, flush_commits: bool = True) -> str:
    """A fresh database on the server, so parallel or crashed runs never see each other's rows.

    ``flush_commits=False`` lets a commit return before its WAL reaches the disk, as a test database
    (dropped at the end, never recovered after a crash) can: on a busy disk each flush costs tens of
    milliseconds, a test makes dozens. What one transaction sees of another is unchanged."""
    name = f"crm_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            if not flush_commits:
                conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    except Exception as exc:  # noqa: BLE001 - any connection failure means the same to the suite
        pytest.fail(
            f"PostgreSQL at {make_url(server_url).render_as_string()} cannot be reached: {exc}".splitlines()[
                0
            ]
        )
    finally:
        admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, url: str) -> None:
    name = make_url(url).database
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# Heap and indexes past this are truncated rather than emptied row by row (see clean_postgres).
_TRUNCATE_PAST_BYTES = 1024 * 1024


def _array(names: list[str]) -> str:
    return "ARRAY[" + ", ".join(f"'{n}'" for n in names) + "]::text[]"


def clean_postgres(engine: Engine) -> None:
    """Empty every table and restart every sequence used, as TRUNCATE ... RESTART IDENTITY would.

    TRUNCATE swaps each table's and index's files (a hundred of them), tens of milliseconds a test
    even when nothing was written; DELETE on the handful of rows a test leaves costs next to nothing.
    The server's autovacuum is off, so the rows deleted stay as dead space: a table grown past a
    megabyte is truncated instead, which keeps scans as short as on a fresh database. One statement,
    one round trip."""
    names = [t.name for t in metadata.sorted_tables]
    children_first = list(reversed(names))
    block = f"""
DO $clean$
DECLARE
  t text;
  big text;
BEGIN
  SELECT string_agg(quote_ident(n), ', ') INTO big FROM unnest({_array(names)}) AS n
   WHERE pg_total_relation_size(quote_ident(n)::regclass) > {_TRUNCATE_PAST_BYTES};
  IF big IS NOT NULL THEN
    EXECUTE 'TRUNCATE ' || big || ' CASCADE';
  END IF;
  FOREACH t IN ARRAY {_array(children_first)} LOOP
    EXECUTE 'DELETE FROM ' || quote_ident(t);
  END LOOP;
  FOR t IN SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) FROM pg_sequences
            WHERE last_value IS NOT NULL LOOP
    EXECUTE 'ALTER SEQUENCE ' || t || ' RESTART';
  END LOOP;
END
$clean$"""
    with engine.begin() as conn:
        conn.execute(text(block))


class SqliteTemplate:
    """Migrate once, copy the file for each test: a clean, migrated database in a millisecond.

    Every test's copy is put at the same path, behind the same engine: an engine per test compiled
    every statement again (compiled statements are cached per engine): over a tenth of a test's CPU.
    Each copy still starts from the migrated template, as a new file."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "template.sqlite3"
        engine = make_engine(f"sqlite:///{self.path}")
        upgrade(engine)
        # Closing the last connection checkpoints the WAL into the file, so the copy is complete.
        engine.dispose()
        self.current = directory / "crm.sqlite3"
        self.engine = make_engine(f"sqlite:///{self.current}", query_cache_size=20_000)

    def copy_to(self, path: Path) -> str:
        """A migrated database of its own at ``path`` (for a test that opens it by URL): its URL."""
        shutil.copyfile(self.path, path)
        return f"sqlite:///{path}"

    def renew(self) -> Engine:
        """The one engine, over a fresh copy of the template."""
        self.engine.dispose()
        staged = self.current.with_name("staged.sqlite3")
        shutil.copyfile(self.path, staged)
        # The last test's WAL must not be read as this copy's; a connection it left open keeps the
        # old file (a new inode replaces it), never this one.
        for suffix in ("-wal", "-shm"):
            Path(f"{self.current}{suffix}").unlink(missing_ok=True)
        os.replace(staged, self.current)
        return self.engine


def shared_postgres_engine(pg_url: str) -> Engine:
    """The engine every PostgreSQL test of a run shares (see :func:`iter_clean_engine`).

    An engine per test opened its connections again and compiled every statement again (the compiled
    statements are cached per engine): over a tenth of a test's CPU. The cache is made big enough for the
    whole suite's statements, so none is compiled twice."""
    return make_engine(pg_url, pool_size=20, query_cache_size=20_000)


def iter_clean_engine(
    backend: str, sqlite_template: SqliteTemplate, pg_engine: Engine | None, tmp: Path
) -> Iterator[Engine]:
    if backend == "sqlite":
        engine = sqlite_template.renew()
        yield engine
        engine.dispose()
    else:
        assert pg_engine is not None
        clean_postgres(pg_engine)
        yield pg_engine
        # A connection a test left checked out (a session never closed) may hold locks the next
        # test's cleaning would wait on forever: start that test on a fresh pool instead.
        if pg_engine.pool.checkedout():
            pg_engine.dispose()
