"""The staging table an import loads its checked rows into before one set-based write per step.

One temporary table per import, on the import's own connection: PostgreSQL fills it with COPY,
SQLite with ``executemany`` in chunks. Its columns are the record's stored fields (typed as on the
record, so values move across with INSERT … SELECT unchanged) and the helpers matching and linking need.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, text
from sqlalchemy.engine import Connection

from bot.services.dataio.columns import importable
from models import Company, Contact, Deal, Interaction, Task

MODELS: dict[str, Any] = {
    "company": Company,
    "contact": Contact,
    "deal": Deal,
    "task": Task,
    "interaction": Interaction,
}
# Derived or linking values each record type's rows carry in the staging table.
HELPERS: dict[str, tuple[str, ...]] = {
    "company": ("name_key",),
    "contact": ("name_key", "company", "company_key", "company_id"),
    "deal": (
        "title_key",
        "company",
        "company_key",
        "company_id",
        "contact",
        "contact_key",
        "contact_id",
        "contact_alt_key",
        "contact_alt_company_id",
        "closed_at",
        "closed_by_id",
    ),
    "task": (
        "title_key",
        "due_utc",
        "reminder_state",
        "remind_at",
        "creator_id",
        "company",
        "company_key",
        "company_id",
        "contact",
        "contact_key",
        "contact_id",
        "contact_alt_key",
        "contact_alt_company_id",
        "deal",
        "deal_key",
        "deal_id",
        "deal_alt_key",
        "deal_alt_company_id",
    ),
    "interaction": (
        "company",
        "company_key",
        "company_id",
        "contact",
        "contact_key",
        "contact_id",
        "contact_alt_key",
        "contact_alt_company_id",
        "deal",
        "deal_key",
        "deal_id",
        "deal_alt_key",
        "deal_alt_company_id",
    ),
}
NAME = "crm_import_stage"


def table_of(model: Any) -> Table:
    """A model's table, typed as one (``__table__`` is declared a FromClause)."""
    return cast(Table, model.__table__)


def stored_fields(record_type: str) -> list[str]:
    model = MODELS[record_type]
    cols = model.__table__.c
    return [c.stored for c in importable(record_type) if c.stored and c.stored in cols]


def staging_table(record_type: str, *, custom: bool = False) -> Table:
    """``custom``: the file holds values of the workspace's own fields (the record's ``custom``)."""
    model = MODELS[record_type]
    table = model.__table__
    cols: list[Column[Any]] = [Column("row_no", Integer, primary_key=True)]
    names = stored_fields(record_type)
    if custom and "custom" in table.c:
        names.append("custom")
    for helper in HELPERS[record_type]:
        if helper not in names:
            names.append(helper)
    # The export's ids of the row and of what it links to (bot/services/dataio/ids.py).
    names += [
        c.field for c in importable(record_type) if c.field == "source_id" or c.field.endswith("_source")
    ]
    for name in names:
        if name in table.c:
            cols.append(Column(name, table.c[name].type))
        elif name == "source_id" or name.endswith("_source"):
            # Another system's ids are any text ("0035e00000A1"), not only numbers.
            cols.append(Column(name, String(100)))
        elif name.endswith("_id"):
            cols.append(Column(name, Integer))
        else:
            cols.append(Column(name, String(400)))
    cols += [
        Column("match_id", Integer),
        Column("new_id", Integer),
        Column("dup", Integer, nullable=False, server_default=text("0")),
    ]
    return Table(NAME, MetaData(), *cols, prefixes=["TEMPORARY"], postgresql_on_commit="DROP")


def create(conn: Connection, table: Table) -> None:
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {NAME}")
    table.create(conn)


def index(conn: Connection, table: Table, *columns: str) -> None:
    Index(f"ix_stage_{'_'.join(columns)}", *(table.c[c] for c in columns), table.c.row_no).create(conn)


@contextmanager
def loader(conn: Connection, table: Table) -> Iterator[Callable[[Sequence[dict[str, Any]]], None]]:
    """A function appending checked rows (each a dict of some of the table's columns) to the staging
    table, for as long as the block lasts."""
    names = [c.name for c in table.c if c.name not in ("new_id", "dup")]
    if conn.dialect.name != "postgresql":
        yield lambda rows: _executemany(conn, table, names, rows) if rows else None
        return
    json_cols = {c.name for c in table.c if c.type.__class__.__name__ in ("JSON", "JSONB", "Variant")}
    json_cols |= {c.name for c in table.c if "JSON" in repr(c.type)}
    to_json = [(i, json.dumps) for i, n in enumerate(names) if n in json_cols]
    driver = conn.connection.driver_connection
    assert driver is not None
    # One COPY for the whole file: the server takes each chunk in while the next one is read and
    # checked, where a COPY per chunk made the reading wait for the server at every chunk's end.
    with driver.cursor() as cur, cur.copy(f"COPY {NAME} ({', '.join(names)}) FROM STDIN") as copy:

        def put(rows: Sequence[dict[str, Any]]) -> None:
            for values in _lists(rows, names, to_json):
                copy.write_row(values)

        yield put


def _executemany(conn: Connection, table: Table, names: list[str], rows: Sequence[dict[str, Any]]) -> None:
    """SQLite: the driver's executemany with each value turned into what SQLAlchemy would store (the
    columns' own bind processors, only on the columns that have one), without a statement per row."""
    procs = [
        (i, p) for i, n in enumerate(names) if (p := table.c[n].type.bind_processor(conn.dialect)) is not None
    ]
    sql = f"INSERT INTO {NAME} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.executemany(sql, _lists(rows, names, procs))


def _lists(
    rows: Sequence[dict[str, Any]], names: list[str], convert: list[tuple[int, Any]]
) -> list[list[Any]]:
    data = [list(map(r.get, names)) for r in rows]
    for i, to in convert:
        for values in data:
            if (v := values[i]) is not None:
                values[i] = to(v)
    return data
