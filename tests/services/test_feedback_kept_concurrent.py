"""What each satisfaction answer carries for its report stays equal to a recount when several people
write at once on PostgreSQL: answers logged while their contacts are merged (taking the other's owner),
deleted, renamed companies and undone, interleaved."""

from __future__ import annotations

import random

from sqlalchemy import Engine, select

from bot.db import make_session_factory
from bot.services import CRM, Actor, DomainError
from models import Company, Contact
from tests.support.concurrency import all_at_once
from tests.support.feedback_rows import same


def test_kept_columns_match_a_recount_after_concurrent_writes_and_undos(pg_engine: Engine) -> None:
    crm = CRM(make_session_factory(pg_engine))
    ann = crm.register_user("T1", "UANN", name="Ann", tz="UTC", role="manager")
    bob = crm.register_user("T1", "UBOB", name="Bob", tz="UTC", role="manager")
    for i in range(8):
        crm.create_contact(ann if i % 2 else bob, f"Person {i}", company=f"Firm {i % 3}", force=True)
    with crm.sessions() as s:
        ids = list(s.scalars(select(Contact.id).order_by(Contact.id)))
        firms = list(s.scalars(select(Company.id).order_by(Company.id)))

    def work(actor: Actor, seed: int) -> None:
        rnd = random.Random(seed)
        ops: list[str] = []
        # Each writer merges and deletes two people of its own, and logs answers about anyone.
        mine = ids[2 * seed : 2 * seed + 2]
        for _ in range(20):
            pick = rnd.random()
            try:
                if pick < 0.45:
                    ops.append(crm.log_feedback(actor, rnd.choice(ids), "nps", rnd.randint(0, 10)).op_id)
                elif pick < 0.6:
                    a, b = rnd.sample(mine, 2)
                    ops.append(crm.merge(actor, "contact", a, b, keep={"owner_id": "b"}).op_id)
                elif pick < 0.7:
                    ops.append(crm.delete_record(actor, "contact", rnd.choice(mine)).op_id)
                elif pick < 0.8:
                    renamed = crm.update_company(
                        actor, rnd.choice(firms), name=f"Firm {seed}{rnd.randrange(99)}"
                    )
                    ops.append(renamed.op_id)
                elif ops:
                    crm.undo(actor, ops.pop(rnd.randrange(len(ops))))
            except DomainError:
                pass  # merged, deleted or changed since: refused cleanly is fine here

    errors = all_at_once(work, [ann, bob, ann, bob])
    assert errors == []
    rows = same(crm)
    assert rows and {owner for owner, _, _ in rows.values()} <= {ann.user_id, bob.user_id}
