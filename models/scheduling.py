"""What the bot says on its own: an outbox of deliveries, summary subscriptions and the scheduler lease."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, WorkspaceScoped, one_of, tenant_key
from models.entities import utcnow

# "webhook": a record event POSTed to a registered endpoint (channel "webhook:<endpoint id>");
# "webhook_disabled": the DM telling an admin that an endpoint was turned off after days of failures.
DELIVERY_KINDS = (
    "reminder",
    "overdue_nudge",
    "stale_deal",
    "stale_deals",
    "summary",
    "webhook",
    "webhook_disabled",
    "deal_room",
    "quota_milestone",
    "report",
)
# pending → sending → sent; or back to pending (retry), or failed (gave up), or cancelled (no longer
# true when its turn came: the task was completed, the deal saw activity, the subscription went away).
DELIVERY_STATES = ("pending", "sending", "sent", "failed", "cancelled")
FREQUENCIES = ("daily", "weekly")
# What a report subscription can post (the report measures) and over which days, counted from the day
# each run falls on in the subscription's zone.
REPORT_MEASURES = (
    *("won", "lost", "win_rate", "activity", "cycle", "forecast"),
    *("funnel", "velocity", "quota", "customers", "satisfaction"),
)
REPORT_PERIODS = (
    *("today", "yesterday", "this_week", "last_week", "this_month", "last_month"),
    *("this_quarter", "last_quarter", "this_year", "last_year"),
)


class Delivery(WorkspaceScoped, Base):
    """One message the bot owes someone. Planned in the same transaction that marks its source as
    handled, so a crash can neither lose it nor plan it twice (``dedupe_key`` is unique)."""

    __tablename__ = "deliveries"
    __table_args__ = (
        # The deliverer's scan: rows ready to go, oldest first.
        Index("ix_deliveries_ready", "state", "next_attempt_at"),
        Index("ix_deliveries_workspace", "workspace_id", "kind", "created_at"),
        tenant_key("deliveries", "user_id", "users"),
        one_of("kind", DELIVERY_KINDS),
        one_of("state", DELIVERY_STATES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    # A channel id, or a user id (chat.postMessage to a user id posts in the bot's DM with them).
    channel: Mapped[str] = mapped_column(String(64))
    # The person it is for, when it is for one person: their zone is how times are shown.
    user_id: Mapped[int | None] = mapped_column()
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    # A claimer that dies mid-send leaves its rows to be taken over once this lease runs out.
    claimed_until: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Subscription(WorkspaceScoped, Base):
    """A channel's standing order for the pipeline summary, at a local time in the subscriber's zone."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        Index("ix_subscriptions_channel", "workspace_id", "channel_id"),
        Index("ix_subscriptions_due", "next_run_at"),
        tenant_key("subscriptions", "created_by", "users"),
        one_of("frequency", FREQUENCIES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    channel_name: Mapped[str | None] = mapped_column(String(80))
    frequency: Mapped[str] = mapped_column(String(8))
    # 0 = Monday … 6 = Sunday; only for weekly subscriptions.
    weekday: Mapped[int | None] = mapped_column(Integer)
    time_local: Mapped[str] = mapped_column(String(5))
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    next_run_at: Mapped[datetime] = mapped_column()
    last_run_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportSubscription(WorkspaceScoped, Base):
    """A channel's standing order for a report: a measure for the team or one person, over every
    pipeline's deals or one's, over a period counted from each run's day, daily or on some weekdays at a
    local time in a zone (the subscriber's unless another was given). Its figures are read as the
    subscriber may see them."""

    __tablename__ = "report_subscriptions"
    __table_args__ = (
        Index("ix_report_subscriptions_channel", "workspace_id", "channel_id"),
        Index("ix_report_subscriptions_due", "next_run_at"),
        tenant_key("report_subscriptions", "created_by", "users"),
        # A report about a person goes with them, rather than becoming the team's.
        tenant_key("report_subscriptions", "owner_id", "users", ondelete="CASCADE"),
        # A report kept to one pipeline goes with it (a renamed one keeps it, by its row).
        tenant_key("report_subscriptions", "pipeline_id", "pipelines", ondelete="CASCADE"),
        one_of("measure", REPORT_MEASURES),
        one_of("period", REPORT_PERIODS),
        one_of("frequency", FREQUENCIES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    channel_name: Mapped[str | None] = mapped_column(String(80))
    measure: Mapped[str] = mapped_column(String(16))
    # The person the figures are about; None: the team.
    owner_id: Mapped[int | None] = mapped_column()
    # The pipeline whose deals it counts; None: every pipeline.
    pipeline_id: Mapped[int | None] = mapped_column()
    period: Mapped[str] = mapped_column(String(16))
    frequency: Mapped[str] = mapped_column(String(8))
    # Weekly: the days it runs, "0,3" (0 = Monday); daily: None.
    weekdays: Mapped[str | None] = mapped_column(String(20))
    time_local: Mapped[str] = mapped_column(String(5))
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    next_run_at: Mapped[datetime] = mapped_column()
    last_run_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SchedulerLease(Base):
    """Who may run the scheduler on a database that cannot share work (SQLite): one row, renewed."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class SchedulerHeartbeat(Base):
    """A scheduler's last sign of life, refreshed every few seconds while it runs. Rows it claimed are
    taken over once it has been silent for the recovery window (30 s), long before their lease (5 min)
    runs out: a crashed scheduler's work is not held up by a lease sized for slow sends."""

    __tablename__ = "scheduler_heartbeats"

    holder: Mapped[str] = mapped_column(String(128), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column()


class WebhookEndpoint(WorkspaceScoped, Base):
    """A URL an admin registered to be told of record events. Removing one only marks it
    (``removed_at``), so the removal is undone by clearing the mark and its secret never needs to be
    kept in the audit trail. The columns the scheduler keeps (last delivery, last error, failing
    since) are bookkeeping, never audited."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        Index("ix_webhook_endpoints_workspace", "workspace_id", "removed_at"),
        tenant_key("webhook_endpoints", "created_by", "users"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2000))
    # Event names (created, updated, stage_changed, won, lost, deleted) this endpoint is sent.
    events: Mapped[list[str]] = mapped_column(default=list)
    # Signs every delivery (HMAC-SHA256); shown once to the admin who added it, never audited.
    secret: Mapped[str] = mapped_column(String(100), info={"audit": False})
    created_by: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column()
    # Set by the scheduler after days of failures (bookkeeping: it does not stop an undo), cleared by
    # an admin turning it back on.
    disabled_at: Mapped[datetime | None] = mapped_column(info={"audit": "bot"})
    last_delivery_at: Mapped[datetime | None] = mapped_column(info={"audit": False})
    last_status: Mapped[str | None] = mapped_column(String(64), info={"audit": False})
    last_error: Mapped[str | None] = mapped_column(Text, info={"audit": False})
    last_error_at: Mapped[datetime | None] = mapped_column(info={"audit": False})
    # When the current run of failures began (none since the last success); None while healthy.
    failing_since: Mapped[datetime | None] = mapped_column(info={"audit": False})
