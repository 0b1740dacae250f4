"""The set-based steps of an import after its rows are staged, and of its undo: link, match, insert,
update, restore, delete, one statement per table each, whatever the number of rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.elements import ColumnElement

from bot.services.companies import company_key
from bot.services.dataio import ids
from bot.services.dataio.staging import MODELS, index, stored_fields, table_of
from bot.services.text import fold
from models import Company, Contact, Deal, ImportChange, Target
from models.base import UTCDateTime
from models.entities import TARGET_SOURCES, TARGET_TYPES, optional_links

# The records a row may name, the key of the one named, and where the named one is looked for.
LINKS = {
    "contact": (table_of(Contact), "email", "name_key"),
    "deal": (table_of(Deal), None, "title_key"),
}
# The order an undo deletes in: what points at others first.
DELETE_ORDER = ("interaction", "task", "deal", "contact", "company")


class Steps:
    def __init__(
        self,
        conn: Connection,
        workspace_id: int,
        record_type: str,
        stage: Table,
        batch_id: str,
        now: datetime,
        mapped: set[str],
        defaults: dict[str, Any],
    ) -> None:
        self.conn = conn
        self.ws = workspace_id
        self.type = record_type
        self.stage = stage
        self.table: Table = table_of(MODELS[record_type])
        self.batch = batch_id
        self.now = now
        self.mapped = mapped
        self.defaults = defaults
        self.companies_made = 0
        self.updated_fields: list[str] = []
        # An export's zip imported whole: the import of each earlier file, by record type (ids.py);
        # None for a file imported on its own.
        self.sources: dict[str, str] | None = None

    # ---- linking and matching -----------------------------------------------------------------------

    def prepare(self) -> Iterator[tuple[int, str]]:
        """Link each staged row to the records it names and to the one it repeats; yields the rows that
        name something that is not there (and drops them)."""
        s = self.stage.c
        self._analyze()
        ids.relink(self.conn, self.stage, "company", self.sources)
        for link in ("contact", "deal"):
            if f"{link}_key" in s:
                self._index(f"{link}_key")
                self._link(link)
                ids.relink(self.conn, self.stage, link, self.sources)
                yield from self._unknown(link)
        if "company_key" in s:
            self._index("company_key")
            self._make_companies()
        getattr(self, f"_match_{self.type}", lambda: None)()
        if "match_id" in s:
            self._index("match_id")
            self._analyze()
            self._repeats(s.match_id, s.match_id.is_not(None))

    def _index(self, *columns: str) -> None:
        # Kept for SQLite, whose plans read the staged rows through them. PostgreSQL hashes for its
        # joins and sorts for its windows, never reading them, while each one made every later UPDATE
        # of the staged rows write into it at random places: at a million rows, most of the
        # matching's time.
        if self.conn.dialect.name == "sqlite":
            index(self.conn, self.stage, *columns)

    def _analyze(self, name: str | None = None) -> None:
        if self.conn.dialect.name == "postgresql":
            # A temporary table has no statistics until asked: without them every join is a guess.
            self.conn.exec_driver_sql(f"ANALYZE {name or self.stage.name}")

    def _lookup(self, target: Any, table: Table, pairs: list[tuple[Any, Any]], *where: Any) -> None:
        """Set the staged rows' ``target`` to the lowest id of ``table``'s rows (in this workspace) whose
        columns equal theirs, pair by pair: one join and one grouped UPDATE … FROM, not a lookup per row."""
        s = self.stage
        if self.conn.dialect.name == "sqlite":
            # SQLite does not index a grouped subquery in FROM; a lookup per row through the table's
            # own index is its fast path.
            lowest = select(func.min(table.c.id)).where(
                table.c.workspace_id == self.ws, *(col == staged for col, staged in pairs)
            )
            self._set(target, lowest.scalar_subquery(), *(staged.is_not(None) for _, staged in pairs), *where)
            return
        wanted = s.alias("wanted")
        on = and_(*(col == wanted.c[staged.name] for col, staged in pairs))
        found = (
            select(*(col.label(f"k{n}") for n, (col, _) in enumerate(pairs)), func.min(table.c.id).label("i"))
            .select_from(table.join(wanted, on))
            .where(table.c.workspace_id == self.ws)
            .group_by(*(col for col, _ in pairs))
            .subquery()
        )
        same = and_(*(found.c[f"k{n}"] == staged for n, (_, staged) in enumerate(pairs)))
        self.conn.execute(update(s).where(same, *where).values({target.name: found.c.i}))

    def _set(self, column: Any, value: Any, *where: Any) -> None:
        self.conn.execute(update(self.stage).where(*where).values({column.name: value}))

    def _link(self, link: str) -> None:
        s = self.stage.c
        table, email, key = LINKS[link]
        key_col = s[f"{link}_key"]
        target = s[f"{link}_id"]
        if email:
            self._lookup(target, table, [(table.c[email], key_col)], key_col.like("%@%"))
        self._lookup(target, table, [(table.c[key], key_col)], target.is_(None))
        if f"{link}_alt_key" in s:
            # One of several of that name, named with its company ("Sam Lee (Globex)").
            alt, company = s[f"{link}_alt_key"], s[f"{link}_alt_company_id"]
            self._lookup(
                target, table, [(table.c[key], alt), (table.c.company_id, company)], target.is_(None)
            )

    def _unknown(self, link: str) -> Iterator[tuple[int, str]]:
        s = self.stage.c
        missing = and_(s[f"{link}_key"].is_not(None), s[f"{link}_id"].is_(None))
        for row in self.conn.execute(select(s.row_no, s[link]).where(missing).order_by(s.row_no)):
            yield row.row_no, f"there is no {link} “{row[1]}” here (import the {link}s first)"
        self.conn.execute(delete(self.stage).where(missing))

    def _make_companies(self) -> None:
        """The companies rows name that are not here yet (rows that named one already have its id,
        found by its key, legal suffixes aside): made once each, then linked."""
        s = self.stage.c
        named = list(
            self.conn.execute(
                select(s.company_key, func.min(s.company))
                .where(s.company_key.is_not(None), s.company_id.is_(None))
                .group_by(s.company_key)
            )
        )
        if not named:
            return
        t = table_of(Company)
        made = [
            {
                "workspace_id": self.ws,
                "name": name,
                "name_key": fold(name),
                "tags": [],
                "created_at": self.now,
                "updated_at": self.now,
                "import_batch": self.batch,
            }
            for _key, name in named
        ]
        for start in range(0, len(made), 5000):
            self.conn.execute(insert(t), made[start : start + 5000])
        self.companies_made = len(made)
        keys = table_of(Company).c
        ids = [
            {"k": company_key(row.name), "i": row.id}
            for row in self.conn.execute(
                select(keys.id, keys.name).where(
                    keys.workspace_id == self.ws, keys.import_batch == self.batch
                )
            )
        ]
        self.conn.exec_driver_sql("DROP TABLE IF EXISTS crm_import_made")
        made_map = Table(
            "crm_import_made",
            MetaData(),
            Column("k", String(400)),
            Column("i", Integer),
            prefixes=["TEMPORARY"],
            postgresql_on_commit="DROP",
        )
        made_map.create(self.conn)
        Index("ix_crm_import_made", made_map.c.k).create(self.conn)
        self.conn.execute(made_map.insert(), ids)
        self._analyze(made_map.name)
        self.conn.execute(
            update(self.stage)
            .where(made_map.c.k == s.company_key, s.company_id.is_(None))
            .values(company_id=made_map.c.i)
        )
        made_map.drop(self.conn)

    def _match_contact(self) -> None:
        s = self.stage.c
        contacts = table_of(Contact)
        t = contacts.c
        if "email" in self.mapped:
            self._index("email")
            self._lookup(s.match_id, contacts, [(t.email, s.email)])
            self._repeats(s.email, s.email.is_not(None))
        if "company_id" in s:
            self._index("name_key", "company_id")
            self._lookup(
                s.match_id,
                contacts,
                [(t.name_key, s.name_key), (t.company_id, s.company_id)],
                s.match_id.is_(None),
            )
            self._repeats_pair(s.name_key, s.company_id)

    def _match_company(self) -> None:
        # Rows came with the company their name already is (by its key, read as they were staged); a
        # web domain another company has is the better evidence, so it wins.
        s = self.stage.c
        t = table_of(Company).c
        if "domain" in self.mapped:
            self._index("domain")
            by_domain = (
                select(func.min(t.id))
                .where(t.workspace_id == self.ws, t.domain == s.domain)
                .scalar_subquery()
            )
            self._set(s.match_id, func.coalesce(by_domain, s.match_id), s.domain.is_not(None))
            # The name of a company here with another web domain: another company of that name.
            elsewhere = exists().where(
                t.workspace_id == self.ws, t.id == s.match_id, t.domain.is_not(None), t.domain != s.domain
            )
            self._set(s.match_id, None, s.domain.is_not(None), elsewhere)
            self._repeats(s.domain, s.domain.is_not(None))
        self._index("name_key")
        if "domain" in self.mapped:
            # Rows of the same name are one company, unless both give web domains and they differ.
            self._mark_later(s.name_key, func.coalesce(s.domain, ""))
            self._mark_later(s.name_key, where=(s.domain.is_(None),))
        else:
            self._repeats(s.name_key, s.name_key.is_not(None))

    def _match_deal(self) -> None:
        s = self.stage.c
        t = table_of(Deal).c
        self._index("title_key")
        self._set(
            s.match_id,
            select(func.min(t.id))
            .where(
                t.workspace_id == self.ws,
                t.title_key == s.title_key,
                func.coalesce(t.company_id, 0) == func.coalesce(s.company_id, 0),
            )
            .scalar_subquery(),
        )
        self._repeats_pair(s.title_key, s.company_id)

    def _match_task(self) -> None:
        """A task is the one here of the same title, due day and time, assignee (when the file gives
        one) and linked records (of each kind the file names)."""
        self._index("title_key")
        keys = ["title_key", "due_date", "due_at"]
        if "assignee_id" in self.mapped:
            keys.append("assignee_id")
        self._match_linked(keys)

    def _match_interaction(self) -> None:
        """A call, meeting or note is the one here of the same time, kind, summary and linked records
        (of each kind the file names)."""
        self._index("occurred_at")
        self._match_linked(["occurred_at", "kind", "summary"])

    def _match_linked(self, keys: list[str]) -> None:
        """Set ``match_id`` to the lowest id of the tasks or interactions here whose columns ``keys``
        equal the staged row's (the first one exactly, the others NULL equal to NULL) and which are
        about the same records: for each kind of record the file names, the one its row names, or
        none when the cell is empty. One statement, as ``_lookup``; the file's own repeats are marked
        by the same key."""
        s = self.stage
        t = self.table.c
        tg_table = table_of(Target)
        tg = tg_table.c
        links = [k for k in TARGET_TYPES if k in self.mapped and f"{k}_id" in s.c]

        def same(staged: Any, first: Any) -> list[Any]:
            out = [t[keys[0]] == first]
            out += [self._same_time(t[k], staged.c[k]) for k in keys[1:]]
            for link in links:
                mine = and_(tg.workspace_id == self.ws, tg[f"{self.type}_id"] == t.id)
                named = staged.c[f"{link}_id"]
                # Correlated by hand: the staged row is two queries up, where auto-correlation does
                # not look (it made the staging table a FROM of its own here).
                none = exists().where(mine, tg[f"{link}_id"].is_not(None)).correlate_except(tg_table)
                this = exists().where(mine, tg[f"{link}_id"] == named).correlate_except(tg_table)
                out.append(or_(and_(named.is_(None), ~none), this))
            return out

        present = s.c[keys[0]].is_not(None)
        if self.conn.dialect.name == "sqlite":
            # Statistics taken when the table was small (or empty) point SQLite at the index on the
            # workspace alone: a read of all its rows for each staged one. Sampled afresh (a few
            # hundred rows an index), they point it at the one on the first key.
            limit = self.conn.exec_driver_sql("PRAGMA analysis_limit").scalar()
            self.conn.exec_driver_sql("PRAGMA analysis_limit=400")
            self.conn.exec_driver_sql(f"ANALYZE {self.table.name}")
            self.conn.exec_driver_sql(f"PRAGMA analysis_limit={int(limit or 0)}")
            # Through the table's index on its first key, row by row: SQLite's fast path (_lookup). A
            # time is looked for in its other form by a second pass (see _same_time): one OR of the
            # two made SQLite read the whole table for each row.
            firsts = [s.c[keys[0]]]
            if isinstance(t[keys[0]].type, UTCDateTime):
                firsts.append(self._other_form(s.c[keys[0]]))
            for n, first in enumerate(firsts):
                lowest = select(func.min(t.id)).where(t.workspace_id == self.ws, *same(s, first))
                unmatched = (s.c.match_id.is_(None),) if n else ()
                self._set(s.c.match_id, lowest.scalar_subquery(), present, *unmatched)
        else:
            w = s.alias("wanted")
            found = (
                select(w.c.row_no.label("r"), func.min(t.id).label("i"))
                .select_from(self.table.join(w, and_(*same(w, w.c[keys[0]]))))
                .where(t.workspace_id == self.ws)
                .group_by(w.c.row_no)
                .subquery()
            )
            self.conn.execute(update(s).where(found.c.r == s.c.row_no).values(match_id=found.c.i))
        self._mark_later(*(s.c[k] for k in keys), *(s.c[f"{link}_id"] for link in links))

    def _same_time(self, col: Any, staged: Any) -> Any:
        """``col`` equal to ``staged``, NULL to NULL. SQLite keeps times as text, written
        "… 11:00:00.000000" by the bot and "… 11:00:00" by an import: a time with no fraction of a
        second is looked for in both forms."""
        if self.conn.dialect.name != "sqlite" or not isinstance(col.type, UTCDateTime):
            return col.is_not_distinct_from(staged)
        return or_(and_(col.is_(None), staged.is_(None)), col == staged, col == self._other_form(staged))

    @staticmethod
    def _other_form(staged: Any) -> Any:
        """On SQLite, a time's text in the other of its two forms (see _same_time)."""
        text_of = cast(staged, String)
        return case(
            (func.length(text_of) == 19, text_of + ".000000"),
            (text_of.like("%.000000"), func.substr(text_of, 1, 19)),
            else_=text_of,
        )

    def _repeats(self, key: Any, *where: Any) -> None:
        """Rows repeating an earlier row of the file by ``key`` are marked, once the first is kept."""
        self._mark_later(key, where=where)

    def _repeats_pair(self, a: Any, b: Any) -> None:
        self._mark_later(a, func.coalesce(b, 0))

    def _mark_later(self, *keys: Any, where: tuple[Any, ...] = ()) -> None:
        """Every row but the first of each group sharing ``keys`` is a repeat: one window over the staged
        rows, sorted once, where asking "is there an earlier one?" per row cost a probe each (and on
        SQLite, a scan when a key needed ``coalesce``)."""
        s = self.stage
        if "source_id" in self.mapped:
            # Rows the file gives different ids are different records, however alike (ids.py).
            keys = (*keys, s.c.source_id)
        first = func.min(s.c.row_no).over(partition_by=keys).label("first")
        grouped = select(s.c.row_no, first).where(keys[0].is_not(None)).subquery()
        later = select(grouped.c.row_no).where(grouped.c.row_no > grouped.c.first)
        self.conn.execute(update(s).where(s.c.dup == 0, s.c.row_no.in_(later), *where).values(dup=1))

    def counts(self) -> tuple[int, int, int]:
        s = self.stage.c
        row = self.conn.execute(
            select(
                func.count().filter(and_(s.dup == 0, s.match_id.is_(None))),
                func.count().filter(and_(s.dup == 0, s.match_id.is_not(None))),
                func.count().filter(s.dup == 1),
            )
        ).one()
        return int(row[0]), int(row[1]), int(row[2])

    # ---- writing ------------------------------------------------------------------------------------

    def insert(self) -> int:
        s = self.stage.c
        new = and_(s.dup == 0, s.match_id.is_(None))
        # Only tasks and interactions need each new row's id before it is written (to link what they
        # are about); the others take theirs from the table as they go in, in the file's order, which
        # spares rewriting every staged row first.
        linked = self.type in ("task", "interaction") or self._keeps_ids()
        if linked:
            self._number_new(new)
        names: list[str] = []
        values: list[Any] = []
        for col in self.table.c:
            if col.name == "id":
                if linked:
                    names.append("id")
                    values.append(s.new_id)
            elif col.name == "workspace_id":
                names.append(col.name)
                values.append(literal(self.ws))
            elif col.name == "import_batch":
                names.append(col.name)
                values.append(literal(self.batch))
            elif col.name in s and col.name not in ("match_id", "new_id", "dup", "row_no"):
                names.append(col.name)
                default = self.defaults.get(col.name)
                values.append(
                    s[col.name] if default is None else func.coalesce(s[col.name], literal(default, col.type))
                )
            elif col.name in self.defaults:
                names.append(col.name)
                values.append(literal(self.defaults[col.name], col.type))
        chosen = s.new_id.is_not(None) if linked else new
        self.conn.execute(insert(self.table).from_select(*self._written(names, values, chosen, linked)))
        if linked:
            self._targets()
        return self._count(self.stage, chosen)

    def _written(
        self, names: list[str], values: list[Any], chosen: Any, linked: bool
    ) -> tuple[list[str], Any]:
        """The columns and rows an insert writes: in the file's order, or on PostgreSQL numbered in the
        file's order and written in the order of their name's key."""
        s = self.stage.c
        key = next((k for k in ("name_key", "title_key") if k in names), None)
        if self.conn.dialect.name != "postgresql" or key is None:
            return names, select(*values).where(chosen).order_by(s.row_no)
        # Written in the file's order, each row lands at a random place of the indexes on its name
        # (and the first change to each page after a checkpoint logs the whole page): 200,000 rows of
        # different names took 12.4 s of the server's time that way, 8.0 s in the names' order. The ids
        # are still drawn in the file's order (the sequence is read in the inner, row-ordered scan).
        if not linked:
            names, values = (
                ["id", *names],
                [func.nextval(literal_column(f"'{self._sequence()}'::regclass")), *values],
            )
        rows = (
            select(*(v.label(n) for n, v in zip(names, values, strict=True)))
            .where(chosen)
            .order_by(s.row_no)
            .subquery()
        )
        return names, select(*(rows.c[n] for n in names)).order_by(rows.c[key])

    def _sequence(self) -> str:
        # Named once: looked up per row, it costs as much as the insert.
        return str(
            self.conn.exec_driver_sql(f"SELECT pg_get_serial_sequence('{self.table.name}', 'id')").scalar()
        )

    def _number_new(self, new: Any) -> None:
        s = self.stage.c
        if self.conn.dialect.name == "postgresql":
            self._set(s.new_id, func.nextval(literal_column(f"'{self._sequence()}'::regclass")), new)
        else:
            top = select(func.coalesce(func.max(self.table.c.id), 0)).scalar_subquery()
            self._set(s.new_id, top + s.row_no, new)

    def _count(self, table: Table, *where: Any) -> int:
        return int(self.conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())

    def _targets(self) -> None:
        if self.type not in TARGET_SOURCES:
            # Numbered for the export's ids (_keeps_ids), not a source of links.
            return
        s = self.stage.c
        for link in TARGET_TYPES:
            if f"{link}_id" not in s:
                continue
            self.conn.execute(
                insert(table_of(Target)).from_select(
                    ["workspace_id", f"{self.type}_id", f"{link}_id"],
                    select(literal(self.ws), s.new_id, s[f"{link}_id"]).where(
                        s.new_id.is_not(None), s[f"{link}_id"].is_not(None)
                    ),
                )
            )

    def update(self, mode: str) -> int:
        """The matched records take the file's values (update) or only fill what they lack (merge);
        what they were is kept first, for the undo."""
        s = self.stage.c
        t = self.table.c
        fields = [f for f in stored_fields(self.type) if f in self.mapped and f != "created_at"]
        derived = {
            "name": "name_key",
            "title": "title_key",
            "company": "company_id",
            "contact": "contact_id",
            "stage_id": "closed_at",
            # A task's Status column says whether it is done.
            "status": "done_at",
        }
        fields += [
            d for f, d in derived.items() if f in self.mapped and d in t and d in s and d not in fields
        ]
        if "custom" in s and "custom" in t:
            fields.append("custom")
        if "closed_at" in fields:
            fields.append("closed_by_id")
        if not fields:
            return 0
        # The time it was last changed goes back with it, so an earlier import's undo still sees it
        # as unchanged once this one is undone.
        self.updated_fields = fields + (["updated_at"] if "updated_at" in t else [])
        matched = and_(s.match_id == t.id, s.dup == 0, t.workspace_id == self.ws)
        pairs: list[Any] = []
        for f in self.updated_fields:
            pairs += [literal(f), t[f]]
        build = func.jsonb_build_object if self.conn.dialect.name == "postgresql" else func.json_object
        ic = table_of(ImportChange)
        self.conn.execute(
            insert(ic).from_select(
                ["workspace_id", "batch_id", "record_id", "before"],
                select(literal(self.ws), literal(self.batch), t.id, build(*pairs)).where(matched),
            )
        )
        values: dict[str, Any] = {}
        for f in fields:
            keep_theirs = mode == "merge" and f not in ("name_key", "title_key", "closed_at", "closed_by_id")
            if f == "custom":
                # Field by field: the file's values over the record's (update), or only where it has none
                # (merge); a field the file leaves empty keeps its value.
                values[f] = (
                    self._merged(s.custom, t.custom) if keep_theirs else self._merged(t.custom, s.custom)
                )
                continue
            values[f] = func.coalesce(t[f], s[f]) if keep_theirs else func.coalesce(s[f], t[f])
        if "updated_at" in t:
            values["updated_at"] = literal(self.now, t.updated_at.type)
        self.conn.execute(update(self.table).where(matched).values(values))
        return self._count(self.stage, s.dup == 0, s.match_id.is_not(None))

    def _merged(self, base: Any, over: Any) -> Any:
        """``base`` with ``over``'s keys set over it (two JSON objects)."""
        if self.conn.dialect.name == "postgresql":
            return func.coalesce(base, literal_column("'{}'::jsonb")).op("||")(
                func.coalesce(over, literal_column("'{}'::jsonb"))
            )
        return func.json_patch(func.coalesce(base, "{}"), func.coalesce(over, "{}"))

    def _keeps_ids(self) -> bool:
        # In a whole zip, rows with the export's ids need theirs before they are written too: what each
        # became is kept for the later files (ids.py).
        return self.sources is not None and "source_id" in self.mapped


class Undo:
    """Takes an import back: puts the records it changed back as they were, then deletes the records
    it made. A record changed since the import, or one something outside the import now points at, is
    left as it is (and counted), so nobody's later work is lost."""

    def __init__(self, conn: Connection, workspace_id: int, batch: Row[Any]) -> None:
        self.conn = conn
        self.ws = workspace_id
        self.batch = batch

    def restore(self) -> tuple[int, int]:
        fields = list((self.batch.mapping or {}).get("updated") or [])
        if not fields:
            return 0, 0
        table: Table = table_of(MODELS[self.batch.record_type])
        t = table.c
        ic = table_of(ImportChange).c
        mine = and_(ic.batch_id == self.batch.batch_id, ic.record_id == t.id, t.workspace_id == self.ws)
        # An interaction keeps no time of its last change: what the import set on it goes back.
        untouched = (
            t.updated_at <= literal(self.batch.finished_at, t.updated_at.type)
            if "updated_at" in t
            else literal(True)
        )
        values = {f: self._before(ic.before, f, t[f]) for f in fields}
        changed = exists().where(ic.batch_id == self.batch.batch_id, ic.record_id == t.id)
        restored = self._count(table, changed, untouched, t.workspace_id == self.ws)
        kept = self._count(table, changed, ~untouched, t.workspace_id == self.ws)
        self.conn.execute(update(table).where(mine, untouched).values(values))
        return restored, kept

    def _count(self, table: Table, *where: Any) -> int:
        return int(self.conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())

    def _before(self, before: Any, field: str, column: Any) -> ColumnElement[Any]:
        if self.conn.dialect.name == "postgresql":
            if "JSON" in repr(column.type):
                return before.op("->")(literal(field))  # type: ignore[no-any-return]
            return cast(before.op("->>")(literal(field)), column.type)
        return func.json_extract(before, literal(f"$.{field}"))

    def delete(self) -> tuple[int, int]:
        deleted = kept = 0
        for kind in DELETE_ORDER:
            if kind not in (self.batch.record_type, "company"):
                continue
            table: Table = table_of(MODELS[kind])
            t = table.c
            ours = and_(t.workspace_id == self.ws, t.import_batch == self.batch.batch_id)
            where = [ours, *self._unused(kind, table)]
            if "updated_at" in t:
                where.append(t.updated_at <= literal(self.batch.finished_at, t.updated_at.type))
            before = self._count(table, ours)
            self.conn.execute(delete(table).where(*where))
            left = self._count(table, ours)
            deleted += before - left
            kept += left
        return deleted, kept

    def _unused(self, kind: str, table: Table) -> list[Any]:
        """Nothing outside the import points at the row (a deal at a contact, a task at a company)."""
        guards = []
        for child, column in optional_links(table):
            guards.append(~exists().where(child.c.workspace_id == self.ws, column == table.c.id))
        if kind in TARGET_TYPES:
            tc = table_of(Target).c
            guards.append(~exists().where(tc.workspace_id == self.ws, tc[f"{kind}_id"] == table.c.id))
        return guards


__all__ = ["Steps", "Undo", "text"]
