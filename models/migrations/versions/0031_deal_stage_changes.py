"""deal stage history: a row per change of a deal's stage, amount, currency or expected close date, with
what the deal stood at afterwards and until when, filled from the audit trail

The funnel and the forecast's look back read each deal's audit events and took values out of their JSON
(33 s and 70 s over ten million events). This table holds the same history in columns, indexed for both:
by when the deal was made (the funnel's deals added in a period) and by expected close date with the
instant each state began and ended (the look back's state at the start of a period). The upgrade folds
each deal's events that were not undone, in order, as the reports did: a column no event has set yet
stands at the deal's value now; a deal with no such event gets one row, its state now, from when it was
made.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 12:00:00.000000
"""

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "deal_stage_changes"
TRACKED = ("stage_id", "amount", "currency", "close_date")
BATCH = 5000
DEALS_CREATED = ("workspace_id", "created_at", "stage_id", "owner_id", "deleted_at")
# The rows the funnel reads (a move, or a deal's first stage): its index holds only those.
MOVED = "from_stage_id IS NULL OR from_stage_id <> stage_id"


def _dt(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _value(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key == "stage_id":
        return int(value)
    if key == "amount":
        return Decimal(str(value))
    if key == "close_date":
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return value


def _json(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, str):
        loaded = json.loads(value)
        return loaded if isinstance(loaded, dict) else {}
    return dict(value)


def _rows(deal: Any, events: list[Any]) -> Iterator[dict[str, Any]]:
    """One deal's rows: each tracked event folded over the ones before it."""
    now = {
        "stage_id": deal.stage_id,
        "amount": _value("amount", deal.amount),
        "currency": deal.currency,
        "close_date": _value("close_date", deal.close_date),
    }
    made = _dt(deal.created_at)
    assert made is not None
    if not events:
        yield {
            "workspace_id": deal.workspace_id,
            "deal_id": deal.id,
            "op_id": None,
            "event_id": None,
            "actor_id": None,
            "at": made,
            "valid_from": made,
            "valid_until": None,
            "from_stage_id": None,
            "from_entered_at": None,
            "entered_at": made,
            "deal_created_at": made,
            **now,
        }
        return
    state: dict[str, Any] = {}
    stage: int | None = None
    entered: datetime | None = None
    out: list[dict[str, Any]] = []
    for event in events:
        after = _json(event.after)
        for key in TRACKED:
            if key in after:
                state[key] = _value(key, after[key])
        at = _dt(event.at)
        assert at is not None
        current = {k: state[k] if k in state else now[k] for k in TRACKED}
        moved = stage is None or stage != current["stage_id"]
        if out:
            out[-1]["valid_until"] = at
        out.append(
            {
                "workspace_id": deal.workspace_id,
                "deal_id": deal.id,
                "op_id": event.op_id,
                "event_id": event.id,
                "actor_id": event.actor_id,
                "at": at,
                "valid_from": min(at, made) if not out else at,
                "valid_until": None,
                "from_stage_id": stage,
                "from_entered_at": entered if moved else None,
                "entered_at": at if moved or entered is None else entered,
                "deal_created_at": made,
                **current,
            }
        )
        if moved:
            stage, entered = current["stage_id"], at
    yield from out


def _backfill(conn: sa.Connection) -> None:
    dt = sa.DateTime(timezone=True)
    table = sa.table(
        TABLE,
        sa.column("workspace_id", sa.Integer()),
        sa.column("deal_id", sa.Integer()),
        sa.column("op_id", sa.String(36)),
        sa.column("event_id", sa.Integer()),
        sa.column("actor_id", sa.Integer()),
        sa.column("at", dt),
        sa.column("valid_from", dt),
        sa.column("valid_until", dt),
        sa.column("from_stage_id", sa.Integer()),
        sa.column("from_entered_at", dt),
        sa.column("stage_id", sa.Integer()),
        sa.column("entered_at", dt),
        sa.column("amount", sa.Numeric(14, 2)),
        sa.column("currency", sa.String(3)),
        sa.column("close_date", sa.Date()),
        sa.column("deal_created_at", dt),
    )
    sqlite = conn.dialect.name == "sqlite"

    def flush(rows: list[dict[str, Any]]) -> None:
        if sqlite:
            # Stored naive, in UTC, as the models' UTC type stores them on SQLite.
            rows = [
                {
                    k: v.astimezone(UTC).replace(tzinfo=None) if isinstance(v, datetime) else v
                    for k, v in r.items()
                }
                for r in rows
            ]
        conn.execute(sa.insert(table), rows)

    stream = {"stream_results": True, "yield_per": BATCH}
    deals = conn.execute(
        sa.text(
            "SELECT id, workspace_id, stage_id, amount, currency, close_date, created_at FROM deals ORDER BY id"
        ),
        execution_options=stream,
    )
    # The deal's events that the reports read: made or changed, not undone, touching a tracked column.
    if sqlite:
        tracked = " OR ".join(f"json_type(after, '$.{k}') IS NOT NULL" for k in TRACKED)
    else:
        tracked = " OR ".join(f"jsonb_exists(after, '{k}')" for k in TRACKED)
    events = iter(
        conn.execute(
            sa.text(
                "SELECT record_id, id, op_id, actor_id, after, at FROM audit_events "
                "WHERE record_type = 'deal' AND action IN ('create', 'update') AND undone_by_op IS NULL "
                f"AND ({tracked}) ORDER BY record_id, at, id"
            ),
            execution_options=stream,
        )
    )
    pending: list[dict[str, Any]] = []
    event = next(events, None)
    for deal in deals:
        while event is not None and event.record_id < deal.id:
            event = next(events, None)  # a deal gone for good
        mine = []
        while event is not None and event.record_id == deal.id:
            mine.append(event)
            event = next(events, None)
        pending.extend(_rows(deal, mine))
        if len(pending) >= BATCH:
            flush(pending)
            pending = []
    if pending:
        flush(pending)


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("op_id", sa.String(36), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("from_stage_id", sa.Integer(), nullable=True),
        sa.Column("from_entered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("close_date", sa.Date(), nullable=True),
        sa.Column("deal_created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_deal_stage_changes_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "actor_id"],
            ["users.workspace_id", "users.id"],
            name="fk_deal_stage_changes_actor_id_users",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_stage_changes")),
    )
    _backfill(op.get_bind())
    # The indexes once the rows are in: built once, not kept up row by row.
    op.create_index(
        "ix_deal_stage_changes_added",
        TABLE,
        ["workspace_id", "deal_created_at", "deal_id", "stage_id", "from_stage_id", "from_entered_at", "at"],
        postgresql_where=sa.text(MOVED),
        sqlite_where=sa.text(MOVED),
    )
    op.create_index(
        "ix_deal_stage_changes_close",
        TABLE,
        [
            "workspace_id",
            "close_date",
            "valid_from",
            "valid_until",
            "stage_id",
            "currency",
            "amount",
            "deal_id",
        ],
    )
    op.create_index("ix_deal_stage_changes_deal", TABLE, ["deal_id", "id"])
    op.create_index("ix_deal_stage_changes_op", TABLE, ["op_id"])
    # The deals added in a period with their ids: the funnel joins them to their rows from the index.
    op.drop_index("ix_deals_created", table_name="deals")
    op.create_index("ix_deals_created", "deals", [*DEALS_CREATED, "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ANALYZE {TABLE}")


def downgrade() -> None:
    op.drop_index("ix_deals_created", table_name="deals")
    op.create_index("ix_deals_created", "deals", list(DEALS_CREATED))
    for name in ("op", "deal", "close", "added"):
        op.drop_index(f"ix_deal_stage_changes_{name}", table_name=TABLE)
    op.drop_table(TABLE)
