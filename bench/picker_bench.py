"""The forms' pickers and the App Home at scale: search-as-you-type options over 1,000,000 contacts and
the dashboard over 1,000,000 deals (PostgreSQL), against Slack's three seconds for options.

    .venv/bin/python -m bench.picker_bench --db postgresql+psycopg://postgres@127.0.0.1:5432/bench_pickers

The database must be empty (it is seeded with bench/seed.py) or hold this benchmark's earlier seeding
(``--reuse``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence

from sqlalchemy import select

from bench.seed import seed
from bot.blocks import cards
from bot.db import make_engine, make_session_factory
from bot.services import CRM
from models import User, Workspace

TYPED = ("a", "ma", "sof", "jo", "smith", "lee", "an d", "zz")


def timed(work: object, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.picker_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="", help="an empty PostgreSQL (or SQLite) database to seed")
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="the database is seeded already")
    args = parser.parse_args(argv)
    if not args.db:
        print("picker_bench: give --db (an empty database to seed); skipped")
        return 0
    engine = make_engine(args.db)
    if not args.reuse:
        seed(engine, contacts=args.contacts, deals=args.deals, log=True)
    crm = CRM(make_session_factory(engine))
    with engine.connect() as conn:
        team = conn.scalar(select(Workspace.team_id).where(Workspace.team_id == "TBENCH"))
        slack_id = conn.scalar(select(User.slack_id).order_by(User.id).limit(1))
    actor = crm.actor(str(team), str(slack_id))
    assert actor is not None
    print(
        f"{engine.dialect.name}, {args.contacts:,} contacts, {args.deals:,} deals; median / max of {args.runs}"
    )
    worst = 0.0
    for kind in ("contact", "company", "deal"):
        for typed in TYPED:
            found = len(crm.pick_options(actor, kind, typed))
            median, most = timed(lambda k=kind, t=typed: crm.pick_options(actor, k, t), args.runs)
            worst = max(worst, most)
            print(f"  {kind:<8} {typed!r:<9} {found:>3} options  {median:7.1f} ms / {most:7.1f} ms")
    board = crm.dashboard(actor)
    median, most = timed(lambda: crm.dashboard(actor), args.runs)
    blocks = cards.home(actor.name, board, actor.tz)
    print(f"  App Home dashboard: {median:.1f} ms / {most:.1f} ms, {len(blocks)} blocks")
    print(f"worst picker answer {worst:.0f} ms (Slack waits 3,000 ms)")
    return 0 if worst < 3000 else 1


if __name__ == "__main__":
    sys.exit(main())
