"""SQLAlchemy models: the CRM's schema. Alembic migrations in ``models/migrations`` are the only way it is made."""

from models.base import Base, metadata
from models.entities import (
    AuditEvent,
    Company,
    Contact,
    CustomField,
    Deal,
    ImportBatch,
    ImportChange,
    Interaction,
    Pipeline,
    PipelineStage,
    PipelineTotal,
    ProcessedRequest,
    Target,
    Task,
    User,
    Workspace,
)
from models.installations import slack_bots, slack_installations, slack_oauth_states
from models.scheduling import Delivery, SchedulerHeartbeat, SchedulerLease, Subscription, WebhookEndpoint

__all__ = [
    "AuditEvent",
    "Base",
    "Company",
    "Contact",
    "CustomField",
    "Deal",
    "Delivery",
    "ImportBatch",
    "ImportChange",
    "Interaction",
    "Pipeline",
    "PipelineStage",
    "PipelineTotal",
    "ProcessedRequest",
    "SchedulerHeartbeat",
    "SchedulerLease",
    "Subscription",
    "Target",
    "Task",
    "User",
    "WebhookEndpoint",
    "Workspace",
    "metadata",
    "slack_bots",
    "slack_installations",
    "slack_oauth_states",
]
