from __future__ import annotations

import io
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from bot.console import TEAM_ID, TEAM_NAME, Running, build_console
from bot.db import make_session_factory
from bot.demo import seed_demo
from bot.services import CRM
from bot.settings import Settings
from models import metadata

# A Tuesday, 09:00 in New York: the demo manager's morning.
START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


class Driver:
    """Types lines into a console and hands back what each one printed."""

    def __init__(self, running: Running, out: io.StringIO) -> None:
        self.running = running
        self.console = running.console
        self.out = out
        self._read = 0

    def type(self, line: str) -> str:
        self.console.handle(line)
        return self.printed()

    def printed(self) -> str:
        text = self.out.getvalue()
        new, self._read = text[self._read :], len(text)
        return new


class _Ticking:
    """A clock for seeding the demo team: from one second before :data:`START`, a microsecond further
    at each reading, so the seeded rows come in order and before anything typed in the console."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            self._now += timedelta(microseconds=1)
            return self._now


class DemoTeams:
    """The demo team seeded once per backend and run, and put back into each test's database.

    Seeding it (sixty service calls, each audited) was most of a demo console test's time. The first
    test on a backend seeds it through the services; the next ones get a copy of those rows. The
    console then finds the team there and leaves it as it is (``seed_demo`` seeds only once), as it does
    when ``--demo`` is run again on the same database."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.sqlite_file: Path | None = None
        self.pg_tables: list[tuple[str, bytes]] | None = None
        self.pg_sequences: list[tuple[str, int]] = []

    def put_into(self, engine: Engine) -> None:
        with engine.connect() as conn:
            if conn.execute(text("SELECT 1 FROM workspaces")).first() is not None:
                return  # not a fresh database: the console seeds (or finds) the team itself
        if engine.dialect.name == "sqlite":
            self._sqlite(engine)
        else:
            self._postgres(engine)

    def _seed(self, engine: Engine) -> None:
        crm = CRM(make_session_factory(engine), clock=_Ticking(START - timedelta(seconds=1)).now)
        seed_demo(crm, TEAM_ID, team_name=TEAM_NAME)

    def _sqlite(self, engine: Engine) -> None:
        database = engine.url.database
        assert database is not None
        if self.sqlite_file is None:
            self._seed(engine)
            self.sqlite_file = self.directory / "demo.sqlite3"
            _sqlite_copy(Path(database), self.sqlite_file)
        else:
            _sqlite_copy(self.sqlite_file, Path(database))

    def _postgres(self, engine: Engine) -> None:
        names = [t.name for t in metadata.sorted_tables]
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            if self.pg_tables is None:
                self._seed(engine)
                self.pg_tables = []
                for name in names:
                    with cur.copy(f'COPY "{name}" TO STDOUT (FORMAT binary)') as copy:  # type: ignore[attr-defined]
                        self.pg_tables.append((name, b"".join(bytes(chunk) for chunk in copy)))
                cur.execute(
                    "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences"
                    " WHERE last_value IS NOT NULL"
                )
                self.pg_sequences = [(str(n), int(v)) for n, v in cur.fetchall()]
                raw.commit()
                return
            for name, data in self.pg_tables:
                with cur.copy(f'COPY "{name}" FROM STDIN (FORMAT binary)') as copy:  # type: ignore[attr-defined]
                    copy.write(data)
            for seq, value in self.pg_sequences:
                cur.execute("SELECT setval(%s, %s)", (seq, value))
            raw.commit()
        finally:
            raw.close()


def _sqlite_copy(source: Path, target: Path) -> None:
    """Page by page through SQLite's backup API, which sees what the WAL holds and locks as it writes."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


@pytest.fixture(scope="session")
def demo_teams(tmp_path_factory: pytest.TempPathFactory) -> DemoTeams:
    return DemoTeams(tmp_path_factory.mktemp("demo-team"))


@pytest.fixture
def console_factory(engine: Engine, tmp_path: Any, demo_teams: DemoTeams) -> Iterator[Callable[..., Driver]]:
    started: list[Running] = []
    url = engine.url.render_as_string(hide_password=False)

    def make(*, demo: bool = False, lines: list[str] | None = None, **kwargs: Any) -> Driver:
        if demo:
            demo_teams.put_into(engine)
        out = io.StringIO()
        running = build_console(
            Settings(database_url=url, default_tz="America/New_York"),
            demo=demo,
            out=out,
            start=START,
            files_dir=tmp_path / "files",
            **kwargs,
        )
        started.append(running)
        driver = Driver(running, out)
        # A scripted session's input, as a pipe would give it; run() echoes each line.
        if lines is not None:
            running.console._lines = iter(lines)
        return driver

    yield make
    for running in started:
        running.close()
