"""forecasts: each stage's probability of winning (the default pipeline's stages get the usual ones), each
deal's forecast category (pipeline, best case, commit; the deals already there are pipeline)

Revision ID: 0017
Revises: 0013
Create Date: 2026-12-06 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The default pipeline's stages (models/entities.py STAGE_PROBABILITY); a team's own stages have none
# until someone sets it.
PROBABILITY = {
    "lead": 10,
    "qualified": 25,
    "demo": 40,
    "proposal": 60,
    "negotiation": 80,
    "won": 100,
    "lost": 0,
}
CATEGORIES = ("pipeline", "best_case", "commit")


def upgrade() -> None:
    with op.batch_alter_table("pipeline_stages") as batch:
        batch.add_column(sa.Column("probability", sa.Integer(), nullable=True))
    for key, pct in PROBABILITY.items():
        op.execute(
            sa.text("UPDATE pipeline_stages SET probability = :pct WHERE key = :key").bindparams(
                pct=pct, key=key
            )
        )
    with op.batch_alter_table("deals") as batch:
        batch.add_column(
            sa.Column(
                "forecast_category", sa.String(16), nullable=False, server_default=sa.text("'pipeline'")
            )
        )
    with op.batch_alter_table("deals") as batch:
        batch.alter_column("forecast_category", server_default=None)
        quoted = ", ".join(f"'{c}'" for c in CATEGORIES)
        batch.create_check_constraint(op.f("ck_deals_forecast_category"), f"forecast_category IN ({quoted})")


def downgrade() -> None:
    with op.batch_alter_table("deals") as batch:
        batch.drop_constraint(op.f("ck_deals_forecast_category"), type_="check")
        batch.drop_column("forecast_category")
    with op.batch_alter_table("pipeline_stages") as batch:
        batch.drop_column("probability")
