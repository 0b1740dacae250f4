"""forecasts and quotas: each deal's forecast category (pipeline, best case, commit; the deals already there are pipeline),
quotas per person and period and satisfaction answers (audited: new record types), and the quota milestone messages (a new kind of
delivery). The vocabularies are written out as they are at this revision.

Revision ID: 0017
Revises: 0021
Create Date: 2026-12-06 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CATEGORIES = ("pipeline", "best_case", "commit")
# As they are at the revision before this one
RECORD_TYPES = (
    *("contact", "company", "deal", "task", "interaction", "user", "subscription", "workspace"),
    *("webhook", "pipeline", "stage", "custom_field"),
)
DELIVERY_KINDS = (
    *("reminder", "overdue_nudge", "stale_deal", "stale_deals", "summary"),
    *("webhook", "webhook_disabled", "deal_room"),
)


def _one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _vocabulary(table: str, column: str, values: Sequence[str]) -> None:
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
        batch.create_check_constraint(op.f(f"ck_{table}_{column}"), _one_of(column, values))


def _quotas() -> None:
    op.create_table(
        "quotas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("announced_pct", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_quotas_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "user_id"],
            ["users.workspace_id", "users.id"],
            name=op.f("fk_quotas_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "set_by_id"],
            ["users.workspace_id", "users.id"],
            name=op.f("fk_quotas_set_by_id_users"),
        ),
        sa.UniqueConstraint(
            "workspace_id",
            "user_id",
            "period_start",
            "period_end",
            name=op.f("uq_quotas_workspace_id_user_id_period_start_period_end"),
        ),
        sa.UniqueConstraint("workspace_id", "id", name=op.f("uq_quotas_workspace_id_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotas")),
    )


def _feedback() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("scale", sa.String(8), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_feedback_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "contact_id"],
            ["contacts.workspace_id", "contacts.id"],
            name=op.f("fk_feedback_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "company_id"],
            ["companies.workspace_id", "companies.id"],
            name=op.f("fk_feedback_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "author_id"],
            ["users.workspace_id", "users.id"],
            name=op.f("fk_feedback_author_id_users"),
        ),
        sa.CheckConstraint("scale IN ('nps', 'csat')", name=op.f("ck_feedback_scale")),
        sa.UniqueConstraint("workspace_id", "id", name=op.f("uq_feedback_workspace_id_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    op.create_index(op.f("ix_feedback_given"), "feedback", ["workspace_id", "given_at"])


def upgrade() -> None:
    # Stages' probabilities came with the team's pipelines (0015).
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
    _quotas()
    _feedback()
    _vocabulary("audit_events", "record_type", (*RECORD_TYPES, "quota", "feedback"))
    _vocabulary("deliveries", "kind", (*DELIVERY_KINDS, "quota_milestone"))


def downgrade() -> None:
    # What only this revision could record goes with it: quota audit rows, milestone messages.
    op.execute("DELETE FROM audit_events WHERE record_type IN ('quota', 'feedback')")
    op.execute("DELETE FROM deliveries WHERE kind = 'quota_milestone'")
    _vocabulary("deliveries", "kind", DELIVERY_KINDS)
    _vocabulary("audit_events", "record_type", RECORD_TYPES)
    op.drop_index(op.f("ix_feedback_given"), table_name="feedback")
    op.drop_table("feedback")
    op.drop_table("quotas")
    with op.batch_alter_table("deals") as batch:
        batch.drop_constraint(op.f("ck_deals_forecast_category"), type_="check")
        batch.drop_column("forecast_category")
