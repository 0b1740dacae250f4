"""the forms' pickers: name keys indexed for prefixes and words on PostgreSQL

Search-as-you-type answers within Slack's three seconds at a million contacts. The lookup indexes of
companies, contacts and deals become pattern indexes, so LIKE 'acm%' reads them whatever the database's
collation (equality still does); a GIN index over each key's full-text vector finds a word of a name
("doe" for "Jane Doe"). SQLite compares keys by code point and reads its lookup indexes by range already:
nothing changes there.

Revision ID: 0020
Revises: 0013
Create Date: 2026-12-06 06:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAMES = (("companies", "name_key"), ("contacts", "name_key"), ("deals", "title_key"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, key in NAMES:
        op.execute(f"DROP INDEX ix_{table}_lookup")
        op.execute(f"CREATE INDEX ix_{table}_lookup ON {table} (workspace_id, {key} varchar_pattern_ops)")
        op.execute(f"CREATE INDEX ix_{table}_name_words ON {table} USING gin (to_tsvector('simple', {key}))")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, key in NAMES:
        op.execute(f"DROP INDEX ix_{table}_name_words")
        op.execute(f"DROP INDEX ix_{table}_lookup")
        op.execute(f"CREATE INDEX ix_{table}_lookup ON {table} (workspace_id, {key})")
