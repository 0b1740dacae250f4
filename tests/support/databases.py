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


def create_private_database(server_url: str) -> str:
    """A fresh database on the server, so parallel or crashed runs never see each other's rows."""
    name = f"crm_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
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


def truncate_all(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


class SqliteTemplate:
    """Migrate once, copy the file for each test: a clean, migrated database in a millisecond."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "template.sqlite3"
        engine = make_engine(f"sqlite:///{self.path}")
        upgrade(engine)
        # Closing the last connection checkpoints the WAL into the file, so the copy is complete.
        engine.dispose()

    def fresh(self, directory: Path) -> str:
        target = directory / f"crm-{uuid.uuid4().hex[:8]}.sqlite3"
        shutil.copyfile(self.path, target)
        return f"sqlite:///{target}"


def iter_clean_engine(
    backend: str, sqlite_template: SqliteTemplate, pg_url: str | None, tmp: Path
) -> Iterator[Engine]:
    if backend == "sqlite":
        engine = make_engine(sqlite_template.fresh(tmp))
        yield engine
        engine.dispose()
    else:
        assert pg_url is not None
        engine = make_engine(pg_url, pool_size=20)
        truncate_all(engine)
        yield engine
        engine.dispose()
