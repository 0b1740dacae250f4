"""The schema is made only by migrations: they must agree with the models, and go down cleanly."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from bot.db import make_engine
from bot.migrate import current, downgrade, upgrade
from models import metadata
from models.search import include_name
from tests.support.revisions import Starts
from tests.support.tenants import dump


def test_upgrade_creates_schema_matching_models_and_downgrade_removes_it(start: Starts) -> None:
    engine = start.empty()  # made by upgrading an empty database through every revision
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name}),
            metadata,
        )
    assert diff == [], f"models and migrations disagree: {diff}"
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())

    downgrade(engine, "base")
    assert current(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

    upgrade(engine)  # and back up again: downgrades leave nothing that blocks a re-run
    assert current(engine) is not None


def test_db_upgrade_command_on_empty_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli import main

    path = tmp_path / "sub" / "crm.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    for var in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    assert main(["db", "upgrade"]) == 0
    engine = make_engine(f"sqlite:///{path}")
    assert "deals" in inspect(engine).get_table_names()
    engine.dispose()


def test_data_migrations_recount_totals_per_currency_and_date_closed_deals(start: Starts) -> None:
    """Deals made under 0006 (no currency in the totals, no closed_at) come through 0007 and 0008 with
    per-currency totals and, for closed deals, when and by whom they closed, from the audit trail."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from sqlalchemy import text

    from bot.db import make_session_factory
    from bot.services import CRM

    engine = start.empty()
    crm = CRM(make_session_factory(engine), clock=lambda: datetime(2026, 11, 2, 15, 0, tzinfo=UTC))
    ann = crm.register_user("T1", "UANN", name="Ann", tz="UTC", role="admin")
    won = crm.create_deal(ann, "Acme", amount="100", currency="USD", close_date="2027-01-31").deal
    crm.create_deal(ann, "Berlin", amount="50", currency="EUR")
    assert won is not None
    crm.clock = lambda: datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    crm.update_deal(ann, won.id, stage="won")
    downgrade(engine, "0006")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM pipeline_totals")).scalar() == 2
    upgrade(engine, "head")
    crm = CRM(make_session_factory(engine))
    stages = {s.stage: s for s in crm.pipeline(ann).stages}
    assert stages["lead"].amounts == {"EUR": Decimal("50")}
    assert stages["won"].amounts == {"USD": Decimal("100")}
    deal = crm.resolve_deal(ann, won.id)
    assert deal.closed_at is not None and deal.closed_by_slack_id == "UANN"
    at = deal.closed_at if deal.closed_at.tzinfo else deal.closed_at.replace(tzinfo=UTC)
    assert at == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    assert str(deal.close_date) == "2027-01-31"


TENANT_TABLES = [
    "workspaces",
    "users",
    "companies",
    "contacts",
    "pipeline_stages",
    "deals",
    "interactions",
    "tasks",
    "audit_events",
    "pipeline_totals",
    "deliveries",
    "subscriptions",
]


def test_workspace_keys_come_and_go_with_every_row_kept(start: Starts) -> None:
    """Two workspaces filled under 0009 come through 0010 (its keys and checks) row for row, and back
    down and up again; afterwards the database refuses what it let through before."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    engine, a, b = start.filled("0009")
    before = dump(engine, TENANT_TABLES)
    assert all(before[table] for table in TENANT_TABLES)
    crossing = text("UPDATE contacts SET company_id = :theirs WHERE id = :mine")
    with engine.begin() as conn:  # under 0009 nothing stops it; put back at once
        conn.execute(crossing, {"theirs": b.company_id, "mine": a.contact_id})
        conn.execute(crossing, {"theirs": a.company_id, "mine": a.contact_id})

    upgrade(engine, "0010")
    assert dump(engine, TENANT_TABLES) == before
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(crossing, {"theirs": b.company_id, "mine": a.contact_id})

    downgrade(engine, "0009")
    assert dump(engine, TENANT_TABLES) == before
    upgrade(engine, "0010")
    assert dump(engine, TENANT_TABLES) == before
    upgrade(engine, "head")
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name}),
            metadata,
        )
    assert diff == []


def test_links_already_crossing_workspaces_are_emptied_by_the_upgrade(start: Starts) -> None:
    """A row that points into another workspace can only be a past bug; the upgrade empties that one
    link (the row stays) rather than failing, and touches nothing else."""
    from sqlalchemy import text

    engine, a, b = start.filled("0009")
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE tasks SET deal_id = :theirs WHERE id = :mine"),
            {"theirs": b.deal_id, "mine": a.task_id},
        )
    before = dump(engine, TENANT_TABLES)
    upgrade(engine, "0010")
    after = dump(engine, TENANT_TABLES)
    assert {t for t in TENANT_TABLES if after[t] != before[t]} == {"tasks"}
    with engine.connect() as conn:
        stray = conn.execute(text("SELECT deal_id, title FROM tasks WHERE id = :id"), {"id": a.task_id}).one()
        kept = conn.execute(text("SELECT deal_id FROM tasks WHERE id = :id"), {"id": b.task_id}).scalar()
    assert stray == (None, "A send the quote")
    assert kept == b.deal_id


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_migrations_do_not_cascade_into_the_tables_they_copy(start: Starts) -> None:
    """SQLite alters a table by copying it and dropping the original; with foreign keys on, that drop
    deleted the calls logged on a deal and unlinked its tasks (0008 copies deals)."""
    from sqlalchemy import text

    from bot.db import make_session_factory
    from bot.services import CRM
    from tests.support.tenants import NOW, dump, fill

    engine = start.empty("0007")
    with engine.begin() as conn:
        # 0007's deals have no closed_at/closed_by_id yet: the service cannot write them, SQL can.
        conn.execute(
            text(
                "INSERT INTO workspaces (id, team_id, default_tz, default_currency, stale_days, created_at) "
                "VALUES (1, 'T1', 'UTC', 'USD', 14, '2026-11-02 15:00:00')"
            )
        )
        conn.execute(text("INSERT INTO pipeline_stages VALUES (1, 1, 'lead', 'Lead', 0, 0, 0)"))
        conn.execute(
            text(
                "INSERT INTO deals (id, workspace_id, title, title_key, currency, stage_id, stage_changed_at, "
                "last_activity_at, created_at, updated_at) VALUES (1, 1, 'Acme', 'acme', 'USD', 1, "
                "'2026-11-02 15:00:00', '2026-11-02 15:00:00', '2026-11-02 15:00:00', '2026-11-02 15:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO interactions (id, workspace_id, kind, summary, occurred_at, deal_id, created_at) "
                "VALUES (1, 1, 'call', 'pricing', '2026-11-02 15:00:00', 1, '2026-11-02 15:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO tasks (id, workspace_id, title, title_key, deal_id, reminder_state, created_at, "
                "updated_at) VALUES (1, 1, 'quote', 'quote', 1, 'none', '2026-11-02 15:00:00', "
                "'2026-11-02 15:00:00')"
            )
        )
    upgrade(engine, "0010")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, deal_id FROM interactions")).all() == [(1, 1)]
        assert conn.execute(text("SELECT id, deal_id FROM tasks")).all() == [(1, 1)]
        # and foreign keys are on again for whoever uses the connection next
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    upgrade(engine, "head")  # 0012 copies tasks and interactions, with targets pointing at them
    with engine.connect() as conn:
        links = text("SELECT task_id, interaction_id, deal_id FROM targets ORDER BY id")
        assert conn.execute(links).all() == [(1, None, 1), (None, 1, 1)]
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    crm = CRM(make_session_factory(engine), clock=lambda: NOW)
    fill(crm, "TA", "A")
    assert dump(engine, ["interactions"])["interactions"][0][0] == 1


LINK_COLUMNS = {"tasks": ("contact", "deal"), "interactions": ("contact", "company", "deal")}


def _links(engine: Engine) -> set[tuple[str, int, str, int]]:
    """Every link of a task or interaction, as (source table, id, record type, record id), read from
    targets at 0012 and later and from the sources' own columns before."""
    from sqlalchemy import text

    found = set()
    with engine.connect() as conn:
        if "targets" in inspect(conn).get_table_names():
            rows = conn.execute(
                text("SELECT task_id, interaction_id, contact_id, company_id, deal_id FROM targets")
            )
            for task, interaction, *records in rows:
                (kind, record_id), *others = [
                    (k, v) for k, v in zip(("contact", "company", "deal"), records, strict=True) if v
                ]
                assert not others
                found.add(("tasks" if task else "interactions", task or interaction, kind, record_id))
            return found
        for table, kinds in LINK_COLUMNS.items():
            for row in conn.execute(text(f"SELECT id, {', '.join(f'{k}_id' for k in kinds)} FROM {table}")):
                found |= {(table, row[0], k, v) for k, v in zip(kinds, row[1:], strict=True) if v}
    return found


def _rows_without_links(engine: Engine) -> dict[str, list[dict[str, object]]]:
    """Every row of every workspace table by column name, less the link columns (whose order and
    home the migration changes)."""
    from sqlalchemy import text

    out = {}
    with engine.connect() as conn:
        for table in TENANT_TABLES:
            drop = {f"{k}_id" for k in LINK_COLUMNS.get(table, ())}
            rows = conn.execute(
                text(
                    f"SELECT * FROM {table} ORDER BY id"
                    if table != "pipeline_totals"
                    else f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4"
                )
            ).mappings()
            out[table] = [{k: v for k, v in row.items() if k not in drop} for row in rows]
    return out


def test_links_move_into_targets_and_back_with_nothing_lost(start: Starts) -> None:
    """Tasks and interactions linked every way there is (a call with a contact, their company and a
    deal, a note on a company alone, a task on a contact and a deal) come through 0012 into targets,
    back into their own columns, and up again, with every link and every other value kept."""
    from bot.db import make_session_factory
    from bot.services import CRM
    from tests.support.tenants import NOW

    engine, a, b = start.filled("head")
    crm = CRM(make_session_factory(engine), clock=lambda: NOW)
    crm.log_interaction(a.actor, "note", "they are hiring", company="A Corp")
    crm.log_interaction(b.actor, "email", "sent the deck", deal=b.deal_id)
    crm.create_task(b.actor, "B chase the signature", contact=b.contact_id)
    downgrade(engine, "0012")  # what 0012 made; later revisions add columns of their own
    links, rows = _links(engine), _rows_without_links(engine)
    assert {(t, k) for t, _i, k, _r in links} == {
        ("tasks", "contact"),
        ("tasks", "deal"),
        ("interactions", "contact"),
        ("interactions", "company"),
        ("interactions", "deal"),
    }
    kinds: dict[tuple[str, int], set[str]] = {}
    for table, source, kind, _record in links:
        kinds.setdefault((table, source), set()).add(kind)
    assert {"company"} in kinds.values()  # the note on a company alone

    downgrade(engine, "0011")
    assert _links(engine) == links
    assert _rows_without_links(engine) == rows

    upgrade(engine, "0012")
    assert _links(engine) == links
    assert _rows_without_links(engine) == rows
    targets = dump(engine, ["targets"])
    downgrade(engine, "0011")
    upgrade(engine, "0012")
    assert dump(engine, ["targets"]) == targets  # the same rows under the same ids every time
    assert _rows_without_links(engine) == rows

    # And the services (which write the newest schema) read the links back as they were written.
    upgrade(engine, "head")
    crm = CRM(make_session_factory(engine), clock=lambda: NOW)
    shown = crm.list_tasks(a.mate)
    assert [(t.contact, t.deal) for t in shown] == [("A Jane Doe", "A renewal")]


# What 0011 is about; tasks and interactions change shape again in 0012 (targets), tested on their own.
COMPANY_TABLES = [t for t in TENANT_TABLES if t not in ("tasks", "interactions")]


def test_company_records_come_and_go_with_every_company_kept(start: Starts) -> None:
    """Companies made under 0010 come through 0011 as they were (no industry, no owner, no tags); what
    0011 lets a company say survives the services' writes, and back down and up again the rows stay."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from bot.db import make_session_factory
    from bot.services import CRM
    from tests.support.tenants import NOW, columns_of, dump

    engine, a, b = start.filled("0010")
    old = columns_of(engine, COMPANY_TABLES)
    assert {"industry", "owner_id", "tags"}.isdisjoint(old["companies"])
    before = dump(engine, COMPANY_TABLES, old)

    upgrade(engine, "0011")
    assert dump(engine, COMPANY_TABLES, old) == before
    with engine.connect() as conn:
        added = conn.execute(text("SELECT industry, owner_id, tags FROM companies ORDER BY id")).all()
    assert [(r[0], r[1], r[2] if isinstance(r[2], list) else json.loads(r[2])) for r in added] == [
        (None, None, []),
        (None, None, []),
    ]
    upgrade(engine)  # the services write the newest schema
    crm = CRM(make_session_factory(engine), clock=lambda: NOW)
    crm.update_company(a.actor, a.company_id, industry="robotics", owner=a.mate.slack_id)
    crm.tag_company(a.actor, a.company_id, ["vip"])
    shown = crm.company_details(a.actor, a.company_id).company
    assert (shown.industry, shown.owner_slack_id, shown.tags) == ("robotics", "UA2", ["vip"])
    with pytest.raises(IntegrityError), engine.begin() as conn:  # an owner from another workspace
        conn.execute(
            text("UPDATE companies SET owner_id = :theirs WHERE id = :mine"),
            {"theirs": b.mate.user_id, "mine": a.company_id},
        )

    # Down, what 0011 added goes (and only that); back up, the companies are as 0010 left them.
    written = dump(engine, COMPANY_TABLES, old)
    downgrade(engine, "0010")
    assert dump(engine, COMPANY_TABLES, old) == written
    upgrade(engine, "0011")
    assert dump(engine, COMPANY_TABLES, old) == written
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name}),
            metadata,
        )
        kept = conn.execute(text("SELECT industry, owner_id FROM companies ORDER BY id")).all()
    assert diff == [] and kept == [(None, None), (None, None)]


def test_deal_tags_come_and_go_with_every_deal_kept(start: Starts) -> None:
    """Deals made under 0012 come through 0013 with no tags and everything else as it was; back down, the
    column goes and nothing else changes."""
    from sqlalchemy import text

    from tests.support.tenants import columns_of

    engine, _a, _b = start.filled("0012")
    old = columns_of(engine, ["deals"])
    assert "tags" not in old["deals"]
    before = dump(engine, ["deals"])
    assert before["deals"]
    upgrade(engine, "0013")
    with engine.connect() as conn:
        tags = conn.execute(text("SELECT tags FROM deals ORDER BY id")).scalars().all()
    assert [t if isinstance(t, list) else json.loads(t) for t in tags] == [[] for _ in before["deals"]]
    downgrade(engine, "0012")
    assert dump(engine, ["deals"]) == before


SOFT_DELETE_TABLES = ["companies", "contacts", "deals", "tasks"]


def test_soft_delete_columns_come_and_go_with_every_record_kept(start: Starts) -> None:
    """Records made under 0013 come through 0014 not deleted and otherwise as they were; one deleted
    under 0014 is marked (the database refuses a deleter from another workspace) and undone; back down,
    only the two columns go, and up again the schema is the models'."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from bot.db import make_session_factory
    from bot.services import CRM
    from tests.support.tenants import NOW, columns_of

    engine, a, b = start.filled("0013")
    old = columns_of(engine, SOFT_DELETE_TABLES)
    assert all("deleted_at" not in cols for cols in old.values())
    before = dump(engine, SOFT_DELETE_TABLES)
    assert all(before[t] for t in SOFT_DELETE_TABLES)
    upgrade(engine, "0014")
    assert dump(engine, SOFT_DELETE_TABLES, old) == before
    with engine.connect() as conn:
        for table in SOFT_DELETE_TABLES:
            marks = conn.execute(text(f"SELECT deleted_at, deleted_by_id FROM {table}")).all()
            assert marks and all(m == (None, None) for m in marks), table

    upgrade(engine)
    crm = CRM(make_session_factory(engine), clock=lambda: NOW)
    gone = crm.delete_record(a.actor, "deal", a.deal_id)
    assert a.deal_id not in [d.id for d in crm.list_deals(a.actor, include_closed=True)]
    with engine.connect() as conn:
        marked = conn.execute(
            text("SELECT deleted_by_id FROM deals WHERE id = :i"), {"i": a.deal_id}
        ).scalar()
    assert marked == a.actor.user_id
    with pytest.raises(IntegrityError), engine.begin() as conn:  # a deleter from another workspace
        conn.execute(
            text("UPDATE contacts SET deleted_by_id = :theirs WHERE id = :mine"),
            {"theirs": b.actor.user_id, "mine": a.contact_id},
        )
    crm.undo(a.actor, gone.op_id)
    assert a.deal_id in [d.id for d in crm.list_deals(a.actor, include_closed=True)]

    written = dump(engine, SOFT_DELETE_TABLES, old)
    downgrade(engine, "0013")
    assert dump(engine, SOFT_DELETE_TABLES, old) == written
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name}),
            metadata,
        )
    assert diff == []


def test_pipelines_come_and_go_with_every_stage_and_deal_kept(start: Starts) -> None:
    """Stages and deals made under 0013 come through 0015 in one "Sales" pipeline per workspace, the
    default stages with their win probabilities, companies as prospects; a second pipeline made then
    (its stage keys the same as the first's) goes back down with its keys made unique and every deal
    still in its stage; and up again."""
    from sqlalchemy import text

    from bot.db import make_session_factory
    from bot.services import CRM
    from tests.support.tenants import NOW, columns_of

    engine, a, _b = start.filled("0013")
    old = columns_of(engine, TENANT_TABLES)
    assert "pipeline_id" not in old["pipeline_stages"] and "lifecycle" not in old["companies"]
    before = dump(engine, TENANT_TABLES, old)

    upgrade(engine, "0015")
    assert dump(engine, TENANT_TABLES, old) == before
    with engine.connect() as conn:
        pipelines = conn.execute(
            text("SELECT workspace_id, key, name, position FROM pipelines ORDER BY 1")
        ).all()
        stages = conn.execute(
            text(
                "SELECT s.key, s.probability, p.key FROM pipeline_stages s "
                "JOIN pipelines p ON p.id = s.pipeline_id AND p.workspace_id = s.workspace_id "
                "WHERE s.workspace_id = :ws ORDER BY s.position"
            ),
            {"ws": a.actor.workspace_id},
        ).all()
        companies = conn.execute(text("SELECT DISTINCT lifecycle FROM companies")).scalars().all()
    assert [(p[1], p[2], p[3]) for p in pipelines] == [("sales", "Sales", 0), ("sales", "Sales", 0)]
    assert stages == [
        ("lead", 10, "sales"), ("qualified", 20, "sales"), ("demo", 40, "sales"), ("proposal", 60, "sales"),
        ("negotiation", 80, "sales"), ("won", 100, "sales"), ("lost", 0, "sales"),
    ]  # fmt: skip
    assert companies == ["prospect"]

    upgrade(engine)  # the services write the newest schema
    crm = CRM(make_session_factory(engine), clock=lambda: NOW)
    crm.add_pipeline(a.actor, "Renewals", renewal=True)
    crm.move_deal_to_pipeline(a.actor, a.deal_id, "Renewals")
    crm.change_stage(a.actor, "demo", chance=35)
    with engine.connect() as conn:
        deal_stage = conn.execute(
            text(
                "SELECT s.key, s.pipeline_id FROM deals d JOIN pipeline_stages s ON s.id = d.stage_id WHERE d.id = :d"
            ),
            {"d": a.deal_id},
        ).one()
    assert deal_stage[0] == "won"

    downgrade(engine, "0013")
    with engine.connect() as conn:
        keys = (
            conn.execute(
                text("SELECT key FROM pipeline_stages WHERE workspace_id = :ws ORDER BY position"),
                {"ws": a.actor.workspace_id},
            )
            .scalars()
            .all()
        )
        moved = conn.execute(
            text("SELECT s.key FROM deals d JOIN pipeline_stages s ON s.id = d.stage_id WHERE d.id = :d"),
            {"d": a.deal_id},
        ).scalar()
        kinds = conn.execute(text("SELECT DISTINCT record_type FROM audit_events")).scalars().all()
    assert keys[:7] == ["lead", "qualified", "demo", "proposal", "negotiation", "won", "lost"]
    assert keys[7:] == [
        f"renewals_{k}" for k in ("lead", "qualified", "demo", "proposal", "negotiation", "won", "lost")
    ]
    assert moved == "renewals_won"
    assert not {"stage", "pipeline"} & set(kinds)

    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name}),
            metadata,
        )
        count = conn.execute(text("SELECT count(*) FROM pipeline_stages WHERE pipeline_id IS NULL")).scalar()
    assert diff == [] and count == 0


def test_picker_indexes_come_and_go_on_postgresql(start: Starts) -> None:
    """0020 adds the pickers' word indexes on PostgreSQL (and nothing on SQLite); down, they are gone."""
    engine = start.empty("0020")
    names = {ix["name"] for ix in inspect(engine).get_indexes("contacts")}
    assert "ix_contacts_lookup" in names
    assert ("ix_contacts_name_words" in names) == (engine.dialect.name == "postgresql")
    downgrade(engine, "0013")
    names = {ix["name"] for ix in inspect(engine).get_indexes("contacts")}
    assert "ix_contacts_name_words" not in names and "ix_contacts_lookup" in names


def test_deal_rooms_come_and_go_with_every_deal_and_delivery_kept(start: Starts) -> None:
    """Deals and deliveries made under 0013 come through 0020 with no room and as they were; a room post
    can then be queued; back down, the column and the room posts go and nothing else changes."""
    from sqlalchemy import text

    engine, _a, _b = start.filled("0013")
    before = dump(engine, ["deals", "deliveries", "targets"])
    assert before["deals"] and before["deliveries"]
    upgrade(engine, "0020")
    with engine.begin() as conn:
        rooms = conn.execute(text("SELECT room_channel_id FROM deals")).scalars().all()
        assert rooms == [None] * len(before["deals"])
        ws = conn.execute(text("SELECT workspace_id FROM deals LIMIT 1")).scalar()
        conn.execute(
            text(
                "INSERT INTO deliveries (workspace_id, kind, dedupe_key, channel, payload, state, attempts,"
                " due_at, late, next_attempt_at, created_at) VALUES (:w, 'deal_room', 'room:1', 'CROOM',"
                " '{}', 'pending', 0, '2026-12-01 00:00:00', false, '2026-12-01 00:00:00',"
                " '2026-12-01 00:00:00')"
            ),
            {"w": ws},
        )
    downgrade(engine, "0013")
    assert dump(engine, ["deals", "deliveries", "targets"]) == before


def test_custom_fields_come_and_go_with_every_record_kept(start: Starts) -> None:
    """Records made under 0013 come through 0016 with no custom values and everything else as it was; a
    field and its values made then go on the way down (with the field's audit events), the rest as before."""
    from sqlalchemy import text

    from tests.support.tenants import columns_of

    tables = ["contacts", "companies", "deals", "audit_events"]
    engine, _a, _b = start.filled("0013")
    assert "custom" not in columns_of(engine, ["contacts"])["contacts"]
    before = dump(engine, tables)
    assert before["contacts"] and before["companies"] and before["deals"]
    upgrade(engine, "0016")
    with engine.begin() as conn:
        for table in ("contacts", "companies", "deals"):
            values = conn.execute(text(f"SELECT custom FROM {table} ORDER BY id")).scalars().all()
            assert [v if isinstance(v, dict) else json.loads(v) for v in values] == [{}] * len(values)
        conn.execute(
            text(
                "INSERT INTO custom_fields (workspace_id, record_type, name, key, kind, choices, position,"
                " created_at) SELECT id, 'contact', 'Region', 'region', 'choice', '[\"EMEA\"]', 1,"
                " created_at FROM workspaces"
            )
        )
        conn.execute(text("""UPDATE contacts SET custom = '{"1": "EMEA"}'"""))
        conn.execute(
            text(
                "INSERT INTO audit_events (workspace_id, op_id, record_type, record_id, action, at)"
                " SELECT workspace_id, 'op', 'custom_field', id, 'create', created_at FROM custom_fields"
            )
        )
    downgrade(engine, "0013")
    assert dump(engine, tables) == before
    assert "custom_fields" not in inspect(engine).get_table_names()
    upgrade(engine, "head")


def schema_diff(conn: Any) -> list[Any]:
    """What the models and the migrated schema disagree on, the migrations' own indexes left out."""
    context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name})
    return list(compare_metadata(context, metadata))


def test_forecast_columns_come_and_go_with_every_deal_and_stage_kept(start: Starts) -> None:
    """Under 0017 the deals already there are in the pipeline category and the default stages have their
    probabilities; back down, those columns go and nothing else changes."""
    from sqlalchemy import text

    from bot.db import make_session_factory
    from bot.services import CRM
    from models.entities import STAGE_PROBABILITY
    from tests.support.tenants import NOW, columns_of

    engine, _a, _b = start.filled("0013")
    old = columns_of(engine, ["deals", "pipeline_stages"])
    before = dump(engine, ["deals", "pipeline_stages"], old)
    assert before["deals"] and before["pipeline_stages"]
    upgrade(engine, "0017")
    with engine.connect() as conn:
        categories = conn.execute(text("SELECT forecast_category FROM deals")).scalars().all()
        stages = conn.execute(text("SELECT key, probability FROM pipeline_stages")).all()
    assert categories == ["pipeline"] * len(before["deals"])
    assert stages and all(pct == STAGE_PROBABILITY.get(key) for key, pct in stages)
    # A quota (a record type and its audit rows only 0017 knows) goes with the revision; made by
    # today's services, so at today's schema, and taken down through every revision since.
    upgrade(engine, "head")
    crm = CRM(make_session_factory(engine), clock=lambda: NOW)
    boss = crm.register_user("TA", "UA1", name="A Boss", tz="UTC", role="admin")
    crm.set_quota(boss, "UA2", "5000", "USD", date(2026, 10, 1), date(2026, 12, 31))
    downgrade(engine, "0013")
    assert dump(engine, ["deals", "pipeline_stages"], old) == before
    assert "quotas" not in inspect(engine).get_table_names()
    upgrade(engine, "0017")


def test_tagged_name_indexes_come_and_go_on_postgresql(start: Starts) -> None:
    """0027 adds the partial indexes of tagged contacts and companies in name order on PostgreSQL (and
    nothing on SQLite); down, they are gone and the tag indexes of 0016 stay."""
    engine = start.empty("0027")
    for table in ("contacts", "companies"):
        names = {ix["name"] for ix in inspect(engine).get_indexes(table)}
        assert (f"ix_{table}_tagged_name" in names) == (engine.dialect.name == "postgresql")
    downgrade(engine, "0017")
    for table in ("contacts", "companies"):
        names = {ix["name"] for ix in inspect(engine).get_indexes(table)}
        assert f"ix_{table}_tagged_name" not in names
        assert (f"ix_{table}_tags" in names) == (engine.dialect.name == "postgresql")


def test_report_subscriptions_come_and_go_with_every_other_row_kept(start: Starts) -> None:
    """0025 adds the report subscriptions (their table, their audit record type, their kind of
    delivery); back down to 0017 they go with their audit rows and deliveries, and nothing else changes."""
    from sqlalchemy import text

    from tests.support.tenants import columns_of

    engine, _a, _b = start.filled("0025")
    with engine.begin() as conn:
        ws = conn.execute(text("SELECT workspace_id FROM report_subscriptions")).scalars().first()
        conn.execute(
            text(
                "INSERT INTO deliveries (workspace_id, kind, dedupe_key, channel, payload, state, attempts,"
                " due_at, late, next_attempt_at, created_at) VALUES (:ws, 'report', 'report:1:x', 'C1',"
                " '{}', 'sent', 1, CURRENT_TIMESTAMP, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"ws": ws},
        )
    kept = ["deals", "subscriptions", "users"]
    old = columns_of(engine, kept)
    before = dump(engine, kept, old)
    with engine.connect() as conn:
        audited = conn.execute(
            text("SELECT COUNT(*) FROM audit_events WHERE record_type = 'report_subscription'")
        ).scalar()
        others = conn.execute(
            text("SELECT COUNT(*) FROM audit_events WHERE record_type <> 'report_subscription'")
        ).scalar()
    assert audited == 2  # one per workspace
    downgrade(engine, "0017")
    assert "report_subscriptions" not in inspect(engine).get_table_names()
    assert dump(engine, kept, old) == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM audit_events")).scalar() == others
        assert not conn.execute(text("SELECT COUNT(*) FROM deliveries WHERE kind = 'report'")).scalar()
    upgrade(engine, "head")
    assert "report_subscriptions" in inspect(engine).get_table_names()


def test_a_database_that_reached_0023_before_0024_0025_and_0027_existed_is_caught_up(start: Starts) -> None:
    """0024, 0025 and 0027 were put before 0023 after 0023 had been the released head: a database at 0023
    from then lacks what they make. The upgrade after 0023 makes it, and the schema is the models'."""
    from sqlalchemy import text

    engine = start.empty("0023")
    with engine.begin() as conn:
        # The database as that release left it: none of the three migrations' objects.
        conn.execute(text("DROP TABLE report_subscriptions"))
        for index in ("ix_deals_closed", "ix_deals_created", "ix_interactions_occurred"):
            conn.execute(text(f"DROP INDEX {index}"))
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP INDEX ix_contacts_tagged_name"))
            conn.execute(text("DROP INDEX ix_companies_tagged_name"))
    upgrade(engine)
    with engine.connect() as conn:
        assert inspect(conn).has_table("report_subscriptions")
        assert schema_diff(conn) == []


def test_replayed_audit_column_comes_and_goes_with_every_event_kept(start: Starts) -> None:
    """0036 adds the mark of an event an import replayed: the events already there are nobody's replay
    (each stays an operation its person may undo); back down, the column goes and every event stays."""
    from sqlalchemy import text

    from tests.support.tenants import columns_of

    engine, _a, _b = start.filled("0035")
    old = columns_of(engine, ["audit_events"])
    before = dump(engine, ["audit_events"], old)
    assert before["audit_events"]
    upgrade(engine, "0036")
    with engine.connect() as conn:
        marks = conn.execute(text("SELECT replayed_by FROM audit_events")).scalars().all()
    assert marks == [None] * len(before["audit_events"])
    assert dump(engine, ["audit_events"], old) == before
    downgrade(engine, "0035")
    assert dump(engine, ["audit_events"], old) == before
    assert "replayed_by" not in columns_of(engine, ["audit_events"])["audit_events"]
    upgrade(engine, "head")


def test_company_activity_is_filled_from_the_deals_already_there(start: Starts) -> None:
    """Deals made before 0039: each company with one not deleted gets a row saying when its deals were
    last active, as the services keep it from then on; down and up again, the same."""
    from datetime import UTC, datetime

    from bot.db import make_session_factory
    from bot.services import CRM
    from tests.services.test_company_activity import kept, recounted

    engine = start.empty()
    crm = CRM(make_session_factory(engine), clock=lambda: datetime(2026, 11, 2, 15, 0, tzinfo=UTC))
    ann = crm.register_user("T1", "UANN", name="Ann", tz="UTC", role="admin")
    crm.create_deal(ann, "Acme renewal", company="Acme", amount="100")
    crm.clock = lambda: datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    crm.create_deal(ann, "Acme pilot", company="Acme", amount="5")
    crm.create_deal(ann, "Globex order", company="Globex", amount="50")
    crm.delete_record(ann, "deal", "Globex order")
    crm.create_deal(ann, "No company", amount="1")
    before = kept(crm, ann.workspace_id)
    assert list(before.values()) == [datetime(2026, 11, 20, 9, 30, tzinfo=UTC)]
    downgrade(engine, "0037")
    upgrade(engine, "head")
    crm = CRM(make_session_factory(engine))
    assert kept(crm, ann.workspace_id) == before == recounted(crm, ann.workspace_id)


def test_forecast_totals_are_filled_from_the_deals_already_there(start: Starts) -> None:
    """Deals made before 0040: counted per month of expected close, stage, owner, currency and category,
    as the services keep them from then on (deleted and undated deals nowhere); down and up again, the
    same."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from bot.db import make_session_factory
    from bot.services import CRM
    from tests.services.test_forecast_totals import kept, recounted

    engine = start.empty()
    crm = CRM(make_session_factory(engine), clock=lambda: datetime(2026, 11, 2, 15, 0, tzinfo=UTC))
    ann = crm.register_user("T1", "UANN", name="Ann", tz="UTC", role="admin")
    crm.create_deal(ann, "Acme renewal", amount="100", close_date="2026-12-01")
    crm.create_deal(ann, "Acme pilot", amount="5.5", close_date="2026-12-31", stage="demo")
    made = crm.create_deal(ann, "Globex order", amount="50", currency="EUR", close_date="2027-01-10").deal
    assert made is not None
    crm.categorize_deal(ann, made.id, "commit")
    crm.create_deal(ann, "Gone", amount="7", close_date="2026-12-05")
    crm.delete_record(ann, "deal", "Gone")
    crm.create_deal(ann, "Undated", amount="1")
    before = kept(crm, ann.workspace_id)
    assert sorted(before.values()) == [(1, Decimal("5.50")), (1, Decimal("50.00")), (1, Decimal("100.00"))]
    downgrade(engine, "0039")
    upgrade(engine, "head")
    crm = CRM(make_session_factory(engine))
    assert kept(crm, ann.workspace_id) == before == recounted(crm, ann.workspace_id)


def test_forecast_marks_are_made_from_the_deals_and_history_already_there(start: Starts) -> None:
    """Deals and stage history from before 0042, in a team whose days begin in Tokyo: each deal's state
    at that zone's midnight of the days periods begin on, as the services keep it from then on (what was
    closed or deleted by then nowhere); down and up again, the same."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from bot.clock import ManualClock
    from bot.db import make_session_factory
    from bot.services import CRM
    from tests.services.test_forecast_marks import kept, remade

    engine = start.empty()
    clock = ManualClock(datetime(2026, 9, 20, 15, 0, tzinfo=UTC))
    crm = CRM(make_session_factory(engine), clock.now)
    crm.ensure_workspace("T1", "Tokyo team", default_tz="Asia/Tokyo")
    ann = crm.register_user("T1", "UANN", name="Ann", tz="Asia/Tokyo", role="admin")
    big = crm.create_deal(ann, "Big", amount="100", close_date="2026-11-02").deal
    crm.create_deal(ann, "Euro", amount="50", currency="EUR", close_date="2026-10-05", stage="demo")
    crm.create_deal(ann, "Gone", amount="7", close_date="2026-10-20")
    assert big is not None
    clock.set(datetime(2026, 9, 30, 16, 0, tzinfo=UTC))  # 1 October in Tokyo already
    crm.update_deal(ann, big.id, stage="negotiation", amount="120")
    crm.delete_record(ann, "deal", "Gone")
    before = kept(crm, ann)
    # Big at Tokyo's midnight of 1 October (15:00 UTC the day before): as made; at the days after, as now.
    assert {r[0].isoformat(): r[7] for r in before if r[1] == big.id} == {
        "2026-10-01": Decimal("100"),
        "2026-11-01": Decimal("120"),
        "2026-11-02": Decimal("120"),
    }
    assert before and before == remade(crm, ann)
    downgrade(engine, "0041")
    upgrade(engine, "head")
    crm = CRM(make_session_factory(engine), clock.now)
    assert kept(crm, ann) == before == remade(crm, ann)
