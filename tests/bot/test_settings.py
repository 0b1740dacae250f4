from __future__ import annotations

import subprocess
import sys

import pytest

from bot.settings import SettingsError, load_settings

TOKENS = {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": "s3cr3t-value"}
OAUTH = {
    "SLACK_CLIENT_ID": "1111111111.2222222222",
    "SLACK_CLIENT_SECRET": "client-s3cr3t-value",
    "SLACK_SIGNING_SECRET": "s3cr3t-value",
}


def test_oauth_mode_is_on_with_the_client_id_and_secret() -> None:
    settings = load_settings({**OAUTH, "SLACK_REDIRECT_URI": "https://crm.example.com/slack/oauth_redirect"})
    assert settings.oauth and settings.has_slack and settings.bot_token is None
    assert "commands" in settings.scopes and "chat:write" in settings.scopes
    assert (settings.install_path, settings.redirect_uri_path) == ("/slack/install", "/slack/oauth_redirect")
    assert settings.retention_days == 30
    assert "client-s3cr3t" not in repr(settings) and "s3cr3t" not in repr(settings)
    custom = load_settings(
        {
            **OAUTH,
            "SLACK_INSTALL_PATH": "/crm/install",
            "SLACK_REDIRECT_URI_PATH": "/crm/done",
            "SLACK_SCOPES": "app_mentions:read,channels:history,channels:manage,chat:write,chat:write.public,commands,"
            "files:read,files:write,groups:history,"
            "im:history,im:write,users:read,users:read.email,reactions:read",
            "CRM_UNINSTALL_RETENTION_DAYS": "0",
        }
    )
    assert (custom.install_path, custom.redirect_uri_path, custom.retention_days) == (
        "/crm/install",
        "/crm/done",
        0,
    )
    assert custom.scopes[-1] == "reactions:read"
    # The single-token setup is untouched by the new settings.
    single = load_settings(TOKENS)
    assert not single.oauth and single.bot_token == "xoxb-1-2-abc"


def test_a_missing_client_secret_stops_the_start_with_one_line(tmp_path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "SLACK_CLIENT_ID": "1111111111.2222222222",
        "SLACK_SIGNING_SECRET": "signing-s3cr3t-value",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert [line for line in proc.stderr.splitlines() if line.strip()] == [
        "crm-bot: SLACK_CLIENT_SECRET is missing: the OAuth install needs it beside SLACK_CLIENT_ID"
    ]
    assert "signing-s3cr3t-value" not in proc.stdout + proc.stderr


def test_defaults_without_slack_give_console_mode_and_a_sqlite_file() -> None:
    settings = load_settings({})
    assert not settings.has_slack
    assert settings.database_url.startswith("sqlite:///")
    assert (settings.host, settings.port, settings.default_tz) == ("127.0.0.1", 3000, "UTC")


def test_http_mode_settings() -> None:
    settings = load_settings({**TOKENS, "SLACK_API_URL": "http://127.0.0.1:9/api", "PORT": "8080"})
    assert settings.has_slack and not settings.socket_mode
    assert settings.api_url == "http://127.0.0.1:9/api/"
    assert settings.port == 8080
    assert "s3cr3t" not in repr(settings)


def test_crm_admins_are_slack_user_ids() -> None:
    assert load_settings({}).admins == ()
    settings = load_settings({"CRM_ADMINS": " U0ANN1111, U0BOB2222 U0ANN1111,"})
    assert settings.admins == ("U0ANN1111", "U0BOB2222")


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": "nope"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN"),
        ({**TOKENS, "PORT": "http"}, "PORT"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"CRM_DEFAULT_TZ": "Mars/Olympus"}, "CRM_DEFAULT_TZ"),
        ({"SLACK_API_URL": "ftp://x", **TOKENS}, "SLACK_API_URL"),
        ({"CRM_ADMINS": "U0ANN1111,@bob"}, "CRM_ADMINS"),
        ({"SLACK_CLIENT_ID": "1.2"}, "SLACK_CLIENT_SECRET is missing"),
        ({"SLACK_CLIENT_SECRET": "x"}, "SLACK_CLIENT_ID is missing"),
        ({**OAUTH, "SLACK_CLIENT_ID": "my-app"}, "SLACK_CLIENT_ID must be"),
        ({**OAUTH, "SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET is missing"),
        ({**OAUTH, "SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_BOT_TOKEN is set beside SLACK_CLIENT_ID"),
        ({**OAUTH, "SLACK_APP_TOKEN": "xapp-1"}, "SLACK_APP_TOKEN"),
        (
            {**OAUTH, "SLACK_SCOPES": "chat:write,commands"},
            "SLACK_SCOPES lacks scopes the bot uses: app_mentions:read",
        ),
        ({**OAUTH, "SLACK_INSTALL_PATH": "/slack/events"}, "SLACK_INSTALL_PATH"),
        ({**OAUTH, "SLACK_REDIRECT_URI_PATH": "/slack/install"}, "must be different paths"),
        ({**OAUTH, "SLACK_REDIRECT_URI": "https://crm.example.com/elsewhere"}, "SLACK_REDIRECT_URI"),
        ({"CRM_UNINSTALL_RETENTION_DAYS": "a month"}, "CRM_UNINSTALL_RETENTION_DAYS"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], names: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(env)
    assert names in str(err.value)


def test_start_with_a_missing_secret_stops_with_one_line(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "SLACK_BOT_TOKEN": "xoxb-secret-token-value", "HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines == [
        "crm-bot: SLACK_SIGNING_SECRET is missing: HTTP mode needs it to verify Slack's requests"
    ]
    assert "xoxb-secret-token-value" not in proc.stdout + proc.stderr
