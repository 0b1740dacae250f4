"""soft delete: contacts, companies, deals and tasks keep when and by whom they were deleted

A deleted record stays in its table, marked, so that deleting it can be undone and a merge can be taken
back; the application leaves marked rows out of every read. Rows made before this revision are not deleted.

Revision ID: 0014
Revises: 0022
Create Date: 2026-12-06 06:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("companies", "contacts", "deals", "tasks")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
            batch.add_column(sa.Column("deleted_by_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(
                f"fk_{table}_deleted_by_id_users",
                "users",
                ["workspace_id", "deleted_by_id"],
                ["workspace_id", "id"],
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_deleted_by_id_users", type_="foreignkey")
            batch.drop_column("deleted_by_id")
            batch.drop_column("deleted_at")
