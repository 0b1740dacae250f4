"""What each satisfaction answer carries for its report (its contact's owner now, whether the contact is
deleted, its company's name while on file: migration 0038) is kept by the database through every write
that changes them, on both databases: after each one the kept columns equal a recount from scratch
(the answers joined to their contacts and companies), and the report shows what the people see."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.services import CRM, Actor
from bot.services.dataio.importer import Importer
from models import Company, Contact
from tests.support.feedback_rows import same


def ids(crm: CRM, model: Any) -> dict[str, int]:
    with crm.sessions() as s:
        return dict(
            s.execute(select(model.name, model.id).execution_options(include_deleted=True)).tuples().all()
        )


def _world(crm: CRM, ann: Actor) -> None:
    crm.create_contact(ann, "Jane Doe", email="jane@acme.com", company="Acme")
    crm.create_contact(ann, "Tom Lee", email="tom@globex.com", company="Globex")
    crm.log_feedback(ann, "Jane Doe", "nps", 9)
    crm.log_feedback(ann, "Jane Doe", "csat", 4)
    crm.log_feedback(ann, "Tom Lee", "nps", 3)
    crm.log_feedback(ann, "Tom Lee", "nps", 10, company="Acme")  # about another company than his


def test_answers_follow_their_contacts_deletion_and_undo(crm: CRM, ann: Actor) -> None:
    _world(crm, ann)
    rows = same(crm)
    assert sorted(rows.values()) == [(ann.user_id, False, "Acme")] * 3 + [(ann.user_id, False, "Globex")]
    crm.update_contact(ann, "Tom Lee", company="Hooli")  # his answers stay about the company they named
    assert "Hooli" not in {r[2] for r in same(crm).values()}
    gone = crm.delete_record(ann, "contact", "Jane Doe")
    assert [r[1] for r in same(crm).values()].count(True) == 2
    assert crm.satisfaction(ann, *_today(crm)).team.nps_answers == 2  # Tom's two
    crm.undo(ann, gone.op_id)
    assert not any(r[1] for r in same(crm).values())
    assert crm.satisfaction(ann, *_today(crm)).team.nps_answers == 3


def test_answers_follow_their_company_renamed_deleted_and_merged(crm: CRM, ann: Actor) -> None:
    _world(crm, ann)
    renamed = crm.update_company(ann, "Acme", name="Acme Corp")
    assert sorted(r[2] for r in same(crm).values()) == ["Acme Corp"] * 3 + ["Globex"]
    gone = crm.delete_record(ann, "company", "Globex", with_records=True)  # Tom goes with it
    assert sorted((r[1], r[2] or "") for r in same(crm).values()) == [(False, "Acme Corp")] * 2 + [
        (True, ""),
        (True, "Acme Corp"),
    ]
    crm.undo(ann, gone.op_id)
    same(crm)
    companies = ids(crm, Company)
    merged = crm.merge(ann, "company", companies["Acme Corp"], companies["Globex"])
    assert sorted(r[2] or "" for r in same(crm).values()) == [""] + ["Acme Corp"] * 3  # Globex is deleted
    crm.undo(ann, merged.op_id)
    same(crm)
    crm.undo(ann, renamed.op_id)
    assert sorted(r[2] for r in same(crm).values()) == ["Acme"] * 3 + ["Globex"]


def test_answers_follow_merging_contacts_and_its_undo(crm: CRM, ann: Actor, bob: Actor) -> None:
    _world(crm, ann)
    crm.create_contact(bob, "Jane D.", email="jane.d@acme.com", company="Acme")
    crm.log_feedback(bob, "Jane D.", "csat", 2)
    people = ids(crm, Contact)
    merged = crm.merge(ann, "contact", people["Jane Doe"], people["Jane D."], keep={"owner_id": "b"})
    rows = same(crm)
    assert sorted((r[0], r[1]) for r in rows.values() if r[2] == "Acme") == [
        (ann.user_id, False),  # Tom's about Acme
        (bob.user_id, False),  # Jane's, her owner now Bob's
        (bob.user_id, False),
        (bob.user_id, True),  # Jane D.'s: merged away, deleted
    ]
    crm.undo(ann, merged.op_id)
    assert sorted(r[0] for r in same(crm).values()) == [ann.user_id] * 4 + [bob.user_id]


def test_answers_follow_an_import_and_its_undo(crm: CRM, ann: Actor, bob: Actor, tmp_path: Path) -> None:
    crm.set_role(ann, "UANN", "admin")
    _world(crm, ann)
    imp = Importer(crm.sessions)
    owners = tmp_path / "owners.csv"
    owners.write_text("Name,Email,Owner\nJane Doe,jane@acme.com,UBOB\n")
    moved = imp.run(ann, owners, "contact", mode="update")
    assert moved.updated == 1
    assert [r[0] for r in same(crm).values()].count(bob.user_id) == 2
    names = tmp_path / "companies.csv"
    names.write_text("Name,Domain\nNew Firm,newfirm.example\n")
    made = imp.run(ann, names, "company")
    assert made.created == 1
    crm.create_contact(ann, "Nia Okafor", company="New Firm")
    crm.log_feedback(ann, "Nia Okafor", "nps", 8)
    assert "New Firm" in {r[2] for r in same(crm).values()}
    imp.undo(ann, moved.batch_id)
    assert {r[0] for r in same(crm).values()} == {ann.user_id}


def _today(crm: CRM) -> tuple[date, date]:
    """The days around now, whatever the reader's zone."""
    day = crm.now().date()
    return day - timedelta(days=1), day + timedelta(days=1)
