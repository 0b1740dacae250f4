from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import Any, overload

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    inspect,
    text,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship
from sqlalchemy.orm.attributes import flag_dirty

from models.base import Base, SoftDeleted, WorkspaceScoped, exactly_one, one_of, tenant_key

ROLES = ("rep", "manager", "admin")
LIFECYCLES = ("prospect", "lead", "customer", "loyal", "advocate")
INTERACTION_KINDS = ("call", "email", "meeting", "note", "message")
DEFAULT_STAGES = ("lead", "qualified", "demo", "proposal", "negotiation", "won", "lost")
# How likely a deal in each default stage is to be won (%), the weight the forecast gives its amount.
DEFAULT_PROBABILITIES = {
    "lead": 10,
    "qualified": 20,
    "demo": 40,
    "proposal": 60,
    "negotiation": 80,
    "won": 100,
    "lost": 0,
}
# The reports' name for the same figures.
STAGE_PROBABILITY = DEFAULT_PROBABILITIES
# What the migration calls the pipeline every deal made before there could be several is in.
DEFAULT_PIPELINE = ("sales", "Sales")
# What the owner calls a deal in the forecast: most are pipeline, the likelier best case, the sure commit.
FORECAST_CATEGORIES = ("pipeline", "best_case", "commit")
REMINDER_STATES = ("none", "pending", "sent")
AUDIT_ACTIONS = ("create", "update", "delete", "undo")
# The records an audit event can be about (the service layer's AUDITED, by name). A column's
# ``info["audit"]`` says how their audit events treat it (bot/services/base.py, AUDIT_MARKS): False for
# one never recorded, "bot"/"activity"/"follows" for the bot's bookkeeping; unmarked, a person's data.
RECORD_TYPES = (
    "contact",
    "company",
    "deal",
    "task",
    "interaction",
    "user",
    "subscription",
    "workspace",
    "webhook",
    "pipeline",
    "stage",
    "custom_field",
    "quota",
    "feedback",
    "report_subscription",
)
# The kinds of value a workspace's own fields hold, and the records they can be added to.
CUSTOM_FIELD_KINDS = ("text", "number", "date", "choice")
CUSTOM_FIELD_RECORDS = ("contact", "company", "deal")
# PostgreSQL's GIN indexes on the lower-cased tag lists (migration 0016; bot/services/lookup.py tagged):
# expressions of one database, so written by the migration alone and not declared on the models.
# So are the partial indexes of tagged contacts and companies in name order (migration 0027), and
# SQLite's closed deals by stage, owner and currency (migration 0041; bot/services/reports.py _closed_keyed).
MIGRATION_ONLY_INDEXES = frozenset(
    {
        *("ix_contacts_tags", "ix_companies_tags", "ix_deals_tags"),
        *("ix_contacts_tagged_name", "ix_companies_tagged_name"),
        "ix_deals_closed_keys",
    }
)
FEEDBACK_SCALES = ("nps", "csat")
# The shares of a quota whose first crossing is announced to the person and the manager who set it.
QUOTA_MILESTONES = (50, 90, 100)


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
    # The Enterprise Grid org it belongs to, when Slack said so: an org-wide install's token serves it.
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    # When the app was uninstalled from it; its rows are purged once the retention period has passed,
    # unless it is installed again first.
    uninstalled_at: Mapped[datetime | None] = mapped_column()


def in_workspace() -> UniqueConstraint:
    """What a workspace key (``tenant_key``) points at: a row's id together with its workspace."""
    return UniqueConstraint("workspace_id", "id")


class User(WorkspaceScoped, Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("workspace_id", "slack_id"), in_workspace(), one_of("role", ROLES))

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    slack_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    role: Mapped[str] = mapped_column(String(16), default="rep")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def lookup_index(table: str, key: str) -> Index:
    """Names by their key: equal ("acme corp") or starting with ("acm%", the lookups' prefilter and the
    forms' pickers). On PostgreSQL a pattern index, so LIKE reads it whatever the database's collation."""
    return Index(f"ix_{table}_lookup", "workspace_id", key, postgresql_ops={key: "varchar_pattern_ops"})


def words_index(table: str, key: str) -> Index:
    """Names with a word starting with what a picker was given ("doe" for "Jane Doe"), on PostgreSQL:
    full text over the key (bot/services/pickers.py). SQLite, for a small team, scans."""
    return Index(
        f"ix_{table}_name_words", text(f"to_tsvector('simple', {key})"), postgresql_using="gin"
    ).ddl_if(dialect="postgresql")


class Company(SoftDeleted, WorkspaceScoped, Base):
    __tablename__ = "companies"
    __table_args__ = (
        lookup_index("companies", "name_key"),
        words_index("companies", "name_key"),
        Index("ix_companies_import_batch", "workspace_id", "import_batch"),
        in_workspace(),
        tenant_key("companies", "deleted_by_id", "users"),
        tenant_key("companies", "owner_id", "users"),
        one_of("lifecycle", LIFECYCLES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    # Lower-cased, accent-folded name: what lookups filter on before fuzzy ranking.
    name_key: Mapped[str] = mapped_column(String(200), info={"audit": False})
    domain: Mapped[str | None] = mapped_column(String(253))
    industry: Mapped[str | None] = mapped_column(String(100))
    # Empty for a company made on the way by a contact or deal: nobody holds it, so anyone may tidy it.
    owner_id: Mapped[int | None] = mapped_column()
    tags: Mapped[list[str]] = mapped_column(default=list)
    # Moves forward by itself as deals are won (bot/services/lifecycle.py); a person sets it any way.
    lifecycle: Mapped[str] = mapped_column(String(16), default="prospect")
    # The workspace's own fields (custom_fields): value by field id, so a renamed field keeps its values.
    custom: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The import that made it (bot/services/dataio/): a whole import is undone by this id.
    import_batch: Mapped[str | None] = mapped_column(String(36), info={"audit": False})
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, info={"audit": False})


class Contact(SoftDeleted, WorkspaceScoped, Base):
    __tablename__ = "contacts"
    __table_args__ = (
        lookup_index("contacts", "name_key"),
        words_index("contacts", "name_key"),
        Index("ix_contacts_import_batch", "workspace_id", "import_batch"),
        Index("ix_contacts_email", "workspace_id", "email"),
        Index("ix_contacts_company", "company_id"),
        # A lifecycle's list, by name, a page at a time: read in index order, never sorted whole.
        Index("ix_contacts_lifecycle", "workspace_id", "lifecycle", "name_key", "id"),
        in_workspace(),
        tenant_key("contacts", "deleted_by_id", "users"),
        tenant_key("contacts", "company_id", "companies"),
        tenant_key("contacts", "owner_id", "users"),
        one_of("lifecycle", LIFECYCLES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), info={"audit": False})
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str | None] = mapped_column(String(200))
    company_id: Mapped[int | None] = mapped_column()
    lifecycle: Mapped[str] = mapped_column(String(16), default="prospect")
    owner_id: Mapped[int | None] = mapped_column()
    preferred_channel: Mapped[str | None] = mapped_column(String(16))
    tags: Mapped[list[str]] = mapped_column(default=list)
    # The workspace's own fields (custom_fields): value by field id, so a renamed field keeps its values.
    custom: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The import that made it (bot/services/dataio/): a whole import is undone by this id.
    import_batch: Mapped[str | None] = mapped_column(String(36), info={"audit": False})
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, info={"audit": False})

    # Joined on the id alone (the key guarantees the workspace agrees), so that setting the company
    # never writes workspace_id.
    company: Mapped[Company | None] = relationship(lazy="joined", foreign_keys=[company_id])


class CustomField(WorkspaceScoped, Base):
    """A field a workspace's admins added to its contacts, companies or deals. Records keep their values
    in their ``custom`` column under this row's id; removing the field leaves them there, so an undo of
    the removal brings them back."""

    __tablename__ = "custom_fields"
    __table_args__ = (
        UniqueConstraint("workspace_id", "record_type", "key"),
        in_workspace(),
        one_of("record_type", CUSTOM_FIELD_RECORDS),
        one_of("kind", CUSTOM_FIELD_KINDS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    record_type: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(60))
    # Lower-cased, accent-folded name: what `region=EMEA` is matched on. Audited with the name, so that
    # undoing a rename puts both back.
    key: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(16))
    choices: Mapped[list[str]] = mapped_column(default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Pipeline(WorkspaceScoped, Base):
    """One of a workspace's pipelines ("New business", "Renewals"): its own stages, in its own order.
    A deal is in the pipeline of its stage. The first by position is where a deal goes unless told."""

    __tablename__ = "pipelines"
    __table_args__ = (UniqueConstraint("workspace_id", "key"), in_workspace())

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    # A deal won here is a renewal: its contact and company become loyal (bot/services/lifecycle.py).
    is_renewal: Mapped[bool] = mapped_column(Boolean, default=False)


class PipelineStage(WorkspaceScoped, Base):
    __tablename__ = "pipeline_stages"
    __table_args__ = (
        UniqueConstraint("workspace_id", "pipeline_id", "key"),
        in_workspace(),
        tenant_key("pipeline_stages", "pipeline_id", "pipelines"),
        CheckConstraint("probability BETWEEN 0 AND 100", name="probability"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    pipeline_id: Mapped[int] = mapped_column()
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    is_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    is_won: Mapped[bool] = mapped_column(Boolean, default=False)
    # The chance (%) a deal here is won; empty when the team has not said.
    probability: Mapped[int | None] = mapped_column(Integer)

    pipeline: Mapped[Pipeline] = relationship(lazy="joined", foreign_keys=[pipeline_id])


class Deal(SoftDeleted, WorkspaceScoped, Base):
    __tablename__ = "deals"
    __table_args__ = (
        Index("ix_deals_import_batch", "workspace_id", "import_batch"),
        lookup_index("deals", "title_key"),
        words_index("deals", "title_key"),
        Index("ix_deals_stage_owner", "workspace_id", "stage_id", "owner_id"),
        Index("ix_deals_owner", "workspace_id", "owner_id"),
        Index("ix_deals_company", "company_id"),
        # A contact's deals (its card, how many it has won when a deal is won, and what an import's undo
        # checks before deleting a contact: no deal of someone else's names it).
        Index("ix_deals_contact", "workspace_id", "contact_id"),
        # Deals closing in a date range (the summary's "closing this week"), covering the stage and
        # amount so that counting and ranking them reads only the index, not a million rows.
        Index("ix_deals_close", "workspace_id", "close_date", "stage_id", "amount", "id"),
        # The stale-deal scan: quietest first.
        Index("ix_deals_activity", "workspace_id", "last_activity_at"),
        # The reports' periods: deals closed (won/lost, win rate, velocity, cycle, quotas, customers) and
        # added (the funnel) in a range, carrying what they group by, soft deletion included.
        Index(
            "ix_deals_closed",
            "workspace_id",
            "closed_at",
            "stage_id",
            "owner_id",
            "currency",
            "amount",
            "created_at",
            "deleted_at",
        ),
        # With the id, so that the funnel finds the deals added in a period in the index alone.
        Index("ix_deals_created", "workspace_id", "created_at", "stage_id", "owner_id", "deleted_at", "id"),
        # The forecast: open deals by expected close date, with what it groups and filters by (0034).
        Index(
            "ix_deals_forecast",
            "workspace_id",
            "close_date",
            "stage_id",
            "currency",
            "forecast_category",
            "owner_id",
            "amount",
            "deleted_at",
        ),
        # The customers report: won deals by company, with what it sums (0034).
        Index(
            "ix_deals_customers",
            "workspace_id",
            "stage_id",
            "company_id",
            "owner_id",
            "currency",
            "amount",
            "closed_at",
            "deleted_at",
        ),
        # The customers report: the companies of the deals active since a moment (0034).
        Index("ix_deals_active", "workspace_id", "last_activity_at", "company_id", "deleted_at"),
        in_workspace(),
        tenant_key("deals", "deleted_by_id", "users"),
        tenant_key("deals", "company_id", "companies"),
        tenant_key("deals", "contact_id", "contacts"),
        tenant_key("deals", "stage_id", "pipeline_stages"),
        tenant_key("deals", "owner_id", "users"),
        tenant_key("deals", "closed_by_id", "users"),
        one_of("forecast_category", FORECAST_CATEGORIES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    title_key: Mapped[str] = mapped_column(String(200), info={"audit": False})
    company_id: Mapped[int | None] = mapped_column()
    contact_id: Mapped[int | None] = mapped_column()
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    stage_id: Mapped[int] = mapped_column()
    owner_id: Mapped[int | None] = mapped_column()
    # What the owner expects; it stays as it was when the deal is won or lost.
    # The deal's channel (its "deal room"), where its stage changes, won/lost and new tasks are posted.
    room_channel_id: Mapped[str | None] = mapped_column(String(32))
    close_date: Mapped[date | None] = mapped_column(Date)
    # When it was actually won or lost, and by whom (empty while it is open).
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_by_id: Mapped[int | None] = mapped_column()
    stage_changed_at: Mapped[datetime] = mapped_column(default=utcnow, info={"audit": "follows"})
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow, info={"audit": "activity"})
    # Stale-deal alerting: flagged once per quiet spell, or not before a date the owner chose.
    stale_alerted_at: Mapped[datetime | None] = mapped_column(info={"audit": "activity"})
    stale_snoozed_until: Mapped[date | None] = mapped_column(Date)
    tags: Mapped[list[str]] = mapped_column(default=list)
    # The workspace's own fields (custom_fields): value by field id, so a renamed field keeps its values.
    custom: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The import that made it (bot/services/dataio/): a whole import is undone by this id.
    import_batch: Mapped[str | None] = mapped_column(String(36), info={"audit": False})
    forecast_category: Mapped[str] = mapped_column(String(16), default="pipeline")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, info={"audit": False})

    stage: Mapped[PipelineStage] = relationship(lazy="joined", foreign_keys=[stage_id])
    company: Mapped[Company | None] = relationship(lazy="joined", foreign_keys=[company_id])
    contact: Mapped[Contact | None] = relationship(lazy="joined", foreign_keys=[contact_id])


# The key in a source's instance state where a changed link keeps its value from before the change.
LINKS_BEFORE = "links_before"


class Linked:
    """A task's or an interaction's link to the one record of a type it is about (its contact, its
    deal), kept as a row of ``targets`` and read and set like the column it once was: ``task.deal_id``.
    Setting it adds, repoints or (None) drops that row; the record itself counts as changed, so its
    snapshot, audit and undo carry its links (``bot/services/base.py``)."""

    def __init__(self, record_type: str) -> None:
        self.record_type = record_type
        self.column = f"{record_type}_id"

    def __set_name__(self, owner: type, name: str) -> None:
        if name != self.column:
            raise TypeError(f"{owner.__name__}.{name} must be named {self.column}")

    @overload
    def __get__(self, obj: None, owner: Any = None) -> Linked: ...

    @overload
    def __get__(self, obj: object, owner: Any = None) -> int | None: ...

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        row = self._row(obj)
        return getattr(row, self.column) if row is not None else None

    def __set__(self, obj: Any, value: int | None) -> None:
        row = self._row(obj)
        old = getattr(row, self.column) if row is not None else None
        if old != value and inspect(obj).persistent:
            # What the link was before this flush, for the audit (bot/services/base.py reads it).
            inspect(obj).info.setdefault(LINKS_BEFORE, {}).setdefault(self.column, old)
        if value is None:
            if row is None:
                return
            obj.targets.remove(row)
        elif row is None:
            obj.targets.append(Target(workspace_id=obj.workspace_id, **{self.column: value}))
        elif getattr(row, self.column) != value:
            setattr(row, self.column, value)
        else:
            return
        if inspect(obj).persistent:
            # Only a targets row changed: without this the session would not see its source as changed.
            flag_dirty(obj)

    def _row(self, obj: Any) -> Target | None:
        return next((t for t in obj.targets if getattr(t, self.column) is not None), None)


@cache
def linked_fields(cls: type) -> tuple[str, ...]:
    """The links a record keeps in ``targets`` (``contact_id``, ...), in declaration order."""
    return tuple(
        name for klass in reversed(cls.__mro__) for name, v in vars(klass).items() if isinstance(v, Linked)
    )


def _targets(source: str) -> Any:
    # Joined on the source's id alone (the key guarantees the workspace agrees). Loaded with the
    # sources, all of a query's at once, so links read like columns even after the session closed. The
    # database deletes a record's links with it (passive_deletes); a link dropped from the list is deleted.
    return relationship(
        "Target",
        back_populates=source,
        lazy="selectin",
        foreign_keys=f"Target.{source}_id",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Target.id",
    )


class Interaction(WorkspaceScoped, Base):
    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_import_batch", "workspace_id", "import_batch"),
        # Activity over a period, by author and kind, from the index alone.
        Index("ix_interactions_occurred", "workspace_id", "occurred_at", "author_id", "kind"),
        in_workspace(),
        tenant_key("interactions", "author_id", "users"),
        one_of("kind", INTERACTION_KINDS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    author_id: Mapped[int | None] = mapped_column()
    permalink: Mapped[str | None] = mapped_column(String(500))
    # The import that made it (bot/services/dataio/): a whole import is undone by this id.
    import_batch: Mapped[str | None] = mapped_column(String(36), info={"audit": False})
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    targets: Mapped[list[Target]] = _targets("interaction")
    contact_id = Linked("contact")
    company_id = Linked("company")
    deal_id = Linked("deal")


class Task(SoftDeleted, WorkspaceScoped, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_import_batch", "workspace_id", "import_batch"),
        # A person's open tasks by due time, and the scheduler's scan of what is due.
        Index("ix_tasks_assignee_open", "workspace_id", "assignee_id", "done_at", "due_utc"),
        Index("ix_tasks_remind", "reminder_state", "remind_at"),
        Index("ix_tasks_lookup", "workspace_id", "title_key"),
        in_workspace(),
        tenant_key("tasks", "deleted_by_id", "users"),
        tenant_key("tasks", "assignee_id", "users"),
        tenant_key("tasks", "creator_id", "users"),
        one_of("reminder_state", REMINDER_STATES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    title_key: Mapped[str] = mapped_column(String(300), info={"audit": False})
    assignee_id: Mapped[int | None] = mapped_column()
    creator_id: Mapped[int | None] = mapped_column()
    # Due is either a calendar day (due_date) or an instant (due_at); due_utc is the instant it falls
    # due for sorting and reminding (a bare day means 09:00 in the assignee's zone).
    due_date: Mapped[date | None] = mapped_column(Date)
    due_at: Mapped[datetime | None] = mapped_column()
    due_utc: Mapped[datetime | None] = mapped_column(info={"audit": "bot"})
    done_at: Mapped[datetime | None] = mapped_column()
    # none | pending | sent: the scheduler claims pending reminders whose remind_at has passed.
    reminder_state: Mapped[str] = mapped_column(String(16), default="none", info={"audit": "bot"})
    remind_at: Mapped[datetime | None] = mapped_column(info={"audit": "bot"})
    reminded_at: Mapped[datetime | None] = mapped_column(info={"audit": "bot"})
    # The import that made it (bot/services/dataio/): a whole import is undone by this id.
    import_batch: Mapped[str | None] = mapped_column(String(36), info={"audit": False})
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, info={"audit": False})

    targets: Mapped[list[Target]] = _targets("task")
    contact_id = Linked("contact")
    deal_id = Linked("deal")


# What owns a link (one of them per targets row) and what it can point at, each a column of targets.
TARGET_SOURCES = {"task": "tasks", "interaction": "interactions"}
TARGET_TYPES = {"contact": "contacts", "company": "companies", "deal": "deals"}


class Target(WorkspaceScoped, Base):
    """A task or an interaction (a note is an interaction) attached to a record it is about.

    One row per (source, record). The source is ``task_id`` or ``interaction_id``, the record one of
    ``contact_id``, ``company_id``, ``deal_id``: exactly one of each side is set (two CHECKs). Every one
    of them is a real workspace key (``tenant_key``), so the database itself refuses a link into
    another workspace or to nothing, and deletes a link with its source or its record. A single
    ``(record_type, record_id)`` pair would have left all of that to the services. The price is a
    column per record type *here*, never on tasks or interactions: a new record type is a new
    nullable column in ``TARGET_TYPES`` (its key, its uniqueness and the CHECK follow from the tuple)
    and a migration adding it. Which record type a row is about is which column is set, so there is no
    ``record_type`` column to disagree with it. Each record column leads a unique index with the
    source, which serves "what is linked to this record" as well as its key."""

    __tablename__ = "targets"
    __table_args__ = (
        *(
            tenant_key("targets", f"{name}_id", table, ondelete="CASCADE")
            for name, table in TARGET_SOURCES.items()
        ),
        *(
            tenant_key("targets", f"{name}_id", table, ondelete="CASCADE")
            for name, table in TARGET_TYPES.items()
        ),
        exactly_one("one_source", [f"{name}_id" for name in TARGET_SOURCES]),
        exactly_one("one_record", [f"{name}_id" for name in TARGET_TYPES]),
        *(
            UniqueConstraint("workspace_id", f"{record}_id", f"{source}_id")
            for record in TARGET_TYPES
            for source in TARGET_SOURCES
        ),
        *(Index(f"ix_targets_{source}", "workspace_id", f"{source}_id") for source in TARGET_SOURCES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column()
    interaction_id: Mapped[int | None] = mapped_column()
    contact_id: Mapped[int | None] = mapped_column()
    company_id: Mapped[int | None] = mapped_column()
    deal_id: Mapped[int | None] = mapped_column()

    task: Mapped[Task | None] = relationship(back_populates="targets", foreign_keys=[task_id])
    interaction: Mapped[Interaction | None] = relationship(
        back_populates="targets", foreign_keys=[interaction_id]
    )

    @property
    def record_type(self) -> str:
        return next(name for name in TARGET_TYPES if getattr(self, f"{name}_id") is not None)

    @property
    def record_id(self) -> int:
        return int(getattr(self, f"{self.record_type}_id"))


@event.listens_for(Target, "before_insert")
def _target_workspace(_mapper: Mapper[Any], _connection: Connection, target: Target) -> None:
    # A link made before its source knew its workspace (a record rebuilt from a snapshot) takes it then.
    if target.workspace_id is None:
        source = target.task or target.interaction
        assert source is not None
        target.workspace_id = source.workspace_id


class Quota(WorkspaceScoped, Base):
    """What a person is expected to win in a period (both days included), in one currency, set by a
    manager; only won deals in that currency count towards it (amounts are never converted)."""

    __tablename__ = "quotas"
    __table_args__ = (
        UniqueConstraint("workspace_id", "user_id", "period_start", "period_end"),
        in_workspace(),
        tenant_key("quotas", "user_id", "users"),
        tenant_key("quotas", "set_by_id", "users"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column()
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    set_by_id: Mapped[int | None] = mapped_column()
    # The highest milestone (percent) already announced: each is told once, in the transaction that
    # plans its messages.
    announced_pct: Mapped[int] = mapped_column(Integer, default=0, info={"audit": "bot"})
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, info={"audit": False})


# What the satisfaction report filters and groups a period's answers by (the index it reads).
REPORT_COLUMNS = (
    "workspace_id",
    "given_at",
    "contact_deleted",
    "contact_owner_id",
    "scale",
    "score",
    "company_name",
)


class Feedback(WorkspaceScoped, Base):
    """A satisfaction answer a contact gave: NPS (0–10) or CSAT (1–5), logged by a rep; about the
    contact's company too when it has one.

    What the report groups and filters by is kept on the answer by the database itself (migration
    0038's triggers, on every write however made): the contact's owner now and whether the contact is
    deleted, and the company's name while it is on file; so the report reads a period's answers alone,
    not joined to every contact and company."""

    __tablename__ = "feedback"
    __table_args__ = (
        # A period's answers with all the report reads of them: an index range alone, no table rows.
        Index("ix_feedback_report", *REPORT_COLUMNS),
        # The answers of one contact, of one company: what the triggers update when either changes.
        Index("ix_feedback_contact", "contact_id"),
        Index("ix_feedback_company", "company_id"),
        in_workspace(),
        tenant_key("feedback", "contact_id", "contacts", ondelete="CASCADE"),
        tenant_key("feedback", "company_id", "companies", ondelete="CASCADE"),
        tenant_key("feedback", "author_id", "users"),
        one_of("scale", FEEDBACK_SCALES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column()
    company_id: Mapped[int | None] = mapped_column()
    scale: Mapped[str] = mapped_column(String(8))
    score: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column()
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by the database from the contact and the company (see above); whatever is written is replaced.
    contact_owner_id: Mapped[int | None] = mapped_column(info={"audit": False})
    contact_deleted: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), info={"audit": False}
    )
    company_name: Mapped[str | None] = mapped_column(String(200), info={"audit": False})


class AuditEvent(WorkspaceScoped, Base):
    """One change to one record. Events written by one operation share ``op_id``; undo works per op."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_record", "workspace_id", "record_type", "record_id", "at"),
        Index("ix_audit_op", "op_id"),
        # What changed in a workspace since a moment (the summary's new/moved/won/lost).
        Index("ix_audit_recent", "workspace_id", "record_type", "at"),
        Index("ix_audit_replayed", "replayed_by"),
        tenant_key("audit_events", "actor_id", "users"),
        one_of("record_type", RECORD_TYPES),
        one_of("action", AUDIT_ACTIONS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    op_id: Mapped[str] = mapped_column(String(36))
    actor_id: Mapped[int | None] = mapped_column()
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    before: Mapped[dict[str, Any] | None] = mapped_column()
    after: Mapped[dict[str, Any] | None] = mapped_column()
    at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_by_op: Mapped[str | None] = mapped_column(String(36))
    # An event brought back by an import of another workspace's export (that import's batch id): its
    # history, never an operation to take back here (bot/services/dataio/history.py).
    replayed_by: Mapped[str | None] = mapped_column(String(36))


# A row of deal_stage_changes that moved the deal (or is its first stage): what the funnel reads.
MOVED = "from_stage_id IS NULL OR from_stage_id <> stage_id"


class DealStageChange(WorkspaceScoped, Base):
    """A deal's stage history: one row per change of its stage, amount, currency or expected close date
    (as made, and each change since), with what it stood at afterwards, valid from then until the next
    row's ``at``. Written with the audit event of the same change (``event_id``, ``op_id``) by
    bot/services/stage_history.py and taken out again by that op's undo, so the funnel and the forecast's
    look back read an index instead of every deal's audit trail."""

    __tablename__ = "deal_stage_changes"
    __table_args__ = (
        # The funnel: the moves (and first stages) of the deals added in a period, carrying their stages
        # and stays; the edits of an amount or a date, most of the rows, are not in it.
        Index(
            "ix_deal_stage_changes_added",
            "workspace_id",
            "deal_created_at",
            "deal_id",
            "stage_id",
            "from_stage_id",
            "from_entered_at",
            "at",
            postgresql_where=text(MOVED),
            sqlite_where=text(MOVED),
        ),
        # The look back: what each deal stood at at an instant, by its expected close date.
        Index(
            "ix_deal_stage_changes_close",
            "workspace_id",
            "close_date",
            "valid_from",
            "valid_until",
            "stage_id",
            "currency",
            "amount",
            "deal_id",
        ),
        # A deal's rows in order (the one a new row follows; what an undo gives back its end).
        Index("ix_deal_stage_changes_deal", "deal_id", "id"),
        Index("ix_deal_stage_changes_op", "op_id"),
        tenant_key("deal_stage_changes", "actor_id", "users"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    deal_id: Mapped[int] = mapped_column(Integer)
    # The operation and audit event that made the change (none for a deal imported from a file).
    op_id: Mapped[str | None] = mapped_column(String(36))
    event_id: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column()
    at: Mapped[datetime] = mapped_column()
    # When this state began and ended (the next row's ``at``; none while it is the deal's state now).
    # A deal's first row begins when the deal was made, if that is earlier (a deal imported with its date).
    valid_from: Mapped[datetime] = mapped_column()
    valid_until: Mapped[datetime | None] = mapped_column()
    # The stage it left (none as made) and when it had entered it; the same stage: no move.
    from_stage_id: Mapped[int | None] = mapped_column(Integer)
    from_entered_at: Mapped[datetime | None] = mapped_column()
    stage_id: Mapped[int] = mapped_column(Integer)
    entered_at: Mapped[datetime] = mapped_column()
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    close_date: Mapped[date | None] = mapped_column(Date)
    deal_created_at: Mapped[datetime] = mapped_column()


class DealFunnel(WorkspaceScoped, Base):
    """What the funnel counts each deal by, a row per deal not deleted: when it was made, its owner and
    stage now, and the stages its history moved it into (``visited``: their ids, or empty when its
    history has no move). Recomputed from the deal and its history whenever either changes
    (bot/services/funnel_rows.py). The furthest stage is found when the funnel is read: stages can be
    reordered."""

    __tablename__ = "deal_funnel"
    __table_args__ = (
        Index("ix_deal_funnel_added", "workspace_id", "created_at", "owner_key", "stage_id", "visited"),
        # One person's funnel: their deals alone, not the period's every deal filtered.
        Index("ix_deal_funnel_owner", "workspace_id", "owner_key", "created_at", "stage_id", "visited"),
    )

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    deal_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column()
    # The owner's user id, or 0 for deals without one.
    owner_key: Mapped[int] = mapped_column(Integer)
    stage_id: Mapped[int] = mapped_column(Integer)
    visited: Mapped[str] = mapped_column(Text)


class DealStay(WorkspaceScoped, Base):
    """A stay in a stage that ended, a row per move out of it of a deal not deleted (the history row of
    the move, ``change_id``), with the deal's owner, stage and pipeline now and the stay's length in
    days as the funnel's median takes it (``whole_days``: its whole part, the median's bucket)."""

    __tablename__ = "deal_stays"
    __table_args__ = (
        Index(
            "ix_deal_stays_added", "workspace_id", "created_at", "owner_key", "from_stage_id", "whole_days"
        ),
        Index(
            "ix_deal_stays_owner", "workspace_id", "owner_key", "created_at", "from_stage_id", "whole_days"
        ),
        # The median's second step: one bucket's stays of one stage, in order.
        Index(
            "ix_deal_stays_bucket",
            "workspace_id",
            "from_stage_id",
            "whole_days",
            "created_at",
            "days",
            "owner_key",
            "pipeline_id",
        ),
        Index("ix_deal_stays_deal", "workspace_id", "deal_id"),
    )

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    change_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    deal_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column()
    owner_key: Mapped[int] = mapped_column(Integer)
    pipeline_id: Mapped[int] = mapped_column(Integer)
    from_stage_id: Mapped[int] = mapped_column(Integer)
    days: Mapped[float] = mapped_column(Float)
    whole_days: Mapped[int] = mapped_column(Integer)


class DealForecastMark(WorkspaceScoped, Base):
    """A deal as the forecast's look back finds it at the start of a period: what it stood at (stage,
    amount, currency, expected close date) at 00:00 of ``since_day`` in the team's zone (the workspace's),
    a row when it was open then and
    expected to close within the longest period that day begins (a year from 1 January, a quarter from
    its first day, a month from the 1st, a week from a Monday); with its owner, pipeline and, when it
    is won, its close now. Recomputed with the deal's funnel rows (bot/services/forecast_marks.py), so
    last period's forecast reads a period's rows instead of every stage change of its deals."""

    __tablename__ = "deal_forecast_marks"
    __table_args__ = (
        Index(
            "ix_deal_forecast_marks_read",
            "workspace_id",
            "since_day",
            "close_date",
            "owner_key",
            "pipeline_id",
            "stage_id",
            "currency",
            "amount",
            "won_at",
        ),
    )

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    # A deal's rows together (they are replaced together whenever it changes).
    deal_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    since_day: Mapped[date] = mapped_column(Date, primary_key=True)
    close_date: Mapped[date] = mapped_column(Date)
    # The owner's user id now, or 0 for deals without one; the pipeline of the stage it is in now.
    owner_key: Mapped[int] = mapped_column(Integer)
    pipeline_id: Mapped[int] = mapped_column(Integer)
    stage_id: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # When it was won, while it is (its close); none otherwise.
    won_at: Mapped[datetime | None] = mapped_column()


class FunnelTotal(WorkspaceScoped, Base):
    """The deals made on a day (UTC) per stage now and stages visited: ``deal_funnel`` summed, kept with
    it, so a team's funnel over a quarter reads a few thousand rows."""

    __tablename__ = "funnel_totals"

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    stage_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    visited: Mapped[str] = mapped_column(Text, primary_key=True)
    deals: Mapped[int] = mapped_column(Integer)


class StayTotal(WorkspaceScoped, Base):
    """The ended stays of the deals made on a day (UTC) per pipeline the deal is in now, stage left and
    whole days stayed: ``deal_stays`` counted, kept with it; where a median falls is found here, and only
    the stays of its one bucket are read and ordered."""

    __tablename__ = "stay_totals"

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    from_stage_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    whole_days: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    stays: Mapped[int] = mapped_column(Integer)


IMPORT_MODES = ("skip", "update", "merge")


class CompanyActivity(WorkspaceScoped, Base):
    """When a company's deals were last active: the latest ``last_activity_at`` of its deals not deleted,
    a row per company with one. Kept with the deals in the same transaction
    (bot/services/company_activity.py), so the customers gone quiet are read from a range of companies
    by when, not from every deal active lately taken away from every customer."""

    __tablename__ = "company_activity"
    __table_args__ = (Index("ix_company_activity_last", "workspace_id", "last_activity_at", "company_id"),)

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_activity_at: Mapped[datetime] = mapped_column()


class ImportBatch(WorkspaceScoped, Base):
    """One import: the audit record of all it did (who, which file, how, what came of it) and the key
    its undo works by. The records it made carry its ``batch_id``; those it changed are in
    ``import_changes`` as they were before."""

    __tablename__ = "imports"
    __table_args__ = (
        Index("ix_imports_workspace", "workspace_id", "started_at"),
        UniqueConstraint("batch_id"),
        tenant_key("imports", "actor_id", "users"),
        tenant_key("imports", "undone_by_id", "users"),
        one_of("mode", IMPORT_MODES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    batch_id: Mapped[str] = mapped_column(String(36))
    record_type: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column()
    file_name: Mapped[str] = mapped_column(String(300))
    mode: Mapped[str] = mapped_column(String(16))
    mapping: Mapped[dict[str, Any]] = mapped_column()
    rows: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[int] = mapped_column(Integer)
    bad: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime] = mapped_column()
    undone_at: Mapped[datetime | None] = mapped_column()
    undone_by_id: Mapped[int | None] = mapped_column()


class ImportChange(WorkspaceScoped, Base):
    """A record an import updated, as it was before (its columns as JSON), for the import's undo."""

    __tablename__ = "import_changes"
    __table_args__ = (Index("ix_import_changes_batch", "batch_id", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    batch_id: Mapped[str] = mapped_column(ForeignKey("imports.batch_id", ondelete="CASCADE"))
    record_id: Mapped[int] = mapped_column(Integer)
    before: Mapped[dict[str, Any]] = mapped_column()


class ImportId(WorkspaceScoped, Base):
    """The record a row of an export's file became (or matched) in an import of the whole zip, by the
    id the export gave it: what the zip's later files link by (bot/services/dataio/ids.py)."""

    __tablename__ = "import_ids"
    __table_args__ = (Index("ix_import_ids_source", "batch_id", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    batch_id: Mapped[str] = mapped_column(ForeignKey("imports.batch_id", ondelete="CASCADE"))
    source_id: Mapped[str] = mapped_column(String(100))
    record_id: Mapped[int] = mapped_column(Integer)


class ProcessedRequest(Base):
    """Idempotency keys of Slack requests already acted on (event retries, double clicks)."""

    __tablename__ = "processed_requests"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    result: Mapped[dict[str, Any] | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PipelineTotal(WorkspaceScoped, Base):
    """Running count and amount of deals per stage and owner, so the pipeline is read without
    scanning every deal. Kept in the same transaction as each deal write (``bot/services/totals.py``)."""

    __tablename__ = "pipeline_totals"
    __table_args__ = (tenant_key("pipeline_totals", "stage_id", "pipeline_stages", ondelete="CASCADE"),)

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    stage_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # The owner's user id, or 0 for deals without one: a key column cannot hold NULL.
    owner_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # Amounts are kept per currency and never added across currencies.
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    deals: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal(0))


class ForecastTotal(WorkspaceScoped, Base):
    """Running count and amount of deals per month of expected close, stage, owner, currency and forecast
    category, so the forecast reads its whole months without grouping every open deal. Deals without an
    expected close date and deleted deals count nowhere. Kept in the same transaction as each deal write
    (``bot/services/forecast_totals.py``)."""

    __tablename__ = "forecast_totals"
    __table_args__ = (tenant_key("forecast_totals", "stage_id", "pipeline_stages", ondelete="CASCADE"),)

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    # The first day of the month of the deals' expected close date: the forecast reads a range of them.
    close_month: Mapped[date] = mapped_column(Date, primary_key=True)
    stage_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # The owner's user id, or 0 for deals without one (a key column cannot hold NULL).
    owner_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    forecast_category: Mapped[str] = mapped_column(String(16), primary_key=True)
    deals: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal(0))


NAMED_TABLES = ("contacts", "companies", "deals")


class NameWord(WorkspaceScoped, Base):
    """Each word of a workspace's contact, company and deal names, filed under itself and under each
    spelling of it with one letter left out. A reference's word, and each of its own one-letter-out
    spellings, finds by one index read the words it could be with one slip (left out, added, struck,
    swapped: ``bot/services/namewords.py``), so a typo is matched word by word, on evidence, without
    reading every name that shares a few letters with it. Words are only ever added: one no longer in any
    name finds nothing further on, and a name whose words are missing here is still found by the slower
    passes of ``bot/services/lookup.py``."""

    __tablename__ = "name_words"

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    variant: Mapped[str] = mapped_column(String(64), primary_key=True)
    word: Mapped[str] = mapped_column(String(64), primary_key=True)


@cache
def optional_links(table: Any) -> list[tuple[Any, Any]]:
    """The (table, column) pairs that may point at a row of ``table`` and may be left empty: the links
    whose one-column keys used to be ON DELETE SET NULL (an owner, an author, who an audit event names)."""
    links = []
    for child in table.metadata.tables.values():
        for key in child.foreign_key_constraints:
            if key.referred_table is not table or key.ondelete is not None:
                continue
            own = [c for c in key.columns if c.name != "workspace_id"]
            if len(own) == 1 and len(key.columns) == 2 and own[0].nullable:
                links.append((child, own[0]))
    return links


@event.listens_for(Base, "before_delete", propagate=True)
def _unlink_before_delete(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    # A key that carries the workspace cannot be SET NULL by the database (it would empty workspace_id
    # too), so a record deleted through the ORM is first unmentioned here: the rows naming it stay, as
    # they did before. Rows it owns (ON DELETE CASCADE) and required links are the database's business.
    for child, column in optional_links(mapper.local_table):
        connection.execute(
            update(child)
            .where(child.c.workspace_id == target.workspace_id, column == target.id)
            .values({column.name: None})
        )
