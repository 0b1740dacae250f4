"""deals: when a deal was actually won or lost, and by whom, beside the expected close date

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 01:05:00.000000
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deals") as batch:
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("closed_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_deals_closed_by_id_users"), "users", ["closed_by_id"], ["id"], ondelete="SET NULL"
        )
    _backfill()


def _backfill() -> None:
    """Deals already closed: the last audited move into the stage they are in (who, when), else the
    time their stage last changed. Read in Python so that one query works on SQLite and PostgreSQL."""
    conn = op.get_bind()
    closed = conn.execute(
        sa.text(
            "SELECT d.id, d.stage_id, d.stage_changed_at FROM deals d "
            "JOIN pipeline_stages s ON s.id = d.stage_id WHERE s.is_closed"
        )
    ).all()
    if not closed:
        return
    stage_of = {row[0]: row[1] for row in closed}
    found: dict[int, tuple[Any, Any]] = {}
    events = conn.execute(
        sa.text(
            "SELECT record_id, actor_id, at, after FROM audit_events "
            "WHERE record_type = 'deal' AND undone_by_op IS NULL AND action IN ('create', 'update') "
            "ORDER BY at, id"
        )
    )
    for record_id, actor_id, at, after in events:
        if record_id not in stage_of:
            continue
        data = json.loads(after) if isinstance(after, str) else after or {}
        if data.get("stage_id") == stage_of[record_id]:
            found[record_id] = (at, actor_id)  # the latest wins
    update = sa.text("UPDATE deals SET closed_at = :at, closed_by_id = :who WHERE id = :id")
    for deal_id, _stage, changed_at in closed:
        # Values go back as the database gave them (SQLite: its own text form), so nothing is reformatted.
        at, who = found.get(deal_id, (changed_at, None))
        conn.execute(update, {"at": at, "who": who, "id": deal_id})


def downgrade() -> None:
    with op.batch_alter_table("deals") as batch:
        batch.drop_constraint(op.f("fk_deals_closed_by_id_users"), type_="foreignkey")
        batch.drop_column("closed_by_id")
        batch.drop_column("closed_at")
