from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.db import make_engine, make_session_factory
from bot.migrate import upgrade
from bot.services import CRM, Actor
from tests.support.databases import (
    PG_ENV,
    PG_HINT,
    SqliteTemplate,
    create_private_database,
    drop_database,
    iter_clean_engine,
    postgres_url_or_skip,
    shared_postgres_engine,
)

BACKENDS = ["sqlite", "postgresql"]
PG_FIXTURES = {"pg_url", "pg_server_url", "pg_engine", "pg_shared_engine"}
_left_out = pytest.StashKey[int]()


def _needs_postgres(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    params = callspec.params.values() if callspec is not None else ()
    return "postgresql" in params or bool(PG_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Locally, without a PostgreSQL server named, its half is left out and said once at the end (one
    "skipped" line per test buried the real output). In CI the fixtures fail instead, so nothing is left out."""
    if os.environ.get(PG_ENV) or os.environ.get("CI"):
        return
    left_out = [item for item in items if _needs_postgres(item)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not _needs_postgres(item)]
    config.stash[_left_out] = len(left_out)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    left_out = config.stash.get(_left_out, 0)
    # Run across processes (make test: -n 2), each worker leaves its share out and this process counts none.
    distributed = config.pluginmanager.hasplugin("dsession")
    if left_out or (distributed and not os.environ.get(PG_ENV) and not os.environ.get("CI")):
        count = f" ({left_out} tests)" if left_out else ""
        terminalreporter.write_line(f"PostgreSQL half not run{count}: {PG_HINT}")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteTemplate]:
    template = SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))
    yield template
    template.engine.dispose()


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    return postgres_url_or_skip()


@pytest.fixture(scope="session")
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A private, migrated PostgreSQL database for this run, dropped at the end."""
    url = create_private_database(pg_server_url, flush_commits=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    drop_database(pg_server_url, url)


@pytest.fixture(scope="session")
def pg_shared_engine(pg_url: str) -> Iterator[Engine]:
    engine = shared_postgres_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def engine(
    backend: str, sqlite_template: SqliteTemplate, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Engine]:
    pg = request.getfixturevalue("pg_shared_engine") if backend == "postgresql" else None
    yield from iter_clean_engine(backend, sqlite_template, pg, tmp_path)


@pytest.fixture
def pg_engine(pg_shared_engine: Engine, sqlite_template: SqliteTemplate, tmp_path: Path) -> Iterator[Engine]:
    yield from iter_clean_engine("postgresql", sqlite_template, pg_shared_engine, tmp_path)


@pytest.fixture
def crm(engine: Engine) -> CRM:
    return CRM(make_session_factory(engine))


@pytest.fixture
def ann(crm: CRM) -> Actor:
    """A rep in New York, the first person in workspace T1 (so its admin)."""
    return crm.register_user("T1", "UANN", name="Ann Rep", tz="America/New_York")


@pytest.fixture
def bob(crm: CRM, ann: Actor) -> Actor:
    return crm.register_user("T1", "UBOB", name="Bob Rep", tz="Europe/Paris")
