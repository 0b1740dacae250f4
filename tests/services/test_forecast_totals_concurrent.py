"""The forecast's kept totals stay equal to a recount of the deals when several people write at once on
PostgreSQL: moves, re-pricing, re-dating across months, re-owning, categories, creates, deletes and undos
interleaved (each transaction writes its keys once, in order, as it commits: none is aborted for a
deadlock on them)."""

from __future__ import annotations

import random

from sqlalchemy import Engine

from bot.db import make_session_factory
from bot.services import CRM, Actor, DomainError
from tests.services.test_forecast_totals import same
from tests.support.concurrency import all_at_once


def test_totals_match_a_recount_after_concurrent_writes_and_undos(pg_engine: Engine) -> None:
    crm = CRM(make_session_factory(pg_engine))
    ann = crm.register_user("T1", "UANN", name="Ann", tz="UTC", role="manager")
    bob = crm.register_user("T1", "UBOB", name="Bob", tz="UTC", role="manager")
    months = ["2027-01-15", "2027-01-31", "2027-02-01", "2027-03-20"]
    deals = [
        crm.create_deal(ann, f"Deal {i}", amount=str(1000 * (i + 1)), close_date=months[i]).deal
        for i in range(4)
    ]
    ids = [d.id for d in deals if d]
    stages = ["lead", "qualified", "demo", "won", "lost"]

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
                        amount=str(rnd.randint(1, 90) * 100) if rnd.random() < 0.5 else None,
                        close_date=rnd.choice(months) if rnd.random() < 0.5 else None,
                        owner=rnd.choice(["UANN", "UBOB"]) if rnd.random() < 0.3 else None,
                    )
                    ops.append(w.op_id)
                elif pick < 0.55:
                    category = rnd.choice(["pipeline", "best_case", "commit"])
                    ops.append(crm.categorize_deal(actor, rnd.choice(ids), category).op_id)
                elif pick < 0.7:
                    ops.append(
                        crm.create_deal(
                            actor, f"New {seed}", amount="250", close_date=rnd.choice(months)
                        ).op_id
                    )
                elif pick < 0.75:
                    ops.append(crm.delete_record(actor, "deal", rnd.choice(ids)).op_id)
                elif ops:
                    crm.undo(actor, ops.pop(rnd.randrange(len(ops))))
            except DomainError:
                pass  # changed again since, already gone: refused cleanly is fine here

    errors = all_at_once(work, [ann, bob, ann, bob])
    assert errors == []
    assert sum(n for n, _ in same(crm, ann).values()) > 0
