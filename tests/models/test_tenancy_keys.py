"""The database itself keeps workspaces apart and vocabularies closed, whatever code writes to it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import CheckConstraint, Engine, delete, inspect, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.services import CRM
from models import (
    AuditEvent,
    Contact,
    Deal,
    Delivery,
    Interaction,
    Pipeline,
    PipelineStage,
    PipelineTotal,
    Quota,
    ReportSubscription,
    Subscription,
    Task,
    User,
    Workspace,
    metadata,
)
from tests.support.tenants import Tenant, fill


@pytest.fixture
def tenants(crm: CRM) -> tuple[Tenant, Tenant]:
    return fill(crm, "TA", "A"), fill(crm, "TB", "B")


def _b_stage(s: Session, b: Tenant) -> int:
    return int(s.scalar(select(PipelineStage.id).where(PipelineStage.workspace_id == b.actor.workspace_id)))


# Each: a row of workspace A made to point at a row of workspace B.
CROSSINGS: dict[str, Any] = {
    "contact → company": lambda s, a, b: s.get(Contact, a.contact_id).__setattr__("company_id", b.company_id),
    "contact → owner": lambda s, a, b: s.get(Contact, a.contact_id).__setattr__("owner_id", b.actor.user_id),
    "deal → contact": lambda s, a, b: s.get(Deal, a.deal_id).__setattr__("contact_id", b.contact_id),
    "deal → stage": lambda s, a, b: s.get(Deal, a.deal_id).__setattr__("stage_id", _b_stage(s, b)),
    "deal → closed by": lambda s, a, b: s.get(Deal, a.deal_id).__setattr__("closed_by_id", b.mate.user_id),
    "task → deal": lambda s, a, b: s.get(Task, a.task_id).__setattr__("deal_id", b.deal_id),
    "task → assignee": lambda s, a, b: s.get(Task, a.task_id).__setattr__("assignee_id", b.mate.user_id),
    "new interaction → contact": lambda s, a, b: s.add(
        Interaction(workspace_id=a.actor.workspace_id, kind="call", contact_id=b.contact_id)
    ),
    "new audit event → actor": lambda s, a, b: s.add(
        AuditEvent(
            workspace_id=a.actor.workspace_id,
            op_id="x",
            actor_id=b.actor.user_id,
            record_type="deal",
            record_id=a.deal_id,
            action="update",
        )
    ),
    "delivery → user": lambda s, a, b: s.execute(
        update(Delivery).where(Delivery.workspace_id == a.actor.workspace_id).values(user_id=b.mate.user_id)
    ),
    "subscription → creator": lambda s, a, b: s.execute(
        update(Subscription)
        .where(Subscription.workspace_id == a.actor.workspace_id)
        .values(created_by=b.actor.user_id)
    ),
    "report subscription → pipeline": lambda s, a, b: s.execute(
        update(ReportSubscription)
        .where(ReportSubscription.workspace_id == a.actor.workspace_id)
        .values(
            pipeline_id=s.scalar(select(Pipeline.id).where(Pipeline.workspace_id == b.actor.workspace_id))
        )
    ),
    "pipeline total → stage": lambda s, a, b: s.execute(
        update(PipelineTotal)
        .where(PipelineTotal.workspace_id == a.actor.workspace_id)
        .values(stage_id=_b_stage(s, b))
    ),
}


@pytest.mark.parametrize("crossing", sorted(CROSSINGS))
def test_a_row_cannot_point_into_another_workspace(
    crm: CRM, tenants: tuple[Tenant, Tenant], crossing: str
) -> None:
    a, b = tenants
    with crm.sessions() as s, pytest.raises(IntegrityError):
        CROSSINGS[crossing](s, a, b)
        s.flush()


def test_the_same_links_within_a_workspace_are_accepted(crm: CRM, tenants: tuple[Tenant, Tenant]) -> None:
    a, _b = tenants
    with crm.sessions.begin() as s:
        contact = s.get(Contact, a.contact_id)
        assert contact is not None
        contact.owner_id = a.mate.user_id
        s.add(Interaction(workspace_id=a.actor.workspace_id, kind="email", contact_id=a.contact_id))


def test_a_link_left_empty_is_not_checked(crm: CRM, tenants: tuple[Tenant, Tenant]) -> None:
    a, _b = tenants
    with crm.sessions.begin() as s:
        task = s.get(Task, a.task_id)
        assert task is not None
        task.deal_id = task.contact_id = task.assignee_id = None


def _vocabulary_checks() -> list[tuple[str, str, tuple[str, ...]]]:
    found = []
    for table in metadata.sorted_tables:
        for constraint in table.constraints:
            if isinstance(constraint, CheckConstraint) and "vocabulary" in constraint.info:
                column = str(constraint.sqltext).split(" IN ", 1)[0]
                found.append((table.name, column, constraint.info["vocabulary"]))
    # table.constraints is a set: in a fixed order, so that every test process collects the same tests.
    return sorted(found)


def test_every_vocabulary_the_models_name_is_checked() -> None:
    checked = {(table, column) for table, column, _values in _vocabulary_checks()}
    assert checked == {
        ("users", "role"),
        ("contacts", "lifecycle"),
        ("companies", "lifecycle"),
        ("interactions", "kind"),
        ("tasks", "reminder_state"),
        ("audit_events", "record_type"),
        ("audit_events", "action"),
        ("deliveries", "kind"),
        ("deliveries", "state"),
        ("subscriptions", "frequency"),
        ("report_subscriptions", "measure"),
        ("report_subscriptions", "period"),
        ("report_subscriptions", "frequency"),
        ("custom_fields", "record_type"),
        ("custom_fields", "kind"),
        ("imports", "mode"),
        ("feedback", "scale"),
        ("deals", "forecast_category"),
    }


def test_audited_record_types_are_the_ones_the_database_accepts() -> None:
    from bot.services.base import AUDITED
    from models.entities import RECORD_TYPES

    assert set(AUDITED) == set(RECORD_TYPES)


@pytest.mark.parametrize(("table", "column", "values"), _vocabulary_checks())
def test_a_value_outside_the_vocabulary_is_refused(
    crm: CRM, tenants: tuple[Tenant, Tenant], table: str, column: str, values: tuple[str, ...]
) -> None:
    with crm.sessions() as s:
        assert s.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar(), f"no {table} row to spoil"
        for value in values:  # every word of the vocabulary is accepted...
            s.execute(text(f"UPDATE {table} SET {column} = :v"), {"v": value})
        with pytest.raises(IntegrityError):  # ...and nothing else
            s.execute(text(f"UPDATE {table} SET {column} = 'bogus'"))


def test_the_migrated_checks_list_what_the_models_list(engine: Engine) -> None:
    """The migration wrote its vocabularies out; they must still be the models' constants."""
    inspector = inspect(engine)
    for table, column, values in _vocabulary_checks():
        reflected = {c["name"]: c["sqltext"] for c in inspector.get_check_constraints(table)}
        sqltext = reflected[f"ck_{table}_{column}"]
        assert set(re.findall(r"'([^']*)'", sqltext)) == set(values), (table, column)


def test_deleting_a_person_through_the_orm_leaves_the_rows_naming_them(
    crm: CRM, tenants: tuple[Tenant, Tenant]
) -> None:
    """What ON DELETE SET NULL did before the keys carried the workspace: their audit trail and the
    messages sent to them stay, without them."""
    a, b = tenants
    with crm.sessions.begin() as s:
        # Their records must go first (undo refuses otherwise); what only mentions them stays.
        s.execute(delete(Task).where(Task.workspace_id == a.actor.workspace_id))
        s.execute(delete(Quota).where(Quota.workspace_id == a.actor.workspace_id))
        for deal in s.scalars(select(Deal).where(Deal.workspace_id == a.actor.workspace_id)):
            deal.owner_id = deal.closed_by_id = None
        s.flush()
        s.delete(s.get(User, a.mate.user_id))
    with crm.sessions() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.workspace_id == a.actor.workspace_id)).all()
        assert any(e.record_type == "user" and e.record_id == a.mate.user_id for e in events)
        assert a.mate.user_id not in {e.actor_id for e in events}
        delivery = s.scalar(select(Delivery).where(Delivery.workspace_id == a.actor.workspace_id))
        assert delivery is not None and delivery.user_id is None
        # Workspace B's rows naming its own people are untouched.
        assert (
            s.scalar(select(Delivery.user_id).where(Delivery.workspace_id == b.actor.workspace_id))
            == b.mate.user_id
        )


def test_deleting_a_person_behind_the_orms_back_is_refused(crm: CRM, tenants: tuple[Tenant, Tenant]) -> None:
    a, _b = tenants
    with crm.sessions() as s, pytest.raises(IntegrityError):
        s.execute(text("DELETE FROM users WHERE id = :id"), {"id": a.mate.user_id})


def test_deleting_a_workspace_takes_all_its_rows_and_only_its(
    crm: CRM, tenants: tuple[Tenant, Tenant]
) -> None:
    a, b = tenants
    with crm.sessions.begin() as s:
        s.execute(delete(Workspace).where(Workspace.id == a.actor.workspace_id))
    with crm.sessions() as s:
        for table in metadata.sorted_tables:
            if "workspace_id" not in table.c:
                continue
            left = {row[0] for row in s.execute(select(table.c.workspace_id).distinct())}
            assert a.actor.workspace_id not in left, table.name
        assert s.get(Deal, b.deal_id) is not None
