"""What the HTTP front door checks before Bolt sees a request: size, signature, shape, response_url.

Bolt checks signatures too, but only after it has parsed the body, and a timestamp that is not a number
makes its check raise instead of refuse, which hands an unverified body to the error handler. So the
front door decides first, on the raw bytes, and Bolt only ever sees requests that passed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

# Slack's own limit is five minutes. Bolt checks again a moment later with that limit; a few seconds
# less here means a request that passes this check never fails Bolt's (which logs the whole body).
MAX_AGE_SECONDS = 300 - 5
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
# Where Slack hands out response_urls: the commercial cloud (Enterprise Grid included) and GovSlack.
SLACK_RESPONSE_HOSTS = ("hooks.slack.com", "hooks.slack-gov.com")


class Refused(Exception):
    """A request the front door will not pass on: the HTTP status and a reason that quotes no body."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def check_length(content_length: str | None, limit: int) -> int:
    """The declared body length, refused when it is not a number or over ``limit``."""
    text = (content_length or "0").strip()
    if not (text.isascii() and text.isdigit()):
        raise Refused(400, "Content-Length is not a number")
    length = int(text)
    if length > limit:
        raise Refused(413, f"body of {length} bytes is over the {limit}-byte limit")
    return length


def check_signature(
    secret: str, body: bytes, timestamp: str | None, signature: str | None, now: float
) -> None:
    """Slack's v0 signature over ``v0:{timestamp}:{body}``, with a whole-second timestamp close to now."""
    if not timestamp or not signature:
        raise Refused(401, "no signature or timestamp")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise Refused(401, "timestamp is not a whole number of seconds")
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        raise Refused(401, "timestamp is more than five minutes away")
    if not _SIGNATURE.fullmatch(signature):
        raise Refused(401, "signature is not of the form v0=<hex>")
    expected = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256)
    if not hmac.compare_digest("v0=" + expected.hexdigest(), signature):
        raise Refused(401, "signature does not match")


def parse_body(body: bytes, content_type: str | None) -> dict[str, Any]:
    """The body as Bolt will read it (the same rules), refused unless it is a JSON object or a form."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None
    if not text:
        raise Refused(400, "empty body")
    try:
        # Bolt's rule (slack_bolt.request.internals.parse_body): JSON by type or a leading brace,
        # else a form whose ``payload`` field, when there is one, is JSON.
        if (content_type or "").split(";")[0].strip() == "application/json" or text.startswith("{"):
            parsed: Any = json.loads(text)
        else:
            fields = dict(parse_qsl(text, keep_blank_values=True))
            parsed = json.loads(fields["payload"]) if "payload" in text and "payload" in fields else fields
    except ValueError:
        raise Refused(400, "body is not valid JSON or form data") from None
    if not isinstance(parsed, dict) or not parsed:
        raise Refused(400, "body is not a JSON object or a form")
    return parsed


def _is(value: Any, kind: type) -> bool:
    return isinstance(value, kind) and not isinstance(value, bool)


def _strings(obj: dict[str, Any], *keys: str, required: bool = True) -> bool:
    return all(_is(obj.get(k), str) if required else obj.get(k) is None or _is(obj[k], str) for k in keys)


def _identity(body: dict[str, Any]) -> bool:
    team: Any = body.get("team")
    user: Any = body.get("user")
    return _is(team, dict) and _is(user, dict) and _strings(team, "id") and _strings(user, "id")


def _event_ok(body: dict[str, Any]) -> bool:
    event: Any = body.get("event")
    return (
        _strings(body, "team_id", "event_id")
        and _is(event, dict)
        and _strings(event, "type")
        and _strings(event, "text", "user", "channel", "ts", "subtype", "bot_id", required=False)
    )


def _actions_ok(body: dict[str, Any]) -> bool:
    actions: Any = body.get("actions")
    return (
        _identity(body)
        and _is(actions, list)
        and bool(actions)
        and all(_is(a, dict) and _strings(a, "action_id") for a in actions)
        and all(_strings(a, "value", required=False) for a in actions)
    )


def _view_ok(body: dict[str, Any]) -> bool:
    view: Any = body.get("view")
    return (
        _identity(body)
        and _is(view, dict)
        and _strings(view, "id", "type")
        and _strings(view, "callback_id", "private_metadata", required=False)
    )


def _shortcut_ok(body: dict[str, Any]) -> bool:
    return _identity(body) and _strings(body, "callback_id", "trigger_id")


def _message_action_ok(body: dict[str, Any]) -> bool:
    message: Any = body.get("message")
    channel: Any = body.get("channel")
    return (
        _shortcut_ok(body)
        and _is(message, dict)
        and _strings(message, "ts")
        and _strings(message, "text", "user", "thread_ts", required=False)
        and _is(channel, dict)
        and _strings(channel, "id")
    )


def _suggestion_ok(body: dict[str, Any]) -> bool:
    return _identity(body) and _strings(body, "action_id") and _strings(body, "value", required=False)


# The fields the bot reads from each kind of request, with their types, as Slack always sends them.
_SHAPES = {
    "shortcut": _shortcut_ok,
    "message_action": _message_action_ok,
    "block_suggestion": _suggestion_ok,
    "event_callback": _event_ok,
    "block_actions": _actions_ok,
    "view_submission": _view_ok,
    "view_closed": _view_ok,
    "url_verification": lambda body: _strings(body, "challenge"),
}


def check_shape(body: dict[str, Any]) -> None:
    """Refuse a signed request that lacks what Slack always sends for its kind (Bolt and the listeners
    index into these fields and would fail with a traceback instead of an answer)."""
    if "command" in body:
        ok = _strings(body, "command", "team_id", "user_id", "channel_id", "response_url", "text")
    else:
        kind = body.get("type")
        shape = _SHAPES.get(kind) if isinstance(kind, str) else None
        ok = shape(body) if shape is not None else _is(kind, str)
    if not ok:
        raise Refused(400, f"not the shape Slack sends for a {str(body.get('type') or 'command')[:30]!r}")


MAX_QUERY_BYTES = 2048


def check_browser_get(content_length: str | None, query: str | None) -> None:
    """The install page and the OAuth redirect are a browser's GETs, unsigned by nature: they may carry
    a short query string (code, state, error) and no body at all."""
    if (content_length or "0").strip() not in ("", "0"):
        raise Refused(400, "a GET with a body")
    if len((query or "").encode()) > MAX_QUERY_BYTES:
        raise Refused(414, f"query string over {MAX_QUERY_BYTES} bytes")


def response_urls(body: dict[str, Any]) -> Iterable[Any]:
    if "response_url" in body:
        yield body["response_url"]
    extra = body.get("response_urls")
    if isinstance(extra, list):
        for item in extra:
            yield item.get("response_url") if isinstance(item, dict) else item


def allowed_response_url(url: Any, extra_hosts: Iterable[str] = ()) -> bool:
    """Slack's own hosts over https, or a host the operator listed (host or host:port)."""
    if not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        netloc = f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        return False
    if parts.scheme == "https" and host in SLACK_RESPONSE_HOSTS and not parts.username:
        return True
    listed = {h.lower() for h in extra_hosts}
    return parts.scheme in ("http", "https") and (netloc in listed or (host in listed and not parts.port))


def check_response_urls(body: dict[str, Any], extra_hosts: Iterable[str]) -> None:
    for url in response_urls(body):
        if not allowed_response_url(url, extra_hosts):
            raise Refused(400, "response_url is not on Slack's hosts nor on one the operator listed")
