"""Pages that gather several record types: a contact with their latest interactions, open deals and
open tasks; a company with its people, open deals and their totals, latest activity and open tasks.
Kept apart from contacts.py and companies.py, which the deal, task and interaction services build on."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select

from bot.services import customfields, targets
from bot.services.base import Actor, Ref, Service
from bot.services.companies import company_view, find_company
from bot.services.contacts import contact_view, find_contact
from bot.services.deals import deal_view, find_deal
from bot.services.errors import NotFound
from bot.services.interactions import interaction_view
from bot.services.tasks import task_view
from bot.services.views import CompanyDetails, ContactDetails, add_amounts
from models import Contact, Deal, Interaction, PipelineStage, Task


class Details(Service):
    def contact_details(self, actor: Actor, ref: Ref) -> ContactDetails:
        with self.read(actor) as s:
            contact = find_contact(s, actor, ref)
            interactions = s.scalars(
                select(Interaction)
                .where(targets.linked_to(Interaction, actor.workspace_id, "contact", contact.id))
                .order_by(Interaction.occurred_at.desc())
                .limit(5)
            ).all()
            deals = s.scalars(
                select(Deal)
                .join(PipelineStage, Deal.stage_id == PipelineStage.id)
                .where(Deal.contact_id == contact.id, PipelineStage.is_closed.is_(False))
                .order_by(Deal.close_date)
                .limit(10)
            ).all()
            tasks = s.scalars(
                select(Task)
                .where(
                    targets.linked_to(Task, actor.workspace_id, "contact", contact.id), Task.done_at.is_(None)
                )
                .order_by(Task.due_utc)
                .limit(10)
            ).all()
            now = self.now()
            return ContactDetails(
                contact_view(s, contact),
                [interaction_view(s, i) for i in interactions],
                [deal_view(s, d) for d in deals],
                [task_view(s, t, now) for t in tasks],
            )

    def company_details(self, actor: Actor, ref: Ref) -> CompanyDetails:
        with self.read(actor) as s:
            company = find_company(s, None, actor, ref, create=False)
            if company is None:
                raise NotFound("record.not_found", kind="company", ref=str(ref))
            people = select(Contact.id).where(Contact.company_id == company.id)
            open_deals = (
                select(Deal)
                .join(PipelineStage, Deal.stage_id == PipelineStage.id)
                .where(Deal.company_id == company.id, PipelineStage.is_closed.is_(False))
            )
            every_deal = select(Deal.id).where(Deal.company_id == company.id)
            # The first ten people and how many there are in all, in one read (a window over the company's).
            page = s.execute(
                select(Contact, func.count().over())
                .where(Contact.company_id == company.id)
                .order_by(Contact.name_key, Contact.id)
                .limit(10)
            ).all()
            contacts = [c for c, _n in page]
            contact_count = int(page[0][1]) if page else 0
            deals = s.scalars(open_deals.order_by(Deal.close_date, Deal.id).limit(10)).all()
            # Every open deal counts in the totals, not only the ten listed; never added across currencies.
            sums = s.execute(
                select(Deal.currency, func.count(), func.sum(Deal.amount))
                .join(PipelineStage, Deal.stage_id == PipelineStage.id)
                .where(Deal.company_id == company.id, PipelineStage.is_closed.is_(False))
                .group_by(Deal.currency)
            ).all()
            interactions = s.scalars(
                select(Interaction)
                .where(
                    or_(
                        targets.linked_to(Interaction, actor.workspace_id, "company", company.id),
                        targets.linked_to_any(Interaction, actor.workspace_id, "contact", people),
                        targets.linked_to_any(Interaction, actor.workspace_id, "deal", every_deal),
                    )
                )
                .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
                .limit(5)
            ).all()
            tasks = s.scalars(
                select(Task)
                .where(
                    Task.done_at.is_(None),
                    or_(
                        targets.linked_to_any(Task, actor.workspace_id, "contact", people),
                        targets.linked_to_any(Task, actor.workspace_id, "deal", every_deal),
                    ),
                )
                .order_by(Task.due_utc, Task.id)
                .limit(10)
            ).all()
            now = self.now()
            return CompanyDetails(
                company_view(s, company),
                [contact_view(s, c) for c in contacts],
                contact_count,
                [deal_view(s, d) for d in deals],
                sum(int(n) for _c, n, _a in sums),
                add_amounts(*({c: Decimal(a)} for c, _n, a in sums if a is not None)),
                [interaction_view(s, i) for i in interactions],
                [task_view(s, t, now) for t in tasks],
            )

    def custom_values(self, actor: Actor, record_type: str, ref: Ref) -> dict[str, Any]:
        """A contact's, company's or deal's values of the workspace's own fields, by field name, every
        field of its type present (None where it has no value): what an export writes with the record."""
        with self.read(actor) as s:
            record: Any
            if record_type == "contact":
                record = find_contact(s, actor, ref)
            elif record_type == "deal":
                record = find_deal(s, actor, ref)
            else:
                record = find_company(s, None, actor, ref, create=False)
                if record is None:
                    raise NotFound("record.not_found", kind="company", ref=str(ref))
            return customfields.by_name(s, record_type, record.custom)
