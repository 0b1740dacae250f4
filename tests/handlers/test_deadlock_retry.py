"""A person's write that PostgreSQL aborts for a deadlock is run again and saved: they read the usual
confirmation, the other writer's change is kept too, and nothing is saved twice.

The deadlock is made, not waited for: another writer locks the funnel's totals, then (once the bot's
transaction holds the deal and is about to write the totals) asks for the deal's row. PostgreSQL's
check then finds the bot's transaction waiting on a cycle and aborts it (the other writer's check is
set to come much later, so it is always the bot's). Over signed HTTP; the rows read back."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, text

from models import AuditEvent, Deal, DealStageChange, FunnelTotal, PipelineStage
from tests.handlers.helpers import rows
from tests.support.slackhttp import SlackHTTP, text_of

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


def _waiting_on_a_lock(engine: Engine, pid: int) -> bool:
    with engine.connect() as conn:
        kind = conn.execute(text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :p"), {"p": pid})
        return kind.scalar() == "Lock"


def test_a_move_aborted_by_a_deadlock_is_saved_and_confirmed(
    slack: SlackHTTP, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    slack.command("deal add Acme renewal $10k")
    moved = text_of(slack.command("deal move Acme renewal qualified"))
    (deal,) = rows(slack, Deal, Deal.title == "Acme renewal")
    other_ready, bot_at_totals, other_done = threading.Event(), threading.Event(), threading.Event()
    other: dict[str, Any] = {}

    def other_writer() -> None:
        try:
            with engine.connect() as conn, conn.begin():
                other["pid"] = conn.execute(text("SELECT pg_backend_pid()")).scalar()
                conn.execute(text("SET LOCAL deadlock_timeout = '60s'"))
                conn.execute(text("LOCK TABLE funnel_totals IN EXCLUSIVE MODE"))
                other_ready.set()
                assert bot_at_totals.wait(60)
                conn.execute(text("SELECT id FROM deals WHERE id = :d FOR UPDATE"), {"d": deal.id})
                conn.execute(text("UPDATE deals SET room_channel_id = 'CROOM' WHERE id = :d"), {"d": deal.id})
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            other["error"] = exc
        finally:
            other_done.set()

    def at_totals(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        # The bot's transaction holds the deal; it writes the totals last (as it commits). The first
        # time only: make sure the other writer is already waiting for the deal before it goes on.
        if statement.lstrip().startswith("INSERT INTO funnel_totals") and not bot_at_totals.is_set():
            bot_at_totals.set()
            until = time.monotonic() + 30
            while not _waiting_on_a_lock(engine, other["pid"]) and time.monotonic() < until:
                time.sleep(0.01)

    thread = threading.Thread(target=other_writer)
    thread.start()
    assert other_ready.wait(30)
    event.listen(engine, "before_cursor_execute", at_totals)
    try:
        with caplog.at_level(logging.WARNING, logger="bot.services.retrying"):
            said = text_of(slack.command("deal move Acme renewal demo"))
    finally:
        event.remove(engine, "before_cursor_execute", at_totals)
        thread.join(60)
    assert other_done.is_set() and "error" not in other, other.get("error")
    assert bot_at_totals.is_set()

    # The person reads the same confirmation a move with no race gets.
    # (its last line the button to the stage after, another one here).
    usual = moved.replace("Qualified", "Demo").splitlines()
    assert said.splitlines()[:-1] == usual[:-1], (moved, said)
    assert said.splitlines()[-1] == "Move to proposal"
    assert "deadlock" in caplog.text and "running it again" in caplog.text
    assert "Acme" not in caplog.text  # the method and the race, not what the person wrote
    # Both writes saved: the move and the other writer's change.
    (now,) = rows(slack, Deal, Deal.id == deal.id)
    with slack.services.sessions() as s:
        demo = s.scalar(select(PipelineStage.id).where(PipelineStage.key == "demo"))
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.record_id == deal.id)))
        history = list(s.scalars(select(DealStageChange).where(DealStageChange.deal_id == deal.id)))
        funnel = s.scalar(select(func.sum(FunnelTotal.deals)).where(FunnelTotal.stage_id == demo))
    assert now.stage_id == demo and now.room_channel_id == "CROOM"
    # Saved once: one audit event and one history row of the move to demo, one deal counted there.
    into_demo = [e for e in events if e.record_type == "deal" and (e.after or {}).get("stage_id") == demo]
    assert len(into_demo) == 1
    assert len([h for h in history if h.stage_id == demo]) == 1
    assert funnel == 1
