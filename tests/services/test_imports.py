"""Imports in the service layer, on both databases: other CRMs' exports land as records, bad rows are
reported with their reason, duplicates are skipped, updated or merged, and an import is undone whole."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.services import CRM, Actor
from bot.services.dataio.importer import Importer
from bot.services.dataio.tabular import NotATable
from bot.services.errors import Forbidden
from models import Company, Contact, Deal, ImportBatch, Interaction, PipelineTotal, Task

FIXTURES = Path(__file__).parent / "fixtures" / "imports"


def rows(crm: CRM, model: type, *where: object) -> list:
    with crm.sessions() as s:
        return list(s.scalars(select(model).where(*where)))


def report(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_a_hubspot_contact_export_lands_and_its_bad_rows_are_reported(
    crm: CRM, ann: Actor, tmp_path: Path
) -> None:
    out = tmp_path / "bad.csv"
    result = Importer(crm.sessions).run(ann, FIXTURES / "hubspot_contacts.csv", "contact", report=out)
    assert (result.rows, result.created, result.bad) == (4, 2, 2)
    by_email = {c.email: c for c in rows(crm, Contact)}
    jane = by_email["jane@acme.com"]
    assert (jane.name, jane.title, jane.lifecycle, jane.phone) == (
        "Jane Doe",
        "CTO",
        "customer",
        "+1 555 0100",
    )
    assert jane.company is not None and jane.company.name == "Acme Corp"
    assert by_email["raj@globex.com"].lifecycle == "lead"
    assert jane.import_batch == result.batch_id and jane.owner_id == ann.user_id
    lines = report(out)
    assert lines[0][:3] == ["Row", "Reason", "Record ID"]
    reasons = {line[0]: line[1] for line in lines[1:]}
    assert "not-an-email" in reasons["4"] and "not an email address" in reasons["4"]
    # Row 5 spans two lines in the file (a quoted title), and its date does not exist.
    assert "2024-02-30" in reasons["5"] and "does not exist" in reasons["5"]
    (batch,) = rows(crm, ImportBatch)
    assert (batch.created, batch.bad, batch.actor_id) == (2, 2, ann.user_id)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("salesforce_contacts.csv", {"marta@umbrella.com": ("Marta Lopez", "Umbrella")}),
        (
            "pipedrive_people.csv",
            {
                "jurgen@bosch.de": ("Jürgen Müller", "Bosch GmbH"),
                "zoe@volvo.se": ("Zoë Ångström", "Volvo AB"),
            },
        ),
        ("zoho_contacts.csv", {"jose@telefonica.es": ("José García", "Telefónica")}),
        ("plain_bom.csv", {"plain@example.com": ("Plain Person", "Example Ltd")}),
    ],
)
def test_each_crms_contact_export_is_read_whatever_its_encoding_and_delimiter(
    crm: CRM, ann: Actor, name: str, expected: dict[str, tuple[str, str]]
) -> None:
    result = Importer(crm.sessions).run(ann, FIXTURES / name, "contact")
    assert result.bad == 0
    found = {c.email: (c.name, c.company.name if c.company else None) for c in rows(crm, Contact)}
    for email, want in expected.items():
        assert found[email] == want
    if name == "pipedrive_people.csv":
        (jurgen,) = rows(crm, Contact, Contact.email == "jurgen@bosch.de")
        assert jurgen.tags == ["vip", "de"]


def test_deals_from_three_crms_with_stages_amounts_and_bad_rows(crm: CRM, ann: Actor, tmp_path: Path) -> None:
    imp = Importer(crm.sessions)
    imp.run(ann, FIXTURES / "pipedrive_people.csv", "contact")
    out = tmp_path / "bad.csv"
    # Its one slashed day (07/04/2025) could be either: said, as a US export's are, month first.
    hub = imp.run(ann, FIXTURES / "hubspot_deals.csv", "deal", report=out, dates="mdy")
    assert (hub.created, hub.bad) == (2, 3)
    reasons = " | ".join(line[1] for line in report(out)[1:])
    assert "“abc” is not a number" in reasons and "2025-02-30" in reasons and "nonsense stage" in reasons
    sf = imp.run(ann, FIXTURES / "salesforce_opportunities.csv", "deal")
    pd = imp.run(ann, FIXTURES / "pipedrive_deals.csv", "deal")
    assert (sf.created, pd.created) == (2, 1)
    deals = {d.title: d for d in rows(crm, Deal)}
    acme = deals["Acme renewal"]
    assert (acme.amount, acme.stage.key, acme.closed_at is not None) == (Decimal("12500.00"), "won", True)
    assert deals["Hooli upsell"].close_date.isoformat() == "2025-07-04"
    umbrella = deals["Umbrella platform"]
    assert (umbrella.currency, umbrella.stage.key, umbrella.amount) == (
        "EUR",
        "negotiation",
        Decimal("45000.00"),
    )
    assert deals["Umbrella lost"].stage.key == "lost"
    bosch = deals["Bosch robots"]
    assert bosch.contact is not None and bosch.contact.email == "jurgen@bosch.de"
    assert bosch.company is not None and bosch.company.name == "Bosch GmbH"
    # The pipeline's running totals count the imported deals, per currency.
    totals = {(t.currency, t.deals) for t in rows(crm, PipelineTotal) if t.deals}
    assert ("EUR", 1) in totals or ("EUR", 2) in {(c, n) for c, n in totals}


def test_tasks_and_notes_attach_to_what_they_name(crm: CRM, ann: Actor, tmp_path: Path) -> None:
    imp = Importer(crm.sessions)
    imp.run(ann, FIXTURES / "hubspot_contacts.csv", "contact")
    imp.run(ann, FIXTURES / "hubspot_deals.csv", "deal", dates="mdy")
    out = tmp_path / "bad.csv"
    tasks = imp.run(ann, FIXTURES / "plain_tasks.csv", "task", report=out)
    assert (tasks.created, tasks.bad) == (2, 1)
    assert "Nobody Known" in report(out)[1][1]
    by_title = {t.title: t for t in rows(crm, Task)}
    jane = rows(crm, Contact, Contact.email == "jane@acme.com")[0]
    (acme,) = rows(crm, Deal, Deal.title == "Acme renewal")
    send = by_title["Send pricing"]
    assert (send.contact_id, send.deal_id, send.done_at) == (jane.id, acme.id, None)
    assert send.due_utc is not None and send.due_utc.hour == 13  # 09:00 in New York
    assert by_title["Call back"].done_at is not None
    notes = imp.run(ann, FIXTURES / "plain_notes.csv", "interaction")
    assert notes.created == 2
    calls = {i.kind: i for i in rows(crm, Interaction)}
    assert calls["call"].contact_id == jane.id and "a discount" in calls["call"].summary


def test_duplicates_are_skipped_updated_or_merged_and_undone(crm: CRM, ann: Actor, tmp_path: Path) -> None:
    crm.create_contact(ann, "Jane Doe", email="jane@acme.com", title="Engineer", company="Acme Corp")
    crm.create_contact(ann, "Raj Patel", company="Globex")
    imp = Importer(crm.sessions)
    dry = imp.run(ann, FIXTURES / "hubspot_contacts.csv", "contact", dry_run=True)
    assert (dry.new, dry.matching, dry.bad) == (0, 2, 2)
    assert rows(crm, ImportBatch) == [] and len(rows(crm, Contact)) == 2
    skipped = imp.run(ann, FIXTURES / "hubspot_contacts.csv", "contact")
    assert (skipped.created, skipped.updated, skipped.skipped) == (0, 0, 2)
    merged = imp.run(ann, FIXTURES / "hubspot_contacts.csv", "contact", mode="merge")
    jane = rows(crm, Contact, Contact.email == "jane@acme.com")[0]
    raj = rows(crm, Contact, Contact.name == "Raj Patel")[0]
    assert (jane.title, jane.phone) == ("Engineer", "+1 555 0100")  # kept hers, filled the gap
    assert raj.email == "raj@globex.com"  # matched by name and company
    updated = imp.run(ann, FIXTURES / "hubspot_contacts.csv", "contact", mode="update")
    assert updated.updated == 2
    assert rows(crm, Contact, Contact.email == "jane@acme.com")[0].title == "CTO"
    undone = imp.undo(ann, updated.batch_id)
    assert undone.restored == 2
    assert rows(crm, Contact, Contact.email == "jane@acme.com")[0].title == "Engineer"
    imp.undo(ann, merged.batch_id)
    jane = rows(crm, Contact, Contact.email == "jane@acme.com")[0]
    raj = rows(crm, Contact, Contact.name == "Raj Patel")[0]
    assert (jane.phone, raj.email) == (None, None)


def test_an_import_is_undone_whole_but_not_over_later_work(crm: CRM, ann: Actor) -> None:
    imp = Importer(crm.sessions)
    result = imp.run(ann, FIXTURES / "hubspot_contacts.csv", "contact")
    assert len(rows(crm, Contact)) == 2 and len(rows(crm, Company)) == 2  # Acme Corp, Globex made on the way
    crm.update_contact(ann, "raj@globex.com", title="Director")
    undone = imp.undo(ann, result.batch_id)
    assert (undone.deleted, undone.kept) == (2, 2)  # Jane and Acme went; Raj (changed) and Globex (his) stay
    assert [c.email for c in rows(crm, Contact)] == ["raj@globex.com"]
    assert [c.name for c in rows(crm, Company)] == ["Globex"]
    with pytest.raises(Exception, match="import"):
        imp.undo(ann, result.batch_id)


def test_new_records_are_numbered_in_the_files_order_whatever_their_names(
    crm: CRM, ann: Actor, tmp_path: Path
) -> None:
    # PostgreSQL writes the new rows in their names' order (cheaper on the name indexes); the ids,
    # and so what was added first, still follow the file.
    path = tmp_path / "people.csv"
    names = ["Zoe Young", "Adam Baker", "Mia Stone", "Ben Ash"]
    path.write_text("Name,Email\n" + "".join(f"{n},{n.split()[0].lower()}@x.example\n" for n in names))
    result = Importer(crm.sessions).run(ann, path, "contact")
    assert result.created == 4
    with crm.sessions() as s:
        made = list(s.scalars(select(Contact.name).order_by(Contact.id)))
    assert made == names


def test_a_file_that_is_not_a_table_says_so(crm: CRM, ann: Actor, tmp_path: Path) -> None:
    pdf = tmp_path / "scan.csv"
    pdf.write_bytes(b"%PDF-1.4\n\x00\x01binary")
    with pytest.raises(NotATable, match="PDF"):
        Importer(crm.sessions).run(ann, pdf, "contact")
    prose = tmp_path / "letter.txt"
    prose.write_text("Dear team\nplease find attached\n")
    with pytest.raises(NotATable, match="columns"):
        Importer(crm.sessions).run(ann, prose, "contact")


def test_only_managers_may_update_what_exists(crm: CRM, ann: Actor, bob: Actor) -> None:
    with pytest.raises(Forbidden):
        Importer(crm.sessions).run(bob, FIXTURES / "hubspot_contacts.csv", "contact", mode="update")
    assert rows(crm, Contact) == []


def test_an_excel_workbook_is_read_from_its_first_sheet(crm: CRM, ann: Actor, tmp_path: Path) -> None:
    """A workbook is known by what it holds, whatever its name: typed cells (numbers, days) read as the
    same values a CSV gives, and its bad rows reported by the row number Excel shows."""
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Deals"
    sheet.append(["Deal Name", "Amount", "Deal Stage", "Close Date", "Company"])
    sheet.append(["Zeta renewal", 1200.5, "won", datetime(2025, 3, 31), "Zeta Works"])
    sheet.append(["Zeta pilot", 7, "lead", None, "Zeta Works"])
    sheet.append(["Broken", "lots", "lead", None, "Zeta Works"])
    path = tmp_path / "deals-export"  # no suffix: the content says what it is
    book.save(path)
    out = tmp_path / "bad.csv"
    result = Importer(crm.sessions).run(ann, path, "deal", report=out)
    assert (result.rows, result.created, result.bad) == (3, 2, 1)
    assert "workbook" in result.layout and "Deals" in result.layout
    by_title = {d.title: d for d in rows(crm, Deal)}
    renewal = by_title["Zeta renewal"]
    assert renewal.amount == Decimal("1200.50") and str(renewal.close_date) == "2025-03-31"
    assert by_title["Zeta pilot"].amount == Decimal("7.00")
    (bad,) = report(out)[1:]
    assert bad[0] == "4" and "lots" in bad[1]


def test_columns_named_like_custom_fields_fill_them_checked_by_their_kind(
    crm: CRM, ann: Actor, tmp_path: Path
) -> None:
    """A column named as a workspace's own field (as its export writes it, or plainly) fills that field,
    each value read as the field reads it; a value of the wrong kind is a bad row with its reason; a
    column naming no field is left out and said so, never made into a field."""
    crm.add_custom_field(ann, "contact", "Region", "choice", ["EMEA", "APAC"])
    crm.add_custom_field(ann, "contact", "Seats", "number")
    crm.add_custom_field(ann, "contact", "Renewal Date", "date")
    crm.add_custom_field(ann, "contact", "Nickname", "text")
    source = tmp_path / "people.csv"
    source.write_text(
        "Name,Email,region,Custom: Seats,renewal_date,Nickname,Shoe Size\n"
        'Jane Doe,jane@acme.com,emea,"1,250.50",2026-12-15,JD,42\n'
        "Raj Patel,raj@globex.com,Mars,3,,,\n"
        "Kim Lee,kim@initech.com,APAC,lots,,,\n"
        "Ola Nordmann,ola@equinor.no,,,02/30/2026,,\n"
        "Ana Silva,ana@petrobras.br,,,03/04/2026,,\n",
        encoding="utf-8",
    )
    out = tmp_path / "bad.csv"
    dry = Importer(crm.sessions).run(ann, source, "contact", dry_run=True)
    mapped = {dry.headers[i]: dry.label(f) for i, f in dry.mapping.items()}
    assert mapped["region"] == "Region (custom field)" and mapped["Custom: Seats"] == "Seats (custom field)"
    assert mapped["renewal_date"] == "Renewal Date (custom field)" and dry.unmapped == ["Shoe Size"]
    result = Importer(crm.sessions).run(ann, source, "contact", report=out)
    assert (result.created, result.bad) == (2, 3)
    reasons = {line[0]: line[1] for line in report(out)[1:]}
    assert "Mars" in reasons["3"] and "EMEA, APAC" in reasons["3"], reasons
    assert "“lots” is not a number" in reasons["4"], reasons
    assert "2026-02-30" in reasons["5"] or "02/30/2026" in reasons["5"], reasons
    by_email = {c.email: c for c in rows(crm, Contact)}
    assert crm.custom_values(ann, "contact", "jane@acme.com") == {
        "Region": "EMEA",
        "Seats": Decimal("1250.5"),
        "Renewal Date": date(2026, 12, 15),
        "Nickname": "JD",
    }
    assert crm.custom_values(ann, "contact", "ana@petrobras.br")["Renewal Date"] == date(2026, 3, 4)
    assert set(by_email) == {"jane@acme.com", "ana@petrobras.br"}
    from models import CustomField

    assert [f.name for f in rows(crm, CustomField)] == ["Region", "Seats", "Renewal Date", "Nickname"]


def test_custom_values_are_updated_or_merged_field_by_field_and_undone(
    crm: CRM, ann: Actor, tmp_path: Path
) -> None:
    crm.add_custom_field(ann, "deal", "Score", "number")
    crm.add_custom_field(ann, "deal", "Tier", "choice", ["gold", "silver"])
    crm.create_deal(ann, "Acme renewal", amount="100", custom={"Score": "5"})
    source = tmp_path / "deals.csv"
    source.write_text("Title,Score,Tier\nAcme renewal,9,gold\n", encoding="utf-8")
    imp = Importer(crm.sessions)
    merged = imp.run(ann, source, "deal", mode="merge")
    assert crm.custom_values(ann, "deal", "Acme renewal") == {"Score": Decimal("5"), "Tier": "gold"}
    updated = imp.run(ann, source, "deal", mode="update")
    assert updated.updated == 1
    assert crm.custom_values(ann, "deal", "Acme renewal") == {"Score": Decimal("9"), "Tier": "gold"}
    imp.undo(ann, updated.batch_id)
    assert crm.custom_values(ann, "deal", "Acme renewal") == {"Score": Decimal("5"), "Tier": "gold"}
    imp.undo(ann, merged.batch_id)
    assert crm.custom_values(ann, "deal", "Acme renewal") == {"Score": Decimal("5"), "Tier": None}


def test_a_deal_names_its_pipeline_and_the_stage_is_that_pipelines(
    crm: CRM, ann: Actor, tmp_path: Path
) -> None:
    crm.add_pipeline(ann, "Renewals", renewal=True)
    source = tmp_path / "deals.csv"
    source.write_text(
        "Title,Pipeline,Stage,Forecast Category\n"
        "Acme new,Sales,Won,Commit\n"
        "Acme again,Renewals,Won,best case\n"
        "Acme later,Renewals,,\n"
        "Acme nowhere,Upsells,Lead,\n"
        "Acme odd,Sales,Lead,maybe\n",
        encoding="utf-8",
    )
    out = tmp_path / "bad.csv"
    result = Importer(crm.sessions).run(ann, source, "deal", report=out)
    assert (result.created, result.bad) == (3, 2)
    reasons = {line[0]: line[1] for line in report(out)[1:]}
    assert "“Upsells” is not a pipeline here" in reasons["5"] and "renewals" in reasons["5"], reasons
    assert "“maybe” is not a forecast category" in reasons["6"], reasons
    deals = {d.title: d for d in rows(crm, Deal)}
    assert (deals["Acme new"].stage.pipeline.name, deals["Acme new"].stage.key) == ("Sales", "won")
    assert (deals["Acme again"].stage.pipeline.name, deals["Acme again"].stage.key) == ("Renewals", "won")
    assert deals["Acme again"].closed_at is not None
    assert (deals["Acme later"].stage.pipeline.name, deals["Acme later"].stage.key) == ("Renewals", "lead")
    assert [deals[t].forecast_category for t in ("Acme new", "Acme again", "Acme later")] == [
        "commit",
        "best_case",
        "pipeline",
    ]


def test_a_custom_field_named_like_a_newer_column_still_maps_to_itself(
    crm: CRM, ann: Actor, tmp_path: Path
) -> None:
    """A team's deal field "Pipeline" (made before deals had pipelines): the export writes the deal's own
    column first and the field's after it, and each goes back where it came from."""
    crm.add_custom_field(ann, "deal", "Pipeline", "text")
    source = tmp_path / "deals.csv"
    source.write_text("Title,Pipeline,Stage,Pipeline\nAcme new,Sales,Won,inbound\n", encoding="utf-8")
    result = Importer(crm.sessions).run(ann, source, "deal")
    assert [result.label(f) for _, f in sorted(result.mapping.items())] == [
        "Title",
        "Pipeline",
        "Stage",
        "Pipeline (custom field)",
    ]
    assert crm.custom_values(ann, "deal", "Acme new") == {"Pipeline": "inbound"}


def test_an_import_that_moves_deals_writes_their_stage_history_and_its_undo_takes_it_back(
    crm: CRM, ann: Actor, tmp_path: Path
) -> None:
    from models import DealStageChange, PipelineStage

    def table() -> list[tuple[object, ...]]:
        with crm.sessions() as s:
            return [
                tuple(r) for r in s.execute(select(*DealStageChange.__table__.c).order_by(DealStageChange.id))
            ]

    crm.create_deal(ann, "Acme renewal", amount="1000")
    crm.create_deal(ann, "Globex pilot", amount="700")
    before = table()
    path = tmp_path / "deals.csv"
    path.write_text("Deal,Amount,Stage\nAcme renewal,5000,proposal\nGlobex pilot,700,\n")
    done = Importer(crm.sessions).run(ann, path, "deal", mode="update")
    assert done.updated == 2
    with crm.sessions() as s:
        stages = {i: k for i, k in s.execute(select(PipelineStage.id, PipelineStage.key))}
        acme = s.scalar(select(Deal.id).where(Deal.title == "Acme renewal"))
        moved = list(s.scalars(select(DealStageChange).where(DealStageChange.deal_id == acme).order_by("id")))
    assert [stages[r.stage_id] for r in moved] == ["lead", "proposal"]
    assert moved[-1].amount == Decimal("5000.00") and moved[-1].op_id == done.batch_id
    assert moved[0].valid_until == moved[-1].at and moved[-1].from_entered_at == moved[0].entered_at
    assert len(table()) == len(before) + 1  # Globex pilot: nothing it follows changed
    Importer(crm.sessions).undo(ann, done.batch_id)
    assert table() == before


def test_an_owner_is_found_by_first_name_as_in_a_message_when_one_person_has_it(
    crm: CRM, ann: Actor, bob: Actor, tmp_path: Path
) -> None:
    crm.register_user("T1", "UCARA", name="Cara Diaz", tz="UTC", email="cdiaz@example.com")
    crm.register_user("T1", "UCAL", name="Cara Lind", tz="UTC")
    path = tmp_path / "owners.csv"
    path.write_text(
        "Name,Email,Owner\nMia Wong,mia@x.io,bob\nTom Ray,tom@x.io,cdiaz\nLee Park,lee@x.io,cara\n"
    )
    out = tmp_path / "bad.csv"
    result = Importer(crm.sessions).run(ann, path, "contact", report=out)
    assert (result.created, result.bad) == (2, 1)
    owners = {c.email: c.owner_id for c in rows(crm, Contact)}
    assert owners["mia@x.io"] == bob.user_id
    assert owners["tom@x.io"] == crm.teammate(ann, "UCARA").id
    # Two people are called Cara: which one is not guessed, and the reason says so.
    assert "“cara” is more than one person" in report(out)[1][1]


def test_a_currency_code_that_does_not_exist_is_a_bad_row_not_money(
    crm: CRM, ann: Actor, tmp_path: Path
) -> None:
    src = tmp_path / "deals.csv"
    src.write_text("Deal Name,Amount,Currency\nReal one,100,EUR\nMade up,100,XYZ\n", encoding="utf-8")
    out = tmp_path / "bad.csv"
    result = Importer(crm.sessions).run(ann, src, "deal", report=out)
    assert (result.created, result.bad) == (1, 1)
    assert "“XYZ” is not a currency code" in " | ".join(line[1] for line in report(out)[1:])
    assert [d.currency for d in rows(crm, Deal)] == ["EUR"]
    with pytest.raises(Exception, match="currency"):
        crm.create_deal(ann, "Another", amount="5", currency="QQQ")


def test_two_columns_put_in_one_field_are_refused_before_anything_is_written(
    crm: CRM, ann: Actor, tmp_path: Path
) -> None:
    from bot.services.errors import Invalid

    src = tmp_path / "people.csv"
    src.write_text("Name,Email,Work Email\nZed Two,zed@home.com,zed@work.com\n", encoding="utf-8")
    with pytest.raises(Invalid) as refused:
        Importer(crm.sessions).run(ann, src, "contact", mapping={0: "name", 1: "email", 2: "email"})
    assert (refused.value.code, refused.value.data["value"]) == ("import.field_twice", "Email")
    assert rows(crm, Contact) == [] and rows(crm, ImportBatch) == []


def test_tasks_and_notes_imported_again_are_matched_not_copied(crm: CRM, ann: Actor, tmp_path: Path) -> None:
    imp = Importer(crm.sessions)
    imp.run(ann, FIXTURES / "hubspot_contacts.csv", "contact")
    imp.run(ann, FIXTURES / "hubspot_deals.csv", "deal", dates="mdy")
    imp.run(ann, FIXTURES / "plain_tasks.csv", "task", report=tmp_path / "bad1.csv")
    imp.run(ann, FIXTURES / "plain_notes.csv", "interaction")
    again = imp.run(ann, FIXTURES / "plain_tasks.csv", "task", dry_run=True)
    assert (again.new, again.matching) == (0, 2)
    tasks = imp.run(ann, FIXTURES / "plain_tasks.csv", "task", report=tmp_path / "bad2.csv")
    assert (tasks.created, tasks.skipped) == (0, 2)
    notes = imp.run(ann, FIXTURES / "plain_notes.csv", "interaction")
    assert (notes.created, notes.skipped) == (0, 2)
    assert len(rows(crm, Task)) == 2 and len(rows(crm, Interaction)) == 2
    # The same title and day about another record is another task.
    other = tmp_path / "other.csv"
    other.write_text("Subject,Due Date,Contact Name\nSend pricing,2025-05-02,Raj Patel\n", encoding="utf-8")
    assert imp.run(ann, other, "task").created == 1
    # An update takes the file's state onto the task it matches, and its undo takes it back.
    done = tmp_path / "done.csv"
    done.write_text(
        "Subject,Due Date,Status,Contact Name,Related To\n"
        "Send pricing,2025-05-02,Completed,jane@acme.com,Acme renewal\n",
        encoding="utf-8",
    )
    updated = imp.run(ann, done, "task", mode="update")
    assert (updated.created, updated.updated) == (0, 1)
    jane = rows(crm, Contact, Contact.email == "jane@acme.com")[0]
    (send,) = [t for t in rows(crm, Task, Task.title == "Send pricing") if t.contact_id == jane.id]
    assert send.done_at is not None
    imp.undo(ann, updated.batch_id)
    (send,) = [t for t in rows(crm, Task, Task.title == "Send pricing") if t.contact_id == jane.id]
    assert send.done_at is None
    # A note merged fills only what it lacked; its undo takes that back.
    linked = tmp_path / "linked.csv"
    linked.write_text(
        "Type,Description,Date,Contact,Slack Link\n"
        "Meeting,Demo went well,2025-04-02,raj@globex.com,https://x.slack.com/archives/C1/p1\n",
        encoding="utf-8",
    )
    merged = imp.run(ann, linked, "interaction", mode="merge")
    assert (merged.created, merged.updated) == (0, 1)
    assert [i.permalink for i in rows(crm, Interaction, Interaction.kind == "meeting")] == [
        "https://x.slack.com/archives/C1/p1"
    ]
    imp.undo(ann, merged.batch_id)
    assert [i.permalink for i in rows(crm, Interaction, Interaction.kind == "meeting")] == [None]
