"""deal tags: a deal's tags (a JSON list, like a contact's and a company's)

Deals made before this revision have none.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 05:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deals") as batch:
        # Filled for the rows already there, then left to the application (as contacts.tags is).
        batch.add_column(
            sa.Column(
                "tags",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default=sa.text("'[]'"),
            )
        )
    with op.batch_alter_table("deals") as batch:
        batch.alter_column("tags", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("deals") as batch:
        batch.drop_column("tags")
