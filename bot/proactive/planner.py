"""Planning: each round, every kind in :data:`bot.proactive.registry.KINDS` turns what is due into rows
of the ``deliveries`` outbox, in the transaction that marks its source handled, so a crash can neither
lose a message nor plan it twice (``dedupe_key`` is unique). The scheduler delivers the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.proactive.kind import Kind
from bot.proactive.registry import KINDS, find
from models import Delivery, SchedulerHeartbeat

# Delivered (or cancelled) outbox rows are kept this long for the record, then removed. Nothing is planned
# from them: what is due is read from tasks, deals and subscriptions, so removing them sends nothing again.
RETENTION = timedelta(days=30)
PURGE_EVERY = timedelta(hours=1)
BATCH = 500


@dataclass
class PlanStats:
    """Deliveries planned in a round, by kind name."""

    by_kind: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, kind: str) -> int:
        return self.by_kind.get(kind, 0)

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


class Planner:
    """Turns what is due at ``now`` into outbox rows. Safe to run from several processes at once:
    sources are claimed with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL) and the dedupe key is unique."""

    def __init__(
        self, sessions: sessionmaker[Session], *, batch: int = BATCH, kinds: Sequence[Kind] | None = None
    ) -> None:
        self.sessions = sessions
        self.batch = batch
        self.kinds = tuple(KINDS if kinds is None else kinds)
        # When each periodic scan last ran: ("kind", name) for a kind's planning, ("purge", "") for purge.
        self._scanned: dict[tuple[str, str], datetime] = {}

    def _due_scan(self, key: tuple[str, str], every: timedelta, now: datetime) -> bool:
        last = self._scanned.get(key)
        if last is not None and last <= now < last + every:
            return False
        self._scanned[key] = now
        return True

    def plan(self, now: datetime) -> PlanStats:
        stats = PlanStats()
        for kind in self.kinds:
            if kind.plan is None:
                continue
            if kind.scan_every is not None and not self._due_scan(("kind", kind.name), kind.scan_every, now):
                continue
            stats.by_kind[kind.name] = self._run(kind, now)
        if self._due_scan(("purge", ""), PURGE_EVERY, now):
            self.purge(now)
        return stats

    def plan_kind(self, name: str, now: datetime) -> int:
        """Plan one kind now, whenever it was last looked at; returns how many deliveries it added."""
        kind = find(name)
        if kind is None or kind.plan is None:
            raise ValueError(f"no planned delivery kind {name!r}")
        return self._run(kind, now)

    def _run(self, kind: Kind, now: datetime) -> int:
        assert kind.plan is not None
        planned = 0
        while True:
            with self.sessions.begin() as s:
                step = kind.plan(s, now, self.batch)
            planned += step.made
            if not step.more:
                return planned

    def purge(self, now: datetime, limit: int = 5000) -> int:
        """Remove sent and cancelled deliveries older than RETENTION (failed ones stay, with their error)."""
        with self.sessions.begin() as s:
            old = (
                select(Delivery.id)
                .where(Delivery.state.in_(("sent", "cancelled")), Delivery.created_at < now - RETENTION)
                .limit(limit)
            )
            result: Any = s.execute(delete(Delivery).where(Delivery.id.in_(old.scalar_subquery())))
            # Each scheduler process leaves one heartbeat row behind; after a day nothing it claimed can
            # still be waiting for it (a claim lasts 5 minutes).
            s.execute(delete(SchedulerHeartbeat).where(SchedulerHeartbeat.beat_at < now - timedelta(days=1)))
            return int(result.rowcount or 0)
