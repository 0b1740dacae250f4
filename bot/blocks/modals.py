"""The intent modal: the parsed values of a message, prefilled, for a person to correct or complete.

The same modal serves "Edit" on a card (change what was written) and "Fill in…" on a question (finish
an intent before anything is written). What it is for travels in ``private_metadata``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    ExternalDataSelectElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
    TimePickerElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import ids
from bot.blocks.messages import too_long
from bot.nlu.money import ISO_CODES, find_money
from bot.services import limits
from bot.services.crm import EMAIL, PHONE
from bot.services.timeutil import zone
from bot.services.views import CustomFieldView

METADATA_LIMIT = 3000
# The longest text Slack's plain-text input takes.
INPUT_LIMIT = 3000


@dataclass(frozen=True)
class Field:
    slot: str
    label: str
    kind: str = "text"  # text | multiline | select | date | datetime | user | pick
    required: bool = False
    choices: tuple[str, ...] = ()
    hint: str | None = None
    # A record's reference field in the form of that record's own card: a new text there renames the
    # record (this slot), rather than naming another record.
    renames: str | None = None
    # A select whose choices are the workspace's own (e.g. "stages"), given to :func:`build` when the form
    # opens, as (value, label) pairs; ``choices`` is then unused.
    choices_of: str | None = None
    # A search-as-you-type picker (kind "pick") of this record type: contact, company or deal. (People
    # are Slack's own users_select: it knows every member, not only those the bot has met.)
    picks: str | None = None


def pick(slot: str, label: str, picks: str | None = None, *, required: bool = False) -> Field:
    """A field whose value is chosen among the workspace's records as the person types."""
    return Field(slot, label, "pick", required, picks=picks or slot)


# A picker's option for a name that is not (or not yet) a record: the name as typed, read like free text.
TYPED = "+"
# Slack's limits on an option's value and text.
OPTION_VALUE = 150
OPTION_TEXT = 75


def typed_option(text: str) -> Option:
    return Option(value=TYPED + text[: OPTION_VALUE - 1], label=f"“{text[: OPTION_TEXT - 12]}” as typed")


def picked_value(value: str | None) -> Any:
    """A picker's submitted option as a slot: a record id, or a name as typed."""
    if not value:
        return None
    if value.startswith(TYPED):
        return value[len(TYPED) :].strip() or None
    return int(value) if value.isdigit() else None


@dataclass(frozen=True)
class Form:
    """An intent's form (declared with the intent in bot.intents): its title and its fields, in order."""

    title: str
    fields: tuple[Field, ...]

    def slots(self) -> set[str]:
        return {f.slot for f in self.fields}

    def renamed_by(self, slot: str) -> str | None:
        return next((f.renames for f in self.fields if f.slot == slot), None)


# The service field each text slot is written to (its limit is that field's); the slots that name a
# record are searched for, and the rest have no field of their own.
WRITTEN = {
    "name": "name",
    "email": "email",
    "phone": "phone",
    "summary": "summary",
    "follow_up.title": "task title",
    "domain": "domain",
    "industry": "industry",
}
TITLE_OF = {
    "create_contact": "job title",
    "update_contact": "job title",
    "create_deal": "deal title",
    "create_task": "task title",
}
SEARCHED = ("contact", "company", "deal", "task", "query")


def max_chars(intent: str, slot: str) -> int:
    """How long the text in a slot may be: the same limit the service checks (bot/services/limits.py)."""
    field = TITLE_OF.get(intent) if slot == "title" else WRITTEN.get(slot)
    if field is not None:
        return min(limits.limit(field), INPUT_LIMIT)
    if slot in SEARCHED:
        return limits.SEARCH_CHARS
    return 300


def _get(slots: dict[str, Any], path: str) -> Any:
    value: Any = slots
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _set(slots: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    target = slots
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def _bid(slot: str) -> str:
    return "f_" + slot.replace(".", "__")


def _split_when(value: Any, tz: str) -> tuple[str | None, str | None]:
    """An ISO value (or date/datetime) as (YYYY-MM-DD, HH:MM) in the reader's zone."""
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime):
        local = value.astimezone(zone(tz)) if value.tzinfo else value
        return local.date().isoformat(), local.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat(), None
    text = str(value)
    if len(text) == 10:
        return text, None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None, None
    local = parsed.astimezone(zone(tz)) if parsed.tzinfo else parsed
    return local.date().isoformat(), local.strftime("%H:%M")


def build(
    intent: str,
    form: Form,
    slots: dict[str, Any],
    *,
    meta: dict[str, Any],
    tz: str,
    labels: dict[str, str] | None = None,
    choices: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> View:
    """``intent``'s form prefilled from ``slots``; ``labels`` name records given by id; ``choices`` are
    the workspace's lists that selects with ``choices_of`` offer."""
    labels = labels or {}
    blocks: list[Block] = []
    for f in form.fields:
        value = labels.get(f.slot, _get(slots, f.slot))
        if f.slot == "amount" and isinstance(value, float) and value.is_integer():
            value = int(value)  # "50000", not "50000.0"
        label = PlainTextObject(text=f.label)
        bid = _bid(f.slot)
        if f.kind in ("text", "multiline"):
            shown = None if value in (None, "") else str(value)
            # A value stored before its limit existed is shown whole (the check on submit asks for
            # it shorter), as far as Slack's input holds.
            limit = min(max(max_chars(intent, f.slot), len(shown or "")), INPUT_LIMIT)
            element: Any = PlainTextInputElement(
                action_id="v",
                multiline=f.kind == "multiline",
                initial_value=None if shown is None else shown[:limit],
                max_length=limit,
            )
            blocks.append(
                InputBlock(
                    block_id=bid,
                    label=label,
                    element=element,
                    optional=not f.required,
                    hint=PlainTextObject(text=f.hint) if f.hint else None,
                )
            )
        elif f.kind == "select":
            pairs = (
                (choices or {}).get(f.choices_of, ())
                if f.choices_of
                else [(c, c.capitalize()) for c in f.choices]
            )
            options = [Option(value=v, label=text[:75]) for v, text in pairs]
            initial = next((o for o in options if o.value == value), None)
            element = StaticSelectElement(action_id="v", options=options, initial_option=initial)
            blocks.append(InputBlock(block_id=bid, label=label, element=element, optional=not f.required))
        elif f.kind == "user":
            element = UserSelectElement(action_id="v", initial_user=value or None)
            blocks.append(InputBlock(block_id=bid, label=label, element=element, optional=not f.required))
        elif f.kind == "pick":
            element = ExternalDataSelectElement(
                action_id=f"pick_{f.picks}",
                initial_option=_initial_pick(_get(slots, f.slot), labels.get(f.slot)),
                min_query_length=1,
            )
            blocks.append(InputBlock(block_id=bid, label=label, element=element, optional=not f.required))
        else:
            day_text, time_text = _split_when(value, tz)
            blocks.append(
                InputBlock(
                    block_id=bid,
                    label=label,
                    element=DatePickerElement(action_id="v", initial_date=day_text),
                    optional=not f.required,
                )
            )
            if f.kind == "datetime":
                blocks.append(
                    InputBlock(
                        block_id=bid + "__time",
                        label=PlainTextObject(text=f"{f.label} (time, optional)"),
                        element=TimePickerElement(action_id="v", initial_time=time_text),
                        optional=True,
                    )
                )
    metadata = json.dumps({**meta, "i": intent, "l": labels}, separators=(",", ":"), default=str)
    if len(metadata) > METADATA_LIMIT:
        raise ValueError("modal metadata too long")
    submit = "Save" if meta.get("m") == "edit" else "Do it"
    return View(
        type="modal",
        callback_id=ids.INTENT_MODAL,
        title=PlainTextObject(text=form.title[:24]),
        submit=PlainTextObject(text=submit),
        close=PlainTextObject(text="Cancel"),
        private_metadata=metadata,
        blocks=blocks,
    )


def _initial_pick(value: Any, label: str | None) -> Option | None:
    """What a picker shows when the form opens: the record given by id (under its label), or the name
    the message or the card gave, as typed (the service finds it on submit, as it finds a typed name)."""
    if value in (None, ""):
        return None
    if isinstance(value, int):
        return Option(value=str(value), label=(label or str(value))[:OPTION_TEXT])
    text = str(label or value)
    # Shown as the name itself: it is what the message or the card said, not a search result.
    return Option(value=TYPED + text[: OPTION_VALUE - 1], label=text[:OPTION_TEXT])


# The intents whose forms carry the workspace's custom fields of a record type.
CUSTOM_RECORD = {
    "create_contact": "contact",
    "update_contact": "contact",
    "create_company": "company",
    "update_company": "company",
    "create_deal": "deal",
    "update_deal": "deal",
}
_CUSTOM_BLOCK = "f_custom__"


def with_custom(
    form: Form, custom: Sequence[CustomFieldView]
) -> tuple[Form, dict[str, list[tuple[str, str]]]]:
    """``form`` with a field for each of the workspace's custom fields after its own (slot
    ``custom.<name>``), and the choices their selects offer."""
    added: list[Field] = []
    choices: dict[str, list[tuple[str, str]]] = {}
    for f in custom:
        slot = f"custom.{f.name}"
        if f.kind == "choice":
            choices[slot] = [(c, c) for c in f.choices]
            added.append(Field(slot, f.name, "select", choices_of=slot))
        elif f.kind == "date":
            added.append(Field(slot, f.name, "date"))
        else:
            added.append(Field(slot, f.name, hint="a number, e.g. 1250.50" if f.kind == "number" else None))
    return Form(form.title, (*form.fields, *added)), choices


def _read_custom(values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The custom fields' values in a submitted form, by field name; an emptied one is None (cleared)."""
    out: dict[str, Any] = {}
    for bid, block in values.items():
        if not bid.startswith(_CUSTOM_BLOCK):
            continue
        raw = block.get("v") or {}
        value = (
            (raw.get("selected_option") or {}).get("value") or raw.get("selected_date") or raw.get("value")
        )
        out[bid[len(_CUSTOM_BLOCK) :]] = (value or "").strip() or None
    return out


def read(intent: str, form: Form, values: dict[str, dict[str, Any]]) -> tuple[dict[str, Any], dict[str, str]]:
    """Slots from a submitted modal, and errors by block id for the fields that don't make sense."""
    slots: dict[str, Any] = {}
    errors: dict[str, str] = {}
    custom = _read_custom(values)
    if custom and intent in CUSTOM_RECORD:
        slots["custom"] = custom
    said_in: str | None = None
    for f in form.fields:
        bid = _bid(f.slot)
        # One element per input block; its action id is "v", or says what a picker picks.
        raw = next(iter((values.get(bid) or {}).values()), None) or {}
        value = _field_value(intent, f, bid, raw, values, errors)
        if f.slot == "amount" and value is not None:
            value, said_in, problem = read_amount(value)
            if problem:
                errors[bid] = problem
        if f.slot == "currency" and value is not None:
            value = value.strip().upper()
            if value not in ISO_CODES:
                errors[bid] = (
                    f"“{value}” is not a currency code I know: write 3 letters like USD, EUR or GBP."
                )
        # The same checks the service makes, so a typo is fixed in the form instead of ending it.
        if f.slot == "email" and value is not None and bid not in errors and not EMAIL.match(value):
            errors[bid] = "Write an email address like jane@acme.com."
        if f.slot == "phone" and value is not None and bid not in errors and not PHONE.match(value):
            errors[bid] = "Write a phone number like +1 415 555 0100."
        if f.required and value in (None, ""):
            errors[bid] = f"{f.label} is needed."
        if value not in (None, ""):
            _set(slots, f.slot, value)
    if said_in and "currency" not in slots:
        slots["currency"] = said_in
    return slots, errors


def read_amount(text: str) -> tuple[float | None, str | None, str | None]:
    """An amount field as typed: (amount, the currency its symbol or code names, the problem naming the
    value). Regional forms (`45.000 €`, `1.200,50`) as the parser's money reader reads them."""
    text = str(text).strip()
    form = "write it like 50000, 50k, 1.2M or 45.000 €."
    if text.startswith(("-", "−")):
        return None, None, f"“{text}” is below zero: an amount can't be negative; {form}"
    amount = parse_amount(text)
    if amount is not None:
        return amount, None, None
    found = find_money(text, deal_context=True, exclude=[])
    if len(found) == 1 and found[0].start == 0 and found[0].end == len(text):
        return found[0].amount, found[0].currency, None
    return None, None, f"“{text}” is not an amount I can read: {form}"


def _field_value(
    intent: str,
    f: Field,
    bid: str,
    raw: dict[str, Any],
    values: dict[str, dict[str, Any]],
    errors: dict[str, str],
) -> Any:
    """What one input block holds, as its kind of element gives it."""
    if f.kind in ("text", "multiline"):
        value = (raw.get("value") or "").strip() or None
        most = max_chars(intent, f.slot)
        if value is not None and len(value) > most:
            # Marked in the form, where the rest of what was typed stays as it was.
            errors[bid] = too_long(len(value), most)
        return value
    if f.kind == "select":
        return (raw.get("selected_option") or {}).get("value")
    if f.kind == "user":
        return raw.get("selected_user")
    if f.kind == "pick":
        return picked_value((raw.get("selected_option") or {}).get("value"))
    day = raw.get("selected_date")
    if day:
        try:
            date.fromisoformat(str(day))
        except ValueError:
            # Marked on the field, keeping the rest of what was typed.
            errors[bid] = f"“{day}” is not a day on the calendar: pick one, like 2026-12-15."
            return None
    clock = ((values.get(bid + "__time") or {}).get("v") or {}).get("selected_time")
    if clock and not day:
        errors[bid] = "Pick a day for this time."
    return f"{day}T{clock}:00" if day and clock else day


AMOUNT = re.compile(r"^[$€£]?\s*(\d[\d,]*(?:\.\d+)?)\s*([kKmM]?)\s*(?:[A-Za-z]{3})?$")


def parse_amount(text: str) -> float | None:
    m = AMOUNT.match(str(text).strip())
    if not m:
        return None
    number = float(m.group(1).replace(",", ""))
    factor = {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2).lower()]
    return number * factor
