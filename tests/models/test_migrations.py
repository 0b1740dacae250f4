"""The schema is made only by migrations: they must agree with the models, and go down cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot.db import make_engine
from bot.migrate import current, downgrade, upgrade
from models import metadata
from tests.support.databases import create_private_database, drop_database


@pytest.fixture
def empty_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    server = request.getfixturevalue("pg_server_url")
    url = create_private_database(server)
    yield url
    drop_database(server, url)


def test_upgrade_creates_schema_matching_models_and_downgrade_removes_it(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())

        downgrade(engine, "base")
        assert current(engine) is None
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

        upgrade(engine)  # and back up again: downgrades leave nothing that blocks a re-run
        assert current(engine) is not None
    finally:
        engine.dispose()


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


def test_data_migrations_recount_totals_per_currency_and_date_closed_deals(empty_url: str) -> None:
    """Deals made under 0006 (no currency in the totals, no closed_at) come through 0007 and 0008 with
    per-currency totals and, for closed deals, when and by whom they closed, from the audit trail."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from sqlalchemy import text

    from bot.db import make_session_factory
    from bot.services import CRM

    engine = make_engine(empty_url)
    try:
        upgrade(engine, "head")
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
    finally:
        engine.dispose()
