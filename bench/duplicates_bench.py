"""`/crm duplicates` over a seeded workspace: how long the scan of its contacts and companies takes.

The workspace is filled by the bench seeder (its contacts share first names and surnames, so many are
alike); the scan is the service call the `/crm duplicates` answer makes after the ack, timed end to end
(the rows read, compared and paired). The database is a private one (PostgreSQL) or a temporary file
(SQLite), dropped at the end.

    python -m bench.duplicates_bench --backend sqlite|postgresql [--contacts 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence

from bench.seed import seed
from bot.db import make_engine, make_session_factory
from bot.services import CRM

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def run(url: str, contacts: int, runs: int) -> str:
    engine = make_engine(url)
    try:
        seeded = seed(engine, contacts=contacts, deals=0, log=True)
        crm = CRM(make_session_factory(engine))
        actor = crm.register_user(seeded.team_id, "UBENCHDUP", name="Bench Person", role="admin")
        times, cpu, found = [], [], None
        for _ in range(runs):
            started = time.process_time()
            found = crm.duplicates(actor)
            cpu.append(time.process_time() - started)
            times.append(found.seconds)
        assert found is not None
        # Wall time depends on what else the machine runs; the bot's own CPU time does not.
        return (
            f"{engine.dialect.name}: {found.scanned:,} contacts and companies, {found.total:,} likely pairs; "
            f"wall median {statistics.median(times):.1f} s (best {min(times):.1f} s), "
            f"bot CPU median {statistics.median(cpu):.1f} s, over {runs} runs"
        )
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.duplicates_bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--server", default=os.environ.get("CRM_TEST_POSTGRES_URL", DEFAULT_SERVER))
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            print(run(f"sqlite:///{tmp}/dup.db", args.contacts, args.runs))
        return 0
    from tests.support.databases import create_private_database, drop_database

    url = create_private_database(args.server)
    try:
        print(run(url, args.contacts, args.runs))
    finally:
        drop_database(args.server, url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
