"""report indexes: deals by when they were added and when they closed, interactions by when they happened,
each carrying the columns the reports group by, so that a period's figures read an index range rather
than every row of the workspace

Revision ID: 0024
Revises: 0017
Create Date: 2026-12-06 09:15:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLOSED = [
    "workspace_id",
    "closed_at",
    "stage_id",
    "owner_id",
    "currency",
    "amount",
    "created_at",
    "deleted_at",
]
CREATED = ["workspace_id", "created_at", "stage_id", "owner_id", "deleted_at"]
OCCURRED = ["workspace_id", "occurred_at", "author_id", "kind"]


def upgrade() -> None:
    op.create_index("ix_deals_closed", "deals", CLOSED, unique=False)
    op.create_index("ix_deals_created", "deals", CREATED, unique=False)
    op.create_index("ix_interactions_occurred", "interactions", OCCURRED, unique=False)
    if op.get_bind().dialect.name == "sqlite":
        # SQLite plans by the statistics ANALYZE left; without them for the new indexes it keeps to the
        # workspace-only ones and reads every deal of the workspace. PostgreSQL's autovacuum sees to it.
        op.execute("ANALYZE deals")
        op.execute("ANALYZE interactions")


def downgrade() -> None:
    op.drop_index("ix_interactions_occurred", table_name="interactions")
    op.drop_index("ix_deals_created", table_name="deals")
    op.drop_index("ix_deals_closed", table_name="deals")
