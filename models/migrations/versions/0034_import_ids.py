"""import ids: which record each row of an export's file became, by the id the export gave it

An export names every record by its id; importing its zip whole keeps, per file, the record each of
those ids became here, so that the later files' links (a contact's company, a task's deal, a
satisfaction answer's contact) reach the very record the export meant, even where names repeat.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_ids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(36), nullable=False),
        sa.Column("source_id", sa.String(100), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["imports.batch_id"],
            name=op.f("fk_import_ids_batch_id_imports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_import_ids_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_ids")),
    )
    op.create_index("ix_import_ids_source", "import_ids", ["batch_id", "source_id"])


def downgrade() -> None:
    op.drop_index("ix_import_ids_source", table_name="import_ids")
    op.drop_table("import_ids")
