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

from models import Contact, Deal, ImportBatch
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
    assert "Imported 1 contacts" in text_of(done) and "2 bad rows left out" in text_of(done), text_of(done)
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
    assert "Only managers and admins may export" in text_of(refused)


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
