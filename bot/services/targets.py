"""What tasks and interactions are about: their links to contacts, companies and deals, kept as rows of
``targets`` (models/entities.py) rather than a column per record type.

One source (a task, an interaction) has at most one link of each record type, read and set through
:func:`linked` and :func:`link` (or ``task.contact_id``, which is the same link). The rest is for many
at once without a query each: the links of a batch of sources, the sources linked to a record, and
the first source that keeps a record in use.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, object_session

from models import Base, Interaction, Target, Task
from models.entities import TARGET_SOURCES, TARGET_TYPES

# The classes that own links, by the name of their column in targets.
SOURCES: dict[str, Any] = {"task": Task, "interaction": Interaction}
assert set(SOURCES) == set(TARGET_SOURCES)


def _column(name: str) -> Any:
    return getattr(Target, f"{name}_id")


def _source_name(source_cls: type[Base]) -> str:
    return next(name for name, cls in SOURCES.items() if cls is source_cls)


def link(source: Task | Interaction, record_type: str, record: Base | int | None) -> None:
    """Point ``source`` at ``record`` (a row or its id) as its one ``record_type``; None unlinks it."""
    if record_type not in TARGET_TYPES:
        raise ValueError(f"nothing links to a {record_type}")
    if isinstance(record, Base):
        session = object_session(record)
        if record.id is None and session is not None:  # type: ignore[attr-defined]
            session.flush()  # made in this op: it needs its id first (None would unlink)
        record = int(record.id)  # type: ignore[attr-defined]
    setattr(source, f"{record_type}_id", record)


def linked(source: Task | Interaction, record_type: str) -> int | None:
    """The id of the ``record_type`` ``source`` is linked to, if any."""
    return next((t.record_id for t in source.targets if t.record_type == record_type), None)


def links_of(s: Session, source_cls: type[Base], ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """``{source id: {record type: record id}}`` for many sources, in one query."""
    wanted = sorted(set(ids))
    out: dict[int, dict[str, int]] = {i: {} for i in wanted}
    if not wanted:
        return out
    own = _column(_source_name(source_cls))
    for row in s.scalars(select(Target).where(own.in_(wanted)).order_by(Target.id)):
        out[getattr(row, own.key)].setdefault(row.record_type, row.record_id)
    return out


def linked_to(
    source_cls: type[Task] | type[Interaction], workspace_id: int, record_type: str, record_id: int
) -> ColumnElement[bool]:
    """A WHERE clause: the source is linked to that record (read off its index, which leads with the
    workspace and the record)."""
    own = _column(_source_name(source_cls))
    return source_cls.id.in_(
        select(own).where(
            Target.workspace_id == workspace_id, _column(record_type) == record_id, own.is_not(None)
        )
    )


def linked_to_any(
    source_cls: type[Task] | type[Interaction], workspace_id: int, record_type: str, record_ids: Any
) -> ColumnElement[bool]:
    """A WHERE clause: the source is linked to one of ``record_ids`` (a list or a subquery of ids)."""
    own = _column(_source_name(source_cls))
    return source_cls.id.in_(
        select(own).where(
            Target.workspace_id == workspace_id, _column(record_type).in_(record_ids), own.is_not(None)
        )
    )


def record_type_of(record: Base) -> str | None:
    """The record type ``record`` is linked as (None: nothing links to its kind)."""
    table = type(record).__tablename__
    return next((name for name, t in TARGET_TYPES.items() if t == table), None)


def first_source_linked_to(s: Session, record: Base) -> tuple[str, Task | Interaction] | None:
    """A task or interaction linked to ``record`` (tasks first), with its kind: what keeps it in use."""
    record_type = record_type_of(record)
    if record_type is None:
        return None
    for name, cls in SOURCES.items():
        own = _column(name)
        found = s.scalar(
            select(own)
            .where(
                Target.workspace_id == record.workspace_id,  # type: ignore[attr-defined]
                _column(record_type) == record.id,  # type: ignore[attr-defined]
                own.is_not(None),
            )
            .order_by(Target.id)
            .limit(1)
        )
        if found is not None:
            source = s.get(cls, found)
            if source is not None:
                return name, source
    return None
