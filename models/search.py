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


# A word of fewer letters, or with a digit, is filed only as it is: one slip away from it are too many others.
SLIP_MIN = 4
# The longest word filed (the column's width); a longer one is left to the other passes.
WORD_MAX = 64


def spellings(word: str) -> set[str]:
    """``word`` and each of its spellings with one letter left out, under which table ``name_words``
    files it. Two words one slip apart (a letter left out, added, struck or two swapped) share one of
    them, so a reference's word finds its candidates by one index read (a "symmetric delete" index)."""
    if len(word) < SLIP_MIN or not word.isalpha():
        return {word}
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def name_words(key: str) -> set[str]:
    """The words of a name's folded key that ``name_words`` files."""
    return {w for w in key.split() if len(w) <= WORD_MAX}
