"""Each test starts on a clean database: every table empty and every id counting from 1 again, however
the test before it left the PostgreSQL database it shares with the rest of the run."""

from __future__ import annotations

from sqlalchemy import Engine, text

from bot.db import make_session_factory
from bot.services import CRM
from models import metadata
from tests.support.databases import clean_postgres
from tests.support.tenants import fill


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: int(conn.execute(text(f'SELECT count(*) FROM "{t.name}"')).scalar_one())
            for t in metadata.sorted_tables
        }


def test_a_database_with_two_workspaces_in_it_is_emptied_and_counts_from_one_again(pg_engine: Engine) -> None:
    crm = CRM(make_session_factory(pg_engine))
    fill(crm, "T1", "A")
    fill(crm, "T2", "B")
    assert sum(row_counts(pg_engine).values()) > 50

    clean_postgres(pg_engine)

    assert set(row_counts(pg_engine).values()) == {0}
    again = fill(crm, "T1", "A")
    assert (again.actor.workspace_id, again.actor.user_id, again.company_id, again.deal_id) == (1, 1, 1, 1)


def test_a_table_grown_large_is_given_back_its_space(pg_engine: Engine) -> None:
    """Rows deleted leave dead space behind (the server does not vacuum): a big table is truncated."""
    with pg_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO processed_requests (key, created_at) "
                "SELECT md5(g::text), now() FROM generate_series(1, 20000) AS g"
            )
        )
    size = "SELECT pg_total_relation_size('processed_requests')"
    with pg_engine.connect() as conn:
        grown = conn.execute(text(size)).scalar_one()

    clean_postgres(pg_engine)

    with pg_engine.connect() as conn:
        assert conn.execute(text(size)).scalar_one() < grown / 10
    assert set(row_counts(pg_engine).values()) == {0}
