"""The CRM: one facade over the services it is made of, so callers hold one object.

Each public method is one transaction that writes its own audit records; each delegates to the
service that owns its record type:

- bot/services/workspace.py — workspaces, people, roles, the workspace's currency
- bot/services/companies.py — companies: adding (duplicates asked about), changing, tagging, listing
- bot/services/contacts.py — contacts
- bot/services/deals.py — deals, stages, the pipeline and closed deals
- bot/services/tasks.py — tasks
- bot/services/interactions.py — logged interactions and their edits
- bot/services/funnel.py — the funnel (from the audit trail) and pipeline velocity
- bot/services/quotas.py — quotas, attainment and the milestones announced
- bot/services/customers.py — customers: retention, revenue, lifetime value, the quiet ones
- bot/services/feedback.py — satisfaction answers (NPS, CSAT) and their report
- bot/services/details.py — a contact's and a company's page (people, interactions, deals and tasks)
- bot/services/undo.py — history, timelines and undo
- bot/services/deletion.py — deleting contacts, companies, deals and tasks (marked, undoable)
- bot/services/merging.py — merging two contacts or companies, and finding likely duplicates

New behaviour goes in the service; this class only gains the one-line method that reaches it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.services import company_activity, forecast_totals, funnel_rows, namewords, totals
from bot.services.base import UNSET, Actor, Ref, ServiceBase
from bot.services.companies import Companies
from bot.services.contacts import Contacts
from bot.services.customers import CustomerReports, Customers
from bot.services.customfields import CustomFields
from bot.services.dashboard import Dashboard, Dashboards
from bot.services.deals import Deals
from bot.services.deletion import Deletions
from bot.services.details import Details
from bot.services.errors import DomainError
from bot.services.feedback import FeedbackLog, FeedbackWritten, Satisfaction, Scores
from bot.services.fields import EMAIL, PHONE
from bot.services.forecasts import Forecast
from bot.services.funnel import Funnel, Funnels, Velocity
from bot.services.interactions import Interactions
from bot.services.merging import Merges
from bot.services.pickers import Pickers
from bot.services.pipelines import PipelineChange, Pipelines, StageChange
from bot.services.quotas import Attainment, Quotas, QuotaWritten
from bot.services.reports import Activity, Closed, Cycle
from bot.services.retrying import units
from bot.services.tasks import TASK_SCOPES, Tasks
from bot.services.timeline import Timeline
from bot.services.undo import UndoLog
from bot.services.views import (
    CompanyDetails,
    CompanyView,
    ContactDetails,
    ContactView,
    CustomFieldView,
    DealView,
    Deleted,
    Deletion,
    Duplicates,
    FieldWritten,
    MergePlan,
    Pipeline,
    PipelineView,
    TaskView,
    Undone,
    UndoPreview,
    UserView,
    Written,
)
from bot.services.webhooks import Webhooks
from bot.services.workspace import Workspaces
from models import AuditEvent


# Each public method is one unit: run again whole on a deadlock (bot/services/retrying.py).
@units
class CRM(ServiceBase):
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime] | None = None,
        *,
        admins: Iterable[str] = (),
        webhook_hosts: Iterable[str] = (),
    ) -> None:
        super().__init__(sessions)
        self.clock = clock or (lambda: datetime.now(UTC))
        # The Slack user ids the operator names as admins (CRM_ADMINS): admins wherever they are seen.
        self.admins = frozenset(admins)
        totals.track(sessions)
        funnel_rows.track(sessions)
        company_activity.track(sessions)
        namewords.track(sessions)
        # Last: it flushes as the session commits, after the others' commit-time writes.
        forecast_totals.track(sessions)
        # The services read the time through self.now, so a clock set on the CRM later (a test's, the
        # console's) is theirs too.
        now = self.now
        self.workspaces = Workspaces(sessions, now, self.admins)
        self.companies = Companies(sessions, now)
        self.contacts = Contacts(sessions, now)
        self.deals = Deals(sessions, now)
        self.team_pipelines = Pipelines(sessions, now)
        self.tasks = Tasks(sessions, now)
        self.interactions = Interactions(sessions, now)
        self.details = Details(sessions, now)
        self.custom = CustomFields(sessions, now)
        self.funnels = Funnels(sessions, now)
        self.quotas = Quotas(sessions, now)
        self.feedback = FeedbackLog(sessions, now)
        self.customer_reports = CustomerReports(sessions, now)
        self.undo_log = UndoLog(sessions, now, self.workspaces)
        # Also what turns every op's record events into webhook deliveries, whoever writes.
        self.webhooks = Webhooks(sessions, now, webhook_hosts)
        self.deletions = Deletions(sessions, now)
        self.merges = Merges(sessions, now)
        self.pickers = Pickers(sessions, now)
        self.dashboards = Dashboards(sessions, now, deals=self.deals, tasks=self.tasks)

    def now(self) -> datetime:
        return self.clock()

    def dashboard(self, actor: Actor) -> Dashboard:
        """The person's App Home: their tasks due, deals by stage, quiet deals, recent activity (and the
        team's pipeline and this month's won and lost for a manager)."""
        return self.dashboards.dashboard(actor)

    def pick_options(self, actor: Actor, kind: str, typed: str) -> list[tuple[str, str]]:
        """A form picker's options for what was typed: (id, label) pairs, at most 100."""
        return self.pickers.options(actor, kind, typed)

    # ---- workspaces and people -------------------------------------------------------------------

    def ensure_workspace(
        self,
        team_id: str,
        name: str | None = None,
        default_tz: str | None = None,
        default_currency: str | None = None,
    ) -> int:
        return self.workspaces.ensure_workspace(team_id, name, default_tz, default_currency)

    def actor(self, team_id: str, slack_id: str) -> Actor | None:
        return self.workspaces.actor(team_id, slack_id)

    def register_user(
        self,
        team_id: str,
        slack_id: str,
        *,
        name: str,
        tz: str | None = None,
        email: str | None = None,
        role: str | None = None,
    ) -> Actor:
        """Store a Slack user seen for the first time (or refresh one), audited as their own act."""
        return self.workspaces.register_user(team_id, slack_id, name=name, tz=tz, email=email, role=role)

    def set_role(self, actor: Actor, slack_id: str, role: str) -> Written:
        """Give someone a role (admins only); ``changed`` is empty when they already had it."""
        return self.workspaces.set_role(actor, slack_id, role)

    def people(self, actor: Actor, limit: int = 200) -> list[UserView]:
        return self.workspaces.people(actor, limit)

    def user(self, actor: Actor, slack_id: str) -> UserView | None:
        return self.workspaces.user(actor, slack_id)

    def teammate(self, actor: Actor, ref: str | int) -> UserView:
        return self.workspaces.teammate(actor, ref)

    def workspace_currency(self, actor: Actor) -> str:
        return self.workspaces.workspace_currency(actor)

    def set_workspace_currency(self, actor: Actor, code: str) -> Written:
        """The currency amounts said without one are read in (managers and admins)."""
        return self.workspaces.set_workspace_currency(actor, code)

    def require(self, actor: Actor, action: str) -> None:
        """Refuse a workspace-wide action (a key of policy.ACTIONS) the actor's role does not allow."""
        self.workspaces.require(actor, action)

    # ---- companies and contacts ------------------------------------------------------------------

    def find_companies(self, actor: Actor, query: str, limit: int = 5) -> list[CompanyView]:
        return self.companies.find_companies(actor, query, limit)

    def create_company(
        self,
        actor: Actor,
        name: str,
        *,
        domain: str | None = None,
        industry: str | None = None,
        tags: list[str] | None = None,
        custom: dict[str, Any] | None = None,
        force: bool = False,
    ) -> Written:
        return self.companies.create_company(
            actor, name, domain=domain, industry=industry, tags=tags, custom=custom, force=force
        )

    def ensure_company(self, actor: Actor, name: str) -> Written:
        return self.companies.ensure_company(actor, name)

    def update_company(self, actor: Actor, ref: Ref, **fields: Any) -> Written:
        return self.companies.update_company(actor, ref, **fields)

    def tag_company(self, actor: Actor, ref: Ref, tags: list[str]) -> Written:
        return self.companies.tag_company(actor, ref, tags)

    def resolve_company(self, actor: Actor, ref: Ref) -> CompanyView:
        return self.companies.resolve_company(actor, ref)

    def list_companies(
        self,
        actor: Actor,
        *,
        owner: str | None = None,
        tag: str | None = None,
        industry: str | None = None,
        inactive_days: int | None = None,
        limit: int = 25,
        offset: int = 0,
    ) -> tuple[int, list[CompanyView]]:
        return self.companies.list_companies(
            actor,
            owner=owner,
            tag=tag,
            industry=industry,
            inactive_days=inactive_days,
            limit=limit,
            offset=offset,
        )

    def company_details(self, actor: Actor, ref: Ref) -> CompanyDetails:
        return self.details.company_details(actor, ref)

    def create_contact(
        self,
        actor: Actor,
        name: str,
        *,
        email: str | None = None,
        phone: str | None = None,
        company: str | None = None,
        title: str | None = None,
        lifecycle: str | None = None,
        tags: list[str] | None = None,
        custom: dict[str, Any] | None = None,
        force: bool = False,
        new_company: bool = False,
    ) -> Written:
        return self.contacts.create_contact(
            actor,
            name,
            email=email,
            phone=phone,
            company=company,
            title=title,
            lifecycle=lifecycle,
            tags=tags,
            custom=custom,
            force=force,
            new_company=new_company,
        )

    def update_contact(self, actor: Actor, ref: Ref, *, new_company: bool = False, **fields: Any) -> Written:
        """``new_company``: a company named that is near one on file is a new one all the same."""
        return self.contacts.update_contact(actor, ref, new_company=new_company, **fields)

    def find_contacts(self, actor: Actor, query: str, limit: int = 5) -> list[ContactView]:
        return self.contacts.find_contacts(actor, query, limit)

    def list_contacts(
        self,
        actor: Actor,
        *,
        lifecycle: str | None = None,
        tag: str | None = None,
        owner: str | None = None,
        company: str | None = None,
        inactive_days: int | None = None,
        industry: str | None = None,
        custom: list[tuple[str, str, str]] | None = None,
        limit: int = 25,
        offset: int = 0,
    ) -> tuple[int, list[ContactView]]:
        return self.contacts.list_contacts(
            actor,
            lifecycle=lifecycle,
            tag=tag,
            owner=owner,
            company=company,
            inactive_days=inactive_days,
            industry=industry,
            custom=custom,
            limit=limit,
            offset=offset,
        )

    def resolve_contact(self, actor: Actor, ref: Ref, company: str | None = None) -> ContactView:
        return self.contacts.resolve_contact(actor, ref, company)

    def contact_details(self, actor: Actor, ref: Ref) -> ContactDetails:
        return self.details.contact_details(actor, ref)

    # ---- the workspace's own fields --------------------------------------------------------------

    def custom_fields(self, actor: Actor, record_type: str | None = None) -> list[CustomFieldView]:
        return self.custom.list_fields(actor, record_type)

    def add_custom_field(
        self, actor: Actor, record_type: str, name: str, kind: str, choices: list[str] | None = None
    ) -> FieldWritten:
        return self.custom.add_field(actor, record_type, name, kind, choices)

    def rename_custom_field(self, actor: Actor, record_type: str, ref: str, new_name: str) -> FieldWritten:
        return self.custom.rename_field(actor, record_type, ref, new_name)

    def remove_custom_field(self, actor: Actor, record_type: str, ref: str) -> FieldWritten:
        return self.custom.remove_field(actor, record_type, ref)

    def custom_values(self, actor: Actor, record_type: str, ref: Ref) -> dict[str, Any]:
        """A record's custom values by field name (every field of its type; None where it has none)."""
        return self.details.custom_values(actor, record_type, ref)

    # ---- deals and the pipeline ------------------------------------------------------------------

    def stages(self, actor: Actor) -> list[tuple[str, str, bool]]:
        return self.deals.stages(actor)

    # ---- the team's pipelines and stages (bot/services/pipelines.py) ---------------------------------

    def pipelines(self, actor: Actor) -> list[PipelineView]:
        return self.team_pipelines.pipelines(actor)

    def add_stage(self, actor: Actor, name: str, **fields: Any) -> StageChange:
        return self.team_pipelines.add_stage(actor, name, **fields)

    def change_stage(self, actor: Actor, ref: str, **fields: Any) -> StageChange:
        return self.team_pipelines.change_stage(actor, ref, **fields)

    def remove_stage(self, actor: Actor, ref: str, *, move_to: str | None = None) -> StageChange:
        return self.team_pipelines.remove_stage(actor, ref, move_to=move_to)

    def rename_pipeline(self, actor: Actor, ref: str, name: str) -> PipelineChange:
        return self.team_pipelines.rename_pipeline(actor, ref, name)

    def remove_pipeline(self, actor: Actor, ref: str, *, move_to: str | None = None) -> PipelineChange:
        return self.team_pipelines.remove_pipeline(actor, ref, move_to=move_to)

    def add_pipeline(self, actor: Actor, name: str, *, renewal: bool = False) -> PipelineView:
        return self.team_pipelines.add_pipeline(actor, name, renewal=renewal)

    def move_deal_to_pipeline(self, actor: Actor, deal: Ref, pipeline: str) -> tuple[str, str]:
        return self.team_pipelines.move_deal_to_pipeline(actor, deal, pipeline)

    def resolve_deal(self, actor: Actor, ref: Ref) -> DealView:
        return self.deals.resolve_deal(actor, ref)

    def set_deal_room(self, actor: Actor, ref: Ref, channel_id: str | None) -> Written:
        """The deal's room: the channel its stage changes, won/lost and new tasks are posted to."""
        return self.deals.set_room(actor, ref, channel_id)

    def create_deal(
        self,
        actor: Actor,
        title: str | None = None,
        *,
        company: str | None = None,
        contact: Ref | None = None,
        amount: Any = None,
        currency: str | None = None,
        stage: str | None = None,
        close_date: str | date | None = None,
        owner: str | None = None,
        tags: list[str] | None = None,
        custom: dict[str, Any] | None = None,
        force: bool = False,
        new_company: bool = False,
    ) -> Written:
        """``force``: the person said to add it even though they added the same deal a moment ago."""
        return self.deals.create_deal(
            actor,
            title,
            company=company,
            contact=contact,
            amount=amount,
            currency=currency,
            stage=stage,
            close_date=close_date,
            owner=owner,
            tags=tags,
            custom=custom,
            force=force,
            new_company=new_company,
        )

    def update_deal(
        self,
        actor: Actor,
        ref: Ref,
        *,
        stage: str | None = None,
        amount: Any = None,
        add_amount: Any = None,
        currency: str | None = None,
        close_date: str | date | None = None,
        owner: str | None = None,
        title: str | None = None,
        force: bool = False,
        company: str | None = None,
        contact: Ref | None = None,
        tags: list[str] | None = None,
        custom: dict[str, Any] | None = None,
        new_company: bool = False,
    ) -> Written:
        """``force``: the person confirmed a change of currency (the amount is never converted)."""
        return self.deals.update_deal(
            actor,
            ref,
            stage=stage,
            amount=amount,
            add_amount=add_amount,
            currency=currency,
            close_date=close_date,
            owner=owner,
            title=title,
            force=force,
            company=company,
            contact=contact,
            tags=tags,
            custom=custom,
            new_company=new_company,
        )

    def advance_deal(self, actor: Actor, ref: Ref) -> Written:
        return self.deals.advance_deal(actor, ref)

    def list_deals(
        self,
        actor: Actor,
        *,
        owner: str | None = None,
        stage: str | None = None,
        include_closed: bool = False,
        tag: str | None = None,
        limit: int = 20,
    ) -> list[DealView]:
        return self.deals.list_deals(
            actor, owner=owner, stage=stage, include_closed=include_closed, tag=tag, limit=limit
        )

    def categorize_deal(self, actor: Actor, ref: Ref, category: str) -> Written:
        """The deal's forecast category: pipeline, best case or commit."""
        return self.deals.categorize_deal(actor, ref, category)

    def tag_deal(self, actor: Actor, ref: Ref, tags: list[str]) -> Written:
        """Tags added to those the deal has."""
        return self.deals.tag_deal(actor, ref, tags)

    def pipeline(self, actor: Actor, *, owner: str | None = None) -> Pipeline:
        """Count and amounts (per currency) per stage, and per owner over open deals."""
        return self.deals.pipeline(actor, owner=owner)

    def closed(
        self, actor: Actor, start: date, end: date, owner: str | None = None, *, pipeline: str | None = None
    ) -> Closed:
        """Deals won and lost between two days (in the actor's zone), by when they actually closed;
        ``pipeline``: only its deals (every pipeline's when None)."""
        return self.deals.closed(actor, start, end, owner, pipeline=pipeline)

    def closed_per_period(
        self,
        actor: Actor,
        periods: list[tuple[date, date]],
        owner: str | None = None,
        *,
        pipeline: str | None = None,
    ) -> list[Closed]:
        """:meth:`closed` for each of consecutive periods (a trend), in one read."""
        return self.deals.closed_per_period(actor, periods, owner, pipeline=pipeline)

    def activity(self, actor: Actor, start: date, end: date, owner: str | None = None) -> Activity:
        """Calls, emails, meetings and notes logged between two days, by person and kind."""
        return self.deals.activity(actor, start, end, owner)

    def activity_per_period(
        self, actor: Actor, periods: list[tuple[date, date]], owner: str | None = None
    ) -> list[Activity]:
        """:meth:`activity` for each of consecutive periods (a trend), in one read."""
        return self.deals.activity_per_period(actor, periods, owner)

    def forecast(
        self, actor: Actor, start: date, end: date, owner: str | None = None, *, pipeline: str | None = None
    ) -> Forecast:
        """Open deals expected to close between two days: per stage, month and category, as they are and
        weighted; and the period before's forecast against what was won."""
        return self.deals.forecast(actor, start, end, owner, pipeline=pipeline)

    def cycle(
        self, actor: Actor, start: date, end: date, owner: str | None = None, *, pipeline: str | None = None
    ) -> Cycle:
        """Days from creation to close of the deals won between two days."""
        return self.deals.cycle(actor, start, end, owner, pipeline=pipeline)

    def funnel(
        self, actor: Actor, start: date, end: date, owner: str | None = None, *, pipeline: str | None = None
    ) -> Funnel:
        """How the deals added between two days went through the stages of ``pipeline`` (the only one
        when None), from the audit trail."""
        return self.funnels.funnel(actor, start, end, owner, pipeline=pipeline)

    def set_quota(
        self,
        actor: Actor,
        person: str,
        amount: object,
        currency: str | None,
        start: date,
        end: date,
        *,
        force: bool = False,
    ) -> QuotaWritten:
        """A person's quota for a period; managers and admins only. Another currency than the quota's
        asks first (``force`` once confirmed)."""
        return self.quotas.set_quota(actor, person, amount, currency, start, end, force=force)

    def quota_period(self, actor: Actor, day: date, owner: str | None = None) -> tuple[date, date] | None:
        """The period of the quotas in force on ``day`` (``owner``'s, or anyone's), if any."""
        return self.quotas.quota_period(actor, day, owner)

    def attainment(self, actor: Actor, start: date, end: date, owner: str | None = None) -> Attainment:
        """Quotas overlapping the period, what each person won towards theirs, and the leaderboard."""
        return self.quotas.attainment(actor, start, end, owner)

    def customers(
        self,
        actor: Actor,
        start: date,
        end: date,
        owner: str | None = None,
        quiet_days: int = 30,
        *,
        pipeline: str | None = None,
    ) -> Customers:
        """Customers over a period: revenue, retention, new ones, top by lifetime value, the quiet."""
        return self.customer_reports.customers(actor, start, end, owner, quiet_days, pipeline=pipeline)

    def log_feedback(
        self, actor: Actor, contact: Ref, scale: str, score: object, company: Ref | None = None
    ) -> FeedbackWritten:
        """An NPS (0–10) or CSAT (1–5) answer from a contact."""
        return self.feedback.log_feedback(actor, contact, scale, score, company)

    def satisfaction(self, actor: Actor, start: date, end: date, owner: str | None = None) -> Satisfaction:
        """NPS and average CSAT over a period: the team's, per company and per owner."""
        return self.feedback.satisfaction(actor, start, end, owner)

    def satisfaction_trend(
        self, actor: Actor, periods: list[tuple[date, date]], owner: str | None = None
    ) -> list[Scores]:
        """The team's NPS and CSAT answers per period (a trend), in one query."""
        return self.feedback.satisfaction_trend(actor, periods, owner)

    def velocity(
        self, actor: Actor, start: date, end: date, owner: str | None = None, *, pipeline: str | None = None
    ) -> Velocity:
        """Pipeline velocity per currency over the deals closed between two days."""
        return self.funnels.velocity(actor, start, end, owner, pipeline=pipeline)

    # ---- interactions ----------------------------------------------------------------------------

    def log_interaction(
        self,
        actor: Actor,
        kind: str,
        summary: str = "",
        *,
        contact: Ref | None = None,
        company: Ref | None = None,
        deal: Ref | None = None,
        occurred_at: str | date | datetime | None = None,
        permalink: str | None = None,
        follow_up: dict[str, Any] | None = None,
        force: bool = False,
    ) -> Written:
        """Log a call/email/meeting/note/message, and its follow-up task, as one undoable operation.
        ``force``: log it even though the person logged the same one a moment ago."""
        return self.interactions.log_interaction(
            actor,
            kind,
            summary,
            contact=contact,
            company=company,
            deal=deal,
            occurred_at=occurred_at,
            permalink=permalink,
            follow_up=follow_up,
            force=force,
        )

    def edit_interaction(
        self,
        actor: Actor,
        interaction_id: int,
        *,
        task_id: int | None = None,
        kind: str | None = None,
        summary: str | None = None,
        contact: int | str | None = UNSET,
        company: int | str | None = UNSET,
        occurred_at: Any = UNSET,
        follow_up: dict[str, Any] | None = UNSET,
    ) -> Written:
        """Change a logged interaction and its follow-up task together (arguments left UNSET stay)."""
        return self.interactions.edit_interaction(
            actor,
            interaction_id,
            task_id=task_id,
            kind=kind,
            summary=summary,
            contact=contact,
            company=company,
            occurred_at=occurred_at,
            follow_up=follow_up,
        )

    def logged_values(self, actor: Actor, interaction_id: int, task_id: int | None) -> dict[str, Any] | None:
        return self.interactions.logged_values(actor, interaction_id, task_id)

    # ---- tasks -----------------------------------------------------------------------------------

    def create_task(
        self,
        actor: Actor,
        title: str,
        *,
        assignee: str | None = None,
        due: Any = None,
        contact: Ref | None = None,
        deal: Ref | None = None,
        force: bool = False,
        ask_if_past: bool = False,
    ) -> Written:
        """``force``: add it even though the person added the same task a moment ago (or due in the
        past); ``ask_if_past``: a due date a person gave that is past is asked about first."""
        return self.tasks.create_task(
            actor,
            title,
            assignee=assignee,
            due=due,
            contact=contact,
            deal=deal,
            force=force,
            ask_if_past=ask_if_past,
        )

    def complete_task(self, actor: Actor, ref: Ref) -> Written:
        return self.tasks.complete_task(actor, ref)

    def reschedule_task(self, actor: Actor, ref: Ref, due: Any) -> Written:
        return self.tasks.reschedule_task(actor, ref, due)

    def snooze_task(self, actor: Actor, ref: Ref, until: datetime) -> Written:
        """Remind again at ``until``; the due date stays what it was."""
        return self.tasks.snooze_task(actor, ref, until)

    def reassign_task(self, actor: Actor, ref: Ref, assignee: str) -> Written:
        return self.tasks.reassign_task(actor, ref, assignee)

    def edit_task(
        self,
        actor: Actor,
        task_id: int,
        *,
        title: str | None = None,
        due: Any = UNSET,
        assignee: str | None = None,
        contact: str | None = None,
        deal: str | None = None,
    ) -> Written:
        """Rename, reschedule, reassign or relink a task in one operation."""
        return self.tasks.edit_task(
            actor, task_id, title=title, due=due, assignee=assignee, contact=contact, deal=deal
        )

    def list_tasks(
        self,
        actor: Actor,
        *,
        assignee: str | None = None,
        scope: str = "all",
        limit: int = 25,
        everyone: bool = False,
    ) -> list[TaskView]:
        return self.tasks.list_tasks(actor, assignee=assignee, scope=scope, limit=limit, everyone=everyone)

    def task(self, actor: Actor, task_id: int) -> TaskView:
        return self.tasks.task(actor, task_id)

    # ---- deleting and merging -------------------------------------------------------------------

    def recently_deleted(self, actor: Actor, limit: int = 20) -> list[Deleted]:
        """Records deleted last (managers and admins), each with the op whose Undo restores it."""
        return self.deletions.recently_deleted(actor, limit)

    def deletion(self, actor: Actor, kind: str, ref: Ref) -> Deletion:
        """What deleting that record would leave behind; refused first if the actor may not."""
        return self.deletions.deletion(actor, kind, ref)

    def delete_record(self, actor: Actor, kind: str, ref: Ref, *, with_records: bool = False) -> Written:
        """Mark a contact, company, deal or task deleted (``with_records``: a company's people and deals too)."""
        return self.deletions.delete_record(actor, kind, ref, with_records=with_records)

    def merge_plan(
        self, actor: Actor, refs: list[Ref], kind: str | None = None, keep: dict[str, str] | None = None
    ) -> MergePlan:
        return self.merges.merge_plan(actor, refs, kind, keep)

    def merge(
        self, actor: Actor, kind: str, a_id: int, b_id: int, keep: dict[str, str] | None = None
    ) -> Written:
        """Fold record ``b`` into ``a`` (two contacts or two companies) as one undoable operation."""
        return self.merges.merge(actor, kind, a_id, b_id, keep)

    def duplicates(self, actor: Actor, kind: str | None = None, limit: int = 20) -> Duplicates:
        return self.merges.duplicates(actor, kind, limit)

    # ---- audit and undo --------------------------------------------------------------------------

    def timeline(
        self, actor: Actor, ref: Ref, record_type: str | None = None, *, offset: int = 0
    ) -> Timeline:
        """A record's history, newest first; a deal, then a contact, then a company when the type was
        not said."""
        return self.undo_log.timeline(actor, ref, record_type, offset=offset)

    def named_exactly(self, actor: Actor, ref: Ref) -> tuple[str, int] | None:
        """The one deal, contact or company named exactly ``ref`` (its type and id), for a reference
        whose type was not said: "Initech" is the company before it is one of Initech's deals."""
        return self.undo_log.named_exactly(actor, ref)

    def history(self, actor: Actor, record_type: str, record_id: int, limit: int = 20) -> list[AuditEvent]:
        return self.undo_log.history(actor, record_type, record_id, limit)

    def last_op(self, actor: Actor, within: timedelta | None = None) -> str | None:
        """The actor's most recent operation that can still be undone (made in the last ``within``)."""
        return self.undo_log.last_op(actor, within)

    def undo(self, actor: Actor, op_id: str) -> Undone:
        """Restore what an operation changed, as a new audited operation."""
        return self.undo_log.undo(actor, op_id)

    def undo_preview(self, actor: Actor, op_id: str) -> UndoPreview:
        """What undoing ``op_id`` would take back, when it was made and whose work it reaches."""
        return self.undo_log.preview(actor, op_id)

    def undoable(self, actor: Actor, op_id: str) -> bool:
        return self.undo_log.undoable(actor, op_id)


# Importable from here as before: EMAIL and PHONE (the form checks them), the task lists.
__all__ = ["CRM", "EMAIL", "PHONE", "TASK_SCOPES", "DomainError", "Ref"]
