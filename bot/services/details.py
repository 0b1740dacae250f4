"""Pages that gather several record types: a contact with their latest interactions, open deals and
open tasks. Kept apart from contacts.py, which the deal, task and interaction services build on."""

from __future__ import annotations

from sqlalchemy import select

from bot.services.base import Actor, Ref, Service
from bot.services.contacts import contact_view, find_contact
from bot.services.deals import deal_view
from bot.services.interactions import interaction_view
from bot.services.tasks import task_view
from bot.services.views import ContactDetails
from models import Deal, Interaction, PipelineStage, Task


class Details(Service):
    def contact_details(self, actor: Actor, ref: Ref) -> ContactDetails:
        with self.read(actor) as s:
            contact = find_contact(s, actor, ref)
            interactions = s.scalars(
                select(Interaction)
                .where(Interaction.contact_id == contact.id)
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
                .where(Task.contact_id == contact.id, Task.done_at.is_(None))
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
