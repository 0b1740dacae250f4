"""pipelines and lifecycle: a workspace's pipelines (each with its own stages, a stage's win probability)
and a company's lifecycle (like a contact's)

Every workspace's existing stages, and so every existing deal, go into one pipeline, "Sales". The
default stages get the probabilities a new workspace gets; a stage the team made keeps none (closed
ones: 100 when won, 0 when lost). Companies start as prospects. Stages and pipelines are audited.

Down: a second pipeline's stage whose key the first pipeline also has is renamed ``<pipeline>_<key>``
(the old schema wants keys unique per workspace), and audit rows about stages and pipelines go.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 06:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIFECYCLES = ("prospect", "lead", "customer", "loyal", "advocate")
OLD_TYPES = (
    "contact",
    "company",
    "deal",
    "task",
    "interaction",
    "user",
    "subscription",
    "workspace",
    "webhook",
)
NEW_TYPES = (*OLD_TYPES, "pipeline", "stage")
PROBABILITIES = {"lead": 10, "qualified": 20, "demo": 40, "proposal": 60, "negotiation": 80}


def _one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _record_types(values: Sequence[str]) -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_constraint(op.f("ck_audit_events_record_type"), type_="check")
        batch.create_check_constraint(op.f("ck_audit_events_record_type"), _one_of("record_type", values))


def upgrade() -> None:
    op.create_table(
        "pipelines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_renewal", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_pipelines_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipelines")),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_pipelines_workspace_id_key")),
        sa.UniqueConstraint("workspace_id", "id", name=op.f("uq_pipelines_workspace_id_id")),
    )
    op.execute(
        "INSERT INTO pipelines (workspace_id, key, name, position, is_renewal) "
        "SELECT id, 'sales', 'Sales', 0, false FROM workspaces"
    )
    with op.batch_alter_table("pipeline_stages") as batch:
        batch.add_column(sa.Column("pipeline_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("probability", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE pipeline_stages SET pipeline_id = "
        "(SELECT p.id FROM pipelines p WHERE p.workspace_id = pipeline_stages.workspace_id)"
    )
    for key, chance in PROBABILITIES.items():
        op.execute(
            f"UPDATE pipeline_stages SET probability = {chance} WHERE key = '{key}' AND is_closed = false"
        )
    op.execute("UPDATE pipeline_stages SET probability = 100 WHERE is_closed = true AND is_won = true")
    op.execute("UPDATE pipeline_stages SET probability = 0 WHERE is_closed = true AND is_won = false")
    with op.batch_alter_table("pipeline_stages") as batch:
        batch.alter_column("pipeline_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_constraint(op.f("uq_pipeline_stages_workspace_id_key"), type_="unique")
        batch.create_unique_constraint(
            op.f("uq_pipeline_stages_workspace_id_pipeline_id_key"), ["workspace_id", "pipeline_id", "key"]
        )
        batch.create_foreign_key(
            op.f("fk_pipeline_stages_pipeline_id_pipelines"),
            "pipelines",
            ["workspace_id", "pipeline_id"],
            ["workspace_id", "id"],
        )
        batch.create_check_constraint(op.f("ck_pipeline_stages_probability"), "probability BETWEEN 0 AND 100")
    with op.batch_alter_table("companies") as batch:
        batch.add_column(
            sa.Column("lifecycle", sa.String(length=16), nullable=False, server_default="prospect")
        )
        batch.create_check_constraint(op.f("ck_companies_lifecycle"), _one_of("lifecycle", LIFECYCLES))
    with op.batch_alter_table("companies") as batch:
        batch.alter_column("lifecycle", existing_type=sa.String(length=16), server_default=None)
    _record_types(NEW_TYPES)
    op.create_index("ix_deals_contact", "deals", ["contact_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_deals_contact", table_name="deals")
    op.execute("DELETE FROM audit_events WHERE record_type IN ('pipeline', 'stage')")
    _record_types(OLD_TYPES)
    with op.batch_alter_table("companies") as batch:
        batch.drop_constraint(op.f("ck_companies_lifecycle"), type_="check")
        batch.drop_column("lifecycle")
    # Keys unique per workspace again: a later pipeline's stage gives way to the first pipeline's.
    op.execute(
        "UPDATE pipeline_stages SET key = substr((SELECT p.key FROM pipelines p "
        "WHERE p.id = pipeline_stages.pipeline_id) || '_' || key, 1, 40) "
        "WHERE EXISTS (SELECT 1 FROM pipeline_stages o WHERE o.workspace_id = pipeline_stages.workspace_id "
        "AND o.key = pipeline_stages.key AND o.pipeline_id < pipeline_stages.pipeline_id)"
    )
    # And one order: each later pipeline's stages after the ones before it.
    op.execute(
        "UPDATE pipeline_stages SET position = position + 1000 * "
        "(SELECT p.position FROM pipelines p WHERE p.id = pipeline_stages.pipeline_id)"
    )
    with op.batch_alter_table("pipeline_stages") as batch:
        batch.drop_constraint(op.f("ck_pipeline_stages_probability"), type_="check")
        batch.drop_constraint(op.f("fk_pipeline_stages_pipeline_id_pipelines"), type_="foreignkey")
        batch.drop_constraint(op.f("uq_pipeline_stages_workspace_id_pipeline_id_key"), type_="unique")
        batch.create_unique_constraint(op.f("uq_pipeline_stages_workspace_id_key"), ["workspace_id", "key"])
        batch.drop_column("probability")
        batch.drop_column("pipeline_id")
    op.drop_table("pipelines")
