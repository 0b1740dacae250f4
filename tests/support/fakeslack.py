"""The suite's fake Slack Web API: the console's stand-in (``bot.console.slackapi``), on a loopback port.

It records every call the bot makes, answers like Slack, serves ``response_url`` and the files upload
v2 ``upload_url``, and can fail the next calls of a method on request (429, 500, ``ok: false``).

For the OAuth install it also plays Slack's side of it: :meth:`FakeSlack.grant` is a person approving
the install on Slack's consent page (it hands out the ``code`` the browser brings back), and
``oauth.v2.access`` exchanges that code once, with the app's client id and secret, for a workspace's
(or an org's) bot token, and refreshes rotating tokens. ``auth.test`` then answers for the workspace a
token belongs to, and a revoked token is refused on every method, as Slack does.
"""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass
from typing import Any

from bot.console.slackapi import Call, Fault, SlackStandIn

CLIENT_ID = "1111111111.2222222222"
CLIENT_SECRET = "fake-client-secret-value"
APP_ID = "A0CRM0001"


@dataclass
class Grant:
    """What Slack knows of one install: the token it issued and whose it is."""

    team_id: str | None
    team_name: str | None
    enterprise_id: str | None
    enterprise_name: str | None
    org_wide: bool
    installer: str
    token: str
    bot_user_id: str
    rotating: bool
    refresh_token: str | None = None
    expires_in: int = 43200


def token_of(call: Call) -> str | None:
    """The token a Web API call was made with (its ``Authorization: Bearer`` header)."""
    auth = call.headers.get("authorization", "")
    return auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else call.params.get("token")


class FakeSlack(SlackStandIn):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client_id = CLIENT_ID
        self.client_secret = CLIENT_SECRET
        self.codes: dict[str, Grant] = {}
        self.grants: dict[str, Grant] = {}  # by token, every token ever issued
        self.refresh: dict[str, Grant] = {}  # by refresh token
        self.revoked: set[str] = set()
        # The workspaces an org-wide install reaches (auth.teams.list), by org.
        self.org_teams: dict[str, list[str]] = {}
        self._n = itertools.count(1)

    # ---- Slack's consent page ----

    def grant(
        self,
        team_id: str | None,
        team_name: str | None = None,
        *,
        enterprise_id: str | None = None,
        enterprise_name: str | None = None,
        org_wide: bool = False,
        installer: str = "U0ANN1111",
        rotating: bool = False,
        expires_in: int = 43200,
    ) -> str:
        """A person approves the install: the ``code`` Slack sends their browser back with."""
        n = next(self._n)
        prefix = "xoxe.xoxb-" if rotating else "xoxb-"
        grant = Grant(
            team_id,
            team_name,
            enterprise_id,
            enterprise_name,
            org_wide,
            installer,
            f"{prefix}{team_id or enterprise_id}-{n}",
            f"UBOT{n}",
            rotating,
            f"xoxe-1-refresh-{n}" if rotating else None,
            expires_in,
        )
        code = f"code-{n}"
        self.codes[code] = grant
        return code

    def reset(self) -> None:
        """Forget the calls, and the revocations: each test starts with every token good."""
        super().reset()
        self.revoked.clear()
        self.org_teams.clear()

    def revoke(self, token: str) -> None:
        self.revoked.add(token)

    def tokens_of(self, team_id: str) -> list[str]:
        return [t for t, g in self.grants.items() if (g.team_id or g.enterprise_id) == team_id]

    # ---- the Web API ----

    def _answer(
        self, method: str, params: dict[str, Any], headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        headers = headers or {}
        if method == "oauth.v2.access":
            return self._oauth_access(params, headers)
        auth = headers.get("authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.get("token")
        if token in self.revoked:
            return {"ok": False, "error": "token_revoked"}
        grant = self.grants.get(token or "")
        if method == "auth.teams.list" and grant is not None and grant.org_wide:
            teams = self.org_teams.get(grant.enterprise_id or "", [])
            return {"ok": True, "teams": [{"id": t, "name": t} for t in teams]}
        if method == "auth.test" and grant is not None:
            return {
                "ok": True,
                "user_id": grant.bot_user_id,
                "bot_id": "B" + grant.bot_user_id.removeprefix("U"),
                "team_id": grant.team_id,
                "team": grant.team_name,
                "enterprise_id": grant.enterprise_id,
                "is_enterprise_install": grant.org_wide,
                "url": f"{self.base}/",
            }
        return super()._answer(method, params, headers)

    def _oauth_access(self, params: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        basic = headers.get("authorization", "")
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if basic != f"Basic {expected}":
            return {"ok": False, "error": "invalid_client_id"}
        if params.get("grant_type") == "refresh_token":
            old = self.refresh.pop(str(params.get("refresh_token")), None)
            if old is None:
                return {"ok": False, "error": "invalid_refresh_token"}
            n = next(self._n)
            new = Grant(
                **{
                    **old.__dict__,
                    "token": f"xoxe.xoxb-{old.team_id or old.enterprise_id}-{n}",
                    "refresh_token": f"xoxe-1-refresh-{n}",
                }
            )
            return self._issue(new)
        grant = self.codes.pop(str(params.get("code")), None)
        if grant is None:
            return {"ok": False, "error": "invalid_code"}
        return self._issue(grant)

    def _issue(self, grant: Grant) -> dict[str, Any]:
        self.grants[grant.token] = grant
        answer: dict[str, Any] = {
            "ok": True,
            "app_id": APP_ID,
            "authed_user": {"id": grant.installer},
            "scope": "app_mentions:read,channels:history,channels:manage,chat:write,chat:write.public,commands,"
            "files:read,files:write,groups:history,"
            "im:history,im:write,users:read,users:read.email",
            "token_type": "bot",
            "access_token": grant.token,
            "bot_user_id": grant.bot_user_id,
            "team": None if grant.org_wide else {"id": grant.team_id, "name": grant.team_name},
            "enterprise": {"id": grant.enterprise_id, "name": grant.enterprise_name}
            if grant.enterprise_id
            else None,
            "is_enterprise_install": grant.org_wide,
        }
        if grant.rotating:
            assert grant.refresh_token is not None
            self.refresh[grant.refresh_token] = grant
            answer["refresh_token"] = grant.refresh_token
            answer["expires_in"] = grant.expires_in
        return answer


__all__ = ["APP_ID", "CLIENT_ID", "CLIENT_SECRET", "Call", "Fault", "FakeSlack", "Grant", "token_of"]
