"""Plain, detached results that handlers render; no session or ORM object leaves the service layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class UserView:
    id: int
    slack_id: str
    name: str
    tz: str
    role: str


@dataclass(frozen=True)
class CompanyView:
    id: int
    name: str
    domain: str | None = None
    industry: str | None = None
    owner_slack_id: str | None = None
    tags: list[str] = field(default_factory=list)
    lifecycle: str = "prospect"
    # The workspace's own fields the company has a value in, as (field name, value).
    custom: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ContactView:
    id: int
    name: str
    email: str | None
    phone: str | None
    title: str | None
    company: str | None
    company_id: int | None
    lifecycle: str
    owner_slack_id: str | None
    tags: list[str] = field(default_factory=list)
    custom: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DealView:
    id: int
    title: str
    company: str | None
    contact: str | None
    amount: Decimal | None
    currency: str
    stage: str
    stage_name: str
    is_closed: bool
    owner_slack_id: str | None
    close_date: date | None
    next_stage: str | None
    last_activity_at: datetime
    closed_at: datetime | None = None
    closed_by_slack_id: str | None = None
    is_won: bool = False
    tags: tuple[str, ...] = ()
    pipeline: str = ""
    # The stage's win probability (%), when the team gave it one.
    probability: int | None = None
    # The deal's channel (/crm deal room), if it has one.
    room_channel_id: str | None = None
    custom: tuple[tuple[str, str], ...] = ()
    forecast_category: str = "pipeline"


@dataclass(frozen=True)
class TaskView:
    id: int
    title: str
    assignee_slack_id: str | None
    creator_slack_id: str | None
    due_date: date | None
    due_at: datetime | None
    due_utc: datetime | None
    done_at: datetime | None
    contact: str | None = None
    deal: str | None = None
    # Open and past its due day (a day-only task) or time (a timed one), in the assignee's zone.
    overdue: bool = False

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


@dataclass(frozen=True)
class InteractionView:
    id: int
    kind: str
    summary: str
    occurred_at: datetime
    author_slack_id: str | None
    contact: str | None
    company: str | None
    deal: str | None


@dataclass(frozen=True)
class ContactDetails:
    contact: ContactView
    interactions: list[InteractionView]
    deals: list[DealView]
    tasks: list[TaskView]


@dataclass(frozen=True)
class CompanyDetails:
    """A company's page: the people there, its open deals with their totals per currency, the latest
    activity with it (logged on the company, its people or its deals) and the open tasks about them."""

    company: CompanyView
    contacts: list[ContactView]
    contact_count: int
    deals: list[DealView]
    open_deal_count: int
    open_amounts: Amounts
    interactions: list[InteractionView]
    tasks: list[TaskView]


@dataclass(frozen=True)
class Deleted:
    """A record marked deleted, as the recently deleted list shows it: Restore undoes ``op_id``."""

    kind: str
    id: int
    label: str
    deleted_at: datetime
    deleted_by: str | None
    op_id: str | None


@dataclass(frozen=True)
class Deletion:
    """A record to delete or just deleted: what stays pointing at it (``stays``: people, deals, open
    tasks… by count) and, once done, how many of a company's people and deals went with it."""

    kind: str
    id: int
    label: str
    stays: dict[str, int] = field(default_factory=dict)
    with_it: int = 0


@dataclass(frozen=True)
class MergeField:
    """A field two records to merge disagree on: each one's value as shown, and the one kept (a or b)."""

    name: str
    a: str | None
    b: str | None
    keep: str


@dataclass(frozen=True)
class MergePlan:
    """Merging ``b`` into ``a`` (``a`` stays, ``b`` goes): the fields they disagree on and what moves to
    ``a`` (interactions, tasks, deals, people by count)."""

    kind: str
    a_id: int
    a_label: str
    b_id: int
    b_label: str
    fields: list[MergeField]
    moves: dict[str, int]


@dataclass(frozen=True)
class DuplicatePair:
    kind: str
    a_id: int
    a_label: str
    b_id: int
    b_label: str
    reason: str


@dataclass(frozen=True)
class Duplicates:
    """Likely duplicates in a workspace: the first pairs found, how many in all, and how long it took."""

    pairs: list[DuplicatePair]
    total: int
    scanned: int
    seconds: float


@dataclass(frozen=True)
class Written:
    """What one write did: the op id for Undo, and the records it touched."""

    op_id: str
    contact: ContactView | None = None
    company: CompanyView | None = None
    deal: DealView | None = None
    task: TaskView | None = None
    interaction: InteractionView | None = None
    changed: dict[str, tuple[object, object]] = field(default_factory=dict)
    deleted: Deletion | None = None
    merged: MergePlan | None = None
    # Records this write made besides the one it is about ("company Baz" for a new deal's new company)
    made: tuple[str, ...] = ()


# Money in more than one currency: an amount per ISO code, never one sum across codes.
Amounts = dict[str, Decimal]


def add_amounts(*parts: Amounts) -> Amounts:
    """Per-currency sums; a currency whose amounts cancel out is left out."""
    out: Amounts = {}
    for part in parts:
        for currency, amount in part.items():
            out[currency] = out.get(currency, Decimal(0)) + amount
    return {c: a for c, a in sorted(out.items()) if a}


@dataclass(frozen=True)
class StageFigure:
    stage: str
    name: str
    count: int
    amounts: Amounts
    is_closed: bool
    probability: int | None = None


@dataclass(frozen=True)
class OwnerFigure:
    owner_slack_id: str | None
    count: int
    amounts: Amounts


@dataclass(frozen=True)
class Pipeline:
    stages: list[StageFigure]
    owners: list[OwnerFigure]
    currency: str
    owner_slack_id: str | None = None

    @property
    def open_count(self) -> int:
        return sum(s.count for s in self.stages if not s.is_closed)

    @property
    def open_amounts(self) -> Amounts:
        return add_amounts(*(s.amounts for s in self.stages if not s.is_closed))


@dataclass(frozen=True)
class CustomFieldView:
    id: int
    record_type: str
    name: str
    key: str
    kind: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class FieldWritten:
    """What adding, renaming or removing a custom field did: the op id for Undo, and the field."""

    op_id: str
    field: CustomFieldView
    old_name: str | None = None


@dataclass(frozen=True)
class Undone:
    op_id: str
    undid_op: str
    summary: list[str]


@dataclass(frozen=True)
class UndoPreview:
    """What undoing an operation would take back (its records as a person names them), when it was made,
    and the people other than the asker who hold those records now: (name, part, record)."""

    op_id: str
    at: datetime
    what: list[str]
    others: list[tuple[str, str, str]]


@dataclass(frozen=True)
class StageView:
    # As it is typed (its key; "pipeline:key" outside the first pipeline) and shown.
    ref: str
    name: str
    pipeline: str
    probability: int | None
    outcome: str  # open | won | lost
    deals: int = 0


@dataclass(frozen=True)
class PipelineView:
    key: str
    name: str
    is_renewal: bool
    stages: list[StageView]
    op_id: str | None = None
