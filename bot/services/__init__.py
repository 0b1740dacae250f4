"""The service layer: owns transactions, audit records and permissions. No Slack imports here."""

from bot.services.base import Actor
from bot.services.crm import CRM
from bot.services.errors import (
    Ambiguous,
    Candidate,
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    PossibleDuplicate,
    RepeatedWrite,
)

__all__ = [
    "CRM",
    "Actor",
    "Ambiguous",
    "Candidate",
    "Conflict",
    "DomainError",
    "Forbidden",
    "Invalid",
    "NotFound",
    "PossibleDuplicate",
    "RepeatedWrite",
]
