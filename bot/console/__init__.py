"""``crm-bot console``: chat with the bot in a terminal, exactly as in Slack.

What one types is turned into the request Slack would send (a slash command, a direct message, a
mention, a button press, a form submission), signed, and dispatched to the same Bolt app and handlers
that serve Slack. The bot's Web API calls go to a stand-in for Slack on a loopback port
(:mod:`bot.console.slackapi`), and what arrives there is shown as text. The clock is a hand-moved one,
so reminders and summaries can be brought on with ``:clock``.
"""

from __future__ import annotations

import logging
import secrets
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import ManualClock, RunningClock
from bot.console.payloads import Person
from bot.console.session import Console, TrackingExecutor, parse_clock
from bot.console.slackapi import SlackStandIn
from bot.settings import Settings

TEAM_ID = "TLOCAL"
TEAM_NAME = "Local console"
LOCAL_USER = "U0LOCAL00"

AppFactory = Callable[[Settings, sessionmaker[Session], ManualClock, WebClient], App]
log = logging.getLogger(__name__)


def _real_app(
    settings: Settings, sessions: sessionmaker[Session], clock: ManualClock, client: WebClient
) -> App:
    from bot.app import create_app

    # The console waits for the work after each ack before it shows the prompt again.
    executor = TrackingExecutor(ThreadPoolExecutor(max_workers=4, thread_name_prefix="crm-console"))
    return create_app(settings, sessions=sessions, clock=clock, client=client, listener_executor=executor)


@dataclass
class Running:
    """A console and what it runs on; ``close()`` stops the stand-in and the database engine."""

    console: Console
    standin: SlackStandIn
    engine: Engine
    scheduler: Any = None

    def close(self) -> None:
        if self.scheduler is not None:
            try:
                self.scheduler.stop()
            except Exception:  # noqa: BLE001 - leaving the console must not fail on the way out
                log.debug("scheduler stop failed", exc_info=True)
        self.standin.stop()
        self.engine.dispose()


def _make_scheduler(
    sessions: sessionmaker[Session],
    client: WebClient,
    clock: ManualClock,
    webhook_hosts: tuple[str, ...] = (),
) -> tuple[Any, str]:
    try:
        from bot.scheduler import Scheduler, SchedulerBusy
    except ModuleNotFoundError:
        return None, "no scheduler installed"
    # No pacing: nobody is rate-limited here, and a paced post would hold up the console's prompt.
    from bot.scheduler.webhooks import WebhookSender

    scheduler = Scheduler(
        sessions,
        client,
        clock,
        pace_seconds=0.0,
        workers=1,
        name="console",
        webhooks=WebhookSender(webhook_hosts),
        webhook_pace=0.0,
    )
    try:
        scheduler.start()
    except SchedulerBusy as exc:
        return None, str(exc)
    return scheduler, ""


def next_due_finder(sessions: sessionmaker[Session]) -> Callable[[datetime, datetime], datetime | None]:
    """When, after ``after`` and up to ``until``, the scheduler next has something to send: a retry, or
    whatever a kind of proactive message may plan then (a reminder, a summary, the 09:00 nudge…)."""
    from sqlalchemy import func, select

    from bot.proactive import registry
    from models import Delivery

    def next_due(after: datetime, until: datetime) -> datetime | None:
        with sessions() as s:
            found = [
                registry.next_due(s, after, until),
                s.scalar(
                    select(func.min(Delivery.next_attempt_at)).where(
                        Delivery.state == "pending",
                        Delivery.next_attempt_at > after,
                        Delivery.next_attempt_at <= until,
                    )
                ),
            ]
        return min((t for t in found if t is not None and after < t <= until), default=None)

    return next_due


def team_finder(
    sessions: sessionmaker[Session], team_id: str
) -> Callable[[], list[tuple[str, str, str, str]]]:
    """Who is on the console's team, as the database has them: (slack id, name, role, zone)."""
    from sqlalchemy import select

    from models import User, Workspace

    def team() -> list[tuple[str, str, str, str]]:
        with sessions() as s:
            rows = s.execute(
                select(User.slack_id, User.name, User.role, User.tz)
                .join(Workspace, User.workspace_id == Workspace.id)
                .where(Workspace.team_id == team_id)
                .order_by(User.id)
            ).all()
        return [(str(a), str(b), str(c), str(d)) for a, b, c, d in rows]

    return team


def build_console(
    settings: Settings,
    *,
    demo: bool = False,
    out: TextIO | None = None,
    tty: bool = False,
    start: datetime | None = None,
    app_factory: AppFactory | None = None,
    scheduler: bool = True,
    files_dir: Path | None = None,
) -> Running:
    """Everything the console needs, on the database ``settings`` names (migrated to the latest)."""
    from bot.db import make_engine, make_session_factory
    from bot.demo import PEOPLE, seed_demo
    from bot.migrate import upgrade
    from bot.services import CRM

    out = out or sys.stdout
    engine = make_engine(settings.database_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    clock = RunningClock(start or datetime.now(UTC))
    standin = SlackStandIn(team_id=TEAM_ID, team_name=TEAM_NAME, bot_user_id="UCRMBOT").start()
    try:
        local = replace(
            settings,
            bot_token="xoxb-local-console",
            # A fresh secret per run: requests are signed and verified as in HTTP mode.
            signing_secret=secrets.token_hex(16),
            app_token=None,
            api_url=standin.api_url,
            # The console's workspace is its own: the operator's Slack admins never act in it, and
            # whoever types first there runs it.
            admins=(),
        )
        client = WebClient(token=local.bot_token, base_url=standin.api_url, timeout=10)
        crm = CRM(sessions, clock=clock.now)
        people = {p[0]: Person(p[0], p[1], p[2]) for p in PEOPLE}
        if demo:
            seed_demo(crm, TEAM_ID, team_name=TEAM_NAME)
        crm.ensure_workspace(
            TEAM_ID, TEAM_NAME, default_tz=settings.default_tz, default_currency=settings.default_currency
        )
        people[LOCAL_USER] = Person(LOCAL_USER, "You", settings.default_tz)
        # Acting as the demo team's manager when the team is there; as a person of one's own otherwise.
        user = PEOPLE[0][0] if crm.actor(TEAM_ID, PEOPLE[0][0]) else LOCAL_USER
        app = (app_factory or _real_app)(local, sessions, clock, client)
        # The console runs its own scheduler even with CRM_SCHEDULER=off: a separate scheduler process
        # would post to Slack, not here, and would not follow the console's clock.
        sched, why = (
            (None, "turned off")
            if not scheduler
            else _make_scheduler(sessions, client, clock, settings.webhook_hosts)
        )
        console = Console(
            app=app,
            standin=standin,
            signing_secret=local.signing_secret or "",
            team_id=TEAM_ID,
            people=people,
            user_id=user,
            out=out,
            tty=tty,
            clock=clock,
            tick=sched.tick if sched is not None else None,
            next_due=next_due_finder(sessions),
            team=team_finder(sessions, TEAM_ID),
            set_zone=lambda uid, name, tz: _set_zone(crm, uid, name, tz),
            files_dir=files_dir or Path(tempfile.gettempdir()) / "crm-console-files",
        )
        if sched is None and why:
            console.note(f"(scheduler not running: {why})")
        return Running(console, standin, engine, sched)
    except BaseException:
        standin.stop()
        engine.dispose()
        raise


def _set_zone(crm: Any, user_id: str, name: str, tz: str) -> None:
    # Someone the bot has not met yet learns their zone from users.info (the stand-in) on first contact.
    if crm.actor(TEAM_ID, user_id) is not None:
        crm.register_user(TEAM_ID, user_id, name=name, tz=tz)


def main(settings: Settings, demo: bool = False) -> int:
    tty = sys.stdin.isatty() and sys.stdout.isatty()
    # The console's own output is the conversation; library chatter would get in its way (``-v`` keeps it).
    root = logging.getLogger()
    if root.level > logging.DEBUG:
        root.setLevel(logging.ERROR)
    running = build_console(settings, demo=demo, tty=tty)
    try:
        lines: Iterator[str] | None = None if tty else iter(sys.stdin)
        return running.console.run(lines)
    except KeyboardInterrupt:
        print()
        return 0
    finally:
        running.close()


__all__ = ["TEAM_ID", "Console", "Running", "build_console", "main", "parse_clock"]
