"""Imports and exports over Slack's real protocol: a CSV shared in the DM is previewed with its counts,
imported after the ack with its result in the thread, its bad rows uploaded, undone with one button;
the mapping is edited in a form; /crm import explains; /crm export sends the zip to managers' DMs."""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any

from models import AuditEvent, Contact, Deal, ImportBatch, User
from tests.handlers.helpers import count, rows
from tests.support.fakeslack import Call
from tests.support.slackhttp import (
    ANN,
    BOB,
    SlackHTTP,
    buttons,
    event_callback,
    modal_values,
    text_of,
    view_submission,
)

FIXTURES = Path(__file__).parent.parent / "services" / "fixtures" / "imports"


def share(slack: SlackHTTP, name: str, content: bytes, text: str = "", *, user: str = ANN) -> Call:
    """Share a file with the bot in the DM, as Slack sends it; returns the bot's first answer there."""
    info = slack.fake.add_file(name, content, user=user)
    channel = f"D{user}"
    before = len(slack.fake.calls_to("chat.postMessage"))
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel_type": "im",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": f"{time.time():.6f}",
        "files": [info],
    }
    assert slack.send_event(event_callback(event)).status == 200
    return slack.fake.wait_for(
        lambda f: next(
            (c for c in f._unlocked("chat.postMessage")[before:] if c.params.get("channel") == channel), None
        ),
        timeout=15,
    )


def updates(slack: SlackHTTP, predicate: Any, timeout: float = 20.0) -> Call:
    return slack.fake.wait_for(
        lambda f: next((c for c in f._unlocked("chat.update") if predicate(text_of(c))), None), timeout
    )


def test_import_explains_how(slack: SlackHTTP) -> None:
    said = text_of(slack.command("import"))
    assert "Share the file with me" in said and "HubSpot" in said, said
    # Asked in a channel, where "here" would be wrong; and what becomes of records already here.
    assert "here in our DM" not in said and "in our DM" in said, said
    assert "Records already here" in said and "updated or only filled in" in said, said
    assert "200 new addresses per import" in said, said
    helped = text_of(slack.command("help import"))
    assert "share a CSV, an Excel workbook or one of my export's zips with me in a DM" in helped, helped


def test_a_shared_hubspot_file_is_previewed_imported_reported_and_undone(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    preview = share(
        slack, "hubspot-contacts.csv", (FIXTURES / "hubspot_contacts.csv").read_bytes(), "contacts"
    )
    shown = text_of(preview)
    assert "hubspot-contacts.csv" in shown and "4 rows of contacts" in shown, shown
    assert "1 new" in shown and "1 already here" in shown and "2 bad" in shown, shown
    assert "First Name → First Name" in shown and "Left out: Record ID" in shown, shown
    assert "Jane · Doe · jane@acme.com" in shown, shown
    assert [b["label"] for b in buttons(preview)] == ["Import", "Edit mapping", "Cancel"]
    assert preview.params.get("thread_ts"), "the preview answers in the file's thread"
    assert count(slack, Contact) == 1  # a preview writes nothing
    report = slack.fake.wait_for(lambda f: f.uploads[:1] or None, timeout=10)[0]
    assert b"not an email address" in report.params["bytes"]

    answer = slack.press(preview, "Import")
    assert "importing" in text_of(answer)
    done = updates(slack, lambda t: t.startswith("✅"))
    assert "Imported 1 contact from" in text_of(done) and "2 bad rows left out" in text_of(done), text_of(
        done
    )
    assert {c.email for c in rows(slack, Contact)} == {"jane@acme.com", "raj@globex.com"}

    undone = slack.press(done, "Undo import")
    assert "Import undone: 2 records removed" in text_of(undone), text_of(undone)
    assert {c.email for c in rows(slack, Contact)} == {"jane@acme.com"}
    (batch,) = rows(slack, ImportBatch)
    assert batch.undone_at is not None


def test_the_mapping_and_the_duplicates_are_edited_in_a_form(slack: SlackHTTP) -> None:
    slack.command("help")
    content = b"Deal,Value,Phase\nAcme renewal,5000,proposal\nGlobex pilot,lots,demo\n"
    preview = share(slack, "export.csv", content, "deals")
    shown = text_of(preview)
    assert "2 rows of deals" in shown and "Value → Amount" in shown, shown
    assert "Phase" in shown.split("Left out:")[1]
    slack.press(preview, "Edit mapping", wait=False)
    opened = slack.fake.wait_calls("views.open")[-1].params["view"]
    view = opened if isinstance(opened, dict) else json.loads(opened)
    labels = [b["label"]["text"] for b in view["blocks"]]
    assert labels[:2] == ["The file holds", "Records already here"] and "Phase" in labels
    values = modal_values(view)
    values["col2"] = {
        "v": {
            "type": "static_select",
            "selected_option": {"value": "stage_id", "text": {"type": "plain_text", "text": "Stage"}},
        }
    }
    before = len(slack.fake.calls_to("chat.postMessage"))
    assert slack.send_payload(view_submission(view, values)).status == 200
    again = slack.fake.wait_for(lambda f: f._unlocked("chat.postMessage")[before:][:1] or None, timeout=15)[0]
    shown = text_of(again)
    assert "Phase → Stage" in shown and "1 new" in shown and "1 bad" in shown, shown
    slack.press(again, "Import")
    updates(slack, lambda t: t.startswith("✅"))
    (deal,) = rows(slack, Deal)
    assert (deal.title, deal.stage.key) == ("Acme renewal", "proposal")


def test_a_cancelled_import_writes_nothing_and_a_file_that_is_not_a_table_says_so(slack: SlackHTTP) -> None:
    preview = share(slack, "people.csv", (FIXTURES / "salesforce_contacts.csv").read_bytes())
    assert "2 rows of contacts" in text_of(preview)
    assert "cancelled; nothing was imported" in text_of(slack.press(preview, "Cancel"))
    assert count(slack, Contact) == 0
    said = share(slack, "scan.pdf", b"%PDF-1.7 \x00\x01\x02")
    assert "is a PDF, not a table" in text_of(said), text_of(said)


def test_a_rep_may_not_update_what_exists_nor_export(slack: SlackHTTP) -> None:
    slack.command("help")  # Ann is the admin
    refused = slack.command("export", user=BOB)
    # Said as every refusal says it, with who may.
    assert "Only a manager or an admin can export" in text_of(refused) and "Ask " in text_of(refused)


def test_export_sends_the_zip_to_the_dm(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    slack.command("deal add Acme renewal $12k")
    said = slack.command("export")
    assert "will arrive in our DM" in text_of(said)
    upload = slack.fake.wait_for(lambda f: f.uploads[:1] or None, timeout=15)[0]
    with zipfile.ZipFile(io.BytesIO(upload.params["bytes"])) as z:
        contacts = z.read("contacts.csv").decode()
        deals = z.read("deals.csv").decode()
    assert "jane@acme.com" in contacts and "Acme renewal" in deals
    done = slack.fake.wait_calls("files.completeUploadExternal")[-1]
    comment = str(done.params.get("initial_comment"))
    assert "1 contact," in comment and "0 imports" in comment and "audit events" in comment, comment
    # The team and what it keeps besides records, said as a person would.
    assert "1 person," in comment and "0 webhooks" in comment and "0 scheduled summaries" in comment, comment


def test_the_export_has_a_column_per_custom_field_and_is_named_a_zip(slack: SlackHTTP) -> None:
    slack.command("fields add contact Region choice EMEA,APAC")
    slack.command("fields add deal Seats number")
    slack.command("fields add company Tier text")
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    slack.command("contact add Raj Patel raj@acme.com at Acme Corp")
    slack.command("contact edit Jane Doe region=EMEA")
    slack.command("deal add Acme renewal $12k seats=1,5")
    slack.command("company edit Acme Corp tier=gold")
    slack.command("export")
    upload = slack.fake.wait_for(lambda f: f.uploads[:1] or None, timeout=15)[0]
    with zipfile.ZipFile(io.BytesIO(upload.params["bytes"])) as z:
        contacts = list(csv.DictReader(io.StringIO(z.read("contacts.csv").decode())))
        deals = list(csv.DictReader(io.StringIO(z.read("deals.csv").decode())))
        companies = list(csv.DictReader(io.StringIO(z.read("companies.csv").decode())))
    assert {c["Name"]: c["Region"] for c in contacts} == {"Jane Doe": "EMEA", "Raj Patel": ""}
    assert [d["Seats"] for d in deals] == ["1.5"] and [c["Tier"] for c in companies] == ["gold"]
    asked = slack.fake.calls_to("files.getUploadURLExternal")[-1]
    assert str(asked.params.get("filename")).endswith(".zip"), asked.params


def test_a_column_named_like_a_custom_field_fills_it_and_others_are_left_out(slack: SlackHTTP) -> None:
    slack.command("fields add contact Region choice EMEA,APAC")
    content = (
        b"Name,Email,Region,Shoe Size\nJane Doe,jane@acme.com,emea,42\nRaj Patel,raj@globex.com,Mars,9\n"
    )
    preview = share(slack, "people.csv", content, "contacts")
    shown = text_of(preview)
    assert "Region → Region (custom field)" in shown and "Left out: Shoe Size" in shown, shown
    assert "1 new" in shown and "1 bad" in shown, shown
    report = slack.fake.wait_for(lambda f: f.uploads[:1] or None, timeout=10)[0]
    assert "“Mars” is not one of its choices (EMEA, APAC)" in report.params["bytes"].decode()
    slack.press(preview, "Edit mapping", wait=False)
    opened = slack.fake.wait_calls("views.open")[-1].params["view"]
    view = opened if isinstance(opened, dict) else json.loads(opened)
    region = next(b for b in view["blocks"] if b["label"]["text"] == "Region")
    assert region["element"]["initial_option"]["text"]["text"] == "Region (custom field)"
    slack.press(preview, "Import")
    updates(slack, lambda t: t.startswith("✅"))
    (jane,) = rows(slack, Contact)
    assert jane.email == "jane@acme.com" and list(jane.custom.values()) == ["EMEA"]


def test_an_export_zip_shared_in_the_dm_imports_whole_and_undoes_whole(
    slack: SlackHTTP, tmp_path: Path, monkeypatch: Any
) -> None:
    """Another workspace's export, shared as it came: its custom fields and pipelines first, then each
    file in the order they name each other, its progress naming the file it is at; one button undoes
    every file's import."""
    import handlers.imports
    from bot.services.dataio.exporter import Exporter
    from models import CustomField, User

    monkeypatch.setattr(handlers.imports, "PROGRESS_EVERY", 0.0)

    slack.command("help")  # Ann, the admin of T1
    (ann,) = rows(slack, User)
    ws = ann.workspace_id
    crm = slack.crm
    old = crm.register_user("T9", ann.slack_id, name=ann.name, email=ann.email, role="admin")
    crm.add_custom_field(old, "contact", "Region", "choice", ["EMEA", "APAC"])
    crm.add_pipeline(old, "Renewals")
    crm.create_contact(old, "Jane Doe", email="jane@acme.com", company="Acme Corp", custom={"Region": "APAC"})
    crm.create_deal(old, "Acme renewal", company="Acme Corp", contact="jane@acme.com", amount="900")
    crm.move_deal_to_pipeline(old, "Acme renewal", "Renewals")
    crm.create_task(old, "Call Jane", contact="jane@acme.com", due="2027-01-05")
    zipped = tmp_path / "old.zip"
    Exporter(crm.sessions).run(old, zipped)

    preview = share(slack, "crm-export-T9.zip", zipped.read_bytes())
    shown = text_of(preview)
    assert "is an export" in shown and "companies.csv, contacts.csv, deals.csv" in shown, shown
    assert "custom fields added: Region (contact); pipelines added: Renewals" in shown, shown
    assert [b["label"] for b in buttons(preview)] == ["Import", "Cancel"]
    assert count(slack, Contact, Contact.workspace_id == ws) == 0  # a preview writes nothing
    slack.press(preview, "Import")
    done = updates(slack, lambda t: t.startswith("✅"))
    said = text_of(done)
    assert "contacts.csv: 1 new" in said and "deals.csv: 1 new" in said and "Region (contact)" in said, said
    (jane,) = rows(slack, Contact, Contact.workspace_id == ws)
    (deal,) = rows(slack, Deal, Deal.workspace_id == ws)
    assert list(jane.custom.values()) == ["APAC"] and deal.contact_id == jane.id
    told = [text_of(c) for c in slack.fake.calls_to("chat.update") if "⏳" in text_of(c)]
    assert any("Importing contacts.csv (2 of 5)" in t for t in told), told
    assert deal.stage.pipeline.name == "Renewals"
    assert {b.record_type for b in rows(slack, ImportBatch, ImportBatch.workspace_id == ws)} >= {
        "company",
        "contact",
        "deal",
        "task",
    }

    undone = slack.press(done, "Undo import")
    assert "Import undone" in text_of(undone), text_of(undone)
    assert (
        count(slack, Contact, Contact.workspace_id == ws) == 0
        and count(slack, Deal, Deal.workspace_id == ws) == 0
    )
    assert all(b.undone_at is not None for b in rows(slack, ImportBatch, ImportBatch.workspace_id == ws))
    # The field it added is a change of its own (undone from the undo list), not part of the records.
    assert [f.name for f in rows(slack, CustomField, CustomField.workspace_id == ws)] == ["Region"]


def _report_rows(upload: Call) -> list[list[str]]:
    return list(csv.reader(io.StringIO(upload.params["bytes"].decode("utf-8"))))


def test_dates_that_read_either_way_are_asked_about_and_read_as_chosen(slack: SlackHTTP) -> None:
    """03/04/2027 is 4 March in New York and 3 April in London: the preview asks, offers Import once
    answered, and the dates go in as chosen."""
    from datetime import date

    slack.command("help")
    content = b"Deal Name,Amount,Close Date\nAcme renewal,500,03/04/2027\nGlobex pilot,700,05/06/2027\n"
    preview = share(slack, "deals.csv", content, "deals")
    shown = text_of(preview)
    assert "03/04/2027 could be 4 March 2027 or 3 April 2027" in shown, shown
    # Nothing to import until it is said: the choice, the form and Cancel.
    labels = [b["label"] for b in buttons(preview)]
    assert labels == ["Month first: 4 March 2027", "Day first: 3 April 2027", "Edit mapping", "Cancel"], (
        labels
    )

    chosen = slack.press(preview, "Day first")
    shown = text_of(chosen)
    assert "Dates are read day first: 03/04/2027 is 3 April 2027" in shown, shown
    assert "2 new" in shown and "0 bad" in shown, shown
    slack.press(chosen, "Import")
    updates(slack, lambda t: t.startswith("✅"))
    assert {d.title: d.close_date for d in rows(slack, Deal)} == {
        "Acme renewal": date(2027, 4, 3),
        "Globex pilot": date(2027, 6, 5),
    }


def test_a_day_first_file_is_read_day_first_and_the_form_can_say_otherwise(slack: SlackHTTP) -> None:
    from datetime import date

    slack.command("help")
    content = b"Deal Name,Amount,Close Date\nAcme renewal,500,03/04/2027\nGlobex pilot,700,25/03/2027\n"
    preview = share(slack, "deals.csv", content, "deals")
    shown = text_of(preview)
    assert "Dates are read day first (25/03/2027 is in the file)" in shown, shown
    assert "2 new" in shown and "0 bad" in shown, shown

    slack.press(preview, "Edit mapping", wait=False)
    opened = slack.fake.wait_calls("views.open")[-1].params["view"]
    view = opened if isinstance(opened, dict) else json.loads(opened)
    dates = next(b for b in view["blocks"] if b["block_id"] == "dates")
    assert dates["element"]["initial_option"]["value"] == "dmy", dates
    values = modal_values(view)
    values["dates"] = {
        "v": {"type": "static_select", "selected_option": {"value": "mdy", "text": {"type": "plain_text"}}}
    }
    before = len(slack.fake.calls_to("chat.postMessage"))
    assert slack.send_payload(view_submission(view, values)).status == 200
    again = slack.fake.wait_for(lambda f: f._unlocked("chat.postMessage")[before:][:1] or None, timeout=15)[0]
    shown = text_of(again)
    assert "Dates are read month first: 03/04/2027 is 4 March 2027" in shown and "1 bad" in shown, shown
    slack.press(again, "Import")
    updates(slack, lambda t: t.startswith("✅"))
    assert [d.close_date for d in rows(slack, Deal)] == [date(2027, 3, 4)]


def test_the_bad_rows_report_comes_in_the_thread_with_row_reason_and_the_row(slack: SlackHTTP) -> None:
    slack.command("help")
    content = (
        b"Deal Name,Amount,Stage,Close Date\n"
        b"Acme renewal,500,proposal,2027-03-01\n"
        b"Globex pilot,lots,demo,2027-03-01\n"
        b"Hooli,700,haggling,2027-03-01\n"
        b"Initech,900,lead,2027-02-30\n"
    )
    preview = share(slack, "old-crm-deals.csv", content, "deals")
    assert "1 new" in text_of(preview) and "3 bad" in text_of(preview), text_of(preview)
    first = slack.fake.wait_for(lambda f: f.uploads[:1] or None, timeout=10)[0]
    named = slack.fake.wait_calls("files.getUploadURLExternal")[-1]
    assert named.params.get("filename") == "old-crm-deals-bad-rows.csv", named.params
    completed = slack.fake.wait_calls("files.completeUploadExternal")[-1]
    assert completed.params.get("thread_ts") == preview.params.get("thread_ts"), completed.params
    lines = _report_rows(first)
    assert lines[0] == ["Row", "Reason", "Deal Name", "Amount", "Stage", "Close Date"], lines
    by_row = {line[0]: line for line in lines[1:]}
    assert "“lots” is not a number" in by_row["3"][1] and by_row["3"][2:] == [
        "Globex pilot",
        "lots",
        "demo",
        "2027-03-01",
    ]
    assert "“haggling” is not a stage" in by_row["4"][1] and by_row["4"][2] == "Hooli"
    assert "2027-02-30" in by_row["5"][1] and "does not exist" in by_row["5"][1]

    slack.press(preview, "Import")
    updates(slack, lambda t: t.startswith("✅"))
    again = slack.fake.wait_for(lambda f: f.uploads[1:2] or None, timeout=10)[0]
    assert _report_rows(again) == lines
    assert [d.title for d in rows(slack, Deal)] == ["Acme renewal"]


def test_a_semicolon_file_with_decimal_commas_reads_its_amounts_and_days(slack: SlackHTTP) -> None:
    """What Excel writes in Germany or France: semicolons, 1.234,56, 12.000 for twelve thousand."""
    from datetime import date
    from decimal import Decimal

    slack.command("help")
    content = (
        "Deal Name;Amount;Stage;Close Date\n"
        "Acme renewal;1.234,56;proposal;31.03.2027\n"
        "Globex pilot;12.000;lead;01.04.2027\n"
        "Hooli;99,5;lead;\n"
    ).encode("cp1252")
    preview = share(slack, "deals.csv", content, "deals")
    shown = text_of(preview)
    assert "semicolons, decimal commas" in shown and "3 new" in shown, shown
    slack.press(preview, "Import")
    updates(slack, lambda t: t.startswith("✅"))
    found = {d.title: (d.amount, d.close_date) for d in rows(slack, Deal)}
    assert found == {
        "Acme renewal": (Decimal("1234.56"), date(2027, 3, 31)),
        "Globex pilot": (Decimal("12000.00"), date(2027, 4, 1)),
        "Hooli": (Decimal("99.50"), None),
    }, found


def test_a_file_with_only_its_header_or_nothing_says_so_and_offers_no_import(slack: SlackHTTP) -> None:
    slack.command("help")
    said = share(slack, "contacts.csv", b"Name,Email\n")
    assert "no rows under its column names (Name, Email)" in text_of(said), text_of(said)
    assert buttons(said) == []
    said = share(slack, "nothing.csv", b"")
    assert "This file is empty" in text_of(said) and buttons(said) == []


def test_a_second_column_of_the_same_name_is_said_by_its_place(slack: SlackHTTP) -> None:
    slack.command("help")
    content = b"Name,Email,Email,Phone\nJane Roe,jane@roe.com,jane.work@roe.com,555\n"
    preview = share(slack, "people.csv", content, "contacts")
    shown = text_of(preview)
    assert "Left out: Email (column 3)" in shown, shown
    slack.press(preview, "Edit mapping", wait=False)
    opened = slack.fake.wait_calls("views.open")[-1].params["view"]
    view = opened if isinstance(opened, dict) else json.loads(opened)
    labels = [b["label"]["text"] for b in view["blocks"]]
    assert "Email (column 2)" in labels and "Email (column 3)" in labels, labels


def test_two_columns_put_in_one_field_are_refused_in_the_form(slack: SlackHTTP) -> None:
    slack.command("help")
    content = b"Name,Email,Work Email\nZed Two,zed@home.com,zed@work.com\n"
    preview = share(slack, "people.csv", content, "contacts")
    slack.press(preview, "Edit mapping", wait=False)
    opened = slack.fake.wait_calls("views.open")[-1].params["view"]
    view = opened if isinstance(opened, dict) else json.loads(opened)
    values = modal_values(view)
    values["col2"] = {
        "v": {
            "type": "static_select",
            "selected_option": {"value": "email", "text": {"type": "plain_text", "text": "Email"}},
        }
    }
    before = len(slack.fake.calls_to("chat.postMessage"))
    answer = slack.send_payload(view_submission(view, values))
    assert answer.status == 200
    said = json.loads(answer.body)
    assert said["response_action"] == "errors", said
    assert "Email is column “Email” already" in said["errors"]["col2"], said
    time.sleep(1)
    assert len(slack.fake.calls_to("chat.postMessage")) == before, "no new preview for a refused form"


def test_an_export_in_json_lines_shared_in_the_dm_imports_whole_with_its_history(
    slack: SlackHTTP, tmp_path: Path
) -> None:
    """The export's other form, JSON lines, imports as its zip does; the records come with their past
    (`/crm history` reads as it did there), and Undo import takes both away."""
    from bot.services.dataio.exporter import Exporter
    from models import AuditEvent, User

    slack.command("help")  # Ann, the admin of T1
    (ann,) = rows(slack, User)
    crm = slack.crm
    old = crm.register_user("T9", ann.slack_id, name=ann.name, email=ann.email, role="admin")
    crm.create_deal(old, "Acme renewal", company="Acme Corp", amount="900", stage="qualified")
    crm.update_deal(old, "Acme renewal", stage="demo")
    lines = tmp_path / "old.jsonl"
    Exporter(crm.sessions).run(old, lines, "jsonl")

    preview = share(slack, "crm-export-T9.jsonl", lines.read_bytes())
    shown = text_of(preview)
    assert "is an export" in shown and "deals.csv" in shown and "history" in shown, shown
    slack.press(preview, "Import")
    done = updates(slack, lambda t: t.startswith("✅"))
    said = text_of(done)
    assert "deals.csv: 1 new" in said and "history brought back" in said, said
    history = text_of(slack.command("history Acme renewal"))
    assert "moved it Qualified → Demo" in history and "added it" in history, history
    # History is not the importer's last change (the events are Ann's, there): nothing of hers to undo.
    assert count(slack, AuditEvent, AuditEvent.replayed_by.is_not(None)) >= 2
    assert "nothing of yours to undo" in text_of(slack.command("undo"))

    slack.press(done, "Undo import")
    assert count(slack, Deal, Deal.workspace_id == ann.workspace_id) == 0
    assert (
        count(
            slack,
            AuditEvent,
            AuditEvent.workspace_id == ann.workspace_id,
            AuditEvent.replayed_by.is_not(None),
        )
        == 0
    )


def test_owners_not_met_yet_are_found_in_slack_and_the_unknown_are_named_once(slack: SlackHTTP) -> None:
    # A team migrating its CRM: the Owner column names salespeople who have never written to the bot.
    slack.command("help")
    slack.fake.add_user("U0CARA", "Cara Diaz", email="cara@example.com")
    slack.fake.add_user("U0DEV", "Dev Patel", email="Dev@Example.com")
    try:
        lines = ["First Name,Last Name,Email,Owner"]
        lines += [f"Lead,{i},lead{i}@acme.com,cara@example.com" for i in range(3)]
        lines += ["Lead,10,lead10@acme.com,DEV@example.com", "Lead,11,lead11@acme.com,ann@example.com"]
        # Someone Slack does not know by that address, on several rows; and a first name nobody has.
        lines += [f"Lead,{20 + i},lead{20 + i}@acme.com,zed@example.com" for i in range(4)]
        lines += ["Lead,30,lead30@acme.com,Quentin"]
        preview = share(slack, "owners.csv", "\n".join(lines).encode(), "contacts")
        shown = text_of(preview)
        assert "2 teammates found in Slack: Cara Diaz, Dev Patel" in shown, shown
        assert (
            "Owner zed@example.com (4 rows) is not a teammate the bot knows: ask them to write to the bot "
            "once, or change the Owner column" in shown
        ), shown
        assert (
            "Owner Quentin (1 row) is not a teammate the bot knows: ask them to write to the bot once, or give their email in the Owner column"
            in shown
            and shown.count("zed@example.com") == 1
        ), shown
        assert "5 new" in shown and "5 bad" in shown, shown
        # One lookup per unknown address; a name is never looked up; a preview adds nobody.
        looked = sorted(c.params["email"] for c in slack.fake.calls_to("users.lookupByEmail"))
        assert looked == ["cara@example.com", "dev@example.com", "zed@example.com"], looked
        assert {u.slack_id for u in rows(slack, User)} == {ANN}

        slack.press(preview, "Import")
        done = updates(slack, lambda t: t.startswith("✅"))
        said = text_of(done)
        assert "Imported 5 contacts" in said and "2 teammates found in Slack: Cara Diaz, Dev Patel" in said, (
            said
        )
        assert "Owner zed@example.com (4 rows) is not a teammate" in said, said
        people = {u.slack_id: u for u in rows(slack, User)}
        assert (people["U0CARA"].role, people["U0CARA"].email) == ("rep", "cara@example.com")
        made = rows(
            slack, AuditEvent, AuditEvent.record_type == "user", AuditEvent.record_id == people["U0CARA"].id
        )
        assert [(e.action, e.actor_id) for e in made] == [("create", people[ANN].id)]
        owners = {c.email: people_by_id(people)[c.owner_id] for c in rows(slack, Contact)}
        assert owners["lead0@acme.com"] == owners["lead2@acme.com"] == "U0CARA", owners
        assert (owners["lead10@acme.com"], owners["lead11@acme.com"]) == ("U0DEV", ANN), owners
        # The preview's answers serve the import: no address is asked about twice.
        assert len(slack.fake.calls_to("users.lookupByEmail")) == 3
        report = slack.fake.wait_for(lambda f: f.uploads[1:2] or None, timeout=10)[0]
        assert report.params["bytes"].count(b",zed@example.com\r\n") == 4
        assert "“zed@example.com” is not anyone in this workspace (ask them to write to the bot once)" in (
            report.params["bytes"].decode()
        )
    finally:
        slack.fake.users.pop("U0CARA", None)
        slack.fake.users.pop("U0DEV", None)


def people_by_id(people: dict[str, Any]) -> dict[int, str]:
    return {u.id: slack_id for slack_id, u in people.items()}


def test_undoing_an_import_takes_back_the_teammates_it_added_unless_they_have_worked_since(
    slack: SlackHTTP,
) -> None:
    """Cara and Dev were added because the file named them; Dev has since used the bot. Undo import
    takes Cara off the team again and leaves Dev, saying which and why."""
    slack.command("help")
    slack.fake.add_user("U0CARA", "Cara Diaz", email="cara@example.com")
    slack.fake.add_user("U0DEV", "Dev Patel", email="dev@example.com")
    try:
        lines = ["First Name,Last Name,Email,Owner"]
        lines += [f"Lead,{i},lead{i}@acme.com,cara@example.com" for i in range(3)]
        lines += ["Lead,10,lead10@acme.com,dev@example.com"]
        preview = share(slack, "owners.csv", "\n".join(lines).encode(), "contacts")
        slack.press(preview, "Import")
        done = updates(slack, lambda t: t.startswith("✅"))
        assert "2 teammates found in Slack: Cara Diaz, Dev Patel" in text_of(done), text_of(done)
        # Dev starts using the bot: a contact of his own.
        slack.command("contact add Zoe Quinn zoe@quinn.io", user="U0DEV")

        undone = text_of(slack.press(done, "Undo import"))
        assert "Import undone: 4 records removed" in undone, undone
        assert "Cara Diaz, whom it added to the team, is taken off it again" in undone, undone
        assert "Dev Patel, whom it added, stays: they have used the bot since" in undone, undone
        people = {u.slack_id for u in rows(slack, User)}
        assert people == {ANN, "U0DEV"}, people
        assert {c.email for c in rows(slack, Contact)} == {"zoe@quinn.io"}
        # The removal is on the record, and Cara's creation is no longer anyone's to undo.
        events = rows(slack, AuditEvent, AuditEvent.record_type == "user", AuditEvent.action == "create")
        assert [
            e.undone_by_op is not None for e in events if e.after and e.after.get("slack_id") == "U0CARA"
        ] == [True]
    finally:
        slack.fake.users.pop("U0CARA", None)
        slack.fake.users.pop("U0DEV", None)


def test_undo_typed_after_an_import_that_added_a_teammate_offers_the_whole_import(slack: SlackHTTP) -> None:
    # The teammate's addition is the import's: a typed undo names the import and offers its Undo.
    slack.command("help")
    slack.fake.add_user("U0CARA", "Cara Diaz", email="cara@example.com")
    try:
        lines = ["First Name,Last Name,Email,Owner", "Lead,1,lead1@acme.com,cara@example.com"]
        preview = share(slack, "owners.csv", "\n".join(lines).encode(), "contacts")
        slack.press(preview, "Import")
        updates(slack, lambda t: t.startswith("✅"))
        said = slack.command("undo")
        assert "Your last change is the import of owners.csv" in text_of(said), text_of(said)
        assert [b["label"] for b in buttons(said)] == ["Undo import"]
        undone = text_of(slack.press(said, "Undo import"))
        assert "Import undone: 1 record removed" in undone and "Cara Diaz, whom it added" in undone, undone
        assert {u.slack_id for u in rows(slack, User)} == {ANN}
    finally:
        slack.fake.users.pop("U0CARA", None)


def test_an_export_zip_whose_dates_could_be_read_two_ways_asks_as_a_csv_does(
    slack: SlackHTTP, tmp_path: Path
) -> None:
    """deals.csv opened in a spreadsheet and saved with 03/04/2027 close dates: the zip's preview asks
    month or day first, offers Import once answered, and the deals go in as chosen."""
    from datetime import date

    from bot.services.dataio.exporter import Exporter
    from tests.services.test_exports import with_close_dates

    slack.command("help")
    (ann,) = rows(slack, User)
    crm = slack.crm
    old = crm.register_user("T9", ann.slack_id, name=ann.name, email=ann.email, role="admin")
    crm.create_deal(old, "Acme renewal", company="Acme Corp", amount="900", close_date="2027-01-05")
    Exporter(crm.sessions).run(old, tmp_path / "old.zip")
    zipped = with_close_dates(tmp_path / "old.zip", tmp_path / "edited.zip", "03/04/2027")

    preview = share(slack, "crm-export-T9.zip", zipped.read_bytes())
    shown = text_of(preview)
    assert "is an export" in shown and "03/04/2027 could be 4 March 2027 or 3 April 2027" in shown, shown
    labels = [b["label"] for b in buttons(preview)]
    assert labels == ["Month first: 4 March 2027", "Day first: 3 April 2027", "Cancel"], labels
    asked = slack.press(preview, "Day first")
    shown = text_of(asked)
    assert "Dates are read day first: 03/04/2027 is 3 April 2027" in shown, shown
    assert [b["label"] for b in buttons(asked)] == ["Import", "Cancel"]
    slack.press(asked, "Import")
    said = text_of(updates(slack, lambda t: t.startswith("✅")))
    assert "deals.csv: 1 new" in said, said
    (deal,) = rows(slack, Deal, Deal.workspace_id == ann.workspace_id)
    assert deal.close_date == date(2027, 4, 3)


def test_owners_past_the_lookup_limit_are_said_as_not_looked_up_and_the_bad_rows_bring_them_next(
    slack: SlackHTTP, monkeypatch: Any
) -> None:
    """A file naming more people than one import asks Slack about (200; 2 here): those past the limit
    are not called unknown, they are said as not looked up, with what to do; importing the bad rows
    file again looks up the next ones."""
    from bot.services.dataio import teammates

    monkeypatch.setattr(teammates, "MOST_LOOKUPS", 2)
    slack.command("help")
    names = ("Cara", "Dev", "Eve", "Fay")
    for name in names:
        slack.fake.add_user(f"U0{name.upper()}", f"{name} Diaz", email=f"{name.lower()}@example.com")
    try:
        lines = ["First Name,Last Name,Email,Owner"]
        lines += [f"Lead,{i},lead{i}@acme.com,{name.lower()}@example.com" for i, name in enumerate(names)]
        lines += ["Lead,9,lead9@acme.com,fay@example.com"]
        preview = share(slack, "owners.csv", "\n".join(lines).encode(), "contacts")
        shown = text_of(preview)
        assert "2 teammates found in Slack: Cara Diaz, Dev Diaz" in shown, shown
        assert "is not a teammate the bot knows" not in shown, shown
        assert (
            "2 more people named by email (3 rows) were not looked up in Slack: I ask about 2 at most per "
            "import. Import the bad rows file again to look up the next ones." in shown
        ), shown
        report = slack.fake.wait_for(lambda f: f.uploads[:1] or None, timeout=10)[0]
        assert "“eve@example.com” was not looked up in Slack (" in report.params["bytes"].decode()
        slack.press(preview, "Import")
        updates(slack, lambda t: t.startswith("✅"))
        bad_rows = slack.fake.wait_for(lambda f: f.uploads[1:2] or None, timeout=10)[0].params["bytes"]

        again = share(slack, "owners-bad-rows.csv", bad_rows, "contacts")
        shown = text_of(again)
        assert "2 teammates found in Slack: Eve Diaz, Fay Diaz" in shown and "3 new" in shown, shown
        slack.press(again, "Import")
        updates(slack, lambda t: t.startswith("✅") and "owners-bad-rows" in t)
        assert len(rows(slack, Contact)) == 5
    finally:
        for name in names:
            slack.fake.users.pop(f"U0{name.upper()}", None)


def test_lookups_that_take_a_while_show_their_progress_in_the_thread(
    slack: SlackHTTP, monkeypatch: Any
) -> None:
    """Slack answers about 50 lookups a minute: a file naming many new people says it is looking them up
    rather than staying silent until the preview (here from the first lookup on)."""
    import handlers.imports

    monkeypatch.setattr(handlers.imports, "LOOKUPS_SAID_AFTER", 0.0)
    slack.command("help")
    slack.fake.add_user("U0CARA", "Cara Diaz", email="cara@example.com")
    try:
        lines = ["First Name,Last Name,Email,Owner", "Lead,1,lead1@acme.com,cara@example.com"]
        lines += ["Lead,2,lead2@acme.com,zed@example.com"]
        preview = share(slack, "owners.csv", "\n".join(lines).encode(), "contacts")
        assert "🔎 Looking up in Slack the people this file names" in text_of(preview), text_of(preview)
        thread = preview.params.get("thread_ts")
        done = slack.fake.wait_for(
            lambda f: next((c for c in f._unlocked("chat.update") if "Looked up" in text_of(c)), None), 10
        )
        assert "🔎 Looked up in Slack 2 people this file names: 1 found." in text_of(done), text_of(done)
        shown = slack.fake.wait_for(
            lambda f: next(
                (c for c in f._unlocked("chat.postMessage") if "teammate found" in text_of(c)), None
            ),
            10,
        )
        assert shown.params.get("thread_ts") == thread
    finally:
        slack.fake.users.pop("U0CARA", None)


def test_an_import_that_changed_nothing_offers_no_undo_and_counts_read_as_said(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    preview = share(
        slack, "again.csv", b"Name,Email\nJane Doe,jane@acme.com\nRaj Roe,not-an-email\n", "contacts"
    )
    slack.press(preview, "Import")
    done = updates(slack, lambda t: t.startswith("✅") and "again.csv" in t)
    said = text_of(done)
    assert "Imported 0 contacts from again.csv" in said and "1 bad row left out" in said, said
    assert "1 already here (1 skipped)" in said, said
    assert buttons(done) == [], "nothing to undo"
