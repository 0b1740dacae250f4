"""Settings from the environment and an optional ``.env``; a bad value stops the start with one line."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The bot scopes the app uses (manifest.yml; each is explained in the README). An OAuth install asks
# for these unless SLACK_SCOPES names others, which must include them.
BOT_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "channels:manage",
    "chat:write",
    "chat:write.public",
    "commands",
    "files:read",
    "files:write",
    "groups:history",
    "im:history",
    "im:write",
    "users:read",
    "users:read.email",
)
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


class SettingsError(Exception):
    """One line that names the setting at fault; never carries a secret's value."""


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "crm-bot"


@dataclass(frozen=True)
class Settings:
    bot_token: str | None = field(default=None, repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    api_url: str | None = None
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 3000
    default_tz: str = "UTC"
    default_currency: str = "USD"
    scheduler: bool = True
    # Hosts besides Slack's own that a request's response_url may name (a proxy, the tests' fake Slack).
    response_url_hosts: tuple[str, ...] = ()
    max_body_bytes: int = 1024 * 1024
    # Slack user ids the operator names as admins (CRM_ADMINS); empty: a workspace's first writer is.
    admins: tuple[str, ...] = ()
    # OAuth install (Bolt's names): on when the client id and secret are both set.
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    scopes: tuple[str, ...] = BOT_SCOPES
    install_path: str = "/slack/install"
    redirect_uri_path: str = "/slack/oauth_redirect"
    redirect_uri: str | None = None
    # Days a workspace's CRM data is kept after the app is uninstalled from it, then purged.
    retention_days: int = 30

    @property
    def oauth(self) -> bool:
        return bool(self.client_id and self.client_secret)

    # Hosts (host or host:port) a webhook may reach over plain http or at a private address (tests on
    # loopback, a receiver inside the network): CRM_WEBHOOK_ALLOW_HOSTS.
    webhook_hosts: tuple[str, ...] = ()

    @property
    def has_slack(self) -> bool:
        return bool(self.bot_token) or self.oauth

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)


def _load_dotenv(path: Path) -> None:
    if path.is_file():
        from dotenv import load_dotenv

        load_dotenv(path, override=False)


def load_settings(
    env: dict[str, str] | None = None,
    *,
    dotenv: Path | None = Path(".env"),
    require_signing_secret: bool = True,
) -> Settings:
    """``require_signing_secret=False`` for a process that never receives Slack's requests (the
    standalone scheduler): the bot token is then enough."""
    if env is None:
        if dotenv is not None:
            _load_dotenv(dotenv)
        env = dict(os.environ)
    values = env

    def get(name: str) -> str | None:
        value = values.get(name, "").strip()
        return value or None

    oauth = _oauth(get, require_signing_secret)
    bot_token, app_token, signing_secret = _tokens(get, require_signing_secret, oauth=bool(oauth))
    port_text = get("PORT") or "3000"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise SettingsError("PORT must be a number from 1 to 65535")
    return Settings(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        api_url=_api_url(get("SLACK_API_URL")),
        database_url=_database_url(get("DATABASE_URL")),
        host=get("HOST") or "127.0.0.1",
        port=int(port_text),
        default_tz=_zone(get("CRM_DEFAULT_TZ")),
        default_currency=_currency(get("CRM_DEFAULT_CURRENCY")),
        scheduler=(get("CRM_SCHEDULER") or "on").lower() not in ("off", "0", "false", "no"),
        response_url_hosts=_hosts(get("CRM_RESPONSE_URL_HOSTS")),
        max_body_bytes=_max_body(get("CRM_MAX_BODY_BYTES")),
        admins=_admins(get("CRM_ADMINS")),
        retention_days=_retention(get("CRM_UNINSTALL_RETENTION_DAYS")),
        **oauth,
        webhook_hosts=_hosts(get("CRM_WEBHOOK_ALLOW_HOSTS"), "CRM_WEBHOOK_ALLOW_HOSTS"),
    )


Getter = Callable[[str], "str | None"]


def _tokens(
    get: Getter, require_signing_secret: bool, *, oauth: bool = False
) -> tuple[str | None, str | None, str | None]:
    bot_token = get("SLACK_BOT_TOKEN")
    if bot_token and not bot_token.startswith("xoxb-"):
        raise SettingsError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
    app_token = get("SLACK_APP_TOKEN")
    if app_token and not app_token.startswith("xapp-"):
        raise SettingsError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
    signing_secret = get("SLACK_SIGNING_SECRET")
    if bot_token and not app_token and not signing_secret and require_signing_secret:
        raise SettingsError("SLACK_SIGNING_SECRET is missing: HTTP mode needs it to verify Slack's requests")
    if app_token and not bot_token:
        raise SettingsError("SLACK_BOT_TOKEN is missing: Socket Mode needs it beside SLACK_APP_TOKEN")
    if signing_secret and not bot_token and not oauth:
        raise SettingsError("SLACK_BOT_TOKEN is missing: it is needed beside SLACK_SIGNING_SECRET")
    return bot_token, app_token, signing_secret


def _oauth(get: Getter, require_signing_secret: bool) -> dict[str, Any]:
    """The OAuth install's settings, empty when it is off (neither SLACK_CLIENT_ID nor its secret set)."""
    client_id, client_secret = get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET")
    if not client_id and not client_secret:
        return {}
    if not client_secret:
        raise SettingsError(
            "SLACK_CLIENT_SECRET is missing: the OAuth install needs it beside SLACK_CLIENT_ID"
        )
    if not client_id:
        raise SettingsError(
            "SLACK_CLIENT_ID is missing: the OAuth install needs it beside SLACK_CLIENT_SECRET"
        )
    if not re.fullmatch(r"[0-9]+\.[0-9]+", client_id):
        raise SettingsError("SLACK_CLIENT_ID must be the app's client id, e.g. 1234567890.1234567890")
    if get("SLACK_BOT_TOKEN"):
        raise SettingsError(
            "SLACK_BOT_TOKEN is set beside SLACK_CLIENT_ID: with the OAuth install each workspace's token "
            "comes from installing the app; unset one of them"
        )
    if get("SLACK_APP_TOKEN"):
        raise SettingsError(
            "SLACK_APP_TOKEN is set beside SLACK_CLIENT_ID: the OAuth install is served in HTTP mode"
        )
    if require_signing_secret and not get("SLACK_SIGNING_SECRET"):
        raise SettingsError("SLACK_SIGNING_SECRET is missing: HTTP mode needs it to verify Slack's requests")
    install = _path("SLACK_INSTALL_PATH", get("SLACK_INSTALL_PATH") or "/slack/install")
    redirect = _path("SLACK_REDIRECT_URI_PATH", get("SLACK_REDIRECT_URI_PATH") or "/slack/oauth_redirect")
    if install == redirect:
        raise SettingsError("SLACK_INSTALL_PATH and SLACK_REDIRECT_URI_PATH must be different paths")
    return {
        "client_id": client_id,
        "client_secret": client_secret,
        "scopes": _scopes(get("SLACK_SCOPES")),
        "install_path": install,
        "redirect_uri_path": redirect,
        "redirect_uri": _redirect_uri(get("SLACK_REDIRECT_URI"), redirect),
    }


def _path(name: str, value: str) -> str:
    if not re.fullmatch(r"/[A-Za-z0-9._~/-]*", value) or value in (EVENTS_PATH, HEALTH_PATH):
        raise SettingsError(
            f"{name} must be a path such as /slack/install, other than {EVENTS_PATH} and {HEALTH_PATH}"
        )
    return value


def _scopes(value: str | None) -> tuple[str, ...]:
    if not value:
        return BOT_SCOPES
    scopes = tuple(dict.fromkeys(s.strip() for s in value.split(",") if s.strip()))
    for scope in scopes:
        if not re.fullmatch(r"[a-z_]+(\.[a-z_]+)*(:[a-z._]+)*", scope):
            raise SettingsError(f"SLACK_SCOPES must list scopes separated by commas: {scope!r} is not one")
    missing = [s for s in BOT_SCOPES if s not in scopes]
    if missing:
        raise SettingsError(f"SLACK_SCOPES lacks scopes the bot uses: {', '.join(missing)}")
    return scopes


def _redirect_uri(value: str | None, path: str) -> str | None:
    if not value:
        return None
    if not re.match(r"^https?://[^\s/]+/", value) or not value.split("?")[0].endswith(path):
        raise SettingsError(f"SLACK_REDIRECT_URI must be the public https URL of {path}")
    return value


def _retention(value: str | None) -> int:
    days = value or "30"
    if not days.isdigit() or int(days) > 3650:
        raise SettingsError("CRM_UNINSTALL_RETENTION_DAYS must be a number of days from 0 to 3650")
    return int(days)


def _api_url(api_url: str | None) -> str | None:
    if not api_url:
        return None
    if not re.match(r"^https?://[^\s/]+", api_url):
        raise SettingsError("SLACK_API_URL must be an http(s) URL, e.g. https://slack.com/api/")
    return api_url if api_url.endswith("/") else api_url + "/"


def _database_url(value: str | None) -> str:
    database_url = value or f"sqlite:///{default_data_dir() / 'crm.sqlite3'}"
    if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", database_url):
        raise SettingsError("DATABASE_URL must be sqlite:///PATH or postgresql+psycopg://USER@HOST/DB")
    return database_url


def _zone(value: str | None) -> str:
    tz = value or "UTC"
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"CRM_DEFAULT_TZ is not an IANA time zone: {tz!r}") from None
    return tz


def _currency(value: str | None) -> str:
    currency = (value or "USD").upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise SettingsError("CRM_DEFAULT_CURRENCY must be a 3-letter ISO 4217 code such as USD")
    return currency


def _hosts(value: str | None, name: str = "CRM_RESPONSE_URL_HOSTS") -> tuple[str, ...]:
    hosts = tuple(h.strip().lower() for h in (value or "").split(",") if h.strip())
    for host in hosts:
        if not re.fullmatch(r"[a-z0-9.-]+(:[0-9]{1,5})?", host):
            raise SettingsError(f"{name} must list host or host:port names, comma-separated")
    return hosts


def _max_body(value: str | None) -> int:
    max_body = value or str(1024 * 1024)
    if not max_body.isdigit() or not 1024 <= int(max_body) <= 100 * 1024 * 1024:
        raise SettingsError("CRM_MAX_BODY_BYTES must be a number of bytes from 1024 to 104857600")
    return int(max_body)


def _admins(value: str | None) -> tuple[str, ...]:
    admins = tuple(dict.fromkeys(w for w in re.split(r"[\s,]+", value or "") if w))
    for admin in admins:
        if not re.fullmatch(r"[UW][A-Z0-9]{2,}", admin):
            raise SettingsError(
                f"CRM_ADMINS must list Slack user ids (U…), separated by commas: {admin!r} is not one"
            )
    return admins
