"""Tasks and interactions reach the records they are about through rows of targets: the database keeps
those rows whole, the services keep them in step with what a person did and undid, and reading many
sources' links costs one query, not one per source."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import IntegrityError

from bot.blocks.messages import message
from bot.proactive.kinds import reminder
from bot.services import CRM, Actor, Conflict, targets
from models import Contact, Interaction, Target, Task


def _targets(crm: CRM, **where: int) -> list[tuple[Any, ...]]:
    with crm.sessions() as s:
        rows = s.scalars(select(Target).filter_by(**where).order_by(Target.id)).all()
        return [(t.task_id, t.interaction_id, t.record_type, t.record_id) for t in rows]


def _ids(crm: CRM, ann: Actor) -> tuple[int, int, int]:
    contact = crm.create_contact(ann, "Jane Doe", company="Acme").contact
    assert contact is not None and contact.company_id is not None
    deal = crm.create_deal(ann, "Acme renewal", company="Acme", contact=contact.id).deal
    assert deal is not None
    return contact.id, contact.company_id, deal.id


@pytest.mark.parametrize(
    "columns",
    [
        {"contact_id": "contact"},  # no source
        {"contact_id": "contact", "task_id": "task", "interaction_id": "interaction"},  # two sources
        {"task_id": "task"},  # no record
        {"task_id": "task", "contact_id": "contact", "deal_id": "deal"},  # two records
    ],
)
def test_a_link_has_one_source_and_one_record(crm: CRM, ann: Actor, columns: dict[str, str]) -> None:
    contact_id, _company_id, deal_id = _ids(crm, ann)
    task = crm.create_task(ann, "call Jane").task
    call = crm.log_interaction(ann, "call", "hello", deal=deal_id).interaction
    assert task is not None and call is not None
    ids = {"contact": contact_id, "deal": deal_id, "task": task.id, "interaction": call.id}
    with crm.sessions() as s, pytest.raises(IntegrityError):
        s.add(Target(workspace_id=ann.workspace_id, **{k: ids[v] for k, v in columns.items()}))
        s.flush()


def test_the_same_link_twice_is_refused(crm: CRM, ann: Actor) -> None:
    contact_id, _company_id, _deal_id = _ids(crm, ann)
    task = crm.create_task(ann, "call Jane", contact=contact_id).task
    assert task is not None
    with crm.sessions() as s, pytest.raises(IntegrityError):
        s.add(Target(workspace_id=ann.workspace_id, task_id=task.id, contact_id=contact_id))
        s.flush()


def test_a_link_goes_with_its_source_and_with_its_record(crm: CRM, ann: Actor) -> None:
    contact_id, _company_id, deal_id = _ids(crm, ann)
    task = crm.create_task(ann, "call Jane", contact=contact_id, deal=deal_id).task
    hank = crm.create_contact(ann, "Hank Hill", company="Globex").contact
    assert task is not None and hank is not None and hank.company_id is not None
    call = crm.log_interaction(ann, "call", "hello", contact=hank.id).interaction
    assert call is not None
    assert _targets(crm, task_id=task.id) == [
        (task.id, None, "contact", contact_id),
        (task.id, None, "deal", deal_id),
    ]
    assert [r[2:] for r in _targets(crm, interaction_id=call.id)] == [
        ("contact", hank.id),
        ("company", hank.company_id),
    ]
    with crm.sessions.begin() as s:
        s.delete(s.get(Task, task.id))
    assert _targets(crm, task_id=task.id) == []
    with crm.sessions.begin() as s:
        s.execute(Contact.__table__.delete().where(Contact.id == hank.id))
    assert [r[2:] for r in _targets(crm, interaction_id=call.id)] == [("company", hank.company_id)]


def test_undoing_a_create_removes_its_links(crm: CRM, ann: Actor) -> None:
    contact_id, _company_id, deal_id = _ids(crm, ann)
    logged = crm.log_interaction(
        ann, "call", "pricing", contact=contact_id, deal=deal_id, follow_up={"title": "send the quote"}
    )
    assert logged.task is not None and logged.interaction is not None
    assert len(_targets(crm)) == 5  # the call's contact, company and deal; the task's contact and deal
    crm.undo(ann, logged.op_id)
    assert _targets(crm) == []


def test_undo_refuses_while_someone_elses_work_links_the_record(crm: CRM, ann: Actor, bob: Actor) -> None:
    made = crm.create_contact(ann, "Jane Doe", company="Acme")
    assert made.contact is not None
    crm.log_interaction(bob, "note", "met at the fair", company="Acme")
    with pytest.raises(Conflict) as refused:
        crm.undo(ann, made.op_id)
    assert "Bob Rep's interaction “met at the fair”" in message(refused.value)
    assert crm.resolve_contact(ann, "Jane Doe").company == "Acme"

    task = crm.create_task(bob, "call Jane", contact=made.contact.id).task
    assert task is not None
    with pytest.raises(Conflict) as refused:
        crm.undo(ann, made.op_id)
    assert "Bob Rep's task “call Jane”" in message(refused.value)


def test_undo_puts_back_the_links_an_edit_changed(crm: CRM, ann: Actor) -> None:
    contact_id, _company_id, deal_id = _ids(crm, ann)
    other = crm.create_contact(ann, "Hank Hill", company="Globex").contact
    assert other is not None
    task = crm.create_task(ann, "call Jane", contact=contact_id).task
    assert task is not None
    edited = crm.edit_task(ann, task.id, contact="Hank Hill", deal="Acme renewal")
    assert edited.task is not None and (edited.task.contact, edited.task.deal) == (
        "Hank Hill",
        "Acme renewal",
    )
    crm.undo(ann, edited.op_id)
    shown = crm.task(ann, task.id)
    assert (shown.contact, shown.deal) == ("Jane Doe", None)
    assert _targets(crm, task_id=task.id) == [(task.id, None, "contact", contact_id)]


def test_undo_brings_back_a_dropped_follow_up_with_its_links(crm: CRM, ann: Actor) -> None:
    contact_id, _company_id, deal_id = _ids(crm, ann)
    logged = crm.log_interaction(
        ann, "call", "pricing", contact=contact_id, deal=deal_id, follow_up={"title": "send the quote"}
    )
    assert logged.interaction is not None and logged.task is not None
    dropped = crm.edit_interaction(ann, logged.interaction.id, task_id=logged.task.id, follow_up=None)
    assert dropped.task is None and _targets(crm, task_id=logged.task.id) == []
    crm.undo(ann, dropped.op_id)
    back = crm.task(ann, logged.task.id)
    assert (back.title, back.contact, back.deal) == ("send the quote", "Jane Doe", "Acme renewal")


def test_sources_linked_to_a_record_are_found_through_targets(crm: CRM, ann: Actor) -> None:
    contact_id, _company_id, deal_id = _ids(crm, ann)
    crm.create_task(ann, "call Jane", contact=contact_id)
    crm.create_task(ann, "send the quote", deal=deal_id)
    with crm.sessions() as s:
        on_deal = s.scalars(
            select(Task.title).where(targets.linked_to(Task, ann.workspace_id, "deal", deal_id))
        )
        assert list(on_deal) == ["send the quote"]
        tasks = s.scalars(select(Task).order_by(Task.id)).all()
        links = targets.links_of(s, Task, [t.id for t in tasks])
        assert list(links.values()) == [{"contact": contact_id}, {"deal": deal_id}]
        assert s.scalar(select(func.count()).select_from(Interaction)) == 0


def _statements(engine: Engine, run: Any, about: str = "") -> int:
    """How many statements ``run`` sends (only those naming ``about``, when given)."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if about in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_reading_many_sources_links_is_not_a_query_each(crm: CRM, ann: Actor, engine: Engine) -> None:
    contact_id, _company_id, deal_id = _ids(crm, ann)
    due = "2026-11-20T15:00:00+00:00"

    def make(n: int) -> None:
        for i in range(n):
            crm.create_task(ann, f"task {i} {n}", contact=contact_id, deal=deal_id, due=due, force=True)

    def plan() -> None:
        with crm.sessions.begin() as s:
            planned = reminder.plan(s, datetime(2026, 12, 1, tzinfo=UTC), 100)
            s.rollback()
        assert planned.made

    def listed() -> None:
        assert all(t.contact == "Jane Doe" for t in crm.list_tasks(ann))

    # The planner reads everything in a fixed number of statements; a list of tasks reads the links
    # of all of them at once (the names behind them are looked up per task, as before targets).
    make(2)
    few = (_statements(engine, plan), _statements(engine, listed, "FROM targets"))
    make(6)
    many = (_statements(engine, plan), _statements(engine, listed, "FROM targets"))
    assert many == few == (few[0], 1)
