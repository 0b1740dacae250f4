"""deals by last activity: the stale-deal scan reads the quietest deals first and stops at its batch

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 23:12:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_deals_activity", "deals", ["workspace_id", "last_activity_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_deals_activity", table_name="deals")
