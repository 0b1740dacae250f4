"""A database that cannot be reached stops ``crm-bot`` with one line that names it (without its
password), not a traceback: ``db upgrade``, ``run`` and ``scheduler``, PostgreSQL and SQLite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Nothing listens on port 1; /proc refuses new directories.
DOWN = {
    "postgresql": (
        "postgresql+psycopg://postgres:hunter2@127.0.0.1:1/x",
        "crm-bot: cannot reach the database at postgresql://postgres@127.0.0.1:1/x: connection refused",
    ),
    "sqlite": (
        "sqlite:////proc/nope/x.db",
        "crm-bot: cannot reach the database at sqlite:////proc/nope/x.db: ",
    ),
}


def crm_bot(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CRM_", "DATABASE_"))}
    env |= {"PYTHONPATH": str(ROOT), "PORT": "1", **settings}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("kind", DOWN)
@pytest.mark.parametrize(
    "command, slack",
    [
        (["db", "upgrade"], {}),
        (["db", "current"], {}),
        (["run"], {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "secret"}),
        # The scheduler needs only the bot token: it never receives Slack's requests.
        (["scheduler"], {"SLACK_BOT_TOKEN": "xoxb-test"}),
    ],
    ids=["db-upgrade", "db-current", "run", "scheduler"],
)
def test_an_unreachable_database_is_one_line(
    tmp_path: Path, kind: str, command: list[str], slack: dict[str, str]
) -> None:
    url, expected = DOWN[kind]
    done = crm_bot(tmp_path, *command, DATABASE_URL=url, SLACK_API_URL="http://127.0.0.1:1/api/", **slack)
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(expected), lines
    assert "hunter2" not in done.stderr + done.stdout
    assert done.returncode not in (0, None)
