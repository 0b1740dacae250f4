"""Deals and the pipeline: adding, changing and moving deals through the workspace's stages, the
pipeline's figures per stage and owner, and the deals closed in a period.

Public for the other services: :func:`find_deal`, :func:`deal_view`, :func:`workspace_stages`,
:func:`find_stage` and :func:`touch_deals` (activity bookkeeping when something is logged).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.services import company_activity, customfields, fields, policy, rooms
from bot.services.base import Actor, Edit, Op, Ref, Service, current_op, lock_row
from bot.services.companies import find_company
from bot.services.contacts import find_contact
from bot.services.errors import Candidate, CurrencyChange, Invalid, NotFound, PossibleDuplicate
from bot.services.forecasts import Forecast, forecast
from bot.services.lifecycle import after_deal_written
from bot.services.lookup import Match, pick, rank, tagged
from bot.services.reports import (
    Activity,
    Closed,
    Cycle,
    activity,
    activity_per_period,
    closed_deals,
    closed_per_period,
    cycle,
    pipeline_named,
)
from bot.services.stages import (
    find_pipeline,
    find_stage,
    first_pipeline_id,
    stage_label,
    stage_ref,
    workspace_stages,
)
from bot.services.tenancy import scope_of
from bot.services.text import fold, money
from bot.services.timeutil import parse_day, today_in, years_ago
from bot.services.views import Amounts, DealView, OwnerFigure, Pipeline, StageFigure, Written, add_amounts
from bot.services.workspace import person, user_by_slack
from models import Company, Contact, Deal, PipelineStage, PipelineTotal, User, Workspace
from models.entities import FORECAST_CATEGORIES


def first_stage(s: Session, ws_id: int, pipeline_id: int | None = None) -> PipelineStage:
    """Where a new deal goes when no stage was said: the first stage of its pipeline (the first one)."""
    pipeline_id = pipeline_id if pipeline_id is not None else first_pipeline_id(s, ws_id)
    stages = workspace_stages(s, ws_id, pipeline_id)
    if not stages:
        raise Invalid("deal.stages.none", field="stage")
    return stages[0]


_STAGES = "crm_stage_order"


def _next_stage_key(s: Session, stage: PipelineStage) -> str | None:
    """The key of the stage after ``stage`` in its pipeline. A read session reads the workspace's stages
    once, so a page of deals (a company card's ten) asks for none of them again; a write reads afresh,
    as it may have just changed them."""
    if scope_of(s) is None or current_op(s) is not None:
        nxt = s.scalars(
            select(PipelineStage.key)
            .where(PipelineStage.pipeline_id == stage.pipeline_id, PipelineStage.position > stage.position)
            .order_by(PipelineStage.position)
            .limit(1)
        ).first()
        return nxt
    order: dict[int, list[tuple[int, str]]] | None = s.info.get(_STAGES)
    if order is None:
        order = {}
        rows = s.execute(
            select(PipelineStage.pipeline_id, PipelineStage.position, PipelineStage.key).order_by(
                PipelineStage.position
            )
        )
        for pipeline_id, position, key in rows:
            order.setdefault(pipeline_id, []).append((position, key))
        s.info[_STAGES] = order
    return next(
        (key for position, key in order.get(stage.pipeline_id, []) if position > stage.position), None
    )


def deal_view(s: Session, d: Deal) -> DealView:
    owner = person(s, d.owner_id)
    closer = person(s, d.closed_by_id)
    next_stage = None if d.stage.is_closed else _next_stage_key(s, d.stage)
    return DealView(
        d.id,
        d.title,
        d.company.name if d.company else None,
        d.contact.name if d.contact else None,
        d.amount,
        d.currency,
        # As it is typed: "renewals:lead" outside the first pipeline (the first is always at position 0).
        stage_ref(d.stage, d.stage.pipeline_id if d.stage.pipeline.position == 0 else None),
        d.stage.name if d.stage.pipeline.position == 0 else f"{d.stage.pipeline.name} · {d.stage.name}",
        d.stage.is_closed,
        owner.slack_id if owner else None,
        d.close_date,
        next_stage,
        d.last_activity_at,
        d.closed_at,
        closer.slack_id if closer else None,
        d.stage.is_won,
        tuple(d.tags or ()),
        d.stage.pipeline.name,
        d.stage.probability,
        d.room_channel_id,
        tuple(customfields.shown(s, "deal", d.custom)) if d.custom else (),
        d.forecast_category,
    )


def find_deal(s: Session, actor: Actor, ref: Ref, *, lock: bool = False) -> Deal:
    """The deal a person named; ``lock``: locked for the rest of the transaction."""
    if isinstance(ref, int):
        deal = lock_row(s, Deal, ref) if lock else s.get(Deal, ref)
        if deal is None or deal.workspace_id != actor.workspace_id:
            raise NotFound("record.not_found", kind="deal", ref=str(ref))
        return deal
    matches = rank(s, Deal, Deal.title_key, Deal.title, actor.workspace_id, ref)
    if not matches or matches[0].score < 75:
        # "the Globex deal" names the company more often than the deal's title.
        company_matches = rank(s, Company, Company.name_key, Company.name, actor.workspace_id, ref, limit=3)
        if company_matches and company_matches[0].score >= 85:
            rows = s.execute(
                select(Deal.id, Deal.title)
                .join(PipelineStage, Deal.stage_id == PipelineStage.id)
                .where(Deal.company_id == company_matches[0].id, PipelineStage.is_closed.is_(False))
                .limit(6)
            ).all()
            matches = [Match(r[0], r[1], 95.0) for r in rows]
    deal_id = pick("deal", ref, matches)
    deal = lock_row(s, Deal, deal_id) if lock else s.get(Deal, deal_id)
    if deal is None:  # deleted by someone else since it was matched
        raise NotFound("record.not_found", kind="deal", ref=str(ref))
    return deal


def touch_deals(op: Op, deal_row: Deal | None, contact_row: Contact | None, now: datetime) -> None:
    """Something was logged on a deal, or with a contact (then on each of their open deals): the deals
    are active again, and a stale alert may come again later."""
    ids: list[int] = []
    if deal_row is not None:
        ids.append(deal_row.id)
    if contact_row is not None:
        ids += list(
            op.session.scalars(
                select(Deal.id)
                .join(PipelineStage, Deal.stage_id == PipelineStage.id)
                .where(Deal.contact_id == contact_row.id, PipelineStage.is_closed.is_(False))
            )
        )
    if ids:
        # Activity bookkeeping, not a change a person would undo: not audited.
        op.session.execute(
            update(Deal).where(Deal.id.in_(ids)).values(last_activity_at=now, stale_alerted_at=None)
        )
        # Set-based, past the session's flushes: the companies' last activity is kept here.
        company_activity.refresh_deals(op.session.connection(), op.actor.workspace_id, ids)


def _mark_closed(deal: Deal, stage: PipelineStage, actor: Actor, now: datetime) -> None:
    """Won or lost: when and by whom, beside the expected close date (which stays); reopened: cleared."""
    deal.closed_at = now if stage.is_closed else None
    deal.closed_by_id = actor.user_id if stage.is_closed else None


# Two open deals whose titles differ by no more than a typo ("Acme renewal", "Acme renewl"), with the same
# numbers in them, are one deal.
LOOK_ALIKE = 90.0


def _numbers(title: str) -> list[str]:
    # "Acme renewal 2026" and "Acme renewal 2027", "Phase 1" and "Phase 2": a number tells deals apart.
    return re.findall(r"\d+", title)


def place_deal(deal: Deal, stage: PipelineStage, actor: Actor, now: datetime) -> None:
    """The deal in ``stage`` from ``now``, closed (or reopened) by ``actor``; no lifecycle moves."""
    deal.stage_id = stage.id
    deal.stage_changed_at = now
    _mark_closed(deal, stage, actor, now)


def move_deal(op: Op, deal: Deal, stage: PipelineStage, now: datetime) -> None:
    """A deal into another stage (of its pipeline or another): when and by whom it closed follow, and a
    win moves its contact's and company's lifecycle on (bot/services/lifecycle.py)."""
    if stage.id == deal.stage_id:
        return
    was_won = deal.stage.is_won
    place_deal(deal, stage, op.actor, now)
    op.session.flush()
    op.session.expire(deal, ["stage"])
    after_deal_written(op, deal, was_won=was_won)


def _check_duplicate(s: Session, actor: Actor, title: str) -> None:
    """An open deal of the same name (anyone's), or one a typo away: two are hard to tell apart in every
    list after."""
    key = fold(title)
    open_stages = select(PipelineStage.id).where(PipelineStage.is_closed.is_(False))
    alike = [
        m.id
        for m in rank(
            s,
            Deal,
            Deal.title_key,
            Deal.title,
            actor.workspace_id,
            title,
            extra_where=[Deal.stage_id.in_(open_stages)],
        )
        if fuzz.ratio(fold(m.label), key) >= LOOK_ALIKE and _numbers(m.label) == _numbers(title)
    ]
    rows = s.execute(
        select(Deal.id, Deal.title, Deal.amount, Deal.currency, User.name)
        .join(PipelineStage, Deal.stage_id == PipelineStage.id)
        .outerjoin(User, Deal.owner_id == User.id)
        .where(
            (Deal.title_key == key) | Deal.id.in_(alike),
            PipelineStage.is_closed.is_(False),
        )
        .limit(3)
    ).all()
    if rows:
        existing = [
            Candidate(
                r[0],
                r[1],
                100.0,
                ", ".join(x for x in (money(r[2], r[3]) if r[2] is not None else None, r[4]) if x),
            )
            for r in rows
        ]
        raise PossibleDuplicate("record.duplicate", existing, kind="deal")


def _set_currency(
    deal: Deal, currency: str | None, amount: Decimal | None, delta: Decimal | None, force: bool
) -> None:
    """A new currency only as a whole new amount, and only once the person confirmed it (``force``):
    an amount is never converted."""
    new_currency = fields.currency(currency, deal.currency) if currency is not None else deal.currency
    if new_currency == deal.currency:
        return
    if delta is not None:
        raise Invalid(
            "deal.currency.add", field="currency", title=deal.title, old=deal.currency, new=new_currency
        )
    if not force:
        raise CurrencyChange(
            "deal.currency.change",
            title=deal.title,
            old=deal.currency,
            old_amount=deal.amount,
            new=new_currency,
            new_amount=amount,
        )
    deal.currency = new_currency


def _recent_enough(day: date | None, said: object, now: datetime, tz: str) -> date | None:
    """A close date more than a year ago is a slip of the keyboard (1999 for 2026), not a deal's."""
    if day is not None and years_ago(day, now, tz):
        raise Invalid("deal.close_date.long_ago", field="close_date", value=str(said))
    return day


class Deals(Service):
    def stages(self, actor: Actor) -> list[tuple[str, str, bool]]:
        """Every stage as it is typed and shown, in pipeline order (see bot/services/stages.py)."""
        with self.read(actor) as s:
            stages = workspace_stages(s, actor.workspace_id)
            first = stages[0].pipeline_id if stages else None
            several = len({st.pipeline_id for st in stages}) > 1
            return [(stage_ref(st, first), stage_label(st, several), st.is_closed) for st in stages]

    def resolve_deal(self, actor: Actor, ref: Ref) -> DealView:
        with self.read(actor) as s:
            return deal_view(s, find_deal(s, actor, ref))

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
        pipeline: str | None = None,
        new_company: bool = False,
    ) -> Written:
        """``force``: the person said to add it even though they added the same deal a moment ago;
        ``pipeline``: the one it goes in, when not the first; ``custom``: values of the workspace's own
        fields, by field name; ``new_company``: a company named near one on file is made all the same."""
        if not title and not company:
            raise Invalid("deal.title.missing", field="title")
        if title:
            fields.name(title, "deal title", "deal")
        amount_value = fields.money(amount)
        day = _recent_enough(parse_day(close_date, "close date"), close_date, self.now(), actor.tz)
        with self.op(actor) as op:
            s = op.session
            ws = s.get(Workspace, actor.workspace_id)
            assert ws is not None
            company_row = find_company(s, op, actor, company, create=True, new=new_company)
            contact_row = find_contact(s, actor, contact, company) if contact else None
            if company_row is None and contact_row is not None and contact_row.company_id:
                company_row = s.get(Company, contact_row.company_id)
            # No stage said: the first of the pipeline (the workspace's first), whatever it calls it.
            pipeline_id = find_pipeline(s, actor.workspace_id, pipeline).id if pipeline else None
            stage_row = (
                find_stage(s, actor.workspace_id, stage, pipeline_id)
                if stage
                else first_stage(s, actor.workspace_id, pipeline_id)
            )
            owner_id = user_by_slack(s, actor.workspace_id, owner).id if owner else actor.user_id
            deal_title = fields.name(
                title or f"{company_row.name if company_row else ''} deal", "deal title", "deal"
            )
            now = self.now()
            deal = Deal(
                workspace_id=actor.workspace_id,
                title=deal_title,
                title_key=fold(deal_title),
                company_id=company_row.id if company_row else None,
                contact_id=contact_row.id if contact_row else None,
                amount=amount_value,
                currency=fields.currency(currency, ws.default_currency),
                stage_id=stage_row.id,
                owner_id=owner_id,
                close_date=day,
                stage_changed_at=now,
                last_activity_at=now,
                # The service's clock, like every other time it writes: the sales cycle counts from it.
                created_at=now,
                tags=fields.tags(tags),
                custom={},
            )
            customfields.apply(s, "deal", deal, custom or {})
            _mark_closed(deal, stage_row, actor, now)
            if not force:
                _check_duplicate(s, actor, deal_title)
            s.add(deal)
            if not force:
                op.refuse_repeat(deal, deal_title)
            s.flush()
            s.refresh(deal)
            after_deal_written(op, deal, was_won=False, made=True)
            # A company named for the deal and not on file was made with it: the card says so
            made = tuple(
                f"company {company_row.name}"
                for e in op.events
                if company_row is not None
                and e.record_type == "company"
                and e.action == "create"
                and e.record_id == company_row.id
            )
            return Written(op.id, deal=deal_view(s, deal), made=made)

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
        """``force``: the person confirmed a change of currency (the amount is never converted).
        ``tags`` replace the deal's; ``custom``: values of the workspace's own fields, by field name."""
        if title:
            fields.name(title, "deal title", "deal")
        amount_value = fields.money(amount)
        delta = fields.money(add_amount) if add_amount is not None else None
        day = _recent_enough(parse_day(close_date, "close date"), close_date, self.now(), actor.tz)
        if all(v is None for v in (stage, amount_value, delta, currency, day, owner, title, tags)) and not (
            company or contact or custom
        ):
            raise Invalid("deal.edit.empty", field="deal")
        # Locked for the whole transaction, so two people changing one deal never lose a write.
        with self.edit(actor, lambda op: find_deal(op.session, actor, ref, lock=True)) as edit:
            deal, now = edit.record, self.now()
            if stage is not None:
                self._move(edit, stage, now)
            _set_currency(deal, currency, amount_value, delta, force)
            if amount_value is not None:
                deal.amount = amount_value
            if delta is not None:
                deal.amount = (deal.amount or Decimal(0)) + delta
            if day is not None:
                deal.close_date = day
            self._relink(edit, owner=owner, title=title, company=company, contact=contact, new=new_company)
            if tags is not None:
                deal.tags = fields.tags(tags)
            customfields.apply(edit.session, "deal", deal, custom or {})
            edit.session.flush()
            if edit.changes():
                # Only a real change is activity: a change to what the deal already says would
                # otherwise leave an op behind for the next undo to take back instead of the last one.
                deal.last_activity_at = now
                deal.stale_alerted_at = None
            # Written first, then reloaded so the view shows the stage, company and contact it now
            # points at.
            edit.session.flush()
            edit.session.expire(deal)
            changed = customfields.named_changes(edit.session, "deal", edit.changes())
            return Written(edit.op.id, deal=deal_view(edit.session, deal), changed=changed)

    @staticmethod
    def _move(edit: Edit[Deal], stage: str, now: datetime) -> None:
        deal = edit.record
        stage_row = find_stage(edit.session, edit.op.actor.workspace_id, stage, deal.stage.pipeline_id)
        if stage_row.id != deal.stage_id:
            move_deal(edit.op, deal, stage_row, now)
            what = ("won" if stage_row.is_won else "lost") if stage_row.is_closed else "stage"
            rooms.announce(edit.op, deal, what, {"stage": stage_row.name})

    @staticmethod
    def _relink(
        edit: Edit[Deal],
        *,
        owner: str | None,
        title: str | None,
        company: str | None,
        contact: Ref | None,
        new: bool = False,
    ) -> None:
        """A new owner, title, company or contact, each only when given."""
        s, deal, actor = edit.session, edit.record, edit.op.actor
        if owner is not None:
            deal.owner_id = user_by_slack(s, actor.workspace_id, owner).id
        if title:
            deal.title = fields.name(title, "deal title", "deal")
            deal.title_key = fold(deal.title)
        if company:
            company_row = find_company(s, edit.op, actor, company, create=True, new=new)
            if company_row is not None:
                deal.company_id = company_row.id
        if contact:
            deal.contact_id = find_contact(s, actor, contact, company).id

    def set_room(self, actor: Actor, ref: Ref, channel_id: str | None) -> Written:
        """Link the deal to its channel (or unlink it with None): whoever may change the deal."""
        with self.edit(actor, lambda op: find_deal(op.session, actor, ref, lock=True)) as edit:
            edit.record.room_channel_id = channel_id
            edit.session.flush()
            return Written(edit.op.id, deal=deal_view(edit.session, edit.record), changed=edit.changes())

    def advance_deal(self, actor: Actor, ref: Ref) -> Written:
        deal = self.resolve_deal(actor, ref)
        if deal.next_stage is None:
            raise Invalid("deal.stage.last", field="stage", title=deal.title, stage=deal.stage_name)
        return self.update_deal(actor, deal.id, stage=deal.next_stage)

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
        with self.read(actor) as s:
            q = select(Deal).join(PipelineStage, Deal.stage_id == PipelineStage.id)
            if tag:
                q = q.where(tagged(s, Deal.tags, tag))
            if owner:
                q = q.where(Deal.owner_id == user_by_slack(s, actor.workspace_id, owner).id)
            if stage:
                q = q.where(Deal.stage_id == find_stage(s, actor.workspace_id, stage).id)
            elif not include_closed:
                q = q.where(PipelineStage.is_closed.is_(False))
            q = q.order_by(PipelineStage.position, Deal.close_date.is_(None), Deal.close_date, Deal.id).limit(
                limit
            )
            return [deal_view(s, d) for d in s.scalars(q).unique()]

    def tag_deal(self, actor: Actor, ref: Ref, tags: list[str]) -> Written:
        """Tags added to those the deal has (under its lock, so two people tagging at once keep both)."""
        wanted = fields.tags(tags)
        if not wanted:
            raise Invalid("tags.missing", field="tags")

        def load(op: Op) -> Deal:
            return find_deal(op.session, actor, ref, lock=True)

        with self.edit(actor, load) as edit:
            deal = edit.record
            deal.tags = list(dict.fromkeys([*(deal.tags or []), *wanted]))
            return Written(edit.op.id, deal=deal_view(edit.session, deal), changed=edit.changes())

    def categorize_deal(self, actor: Actor, ref: Ref, category: str) -> Written:
        """The deal's forecast category (pipeline, best case, commit): its owner's call, or a manager's."""
        wanted = fold(category).replace("-", " ").replace("_", " ").strip()
        chosen = next((c for c in FORECAST_CATEGORIES if c.replace("_", " ") == wanted), None)
        if chosen is None:
            raise Invalid("deal.category.unknown", field="category", value=category)

        def load(op: Op) -> Deal:
            return find_deal(op.session, actor, ref, lock=True)

        with self.edit(actor, load) as edit:
            edit.record.forecast_category = chosen
            return Written(edit.op.id, deal=deal_view(edit.session, edit.record), changed=edit.changes())

    def pipeline(self, actor: Actor, *, owner: str | None = None) -> Pipeline:
        """Count and amounts (per currency) per stage, and per owner over open deals."""
        with self.read(actor) as s:
            ws = s.get(Workspace, actor.workspace_id)
            assert ws is not None
            if owner and not policy.sees_figures_of(actor, owner):
                policy.require(s, actor, "teammate figures")
            owner_id = user_by_slack(s, actor.workspace_id, owner).id if owner else None
            stages = workspace_stages(s, actor.workspace_id)
            several = len({st.pipeline_id for st in stages}) > 1
            first = stages[0].pipeline_id if stages else None
            stage_rows = [
                (st.id, stage_ref(st, first), stage_label(st, several), st.is_closed, st.probability)
                for st in stages
            ]
            # Read from the running totals (bot/services/totals.py), not by summing every deal: a few
            # dozen rows per workspace, added up here per stage, owner and currency.
            T = PipelineTotal
            q = select(T.stage_id, T.owner_key, T.currency, T.deals, T.amount).where(T.deals != 0)
            if owner_id is not None:
                q = q.where(T.owner_key == owner_id)
            counts: dict[int, int] = {}
            amounts: dict[int, list[Amounts]] = {}
            owner_counts: dict[int, int] = {}
            owner_amounts: dict[int, list[Amounts]] = {}
            open_ids = {r[0] for r in stage_rows if not r[3]}
            for stage_id, owner_key, currency, n, amount in s.execute(q):
                counts[stage_id] = counts.get(stage_id, 0) + int(n)
                amounts.setdefault(stage_id, []).append({currency: Decimal(amount)})
                if stage_id in open_ids:
                    owner_counts[owner_key] = owner_counts.get(owner_key, 0) + int(n)
                    owner_amounts.setdefault(owner_key, []).append({currency: Decimal(amount)})
            figures = [
                StageFigure(
                    key, name, counts.get(sid, 0), add_amounts(*amounts.get(sid, [])), bool(closed), chance
                )
                for sid, key, name, closed, chance in stage_rows
            ]
            slack_ids: dict[int, str] = {
                uid: sid
                for uid, sid in s.execute(
                    select(User.id, User.slack_id).where(User.id.in_(list(owner_counts)))
                )
            }
            owners = [
                OwnerFigure(slack_ids.get(key), n, add_amounts(*owner_amounts[key]))
                for key, n in owner_counts.items()
                if n and policy.sees_figures_of(actor, slack_ids.get(key))
            ]
            # Largest first, by the workspace's own currency, then by count.
            owners.sort(key=lambda o: (-o.amounts.get(ws.default_currency, Decimal(0)), -o.count))
            return Pipeline(figures, owners, ws.default_currency, owner)

    def closed(
        self, actor: Actor, start: date, end: date, owner: str | None = None, *, pipeline: str | None = None
    ) -> Closed:
        """Deals won and lost between two days (in the actor's zone), by when they actually closed."""
        with self.read(actor) as s:
            owner_row = user_by_slack(s, actor.workspace_id, owner) if owner else None
            return closed_deals(s, actor, start, end, owner_row, pipeline_named(s, actor, pipeline))

    def closed_per_period(
        self,
        actor: Actor,
        periods: list[tuple[date, date]],
        owner: str | None = None,
        *,
        pipeline: str | None = None,
    ) -> list[Closed]:
        """Deals won and lost in each of consecutive periods, read at once."""
        with self.read(actor) as s:
            owner_row = user_by_slack(s, actor.workspace_id, owner) if owner else None
            return closed_per_period(s, actor, periods, owner_row, pipeline_named(s, actor, pipeline))

    def activity(self, actor: Actor, start: date, end: date, owner: str | None = None) -> Activity:
        """What was logged between two days (in the actor's zone), by person and kind."""
        with self.read(actor) as s:
            owner_row = user_by_slack(s, actor.workspace_id, owner) if owner else None
            return activity(s, actor, start, end, owner_row)

    def activity_per_period(
        self, actor: Actor, periods: list[tuple[date, date]], owner: str | None = None
    ) -> list[Activity]:
        """What was logged in each of consecutive periods, read at once."""
        with self.read(actor) as s:
            owner_row = user_by_slack(s, actor.workspace_id, owner) if owner else None
            return activity_per_period(s, actor, periods, owner_row)

    def forecast(
        self, actor: Actor, start: date, end: date, owner: str | None = None, *, pipeline: str | None = None
    ) -> Forecast:
        """Open deals expected to close between two days, per stage."""
        with self.read(actor) as s:
            owner_row = user_by_slack(s, actor.workspace_id, owner) if owner else None
            today = today_in(actor.tz, self.clock())
            return forecast(s, actor, start, end, owner_row, today, pipeline_named(s, actor, pipeline))

    def cycle(
        self, actor: Actor, start: date, end: date, owner: str | None = None, *, pipeline: str | None = None
    ) -> Cycle:
        """Days from creation to close of the deals won between two days."""
        with self.read(actor) as s:
            owner_row = user_by_slack(s, actor.workspace_id, owner) if owner else None
            return cycle(s, actor, start, end, owner_row, pipeline_named(s, actor, pipeline))
