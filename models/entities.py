from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base

ROLES = ("rep", "manager", "admin")
LIFECYCLES = ("prospect", "lead", "customer", "loyal", "advocate")
INTERACTION_KINDS = ("call", "email", "meeting", "note", "message")
DEFAULT_STAGES = ("lead", "qualified", "demo", "proposal", "negotiation", "won", "lost")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Workspace(Base):
    """A Slack workspace (team). Every other row belongs to exactly one."""

    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    default_tz: Mapped[str] = mapped_column(String(64), default="UTC")
    default_currency: Mapped[str] = mapped_column(String(3), default="USD")
    stale_days: Mapped[int] = mapped_column(Integer, default=14)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("workspace_id", "slack_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    slack_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    role: Mapped[str] = mapped_column(String(16), default="rep")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Company(Base):
    __tablename__ = "companies"
    __table_args__ = (Index("ix_companies_lookup", "workspace_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    # Lower-cased, accent-folded name: what lookups filter on before fuzzy ranking.
    name_key: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str | None] = mapped_column(String(253))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_lookup", "workspace_id", "name_key"),
        Index("ix_contacts_email", "workspace_id", "email"),
        Index("ix_contacts_company", "company_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str | None] = mapped_column(String(200))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    lifecycle: Mapped[str] = mapped_column(String(16), default="prospect")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    preferred_channel: Mapped[str | None] = mapped_column(String(16))
    tags: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    company: Mapped[Company | None] = relationship(lazy="joined")


class PipelineStage(Base):
    __tablename__ = "pipeline_stages"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    is_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    is_won: Mapped[bool] = mapped_column(Boolean, default=False)


class Deal(Base):
    __tablename__ = "deals"
    __table_args__ = (
        Index("ix_deals_lookup", "workspace_id", "title_key"),
        Index("ix_deals_stage_owner", "workspace_id", "stage_id", "owner_id"),
        Index("ix_deals_owner", "workspace_id", "owner_id"),
        Index("ix_deals_company", "company_id"),
        # Deals closing in a date range (the summary's "closing this week"), covering the stage and
        # amount so that counting and ranking them reads only the index, not a million rows.
        Index("ix_deals_close", "workspace_id", "close_date", "stage_id", "amount", "id"),
        # The stale-deal scan: quietest first.
        Index("ix_deals_activity", "workspace_id", "last_activity_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    title_key: Mapped[str] = mapped_column(String(200))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    stage_id: Mapped[int] = mapped_column(ForeignKey("pipeline_stages.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # What the owner expects; it stays as it was when the deal is won or lost.
    close_date: Mapped[date | None] = mapped_column(Date)
    # When it was actually won or lost, and by whom (empty while it is open).
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    stage_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Stale-deal alerting: flagged once per quiet spell, or not before a date the owner chose.
    stale_alerted_at: Mapped[datetime | None] = mapped_column()
    stale_snoozed_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    stage: Mapped[PipelineStage] = relationship(lazy="joined")
    company: Mapped[Company | None] = relationship(lazy="joined")
    contact: Mapped[Contact | None] = relationship(lazy="joined")


class Interaction(Base):
    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_contact", "contact_id", "occurred_at"),
        Index("ix_interactions_deal", "deal_id", "occurred_at"),
        Index("ix_interactions_company", "company_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    permalink: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        # A person's open tasks by due time, and the scheduler's scan of what is due.
        Index("ix_tasks_assignee_open", "workspace_id", "assignee_id", "done_at", "due_utc"),
        Index("ix_tasks_remind", "reminder_state", "remind_at"),
        Index("ix_tasks_lookup", "workspace_id", "title_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    title_key: Mapped[str] = mapped_column(String(300))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Due is either a calendar day (due_date) or an instant (due_at); due_utc is the instant it falls
    # due for sorting and reminding (a bare day means 09:00 in the assignee's zone).
    due_date: Mapped[date | None] = mapped_column(Date)
    due_at: Mapped[datetime | None] = mapped_column()
    due_utc: Mapped[datetime | None] = mapped_column()
    done_at: Mapped[datetime | None] = mapped_column()
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id", ondelete="SET NULL"))
    # none | pending | sent: the scheduler claims pending reminders whose remind_at has passed.
    reminder_state: Mapped[str] = mapped_column(String(16), default="none")
    remind_at: Mapped[datetime | None] = mapped_column()
    reminded_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AuditEvent(Base):
    """One change to one record. Events written by one operation share ``op_id``; undo works per op."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_record", "workspace_id", "record_type", "record_id", "at"),
        Index("ix_audit_op", "op_id"),
        # What changed in a workspace since a moment (the summary's new/moved/won/lost).
        Index("ix_audit_recent", "workspace_id", "record_type", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    op_id: Mapped[str] = mapped_column(String(36))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    before: Mapped[dict[str, Any] | None] = mapped_column()
    after: Mapped[dict[str, Any] | None] = mapped_column()
    at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_by_op: Mapped[str | None] = mapped_column(String(36))


class ProcessedRequest(Base):
    """Idempotency keys of Slack requests already acted on (event retries, double clicks)."""

    __tablename__ = "processed_requests"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    result: Mapped[dict[str, Any] | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PipelineTotal(Base):
    """Running count and amount of deals per stage and owner, so the pipeline is read without
    scanning every deal. Kept in the same transaction as each deal write (``bot/services/totals.py``)."""

    __tablename__ = "pipeline_totals"

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    stage_id: Mapped[int] = mapped_column(
        ForeignKey("pipeline_stages.id", ondelete="CASCADE"), primary_key=True
    )
    # The owner's user id, or 0 for deals without one: a key column cannot hold NULL.
    owner_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # Amounts are kept per currency and never added across currencies.
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    deals: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal(0))
