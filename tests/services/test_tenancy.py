"""A session scoped to a workspace never loads another workspace's rows, however it asks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Connection, Engine, func, select, text, update
from sqlalchemy.orm import Session, aliased, lazyload, selectinload, sessionmaker

from bot.services import CRM
from bot.services.tenancy import install, scope_of, scoped
from models import Base, Company, Contact, Deal, Task
from models.base import WorkspaceScoped
from tests.support.tenants import Tenant, fill

SCOPED_CLASSES = sorted(
    (m.class_ for m in Base.registry.mappers if issubclass(m.class_, WorkspaceScoped)),
    key=lambda c: c.__name__,
)


@pytest.fixture
def tenants(crm: CRM) -> tuple[Tenant, Tenant]:
    return fill(crm, "TA", "A"), fill(crm, "TB", "B")


def test_every_workspace_table_is_scoped() -> None:
    with_workspace = {t.name for t in Base.metadata.sorted_tables if "workspace_id" in t.c}
    assert {cls.__table__.name for cls in SCOPED_CLASSES} == with_workspace - {"workspaces"}


@pytest.mark.parametrize("cls", SCOPED_CLASSES, ids=lambda c: c.__name__)
def test_a_scoped_session_reads_only_its_workspace(
    crm: CRM, tenants: tuple[Tenant, Tenant], cls: type
) -> None:
    a, b = tenants
    with crm.sessions() as s:
        everyone = {row.workspace_id for row in s.scalars(select(cls)).unique()}
        assert everyone == {a.actor.workspace_id, b.actor.workspace_id}  # both are there to be leaked
        scoped(s, a.actor.workspace_id)
        assert {row.workspace_id for row in s.scalars(select(cls)).unique()} == {a.actor.workspace_id}


def test_lookups_counts_joins_and_aliases_are_scoped(crm: CRM, tenants: tuple[Tenant, Tenant]) -> None:
    a, b = tenants
    with crm.sessions() as s:
        scoped(s, a.actor.workspace_id)
        assert s.get(Contact, b.contact_id) is None
        assert s.get(Contact, a.contact_id) is not None
        assert s.scalar(select(func.count()).select_from(Contact)) == 1
        names = s.scalars(select(Company.name).join(Contact, Contact.company_id == Company.id)).all()
        assert names == ["A Corp"]
        other = aliased(Deal)
        assert sorted(s.scalars(select(other.title)).all()) == ["A expansion", "A renewal"]
        # By its id, B's deal is still not there.
        assert s.scalars(select(Deal).where(Deal.id == b.deal_id)).unique().all() == []


def test_orm_updates_and_deletes_are_scoped(crm: CRM, tenants: tuple[Tenant, Tenant]) -> None:
    a, b = tenants
    with crm.sessions.begin() as s:
        scoped(s, a.actor.workspace_id)
        s.execute(update(Task).values(title="renamed"), execution_options={"synchronize_session": False})
    with crm.sessions() as s:
        assert s.scalar(select(Task.title).where(Task.id == a.task_id)) == "renamed"
        assert s.scalar(select(Task.title).where(Task.id == b.task_id)) == "B send the quote"


@contextmanager
def _crossed(engine: Engine, a: Tenant, b: Tenant) -> Iterator[Connection]:
    """A's contact and deal pointing at B's company, which the database refuses: its keys are set
    aside for one transaction, rolled back at the end, to show that the ORM stands on its own."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys=OFF")  # only outside a transaction
        trans = conn.begin()
        try:
            if engine.dialect.name == "postgresql":
                conn.execute(text("ALTER TABLE contacts DROP CONSTRAINT fk_contacts_company_id_companies"))
                conn.execute(text("ALTER TABLE deals DROP CONSTRAINT fk_deals_company_id_companies"))
            for table, row in (("contacts", a.contact_id), ("deals", a.deal_id)):
                conn.execute(
                    text(f"UPDATE {table} SET company_id = :theirs WHERE id = :mine"),
                    {"theirs": b.company_id, "mine": row},
                )
            yield conn
        finally:
            trans.rollback()
            if engine.dialect.name == "sqlite":
                raw.execute("PRAGMA foreign_keys=ON")


def test_relationship_loads_are_scoped(engine: Engine, crm: CRM, tenants: tuple[Tenant, Tenant]) -> None:
    a, b = tenants
    with _crossed(engine, a, b) as conn:
        sessions = install(sessionmaker(bind=conn))
        with sessions() as s:  # unscoped, the crossing shows
            contact = s.get(Contact, a.contact_id)
            assert contact is not None and contact.company is not None and contact.company.name == "B Corp"
        with sessions() as s:
            scoped(s, a.actor.workspace_id)
            contact = s.get(Contact, a.contact_id)  # joined eager load
            assert contact is not None and contact.company is None
            deal = s.scalars(select(Deal).where(Deal.id == a.deal_id).options(lazyload(Deal.company))).one()
            assert deal.company is None  # lazy load
        with sessions() as s:
            scoped(s, a.actor.workspace_id)
            deal = s.scalars(
                select(Deal).where(Deal.id == a.deal_id).options(selectinload(Deal.company))
            ).one()
            assert deal.company is None  # select-in load


def test_scope_is_per_session_and_fixed_once_set(crm: CRM, tenants: tuple[Tenant, Tenant]) -> None:
    a, b = tenants
    with crm.sessions() as s:
        assert scope_of(scoped(s, a.actor.workspace_id)) == a.actor.workspace_id
        scoped(s, a.actor.workspace_id)  # saying it again is fine
        with pytest.raises(ValueError):
            scoped(s, b.actor.workspace_id)
    with crm.sessions() as s:
        assert scope_of(s) is None
        assert len(s.scalars(select(Contact)).unique().all()) == 2


def test_install_is_idempotent(engine: Engine) -> None:
    sessions = sessionmaker(engine)
    assert install(install(sessions)) is sessions
    with Session(engine) as s:  # a session not made by an installed factory is left alone
        scoped(s, 1)
        assert s.scalar(select(func.count()).select_from(Contact)) == 0
