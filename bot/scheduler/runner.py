"""Running the scheduler: in a background thread of ``crm-bot run``, or alone as ``crm-bot scheduler``."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, SystemClock
from bot.db import is_unavailable, reason, unreachable
from bot.scheduler.core import Scheduler
from bot.scheduler.lease import SchedulerBusy
from bot.scheduler.transport import Transport
from bot.scheduler.webhooks import WebhookSender
from bot.services.installs import WorkspaceState
from bot.settings import Settings, SettingsError

log = logging.getLogger("bot.scheduler")
DEFAULT_API_URL = "https://slack.com/api/"


@dataclass(frozen=True)
class SchedulerOptions:
    interval: float = 5.0
    pace_seconds: float = 1.0
    workers: int = 4
    webhook_pace: float = 0.1
    webhook_timeout: float = 5.0
    webhook_disable_days: float = 3.0


def options_from_env(env: dict[str, str] | None = None) -> SchedulerOptions:
    """``CRM_SCHEDULER_INTERVAL`` (seconds between rounds, default 5), ``CRM_SLACK_CHANNEL_PACE``
    (seconds between two posts to one channel, default 1; 0 turns pacing off) and
    ``CRM_SCHEDULER_WORKERS`` (parallel senders, default 4); for webhooks ``CRM_WEBHOOK_PACE`` (seconds
    between two deliveries to one endpoint, default 0.1), ``CRM_WEBHOOK_TIMEOUT`` (seconds a receiver
    has to answer, default 5) and ``CRM_WEBHOOK_DISABLE_DAYS`` (days of failures before an endpoint is
    turned off, default 3)."""
    env = dict(os.environ) if env is None else env

    def number(name: str, default: float, minimum: float) -> float:
        raw = (env.get(name) or "").strip()
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number of seconds, e.g. {default:g}") from None
        if value < minimum:
            raise SettingsError(f"{name} must be at least {minimum:g}")
        return value

    return SchedulerOptions(
        interval=number("CRM_SCHEDULER_INTERVAL", 5.0, 0.1),
        pace_seconds=number("CRM_SLACK_CHANNEL_PACE", 1.0, 0.0),
        workers=int(number("CRM_SCHEDULER_WORKERS", 4, 1)),
        webhook_pace=number("CRM_WEBHOOK_PACE", 0.1, 0.0),
        webhook_timeout=number("CRM_WEBHOOK_TIMEOUT", 5.0, 0.5),
        webhook_disable_days=number("CRM_WEBHOOK_DISABLE_DAYS", 3.0, 0.01),
    )


class SchedulerHandle:
    """A scheduler ticking in a daemon thread; ``stop()`` ends it and gives the lease back."""

    def __init__(self, scheduler: Scheduler, interval: float, *, standby: bool = False) -> None:
        self.scheduler = scheduler
        self.interval = interval
        # Wait for another scheduler's SQLite lease to lapse, rather than stop, and take over then.
        self.standby = standby
        self._waiting = False
        self._stop = threading.Event()
        # When the database went away (monotonic), while it stays away: an outage is logged once.
        self._down_since: float | None = None
        self.thread = threading.Thread(target=self._run, name="crm-scheduler", daemon=True)

    def _run(self) -> None:
        sched = self.scheduler
        next_round = time.monotonic()
        while not self._stop.is_set():
            try:
                if time.monotonic() >= next_round:
                    try:
                        sched.tick()
                    finally:
                        next_round = time.monotonic() + self.interval
                elif sched.started:
                    # Between rounds too: peers, and on SQLite a second scheduler, must see us alive
                    # however long the interval.
                    sched.beat()
            except SchedulerBusy as exc:
                if not self.standby:
                    log.error("scheduler stopped: %s", exc)
                    return
                sched.started = False
                if not self._waiting:
                    log.warning("scheduler waiting: %s; taking over when its lease lapses", exc)
                    self._waiting = True
            except Exception as exc:  # noqa: BLE001 - a bad round (database blip) must not end the scheduler
                if is_unavailable(exc):
                    self._database_down(exc)
                else:
                    log.exception("scheduler round failed; trying again in %.0fs", self.interval)
            else:
                self._database_up()
                if self._waiting and sched.started:
                    log.info("scheduler: took over the SQLite database's scheduler lease")
                    self._waiting = False
            self._stop.wait(max(0.0, min(next_round - time.monotonic(), sched.heartbeat_seconds)))

    def _database_down(self, exc: BaseException) -> None:
        if self._down_since is not None:
            return  # already said; a line per round would bury everything else in the log
        self._down_since = time.monotonic()
        bind = self.scheduler.sessions.kw.get("bind")
        what = str(unreachable(bind.url, exc)) if bind is not None else f"database unreachable: {reason(exc)}"
        log.warning("scheduler: %s; trying again every %gs, quietly until it is back", what, self.interval)

    def _database_up(self) -> None:
        if self._down_since is None:
            return
        log.info(
            "scheduler: the database is reachable again after %.0fs", time.monotonic() - self._down_since
        )
        self._down_since = None

    def start(self) -> SchedulerHandle:
        self.thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self.thread.is_alive() and threading.current_thread() is not self.thread:
            self.thread.join(timeout)
        self.scheduler.stop()

    @property
    def running(self) -> bool:
        return self.thread.is_alive()


def workspace_tokens(
    settings: Settings, sessions: sessionmaker[Session], client: WebClient | Transport
) -> Callable[[int], str | None] | None:
    """OAuth mode: each workspace's own token (``bot/slack/oauth.py``); else None, the one bot token."""
    if not settings.oauth:
        return None
    from bot.slack.oauth import WorkspaceTokens

    base = (
        client if isinstance(client, WebClient) else WebClient(base_url=settings.api_url or DEFAULT_API_URL)
    )
    return WorkspaceTokens(settings, sessions, WebClient(base_url=base.base_url, timeout=base.timeout))


def still_installed(
    settings: Settings, sessions: sessionmaker[Session], client: WebClient | Transport
) -> Callable[[WorkspaceState], bool] | None:
    """Whether the bot can still get into a workspace, asked before its data is purged."""
    from bot.slack import oauth

    if settings.oauth:
        base = (
            client
            if isinstance(client, WebClient)
            else WebClient(base_url=settings.api_url or DEFAULT_API_URL)
        )
        return oauth.has_token(settings, sessions, WebClient(base_url=base.base_url, timeout=base.timeout))
    return oauth.token_works(client) if isinstance(client, WebClient) else None


def start_in_background(
    settings: Settings,
    sessions: sessionmaker[Session],
    client: WebClient | Transport,
    clock: Clock | None = None,
    *,
    options: SchedulerOptions | None = None,
    standby: bool = False,
) -> SchedulerHandle:
    """Start ticking in a daemon thread. Raises SchedulerBusy (SQLite, another scheduler running) before
    any thread starts, so the caller can print its one line; with ``standby`` (``crm-bot run``, which
    serves people either way) it waits for that scheduler's lease to lapse instead and takes over: a
    process restarted right after a crash finds the dead one's lease still there."""
    opts = options or options_from_env()
    scheduler = Scheduler(
        sessions,
        client,
        clock or SystemClock(),
        pace_seconds=opts.pace_seconds,
        workers=opts.workers,
        tokens=workspace_tokens(settings, sessions, client),
        retention_days=settings.retention_days,
        still_installed=still_installed(settings, sessions, client),
        webhooks=WebhookSender(settings.webhook_hosts, timeout=opts.webhook_timeout),
        webhook_pace=opts.webhook_pace,
        webhook_disable_after=timedelta(days=opts.webhook_disable_days),
    )
    if not standby:
        scheduler.start()
    return SchedulerHandle(scheduler, opts.interval, standby=standby).start()


def run_standalone(settings: Settings) -> int:
    """``crm-bot scheduler``: plan and deliver until SIGINT/SIGTERM."""
    if not settings.has_slack:
        print(
            "crm-bot scheduler: SLACK_BOT_TOKEN is missing: the scheduler needs it to post", file=sys.stderr
        )
        return 2
    try:
        opts = options_from_env()
    except SettingsError as exc:
        print(f"crm-bot scheduler: {exc}", file=sys.stderr)
        return 2
    from bot.db import is_sqlite, make_engine, make_session_factory, ping, reaching
    from bot.migrate import upgrade

    engine = make_engine(settings.database_url)
    with reaching(engine.url):
        if is_sqlite(engine):
            upgrade(engine)
        else:
            ping(engine)
    sessions = make_session_factory(engine)
    client = WebClient(token=settings.bot_token, base_url=settings.api_url or DEFAULT_API_URL)
    try:
        handle = start_in_background(settings, sessions, client, options=opts)
    except SchedulerBusy as exc:
        print(f"crm-bot scheduler: {exc}", file=sys.stderr)
        engine.dispose()
        return 1
    done = threading.Event()

    def _stop(_sig: int, _frame: Any) -> None:
        done.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    log.info("scheduler %s running (every %.0fs)", handle.scheduler.name, opts.interval)
    while not done.wait(1.0):
        if not handle.running:
            break
    handle.stop()
    engine.dispose()
    return 0
