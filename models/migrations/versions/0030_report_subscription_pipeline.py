"""report subscription pipeline: a channel's standing order for a report may keep it to one pipeline's
deals (``/crm report subscribe won #renewals weekly mon pipeline Renewals``). The pipeline is kept by its
row, so a renamed pipeline goes on being reported under its new name; a removed one takes its
subscriptions with it, as a person does theirs. No vocabulary changes here.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = "fk_report_subscriptions_pipeline_id_pipelines"


def upgrade() -> None:
    with op.batch_alter_table("report_subscriptions") as batch:
        batch.add_column(sa.Column("pipeline_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            KEY, "pipelines", ["workspace_id", "pipeline_id"], ["workspace_id", "id"], ondelete="CASCADE"
        )


def downgrade() -> None:
    with op.batch_alter_table("report_subscriptions") as batch:
        batch.drop_constraint(KEY, type_="foreignkey")
        batch.drop_column("pipeline_id")
