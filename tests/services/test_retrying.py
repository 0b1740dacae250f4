"""When a write is run again after PostgreSQL aborted it for a race (bot/services/retrying.py): from the
start, in a fresh transaction, saved once; and when it is not: part of it committed already, or the race
lost every time. PostgreSQL's own error is raised where the statement named is sent (a real deadlock,
made with two transactions, is tests/handlers/test_deadlock_retry.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from psycopg.errors import DeadlockDetected, SerializationFailure
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import OperationalError

from bot.db import make_session_factory
from bot.services import CRM
from bot.services.retrying import ATTEMPTS, unit
from models import AuditEvent, Deal, Workspace


@contextmanager
def aborted(
    engine: Engine, statement: str, fail: int | set[int], error: type[Exception] = DeadlockDetected
) -> Iterator[list[int]]:
    """The statements starting with ``statement`` fail as PostgreSQL fails them: the first ``fail`` of
    them, or those at these places (1 the first)."""
    seen: list[int] = []

    def hook(_c: Any, _cur: Any, sql: str, *_rest: Any) -> None:
        if sql.lstrip().startswith(statement):
            seen.append(1)
            if len(seen) in fail if isinstance(fail, set) else len(seen) <= fail:
                # What SQLAlchemy raises for the driver's error (a hook's own error is not wrapped).
                raise OperationalError(sql, None, error("aborted"))

    event.listen(engine, "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", hook)


def _count(crm: CRM, model: Any, *where: Any) -> int:
    with crm.read() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_a_write_aborted_for_a_race_runs_again_and_is_saved_once(
    pg_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    crm = CRM(make_session_factory(pg_engine))
    ann = crm.register_user("T1", "UANN", name="Ann", tz="UTC")
    with caplog.at_level(logging.WARNING), aborted(pg_engine, "INSERT INTO deals", 1) as seen:
        written = crm.create_deal(ann, "Acme renewal", amount="5000")
    assert len(seen) == 2 and written.deal is not None
    # Once: the first attempt's row and audit event went with its rollback (so no "made twice" either).
    assert _count(crm, Deal, Deal.title == "Acme renewal") == 1
    assert _count(crm, AuditEvent, AuditEvent.record_type == "deal", AuditEvent.action == "create") == 1
    assert "CRM.create_deal: deadlock" in caplog.text and "attempt 2 of" in caplog.text
    assert "Acme" not in caplog.text


def test_a_serialization_failure_runs_again_too(pg_engine: Engine) -> None:
    crm = CRM(make_session_factory(pg_engine))
    ann = crm.register_user("T1", "UANN", name="Ann", tz="UTC")
    with aborted(pg_engine, "INSERT INTO deals", 2, SerializationFailure) as seen:
        crm.create_deal(ann, "Acme renewal")
    assert len(seen) == 3 and _count(crm, Deal) == 1


def test_a_race_lost_every_time_is_given_up_with_nothing_saved(pg_engine: Engine) -> None:
    crm = CRM(make_session_factory(pg_engine))
    ann = crm.register_user("T1", "UANN", name="Ann", tz="UTC")
    with aborted(pg_engine, "INSERT INTO deals", 100) as seen, pytest.raises(OperationalError):
        crm.create_deal(ann, "Acme renewal")
    assert len(seen) == ATTEMPTS
    assert _count(crm, Deal) == 0 and _count(crm, AuditEvent, AuditEvent.record_type == "deal") == 0


def test_a_unit_that_committed_part_of_itself_is_not_run_again(pg_engine: Engine) -> None:
    sessions = make_session_factory(pg_engine)
    crm = CRM(sessions)
    runs: list[int] = []

    @unit
    def two_steps() -> None:
        runs.append(1)
        with sessions.begin() as s:
            s.add(Workspace(team_id=f"T{len(runs)}", name="First step"))
        with sessions.begin() as s:
            s.add(Workspace(team_id="T9", name="Second step"))

    # The first step's insert fails (run again: nothing committed yet), then the second step's.
    with aborted(pg_engine, "INSERT INTO workspaces", {1, 3}), pytest.raises(OperationalError):
        two_steps()
    assert len(runs) == 2
    # What the second run committed stays, once; it is not run a third time to make it twice.
    assert _count(crm, Workspace, Workspace.name == "First step") == 1
    assert _count(crm, Workspace, Workspace.name == "Second step") == 0


def test_a_unit_inside_another_is_run_again_by_the_outer_one_only(pg_engine: Engine) -> None:
    crm = CRM(make_session_factory(pg_engine))
    ann = crm.register_user("T1", "UANN", name="Ann", tz="UTC")
    runs: list[int] = []

    @unit
    def outer() -> None:
        runs.append(1)
        crm.create_deal(ann, "Acme renewal")  # a unit itself

    with aborted(pg_engine, "INSERT INTO deals", 1) as seen:
        outer()
    assert len(runs) == 2 and len(seen) == 2 and _count(crm, Deal) == 1
