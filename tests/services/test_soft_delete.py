"""A deleted record is left out of every read by the session itself (bot/services/tenancy.py), with no
filter in the queries: lookups, lists, pages, totals and the bot's own unscoped scans; undo brings it back."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.services import CRM, Actor
from bot.services.errors import NotFound
from models import Contact, Deal, PipelineTotal, Task


def _world(crm: CRM, ann: Actor) -> None:
    crm.create_company(ann, "Acme", domain="acme.com")
    crm.create_contact(ann, "Jane Doe", email="jane@acme.com", company="Acme")
    crm.create_contact(ann, "Raj Patel", email="raj@acme.com", company="Acme")
    crm.create_deal(ann, "Acme renewal", company="Acme", contact="Jane Doe", amount="1000")
    crm.create_task(ann, "send Jane the quote", contact="Jane Doe")


def test_deleted_records_are_gone_from_lookups_lists_and_pages(crm: CRM, ann: Actor) -> None:
    _world(crm, ann)
    crm.delete_record(ann, "contact", "Jane Doe")
    crm.delete_record(ann, "deal", "Acme renewal")
    crm.delete_record(ann, "task", "send Jane the quote")

    with pytest.raises(NotFound):
        crm.resolve_contact(ann, "Jane Doe")
    with pytest.raises(NotFound):
        crm.resolve_deal(ann, "Acme renewal")
    assert [c.name for c in crm.find_contacts(ann, "jane@acme.com")] == []
    assert [c.name for c in crm.list_contacts(ann)[1]] == ["Raj Patel"]
    assert crm.list_deals(ann, include_closed=True) == []
    assert crm.list_tasks(ann) == []
    page = crm.company_details(ann, "Acme")
    assert ([c.name for c in page.contacts], page.contact_count, page.deals, page.tasks) == (
        ["Raj Patel"],
        1,
        [],
        [],
    )
    assert sum(s.count for s in crm.pipeline(ann).stages) == 0


def test_unscoped_sessions_leave_deleted_rows_out_too_unless_asked(crm: CRM, ann: Actor) -> None:
    _world(crm, ann)
    crm.delete_record(ann, "company", "Acme", with_records=True)
    with crm.sessions() as s:  # no workspace: the scheduler's and the planner's kind of session
        assert s.scalar(select(func.count()).select_from(Contact)) == 0
        assert s.scalar(select(func.count()).select_from(Deal)) == 0
        kept = s.scalar(select(func.count()).select_from(Contact).execution_options(include_deleted=True))
        assert kept == 2
        assert s.scalar(select(func.sum(PipelineTotal.deals))) == 0
        assert s.scalar(select(func.count()).select_from(Task)) == 1  # a task about Jane is not hers to lose


def test_undo_of_a_delete_brings_the_record_and_its_totals_back(crm: CRM, ann: Actor) -> None:
    _world(crm, ann)
    gone = crm.delete_record(ann, "deal", "Acme renewal")
    assert sum(s.count for s in crm.pipeline(ann).stages) == 0
    crm.undo(ann, gone.op_id)
    assert crm.resolve_deal(ann, "Acme renewal").amount == 1000
    assert sum(s.count for s in crm.pipeline(ann).stages) == 1
