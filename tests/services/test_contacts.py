from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.blocks.messages import describe
from bot.services import CRM, Actor, Ambiguous, Invalid, NotFound, PossibleDuplicate
from models import AuditEvent, Company, Contact


def count(crm: CRM, model: type) -> int:
    with crm.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_create_contact_with_new_company_is_audited(crm: CRM, ann: Actor) -> None:
    written = crm.create_contact(ann, "Jane Doe", email="Jane@Acme.com", company="Acme Corp", title="CTO")
    assert written.contact is not None
    assert (written.contact.name, written.contact.email, written.contact.company) == (
        "Jane Doe",
        "jane@acme.com",
        "Acme Corp",
    )
    assert written.contact.owner_slack_id == "UANN"
    with crm.sessions() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.op_id == written.op_id)).all()
        assert {(e.record_type, e.action) for e in events} == {("company", "create"), ("contact", "create")}
        contact_event = next(e for e in events if e.record_type == "contact")
        assert contact_event.before is None and contact_event.after["email"] == "jane@acme.com"
        assert contact_event.actor_id == ann.user_id


def test_invalid_email_writes_nothing(crm: CRM, ann: Actor) -> None:
    with pytest.raises(Invalid) as err:
        crm.create_contact(ann, "Jane Doe", email="jane-at-acme", company="Acme")
    assert err.value.field == "email" and "jane@acme.com" in (describe(err.value)[1] or "")
    assert (
        count(crm, Contact) == 0 and count(crm, Company) == 0 and count(crm, AuditEvent) == 1
    )  # the user's own row


def test_failure_midway_rolls_back_the_company_it_created(crm: CRM, ann: Actor) -> None:
    crm.create_contact(ann, "Jane Doe", email="jane@acme.com", company="Acme")
    companies = count(crm, Company)
    with pytest.raises(PossibleDuplicate):
        crm.create_contact(ann, "Someone Else", email="jane@acme.com", company="Brand New Co")
    assert count(crm, Company) == companies


def test_duplicate_by_email_and_by_close_name_at_same_company(crm: CRM, ann: Actor) -> None:
    first = crm.create_contact(ann, "Jane Doe", email="jane@acme.com", company="Acme Corp")
    with pytest.raises(PossibleDuplicate) as by_email:
        crm.create_contact(ann, "J. Doe", email="jane@acme.com")
    assert [c.id for c in by_email.value.existing] == [first.contact.id]  # type: ignore[union-attr]
    with pytest.raises(PossibleDuplicate) as by_name:
        crm.create_contact(ann, "Jane Doe", company="Acme Corp")
    assert by_name.value.existing[0].label == "Jane Doe"
    # A namesake at another company is a different person; forcing creates anyway.
    assert crm.create_contact(ann, "Jane Doe", company="Initech").contact is not None
    assert crm.create_contact(ann, "Jane Doe", company="Acme Corp", force=True).contact is not None


def test_typo_finds_the_record_and_close_names_are_ambiguous(crm: CRM, ann: Actor) -> None:
    crm.create_contact(ann, "Jane Doe", company="Acme")
    crm.create_contact(ann, "Jane Dodd", company="Initech")
    crm.create_contact(ann, "Tom Baker", company="Globex")
    assert crm.resolve_contact(ann, "Tom Bakr").name == "Tom Baker"
    assert crm.resolve_contact(ann, "jnae doe").name == "Jane Doe"
    with pytest.raises(Ambiguous) as err:
        crm.resolve_contact(ann, "Jane")
    assert {c.label for c in err.value.candidates} == {"Jane Doe", "Jane Dodd"}
    # The company named beside the person settles it.
    assert crm.resolve_contact(ann, "Jane", company="Acme").name == "Jane Doe"
    with pytest.raises(NotFound):
        crm.resolve_contact(ann, "Zebedee Quux")


def test_find_by_company_name_lists_its_people(crm: CRM, ann: Actor) -> None:
    crm.create_contact(ann, "Jane Doe", company="Acme")
    crm.create_contact(ann, "Joe Bloggs", company="Acme")
    assert {c.name for c in crm.find_contacts(ann, "acme")} == {"Jane Doe", "Joe Bloggs"}


def test_update_contact_records_before_and_after(crm: CRM, ann: Actor) -> None:
    crm.create_contact(ann, "Tom Baker", company="Globex")
    written = crm.update_contact(ann, "Tom Baker", lifecycle="customer", email="tom@globex.com")
    assert written.changed["lifecycle"] == ("prospect", "customer")
    with crm.sessions() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.op_id == written.op_id)).one()
    assert event.before == {"lifecycle": "prospect", "email": None}
    assert event.after == {"lifecycle": "customer", "email": "tom@globex.com"}
    with pytest.raises(Invalid):
        crm.update_contact(ann, "Tom Baker", lifecycle="vip")


def test_contact_details_show_interactions_deals_and_tasks(crm: CRM, ann: Actor) -> None:
    crm.create_contact(ann, "Jane Doe", company="Acme")
    crm.create_deal(ann, "Acme renewal", contact="Jane Doe", amount=50000)
    crm.log_interaction(
        ann, "call", "pricing", contact="Jane Doe", follow_up={"title": "send pricing", "due": "2026-12-01"}
    )
    details = crm.contact_details(ann, "Jane Doe")
    assert [i.summary for i in details.interactions] == ["pricing"]
    assert [d.title for d in details.deals] == ["Acme renewal"]
    assert [t.title for t in details.tasks] == ["send pricing"]
