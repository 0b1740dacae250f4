"""Exports on both databases, through the command line as an operator runs them: everything a workspace
holds comes out (CSV per type in a zip, or JSON lines) and goes back into an empty workspace with nothing
lost; only managers and admins may take it out."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.cli import main
from bot.demo import PEOPLE, seed_demo
from bot.services import CRM
from bot.services.dataio.exporter import Exporter
from bot.services.dataio.importer import Importer, operator
from bot.services.errors import Forbidden
from models import AuditEvent, Contact, Deal, Interaction, Task, Workspace

RECORDS = ("companies", "contacts", "deals", "tasks", "interactions")


@pytest.fixture
def cli_db(engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "CRM_ADMINS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def records(zip_path: Path) -> dict[str, Counter[tuple[str, ...]]]:
    """Each record file's rows without ids (which a new workspace gives anew)."""
    out = {}
    with zipfile.ZipFile(zip_path) as z:
        for name in RECORDS:
            with z.open(f"{name}.csv") as raw:
                rows = list(csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline="")))
            assert rows[0][0] == "ID"
            # The ids of the records a row links to are new too.
            kept = [
                i for i, h in enumerate(rows[0]) if h not in ("ID", "Company ID", "Contact ID", "Deal ID")
            ]
            out[name] = Counter(tuple(r[i] for i in kept) for r in rows[1:])
    return out


def test_an_export_imports_back_into_an_empty_workspace_with_nothing_lost(
    crm: CRM, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_demo(crm, "T1", team_name="Old")
    first = cli_db / "old.zip"
    assert main(["export", "--workspace", "T1", str(first)]) == 0
    said = capsys.readouterr().out
    # Counted as people say it: "7 companies", never "7 company".
    assert "exported to" in said and "companies, " in said and "audit events" in said, said
    assert "company," not in said and " deal," not in said, said
    with zipfile.ZipFile(first) as z:
        assert {"audit.csv", "imports.csv"} <= set(z.namelist())
        with z.open("audit.csv") as raw:
            assert len(raw.read().splitlines()) > 10  # the trail comes out too

    # The same team in a new workspace, with no records yet.
    crm.ensure_workspace("T2", "New")
    for slack_id, name, tz, role, email in ((p[0], p[1], p[2], p[3], p[4]) for p in PEOPLE):
        crm.register_user("T2", slack_id, name=name, tz=tz, email=email, role=role)
    assert main(["import", "--workspace", "T2", str(first)]) == 0
    said = capsys.readouterr().out
    assert "contacts.csv" in said and "0 bad" in said, said
    second = cli_db / "new.zip"
    assert main(["export", "--workspace", "T2", str(second)]) == 0
    before, after = records(first), records(second)
    for name in RECORDS:
        assert sum(before[name].values()) > 0, name
        assert after[name] == before[name], name

    with crm.sessions() as s:
        t2 = s.scalar(select(Workspace.id).where(Workspace.team_id == "T2"))
        linked = [
            t for t in s.scalars(select(Task).where(Task.workspace_id == t2)) if t.contact_id or t.deal_id
        ]
        notes = [
            i for i in s.scalars(select(Interaction).where(Interaction.workspace_id == t2)) if i.contact_id
        ]
        assert linked and notes


def test_json_lines_carry_every_record_and_the_audit_trail(crm: CRM, cli_db: Path) -> None:
    seed_demo(crm, "T1")
    out = cli_db / "all.jsonl"
    assert main(["export", "--format", "jsonl", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    kinds = Counter(line["type"] for line in lines)
    with crm.sessions() as s:
        assert kinds["contact"] == len(list(s.scalars(select(Contact))))
        assert kinds["deal"] == len(list(s.scalars(select(Deal))))
        assert kinds["audit"] == len(list(s.scalars(select(AuditEvent))))
    deal = next(line for line in lines if line["type"] == "deal")
    assert {"title", "amount", "currency", "stage", "company", "contact", "owner", "tags"} <= set(deal)


def test_only_managers_and_admins_export(crm: CRM, cli_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    team = seed_demo(crm, "T1")
    rep = next(a for a in team.people.values() if a.role == "rep")
    with pytest.raises(Forbidden):
        Exporter(crm.sessions).run(rep, cli_db / "x.zip")
    assert main(["export", "--as", rep.slack_id, str(cli_db / "x.zip")]) == 2
    said = capsys.readouterr().err
    assert "Only a manager or an admin can export the workspace's records" in said, said
    assert "Ask " in said, said
    # A manager's export leaves the webhook endpoints out (their URLs may carry a receiver's token).
    manager = next(a for a in team.people.values() if a.role == "manager")
    done = Exporter(crm.sessions).run(manager, cli_db / "m.zip")
    assert "webhook" not in done.counts and "user" in done.counts
    with zipfile.ZipFile(cli_db / "m.zip") as z:
        assert "webhooks.csv" not in z.namelist() and "quotas.csv" in z.namelist()


def test_the_command_line_import_reports_bad_rows_and_undoes(
    crm: CRM, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_demo(crm, "T1")
    fixture = cli_db / "hubspot_contacts.csv"
    fixture.write_bytes(
        (Path(__file__).parent / "fixtures" / "imports" / "hubspot_contacts.csv").read_bytes()
    )
    assert main(["import", str(fixture), "--type", "contacts", "--dry-run"]) == 0
    out = capsys.readouterr()
    # The demo team has Jane already: one new, one matching, two bad.
    assert "would import: 1 new, 1 matching" in out.out and "2 bad" in out.out, out.out
    assert "rows/s" in out.err
    assert main(["import", str(fixture), "--type", "contacts"]) == 0
    said = capsys.readouterr().out
    report = cli_db / "hubspot_contacts-bad-rows.csv"
    assert "not an email address" in report.read_text(encoding="utf-8")
    batch = said.split("crm-bot import --undo ")[1].split()[0]
    with crm.sessions() as s:
        assert s.scalar(select(Contact.name).where(Contact.email == "raj@globex.com")) == "Raj Patel"
    assert main(["import", "--undo", batch]) == 0
    assert "1 records deleted" in capsys.readouterr().out  # Raj (the demo team has Globex already)
    with crm.sessions() as s:
        assert s.scalar(select(Contact.name).where(Contact.email == "raj@globex.com")) is None
    assert main(["import", str(fixture)]) == 2
    assert "--type" in capsys.readouterr().err


def test_cells_come_out_as_an_import_reads_them(crm: CRM, cli_db: Path) -> None:
    """The database writes the record files itself: tags, amounts, days and times read as they went in."""
    seed_demo(crm, "T1")
    actor = operator(crm.sessions, "T1", None)
    source = cli_db / "in.csv"
    source.write_text(
        "Deal Name,Amount,Deal Stage,Close Date,Tags,Company\n"
        "Tagged renewal,1200.5,won,2025-03-31,vip; emea,Zeta Works\n"
        'Plain pilot,7,lead,,,"Zeta Works"\n',
        encoding="utf-8",
    )
    Importer(crm.sessions).run(actor, source, "deal")
    out = cli_db / "out.zip"
    Exporter(crm.sessions).run(actor, out)
    with zipfile.ZipFile(out) as z, z.open("deals.csv") as raw:
        rows = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline="")))
    by_title = {r["Title"]: r for r in rows}
    tagged, plain = by_title["Tagged renewal"], by_title["Plain pilot"]
    assert (tagged["Amount"], tagged["Tags"], tagged["Close Date"], tagged["Stage"]) == (
        "1200.50",
        "vip; emea",
        "2025-03-31",
        "Won",
    )
    assert tagged["Closed At"] == "2025-03-31T12:00:00+00:00"
    assert (plain["Amount"], plain["Tags"], plain["Close Date"], plain["Closed At"]) == ("7.00", "", "", "")
    assert plain["Created At"].endswith("+00:00") and "T" in plain["Created At"]


def test_an_import_into_a_database_with_no_workspace_yet_says_what_to_do(
    crm: CRM, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = cli_db / "contacts.csv"
    src.write_text("Name,Email\nJane Doe,jane@acme.com\n", encoding="utf-8")
    assert main(["import", str(src), "--type", "contacts"]) == 2
    said = capsys.readouterr().err
    assert "no workspace yet" in said and "crm-bot console" in said and "“”" not in said, said


def with_close_dates(zip_path: Path, out: Path, day: str) -> Path:
    """The export as someone would send it after opening deals.csv in a spreadsheet that wrote its
    close dates its own way (every one ``day``)."""
    with zipfile.ZipFile(zip_path) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "deals.csv":
                rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
                at = rows[0].index("Close Date")
                for row in rows[1:]:
                    row[at] = day
                buf = io.StringIO()
                csv.writer(buf).writerows(rows)
                data = buf.getvalue().encode("utf-8")
            dst.writestr(name, data)
    return out


def test_an_export_whose_dates_could_be_read_two_ways_is_refused_before_anything_goes_in(
    crm: CRM, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import date

    from models import Company, ImportBatch

    seed_demo(crm, "T1", team_name="Old")
    first = cli_db / "old.zip"
    assert main(["export", "--workspace", "T1", str(first)]) == 0
    edited = with_close_dates(first, cli_db / "edited.zip", "03/04/2027")
    crm.ensure_workspace("T2", "New")
    crm.register_user("T2", PEOPLE[0][0], name=PEOPLE[0][1], role="admin")
    capsys.readouterr()
    assert main(["import", "--workspace", "T2", str(edited)]) == 2
    err = capsys.readouterr().err
    assert "deals.csv: Dates like 03/04/2027 could be 4 March 2027 or 3 April 2027" in err, err
    assert "--dates mdy" in err, err
    with crm.sessions() as s:
        t2 = s.scalar(select(Workspace.id).where(Workspace.team_id == "T2"))
        # Nothing half-written: not the companies, not the settings, no import at all.
        assert s.scalar(select(Company.id).where(Company.workspace_id == t2)) is None
        assert s.scalar(select(ImportBatch.id).where(ImportBatch.workspace_id == t2)) is None

    assert main(["import", "--workspace", "T2", "--dates", "dmy", str(edited)]) == 0
    with crm.sessions() as s:
        days = set(
            s.scalars(select(Deal.close_date).where(Deal.workspace_id == t2, Deal.close_date.is_not(None)))
        )
    assert days == {date(2027, 4, 3)}, days


def test_a_custom_date_field_the_workspace_lacks_yet_is_asked_about_too(
    crm: CRM, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The zip's own date field (added to the workspace only as the zip goes in) is read for its dates
    before anything goes in, as the built-in ones are."""
    from models import Company, CustomField, ImportBatch

    old = crm.register_user("T1", PEOPLE[0][0], name=PEOPLE[0][1], role="admin")
    crm.add_custom_field(old, "contact", "Renewal", "date")
    crm.create_contact(
        old, "Jane Doe", email="jane@acme.com", company="Acme Corp", custom={"Renewal": "2027-01-05"}
    )
    first = cli_db / "old.zip"
    assert main(["export", "--workspace", "T1", str(first)]) == 0
    edited = cli_db / "edited.zip"
    with zipfile.ZipFile(first) as src, zipfile.ZipFile(edited, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "contacts.csv":
                data = data.replace(b"2027-01-05", b"03/04/2027")
            dst.writestr(name, data)
    crm.ensure_workspace("T2", "New")
    crm.register_user("T2", PEOPLE[0][0], name=PEOPLE[0][1], role="admin")
    capsys.readouterr()
    assert main(["import", "--workspace", "T2", str(edited)]) == 2
    err = capsys.readouterr().err
    assert "contacts.csv: Dates like 03/04/2027" in err, err
    with crm.sessions() as s:
        t2 = s.scalar(select(Workspace.id).where(Workspace.team_id == "T2"))
        assert s.scalar(select(Company.id).where(Company.workspace_id == t2)) is None
        assert s.scalar(select(ImportBatch.id).where(ImportBatch.workspace_id == t2)) is None
        assert s.scalar(select(CustomField.id).where(CustomField.workspace_id == t2)) is None


@pytest.mark.parametrize(
    ("deals_csv", "said"),
    [
        (b"", "deals.csv: This file is empty"),
        (b"Foo,Bar\n1,2\n", "deals.csv: None of this file's columns"),
    ],
)
def test_an_export_with_a_file_that_cannot_be_read_is_refused_before_anything_goes_in(
    crm: CRM, cli_db: Path, capsys: pytest.CaptureFixture[str], deals_csv: bytes, said: str
) -> None:
    """deals.csv emptied or overwritten in a spreadsheet: refused, naming it, before the companies and
    contacts before it go in (they used to, and stayed), so the zip is in whole or not at all."""
    from models import Company, ImportBatch

    seed_demo(crm, "T1", team_name="Old")
    first = cli_db / "old.zip"
    assert main(["export", "--workspace", "T1", str(first)]) == 0
    edited = cli_db / "edited.zip"
    with zipfile.ZipFile(first) as src, zipfile.ZipFile(edited, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, deals_csv if name == "deals.csv" else data)
    crm.ensure_workspace("T2", "New")
    crm.register_user("T2", PEOPLE[0][0], name=PEOPLE[0][1], role="admin")
    capsys.readouterr()
    assert main(["import", "--workspace", "T2", str(edited)]) == 1
    err = capsys.readouterr().err
    assert said in err, err
    with crm.sessions() as s:
        t2 = s.scalar(select(Workspace.id).where(Workspace.team_id == "T2"))
        assert s.scalar(select(Company.id).where(Company.workspace_id == t2)) is None
        assert s.scalar(select(Contact.id).where(Contact.workspace_id == t2)) is None
        assert s.scalar(select(ImportBatch.id).where(ImportBatch.workspace_id == t2)) is None
