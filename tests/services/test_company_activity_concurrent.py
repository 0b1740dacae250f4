"""When each company's deals were last active stays equal to a recount when several people write on one
company's deals at once on PostgreSQL: calls logged, edits, deals moved between companies, made,
deleted and undone, interleaved."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta
from itertools import count

from psycopg.errors import DeadlockDetected
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from bot.db import make_session_factory
from bot.services import CRM, Actor, DomainError
from tests.services.test_company_activity import same


def test_rows_match_a_recount_after_concurrent_writes_on_one_company(pg_engine: Engine) -> None:
    ticks = count()
    lock = threading.Lock()

    def clock() -> datetime:
        # Every write a moment later than the one before, whichever thread makes it.
        with lock:
            return datetime(2026, 3, 2, tzinfo=UTC) + timedelta(minutes=next(ticks))

    crm = CRM(make_session_factory(pg_engine), clock)
    ann = crm.register_user("T1", "UANN", name="Ann", tz="UTC", role="manager")
    bob = crm.register_user("T1", "UBOB", name="Bob", tz="UTC", role="manager")
    deals = [crm.create_deal(ann, f"Deal {i}", company="Acme", amount="100").deal for i in range(4)]
    crm.create_deal(ann, "Globex order", company="Globex", amount="10")
    ids = [d.id for d in deals if d]
    errors: list[BaseException] = []

    def work(actor: Actor, seed: int) -> None:
        rnd = random.Random(seed)
        ops: list[str] = []
        try:
            for _ in range(25):
                pick = rnd.random()
                try:
                    if pick < 0.4:
                        crm.log_interaction(actor, "call", f"call {seed}", deal=rnd.choice(ids))
                    elif pick < 0.6:
                        company = rnd.choice(["Acme", "Globex"])
                        ops.append(crm.update_deal(actor, rnd.choice(ids), company=company).op_id)
                    elif pick < 0.7:
                        ops.append(crm.create_deal(actor, f"New {seed}", company="Acme", amount="5").op_id)
                    elif pick < 0.8:
                        ops.append(crm.delete_record(actor, "deal", rnd.choice(ids)).op_id)
                    elif ops:
                        crm.undo(actor, ops.pop(rnd.randrange(len(ops))))
                except DomainError:
                    pass  # changed again since, already gone: refused cleanly is fine here
                except OperationalError as exc:
                    # Two writers that waited on each other: one is rolled back whole.
                    if not isinstance(exc.orig, DeadlockDetected):
                        raise
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(who, n)) for n, who in enumerate([ann, bob, ann, bob])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert "Acme" in same(crm, ann)
