"""One imported row: its cells read by their columns' kinds, then what the record needs derived from
them (a contact's name from first and last, a task's due instant, a deal's stage defaults)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from bot.services.companies import company_key
from bot.services.dataio.cells import BadCell, ColumnReader, Context, column_reader, custom_column_reader
from bot.services.dataio.columns import CUSTOM, column
from bot.services.dataio.tabular import column_names
from bot.services.text import fold
from bot.services.timeutil import today_in

# Names repeat down a file (a company on every row of its people): their keys are worked out once.
_company_key = lru_cache(maxsize=65536)(company_key)
_fold = lru_cache(maxsize=65536)(fold)
_PUNCT = re.compile(r"[^\w@.+\- ]+")
_SPACE = re.compile(r"\s+")
_TIDY = re.compile(r"[\w@.+\-]+(?: [\w@.+\-]+)*\Z")
_QUALIFIED = re.compile(r"^(.+) \(([^()]+)\)$")


def name_key(text: str) -> str:
    """``fold`` (bot/services/text.py), without its Unicode work for a plain ASCII name (most of them)."""
    if text.isascii():
        low = text.lower()
        if _TIDY.match(low):
            return low
        return _SPACE.sub(" ", _PUNCT.sub(" ", low)).strip()
    return fold(text)


# A task due on a day (no time) falls due at this hour in its assignee's zone, as the bot's own do.
DUE_HOUR = time(9, 0)


class RowReader:
    """Turns a file's row (cells by position) into staging values, or raises :class:`BadCell`."""

    def __init__(
        self,
        record_type: str,
        mapping: dict[int, str],
        ctx: Context,
        actor_user: int,
        now: datetime,
        headers: list[str] | None = None,
    ):
        """``headers``: the file's column names, which a bad row's reasons name its bad cells by."""
        self.record_type = record_type
        self.names = column_names(headers) if headers else []
        self.ctx = ctx
        self.actor_user = actor_user
        self.now = now
        self.plan = [(pos, fld, self._reader(fld)) for pos, fld in sorted(mapping.items())]
        # The columns naming people: a person nobody here is counted by name, to be said once.
        self.people = {
            pos
            for pos, fld in mapping.items()
            if not fld.startswith(CUSTOM) and column(record_type, fld).kind == "user"
        }
        # The workspace's own fields mapped: their values go together into the record's ``custom``.
        self.custom = [fld for fld in mapping.values() if fld.startswith(CUSTOM)]
        self.width = max(mapping, default=-1) + 1
        self.finish = getattr(self, f"_{record_type}")
        # Open deals whose close date is already past (the first of them): brought as they are, and said.
        self.today = today_in(ctx.tz, now)
        self.past_open = 0
        self.past_first: tuple[str, Any] | None = None

    def _reader(self, fld: str) -> ColumnReader:
        if fld.startswith(CUSTOM):
            return custom_column_reader(self.ctx.custom[fld[len(CUSTOM) :]])
        return column_reader(column(self.record_type, fld).kind)

    def read(
        self, rows: list[tuple[int, list[str]]]
    ) -> Iterator[tuple[int, list[str], dict[str, Any] | str]]:
        """A chunk of rows (row number, cells), read column by column; yields each row with its staging
        values or the reason it is bad: each of its bad cells, left to right, by its column's name (so
        the row is fixed in one go)."""
        width = self.width
        cells = [c if len(c) >= width else c + [""] * (width - len(c)) for _, c in rows]
        bad: dict[int, str] = {}
        names: list[str] = []
        columns: list[list[Any]] = []
        for pos, fld, read in self.plan:
            column_values, reasons = read([c[pos] for c in cells], self.ctx)
            where = f"{self.names[pos]}: " if pos < len(self.names) else ""
            for i, reason in reasons.items():
                bad[i] = f"{bad[i]}; {where}{reason}" if i in bad else f"{where}{reason}"
            if reasons and pos in self.people:
                self._unknown(fld, [cells[i][pos] for i in reasons])
            names.append(fld)
            columns.append(column_values)
        finish = self.finish
        for i, values in enumerate(zip(*columns, strict=True)):
            row_no, raw = rows[i]
            if i in bad:
                yield row_no, raw, bad[i]
                continue
            record = dict(zip(names, values, strict=True))
            if self.custom:
                found = {fld[len(CUSTOM) :]: record.pop(fld) for fld in self.custom}
                record["custom"] = {k: v for k, v in found.items() if v is not None}
            try:
                finish(record)
            except BadCell as exc:
                yield row_no, raw, str(exc)
                continue
            record["row_no"] = row_no
            yield row_no, raw, record

    def _unknown(self, fld: str, named: list[str]) -> None:
        counts = self.ctx.unknown
        for raw in named:
            value = raw.strip()
            value = value.lower() if "@" in value else value
            if _fold(value) not in self.ctx.shared_names:
                counts[(fld, value)] = counts.get((fld, value), 0) + 1

    # ---- what each record type derives --------------------------------------------------------------

    def _links(self, v: dict[str, Any]) -> None:
        for link in ("company", "contact", "deal"):
            if v.get(link):
                value = v[link]
                if link == "company":
                    v["company_key"] = _company_key(value)
                    v["company_id"] = self.ctx.companies.get(v["company_key"])
                    named = v["company_id"] is None and _QUALIFIED.match(value)
                    if named and named[2].strip().lower() in self.ctx.domains:
                        # "Acme (acme.ca)": how an export names one of two companies of a name.
                        v["company_id"] = self.ctx.domains[named[2].strip().lower()]
                else:
                    v[f"{link}_key"] = value.lower() if link == "contact" and "@" in value else _fold(value)
                    # "Sam Lee (Globex)": how an export names one of several of that name, by its company.
                    named = _QUALIFIED.match(value)
                    company = named and self.ctx.companies.get(_company_key(named[2]))
                    if named and company:
                        v[f"{link}_alt_key"], v[f"{link}_alt_company_id"] = _fold(named[1]), company

    def _contact(self, v: dict[str, Any]) -> None:
        first, last = v.pop("first_name", None), v.pop("last_name", None)
        name = v.get("name")
        if not name:
            name = f"{first} {last}" if first and last else first or last
            if not name:
                raise BadCell("it has no name (give Name, or First Name and Last Name)")
            v["name"] = name
        v["name_key"] = name_key(name)
        self._links(v)

    def _company(self, v: dict[str, Any]) -> None:
        if not v.get("name"):
            raise BadCell("it has no company name")
        v["name_key"] = name_key(v["name"])
        v["match_id"] = self.ctx.companies.get(_company_key(v["name"]))

    def _deal(self, v: dict[str, Any]) -> None:
        if not v.get("title"):
            raise BadCell("it has no deal name")
        v["title_key"] = name_key(v["title"])
        pipeline = v.pop("pipeline", None)
        if pipeline is not None:
            v["stage_id"] = self._stage_in(pipeline, v.get("stage_id"))
        if v.get("stage_id") in self.ctx.closed:
            close = v.get("close_date")
            v["closed_at"] = v.get("closed_at") or (
                datetime.combine(close, time(12, 0), UTC) if close else self.now
            )
            v["closed_by_id"] = v.get("closed_by_id") or v.get("owner_id") or self.actor_user
        else:
            v["closed_at"] = v["closed_by_id"] = None
            close = v.get("close_date")
            if close is not None and close < self.today:
                self.past_open += 1
                self.past_first = self.past_first or (v["title"], close)
        self._links(v)

    def _stage_in(self, pipeline: int, stage: int | None) -> int | None:
        """The stage of that name in the pipeline named (stages of two pipelines may share a name, and
        the stage column alone reads as the first pipeline's); its first stage when none is named."""
        ctx = self.ctx
        if stage is None:
            return ctx.first_stage.get(pipeline)
        of, key, name = ctx.stage_of[stage]
        if of == pipeline:
            return stage
        found = ctx.in_pipeline.get((pipeline, key)) or ctx.in_pipeline.get((pipeline, name))
        if found is None:
            raise BadCell(f"the stage “{name}” is not in the pipeline named")
        return found

    def _task(self, v: dict[str, Any]) -> None:
        if not v.get("title"):
            raise BadCell("it has no task title")
        v["title_key"] = name_key(v["title"])
        if v.pop("status", None) and not v.get("done_at"):
            v["done_at"] = self.now
        if v.get("due_at"):
            v["due_utc"] = v["due_at"]
        elif v.get("due_date"):
            zone = ZoneInfo(self.ctx.zones.get(v.get("assignee_id") or self.actor_user, self.ctx.tz))
            v["due_utc"] = datetime.combine(v["due_date"], DUE_HOUR, zone).astimezone(UTC)
        # An open task falling due after the import reminds its assignee then, as one added by hand;
        # one already past is not reminded of all at once (it is in the overdue lists).
        if not v.get("done_at") and v.get("due_utc") and v["due_utc"] > self.now:
            v["reminder_state"], v["remind_at"] = "pending", v["due_utc"]
        self._links(v)

    def _interaction(self, v: dict[str, Any]) -> None:
        if not (v.get("summary") or v.get("contact") or v.get("company") or v.get("deal")):
            raise BadCell("it has no summary and names no contact, company or deal")
        self._links(v)
