"""funnel rows: a row per deal (made when, owner and stage now, the stages its history moved it into),
a row per stay in a stage that ended (its days, the deal's owner and pipeline now), and both counted per
day made, kept as deals and their history change, so the funnel sums a few thousand rows and reads one
bucket of stays per median instead of grouping every move of a period's deals joined to the deals

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-06 17:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOVED = "(h.from_stage_id IS NULL OR h.from_stage_id <> h.stage_id)"


def _workspace_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id"], ["workspaces.id"], name=f"fk_{table}_workspace_id_workspaces", ondelete="CASCADE"
    )


def _backfill(dialect: str) -> None:
    # As bot/services/funnel_rows.py recomputes them; the days as bot/services/reports.py counts them.
    if dialect == "postgresql":
        joined = "string_agg(CAST(stage_id AS TEXT), ',' ORDER BY stage_id)"
        days = "GREATEST(CAST(EXTRACT(epoch FROM h.at - h.from_entered_at) AS FLOAT) / 86400, 0.0)"
        whole = f"CAST(floor({days}) AS INTEGER)"
        made = "CAST(timezone('UTC', created_at) AS DATE)"
    else:
        joined = "group_concat(CAST(stage_id AS TEXT))"
        days = "max(julianday(h.at) - julianday(h.from_entered_at), 0.0)"
        whole = f"CAST({days} AS INTEGER)"
        made = "date(created_at)"
    op.execute(
        "INSERT INTO deal_funnel (workspace_id, deal_id, created_at, owner_key, stage_id, visited) "
        "SELECT d.workspace_id, d.id, d.created_at, COALESCE(d.owner_id, 0), d.stage_id, "
        f"COALESCE(v.visited, '') FROM deals d LEFT JOIN (SELECT deal_id, {joined} AS visited "
        f"FROM (SELECT DISTINCT h.deal_id, h.stage_id FROM deal_stage_changes h WHERE {MOVED}) p "
        "GROUP BY deal_id) v ON v.deal_id = d.id WHERE d.deleted_at IS NULL"
    )
    op.execute(
        "INSERT INTO deal_stays (workspace_id, change_id, deal_id, created_at, owner_key, pipeline_id, "
        "from_stage_id, days, whole_days) "
        "SELECT h.workspace_id, h.id, h.deal_id, d.created_at, COALESCE(d.owner_id, 0), s.pipeline_id, "
        f"h.from_stage_id, {days}, {whole} "
        # By the deal's id alone: with the workspace too SQLite reads every move per deal (its funnel index).
        "FROM deal_stage_changes h JOIN deals d ON d.id = h.deal_id "
        "JOIN pipeline_stages s ON s.id = d.stage_id "
        "WHERE h.from_stage_id IS NOT NULL AND h.from_stage_id <> h.stage_id "
        "AND h.from_entered_at IS NOT NULL AND d.deleted_at IS NULL"
    )
    op.execute(
        "INSERT INTO funnel_totals (workspace_id, day, stage_id, visited, deals) "
        f"SELECT workspace_id, {made}, stage_id, visited, COUNT(*) FROM deal_funnel "
        f"GROUP BY workspace_id, {made}, stage_id, visited"
    )
    op.execute(
        "INSERT INTO stay_totals (workspace_id, day, pipeline_id, from_stage_id, whole_days, stays) "
        f"SELECT workspace_id, {made}, pipeline_id, from_stage_id, whole_days, COUNT(*) FROM deal_stays "
        f"GROUP BY workspace_id, {made}, pipeline_id, from_stage_id, whole_days"
    )


def upgrade() -> None:
    op.create_table(
        "deal_funnel",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_key", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("visited", sa.Text(), nullable=False),
        _workspace_key("deal_funnel"),
        sa.PrimaryKeyConstraint("workspace_id", "deal_id", name=op.f("pk_deal_funnel")),
    )
    op.create_index(
        "ix_deal_funnel_added",
        "deal_funnel",
        ["workspace_id", "created_at", "owner_key", "stage_id", "visited"],
        unique=False,
    )
    op.create_index(
        "ix_deal_funnel_owner",
        "deal_funnel",
        ["workspace_id", "owner_key", "created_at", "stage_id", "visited"],
        unique=False,
    )
    op.create_table(
        "deal_stays",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_key", sa.Integer(), nullable=False),
        sa.Column("pipeline_id", sa.Integer(), nullable=False),
        sa.Column("from_stage_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.Float(), nullable=False),
        sa.Column("whole_days", sa.Integer(), nullable=False),
        _workspace_key("deal_stays"),
        sa.PrimaryKeyConstraint("workspace_id", "change_id", name=op.f("pk_deal_stays")),
    )
    op.create_index(
        "ix_deal_stays_added",
        "deal_stays",
        ["workspace_id", "created_at", "owner_key", "from_stage_id", "whole_days"],
        unique=False,
    )
    op.create_index(
        "ix_deal_stays_owner",
        "deal_stays",
        ["workspace_id", "owner_key", "created_at", "from_stage_id", "whole_days"],
        unique=False,
    )
    op.create_index(
        "ix_deal_stays_bucket",
        "deal_stays",
        ["workspace_id", "from_stage_id", "whole_days", "created_at", "days", "owner_key", "pipeline_id"],
        unique=False,
    )
    op.create_index("ix_deal_stays_deal", "deal_stays", ["workspace_id", "deal_id"], unique=False)
    op.create_table(
        "funnel_totals",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("stage_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("visited", sa.Text(), nullable=False),
        sa.Column("deals", sa.Integer(), nullable=False),
        _workspace_key("funnel_totals"),
        sa.PrimaryKeyConstraint("workspace_id", "day", "stage_id", "visited", name=op.f("pk_funnel_totals")),
    )
    op.create_table(
        "stay_totals",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("pipeline_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("from_stage_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("whole_days", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stays", sa.Integer(), nullable=False),
        _workspace_key("stay_totals"),
        sa.PrimaryKeyConstraint(
            "workspace_id", "day", "pipeline_id", "from_stage_id", "whole_days", name=op.f("pk_stay_totals")
        ),
    )
    dialect = op.get_bind().dialect.name
    _backfill(dialect)
    for table in ("deal_funnel", "deal_stays", "funnel_totals", "stay_totals"):
        op.execute(f"ANALYZE {table}")


def downgrade() -> None:
    op.drop_table("stay_totals")
    op.drop_table("funnel_totals")
    op.drop_index("ix_deal_stays_deal", table_name="deal_stays")
    op.drop_index("ix_deal_stays_bucket", table_name="deal_stays")
    op.drop_index("ix_deal_stays_owner", table_name="deal_stays")
    op.drop_index("ix_deal_stays_added", table_name="deal_stays")
    op.drop_table("deal_stays")
    op.drop_index("ix_deal_funnel_owner", table_name="deal_funnel")
    op.drop_index("ix_deal_funnel_added", table_name="deal_funnel")
    op.drop_table("deal_funnel")
