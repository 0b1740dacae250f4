"""replayed audit events: the import that brought an event back from another workspace's export

Importing an export's zip whole brings its audit trail back beside its records, each event under its
original time and person, about the record it became here. Those events are history, not anyone's
operation here: a person's last operation, its Undo and an undo by op id never take one (a replayed
create taken back would delete a record the import made, outside the import's own undo). The column
names the import (``imports.batch_id`` of the record file) whose undo takes them away with its records.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06 17:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases (nullable, no default): no table copy on SQLite.
    op.add_column("audit_events", sa.Column("replayed_by", sa.String(36), nullable=True))
    op.create_index("ix_audit_replayed", "audit_events", ["replayed_by"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_replayed", table_name="audit_events")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("replayed_by")
