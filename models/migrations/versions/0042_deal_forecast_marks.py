"""deal forecast marks: each deal as it stood at 00:00 in the team's zone of the days a period begins on
(a Monday, the 1st of a month, of a quarter, 1 January), when it was open then and expected to close
within the longest period that day begins; so last period's forecast reads a period's rows instead of
every stage change of its deals

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-06 23:10:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from alembic import op

revision: str = "0042"
down_revision: str | None = "0041"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("week", "month", "quarter", "year")


def _day(dialect: str, kind: str) -> str:
    """The first day of the period of a kind that h.close_date falls in (as
    bot/services/forecast_marks.py computes it)."""
    if dialect == "postgresql":
        return f"CAST(date_trunc('{kind}', CAST(h.close_date AS timestamp)) AS date)"
    return {
        "week": "date(h.close_date, '-6 days', 'weekday 1')",
        "month": "date(h.close_date, 'start of month')",
        "quarter": "date(h.close_date, 'start of month', "
        "printf('-%d months', (CAST(strftime('%m', h.close_date) AS INTEGER) - 1) % 3))",
        "year": "date(h.close_date, 'start of year')",
    }[kind]


def _at(dialect: str, day: str) -> str:
    """00:00 of that day in the workspace's zone (SQLite asks bot/db.py's crm_midnight)."""
    if dialect == "postgresql":
        return f"timezone(w.default_tz, CAST({day} AS timestamp))"
    return f"crm_midnight({day}, w.default_tz)"


def _backfill(dialect: str) -> None:
    parts = []
    for kind in KINDS:
        day = _day(dialect, kind)
        at = _at(dialect, day)
        parts.append(
            f"SELECT d.workspace_id, {day}, d.id, h.close_date, COALESCE(d.owner_id, 0), ns.pipeline_id, "
            "h.stage_id, h.currency, h.amount, CASE WHEN ns.is_won THEN d.closed_at END "
            "FROM deal_stage_changes h JOIN deals d ON d.id = h.deal_id JOIN workspaces w ON w.id = d.workspace_id "
            "JOIN pipeline_stages ns ON ns.id = d.stage_id JOIN pipeline_stages ts ON ts.id = h.stage_id "
            "WHERE d.deleted_at IS NULL AND h.close_date IS NOT NULL AND NOT ts.is_closed "
            f"AND h.valid_from < {at} AND (h.valid_until IS NULL OR h.valid_until >= {at}) "
            f"AND d.created_at < {at} AND (d.closed_at IS NULL OR d.closed_at >= {at})"
        )
    op.execute(
        "INSERT INTO deal_forecast_marks (workspace_id, since_day, deal_id, close_date, owner_key, "
        "pipeline_id, stage_id, currency, amount, won_at) " + " UNION ".join(parts)
    )


def _midnight_utc(day: str | None, zone: str | None) -> str | None:
    """As bot/db.py's crm_midnight, which the app's SQLite connections have (alembic's own may not)."""
    if day is None:
        return None
    try:
        tz: tzinfo = ZoneInfo(zone or "UTC")
    except (ValueError, ZoneInfoNotFoundError):
        tz = UTC
    at = datetime.combine(date.fromisoformat(str(day)[:10]), time(0), tz).astimezone(UTC)
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    if dialect == "sqlite":
        raw = bind.connection.driver_connection
        assert raw is not None
        raw.create_function("crm_midnight", 2, _midnight_utc, deterministic=True)
    op.create_table(
        "deal_forecast_marks",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("since_day", sa.Date(), nullable=False),
        sa.Column("close_date", sa.Date(), nullable=False),
        sa.Column("owner_key", sa.Integer(), nullable=False),
        sa.Column("pipeline_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("won_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name="fk_deal_forecast_marks_workspace_id_workspaces",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "deal_id", "since_day", name=op.f("pk_deal_forecast_marks")),
    )
    _backfill(dialect)
    op.create_index(
        "ix_deal_forecast_marks_read",
        "deal_forecast_marks",
        [
            "workspace_id",
            "since_day",
            "close_date",
            "owner_key",
            "pipeline_id",
            "stage_id",
            "currency",
            "amount",
            "won_at",
        ],
        unique=False,
    )
    op.execute("ANALYZE deal_forecast_marks")


def downgrade() -> None:
    op.drop_index("ix_deal_forecast_marks_read", table_name="deal_forecast_marks")
    op.drop_table("deal_forecast_marks")
