"""Reading one cell of an imported file into the value a record holds, or the reason it cannot be.

Each column's ``kind`` (bot/services/dataio/columns.py) names a reader here. A reader returns the value
(None for an empty cell) or raises :class:`BadCell` with the reason the import report gives for its row.
The reasons are plain sentences, because the report is a file a person reads outside Slack.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from bot.services import customfields, fields, limits
from bot.services.errors import Invalid
from bot.services.iso4217 import is_currency
from bot.services.text import fold
from bot.services.views import CustomFieldView
from models.entities import FORECAST_CATEGORIES, INTERACTION_KINDS, LIFECYCLES


class BadCell(Exception):
    """Why a cell cannot be imported (the report's reason for its row)."""


@dataclass
class Context:
    """What reading a workspace's cells needs to know: its people, stages, currency and zone."""

    users: dict[str, int]  # folded email, slack id or name → user id
    zones: dict[int, str]  # user id → zone
    stages: dict[str, int]  # folded key or name → stage id
    currency: str = "USD"
    tz: str = "UTC"
    # Slash dates: "mdy" (03/04/2025 is 4 March) or "dmy" (3 April).
    dates: str = "mdy"
    closed: set[int] = field(default_factory=set)
    # The workspace's companies by their key (bot/services/companies.py: company_key), first made first.
    companies: dict[str, int] = field(default_factory=dict)
    # Its pipelines (folded key or name → id) and their stages: stage id → (pipeline id, folded key,
    # folded name), and (pipeline id, folded key or name) → stage id; a pipeline's first stage by id.
    pipelines: dict[str, int] = field(default_factory=dict)
    stage_of: dict[int, tuple[int, str, str]] = field(default_factory=dict)
    in_pipeline: dict[tuple[int, str], int] = field(default_factory=dict)
    first_stage: dict[int, int] = field(default_factory=dict)
    # Its custom fields of the record type imported, by id (as ``custom:<id>`` names them in a mapping).
    custom: dict[str, CustomFieldView] = field(default_factory=dict)
    # And by web domain: "Acme (acme.ca)" names the one of two Acmes with that domain.
    domains: dict[str, int] = field(default_factory=dict)
    # First names and email names more than one person has ("cara"): said so rather than guessed.
    shared_names: set[str] = field(default_factory=set)
    # The file's decimal mark when its amounts say (bot/services/dataio/sniff.py): with a comma, 12.000
    # is twelve thousand.
    decimal: str | None = None
    # The people the file names whom nobody here is: (field, as written) → rows naming them.
    unknown: dict[tuple[str, str], int] = field(default_factory=dict)
    # When the file named more such emails than one import asks the directory about: the most it asks
    # and the emails it did ask about (any other is "not looked up", not unknown).
    lookup_limit: int = 0
    looked_up: set[str] = field(default_factory=set)

    def not_looked_up(self, email: str) -> bool:
        return bool(self.lookup_limit) and email.strip().lower() not in self.looked_up


Reader = Callable[[str, Context], Any]
# A column of cells read at once: the values (None where empty or bad) and the reasons by position.
ColumnReader = Callable[[list[str], Context], tuple[list[Any], dict[int, str]]]

# The stage names other CRMs export for the stages everyone has.
STAGE_SYNONYMS = {
    "closedwon": "won",
    "closed won": "won",
    "closedlost": "lost",
    "closed lost": "lost",
    "appointmentscheduled": "demo",
    "qualifiedtobuy": "qualified",
    "presentationscheduled": "demo",
    "decisionmakerboughtin": "proposal",
    "contractsent": "negotiation",
    "prospecting": "lead",
    "qualification": "qualified",
    "needs analysis": "qualified",
    "value proposition": "proposal",
    "proposal/price quote": "proposal",
    "proposal price quote": "proposal",
    "negotiation/review": "negotiation",
    "negotiation review": "negotiation",
    "id. decision makers": "qualified",
    "perception analysis": "proposal",
}
LIFECYCLE_SYNONYMS = {
    "subscriber": "prospect",
    "other": "prospect",
    "marketingqualifiedlead": "lead",
    "salesqualifiedlead": "lead",
    "marketing qualified lead": "lead",
    "sales qualified lead": "lead",
    "opportunity": "lead",
    "evangelist": "advocate",
}
INTERACTION_SYNONYMS = {
    "phone call": "call",
    "logged call": "call",
    "task": "note",
    "sms": "message",
    "chat": "message",
    "linkedin": "message",
    "whatsapp": "message",
    "meetings": "meeting",
    "calls": "call",
    "emails": "email",
    "notes": "note",
    "incoming email": "email",
    "outgoing": "call",
    "inbound": "call",
    "outbound": "call",
}
DONE_WORDS = {"done", "completed", "complete", "closed", "yes", "true", "1", "finished"}
OPEN_WORDS = {"", "open", "not started", "in progress", "waiting", "deferred", "no", "false", "0", "pending"}


_SPACES = re.compile(r"\s+")


def _text(what: str) -> Reader:
    def read(value: str, ctx: Context) -> Any:
        cleaned = value.strip()
        if "  " in cleaned or "\n" in cleaned or "\t" in cleaned:
            cleaned = _SPACES.sub(" ", cleaned)
        if not cleaned:
            return None
        _limit(what, cleaned)
        return cleaned

    return read


@cache
def _most(what: str) -> int:
    return limits.limit(what)


def _limit(what: str, value: str) -> None:
    # Read once per field: this runs for every cell of a million-row file.
    most = _most(what)
    if len(value) > most:
        raise BadCell(f"the {what} is {len(value)} characters; the limit is {most}")


_EMAIL = fields.EMAIL


def read_email(value: str, ctx: Context) -> Any:
    # The common case checked here; anything else goes through the field's own check, for its refusal.
    cleaned = value.strip()
    if cleaned and len(cleaned) <= _most("email") and _EMAIL.match(cleaned):
        return cleaned.lower()
    try:
        return fields.email(value.strip() or None)
    except Invalid:
        raise BadCell(f"“{value.strip()}” is not an email address") from None


def read_phone(value: str, ctx: Context) -> Any:
    value = value.strip()
    if not value:
        return None
    _limit("phone", value)
    return value


def read_domain(value: str, ctx: Context) -> Any:
    try:
        return fields.domain(value or None)
    except Invalid:
        raise BadCell(f"“{value.strip()}” is not a web domain") from None


MONEY_JUNK = re.compile(r"[\s$€£¥₹\u00a0']|[A-Za-z]{3}$|^[A-Za-z]{3}")
_THOUSANDS_DOTS = re.compile(r"-?\d{1,3}(?:\.\d{3})+")


def read_money(value: str, ctx: Context) -> Any:
    raw = value.strip()
    if not raw:
        return None
    text = MONEY_JUNK.sub("", raw)
    if ctx.decimal == "," and _THOUSANDS_DOTS.fullmatch(text):
        text = text.replace(".", "")
    elif "," in text and "." in text:
        # The later mark is the decimal one: 1,200.50 and 1.200,50.
        thousands = "," if text.rfind(",") < text.rfind(".") else "."
        text = text.replace(thousands, "").replace(",", ".")
    elif "," in text:
        text = text.replace(",", ".") if re.fullmatch(r"-?\d+,\d{1,2}", text) else text.replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        like = "1234,50" if ctx.decimal == "," else "1234.50"
        raise BadCell(f"the amount “{raw}” is not a number (write it like {like})") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise BadCell(f"the amount “{raw}” is out of range (0 to 999,999,999,999.99)")
    return amount.quantize(Decimal("0.01"))


def read_currency(value: str, ctx: Context) -> Any:
    code = value.strip().upper()
    if not code:
        return None
    if not is_currency(code):
        raise BadCell(f"“{value.strip()}” is not a currency code (like USD or EUR)")
    return code


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SLASH = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")


def parse_date(value: str, ctx: Context) -> date | None:
    raw = value.strip()
    if not raw:
        return None
    iso = _ISO.match(raw)
    slash = _SLASH.match(raw)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if slash:
            first, second, year = int(slash[1]), int(slash[2]), int(slash[3])
            dotted = "." in raw
            month, day = (second, first) if ctx.dates == "dmy" or dotted else (first, second)
            return date(year, month, day)
    except ValueError:
        raise BadCell(f"the date “{raw}” does not exist") from None
    raise BadCell(f"“{raw}” is not a date (write it 2025-03-31)")


def read_date(value: str, ctx: Context) -> Any:
    raw = value.strip()
    if " " in raw or "T" in raw:
        # A date column holding a time as well (Salesforce, Zoho): the day is what counts.
        moment = read_datetime(raw, ctx)
        return moment.astimezone(ZoneInfo(ctx.tz)).date() if moment else None
    return parse_date(raw, ctx)


_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp][Mm])?$")


def read_datetime(value: str, ctx: Context) -> Any:
    raw = value.strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        moment = _day_and_clock(raw, ctx)
    if moment.tzinfo is None:
        if ctx.tz == "UTC":
            return moment.replace(tzinfo=UTC)
        moment = moment.replace(tzinfo=_zone(ctx.tz))
    return moment.astimezone(UTC)


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _day_and_clock(raw: str, ctx: Context) -> datetime:
    day_text, _, clock_text = raw.replace("T", " ").partition(" ")
    day = parse_date(day_text, ctx)
    assert day is not None
    if not clock_text.strip():
        return datetime.combine(day, time(0, 0))
    m = _CLOCK.match(clock_text.strip())
    if not m:
        raise BadCell(f"“{raw}” is not a date and time (write it 2025-03-31 14:30)")
    hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    if m[4]:
        hour = hour % 12 + (12 if m[4].lower() == "pm" else 0)
    try:
        return datetime.combine(day, time(hour, minute, second))
    except ValueError:
        raise BadCell(f"the time “{raw}” does not exist") from None


def read_user(value: str, ctx: Context) -> Any:
    raw = value.strip()
    if not raw:
        return None
    found = ctx.users.get(fold(raw)) or ctx.users.get(raw)
    if found is None and fold(raw) in ctx.shared_names:
        raise BadCell(f"“{raw}” is more than one person in this workspace (give their email or full name)")
    if found is None and "@" in raw and ctx.not_looked_up(raw):
        raise BadCell(
            f"“{raw}” was not looked up in Slack (the file names more than {ctx.lookup_limit:,} people "
            "I don't know; import these rows again to look up the next ones)"
        )
    if found is None and "@" in raw:
        # Looked up in Slack already when the import could: what is left is for them or the file.
        raise BadCell(f"“{raw}” is not anyone in this workspace (ask them to write to the bot once)")
    if found is None:
        raise BadCell(f"“{raw}” is not anyone in this workspace (give their email or Slack name)")
    return found


def read_stage(value: str, ctx: Context) -> Any:
    raw = value.strip()
    if not raw:
        return None
    key = fold(raw)
    found = ctx.stages.get(key) or ctx.stages.get(STAGE_SYNONYMS.get(key, ""))
    if found is None:
        names = ", ".join(sorted({k for k in ctx.stages if " " not in k}))
        raise BadCell(f"“{raw}” is not a stage here (stages: {names})")
    return found


# What other CRMs call the pipeline every account starts with (HubSpot's, Pipedrive's): the first one here.
DEFAULT_PIPELINE_NAMES = {"default", "pipeline", "sales pipeline", "default pipeline"}


def read_pipeline(value: str, ctx: Context) -> Any:
    raw = value.strip()
    if not raw:
        return None
    key = fold(raw)
    found = ctx.pipelines.get(key) or ctx.pipelines.get(key.removesuffix(" pipeline"))
    if found is None and key in DEFAULT_PIPELINE_NAMES:
        found = ctx.pipelines.get("\x00first")
    if found is None:
        names = ", ".join(sorted({k for k in ctx.pipelines if not k.startswith("\x00")}))
        raise BadCell(f"“{raw}” is not a pipeline here (pipelines: {names})")
    return found


# Salesforce's and HubSpot's words for the categories, beside this product's own.
FORECAST_SYNONYMS = {"best case": "best_case", "bestcase": "best_case", "committed": "commit"}
# Categories other CRMs have that a closed deal's stage already says: the default.
FORECAST_IGNORED = {"closed", "omitted", "omit"}


def read_forecast(value: str, ctx: Context) -> Any:
    key = fold(value).replace("-", " ").replace("_", " ").strip()
    if not key or key in FORECAST_IGNORED:
        return None
    key = FORECAST_SYNONYMS.get(key, key.replace(" ", "_"))
    if key not in FORECAST_CATEGORIES:
        words = ", ".join(c.replace("_", " ") for c in FORECAST_CATEGORIES)
        raise BadCell(f"“{value.strip()}” is not a forecast category ({words})")
    return key


def read_lifecycle(value: str, ctx: Context) -> Any:
    key = fold(value)
    if not key:
        return None
    key = LIFECYCLE_SYNONYMS.get(key, key)
    if key not in LIFECYCLES:
        raise BadCell(f"“{value.strip()}” is not a lifecycle ({', '.join(LIFECYCLES)})")
    return key


def read_interaction_kind(value: str, ctx: Context) -> Any:
    key = fold(value)
    if not key:
        return None
    key = INTERACTION_SYNONYMS.get(key, key)
    if key not in INTERACTION_KINDS:
        raise BadCell(f"“{value.strip()}” is not a kind of interaction ({', '.join(INTERACTION_KINDS)})")
    return key


def read_tags(value: str, ctx: Context) -> Any:
    parts = re.split(r"[;,|]", value)
    return fields.tags(parts, typed=False) if value.strip() else None


def read_status(value: str, ctx: Context) -> Any:
    key = fold(value)
    if key in DONE_WORDS:
        return True
    if key in OPEN_WORDS:
        return None
    raise BadCell(f"“{value.strip()}” is not a task status (open or done)")


def read_int(value: str, ctx: Context) -> Any:
    raw = value.strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise BadCell(f"“{raw}” is not a whole number (write it like 12)")
    return int(raw)


def read_summary(value: str, ctx: Context) -> Any:
    text = value.strip()
    if not text:
        return None
    _limit("summary", text)
    return text


LINK_CHARS = 500


def read_link(value: str, ctx: Context) -> Any:
    text = value.strip()
    if len(text) > LINK_CHARS:
        raise BadCell(f"the link is {len(text)} characters; the limit is {LINK_CHARS}")
    return text or None


def read_channel(value: str, ctx: Context) -> Any:
    text = value.strip().lower()
    if len(text) > 16:
        raise BadCell(f"“{value.strip()}” is not a way to reach someone (like email, phone or slack)")
    return text or None


READERS: dict[str, Reader] = {
    "channel": read_channel,
    "link": read_link,
    "text": _text("industry"),
    "job_title": _text("job title"),
    "name": _text("name"),
    "company": _text("company name"),
    "contact": _text("name"),
    "deal": _text("deal title"),
    "email": read_email,
    "phone": read_phone,
    "domain": read_domain,
    "money": read_money,
    "currency": read_currency,
    "date": read_date,
    "datetime": read_datetime,
    "user": read_user,
    "stage": read_stage,
    "lifecycle": read_lifecycle,
    "pipeline": read_pipeline,
    "forecast": read_forecast,
    "interaction_kind": read_interaction_kind,
    "tags": read_tags,
    "status": read_status,
    "int": read_int,
    "summary": read_summary,
}


# Kinds whose cells repeat down a file (a handful of stages, people, lifecycles, days): each distinct
# cell is read once per import and remembered, answer or refusal.
REPEATING = {
    "user",
    "stage",
    "pipeline",
    "forecast",
    "lifecycle",
    "interaction_kind",
    "status",
    "currency",
    "channel",
    "date",
}
# Enough for every stage and person many times over; a file with more distinct cells starts afresh.
MEMO_SIZE = 20_000


def reader(kind: str) -> Reader:
    return READERS[kind]


def remembering(kind: str) -> Reader:
    """The kind's reader, with a memory of the cells it read if its cells repeat (a new one per import:
    what a cell means depends on the workspace)."""
    read = READERS[kind]
    if kind not in REPEATING:
        return read
    seen: dict[str, tuple[Any, str | None]] = {}

    def remembered(value: str, ctx: Context) -> Any:
        found = seen.get(value)
        if found is None:
            try:
                found = (read(value, ctx), None)
            except BadCell as exc:
                found = (None, str(exc))
            if len(seen) >= MEMO_SIZE:
                seen.clear()
            seen[value] = found
        if found[1] is not None:
            raise BadCell(found[1])
        return found[0]

    return remembered


# ---- a column at a time -----------------------------------------------------------------------------
# A chunk's cells are read column by column: the common cases (plain text within its limit, a well-formed
# email) are checked for the whole column with C-level string work (strip, join, match over a map), and
# only the cells that fail a fast check go through their reader one by one, for its answer or its reason.


def each(read: Reader) -> ColumnReader:
    def many(cells: list[str], ctx: Context) -> tuple[list[Any], dict[int, str]]:
        out: list[Any] = []
        bad: dict[int, str] = {}
        for i, raw in enumerate(cells):
            if not raw:
                out.append(None)
                continue
            try:
                out.append(read(raw, ctx))
            except BadCell as exc:
                out.append(None)
                bad[i] = str(exc)
        return out, bad

    return many


def _text_column(what: str, collapse: bool = True) -> ColumnReader:
    slow = each(_text(what) if collapse else read_phone)

    def many(cells: list[str], ctx: Context) -> tuple[list[Any], dict[int, str]]:
        cleaned = list(map(str.strip, cells))
        joined = "\x00".join(cleaned)
        if (collapse and ("  " in joined or "\n" in joined or "\t" in joined)) or max(
            map(len, cleaned), default=0
        ) > _most(what):
            return slow(cells, ctx)
        return [c or None for c in cleaned], {}

    return many


def _email_column(cells: list[str], ctx: Context) -> tuple[list[Any], dict[int, str]]:
    cleaned = list(map(str.strip, cells))
    most = _most("email")
    out: list[Any] = []
    bad: dict[int, str] = {}
    for i, (c, ok) in enumerate(zip(cleaned, map(_EMAIL.match, cleaned), strict=True)):
        if not c:
            out.append(None)
        elif ok and len(c) <= most:
            out.append(c.lower())
        else:
            try:
                out.append(read_email(cells[i], ctx))
            except BadCell as exc:
                out.append(None)
                bad[i] = str(exc)
    return out, bad


# ---- custom fields -------------------------------------------------------------------------------------
# A workspace's own fields (bot/services/customfields.py) are read as its forms read them: text within its
# limit, a number, a date (in any form a date column takes), one of a list's choices as the list spells it.


def custom_reader(f: CustomFieldView) -> Reader:
    def read(value: str, ctx: Context) -> Any:
        raw = value.strip()
        if not raw:
            return None
        if f.kind == "date":
            day = read_date(raw, ctx)
            return day.isoformat() if day else None
        try:
            return customfields.check_value(f, raw)
        except Invalid:
            pass
        if f.kind == "number":
            raise BadCell(f"the {f.name} “{raw}” is not a number (write it like 12.5)")
        if f.kind == "choice":
            raise BadCell(f"the {f.name} “{raw}” is not one of its choices ({', '.join(f.choices)})")
        raise BadCell(f"the {f.name} is {len(raw)} characters; the limit is {customfields.TEXT_CHARS}")

    return read


def custom_column_reader(f: CustomFieldView) -> ColumnReader:
    read = custom_reader(f)
    if f.kind not in ("choice", "date"):
        return each(read)
    # A list's choices and days repeat down a file: each distinct cell read once.
    seen: dict[str, tuple[Any, str | None]] = {}

    def remembered(value: str, ctx: Context) -> Any:
        found = seen.get(value)
        if found is None:
            try:
                found = (read(value, ctx), None)
            except BadCell as exc:
                found = (None, str(exc))
            if len(seen) < MEMO_SIZE:
                seen[value] = found
        if found[1] is not None:
            raise BadCell(found[1])
        return found[0]

    return each(remembered)


def column_reader(kind: str) -> ColumnReader:
    """How a column of ``kind`` is read a chunk at a time (a new one per import: see ``remembering``)."""
    if kind == "email":
        return _email_column
    if kind == "phone":
        return _text_column("phone", collapse=False)
    if kind in _TEXT_LIMITS:
        return _text_column(_TEXT_LIMITS[kind])
    return each(remembering(kind))


_TEXT_LIMITS = {
    "text": "industry",
    "job_title": "job title",
    "name": "name",
    "company": "company name",
    "contact": "name",
    "deal": "deal title",
}
