from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from bot.blocks.messages import describe
from bot.db import make_session_factory
from bot.services import CRM, Actor, Ambiguous, Forbidden, Invalid, NotFound


def test_create_and_move_deal(crm: CRM, ann: Actor) -> None:
    written = crm.create_deal(ann, "Acme renewal", company="Acme", amount="50000", close_date="2026-12-15")
    deal = written.deal
    assert deal is not None
    assert (deal.stage, deal.amount, deal.currency, deal.close_date) == (
        "lead",
        Decimal("50000.00"),
        "USD",
        date(2026, 12, 15),
    )
    assert deal.next_stage == "qualified"
    moved = crm.update_deal(ann, "acme renewl", stage="negotiation", amount=65000)
    assert moved.deal is not None and moved.deal.stage == "negotiation"
    assert moved.changed["amount"] == ("50000.00", "65000.00")
    assert crm.advance_deal(ann, "Acme renewal").deal.stage == "won"  # type: ignore[union-attr]
    with pytest.raises(Invalid):
        crm.advance_deal(ann, "Acme renewal")


def test_deal_found_by_company_name(crm: CRM, ann: Actor) -> None:
    crm.create_deal(ann, "Platform migration", company="Globex", amount=1_200_000)
    assert crm.update_deal(ann, "Globex", stage="won").deal.stage == "won"  # type: ignore[union-attr]


def test_bad_values_are_refused_with_the_right_form(crm: CRM, ann: Actor) -> None:
    crm.create_deal(ann, "Acme renewal", company="Acme")
    with pytest.raises(Invalid) as amount:
        crm.update_deal(ann, "Acme renewal", amount="lots")
    assert "50k" in (describe(amount.value)[1] or "")
    with pytest.raises(Invalid) as stage:
        crm.update_deal(ann, "Acme renewal", stage="celebrating")
    assert "negotiation" in (describe(stage.value)[1] or "")
    with pytest.raises(Invalid):
        crm.update_deal(ann, "Acme renewal", close_date="someday")
    with pytest.raises(NotFound):
        crm.update_deal(ann, "Wayne Enterprises", stage="won")


def test_two_close_deals_are_ambiguous(crm: CRM, ann: Actor) -> None:
    crm.create_deal(ann, "Acme renewal 2026", company="Acme")
    crm.create_deal(ann, "Acme renewal 2027", company="Acme")
    with pytest.raises(Ambiguous) as err:
        crm.resolve_deal(ann, "Acme renewal")
    assert len(err.value.candidates) == 2


def test_a_rep_cannot_change_someone_elses_deal_but_a_manager_can(crm: CRM, ann: Actor, bob: Actor) -> None:
    crm.create_deal(ann, "Acme renewal", company="Acme")
    with pytest.raises(Forbidden):
        crm.update_deal(bob, "Acme renewal", stage="won")
    crm.set_role(ann, "UBOB", "manager")
    boss = crm.actor("T1", "UBOB")
    assert boss is not None
    assert crm.update_deal(boss, "Acme renewal", stage="won").deal.stage == "won"  # type: ignore[union-attr]


def test_pipeline_per_stage_and_owner(crm: CRM, ann: Actor, bob: Actor) -> None:
    crm.create_deal(ann, "A1", company="Acme", amount=100, stage="lead")
    crm.create_deal(ann, "A2", company="Acme", amount=200, stage="proposal")
    crm.create_deal(bob, "B1", company="Globex", amount=1000, stage="proposal")
    crm.create_deal(bob, "B2", company="Globex", amount=5, stage="won")
    team = crm.pipeline(ann)
    by_stage = {s.stage: (s.count, s.amounts.get("USD", Decimal(0))) for s in team.stages}
    assert by_stage["lead"] == (1, Decimal(100))
    assert by_stage["proposal"] == (2, Decimal(1200))
    assert by_stage["won"] == (1, Decimal(5))
    assert team.open_count == 3 and team.open_amounts == {"USD": Decimal(1300)}
    assert {(o.owner_slack_id, o.count, o.amounts["USD"]) for o in team.owners} == {
        ("UANN", 2, Decimal(300)),
        ("UBOB", 1, Decimal(1000)),
    }
    mine = crm.pipeline(ann, owner="UANN")
    assert {s.stage: s.count for s in mine.stages}["proposal"] == 1


def test_concurrent_updates_of_one_deal_lose_nothing(pg_engine: Engine) -> None:
    """Two sessions change the same deal at once on PostgreSQL: both changes survive."""
    crm = CRM(make_session_factory(pg_engine))
    ann = crm.register_user("T1", "UANN", name="Ann", tz="UTC")
    crm.create_deal(ann, "Acme renewal", company="Acme", amount=0)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def add(n: int) -> None:
        try:
            barrier.wait()
            for _ in range(n):
                crm.update_deal(ann, "Acme renewal", add_amount=1)
        except BaseException as exc:  # noqa: BLE001 - surfaced to the test below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(25,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert crm.resolve_deal(ann, "Acme renewal").amount == Decimal(50)


def test_concurrent_changes_to_different_fields_both_land(pg_engine: Engine) -> None:
    crm = CRM(make_session_factory(pg_engine))
    ann = crm.register_user("T1", "UANN", name="Ann", tz="UTC")
    deal_id = crm.create_deal(ann, "Acme renewal", company="Acme", amount=10).deal.id  # type: ignore[union-attr]
    barrier = threading.Barrier(2)

    def change(kwargs: dict[str, object]) -> None:
        barrier.wait()
        crm.update_deal(ann, deal_id, **kwargs)  # type: ignore[arg-type]

    threads = [
        threading.Thread(target=change, args=({"stage": "proposal"},)),
        threading.Thread(target=change, args=({"amount": 999},)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    deal = crm.resolve_deal(ann, deal_id)
    assert (deal.stage, deal.amount) == ("proposal", Decimal(999))
