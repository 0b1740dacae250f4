"""``crm-bot workspace list|purge``: an operator deletes an uninstalled workspace's CRM data now, and only
that workspace's; an installed one is kept unless they insist. Both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from bot.cli import main
from bot.db import make_session_factory
from bot.services import CRM, installs
from tests.support.tenants import NOW, fill


@pytest.fixture
def filled(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> CRM:
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    for var in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CRM_UNINSTALL_RETENTION_DAYS", "30")
    crm = CRM(make_session_factory(engine), clock=lambda: NOW)
    fill(crm, "TA", "A")
    fill(crm, "TB", "B")
    return crm


def test_purge_deletes_an_uninstalled_workspace_now_and_nothing_else(
    filled: CRM, capsys: pytest.CaptureFixture[str]
) -> None:
    sessions = filled.sessions
    before_b = installs.count_rows(sessions, "TB")
    installs.uninstalled(sessions, NOW - timedelta(days=2), team_id="TA", enterprise_id=None)

    assert main(["workspace", "list"]) == 0
    listed = capsys.readouterr().out
    assert "TA" in listed and "uninstalled 2026-10-31 15:00 UTC, purged after 2026-11-30 15:00 UTC" in listed
    assert "TB" in listed and "installed" in listed

    assert main(["workspace", "purge", "TA"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("purged workspace TA: ") and "rows deleted" in out
    assert installs.count_rows(sessions, "TA") == 0
    assert installs.count_rows(sessions, "TB") == before_b


def test_purge_refuses_an_installed_or_unknown_workspace(
    filled: CRM, capsys: pytest.CaptureFixture[str]
) -> None:
    sessions = filled.sessions
    before = installs.count_rows(sessions, "TA")
    assert main(["workspace", "purge", "TA"]) == 1
    assert "TA is still installed" in capsys.readouterr().err
    assert installs.count_rows(sessions, "TA") == before
    assert main(["workspace", "purge", "TNOPE"]) == 1
    assert "no data for workspace TNOPE" in capsys.readouterr().err
    assert main(["workspace", "purge"]) == 2

    assert main(["workspace", "purge", "TA", "--installed"]) == 0
    assert installs.count_rows(sessions, "TA") == 0
