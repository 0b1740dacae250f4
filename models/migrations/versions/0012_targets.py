"""targets: tasks and interactions attach to the records they are about through one link table, not a
key column per record type

Each link a task (contact, deal) or an interaction (contact, company, deal) held in its own column
becomes a row of ``targets``, and the columns go. A task and an interaction are now pointed at with
their workspace ((workspace_id, id) unique), like every other target of a workspace key. Down again,
each source takes back its first link of each type (by targets id: only one could be made before).
The record types are written out here as they are at this revision: a migration must not change when
the models' constants do later.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-09 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCES = {"task": "tasks", "interaction": "interactions"}
RECORDS = {"contact": "contacts", "company": "companies", "deal": "deals"}
# The links each source table held as columns, and how each key deleted before this revision.
COLUMNS = {
    "tasks": (("contact", None), ("deal", None)),
    "interactions": (("contact", "CASCADE"), ("company", "CASCADE"), ("deal", "CASCADE")),
}
# The interactions' indexes on their links, by when they happened.
INDEXES = {
    "contact": "ix_interactions_contact",
    "deal": "ix_interactions_deal",
    "company": "ix_interactions_company",
}


def _exactly_one(columns: Sequence[str]) -> str:
    return " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in columns) + " = 1"


def _key_name(table: str, column: str, target: str) -> str:
    return f"fk_{table}_{column}_{target}"


def upgrade() -> None:
    for table in SOURCES.values():
        with op.batch_alter_table(table) as batch:
            batch.create_unique_constraint(op.f(f"uq_{table}_workspace_id_id"), ["workspace_id", "id"])
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        *(sa.Column(f"{name}_id", sa.Integer(), nullable=True) for name in SOURCES),
        *(sa.Column(f"{name}_id", sa.Integer(), nullable=True) for name in RECORDS),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_targets_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        *(
            sa.ForeignKeyConstraint(
                ["workspace_id", f"{name}_id"],
                [f"{table}.workspace_id", f"{table}.id"],
                name=op.f(_key_name("targets", f"{name}_id", table)),
                ondelete="CASCADE",
            )
            for name, table in (*SOURCES.items(), *RECORDS.items())
        ),
        sa.CheckConstraint(_exactly_one([f"{n}_id" for n in SOURCES]), name=op.f("ck_targets_one_source")),
        sa.CheckConstraint(_exactly_one([f"{n}_id" for n in RECORDS]), name=op.f("ck_targets_one_record")),
        *(
            sa.UniqueConstraint(
                "workspace_id",
                f"{record}_id",
                f"{source}_id",
                name=op.f(f"uq_targets_workspace_id_{record}_id_{source}_id"),
            )
            for record in RECORDS
            for source in SOURCES
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targets")),
    )
    for source in SOURCES:
        op.create_index(op.f(f"ix_targets_{source}"), "targets", ["workspace_id", f"{source}_id"])
    # Source by source, row by row: the same data always gets the same target ids.
    for source, table in SOURCES.items():
        for record, _ondelete in COLUMNS[table]:
            op.execute(
                f"INSERT INTO targets (workspace_id, {source}_id, {record}_id) "
                f"SELECT workspace_id, id, {record}_id FROM {table} WHERE {record}_id IS NOT NULL ORDER BY id"
            )
    for table, links in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for record, _ondelete in links:
                if table == "interactions":
                    batch.drop_index(INDEXES[record])
                batch.drop_constraint(
                    op.f(_key_name(table, f"{record}_id", RECORDS[record])), type_="foreignkey"
                )
                batch.drop_column(f"{record}_id")


def downgrade() -> None:
    for source, table in SOURCES.items():
        with op.batch_alter_table(table) as batch:
            for record, _ondelete in COLUMNS[table]:
                batch.add_column(sa.Column(f"{record}_id", sa.Integer(), nullable=True))
        for record, _ondelete in COLUMNS[table]:
            op.execute(
                f"UPDATE {table} SET {record}_id = (SELECT t.{record}_id FROM targets t "
                f"WHERE t.{source}_id = {table}.id AND t.{record}_id IS NOT NULL ORDER BY t.id LIMIT 1)"
            )
        with op.batch_alter_table(table) as batch:
            for record, ondelete in COLUMNS[table]:
                target = RECORDS[record]
                batch.create_foreign_key(
                    op.f(_key_name(table, f"{record}_id", target)),
                    target,
                    ["workspace_id", f"{record}_id"],
                    ["workspace_id", "id"],
                    ondelete=ondelete,
                )
                if table == "interactions":
                    batch.create_index(INDEXES[record], [f"{record}_id", "occurred_at"])
    for source in SOURCES:
        op.drop_index(op.f(f"ix_targets_{source}"), table_name="targets")
    op.drop_table("targets")
    for table in SOURCES.values():
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"uq_{table}_workspace_id_id"), type_="unique")
