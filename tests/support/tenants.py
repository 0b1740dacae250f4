"""Two workspaces with a little of everything in each, made through the service layer as people would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, inspect, text

from bot.services import CRM, Actor
from bot.services.report_subscriptions import ReportSubscriptions, read_order
from models import Delivery, ImportBatch, ImportChange, ImportId, Subscription, WebhookEndpoint

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


@dataclass
class Tenant:
    actor: Actor
    mate: Actor
    company_id: int
    contact_id: int
    deal_id: int
    task_id: int


def fill(crm: CRM, team: str, prefix: str) -> Tenant:
    """A workspace with two people, a company, a contact, a deal, a call, a task, a summary subscription
    and a delivery: every table that points at another one has a row pointing."""
    boss = crm.register_user(team, f"U{prefix}1", name=f"{prefix} Boss", tz="UTC", role="admin")
    mate = crm.register_user(team, f"U{prefix}2", name=f"{prefix} Mate", tz="Europe/Paris")
    crm.add_custom_field(boss, "contact", "Region", "choice", ["EMEA", "APAC"])
    contact = crm.create_contact(
        boss,
        f"{prefix} Jane Doe",
        email=f"jane@{prefix.lower()}.com",
        company=f"{prefix} Corp",
        custom={"region": "EMEA"},
    )
    assert contact.contact is not None
    deal = crm.create_deal(
        boss,
        f"{prefix} renewal",
        company=f"{prefix} Corp",
        contact=contact.contact.id,
        amount="100",
        owner=mate.slack_id,
        close_date="2026-12-20",  # counted in the forecast's totals too
    ).deal
    assert deal is not None
    crm.update_deal(boss, deal.id, stage="won")
    # Open, expected to close in a year: kept for the forecast's look back (deal_forecast_marks).
    crm.create_deal(boss, f"{prefix} expansion", amount="50", close_date=date.today() + timedelta(days=365))
    crm.log_interaction(boss, "call", "talked pricing", contact=contact.contact.id, deal=deal.id)
    task = crm.create_task(
        boss,
        f"{prefix} send the quote",
        assignee=mate.slack_id,
        due="2026-12-15",
        contact=contact.contact.id,
        deal=deal.id,
    ).task
    assert task is not None
    order = read_order(f"forecast weekly mon 08:30 <@{mate.slack_id}>")
    ReportSubscriptions(crm.sessions, lambda: NOW).subscribe(boss, order, f"C{prefix}LEADS01")
    with crm.sessions.begin() as s:
        s.add(
            Subscription(
                workspace_id=boss.workspace_id,
                channel_id=f"C{prefix}",
                frequency="weekly",
                weekday=0,
                time_local="09:00",
                next_run_at=NOW + timedelta(days=7),
                created_by=boss.user_id,
            )
        )
        s.add(
            Delivery(
                workspace_id=boss.workspace_id,
                kind="reminder",
                dedupe_key=f"reminder:{prefix}:{task.id}",
                channel=mate.slack_id,
                user_id=mate.user_id,
                payload={"task_id": task.id},
            )
        )
        s.add(
            WebhookEndpoint(
                workspace_id=boss.workspace_id,
                url=f"https://hooks.{prefix.lower()}.example/crm",
                events=["created"],
                secret=f"whsec_{prefix}",
                created_by=boss.user_id,
            )
        )
        s.add(
            ImportBatch(
                workspace_id=boss.workspace_id,
                batch_id=f"batch-{prefix}",
                record_type="contacts",
                actor_id=boss.user_id,
                file_name="contacts.csv",
                mode="skip",
                mapping={"Name": "name"},
                rows=1,
                created=0,
                updated=0,
                skipped=1,
                bad=0,
                started_at=NOW,
                finished_at=NOW,
            )
        )
        s.flush()
        s.add(
            ImportChange(
                workspace_id=boss.workspace_id,
                batch_id=f"batch-{prefix}",
                record_id=contact.contact.id,
                before={"name": f"{prefix} Jane Doe"},
            )
        )
        s.add(
            ImportId(
                workspace_id=boss.workspace_id,
                batch_id=f"batch-{prefix}",
                source_id="17",
                record_id=contact.contact.id,
            )
        )
    # A quota and a satisfaction answer: the report tables point at people, contacts and companies too.
    crm.set_quota(boss, mate.slack_id, "1000", "USD", date(2026, 10, 1), date(2026, 12, 31))
    crm.log_feedback(boss, contact.contact.id, "nps", 9)
    return Tenant(boss, mate, contact.contact.company_id or 0, contact.contact.id, deal.id, task.id)


def dump(
    engine: Engine, tables: list[str], columns: dict[str, list[str]] | None = None
) -> dict[str, list[tuple[object, ...]]]:
    """Every row of ``tables`` as the database holds it, in key order; only ``columns`` (by table) when
    given, so that rows can be compared across revisions that add columns."""
    with engine.connect() as conn:
        return {
            table: [
                tuple(row)
                for row in conn.execute(
                    text(
                        f"SELECT {', '.join((columns or {}).get(table) or ['*'])} FROM {table} ORDER BY 1, 2"
                    )
                )
            ]
            for table in tables
        }


def columns_of(engine: Engine, tables: list[str]) -> dict[str, list[str]]:
    """The columns ``tables`` have at the database's current revision, in table order."""
    found = inspect(engine)
    return {table: [c["name"] for c in found.get_columns(table)] for table in tables}
