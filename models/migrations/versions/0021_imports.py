"""imports: an import batch on every record an import made, the import itself, and what it changed

A record made by an import carries the import's batch id, so the whole import is undone with one
DELETE per table however many rows it made; the rows it updated keep what they were in
``import_changes`` for the same reason. ``imports`` is the audit of an import, one row per import.

Revision ID: 0021
Revises: 0016
Create Date: 2026-12-06 06:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECORDS = ("contacts", "companies", "deals", "tasks", "interactions")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    for table in RECORDS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("import_batch", sa.String(36), nullable=True))
            batch.create_index(f"ix_{table}_import_batch", ["workspace_id", "import_batch"])
    # 0015 made it on contact_id alone; within the workspace it also serves an import's undo
    op.drop_index("ix_deals_contact", table_name="deals")
    op.create_index("ix_deals_contact", "deals", ["workspace_id", "contact_id"])
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(36), nullable=False),
        sa.Column("record_type", sa.String(32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(300), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("mapping", JSON, nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("bad", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("mode IN ('skip', 'update', 'merge')", name=op.f("ck_imports_mode")),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_imports_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "actor_id"], ["users.workspace_id", "users.id"], name="fk_imports_actor_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "undone_by_id"],
            ["users.workspace_id", "users.id"],
            name="fk_imports_undone_by_id_users",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
        sa.UniqueConstraint("batch_id", name=op.f("uq_imports_batch_id")),
    )
    op.create_index("ix_imports_workspace", "imports", ["workspace_id", "started_at"])
    op.create_table(
        "import_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(36), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("before", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["imports.batch_id"],
            name=op.f("fk_import_changes_batch_id_imports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_import_changes_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_changes")),
    )
    op.create_index("ix_import_changes_batch", "import_changes", ["batch_id", "record_id"])


def downgrade() -> None:
    op.drop_index("ix_import_changes_batch", table_name="import_changes")
    op.drop_table("import_changes")
    op.drop_index("ix_imports_workspace", table_name="imports")
    op.drop_table("imports")
    op.drop_index("ix_deals_contact", table_name="deals")
    op.create_index("ix_deals_contact", "deals", ["contact_id"])  # as 0015 made it
    for table in RECORDS:
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_import_batch")
            batch.drop_column("import_batch")
