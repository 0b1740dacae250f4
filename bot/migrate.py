"""Alembic, driven from code: the schema is only ever made by the migrations in ``models/migrations``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

import models

MIGRATIONS = Path(models.__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # Percent signs in passwords would otherwise be read as ini interpolation.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    _migrate(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    _migrate(engine, command.downgrade, revision)


def _migrate(engine: Engine, step: Callable[[Config, str], None], revision: str) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn, _sqlite_keys_off(conn), conn.begin():
        cfg.attributes["connection"] = conn
        step(cfg, revision)
        _check_keys(conn)


@contextmanager
def _sqlite_keys_off(conn: Connection) -> Iterator[None]:
    """SQLite alters a table by copying it and dropping the original. With foreign keys on, that drop
    is a DELETE of every row, which cascades: the rows pointing at it would be deleted or unlinked.
    So keys are off while migrating (the pragma only takes effect outside a transaction) and checked
    before the migration commits."""
    if conn.dialect.name != "sqlite":
        yield
        return
    # On the driver's connection: through SQLAlchemy the statement would open the transaction first.
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _check_keys(conn: Connection) -> None:
    if conn.dialect.name != "sqlite":
        return  # PostgreSQL checks every key as it is added
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        shown = ", ".join(f"{row[0]} row {row[1]} → {row[2]}" for row in broken[:5])
        raise RuntimeError(f"the migration left {len(broken)} rows pointing at nothing: {shown}")


def current(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
