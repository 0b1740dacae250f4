"""One scheduler per SQLite database: SQLite cannot hand out rows to several claimers (no SKIP LOCKED),
so a second scheduler must refuse to start rather than risk sending twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from models import SchedulerLease

LEASE_NAME = "scheduler"


class SchedulerBusy(RuntimeError):
    """Another scheduler holds the lease; the message is the one line to show."""


def acquire(sessions: sessionmaker[Session], holder: str, now: datetime, ttl: timedelta) -> None:
    with sessions.begin() as s:
        # SQLite's BEGIN IMMEDIATE (bot.db) makes this read-then-write atomic between processes.
        lease = s.get(SchedulerLease, LEASE_NAME)
        if lease is not None and lease.holder != holder and lease.expires_at > now:
            raise SchedulerBusy(
                f"another scheduler ({lease.holder}) is already running on this SQLite database; "
                "stop it first (SQLite allows one scheduler; use PostgreSQL to run several)"
            )
        if lease is None:
            s.add(SchedulerLease(name=LEASE_NAME, holder=holder, acquired_at=now, expires_at=now + ttl))
        else:
            if lease.holder != holder:
                lease.acquired_at = now
            lease.holder = holder
            lease.expires_at = now + ttl


def release(sessions: sessionmaker[Session], holder: str) -> None:
    with sessions.begin() as s:
        s.execute(
            delete(SchedulerLease).where(SchedulerLease.name == LEASE_NAME, SchedulerLease.holder == holder)
        )
