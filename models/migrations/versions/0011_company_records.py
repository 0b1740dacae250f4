"""company records: a company's industry, its owner (a key within the workspace, like a contact's) and
its tags (a JSON list, like a contact's)

Companies made before this revision keep everything they had: no industry, no owner (so anyone may
change them, as anyone could before) and no tags.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWNER_KEY = "fk_companies_owner_id_users"


def upgrade() -> None:
    with op.batch_alter_table("companies") as batch:
        batch.add_column(sa.Column("industry", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        # Filled for the rows already there, then left to the application (as contacts.tags is).
        batch.add_column(
            sa.Column(
                "tags",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default=sa.text("'[]'"),
            )
        )
        batch.create_foreign_key(
            op.f(OWNER_KEY), "users", ["workspace_id", "owner_id"], ["workspace_id", "id"]
        )
    with op.batch_alter_table("companies") as batch:
        batch.alter_column("tags", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("companies") as batch:
        batch.drop_constraint(op.f(OWNER_KEY), type_="foreignkey")
        batch.drop_column("tags")
        batch.drop_column("owner_id")
        batch.drop_column("industry")
