"""The command-line import with the files an operations person actually has, on both databases: where
its bad rows go (beside the file, never over another file), dates that could be read two ways, and the
shapes other tools write (Windows-1252, UTF-16, semicolons with decimal commas, a header alone, a
column twice, something that is not a table)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from bot.cli import main
from bot.demo import seed_demo
from bot.services import CRM
from models import AuditEvent, Contact, Deal, ImportBatch, User
from tests.support.fakeslack import FakeSlack, Fault


@pytest.fixture
def here(engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The folder the operator runs the command from; the files they import are somewhere else."""
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "CRM_ADMINS"):
        monkeypatch.delenv(name, raising=False)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return cwd


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


def deals(crm: CRM) -> dict[str, Deal]:
    with crm.sessions() as s:
        return {d.title: d for d in s.scalars(select(Deal).where(Deal.title.not_like("%demo%")))}


def imports(crm: CRM) -> int:
    with crm.sessions() as s:
        return s.scalar(select(func.count()).select_from(ImportBatch)) or 0


BAD = "Name,Email\nJane Roe,jane@roe.com\nRaj Roe,not-an-email\n"


def test_bad_rows_go_beside_the_file_named_after_it_and_never_over_another(
    crm: CRM, here: Path, files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_demo(crm, "T1")
    src = files / "old-crm-people.csv"
    src.write_text(BAD, encoding="utf-8")
    assert main(["import", str(src), "--type", "contacts"]) == 0
    first = files / "old-crm-people-bad-rows.csv"
    said = capsys.readouterr().out
    assert f"bad rows and why: {first}" in said, said
    lines = first.read_text(encoding="utf-8").splitlines()
    assert (
        lines[0] == "Row,Reason,Name,Email"
        and lines[1].startswith("3,")
        and "Raj Roe,not-an-email" in lines[1]
    )
    assert list(here.iterdir()) == [], "nothing is written where the command was run"

    # Fixed and run again (the bad row still bad): the first report is kept, the new one named apart.
    first.write_text("kept", encoding="utf-8")
    assert main(["import", str(src), "--type", "contacts", "--dry-run"]) == 0
    second = files / "old-crm-people-bad-rows-2.csv"
    assert f"bad rows and why: {second}" in capsys.readouterr().out
    assert first.read_text(encoding="utf-8") == "kept" and "not-an-email" in second.read_text(
        encoding="utf-8"
    )

    # A path given is used; one that is there already is not written over, and nothing is imported.
    chosen = here / "why.csv"
    assert main(["import", str(src), "--type", "contacts", "--bad-rows", str(chosen), "--dry-run"]) == 0
    assert f"bad rows and why: {chosen}" in capsys.readouterr().out and "not-an-email" in chosen.read_text()
    before = imports(crm)
    assert main(["import", str(src), "--type", "contacts", "--bad-rows", str(chosen)]) == 2
    err = capsys.readouterr().err
    assert f"{chosen} is there already" in err, err
    assert imports(crm) == before and "not-an-email" in chosen.read_text()

    # A file with no bad rows leaves no report behind.
    good = files / "good.csv"
    good.write_text("Name,Email\nLi Wei,li@wei.com\n", encoding="utf-8")
    assert main(["import", str(good), "--type", "contacts"]) == 0
    assert "bad rows" not in capsys.readouterr().out
    assert not (files / "good-bad-rows.csv").exists()


def test_dates_that_could_be_either_are_not_guessed(
    crm: CRM, here: Path, files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_demo(crm, "T1")
    src = files / "deals.csv"
    src.write_text("Deal Name,Amount,Close Date\nZeta expansion,500,03/04/2027\n", encoding="utf-8")
    assert main(["import", str(src), "--type", "deals"]) == 2
    err = capsys.readouterr().err
    assert "03/04/2027 could be 4 March 2027 or 3 April 2027" in err and "--dates dmy" in err, err
    assert "Zeta expansion" not in deals(crm)
    # A dry run reads them month first and says how to choose.
    assert main(["import", str(src), "--type", "deals", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "dates: 03/04/2027 could be 4 March 2027 or 3 April 2027; read month first here" in out, out
    assert main(["import", str(src), "--type", "deals", "--dates", "dmy"]) == 0
    assert "dates: read day first (as --dates says): 03/04/2027 is 3 April 2027" in capsys.readouterr().out
    assert deals(crm)["Zeta expansion"].close_date == date(2027, 4, 3)

    other = files / "more.csv"
    other.write_text("Deal Name,Amount,Close Date\nGlobex more,5,03/04/2027\nHooli more,6,25/03/2027\n")
    assert main(["import", str(other), "--type", "deals"]) == 0
    out = capsys.readouterr().out
    assert "dates: read day first (25/03/2027 is in the file): 03/04/2027 is 3 April 2027" in out, out
    found = deals(crm)
    assert (found["Globex more"].close_date, found["Hooli more"].close_date) == (
        date(2027, 4, 3),
        date(2027, 3, 25),
    )


def test_files_as_other_tools_write_them(
    crm: CRM, here: Path, files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_demo(crm, "T1")
    windows = files / "windows.csv"
    windows.write_bytes(
        "Name,Email,Company\nJosé García,jose@telefonica.es,Telefónica – España\n".encode("cp1252")
    )
    utf16 = files / "utf16.csv"
    utf16.write_bytes("Name\tEmail\nJürgen Müller\tjurgen@bosch.de\n".encode("utf-16"))
    twice = files / "twice.csv"
    twice.write_text(
        "Name,Email,Email,Phone\nJane Roe,jane@roe.com,jane.work@roe.com,555\n", encoding="utf-8"
    )
    for f in (windows, utf16, twice):
        assert main(["import", str(f), "--type", "contacts"]) == 0, f
    out = capsys.readouterr().out
    assert "(cp1252, commas)" in out and "(utf-16, tabs)" in out, out
    assert "left out: Email (column 3)" in out, out
    with crm.sessions() as s:
        found = {c.email: c for c in s.scalars(select(Contact))}
        assert found["jose@telefonica.es"].name == "José García"
        assert found["jose@telefonica.es"].company.name == "Telefónica – España"
        assert found["jurgen@bosch.de"].name == "Jürgen Müller"
        assert found["jane@roe.com"].phone == "555" and "jane.work@roe.com" not in found

    euro = files / "euro.csv"
    euro.write_bytes(
        "Deal Name;Amount;Stage;Close Date\nSociété euro;1.234,56;proposal;31.03.2027\nInitech euro;12.000;lead;\n".encode(
            "cp1252"
        )
    )
    assert main(["import", str(euro), "--type", "deals"]) == 0
    assert "(cp1252, semicolons, decimal commas)" in capsys.readouterr().out
    found = deals(crm)
    assert (found["Société euro"].amount, found["Société euro"].close_date) == (
        Decimal("1234.56"),
        date(2027, 3, 31),
    )
    assert found["Initech euro"].amount == Decimal("12000.00")

    # A deal that closed years ago goes in as it was (a migration brings history); an owner nobody
    # here is a bad row that says how to name one.
    history = files / "history.csv"
    history.write_text(
        "Deal Name,Amount,Stage,Close Date,Owner\n"
        "Old win,500,won,2019-01-15,Bob Martin\n"
        "Old hope,800,proposal,2019-02-01,Bob Martin\n"
        "Ghost deal,700,lead,2027-01-15,Zed Nobody\n",
        encoding="utf-8",
    )
    assert main(["import", str(history), "--type", "deals"]) == 0
    # An open deal whose close date is gone is brought as it is, and said: it will show as overdue.
    out = capsys.readouterr().out
    assert "1 open deal has a close date already past (Old hope, 1 February 2019)" in out, out
    found = deals(crm)
    assert found["Old hope"].close_date == date(2019, 2, 1) and found["Old hope"].closed_at is None
    assert found["Old win"].close_date == date(2019, 1, 15) and found["Old win"].closed_at.year == 2019
    assert "Ghost deal" not in found
    report = (files / "history-bad-rows.csv").read_text(encoding="utf-8")
    assert "“Zed Nobody” is not anyone in this workspace" in report, report

    before = imports(crm)
    for content, said in [
        (b"", "This file is empty."),
        (b"Name,Email\n", "This file has no rows under its column names (Name, Email)."),
        (b"Hello team,\n\nNotes from yesterday: pricing, the roadmap.\n", "is a contact field I know"),
        (b"%PDF-1.7 \x00\x01", "This file is a PDF, not a table."),
    ]:
        f = files / "odd.csv"
        f.write_bytes(content)
        assert main(["import", str(f), "--type", "contacts"]) == 1, content
        err = capsys.readouterr().err
        assert said in err, err
    assert imports(crm) == before


OWNED = (
    "First Name,Last Name,Email,Owner\n"
    "Lea,Roe,lea@roe.com,ines@example.com\n"
    "Max,Roe,max@roe.com,Ines@Example.com\n"
    "Ola,Roe,ola@roe.com,ana@example.com\n"
    "Pia,Roe,pia@roe.com,ana@example.com\n"
    "Rui,Roe,rui@roe.com,Ines\n"
)


def test_owners_by_email_are_found_in_slack_when_a_bot_token_is_set(
    crm: CRM, here: Path, files: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_demo(crm, "T1")
    fake = FakeSlack().start()
    try:
        fake.add_user("U0INES", "Ines Moreau", tz="Europe/Paris", email="ines@example.com")
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
        monkeypatch.setenv("SLACK_API_URL", fake.api_url)
        src = files / "owners.csv"
        src.write_text(OWNED, encoding="utf-8")
        assert main(["import", str(src), "--type", "contacts"]) == 0
        said = capsys.readouterr().out
        assert "1 teammate found in Slack: Ines Moreau; their rows go to them." in said, said
        assert (
            "Owner ana@example.com (2 rows) is not a teammate the bot knows: ask them to write to the bot once, "
            "or change the Owner column" in said
        ), said
        # A first name is never looked up, nor guessed into the person just found.
        assert "Owner Ines (1 row) is not a teammate" in said and "2 new" in said and "3 bad" in said, said
        assert sorted(c.params["email"] for c in fake.calls_to("users.lookupByEmail")) == [
            "ana@example.com",
            "ines@example.com",
        ]
        with crm.sessions() as s:
            ines = s.scalars(select(User).where(User.slack_id == "U0INES")).one()
            assert (ines.role, ines.tz, ines.email) == ("rep", "Europe/Paris", "ines@example.com")
            owned = set(s.scalars(select(Contact.email).where(Contact.owner_id == ines.id)))
            # Added by the import, audited as the importer's act.
            (made,) = s.scalars(
                select(AuditEvent).where(AuditEvent.record_type == "user", AuditEvent.record_id == ines.id)
            )
            admin = s.scalars(select(User).where(User.role == "admin").order_by(User.id)).first()
            assert admin is not None and (made.action, made.actor_id) == ("create", admin.id)
        assert owned == {"lea@roe.com", "max@roe.com"}
        assert "ana@example.com" in (files / "owners-bad-rows.csv").read_text()
    finally:
        fake.stop()


def test_slack_refusing_the_lookup_leaves_the_owner_unknown_and_the_import_going(
    crm: CRM, here: Path, files: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # An install made before the app asked for users:read.email: Slack says so on every lookup.
    seed_demo(crm, "T1")
    fake = FakeSlack().start()
    try:
        fake.add_user("U0INES", "Ines Moreau", email="ines@example.com")
        fake.fail_next("users.lookupByEmail", *[Fault(200, {"ok": False, "error": "missing_scope"})] * 2)
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
        monkeypatch.setenv("SLACK_API_URL", fake.api_url)
        src = files / "owners.csv"
        src.write_text(OWNED, encoding="utf-8")
        assert main(["import", str(src), "--type", "contacts"]) == 0
        said = capsys.readouterr().out
        assert "Owner ines@example.com (2 rows) is not a teammate the bot knows" in said, said
        assert "found in Slack" not in said and "0 new" in said and "5 bad" in said, said
        assert len(fake.calls_to("users.lookupByEmail")) == 2
    finally:
        fake.stop()


def test_without_a_bot_token_slack_is_not_asked_and_the_unknown_owner_is_said_once(
    crm: CRM, here: Path, files: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_demo(crm, "T1")
    fake = FakeSlack().start()
    try:
        fake.add_user("U0INES", "Ines Moreau", email="ines@example.com")
        monkeypatch.setenv("SLACK_API_URL", fake.api_url)
        src = files / "owners.csv"
        src.write_text(OWNED, encoding="utf-8")
        assert main(["import", str(src), "--type", "contacts", "--dry-run"]) == 0
        said = capsys.readouterr().out
        assert "Owner ines@example.com (2 rows) is not a teammate the bot knows" in said, said
        assert said.count("ines@example.com") == 1 and "found in Slack" not in said, said
        assert fake.calls == []
    finally:
        fake.stop()


def test_the_undo_takes_back_a_teammate_it_added_unless_records_of_theirs_stay(
    crm: CRM, here: Path, files: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_demo(crm, "T1")
    fake = FakeSlack().start()
    try:
        fake.add_user("U0INES", "Ines Moreau", email="ines@example.com")
        fake.add_user("U0OLA", "Ola Berg", email="ola@example.com")
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
        monkeypatch.setenv("SLACK_API_URL", fake.api_url)
        src = files / "owners.csv"
        src.write_text(
            "First Name,Last Name,Email,Owner\n"
            "Lea,Roe,lea@roe.com,ines@example.com\n"
            "Max,Roe,max@roe.com,ola@example.com\n",
            encoding="utf-8",
        )
        assert main(["import", str(src), "--type", "contacts"]) == 0
        said = capsys.readouterr().out
        assert "2 teammates found in Slack: Ines Moreau, Ola Berg" in said, said
        batch = said.split("crm-bot import --undo ")[1].split()[0]
        # Cara, a manager, edits Max (Ola's): the undo keeps Max, and so Ola.
        cara = crm.actor("T1", "U0CARA003")
        assert cara is not None
        crm.update_contact(cara, "max@roe.com", title="CTO")
        assert main(["import", "--undo", batch]) == 0
        said = capsys.readouterr().out
        assert "1 records deleted" in said and "1 kept" in said, said
        assert "Ines Moreau, whom it added to the team, is taken off it again." in said, said
        assert "Ola Berg, whom it added, stays: records of theirs stay" in said, said
        with crm.sessions() as s:
            people = set(s.scalars(select(User.slack_id)))
        assert "U0INES" not in people and "U0OLA" in people
    finally:
        fake.stop()


def test_a_row_with_several_bad_cells_names_each_with_its_column_and_the_right_form(
    crm: CRM, here: Path, files: Path
) -> None:
    # Fixed in one go: a report naming only the first bad cell sends the row back a second time.
    import csv

    seed_demo(crm, "T1")
    src = files / "deals.csv"
    src.write_text(
        "Deal - Title,Deal - Value,Expected close date\n"
        "Zeta renewal,lots,2027-02-30\n"
        "Omega pilot,500,2027-03-01\n",
        encoding="utf-8",
    )
    assert main(["import", str(src), "--type", "deals"]) == 0
    with open(files / "deals-bad-rows.csv", encoding="utf-8", newline="") as f:
        (header, row) = list(csv.reader(f))
    assert row[:2] == [
        "2",
        "Deal - Value: the amount “lots” is not a number (write it like 1234.50); "
        "Expected close date: the date “2027-02-30” does not exist",
    ], row
    assert "Omega pilot" in deals(crm) and "Zeta renewal" not in deals(crm)
