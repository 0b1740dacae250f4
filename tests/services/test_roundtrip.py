"""The round trip, on both databases: a workspace holding every kind of record (custom fields, tags, links,
a team's own pipelines, several currencies, forecast categories, closed deals, tasks, interactions) is
exported, its zip imported into an empty workspace by the command line, and that workspace exported in
turn: the two exports are the same field by field, but for the ids a new workspace gives anew."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from bot.cli import main
from bot.services import CRM, Actor
from bot.services.dataio.exporter import Exporter
from models import AuditEvent, Company, Contact, CustomField, Deal, ImportBatch, Interaction, Task, Workspace

PEOPLE = (
    ("UANN", "Ann Admin", "America/New_York", "admin", "ann@team.example"),
    ("UBOB", "Bob Manager", "Europe/Paris", "manager", "bob@team.example"),
    ("UCAT", "Cat Rep", "Asia/Tokyo", "rep", "cat@team.example"),
)
RECORD_FILES = ("companies", "contacts", "deals", "tasks", "interactions")
# What a new workspace cannot keep the same: the records' own ids.
IGNORED = {"ID"}


@pytest.fixture
def cli_db(engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "CRM_ADMINS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def team(crm: CRM, team_id: str) -> dict[str, Actor]:
    crm.ensure_workspace(team_id, f"Team {team_id}")
    return {
        slack: crm.register_user(team_id, slack, name=name, tz=tz, role=role, email=email)
        for slack, name, tz, role, email in PEOPLE
    }


def seed(crm: CRM) -> dict[str, Actor]:
    """Everything a team keeps, made through the services as people make it."""
    people = team(crm, "T1")
    ann, bob, cat = people["UANN"], people["UBOB"], people["UCAT"]
    soon = date.today() + timedelta(days=20)

    crm.add_custom_field(ann, "company", "Size", "choice", ["1-10", "11-50", "51-200"])
    crm.add_custom_field(ann, "company", "Founded", "date")
    crm.add_custom_field(ann, "contact", "Region", "choice", ["EMEA", "APAC", "Americas"])
    crm.add_custom_field(ann, "contact", "Nickname", "text")
    crm.add_custom_field(ann, "deal", "Score", "number")
    crm.add_custom_field(ann, "deal", "Renewal Date", "date")

    crm.add_pipeline(ann, "Renewals", renewal=True)
    crm.add_stage(ann, "Onboarding", pipeline="Renewals", chance=30)
    crm.remove_stage(ann, "renewals:demo")
    crm.change_stage(ann, "renewals:proposal", chance=55)

    crm.create_company(
        ann,
        "Acme Corp",
        domain="acme.com",
        industry="Software",
        tags=["vip", "emea"],
        custom={"Size": "51-200", "Founded": "2001-04-05"},
    )
    crm.update_company(ann, "Acme Corp", owner="UBOB")
    crm.create_company(bob, "Globex", domain="globex.com", industry="Manufacturing", custom={"Size": "11-50"})
    crm.create_company(cat, "Initech", tags=["smb"])

    crm.create_contact(
        ann,
        "Jane Doe",
        email="jane@acme.com",
        phone="+1 555 0100",
        company="Acme Corp",
        title="CTO",
        lifecycle="customer",
        tags=["champion"],
        custom={"Region": "EMEA", "Nickname": "JD"},
    )
    crm.create_contact(bob, "Raj Patel", email="raj@globex.com", company="Globex", lifecycle="lead")
    crm.create_contact(cat, "Peter Gibbons", company="Initech", custom={"Region": "Americas"})
    crm.update_contact(cat, "Peter Gibbons", preferred_channel="phone")

    crm.create_deal(
        ann,
        "Acme expansion",
        company="Acme Corp",
        contact="jane@acme.com",
        amount="12000",
        currency="USD",
        stage="proposal",
        close_date=soon,
        tags=["upsell"],
        custom={"Score": "7.5", "Renewal Date": "2027-01-31"},
    )
    crm.categorize_deal(ann, "Acme expansion", "commit")
    crm.create_deal(
        bob,
        "Globex renewal",
        company="Globex",
        contact="raj@globex.com",
        amount="5000,50",
        currency="EUR",
        close_date=soon,
    )
    crm.move_deal_to_pipeline(bob, "Globex renewal", "Renewals")
    crm.update_deal(bob, "Globex renewal", stage="Onboarding")
    crm.categorize_deal(bob, "Globex renewal", "best case")
    crm.create_deal(cat, "Initech pilot", company="Initech", amount="900", currency="GBP", stage="demo")
    crm.update_deal(ann, "Initech pilot", stage="won")  # closed by someone else than its owner
    crm.create_deal(ann, "Umbrella bid", amount="1500000", currency="JPY", stage="qualified")
    crm.update_deal(ann, "Umbrella bid", stage="lost")
    # Names that repeat: two companies of a name (told apart by their web domains), a deal title at two
    # companies, a person's name (no email) at two.
    crm.create_company(ann, "Umbrella", domain="umbrella.com", custom={"Size": "1-10"})
    crm.create_company(ann, "Umbrella", domain="umbrella.jp", force=True)
    crm.create_contact(ann, "Alice Abernathy", email="alice@umbrella.jp", company="Umbrella")
    with crm.sessions() as s:
        jp = s.scalar(select(Company.id).where(Company.domain == "umbrella.jp"))
        alice = s.scalar(select(Contact.id).where(Contact.email == "alice@umbrella.jp"))
    with crm.sessions() as s:
        s.get(Contact, alice).company_id = jp  # as picking the second Umbrella in a form does
        s.commit()
    crm.log_interaction(ann, "meeting", "Tokyo office", company=jp)
    crm.create_contact(ann, "Sam Lee", company="Acme Corp", force=True)
    crm.create_contact(ann, "Sam Lee", company="Globex", force=True)
    crm.create_deal(ann, "Annual renewal", company="Acme Corp", amount="100", force=True)
    crm.create_deal(
        ann, "Annual renewal", company="Globex", contact=_id_of(crm, "Sam Lee", "Globex"), force=True
    )
    crm.create_task(ann, "Chase Globex renewal", deal=_deal_id(crm, "Annual renewal", "Globex"))
    crm.log_interaction(ann, "call", "Sam at Globex", contact=_id_of(crm, "Sam Lee", "Globex"))
    # What is in the trash stays there.
    crm.create_contact(ann, "Old Lead", email="old@lead.example")
    crm.delete_record(ann, "contact", "old@lead.example")
    crm.create_deal(ann, "Dead deal", amount="10")
    crm.delete_record(ann, "deal", "Dead deal")

    crm.create_task(
        bob, "Send the proposal", assignee="UCAT", due=soon, contact="jane@acme.com", deal="Acme expansion"
    )
    crm.create_task(ann, "Call Raj back", due="2027-02-03T15:00:00", contact="raj@globex.com")
    crm.create_task(cat, "Kickoff notes", deal="Initech pilot")
    crm.complete_task(cat, "Kickoff notes")

    crm.log_interaction(
        ann,
        "call",
        "Talked pricing",
        contact="jane@acme.com",
        deal="Acme expansion",
        permalink="https://team.slack.com/archives/C1/p1700000000000100",
    )
    crm.log_interaction(bob, "meeting", "Quarterly review", company="Globex", occurred_at="2026-03-02")
    crm.log_interaction(cat, "note", "Prefers phone", contact="Peter Gibbons", company="Initech")
    return people


def _id_of(crm: CRM, name: str, company: str) -> int:
    with crm.sessions() as s:
        return int(
            s.scalar(
                select(Contact.id)
                .join(Company, Company.id == Contact.company_id)
                .where(Contact.name == name, Company.name == company)
            )
            or 0
        )


def _deal_id(crm: CRM, title: str, company: str) -> int:
    with crm.sessions() as s:
        return int(
            s.scalar(
                select(Deal.id)
                .join(Company, Company.id == Deal.company_id)
                .where(Deal.title == title, Company.name == company)
            )
            or 0
        )


def files(zip_path: Path) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(zip_path) as z:
        out = {}
        for name in z.namelist():
            with z.open(name) as raw:
                out[name.removesuffix(".csv")] = list(
                    csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
                )
        return out


def comparable(rows: list[dict[str, str]]) -> list[tuple[tuple[str, str], ...]]:
    return sorted(tuple(sorted((k, v) for k, v in r.items() if k not in IGNORED)) for r in rows)


def test_an_export_imports_into_an_empty_workspace_and_exports_the_same(
    crm: CRM, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people = seed(crm)
    first = cli_db / "first.zip"
    assert main(["export", "--workspace", "T1", str(first)]) == 0
    # The service writes the same files the command does.
    by_service = cli_db / "service.zip"
    Exporter(crm.sessions).run(people["UANN"], by_service)
    assert files(by_service) == files(first)

    before = files(first)
    deals = {d["Title"]: d for d in before["deals"]}
    assert deals["Globex renewal"]["Pipeline"] == "Renewals"
    assert deals["Globex renewal"]["Stage"] == "Onboarding"
    assert deals["Globex renewal"]["Forecast Category"] == "best_case"
    assert deals["Acme expansion"]["Score"] == "7.5"
    assert deals["Initech pilot"]["Closed At"]
    assert {c["Name"]: c["Size"] for c in before["companies"]}["Acme Corp"] == "51-200"
    assert {c["Name"]: c["Region"] for c in before["contacts"]}["Jane Doe"] == "EMEA"
    assert deals["Initech pilot"]["Closed By"] == "ann@team.example"
    assert {c["Name"]: c["Deleted At"] for c in before["contacts"]}["Old Lead"]
    assert deals["Dead deal"]["Deleted At"] and deals["Acme expansion"]["Last Activity At"]
    assert {t["Title"]: t["Created By"] for t in before["tasks"]}["Send the proposal"] == "bob@team.example"
    assert any(i["Link"] for i in before["interactions"])
    # A name two records share is written with the company (or the web domain) that tells them apart.
    assert {c["Email"]: c["Company"] for c in before["contacts"]}[
        "alice@umbrella.jp"
    ] == "Umbrella (umbrella.jp)"
    assert {i["Summary"]: i["Company"] for i in before["interactions"]}[
        "Tokyo office"
    ] == "Umbrella (umbrella.jp)"
    assert {t["Title"]: t["Deal"] for t in before["tasks"]}[
        "Chase Globex renewal"
    ] == "Annual renewal (Globex)"
    assert {d["Company"]: d["Contact"] for d in before["deals"] if d["Title"] == "Annual renewal"} == {
        "Acme Corp": "",
        "Globex": "Sam Lee (Globex)",
    }
    assert {t["Title"]: t["Deal"] for t in before["tasks"]}["Send the proposal"] == "Acme expansion"

    team(crm, "T2")
    # A dry run reads every file and writes nothing, not even the fields it would add.
    assert main(["import", "--workspace", "T2", "--dry-run", str(first)]) == 0
    dry = capsys.readouterr().out
    assert "would import" in dry and "would be custom fields added: Size (company)" in dry, dry
    with crm.sessions() as s:
        t2 = s.scalar(select(Workspace.id).where(Workspace.team_id == "T2"))
        assert s.scalar(select(func.count(Contact.id)).where(Contact.workspace_id == t2)) == 0
        assert s.scalar(select(func.count(CustomField.id)).where(CustomField.workspace_id == t2)) == 0
    capsys.readouterr()
    assert main(["import", "--workspace", "T2", str(first)]) == 0
    said = capsys.readouterr().out
    assert said.count(" 0 bad") >= len(RECORD_FILES), said
    # Every column lands on a field, the workspace's own fields among them; only the ids are new.
    left_out = [line.split(": ", 1)[1] for line in said.splitlines() if "left out" in line]
    assert left_out == ["ID"] * len(RECORD_FILES), said
    assert "Size → Size (custom field)" in said and "Renewals" in said

    second = cli_db / "second.zip"
    assert main(["export", "--workspace", "T2", str(second)]) == 0
    after = files(second)
    for name in (*RECORD_FILES, "fields", "pipelines"):
        assert before[name], name
        assert list(after[name][0]) == list(before[name][0]), name
        assert comparable(after[name]) == comparable(before[name]), name
    # The stages in their order, too.
    assert after["pipelines"] == before["pipelines"]

    with crm.sessions() as s:
        t2 = s.scalar(select(Workspace.id).where(Workspace.team_id == "T2"))
        # The open task due later reminds its assignee in the new workspace too.
        send = s.scalar(select(Task).where(Task.workspace_id == t2, Task.title == "Send the proposal"))
        assert send is not None and (send.reminder_state, send.remind_at) == ("pending", send.due_utc)
        gone = s.scalar(
            select(Contact)
            .where(Contact.workspace_id == t2, Contact.email == "old@lead.example")
            .execution_options(include_deleted=True)
        )
        assert gone is not None and gone.deleted_at is not None

    # Names that repeat link to the same records as before (the export names them with their company).
    with crm.sessions() as s:
        umbrellas = {
            c.domain: c
            for c in s.scalars(select(Company).where(Company.workspace_id == t2, Company.name == "Umbrella"))
        }
        assert set(umbrellas) == {"umbrella.com", "umbrella.jp"}
        alice = s.scalar(
            select(Contact).where(Contact.workspace_id == t2, Contact.email == "alice@umbrella.jp")
        )
        assert alice is not None and alice.company_id == umbrellas["umbrella.jp"].id
        chase = s.scalar(select(Task).where(Task.workspace_id == t2, Task.title == "Chase Globex renewal"))
        assert chase is not None and chase.deal_id is not None
        deal = s.get(Deal, chase.deal_id)
        assert deal is not None and deal.company is not None and deal.company.name == "Globex"
        assert deal.contact is not None and deal.contact.company is not None
        assert deal.contact.company.name == "Globex"
        call = next(
            i
            for i in s.scalars(select(Interaction).where(Interaction.workspace_id == t2))
            if i.summary == "Sam at Globex"
        )
        sam = s.get(Contact, call.contact_id)
        assert sam is not None and sam.company is not None and sam.company.name == "Globex"

    # One command takes every file's import back, the workspace's records with them.
    undo = said.split("undo every file of it: ")[1].split()
    assert main([*undo[1:], "--workspace", "T2"]) == 0, undo
    assert "records deleted" in capsys.readouterr().out
    with crm.sessions() as s:
        left = s.scalar(select(func.count(Contact.id)).where(Contact.workspace_id == t2))
        assert left == 0
        assert s.scalar(select(func.count(Deal.id)).where(Deal.workspace_id == t2)) == 0

    # The import is audited as imports (one undoable operation per file), not replayed as history.
    with crm.sessions() as s:
        t2 = s.scalar(select(Workspace.id).where(Workspace.team_id == "T2"))
        batches = list(s.scalars(select(ImportBatch).where(ImportBatch.workspace_id == t2)))
        assert sorted(b.record_type for b in batches) == sorted(
            ["company", "contact", "deal", "task", "interaction"]
        )
        assert (
            s.scalar(
                select(AuditEvent.id).where(AuditEvent.workspace_id == t2, AuditEvent.record_type == "deal")
            )
            is None
        )
