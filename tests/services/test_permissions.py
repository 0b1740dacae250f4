"""The permission rules (bot/services/policy.py) on every kind of record, and how roles are given and kept.

``ann`` is the workspace's first person and so its admin (no CRM_ADMINS); ``bob`` and ``cat`` are reps.
"""

from __future__ import annotations

import logging

import pytest

from bot.blocks.messages import message
from bot.services import CRM, Actor, Conflict, Forbidden
from bot.services.proactive import Proactive
from bot.services.subscriptions import Subscriptions


@pytest.fixture
def cat(crm: CRM, ann: Actor) -> Actor:
    return crm.register_user("T1", "UCAT", name="Cat Tanaka", tz="Asia/Tokyo")


def test_a_refusal_names_who_holds_the_record(crm: CRM, ann: Actor, bob: Actor, cat: Actor) -> None:
    crm.create_contact(bob, "Jane Doe")
    deal = crm.create_deal(bob, "Acme renewal", amount="50000").deal
    task = crm.create_task(ann, "send contract", assignee="UBOB").task
    logged = crm.log_interaction(bob, "call", "pricing", contact="Jane Doe").interaction
    assert deal and task and logged

    refusals = {
        "contact": lambda: crm.update_contact(cat, "Jane Doe", title="CEO"),
        "deal": lambda: crm.update_deal(cat, deal.id, stage="proposal"),
        "task": lambda: crm.complete_task(cat, task.id),
        "interaction": lambda: crm.edit_interaction(cat, logged.id, summary="mine now"),
        "snooze": lambda: Proactive(crm).snooze_stale(cat, deal.id, "2026-12-31"),
    }
    said = {}
    for what, attempt in refusals.items():
        with pytest.raises(Forbidden) as refused:
            attempt()
        said[what] = message(refused.value)
    assert said == {
        "contact": "Only Bob Rep (the owner), a manager or an admin can change Jane Doe.",
        "deal": "Only Bob Rep (the owner), a manager or an admin can change the deal “Acme renewal”.",
        "task": "Only Bob Rep (the assignee), Ann Rep (who created it), a manager or an admin can change "
        "the task “send contract”.",
        "interaction": "Only Bob Rep (who logged it), a manager or an admin can change the call with Jane Doe.",
        "snooze": "Only Bob Rep (the owner), a manager or an admin can snooze alerts on the deal “Acme renewal”.",
    }
    # Holders change their own; anyone may still add to them (log activity, give a task).
    crm.update_deal(bob, deal.id, stage="proposal")
    crm.complete_task(bob, task.id)
    crm.log_interaction(cat, "note", "met at the fair", contact="Jane Doe")
    crm.create_task(cat, "call Jane", assignee="UBOB")
    # A manager changes anyone's.
    crm.set_role(ann, "UCAT", "manager")
    manager = crm.actor("T1", "UCAT")
    assert manager is not None
    crm.update_contact(manager, "Jane Doe", title="CEO")
    crm.update_deal(manager, deal.id, owner="UCAT")


def test_a_deal_nobody_owns_is_the_teams(crm: CRM, ann: Actor, bob: Actor) -> None:
    from models import Deal

    deal = crm.create_deal(ann, "Orphan deal").deal
    assert deal is not None
    with crm.sessions.begin() as s:
        row = s.get(Deal, deal.id)
        assert row is not None
        row.owner_id = None  # its owner left the team
    assert crm.update_deal(bob, deal.id, amount="10000").deal is not None


def test_undo_is_a_change_like_the_one_it_takes_back(crm: CRM, ann: Actor, bob: Actor, cat: Actor) -> None:
    made = crm.create_contact(bob, "Jane Doe")
    with pytest.raises(Forbidden) as refused:
        crm.undo(cat, made.op_id)
    assert message(refused.value) == "Only Bob Rep (who made that change), a manager or an admin can undo it."
    # A role grant is undone by an admin only, even by the manager it made.
    granted = crm.set_role(ann, "UCAT", "manager")
    manager = crm.actor("T1", "UCAT")
    assert manager is not None
    with pytest.raises(Forbidden) as refused:
        crm.undo(manager, granted.op_id)
    assert "Only an admin can change roles" in message(refused.value)
    # An admin's last change is the grant: /crm undo takes it back.
    assert crm.last_op(ann) == granted.op_id
    crm.undo(ann, granted.op_id)
    assert crm.actor("T1", "UCAT").role == "rep"  # type: ignore[union-attr]
    # A subscription is a manager's: a rep who made one while a manager cannot take it back after.
    crm.set_role(ann, "UBOB", "manager")
    subscribed = Subscriptions(crm.sessions, crm.now).subscribe(crm.actor("T1", "UBOB"), "C0SALES01", "daily")
    crm.set_role(ann, "UBOB", "rep")
    with pytest.raises(Forbidden) as refused:
        crm.undo(bob, subscribed.op_id)
    assert "Only a manager or an admin" in message(refused.value)


def test_the_workspace_keeps_an_admin(crm: CRM, ann: Actor, bob: Actor) -> None:
    with pytest.raises(Conflict) as refused:
        crm.set_role(ann, "UANN", "rep")
    assert "last admin" in message(refused.value)
    promoted = crm.set_role(ann, "UBOB", "admin")
    assert crm.set_role(ann, "UBOB", "admin").changed == {}  # already: nothing written
    # Ann may now step down; then undoing Bob's promotion would leave no admin.
    new_bob = crm.actor("T1", "UBOB")
    assert new_bob is not None
    crm.set_role(ann, "UANN", "manager")
    with pytest.raises(Conflict) as refused:
        crm.undo(new_bob, promoted.op_id)
    assert "last admin" in message(refused.value)
    # A stale view of Ann (still "admin" when her request began) does not let her act as one.
    with pytest.raises(Forbidden):
        crm.set_role(ann, "UBOB", "rep")
    assert crm.actor("T1", "UBOB").role == "admin"  # type: ignore[union-attr]


def test_crm_admins_name_admins_wherever_they_are_seen(crm: CRM, caplog: pytest.LogCaptureFixture) -> None:
    named = CRM(crm.sessions, admins=("UBOB",))
    first = named.register_user("T1", "UANN", name="Ann Rep")
    assert first.role == "rep"
    assert named.register_user("T1", "UBOB", name="Bob Rep").role == "admin"
    # Someone the setting names later is admin from their next request on, audited as their own act.
    later = CRM(crm.sessions, admins=("UBOB", "UANN"))
    ann = later.actor("T1", "UANN")
    assert ann is not None and ann.role == "admin"
    with pytest.raises(Conflict) as refused:
        later.set_role(ann, "UBOB", "manager")
    assert "CRM_ADMINS" in message(refused.value)
    # Without the setting, the first person in a workspace is its admin, and the log says why.
    with caplog.at_level(logging.WARNING, logger="bot.services.workspace"):
        assert crm.register_user("T2", "UCAT", name="Cat").role == "admin"
        assert crm.register_user("T2", "UDAN", name="Dan").role == "rep"
    (line,) = [r.getMessage() for r in caplog.records if "CRM_ADMINS" in r.getMessage()]
    assert "UCAT" in line and "T2" in line
