"""Domain errors: what went wrong, as a stable ``code`` and the plain values it concerns (``data``).

Services say what happened, not how to say it: the sentence a person reads, its ``/crm`` examples and any
Slack markup are composed from the code and data by the presentation layer (:mod:`bot.blocks.messages`).
``str(exc)`` is the code and data, for logs; it is never shown to anyone.

Codes are dotted and stable (``deal.stage.unknown``, ``policy.forbidden.change``); a new one needs its
template in bot/blocks/messages.py, which a test checks for every code raised here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class DomainError(Exception):
    def __init__(self, code: str, **data: Any) -> None:
        super().__init__(code, data)
        self.code = code
        self.data = data

    def __str__(self) -> str:
        return f"{self.code} {self.data}"


class NotFound(DomainError):
    def __init__(self, code: str, *, kind: str, ref: str, **data: Any) -> None:
        super().__init__(code, kind=kind, ref=ref, **data)
        # What the reference was for and what was written: the offers to create it read these.
        self.kind = kind
        self.ref = ref


@dataclass(frozen=True)
class Candidate:
    id: int
    label: str
    score: float = 100.0
    detail: str | None = None


class Ambiguous(DomainError):
    def __init__(self, code: str, candidates: list[Candidate], *, kind: str, ref: str, **data: Any) -> None:
        super().__init__(code, kind=kind, ref=ref, **data)
        # ``kind`` is also the slot a choice fills; dispatch may point it elsewhere (an assignee).
        self.kind = kind
        self.ref = ref
        self.candidates = candidates


class PossibleDuplicate(DomainError):
    def __init__(self, code: str, existing: list[Candidate], *, kind: str, **data: Any) -> None:
        super().__init__(code, kind=kind, **data)
        self.kind = kind
        self.existing = existing


class AskFirst(DomainError):
    """Done only once the person says yes: the request again, with ``force``."""


class CurrencyChange(AskFirst):
    """A deal's amount given in another currency than the deal's: the amount is not converted."""


class RepeatedWrite(AskFirst):
    """The same person made the same record moments ago: asked, not done twice."""

    def __init__(self, code: str, *, kind: str, label: str, seconds_ago: int, **data: Any) -> None:
        super().__init__(code, kind=kind, label=label, seconds_ago=seconds_ago, **data)
        self.kind = kind
        self.label = label
        self.seconds_ago = seconds_ago


class Invalid(DomainError):
    def __init__(self, code: str, *, field: str, **data: Any) -> None:
        super().__init__(code, field=field, **data)
        self.field = field


class Forbidden(DomainError):
    pass


class Conflict(DomainError):
    pass


class StageHasDeals(DomainError):
    """A stage about to be removed still holds deals: the person says where they go first."""

    def __init__(
        self, code: str, *, stage: str, ref: str, count: int, choices: list[tuple[str, str]]
    ) -> None:
        super().__init__(code, stage=stage, ref=ref, count=count, choices=choices)
        self.ref = ref
        self.choices = choices
