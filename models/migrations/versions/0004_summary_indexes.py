"""indexes for the pipeline summary: deals by close date, recent audit events per record type

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 22:58:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_deals_close", "deals", ["workspace_id", "close_date"], unique=False)
    op.create_index("ix_audit_recent", "audit_events", ["workspace_id", "record_type", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_recent", table_name="audit_events")
    op.drop_index("ix_deals_close", table_name="deals")
