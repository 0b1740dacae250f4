"""forecast totals: deals counted and summed per month of expected close, stage, owner, currency and
forecast category, kept as deals change, so the forecast reads its whole months from a few thousand rows
instead of grouping a quarter of a million open deals

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-06 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0040"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "forecast_totals",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("close_month", sa.Date(), nullable=False),
        sa.Column("stage_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("owner_key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("forecast_category", sa.String(length=16), nullable=False),
        sa.Column("deals", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name="fk_forecast_totals_workspace_id_workspaces",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "stage_id"],
            ["pipeline_stages.workspace_id", "pipeline_stages.id"],
            name="fk_forecast_totals_stage_id_pipeline_stages",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "workspace_id",
            "close_month",
            "stage_id",
            "owner_key",
            "currency",
            "forecast_category",
            name=op.f("pk_forecast_totals"),
        ),
    )
    # As bot/services/forecast_totals.py recounts them: one pass over the deals, grouped.
    month = (
        "date(close_date, 'start of month')"
        if op.get_bind().dialect.name == "sqlite"
        else "CAST(date_trunc('month', close_date) AS date)"
    )
    op.execute(
        "INSERT INTO forecast_totals (workspace_id, close_month, stage_id, owner_key, currency, "
        "forecast_category, deals, amount) "
        f"SELECT workspace_id, {month}, stage_id, COALESCE(owner_id, 0), currency, forecast_category, "
        "COUNT(*), COALESCE(SUM(amount), 0) FROM deals "
        "WHERE deleted_at IS NULL AND close_date IS NOT NULL "
        f"GROUP BY workspace_id, {month}, stage_id, COALESCE(owner_id, 0), currency, forecast_category"
    )
    op.execute("ANALYZE forecast_totals")


def downgrade() -> None:
    op.drop_table("forecast_totals")
