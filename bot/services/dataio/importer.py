"""Importing a file of records: read and check each row as it streams past, load the good ones into a
staging table, then match, link, insert and update with a handful of set-based statements, all in one
transaction (nothing is half-written), recorded as one import (``imports``) that is undone as one.

What it costs does not grow with memory: rows are read one at a time, loaded in chunks, and every
step after the load is one statement per table, whether the file holds ten rows or a million.
"""

from __future__ import annotations

import csv
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from bot.services import company_activity, forecast_totals, namewords, policy, stage_history, totals
from bot.services.base import Actor
from bot.services.companies import company_key
from bot.services.dataio import history, matching, teammates
from bot.services.dataio import ids as source_ids
from bot.services.dataio.cells import Context
from bot.services.dataio.columns import CUSTOM, TYPE_NAMES, column, guess_mapping, label
from bot.services.dataio.rows import RowReader
from bot.services.dataio.sniff import Written, sniff
from bot.services.dataio.staging import create, loader, staging_table, table_of
from bot.services.dataio.tabular import NotATable, Table, column_names
from bot.services.errors import Forbidden, Invalid
from bot.services.text import fold
from bot.services.views import CustomFieldView
from models import Company, CustomField, ImportBatch, Pipeline, PipelineStage, User, Workspace

CHUNK = 5000
PREVIEW_ROWS = 5


@dataclass
class Progress:
    rows: int
    bytes_read: int
    size: int
    elapsed: float
    phase: str = "reading"

    @property
    def rate(self) -> float:
        return self.rows / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        if not self.bytes_read or self.phase != "reading":
            return None
        return self.elapsed * (self.size - self.bytes_read) / self.bytes_read


@dataclass
class Result:
    """What an import did (or, dry, would do)."""

    record_type: str
    batch_id: str
    file_name: str
    layout: str
    headers: list[str]
    mapping: dict[int, str]
    mode: str
    dry_run: bool
    rows: int = 0
    new: int = 0
    matching: int = 0
    repeated: int = 0  # rows repeating an earlier row of the same file
    bad: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    companies_made: int = 0
    seconds: float = 0.0
    preview: list[dict[str, str]] = field(default_factory=list)
    report: Path | None = None
    # The workspace's own fields of the record type, for naming the columns mapped to them.
    custom: list[CustomFieldView] = field(default_factory=list)
    # How its slashed days were read ("mdy" or "dmy"), whether the person said so, and what the file
    # itself shows of its days and amounts.
    dates: str = "mdy"
    dates_given: bool = False
    written: Written = field(default_factory=Written)
    # Open deals whose close date is already past, and the first of them (title, day).
    past_open: int = 0
    past_first: tuple[str, Any] | None = None
    # Teammates its people columns name by email, found in the workspace's directory and added (their
    # names); and those nobody here is: (column's label, as written, rows naming them), most rows first.
    teammates: list[str] = field(default_factory=list)
    unknown: list[tuple[str, str, int]] = field(default_factory=list)
    # Those past the most one import looks up (the same shape), and that most (0: none were left out).
    not_looked_up: list[tuple[str, str, int]] = field(default_factory=list)
    lookup_limit: int = 0

    @property
    def unmapped(self) -> list[str]:
        names = column_names(self.headers)
        return [names[i] for i, h in enumerate(self.headers) if i not in self.mapping and h]

    def column_name(self, pos: int) -> str:
        """A column's header, with its place when another column has the same one."""
        return column_names(self.headers)[pos]

    @property
    def dates_unsure(self) -> str:
        """A day of the file that could be read both ways while nobody has said which (else "")."""
        return self.written.example if self.written.dates == "either" and not self.dates_given else ""

    def label(self, fld: str) -> str:
        return label(self.record_type, fld, self.custom)


@dataclass
class Undone:
    batch_id: str
    deleted: int
    restored: int
    kept: int
    # The teammates the import added: taken off the team again, or staying (and why).
    people: teammates.TakenBack = field(default_factory=teammates.TakenBack)


def record_type_of(name: str) -> str:
    found = TYPE_NAMES.get(name.strip().lower())
    if found is None:
        raise Invalid("import.type_unknown", field="type", value=name)
    return found


def real_now() -> datetime:
    # The rows' own updated_at is set on every later ORM write from the real clock; the import's times
    # are compared with it (undo keeps what changed since), so they are taken from the same clock.
    return datetime.now(UTC)


class Importer:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    # ---- looking at a file --------------------------------------------------------------------------

    def custom_fields(self, actor: Actor, record_type: str) -> list[CustomFieldView]:
        """The workspace's own fields of a record type, which an import maps columns of that name to."""
        with self.sessions() as s:
            return _custom_fields(s.connection(), actor, record_type)

    def guess(self, actor: Actor, record_type: str, headers: list[str]) -> dict[int, str]:
        """The fields a file's columns are taken for, the workspace's own fields among them."""
        return guess_mapping(record_type, headers, self.custom_fields(actor, record_type))

    def inspect(
        self, path: Path | str, record_type: str, custom: list[CustomFieldView] | None = None
    ) -> tuple[Table, list[str], dict[int, str]]:
        table = Table(path)
        headers = table.read_header()
        mapping = guess_mapping(record_type, headers, custom or ())
        if not mapping:
            shown = ", ".join(f"“{h}”" for h in headers[:8] if h)
            raise NotATable(f"None of this file's columns ({shown}) is a {record_type} field I know.")
        return table, headers, mapping

    # ---- importing ---------------------------------------------------------------------------------

    def run(
        self,
        actor: Actor,
        path: Path | str,
        record_type: str,
        *,
        mode: str = "skip",
        mapping: dict[int, str] | None = None,
        dry_run: bool = False,
        report: Path | None = None,
        file_name: str | None = None,
        dates: str | None = None,
        progress: Callable[[Progress], None] | None = None,
        sources: dict[str, str] | None = None,
        allow_empty: bool = False,
        directory: teammates.Directory | None = None,
    ) -> Result:
        """``dates``: how 03/04/2027 is read, "mdy" or "dmy"; None to find it from the file, which a file
        whose every such day could be either refuses (a dry run reads them month first, and says so).
        ``sources``: an export's zip imported whole, the imports of its earlier files by record type,
        whose ids this file's links are looked up among (bot/services/dataio/ids.py). ``allow_empty``:
        a file with no rows under its header is imported as nothing rather than refused (an export's).
        ``directory``: where the people the file names by email and nobody here is are looked up
        (bot/services/dataio/teammates.py); without one they stay unknown."""
        if mode not in ("skip", "update", "merge"):
            raise Invalid("import.mode_unknown", field="mode", value=mode)
        custom = self.custom_fields(actor, record_type)
        table, headers, guessed = self.inspect(path, record_type, custom)
        mapping = mapping or guessed
        known = {f"{CUSTOM}{f.id}" for f in custom}
        stale = sorted(f for f in mapping.values() if f.startswith(CUSTOM) and f not in known)
        if stale:
            # A field removed between the preview and the import: said, not written somewhere else.
            raise Invalid("import.field_gone", field="mapping", value=stale[0])
        twice = sorted(f for f in set(mapping.values()) if list(mapping.values()).count(f) > 1)
        if twice:
            # One of the two columns would be lost without a word.
            raise Invalid("import.field_twice", field="mapping", value=label(record_type, twice[0], custom))
        written, money = _written(path, record_type, mapping, custom, order_given=dates is not None)
        if dates is None and written.dates == "either" and not dry_run:
            raise Invalid("import.dates_ambiguous", field="dates", value=written.example)
        order = dates or ("dmy" if written.dates == "dmy" else "mdy")
        result = Result(
            record_type,
            str(uuid.uuid4()),
            file_name or Path(path).name,
            table.layout.described + (", decimal commas" if money and written.decimal == "," else ""),
            headers,
            mapping,
            mode,
            dry_run,
            report=report,
            custom=custom,
            dates=order,
            dates_given=dates is not None,
            written=written,
        )
        started = real_now()
        clock = time.monotonic()
        with self._transaction(actor) as conn:
            self._may_import(conn, actor, mode)
            ctx = _context(conn, actor, order)
            ctx.custom = {str(f.id): f for f in custom}
            ctx.decimal = written.decimal
            if directory is not None:
                result.teammates = self._find_teammates(
                    conn, actor, ctx, path, record_type, mapping, directory, result.batch_id
                )
            self._record(conn, actor, result, started)
            stage = staging_table(record_type, custom=any(f.startswith(CUSTOM) for f in mapping.values()))
            create(conn, stage)
            rows = RowReader(record_type, mapping, ctx, actor.user_id, started, headers)
            with _report(report, headers) as bad_rows:
                with loader(conn, stage) as load:
                    for chunk in _chunks(table, rows, result, bad_rows, clock, progress):
                        load(chunk)
                result.past_open, result.past_first = rows.past_open, rows.past_first
                named = sorted(
                    ((label(record_type, fld, custom), value, n) for (fld, value), n in ctx.unknown.items()),
                    key=lambda u: (-u[2], u[1].lower()),
                )
                result.unknown = [u for u in named if not ("@" in u[1] and ctx.not_looked_up(u[1]))]
                result.not_looked_up = [u for u in named if "@" in u[1] and ctx.not_looked_up(u[1])]
                result.lookup_limit = ctx.lookup_limit
                if not result.rows and not allow_empty:
                    shown = ", ".join(h for h in headers[:8] if h)
                    raise NotATable(f"This file has no rows under its column names ({shown}).")
                _tell(progress, result, table, clock, "matching")
                steps = matching.Steps(
                    conn,
                    actor.workspace_id,
                    record_type,
                    stage,
                    result.batch_id,
                    started,
                    _mapped(mapping),
                    _defaults(record_type, actor, ctx, started),
                )
                steps.sources = sources
                for row_no, reason in steps.prepare():
                    result.bad += 1
                    bad_rows(row_no, reason, None)
            result.new, result.matching, result.repeated = steps.counts()
            _tell(progress, result, table, clock, "writing")
            result.companies_made = steps.companies_made
            result.created = steps.insert()
            result.updated = steps.update(mode) if mode != "skip" else 0
            if sources is not None:
                source_ids.remember(conn, stage, actor.workspace_id, result.batch_id)
            if record_type == "deal":
                stage_history.imported(conn, actor.workspace_id, result.batch_id, actor.user_id, started)
            result.skipped = result.matching + result.repeated - result.updated
            if record_type == "deal":
                totals.rebuild(conn, actor.workspace_id)
                forecast_totals.rebuild(conn, actor.workspace_id)
                company_activity.rebuild(conn, actor.workspace_id)
            for kind in NAMED.get(record_type, ()):
                namewords.file_names(conn, actor.workspace_id, kind, result.batch_id)
            stage.drop(conn)
            result.seconds = time.monotonic() - clock
            self._finish(conn, result, steps)
            if dry_run:
                conn.info["crm_import_rollback"] = True
        return result

    def _find_teammates(
        self,
        conn: Connection,
        actor: Actor,
        ctx: Context,
        path: Path | str,
        record_type: str,
        mapping: dict[int, str],
        directory: teammates.Directory,
        batch_id: str,
    ) -> list[str]:
        positions = teammates.people_columns(record_type, mapping)
        if not positions:
            return []
        emails = teammates.unknown_emails(Table(path), positions, ctx)
        if not emails:
            return []
        found = list(teammates.found_in(directory, emails))
        return teammates.add(self.sessions, conn, actor, ctx, found, batch_id)

    @contextmanager
    def _transaction(self, actor: Actor) -> Iterator[Connection]:
        with self.sessions() as session:
            conn = session.connection()
            if conn.dialect.name == "postgresql":
                # The joins over a million staged rows spill to disk in two to four batches where
                # they took 16 to 32; LOCAL, so it ends with the import.
                conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
            try:
                yield conn
            except BaseException:
                session.rollback()
                raise
            if conn.info.pop("crm_import_rollback", False):
                session.rollback()
            else:
                session.commit()

    def _may_import(self, conn: Connection, actor: Actor, mode: str) -> None:
        # Anyone may bring their own records in; changing records that are already there (update or
        # merge touch anyone's) is for managers and admins, as editing others' records is.
        if mode != "skip" and not policy.at_least(actor, "manager"):
            raise Forbidden("import.update_forbidden", mode=mode)

    def _record(self, conn: Connection, actor: Actor, result: Result, started: datetime) -> None:
        """The import's own row, written first (what it changes points at it) and finished at the end."""
        conn.execute(
            table_of(ImportBatch)
            .insert()
            .values(
                workspace_id=actor.workspace_id,
                batch_id=result.batch_id,
                record_type=result.record_type,
                actor_id=actor.user_id,
                file_name=result.file_name[:300],
                mode=result.mode,
                mapping={},
                rows=0,
                created=0,
                updated=0,
                skipped=0,
                bad=0,
                started_at=started,
                finished_at=started,
            )
        )

    def _finish(self, conn: Connection, result: Result, steps: matching.Steps) -> None:
        columns = {result.headers[i]: f for i, f in result.mapping.items()}
        conn.execute(
            update(table_of(ImportBatch))
            .where(ImportBatch.batch_id == result.batch_id)
            .values(
                mapping={"columns": columns, "updated": steps.updated_fields},
                rows=result.rows,
                created=result.created,
                updated=result.updated,
                skipped=result.skipped,
                bad=result.bad,
                finished_at=real_now(),
            )
        )

    # ---- undo ---------------------------------------------------------------------------------------

    def last_import(self, actor: Actor) -> ImportBatch | None:
        with self.sessions() as s:
            return s.scalars(
                select(ImportBatch)
                .where(ImportBatch.workspace_id == actor.workspace_id, ImportBatch.undone_at.is_(None))
                .order_by(ImportBatch.id.desc())
                .limit(1)
            ).first()

    def of_op(self, actor: Actor, op_id: str) -> ImportBatch | None:
        """The import of records (not yet undone) an operation belongs to: the teammates it added are
        recorded under its batch id, so a plain undo that finds them finds the import."""
        from bot.services.dataio.extras import SETTINGS

        with self.sessions() as s:
            return s.scalars(
                select(ImportBatch).where(
                    ImportBatch.workspace_id == actor.workspace_id,
                    ImportBatch.batch_id == op_id,
                    ImportBatch.record_type != SETTINGS,
                    ImportBatch.undone_at.is_(None),
                )
            ).first()

    def undo(self, actor: Actor, batch_id: str) -> Undone:
        with self._transaction(actor) as conn:
            batch = conn.execute(
                select(table_of(ImportBatch))
                .where(ImportBatch.workspace_id == actor.workspace_id, ImportBatch.batch_id == batch_id)
                .with_for_update()
            ).first()
            if batch is None:
                raise Invalid("import.not_found", field="import", value=batch_id)
            if batch.undone_at is not None:
                raise Invalid("import.already_undone", field="import", value=batch_id)
            if batch.actor_id != actor.user_id and not policy.at_least(actor, "manager"):
                raise Forbidden("import.undo_forbidden")
            undo = matching.Undo(conn, actor.workspace_id, batch)
            restored, kept_changed = undo.restore()
            deleted, kept = undo.delete()
            if batch.record_type == "deal":
                # First, while the rows of the deals it made still say which deals they were (the funnel's
                # kept rows are refreshed for those); then the replayed history of records now gone.
                stage_history.import_undone(conn, actor.workspace_id, batch_id, batch.finished_at)
            history.undone(conn, actor.workspace_id, batch_id, batch.record_type)
            if batch.record_type == "deal":
                totals.rebuild(conn, actor.workspace_id)
                forecast_totals.rebuild(conn, actor.workspace_id)
                company_activity.rebuild(conn, actor.workspace_id)
            # Last, once nothing of the import names them: the people it added who have done nothing since.
            people = teammates.take_back(self.sessions, conn, actor, batch_id, real_now)
            conn.execute(
                update(table_of(ImportBatch))
                .where(ImportBatch.batch_id == batch_id)
                .values(undone_at=real_now(), undone_by_id=actor.user_id)
            )
        return Undone(batch_id, deleted, restored, kept + kept_changed, people)


# The names an import of each record type writes: its own, and the companies it makes for its rows.
NAMED = {"contact": ("contacts", "companies"), "company": ("companies",), "deal": ("deals", "companies")}


def undo_all(importer: Importer, actor: Actor, batch_ids: str) -> Undone:
    """One import, or an export's files imported together (their ids, comma-separated): the last first,
    so that what the later files made from the earlier ones' records goes before them."""
    from bot.services.dataio import extras

    total = Undone(batch_ids, 0, 0, 0)
    for batch_id in reversed([b.strip() for b in batch_ids.split(",") if b.strip()]):
        if extras.undo(importer.sessions, actor, batch_id, real_now):
            continue
        one = importer.undo(actor, batch_id)
        total.deleted += one.deleted
        total.restored += one.restored
        total.kept += one.kept
        total.people.removed += one.people.removed
        total.people.used_bot += one.people.used_bot
        total.people.have_records += one.people.have_records
    return total


def _written(
    path: Path | str,
    record_type: str,
    mapping: dict[int, str],
    custom: list[CustomFieldView],
    *,
    order_given: bool,
) -> tuple[Written, bool]:
    """How the file writes its days and amounts (bot/services/dataio/sniff.py), from its date and money
    columns; and whether it has a money column."""
    kinds = {f"{CUSTOM}{f.id}": f.kind for f in custom}
    dates_at: list[int] = []
    money_at: list[int] = []
    for pos, fld in sorted(mapping.items()):
        kind = kinds.get(fld) if fld.startswith(CUSTOM) else column(record_type, fld).kind
        if kind in ("date", "datetime"):
            dates_at.append(pos)
        elif kind == "money":
            money_at.append(pos)
    if not dates_at and not money_at:
        return Written(), False
    table = Table(path)
    with closing(table.rows()) as rows:
        found = sniff(
            (cells for _, cells in rows), dates_at, money_at, table.layout.delimiter, order_given=order_given
        )
    return found, bool(money_at)


def _mapped(mapping: dict[int, str]) -> set[str]:
    fields = set(mapping.values())
    if fields & {"first_name", "last_name"}:
        fields.add("name")
    if any(f.startswith(CUSTOM) for f in fields):
        fields.add("custom")
    if "pipeline" in fields:
        fields.add("stage_id")
    return fields


def _custom_fields(conn: Connection, actor: Actor, record_type: str) -> list[CustomFieldView]:
    f = CustomField
    return [
        CustomFieldView(row.id, row.record_type, row.name, row.key, row.kind, tuple(row.choices or ()))
        for row in conn.execute(
            select(f.id, f.record_type, f.name, f.key, f.kind, f.choices)
            .where(f.workspace_id == actor.workspace_id, f.record_type == record_type)
            .order_by(f.position, f.id)
        )
    ]


def _defaults(record_type: str, actor: Actor, ctx: Context, now: datetime) -> dict[str, Any]:
    """What a new record gets where its row says nothing: the importer holds it, as when they add one."""
    times: dict[str, Any] = {"created_at": now, "updated_at": now}
    me = actor.user_id
    return {
        # A company nobody is named as holding is held by nobody (anyone may tidy it), as one made on the way.
        "company": {"tags": [], "lifecycle": "prospect", **times},
        "contact": {"owner_id": me, "lifecycle": "prospect", "tags": [], **times},
        "deal": {
            "owner_id": me,
            "currency": ctx.currency,
            "stage_id": ctx.stages.get("\x00first"),
            "tags": [],
            "forecast_category": "pipeline",
            "stage_changed_at": now,
            "last_activity_at": now,
            **times,
        },
        "task": {"assignee_id": me, "creator_id": me, "reminder_state": "none", **times},
        "interaction": {
            "kind": "note",
            "summary": "",
            "author_id": me,
            "occurred_at": now,
            "created_at": now,
        },
    }[record_type]


def _context(conn: Connection, actor: Actor, dates: str) -> Context:
    users: dict[str, int] = {}
    zones: dict[int, str] = {}
    # A first name or an email's local part ("bob") is someone as it is in a message, when it is one
    # person's only: a name two people share stays a bad row rather than a guess.
    short: dict[str, set[int]] = {}
    for u in conn.execute(
        select(User.id, User.slack_id, User.name, User.email, User.tz).where(
            User.workspace_id == actor.workspace_id
        )
    ):
        zones[u.id] = u.tz
        users[u.slack_id] = u.id
        users.setdefault(fold(u.name), u.id)
        if u.email:
            users[u.email.lower()] = u.id
        for word in (fold(u.name).split(" ")[0], fold((u.email or "").split("@")[0])):
            if word:
                short.setdefault(word, set()).add(u.id)
    for word, ids in short.items():
        if len(ids) == 1:
            users.setdefault(word, next(iter(ids)))
    shared = {word for word, ids in short.items() if len(ids) > 1 and word not in users}
    stages: dict[str, int] = {}
    closed: set[int] = set()
    first = None
    pipelines: dict[str, int] = {}
    for p in conn.execute(
        select(Pipeline.id, Pipeline.key, Pipeline.name)
        .where(Pipeline.workspace_id == actor.workspace_id)
        .order_by(Pipeline.position, Pipeline.id)
    ):
        pipelines.setdefault(fold(p.name), p.id)
        pipelines.setdefault(fold(p.key), p.id)
        pipelines.setdefault("\x00first", p.id)
    stage_of: dict[int, tuple[int, str, str]] = {}
    in_pipeline: dict[tuple[int, str], int] = {}
    first_stage: dict[int, int] = {}
    for st in conn.execute(
        select(
            PipelineStage.id,
            PipelineStage.pipeline_id,
            PipelineStage.key,
            PipelineStage.name,
            PipelineStage.is_closed,
        )
        .join(Pipeline, Pipeline.id == PipelineStage.pipeline_id)
        .where(PipelineStage.workspace_id == actor.workspace_id)
        .order_by(Pipeline.position, Pipeline.id, PipelineStage.position)
    ):
        stages.setdefault(fold(st.key), st.id)
        stages.setdefault(fold(st.name), st.id)
        first = first or st.id
        if st.is_closed:
            closed.add(st.id)
        stage_of[st.id] = (st.pipeline_id, fold(st.key), fold(st.name))
        in_pipeline.setdefault((st.pipeline_id, fold(st.key)), st.id)
        in_pipeline.setdefault((st.pipeline_id, fold(st.name)), st.id)
        first_stage.setdefault(st.pipeline_id, st.id)
    if first is not None:
        stages["\x00first"] = first
    companies: dict[str, int] = {}
    for row in conn.execute(
        select(Company.id, Company.name)
        .where(Company.workspace_id == actor.workspace_id)
        .order_by(Company.id)
    ):
        companies.setdefault(company_key(row.name), row.id)
    domains: dict[str, int] = {}
    for cid, domain in conn.execute(
        select(Company.id, Company.domain)
        .where(Company.workspace_id == actor.workspace_id, Company.domain.is_not(None))
        .order_by(Company.id)
    ):
        domains.setdefault(str(domain), cid)
    ws = conn.execute(
        select(Workspace.default_currency, Workspace.default_tz).where(Workspace.id == actor.workspace_id)
    ).one()
    return Context(
        users,
        zones,
        stages,
        ws.default_currency,
        ws.default_tz,
        dates,
        closed,
        companies,
        pipelines,
        stage_of,
        in_pipeline,
        first_stage,
        domains=domains,
        shared_names=shared,
    )


def _chunks(
    table: Table,
    rows: RowReader,
    result: Result,
    bad_rows: Callable[..., None],
    clock: float,
    progress: Callable[[Progress], None] | None,
) -> Iterator[list[dict[str, Any]]]:
    raw: list[tuple[int, list[str]]] = []
    for numbered in table.rows():
        raw.append(numbered)
        if len(raw) >= CHUNK:
            yield _checked(raw, rows, result, bad_rows)
            raw = []
            _tell(progress, result, table, clock, "reading")
    if raw:
        yield _checked(raw, rows, result, bad_rows)
    _tell(progress, result, table, clock, "reading")


def _checked(
    raw: list[tuple[int, list[str]]], rows: RowReader, result: Result, bad_rows: Callable[..., None]
) -> list[dict[str, Any]]:
    result.rows += len(raw)
    good: list[dict[str, Any]] = []
    for row_no, cells, read in rows.read(raw):
        if isinstance(read, str):
            result.bad += 1
            bad_rows(row_no, read, cells)
            continue
        good.append(read)
        if len(result.preview) < PREVIEW_ROWS:
            result.preview.append({result.headers[i]: cells[i] for i in result.mapping if i < len(cells)})
    return good


def _tell(
    progress: Callable[[Progress], None] | None, result: Result, table: Table, clock: float, phase: str
) -> None:
    if progress is not None:
        progress(Progress(result.rows, table.bytes_read, table.size, time.monotonic() - clock, phase))


@contextmanager
def _report(path: Path | None, headers: list[str]) -> Iterator[Callable[[int, str, list[str] | None], None]]:
    """The bad rows, each with its row number, the reason and the row as it was, so it can be fixed
    and imported again. The file is made at the first bad row: a clean import leaves none behind."""
    if path is None:
        yield lambda *_: None
        return
    with ExitStack() as files:
        writers: list[Any] = []

        def write(row_no: int, reason: str, cells: list[str] | None) -> None:
            if not writers:
                writers.append(csv.writer(files.enter_context(open(path, "w", newline="", encoding="utf-8"))))
                writers[0].writerow(["Row", "Reason", *headers])
            writers[0].writerow([row_no, reason, *(cells or [])])

        yield write


# The order an export's files go back in: what others name first.
ARCHIVE_ORDER = ("company", "contact", "deal", "task", "interaction")


def archive_members(path: Path | str) -> list[tuple[str, str]] | None:
    """The (record type, member name) pairs of an export zip, in import order; None for any other file."""
    import zipfile

    from bot.services.dataio.exporter import FILES

    if not zipfile.is_zipfile(path):
        return None
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
    found = [(kind, f"{FILES[kind]}.csv") for kind in ARCHIVE_ORDER if f"{FILES[kind]}.csv" in names]
    return found or None


def extract(path: Path | str, member: str, into: Path) -> Path:
    """One member of an archive copied out in chunks (never read whole into memory)."""
    import shutil
    import zipfile

    target = into / Path(member).name
    with zipfile.ZipFile(path) as z, z.open(member) as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    return target


def archive_dates(
    importer: Importer, actor: Actor, path: Path | str, members: list[tuple[str, str]], into: Path
) -> tuple[str, str] | None:
    """The first of an export's files whose days could each be read month or day first (03/04/2027)
    with nothing in it to say which: (its name, such a day); None when every file's dates are clear.
    A file that is no table, or none of whose columns is a field, is refused here, naming it, before
    anything of the zip goes in (:class:`NotATable`).
    Its date columns are those its header names: the workspace's own fields among them, and the zip's
    (``fields.csv``) that the import would add first."""
    from bot.services.dataio.settings import FIELDS_FILE, archive_rows

    declared = archive_rows(Path(path), FIELDS_FILE) or []
    for kind, member in members:
        extracted = extract(path, member, into)
        try:
            headers = Table(extracted).read_header()
            custom = importer.custom_fields(actor, kind)
            have = {fold(f.name) for f in custom}
            custom += [
                CustomFieldView(-n, kind, name, fold(name), row.get("Kind") or "text", ())
                for n, row in enumerate(declared, 1)
                if (row.get("Record Type") or "").strip() == kind
                and (name := (row.get("Name") or "").strip())
                and fold(name) not in have
            ]
            mapping = guess_mapping(kind, headers, custom)
            if not mapping:
                shown = ", ".join(f"“{h}”" for h in headers[:8] if h)
                raise NotATable(f"None of this file's columns ({shown}) is a {kind} field I know.")
            written, _ = _written(extracted, kind, mapping, custom, order_given=False)
        except NotATable as exc:
            raise NotATable(f"{member}: {exc}") from None
        finally:
            extracted.unlink(missing_ok=True)
        if written.dates == "either":
            return member, written.example
    return None


@dataclass
class ArchiveResult:
    """What importing an export's zip did: the fields and pipelines it brought, then each file's import,
    and the settings, people and the rest it brought before and after them (``settled``)."""

    brought: Any
    results: list[Result] = field(default_factory=list)
    settled: list[Any] = field(default_factory=list)
    # The export's audit trail and stage history, brought back for the records the import made.
    replayed: history.Replayed = field(default_factory=history.Replayed)

    @property
    def batch_ids(self) -> list[str]:
        # In the order they were made: an undo takes them back last first.
        first = [x.batch_id for x in self.settled[:1] if x.batch_id]
        last = [x.batch_id for x in self.settled[1:] if x.batch_id]
        return first + [r.batch_id for r in self.results] + last

    def settled_text(self) -> str:
        return "; ".join(said for x in self.settled if (said := x.described()))


def import_archive(
    importer: Importer,
    actor: Actor,
    path: Path | str,
    members: list[tuple[str, str]],
    into: Path,
    *,
    mode: str = "skip",
    dry_run: bool = False,
    dates: str | None = None,
    report_for: Callable[[str], Path | None] = lambda _member: None,
    progress: Callable[[str, Progress], None] | None = None,
    done: Callable[[str, Result], None] | None = None,
) -> ArchiveResult:
    """An export's zip imported whole: its custom fields and pipelines first (each an audited change of
    its own; not on a dry run), then its record files in the order they name each other (companies,
    contacts, deals, tasks, interactions), each one import, undone as one."""
    from bot.services.dataio.extras import Extras
    from bot.services.dataio.settings import Settings

    # Read before anything goes in: a file refused halfway would leave the ones before it in.
    unsure = archive_dates(importer, actor, path, members, into)
    if dates is None and not dry_run and unsure is not None:
        raise Invalid("import.dates_ambiguous", field="dates", value=unsure[1], file=unsure[0])
    brought = Settings(importer.sessions, real_now).bring(actor, path, dry_run=dry_run)
    out = ArchiveResult(brought)
    extras = Extras(importer.sessions, real_now)
    name = Path(path).name
    out.settled.append(extras.before(actor, Path(path), name, dry_run=dry_run))
    sources: dict[str, str] = {}
    for kind, member in members:
        tell = (lambda p, m=member: progress(m, p)) if progress else None
        result = importer.run(
            actor,
            extract(path, member, into),
            kind,
            mode=mode,
            dry_run=dry_run,
            report=report_for(member),
            file_name=member,
            dates=dates,
            progress=tell,
            sources=dict(sources),
            allow_empty=True,
        )
        sources[kind] = result.batch_id
        out.results.append(result)
        if done is not None:
            done(member, result)
    out.settled.append(extras.after(actor, Path(path), name, sources, dry_run=dry_run))
    if not dry_run:
        out.replayed = history.replay(importer.sessions, actor, Path(path), sources)
    source_ids.forget(importer.sessions, list(sources.values()))
    return out


def operator(sessions: sessionmaker[Session], team_id: str | None, slack_id: str | None) -> Actor:
    """Who a command-line import or export acts as: the person named, else the workspace's first admin.
    With no workspace named, the only one there is."""
    with sessions() as s:
        spaces = list(s.execute(select(Workspace.id, Workspace.team_id).order_by(Workspace.id)))
        chosen = [w for w in spaces if team_id is None or w.team_id == team_id]
        if not chosen and not team_id:
            raise Invalid("workspace.none_yet", field="workspace", value="")  # an empty database
        if not chosen:
            raise Invalid("workspace.not_here", field="workspace", value=team_id or "")
        if len(chosen) > 1:
            raise Invalid("workspace.which", field="workspace", value=", ".join(w.team_id for w in chosen))
        ws = chosen[0].id
        q = select(User).where(User.workspace_id == ws)
        q = q.where(User.slack_id == slack_id) if slack_id else q.where(User.role == "admin")
        user = s.scalars(q.order_by(User.id).limit(1)).first()
        if user is None and not slack_id:
            raise Invalid("workspace.no_admin_yet", field="as", value="")
        if user is None:
            raise Invalid("workspace.no_admin", field="as", value=slack_id or "")
        return Actor(ws, user.id, user.slack_id, user.tz, user.role, user.name)
