"""Per-request middleware: drop repeats, then put the services and the acting person in ``context``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.runtime import Services
from bot.services import Actor
from bot.slack.dedupe import claim, forget_before, request_key

log = logging.getLogger(__name__)


KEEP_KEYS = timedelta(days=2)  # Slack retries for minutes and buttons live for hours; days is plenty


def make_dedupe(services: Services) -> Callable[..., Any]:
    last_purge: list[datetime] = []

    def purge_now_and_then() -> None:
        now = services.now()
        if last_purge and now - last_purge[0] < timedelta(hours=1):
            return
        last_purge[:] = [now]
        try:
            forget_before(services.sessions, now - KEEP_KEYS)
        except Exception:
            log.warning("could not purge old request keys", exc_info=True)

    def dedupe(body: dict[str, Any], request: Any, next: Callable[[], Any]) -> Any:  # noqa: A002 - Bolt's name
        key = request_key(body) if isinstance(body, dict) else None
        if key is not None:
            purge_now_and_then()
        if key is not None and not claim(services.sessions, key, services.now()):
            retry = (request.headers.get("x-slack-retry-num") or [None])[0]
            log.info("ignoring a repeat of %s (retry %s)", key[:40], retry)
            return BoltResponse(status=200, body="")
        return next()

    return dedupe


def make_actor(services: Services) -> Callable[..., Any]:
    def actor(context: BoltContext, body: dict[str, Any], next: Callable[[], Any]) -> Any:  # noqa: A002
        context["services"] = services
        team_id = context.team_id or team_of(body)
        user_id = context.user_id
        if team_id and user_id:
            # Only the database here, before the ack: someone new is looked up in Slack (users.info)
            # after it, by the listener that needs them (bot.slack.reply.make_ctx).
            known = services.crm.actor(team_id, user_id)
            if known is not None:
                context["actor"] = known
        return next()

    return actor


def team_of(body: dict[str, Any]) -> str | None:
    team = body.get("team")
    if isinstance(team, dict):
        return team.get("id")
    return body.get("team_id") or (body.get("user") or {}).get("team_id")


def resolve_actor(services: Services, client: WebClient | None, team_id: str, user_id: str) -> Actor:
    """The person behind a request; someone seen for the first time is stored with name and zone."""
    crm = services.crm
    found = crm.actor(team_id, user_id)
    # Stored without a name means users.info failed last time: ask again rather than keep a bare id.
    if found is not None and (found.name != user_id or client is None):
        return found
    name, tz, email = user_id, found.tz if found else services.settings.default_tz, None
    if client is not None:
        try:
            info = client.users_info(user=user_id).get("user") or {}
            profile = info.get("profile") or {}
            name = profile.get("real_name") or info.get("real_name") or info.get("name") or user_id
            tz = info.get("tz") or tz
            email = profile.get("email")
        except Exception as exc:  # noqa: BLE001 - Slack down must not stop the person's request
            reason = exc.response.get("error") if isinstance(exc, SlackApiError) else exc
            log.warning("users.info failed for %s: %s", user_id, reason)
            if found is not None:
                return found
    settings = services.settings
    crm.ensure_workspace(team_id, default_tz=settings.default_tz, default_currency=settings.default_currency)
    return crm.register_user(team_id, user_id, name=name, tz=tz, email=email)
