"""pipeline totals per currency: amounts in different currencies are never added together

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 01:00:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _create(with_currency: bool) -> None:
    # The totals are derived data: the table is made again with its new key and recounted from deals.
    key = ["workspace_id", "stage_id", "owner_key"] + (["currency"] if with_currency else [])
    columns: list[sa.Column[Any]] = [
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("owner_key", sa.Integer(), autoincrement=False, nullable=False),
    ]
    if with_currency:
        columns.append(sa.Column("currency", sa.String(length=3), nullable=False))
    op.create_table(
        "pipeline_totals",
        *columns,
        sa.Column("deals", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["pipeline_stages.id"],
            name=op.f("fk_pipeline_totals_stage_id_pipeline_stages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_pipeline_totals_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(*key, name=op.f("pk_pipeline_totals")),
    )
    extra = ", currency" if with_currency else ""
    op.execute(
        f"INSERT INTO pipeline_totals (workspace_id, stage_id, owner_key{extra}, deals, amount) "
        f"SELECT workspace_id, stage_id, COALESCE(owner_id, 0){extra}, COUNT(*), COALESCE(SUM(amount), 0) "
        f"FROM deals GROUP BY workspace_id, stage_id, COALESCE(owner_id, 0){extra}"
    )


def upgrade() -> None:
    op.drop_table("pipeline_totals")
    _create(with_currency=True)


def downgrade() -> None:
    op.drop_table("pipeline_totals")
    _create(with_currency=False)
