"""company activity: a row per company with deals, when they were last active (the latest
``last_activity_at`` of its deals not deleted), kept as deals change, so the customers report finds the
customers gone quiet from a range of companies by when instead of taking every deal active lately (a
third of a million at a million deals) away from every customer

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-06 20:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "company_activity",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name="fk_company_activity_workspace_id_workspaces",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "company_id", name=op.f("pk_company_activity")),
    )
    # As bot/services/company_activity.py recomputes them: one pass over the deals, the index made after.
    op.execute(
        "INSERT INTO company_activity (workspace_id, company_id, last_activity_at) "
        "SELECT workspace_id, company_id, max(last_activity_at) FROM deals "
        "WHERE company_id IS NOT NULL AND deleted_at IS NULL GROUP BY workspace_id, company_id"
    )
    op.create_index(
        "ix_company_activity_last",
        "company_activity",
        ["workspace_id", "last_activity_at", "company_id"],
        unique=False,
    )
    op.execute("ANALYZE company_activity")


def downgrade() -> None:
    op.drop_index("ix_company_activity_last", table_name="company_activity")
    op.drop_table("company_activity")
