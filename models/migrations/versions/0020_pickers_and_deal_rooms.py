"""the forms' pickers: name keys indexed for prefixes and words on PostgreSQL; deal rooms

Search-as-you-type answers within Slack's three seconds at a million contacts. The lookup indexes of
companies, contacts and deals become pattern indexes, so LIKE 'acm%' reads them whatever the database's
collation (equality still does); a GIN index over each key's full-text vector finds a word of a name
("doe" for "Jane Doe"). SQLite compares keys by code point and reads its lookup indexes by range already:
nothing changes there.

Deal rooms: a deal's channel (deals.room_channel_id), and the outbox's "deal_room" kind for what is
posted there.

Revision ID: 0020
Revises: 0015
Create Date: 2026-12-06 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAMES = (("companies", "name_key"), ("contacts", "name_key"), ("deals", "title_key"))
KINDS = ("reminder", "overdue_nudge", "stale_deal", "stale_deals", "summary", "webhook", "webhook_disabled")


def _kinds(values: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table("deals") as batch:
        batch.add_column(sa.Column("room_channel_id", sa.String(length=32), nullable=True))
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint(op.f("ck_deliveries_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_deliveries_kind"), _kinds((*KINDS, "deal_room")))
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, key in NAMES:
        op.execute(f"DROP INDEX ix_{table}_lookup")
        op.execute(f"CREATE INDEX ix_{table}_lookup ON {table} (workspace_id, {key} varchar_pattern_ops)")
        op.execute(f"CREATE INDEX ix_{table}_name_words ON {table} USING gin (to_tsvector('simple', {key}))")


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE kind = 'deal_room'")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint(op.f("ck_deliveries_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_deliveries_kind"), _kinds(KINDS))
    with op.batch_alter_table("deals") as batch:
        batch.drop_column("room_channel_id")
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, key in NAMES:
        op.execute(f"DROP INDEX ix_{table}_name_words")
        op.execute(f"DROP INDEX ix_{table}_lookup")
        op.execute(f"CREATE INDEX ix_{table}_lookup ON {table} (workspace_id, {key})")
