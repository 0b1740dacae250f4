"""Custom fields: the fields a workspace's admins add to contacts, companies and deals, and their values.

A field is a row of ``custom_fields`` (an audited record: adding, renaming and removing one are undone like
any change). A record keeps its values in its own ``custom`` column, by field id, so the record's audit
event holds the before → after of its values and its undo puts them back with no code of its own.

Public for the other services: :func:`apply` (check values by their field's kind and set them on a record),
:func:`shown` (a record's values as its card shows them) and :func:`by_name` (as an export reads them).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Numeric, cast, func, select
from sqlalchemy.orm import Session

from bot.services import policy
from bot.services.base import Actor, Service
from bot.services.errors import Invalid, NotFound
from bot.services.text import fold
from bot.services.views import CustomFieldView, FieldWritten
from models import CustomField
from models.entities import CUSTOM_FIELD_KINDS, CUSTOM_FIELD_RECORDS

NAME_CHARS = 60
MAX_CHOICES = 50
CHOICE_CHARS = 75
TEXT_CHARS = 500
# Words a field cannot be called: they are the records' own fields, which `name=value` already sets.
RESERVED = {
    "contact": {"name", "email", "phone", "company", "title", "lifecycle", "tags", "owner"},
    "company": {"name", "domain", "industry", "owner", "tags"},
    "deal": {"title", "amount", "currency", "stage", "close_date", "owner", "tags", "company", "contact"},
}
# How a value of each kind is written, for a refusal to show.
FORMS = {
    "text": "any text up to 500 characters",
    "number": "a number like 42 or 1250.50",
    "date": "a date like 2026-12-15",
    "choice": "one of its choices",
}


def field_view(f: CustomField) -> CustomFieldView:
    return CustomFieldView(f.id, f.record_type, f.name, f.key, f.kind, tuple(f.choices or ()))


def fields_of(s: Session, record_type: str) -> list[CustomField]:
    """The workspace's fields on one record type, in the order they were added (the session is scoped)."""
    return list(
        s.scalars(
            select(CustomField)
            .where(CustomField.record_type == record_type)
            .order_by(CustomField.position, CustomField.id)
        )
    )


def _record_type(value: str) -> str:
    kind = (value or "").strip().lower().rstrip("s")
    kind = "company" if kind in ("companie", "compan") else kind
    if kind not in CUSTOM_FIELD_RECORDS:
        raise Invalid(
            "custom.record.unknown", field="record", value=value, records=list(CUSTOM_FIELD_RECORDS)
        )
    return kind


def _find(s: Session, record_type: str, name: str) -> CustomField:
    key = fold(name)
    for f in fields_of(s, record_type):
        if f.key == key or fold(f.name.replace(" ", "_")) == fold(name.replace(" ", "_")):
            return f
    raise NotFound("custom.field.not_found", kind="field", ref=name, record_type=record_type)


def _checked_name(s: Session, record_type: str, name: str, *, but: int | None = None) -> str:
    name = re.sub(r"\s+", " ", (name or "").strip().strip("\"'“”"))
    if not name:
        raise Invalid("custom.name.missing", field="name")
    if len(name) > NAME_CHARS:
        raise Invalid("custom.name.too_long", field="name", size=len(name), most=NAME_CHARS)
    key = fold(name)
    if key in RESERVED[record_type] or key.replace(" ", "_") in RESERVED[record_type]:
        raise Invalid("custom.name.reserved", field="name", value=name, record_type=record_type)
    taken = s.scalar(
        select(CustomField.name).where(
            CustomField.record_type == record_type, CustomField.key == key, CustomField.id != (but or -1)
        )
    )
    if taken is not None:
        raise Invalid("custom.name.taken", field="name", value=taken, record_type=record_type)
    return name


def _checked_choices(kind: str, choices: list[str] | None) -> list[str]:
    wanted = [c.strip() for c in choices or [] if c and c.strip()]
    if kind != "choice":
        if wanted:
            raise Invalid("custom.choices.unwanted", field="choices", kind=kind)
        return []
    unique = list({fold(c): c for c in reversed(wanted)}.values())[::-1]
    if not unique:
        raise Invalid("custom.choices.missing", field="choices")
    if len(unique) > MAX_CHOICES or any(len(c) > CHOICE_CHARS for c in unique):
        raise Invalid("custom.choices.too_many", field="choices", most=MAX_CHOICES, chars=CHOICE_CHARS)
    return unique


# Numbers as the money reader (bot/nlu/money.py) reads amounts: comma thousands with dot decimals
# (1,250.50), dot thousands with comma decimals (1.250,50, 45.000), or one decimal comma (1,5).
_COMMA_THOUSANDS = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_DOT_THOUSANDS = re.compile(r"-?\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_DECIMAL_COMMA = re.compile(r"-?\d+,\d+")
_PLAIN = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")


def read_number(text: str) -> Decimal | None:
    """A number as typed, or None when its separators could mean two numbers (never a silent guess)."""
    text = text.replace(" ", "").replace("\u00a0", "").replace("'", "")
    if _COMMA_THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    elif _DOT_THOUSANDS.fullmatch(text):
        text = text.replace(".", "").replace(",", ".")
    elif _DECIMAL_COMMA.fullmatch(text):
        text = text.replace(",", ".")
    elif not _PLAIN.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def check_value(f: CustomField | CustomFieldView, raw: Any) -> Any:
    """``raw`` as the field keeps it (text, a number as its decimal text, an ISO date, the choice as the
    field spells it); None clears it. A value of the wrong form is refused naming the field."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip()
    if f.kind == "number":
        number = read_number(text)
        if number is None or not number.is_finite() or abs(number) >= Decimal("1e15"):
            raise _refused(f, text)
        return format(number.normalize(), "f") if number == number.to_integral() else str(number)
    if f.kind == "date":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise _refused(f, text) from None
    if f.kind == "choice":
        chosen = next((c for c in f.choices or [] if fold(c) == fold(text)), None)
        if chosen is None:
            raise _refused(f, text)
        return chosen
    if len(text) > TEXT_CHARS:
        raise _refused(f, text[:40] + "…")
    return text


# How a list compares a field with a value: text and choices by equality (case aside), numbers and dates
# also by order.
COMPARISONS = ("=", ">", "<", ">=", "<=")


def condition(s: Session, record_type: str, column: Any, name: str, op: str, raw: str) -> Any:
    """The condition that a record's field ``name`` compares with ``raw`` (``a,b``: any of them); each
    value is read as the field reads it, and refused naming it when it is not of the field's kind."""
    f = _find(s, record_type, name)
    if op not in COMPARISONS or (op != "=" and f.kind not in ("number", "date")):
        raise Invalid("custom.filter.op", field=f.name, value=f"{name}{op}{raw}", kind=f.kind)
    wanted = [check_value(f, part) for part in str(raw).split(",") if part.strip()]
    if not wanted:
        raise _refused(f, str(raw))
    stored = column[str(f.id)].as_string()
    if f.kind == "number":
        # Kept as decimal text: compared as numbers, not letters ("120" > "40").
        value: Any = cast(stored, Numeric(30, 10))
        wanted = [Decimal(w) for w in wanted]
    elif f.kind == "date":
        value = stored  # ISO dates order as text
    else:
        value, wanted = func.lower(stored), [w.lower() for w in wanted]
    if op == "=":
        return value.in_(wanted) if len(wanted) > 1 else value == wanted[0]
    compare = {
        ">": value > wanted[0],
        "<": value < wanted[0],
        ">=": value >= wanted[0],
        "<=": value <= wanted[0],
    }
    return compare[op]


def _refused(f: CustomField | CustomFieldView, value: str) -> Invalid:
    return Invalid(
        "custom.value.invalid",
        field=f.name,
        value=value,
        kind=f.kind,
        form=FORMS[f.kind],
        choices=list(f.choices or []),
    )


def apply(s: Session, record_type: str, record: Any, values: dict[str, Any]) -> None:
    """Set the custom values named in ``values`` (by field name, as typed) on ``record``; every value is
    checked before any is set, so a refused one leaves the record as it was."""
    if not values:
        return
    known = fields_of(s, record_type)
    checked: dict[str, Any] = {}
    for name, raw in values.items():
        try:
            f = _find(s, record_type, str(name))
        except NotFound:
            raise Invalid(
                "record.field.unknown",
                record_type=record_type,
                field=str(name),
                fields=[*sorted(RESERVED[record_type] - {"owner"}), *(k.name for k in known)],
            ) from None
        checked[str(f.id)] = check_value(f, raw)
    current = dict(record.custom or {})
    for key, value in checked.items():
        if value is None:
            current.pop(key, None)
        else:
            current[key] = value
    # A new dict, so that the change is seen (and audited) as one.
    record.custom = current


def shown(s: Session, record_type: str, custom: dict[str, Any] | None) -> list[tuple[str, str]]:
    """A record's values as (field name, value), in the fields' order; removed fields are not shown."""
    values = custom or {}
    return [(f.name, str(values[str(f.id)])) for f in fields_of(s, record_type) if str(f.id) in values]


def by_name(s: Session, record_type: str, custom: dict[str, Any] | None) -> dict[str, Any]:
    """Every field of the record type by name, with the record's value (None when it has none): what an
    export writes as the record's columns. Numbers are Decimals, dates dates."""
    values = custom or {}
    out: dict[str, Any] = {}
    for f in fields_of(s, record_type):
        value = values.get(str(f.id))
        if value is not None and f.kind == "number":
            value = Decimal(str(value))
        elif value is not None and f.kind == "date":
            value = date.fromisoformat(str(value))
        out[f.name] = value
    return out


class CustomFields(Service):
    def list_fields(self, actor: Actor, record_type: str | None = None) -> list[CustomFieldView]:
        with self.read(actor) as s:
            kinds = [_record_type(record_type)] if record_type else list(CUSTOM_FIELD_RECORDS)
            return [field_view(f) for kind in kinds for f in fields_of(s, kind)]

    def add_field(
        self, actor: Actor, record_type: str, name: str, kind: str, choices: list[str] | None = None
    ) -> FieldWritten:
        record_type = _record_type(record_type)
        kind = (kind or "").strip().lower()
        kind = {"list": "choice", "select": "choice", "one-of": "choice", "string": "text"}.get(kind, kind)
        if kind not in CUSTOM_FIELD_KINDS:
            raise Invalid("custom.kind.unknown", field="kind", value=kind, kinds=list(CUSTOM_FIELD_KINDS))
        with self.op(actor) as op:
            s = op.session
            policy.require(s, actor, "custom fields")
            name = _checked_name(s, record_type, name)
            position = s.scalar(
                select(func.coalesce(func.max(CustomField.position), 0)).where(
                    CustomField.record_type == record_type
                )
            )
            f = CustomField(
                workspace_id=actor.workspace_id,
                record_type=record_type,
                name=name,
                key=fold(name),
                kind=kind,
                choices=_checked_choices(kind, choices),
                position=int(position or 0) + 1,
                created_at=self.now(),
            )
            s.add(f)
            s.flush()
            return FieldWritten(op.id, field_view(f))

    def rename_field(self, actor: Actor, record_type: str, ref: str, new_name: str) -> FieldWritten:
        record_type = _record_type(record_type)
        with self.op(actor) as op:
            s = op.session
            policy.require(s, actor, "custom fields")
            f = _find(s, record_type, ref)
            old = f.name
            f.name = _checked_name(s, record_type, new_name, but=f.id)
            f.key = fold(f.name)
            s.flush()
            return FieldWritten(op.id, field_view(f), old_name=old)

    def remove_field(self, actor: Actor, record_type: str, ref: str) -> FieldWritten:
        """The field goes from cards, forms and exports; the records keep their values, so undoing the
        removal brings the field back with them."""
        record_type = _record_type(record_type)
        with self.op(actor) as op:
            s = op.session
            policy.require(s, actor, "custom fields")
            f = _find(s, record_type, ref)
            view = field_view(f)
            s.delete(f)
            s.flush()
            return FieldWritten(op.id, view)


def named_changes(s: Session, record_type: str, changed: dict[str, Any]) -> dict[str, Any]:
    """A write's changes with its custom values' one change (ids → values, before and after) told per
    field: ``custom:Region`` → (old, new), as a confirmation names them."""
    if "custom" not in changed:
        return changed
    old, new = (v or {} for v in changed["custom"])
    out = {k: v for k, v in changed.items() if k != "custom"}
    names = {str(f.id): f.name for f in fields_of(s, record_type)}
    for key in sorted(set(old) | set(new), key=lambda k: int(k) if k.isdigit() else 0):
        if old.get(key) != new.get(key) and key in names:
            out[f"custom:{names[key]}"] = (old.get(key), new.get(key))
    return out
