"""The scheduler: plans what is due into the ``deliveries`` outbox, then delivers the outbox to Slack.

Exactly once, and the one window where it cannot be guaranteed
------------------------------------------------------------------
* Planning marks the source as handled (task ``reminder_state='sent'``, deal ``stale_alerted_at``,
  subscription ``next_run_at``) in the transaction that inserts the delivery, and the delivery's
  ``dedupe_key`` is unique: a message is planned once, even by two schedulers at the same instant.
* Delivering claims rows with ``FOR UPDATE SKIP LOCKED`` and stamps them ``sending`` with a lease
  (``claimed_by``/``claimed_until``), committed before any HTTP call: two schedulers never hold the same
  row. A row is marked ``sent`` (guarded by ``claimed_by``) in its own transaction right after Slack
  answers, and a claimer never starts a send once its lease is nearly over.
* The window: Slack accepted the post, then the process died before ``sent`` was committed. Slack has no
  idempotency key for ``chat.postMessage``, so the next claimer (after the lease runs out) treats the
  row as *in doubt*: every message carries its dedupe key in message metadata, and before sending again
  we look for it in the channel's recent history (``conversations.history``). Found: marked sent, not
  posted again. History unreadable (missing scope, error): we send again. That is the deliberate
  choice: a rare duplicate after a crash is better than a reminder silently lost. Connection errors
  and timeouts (the request may have arrived) take the same in-doubt path.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import and_, bindparam, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, SystemClock
from bot.db import is_unavailable
from bot.proactive import registry
from bot.proactive.planner import Planner, PlanStats
from bot.scheduler import lease, webhooks
from bot.scheduler.lease import SchedulerBusy
from bot.scheduler.transport import NOT_INSTALLED, SendError, SlackTransport, Transport, WorkspaceTransports
from bot.scheduler.webhooks import HookTarget, WebhookSender
from bot.services import installs
from bot.services.webhooks import CHANNEL_PREFIX, endpoint_of
from models import Delivery, SchedulerHeartbeat, WebhookEndpoint

log = logging.getLogger("bot.scheduler")
PURGE_EVERY = timedelta(hours=1)


@dataclass
class TickStats:
    planned: PlanStats = field(default_factory=PlanStats)
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    # In-doubt rows found already posted (after a crash), so not posted again.
    recovered: int = 0

    def add(self, other: TickStats) -> None:
        for name in ("sent", "retried", "failed", "cancelled", "recovered"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Claimed:
    id: int
    kind: str
    channel: str
    dedupe_key: str
    payload: dict[str, Any]
    late: bool
    attempts: int
    lease_until: datetime
    in_doubt: bool
    since: datetime
    posted_ts: str | None
    workspace_id: int = 0
    # A webhook delivery: where it goes and the secret it is signed with (never stored in the row).
    target: HookTarget | None = None
    created_at: datetime | None = None


class Scheduler:
    """Plans and delivers proactive messages. ``tick()`` does one round at ``clock.now()``; with a
    ManualClock a test or the console moves time and calls ``tick()``, nothing waits for real.

    Several schedulers may share a PostgreSQL database. On SQLite, ``start()`` takes the one scheduler
    lease and raises :class:`bot.scheduler.lease.SchedulerBusy` if another process holds it."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        client: WebClient | Transport,
        clock: Clock | None = None,
        *,
        name: str | None = None,
        pace_seconds: float = 1.0,
        workers: int = 4,
        batch: int = 200,
        lease_seconds: float = 300.0,
        backoff_base: float = 30.0,
        backoff_max: float = 3600.0,
        max_attempts: int = 25,
        heartbeat_seconds: float = 5.0,
        recovery_seconds: float = 30.0,
        single: bool | None = None,
        tokens: Callable[[int], str | None] | None = None,
        retention_days: int | None = None,
        still_installed: Callable[[installs.WorkspaceState], bool] | None = None,
        webhooks: WebhookSender | None = None,
        webhook_pace: float = 0.1,
        webhook_disable_after: timedelta = timedelta(days=3),
    ) -> None:
        self.sessions = sessions
        self.transport: Transport = SlackTransport(client) if isinstance(client, WebClient) else client
        # OAuth mode: each message goes out with the token of its workspace (``tokens`` maps the CRM's
        # workspace id to it, None when the app is no longer installed there).
        self.transports = WorkspaceTransports(client, tokens) if tokens is not None else None
        # Days an uninstalled workspace's data is kept; None: never purged by this scheduler.
        self.retention_days = retention_days
        # Asked before a purge, a workspace → whether Slack still lets the bot in there: an app
        # installed again without the install page (the single-token setup) keeps its data.
        self.still_installed = still_installed
        self._purged_at: datetime | None = None
        self.clock = clock or SystemClock()
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self) % 100000}"
        self.pace_seconds = pace_seconds
        self.workers = max(1, workers)
        self.batch = batch
        self.lease = timedelta(seconds=lease_seconds)
        # Never start a send this close to the end of our claim: a peer may take the row over after it.
        self.margin = min(timedelta(seconds=60), self.lease / 5)
        self.heartbeat_seconds = heartbeat_seconds
        # A claimer silent for this long is taken for dead: its rows go to whoever claims next.
        self.recovery = timedelta(seconds=recovery_seconds)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_attempts = max_attempts
        bind = sessions.kw.get("bind")
        self.single = (
            single if single is not None else bool(bind is not None and bind.dialect.name == "sqlite")
        )
        self.planner = Planner(sessions)
        self.hook_sender = webhooks or WebhookSender()
        # Seconds between two deliveries to one endpoint (Slack's channels keep pace_seconds).
        self.webhook_pace = webhook_pace
        # An endpoint failing for this long without one success is turned off and its admin told.
        self.webhook_disable_after = webhook_disable_after
        # The last beat that reached the database: clock time (what peers compare), and monotonic time
        # (how long we have really been cut off, whatever a test does to the clock).
        self.last_beat_at: datetime | None = None
        self._beat_mono = float("-inf")
        self._lease_lost = False
        # When each channel was last posted to (monotonic seconds), so pacing holds across rounds.
        self._last_post: dict[str, float] = {}
        # Channels Slack answered 429 for, and until when (clock time). A hold covers every later post to
        # the channel in this process, including rows planned after the 429, not only those queued with it.
        self._holds: dict[str, datetime] = {}
        self._holds_lock = threading.Lock()
        self.started = False
        self._lock = threading.Lock()

    # ---- lifecycle -----------------------------------------------------------------------------

    def start(self) -> Scheduler:
        if self.single:
            lease.acquire(self.sessions, self.name, self.clock.now(), self._lease_ttl)
            self._lease_lost = False
        self.started = True
        return self

    def stop(self) -> None:
        if self.started and self.single:
            lease.release(self.sessions, self.name)
        self.started = False

    @property
    def _lease_ttl(self) -> timedelta:
        # Renewed with every heartbeat, so a restarted scheduler can take over a crashed one's SQLite
        # database as soon as its rows become recoverable.
        return self.recovery

    # ---- heartbeat -----------------------------------------------------------------------------

    def beat(self) -> None:
        """Tell peers we are alive (and, on SQLite, keep the one scheduler lease). The runner calls it
        between rounds; during a round a thread does, so slow sends never look like a crash."""
        now = self.clock.now()
        with self.sessions.begin() as s:
            self._write_beat(s, now)
        if self.single:
            try:
                lease.acquire(self.sessions, self.name, now, self._lease_ttl)
            except SchedulerBusy:
                self._lease_lost = True
                raise
        self._beat_done(now)

    def _write_beat(self, s: Session, now: datetime) -> None:
        # An upsert: the heartbeat thread and a claim may both write the first beat at once.
        dialect = s.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = insert(SchedulerHeartbeat).values(holder=self.name, beat_at=now)
        s.execute(stmt.on_conflict_do_update(index_elements=["holder"], set_={"beat_at": now}))

    def _beat_done(self, now: datetime) -> None:
        self.last_beat_at = now
        self._beat_mono = time.monotonic()

    def _alive(self) -> bool:
        """Whether peers still see us alive for long enough to finish a send we start now: after half the
        recovery window without a beat getting through, we start no more sends (a peer may take the
        rows over at the end of the window, and checks Slack's history before resending)."""
        if self._lease_lost:
            return False
        return time.monotonic() - self._beat_mono < self.recovery.total_seconds() / 2

    # ---- one round -----------------------------------------------------------------------------

    def tick(self, *, max_rounds: int = 1000) -> TickStats:
        """Plan everything due now, then deliver every outbox row that is ready now."""
        with self._lock:
            if not self.started:
                self.start()
            elif self.single:
                lease.acquire(self.sessions, self.name, self.clock.now(), self._lease_ttl)
            self._lease_lost = False
            self._purge_now_and_then()
            stats = TickStats(planned=self.planner.plan(self.clock.now()))
            with _Beating(self):
                for _ in range(max_rounds):
                    claimed = self._claim(self.clock.now(), stats)
                    if not claimed:
                        break
                    self._dispatch(claimed, stats)
                    if self.single:
                        # A long round (a big backlog, paced) must not let the lease lapse under us.
                        lease.acquire(self.sessions, self.name, self.clock.now(), self._lease_ttl)
            return stats

    run_once = tick

    def _purge_now_and_then(self) -> None:
        """Once an hour: the data of workspaces uninstalled longer ago than the retention period goes."""
        now = self.clock.now()
        if self.retention_days is None or (self._purged_at and now - self._purged_at < PURGE_EVERY):
            return
        self._purged_at = now
        installs.forget_expired_states(self.sessions, now)
        for ws in installs.due_for_purge(self.sessions, now, self.retention_days):
            if self.still_installed is not None and self.still_installed(ws):
                log.info("workspace %s was installed again: its data is kept", ws.team_id)
                installs.installed(self.sessions, team_id=ws.team_id, enterprise_id=ws.enterprise_id)
                continue
            purged = installs.purge(self.sessions, ws.team_id)
            log.info(
                "purged workspace %s (%d rows): uninstalled more than %d days ago",
                ws.team_id,
                purged.rows,
                self.retention_days,
            )

    def plan(self) -> PlanStats:
        return self.planner.plan(self.clock.now())

    # ---- claiming ------------------------------------------------------------------------------

    def _claim(self, now: datetime, stats: TickStats) -> list[Claimed]:
        with self.sessions.begin() as s:
            ids = list(
                s.scalars(
                    select(Delivery.id)
                    .where(
                        or_(
                            and_(Delivery.state == "pending", Delivery.next_attempt_at <= now),
                            and_(
                                Delivery.state == "sending",
                                or_(
                                    # A claimer that died mid-send: its lease ran out, …
                                    Delivery.claimed_until < now,
                                    # … or, sooner, it stopped beating. A claimer with no heartbeat
                                    # row at all (an older version) keeps its rows for the lease.
                                    Delivery.claimed_by.in_(
                                        select(SchedulerHeartbeat.holder).where(
                                            SchedulerHeartbeat.beat_at < now - self.recovery
                                        )
                                    ),
                                ),
                            ),
                        )
                    )
                    .where(*self._not_held())
                    .order_by(Delivery.next_attempt_at, Delivery.id)
                    .limit(self.batch)
                    .with_for_update(skip_locked=True, of=Delivery)
                )
            )
            # Our claims are only as good as our heartbeat: refresh it in the claiming transaction, so
            # no peer ever sees rows we just claimed next to a stale beat.
            self._write_beat(s, now)
            if not ids:
                return []
            rows = list(s.scalars(select(Delivery).where(Delivery.id.in_(ids)).order_by(Delivery.id)))
            sources = registry.preload(s, rows)  # noqa: F841 - held so the checks below hit the identity map
            hooks = _endpoints(s, rows)
            claimed: list[Claimed] = []
            until = now + self.lease
            for d in rows:
                in_doubt = d.state == "sending" or bool(d.payload.get("_verify"))
                previous_claim = (d.claimed_until - self.lease) if d.claimed_until else d.created_at
                target, gone = _hook_target(d, hooks)
                payload = None if gone else registry.still_due(s, d, now)
                if payload is None:
                    d.state = "failed" if gone == "disabled" else "cancelled"
                    d.last_error = f"endpoint {gone}" if gone else d.last_error
                    d.claimed_by = None
                    d.claimed_until = None
                    stats.cancelled += 1
                    continue
                d.state = "sending"
                d.claimed_by = self.name
                d.claimed_until = until
                d.attempts += 1
                claimed.append(
                    Claimed(
                        d.id,
                        d.kind,
                        d.channel,
                        d.dedupe_key,
                        payload,
                        d.late,
                        d.attempts,
                        until,
                        in_doubt,
                        min(previous_claim, d.created_at) - timedelta(minutes=1),
                        d.slack_ts,
                        d.workspace_id,
                        target,
                        d.created_at,
                    )
                )
        self._beat_done(now)
        return claimed

    # ---- dispatching ---------------------------------------------------------------------------

    def _dispatch(self, claimed: list[Claimed], stats: TickStats) -> None:
        claimed = self._skip_held(claimed, stats)
        if not claimed:
            return
        pacer = _Pacer(claimed, self.pace_seconds, self._last_post, self._pace_for)
        results: list[TickStats] = []
        lock = threading.Lock()
        self._sent = _SentLog(self)
        errors: list[BaseException] = []

        def work() -> None:
            local = TickStats()
            try:
                send(local)
            except BaseException as exc:  # noqa: BLE001 - re-raised by the round once every sender stopped
                errors.append(exc)
            with lock:
                results.append(local)

        def send(local: TickStats) -> None:
            while True:
                job = pacer.next()
                if job is None:
                    break
                outcome: str | None = None
                retry_after: float | None = None
                try:
                    outcome, retry_after = self._deliver(job, local)
                finally:
                    # Even when recording the outcome failed (the database went away): the other senders
                    # wait on this count and would otherwise wait for ever. The row stays claimed, and is
                    # taken up again, in doubt, once its lease runs out.
                    pacer.done(job.channel, blocked=outcome in ("rate_limited", "blocked"))
                if outcome in ("rate_limited", "blocked"):
                    # Slack asked this channel to wait, or a webhook endpoint is failing: the rest of
                    # its queue waits too, others go on.
                    rest = pacer.drain(job.channel)
                    # Never tried: they keep their tries (and short backoff) for real failures.
                    self._release_untried(
                        rest,
                        retry_after or 1.0,
                        "waiting out a rate limit on this channel"
                        if outcome == "rate_limited"
                        else "waiting: the endpoint's last delivery failed",
                    )
                    local.retried += len(rest)

        n = min(self.workers, pacer.channels)
        if n <= 1:
            work()
        else:
            threads = [threading.Thread(target=work, name=f"scheduler-send-{i}") for i in range(n)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        self._sent.flush()
        for r in results:
            stats.add(r)
        if errors:
            raise errors[0]

    def _deliver(self, c: Claimed, stats: TickStats) -> tuple[str, float | None]:
        now = self.clock.now()
        if now >= c.lease_until - self.margin:
            self._release(c, 0.0, "claim ran out before its turn", count_attempt=False)
            stats.retried += 1
            return "released", None
        if not self._alive():
            self._release(c, 0.0, "our heartbeat did not reach the database", count_attempt=False)
            stats.retried += 1
            return "released", None
        if c.target is not None:
            return self._deliver_hook(c, c.target, stats)
        found_kind = registry.find(c.kind)
        # A kind with files after its message is delivered in two recorded steps: once the message is
        # posted (or found posted), only the files are left to send.
        uploads = found_kind.uploads if found_kind is not None else None
        posting = posted = False
        try:
            transport = self._transport(c)
            if c.in_doubt and c.posted_ts is None:
                found = transport.find(c.channel, c.dedupe_key, c.since)
                if found:
                    log.info("delivery %s was already posted before a crash; not posting again", c.id)
                    if uploads is not None:
                        c.posted_ts = found
                    else:
                        self._mark_sent(c, found)
                        stats.recovered += 1
                        return "recovered", None
            text, blocks = registry.render(c.kind, c.payload, late=c.late, now=now)
            ts = c.posted_ts
            if ts is None:
                posting = True
                _, ts = transport.post(c.channel, text, blocks, c.dedupe_key)
                posting = False
                posted = True
            if uploads is not None:
                if c.posted_ts is None:
                    self._record_post(c, ts)
                    c.posted_ts = ts
                for upload in uploads(c.payload):
                    transport.upload(c.channel, upload.filename, upload.content, upload.title)
            self._mark_sent(c, ts)
            stats.sent += 1
            return "sent", None
        except SendError as err:
            return self._failed(c, err, stats)
        except Exception as exc:  # noqa: BLE001 - one bad message must not stop the others
            if is_unavailable(exc):
                # Nothing can be recorded now: the round ends and the runner reports the outage once.
                # The row stays claimed and is taken up, in doubt, when its claim lapses.
                raise
            log.exception("delivery %s (%s) failed unexpectedly", c.id, c.kind)
            # Failing inside the post itself, we cannot know whether Slack got it; failing after it
            # (recording it), Slack has it: either way, check before resending.
            kind = "in_doubt" if posting or posted else "transient"
            return self._failed(c, SendError(kind, f"{type(exc).__name__}: {exc}"), stats)

    def _transport(self, c: Claimed) -> Transport:
        if self.transports is None:
            return self.transport
        return self.transports.of(c.workspace_id)

    def _skip_held(self, claimed: list[Claimed], stats: TickStats) -> list[Claimed]:
        """Send rows for channels still under a Retry-After (or a failing webhook endpoint's backoff)
        back to wait for its end, untried."""
        holds = self._current_holds()
        if not holds:
            return claimed
        ready: list[Claimed] = []
        waiting: dict[str, list[Claimed]] = {}
        for c in claimed:
            if c.channel in holds:
                waiting.setdefault(c.channel, []).append(c)
            else:
                ready.append(c)
        now = self.clock.now()
        for channel, rows in waiting.items():
            self._release_untried(
                rows, (holds[channel] - now).total_seconds(), "waiting out a hold on this channel"
            )
            stats.retried += len(rows)
        return ready

    def _current_holds(self) -> dict[str, datetime]:
        now = self.clock.now()
        with self._holds_lock:
            for channel in [ch for ch, until in self._holds.items() if until <= now]:
                del self._holds[channel]
            return dict(self._holds)

    def _release_untried(self, rows: list[Claimed], delay: float, error: str) -> None:
        """Put claimed rows that were never tried back to wait, in one statement, keeping their tries."""
        if not rows:
            return
        with self.sessions.begin() as s:
            self.relaxed(s)
            s.execute(
                update(Delivery)
                .where(
                    Delivery.id.in_([c.id for c in rows]),
                    Delivery.claimed_by == self.name,
                    Delivery.state == "sending",
                )
                .values(
                    state="pending",
                    next_attempt_at=self.clock.now() + timedelta(seconds=delay),
                    last_error=error,
                    attempts=Delivery.attempts - 1,
                    claimed_by=None,
                    claimed_until=None,
                )
            )

    def _hold(self, channel: str, seconds: float) -> None:
        until = self.clock.now() + timedelta(seconds=seconds)
        with self._holds_lock:
            if channel not in self._holds or until > self._holds[channel]:
                self._holds[channel] = until

    def _failed(self, c: Claimed, err: SendError, stats: TickStats) -> tuple[str, float | None]:
        if err.kind == "rate_limited":
            self._hold(c.channel, err.retry_after or 1.0)
            self._release(c, err.retry_after or 1.0, str(err), count_attempt=False)
            stats.retried += 1
            return "rate_limited", err.retry_after
        if err.error == NOT_INSTALLED:
            # Expected for the retention period after an uninstall: kept as failed, said quietly.
            log.info("delivery %s to %s not sent: the app is not installed in its workspace", c.id, c.channel)
            self._finish(c, state="failed", last_error=str(err))
            stats.failed += 1
            return "failed", None
        if err.kind == "permanent" or self._gave_up(c):
            log.error(
                "delivery %s to %s failed for good after %s attempts: %s", c.id, c.channel, c.attempts, err
            )
            self._finish(c, state="failed", last_error=str(err))
            stats.failed += 1
            return "failed", None
        delay = self._backoff(c)
        log.warning("delivery %s to %s: %s; retrying in %.0fs", c.id, c.channel, err, delay)
        self._release(c, delay, str(err), verify=err.kind == "in_doubt")
        stats.retried += 1
        return "retry", None

    def _not_held(self) -> list[Any]:
        """Leave failing webhook endpoints' rows out of the claim while their backoff lasts, so they
        never crowd a batch (Slack channels under a Retry-After are few and released as before)."""
        held = [ch for ch in self._current_holds() if ch.startswith(CHANNEL_PREFIX)]
        return [Delivery.channel.notin_(held[:500])] if held else []

    def _backoff(self, c: Claimed) -> float:
        return float(min(self.backoff_base * 2 ** (c.attempts - 1), self.backoff_max))

    def _gave_up(self, c: Claimed) -> bool:
        if c.target is None or c.created_at is None:
            return c.attempts >= self.max_attempts
        # A webhook event is tried until its endpoint is turned off for failing (the endpoint's clock
        # starts at its first failure, so the event's own limit is longer); an event one working
        # endpoint keeps refusing gives up at twice that age.
        return self.clock.now() - c.created_at >= 2 * self.webhook_disable_after

    def _pace_for(self, channel: str) -> float:
        return self.webhook_pace if channel.startswith(CHANNEL_PREFIX) else self.pace_seconds

    # ---- webhooks ------------------------------------------------------------------------------

    def _deliver_hook(self, c: Claimed, target: HookTarget, stats: TickStats) -> tuple[str, float | None]:
        """POST one event. A failure holds the endpoint's other deliveries back with this one (for its
        backoff), so a dead endpoint costs one timeout per backoff, never a queue of them, and no
        other endpoint waits on it."""
        try:
            status = self.hook_sender.send(target, c.payload.get("event") or {}, c.dedupe_key)
        except SendError as err:
            if webhooks.failed(self, target.endpoint_id, str(err)):
                # Turned off just now: this event goes with the others it held back.
                self._finish(c, state="failed", last_error=f"endpoint disabled; last error: {err}"[:2000])
                stats.failed += 1
                return "failed", None
            outcome, after = self._failed(c, err, stats)
            if outcome == "retry":
                delay = self._backoff(c)
                self._hold(c.channel, delay)
                return "blocked", delay
            return outcome, after
        self._mark_sent(c, f"HTTP {status}")
        webhooks.succeeded(self, target.endpoint_id, f"HTTP {status}")
        stats.sent += 1
        return "sent", None

    # ---- bookkeeping ---------------------------------------------------------------------------

    def _guarded(self, c: Claimed) -> Any:
        return update(Delivery).where(
            Delivery.id == c.id, Delivery.claimed_by == self.name, Delivery.state == "sending"
        )

    def _mark_sent(self, c: Claimed, ts: str) -> None:
        self._sent.add(c, ts, self.clock.now())

    def _record_post(self, c: Claimed, ts: str) -> None:
        with self.sessions.begin() as s:
            self.relaxed(s)
            s.execute(self._guarded(c).values(slack_ts=ts))

    def relaxed(self, s: Session) -> None:
        # Recording an outcome need not wait for the disk (PostgreSQL): if the database server itself
        # crashed and lost it, the row is still 'sending' from its durable claim, and the in-doubt check
        # finds the message in Slack instead of posting it again. Claims stay synchronous.
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("SET LOCAL synchronous_commit = off"))

    def _finish(self, c: Claimed, **values: Any) -> None:
        with self.sessions.begin() as s:
            self.relaxed(s)
            result: Any = s.execute(self._guarded(c).values(claimed_by=None, claimed_until=None, **values))
            done = result.rowcount
        if not done:
            log.warning("delivery %s: our claim was taken over before we could record the outcome", c.id)

    def _release(
        self, c: Claimed, delay: float, error: str, *, verify: bool = False, count_attempt: bool = True
    ) -> None:
        values: dict[str, Any] = {
            "state": "pending",
            "next_attempt_at": self.clock.now() + timedelta(seconds=delay),
            "last_error": error[:2000],
        }
        if verify:
            values["payload"] = {**c.payload, "_verify": True}
        if not count_attempt:
            values["attempts"] = Delivery.attempts - 1
        self._finish(c, **values)


def _endpoints(s: Session, rows: list[Delivery]) -> dict[int, WebhookEndpoint]:
    ids = {endpoint_of(d.channel) for d in rows if d.kind == "webhook"}
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {e.id: e for e in s.scalars(select(WebhookEndpoint).where(WebhookEndpoint.id.in_(wanted)))}


def _hook_target(d: Delivery, hooks: dict[int, WebhookEndpoint]) -> tuple[HookTarget | None, str | None]:
    """A webhook row's target, or why it has none now (``removed``, ``disabled``)."""
    if d.kind != "webhook":
        return None, None
    endpoint = hooks.get(endpoint_of(d.channel) or 0)
    if endpoint is None or endpoint.removed_at is not None:
        return None, "removed"
    if endpoint.disabled_at is not None:
        return None, "disabled"
    return HookTarget(endpoint.id, endpoint.url, endpoint.secret), None


class _Beating:
    """Beats every ``heartbeat_seconds`` in a thread for as long as a round runs, so that a round busy
    with slow or paced sends keeps its claims. A failed beat is only noted: the senders stop starting
    sends once beats have failed for half the recovery window, and the round's own database calls
    report the outage."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="scheduler-heartbeat", daemon=True)

    def __enter__(self) -> _Beating:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    def _run(self) -> None:
        while not self.stop.wait(self.scheduler.heartbeat_seconds):
            try:
                self.scheduler.beat()
            except Exception as exc:  # noqa: BLE001 - noted by _alive(); the round reports outages
                log.debug("heartbeat failed: %s", exc)


class _SentLog:
    """Successful sends, recorded in small batches (one transaction per ~100 messages or 0.2 s rather than
    one per message). A crash before a batch is written leaves those rows 'sending': in doubt, checked
    against Slack's history before any resend, like any other crash after Slack accepted a post."""

    def __init__(self, scheduler: Scheduler, size: int = 100, age: float = 0.2) -> None:
        self.scheduler = scheduler
        self.size = size
        self.age = age
        self.rows: list[dict[str, Any]] = []
        self.since = time.monotonic()
        self.lock = threading.Lock()

    def add(self, c: Claimed, ts: str, at: datetime) -> None:
        with self.lock:
            if not self.rows:
                self.since = time.monotonic()
            self.rows.append({"_id": c.id, "_ts": ts, "_at": at})
            due = len(self.rows) >= self.size or time.monotonic() - self.since >= self.age
        if due:
            self.flush()

    def flush(self) -> None:
        with self.lock:
            rows, self.rows = self.rows, []
            if not rows:
                return
            sched = self.scheduler
            stmt = (
                update(Delivery)
                .where(
                    Delivery.id == bindparam("_id"),
                    Delivery.claimed_by == sched.name,
                    Delivery.state == "sending",
                )
                .values(
                    state="sent",
                    slack_ts=bindparam("_ts"),
                    sent_at=bindparam("_at"),
                    last_error=None,
                    claimed_by=None,
                    claimed_until=None,
                )
            )
            with sched.sessions.begin() as s:
                sched.relaxed(s)
                result: Any = s.connection().execute(stmt, rows)
            if result.rowcount is not None and 0 <= result.rowcount < len(rows):
                log.warning(
                    "%s of %s sent deliveries had been taken over before we recorded them",
                    len(rows) - result.rowcount,
                    len(rows),
                )


class _Pacer:
    """Hands out claimed rows one channel at a time: at most one send in flight per channel, and at
    least ``pace`` seconds (real time) between two sends to one channel; channels interleave."""

    def __init__(
        self,
        claimed: list[Claimed],
        pace: float,
        last_post: dict[str, float],
        pace_for: Any = None,
    ) -> None:
        self.pace = pace
        self.pace_for = pace_for or (lambda _channel: pace)
        self.last_post = last_post
        self.queues: dict[str, deque[Claimed]] = {}
        for c in claimed:
            self.queues.setdefault(c.channel, deque()).append(c)
        self.channels = len(self.queues)
        self._seq = itertools.count()
        self.ready: list[tuple[float, int, str]] = []
        for ch in self.queues:
            gap = self.pace_for(ch)
            self.ready.append((last_post.get(ch, -gap) + gap if gap else 0.0, next(self._seq), ch))
        heapq.heapify(self.ready)
        self.in_flight = 0
        self.cond = threading.Condition()

    def next(self) -> Claimed | None:
        with self.cond:
            while True:
                if self.ready:
                    at, _, channel = self.ready[0]
                    wait = at - time.monotonic()
                    if wait <= 0:
                        heapq.heappop(self.ready)
                        self.in_flight += 1
                        return self.queues[channel].popleft()
                    self.cond.wait(wait)
                elif self.in_flight:
                    self.cond.wait()
                else:
                    return None

    def done(self, channel: str, *, blocked: bool = False) -> None:
        with self.cond:
            self.in_flight -= 1
            gap = self.pace_for(channel)
            if gap:
                self.last_post[channel] = time.monotonic()
                if len(self.last_post) > 50_000:
                    # Forget channels not posted to for longer than the pace: they are ready anyway.
                    cutoff = time.monotonic() - max(self.pace, gap)
                    for ch in [ch for ch, at in self.last_post.items() if at < cutoff]:
                        del self.last_post[ch]
            if self.queues[channel] and not blocked:
                heapq.heappush(self.ready, (time.monotonic() + gap, next(self._seq), channel))
            self.cond.notify_all()

    def drain(self, channel: str) -> list[Claimed]:
        with self.cond:
            rest = list(self.queues[channel])
            self.queues[channel].clear()
            self.ready = [r for r in self.ready if r[2] != channel]
            heapq.heapify(self.ready)
            self.cond.notify_all()
            return rest
