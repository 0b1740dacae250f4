"""The words of names, kept beside the names, so that a reference with a slip is matched word by word.

Table ``name_words`` (migration 0029) files each word of a contact's, company's or deal's name under
itself and under each of its spellings with one letter left out (``models.search.spellings``). A
reference's word looked up under its own such spellings gives, in one index read, every word on file one
slip away from it: the evidence rule ("every word of the reference is a word of the name, a typo aside")
asked of the vocabulary, which is small, instead of the names, which are many.

Words are added as names are written (a session event, like the pipeline totals) and by the bulk writers
(imports, the bench seeder); never removed: a word no longer in any name only finds nothing further on.
Nothing depends on the table being complete: a name whose words are missing is still found by the slower
passes of :mod:`bot.services.lookup`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from rapidfuzz.distance import OSA
from sqlalchemy import Connection, Table, event, insert, inspect, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from models import Company, Contact, Deal, NameWord
from models.search import name_words, spellings

KEYS: dict[type, tuple[str, str]] = {
    Contact: ("contacts", "name_key"),
    Company: ("companies", "name_key"),
    Deal: ("deals", "title_key"),
}
_TRACKED = "_name_words_tracked"


def near(s: Session, workspace_id: int, kind: str, words: Iterable[str]) -> dict[str, set[str]]:
    """For each of ``words``, the words on file in ``kind``'s names that are it or one slip from it."""
    asked = {w: spellings(w) for w in set(words)}
    every = set().union(*asked.values()) if asked else set()
    if not every:
        return {w: set() for w in asked}
    rows = s.execute(
        select(NameWord.variant, NameWord.word).where(
            NameWord.workspace_id == workspace_id, NameWord.kind == kind, NameWord.variant.in_(sorted(every))
        )
    ).all()
    by_variant: dict[str, set[str]] = {}
    for variant, word in rows:
        by_variant.setdefault(variant, set()).add(word)
    out: dict[str, set[str]] = {}
    for w, mine in asked.items():
        found = set().union(*(by_variant.get(v, set()) for v in mine))
        # Sharing a one-letter-out spelling is at most two slips apart ("abcd" / "abxy" share nothing,
        # "abcd" / "bacd" share "acd" or "bcd"): one is what a typo is.
        out[w] = {f for f in found if f == w or OSA.distance(w, f, score_cutoff=1) <= 1}
    return out


def file_words(conn: Connection, workspace_id: int, kind: str, words: Iterable[str]) -> None:
    """File ``words`` of ``kind``'s names (those already filed are left as they are)."""
    fresh = sorted(set(words))
    if not fresh:
        return
    rows = [
        {"workspace_id": workspace_id, "kind": kind, "variant": v, "word": w}
        for w in fresh
        for v in spellings(w)
    ]
    table = cast(Table, NameWord.__table__)
    stmt: Any
    if conn.dialect.name == "postgresql":
        stmt = pg_insert(table).on_conflict_do_nothing()
    elif conn.dialect.name == "sqlite":
        stmt = sqlite_insert(table).on_conflict_do_nothing()
    else:  # pragma: no cover - the bot runs on SQLite and PostgreSQL only
        stmt = insert(table)
    for i in range(0, len(rows), 10_000):
        conn.execute(stmt, rows[i : i + 10_000])


def file_names(conn: Connection, workspace_id: int, kind: str, batch: str | None = None) -> None:
    """File the words of ``kind``'s names in a workspace, or of those an import wrote (its rows carry the
    import's ``batch`` id): for the writers that bypass the sessions."""
    column = dict(KEYS.values())[kind]
    where = "workspace_id = :ws" + (" AND import_batch = :batch" if batch is not None else "")
    params = {"ws": workspace_id, "batch": batch}
    if conn.dialect.name == "postgresql":
        # The server finds the distinct words: a million names are not sent over.
        found = conn.execute(
            text(
                f"SELECT DISTINCT w FROM {kind}, unnest(string_to_array({column}, ' ')) AS w "
                f"WHERE {where} AND w <> '' AND length(w) <= 64"
            ),
            params,
        ).scalars()
        file_words(conn, workspace_id, kind, list(found))
        return
    words: set[str] = set()
    for (key,) in conn.execute(text(f"SELECT {column} FROM {kind} WHERE {where}"), params):
        words |= name_words(key or "")
    file_words(conn, workspace_id, kind, words)


def file_every_name(conn: Connection, workspace_id: int) -> None:
    """File the words of every contact, company and deal name of a workspace."""
    for kind, _column in KEYS.values():
        file_names(conn, workspace_id, kind)


def track(sessions: sessionmaker[Session]) -> None:
    """File the words of every name written through this factory's sessions (once per factory)."""
    if not getattr(sessions, _TRACKED, False):
        event.listen(sessions, "after_flush", _after_flush)
        setattr(sessions, _TRACKED, True)


def _after_flush(session: Session, _context: Any) -> None:
    wanted: dict[tuple[int, str], set[str]] = {}
    for obj in [*session.new, *session.dirty]:
        spec = KEYS.get(type(obj))
        if spec is None:
            continue
        kind, column = spec
        key = getattr(obj, column, None)
        if not key or obj.workspace_id is None:
            continue
        # A name written, not any change to the record: one statement per name, none otherwise.
        if obj not in session.new and not inspect(obj).attrs[column].history.has_changes():
            continue
        wanted.setdefault((obj.workspace_id, kind), set()).update(name_words(key))
    for (ws, kind), words in wanted.items():
        file_words(session.connection(), ws, kind, words)
