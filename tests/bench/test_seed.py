"""The benchmark seeder at a small scale: rows land where the services find them."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine, func, select

from bench.seed import seed
from bot.db import make_session_factory
from bot.services import CRM
from models import Contact, Deal


def test_seed_makes_a_workspace_the_services_can_work_with(engine: Engine) -> None:
    made = seed(engine, contacts=300, deals=2_000, users=5, migrate=False)
    assert (made.contacts, made.deals, made.companies) == (300, 2_000, 30)

    with engine.connect() as conn:
        assert conn.scalar(select(func.count(Deal.id))) == 2_000
        total = conn.scalar(select(func.sum(Deal.amount)))
        name = conn.scalar(select(Contact.name).order_by(Contact.id).limit(1))
    assert name is not None

    crm = CRM(make_session_factory(engine))
    manager = crm.actor("TBENCH", "UB00000")
    assert manager is not None and manager.is_manager
    pipeline = crm.pipeline(manager)
    assert sum(s.count for s in pipeline.stages) == 2_000
    assert sum((a for s in pipeline.stages for a in s.amounts.values()), Decimal(0)) == total
    # A typo in the last name still finds the person.
    first, last = name.split(" ", 1)
    assert name in [c.name for c in crm.find_contacts(manager, f"{first} {last[:-1]}x")]
    # New rows get fresh ids after the explicit ones the seeder used.
    written = crm.create_contact(manager, "Brand New Person", force=True)
    assert written.contact is not None and written.contact.id > 300
