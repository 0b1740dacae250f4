"""What an import and an export look like in Slack: the preview of a shared file with its buttons, the
mapping form, the progress line and the result."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.messages import day_words, either_way
from bot.services.dataio.columns import column, custom_name, field_names, label
from bot.services.dataio.sniff import Written, readings
from bot.services.dataio.tabular import column_names
from bot.services.dataio.teammates import MOST_LOOKUPS
from bot.services.views import CustomFieldView

IMPORT_GO = "import_go"
IMPORT_EDIT = "import_edit"
IMPORT_CANCEL = "import_cancel"
IMPORT_UNDO = "import_undo"
IMPORT_DATES = "import_dates"
MAPPING_VIEW = "import_mapping_view"
LEAVE_OUT = "-"
TYPES = {
    "contact": "contacts",
    "company": "companies",
    "deal": "deals",
    "task": "tasks",
    "interaction": "interactions",
}
MODES = {
    "skip": "skip them (add only the new)",
    "update": "update them with the file",
    "merge": "fill only what they lack",
}
MAX_MAPPED_COLUMNS = 40
ORDERS = {"mdy": "month first", "dmy": "day first"}

HOW_TO = (
    "*Importing records*\n"
    "1. Export them from your old CRM as CSV (HubSpot, Salesforce, Pipedrive, Zoho and my own exports are "
    "read as they are; plain headers like “First Name”, “E-mail”, “Company”, “Stage”, “Amount” too).\n"
    "2. Share the file with me in our DM, saying what it holds: `contacts`, `companies`, `deals`, "
    "`tasks` or `notes` (I guess from its columns otherwise).\n"
    "3. I answer with the columns I matched, the first rows and how many are new, already here or bad; "
    "then *Import*, *Edit mapping* or *Cancel*.\n"
    "Records already here (the same email; name and company; company web domain; deal title and company) "
    "are skipped; in *Edit mapping* a manager or an admin can have them updated or only filled in.\n"
    "Dates like 03/04/2026 are read as the file shows (a 25/03 means day first); when they could be "
    "either, I ask. Bad rows are left out and listed with their reason in a file; the whole import is "
    "undone with one button. Excel workbooks (.xlsx) are read too, from their first sheet, and a zip of my own export "
    "whole, with its custom fields and pipelines. From a terminal: `crm-bot import FILE --type contacts`.\n"
    "Owners given by email who have not written to me yet are looked up in Slack (up to "
    f"{MOST_LOOKUPS} new addresses "
    "per import; import the bad rows again for the next ones) and their records go to them; an owner I "
    "cannot find (or one given only by name) is named once, with their rows left out: ask them to write "
    "to me once, or give their email in the Owner column. Undo import takes back the teammates it added "
    "too, unless they have used me since."
)
# The most owners nobody here is that a summary names one by one.
MOST_UNKNOWN_SHOWN = 10


def _button(label: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=label, action_id=action_id, value=value, style=style)


def preview(result: Any, pending_id: str, mode: str) -> tuple[str, list[Block]]:
    kind = TYPES[result.record_type]
    rows = f"{result.rows:,} row" + ("" if result.rows == 1 else "s")
    head = f"📥 *{result.file_name}*: {rows} of {kind} ({result.layout})."
    counts = (
        f"*{result.new:,} new* · *{result.matching:,} already here* ({MODES[mode].split(' (')[0]}) · "
        f"{result.repeated:,} repeated in the file · *{result.bad:,} bad*"
    )
    mapped = ", ".join(
        f"{result.column_name(i)} → {result.label(f)}" for i, f in sorted(result.mapping.items())
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"{head}\n{counts}")),
        SectionBlock(text=MarkdownTextObject(text=f"*Columns:* {mapped}"[:2900])),
    ]
    if result.unmapped:
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=("Left out: " + ", ".join(result.unmapped))[:2900])]
            )
        )
    if result.preview:
        lines = [" · ".join(v for v in row.values() if v)[:300] for row in result.preview[:3]]
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=("*First rows:*\n" + "\n".join(f"• {x}" for x in lines))[:2900])
            )
        )
    if result.bad:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(text="The bad rows and why are in the file below; they are left out.")
                ]
            )
        )
    if past := past_line(result):
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"🕰️ {past}")]))
    blocks += _people(result)
    blocks += _dates(result, pending_id)
    # While its dates could be read either way, the file is not offered for import.
    go = [] if result.dates_unsure else [_button("Import", IMPORT_GO, pending_id, "primary")]
    blocks.append(
        ActionsBlock(
            block_id="import_preview",
            elements=[
                *go,
                _button("Edit mapping", IMPORT_EDIT, pending_id),
                _button("Cancel", IMPORT_CANCEL, pending_id),
            ],
        )
    )
    return f"{head} {result.new:,} new, {result.matching:,} already here, {result.bad:,} bad.", blocks


def dates_line(result: Any) -> str:
    """How the file's slashed days are read, or the question when they could be read both ways."""
    if not result.written.example:
        return ""
    if result.dates_unsure:
        return (
            f"📅 *Dates like {either_way(result.written.example)}.* Which is it? Import comes once you say."
        )
    return f"📅 Dates are {dates_read(result)}."


def dates_read(result: Any, given: str = "") -> str:
    """“read day first (25/03/2027 is in the file): 03/04/2027 is 3 April 2027”; ``given``: what to say
    of it when the person chose."""
    written = result.written
    why = given if result.dates_given else f" ({written.decided_by} is in the file)"
    month_first, day_first = readings(written.example)
    day = day_first if result.dates == "dmy" else month_first
    read = (
        f"{written.example} is {day_words(day)}" if day else f"{written.example} is no day, so its row is bad"
    )
    return f"read {ORDERS[result.dates]}{why}: {read}"


def past_line(result: Any) -> str:
    """Open deals whose close date is gone: they go in as they are (and show as overdue)."""
    n = result.past_open
    if not n or result.past_first is None:
        return ""
    title, day = result.past_first
    which = f"{title}, {day_words(day)}" + (", the first" if n > 1 else "")
    if n == 1:
        return f"1 open deal has a close date already past ({which}); it goes in as it is."
    return f"{n:,} open deals have a close date already past ({which}); they go in as they are."


def teammates_line(result: Any) -> str:
    """The teammates the file names by email whom Slack knew and the bot did not: added, with their rows."""
    names = result.teammates
    if not names:
        return ""
    who = f"{len(names)} teammate" + ("" if len(names) == 1 else "s")
    return f"{who} found in Slack: {', '.join(names)}; their rows go to them."


def unknown_lines(result: Any) -> list[str]:
    """Each person the file names whom nobody here is, once, with how many rows name them and what to do."""
    lines = []
    for named, value, n in result.unknown[:MOST_UNKNOWN_SHOWN]:
        rows = f"{n:,} row" + ("" if n == 1 else "s")
        # A name is never looked up (two people may share it): their email would be.
        change = f"change the {named} column" if "@" in value else f"give their email in the {named} column"
        lines.append(
            f"{named} {value} ({rows}) is not a teammate the bot knows: ask them to write to the bot once, "
            f"or {change}"
        )
    more = result.unknown[MOST_UNKNOWN_SHOWN:]
    if more:
        rows = sum(n for _, _, n in more)
        lines.append(f"and {len(more):,} more people nobody here is ({rows:,} rows; see the bad rows)")
    if unasked := getattr(result, "not_looked_up", None):
        rows = sum(n for _, _, n in unasked)
        who = "1 more person" if len(unasked) == 1 else f"{len(unasked):,} more people"
        lines.append(
            f"{who} named by email ({rows:,} row{'' if rows == 1 else 's'}) "
            f"{'was' if len(unasked) == 1 else 'were'} not looked up in Slack: I ask about "
            f"{result.lookup_limit:,} at most per import. Import the bad rows file again to look up the "
            "next ones."
        )
    return lines


def _people(result: Any) -> list[Block]:
    blocks: list[Block] = []
    if found := teammates_line(result):
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"👥 {found}")]))
    if unknown := unknown_lines(result):
        text = "\n".join(f"• {line}" for line in unknown)
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=f"❓ *People this file names whom I don't know:*\n{text}"[:2900])
            )
        )
    return blocks


def _dates(result: Any, pending_id: str) -> list[Block]:
    line = dates_line(result)
    if not line:
        return []
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=line))]
    month_first, day_first = readings(result.written.example)
    if month_first and day_first:
        blocks.append(
            ActionsBlock(
                block_id="import_dates",
                elements=[
                    _button(
                        f"Month first: {day_words(month_first)}", f"{IMPORT_DATES}_mdy", f"mdy:{pending_id}"
                    ),
                    _button(f"Day first: {day_words(day_first)}", f"{IMPORT_DATES}_dmy", f"dmy:{pending_id}"),
                ],
            )
        )
    return blocks


def dates_first(example: str) -> str:
    return (
        f"📅 First say how to read dates like {example}: the Month first or Day first button on the preview."
    )


def archive_preview(
    file_name: str,
    members: list[str],
    pending_id: str,
    adds: str = "",
    *,
    dates_unsure: str = "",
    dates: str | None = None,
) -> tuple[str, list[Block]]:
    """An export of this CRM shared whole: its files, imported in the order they name each other;
    ``adds``: the fields and pipelines this workspace lacks, which go in first. ``dates_unsure``: a day
    of one of its files that could be read either way (asked, as a CSV's preview asks); ``dates``: how
    the person said to read it."""
    head = f"📦 *{file_name}* is an export: {', '.join(members)}."
    if adds:
        head += f"\nFirst, to this workspace: {adds}."
    body = (
        "Import brings in the custom fields, pipelines, settings and people it uses that this workspace "
        "lacks, then each file in that order (records already here are skipped), then its quotas, "
        "satisfaction answers, webhooks (switched off, with new secrets) and scheduled posts, and the "
        "history of the records it makes (who changed what and when, the deals' stages over time); each "
        "file's bad rows come as a file, and one button undoes it all."
    )
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=f"{head}\n{body}"[:2900]))]
    go = [_button("Import", IMPORT_GO, pending_id, "primary")]
    if dates_unsure:
        # Shaped as a file's result, so the question and its buttons are the CSV preview's own.
        asked = SimpleNamespace(
            written=Written(dates="either", example=dates_unsure, decided_by=""),
            dates=dates or "mdy",
            dates_given=dates is not None,
            dates_unsure="" if dates else dates_unsure,
        )
        blocks += (
            _dates(asked, pending_id)
            if not dates
            else [SectionBlock(text=MarkdownTextObject(text=f"📅 Dates are {dates_read(asked)}."))]
        )
        go = go if dates else []
    blocks.append(
        ActionsBlock(block_id="import_preview", elements=[*go, _button("Cancel", IMPORT_CANCEL, pending_id)])
    )
    return f"{file_name} is an export: {', '.join(members)}.", blocks


def archive_done(file_name: str, done: Any) -> tuple[str, list[Block]]:
    lines = [
        f"• {r.file_name}: {r.created:,} new, {r.matching:,} already here, {r.bad:,} bad rows left out"
        for r in done.results
    ]
    text = f"✅ Imported {file_name}:\n" + "\n".join(lines)
    if done.brought.anything:
        text += f"\nAdded first: {done.brought.described()}."
    if done.settled_text():
        text += f"\nAlso: {done.settled_text()}."
    if done.replayed.events or done.replayed.matched:
        text += f"\nWith its {done.replayed.described()}."
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=text[:2900])),
        ActionsBlock(
            block_id="import_done",
            elements=[_button("Undo import", IMPORT_UNDO, ",".join(done.batch_ids), "danger")],
        ),
    ]
    return text, blocks


def _people_count(n: int) -> str:
    return f"{n:,} person" if n == 1 else f"{n:,} people"


def lookups_going(asked: int, found: int) -> str:
    return (
        f"🔎 Looking up in Slack the people this file names (Slack answers about 50 a minute): "
        f"{asked:,} so far, {found:,} found…"
    )


def lookups_done(asked: int, found: int) -> str:
    return f"🔎 Looked up in Slack {_people_count(asked)} this file names: {found:,} found."


def progress(rows: int, rate: float, phase: str, eta: float | None, where: str = "") -> str:
    """``where``: the file of an export's zip it is at ("contacts.csv (2 of 5)")."""
    left = f", about {eta:.0f} s left" if eta is not None else ""
    at = f" {where}" if where else ""
    return f"⏳ Importing{at}: {rows:,} rows read ({rate:,.0f} rows/s{left}); {phase}…"


def _n(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def done(result: Any) -> tuple[str, list[Block]]:
    word = {"skip": "skipped", "update": "updated", "merge": "merged"}[result.mode]
    touched = result.skipped if result.mode == "skip" else result.updated
    kind = TYPES[result.record_type]
    text = (
        f"✅ Imported {_n(result.created, _COUNTED[result.record_type][0], kind)} from {result.file_name} "
        f"in {result.seconds:.1f} s: "
        f"{result.matching:,} already here ({touched:,} {word}), {result.repeated:,} repeated in the file, "
        f"{_n(result.bad, 'bad row', 'bad rows')} left out."
    )
    if result.companies_made:
        made = _n(result.companies_made, "company was", "companies were")
        text += f" {made} made for them."
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=text)), *_people(result)]
    if result.created or result.updated or result.companies_made or result.teammates:
        # An import that changed nothing has nothing to undo.
        blocks.append(
            ActionsBlock(
                block_id="import_done",
                elements=[_button("Undo import", IMPORT_UNDO, result.batch_id, "danger")],
            )
        )
    return text, blocks


def undone(u: Any) -> str:
    text = f"↩️ Import undone: {_n(u.deleted, 'record', 'records')} removed, {u.restored:,} put back as they were."
    if u.kept:
        text += f" {u.kept:,} were changed or used since, so they stay as they are."
    if said := people_undone(u.people):
        text += "\n" + said
    return text


def undo_offer(batch: Any) -> tuple[str, list[Block]]:
    """A typed undo whose last change is an import: the import's own Undo, which takes all of it back."""
    kind = TYPES.get(batch.record_type, batch.record_type)
    text = (
        f"Your last change is the import of {batch.file_name} ({batch.created:,} {kind} made, "
        f"{batch.updated:,} updated, and the teammates it added): Undo import takes all of it back."
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=text)),
        ActionsBlock(
            block_id="import_done", elements=[_button("Undo import", IMPORT_UNDO, batch.batch_id, "danger")]
        ),
    ]
    return text, blocks


def people_undone(people: Any) -> str:
    """The teammates the import had added: taken off the team again, or staying and why."""
    lines = []
    if people.removed:
        many = len(people.removed) > 1
        lines.append(
            f"{_names(people.removed)}, whom it added to the team, {'are' if many else 'is'} taken off it again."
        )
    for names, why in (
        (people.used_bot, "they have used the bot since"),
        (people.have_records, "records of theirs stay (changed or given to them since the import)"),
    ):
        if names:
            lines.append(f"{_names(names)}, whom it added, {'stay' if len(names) > 1 else 'stays'}: {why}.")
    return "\n".join(lines)


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:MOST_UNKNOWN_SHOWN])
    more = len(names) - MOST_UNKNOWN_SHOWN
    return shown + (f" and {more:,} more" if more > 0 else "")


def _options(record_type: str, custom: Sequence[CustomFieldView] = ()) -> list[Option]:
    opts = [Option(value=LEAVE_OUT, text="— leave it out —")]
    opts += [Option(value=f, text=column(record_type, f).header) for f in field_names(record_type)]
    # The workspace's own fields of the type: a column is only ever put in a field that exists.
    opts += [Option(value=custom_name(f), text=label(record_type, custom_name(f), custom)) for f in custom]
    return opts[:100]


def mapping_modal(pending: Any, headers: list[str], custom: Sequence[CustomFieldView] = ()) -> View:
    record_type = pending.record_type
    chosen = pending.columns()
    types = [Option(value=k, text=v) for k, v in TYPES.items()]
    modes = [Option(value=k, text=v) for k, v in MODES.items()]
    blocks: list[Block] = [
        InputBlock(
            block_id="type",
            label="The file holds",
            element=StaticSelectElement(
                action_id="v", options=types, initial_option=next(o for o in types if o.value == record_type)
            ),
        ),
        InputBlock(
            block_id="mode",
            label="Records already here",
            element=StaticSelectElement(
                action_id="v", options=modes, initial_option=next(o for o in modes if o.value == pending.mode)
            ),
        ),
    ]
    orders = [
        Option(
            value=k, text=f"{v.capitalize()}: 03/04/2027 is {day_words(readings('03/04/2027')[k == 'dmy'])}"
        )
        for k, v in ORDERS.items()
    ]
    # Offered when the file has days written with slashes; as read now, unless they could be either.
    read = pending.dates or pending.dates_found
    if pending.dates_found:
        blocks.append(
            InputBlock(
                block_id="dates",
                label="Dates written like 03/04/2027",
                optional=True,
                element=StaticSelectElement(
                    action_id="v",
                    options=orders,
                    initial_option=next((o for o in orders if o.value == read), None),
                ),
            )
        )
    options = _options(record_type, custom)
    names = column_names(headers)
    for pos, header in enumerate(names[:MAX_MAPPED_COLUMNS]):
        current = chosen.get(pos, LEAVE_OUT)
        blocks.append(
            InputBlock(
                block_id=f"col{pos}",
                label=(header or f"Column {pos + 1}")[:2000],
                optional=True,
                element=StaticSelectElement(
                    action_id="v",
                    options=options,
                    initial_option=next((o for o in options if o.value == current), options[0]),
                ),
            )
        )
    return View(
        type="modal",
        callback_id=MAPPING_VIEW,
        private_metadata=pending.id,
        title=PlainTextObject(text="Import mapping"),
        submit=PlainTextObject(text="Preview"),
        close=PlainTextObject(text="Back"),
        blocks=blocks,
    )


def read_mapping(view: dict[str, Any]) -> tuple[str, str, dict[int, str], str | None]:
    values = view.get("state", {}).get("values", {})

    def chosen(block: str) -> str | None:
        option = (values.get(block, {}).get("v") or {}).get("selected_option") or {}
        return option.get("value")

    mapping = {}
    for block in values:
        if block.startswith("col"):
            value = chosen(block)
            if value and value != LEAVE_OUT:
                mapping[int(block[3:])] = value
    dates = chosen("dates")
    return chosen("type") or "contact", chosen("mode") or "skip", mapping, dates if dates in ORDERS else None


def mapping_errors(view: dict[str, Any]) -> dict[str, str]:
    """A field chosen for two columns, said beside the later one (one of them would be lost)."""
    values = view.get("state", {}).get("values", {})
    names = {b.get("block_id"): (b.get("label") or {}).get("text", "") for b in view.get("blocks") or []}
    first: dict[str, str] = {}
    errors: dict[str, str] = {}
    for block in sorted((b for b in values if b.startswith("col")), key=lambda b: int(b[3:])):
        option = (values[block].get("v") or {}).get("selected_option") or {}
        value = option.get("value")
        if not value or value == LEAVE_OUT:
            continue
        if value in first:
            field = (option.get("text") or {}).get("text") or value
            errors[block] = (
                f"{field} is column “{names.get(first[value], first[value])}” already; leave one out."
            )
        else:
            first[value] = block
    return errors


def export_started() -> str:
    return (
        "📦 Exporting every record, setting, person, quota, answer, webhook (without its secret), schedule, "
        "import and audit event of this workspace; the file will arrive in our DM."
    )


# What an export counts, one and many.
_COUNTED = {
    "contact": ("contact", "contacts"),
    "company": ("company", "companies"),
    "deal": ("deal", "deals"),
    "task": ("task", "tasks"),
    "interaction": ("interaction", "interactions"),
    "import": ("import", "imports"),
    "audit": ("audit event", "audit events"),
    "stage_change": ("deal stage change", "deal stage changes"),
    "field": ("custom field", "custom fields"),
    "stage": ("stage", "stages"),
    "user": ("person", "people"),
    "quota": ("quota", "quotas"),
    "feedback": ("satisfaction answer", "satisfaction answers"),
    "webhook": ("webhook", "webhooks"),
    "report_subscription": ("scheduled report", "scheduled reports"),
    "subscription": ("scheduled summary", "scheduled summaries"),
}


def counted(counts: dict[str, int], leave_out: tuple[str, ...] = ()) -> str:
    """What an export holds, one and many: "7 companies, 1 import"."""
    return ", ".join(
        f"{n:,} {_COUNTED.get(k, (TYPES.get(k, k), TYPES.get(k, k)))[0 if n == 1 else 1]}"
        for k, n in counts.items()
        if k not in leave_out
    )


def export_done(counts: dict[str, int]) -> str:
    shown = counted(counts, leave_out=("field", "stage", "workspace"))
    return f"📦 The export: {shown}. One CSV per type in the zip; `crm-bot import` reads it back."
