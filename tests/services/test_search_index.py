"""Lookups served by the databases' own text indexes (migration 0023): pg_trgm on PostgreSQL, an FTS5
trigram table on SQLite, kept in step with every write."""

from __future__ import annotations

from bot.services import CRM, Actor
from bot.services.lookup import search_index


def _names(crm: CRM, ann: Actor, query: str) -> list[str]:
    return [c.name for c in crm.find_contacts(ann, query)]


def test_the_database_has_a_text_index_for_each_searched_table(crm: CRM) -> None:
    with crm.sessions() as s:
        kinds = {search_index(s, t) for t in ("contacts", "companies", "deals", "tasks")}
        dialect = s.get_bind().dialect.name
    assert kinds == {"trgm" if dialect == "postgresql" else "fts"}


def test_a_typo_anywhere_finds_the_person_through_the_index(crm: CRM, ann: Actor) -> None:
    for name in ("Sofia Brightdale", "Sofia Bright", "Tomasz Kowalczyk", "Brian Dale"):
        crm.create_contact(ann, name)
    assert _names(crm, ann, "zofia brightdale")[0] == "Sofia Brightdale"  # the first letter wrong
    assert _names(crm, ann, "brightdal")[0] == "Sofia Brightdale"
    assert _names(crm, ann, "tomasz kowalcyk") == ["Tomasz Kowalczyk"]


def test_the_index_follows_renames_and_deletes(crm: CRM, ann: Actor) -> None:
    made = crm.create_contact(ann, "Ingrid Solberg")
    renamed = crm.update_contact(ann, "Ingrid Solberg", name="Ingrid Haugen")
    assert _names(crm, ann, "ingrid haugen") == ["Ingrid Haugen"]
    assert _names(crm, ann, "solberg") == []
    crm.undo(ann, renamed.op_id)
    assert _names(crm, ann, "solberg") == ["Ingrid Solberg"]
    crm.undo(ann, made.op_id)  # the contact removed again: no index entry left to find
    assert _names(crm, ann, "ingrid") == [] and _names(crm, ann, "haugen") == []


def test_every_searched_table_keeps_its_index_in_step_after_the_last_migration(crm: CRM) -> None:
    # A later migration that rebuilds one of these tables on SQLite (batch mode copies it) drops its
    # triggers: the index would silently fall behind the names. Such a migration must make them again.
    from sqlalchemy import text

    from models.search import SEARCHED, WORDS_SEARCHED, search_table, words_table

    with crm.sessions() as s:
        if s.get_bind().dialect.name != "sqlite":
            indexes = set(s.scalars(text("SELECT indexname FROM pg_indexes")))
            assert {f"ix_{search_table(t)}" for t in SEARCHED} <= indexes
            return
        triggers = set(s.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
    for table in SEARCHED:
        assert {f"{search_table(table)}_{e}" for e in ("ai", "ad", "au")} <= triggers, table
    for table in WORDS_SEARCHED:
        assert {f"{words_table(table)}_{e}" for e in ("ai", "ad", "au")} <= triggers, table


def test_the_words_table_follows_renames_on_sqlite(crm: CRM, ann: Actor) -> None:
    """SQLite's table of the names' words (migration 0032) answers the word-by-word pass."""
    from sqlalchemy import text

    from models.search import words_table

    crm.create_contact(ann, "Ingrid Solberg")
    crm.update_contact(ann, "Ingrid Solberg", name="Ingrid Haugen")
    with crm.sessions() as s:
        if s.get_bind().dialect.name != "sqlite":
            return
        fts = words_table("contacts")

        def ids(word: str) -> list[int]:
            return list(s.scalars(text(f"SELECT rowid FROM {fts} WHERE {fts} MATCH :m"), {"m": f'"{word}"'}))

        assert len(ids("haugen")) == 1 and ids("solberg") == []
    assert _names(crm, ann, "ingrid haugne") == ["Ingrid Haugen"]
