"""Databases at a chosen migration revision, for the migration tests.

Each migration test used to make an empty database and take it through the chain to the revision it is
about; most filled it at the head with two workspaces and took it back down: the same walks, twice per
test and backend, a quarter of the suite's time. Here each starting state is made once per run and
backend, by walking on from the nearest state already made: up from an empty database (so every state
"at R" was made by upgrading an empty database to R, revision by revision), and down from the two
workspaces filled at the head (so every state "filled, at R" holds rows the services wrote, taken down to
R). Each test gets its own copy of the state it starts from (a file copy on SQLite, a database made from
a template on PostgreSQL), so the tests share walks and never rows.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from bot.db import make_engine, make_session_factory
from bot.migrate import alembic_config, downgrade, upgrade
from bot.services import CRM
from tests.support.databases import create_private_database
from tests.support.tenants import NOW, Tenant, fill

HEAD = "head"


def chain() -> list[str]:
    """Every revision, oldest first (the file names' numbers are not the chain's order)."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [r.revision for r in script.walk_revisions()][::-1]


class RevisionStates:
    """The starting states of one backend's migration tests, made as they are first asked for."""

    def __init__(self, backend: str, directory: Path, server_url: str | None) -> None:
        self.backend = backend
        self.directory = directory
        self.server_url = server_url
        self.order = chain()
        self._empty: dict[str, str] = {}
        self._filled: dict[str, str] = {}
        self.tenants: tuple[Tenant, Tenant] | None = None
        self._spent: list[str] = []
        self._admin_engine: Engine | None = None

    def _name(self, revision: str) -> str:
        return self.order[-1] if revision == HEAD else revision

    def _position(self, revision: str) -> int:
        return self.order.index(revision)

    def _blank(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.directory / f'{uuid.uuid4().hex[:12]}.sqlite3'}"
        assert self.server_url is not None
        return create_private_database(self.server_url, flush_commits=False)

    def copy(self, url: str) -> str:
        """A new database holding what ``url`` holds; nothing may be connected to ``url``."""
        if self.backend == "sqlite":
            to = self.directory / f"{uuid.uuid4().hex[:12]}.sqlite3"
            # The state's engine was disposed: its write-ahead log is in the file.
            shutil.copyfile(str(make_url(url).database), to)
            return f"sqlite:///{to}"
        name = f"crm_test_{uuid.uuid4().hex[:12]}"
        with self._admin().connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(url).database}"'))
            # Settings of a database are not copied with it.
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        return make_url(url).set(database=name).render_as_string(hide_password=False)

    def _admin(self) -> Engine:
        if self._admin_engine is None:
            assert self.server_url is not None
            self._admin_engine = create_engine(
                self.server_url, isolation_level="AUTOCOMMIT", pool_size=16, max_overflow=0
            )
        return self._admin_engine

    def drop(self, url: str) -> None:
        """Remove a copy once its test is done. A PostgreSQL database is only dropped at the end of the
        run: DROP DATABASE makes the server write out every changed page of every database (a forced
        checkpoint), seconds on a busy disk, where making one from a template took a tenth of that."""
        if self.backend == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{make_url(url).database}{suffix}").unlink(missing_ok=True)
        else:
            self._spent.append(url)

    def empty(self, revision: str = HEAD) -> str:
        """A state made by upgrading an empty database to ``revision``."""
        revision = self._name(revision)
        if revision not in self._empty:
            at = self._position(revision)
            below = [r for r in self._empty if self._position(r) < at]
            url = self.copy(self._empty[max(below, key=self._position)]) if below else self._blank()
            with _engine(url) as engine:
                upgrade(engine, revision)
            self._empty[revision] = url
        return self._empty[revision]

    def filled(self, revision: str = HEAD) -> str:
        """A state made by filling two workspaces (:func:`fill`) at the head and downgrading to ``revision``."""
        revision = self._name(revision)
        if revision not in self._filled:
            if revision == self.order[-1]:
                url = self.copy(self.empty(HEAD))
                with _engine(url) as engine:
                    crm = CRM(make_session_factory(engine), clock=lambda: NOW)
                    self.tenants = fill(crm, "TA", "A"), fill(crm, "TB", "B")
            else:
                self.filled(HEAD)
                at = self._position(revision)
                above = [r for r in self._filled if self._position(r) > at]
                url = self.copy(self._filled[min(above, key=self._position)])
                with _engine(url) as engine:
                    downgrade(engine, revision)
            self._filled[revision] = url
        return self._filled[revision]

    def close(self) -> None:
        made = [*self._empty.values(), *self._filled.values()]
        if self.backend == "sqlite":
            for url in made:
                self.drop(url)
            return
        admin = self._admin()

        def drop(url: str) -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))

        # Each drop waits for a checkpoint; the server makes one for all the drops waiting at once, so
        # they are sent together (one after another, forty took over a minute on a busy disk).
        try:
            with ThreadPoolExecutor(max_workers=16) as pool:
                list(pool.map(drop, [*self._spent, *made]))
        finally:
            admin.dispose()


@contextmanager
def _engine(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


class Starts:
    """One test's databases: each a copy of a state, with its engine; all dropped after the test."""

    def __init__(self, states: RevisionStates) -> None:
        self.states = states
        self._made: list[tuple[str, Engine]] = []

    def _own(self, state: str) -> Engine:
        url = self.states.copy(state)
        engine = make_engine(url)
        self._made.append((url, engine))
        return engine

    def empty(self, revision: str = HEAD) -> Engine:
        """An empty database upgraded to ``revision``."""
        return self._own(self.states.empty(revision))

    def filled(self, revision: str = HEAD) -> tuple[Engine, Tenant, Tenant]:
        """Two workspaces as the services make them today, taken down to ``revision`` (the services write
        only the newest schema)."""
        engine = self._own(self.states.filled(revision))
        assert self.states.tenants is not None
        return (engine, *self.states.tenants)

    def close(self) -> None:
        for url, engine in self._made:
            engine.dispose()
            self.states.drop(url)
