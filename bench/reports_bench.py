"""Reports over a seeded workspace (``python -m bench.seed``): each report's service call, one at a time,
as a manager of the bench team, after warm-up rounds; milliseconds to the figures (not over HTTP, no chart); the trend reports also whole, with their weeks.

    .venv/bin/python -m bench.reports_bench [--db sqlite:///PATH] [--deals 100000] [--rounds 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from bot.blocks.reports import Reading, compose
from bot.db import make_engine, make_session_factory
from bot.services import CRM


def _measure(call: Callable[[], Any], rounds: int) -> tuple[float, float]:
    for _ in range(2):
        call()
    took = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        took.append((time.perf_counter() - started) * 1000)
    took.sort()
    return statistics.median(took), took[max(0, int(len(took) * 0.95) - 1)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.reports_bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--db", help="a seeded database; default: a fresh SQLite file with --deals deals")
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--team", default="TBENCH")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    url = args.db
    if url is None:
        from bench.seed import seed

        url = f"sqlite:///{tempfile.mkdtemp(prefix='reports-bench-')}/bench.sqlite3"
        seed(url, contacts=max(1, args.deals // 10), deals=args.deals)
    engine = make_engine(url)
    crm = CRM(make_session_factory(engine), clock=lambda: datetime.now(UTC))
    boss = crm.register_user(args.team, "UBENCHBOSS", name="Bench Boss", tz="UTC", role="admin")
    reading = Reading(crm, boss, datetime.now(UTC))
    today = datetime.now(UTC).date()
    quarter = date(today.year, (today.month - 1) // 3 * 3 + 1, 1), today
    year = date(today.year, 1, 1), today
    reports: dict[str, Callable[[], Any]] = {
        "won/lost (quarter)": lambda: crm.closed(boss, *quarter),
        "funnel (quarter)": lambda: crm.funnel(boss, *quarter),
        "velocity (quarter)": lambda: crm.velocity(boss, *quarter),
        "forecast (next 90 days)": lambda: crm.forecast(
            boss, today, date.fromordinal(today.toordinal() + 90)
        ),
        "quota (quarter)": lambda: crm.attainment(boss, *quarter),
        "customers (year)": lambda: crm.customers(boss, *year),
        "satisfaction (quarter)": lambda: crm.satisfaction(boss, *quarter),
        # The whole report as a reply or a subscription reads it: its figures and its 13 or 14 weeks.
        "won, with each week (quarter)": lambda: compose(reading, "won", *quarter, None),
        "win rate, with each week (quarter)": lambda: compose(reading, "win_rate", *quarter, None),
        "activity, with each week (quarter)": lambda: compose(reading, "activity", *quarter, None),
    }
    print("| report | p50 ms | p95 ms |\n| --- | ---: | ---: |")
    for name, call in reports.items():
        p50, p95 = _measure(call, args.rounds)
        print(f"| {name} | {p50:.1f} | {p95:.1f} |", flush=True)
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
