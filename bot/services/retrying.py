"""A write that lost a race on PostgreSQL is run again, whole, in a fresh transaction.

Two transactions that wait on each other in a cycle are broken by PostgreSQL aborting one of them
(SQLSTATE 40P01, a deadlock); a serialisable transaction whose reads another one changed is aborted
too (40001). Either way nothing of it was written, and the same write run again a moment later
almost always succeeds. The common paths take their locks in one order (the funnel's totals: their
keys sorted and written once, as the transaction commits, by bot/services/funnel_rows.py; the two
records of a merge by id, bot/services/merging.py), so this is the second line: what a cycle the
order does not cover would otherwise cost a person.

A *unit* (:func:`unit`, :func:`units`) is one call of a service method: it opens its transaction(s)
itself and takes plain values, so it can be called again from the start. It is run again only when
that is the same as running it once:

- the error is one of the two above, raised from a transaction the unit began (so rolled back whole:
  the session's ``begin()`` block rolled it back on the way out);
- nothing of the unit was committed yet (a method that commits in steps is not run again after its
  first step);
- the unit is the outermost one (a unit inside another is run again by the outer one).

What a write does besides the database (webhook deliveries, deal room posts, proactive messages) is
queued in the outbox in the same transaction, so it goes with the rollback and is queued once by the
attempt that commits; what identifies a request (bot/slack/dedupe.py) is claimed before the unit
starts, so a second attempt is not taken for a second request. SQLite serialises its writers
(BEGIN IMMEDIATE, bot/db.py) and raises neither error.
"""

from __future__ import annotations

import functools
import inspect
import logging
import random
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

# SQLSTATEs of a transaction aborted for a race it lost, not for anything in it.
LOST_RACE = {"40P01": "deadlock", "40001": "serialization failure"}
ATTEMPTS = 4
# The longest first wait, in seconds; each further wait may be twice as long (jittered: uniform).
BACKOFF = 0.05

F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound=type)


@dataclass
class _Unit:
    began: int = 0
    committed: int = 0


_current: ContextVar[_Unit | None] = ContextVar("crm_unit", default=None)
_TRACKED = "_crm_units_tracked"


def lost_race(exc: BaseException) -> str | None:
    """What race ``exc`` says its transaction lost ("deadlock", "serialization failure"), or None."""
    if not isinstance(exc, DBAPIError):
        return None
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return LOST_RACE.get(str(state)) if state else None


def _began(*_args: Any) -> None:
    current = _current.get()
    if current is not None:
        current.began += 1


def _committed(*_args: Any) -> None:
    current = _current.get()
    if current is not None:
        current.committed += 1


def track(sessions: sessionmaker[Session]) -> None:
    """Count the transactions begun and committed on this factory's engine within a unit (once per
    engine): every session of the factory and every connection of the engine."""
    bind = sessions.kw.get("bind")
    if isinstance(bind, Engine) and not getattr(bind, _TRACKED, False):
        event.listen(bind, "begin", _began)
        event.listen(bind, "commit", _committed)
        setattr(bind, _TRACKED, True)


def unit(fn: F) -> F:
    """Run ``fn`` again from the start, in a fresh transaction, when PostgreSQL aborted its
    transaction for a deadlock or a serialization failure (see the module's docstring for when)."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        if _current.get() is not None:
            return fn(*args, **kwargs)
        attempt = 1
        while True:
            state = _Unit()
            token = _current.set(state)
            try:
                return fn(*args, **kwargs)
            except DBAPIError as exc:
                race = lost_race(exc)
                if race is None or attempt >= ATTEMPTS or state.committed or not state.began:
                    raise
                wait = random.uniform(0, BACKOFF * 2 ** (attempt - 1))  # noqa: S311 - jitter, not a secret
                # The method and the race only: never its arguments (what a person wrote).
                log.warning(
                    "%s: %s, rolled back; running it again in a fresh transaction in %d ms (attempt %d of %d)",
                    fn.__qualname__,
                    race,
                    round(wait * 1000),
                    attempt + 1,
                    ATTEMPTS,
                )
                time.sleep(wait)
                attempt += 1
            finally:
                _current.reset(token)

    return run  # type: ignore[return-value]


def units(cls: C) -> C:
    """Make every public method of ``cls``'s own (one call, one transaction of its own, plain values
    in) a :func:`unit`."""
    for name, value in list(vars(cls).items()):
        if name.startswith("_") or not inspect.isfunction(value) or inspect.isgeneratorfunction(value):
            continue
        setattr(cls, name, unit(value))
    return cls
