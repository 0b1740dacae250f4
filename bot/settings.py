"""Settings from the environment and an optional ``.env``; a bad value stops the start with one line."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


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
    # Hosts (host or host:port) a webhook may reach over plain http or at a private address (tests on
    # loopback, a receiver inside the network): CRM_WEBHOOK_ALLOW_HOSTS.
    webhook_hosts: tuple[str, ...] = ()

    @property
    def has_slack(self) -> bool:
        return bool(self.bot_token)

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

    bot_token, app_token, signing_secret = _tokens(get, require_signing_secret)
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
        webhook_hosts=_hosts(get("CRM_WEBHOOK_ALLOW_HOSTS"), "CRM_WEBHOOK_ALLOW_HOSTS"),
    )


Getter = Callable[[str], "str | None"]


def _tokens(get: Getter, require_signing_secret: bool) -> tuple[str | None, str | None, str | None]:
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
    if signing_secret and not bot_token:
        raise SettingsError("SLACK_BOT_TOKEN is missing: it is needed beside SLACK_SIGNING_SECRET")
    return bot_token, app_token, signing_secret


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
