"""The workspace's directory for an import: a teammate looked up by email (users.lookupByEmail, the
``users:read.email`` scope), each address once. The answers are kept in ``cache`` (email → what Slack
said, or None), so a preview's lookups serve the import that follows it."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.services.dataio.teammates import Directory, Teammate

log = logging.getLogger(__name__)


def slack_directory(client: Any, cache: dict[str, Any] | None = None) -> Directory:
    known: dict[str, Any] = {} if cache is None else cache

    def find(email: str) -> Teammate | None:
        if email not in known:
            known[email] = _lookup(client, email)
        found = known[email]
        if not found:
            return None
        return Teammate(found["id"], found["name"], email, found.get("tz"))

    return find


def _lookup(client: Any, email: str) -> dict[str, Any] | None:
    try:
        user = client.users_lookupByEmail(email=email).get("user") or {}
    except SlackApiError as exc:
        reason = exc.response.get("error")
        if reason != "users_not_found":
            # Slack unreachable or the scope missing: the owner stays unknown, and the import says so.
            log.warning("users.lookupByEmail failed for an import: %s", reason)
        return None
    except Exception as exc:  # noqa: BLE001 - Slack down must not stop the import
        log.warning("users.lookupByEmail failed for an import: %s", exc)
        return None
    if not user.get("id") or user.get("deleted") or user.get("is_bot"):
        # Someone who left the team gets no records handed to them.
        return None
    profile = user.get("profile") or {}
    name = profile.get("real_name") or user.get("real_name") or user.get("name") or user["id"]
    return {"id": user["id"], "name": name, "tz": user.get("tz")}
