"""``crm-bot scheduler`` and the background runner: one clear line when it cannot start, and a
background scheduler that delivers and stops cleanly."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from bot.cli import main
from bot.db import make_engine, make_session_factory
from bot.scheduler import Scheduler
from bot.scheduler.runner import SchedulerHandle, SchedulerOptions, options_from_env, start_in_background
from bot.services import CRM
from bot.settings import Settings, SettingsError
from tests.scheduler.conftest import Slack, eventually
from tests.support.databases import SqliteTemplate


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'crm.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    for var in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    return url


def test_standalone_without_a_token_says_so_in_one_line(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scheduler"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "crm-bot scheduler: SLACK_BOT_TOKEN is missing: the scheduler needs it to post"


def test_second_standalone_scheduler_on_sqlite_refuses_with_one_line(
    env: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    slack: Slack,
    sqlite_template: SqliteTemplate,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    engine = make_engine(sqlite_template.copy_to(Path(make_url(env).database or "")))
    running = Scheduler(
        make_session_factory(engine), WebClient(base_url=slack.api_url), name="web-1:42"
    ).start()
    try:
        assert main(["scheduler"]) == 1
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("crm-bot scheduler: another scheduler (web-1:42) is already running")
    finally:
        running.stop()
        engine.dispose()


def test_bad_scheduler_option_is_named() -> None:
    with pytest.raises(SettingsError, match="CRM_SLACK_CHANNEL_PACE must be a number"):
        options_from_env({"CRM_SLACK_CHANNEL_PACE": "fast"})
    assert options_from_env({}) == SchedulerOptions(interval=5.0, pace_seconds=1.0, workers=4)


def test_background_scheduler_delivers_and_stops(
    tmp_path: Path, slack: Slack, sqlite_template: SqliteTemplate
) -> None:
    engine = make_engine(sqlite_template.copy_to(tmp_path / "bg.sqlite3"))
    sessions = make_session_factory(engine)
    crm = CRM(sessions)
    ann = crm.register_user("T1", "UANN", name="Ann", tz="UTC")
    crm.create_task(ann, "Due already", due=datetime(2020, 1, 1, 9, 0, tzinfo=UTC))
    settings = Settings(bot_token="xoxb-test", database_url=str(engine.url))
    handle = start_in_background(
        settings,
        sessions,
        WebClient(base_url=slack.api_url, retry_handlers=[]),
        options=SchedulerOptions(interval=0.05, pace_seconds=0, workers=1),
    )
    try:
        slack.wait_for(lambda s: s.posted, timeout=10)
        assert "Due already" in slack.posted[0]["text"] and "(late)" in slack.posted[0]["text"]
    finally:
        handle.stop()
    assert not handle.running
    # The lease was given back: another scheduler may start at once.
    Scheduler(sessions, WebClient(base_url=slack.api_url)).start().stop()
    engine.dispose()


def test_crm_bot_scheduler_runs_delivers_and_stops_on_sigterm(
    tmp_path: Path, slack: Slack, sqlite_template: SqliteTemplate
) -> None:
    import os
    import signal
    import subprocess
    import sys

    url = sqlite_template.copy_to(tmp_path / "alone.sqlite3")
    engine = make_engine(url)
    crm = CRM(make_session_factory(engine))
    ann = crm.register_user("T1", "UANN", name="Ann", tz="UTC")
    crm.create_task(ann, "Sent by the standalone scheduler", due=datetime(2020, 1, 1, 9, 0, tzinfo=UTC))
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": str(root),
        "DATABASE_URL": url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": slack.api_url,
        "CRM_SCHEDULER_INTERVAL": "0.2",
    }
    # Only the bot token: the scheduler posts, it never receives Slack's signed requests.
    env.pop("SLACK_APP_TOKEN", None)
    env.pop("SLACK_SIGNING_SECRET", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "scheduler"],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        slack.wait_for(lambda s: s.posted, timeout=20)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(20)
    assert code == 0, proc.stderr.read() if proc.stderr else ""
    assert [p["text"].split(" — ")[0] for p in slack.posted] == ["Reminder: Sent by the standalone scheduler"]
    # It gave its lease back on the way out.
    Scheduler(make_session_factory(engine), WebClient(base_url=slack.api_url)).start().stop()
    engine.dispose()


def _down_engine(backend: str) -> Engine:
    """An engine for a database that is not there: nothing listens on port 1; /proc takes no files."""
    if backend == "postgresql":
        return make_engine("postgresql+psycopg://postgres@127.0.0.1:1/x", pool_pre_ping=False)
    return create_engine("sqlite:////proc/nope/x.db")


def test_a_database_outage_is_one_line_and_its_end_another(
    engine: Engine, backend: str, crm: CRM, slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    """However many rounds fail while the database is away: one line when it goes, one when it is
    back, no traceback; and what fell due meanwhile is delivered after."""
    ann = crm.register_user("T1", "UANN", name="Ann", tz="UTC")
    crm.create_task(ann, "Before", due=datetime(2020, 1, 1, 9, 0, tzinfo=UTC))
    sessions = make_session_factory(engine)
    scheduler = Scheduler(
        sessions, WebClient(base_url=slack.api_url, retry_handlers=[]), workers=1, heartbeat_seconds=0.02
    )
    rounds: list[int] = []
    real_tick = scheduler.tick

    def counted(**kwargs: Any) -> Any:
        rounds.append(1)
        return real_tick(**kwargs)

    scheduler.tick = counted  # type: ignore[method-assign]
    down = _down_engine(backend)
    caplog.set_level(logging.INFO, logger="bot.scheduler")
    handle = SchedulerHandle(scheduler.start(), interval=0.02).start()
    try:
        slack.wait_for(lambda s: len(s.posted) == 1, timeout=10)
        sessions.configure(bind=down)
        seen = len(rounds)
        eventually(lambda: len(rounds) >= seen + 8)
        crm.create_task(ann, "During", due=datetime(2020, 1, 2, 9, 0, tzinfo=UTC))
        sessions.configure(bind=engine)
        slack.wait_for(lambda s: len(s.posted) == 2, timeout=10)
    finally:
        handle.stop()
        down.dispose()
    records = [r for r in caplog.records if r.name.startswith("bot.scheduler")]
    problems = [r for r in records if r.levelno >= logging.WARNING]
    assert len(problems) == 1, [r.getMessage() for r in problems]
    assert "database" in problems[0].getMessage() and problems[0].exc_info is None
    back = [r for r in records if "reachable again" in r.getMessage()]
    assert len(back) == 1 and back[0].levelno == logging.INFO


def test_crm_bot_run_restarted_after_a_crash_takes_over_the_sqlite_scheduler(
    tmp_path: Path, slack: Slack, caplog: pytest.LogCaptureFixture, sqlite_template: SqliteTemplate
) -> None:
    """``crm-bot run`` restarted at once after a kill -9 finds the dead process's SQLite lease still
    held: its scheduler stands by and takes over once the lease lapses (30 s after the last beat),
    instead of never running in that process."""
    from bot.clock import ManualClock

    engine = make_engine(sqlite_template.copy_to(tmp_path / "restart.sqlite3"))
    sessions = make_session_factory(engine)
    clock = ManualClock(datetime.now(UTC))
    crm = CRM(sessions, clock=clock.now)
    ann = crm.register_user("T1", "UANN", name="Ann", tz="UTC")
    crm.create_task(ann, "Due before the crash", due=datetime(2020, 1, 1, 9, 0, tzinfo=UTC))
    client = WebClient(base_url=slack.api_url, retry_handlers=[])
    Scheduler(sessions, client, clock, name="killed").start()  # … and never gave its lease back
    caplog.set_level(logging.INFO, logger="bot.scheduler")
    handle = start_in_background(
        Settings(bot_token="xoxb-test", database_url=str(engine.url)),
        sessions,
        client,
        clock,
        options=SchedulerOptions(interval=0.02, pace_seconds=0, workers=1),
        standby=True,
    )
    try:
        eventually(lambda: any("waiting" in r.getMessage() for r in caplog.records))
        assert handle.running and slack.posted == []
        clock.advance(seconds=31)
        slack.wait_for(lambda s: s.posted, timeout=10)
    finally:
        handle.stop()
        engine.dispose()
    waiting = [r for r in caplog.records if "waiting" in r.getMessage()]
    assert len(waiting) == 1, [r.getMessage() for r in caplog.records]
