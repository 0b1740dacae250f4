"""forecast and customer indexes: open deals by expected close date, won deals by company, and the
companies of the deals active since a moment, each carrying the columns its report groups and filters
by, so that the forecast and the customers report read an index range alone instead of a row of the
deals' table for every deal they count

The forecast read its quarter's deals through the deals' stage index and their rows (12,700 pages at
100,000 deals, most of its 137 ms); the customers report read every deal (a sequential scan) to find
the customers whose deals had all gone quiet; now it reads the won deals by stage, and the companies
active lately by when, and takes the one from the other.

Revision ID: 0035
Revises: 0033
Create Date: 2026-12-06 15:15:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FORECAST = [
    "workspace_id",
    "close_date",
    "stage_id",
    "currency",
    "forecast_category",
    "owner_id",
    "amount",
    "deleted_at",
]
CUSTOMERS = [
    "workspace_id",
    "stage_id",
    "company_id",
    "owner_id",
    "currency",
    "amount",
    "closed_at",
    "deleted_at",
]
ACTIVE = ["workspace_id", "last_activity_at", "company_id", "deleted_at"]


def upgrade() -> None:
    # Plain CREATE INDEX on both databases: on SQLite a batch alter of deals would drop its FTS triggers.
    op.create_index("ix_deals_forecast", "deals", FORECAST, unique=False)
    op.create_index("ix_deals_customers", "deals", CUSTOMERS, unique=False)
    op.create_index("ix_deals_active", "deals", ACTIVE, unique=False)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE deals")  # as 0024: without statistics SQLite keeps to the older indexes


def downgrade() -> None:
    op.drop_index("ix_deals_active", table_name="deals")
    op.drop_index("ix_deals_customers", table_name="deals")
    op.drop_index("ix_deals_forecast", table_name="deals")
