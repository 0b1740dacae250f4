"""custom fields: a workspace's own fields on contacts, companies and deals

The fields are rows of ``custom_fields``; a record keeps its values in a JSON column ``custom`` (by field
id). Records made before this revision have none. Audit events may now be about a custom field.

Revision ID: 0016
Revises: 0020
Create Date: 2026-12-06 06:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECORDS = ("contacts", "companies", "deals")
AUDITED_BEFORE = (
    *("contact", "company", "deal", "task", "interaction", "user", "subscription", "workspace"),
    *("webhook", "pipeline", "stage"),
)
AUDITED_AFTER = (*AUDITED_BEFORE, "custom_field")


def _json() -> sa.types.TypeEngine:  # type: ignore[type-arg]
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _record_types(values: Sequence[str]) -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_constraint(op.f("ck_audit_events_record_type"), type_="check")
        batch.create_check_constraint(op.f("ck_audit_events_record_type"), _one_of("record_type", values))


def upgrade() -> None:
    op.create_table(
        "custom_fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("choices", _json(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            _one_of("record_type", ("contact", "company", "deal")), name=op.f("ck_custom_fields_record_type")
        ),
        sa.CheckConstraint(
            _one_of("kind", ("text", "number", "date", "choice")), name=op.f("ck_custom_fields_kind")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_custom_fields_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_fields")),
        sa.UniqueConstraint("workspace_id", "id", name=op.f("uq_custom_fields_workspace_id_id")),
        sa.UniqueConstraint(
            "workspace_id", "record_type", "key", name=op.f("uq_custom_fields_workspace_id_record_type_key")
        ),
    )
    for table in RECORDS:
        with op.batch_alter_table(table) as batch:
            # Filled for the rows already there, then left to the application (as tags are).
            batch.add_column(sa.Column("custom", _json(), nullable=False, server_default=sa.text("'{}'")))
        with op.batch_alter_table(table) as batch:
            batch.alter_column("custom", server_default=None)
    _record_types(AUDITED_AFTER)
    op.create_index("ix_contacts_lifecycle", "contacts", ["workspace_id", "lifecycle", "name_key", "id"])
    if op.get_bind().dialect.name == "postgresql":
        # A tag's list reads the records holding it (bot/services/lookup.py tagged), not every record.
        # An expression index, so it is the migration's alone (the models cannot declare it for SQLite).
        for table in RECORDS:
            op.execute(
                f"CREATE INDEX ix_{table}_tags ON {table} USING gin ((lower(tags::text)::jsonb) jsonb_path_ops)"
            )


def downgrade() -> None:
    # The fields' own audit events go with them: the vocabulary before this revision has no word for them.
    op.execute("DELETE FROM audit_events WHERE record_type = 'custom_field'")
    if op.get_bind().dialect.name == "postgresql":
        for table in RECORDS:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_tags")
    op.drop_index("ix_contacts_lifecycle", "contacts")
    _record_types(AUDITED_BEFORE)
    for table in reversed(RECORDS):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("custom")
    op.drop_table("custom_fields")
