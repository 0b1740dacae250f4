"""report subscriptions: a channel's standing order for a report (a measure for the team or one person,
over a period counted from each run's day, daily or on some weekdays at a local time in a zone), audited
as a new record type, and the reports the scheduler posts for them (a new kind of delivery). The
vocabularies are written out as they are at this revision.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 09:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As they are at the revision before this one
RECORD_TYPES = (
    *("contact", "company", "deal", "task", "interaction", "user", "subscription", "workspace"),
    *("webhook", "pipeline", "stage", "custom_field", "quota", "feedback"),
)
DELIVERY_KINDS = (
    *("reminder", "overdue_nudge", "stale_deal", "stale_deals", "summary"),
    *("webhook", "webhook_disabled", "deal_room", "quota_milestone"),
)
MEASURES = (
    *("won", "lost", "win_rate", "activity", "cycle", "forecast"),
    *("funnel", "velocity", "quota", "customers", "satisfaction"),
)
PERIODS = (
    *("today", "yesterday", "this_week", "last_week", "this_month", "last_month"),
    *("this_quarter", "last_quarter", "this_year", "last_year"),
)


def _one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _vocabulary(table: str, column: str, values: Sequence[str]) -> None:
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
        batch.create_check_constraint(op.f(f"ck_{table}_{column}"), _one_of(column, values))


def upgrade() -> None:
    op.create_table(
        "report_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("channel_name", sa.String(80), nullable=True),
        sa.Column("measure", sa.String(16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("frequency", sa.String(8), nullable=False),
        sa.Column("weekdays", sa.String(20), nullable=True),
        sa.Column("time_local", sa.String(5), nullable=False),
        sa.Column("tz", sa.String(64), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_report_subscriptions_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "created_by"],
            ["users.workspace_id", "users.id"],
            name="fk_report_subscriptions_created_by_users",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "owner_id"],
            ["users.workspace_id", "users.id"],
            name="fk_report_subscriptions_owner_id_users",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(_one_of("measure", MEASURES), name=op.f("ck_report_subscriptions_measure")),
        sa.CheckConstraint(_one_of("period", PERIODS), name=op.f("ck_report_subscriptions_period")),
        sa.CheckConstraint(
            _one_of("frequency", ("daily", "weekly")), name=op.f("ck_report_subscriptions_frequency")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_subscriptions")),
    )
    op.create_index(
        op.f("ix_report_subscriptions_channel"), "report_subscriptions", ["workspace_id", "channel_id"]
    )
    op.create_index(op.f("ix_report_subscriptions_due"), "report_subscriptions", ["next_run_at"])
    _vocabulary("audit_events", "record_type", (*RECORD_TYPES, "report_subscription"))
    _vocabulary("deliveries", "kind", (*DELIVERY_KINDS, "report"))


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE kind = 'report'")
    op.execute("DELETE FROM audit_events WHERE record_type = 'report_subscription'")
    _vocabulary("deliveries", "kind", DELIVERY_KINDS)
    _vocabulary("audit_events", "record_type", RECORD_TYPES)
    op.drop_index(op.f("ix_report_subscriptions_due"), table_name="report_subscriptions")
    op.drop_index(op.f("ix_report_subscriptions_channel"), table_name="report_subscriptions")
    op.drop_table("report_subscriptions")
