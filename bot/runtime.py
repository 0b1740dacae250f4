"""What the app is built from: settings, the one session factory, the clock and the CRM service.

Shared by the Slack app, the server, the scheduler and the local console, so each builds it once and
passes it on instead of opening its own engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, SystemClock
from bot.db import make_engine, make_session_factory
from bot.services import CRM
from bot.settings import Settings


@dataclass(eq=False)
class Services:
    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock
    crm: CRM
    engine: Engine | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock.now()

    # Bolt deep-copies the request context for lazy listeners; the services are shared, thread-safe
    # objects (engine pool, session factory), so a copy is the same object.
    def __deepcopy__(self, memo: dict[int, Any]) -> Services:
        return self

    def __copy__(self) -> Services:
        return self


def build_services(
    settings: Settings, *, sessions: sessionmaker[Session] | None = None, clock: Clock | None = None
) -> Services:
    """One engine and session factory for the process (unless the caller brings its own)."""
    engine = None
    if sessions is None:
        engine = make_engine(settings.database_url)
        sessions = make_session_factory(engine)
    clock = clock or SystemClock()
    crm = CRM(sessions, clock=clock.now, admins=settings.admins, webhook_hosts=settings.webhook_hosts)
    return Services(settings, sessions, clock, crm, engine)
