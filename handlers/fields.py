"""``/crm fields``: the workspace's own fields on contacts, companies and deals (admins add, rename and
remove them; everyone sees them). Their values are set with ``field=value`` in the edit forms of each
record (bot/intents/pairs.py) and in its Edit form."""

from __future__ import annotations

import re
import shlex

from slack_bolt import App

from bot.blocks import cards
from bot.blocks.common import esc
from bot.commands.registry import Ctx, Reply, command
from bot.services.errors import Invalid
from bot.services.views import CustomFieldView, FieldWritten
from models.entities import CUSTOM_FIELD_KINDS

USAGE = (
    "fields · fields add contact|company|deal NAME text|number|date|choice [A,B,C] · "
    "fields rename contact|company|deal NAME NEW NAME · fields remove contact|company|deal NAME"
)
EXAMPLES = (
    'fields add contact "Region" choice EMEA,APAC,AMER',
    'fields add deal "Renewal date" date',
    'fields rename contact Region "Sales region"',
    "fields remove contact Region",
)
PLURAL = {"contact": "Contacts", "company": "Companies", "deal": "Deals"}


@command("fields", usage=USAGE, examples=EXAMPLES, group="Other", aliases=("field",))
def fields(ctx: Ctx, args: str) -> Reply:
    """The workspace's own fields on contacts, companies and deals; admins add, rename and remove them."""
    try:
        words = shlex.split(args)
    except ValueError:
        return _form(f"I couldn't read “{esc(args)}”: a quote is not closed.")
    if not words or words[0].lower() in ("list", "show"):
        return _listed(ctx.crm.custom_fields(ctx.actor, words[1] if len(words) > 1 else None))
    verb, rest = words[0].lower(), words[1:]
    if len(words) == 1 and verb.rstrip("s") in ("contact", "company", "companie", "deal"):
        return _listed(ctx.crm.custom_fields(ctx.actor, verb))
    if verb == "add" and len(rest) >= 3:
        return _add(ctx, rest[0], rest[1:])
    if verb == "rename" and len(rest) >= 3:
        old, new = _rename_names(rest[1:])
        w = ctx.crm.rename_custom_field(ctx.actor, rest[0], old, new)
        return _written(
            w, f"Renamed the {w.field.record_type} field *{esc(w.old_name)}* to *{esc(w.field.name)}*"
        )
    if verb in ("remove", "delete") and len(rest) >= 2:
        w = ctx.crm.remove_custom_field(ctx.actor, rest[0], " ".join(rest[1:]))
        line = (
            f"Removed the {w.field.record_type} field *{esc(w.field.name)}*; "
            "records keep their values, and Undo brings the field back with them"
        )
        return _written(w, line)
    return _form(f"I couldn't read “{esc(args)}” as `/crm fields`.")


def _add(ctx: Ctx, record_type: str, rest: list[str]) -> Reply:
    """``NAME KIND`` or ``NAME choice A,B,C``; the name may be several words without quotes."""
    kinds = {*CUSTOM_FIELD_KINDS, "list", "select"}
    if rest[-1].lower() in kinds:
        name, kind, choices = rest[:-1], rest[-1], None
    elif len(rest) >= 3 and rest[-2].lower() in kinds:
        name, kind, choices = rest[:-2], rest[-2], rest[-1].split(",")
    else:
        raise Invalid("custom.kind.unknown", field="kind", value=rest[-1], kinds=list(CUSTOM_FIELD_KINDS))
    w = ctx.crm.add_custom_field(ctx.actor, record_type, " ".join(name), kind, choices)
    return _written(w, f"Added the {w.field.record_type} field {_described(w.field)}")


def _rename_names(words: list[str]) -> tuple[str, str]:
    """``Region "Sales region"`` · ``Region to Sales region``."""
    lowered = [w.lower() for w in words]
    if "to" in lowered[1:-1]:
        at = lowered.index("to", 1)
        return " ".join(words[:at]), " ".join(words[at + 1 :])
    return words[0], " ".join(words[1:])


def _described(f: CustomFieldView) -> str:
    kind = f"choice: {', '.join(f.choices)}" if f.kind == "choice" else f.kind
    return f"*{esc(f.name)}* ({esc(kind)})"


def _written(w: FieldWritten, line: str) -> Reply:
    text = f"🧩 {line}."
    return Reply(text, cards.written(text, [], op_id=w.op_id))


def _listed(found: list[CustomFieldView]) -> Reply:
    if not found:
        text = "No custom fields yet. An admin adds one with `/crm fields add contact Region choice EMEA,APAC,AMER`."
        return Reply.say(text)
    lines = []
    for record_type, title in PLURAL.items():
        mine = [_described(f) for f in found if f.record_type == record_type]
        if mine:
            lines.append(f"*{title}*: " + " · ".join(mine))
    example = "Set one with " + _example(found[0]) + "."
    return Reply.say("Custom fields\n" + "\n".join(lines) + "\n" + example)


# A record each kind's example edits, and a value each kind of field takes.
_EXAMPLE_RECORD = {"contact": "Jane Doe", "company": "Acme Corp", "deal": "Acme renewal"}
_EXAMPLE_VALUE = {"number": "10", "date": "2027-01-31", "text": "…"}


def _example(f: CustomFieldView) -> str:
    """``/crm contact edit Jane Doe tier=gold``: one of the fields there are, set as its kind takes it."""
    key = f.name.lower().replace(" ", "_") if re.fullmatch(r"[\w ]+", f.name) else f'"{f.name}"'
    value = f.choices[0] if f.kind == "choice" and f.choices else _EXAMPLE_VALUE.get(f.kind, "…")
    if " " in value:
        value = f'"{value}"'
    return f"`/crm {f.record_type} edit {_EXAMPLE_RECORD[f.record_type]} {esc(key)}={esc(value)}`"


def _form(problem: str) -> Reply:
    hint = "The forms are " + "; ".join(f"`/crm {e}`" for e in EXAMPLES[:1]) + f" and `/crm {USAGE}`."
    return Reply(f"{problem} {hint}", cards.problem_md(problem, hint))


def register(app: App) -> None:
    """The verbs are registered on import (``@command``); nothing else listens here."""
