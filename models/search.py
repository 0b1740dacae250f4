"""Text indexes for finding a record by a few letters of its name, on each database in its own way.

PostgreSQL: ``pg_trgm`` GIN indexes on the name keys (they serve ``LIKE '%bri%'`` and the word-similarity
operator ``<%``). SQLite: an FTS5 table with the trigram tokenizer beside each searched table, kept in step by
triggers. Both are made by migration 0023 only; the ORM models do not declare them (SQLite's virtual tables
cannot be), so schema comparisons leave them out with ``is_search_object``.
"""

from __future__ import annotations

# table -> the folded name column searched (bot.services.text.fold)
SEARCHED = {
    "contacts": "name_key",
    "companies": "name_key",
    "deals": "title_key",
    "tasks": "title_key",
}
SUFFIX = "_trgm"


def search_table(table: str) -> str:
    return f"{table}{SUFFIX}"


def is_search_object(name: str | None) -> bool:
    """A trigram index or an FTS5 table (or one of its shadow tables) made for search."""
    return bool(name) and SUFFIX in str(name)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """For Alembic's ``include_name``: compare everything but the search objects and the other indexes only
    a migration can write (expressions of one database: ``models.entities.MIGRATION_ONLY_INDEXES``)."""
    from models.entities import MIGRATION_ONLY_INDEXES

    return not is_search_object(name) and not (type_ == "index" and name in MIGRATION_ONLY_INDEXES)
