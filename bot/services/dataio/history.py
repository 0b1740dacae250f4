"""An export's history brought back with its records: the audit trail (``audit.csv``) and the deals'
stage history (``stage_history.csv``), replayed by an import of the whole zip once its records are in.

Each event comes back with its own time, person, action and before/after, about the record its row
became here; the ids inside before/after (a deal's company, contact, stage, owner…) are mapped the same
way. The deals' stage history is written back as it was for the deals the import made, in place of the
one row the deals' import gave each, so the funnel and the forecast's look back read the same past.

What is replayed and what is not:

* Only the history of the records the import made (``import_batch`` is its batch). A record the import
  matched to one already here keeps its own history: the two pasts would not be one record's.
* Only the five record types an import maps by id (companies, contacts, deals, tasks, interactions).
  The settings, people, fields and pipelines an import brings are audited by its own operations; the
  export's events about them name rows that an import matches by name, not one for one.
* An event about a record the export does not hold (made and taken back by an undo) has nothing to be
  about here and is left out, as nobody could ask for its history there either.
* An id inside before/after that names nothing here (a stage removed since, a person not in the file)
  is written as its negative: it names no record here, as it named none there, and stays distinct from
  every other (a move from a removed stage is still a move).

Replayed events are history, not operations: each keeps its original grouping (its operation's id, made
anew) so the history reads as before, and carries ``replayed_by``, the record file's import, so that no
person's Undo takes it (a replayed "create" undone would delete a record outside the import's undo) and
the import's undo takes it away with the records it deletes.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Table, delete, exists, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from bot.services import funnel_rows
from bot.services.base import Actor
from bot.services.dataio.staging import table_of
from bot.services.text import fold
from models import (
    AuditEvent,
    Company,
    Contact,
    CustomField,
    Deal,
    DealStageChange,
    ImportId,
    Interaction,
    Pipeline,
    PipelineStage,
    Task,
    User,
)

BATCH = 5000
MODELS: dict[str, Any] = {
    "company": Company,
    "contact": Contact,
    "deal": Deal,
    "task": Task,
    "interaction": Interaction,
}
# The kind of record each table holds, for the ids inside before/after that point at one.
_TABLE_KINDS = {
    "users": "user",
    "companies": "company",
    "contacts": "contact",
    "deals": "deal",
    "tasks": "task",
    "interactions": "interaction",
    "pipeline_stages": "stage",
}
# A task's or interaction's links (kept in targets, recorded in its events under these names).
_LINKS = {"company_id": "company", "contact_id": "contact", "deal_id": "deal"}


def _references(kind: str) -> dict[str, str]:
    """The keys of a record type's before/after that hold another record's id, with that record's kind."""
    refs = dict(_LINKS)
    for fk in MODELS[kind].__table__.foreign_keys:
        target = _TABLE_KINDS.get(fk.column.table.name)
        if target is not None and fk.column.name == "id":
            refs[fk.parent.name] = target
    return refs


REFERENCES = {kind: _references(kind) for kind in MODELS}


@dataclass
class Replayed:
    events: int = 0
    stage_rows: int = 0
    # The file's events about records the import matched to ones already here (not brought).
    matched: int = 0
    # About what an import does not map one for one (the team's settings, people, fields, pipelines:
    # their own changes bring them), or about records the export does not hold.
    unmapped: int = 0

    def described(self) -> str:
        said = f"history brought back: {self.events:,} audit events, {self.stage_rows:,} deal stage changes"
        if self.matched:
            said += (
                f"; records already here keep their own history ({self.matched:,} events of the file's "
                "about them not brought)"
            )
        return said


def _csv(archive: Path, name: str) -> Iterator[dict[str, str]]:
    with zipfile.ZipFile(archive) as z:
        if f"{name}.csv" not in z.namelist():
            return
        with z.open(f"{name}.csv") as raw:
            yield from csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))


def has_history(archive: Path) -> bool:
    with zipfile.ZipFile(archive) as z:
        return "audit.csv" in z.namelist()


class _Ids:
    """The export's ids → this workspace's: people by Slack id, stages by pipeline and name, custom
    fields by record type and name (few: read once), records by the import's own bookkeeping
    (bot/services/dataio/ids.py), read a chunk at a time for the ids the chunk names, so that memory
    stays the same whatever the number of records."""

    def __init__(self, conn: Connection, ws: int, archive: Path, sources: dict[str, str]) -> None:
        self.workspace_id = ws
        self.sources = sources
        self.fixed: dict[str, dict[str, int]] = {}
        self._people(conn, ws, archive)
        self._stages(conn, ws, archive)
        self._fields(conn, ws, archive)
        self.any: dict[str, dict[str, int]] = dict(self.fixed)
        self.made: dict[str, dict[str, int]] = {}

    def load(self, conn: Connection, named: dict[str, set[str]], records: dict[str, set[str]]) -> None:
        """The records a chunk names (``named``, by kind) and which of those its events are about
        (``records``) the import made."""
        self.any = dict(self.fixed)
        self.made = {}
        m = table_of(ImportId).c
        for kind, wanted in named.items():
            batch = self.sources.get(kind)
            if batch is None or kind not in MODELS or not wanted:
                continue
            self.any[kind] = {
                str(src): int(rec)
                for src, rec in conn.execute(
                    select(m.source_id, m.record_id).where(
                        m.batch_id == batch, m.source_id.in_(sorted(wanted))
                    )
                )
            }
        for kind, wanted in records.items():
            found = {src: rec for src in wanted if (rec := self.any.get(kind, {}).get(src)) is not None}
            if not found:
                continue
            t = table_of(MODELS[kind]).c
            # Only what this import made has its history replayed (see the module's docstring).
            mine = set(
                conn.scalars(
                    select(t.id).where(
                        t.workspace_id == self.workspace_id,
                        t.import_batch == self.sources[kind],
                        t.id.in_(sorted(set(found.values()))),
                    )
                )
            )
            self.made[kind] = {src: rec for src, rec in found.items() if rec in mine}

    def _people(self, conn: Connection, ws: int, archive: Path) -> None:
        here = {
            slack: uid
            for uid, slack in conn.execute(select(User.id, User.slack_id).where(User.workspace_id == ws))
        }
        self.fixed["user"] = {
            row["ID"]: here[row["Slack ID"]]
            for row in _csv(archive, "users")
            if row.get("ID") and row.get("Slack ID") in here
        }

    def _stages(self, conn: Connection, ws: int, archive: Path) -> None:
        here = {
            (fold(p), fold(st)): sid
            for sid, p, st in conn.execute(
                select(PipelineStage.id, Pipeline.name, PipelineStage.name)
                .join(Pipeline, Pipeline.id == PipelineStage.pipeline_id)
                .where(PipelineStage.workspace_id == ws)
            )
        }
        self.fixed["stage"] = {
            row["Stage ID"]: here[key]
            for row in _csv(archive, "pipelines")
            if row.get("Stage ID") and (key := (fold(row["Pipeline"]), fold(row["Stage"]))) in here
        }

    def _fields(self, conn: Connection, ws: int, archive: Path) -> None:
        here = {
            (kind, fold(name)): fid
            for fid, kind, name in conn.execute(
                select(CustomField.id, CustomField.record_type, CustomField.name).where(
                    CustomField.workspace_id == ws
                )
            )
        }
        self.fields = {
            row["ID"]: str(here[key])
            for row in _csv(archive, "fields")
            if row.get("ID") and (key := (row["Record Type"], fold(row["Name"]))) in here
        }

    def of(self, kind: str, old: Any) -> int | None:
        """The id here of what the export called ``old``; None for no id; its negative for one not here."""
        if old is None or old == "":
            return None
        try:
            number = int(old)
        except (TypeError, ValueError):
            return None
        found = self.any.get(kind, {}).get(str(number))
        return found if found is not None else -abs(number)

    def person(self, old: str | None) -> int | None:
        # A column with a key to users: a person not here is nobody (a negative id would break the key).
        return self.fixed["user"].get(old) if old else None

    @staticmethod
    def named(kind: str, values: dict[str, Any] | None, into: dict[str, set[str]]) -> None:
        """The records ``values`` (an event's before or after) name by id, added to ``into`` by kind."""
        if not values:
            return
        for key, target in REFERENCES[kind].items():
            value = values.get(key)
            if value is None or target not in MODELS:
                continue
            try:
                into.setdefault(target, set()).add(str(int(value)))
            except (TypeError, ValueError):
                continue

    def remap(self, kind: str, values: dict[str, Any] | None) -> dict[str, Any] | None:
        if values is None:
            return None
        refs = REFERENCES[kind]
        out: dict[str, Any] = {}
        for key, value in values.items():
            if key == "workspace_id":
                out[key] = self.workspace_id  # a snapshot names its workspace: this one now
            elif key in refs and value is not None:
                out[key] = self.of(refs[key], value)
            elif key == "custom" and isinstance(value, dict):
                # Custom values are kept by field id; a field not here is left out, as its column is.
                out[key] = {self.fields[k]: v for k, v in value.items() if k in self.fields}
            else:
                out[key] = value
        return out


def _json(cell: str | None) -> dict[str, Any] | None:
    if not cell:
        return None
    value = json.loads(cell)
    return value if isinstance(value, dict) else None


def _time(cell: str | None) -> datetime | None:
    return datetime.fromisoformat(cell) if cell else None


class _Ops:
    """Each exported operation's id made anew (the same one for all its events and its undo's mark):
    op ids key undo and the stage history, and another workspace's must not be reused here. Derived
    from the old one under a namespace of this replay's own, so that no table of them is kept."""

    def __init__(self) -> None:
        self.namespace = uuid.uuid4()

    def __call__(self, old: str | None) -> str | None:
        return str(uuid.uuid5(self.namespace, old)) if old else None


class _EventIds:
    """The export's event id → the new one (the stage history names its events), as two arrays of
    numbers in the file's order (the export's is by id, so a lookup is a binary search): a few bytes an
    event where a dict of them took a hundred."""

    def __init__(self) -> None:
        self.old = array("q")
        self.new = array("q")
        self.ordered = True

    def add(self, old: str, new: int) -> None:
        try:
            number = int(old)
        except ValueError:
            return
        if self.old and number <= self.old[-1]:
            self.ordered = False
        self.old.append(number)
        self.new.append(new)

    def settle(self) -> None:
        if not self.ordered:  # a file written otherwise than by the export
            pairs = sorted(zip(self.old, self.new, strict=True))
            self.old = array("q", (o for o, _ in pairs))
            self.new = array("q", (n for _, n in pairs))
            self.ordered = True

    def get(self, old: str | None) -> int | None:
        try:
            number = int(old or "")
        except ValueError:
            return None
        i = bisect_left(self.old, number)
        return self.new[i] if i < len(self.old) and self.old[i] == number else None


def _chunks(rows: Iterator[dict[str, str]]) -> Iterator[list[dict[str, str]]]:
    chunk: list[dict[str, str]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def replay(sessions: sessionmaker[Session], actor: Actor, archive: Path, sources: dict[str, str]) -> Replayed:
    """The zip's audit trail and stage history, for the records its import made, in one transaction,
    a chunk of the file at a time."""
    done = Replayed()
    if not has_history(archive):
        return done
    ws = actor.workspace_id
    with sessions.begin() as s:
        conn = s.connection()
        if conn.dialect.name == "postgresql":
            # Each chunk looks its ids up by the bookkeeping's index: just filled, the table has no
            # statistics, and a lookup planned as a scan of it would read it whole for every chunk.
            conn.exec_driver_sql("ANALYZE import_ids")
        ids = _Ids(conn, ws, archive, sources)
        ops = _Ops()
        events = _events(conn, ws, archive, ids, ops, sources, done)
        if "deal" in sources:
            _stage_history(conn, ws, archive, ids, ops, events, sources["deal"], done)
        if conn.dialect.name == "postgresql" and done.events > BATCH:
            # Hundreds of thousands of rows just written: without fresh statistics the funnel's first
            # read of them was planned as if they were few and ran for minutes.
            conn.exec_driver_sql("ANALYZE audit_events, deal_stage_changes")
    return done


def _events(
    conn: Connection,
    ws: int,
    archive: Path,
    ids: _Ids,
    ops: _Ops,
    sources: dict[str, str],
    done: Replayed,
) -> _EventIds:
    """The audit trail's events about records the import made, written in their order."""
    table = table_of(AuditEvent)
    new_ids = _EventIds()
    for chunk in _chunks(_csv(archive, "audit")):
        parsed = [(row, _json(row.get("Before")), _json(row.get("After"))) for row in chunk]
        named: dict[str, set[str]] = {}
        records: dict[str, set[str]] = {}
        for row, before, after in parsed:
            kind = row.get("Record Type") or ""
            if kind not in MODELS:
                continue
            records.setdefault(kind, set()).add(row.get("Record ID") or "")
            named.setdefault(kind, set()).add(row.get("Record ID") or "")
            ids.named(kind, before, named)
            ids.named(kind, after, named)
        ids.load(conn, named, records)
        pending: list[tuple[str, dict[str, Any]]] = []
        for row, before, after in parsed:
            kind = row.get("Record Type") or ""
            old = row.get("Record ID") or ""
            record = ids.made.get(kind, {}).get(old)
            if record is None:
                if old in ids.any.get(kind, {}) and kind in MODELS:
                    done.matched += 1
                else:
                    done.unmapped += 1
                continue
            pending.append(
                (
                    row["ID"],
                    {
                        "workspace_id": ws,
                        "op_id": ops(row["Operation"]),
                        "actor_id": ids.person(row.get("Actor ID")),
                        "record_type": kind,
                        "record_id": record,
                        "action": row["Action"],
                        "before": ids.remap(kind, before),
                        "after": ids.remap(kind, after),
                        "at": _time(row["At"]),
                        "undone_by_op": ops(row.get("Undone By")),
                        "replayed_by": sources[kind],
                    },
                )
            )
        if not pending:
            continue
        written = _write(conn, table, [row for _, row in pending])
        for (old, _), new in zip(pending, written, strict=True):
            new_ids.add(old, new)
        done.events += len(pending)
    new_ids.settle()
    return new_ids


def _stage_history(
    conn: Connection,
    ws: int,
    archive: Path,
    ids: _Ids,
    ops: _Ops,
    events: _EventIds,
    batch: str,
    done: Replayed,
) -> None:
    """The deals' stage history as exported, for the deals the import made, in place of the row each
    got from the deals' import (which begins at the import)."""
    h: Table = table_of(DealStageChange)
    for chunk in _chunks(_csv(archive, "stage_history")):
        deals = {row.get("Deal ID") or "" for row in chunk}
        ids.load(conn, {"deal": deals}, {"deal": deals})
        made = ids.made.get("deal", {})
        rows: list[dict[str, Any]] = []
        covered: set[int] = set()
        for row in chunk:
            deal = made.get(row.get("Deal ID") or "")
            if deal is None:
                continue
            covered.add(deal)
            rows.append(
                {
                    "workspace_id": ws,
                    "deal_id": deal,
                    "op_id": ops(row.get("Operation")),
                    "event_id": events.get(row.get("Event ID")),
                    "actor_id": ids.person(row.get("Actor ID")),
                    "at": _time(row["At"]),
                    "valid_from": _time(row["Valid From"]),
                    "valid_until": _time(row.get("Valid Until")),
                    "from_stage_id": ids.of("stage", row.get("From Stage ID")),
                    "from_entered_at": _time(row.get("From Entered At")),
                    "stage_id": ids.of("stage", row["Stage ID"]),
                    "entered_at": _time(row["Entered At"]),
                    "amount": Decimal(row["Amount"]) if row.get("Amount") else None,
                    "currency": row["Currency"],
                    "close_date": _day(row.get("Close Date")),
                    "deal_created_at": _time(row["Deal Created At"]),
                }
            )
        if rows:
            _write(conn, h, rows)
            done.stage_rows += len(rows)
            _drop_import_rows(conn, ws, batch, covered)
    if conn.dialect.name == "postgresql":
        # Read below by the deal: planned on the statistics of the import's single rows, the read of
        # each deal's history ran for seconds a chunk.
        conn.exec_driver_sql("ANALYZE deals, deal_stage_changes")
    # What the funnel reads is kept from the stage history: the deals the import made are read anew.
    d = table_of(Deal).c
    funnel_rows.refresh(conn, ws, select(d.id).where(d.workspace_id == ws, d.import_batch == batch))


def _write(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Rows added to a table, with the ids they were given, in their order. PostgreSQL takes them by
    COPY under ids drawn from the table's sequence beforehand: an INSERT … RETURNING of a chunk spent
    most of its time having its statement of thousands of values parsed by the driver."""
    if conn.dialect.name != "postgresql":
        written = conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
        return list(written.scalars())
    ids = sorted(
        conn.scalars(
            text(f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) FROM generate_series(1, :n)"),
            {"n": len(rows)},
        )
    )
    names = list(rows[0])
    objects = {n for n in names if isinstance(table.c[n].type, JSON)}
    driver: Any = conn.connection.driver_connection
    with driver.cursor() as cur, cur.copy(f"COPY {table.name} (id, {', '.join(names)}) FROM STDIN") as copy:
        for new, row in zip(ids, rows, strict=True):
            copy.write_row(
                [new, *(json.dumps(v) if n in objects and v is not None else v for n, v in row.items())]
            )
    return ids


def _day(cell: str | None) -> date | None:
    return date.fromisoformat(cell[:10]) if cell else None


def _drop_import_rows(conn: Connection, ws: int, batch: str, deals: set[int]) -> None:
    """The row the deals' import wrote each deal it made, where the file gave that deal its own: a deal
    the file has no history of (an older export) keeps the import's row, so the reports still see it.
    By the deals' ids, a chunk's at a time (the deal index): the tables were just filled, and a
    correlated delete planned without statistics ran for minutes."""
    table = table_of(DealStageChange)
    h = table.c
    conn.execute(delete(table).where(h.workspace_id == ws, h.op_id == batch, h.deal_id.in_(sorted(deals))))


def undone(conn: Connection, ws: int, batch_id: str, record_type: str) -> None:
    """After an import's undo: the history it replayed goes with the records the undo deleted; a record
    it kept (changed or used since) keeps its history, and nobody else's events are touched."""
    model = MODELS.get(record_type)
    if model is None:
        return
    a, t = table_of(AuditEvent).c, table_of(model).c
    conn.execute(
        delete(table_of(AuditEvent)).where(
            a.workspace_id == ws,
            a.replayed_by == batch_id,
            ~exists().where(t.workspace_id == ws, t.id == a.record_id),
        )
    )
    if record_type == "deal":
        h, d = table_of(DealStageChange).c, table_of(Deal).c
        gone = ~exists().where(d.workspace_id == ws, d.id == h.deal_id)
        deals = set(conn.scalars(select(h.deal_id).where(h.workspace_id == ws, gone).distinct()))
        conn.execute(delete(table_of(DealStageChange)).where(h.workspace_id == ws, gone))
        # What the funnel kept of the deals gone goes with their history.
        funnel_rows.refresh(conn, ws, deals)


__all__ = ["Replayed", "replay", "undone"]
