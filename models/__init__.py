"""SQLAlchemy models: the CRM's schema. Alembic migrations in ``models/migrations`` are the only way it is made."""

from models.base import Base, metadata
from models.entities import (
    AuditEvent,
    Company,
    Contact,
    Deal,
    Feedback,
    Interaction,
    PipelineStage,
    PipelineTotal,
    ProcessedRequest,
    Quota,
    Target,
    Task,
    User,
    Workspace,
)
from models.scheduling import Delivery, SchedulerHeartbeat, SchedulerLease, Subscription

__all__ = [
    "AuditEvent",
    "Base",
    "Company",
    "Contact",
    "Deal",
    "Delivery",
    "Feedback",
    "Interaction",
    "PipelineStage",
    "PipelineTotal",
    "ProcessedRequest",
    "Quota",
    "SchedulerHeartbeat",
    "SchedulerLease",
    "Subscription",
    "Target",
    "Task",
    "User",
    "Workspace",
    "metadata",
]
