"""name words: each word of the contact, company and deal names under its one-letter-out spellings

A reference with a slip in a word ("Randy Sahwood") is matched word by word: the reference's words and
their one-letter-out spellings find, by one read of this table's key, the words on file one slip away
("ashwood"); then the names holding such a word for each word of the reference are read through the words
index (PostgreSQL) or the trigram table (SQLite). Before, the typo passes read every name sharing a few
letters with the reference: 20–50 ms a reference at a million contacts. Filled here from the names on
file; kept by the service layer as names are written (``bot/services/namewords.py``).

Revision ID: 0029
Revises: 0023
Create Date: 2026-12-06 12:00:00.000000
"""

import importlib.util
from collections.abc import Iterator, Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

from models.search import name_words, spellings

revision: str = "0029"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = {"contacts": "name_key", "companies": "name_key", "deals": "title_key"}


def upgrade() -> None:
    _catch_up()
    op.create_table(
        "name_words",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("variant", sa.String(length=64), nullable=False),
        sa.Column("word", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_name_words_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "kind", "variant", "word", name=op.f("pk_name_words")),
    )
    conn = op.get_bind()
    table = sa.table(
        "name_words", sa.column("workspace_id"), sa.column("kind"), sa.column("variant"), sa.column("word")
    )
    for kind, column in KINDS.items():
        words: dict[int, set[str]] = {}
        for ws, word in _words(conn, kind, column):
            words.setdefault(ws, set()).add(word)
        rows = [
            {"workspace_id": ws, "kind": kind, "variant": v, "word": w}
            for ws, found in words.items()
            for w in found
            for v in spellings(w)
        ]
        for i in range(0, len(rows), 10_000):
            conn.execute(sa.insert(table), rows[i : i + 10_000])


# Migrations 0024, 0025 and 0027 were put before 0023 after 0023 had been released as the head: a database
# that reached 0023 then never ran them, and alembic, seeing it at 0023, would not either. The first
# migration after 0023 runs each of them here when what it makes is missing.
CAUGHT_UP = (
    ("0024_report_indexes.py", "index", "ix_deals_closed"),
    ("0025_report_subscriptions.py", "table", "report_subscriptions"),
    ("0027_tagged_name_order.py", "index", "ix_contacts_tagged_name"),
)


def _catch_up() -> None:
    conn = op.get_bind()
    for file, kind, name in CAUGHT_UP:
        if file.startswith("0027") and conn.dialect.name != "postgresql":
            continue  # 0027 makes nothing on SQLite
        if _exists(conn, kind, name):
            continue
        spec = importlib.util.spec_from_file_location(
            f"_caught_up_{file[:4]}", Path(__file__).with_name(file)
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.upgrade()


def _exists(conn: sa.Connection, kind: str, name: str) -> bool:
    if conn.dialect.name == "postgresql":
        sql = (
            "SELECT 1 FROM pg_indexes WHERE indexname = :n"
            if kind == "index"
            else "SELECT 1 FROM pg_tables WHERE tablename = :n"
        )
    else:
        sql = f"SELECT 1 FROM sqlite_master WHERE type = '{kind}' AND name = :n"
    return conn.execute(sa.text(sql), {"n": name}).first() is not None


def _words(conn: sa.Connection, kind: str, column: str) -> Iterator[tuple[int, str]]:
    if conn.dialect.name == "postgresql":
        # The distinct words are found by the server: a million names are not sent over.
        yield from conn.execute(
            sa.text(
                f"SELECT DISTINCT workspace_id, w FROM {kind}, unnest(string_to_array({column}, ' ')) AS w "
                "WHERE w <> '' AND length(w) <= 64"
            )
        ).tuples()
        return
    seen: set[tuple[int, str]] = set()
    for ws, key in conn.execute(sa.text(f"SELECT workspace_id, {column} FROM {kind}")).yield_per(50_000):
        for w in name_words(key or ""):
            if (ws, w) not in seen:
                seen.add((ws, w))
                yield ws, w


def downgrade() -> None:
    op.drop_table("name_words")
