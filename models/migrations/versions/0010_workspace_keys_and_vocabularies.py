"""workspace keys and vocabularies: a row can only point at a row of its own workspace, and columns
holding a fixed vocabulary refuse anything else

Every key from one workspace table to another becomes (workspace_id, x_id) → target (workspace_id, id),
against a new UNIQUE (workspace_id, id) on the target. The keys that were ON DELETE SET NULL become
plain keys: SET NULL on a two-column key would empty workspace_id too, so the ORM unlinks such rows
before it deletes their target (models/entities.py). The vocabularies are written out here as they
were at this revision: a migration must not change when the models' constants do later.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Parents before children, so that each key finds its target's (workspace_id, id) already unique.
TABLES = (
    "users",
    "companies",
    "pipeline_stages",
    "contacts",
    "deals",
    "interactions",
    "tasks",
    "audit_events",
    "pipeline_totals",
    "deliveries",
    "subscriptions",
)
TARGETS = ("users", "companies", "pipeline_stages", "contacts", "deals")
# (table, column, target, ON DELETE before this revision, ON DELETE from it on)
LINKS = (
    ("contacts", "company_id", "companies", "SET NULL", None),
    ("contacts", "owner_id", "users", "SET NULL", None),
    ("deals", "company_id", "companies", "SET NULL", None),
    ("deals", "contact_id", "contacts", "SET NULL", None),
    ("deals", "stage_id", "pipeline_stages", None, None),
    ("deals", "owner_id", "users", "SET NULL", None),
    ("deals", "closed_by_id", "users", "SET NULL", None),
    ("interactions", "author_id", "users", "SET NULL", None),
    ("interactions", "contact_id", "contacts", "CASCADE", "CASCADE"),
    ("interactions", "company_id", "companies", "CASCADE", "CASCADE"),
    ("interactions", "deal_id", "deals", "CASCADE", "CASCADE"),
    ("tasks", "assignee_id", "users", "SET NULL", None),
    ("tasks", "creator_id", "users", "SET NULL", None),
    ("tasks", "contact_id", "contacts", "SET NULL", None),
    ("tasks", "deal_id", "deals", "SET NULL", None),
    ("audit_events", "actor_id", "users", "SET NULL", None),
    ("pipeline_totals", "stage_id", "pipeline_stages", "CASCADE", "CASCADE"),
    ("deliveries", "user_id", "users", "SET NULL", None),
    ("subscriptions", "created_by", "users", "SET NULL", None),
)
# Links that must be there (a deal's stage, a total's stage): never emptied, so a cross-workspace one
# stops the upgrade rather than being guessed at.
REQUIRED = {("deals", "stage_id"), ("pipeline_totals", "stage_id")}
VOCABULARIES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "users": (("role", ("rep", "manager", "admin")),),
    "contacts": (("lifecycle", ("prospect", "lead", "customer", "loyal", "advocate")),),
    "interactions": (("kind", ("call", "email", "meeting", "note", "message")),),
    "tasks": (("reminder_state", ("none", "pending", "sent")),),
    "audit_events": (
        (
            "record_type",
            ("contact", "company", "deal", "task", "interaction", "user", "subscription", "workspace"),
        ),
        ("action", ("create", "update", "delete", "undo")),
    ),
    "deliveries": (
        ("kind", ("reminder", "overdue_nudge", "stale_deal", "stale_deals", "summary")),
        ("state", ("pending", "sending", "sent", "failed", "cancelled")),
    ),
    "subscriptions": (("frequency", ("daily", "weekly")),),
}


def _key_name(table: str, column: str, target: str) -> str:
    return f"fk_{table}_{column}_{target}"


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _unlink_strays() -> None:
    """A link into another workspace can only be a bug, and the new keys would refuse it: such optional
    links are emptied (the row stays), so that the upgrade does not fail on them."""
    for table, column, target, _before, _after in LINKS:
        if (table, column) in REQUIRED:
            continue
        op.execute(
            f"UPDATE {table} SET {column} = NULL WHERE {column} IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {target} t WHERE t.id = {table}.{column} AND t.workspace_id = {table}.workspace_id)"
        )


def upgrade() -> None:
    _unlink_strays()
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            if table in TARGETS:
                batch.create_unique_constraint(op.f(f"uq_{table}_workspace_id_id"), ["workspace_id", "id"])
            for source, column, target, _before, after in LINKS:
                if source != table:
                    continue
                name = op.f(_key_name(table, column, target))
                batch.drop_constraint(name, type_="foreignkey")
                batch.create_foreign_key(
                    name, target, ["workspace_id", column], ["workspace_id", "id"], ondelete=after
                )
            for column, values in VOCABULARIES.get(table, ()):
                batch.create_check_constraint(op.f(f"ck_{table}_{column}"), _one_of(column, values))


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            for column, _values in VOCABULARIES.get(table, ()):
                batch.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
            for source, column, target, before, _after in LINKS:
                if source != table:
                    continue
                name = op.f(_key_name(table, column, target))
                batch.drop_constraint(name, type_="foreignkey")
                batch.create_foreign_key(name, target, [column], ["id"], ondelete=before)
            if table in TARGETS:
                batch.drop_constraint(op.f(f"uq_{table}_workspace_id_id"), type_="unique")
