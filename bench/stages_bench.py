"""The team's pipelines at scale: listing the stages (with deal counts), changing one, and removing a stage
that holds deals (each deal moved and audited, in one op), then undoing that removal.

    python -m bench.stages_bench [--db URL] [--deals 20000]

Through the service layer (the work a request does after its ack), on a seeded workspace (bench/seed.py).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.seed import seed
from bot.db import make_engine, make_session_factory
from bot.services import CRM


def _timed(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    took = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        took.append((time.perf_counter() - started) * 1000)
    took.sort()
    return statistics.median(took), took[min(len(took) - 1, int(len(took) * 0.95))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="a database URL (default: a new SQLite file in a temporary directory)")
    parser.add_argument("--deals", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        return run(args.db or f"sqlite:///{tmp}/stages.sqlite3", args.deals, args.runs)


def run(db: str, deals: int, runs: int) -> int:
    engine = make_engine(db)
    seeded = seed(engine, contacts=max(1000, deals // 10), deals=deals)
    crm = CRM(make_session_factory(engine))
    actor = crm.register_user(seeded.team_id, "UB00000", name="Bench admin", role="admin")
    p50, p95 = _timed(lambda: crm.pipelines(actor), runs)
    print(f"/crm stages (list with deal counts), {seeded.deals:,} deals: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    p50, p95 = _timed(lambda: crm.change_stage(actor, "demo", chance=41), 1)
    print(f"/crm stages set demo 41%: {p50:.1f} ms")
    held = next(st.deals for p in crm.pipelines(actor) for st in p.stages if st.ref == "qualified")
    started = time.perf_counter()
    removed = crm.remove_stage(actor, "qualified", move_to="lead")
    took = time.perf_counter() - started
    print(f"/crm stages remove qualified to lead, {held:,} deals moved and audited: {took:.1f} s")
    started = time.perf_counter()
    crm.undo(actor, removed.op_id)
    print(f"Undo of that removal: {time.perf_counter() - started:.1f} s")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
