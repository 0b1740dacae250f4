"""SQLAlchemy models: the CRM's schema. Alembic migrations in ``models/migrations`` are the only way it is made."""

from models.base import Base, metadata
from models.entities import (
    AuditEvent,
    Company,
    Contact,
    Deal,
    Interaction,
    PipelineStage,
    ProcessedRequest,
    Task,
    User,
    Workspace,
)

__all__ = [
    "AuditEvent",
    "Base",
    "Company",
    "Contact",
    "Deal",
    "Interaction",
    "PipelineStage",
    "ProcessedRequest",
    "Task",
    "User",
    "Workspace",
    "metadata",
]
