"""App Home as a dashboard: what one person has to do and where their deals stand, in one read.

Every part is bounded, so the tab costs the same at a million deals as at ten: tasks and lists are
capped, the pipeline figures come from the running totals (bot/services/totals.py), quiet deals are read
from the deals-by-activity index, and recent activity walks back from the newest interaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.services.base import Actor, Service
from bot.services.deals import Deals, deal_view
from bot.services.interactions import interaction_view
from bot.services.reports import Closed
from bot.services.tasks import Tasks
from bot.services.timeutil import today_in
from bot.services.views import DealView, InteractionView, Pipeline, TaskView
from models import Deal, Interaction, PipelineStage, Workspace

# How many of each list the tab shows; the rest are a command away.
SHOWN = 8


@dataclass(frozen=True)
class DealLine:
    stage: str
    title: str
    amount: Decimal | None
    currency: str


@dataclass(frozen=True)
class Dashboard:
    overdue: list[TaskView]
    today: list[TaskView]
    # The next open tasks after today (or with no due day), to look ahead.
    upcoming: list[TaskView]
    mine: Pipeline
    # The person's largest open deals, three per stage, named under their stage.
    deals: list[DealLine]
    quiet: list[DealView]
    quiet_days: int
    recent: list[InteractionView]
    # A manager's (or an admin's) view of the team: None for a rep.
    team: Pipeline | None = None
    closed: Closed | None = None
    period_start: date | None = None


class Dashboards(Service):
    def __init__(
        self, sessions: sessionmaker[Session], clock: Callable[[], datetime], *, deals: Deals, tasks: Tasks
    ) -> None:
        super().__init__(sessions, clock)
        self.deals = deals
        self.tasks = tasks

    def dashboard(self, actor: Actor) -> Dashboard:
        overdue = self.tasks.list_tasks(actor, assignee=actor.slack_id, scope="overdue", limit=SHOWN)
        today = self.tasks.list_tasks(actor, assignee=actor.slack_id, scope="today", limit=2 * SHOWN)
        seen = {t.id for t in overdue}
        due_today = [t for t in today if t.id not in seen][:SHOWN]
        seen |= {t.id for t in today}
        later = self.tasks.list_tasks(actor, assignee=actor.slack_id, scope="all", limit=3 * SHOWN)
        quiet, days = self.quiet_deals(actor)
        board = Dashboard(
            overdue=overdue,
            today=due_today,
            upcoming=[t for t in later if t.id not in seen][:5],
            mine=self.deals.pipeline(actor, owner=actor.slack_id),
            deals=self.largest(actor),
            quiet=quiet,
            quiet_days=days,
            recent=self.recent(actor),
        )
        if not actor.is_manager:
            return board
        start = today_in(actor.tz, self.now()).replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return replace(
            board,
            team=self.deals.pipeline(actor),
            closed=self.deals.closed(actor, start, end, None),
            period_start=start,
        )

    def largest(self, actor: Actor, per_stage: int = 3) -> list[DealLine]:
        """The person's largest open deals, ``per_stage`` in each stage: one pass over their deals (the
        owner index), ranked by the database, not loaded."""
        rank = (
            func.row_number()
            .over(partition_by=Deal.stage_id, order_by=(Deal.amount.desc().nulls_last(), Deal.id))
            .label("rank")
        )
        mine = (
            select(PipelineStage.key, Deal.title, Deal.amount, Deal.currency, rank)
            .join(PipelineStage, Deal.stage_id == PipelineStage.id)
            .where(
                Deal.workspace_id == actor.workspace_id,
                Deal.owner_id == actor.user_id,
                PipelineStage.is_closed.is_(False),
            )
            .subquery()
        )
        with self.read(actor) as s:
            rows = s.execute(
                select(mine.c.key, mine.c.title, mine.c.amount, mine.c.currency)
                .where(mine.c.rank <= per_stage)
                .order_by(mine.c.key, mine.c.rank)
            ).all()
            return [DealLine(*row) for row in rows]

    def quiet_deals(self, actor: Actor) -> tuple[list[DealView], int]:
        """The person's open deals with nothing logged for the workspace's quiet period, quietest first."""
        with self.read(actor) as s:
            ws = s.get(Workspace, actor.workspace_id)
            days = int(ws.stale_days) if ws and ws.stale_days else 14
            before = self.now() - timedelta(days=days)
            rows = s.scalars(
                select(Deal)
                .join(PipelineStage, Deal.stage_id == PipelineStage.id)
                .where(
                    Deal.workspace_id == actor.workspace_id,
                    Deal.owner_id == actor.user_id,
                    PipelineStage.is_closed.is_(False),
                    Deal.last_activity_at < before,
                )
                .order_by(Deal.last_activity_at, Deal.id)
                .limit(SHOWN)
            ).all()
            return [deal_view(s, d) for d in rows], days

    def recent(self, actor: Actor) -> list[InteractionView]:
        """The last few interactions the person logged, in date order, the latest first (one logged
        today may have happened days ago)."""
        with self.read(actor) as s:
            rows = s.scalars(
                select(Interaction)
                .where(Interaction.workspace_id == actor.workspace_id, Interaction.author_id == actor.user_id)
                .order_by(Interaction.id.desc())
                .limit(5)
            ).all()
            rows = sorted(rows, key=lambda i: (i.occurred_at, i.id), reverse=True)
            return [interaction_view(s, i) for i in rows]
