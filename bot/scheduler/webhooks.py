"""How the scheduler POSTs a webhook delivery, and how a receiver's answer is sorted into what to do next.

A delivery is signed afresh on each attempt (a new timestamp) over the same body. The sender resolves
the endpoint's host itself, refuses private and link-local addresses unless the host is allowed
(CRM_WEBHOOK_ALLOW_HOSTS), and connects to the very address it checked, so a name that later resolves
inside the network gains nothing. Redirects are not followed.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.scheduler.transport import SendError
from bot.services.errors import Invalid
from bot.services.webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    addresses,
    body_of,
    channel_of,
    check_url,
    sign,
)
from models import Delivery, User, WebhookEndpoint

if TYPE_CHECKING:
    from bot.scheduler.core import Scheduler

USER_AGENT = "crm-bot-webhooks/1"


@dataclass(frozen=True)
class HookTarget:
    endpoint_id: int
    url: str
    secret: str


class _Pinned(http.client.HTTPSConnection):
    """HTTPS to one checked address, with the certificate checked against the URL's host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedPlain(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class WebhookSender:
    """POSTs one event to one endpoint; returns the HTTP status of a 2xx answer, raises SendError."""

    def __init__(self, allow_hosts: tuple[str, ...] = (), timeout: float = 5.0) -> None:
        self.allow_hosts = allow_hosts
        self.timeout = timeout

    def send(self, target: HookTarget, event: dict[str, Any], delivery_id: str) -> int:
        try:
            url, host, port = check_url(target.url, self.allow_hosts)
            address = addresses(host, port, self.allow_hosts)[0]
        except Invalid as exc:
            if exc.code == "webhook.url.unresolvable":
                raise SendError("transient", f"cannot resolve {host!r}") from exc
            raise SendError("permanent", f"refused: {exc.code}") from exc
        body = body_of(event)
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: sign(target.secret, timestamp, body),
            TIMESTAMP_HEADER: str(timestamp),
            EVENT_HEADER: str(event.get("type", "")),
            DELIVERY_HEADER: delivery_id,
        }
        parts = urlsplit(url)
        target_path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        cls = _Pinned if url.lower().startswith("https:") else _PinnedPlain
        conn = cls(host, port, address, self.timeout)
        try:
            return self._exchange(conn, target_path, body, headers)
        finally:
            conn.close()

    def _exchange(
        self, conn: http.client.HTTPConnection, path: str, body: bytes, headers: dict[str, str]
    ) -> int:
        try:
            conn.connect()
        except (TimeoutError, OSError) as exc:
            # Never reached the receiver: nothing was delivered, so a retry is not a resend.
            raise SendError("transient", f"cannot connect: {_why(exc)}") from exc
        try:
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read(65536)
        except TimeoutError as exc:
            raise SendError("in_doubt", f"no answer within {self.timeout:g}s") from exc
        except (OSError, http.client.HTTPException) as exc:
            raise SendError("in_doubt", _why(exc)) from exc
        return _sorted(response)


def _sorted(response: http.client.HTTPResponse) -> int:
    status = response.status
    if 200 <= status < 300:
        return status
    if status == 429:
        raw = response.getheader("Retry-After") or "1"
        try:
            wait = float(raw)
        except ValueError:
            wait = 60.0
        raise SendError("rate_limited", "HTTP 429", max(wait, 1.0))
    if status >= 500 or status == 408:
        raise SendError("transient", f"HTTP {status}")
    # 3xx (not followed) and 4xx: the receiver refuses this delivery; another try will not change that.
    raise SendError("permanent", f"HTTP {status}")


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


# ---- what the endpoint's row says of its deliveries ------------------------------------------------


def succeeded(sched: Scheduler, endpoint_id: int, status: str) -> None:
    now = sched.clock.now()
    with sched.sessions.begin() as s:
        sched.relaxed(s)
        s.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(last_delivery_at=now, last_status=status, failing_since=None)
        )


def failed(sched: Scheduler, endpoint_id: int, error: str) -> bool:
    """Note the failure; an endpoint failing for ``webhook_disable_after`` with no success in between is
    turned off (True), its waiting deliveries marked failed, and the admin who added it told in a DM."""
    now = sched.clock.now()
    with sched.sessions.begin() as s:
        s.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(
                last_error=error[:2000],
                last_error_at=now,
                last_status="failed",
                failing_since=func.coalesce(WebhookEndpoint.failing_since, now),
            )
        )
        endpoint = s.get(WebhookEndpoint, endpoint_id, with_for_update=True)
        if endpoint is None or endpoint.disabled_at is not None or endpoint.failing_since is None:
            return False
        since = endpoint.failing_since
        if now - since < sched.webhook_disable_after:
            return False
        endpoint.disabled_at = now
        s.execute(
            update(Delivery)
            .where(Delivery.channel == channel_of(endpoint_id), Delivery.state == "pending")
            .values(state="failed", last_error="endpoint disabled after failing since " + since.isoformat())
        )
        for user in _admins_to_tell(s, endpoint):
            s.add(
                Delivery(
                    workspace_id=endpoint.workspace_id,
                    kind="webhook_disabled",
                    dedupe_key=f"webhook_disabled:{endpoint_id}:{user.id}:{now.isoformat()}"[:200],
                    channel=user.slack_id,
                    user_id=user.id,
                    payload={
                        "endpoint_id": endpoint_id,
                        "url": endpoint.url,
                        "since": since.isoformat(),
                        "error": error[:300],
                        "tz": user.tz,
                    },
                    state="pending",
                    attempts=0,
                    due_at=now,
                    late=False,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    return True


def _admins_to_tell(s: Session, endpoint: WebhookEndpoint) -> list[User]:
    """The admin who added it, while still an admin; else every admin of the workspace."""
    maker = s.get(User, endpoint.created_by) if endpoint.created_by else None
    if maker is not None and maker.role == "admin":
        return [maker]
    return list(
        s.scalars(select(User).where(User.workspace_id == endpoint.workspace_id, User.role == "admin"))
    )
