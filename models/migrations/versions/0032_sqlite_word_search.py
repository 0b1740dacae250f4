"""word search on SQLite: an FTS5 table of the words of each contact, company and deal name

The word-by-word pass of a lookup (``bot/services/lookup.py``) asks for the names holding one of a few
words for each word of the reference. On PostgreSQL the words index of migration 0020 answers it; on
SQLite the trigram table of 0023 answered it by reading the lists of every three letters of each word
("cynthia" AND "marston": 100 ms at a million contacts, "thi" and "ton" being in most names). This table
holds each name's words (the ``unicode61`` tokenizer over the folded key), so the same question reads the
lists of two words. Filled from the rows already there and kept in step by triggers, like 0023's.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 13:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

from models.search import WORDS_SEARCHED, words_table

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, column in WORDS_SEARCHED.items():
        fts = words_table(table)
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', content_rowid='id', "
            "tokenize='unicode61', detail='none')"
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


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in WORDS_SEARCHED:
        fts = words_table(table)
        for event in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {fts}_{event}")
        op.execute(f"DROP TABLE IF EXISTS {fts}")
