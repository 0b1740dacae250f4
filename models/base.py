from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    MetaData,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names make migrations reproducible across SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend.

    SQLite has no time zone type, so values are stored naive-UTC and handed back aware; a naive value
    coming in is a programming error, because we could not know which zone it meant.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = metadata
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSONType, list[str]: JSONType}


class WorkspaceScoped:
    """Rows that belong to one workspace through their ``workspace_id``. A session scoped to a
    workspace (``bot/services/tenancy.py``) only ever loads such rows of that workspace."""

    # Each table declares its own (indexes, keys differ); this one lets the tenancy filter be written
    # once, against the mixin.
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))


class SoftDeleted:
    """Records a person can delete and get back: a deleted row stays, marked by when and by whom, and
    every ORM read leaves it out (``bot/services/tenancy.py``) unless it asks for deleted rows."""

    # Each table names its own key for who deleted it (a ``tenant_key``), as for every link to a user.
    deleted_at: Mapped[datetime | None] = mapped_column()
    deleted_by_id: Mapped[int | None] = mapped_column()


def tenant_key(table: str, column: str, target: str, *, ondelete: str | None = None) -> ForeignKeyConstraint:
    """A key to another row of the same workspace: ``(workspace_id, column)`` references the target's
    ``(workspace_id, id)``, so the database refuses a row pointing into another workspace.

    Never ON DELETE SET NULL: on a two-column key it would null ``workspace_id`` as well. Optional links
    are unlinked by the ORM before their target is deleted instead (``models/entities.py``)."""
    if ondelete is not None and ondelete.upper() == "SET NULL":
        raise ValueError("SET NULL on a workspace key would null workspace_id too")
    return ForeignKeyConstraint(
        ["workspace_id", column],
        [f"{target}.workspace_id", f"{target}.id"],
        # Named as the one-column key it replaced; the naming convention would call every key of a
        # table to one target the same (they all start with workspace_id).
        name=f"fk_{table}_{column}_{target}",
        ondelete=ondelete,
    )


def one_of(column: str, values: Sequence[str]) -> CheckConstraint:
    """The column holds one of a fixed vocabulary (named ``ck_<table>_<column>``)."""
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=column, info={"vocabulary": tuple(values)})


def exactly_one(name: str, columns: Sequence[str]) -> CheckConstraint:
    """Exactly one of ``columns`` is set (named ``ck_<table>_<name>``). Counted with CASE, which both
    databases accept (PostgreSQL cannot add booleans)."""
    counted = " + ".join(f"(CASE WHEN {column} IS NULL THEN 0 ELSE 1 END)" for column in columns)
    return CheckConstraint(f"{counted} = 1", name=name)
