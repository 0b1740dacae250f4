"""Installing the app into any workspace (OAuth mode): Bolt's OAuth flow with slack_sdk's SQLAlchemy
installation and state stores over the CRM's own database, each request authorized with the token of
its workspace, and the same tokens found (and rotated) for the scheduler's messages.

On only when ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET`` are set; the tables are made by the
migrations (``models/installations.py``), never by the stores. Tokens and the client secret are never
logged: only team ids and reasons are.
"""

from __future__ import annotations

import html
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import InstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.services import installs
from bot.settings import Settings
from models.installations import BOTS, INSTALLATIONS, OAUTH_STATES

log = logging.getLogger(__name__)

# How long an install's state (and its cookie) stays good: Slack's consent screen, then back.
STATE_SECONDS = 600
# Rotate a token this long before it expires (Bolt's default): a request never carries one about to lapse.
ROTATE_BEFORE_MINUTES = 120
AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"


def engine_of(sessions: sessionmaker[Session], engine: Engine | None = None) -> Engine:
    bound = engine or sessions.kw.get("bind")
    if bound is None:
        raise ValueError("the OAuth stores need the session factory's engine")
    return bound


def installation_store(settings: Settings, engine: Engine) -> SQLAlchemyInstallationStore:
    assert settings.client_id
    # No create_tables(): the migrations own the schema.
    return SQLAlchemyInstallationStore(
        client_id=settings.client_id,
        engine=engine,
        bots_table_name=BOTS,
        installations_table_name=INSTALLATIONS,
        logger=logging.getLogger("bot.slack.oauth.store"),
    )


class _Bounded(OrderedDict[str, Any]):
    """Bolt's per-token cache of auth.test answers, bounded: rotated tokens would otherwise pile up."""

    def __init__(self, size: int = 2048) -> None:
        super().__init__()
        self.size = size
        self.lock = threading.Lock()

    def __setitem__(self, key: str, value: Any) -> None:
        with self.lock:
            super().__setitem__(key, value)
            while len(self) > self.size:
                self.popitem(last=False)


def authorize(settings: Settings, store: InstallationStore, client: WebClient) -> InstallationStoreAuthorize:
    """Each request's token: its workspace's bot (or its org's, for an org-wide install), rotated when
    near its end. auth.test runs once per token, not once per request (a round trip before every ack)."""
    found = InstallationStoreAuthorize(
        logger=logging.getLogger("bot.slack.oauth.authorize"),
        installation_store=store,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        token_rotation_expiration_minutes=ROTATE_BEFORE_MINUTES,
        bot_only=True,
        cache_enabled=True,
        client=client,
    )
    found.authorize_result_cache = _Bounded()
    return found


class InstallFlow(OAuthFlow):
    """Bolt's flow with the CRM's own install page."""

    def build_install_page_html(self, url: str, request: BoltRequest) -> str:
        return install_page(url, self.settings.scopes or [])


def oauth_flow(
    settings: Settings, sessions: sessionmaker[Session], engine: Engine, client: WebClient
) -> InstallFlow:
    store = installation_store(settings, engine)
    state_store = SQLAlchemyOAuthStateStore(
        expiration_seconds=STATE_SECONDS,
        engine=engine,
        table_name=OAUTH_STATES,
        logger=logging.getLogger("bot.slack.oauth.state"),
    )
    oauth = OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(settings.scopes),
        user_scopes=[],
        redirect_uri=settings.redirect_uri,
        install_path=settings.install_path,
        redirect_uri_path=settings.redirect_uri_path,
        callback_options=CallbackOptions(success=_on_success(sessions, settings), failure=_on_failure),
        authorization_url=AUTHORIZE_URL,
        installation_store=store,
        installation_store_bot_only=True,
        token_rotation_expiration_minutes=ROTATE_BEFORE_MINUTES,
        state_store=state_store,
        state_expiration_seconds=STATE_SECONDS,
    )
    return InstallFlow(client=client, settings=oauth)


def _on_success(sessions: sessionmaker[Session], settings: Settings) -> Any:
    def success(args: SuccessArgs) -> BoltResponse:
        inst = args.installation
        org_wide = bool(inst.is_enterprise_install)
        installs.installed(
            sessions,
            team_id=None if org_wide else inst.team_id,
            enterprise_id=inst.enterprise_id,
            name=inst.team_name,
            tz=settings.default_tz,
            currency=settings.default_currency,
        )
        where = f"org {inst.enterprise_id}" if org_wide else f"workspace {inst.team_id}"
        log.info("installed in %s by %s", where, inst.user_id)
        name = (inst.enterprise_name if org_wide else inst.team_name) or where
        link = f"slack://app?team={inst.team_id or ''}&id={inst.app_id or ''}"
        if org_wide and inst.enterprise_url:
            link = f"{inst.enterprise_url.rstrip('/')}/manage/organization/apps/profile/{inst.app_id}/workspaces/add"
        return _page(args, 200, installed_page(name, link, org_wide))

    return success


def _on_failure(args: FailureArgs) -> BoltResponse:
    log.warning("an install did not complete: %s", args.reason)
    return _page(args, args.suggested_status_code, failed_page(args.reason))


def _page(args: SuccessArgs | FailureArgs, status: int, body: str) -> BoltResponse:
    return BoltResponse(
        status=status,
        body=body,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Set-Cookie": args.settings.state_utils.build_set_cookie_for_deletion(),
        },
    )


# ---- the pages a person installing sees ------------------------------------------------------------

_STYLE = (
    "body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:40em;margin:3em auto;"
    "padding:0 1em;color:#1d1c1d}a.button{display:inline-block;background:#4a154b;color:#fff;"
    "padding:.7em 1.4em;border-radius:6px;text-decoration:none;font-weight:600}code{background:#f4f4f4}"
)
_WHY_FAILED = {
    "access_denied": "The install was cancelled on Slack's page, so nothing was installed.",
    "invalid_browser": (
        "This browser did not start the install (its install cookie is missing or expired), so it was "
        "refused. Start again from the install page in the same browser."
    ),
    "invalid_state": "This install link was already used or has expired. Start again from the install page.",
    "missing_code": "Slack did not send an authorization code. Start again from the install page.",
    "invalid_code": "Slack did not accept the authorization code. Start again from the install page.",
    "storage_error": "The install could not be saved. Try again in a moment; the operator can see why in the log.",
}


def _html(title: str, body: str) -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<link rel='icon' href='data:,'><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def install_page(url: str, scopes: Sequence[str]) -> str:
    listed = "".join(f"<li><code>{html.escape(s)}</code></li>" for s in scopes)
    return _html(
        "Install the CRM",
        "<h1>The CRM for Slack</h1>"
        "<p>Contacts, deals, tasks and your pipeline, kept by writing to the bot or with "
        "<code>/crm</code>. The data stays in this server's own database.</p>"
        f"<p><a class='button' href='{html.escape(url)}'>Add to Slack</a></p>"
        f"<p>It asks Slack for these permissions:</p><ul>{listed}</ul>"
        "<p>An Enterprise Grid admin can install it for the whole organization from the same button.</p>",
    )


def installed_page(name: str, link: str, org_wide: bool) -> str:
    where = "every workspace of " if org_wide else ""
    return _html(
        "Installed",
        f"<h1>Installed in {where}{html.escape(name)}</h1>"
        "<p>Type <code>/crm help</code> in any channel, or write to the bot in its Messages tab.</p>"
        f"<p><a class='button' href='{html.escape(link)}'>Open Slack</a></p>",
    )


def failed_page(reason: str) -> str:
    why = _WHY_FAILED.get(reason, "The install did not complete. Start again from the install page.")
    return _html("Not installed", f"<h1>Not installed</h1><p>{html.escape(why)}</p>")


# ---- the scheduler's tokens ---------------------------------------------------------------------------


@dataclass
class _Cached:
    token: str | None
    until: float


class WorkspaceTokens:
    """The bot token of a workspace (by the CRM's workspace id) for messages the bot sends on its own:
    its own install's, else its Grid org's org-wide one; rotated when near its end, like a request's.
    None when the app is not installed there (uninstalled, or never installed with OAuth)."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        client: WebClient,
        *,
        engine: Engine | None = None,
        ttl: float = 60.0,
    ) -> None:
        assert settings.client_id and settings.client_secret
        self.sessions = sessions
        self.store = installation_store(settings, engine_of(sessions, engine))
        self.rotator = TokenRotator(
            client_id=settings.client_id, client_secret=settings.client_secret, client=client
        )
        self.ttl = ttl
        self._cache: dict[int, _Cached] = {}
        self._lock = threading.Lock()

    def __call__(self, workspace_id: int) -> str | None:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(workspace_id)
            if cached is not None and cached.until > now:
                return cached.token
        token = self._find(workspace_id)
        with self._lock:
            self._cache[workspace_id] = _Cached(token, now + self.ttl)
        return token

    def _find(self, workspace_id: int) -> str | None:
        ws = installs.owner(self.sessions, workspace_id)
        if ws is None or ws.uninstalled_at is not None:
            return None
        bot = self.store.find_bot(enterprise_id=ws.enterprise_id, team_id=ws.team_id)
        if bot is None and ws.enterprise_id:
            bot = self.store.find_bot(
                enterprise_id=ws.enterprise_id, team_id=None, is_enterprise_install=True
            )
        if bot is None:
            return None
        if bot.bot_refresh_token:
            rotated = self.rotator.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=ROTATE_BEFORE_MINUTES
            )
            if rotated is not None:
                self.store.save_bot(rotated)
                bot = rotated
        return bot.bot_token


# ---- the app leaving a workspace ------------------------------------------------------------------------


def _where(context: Any) -> tuple[str | None, str | None, bool]:
    org_wide = bool(context.is_enterprise_install)
    return context.enterprise_id, None if org_wide else context.team_id, org_wide


def uninstalled(services: Any, context: Any) -> None:
    """``app_uninstalled``: every token of the workspace (or of the org, for an org-wide install) is
    deleted, and the retention clock of its CRM data starts."""
    enterprise_id, team_id, org_wide = _where(context)
    store = services.extras.get("installation_store")
    if store is not None:
        store.delete_all(enterprise_id=enterprise_id, team_id=team_id)
    teams = installs.uninstalled(
        services.sessions, services.now(), team_id=team_id, enterprise_id=enterprise_id, org_wide=org_wide
    )
    log.info(
        "uninstalled from %s: tokens deleted; CRM data of %s kept for %d days",
        f"org {enterprise_id}" if org_wide else f"workspace {team_id}",
        ", ".join(teams) or "no workspace",
        services.settings.retention_days,
    )


def team_access(services: Any, event: dict[str, Any], context: Any, *, granted: bool) -> None:
    """``team_access_granted`` / ``team_access_revoked``: an org admin adds the org-wide app to some of
    the org's workspaces, or takes it away from them. The org's token stays (it serves the others); a
    workspace taken away starts its retention clock, one given back calls that off."""
    enterprise_id = context.enterprise_id
    teams = [t for t in event.get("team_ids") or [] if isinstance(t, str)]
    for team_id in teams:
        if granted:
            installs.installed(services.sessions, team_id=team_id, enterprise_id=enterprise_id)
        else:
            installs.uninstalled(
                services.sessions, services.now(), team_id=team_id, enterprise_id=enterprise_id
            )
    log.info("org %s %s workspaces %s", enterprise_id, "added" if granted else "removed", ", ".join(teams))


def tokens_revoked(services: Any, event: dict[str, Any], context: Any) -> None:
    """``tokens_revoked``: the revoked tokens are deleted (a bot token: the workspace's bot; user tokens:
    those people's installs). The CRM data stays: only an uninstall starts its retention clock."""
    store = services.extras.get("installation_store")
    if store is None:
        return
    enterprise_id, team_id, _ = _where(context)
    tokens = event.get("tokens") or {}
    for user_id in tokens.get("oauth") or []:
        store.delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)
    if tokens.get("bot"):
        store.delete_bot(enterprise_id=enterprise_id, team_id=team_id)
    log.info("tokens revoked in %s: deleted", team_id or f"org {enterprise_id}")


# ---- before a purge: is the app there again? ------------------------------------------------------------

# auth.test errors that mean the token no longer gets in; any other failure is "cannot tell now".
_LOCKED_OUT = frozenset({"invalid_auth", "not_authed", "token_revoked", "account_inactive", "team_not_found"})


def has_token(settings: Settings, sessions: sessionmaker[Session], client: WebClient) -> Any:
    """OAuth mode: a workspace is installed again when the store has a bot of its own, or its org's
    org-wide install still reaches it (``auth.teams.list``: a workspace an org admin took out of the
    org-wide install is not among them, though the org's token lives on)."""
    store = installation_store(settings, engine_of(sessions))

    def found(ws: installs.WorkspaceState) -> bool:
        if store.find_bot(enterprise_id=ws.enterprise_id, team_id=ws.team_id) is not None:
            return True
        if not ws.enterprise_id:
            return False
        org = store.find_bot(enterprise_id=ws.enterprise_id, team_id=None, is_enterprise_install=True)
        if org is None or not org.bot_token:
            return False
        return _org_reaches(client, org.bot_token, ws.team_id)

    return found


def _org_reaches(client: WebClient, token: str, team_id: str) -> bool:
    try:
        teams = client.auth_teams_list(token=token, limit=1000).get("teams") or []
    except SlackApiError as exc:
        return str(exc.response.get("error")) not in _LOCKED_OUT
    except Exception:  # noqa: BLE001 - Slack unreachable: decide next time
        return True
    return any(isinstance(t, dict) and t.get("id") == team_id for t in teams)


def token_works(client: WebClient) -> Any:
    """The single-token setup: installed again when the one token gets into that workspace. When Slack
    cannot be asked, the data is kept until the next try (an hour later)."""

    def works(ws: installs.WorkspaceState) -> bool:
        try:
            return client.auth_test().get("team_id") == ws.team_id
        except SlackApiError as exc:
            return str(exc.response.get("error")) not in _LOCKED_OUT
        except Exception:  # noqa: BLE001 - Slack unreachable: decide next time
            return True

    return works
