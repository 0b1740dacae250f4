"""The round trip, on both databases: a workspace holding every kind of record (custom fields, tags, links,
a team's own pipelines, several currencies, forecast categories, closed deals, tasks, interactions) is
exported, its zip imported into an empty workspace by the command line, and that workspace exported in
turn: the two exports are the same field by field, but for the ids a new workspace gives anew."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from bot.cli import main
from bot.clock import ManualClock
from bot.db import make_session_factory
from bot.services import CRM, Actor
from bot.services.base import aware
from bot.services.dataio.exporter import Exporter
from bot.services.errors import Conflict
from models import (
    AuditEvent,
    Company,
    Contact,
    CustomField,
    Deal,
    DealStageChange,
    Feedback,
    ImportBatch,
    ImportId,
    Interaction,
    Pipeline,
    PipelineStage,
    Quota,
    ReportSubscription,
    Subscription,
    Task,
    User,
    WebhookEndpoint,
    Workspace,
)
from tests.services.test_company_activity import kept, recounted
from tests.services.test_forecast_totals import kept as forecast_kept
from tests.services.test_forecast_totals import recounted as forecast_recounted
from tests.services.test_funnel_rows import same as funnel_same
from tests.support.feedback_rows import same

PEOPLE = (
    ("UANN", "Ann Admin", "America/New_York", "admin", "ann@team.example"),
    ("UBOB", "Bob Manager", "Europe/Paris", "manager", "bob@team.example"),
    ("UCAT", "Cat Rep", "Asia/Tokyo", "rep", "cat@team.example"),
)
RECORD_FILES = ("companies", "contacts", "deals", "tasks", "interactions")
RECORD_TYPES = ("company", "contact", "deal", "task", "interaction")
# What a new workspace cannot keep the same: the records' own ids, and those of the records they link to.
IGNORED = {"ID", "Company ID", "Contact ID", "Deal ID", "Stage ID"}


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
    # Every column lands on a field, the workspace's own fields and the export's ids among them.
    assert "left out" not in said, said
    assert "Size → Size (custom field)" in said and "Renewals" in said

    second = cli_db / "second.zip"
    assert main(["export", "--workspace", "T2", str(second)]) == 0
    after = files(second)
    for name in (*RECORD_FILES, "fields", "pipelines"):
        assert before[name], name
        assert list(after[name][0]) == list(before[name][0]), name
        assert comparable(after[name]) == comparable(before[name]), name
    # The stages in their order, too.
    assert [comparable([r]) for r in after["pipelines"]] == [comparable([r]) for r in before["pipelines"]]

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

    # The import is audited as imports (one undo for the zip); the history it replayed went with them.
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


# ---- everything else a workspace keeps, compared row by row from the database -----------------------

WEBHOOK_HOSTS = ("127.0.0.1:8765",)


def seed_more(crm: CRM, people: dict[str, Actor]) -> None:
    """What the records rest on besides fields and pipelines: the team, its settings, quotas,
    satisfaction answers, webhooks, scheduled posts, deal rooms, and names only an id tells apart."""
    from bot.services.proactive import Proactive
    from bot.services.report_subscriptions import ReportSubscriptions, read_order
    from bot.services.subscriptions import Subscriptions
    from bot.services.webhooks import Webhooks

    ann, bob, cat = people["UANN"], people["UBOB"], people["UCAT"]
    dan = crm.register_user("T1", "UDAN", name="Dan Later", tz="Australia/Sydney", role="rep")
    with crm.sessions.begin() as s:
        ws = s.scalar(select(Workspace).where(Workspace.team_id == "T1"))
        assert ws is not None
        ws.default_currency, ws.default_tz = "EUR", "Europe/Berlin"
    Proactive(crm).set_stale_days(ann, 21)
    crm.set_role(ann, "UDAN", "manager")

    # Two companies of one name with no web domain, two people of one name at one company, no email.
    crm.create_company(ann, "Hooli", industry="Search", force=True)
    crm.create_company(ann, "Hooli", industry="Hardware", force=True)
    with crm.sessions() as s:
        first, second = s.scalars(select(Company.id).where(Company.name == "Hooli").order_by(Company.id))
    crm.create_contact(ann, "Pat Kim", company=first, title="Buyer", force=True)
    crm.create_contact(ann, "Pat Kim", company=first, title="Engineer", force=True)
    crm.create_contact(dan, "Gavin Belson", company=second, force=True)
    crm.create_deal(ann, "Hooli box", company=second, amount="300", owner="UDAN", force=True)
    crm.log_interaction(ann, "note", "Hardware side", company=second)

    # A choice that holds the separator a list cell is split on.
    crm.add_custom_field(ann, "deal", "Segment", "choice", ["SMB; Mid-market", "Enterprise"])
    crm.update_deal(ann, "Acme expansion", custom={"Segment": "SMB; Mid-market"})
    crm.set_deal_room(ann, "Acme expansion", "C0ROOM001")

    crm.set_quota(bob, "UCAT", "50000", "USD", date(2027, 1, 1), date(2027, 3, 31))
    crm.set_quota(bob, "UDAN", "1000", "EUR", date(2027, 1, 1), date(2027, 3, 31))
    crm.log_feedback(cat, "jane@acme.com", "nps", 9)
    crm.log_feedback(ann, _id_of(crm, "Sam Lee", "Globex"), "csat", 4)
    with crm.sessions() as s:
        engineer = s.scalar(select(Contact.id).where(Contact.title == "Engineer"))
    crm.log_feedback(ann, engineer, "nps", 3)

    hooks = Webhooks(crm.sessions, crm.now, WEBHOOK_HOSTS)
    hooks.add(ann, "http://127.0.0.1:8765/crm", ["created", "won"])
    gone = hooks.add(ann, "http://127.0.0.1:8765/old")
    hooks.remove(ann, gone.webhook.id)
    ReportSubscriptions(crm.sessions, crm.now).subscribe(
        ann, read_order("forecast weekly mon 08:30 <@UCAT>"), "<#C0LEADS1|leads>"
    )
    Subscriptions(crm.sessions, crm.now).subscribe(bob, "<#C0SALES1|sales>", "weekly fri 16:00")


def _people(s: Any, ws: int) -> dict[int, str]:
    return {u.id: u.slack_id for u in s.scalars(select(User).where(User.workspace_id == ws))}


def _rows(s: Any, model: Any, ws: int) -> list[Any]:
    return list(
        s.scalars(select(model).where(model.workspace_id == ws).execution_options(include_deleted=True))
    )


def database_view(crm: CRM, team_id: str) -> dict[str, list[tuple[Any, ...]]]:
    """A workspace as its rows hold it, read straight from the tables (not through the export): each
    row's fields, the rows it points at named by what they hold, never by id."""
    with crm.sessions() as s:
        ws = s.scalar(select(Workspace).where(Workspace.team_id == team_id))
        assert ws is not None
        who = _people(s, ws.id)
        pipelines = {p.id: p.name for p in _rows(s, Pipeline, ws.id)}
        stages = {st.id: (pipelines[st.pipeline_id], st.name) for st in _rows(s, PipelineStage, ws.id)}
        fields = {str(f.id): (f.record_type, f.name) for f in _rows(s, CustomField, ws.id)}

        def custom(values: dict[str, Any]) -> tuple[Any, ...]:
            return tuple(sorted((fields[k][1], str(v)) for k, v in (values or {}).items() if k in fields))

        company = {
            c.id: (c.name, c.domain, c.industry, who.get(c.owner_id or 0), tuple(c.tags), c.lifecycle)
            for c in _rows(s, Company, ws.id)
        }
        contact = {
            c.id: (c.name, c.email, c.title, company.get(c.company_id or 0)) for c in _rows(s, Contact, ws.id)
        }
        deal = {d.id: (d.title, company.get(d.company_id or 0)) for d in _rows(s, Deal, ws.id)}
        out: dict[str, list[tuple[Any, ...]]] = {
            "workspace": [(ws.default_currency, ws.default_tz, ws.stale_days)],
            "users": [(u.slack_id, u.name, u.email, u.tz, u.role) for u in _rows(s, User, ws.id)],
            "fields": [
                (f.record_type, f.name, f.kind, tuple(f.choices)) for f in _rows(s, CustomField, ws.id)
            ],
            "companies": [
                (*company[c.id], custom(c.custom), aware(c.created_at), c.deleted_at is not None)
                for c in _rows(s, Company, ws.id)
            ],
            "contacts": [
                (
                    *contact[c.id],
                    c.phone,
                    c.lifecycle,
                    who.get(c.owner_id or 0),
                    tuple(c.tags),
                    c.preferred_channel,
                    custom(c.custom),
                    aware(c.created_at),
                    c.deleted_at is not None,
                )
                for c in _rows(s, Contact, ws.id)
            ],
            "deals": [
                (
                    *deal[d.id],
                    contact.get(d.contact_id or 0),
                    str(d.amount),
                    d.currency,
                    stages[d.stage_id],
                    who.get(d.owner_id or 0),
                    d.room_channel_id,
                    d.close_date,
                    d.closed_at is not None,
                    who.get(d.closed_by_id or 0),
                    tuple(d.tags),
                    d.forecast_category,
                    custom(d.custom),
                    aware(d.created_at),
                    d.deleted_at is not None,
                )
                for d in _rows(s, Deal, ws.id)
            ],
            "tasks": [
                (
                    t.title,
                    who.get(t.assignee_id or 0),
                    who.get(t.creator_id or 0),
                    t.due_date,
                    t.due_at and aware(t.due_at),
                    t.done_at is not None,
                    contact.get(t.contact_id or 0),
                    deal.get(t.deal_id or 0),
                    t.deleted_at is not None,
                )
                for t in _rows(s, Task, ws.id)
            ],
            "interactions": [
                (
                    i.kind,
                    i.summary,
                    aware(i.occurred_at),
                    who.get(i.author_id or 0),
                    i.permalink,
                    contact.get(i.contact_id or 0),
                    company.get(i.company_id or 0),
                    deal.get(i.deal_id or 0),
                )
                for i in _rows(s, Interaction, ws.id)
            ],
            "quotas": [
                (
                    who[q.user_id],
                    q.period_start,
                    q.period_end,
                    str(q.amount),
                    q.currency,
                    who.get(q.set_by_id or 0),
                )
                for q in _rows(s, Quota, ws.id)
            ],
            "feedback": [
                (
                    contact[f.contact_id],
                    company.get(f.company_id or 0),
                    f.scale,
                    f.score,
                    who.get(f.author_id or 0),
                    aware(f.given_at),
                )
                for f in _rows(s, Feedback, ws.id)
            ],
            "webhooks": [
                (w.url, tuple(w.events), who.get(w.created_by or 0), w.removed_at is not None)
                for w in _rows(s, WebhookEndpoint, ws.id)
            ],
            "report_subscriptions": [
                (
                    r.channel_id,
                    r.channel_name,
                    r.measure,
                    who.get(r.owner_id or 0),
                    pipelines.get(r.pipeline_id or 0),
                    r.period,
                    r.frequency,
                    r.weekdays,
                    r.time_local,
                    r.tz,
                    who.get(r.created_by or 0),
                )
                for r in _rows(s, ReportSubscription, ws.id)
            ],
            "subscriptions": [
                (
                    r.channel_id,
                    r.channel_name,
                    r.frequency,
                    r.weekday,
                    r.time_local,
                    r.tz,
                    who.get(r.created_by or 0),
                )
                for r in _rows(s, Subscription, ws.id)
            ],
        }
        return {k: sorted(v, key=repr) for k, v in out.items()}


def test_everything_a_workspace_keeps_comes_back_one_for_one(
    crm: CRM, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people = seed(crm)
    seed_more(crm, people)
    first = cli_db / "first.zip"
    assert main(["export", "--workspace", "T1", str(first)]) == 0
    exported = files(first)
    # Webhook endpoints go without their signing secrets.
    with crm.sessions() as s:
        secrets = [w.secret for w in s.scalars(select(WebhookEndpoint))]
    with zipfile.ZipFile(first) as z:
        for name in z.namelist():
            body = z.read(name).decode()
            assert not any(secret in body for secret in secrets), name
    assert [w["URL"] for w in exported["webhooks"]] == [
        "http://127.0.0.1:8765/crm",
        "http://127.0.0.1:8765/old",
    ]
    jsonl = cli_db / "first.jsonl"
    assert main(["export", "--workspace", "T1", "--format", "jsonl", str(jsonl)]) == 0
    kinds = {json.loads(line)["type"] for line in jsonl.read_text().splitlines()}
    assert {
        "workspace",
        "user",
        "quota",
        "feedback",
        "webhook",
        "report_subscription",
        "subscription",
    } <= kinds
    assert "secret" not in jsonl.read_text()

    team(crm, "T2")
    capsys.readouterr()
    assert main(["import", "--workspace", "T2", str(first)]) == 0
    said = capsys.readouterr().out
    assert "bad" in said and said.count(" 0 bad") >= len(RECORD_FILES), said
    # The endpoints come back switched off, with secrets of their own, and the import says so.
    assert "webhooks" in said and "disabled" in said, said

    before, after = database_view(crm, "T1"), database_view(crm, "T2")
    for table in before:
        assert before[table], table
        assert after[table] == before[table], table
    # The answers came back under their contacts' owners and companies: the same satisfaction report.
    assert len(same(crm)) == 2 * len(before["feedback"])
    year = (date.today() - timedelta(days=366), date.today() + timedelta(days=1))
    first_ann, second_ann = crm.actor("T1", "UANN"), crm.actor("T2", "UANN")
    assert first_ann and second_ann
    assert crm.satisfaction(second_ann, *year) == crm.satisfaction(first_ann, *year)
    with crm.sessions() as s:
        t2 = s.scalar(select(Workspace.id).where(Workspace.team_id == "T2"))
        hooks = list(s.scalars(select(WebhookEndpoint).where(WebhookEndpoint.workspace_id == t2)))
        assert hooks and all(h.disabled_at is not None for h in hooks)
        assert not {h.secret for h in hooks} & set(secrets)
        # The export's ids served the zip's links and are not kept beyond it.
        assert s.scalar(select(func.count(ImportId.id)).where(ImportId.workspace_id == t2)) == 0

    # The one undo the import printed takes all of it back, the team's settings included.
    undo = said.split("undo every file of it: ")[1].split()
    assert main([*undo[1:], "--workspace", "T2"]) == 0, undo
    emptied = database_view(crm, "T2")
    for table in ("companies", "contacts", "deals", "quotas", "feedback", "webhooks", "subscriptions"):
        assert emptied[table] == [], table
    assert emptied["report_subscriptions"] == [], emptied["report_subscriptions"]
    assert emptied["workspace"] != before["workspace"]
    assert {u[0] for u in emptied["users"]} == {"UANN", "UBOB", "UCAT"}


# ---- the history: the audit trail and the deals' stage history --------------------------------------

SEPT = datetime(2026, 9, 1, 14, 0, tzinfo=UTC)


def story(crm: CRM, clock: ManualClock) -> dict[str, Actor]:
    """Three months of a team's work, each change on its own day, so the reports have a past to read."""
    people = team(crm, "T1")
    ann, bob, cat = people["UANN"], people["UBOB"], people["UCAT"]
    crm.add_custom_field(ann, "deal", "Score", "number")
    crm.create_company(ann, "Acme Corp", domain="acme.com", industry="Software")
    crm.create_contact(ann, "Jane Doe", email="jane@acme.com", company="Acme Corp", title="CTO")
    crm.create_deal(
        ann,
        "Acme expansion",
        company="Acme Corp",
        contact="jane@acme.com",
        amount="1000",
        currency="USD",
        stage="qualified",
        close_date=date(2026, 10, 15),
        custom={"Score": "5"},
    )
    clock.advance(days=2)
    crm.create_deal(
        bob, "Globex pilot", amount="800", currency="EUR", stage="demo", close_date=date(2026, 11, 30)
    )
    clock.advance(days=2)
    crm.create_deal(cat, "Initech", amount="300", stage="qualified", close_date=date(2026, 10, 20))
    clock.advance(days=3)
    crm.update_deal(ann, "Acme expansion", stage="demo")
    crm.update_contact(bob, "jane@acme.com", title="VP Engineering")
    crm.create_task(
        bob, "Send the proposal", deal="Acme expansion", contact="jane@acme.com", due=date(2026, 9, 20)
    )
    crm.log_interaction(ann, "call", "Talked pricing", contact="jane@acme.com", deal="Acme expansion")
    clock.advance(days=4)
    crm.update_deal(cat, "Initech", stage="proposal")
    clock.advance(days=3)
    crm.update_deal(cat, "Initech", stage="negotiation")
    crm.undo(cat, crm.last_op(cat) or "")  # taken back: the history says so
    clock.advance(days=5)
    crm.update_deal(bob, "Acme expansion", amount="1500", custom={"Score": "9"})
    crm.update_company(ann, "Acme Corp", owner="UBOB")
    clock.advance(days=5)
    crm.update_deal(bob, "Globex pilot", stage="lost")
    crm.complete_task(bob, "Send the proposal")
    crm.create_deal(ann, "Dead deal", amount="10")
    crm.delete_record(ann, "deal", "Dead deal")
    clock.advance(days=6)
    crm.update_deal(ann, "Acme expansion", stage="proposal", close_date=date(2026, 10, 31))
    clock.advance(days=12)
    crm.update_deal(ann, "Acme expansion", stage="won")
    clock.advance(days=40)
    return people


HISTORIES = (
    ("deal", "Acme expansion"),
    ("deal", "Initech"),
    ("deal", "Globex pilot"),
    ("contact", "jane@acme.com"),
    ("company", "Acme Corp"),
)


def history_text(crm: CRM, actor: Actor, kind: str, ref: str) -> str:
    """What `/crm history` shows of a record (its header, lines and count), as the person reads it."""
    from bot.intents.history import timeline_card

    t = crm.timeline(actor, ref, kind)
    blocks = timeline_card(t, actor.tz, 0)
    shown = [b.to_dict() for b in blocks]
    return json.dumps([b for b in shown if b.get("type") != "actions"], sort_keys=True)


def past(crm: CRM, actor: Actor) -> list[Any]:
    """The reports that read the deals' past: the funnel of the deals added in September, and the
    forecasts whose look back reads what the deals stood at as each period began."""
    return [
        crm.funnel(actor, date(2026, 9, 1), date(2026, 9, 30)),
        crm.funnel(actor, date(2026, 8, 1), date(2026, 12, 31)),
        crm.forecast(actor, date(2026, 10, 1), date(2026, 10, 31)),
        crm.forecast(actor, date(2026, 11, 1), date(2026, 11, 30)),
        crm.velocity(actor, date(2026, 9, 1), date(2026, 11, 30)),
    ]


@pytest.mark.parametrize("form", ["zip", "jsonl"])
def test_the_history_comes_back_with_the_records(
    engine: Engine, cli_db: Path, capsys: pytest.CaptureFixture[str], form: str
) -> None:
    clock = ManualClock(SEPT)
    crm = CRM(make_session_factory(engine), clock.now)
    people = story(crm, clock)
    ann = people["UANN"]
    histories = {ref: history_text(crm, ann, kind, ref) for kind, ref in HISTORIES}
    assert "undid a change" in histories["Initech"] and "moved it" in histories["Acme expansion"]
    assert "VP Engineering" in histories["jane@acme.com"] and "Score" in histories["Acme expansion"]
    reports = past(crm, ann)
    assert reports[0].added == 3 and reports[0].won == 1, reports[0]

    exported = cli_db / f"first.{form}"
    assert (
        main(["export", "--workspace", "T1", "--format", "csv" if form == "zip" else "jsonl", str(exported)])
        == 0
    )
    assert "deal stage changes" in capsys.readouterr().out
    there = team(crm, "T2")
    assert main(["import", "--workspace", "T2", str(exported)]) == 0
    said = capsys.readouterr().out
    assert "history brought back" in said and said.count(" 0 bad") >= len(RECORD_FILES), said
    ann2 = there["UANN"]

    # Each record's history reads as it did (the people, stages, fields named as there), and the
    # reports' past is the same.
    for kind, ref in HISTORIES:
        assert history_text(crm, ann2, kind, ref) == histories[ref], ref
    assert past(crm, ann2) == reports
    # When each company's deals were last active is kept for what the zip brought (the customers report).
    assert kept(crm, ann2.workspace_id) == recounted(crm, ann2.workspace_id) != {}
    # And the forecast's totals per month of expected close.
    assert forecast_kept(crm, ann2.workspace_id) == forecast_recounted(crm, ann2.workspace_id) != {}

    with crm.sessions() as s:
        t1, t2 = (s.scalar(select(Workspace.id).where(Workspace.team_id == t)) for t in ("T1", "T2"))
        replayed = list(
            s.scalars(
                select(AuditEvent).where(AuditEvent.workspace_id == t2, AuditEvent.replayed_by.is_not(None))
            )
        )
        mine = s.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.workspace_id == t1, AuditEvent.record_type.in_(RECORD_TYPES)
            )
        )
        assert len(replayed) == mine
        # Each event under its own time, and none under another workspace's operation id nor naming it.
        assert all((e.after or e.before or {}).get("workspace_id") in (None, t2) for e in replayed)
        assert any((e.after or {}).get("workspace_id") == t2 for e in replayed)
        assert min(aware(e.at) for e in replayed) == SEPT
        t1_ops = set(s.scalars(select(AuditEvent.op_id).where(AuditEvent.workspace_id == t1)))
        assert not t1_ops & {e.op_id for e in replayed}

    # History is not anyone's operation here: no Undo offers it, and none takes it.
    for person in there.values():
        last = crm.last_op(person)
        assert last is None or last not in {e.op_id for e in replayed}, person.name
    with pytest.raises(Conflict) as refused:
        crm.undo(there["UBOB"], next(e.op_id for e in replayed if e.action == "update"))
    assert refused.value.code == "undo.replayed"

    # Work done here since: Bob's change of a deal the import made, and Cat's own deal.
    crm.update_deal(there["UBOB"], "Initech", amount="350")
    crm.create_deal(there["UCAT"], "Cat's own", amount="5")
    assert "350" in history_text(crm, there["UBOB"], "deal", "Initech")

    # The import's one undo takes its records and their history away, and nothing else.
    undo = said.split("undo every file of it: ")[1].split()
    assert main([*undo[1:], "--workspace", "T2"]) == 0, undo
    with crm.sessions() as s:
        left = {
            d.title: d.id
            for d in s.scalars(
                select(Deal).where(Deal.workspace_id == t2).execution_options(include_deleted=True)
            )
        }
        assert set(left) == {"Initech", "Cat's own"}
        events = list(
            s.scalars(
                select(AuditEvent).where(AuditEvent.workspace_id == t2, AuditEvent.record_type == "deal")
            )
        )
        # The deal kept (changed since) keeps its past; nothing is left of the records taken away.
        assert {e.record_id for e in events} == set(left.values())
        assert any(e.replayed_by for e in events if e.record_id == left["Initech"])
        rows = set(s.scalars(select(DealStageChange.deal_id).where(DealStageChange.workspace_id == t2)))
        assert rows == set(left.values())
    # Nor of what the funnel kept of them.
    assert set(funnel_same(crm, ann2)["deals"]) == set(left.values())
    assert kept(crm, ann2.workspace_id) == recounted(crm, ann2.workspace_id)
    assert forecast_kept(crm, ann2.workspace_id) == forecast_recounted(crm, ann2.workspace_id)
    # The exporting workspace is as it was.
    assert {ref: history_text(crm, ann, kind, ref) for kind, ref in HISTORIES} == histories
    assert past(crm, ann) == reports


def test_records_already_here_keep_their_own_history(
    engine: Engine, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = ManualClock(SEPT)
    crm = CRM(make_session_factory(engine), clock.now)
    people = story(crm, clock)
    exported = cli_db / "first.zip"
    assert main(["export", "--workspace", "T1", str(exported)]) == 0
    there = team(crm, "T2")
    # T2 has its own Acme Corp, with a history of its own.
    crm.create_company(there["UCAT"], "Acme Corp", domain="acme.com")
    crm.update_company(there["UCAT"], "Acme Corp", industry="Retail")
    own = history_text(crm, there["UCAT"], "company", "Acme Corp")
    capsys.readouterr()
    assert main(["import", "--workspace", "T2", str(exported)]) == 0
    said = capsys.readouterr().out
    assert "history brought back" in said and "records already here keep their own history" in said, said
    # The company matched keeps its own history and none of the export's; the records made get theirs,
    # linked to the company that was here.
    # (the call logged since on its contact shows on it too: that is activity, not its history)
    now = history_text(crm, there["UCAT"], "company", "Acme Corp")
    assert "<@UCAT> added it" in now and "Retail" in now and "Talked pricing" in now
    assert "<@UANN> added it" not in now and "owner" not in now, now
    assert "<@UANN> added it" not in own
    assert history_text(crm, there["UANN"], "deal", "Acme expansion") == history_text(
        crm, people["UANN"], "deal", "Acme expansion"
    )
    with crm.sessions() as s:
        t2 = s.scalar(select(Workspace.id).where(Workspace.team_id == "T2"))
        acme = s.scalar(select(Company.id).where(Company.workspace_id == t2))
        created = s.scalar(
            select(AuditEvent).where(
                AuditEvent.workspace_id == t2,
                AuditEvent.record_type == "contact",
                AuditEvent.action == "create",
            )
        )
        assert created is not None and created.after is not None and created.after["company_id"] == acme


def test_an_export_imported_again_into_its_own_workspace_adds_nothing(
    crm: CRM, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(crm)

    def counts() -> tuple[int, ...]:
        with crm.sessions() as s:
            return tuple(
                int(s.scalar(select(func.count(m.id))) or 0)
                for m in (Company, Contact, Deal, Task, Interaction)
            )

    before = counts()
    exported = cli_db / "first.zip"
    assert main(["export", "--workspace", "T1", str(exported)]) == 0
    capsys.readouterr()
    assert main(["import", "--workspace", "T1", str(exported)]) == 0
    said = capsys.readouterr().out
    assert counts() == before, said
    undo = said.split("undo every file of it: ")[1].split()
    assert main([*undo[1:], "--workspace", "T1"]) == 0, undo
    assert counts() == before


def test_owners_named_by_email_are_found_by_their_slack_id_in_the_zip(
    crm: CRM, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(crm)
    exported = cli_db / "first.zip"
    assert main(["export", "--workspace", "T1", str(exported)]) == 0
    # T2 knows the same people, but Slack never told it Bob's email.
    crm.ensure_workspace("T2", "Team T2")
    for slack, name, tz, role, email in PEOPLE:
        crm.register_user("T2", slack, name=name, tz=tz, role=role, email=None if slack == "UBOB" else email)
    capsys.readouterr()
    assert main(["import", "--workspace", "T2", str(exported)]) == 0
    said = capsys.readouterr().out
    assert "not a teammate" not in said and "1 person already here given the email" in said, said
    with crm.sessions() as s:
        t2 = s.scalar(select(Workspace.id).where(Workspace.team_id == "T2"))
        bob = s.scalar(select(User).where(User.workspace_id == t2, User.slack_id == "UBOB"))
        assert bob is not None and bob.email == "bob@team.example"
        acme = s.scalar(select(Company).where(Company.workspace_id == t2, Company.name == "Acme Corp"))
        assert acme is not None and acme.owner_id == bob.id
    # The email came with the import's people, and goes with its undo.
    undo = said.split("undo every file of it: ")[1].split()
    assert main([*undo[1:], "--workspace", "T2"]) == 0, undo
    with crm.sessions() as s:
        bob = s.scalar(select(User).where(User.workspace_id == t2, User.slack_id == "UBOB"))
        assert bob is not None and bob.email is None
