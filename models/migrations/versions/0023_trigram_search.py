"""trigram search: finding a record by a few letters of its name without reading the whole table

PostgreSQL: pg_trgm GIN indexes on contacts/companies.name_key and deals/tasks.title_key (if the extension
cannot be created, for want of the privilege, the lookups still work, by scanning). SQLite: an FTS5 table
with the trigram tokenizer beside each, filled from the rows already there and kept in step by triggers.

Revision ID: 0023
Revises: 0027
Create Date: 2026-12-06 06:45:00.000000
"""

import logging
from collections.abc import Sequence

from alembic import op

from models.search import SEARCHED, search_table

revision: str = "0023"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_up()
    else:
        for table, column in SEARCHED.items():
            _sqlite_up(table, column)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in SEARCHED:
            op.execute(f"DROP INDEX IF EXISTS ix_{search_table(table)}")
        return
    for table in SEARCHED:
        fts = search_table(table)
        for event in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {fts}_{event}")
        op.execute(f"DROP TABLE IF EXISTS {fts}")


def _postgresql_up() -> None:
    bind = op.get_bind()
    with bind.begin_nested() as savepoint:
        try:
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception as exc:  # noqa: BLE001  (a missing privilege is the expected case)
            savepoint.rollback()
            log.warning("pg_trgm is not available (%s): lookups will scan instead of using an index", exc)
            return
    for table, column in SEARCHED.items():
        op.execute(f"CREATE INDEX ix_{search_table(table)} ON {table} USING gin ({column} gin_trgm_ops)")


def _sqlite_up(table: str, column: str) -> None:
    fts = search_table(table)
    op.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', content_rowid='id', "
        "tokenize='trigram')"
    )
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    op.execute(
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column}); END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {column} ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column}); "
        f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END"
    )
