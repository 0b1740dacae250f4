"""Bulk seeding of one workspace for benchmarks: N contacts (with companies) and M deals.

Rows go straight into a migrated database through SQLAlchemy Core ``executemany`` (SQLite) or
``COPY … FROM STDIN`` (PostgreSQL, via psycopg), never through the service layer: a million audited
operations would take hours and measure nothing we care about here.

    python -m bench.seed --db postgresql+psycopg://postgres@127.0.0.1:5432/bench --contacts 100000 --deals 1000000
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any

from sqlalchemy import Engine, Table, func, insert, select, text

from bot.db import make_engine
from bot.migrate import upgrade
from bot.services import totals
from bot.services.text import fold
from models import Company, Contact, Deal, Pipeline, PipelineStage, User, Workspace
from models.entities import DEFAULT_PROBABILITIES, DEFAULT_STAGES


def _words(text: str) -> list[str]:
    return text.split()


FIRST = _words(
    "James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy Anthony Betty Mark Sandra Donald "
    "Ashley Steven Kimberly Andrew Emily Paul Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa "
    "George Deborah Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura Jeffrey Cynthia Ryan Amy "
    "Jacob Kathleen Gary Angela Nicholas Shirley Eric Brenda Jonathan Emma Stephen Anna Larry Pamela Justin "
    "Nicole Scott Samantha Brandon Katherine Benjamin Christine Samuel Helen Gregory Debra Alexander Rachel "
    "Patrick Carolyn Frank Janet Raymond Maria Jack Olivia Dennis Heather Jerry Catherine Tyler Diane Aaron "
    "Julie Jose Victoria Adam Joyce Nathan Lauren Henry Kelly Zachary Christina Douglas Ruth Peter Joan "
    "Kyle Virginia Noah Judith Ethan Evelyn Jeremy Hannah Walter Andrea Christian Megan Keith Cheryl Roger "
    "Jacqueline Terry Madison Austin Teresa Sean Abigail Gerald Sophia Carl Martha Harold Sara Dylan Gloria "
    "Arthur Janice Lawrence Kathryn Jordan Ann Jesse Isabella Bryan Judy Billy Charlotte Bruce Julia Gabriel "
    "Grace Joe Amber Logan Alice Alan Jean Juan Denise Albert Frances Willie Danielle Elijah Marilyn Wayne "
    "Natalie Randy Beverly Vincent Diana Mason Brittany Roy Theresa Ralph Kayla Bobby Alexis Russell Doris "
    "Bradley Lori Philip Tiffany Eugene Jana Priya Ahmed Mei Kenji Sofia Lucas Ines Mateo Yuki Omar Leila "
    "Hiroshi Chiara Lars Freya Pierre Amelie Diego Lucia Ravi Ananya Tomasz Zofia Sven Ingrid"
)
SURNAME_HEAD = _words(
    "Ash Black Bright Brook Cald Carr Chester Clay Cole Crane Dal Dun Eller Fair Fen Fox Garr Glen Gold "
    "Green Hale Hart Haw Hay Hol Kings Lang Lind Lock Mar Mead Mill New North Oak Pem Pen Rad Red Ridge "
    "Rock Ros Rut Sand Shel Stan Stock Stone Sum Thorn Wal War Wes White Wick Wild Win Wood Wort Yar"
)
SURNAME_TAIL = _words(
    "by cott dale ford ham hurst ing ley low man more ridge row sby stead ston ton ville ward well wick "
    "wood worth field"
)
COMPANY_HEAD = _words(
    "Acme Apex Arbor Atlas Aurora Beacon Birch Blue Bold Bright Cedar Cobalt Coral Crest Crown Delta "
    "Echo Ember Evergreen Falcon Fern Flint Globex Granite Harbor Helix Horizon Initech Iron Juniper Keystone "
    "Lumen Maple Meridian Nimbus North Nova Oak Onyx Orbit Pacific Pine Pinnacle Prism Quantum Redwood "
    "River Sage Silver Summit Sun Terra Tidal Umbra Vector Vertex Willow Zenith"
)
COMPANY_TAIL = _words(
    "bridge field gate hill lake line point port ridge rock side stone view wave works way vale star "
    "light peak"
)
COMPANY_KIND = _words(
    "Labs Systems Logistics Health Foods Partners Analytics Energy Capital Robotics Media Retail"
)
TITLES = (
    "CEO",
    "CTO",
    "CFO",
    "VP Sales",
    "VP Engineering",
    "Head of Procurement",
    "Procurement Manager",
    "IT Director",
    "Operations Manager",
    "Product Manager",
    "Office Manager",
    "Buyer",
    "Founder",
)
DEAL_KIND = (
    "renewal",
    "expansion",
    "pilot",
    "new logo",
    "upgrade",
    "platform",
    "licenses",
    "services",
    "support plan",
    "onboarding",
    "migration",
    "enterprise",
)
# How deals spread over the default stages: a funnel, and a long tail of closed deals.
STAGE_WEIGHTS = {
    "lead": 30,
    "qualified": 20,
    "demo": 12,
    "proposal": 9,
    "negotiation": 5,
    "won": 12,
    "lost": 12,
}
OWNER_ZONES = ("America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London", "Europe/Paris")


@dataclass(frozen=True)
class Seeded:
    team_id: str
    workspace_id: int
    users: int
    companies: int
    contacts: int
    deals: int
    seconds: float


def _surnames() -> list[str]:
    return [h + t for h in SURNAME_HEAD for t in SURNAME_TAIL]


def _company_names(n: int, rng: random.Random) -> list[str]:
    combos = [f"{h}{t} {k}" for h in COMPANY_HEAD for t in COMPANY_TAIL for k in COMPANY_KIND]
    rng.shuffle(combos)
    if n <= len(combos):
        return combos[:n]
    # More companies than combinations: number the rest like "Acmeworks Labs 2".
    return combos + [f"{combos[i % len(combos)]} {i // len(combos) + 1}" for i in range(len(combos), n)]


# Contacts' tags: about one in five has one of these, so that a tag list finds tens of thousands in a
# million (what a team's "emea" or "hot" finds), not all or none.
TAGS = ("emea", "apac", "amer", "hot", "vip", "partner", "churn-risk", "event-2026", "newsletter", "trial")


def _tags(r: random.Random) -> str:
    n = r.random()
    if n < 0.8:
        return "[]"
    if n < 0.95:
        return f'["{r.choice(TAGS)}"]'
    first, second = r.sample(TAGS, 2)
    return f'["{first}", "{second}"]'


def _sqlite_dt(value: datetime) -> str:
    # The exact text SQLAlchemy's SQLite DateTime writes (naive UTC, always microseconds), so that
    # string comparisons in SQL order seeded and service-written rows alike.
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _tsv(value: object) -> str:
    if value is None:
        return "\\N"
    return str(value)


def _copy(engine: Engine, table: Table, columns: Sequence[str], rows: Iterator[tuple[object, ...]]) -> None:
    """COPY rows into a PostgreSQL table; the text format, written in large chunks."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        # Building the secondary indexes once after the load is several times faster than updating
        # them row by row; all in one transaction, so a failure leaves them as they were.
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
            "AND i.schemaname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conname = i.indexname)",
            (table.name,),
        )
        indexes = cur.fetchall()
        for name, _definition in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cur.fetchone()[0]:
            # The rows are consistent by construction; a superuser may skip the per-row FK checks.
            cur.execute("SET LOCAL session_replication_role = replica")
        stmt = f'COPY "{table.name}" ({", ".join(columns)}) FROM STDIN'
        with cur.copy(stmt) as copy:  # type: ignore[attr-defined]
            buf = io.StringIO()
            for n, row in enumerate(rows, 1):
                buf.write("\t".join(map(_tsv, row)))
                buf.write("\n")
                if n % 50_000 == 0:
                    copy.write(buf.getvalue())
                    buf = io.StringIO()
            copy.write(buf.getvalue())
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cur.execute(definition)
        raw.commit()
    finally:
        raw.close()


def _sqlite_fast_insert(
    engine: Engine, table: Table, columns: Sequence[str], rows: Iterator[tuple[object, ...]]
) -> None:
    """SQLite: the DB-API executemany with ready-made values (naive UTC datetimes as text, as the
    column type stores them), one transaction per 100k rows."""
    sql = f'INSERT INTO "{table.name}" ({", ".join(columns)}) VALUES ({", ".join("?" for _ in columns)})'
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        batch: list[tuple[object, ...]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 100_000:
                cur.execute("BEGIN")
                cur.executemany(sql, batch)
                cur.execute("COMMIT")
                batch.clear()
        if batch:
            cur.execute("BEGIN")
            cur.executemany(sql, batch)
            cur.execute("COMMIT")
    finally:
        raw.close()


def _workspace(conn: Any, team_id: str, now: datetime) -> int:
    """The benchmark workspace, made with its default stages when it is not there yet."""
    ws_id = conn.scalar(select(Workspace.id).where(Workspace.team_id == team_id))
    if ws_id is None:
        ws_id = conn.scalar(
            insert(Workspace)
            .values(
                team_id=team_id,
                name="Benchmark Inc",
                default_tz="America/New_York",
                default_currency="USD",
                stale_days=14,
                created_at=now,
            )
            .returning(Workspace.id)
        )
        pipeline_id = conn.scalar(
            insert(Pipeline)
            .values(workspace_id=ws_id, key="sales", name="Sales", position=0, is_renewal=False)
            .returning(Pipeline.id)
        )
        conn.execute(
            insert(PipelineStage),
            [
                {
                    "workspace_id": ws_id,
                    "pipeline_id": pipeline_id,
                    "probability": DEFAULT_PROBABILITIES[key],
                    "key": key,
                    "name": key.capitalize(),
                    "position": i,
                    "is_closed": key in ("won", "lost"),
                    "is_won": key == "won",
                }
                for i, key in enumerate(DEFAULT_STAGES)
            ],
        )
    return int(ws_id)


def _user_rows(rng: random.Random, users: int, start: int, ws_id: int, now: datetime) -> list[dict[str, Any]]:
    rows = []
    for i in range(users):
        first, last = rng.choice(FIRST), rng.choice(_surnames())
        rows.append(
            {
                "id": start + i,
                "workspace_id": ws_id,
                "slack_id": f"UB{i:05d}",
                "name": f"{first} {last}",
                "email": f"{first.lower()}.{last.lower()}@bench.example",
                "tz": OWNER_ZONES[i % len(OWNER_ZONES)],
                "role": "manager" if i == 0 else "rep",
                "created_at": now,
            }
        )
    return rows


def seed(
    db: str | Engine,
    *,
    contacts: int = 100_000,
    deals: int = 1_000_000,
    companies: int | None = None,
    users: int = 40,
    team_id: str = "TBENCH",
    seed_value: int = 42,
    now: datetime | None = None,
    migrate: bool = True,
    log: bool = False,
) -> Seeded:
    """Fill workspace ``team_id`` with people, companies, contacts and deals; returns what was made.

    The database is migrated first (unless ``migrate=False``). The workspace must not hold seeded
    rows already: seeding is for empty benchmark databases.
    """
    started = time.perf_counter()
    engine = make_engine(db) if isinstance(db, str) else db
    own_engine = isinstance(db, str)
    rng = random.Random(seed_value)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    companies = companies if companies is not None else max(1, contacts // 10)
    pg = engine.dialect.name == "postgresql"

    def say(what: str) -> None:
        if log:
            print(f"  {what} ({time.perf_counter() - started:.1f}s)", file=sys.stderr)

    try:
        if migrate:
            upgrade(engine)
        with engine.begin() as conn:
            ws_id = _workspace(conn, team_id, now)
            existing = conn.scalar(select(func.count(Deal.id)).where(Deal.workspace_id == ws_id)) or 0
            if existing:
                raise RuntimeError(
                    f"workspace {team_id} already holds {existing} deals; seed an empty database"
                )
            stage_ids = dict(
                conn.execute(
                    select(PipelineStage.key, PipelineStage.id).where(PipelineStage.workspace_id == ws_id)
                ).all()
            )
            # Explicit ids: rows can point at each other without a round trip per row.
            start_user = (conn.scalar(select(func.max(User.id))) or 0) + 1
            start_company = (conn.scalar(select(func.max(Company.id))) or 0) + 1
            start_contact = (conn.scalar(select(func.max(Contact.id))) or 0) + 1
            start_deal = (conn.scalar(select(func.max(Deal.id))) or 0) + 1
            users_rows = _user_rows(rng, users, start_user, ws_id, now)
            conn.execute(insert(User), users_rows)
        owner_ids = [u["id"] for u in users_rows]
        say(f"workspace {team_id} and {users} people")

        sqlite_ts = _sqlite_dt(now)
        ts: object = now if pg else sqlite_ts
        bulk = _copy if pg else _sqlite_fast_insert

        company_names = _company_names(companies, rng)
        company_keys = [fold(n) for n in company_names]
        bulk(
            engine,
            Company.__table__,  # type: ignore[arg-type]
            (
                "id",
                "workspace_id",
                "name",
                "name_key",
                "domain",
                "tags",
                "lifecycle",
                "custom",
                "created_at",
                "updated_at",
            ),
            (
                (
                    start_company + i,
                    ws_id,
                    name,
                    company_keys[i],
                    company_keys[i].replace(" ", "") + ".example",
                    "[]",
                    "prospect",
                    "{}",
                    ts,
                    ts,
                )
                for i, name in enumerate(company_names)
            ),
        )
        say(f"{companies} companies")

        surnames = _surnames()
        contact_company = [start_company + rng.randrange(companies) for _ in range(contacts)]

        def contact_rows() -> Iterator[tuple[object, ...]]:
            r = rng
            for i in range(contacts):
                first, last = r.choice(FIRST), r.choice(surnames)
                name = f"{first} {last}"
                cid = contact_company[i]
                domain = company_keys[cid - start_company].replace(" ", "") + ".example"
                yield (
                    start_contact + i,
                    ws_id,
                    name,
                    name.lower(),
                    f"{first.lower()}.{last.lower()}{i}@{domain}",
                    None,
                    r.choice(TITLES),
                    cid,
                    r.choice(("prospect", "lead", "customer", "customer", "loyal")),
                    r.choice(owner_ids),
                    _tags(r),
                    "{}",
                    ts,
                    ts,
                )

        bulk(
            engine,
            Contact.__table__,  # type: ignore[arg-type]
            (
                "id",
                "workspace_id",
                "name",
                "name_key",
                "email",
                "phone",
                "title",
                "company_id",
                "lifecycle",
                "owner_id",
                "tags",
                "custom",
                "created_at",
                "updated_at",
            ),
            contact_rows(),
        )
        say(f"{contacts} contacts")

        stage_keys = list(STAGE_WEIGHTS)
        stage_cum = list(accumulate(STAGE_WEIGHTS[key] for key in stage_keys))
        today = now.date()

        def deal_rows() -> Iterator[tuple[object, ...]]:
            r = rng
            choices = r.choices
            kinds = DEAL_KIND
            for i in range(deals):
                if contacts:
                    contact_id = start_contact + r.randrange(contacts)
                    company_id = contact_company[contact_id - start_contact]
                else:
                    contact_id = None
                    company_id = start_company + r.randrange(companies)
                stage = choices(stage_keys, cum_weights=stage_cum)[0]
                title = f"{company_names[company_id - start_company]} {r.choice(kinds)} {r.randrange(5, 500)} seats"
                amount = round(min(r.lognormvariate(10, 1.0), 5_000_000), -2)
                closed = stage in ("won", "lost")
                offset = -r.randrange(1, 400) if closed else r.randrange(-30, 240)
                close = today + timedelta(days=offset)
                changed = now - timedelta(days=r.randrange(0, 120), minutes=r.randrange(0, 1440))
                activity = min(changed + timedelta(days=r.randrange(0, 30)), now)
                created = changed - timedelta(days=r.randrange(0, 90))
                if not pg:
                    changed_v: object = _sqlite_dt(changed)
                    activity_v: object = _sqlite_dt(activity)
                    created_v: object = _sqlite_dt(created)
                else:
                    changed_v, activity_v, created_v = changed, activity, created
                yield (
                    start_deal + i,
                    ws_id,
                    title,
                    title.lower(),
                    company_id,
                    contact_id,
                    f"{amount:.2f}",
                    "USD",
                    stage_ids[stage],
                    r.choice(owner_ids),
                    close.isoformat(),
                    changed_v,
                    activity_v,
                    "[]",
                    "{}",
                    # Most deals are pipeline, some best case, a few commit (without drawing from the rng,
                    # so the rest of the data set is as it was).
                    ("commit", "best_case", "best_case", "pipeline", "pipeline", "pipeline", "pipeline")[
                        i % 7
                    ],
                    created_v,
                    activity_v,
                )

        bulk(
            engine,
            Deal.__table__,  # type: ignore[arg-type]
            (
                "id",
                "workspace_id",
                "title",
                "title_key",
                "company_id",
                "contact_id",
                "amount",
                "currency",
                "stage_id",
                "owner_id",
                "close_date",
                "stage_changed_at",
                "last_activity_at",
                "tags",
                "custom",
                "forecast_category",
                "created_at",
                "updated_at",
            ),
            deal_rows(),
        )
        say(f"{deals} deals")

        with engine.begin() as conn:
            # The deals bypassed the ORM, so the pipeline's running totals are counted here once.
            totals.rebuild(conn, ws_id)
            if pg:
                for table in ("users", "companies", "contacts", "deals"):
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                        )
                    )
        if pg:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE companies, contacts, deals, users"))
        else:
            # Committed: in a connection that is only closed, the statistics were rolled back with its
            # transaction, and without them SQLite read a million deals for one contact's card.
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        say("pipeline totals counted, statistics updated")
        return Seeded(team_id, ws_id, users, companies, contacts, deals, time.perf_counter() - started)
    finally:
        if own_engine:
            engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.seed", description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="sqlite:///PATH or postgresql+psycopg://USER@HOST/DB")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--companies", type=int, default=None, help="default: contacts / 10")
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--team", default="TBENCH")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    result = seed(
        args.db,
        contacts=args.contacts,
        deals=args.deals,
        companies=args.companies,
        users=args.users,
        team_id=args.team,
        seed_value=args.seed,
        log=True,
    )
    print(
        f"seeded {result.team_id}: {result.users} people, {result.companies} companies, "
        f"{result.contacts} contacts, {result.deals} deals in {result.seconds:.1f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
