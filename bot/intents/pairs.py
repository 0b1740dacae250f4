"""``field=value`` in ``/crm`` forms: a record's own fields, its tags and the workspace's custom fields.

``/crm contact edit Jane Doe region=EMEA tags=hot,emea title="VP Sales"``: what is not one of the
record's own fields is a custom field, named as typed; the service finds it by name, checks the value by
the field's kind and refuses an unknown one, naming the fields there are. The add forms take the same
pairs after what they read already (``/crm contact add Jane Doe jane@acme.com tags=hot region=EMEA``).
The parser (bot/nlu) reads none of this, so these verbs read it before it.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from bot.blocks.common import esc
from bot.commands.registry import Ctx, Reply
from bot.dispatch import execute, run_verb, verb_of, wrong_form
from bot.intents.common import channel_links_as_tags
from bot.nlu.commands import amount
from bot.services.text import fold
from bot.spec import Verb

# A pair starts a word: "region=EMEA", "close_date=2026-12-15", '"renewal date"=…' ("a=b" inside a link
# is not one).
PAIR = re.compile(r"""(?<!\S)(?:[A-Za-z_][\w\-]*|"[^"=]+"|'[^'=]+')\s*=""")
# An amount with a currency code before or after it.
CODED = re.compile(r"(?:([A-Za-z]{3})\s+(\S+)|(\S+)\s+([A-Za-z]{3}))")
# The record's own fields each form may set by name (the rest of its slots come from the parser).
OWN = {
    "contact": ("name", "email", "phone", "company", "title", "lifecycle", "tags"),
    "company": ("name", "domain", "industry", "tags"),
    "deal": ("title", "amount", "currency", "stage", "close_date", "company", "contact", "tags"),
}
# The field a record is known by, which can't be emptied (a contact's job title can).
NAMED_BY = {"contact": "name", "company": "name", "deal": "title"}
ALIASES = {"close": "close_date", "closing": "close_date", "tag": "tags"}


def split_pairs(args: str) -> tuple[str, list[tuple[str, str]]] | None:
    """The text before the first pair, and the pairs (a value runs on until the next pair, so
    ``title=VP Sales`` needs no quotes); None when the quotes do not close."""
    first = PAIR.search(args)
    if first is None:
        return args.strip(), []
    try:
        tokens = shlex.split(args[first.start() :])
    except ValueError:
        return None
    pairs: list[list[str]] = []
    for token in tokens:
        key, eq, value = token.partition("=")
        if eq and key.strip():
            pairs.append([key.strip(), value.strip()])
        elif pairs:
            pairs[-1][1] = f"{pairs[-1][1]} {token}".strip()
    return args[: first.start()].strip(), [(k, v) for k, v in pairs]


def _slots(record_type: str, pairs: list[tuple[str, str]]) -> dict[str, Any] | str:
    """The pairs as slots: the record's own fields by name, the rest under ``custom``; a problem as text."""
    slots: dict[str, Any] = {}
    custom: dict[str, str] = {}
    for key, value in pairs:
        name = ALIASES.get(key.lower(), key.lower())
        if name == NAMED_BY[record_type] and not value.strip(" \"'"):
            return f"A {record_type}'s {name} can't be empty."
        if name not in OWN[record_type]:
            custom[key] = value
        elif name == "amount":
            figure, code = _coded(value)
            money = amount(figure)
            if money is None and figure.strip().startswith("-"):
                return f"“{esc(value)}” is a negative amount; a deal's amount is 0 or more."
            if money is None:
                return f"“{esc(value)}” is not an amount. Write it like 50000, $50k, 1.2M or 30,000 EUR."
            if code and money[1] and code != money[1]:
                return f"“{esc(value)}” names two currencies, {money[1]} and {esc(code)}: write one."
            slots["amount"] = money[0]
            # the code as written (the deals service refuses one that is not a currency, naming it)
            cur = code or money[1]
            if cur and "currency" not in slots:
                slots["currency"] = cur
        elif name == "tags":
            slots[name] = channel_links_as_tags(value).replace("#", "")
        else:
            slots[name] = value
    if custom:
        slots["custom"] = custom
    return slots


def _coded(value: str) -> tuple[str, str | None]:
    """An amount written with a three-letter code before or after it ("30,000 EUR", "JPY 5M"): the
    figure and the code; otherwise the value as it is."""
    m = CODED.fullmatch(value.strip())
    if m is None:
        return value, None
    return (m.group(2) or m.group(3)).strip(), (m.group(1) or m.group(4)).upper()


def edit_runner(record_type: str, intent: str) -> Any:
    """``<record> edit NAME field=value …``: the record as written, then its changes."""

    def run(ctx: Ctx, args: str) -> Reply:
        verb = _verb(f"{record_type} edit")
        split = split_pairs(args)
        if split is None or not split[0] or not split[1]:
            return wrong_form(verb, args)
        ref, pairs = split
        slots = _slots(record_type, pairs)
        if isinstance(slots, str):
            return wrong_form(verb, args, slots)
        unknown = _unknown(ctx, record_type, slots.get("custom") or {})
        if unknown:
            return wrong_form(verb, args, unknown)
        return execute(ctx, {"intent": intent, "confidence": 1.0, "slots": {record_type: ref, **slots}})

    run.__name__ = f"{record_type}_edit"
    return run


def _unknown(ctx: Ctx, record_type: str, custom: dict[str, str]) -> str | None:
    """A field the record type does not have, said with those it has, before any record is looked up."""
    have = ctx.crm.custom_fields(ctx.actor, record_type)
    names = {fold(n) for f in have for n in (f.name, f.name.replace(" ", "_"))}
    for key in custom:
        if fold(key) not in names:
            fields = ", ".join([*OWN[record_type], *(f.name for f in have)])
            return f"I can't change “{esc(key)}” on a {record_type} (fields: {esc(fields)})."
    return None


def add_runner(record_type: str) -> Any:
    """``<record> add …`` as the parser reads it, with the pairs after it added to what it read."""

    def run(ctx: Ctx, args: str) -> Reply:
        verb = _verb(f"{record_type} add")
        split = split_pairs(args)
        if split is None:
            return wrong_form(verb, args)
        head, pairs = split
        slots = _slots(record_type, pairs)
        if isinstance(slots, str):
            return wrong_form(verb, args, slots)
        return run_verb(ctx, verb, head, extra=slots)

    run.__name__ = f"{record_type}_add"
    return run


def _verb(name: str) -> Verb:
    found = verb_of(name)
    assert found is not None, name
    return found
