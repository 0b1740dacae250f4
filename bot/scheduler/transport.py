"""How the scheduler talks to Slack, and how Slack's answers are sorted into what to do next."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

# ok:false errors that another try will not fix: the message is marked failed (kept, with the error),
# never retried for ever. Anything else (500s, fatal_error, timeouts…) is retried with backoff.
PERMANENT = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "user_disabled",
        "account_inactive",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "missing_scope",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "cannot_dm_bot",
        "restricted_action",
    }
)
METADATA_EVENT = "crm_delivery"
# The error of a message whose workspace the app is no longer installed in (OAuth mode).
NOT_INSTALLED = "not_installed"


@dataclass
class SendError(Exception):
    """kind: ``rate_limited`` (wait ``retry_after`` s), ``transient`` (retry with backoff),
    ``permanent`` (give up), or ``in_doubt`` (the request may have reached Slack: check before resending)."""

    kind: str
    error: str
    retry_after: float | None = None

    def __str__(self) -> str:
        return f"{self.kind}: {self.error}"


class Transport(Protocol):
    def post(self, channel: str, text: str, blocks: list[dict[str, Any]], dedupe_key: str) -> tuple[str, str]:
        """Post a message; returns (channel id, ts). Raises SendError."""
        ...

    def upload(self, channel: str, filename: str, content: bytes, title: str) -> None:
        """Upload a file to a channel (files upload v2). Raises SendError."""
        ...

    def find(self, channel: str, dedupe_key: str, oldest: datetime) -> str | None:
        """The ts of a message we posted with this dedupe key since ``oldest``, if Slack has it."""
        ...


def _classify(exc: Exception) -> SendError:
    if isinstance(exc, SlackApiError):
        response = exc.response
        status = getattr(response, "status_code", 200)
        error = str((response.data or {}).get("error") if isinstance(response.data, dict) else "") or "error"
        if status == 429 or error == "ratelimited":
            headers = {k.lower(): v for k, v in (response.headers or {}).items()}
            raw = headers.get("retry-after")
            value = raw[0] if isinstance(raw, list) else raw
            try:
                retry_after = float(value) if value is not None else 1.0
            except ValueError:
                retry_after = 1.0
            # At least a second: a zero would have the same round retry it at once, again and again.
            return SendError("rate_limited", "ratelimited", max(retry_after, 1.0))
        if status >= 500:
            return SendError("transient", f"HTTP {status} {error}")
        if error in PERMANENT:
            return SendError("permanent", error)
        return SendError("transient", error)
    # Connection reset, timeout: the request may or may not have been acted on.
    return SendError("in_doubt", f"{type(exc).__name__}: {exc}")


class SlackTransport:
    """The Web API through a ``slack_sdk.WebClient`` (base_url may point at a test double)."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._dm: dict[str, str] = {}

    def post(self, channel: str, text: str, blocks: list[dict[str, Any]], dedupe_key: str) -> tuple[str, str]:
        try:
            response = self.client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=blocks,
                unfurl_links=False,
                # Tags the message so that, after a crash mid-send, we can tell whether it went out.
                metadata={"event_type": METADATA_EVENT, "event_payload": {"dedupe_key": dedupe_key}},
            )
        except Exception as exc:  # noqa: BLE001 - sorted into retry/give-up by _classify
            raise _classify(exc) from exc
        return str(response.get("channel") or channel), str(response.get("ts") or "")

    def upload(self, channel: str, filename: str, content: bytes, title: str) -> None:
        try:
            self.client.files_upload_v2(
                channel=channel, file=content, filename=filename, title=title, request_file_info=False
            )
        except Exception as exc:  # noqa: BLE001
            raise _classify(exc) from exc

    def find(self, channel: str, dedupe_key: str, oldest: datetime) -> str | None:
        try:
            target = channel
            if channel[:1] in ("U", "W"):
                # A DM was posted to the user id; its history lives under the IM channel id.
                if channel not in self._dm:
                    opened = self.client.conversations_open(users=channel)
                    self._dm[channel] = str((opened.get("channel") or {}).get("id") or channel)
                target = self._dm[channel]
            history = self.client.conversations_history(
                channel=target, oldest=f"{oldest.timestamp():.6f}", limit=200, include_all_metadata=True
            )
        except Exception as exc:  # noqa: BLE001 - unknown means "send again"
            log.warning("could not check %s for an earlier attempt (%s); sending again", channel, exc)
            return None
        for message in history.get("messages") or []:
            meta = message.get("metadata") or {}
            if (
                meta.get("event_type") == METADATA_EVENT
                and (meta.get("event_payload") or {}).get("dedupe_key") == dedupe_key
            ):
                return str(message.get("ts"))
        return None


class NotInstalled:
    """The transport of a workspace the app is no longer installed in: nothing can be sent there."""

    def post(self, channel: str, text: str, blocks: list[dict[str, Any]], dedupe_key: str) -> tuple[str, str]:
        raise SendError("permanent", NOT_INSTALLED)

    def upload(self, channel: str, filename: str, content: bytes, title: str) -> None:
        raise SendError("permanent", NOT_INSTALLED)

    def find(self, channel: str, dedupe_key: str, oldest: datetime) -> str | None:
        return None


class WorkspaceTransports:
    """OAuth mode: a transport per workspace, with that workspace's bot token (``tokens`` maps the CRM's
    workspace id to it), all on the one client's base URL and retry rules."""

    def __init__(self, client: WebClient | Transport, tokens: Callable[[int], str | None]) -> None:
        self.client = client if isinstance(client, WebClient) else None
        self.fixed = None if isinstance(client, WebClient) else client
        self.tokens = tokens
        self._by_token: dict[str, SlackTransport] = {}
        self._lock = threading.Lock()

    def of(self, workspace_id: int) -> Transport:
        token = self.tokens(workspace_id)
        if token is None:
            return NotInstalled()
        if self.fixed is not None:  # a test's own transport: it only sees which token was chosen
            return self.fixed
        assert self.client is not None
        with self._lock:
            found = self._by_token.get(token)
            if found is None:
                if len(self._by_token) > 1000:  # rotated tokens are never asked for again
                    self._by_token.clear()
                base = self.client
                found = SlackTransport(
                    WebClient(
                        token=token,
                        base_url=base.base_url,
                        timeout=base.timeout,
                        retry_handlers=list(base.retry_handlers),
                    )
                )
                self._by_token[token] = found
            return found
