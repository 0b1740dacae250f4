"""The one source of "now": real time in production, a hand-moved clock in tests and the console."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """Moves only when told to, so tests never sleep to reach a due time."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        with self._lock:
            self._now += delta if delta is not None else timedelta(**kwargs)
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when.astimezone(UTC)


class RunningClock(ManualClock):
    """Runs with real time from wherever it was last put; jumps like a ManualClock.

    The console uses it: a frozen clock stamped everything one types with the same instant, so a summary
    ("changes since the last one") taken right after an action left that action out.
    """

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self._since = time.monotonic()

    def now(self) -> datetime:
        with self._lock:
            return self._now + timedelta(seconds=time.monotonic() - self._since)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        with self._lock:
            self._now += timedelta(seconds=time.monotonic() - self._since)
            self._since = time.monotonic()
            self._now += delta if delta is not None else timedelta(**kwargs)
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when.astimezone(UTC)
            self._since = time.monotonic()
