"""The pipeline is read from running totals: after any mix of writes and undos they must equal a
recount of the deals themselves."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.services import CRM, Actor
from models import Deal, PipelineStage


def recount(crm: CRM, actor: Actor) -> dict[str, tuple[int, Decimal]]:
    with crm.read() as s:
        rows = s.execute(
            select(PipelineStage.key, func.count(Deal.id), func.coalesce(func.sum(Deal.amount), 0))
            .select_from(PipelineStage)
            .outerjoin(Deal, Deal.stage_id == PipelineStage.id)
            .where(PipelineStage.workspace_id == actor.workspace_id)
            .group_by(PipelineStage.key)
        ).all()
    return {r[0]: (int(r[1]), Decimal(r[2]).quantize(Decimal("0.01"))) for r in rows}


def figures(crm: CRM, actor: Actor, owner: str | None = None) -> dict[str, tuple[int, Decimal]]:
    return {
        s.stage: (s.count, s.amounts.get("USD", Decimal(0)).quantize(Decimal("0.01")))
        for s in crm.pipeline(actor, owner=owner).stages
    }


def test_totals_follow_creates_moves_amounts_owners_and_undos(crm: CRM, ann: Actor, bob: Actor) -> None:
    crm.set_role(ann, "UANN", "admin")
    a = crm.create_deal(ann, "Acme renewal", company="Acme", amount="50000", stage="lead")
    b = crm.create_deal(bob, "Globex pilot", company="Globex", amount="12000", stage="demo")
    c = crm.create_deal(ann, "Initech licenses", company="Initech")  # no amount
    assert a.deal and b.deal and c.deal
    assert figures(crm, ann) == recount(crm, ann)

    moved = crm.update_deal(ann, a.deal.id, stage="proposal")
    crm.update_deal(bob, b.deal.id, amount="15000")
    crm.update_deal(ann, c.deal.id, amount="700", owner="UBOB", stage="won")
    assert figures(crm, ann) == recount(crm, ann)
    assert figures(crm, ann)["proposal"] == (1, Decimal("50000.00"))
    assert figures(crm, ann, owner="UBOB")["won"] == (1, Decimal("700.00"))

    crm.undo(ann, moved.op_id)
    crm.undo(ann, a.op_id)  # removes the deal
    assert figures(crm, ann) == recount(crm, ann)
    assert figures(crm, ann)["lead"] == (0, Decimal("0.00"))

    pipeline = crm.pipeline(ann)
    assert {o.owner_slack_id: o.count for o in pipeline.owners} == {"UBOB": 1}
    assert pipeline.open_amounts == {"USD": Decimal("15000.00")}


def test_totals_are_kept_by_every_session_factory_even_after_others_are_gone(crm: CRM, ann: Actor) -> None:
    """A factory made after an earlier one was freed (its memory, and so its id, reused) must still
    keep the totals: each web process, console and scheduler builds its own."""
    import gc

    from bot.db import make_session_factory

    engine = crm.sessions.kw["bind"]
    for i in range(6):
        other = CRM(make_session_factory(engine))
        other.create_deal(ann, f"Deal {i}", amount="100")
        del other
        gc.collect()
    assert figures(crm, ann) == recount(crm, ann)
    assert figures(crm, ann)["lead"] == (6, Decimal("600.00"))


def test_totals_are_kept_per_currency_and_follow_a_currency_change(crm: CRM, ann: Actor) -> None:
    from bot.services.errors import CurrencyChange

    a = crm.create_deal(ann, "Boston", amount="10000", currency="USD", stage="lead")
    crm.create_deal(ann, "Berlin", amount="5000", currency="EUR", stage="lead")
    assert a.deal is not None
    lead = {s.stage: s for s in crm.pipeline(ann).stages}["lead"]
    assert (lead.count, lead.amounts) == (2, {"EUR": Decimal("5000"), "USD": Decimal("10000")})
    with pytest.raises(CurrencyChange):
        crm.update_deal(ann, a.deal.id, amount="9000", currency="EUR")
    crm.update_deal(ann, a.deal.id, amount="9000", currency="EUR", force=True)
    lead = {s.stage: s for s in crm.pipeline(ann).stages}["lead"]
    assert lead.amounts == {"EUR": Decimal("14000")}
