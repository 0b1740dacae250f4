from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.console import Running, build_console
from bot.settings import Settings

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


@pytest.fixture
def console_factory(engine: Engine, tmp_path: Any) -> Iterator[Callable[..., Driver]]:
    started: list[Running] = []
    url = engine.url.render_as_string(hide_password=False)

    def make(*, demo: bool = False, lines: list[str] | None = None, **kwargs: Any) -> Driver:
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
