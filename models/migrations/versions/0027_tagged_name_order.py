"""tagged records in name order: a partial index of the contacts and companies that carry any tag

A list by tag shows a page in name order. With only the GIN index on the tags, a common tag (25,000 of a
million contacts) was found, then every holder read and sorted for its first 25 names; this index holds
the tagged rows alone, in name order, with their tags, so a page reads its first few hundred entries and
filters them there. PostgreSQL only (SQLite finds a tag by matching the list's text and has no such plan).

Revision ID: 0027
Revises: 0025
Create Date: 2026-12-06 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("contacts", "companies")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        # The predicate is what bot/services/lookup.py tagged() says, so the planner can use it.
        op.execute(
            f"CREATE INDEX ix_{table}_tagged_name ON {table} (workspace_id, name_key, id) INCLUDE (tags) "
            "WHERE deleted_at IS NULL AND tags <> '[]'::jsonb"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_tagged_name")
