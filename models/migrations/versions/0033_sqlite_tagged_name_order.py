"""tagged records in name order on SQLite: 0027's partial index of the contacts and companies with a tag

SQLite finds a tag by matching the list's text, which no index serves: a list of companies by a tag few
of them hold read all 100,000 of them in name order to fill its page (300 ms). With the tagged rows
alone in an index, in name order, the page and its count read those only. The query says ``tags <> '[]'``
(``bot/services/lookup.py`` tagged()) so that SQLite may use it.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 13:15:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("contacts", "companies")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        op.execute(
            f"CREATE INDEX ix_{table}_tagged_name ON {table} (workspace_id, name_key, id) "
            "WHERE deleted_at IS NULL AND tags <> '[]'"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_tagged_name")
