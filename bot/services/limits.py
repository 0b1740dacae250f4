"""How long a text a person gives may be: one limit per field, the same on SQLite and PostgreSQL.

SQLite stores a 390-character email in a column declared for 320 and PostgreSQL refuses it, so the
limits are checked here, before the database sees a value. They are read from the models' column
lengths, so a migration that widens a column widens its limit; the few that differ from the column
(and the Text columns, which have no length) are set below. Nothing is ever cut to fit: a value over
its limit is refused with a message that names the field and the limit.

Searches are bounded too: a reference longer than a name could be is refused, and only its first
words reach SQL, so a pasted paragraph neither grows the statement caches nor hits SQLite's limits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from bot.services.errors import Invalid
from models import Company, Contact, Deal, Interaction, Task

# Where a field may hold less than its column, or the column has no length of its own; by (model,
# attribute), since mapped attributes compare as SQL expressions.
NARROWER: dict[tuple[type, str], int] = {
    # The longest address mail can be delivered to (RFC 5321); the column is wider.
    (Contact, "email"): 254,
    # The most Slack's text input takes, so that the edit form always holds a summary whole.
    (Interaction, "summary"): 3000,
}

# The fields people type, by the name a message gives them.
FIELDS: dict[str, InstrumentedAttribute[Any]] = {
    "name": Contact.name,
    "email": Contact.email,
    "phone": Contact.phone,
    "job title": Contact.title,
    "company name": Company.name,
    "domain": Company.domain,
    "industry": Company.industry,
    "deal title": Deal.title,
    "task title": Task.title,
    "summary": Interaction.summary,
}

# A search reference: longer than any name, and it is not a reference any more.
SEARCH_CHARS = 200
# Words of a reference that reach SQL (each adds LIKE terms; the fuzzy ranking still sees them all).
SEARCH_WORDS = 8


def column_limit(model: Any, key: str) -> int | None:
    """The limit of a mapped column: its own length, or a narrower one set above."""
    if (model, key) in NARROWER:
        return NARROWER[(model, key)]
    length = getattr(inspect(model).columns[key].type, "length", None)
    return int(length) if length else None


def limit(field: str) -> int:
    column = FIELDS[field]
    found = column_limit(column.class_, column.key)
    assert found is not None, f"{field} has no limit"
    return found


def check(field: str, value: str | None, *, label: str | None = None) -> None:
    """Refuse ``value`` when it is over ``field``'s limit (``label`` names it, when not ``field``)."""
    if value is None:
        return
    most = limit(field)
    if len(value) > most:
        raise Invalid("field.too_long", field=field, label=label or field, size=len(value), most=most)


def check_key(field: str, key: str, key_column: InstrumentedAttribute[str]) -> None:
    """The lookup key folds accents and symbols into letters, and can come out longer than the name."""
    most = column_limit(key_column.class_, key_column.key)
    if most is not None and len(key) > most:
        raise Invalid("field.key_too_long", field=field, size=len(key), most=most)


def check_reference(query: str) -> None:
    if len(query.strip()) > SEARCH_CHARS:
        raise Invalid("reference.too_long", field="reference", most=SEARCH_CHARS)


def search_words(query_key: str) -> list[str]:
    """The distinct words of a folded reference that a search filters on in SQL, first ones first."""
    return list(dict.fromkeys(query_key.split()))[:SEARCH_WORDS]


# ---- the last line: every flush -------------------------------------------------------------------

_LABELS = {(column.class_, column.key): name for name, column in FIELDS.items()}
_GUARDED = "_crm_limits_guarded"


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """A write path that forgot a check still never sends an over-long value to the database.

    Only values being written are checked: a row stored long before these limits existed can still
    be changed in its other fields."""
    for obj in [*session.new, *session.dirty]:
        state = inspect(obj)
        mapper = state.mapper
        for attr in mapper.column_attrs:
            where = (mapper.class_, attr.key)
            if not isinstance(attr.columns[0].type, String) and where not in NARROWER:
                continue
            value = getattr(obj, attr.key, None)
            if not isinstance(value, str):
                continue
            if obj not in session.new and not state.attrs[attr.key].history.has_changes():
                continue
            most = column_limit(*where)
            if most is not None and len(value) > most:
                label = _LABELS.get(where) or attr.key.replace("_", " ")
                raise Invalid("field.too_long", field=attr.key, label=label, size=len(value), most=most)


def guard(sessions: sessionmaker[Session]) -> None:
    """Check every flush of this factory's sessions (once per factory; the mark is on the factory,
    for the reason bot/services/totals.py gives)."""
    if not getattr(sessions, _GUARDED, False):
        event.listen(sessions, "before_flush", _before_flush)
        setattr(sessions, _GUARDED, True)
