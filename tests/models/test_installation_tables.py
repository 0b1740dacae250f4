"""The OAuth install's tables (migration 0019): exactly slack_sdk's SQLAlchemy stores' columns, made by
the migration and never by the stores, and the revision comes and goes with every workspace row kept."""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, MetaData, Table, inspect, text

from bot.db import make_session_factory
from bot.migrate import downgrade, upgrade
from bot.settings import Settings
from bot.slack import oauth
from models import slack_bots, slack_installations, slack_oauth_states
from tests.support.fakeslack import CLIENT_ID, CLIENT_SECRET
from tests.support.revisions import Starts
from tests.support.tenants import columns_of, dump


def _shape(table: Table) -> dict[str, object]:
    return {
        "columns": [
            (c.name, type(c.type).__name__, getattr(c.type, "length", None), c.nullable, c.primary_key)
            for c in table.columns
        ],
        "indexes": sorted((i.name, tuple(c.name for c in i.columns)) for i in table.indexes),
    }


def test_the_tables_are_slack_sdks_own() -> None:
    theirs = MetaData()
    expected = {
        "slack_installations": SQLAlchemyInstallationStore.build_installations_table(
            theirs, "slack_installations"
        ),
        "slack_bots": SQLAlchemyInstallationStore.build_bots_table(theirs, "slack_bots"),
        "slack_oauth_states": SQLAlchemyOAuthStateStore.build_oauth_states_table(
            theirs, "slack_oauth_states"
        ),
    }
    ours = {t.name: t for t in (slack_installations, slack_bots, slack_oauth_states)}
    for name, table in expected.items():
        assert sorted(_shape(ours[name])["columns"]) == sorted(_shape(table)["columns"]), name  # type: ignore[type-var]
        assert _shape(ours[name])["indexes"] == _shape(table)["indexes"], name


def test_the_stores_never_make_their_tables(start: Starts) -> None:
    """Against a database migrated only to 0013 the install flow is built and nothing is created: the
    schema is the migrations' alone."""
    engine = start.empty("0013")
    settings = Settings(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, signing_secret="s")
    from slack_sdk import WebClient

    oauth.oauth_flow(settings, make_session_factory(engine), engine, WebClient())
    oauth.WorkspaceTokens(settings, make_session_factory(engine), WebClient(), engine=engine)
    assert not {"slack_bots", "slack_installations", "slack_oauth_states"} & set(
        inspect(engine).get_table_names()
    )


def _installed(engine: Engine) -> None:
    """What 0019 holds: one workspace uninstalled, the other's bot token."""
    from bot.services import installs
    from tests.support.tenants import NOW

    installs.uninstalled(make_session_factory(engine), NOW, team_id="TB", enterprise_id=None)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO slack_bots (client_id, app_id, team_id, bot_token, is_enterprise_install, installed_at) "
                "VALUES ('1.2', 'A1', 'TA', 'xoxb-a', false, '2026-11-02 15:00:00')"
            )
        )


def test_revision_0019_comes_and_goes_with_every_workspace_kept(start: Starts) -> None:
    engine, _a, _b = start.filled()
    tables = ["workspaces", "users", "contacts", "deals", "tasks"]
    # Compared in the columns the rows have below 0019 (later revisions may add more)
    columns = {
        **columns_of(start.empty("0013"), tables),
        "workspaces": ["id", "team_id", "name", "default_tz", "stale_days"],
    }
    _installed(engine)
    before = dump(engine, tables, columns)
    downgrade(engine, "0013")
    assert not {"slack_bots", "slack_installations", "slack_oauth_states"} & set(
        inspect(engine).get_table_names()
    )
    assert dump(engine, tables, columns) == before
    upgrade(engine, "head")
    assert dump(engine, tables, columns) == before
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT COUNT(*) FROM workspaces WHERE uninstalled_at IS NOT NULL")).scalar()
            == 0
        )
        assert conn.execute(text("SELECT COUNT(*) FROM slack_bots")).scalar() == 0
