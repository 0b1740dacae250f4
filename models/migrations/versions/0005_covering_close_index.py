"""deals by close date: the index covers stage, amount and id, so "closing this week" reads no rows

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 23:05:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_deals_close", table_name="deals")
    op.create_index(
        "ix_deals_close", "deals", ["workspace_id", "close_date", "stage_id", "amount", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_deals_close", table_name="deals")
    op.create_index("ix_deals_close", "deals", ["workspace_id", "close_date"], unique=False)
