"""Search-as-you-type for the forms' pickers: the records whose name starts with, or has a word starting
with, what a person has typed so far; ids and labels, at most ``limit``.

Slack waits three seconds for the options of a picker, so every pass is an index range and none ranks
fuzzily: the name keys' prefix index (a pattern index on PostgreSQL, migration 0020) answers "acm…", the
word index (PostgreSQL full-text over the key) answers "doe" for "Jane Doe". SQLite, for a small team,
reads the same keys by range and by ``LIKE``.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from bot.services.base import Actor, Service
from bot.services.limits import SEARCH_CHARS
from bot.services.text import fold
from models import Company, Contact, Deal

PICKABLE = ("contact", "company", "deal")
# Slack shows at most 100 options in an external select.
MOST = 100
_WORD = re.compile(r"[0-9a-z]+")


def _prefix(s: Session, key: Any, query_key: str) -> ColumnElement[bool]:
    if s.get_bind().dialect.name == "postgresql":
        escaped = query_key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return key.like(f"{escaped}%", escape="\\")  # type: ignore[no-any-return]
    # SQLite compares keys by code point: a range is an index seek, where its LIKE ignores case and the index.
    return and_(key >= query_key, key < query_key + "\U0010ffff")


def _words(s: Session, key: Any, query_key: str) -> ColumnElement[bool] | None:
    words = _WORD.findall(query_key)[:4]
    if not words:
        return None
    if s.get_bind().dialect.name == "postgresql":
        query = " & ".join(f"{w}:*" for w in words)
        return func.to_tsvector("simple", key).op("@@")(func.to_tsquery("simple", query))  # type: ignore[no-any-return]
    return and_(*(or_(key.like(f"{w}%"), key.like(f"% {w}%")) for w in words))


class Pickers(Service):
    def options(self, actor: Actor, kind: str, typed: str, limit: int = MOST) -> list[tuple[str, str]]:
        """(value, label) pairs for a ``kind`` picker: the record's id and what
        a person reads, the names starting with ``typed`` first, then those with a word starting so."""
        if kind not in PICKABLE:
            raise ValueError(f"no picker for {kind!r}")
        query_key = fold(typed[:SEARCH_CHARS])
        with self.read(actor) as s:
            found: dict[int, str] = {}
            base, key = self._base(kind, actor)
            passes: list[ColumnElement[bool] | None] = [None]
            if query_key:
                passes = [_prefix(s, key, query_key), _words(s, key, query_key)]
            for n, cond in enumerate(passes):
                if len(found) >= limit or (cond is None and n > 0):
                    break
                stmt = base if cond is None else base.where(cond)
                if found:
                    stmt = stmt.where(stmt.selected_columns[0].notin_(list(found)))
                for row in s.execute(stmt.order_by(key).limit(limit - len(found))):
                    found[row[0]] = " · ".join(str(x) for x in row[1:] if x)
            return [(str(rid), label) for rid, label in found.items()]

    @staticmethod
    def _base(kind: str, actor: Actor) -> tuple[Select[Any], Any]:
        w = actor.workspace_id
        if kind == "contact":
            stmt = (
                select(Contact.id, Contact.name, Company.name)
                .outerjoin(Company, Contact.company_id == Company.id)
                .where(Contact.workspace_id == w)
            )
            return stmt, Contact.name_key
        if kind == "company":
            return select(Company.id, Company.name).where(Company.workspace_id == w), Company.name_key
        stmt = (
            select(Deal.id, Deal.title, Company.name)
            .outerjoin(Company, Deal.company_id == Company.id)
            .where(Deal.workspace_id == w)
        )
        return stmt, Deal.title_key
