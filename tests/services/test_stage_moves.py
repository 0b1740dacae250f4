"""Removing a stage moves its deals in one statement, and its Undo puts them back in one: the work does not
grow with how many deals the stage held (a stage of thousands is undone as fast as a stage of three), and
each deal still has its own audited move on its timeline, undone exactly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event, select

from bot.services import CRM, Actor
from models import AuditEvent, Deal, PipelineTotal


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    sent: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def deals_as_they_are(crm: CRM) -> dict[int, tuple[Any, ...]]:
    with crm.sessions() as s:
        return {
            d.id: (d.stage_id, d.stage_changed_at, d.closed_at, d.closed_by_id)
            for d in s.scalars(select(Deal).execution_options(include_deleted=True))
        }


def totals(crm: CRM) -> set[tuple[Any, ...]]:
    with crm.sessions() as s:
        T = PipelineTotal
        return {
            (t.stage_id, t.owner_key, t.currency, t.deals, t.amount)
            for t in s.scalars(select(T).where(T.deals != 0))
        }


def remove_and_undo(crm: CRM, engine: Engine, ann: Actor) -> tuple[int, int]:
    before, counted = deals_as_they_are(crm), totals(crm)
    with statements(engine) as removing:
        removed = crm.remove_stage(ann, "demo", move_to="lost")
    moved = deals_as_they_are(crm)
    (lost,) = {stage for stage, *_ in moved.values()}
    assert all(at is not None and by == ann.user_id for _st, _ch, at, by in moved.values())
    with statements(engine) as undoing:
        crm.undo(ann, removed.op_id)
    after = deals_as_they_are(crm)
    demo = {stage for stage, *_ in after.values()}
    assert len(demo) == 1 and demo != {lost}
    # Each deal exactly as it was (its stage is the demo stage made again under its old id).
    assert after == before
    assert totals(crm) == counted
    return len(removing), len(undoing)


def test_removing_a_stage_and_undoing_it_take_as_many_statements_for_many_deals_as_for_few(
    crm: CRM, engine: Engine, ann: Actor
) -> None:
    for n in range(3):
        crm.create_deal(ann, f"Deal {n}", amount=1000 + n, stage="demo")
    crm.delete_record(ann, "deal", "Deal 2")  # a deleted deal moves with the rest, and comes back with them
    crm.create_deal(ann, "Euro deal", amount=700, currency="EUR", stage="demo")
    few = remove_and_undo(crm, engine, ann)
    for n in range(3, 30):
        crm.create_deal(ann, f"Deal {n}", amount=1000 + n, stage="demo")
    many = remove_and_undo(crm, engine, ann)
    assert many == few, (few, many)

    # Every live deal has its own move on its timeline, said once, and each is undone.
    with crm.sessions() as s:
        moves = s.scalars(
            select(AuditEvent).where(AuditEvent.record_type == "deal", AuditEvent.action == "update")
        ).all()
    moves = [e for e in moves if "stage_id" in (e.after or {})]
    assert len(moves) == 4 + 31 and all(e.undone_by_op for e in moves)
    assert all(set(e.before or {}) >= {"stage_id", "closed_at"} for e in moves)
