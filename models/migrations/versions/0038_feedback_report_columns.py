"""feedback report columns: each satisfaction answer carries what its report groups and filters by,
the contact's owner now, whether the contact is deleted, and the name of the company it is about while
that company is on file, kept by the database itself

The report joined a period's answers to every contact (for the owner, and to leave out a deleted
contact's answers) and to every company (for the name): at 1,000,000 contacts a hash of the whole
table, about 190 ms a query, twice (the report and its trend). Triggers keep the three columns as the
contact or company changes (owner, deletion, restoring, renaming, merging: any write, whether by the
ORM, an import's set-based statements, an undo or a bulk load) and fill them when an answer is written
or pointed at another contact or company, in the same transaction; so the report reads the period's
answers alone. On PostgreSQL an answer being written locks its contact and company against a change
until it commits (``FOR SHARE``), so a concurrent change of owner cannot miss it.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-06 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPORT = ["workspace_id", "given_at", "contact_deleted", "contact_owner_id", "scale", "score", "company_name"]
DELETED_OR_RESTORED = "(OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)"

POSTGRES = [
    # An answer written, or pointed at another contact or company: what they are now.
    """
    CREATE FUNCTION feedback_take_records() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        SELECT c.owner_id, c.deleted_at IS NOT NULL INTO NEW.contact_owner_id, NEW.contact_deleted
        FROM contacts c WHERE c.id = NEW.contact_id FOR SHARE;
        NEW.contact_deleted := COALESCE(NEW.contact_deleted, false);
        NEW.company_name := NULL;
        IF NEW.company_id IS NOT NULL THEN
            SELECT CASE WHEN co.deleted_at IS NULL THEN co.name END INTO NEW.company_name
            FROM companies co WHERE co.id = NEW.company_id FOR SHARE;
        END IF;
        RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER feedback_take_records BEFORE INSERT OR UPDATE OF contact_id, company_id ON feedback "
    "FOR EACH ROW EXECUTE FUNCTION feedback_take_records()",
    # A contact's owner changed, or the contact deleted or restored: its answers follow.
    """
    CREATE FUNCTION feedback_follow_contact() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE feedback SET contact_owner_id = NEW.owner_id, contact_deleted = NEW.deleted_at IS NOT NULL
        WHERE contact_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER feedback_follow_contact AFTER UPDATE OF owner_id, deleted_at ON contacts FOR EACH ROW "
    f"WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id OR {DELETED_OR_RESTORED}) "
    "EXECUTE FUNCTION feedback_follow_contact()",
    # A company renamed, deleted or restored: its answers follow.
    """
    CREATE FUNCTION feedback_follow_company() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE feedback SET company_name = CASE WHEN NEW.deleted_at IS NULL THEN NEW.name END
        WHERE company_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER feedback_follow_company AFTER UPDATE OF name, deleted_at ON companies FOR EACH ROW "
    f"WHEN (OLD.name IS DISTINCT FROM NEW.name OR {DELETED_OR_RESTORED}) "
    "EXECUTE FUNCTION feedback_follow_company()",
]

# SQLite: no BEFORE trigger may change the row, so the answer is updated once written.
TAKE = (
    "BEGIN UPDATE feedback SET "
    "contact_owner_id = (SELECT c.owner_id FROM contacts c WHERE c.id = NEW.contact_id), "
    "contact_deleted = COALESCE((SELECT c.deleted_at IS NOT NULL FROM contacts c WHERE c.id = NEW.contact_id), 0), "
    "company_name = (SELECT co.name FROM companies co WHERE co.id = NEW.company_id AND co.deleted_at IS NULL) "
    "WHERE id = NEW.id; END"
)
SQLITE = [
    f"CREATE TRIGGER feedback_take_records_ai AFTER INSERT ON feedback FOR EACH ROW {TAKE}",
    f"CREATE TRIGGER feedback_take_records_au AFTER UPDATE OF contact_id, company_id ON feedback FOR EACH ROW {TAKE}",
    "CREATE TRIGGER feedback_follow_contact AFTER UPDATE OF owner_id, deleted_at ON contacts FOR EACH ROW "
    f"WHEN OLD.owner_id IS NOT NEW.owner_id OR {DELETED_OR_RESTORED} BEGIN "
    "UPDATE feedback SET contact_owner_id = NEW.owner_id, contact_deleted = NEW.deleted_at IS NOT NULL "
    "WHERE contact_id = NEW.id; END",
    "CREATE TRIGGER feedback_follow_company AFTER UPDATE OF name, deleted_at ON companies FOR EACH ROW "
    f"WHEN OLD.name IS NOT NEW.name OR {DELETED_OR_RESTORED} BEGIN "
    "UPDATE feedback SET company_name = CASE WHEN NEW.deleted_at IS NULL THEN NEW.name END "
    "WHERE company_id = NEW.id; END",
]

BACKFILL = (
    "UPDATE feedback SET "
    "contact_owner_id = (SELECT c.owner_id FROM contacts c WHERE c.id = feedback.contact_id), "
    "contact_deleted = COALESCE((SELECT c.deleted_at IS NOT NULL FROM contacts c "
    "WHERE c.id = feedback.contact_id), {false}), "
    "company_name = (SELECT co.name FROM companies co "
    "WHERE co.id = feedback.company_id AND co.deleted_at IS NULL)"
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # Plain ADD COLUMNs on both databases (nullable, or with a constant default): no table copy on SQLite.
    op.add_column("feedback", sa.Column("contact_owner_id", sa.Integer(), nullable=True))
    op.add_column(
        "feedback", sa.Column("contact_deleted", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("feedback", sa.Column("company_name", sa.String(200), nullable=True))
    # The period's answers with what the report reads of them, from the index alone (it replaces the
    # index on when they were given, its first columns).
    op.create_index("ix_feedback_report", "feedback", REPORT, unique=False)
    op.drop_index("ix_feedback_given", table_name="feedback")
    op.create_index("ix_feedback_contact", "feedback", ["contact_id"], unique=False)
    op.create_index("ix_feedback_company", "feedback", ["company_id"], unique=False)
    # Filled once the indexes are there: an index made over rows just updated in place (PostgreSQL's HOT
    # updates) is not used until every transaction older than it has ended.
    op.execute(BACKFILL.format(false="false" if dialect == "postgresql" else "0"))
    for statement in POSTGRES if dialect == "postgresql" else SQLITE:
        op.execute(statement)
    if dialect == "sqlite":
        op.execute("ANALYZE feedback")  # as 0035: SQLite plans with the new indexes' statistics


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS feedback_follow_company ON companies")
        op.execute("DROP TRIGGER IF EXISTS feedback_follow_contact ON contacts")
        op.execute("DROP TRIGGER IF EXISTS feedback_take_records ON feedback")
        for name in ("feedback_follow_company", "feedback_follow_contact", "feedback_take_records"):
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in (
            "feedback_follow_company",
            "feedback_follow_contact",
            "feedback_take_records_au",
            "feedback_take_records_ai",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.create_index("ix_feedback_given", "feedback", ["workspace_id", "given_at"], unique=False)
    op.drop_index("ix_feedback_report", table_name="feedback")
    op.drop_index("ix_feedback_company", table_name="feedback")
    op.drop_index("ix_feedback_contact", table_name="feedback")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("company_name")
        batch.drop_column("contact_deleted")
        batch.drop_column("contact_owner_id")
