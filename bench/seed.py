"""Bulk seeding of one workspace for benchmarks: N contacts (with companies), M deals and their history
(audit events of stage moves and edits, interactions, satisfaction answers, quotas).

Rows go straight into a migrated database through SQLAlchemy Core ``executemany`` (SQLite) or
``COPY … FROM STDIN`` (PostgreSQL, via psycopg), never through the service layer: a million audited
operations would take hours and measure nothing we care about here.

    python -m bench.seed --db postgresql+psycopg://postgres@127.0.0.1:5432/bench --contacts 100000 --deals 1000000
    python -m bench.seed --db … --history-only --audit-events 10000000 --interactions 5000000 --feedback 100000 --quotas
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from sqlalchemy import Engine, Table, delete, func, insert, select, text, update

from bot.db import make_engine
from bot.migrate import upgrade
from bot.services import company_activity, forecast_totals, funnel_rows, namewords, totals
from bot.services.text import fold
from models import (
    AuditEvent,
    Company,
    Contact,
    Deal,
    DealStageChange,
    Feedback,
    Interaction,
    Pipeline,
    PipelineStage,
    Quota,
    Target,
    User,
    Workspace,
)
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

    def lines() -> Iterator[str]:
        buf: list[str] = []
        for row in rows:
            buf.append("\t".join(map(_tsv, row)))
            if len(buf) >= 50_000:
                yield "\n".join(buf) + "\n"
                buf = []
        if buf:
            yield "\n".join(buf) + "\n"

    _copy_text(engine, table, columns, lines())


def _copy_text(engine: Engine, table: Table, columns: Sequence[str], text_blocks: Iterator[str]) -> None:
    """COPY ready-made text (whole lines in COPY's text format) into a PostgreSQL table."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        # Building the secondary indexes once after the load is several times faster than updating
        # them row by row; all in one transaction, so a failure leaves them as they were. Unique
        # constraints too, unless a foreign key leans on their index.
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
            "AND i.schemaname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conname = i.indexname)",
            (table.name,),
        )
        indexes = cur.fetchall()
        cur.execute(
            "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c WHERE c.contype = 'u' "
            "AND c.conrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint f "
            "WHERE f.contype = 'f' AND f.conindid = c.conindid)",
            (f'"{table.name}"',),
        )
        uniques = cur.fetchall()
        for name, _definition in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        for name, _definition in uniques:
            cur.execute(f'ALTER TABLE "{table.name}" DROP CONSTRAINT "{name}"')
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cur.fetchone()[0]:
            # The rows are consistent by construction; a superuser may skip the per-row FK checks.
            cur.execute("SET LOCAL session_replication_role = replica")
        stmt = f'COPY "{table.name}" ({", ".join(columns)}) FROM STDIN'
        with cur.copy(stmt) as copy:  # type: ignore[attr-defined]
            pending: list[str] = []
            size = 0
            for block in text_blocks:
                pending.append(block)
                size += len(block)
                if size >= 4 << 20:
                    copy.write("".join(pending))
                    pending, size = [], 0
            if pending:
                copy.write("".join(pending))
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cur.execute(definition)
        for name, definition in uniques:
            cur.execute(f'ALTER TABLE "{table.name}" ADD CONSTRAINT "{name}" {definition}')
        raw.commit()
    finally:
        raw.close()


def _sqlite_fast_insert(
    engine: Engine, table: Table, columns: Sequence[str], rows: Iterator[tuple[object, ...]]
) -> None:
    """SQLite: the DB-API executemany with ready-made values (naive UTC datetimes as text, as the
    column type stores them), one transaction per 100k rows; the table's own indexes made again
    after the load, as on PostgreSQL (millions of rows in time order scattered inserts over them)."""
    sql = f'INSERT INTO "{table.name}" ({", ".join(columns)}) VALUES ({", ".join("?" for _ in columns)})'
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA cache_size = -262144")
        indexes = cur.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (table.name,),
        ).fetchall()
        cur.execute("BEGIN")
        for name, _definition in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        cur.execute("COMMIT")
        try:
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
            if raw.in_transaction:  # type: ignore[attr-defined]
                cur.execute("ROLLBACK")
            cur.execute("BEGIN")
            for _name, definition in indexes:
                cur.execute(definition)
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
    audit_events: int = 0,
    interactions: int = 0,
    feedback: int = 0,
    quotas: bool = False,
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
            # And the forecast's, per month of expected close.
            forecast_totals.rebuild(conn, ws_id)
            # The funnel's rows of each deal, from the deals (their history comes with --history-only).
            funnel_rows.rebuild(conn, ws_id)
            # When each company's deals were last active (the customers gone quiet).
            company_activity.rebuild(conn, ws_id)
            # And the words of their names, which a reference with a slip is matched against.
            namewords.file_every_name(conn, ws_id)
            if pg:
                for table in ("users", "companies", "contacts", "deals"):
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                        )
                    )
        if pg:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(
                    text(
                        "VACUUM ANALYZE companies, contacts, deals, users, company_activity, forecast_totals"
                    )
                )
        else:
            # Committed: in a connection that is only closed, the statistics were rolled back with its
            # transaction, and without them SQLite read a million deals for one contact's card.
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        say("pipeline totals counted, statistics updated")
        history(
            engine,
            audit_events=audit_events,
            interactions=interactions,
            feedback=feedback,
            quotas=quotas,
            team_id=team_id,
            seed_value=seed_value,
            now=now,
            log=log,
        )
        return Seeded(team_id, ws_id, users, companies, contacts, deals, time.perf_counter() - started)
    finally:
        if own_engine:
            engine.dispose()


# ---- history: the stage moves, edits, interactions, answers and quotas a workspace gathers -------------

INTERACTION_WEIGHTS = {"call": 30, "email": 35, "meeting": 15, "note": 15, "message": 5}
SUMMARIES = (
    "Discussed pricing and next steps",
    "Intro call, sent deck",
    "Follow-up on the proposal",
    "Demo for the ops team",
    "Renewal terms, waiting on legal",
    "Checked in after onboarding",
    "Asked for references",
    "Budget confirmed for next quarter",
)
OPEN_KEYS = ("lead", "qualified", "demo", "proposal", "negotiation")
# How long interactions reach back: about two years of a team's calls, emails and meetings.
HISTORY_DAYS = 730


@dataclass(frozen=True)
class History:
    audit_events: int
    interactions: int
    feedback: int
    quotas: int
    seconds: float


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _deal_chunks(engine: Engine, ws_id: int, size: int = 50_000) -> Iterator[list[Any]]:
    """The workspace's deals by id, a chunk per short read (SQLite allows no write beside an open read)."""
    last = 0
    cols = (
        Deal.id,
        Deal.title,
        Deal.company_id,
        Deal.contact_id,
        Deal.amount,
        Deal.currency,
        Deal.stage_id,
        Deal.owner_id,
        Deal.close_date,
        Deal.forecast_category,
        Deal.created_at,
        Deal.stage_changed_at,
    )
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                select(*cols).where(Deal.workspace_id == ws_id, Deal.id > last).order_by(Deal.id).limit(size)
            ).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _moments(r: random.Random, first: datetime, last: datetime, n: int) -> list[datetime]:
    """``n`` instants in order, strictly after ``first`` and at most ``last``, the final one at ``last``."""
    span = max((last - first).total_seconds(), float(n))
    points = sorted(r.uniform(1.0, span) for _ in range(n - 1))
    return [first + timedelta(seconds=p) for p in points] + [last]


def _path(r: random.Random, key: str) -> list[str]:
    """The stages a deal went through to reach ``key``: from lead, now and then skipping one."""
    if key in OPEN_KEYS:
        upto = OPEN_KEYS.index(key)
    elif key == "won":
        upto = len(OPEN_KEYS) - 1
    else:
        upto = r.randrange(len(OPEN_KEYS))
    path = [k for i, k in enumerate(OPEN_KEYS[: upto + 1]) if i in (0, upto) or r.random() > 0.15]
    if key in ("won", "lost"):
        path.append(key)
    return path


class _Audit:
    """Audit rows as the services write them: a deal's full snapshot when it was made, then each change
    as the columns it changed, before and after. On PostgreSQL each row is made as its COPY line at once
    (ten million rows of per-value conversion took most of the Python time); on SQLite as a tuple."""

    def __init__(
        self, ws_id: int, pg: bool, stage_ids: dict[str, int], first_event: int, now: datetime
    ) -> None:
        self.ws_id, self.pg, self.stage_ids, self.n, self.now = ws_id, pg, stage_ids, first_event, now
        self.won, self.lost = stage_ids["won"], stage_ids["lost"]

    def row(
        self, deal_id: int, actor: Any, action: str, before: str | None, after: str, at: _Stamp
    ) -> tuple[int, str, object]:
        """The row, with its id and op id (for the stage history)."""
        self.n = n = self.n + 1
        op = f"00000000-0000-4000-8000-{n:012x}"
        if self.pg:
            line = (
                f"{n}\t{self.ws_id}\t{op}\t{_null(actor)}\tdeal\t{deal_id}\t{action}\t"
                f"{_null(before)}\t{after}\t{at[1]}\t\\N\n"
            )
            return n, op, line
        return n, op, (n, self.ws_id, op, actor, "deal", deal_id, action, before, after, at[1], None)

    def create(self, d: Any, stage_id: int, amount: str | None, close: str | None, at: _Stamp) -> tuple:
        made = at[0]
        # The text json.dumps gave for the full snapshot, written out: only the title needs quoting.
        after = (
            f'{{"workspace_id": {self.ws_id}, "title": {json.dumps(d.title)}, '
            f'"company_id": {_json(d.company_id)}, "contact_id": {_json(d.contact_id)}, '
            f'"amount": {_json(amount)}, "currency": {_json(d.currency)}, "stage_id": {stage_id}, '
            f'"owner_id": {_json(d.owner_id)}, "room_channel_id": null, "close_date": {_json(close)}, '
            f'"closed_at": null, "closed_by_id": null, "stage_changed_at": "{made}", '
            f'"last_activity_at": "{made}", "stale_alerted_at": null, "stale_snoozed_until": null, '
            f'"tags": [], "custom": {{}}, "forecast_category": {_json(d.forecast_category)}, '
            f'"created_at": "{made}", "deleted_at": null, "deleted_by_id": null}}'
        )
        if self.pg and "\\" in after:
            after = after.replace("\\", "\\\\")  # COPY's text format reads a backslash as an escape
        return self.row(d.id, d.owner_id, "create", None, after, at)

    def move(self, d: Any, old: int, new: int, since: _Stamp, at: _Stamp) -> tuple:
        was, now = since[0], at[0]
        before = f'{{"stage_id": {old}, "stage_changed_at": "{was}", "last_activity_at": "{was}"'
        after = f'{{"stage_id": {new}, "stage_changed_at": "{now}", "last_activity_at": "{now}"'
        if new in (self.won, self.lost):
            before += ', "closed_at": null, "closed_by_id": null'
            after += f', "closed_at": "{now}", "closed_by_id": {d.owner_id or "null"}'
        return self.row(d.id, d.owner_id, "update", before + "}", after + "}", at)

    def edit(self, d: Any, key: str, old: str | None, new: str | None, at: _Stamp) -> tuple:
        return self.row(
            d.id, d.owner_id, "update", f'{{"{key}": {_json(old)}}}', f'{{"{key}": {_json(new)}}}', at
        )


_Stamp = tuple[str, str]


def _stamper(pg: bool) -> Any:
    """An instant (aware, UTC) as its ISO text for JSON and as its column takes it: the same text on
    PostgreSQL, SQLAlchemy's naive microsecond text on SQLite (what ``_sqlite_dt`` gives, faster)."""
    if pg:

        def stamp(at: datetime) -> _Stamp:
            iso = at.isoformat()
            return iso, iso

    else:

        def stamp(at: datetime) -> _Stamp:
            return at.isoformat(), at.isoformat(" ", "microseconds")[:26]

    return stamp


def _null(value: object) -> object:
    return "\\N" if value is None else value


def _json(value: object) -> str:
    if value is None:
        return "null"
    return f'"{value}"' if isinstance(value, str) else str(value)


def _deal_events(
    a: _Audit, r: random.Random, d: Any, keys: dict[int, str], extra: int, stages: list[object]
) -> list[object]:
    """One deal's events: made in the first stage of its path, moved along it (the last move when its
    stage changed), its amount and expected close date edited ``extra`` times in between. Its stage
    history (as bot/services/stage_history.py writes it with each change: a row per event, what the
    deal stood at after it, until the next one) goes onto ``stages`` as it is made."""
    made, moved = _aware(d.created_at).astimezone(UTC), _aware(d.stage_changed_at).astimezone(UTC)
    moved = max(moved, made + timedelta(seconds=len(keys)))
    path = [a.stage_ids[k] for k in _path(r, keys[d.stage_id])]
    amount = None if d.amount is None else f"{Decimal(d.amount):.2f}"
    close = None if d.close_date is None else str(d.close_date)[:10]
    # The values it was made with; each edit moves one step towards the ones it has now.
    amounts = [amount]
    closes = [close]
    edits = []
    for _ in range(extra):
        if r.random() < 0.5 and amount is not None:
            amounts.insert(0, f"{Decimal(amounts[0]) * Decimal(r.choice((8, 9, 11, 12))) / 10:.2f}")
            edits.append("amount")
        elif close is not None:
            shifted = date.fromisoformat(closes[0]) - timedelta(days=r.randrange(-30, 60))
            closes.insert(0, shifted.isoformat())
            edits.append("close_date")
    events: list[tuple[datetime, int, Any]] = []
    if len(path) > 1:
        events += [
            (at, 0, st) for at, st in zip(_moments(r, made, moved, len(path) - 1), path[1:], strict=True)
        ]
    if edits:
        until = max(made + timedelta(seconds=1), min(moved + timedelta(days=30), a.now))
        events += [(at, 1, key) for at, key in zip(_moments(r, made, until, len(edits)), edits, strict=True)]
    events.sort(key=lambda e: (e[0], e[1]))

    # Each instant written out once, as JSON holds it and as the column takes it.
    stamp = _stamper(a.pg)
    made_at = stamp(made)
    history = _StageHistory(a, d, made_at, stages)
    stage, since, ai, ci = path[0], made_at, 0, 0
    rows = [
        history.add(a.create(d, stage, amounts[0], closes[0], made_at), made_at, stage, amounts[0], closes[0])
    ]
    for when, kind, what in events:
        at = stamp(when)
        if kind == 0:
            row = a.move(d, stage, what, since, at)
            stage, since = what, at
        elif what == "amount":
            row = a.edit(d, "amount", amounts[ai], amounts[ai + 1], at)
            ai += 1
        else:
            row = a.edit(d, "close_date", closes[ci], closes[ci + 1], at)
            ci += 1
        rows.append(history.add(row, at, stage, amounts[ai], closes[ci]))
    history.close()
    return rows


class _StageHistory:
    """One deal's rows of deal_stage_changes, folded from its events as they are made: each row is
    written out once the next event gives it its end."""

    def __init__(self, a: _Audit, d: Any, made: _Stamp, out: list[object]) -> None:
        self.pg, self.ws_id, self.d, self.made, self.out = a.pg, a.ws_id, d, made[1], out
        self.stage: int | None = None
        self.entered: str | None = None
        self.pending: list[Any] | None = None

    def add(
        self, event: tuple[int, str, object], stamp: _Stamp, stage: int, amount: str | None, close: str | None
    ) -> object:
        moved = self.stage != stage
        at = stamp[1]
        if self.pending is not None:
            self.pending[7] = at
            self._emit(self.pending)
        self.pending = [
            self.ws_id,
            self.d.id,
            event[1],
            event[0],
            self.d.owner_id,
            at,
            # The first row holds from when the deal was made (its create event's own instant).
            self.made if self.stage is None else at,
            None,
            self.stage,
            self.entered if moved else None,
            stage,
            at if moved or self.entered is None else self.entered,
            amount,
            self.d.currency,
            close,
            self.made,
        ]
        if moved:
            self.stage, self.entered = stage, at
        return event[2]

    def close(self) -> None:
        if self.pending is not None:
            self._emit(self.pending)
            self.pending = None

    def _emit(self, row: list[Any]) -> None:
        if self.pg:
            ws, deal, op, event, actor, at, valid_from, until, was, was_entered, stage, entered = row[:12]
            amount, currency, close, made = row[12:]
            self.out.append(
                f"{ws}\t{deal}\t{op}\t{event}\t{_null(actor)}\t{at}\t{valid_from}\t{_null(until)}\t"
                f"{_null(was)}\t{_null(was_entered)}\t{stage}\t{entered}\t{_null(amount)}\t{currency}\t"
                f"{_null(close)}\t{made}\n"
            )
        else:
            self.out.append(tuple(row))


def _audit_history(
    engine: Engine,
    ws_id: int,
    audit: _Audit,
    keys: dict[int, str],
    per_deal: float,
    rng: random.Random,
    pg: bool,
) -> None:
    """The deals' audit events, and each deal's stage history folded from them as they are made (what
    the services write with each change: deal_stage_changes), kept on disk until the events are in."""
    with tempfile.TemporaryFile() as staged:

        def audit_rows() -> Iterator[Any]:
            r = rng
            for chunk in _deal_chunks(engine, ws_id):
                folded: list[object] = []
                events: list[object] = []
                for d in chunk:
                    moves = len(_path(random.Random(d.id), keys[d.stage_id]))
                    spare = max(0.0, per_deal - moves)
                    extra = int(spare) + (r.random() < spare - int(spare))
                    events += _deal_events(audit, r, d, keys, extra, folded)
                if pg:
                    staged.write("".join(folded).encode())  # type: ignore[arg-type]
                    yield "".join(events)  # type: ignore[arg-type]
                else:
                    pickle.dump(folded, staged)
                    yield from events

        def stage_rows() -> Iterator[Any]:
            staged.seek(0)
            if pg:
                while block := staged.read(1 << 24):
                    yield block.decode()
                return
            while True:
                try:
                    yield from pickle.load(staged)
                except EOFError:
                    return

        if pg:
            _copy_text(engine, AuditEvent.__table__, AUDIT_COLUMNS, audit_rows())  # type: ignore[arg-type]
        else:
            _sqlite_fast_insert(engine, AuditEvent.__table__, AUDIT_COLUMNS, audit_rows())  # type: ignore[arg-type]
        with engine.begin() as conn:
            conn.execute(delete(DealStageChange).where(DealStageChange.workspace_id == ws_id))
        if pg:
            _copy_text(engine, DealStageChange.__table__, STAGE_COLUMNS, stage_rows())  # type: ignore[arg-type]
        else:
            _sqlite_fast_insert(engine, DealStageChange.__table__, STAGE_COLUMNS, stage_rows())  # type: ignore[arg-type]


def history(
    db: str | Engine,
    *,
    audit_events: int = 0,
    interactions: int = 0,
    feedback: int = 0,
    quotas: bool = False,
    team_id: str = "TBENCH",
    seed_value: int = 42,
    now: datetime | None = None,
    log: bool = False,
) -> History:
    """Give a seeded workspace its past: about ``audit_events`` audit events on its deals (each made in
    the first stage of its path and moved along it to the stage it is in, its amount and close date
    edited in between), ``interactions`` calls, emails, meetings… spread over two years, ``feedback``
    NPS and CSAT answers over a year, and (``quotas``) a quota per person and quarter for two years.
    Closed deals get the moment they closed (their last stage change) where they have none."""
    started = time.perf_counter()
    engine = make_engine(db) if isinstance(db, str) else db
    own_engine = isinstance(db, str)
    rng = random.Random(seed_value + 1)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    pg = engine.dialect.name == "postgresql"

    def say(what: str) -> None:
        if log:
            print(f"  {what} ({time.perf_counter() - started:.1f}s)", file=sys.stderr)

    def ts(value: datetime) -> object:
        return value if pg else _sqlite_dt(value)

    try:
        with engine.begin() as conn:
            ws_id = conn.scalar(select(Workspace.id).where(Workspace.team_id == team_id))
            if ws_id is None:
                raise RuntimeError(f"no workspace {team_id}: seed it first")
            stages = conn.execute(
                select(PipelineStage.id, PipelineStage.key, PipelineStage.is_closed).where(
                    PipelineStage.workspace_id == ws_id
                )
            ).all()
            stage_ids = {key: sid for sid, key, _ in stages}
            closed = [sid for sid, _, is_closed in stages if is_closed]
            conn.execute(
                update(Deal)
                .where(Deal.workspace_id == ws_id, Deal.stage_id.in_(closed), Deal.closed_at.is_(None))
                .values(closed_at=Deal.stage_changed_at, closed_by_id=Deal.owner_id)
            )
            deals = conn.scalar(select(func.count(Deal.id)).where(Deal.workspace_id == ws_id)) or 0
            owners = list(conn.scalars(select(User.id).where(User.workspace_id == ws_id).order_by(User.id)))
            low, high = conn.execute(
                select(func.min(Contact.id), func.max(Contact.id)).where(Contact.workspace_id == ws_id)
            ).one()
            first_event = conn.scalar(select(func.max(AuditEvent.id))) or 0
            first_interaction = conn.scalar(select(func.max(Interaction.id))) or 0
            first_target = conn.scalar(select(func.max(Target.id))) or 0
        say("closed deals dated")

        written = 0
        if audit_events and deals:
            keys = {sid: key for key, sid in stage_ids.items()}
            audit = _Audit(ws_id, pg, stage_ids, first_event, now)
            # Stage moves first; edits make up the rest of the number asked for.
            per_deal = audit_events / deals

            _audit_history(engine, ws_id, audit, keys, per_deal, rng, pg)
            written = audit.n - first_event
            say(f"{written} audit events and their stage history")
        elif deals:
            with engine.begin() as conn:
                _first_stage_rows(conn, ws_id)

        if deals:
            # The history bypassed the ORM: the funnel's rows are recounted from it once.
            with engine.begin() as conn:
                funnel_rows.rebuild(conn, ws_id)
            say("funnel rows counted")

        if interactions and owners and low is not None:
            firsts = (first_interaction, first_target)
            _interactions(engine, ws_id, interactions, rng, owners, (low, high), firsts, now)
            say(f"{interactions} interactions")

        if feedback and owners and low is not None:
            _feedback(engine, ws_id, feedback, rng, owners, (low, high), now)
            say(f"{feedback} satisfaction answers")
        made_quotas = _quotas(engine, ws_id, rng, owners, now) if quotas and owners else 0
        if made_quotas:
            say(f"{made_quotas} quotas")

        if pg:
            with engine.begin() as conn:
                for table in ("audit_events", "interactions", "targets", "deals", "deal_stage_changes"):
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT coalesce(max(id), 1) FROM {table}))"
                        )
                    )
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(
                    text(
                        "VACUUM ANALYZE deals, audit_events, interactions, targets, feedback, quotas, "
                        "deal_stage_changes, deal_funnel, deal_stays"
                    )
                )
        else:
            with engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
        say("statistics updated")
        return History(written, interactions, feedback, made_quotas, time.perf_counter() - started)
    finally:
        if own_engine:
            engine.dispose()


def _interactions(
    engine: Engine,
    ws_id: int,
    n: int,
    rng: random.Random,
    owners: list[int],
    contacts: tuple[int, int],
    firsts: tuple[int, int],
    now: datetime,
) -> None:
    """Calls, emails, meetings… over the last two years, each by one of the team and about a contact."""
    pg = engine.dialect.name == "postgresql"
    kinds = list(INTERACTION_WEIGHTS)
    cum = list(accumulate(INTERACTION_WEIGHTS.values()))
    first_interaction, first_target = firsts
    span = HISTORY_DAYS * 86400
    low, high = contacts
    contact_of: list[int] = []

    def chunks() -> Iterator[list[Any]]:
        # Drawn a chunk at a time (the rng's bulk choices), each row a line of COPY text on PostgreSQL.
        r = rng
        for start in range(0, n, 100_000):
            m = min(100_000, n - start)
            whens = [now - timedelta(seconds=r.random() * span) for _ in range(m)]
            contact_of.extend(r.randint(low, high) for _ in range(m))
            chosen = zip(
                whens,
                r.choices(kinds, cum_weights=cum, k=m),
                r.choices(SUMMARIES, k=m),
                r.choices(owners, k=m),
                strict=True,
            )
            ids = range(first_interaction + start + 1, first_interaction + start + m + 1)
            if pg:
                yield [
                    f"{i}\t{ws_id}\t{kind}\t{summary}\t{at}\t{author}\t{at}\n"
                    for i, (at, kind, summary, author) in zip(
                        ids, ((w.isoformat(), k, s, o) for w, k, s, o in chosen), strict=True
                    )
                ]
            else:
                yield [
                    (i, ws_id, kind, summary, at, author, at)
                    for i, (at, kind, summary, author) in zip(
                        ids, ((_sqlite_dt(w), k, s, o) for w, k, s, o in chosen), strict=True
                    )
                ]

    columns = ("id", "workspace_id", "kind", "summary", "occurred_at", "author_id", "created_at")
    target_columns = ("id", "workspace_id", "interaction_id", "contact_id")
    table = Interaction.__table__
    targets = Target.__table__
    if pg:
        _copy_text(engine, table, columns, ("".join(c) for c in chunks()))  # type: ignore[arg-type]
        _copy_text(
            engine,
            targets,  # type: ignore[arg-type]
            target_columns,
            (
                f"{first_target + i + 1}\t{ws_id}\t{first_interaction + i + 1}\t{c}\n"
                for i, c in enumerate(contact_of)
            ),
        )
    else:
        _sqlite_fast_insert(engine, table, columns, (row for c in chunks() for row in c))  # type: ignore[arg-type]
        _sqlite_fast_insert(
            engine,
            targets,  # type: ignore[arg-type]
            target_columns,
            ((first_target + i + 1, ws_id, first_interaction + i + 1, c) for i, c in enumerate(contact_of)),
        )


def _feedback(
    engine: Engine,
    ws_id: int,
    n: int,
    rng: random.Random,
    owners: list[int],
    contacts: tuple[int, int],
    now: datetime,
) -> None:
    """NPS and CSAT answers over the last year, each about its contact's company as the service records it."""
    with engine.begin() as conn:
        conn.execute(
            insert(Feedback),
            [
                {
                    "workspace_id": ws_id,
                    "contact_id": rng.randint(*contacts),
                    "scale": scale,
                    "score": rng.choice((0, 3, 5, 6, 7, 8, 8, 9, 9, 10, 10))
                    if scale == "nps"
                    else rng.choice((1, 2, 3, 4, 4, 5, 5)),
                    "author_id": rng.choice(owners),
                    "given_at": now - timedelta(seconds=rng.uniform(0, 365 * 86400)),
                    "created_at": now,
                }
                for scale in (rng.choice(("nps", "csat")) for _ in range(n))
            ],
        )
        conn.execute(
            update(Feedback)
            .where(Feedback.workspace_id == ws_id)
            .values(
                company_id=select(Contact.company_id)
                .where(Contact.id == Feedback.contact_id)
                .scalar_subquery()
            )
        )


def _quotas(engine: Engine, ws_id: int, rng: random.Random, owners: list[int], now: datetime) -> int:
    """A quota per person and calendar quarter, over the last two years and this quarter."""
    rows = []
    for year in (now.year - 2, now.year - 1, now.year):
        for q in range(4):
            start = date(year, q * 3 + 1, 1)
            if start > now.date() or (now.date() - start).days > 2 * 366:
                continue
            end = date(year + (q == 3), (q * 3 + 3) % 12 + 1, 1) - timedelta(days=1)
            rows += [
                {
                    "workspace_id": ws_id,
                    "user_id": uid,
                    "period_start": start,
                    "period_end": end,
                    "amount": Decimal(rng.randrange(20, 120) * 10_000),
                    "currency": "USD",
                    "set_by_id": owners[0],
                    "announced_pct": 100 if end < now.date() else 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for uid in owners
            ]
    with engine.begin() as conn:
        conn.execute(insert(Quota), rows)
    return len(rows)


STAGE_COLUMNS = (
    "workspace_id",
    "deal_id",
    "op_id",
    "event_id",
    "actor_id",
    "at",
    "valid_from",
    "valid_until",
    "from_stage_id",
    "from_entered_at",
    "stage_id",
    "entered_at",
    "amount",
    "currency",
    "close_date",
    "deal_created_at",
)
TRACKED = ("stage_id", "amount", "currency", "close_date")


def _first_stage_rows(conn: Any, ws_id: int) -> None:
    """Deals seeded without a history: a first row each, as they are, from when they were made."""
    some = conn.execute(
        text("SELECT 1 FROM deal_stage_changes WHERE workspace_id = :ws LIMIT 1"), {"ws": ws_id}
    ).first()
    # With none there yet, no anti-join: PostgreSQL would re-read the rows this very statement inserts for
    # each deal (a nested loop over an unanalysed table), which took over 25 minutes at a million deals.
    missing = " AND NOT EXISTS (SELECT 1 FROM deal_stage_changes h WHERE h.deal_id = d.id)" if some else ""
    conn.execute(
        text(
            "INSERT INTO deal_stage_changes (workspace_id, deal_id, at, valid_from, stage_id, entered_at, "
            "amount, currency, close_date, deal_created_at) SELECT workspace_id, id, created_at, created_at, "
            "stage_id, created_at, amount, currency, close_date, created_at FROM deals d "
            "WHERE d.workspace_id = :ws" + missing
        ),
        {"ws": ws_id},
    )


AUDIT_COLUMNS = (
    "id",
    "workspace_id",
    "op_id",
    "actor_id",
    "record_type",
    "record_id",
    "action",
    "before",
    "after",
    "at",
    "undone_by_op",
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.seed", description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="sqlite:///PATH or postgresql+psycopg://USER@HOST/DB")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--companies", type=int, default=None, help="default: contacts / 10")
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--team", default="TBENCH")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--audit-events", type=int, default=0, help="stage moves and edits on the deals")
    parser.add_argument("--interactions", type=int, default=0, help="over the last two years")
    parser.add_argument("--feedback", type=int, default=0, help="NPS and CSAT answers over the last year")
    parser.add_argument("--quotas", action="store_true", help="a quota per person and quarter")
    parser.add_argument(
        "--history-only", action="store_true", help="add the history to a workspace seeded before"
    )
    args = parser.parse_args(argv)
    extra = {
        "audit_events": args.audit_events,
        "interactions": args.interactions,
        "feedback": args.feedback,
        "quotas": args.quotas,
    }
    if args.history_only:
        made = history(args.db, team_id=args.team, seed_value=args.seed, log=True, **extra)
        print(
            f"added to {args.team}: {made.audit_events} audit events, {made.interactions} interactions, "
            f"{made.feedback} answers, {made.quotas} quotas in {made.seconds:.1f}s"
        )
        return 0
    result = seed(
        args.db,
        contacts=args.contacts,
        deals=args.deals,
        companies=args.companies,
        users=args.users,
        team_id=args.team,
        seed_value=args.seed,
        log=True,
        **extra,
    )
    print(
        f"seeded {result.team_id}: {result.users} people, {result.companies} companies, "
        f"{result.contacts} contacts, {result.deals} deals in {result.seconds:.1f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
