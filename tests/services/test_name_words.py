"""A reference with a slip is matched word by word against the words of the names on file (table
``name_words``, migration 0029), kept by every writer of a name: the services, imports, the bench seeder."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select

from bot.services import CRM, Actor
from bot.services.namewords import near
from models import NameWord
from models.search import spellings


def _words(crm: CRM, kind: str) -> set[str]:
    with crm.sessions() as s:
        return set(s.scalars(select(NameWord.word).where(NameWord.kind == kind)))


def test_a_word_is_filed_under_itself_and_each_spelling_one_letter_shorter() -> None:
    assert spellings("dale") == {"dale", "ale", "dle", "dae", "dal"}
    assert spellings("amy") == {"amy"}  # short words only as they are
    assert spellings("2024") == {"2024"}


def test_names_written_through_the_services_have_their_words_filed(crm: CRM, ann: Actor) -> None:
    crm.create_contact(ann, "Sofia Brightdale", company="Ørsted Wind A/S")
    crm.create_deal(ann, "Orsted expansion 40 seats", company="Ørsted Wind A/S")
    assert {"sofia", "brightdale"} <= _words(crm, "contacts")
    assert {"ørsted", "wind"} <= _words(crm, "companies")
    assert {"orsted", "expansion", "40", "seats"} <= _words(crm, "deals")
    crm.update_contact(ann, "Sofia Brightdale", name="Sofia Haugen")
    assert "haugen" in _words(crm, "contacts")


def test_the_words_one_slip_from_a_reference_word_are_found(crm: CRM, ann: Actor) -> None:
    for name in ("Randy Ashwood", "Grace Rosebridge", "Ashley Wood"):
        crm.create_contact(ann, name)
    with crm.sessions() as s:
        found = near(s, ann.workspace_id, "contacts", ["sahwood", "rosrbidge", "grcae", "randy", "zzzz"])
    assert found["sahwood"] == {"ashwood"}  # two letters swapped
    assert found["rosrbidge"] == set()  # two slips: left to the slower passes
    assert found["grcae"] == {"grace"}
    assert found["randy"] == {"randy"}
    assert found["zzzz"] == set()


def test_a_slip_in_each_word_finds_the_one_person_in_few_statements(crm: CRM, ann: Actor) -> None:
    for name in ("Randy Ashwood", "Randy Ashford", "Mandy Ashwood", "Grace Rosebridge"):
        crm.create_contact(ann, name)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = crm.sessions.kw["bind"]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        found = crm.find_contacts(ann, "Radny Ashwod")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert [c.name for c in found][:1] == ["Randy Ashwood"], statements
    # The exact name, the words one slip away, the names holding them, then the cards: not every pass.
    assert len([s for s in statements if "FROM contacts" in s and "name_words" not in s]) <= 3


def test_a_company_named_with_a_legal_suffix_it_does_not_carry_is_found(crm: CRM, ann: Actor) -> None:
    crm.create_company(ann, "Beacongate Logistics")
    crm.create_company(ann, "Beacongate Foods")
    found = crm.resolve_company(ann, "Beacongte Logistics LLC")
    assert found.name == "Beacongate Logistics"


@pytest.mark.parametrize("kind", ["contacts", "companies"])
def test_an_import_files_the_words_of_the_names_it_wrote(
    crm: CRM, ann: Actor, tmp_path: Any, kind: str
) -> None:
    from bot.services.dataio.importer import Importer

    path = tmp_path / "in.csv"
    if kind == "contacts":
        path.write_text("Name,Email,Company\nWanjiru Kamau,w@safaricom.example,Safaricom\n", encoding="utf-8")
        Importer(crm.sessions).run(ann, path, "contact")
        assert {"wanjiru", "kamau"} <= _words(crm, "contacts")
        assert "safaricom" in _words(crm, "companies")
    else:
        path.write_text("Name,Domain\nKuda Microfinance,kuda.example\n", encoding="utf-8")
        Importer(crm.sessions).run(ann, path, "company")
        assert {"kuda", "microfinance"} <= _words(crm, "companies")
