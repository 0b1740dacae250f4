"""Domain errors: each carries a short message a person can act on, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class NotFound(DomainError):
    def __init__(self, kind: str, ref: str, hint: str | None = None) -> None:
        super().__init__(f"I couldn't find a {kind} matching “{ref}”.", hint)
        self.kind = kind
        self.ref = ref


@dataclass(frozen=True)
class Candidate:
    id: int
    label: str
    score: float = 100.0
    detail: str | None = None


class Ambiguous(DomainError):
    def __init__(self, kind: str, ref: str, candidates: list[Candidate]) -> None:
        super().__init__(f"“{ref}” matches more than one {kind}. Which one did you mean?")
        self.kind = kind
        self.ref = ref
        self.candidates = candidates


class PossibleDuplicate(DomainError):
    def __init__(self, kind: str, existing: list[Candidate]) -> None:
        super().__init__(f"This looks like a {kind} you already have.")
        self.kind = kind
        self.existing = existing


class AskFirst(DomainError):
    """Done only once the person says yes: the request again, with ``force``."""

    yes_label = "Yes, do it"


class CurrencyChange(AskFirst):
    """A deal's amount given in another currency than the deal's: the amount is not converted."""

    yes_label = "Yes, change the currency"

    def __init__(
        self, title: str, old: str, old_amount: str | None, new: str, new_amount: str | None
    ) -> None:
        now = f"{old} {old_amount}" if old_amount else old
        then = f"{new} {new_amount}" if new_amount else new
        super().__init__(
            f"“{title}” is in {now}. Change it to {then}? Nothing is converted.",
            "Nothing was saved yet.",
        )


class RepeatedWrite(AskFirst):
    """The same person made the same record moments ago: asked, not done twice."""

    yes_label = "Add anyway"

    def __init__(self, kind: str, label: str, seconds_ago: int) -> None:
        verb = "logged" if kind == "interaction" else "added"
        super().__init__(
            f"You {verb} this {kind} a moment ago: “{label}”. Add it again?",
            "Nothing was saved this time.",
        )
        self.kind = kind
        self.label = label
        self.seconds_ago = seconds_ago


class Invalid(DomainError):
    def __init__(self, field_name: str, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.field = field_name


class Forbidden(DomainError):
    pass


class Conflict(DomainError):
    pass
