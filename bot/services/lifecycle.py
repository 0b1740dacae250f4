"""Lifecycle that moves with what happens to deals (the README's "Lifecycle" says the same in words).

prospect → lead → customer → loyal → advocate, for a deal's contact and its company (the contact's
company when the deal names none):

- a deal made for them, still open, makes a prospect a lead;
- their first won deal makes them customers;
- a second won deal, or a deal won in a renewals pipeline, makes them loyal;
- advocate is only ever set by a person, and nothing here moves anyone backwards (a deal reopened, or
  a person who set a later stage by hand, stays where they are).

Each move is written in the op of the deal change that caused it: audited as that person's act (the
timeline shows it as the bot's, for them, because of that deal) and undone with it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.base import Op, lock_row
from models import Company, Contact, Deal, Pipeline, PipelineStage
from models.entities import LIFECYCLES

RANK = {name: i for i, name in enumerate(LIFECYCLES)}


def _won_deals(s: Session, column: Any, record_id: int) -> int:
    """How many won deals name the record (at most two: that is all the rule asks)."""
    rows = s.scalars(
        select(Deal.id)
        .join(PipelineStage, Deal.stage_id == PipelineStage.id)
        .where(column == record_id, PipelineStage.is_won.is_(True))
        .limit(2)
    ).all()
    return len(rows)


def _parties(s: Session, deal: Deal) -> list[Contact | Company]:
    contact = lock_row(s, Contact, deal.contact_id) if deal.contact_id else None
    company_id = deal.company_id or (contact.company_id if contact is not None else None)
    company = lock_row(s, Company, company_id) if company_id else None
    return [r for r in (contact, company) if r is not None]


def _forward(record: Contact | Company, to: str) -> None:
    if RANK[to] > RANK.get(record.lifecycle, 0):
        record.lifecycle = to


def after_deal_written(op: Op, deal: Deal, *, was_won: bool, made: bool = False) -> None:
    """A deal was made or moved (flushed already): move its contact and company on if it was won now,
    or if it was made open for them."""
    s = op.session
    stage = s.get(PipelineStage, deal.stage_id)
    assert stage is not None
    if stage.is_won and not was_won:
        pipeline = s.get(Pipeline, stage.pipeline_id)
        renewal = pipeline is not None and pipeline.is_renewal
        for record in _parties(s, deal):
            column = Deal.contact_id if isinstance(record, Contact) else Deal.company_id
            won = _won_deals(s, column, record.id)
            _forward(record, "loyal" if renewal or won >= 2 else "customer")
    elif made and not stage.is_closed:
        for record in _parties(s, deal):
            _forward(record, "lead")
    s.flush()
