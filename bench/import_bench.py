"""Import and export at scale: a contact CSV of N rows (5 % duplicates of contacts already there, 1 %
bad rows) imported with dedupe, then an export of the workspace's contacts and deals.

    .venv/bin/python -m bench.import_bench --rows 1000000 --backend both
    .venv/bin/python -m bench.import_bench --rows 100000 --export-contacts 1000000 --export-deals 1000000
    .venv/bin/python -m bench.import_bench --rows 1000000 --db postgresql+psycopg://postgres@127.0.0.1:5432/io_1m
    .venv/bin/python -m bench.import_bench --roundtrip 100000 --backend postgresql

``--roundtrip N``: a workspace of N deals (N/10 contacts) with about four audit events a deal and their
stage history, exported whole, its zip imported into an empty workspace of another private database
(the audit trail and the stage history replayed), and both workspaces' funnel compared.

Every run uses a private database (a temporary SQLite file; a PostgreSQL database created on the server
named by --server and dropped at the end). Peak memory (RSS) is read from /proc while it runs.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func, select, update

from bench.seed import seed
from bot.db import make_engine, make_session_factory
from bot.migrate import upgrade
from bot.services.dataio.exporter import Exporter
from bot.services.dataio.importer import Importer, operator
from models import Contact, Deal, User

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
HEADERS = [
    "Record ID",
    "First Name",
    "Last Name",
    "Email",
    "Phone Number",
    "Company Name",
    "Job Title",
    "Lifecycle Stage",
    "Create Date",
]
FIRST = [
    "Ana",
    "Ben",
    "Chloé",
    "Dev",
    "Eva",
    "Femi",
    "Gus",
    "Hana",
    "Ivan",
    "Jun",
    "Kai",
    "Lena",
    "Mo",
    "Nia",
]
LAST = ["Silva", "Okafor", "Müller", "Tanaka", "Rossi", "Nowak", "Kim", "Haddad", "Dubois", "Larsen"]
BAD = [("Email", "not-an-email"), ("Create Date", "2024-02-30"), ("Lifecycle Stage", "zombie")]


def write_csv(path: Path, rows: int, existing: list[str], rng: random.Random) -> tuple[int, int]:
    """N rows: 5 % the emails of contacts already there, 1 % bad, the rest new. Returns (dups, bad)."""
    dups = bad = 0
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADERS)
        for n in range(rows):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            row = [
                str(n),
                first,
                last,
                f"{first.lower()}.{last.lower()}.{n}@import{n % 997}.example",
                f"+1 555 {n % 10000:04d}",
                f"Company {n % 5000}",
                "Buyer",
                "lead",
                "2024-03-01 10:15",
            ]
            roll = n % 100
            if roll < 5 and existing:
                row[3] = existing[dups % len(existing)]
                dups += 1
            elif roll == 5:
                col, value = BAD[n % len(BAD)]
                row[HEADERS.index(col)] = value
                bad += 1
            w.writerow(row)
    return dups, bad


def _cpu() -> float:
    """This process's CPU seconds (user + system): on shared cores, the part of a wall time that is
    the bench's own work rather than its wait for a core."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def _server_cpu(url: str) -> float:
    """CPU seconds used so far by the PostgreSQL backends connected to the bench's database (read from
    /proc: the server runs on this machine); 0 for SQLite, whose work is the bench's own."""
    if not url.startswith("postgresql"):
        return 0.0
    name = f" {url.rsplit('/', 1)[-1]} "
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if name.encode() not in f.read().replace(b"\x00", b" ") + b" ":
                    continue
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        except OSError:
            continue
    return total


def _load() -> str:
    """The machine's load average (1 and 5 minutes) as a figure was taken: the cores are shared."""
    one, five, _ = os.getloadavg()
    return f"load {one:.1f} / {five:.1f}"


def _phases(started: float):  # type: ignore[no-untyped-def]
    seen: set[str] = set()

    def tell(p) -> None:  # type: ignore[no-untyped-def]
        if p.phase not in seen:
            seen.add(p.phase)
            print(
                f"  {p.phase} from {time.perf_counter() - started:.1f} s ({p.rows:,} rows read)",
                file=sys.stderr,
            )

    return tell


class PeakRSS:
    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(0.2):
            with open("/proc/self/statm") as f:
                rss = int(f.read().split()[1]) * resource.getpagesize()
            self.peak = max(self.peak, rss)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run(url: str, label: str, args: argparse.Namespace, tmp: Path, *, seeded: bool = False) -> list[str]:
    lines = []
    engine = make_engine(url)
    existing_n = max(1, args.rows // 20)
    if not seeded:
        seed(
            engine,
            contacts=max(existing_n, args.export_contacts),
            deals=args.export_deals,
            team_id="TBENCH",
            log=True,
        )
    sessions = make_session_factory(engine)
    with engine.begin() as conn:
        # The seeded team has reps only; the import and export are run by its admin.
        first = conn.scalar(select(func.min(User.id)))
        conn.execute(update(User).where(User.id == first).values(role="admin"))
    actor = operator(sessions, "TBENCH", None)
    with sessions() as s:
        existing = list(s.scalars(select(Contact.email).where(Contact.email.is_not(None)).limit(existing_n)))
    path = tmp / f"contacts-{args.rows}.csv"
    dups, bad = write_csv(path, args.rows, existing, random.Random(7))
    size = path.stat().st_size / 1e6
    with PeakRSS() as rss:
        started, cpu, server = time.perf_counter(), _cpu(), _server_cpu(url)
        result = Importer(sessions).run(
            actor, path, "contact", report=tmp / "bad.csv", progress=_phases(started)
        )
        took, cpu, server = time.perf_counter() - started, _cpu() - cpu, _server_cpu(url) - server
    # A new row can also match a seeded contact by name and company, so matching is at least the dups.
    assert result.bad == bad and result.matching + result.repeated >= dups, (
        result.bad,
        bad,
        result.matching,
        dups,
    )
    lines.append(
        f"| {label} | import {args.rows:,} contacts ({size:.0f} MB CSV, {dups:,} dups, {bad:,} bad) | {took:.1f} s (CPU {cpu:.1f} s + server {server:.1f} s) | "
        f"{args.rows / took:,.0f} rows/s | peak RSS {rss.peak / 1e6:.0f} MB | {_load()} |"
    )
    print(lines[-1], flush=True)
    with PeakRSS() as rss:
        started, cpu, server = time.perf_counter(), _cpu(), _server_cpu(url)
        Importer(sessions).undo(actor, result.batch_id)
        took, cpu, server = time.perf_counter() - started, _cpu() - cpu, _server_cpu(url) - server
    lines.append(
        f"| {label} | undo that import ({result.created:,} contacts) | {took:.1f} s (CPU {cpu:.1f} s + server {server:.1f} s) | | | {_load()} |"
    )
    print(lines[-1], flush=True)
    with sessions() as s:
        contacts = s.scalar(select(func.count()).select_from(Contact))
        deals = s.scalar(select(func.count()).select_from(Deal))
    with PeakRSS() as rss:
        started, cpu, server = time.perf_counter(), _cpu(), _server_cpu(url)
        Exporter(sessions).run(actor, tmp / "export.zip")
        took, cpu, server = time.perf_counter() - started, _cpu() - cpu, _server_cpu(url) - server
    lines.append(
        f"| {label} | export {contacts:,} contacts + {deals:,} deals (zip of CSVs) | {took:.1f} s "
        f"(CPU {cpu:.1f} s + server {server:.1f} s) | | "
        f"peak RSS {rss.peak / 1e6:.0f} MB | {_load()} |"
    )
    print(lines[-1], flush=True)
    engine.dispose()
    return lines


def roundtrip(server: str, deals: int, tmp: Path, backend: str, source_url: str | None = None) -> list[str]:
    """Export a seeded workspace with its history, import the zip into an empty database, compare."""
    from bot.services import CRM
    from bot.services.dataio.importer import import_archive

    def private() -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp}/{len(made)}.db"
        from tests.support.databases import create_private_database

        return create_private_database(server)

    made: list[str] = []
    label = "PostgreSQL" if backend == "postgresql" else "SQLite"
    lines = []
    try:
        if source_url is None:
            made.append(private())
            source = make_engine(made[0])
            seed(
                source,
                contacts=max(1, deals // 10),
                deals=deals,
                audit_events=deals * 4,
                team_id="TBENCH",
                log=True,
            )
        else:
            source = make_engine(source_url)  # seeded by bench.seed with its history, workspace TBENCH
        sessions = make_session_factory(source)
        with source.begin() as conn:
            first = conn.scalar(select(func.min(User.id)))
            conn.execute(update(User).where(User.id == first).values(role="admin"))
            admin = conn.execute(select(User.slack_id, User.name, User.email).where(User.id == first)).one()
        actor = operator(sessions, "TBENCH", None)
        out = tmp / "workspace.zip"
        with PeakRSS() as rss:
            started = time.perf_counter()
            done = Exporter(sessions).run(actor, out)
            took = time.perf_counter() - started
        size = out.stat().st_size / 1e6
        lines.append(
            f"| {label} | export {deals:,} deals, {done.counts.get('audit', 0):,} audit events, "
            f"{done.counts.get('stage_change', 0):,} stage changes ({size:.0f} MB zip) | {took:.1f} s | "
            f"peak RSS {rss.peak / 1e6:.0f} MB | {_load()} |"
        )
        print(lines[-1], flush=True)

        made.append(private())
        target = make_engine(made[-1])
        upgrade(target)
        crm = CRM(make_session_factory(target))
        crm.ensure_workspace("TNEW", "New")
        # The same person runs the import there (the people of the file are added beside them).
        crm.register_user("TNEW", admin.slack_id, name=admin.name, email=admin.email, role="admin")
        into = operator(crm.sessions, "TNEW", None)
        with PeakRSS() as rss:
            started = time.perf_counter()
            archive = import_archive(
                Importer(crm.sessions), into, out, _members(out), tmp, report_for=lambda m: tmp / f"bad-{m}"
            )
            took = time.perf_counter() - started
        r = archive.replayed
        for one in archive.results:
            if one.bad:
                print((tmp / f"bad-{one.file_name}").read_text()[:600], file=sys.stderr)
            print(
                f"  {one.file_name}: {one.rows:,} rows, {one.created:,} made, {one.bad:,} bad, "
                f"{one.repeated:,} repeated, {one.matching:,} matching",
                file=sys.stderr,
            )
        lines.append(
            f"| {label} | import it into an empty database ({r.events:,} audit events and "
            f"{r.stage_rows:,} stage changes replayed) | {took:.1f} s | peak RSS {rss.peak / 1e6:.0f} MB | {_load()} |"
        )
        print(lines[-1], flush=True)
        a = CRM(sessions).funnel(actor, *_year())
        b = crm.funnel(into, *_year())
        assert a == b, (a, b)
        print("  the funnel of the year reads the same on both", file=sys.stderr)
        source.dispose()
        target.dispose()
    finally:
        if backend == "postgresql":
            from tests.support.databases import drop_database

            for url in made:
                drop_database(server, url)
    return lines


def _members(path: Path) -> list[tuple[str, str]]:
    from bot.services.dataio.importer import archive_members

    return archive_members(path) or []


def _year() -> tuple[object, object]:
    from datetime import date, timedelta

    today = date.today()
    return today - timedelta(days=365), today


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--export-contacts", type=int, default=0, help="contacts seeded before (default: rows/20)"
    )
    parser.add_argument("--export-deals", type=int, default=0)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--server", default=DEFAULT_SERVER, help="PostgreSQL server URL (a private database is made)"
    )
    parser.add_argument(
        "--db",
        help="a database already seeded by bench.seed (workspace TBENCH) to import into and export from, "
        "instead of a private one; it is written to (the import is undone), so pass a copy",
    )
    parser.add_argument(
        "--roundtrip", type=int, default=0, metavar="DEALS", help="export and import a workspace whole"
    )
    args = parser.parse_args(argv)
    lines = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if args.roundtrip:
            backend = "sqlite" if args.backend == "sqlite" else "postgresql"
            print("\n".join(roundtrip(args.server, args.roundtrip, tmp, backend, args.db)))
            return 0
        if args.db:
            label = "PostgreSQL" if args.db.startswith("postgresql") else "SQLite"
            print("\n".join(run(args.db, label, args, tmp, seeded=True)))
            return 0
        if args.backend in ("sqlite", "both"):
            lines += run(f"sqlite:///{tmp}/bench.db", "SQLite", args, tmp)
        if args.backend in ("postgresql", "both"):
            from tests.support.databases import create_private_database, drop_database

            url = create_private_database(args.server)
            try:
                lines += run(url, "PostgreSQL", args, tmp)
            finally:
                drop_database(args.server, url)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
