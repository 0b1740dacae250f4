"""Exporting everything a workspace holds: every record type (with its tags and links, named as an
import reads them back), the imports and the audit trail, as one CSV per type in a zip or as JSON
lines. Rows are streamed from the database and written as they come, so memory stays flat."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Date,
    DateTime,
    Numeric,
    Select,
    String,
    and_,
    case,
    exists,
    func,
    literal,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased, sessionmaker

from bot.services import policy
from bot.services.base import Actor, aware
from bot.services.dataio import extras
from bot.services.dataio.columns import RECORD_TYPES, columns
from bot.services.dataio.settings import (
    FIELDS_FILE,
    FIELDS_HEADERS,
    PIPELINES_FILE,
    PIPELINES_HEADERS,
    fields_select,
    pipelines_select,
)
from bot.services.dataio.staging import table_of
from models import (
    AuditEvent,
    Company,
    Contact,
    CustomField,
    Deal,
    DealStageChange,
    ImportBatch,
    Interaction,
    Pipeline,
    PipelineStage,
    Target,
    Task,
    User,
)
from models.base import UTCDateTime

BATCH = 5000
# The audit trail and the deals' stage history, written like the records (straight from the database).
_HISTORY = ("audit", "stage_change")
# A select's column that orders its rows without being one of the file's (the stage history's own id).
_SORT = "sort_key"
CUSTOM = "__custom"
FILES = {
    "company": "companies",
    "contact": "contacts",
    "deal": "deals",
    "task": "tasks",
    "interaction": "interactions",
}
AUDIT_HEADERS = [
    "ID",
    "At",
    "Actor",
    "Record Type",
    "Record ID",
    "Action",
    "Before",
    "After",
    "Operation",
    "Undone By",
    # Who acted, by their id in users.csv, so an import maps each event to the same person.
    "Actor ID",
]
IMPORT_HEADERS = [
    "Batch",
    "Record Type",
    "File",
    "Mode",
    "Actor",
    "Rows",
    "Created",
    "Updated",
    "Skipped",
    "Bad",
    "Started At",
    "Finished At",
    "Undone At",
]


@dataclass
class _Part:
    """One file of the export (one record type, the imports or the audit trail)."""

    kind: str
    name: str
    query: Select[Any]
    headers: list[str]
    # A record type's custom fields (id, name): its rows end with the custom values, spread over these.
    fields: list[tuple[str, str]] | None = None


@dataclass
class Exported:
    path: Path
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _person(user: Any) -> ColumnElement[Any]:
    # How an import finds the person again: their email when Slack gave one, else their name.
    return func.coalesce(user.email, user.name)


def _record_select(kind: str, ws: int) -> Select[Any]:
    """The export's columns of one record type, in its registry's order, each labelled by its header."""
    owner = aliased(User)
    shared = _shared_names(ws)
    cols = {c.field: c.header for c in columns(kind)}
    if kind == "company":
        t = Company
        values = {
            "source_id": t.id,
            "name": t.name,
            "domain": t.domain,
            "industry": t.industry,
            "owner_id": _person(owner),
            "tags": t.tags,
            "lifecycle": t.lifecycle,
            "created_at": t.created_at,
            "deleted_at": t.deleted_at,
        }
        q = select().select_from(t).outerjoin(owner, owner.id == t.owner_id)
    elif kind == "contact":
        t = Contact  # type: ignore[assignment]
        co = aliased(Company)
        values = {
            "source_id": t.id,
            "name": t.name,
            "email": Contact.email,
            "phone": Contact.phone,
            "title": Contact.title,
            "company": _company_link(co, shared),
            "company_source": Contact.company_id,
            "lifecycle": Contact.lifecycle,
            "owner_id": _person(owner),
            "tags": t.tags,
            "preferred_channel": Contact.preferred_channel,
            "created_at": t.created_at,
            "deleted_at": Contact.deleted_at,
        }
        q = (
            select()
            .select_from(t)
            .outerjoin(co, co.id == Contact.company_id)
            .outerjoin(shared, shared.c.k == co.name_key)
            .outerjoin(owner, owner.id == Contact.owner_id)
        )
    elif kind == "deal":
        co = aliased(Company)
        ct = aliased(Contact)
        st = aliased(PipelineStage)
        ctco = aliased(Company)
        pl = aliased(Pipeline)
        closer = aliased(User)
        values = {
            "source_id": Deal.id,
            "title": Deal.title,
            "amount": Deal.amount,
            "currency": Deal.currency,
            "pipeline": pl.name,
            "stage_id": st.name,
            "forecast_category": Deal.forecast_category,
            "closed_at": Deal.closed_at,
            "close_date": Deal.close_date,
            "company": _company_link(co, shared),
            "company_source": Deal.company_id,
            "contact": _contact_link(ct, ctco),
            "contact_source": Deal.contact_id,
            "room_channel_id": Deal.room_channel_id,
            "owner_id": _person(owner),
            "tags": Deal.tags,
            "closed_by_id": _person(closer),
            "stage_changed_at": Deal.stage_changed_at,
            "last_activity_at": Deal.last_activity_at,
            "created_at": Deal.created_at,
            "deleted_at": Deal.deleted_at,
        }
        q = (
            select()
            .select_from(Deal)
            .join(st, st.id == Deal.stage_id)
            .join(pl, pl.id == st.pipeline_id)
            .outerjoin(co, co.id == Deal.company_id)
            .outerjoin(shared, shared.c.k == co.name_key)
            .outerjoin(ct, ct.id == Deal.contact_id)
            .outerjoin(ctco, ctco.id == ct.company_id)
            .outerjoin(owner, owner.id == Deal.owner_id)
            .outerjoin(closer, closer.id == Deal.closed_by_id)
        )
        t = Deal  # type: ignore[assignment]
    else:
        return _linked_select(kind, ws, cols)
    q = q.add_columns(*(values[f].label(h) for f, h in cols.items() if f in values)).where(
        t.workspace_id == ws
    )
    # The custom values last, spread into one column per field by the writer (see _Part).
    return q.add_columns(t.custom.label(CUSTOM)).order_by(t.id)


def _qualified(record: Any, name: Any, key: Any, company: Any) -> ColumnElement[Any]:
    """A contact's or deal's name as a link to it: with its company, "Sam Lee (Globex)", when another
    of the workspace's has the same name (an import reads it back to the one at that company)."""
    other = aliased(record)
    namesake = (
        exists()
        .where(other.workspace_id == record.workspace_id, getattr(other, key) == getattr(record, key))
        .where(other.id != record.id)
    )
    return case(
        (and_(company.is_not(None), namesake), name + literal(" (") + company + literal(")")), else_=name
    )


def _company_link(company: Any, shared: Any) -> ColumnElement[Any]:
    """A company named as a link: with its web domain, "Acme (acme.ca)", when another of the
    workspace's has its name (``shared``: the name keys more than one company has, joined)."""
    return case(
        (
            and_(shared.c.k.is_not(None), company.domain.is_not(None)),
            company.name + literal(" (") + company.domain + literal(")"),
        ),
        else_=company.name,
    )


def _shared_names(ws: int) -> Any:
    c = Company
    return (
        select(c.name_key.label("k"))
        .where(c.workspace_id == ws)
        .group_by(c.name_key)
        .having(func.count() > 1)
        .subquery()
    )


def _contact_link(contact: Any, company: Any) -> ColumnElement[Any]:
    # By email when there is one; else by name (with the company when the name is not enough).
    named = _qualified(contact, contact.name, "name_key", company.name)
    return case((contact.email.is_not(None), contact.email), else_=named)


def _link(source: str, kind: str, source_id: Any) -> ColumnElement[Any]:
    """What a task or interaction is about, of one kind, named as an import finds it again."""
    tg = table_of(Target).c
    co = aliased(Company)
    if kind == "contact":
        name: Any = _contact_link(Contact, co)
        target: Any = Contact
    elif kind == "company":
        name, target = _qualified(Company, Company.name, "name_key", Company.domain), Company
    else:
        name, target = _qualified(Deal, Deal.title, "title_key", co.name), Deal
    joined = table_of(Target).join(target, target.id == tg[f"{kind}_id"])
    if kind != "company":
        joined = joined.outerjoin(co, co.id == target.company_id)
    return select(name).select_from(joined).where(tg[f"{source}_id"] == source_id).limit(1).scalar_subquery()


def _link_id(source: str, kind: str, source_id: Any) -> ColumnElement[Any]:
    """The id of what a task or interaction is about, of one kind (an import of the whole zip links by it)."""
    tg = table_of(Target).c
    return (
        select(tg[f"{kind}_id"])
        .where(tg[f"{source}_id"] == source_id, tg[f"{kind}_id"].is_not(None))
        .limit(1)
        .scalar_subquery()
    )


def _linked_select(kind: str, ws: int, cols: dict[str, str]) -> Select[Any]:
    user = aliased(User)
    creator = aliased(User)
    if kind == "task":
        values: dict[str, Any] = {
            "source_id": Task.id,
            "title": Task.title,
            "due_date": Task.due_date,
            "due_at": Task.due_at,
            "done_at": Task.done_at,
            "assignee_id": _person(user),
            "creator_id": _person(creator),
            "deleted_at": Task.deleted_at,
        }
        t: Any = Task
        who = Task.assignee_id
    else:
        values = {
            "source_id": Interaction.id,
            "kind": Interaction.kind,
            "summary": Interaction.summary,
            "occurred_at": Interaction.occurred_at,
            "author_id": _person(user),
            "permalink": Interaction.permalink,
        }
        t = Interaction
        who = Interaction.author_id
    for link in ("contact", "company", "deal"):
        values[link] = _link(kind, link, t.id)
        values[f"{link}_source"] = _link_id(kind, link, t.id)
    values["created_at"] = t.created_at
    q = select(*(values[f].label(h) for f, h in cols.items() if f in values)).select_from(t)
    q = q.outerjoin(user, user.id == who)
    if kind == "task":
        q = q.outerjoin(creator, creator.id == Task.creator_id)
    return q.where(t.workspace_id == ws).order_by(t.id)


def _audit_select(ws: int) -> Select[Any]:
    a = AuditEvent
    user = aliased(User)
    return (
        select(
            a.id,
            a.at,
            _person(user).label("actor"),
            a.record_type,
            a.record_id,
            a.action,
            a.before,
            a.after,
            a.op_id,
            a.undone_by_op,
            a.actor_id,
        )
        .outerjoin(user, user.id == a.actor_id)
        .where(a.workspace_id == ws)
        .order_by(a.id)
    )


STAGE_HISTORY_HEADERS = [
    "Deal ID",
    "Operation",
    "Event ID",
    "Actor ID",
    "At",
    "Valid From",
    "Valid Until",
    "From Stage ID",
    "From Entered At",
    "Stage ID",
    "Entered At",
    "Amount",
    "Currency",
    "Close Date",
    "Deal Created At",
]


def _stage_history_select(ws: int) -> Select[Any]:
    """The deals' stage history as it is (ids as the other files give them): an import of the whole zip
    writes it back for the deals it makes, so the funnel and the forecast's look back read the same past
    (rebuilt from the deals alone it would begin at the import)."""
    h = DealStageChange
    return (
        select(
            h.deal_id,
            h.op_id,
            h.event_id,
            h.actor_id,
            h.at,
            h.valid_from,
            h.valid_until,
            h.from_stage_id,
            h.from_entered_at,
            h.stage_id,
            h.entered_at,
            h.amount,
            h.currency,
            h.close_date,
            h.deal_created_at,
            h.id.label(_SORT),
        )
        .where(h.workspace_id == ws)
        .order_by(h.id)
    )


def _imports_select(ws: int) -> Select[Any]:
    b = ImportBatch
    user = aliased(User)
    return (
        select(
            b.batch_id,
            b.record_type,
            b.file_name,
            b.mode,
            _person(user),
            b.rows,
            b.created,
            b.updated,
            b.skipped,
            b.bad,
            b.started_at,
            b.finished_at,
            b.undone_at,
        )
        .outerjoin(user, user.id == b.actor_id)
        .where(b.workspace_id == ws)
        .order_by(b.id)
    )


def cell(value: Any) -> str:
    """A value as a CSV cell that an import reads back to the same value."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return aware(value).isoformat()
    if isinstance(value, date | Decimal):
        return str(value) if not isinstance(value, date) else value.isoformat()
    if isinstance(value, list):
        if any(";" in str(v) for v in value):
            # A choice holding the separator ("SMB; Mid-market") stays one: the list as JSON.
            return json.dumps(value, ensure_ascii=False)
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        # In the order stored: an audit event's fields are said in it (the history reads "stage …;
        # close date …"), and an import writes them back so.
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _as_text(name: str, kind: Any, pg: bool, objects: bool = False) -> str:
    """SQL writing one column of a record's select as its CSV cell, as ``cell`` writes the value (an
    import reads it back the same): times in UTC as ISO 8601, amounts with their two decimals, tags
    joined by "; ", an audit event's before/after (``objects``) as its JSON."""
    if isinstance(kind, UTCDateTime | DateTime):
        if pg:
            # Python leaves the microseconds out when there are none; so does this.
            iso = f"to_char(timezone('UTC', {name}), 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
            return f"replace({iso} || '+00:00', '.000000+', '+')"
        # SQLite keeps them as text, "2025-03-31 14:30:00.000000" (naive UTC).
        return (
            f"substr({name}, 1, 10) || 'T' || substr({name}, 12, 8) || CASE WHEN substr({name}, 20, 7) "
            f"IN ('', '.000000') THEN '' ELSE substr({name}, 20, 7) END || '+00:00'"
        )
    if isinstance(kind, Date):
        return f"to_char({name}, 'YYYY-MM-DD')" if pg else name
    if isinstance(kind, Numeric) and not pg:
        return f"CASE WHEN {name} IS NULL THEN NULL ELSE printf('%.2f', {name}) END"
    if isinstance(kind, JSON) and objects:
        # The stored JSON's own text (PostgreSQL's in the order it keeps the keys, as Python reads them).
        return f"{name}::text" if pg else name
    if isinstance(kind, JSON):
        if pg:
            return (
                f"CASE WHEN jsonb_array_length({name}) > 0 THEN "
                f"array_to_string(ARRAY(SELECT jsonb_array_elements_text({name})), '; ') END"
            )
        return f"(SELECT group_concat(value, '; ') FROM json_each({name}))"
    if pg and isinstance(kind, String):
        # COPY writes an empty text as "" (NULL as nothing); the csv module writes both as nothing.
        return f"nullif({name}, '')"
    return name


def _cells_sql(conn: Connection, q: Select[Any], objects: bool = False) -> str:
    """A record type's select (or the history's) as SQL whose columns are already the CSV's cells."""
    dialect = conn.dialect
    pg = dialect.name == "postgresql"
    quote = dialect.identifier_preparer.quote
    inner = q.order_by(None).compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    cells = [
        _as_text(f"r.{quote(c.name)}", c.type, pg, objects) for c in q.selected_columns if c.name != _SORT
    ]
    order = f"r.{_SORT}" if _SORT in q.selected_columns else "1"
    return f"SELECT {', '.join(cells)} FROM ({inner}) AS r ORDER BY {order}"


def _records_csv(
    conn: Connection,
    q: Select[Any],
    text: io.TextIOWrapper,
    raw: IO[bytes],
    writer: Any,
    objects: bool = False,
) -> int:
    """One record type's rows written straight from the database: PostgreSQL writes the CSV itself
    (COPY … TO STDOUT, read in chunks), SQLite's rows go to the csv module in batches; no value passes
    through Python one at a time."""
    sql = _cells_sql(conn, q, objects)
    driver: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        # Rows come out in id order: a sort of a million rows spills to disk at the default 4 MB.
        conn.exec_driver_sql("SELECT set_config('work_mem', '64MB', true)")
        with driver.cursor() as cur:
            with cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
                for data in copy:
                    raw.write(data)
            return int(cur.rowcount)
    n = 0
    cur = driver.cursor()
    try:
        cur.execute(sql)
        while batch := cur.fetchmany(BATCH):
            writer.writerows(batch)
            n += len(batch)
    finally:
        cur.close()
    text.flush()
    return n


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return aware(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class Exporter:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def run(
        self, actor: Actor, out: Path, fmt: str = "csv", progress: Callable[[str, int], None] | None = None
    ) -> Exported:
        result = Exported(out)
        with self.sessions() as session:
            policy.require(session, actor, "export")
            conn = session.connection()
            parts = self._parts(session, actor.workspace_id, admin=policy.at_least(actor, "admin"))
            if fmt == "jsonl":
                self._jsonl(conn, out, parts, result, progress)
            else:
                self._zip(conn, out, parts, result, progress)
        return result

    @staticmethod
    def _parts(session: Session, ws: int, *, admin: bool = True) -> list[_Part]:
        parts = []
        for kind in RECORD_TYPES:
            q = _record_select(kind, ws)
            headers = [c.name for c in q.selected_columns]
            if headers[-1] != CUSTOM:
                parts.append(_Part(kind, FILES[kind], q, headers))
                continue
            cols = [c for c in q.selected_columns if c.name != CUSTOM]
            custom: Any = next(c for c in q.selected_columns if c.name == CUSTOM).element
            # A record type's custom fields, one column each under the field's name, as an import maps
            # them back.
            fields = [
                (str(id_), name)
                for id_, name in session.execute(
                    select(CustomField.id, CustomField.name)
                    .where(CustomField.workspace_id == ws, CustomField.record_type == kind)
                    .order_by(CustomField.position, CustomField.id)
                )
            ]
            # each field's value taken out of the JSON by the database, so COPY writes it like any column
            spread = [custom[key].as_string().label(name) for key, name in fields]
            q = q.with_only_columns(*cols, *spread, maintain_column_froms=True)
            parts.append(_Part(kind, FILES[kind], q, headers[:-1] + [n for _, n in fields]))
        # What the records need in another workspace: its own fields and its pipelines' stages.
        parts.append(_Part("field", FIELDS_FILE, fields_select(ws), FIELDS_HEADERS))
        parts.append(_Part("stage", PIPELINES_FILE, pipelines_select(ws), PIPELINES_HEADERS))
        # What else the workspace keeps: its settings, people, quotas, answers, webhooks, schedules.
        # Webhook URLs often carry a receiver's own token: they go out only to admins, who manage them.
        parts += [
            _Part(kind, name, q, headers)
            for kind, name, q, headers in extras.parts(ws)
            if admin or kind != "webhook"
        ]
        parts.append(_Part("import", "imports", _imports_select(ws), IMPORT_HEADERS))
        parts.append(_Part("audit", "audit", _audit_select(ws), AUDIT_HEADERS))
        parts.append(_Part("stage_change", "stage_history", _stage_history_select(ws), STAGE_HISTORY_HEADERS))
        return parts

    @staticmethod
    def _rows(conn: Connection, part: _Part) -> Iterator[Any]:
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(part.query)
        if _SORT in part.query.selected_columns:
            yield from (row[:-1] for row in result)
            return
        if part.fields is None:
            yield from result
            return
        for row in result:
            custom = row[-1] or {}
            yield [*row[:-1], *(custom.get(key) for key, _name in part.fields)]

    def _zip(self, conn: Connection, out: Path, parts: list[_Part], result: Exported, progress: Any) -> None:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            for part in parts:
                kind, name, headers = part.kind, part.name, part.headers
                with z.open(f"{name}.csv", "w", force_zip64=True) as raw:
                    text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                    writer = csv.writer(text, lineterminator="\n")
                    writer.writerow(headers)
                    text.flush()
                    if kind in FILES or kind in _HISTORY:
                        # The history is the biggest part of an export: the database writes it too.
                        n = _records_csv(conn, part.query, text, raw, writer, objects=kind in _HISTORY)
                    else:
                        n = 0
                        for row in self._rows(conn, part):
                            writer.writerow([cell(v) for v in row])
                            n += 1
                    text.flush()
                    text.detach()
                result.counts[kind] = n
                if progress:
                    progress(kind, n)

    def _jsonl(
        self, conn: Connection, out: Path, parts: list[_Part], result: Exported, progress: Any
    ) -> None:
        with open(out, "w", encoding="utf-8") as f:
            for part in parts:
                kind = part.kind
                keys = [h.lower().replace(" ", "_") for h in part.headers]
                n = 0
                for row in self._rows(conn, part):
                    record = {"type": kind, **{k: _json_value(v) for k, v in zip(keys, row, strict=True)}}
                    f.write(json.dumps(record, ensure_ascii=False) + "\n")
                    n += 1
                result.counts[kind] = n
                if progress:
                    progress(kind, n)
