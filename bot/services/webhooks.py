"""Webhooks: URLs an admin registers to be told when a contact, company, deal or task is created,
changed, moved to another stage, won, lost or deleted.

Events are read from what an op already records (bot/services/base.py :class:`Op`): just before an
op's transaction commits, each of its audit events about those records becomes one outbox row per
endpoint that wants it (``deliveries``, kind ``webhook``). The rows commit with the change, so a
change that rolls back never produces an event, and one that commits always does, whichever service
made it. The scheduler delivers them (bot/scheduler/webhooks.py): signed, retried, paced and isolated
per endpoint.

Signing follows Slack's scheme: ``X-CRM-Signature: v0=hex(HMAC-SHA256(secret, "v0:" + timestamp +
":" + body))`` with the timestamp in ``X-CRM-Request-Timestamp``; the README shows a receiver.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.event import listen
from sqlalchemy.orm import Session, sessionmaker

from bot.services import policy
from bot.services.base import AUDITED, Actor, Op, Service, current_op, snapshot, to_json
from bot.services.errors import Conflict, Invalid, NotFound
from bot.services.retrying import units
from bot.services.tenancy import scoped
from models import AuditEvent, Delivery, PipelineStage, WebhookEndpoint, Workspace

# What an endpoint can ask for, and the records whose events it is sent.
EVENTS = ("created", "updated", "stage_changed", "won", "lost", "deleted")
RECORDS = ("contact", "company", "deal", "task")
# A stage change is an update too: an endpoint that asked for "updated" gets it under its own name.
UPDATES = frozenset({"stage_changed", "won", "lost"})
SIGNATURE_HEADER = "X-CRM-Signature"
TIMESTAMP_HEADER = "X-CRM-Request-Timestamp"
EVENT_HEADER = "X-CRM-Event"
DELIVERY_HEADER = "X-CRM-Delivery"
KIND = "webhook"
CHANNEL_PREFIX = "webhook:"
MAX_URL = 2000
_TRACKED = "_crm_webhooks_tracked"


@dataclass(frozen=True)
class WebhookView:
    id: int
    url: str
    events: tuple[str, ...]
    created_at: datetime
    disabled_at: datetime | None
    last_delivery_at: datetime | None
    last_status: str | None
    last_error: str | None
    last_error_at: datetime | None
    failing_since: datetime | None


@dataclass(frozen=True)
class WebhookWritten:
    op_id: str
    webhook: WebhookView
    # Only when it was just made: shown once, never again.
    secret: str | None = None


def _view(e: WebhookEndpoint) -> WebhookView:
    return WebhookView(
        e.id,
        e.url,
        tuple(e.events),
        e.created_at,
        e.disabled_at,
        e.last_delivery_at,
        e.last_status,
        e.last_error,
        e.last_error_at,
        e.failing_since,
    )


# ---- signing ---------------------------------------------------------------------------------------


def body_of(event: dict[str, Any]) -> bytes:
    """The bytes sent for an event: the same on every attempt, so a retry is byte-for-byte a resend."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def channel_of(endpoint_id: int) -> str:
    return f"{CHANNEL_PREFIX}{endpoint_id}"


def endpoint_of(channel: str) -> int | None:
    tail = channel[len(CHANNEL_PREFIX) :] if channel.startswith(CHANNEL_PREFIX) else ""
    return int(tail) if tail.isdigit() else None


# ---- where a delivery may go -----------------------------------------------------------------------


def _allowed(host: str, port: int, allow_hosts: Iterable[str]) -> bool:
    allow = {h.lower() for h in allow_hosts}
    return host.lower() in allow or f"{host.lower()}:{port}" in allow


def check_url(url: str, allow_hosts: Iterable[str] = ()) -> tuple[str, str, int]:
    """``(url, host, port)`` for a URL a delivery may go to: https (plain http only to a host in the
    allow-list, CRM_WEBHOOK_ALLOW_HOSTS), no credentials in it. Raises :class:`Invalid`."""
    text = url.strip()
    if text.startswith("<") and text.endswith(">"):
        # Slack escapes a link in a command as <https://…> or <https://…|label>, and & as &amp;.
        text = text[1:-1].split("|", 1)[0]
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    if len(text) > MAX_URL:
        raise Invalid("webhook.url.long", field="url", length=len(text), limit=MAX_URL)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise Invalid("webhook.url.invalid", field="url", value=text[:200]) from None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise Invalid("webhook.url.invalid", field="url", value=text[:200])
    port = port or (443 if parts.scheme == "https" else 80)
    if parts.scheme == "http" and not _allowed(host, port, allow_hosts):
        raise Invalid("webhook.url.https", field="url", value=text[:200])
    return text, host, port


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    mapped = getattr(ip, "ipv4_mapped", None)
    ip = mapped or ip
    return not ip.is_global or ip.is_multicast


def addresses(host: str, port: int, allow_hosts: Iterable[str] = ()) -> list[str]:
    """The addresses ``host`` resolves to, every one public unless the host is allowed (a private,
    loopback or link-local address is how a webhook reaches inside the network: SSRF). The sender
    connects to these very addresses, so a name that resolves differently later gains nothing."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise Invalid("webhook.url.unresolvable", field="url", host=host) from None
    resolved = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not _allowed(host, port, allow_hosts) and any(_private(a) for a in resolved):
        raise Invalid("webhook.url.private", field="url", host=host)
    return resolved


def parse_events(words: Iterable[str]) -> tuple[str, ...]:
    """``created,updated`` (commas or spaces; ``stage`` for stage_changed; ``all``) → the event names."""
    chosen: list[str] = []
    for raw in words:
        for word in raw.replace(",", " ").split():
            w = word.strip().lower().replace("-", "_")
            if w in ("all", "*"):
                return EVENTS
            w = {"stage": "stage_changed", "moved": "stage_changed", "create": "created"}.get(w, w)
            w = {"update": "updated", "delete": "deleted", "removed": "deleted"}.get(w, w)
            if w not in EVENTS:
                raise Invalid("webhook.events.invalid", field="events", value=word, known=", ".join(EVENTS))
            if w not in chosen:
                chosen.append(w)
    return tuple(chosen) or EVENTS


def wants(events: Iterable[str], name: str) -> bool:
    chosen = set(events)
    return name in chosen or (name in UPDATES and "updated" in chosen)


# ---- the service -----------------------------------------------------------------------------------


# Each public method is one unit: run again whole on a deadlock (bot/services/retrying.py).
@units
class Webhooks(Service):
    """Adding, listing, removing, re-enabling and testing endpoints: admins only, each change one
    audited, undoable op. ``allow_hosts``: CRM_WEBHOOK_ALLOW_HOSTS."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        allow_hosts: Iterable[str] = (),
    ) -> None:
        super().__init__(sessions, clock)
        self.allow_hosts = tuple(allow_hosts)
        track(sessions)

    def add(self, actor: Actor, url: str, events: Iterable[str] = ()) -> WebhookWritten:
        with self.op(actor) as op:
            policy.require(op.session, actor, "webhooks")
            text, host, port = check_url(url, self.allow_hosts)
            chosen = parse_events(events)
            addresses(host, port, self.allow_hosts)
            live = op.session.scalars(
                select(WebhookEndpoint).where(
                    WebhookEndpoint.url == text, WebhookEndpoint.removed_at.is_(None)
                )
            ).first()
            if live is not None:
                raise Conflict("webhook.exists", id=live.id, url=text)
            secret = "whsec_" + secrets.token_hex(24)
            endpoint = WebhookEndpoint(
                workspace_id=actor.workspace_id,
                url=text,
                events=list(chosen),
                secret=secret,
                created_by=actor.user_id,
                created_at=self.now(),
            )
            op.session.add(endpoint)
            op.session.flush()
            return WebhookWritten(op.id, _view(endpoint), secret)

    def list(self, actor: Actor) -> list[WebhookView]:
        with self.read(actor) as s:
            policy.require(s, actor, "webhooks")
            rows = s.scalars(
                select(WebhookEndpoint)
                .where(WebhookEndpoint.removed_at.is_(None))
                .order_by(WebhookEndpoint.id)
            )
            return [_view(e) for e in rows]

    def _live(self, op: Op, endpoint_id: int) -> WebhookEndpoint:
        policy.require(op.session, op.actor, "webhooks")
        endpoint = op.session.get(WebhookEndpoint, endpoint_id, with_for_update=True)
        if endpoint is None or endpoint.removed_at is not None:
            raise NotFound("webhook.not_found", kind="webhook", ref=str(endpoint_id))
        return endpoint

    def remove(self, actor: Actor, endpoint_id: int) -> WebhookWritten:
        with self.op(actor) as op:
            endpoint = self._live(op, endpoint_id)
            endpoint.removed_at = self.now()
            op.session.flush()
            return WebhookWritten(op.id, _view(endpoint))

    def enable(self, actor: Actor, endpoint_id: int) -> WebhookWritten:
        """Turn an endpoint the bot disabled back on; its failure count starts again."""
        with self.op(actor) as op:
            endpoint = self._live(op, endpoint_id)
            if endpoint.disabled_at is None:
                raise Conflict("webhook.enabled", id=endpoint_id)
            endpoint.disabled_at = None
            endpoint.failing_since = None
            op.session.flush()
            return WebhookWritten(op.id, _view(endpoint))

    def test(self, actor: Actor, endpoint_id: int) -> str:
        """Queue a signed ``webhook.test`` event for the endpoint; returns its delivery id. Nothing of
        the CRM's changes, so nothing to audit or undo."""
        with self.sessions.begin() as s:
            scoped(s, actor.workspace_id)
            policy.require(s, actor, "webhooks")
            endpoint = s.get(WebhookEndpoint, endpoint_id)
            if endpoint is None or endpoint.removed_at is not None:
                raise NotFound("webhook.not_found", kind="webhook", ref=str(endpoint_id))
            if endpoint.disabled_at is not None:
                raise Conflict("webhook.disabled", id=endpoint_id)
            now = self.now()
            event = {
                "id": f"evt_test_{uuid.uuid4().hex[:16]}",
                "type": "webhook.test",
                "event": "test",
                "occurred_at": now.isoformat(),
                "workspace": _workspace(s, actor.workspace_id),
                "actor": {"slack_id": actor.slack_id, "name": actor.name},
                "record": None,
                "changes": {},
                "undo": False,
            }
            row = _delivery(endpoint, event, now)
            s.add(row)
            return row.dedupe_key


# ---- events, written with the change ---------------------------------------------------------------


def track(sessions: sessionmaker[Session]) -> None:
    """Turn every op's audit events into webhook deliveries in its own transaction (once per factory)."""
    if not getattr(sessions, _TRACKED, False):
        listen(sessions, "before_commit", _before_commit)
        setattr(sessions, _TRACKED, True)


def _before_commit(session: Session) -> None:
    op = current_op(session)
    if op is None:
        return
    # Settle the op: the last flush's changes become events, and the events get their ids.
    session.flush()
    session.flush()
    if not any(e.record_type in RECORDS for e in op.events) and not op.has_bulk_events:
        return
    endpoints = list(
        session.scalars(
            select(WebhookEndpoint).where(
                WebhookEndpoint.workspace_id == op.actor.workspace_id,
                WebhookEndpoint.removed_at.is_(None),
                WebhookEndpoint.disabled_at.is_(None),
            )
        )
    )
    if not endpoints:
        return
    events = [e for e in op.all_events() if e.record_type in RECORDS]
    workspace = _workspace(session, op.actor.workspace_id)
    now = op.clock()
    for audit in events:
        name = event_name(session, audit)
        wanting = [e for e in endpoints if wants(e.events, name)]
        if not wanting:
            continue
        event = _payload(session, op, audit, name, workspace)
        for endpoint in wanting:
            session.add(_delivery(endpoint, event, now))


def event_name(s: Session, audit: AuditEvent) -> str:
    if audit.before is None:
        return "created"
    if audit.after is None:
        return "deleted"
    if audit.record_type == "deal" and "stage_id" in audit.after:
        stage = s.get(PipelineStage, audit.after["stage_id"])
        if stage is not None and stage.is_closed:
            return "won" if stage.is_won else "lost"
        return "stage_changed"
    return "updated"


def _workspace(s: Session, workspace_id: int) -> dict[str, Any]:
    ws = s.get(Workspace, workspace_id)
    return {"team_id": ws.team_id if ws else None, "name": ws.name if ws else None}


def _payload(s: Session, op: Op, audit: AuditEvent, name: str, workspace: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any]
    if audit.after is None:
        record = dict(audit.before or {})
    else:
        obj = s.get(AUDITED[audit.record_type], audit.record_id)
        record = snapshot(obj) if obj is not None else dict(audit.after)
    if audit.record_type == "deal" and record.get("stage_id") is not None:
        stage = s.get(PipelineStage, record["stage_id"])
        record["stage"] = stage.key if stage is not None else None
    changes = {}
    if audit.before is not None and audit.after is not None:
        changes = {k: {"from": audit.before.get(k), "to": v} for k, v in audit.after.items()}
    return {
        "id": f"evt_{audit.id}",
        "type": f"{audit.record_type}.{name}",
        "event": name,
        "occurred_at": to_json(audit.at),
        "workspace": workspace,
        "actor": {"slack_id": op.actor.slack_id, "name": op.actor.name},
        "record": {"type": audit.record_type, "id": audit.record_id, **record},
        "changes": changes,
        "undo": op.undo,
        "op_id": op.id,
    }


def _delivery(endpoint: WebhookEndpoint, event: dict[str, Any], now: datetime) -> Delivery:
    return Delivery(
        workspace_id=endpoint.workspace_id,
        kind=KIND,
        # One row per endpoint per event: a second insert of the same pair fails rather than sends twice.
        dedupe_key=f"{CHANNEL_PREFIX}{endpoint.id}:{event['id']}"[:200],
        channel=channel_of(endpoint.id),
        user_id=None,
        payload={"endpoint_id": endpoint.id, "event": event},
        state="pending",
        attempts=0,
        due_at=now,
        late=False,
        next_attempt_at=now,
        created_at=now,
    )
