"""The funnel's rows and totals stay equal to a recount when several people write at once on
PostgreSQL: moves, re-owning, creates, deletes and undos interleaved. Every write either refused by a
rule (the deal changed or went since) or saved: none lost to two writers waiting on each other (they
take the totals' keys in one order; a deadlock left over is run again, bot/services/retrying.py)."""

from __future__ import annotations

import random

from sqlalchemy import Engine, select

from bot.db import make_session_factory
from bot.services import CRM, Actor, DomainError
from models import AuditEvent
from tests.services.test_funnel_rows import same
from tests.support.concurrency import all_at_once


def test_rows_match_a_recount_after_concurrent_writes_and_undos(pg_engine: Engine) -> None:
    crm = CRM(make_session_factory(pg_engine))
    ann = crm.register_user("T1", "UANN", name="Ann", tz="UTC", role="manager")
    bob = crm.register_user("T1", "UBOB", name="Bob", tz="UTC", role="manager")
    deals = [crm.create_deal(ann, f"Deal {i}", amount=str(1000 * (i + 1))).deal for i in range(4)]
    ids = [d.id for d in deals if d]
    stages = ["lead", "qualified", "demo", "proposal", "won", "lost"]
    saved: list[str] = []

    def work(actor: Actor, seed: int) -> None:
        rnd = random.Random(seed)
        ops: list[str] = []
        for _ in range(25):
            pick = rnd.random()
            try:
                if pick < 0.45:
                    w = crm.update_deal(
                        actor,
                        rnd.choice(ids),
                        stage=rnd.choice(stages),
                        owner=rnd.choice(["UANN", "UBOB"]) if rnd.random() < 0.3 else None,
                    )
                    ops.append(w.op_id)
                    if not w.changed:
                        continue  # already as asked: nothing to save
                elif pick < 0.6:
                    ops.append(crm.create_deal(actor, f"New {seed}", amount="250").op_id)
                elif pick < 0.7:
                    ops.append(crm.delete_record(actor, "deal", rnd.choice(ids)).op_id)
                elif ops:
                    undone = crm.undo(actor, ops.pop(rnd.randrange(len(ops))))
                    saved.append(undone.op_id)
                    continue
                else:
                    continue
                saved.append(ops[-1])
            except DomainError:
                pass  # changed again since, already gone: refused cleanly is fine here

    errors = all_at_once(work, [ann, bob, ann, bob])
    assert errors == []
    rows = same(crm, ann)
    assert rows["deals"]
    # Each write a person was told was saved is there: its audit events under its op id.
    with crm.read(ann) as s:
        there = set(s.scalars(select(AuditEvent.op_id).where(AuditEvent.op_id.in_(saved))))
    assert saved and there == set(saved)
