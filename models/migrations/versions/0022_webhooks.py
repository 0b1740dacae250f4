"""webhooks: endpoints an admin registers to be told of record events, delivered through the outbox

A new table, webhook_endpoints; the outbox learns two kinds (webhook, webhook_disabled) and the audit
trail one record type (webhook). The vocabularies are written out here as they are at this revision.

Revision ID: 0022
Revises: 0019
Create Date: 2026-12-06 06:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0022"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_BEFORE = ("reminder", "overdue_nudge", "stale_deal", "stale_deals", "summary")
KINDS_AFTER = (*KINDS_BEFORE, "webhook", "webhook_disabled")
RECORDS_BEFORE = ("contact", "company", "deal", "task", "interaction", "user", "subscription", "workspace")
RECORDS_AFTER = (*RECORDS_BEFORE, "webhook")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _vocabulary(table: str, column: str, values: tuple[str, ...]) -> None:
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
        batch.create_check_constraint(op.f(f"ck_{table}_{column}"), _one_of(column, values))


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column(
            "events",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_delivery_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id", "created_by"],
            ["users.workspace_id", "users.id"],
            name=op.f("fk_webhook_endpoints_created_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_webhook_endpoints_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.create_index("ix_webhook_endpoints_workspace", ["workspace_id", "removed_at"], unique=False)
    _vocabulary("deliveries", "kind", KINDS_AFTER)
    _vocabulary("audit_events", "record_type", RECORDS_AFTER)


def downgrade() -> None:
    # What this revision brought goes with it: its deliveries and audit events name kinds the older
    # vocabulary refuses.
    op.execute("DELETE FROM deliveries WHERE kind IN ('webhook', 'webhook_disabled')")
    op.execute("DELETE FROM audit_events WHERE record_type = 'webhook'")
    _vocabulary("audit_events", "record_type", RECORDS_BEFORE)
    _vocabulary("deliveries", "kind", KINDS_BEFORE)
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.drop_index("ix_webhook_endpoints_workspace")
    op.drop_table("webhook_endpoints")
