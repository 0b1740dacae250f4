"""An export's ids, kept while its zip is imported whole: which record each row of a file became (or
matched) here, so that the later files link by id where names alone would be ambiguous (two companies
called "Hooli" with no web domain, two "Pat Kim" at one of them).

Each file's rows give their own id (the export's "ID") and the ids of what they link to ("Company ID",
"Contact ID", "Deal ID"). Rows with different ids are different records, whatever their names say; a
link's id is looked up among the rows of the zip's file of that type (``sources``: record type → that
file's import), and a link whose id is not there keeps what its name found.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, delete, func, insert, literal, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from bot.services.dataio.staging import table_of
from models import ImportId


def remember(conn: Connection, stage: Table, workspace_id: int, batch_id: str) -> None:
    """What each staged row with an id became: the record made for it, or the one it matched."""
    s = stage.c
    if "source_id" not in s:
        return
    record = func.coalesce(s.new_id, s.match_id)
    conn.execute(
        insert(table_of(ImportId)).from_select(
            ["workspace_id", "batch_id", "source_id", "record_id"],
            select(literal(workspace_id), literal(batch_id), s.source_id, record).where(
                s.source_id.is_not(None), record.is_not(None), s.dup == 0
            ),
        )
    )


def relink(conn: Connection, stage: Table, link: str, sources: dict[str, str] | None) -> None:
    """The staged rows' link of one type set to the record its id became, where it is known."""
    s = stage.c
    column = f"{link}_source"
    if sources is None or column not in s or link not in sources:
        return
    m = table_of(ImportId).c
    found = (
        select(func.min(m.record_id))
        .where(m.batch_id == sources[link], m.source_id == s[column])
        .scalar_subquery()
    )
    conn.execute(
        update(stage)
        .where(s[column].is_not(None))
        .values({f"{link}_id": func.coalesce(found, s[f"{link}_id"])})
    )


def forget(sessions: sessionmaker[Session], batch_ids: list[str]) -> None:
    """Once the whole zip is in, its ids have served: nothing links by them later."""
    if batch_ids:
        with sessions.begin() as s:
            s.execute(delete(table_of(ImportId)).where(ImportId.batch_id.in_(batch_ids)))


def record_ids(conn: Connection, batch_id: str | None) -> dict[str, int]:
    """An earlier file's ids (export id → record here), for the zip's smaller files read in Python."""
    if batch_id is None:
        return {}
    m = table_of(ImportId).c
    return {
        str(source): int(record)
        for source, record in conn.execute(select(m.source_id, m.record_id).where(m.batch_id == batch_id))
    }


__all__: list[Any] = ["forget", "record_ids", "relink", "remember"]
