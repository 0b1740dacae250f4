"""Requests shaped exactly as Slack sends them, signed as Slack signs them.

The console hands these to the Bolt app in-process, so the handlers see the same bodies and headers
they get over HTTP: form-encoded slash commands, JSON event callbacks, and ``payload=`` interactions.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

APP_ID = "ACONSOLE"
_seq = itertools.count(1)
# The bot remembers the event and trigger ids it has seen in its database (at most once per request),
# which outlives a console run: each run's ids carry a mark of their own, or a second run on the same
# database would be taken for a replay of the first and go unanswered.
_RUN = uuid.uuid4().hex[:10]


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    tz: str

    @property
    def username(self) -> str:
        return self.name.lower().replace(" ", ".")


@dataclass(frozen=True)
class Signed:
    body: str
    headers: dict[str, str]


def sign(secret: str, body: str, content_type: str, now: float | None = None) -> Signed:
    # Slack signs with its own wall clock and Bolt checks against ours, so this is real time even
    # when the console's CRM clock has been moved.
    ts = str(int(now if now is not None else time.time()))
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return Signed(
        body,
        {
            "content-type": content_type,
            "x-slack-request-timestamp": ts,
            "x-slack-signature": f"v0={digest}",
        },
    )


def _trigger() -> str:
    return f"{next(_seq)}.{int(time.time())}.{_RUN}.console"


def _ts() -> str:
    return f"{time.time():.6f}"


def slash_command(
    team_id: str, user: Person, channel_id: str, channel_name: str, text: str, response_url: str
) -> str:
    return urlencode(
        {
            "token": "console",
            "team_id": team_id,
            "team_domain": "console",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user.id,
            "user_name": user.username,
            "command": "/crm",
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": _trigger(),
        }
    )


def event(team_id: str, bot_user_id: str, inner: dict[str, Any]) -> str:
    return json.dumps(
        {
            "token": "console",
            "team_id": team_id,
            "api_app_id": APP_ID,
            "event": inner,
            "type": "event_callback",
            "event_id": f"Ev{_RUN}{next(_seq):08d}",
            "event_time": int(time.time()),
            "authorizations": [
                {"team_id": team_id, "user_id": bot_user_id, "is_bot": True, "is_enterprise_install": False}
            ],
            "is_ext_shared_channel": False,
        }
    )


def direct_message(team_id: str, bot_user_id: str, user: Person, text: str) -> str:
    ts = _ts()
    return event(
        team_id,
        bot_user_id,
        {
            "type": "message",
            "user": user.id,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "channel": dm_channel(user.id),
            "channel_type": "im",
            "team": team_id,
        },
    )


def shared_file(team_id: str, bot_user_id: str, user: Person, text: str, file: dict[str, Any]) -> str:
    """A file shared with the bot in the DM (a ``message`` of subtype ``file_share`` carrying it)."""
    ts = _ts()
    return event(
        team_id,
        bot_user_id,
        {
            "type": "message",
            "subtype": "file_share",
            "user": user.id,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "channel": dm_channel(user.id),
            "channel_type": "im",
            "team": team_id,
            "files": [file],
        },
    )


def mention(team_id: str, bot_user_id: str, user: Person, channel_id: str, text: str) -> str:
    ts = _ts()
    return event(
        team_id,
        bot_user_id,
        {
            "type": "app_mention",
            "user": user.id,
            "text": f"<@{bot_user_id}> {text}".rstrip(),
            "ts": ts,
            "event_ts": ts,
            "channel": channel_id,
            "team": team_id,
        },
    )


def home_opened(team_id: str, bot_user_id: str, user: Person) -> str:
    return event(
        team_id,
        bot_user_id,
        {
            "type": "app_home_opened",
            "user": user.id,
            "channel": dm_channel(user.id),
            "tab": "home",
            "event_ts": _ts(),
        },
    )


def dm_channel(user_id: str) -> str:
    # The same id the stand-in's conversations.open answers for this person.
    return "D" + user_id


def _user(team_id: str, user: Person) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "name": user.username, "team_id": team_id}


def block_actions(
    team_id: str,
    user: Person,
    action: dict[str, Any],
    *,
    channel_id: str | None,
    message: dict[str, Any] | None,
    message_ts: str | None,
    is_ephemeral: bool,
    response_url: str | None,
    view: dict[str, Any] | None = None,
) -> str:
    body: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": team_id, "domain": "console"},
        "user": _user(team_id, user),
        "api_app_id": APP_ID,
        "token": "console",
        "trigger_id": _trigger(),
        "actions": [{**action, "action_ts": _ts()}],
        "is_enterprise_install": False,
        "state": {"values": {}},
    }
    if view is not None:
        body["container"] = {"type": "view", "view_id": view.get("id")}
        body["view"] = view
    else:
        body["container"] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": is_ephemeral,
        }
        body["channel"] = {"id": channel_id, "name": channel_id}
        # Slack leaves the message out of payloads from ephemeral messages.
        if message is not None and not is_ephemeral:
            body["message"] = message
    if response_url:
        body["response_url"] = response_url
    return urlencode({"payload": json.dumps(body)})


def view_submission(team_id: str, user: Person, view: dict[str, Any], values: dict[str, Any]) -> str:
    submitted = {**view, "state": {"values": values}}
    body = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "console"},
        "user": _user(team_id, user),
        "api_app_id": APP_ID,
        "token": "console",
        "trigger_id": _trigger(),
        "view": submitted,
        "response_urls": [],
        "is_enterprise_install": False,
    }
    return urlencode({"payload": json.dumps(body)})


def view_closed(team_id: str, user: Person, view: dict[str, Any]) -> str:
    body = {
        "type": "view_closed",
        "team": {"id": team_id, "domain": "console"},
        "user": _user(team_id, user),
        "api_app_id": APP_ID,
        "token": "console",
        "view": view,
        "is_cleared": False,
        "is_enterprise_install": False,
    }
    return urlencode({"payload": json.dumps(body)})


def shortcut(team_id: str, user: Person, callback_id: str) -> str:
    """A global shortcut (the ⚡ menu or the search bar)."""
    body = {
        "type": "shortcut",
        "token": "console",
        "action_ts": _ts(),
        "team": {"id": team_id, "domain": "console"},
        "user": _user(team_id, user),
        "callback_id": callback_id,
        "trigger_id": _trigger(),
        "is_enterprise_install": False,
    }
    return urlencode({"payload": json.dumps(body)})


def message_action(
    team_id: str, user: Person, callback_id: str, channel: tuple[str, str], message: dict[str, Any]
) -> str:
    """A message shortcut (a message's ⋮ menu) on ``message`` in ``channel`` (id, name)."""
    body = {
        "type": "message_action",
        "token": "console",
        "action_ts": _ts(),
        "team": {"id": team_id, "domain": "console"},
        "user": _user(team_id, user),
        "channel": {"id": channel[0], "name": channel[1]},
        "callback_id": callback_id,
        "trigger_id": _trigger(),
        "message_ts": message["ts"],
        "message": {"type": "message", **message},
        "response_url": "https://hooks.slack.com/app/console",
        "is_enterprise_install": False,
    }
    return urlencode({"payload": json.dumps(body)})


def block_suggestion(
    team_id: str, user: Person, view: dict[str, Any], block_id: str, action_id: str, value: str
) -> str:
    """What a picker (``external_select``) sends as a person types into it."""
    body = {
        "type": "block_suggestion",
        "token": "console",
        "team": {"id": team_id, "domain": "console"},
        "user": _user(team_id, user),
        "api_app_id": APP_ID,
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "container": {"type": "view", "view_id": view.get("id")},
        "view": view,
    }
    return urlencode({"payload": json.dumps(body)})
