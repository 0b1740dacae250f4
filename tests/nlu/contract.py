"""The shared NLU contract as test helpers: its JSON Schema and the scorer's comparison rules.

Both mirror ``shared/nlu`` (``intent.schema.json`` is a copy; ``check`` follows ``score.py``) so that the
suite needs nothing outside the repository.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
SCHEMA = json.loads((HERE / "intent.schema.json").read_text(encoding="utf-8"))
DEFAULT_CONTEXT = {"now": "2026-11-18T10:00:00-05:00", "tz": "America/New_York", "user": "U0SENDER"}
FREE_TEXT = {"summary", "title"}
IDS = {"assignee", "owner"}
DATES = {"due", "occurred_at", "close_date", "from", "to"}
NUMBERS = {"amount", "score", "inactive_days"}
STOP = {"a", "an", "the", "to", "with", "for", "about", "on", "and", "of"}


def load_cases(name: str) -> list[dict[str, Any]]:
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def context(case: dict[str, Any]) -> dict[str, Any]:
    return {**DEFAULT_CONTEXT, **case.get("context", {})}


# --- schema


def schema_errors(obj: Any, schema: dict[str, Any] = SCHEMA, path: str = "$") -> list[str]:
    """Errors of ``obj`` against the subset of JSON Schema the contract uses."""
    if "$ref" in schema:
        schema = SCHEMA["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    errors: list[str] = []
    kind = schema.get("type")
    py = {"object": dict, "string": str, "number": (int, float), "integer": int, "array": list}
    if kind and not isinstance(obj, py[kind]) or kind in ("number", "integer") and isinstance(obj, bool):
        return [f"{path}: expected {kind}, got {obj!r}"]
    if "enum" in schema and obj not in schema["enum"]:
        errors.append(f"{path}: {obj!r} not in {schema['enum']}")
    if "minimum" in schema and obj < schema["minimum"] or "maximum" in schema and obj > schema["maximum"]:
        errors.append(f"{path}: {obj!r} out of range")
    if "pattern" in schema and not re.search(schema["pattern"], obj):
        errors.append(f"{path}: {obj!r} does not match {schema['pattern']}")
    if schema.get("format") == "date":
        try:
            date.fromisoformat(obj)
        except ValueError:
            errors.append(f"{path}: {obj!r} is not a date")
    return errors + _inner_errors(obj, schema, kind, path)


def _inner_errors(obj: Any, schema: dict[str, Any], kind: str | None, path: str) -> list[str]:
    errors: list[str] = []
    if kind == "array":
        if len(obj) < schema.get("minItems", 0) or len(obj) > schema.get("maxItems", len(obj)):
            errors.append(f"{path}: {len(obj)} items")
        for i, item in enumerate(obj):
            errors += schema_errors(item, schema.get("items", {}), f"{path}[{i}]")
    if kind == "object":
        errors += [f"{path}: missing {key}" for key in schema.get("required", []) if key not in obj]
        for key, sub in schema.get("properties", {}).items():
            if key in obj:
                errors += schema_errors(obj[key], sub, f"{path}.{key}")
    return errors


def when_errors(intent: dict[str, Any]) -> list[str]:
    """Dates are ``YYYY-MM-DD`` or an ISO datetime with its offset."""
    slots = intent.get("slots", {})
    values = [(k, slots[k]) for k in ("due", "occurred_at", "close_date") if k in slots]
    if isinstance(slots.get("follow_up"), dict) and "due" in slots["follow_up"]:
        values.append(("follow_up.due", slots["follow_up"]["due"]))
    errors = []
    for key, value in values:
        if len(value) == 10:
            try:
                date.fromisoformat(value)
            except ValueError:
                errors.append(f"{key}: {value!r} is not a date")
            continue
        try:
            aware = datetime.fromisoformat(value).tzinfo is not None
        except ValueError:
            aware = False
        if not aware or key == "close_date":
            errors.append(f"{key}: {value!r} is not a date or a datetime with offset")
    return errors


# --- the scorer's comparison


def _norm(s: Any) -> str:
    return re.sub(r"\s+", " ", str(s)).strip().strip(" .,:;!?\"'").casefold()


def _words(s: Any) -> set[str]:
    tokens = (w.strip(".+-") for w in re.findall(r"[\w@.+-]+", _norm(s)))
    return {w for w in tokens if w and w not in STOP}


def _same_free_text(exp: str, got: Any) -> bool:
    e, g = _words(exp), _words(got)
    if not g:
        return False
    if e <= g:
        return len(g - e) <= max(3, len(e))
    if g <= e:
        return 2 * len(g) >= len(e)
    return len(e & g) / len(e | g) >= 0.6


def _same_date(exp: str, got: Any) -> bool:
    if not isinstance(got, str):
        return False
    try:
        if len(exp) == 10:
            return len(got) == 10 and date.fromisoformat(got) == date.fromisoformat(exp)
        g = datetime.fromisoformat(got)
        return len(got) > 10 and g.tzinfo is not None and g == datetime.fromisoformat(exp)
    except ValueError:
        return False


def _same_slot(key: str, exp: Any, got: Any) -> bool:
    if got is None:
        return False
    if isinstance(exp, dict):
        return isinstance(got, dict) and all(_same_slot(k, v, got.get(k)) for k, v in exp.items())
    if isinstance(exp, list):  # tags, records: the same items in any order
        if not isinstance(got, list) or len(got) != len(exp):
            return False
        return sorted(_norm(x) for x in exp) == sorted(_norm(x) for x in got)
    if key in DATES:
        return _same_date(exp, got)
    if key in NUMBERS:
        try:
            return abs(float(got) - float(exp)) < 0.5
        except (TypeError, ValueError):
            return False
    if key == "currency":
        return _norm(got).upper() == exp.upper()
    if key in IDS:  # a user id exactly; a teammate named in words as written, case aside
        if re.fullmatch(r"[UW][A-Z0-9]+", exp):
            return str(got).strip() == exp
        return _norm(got) == _norm(exp)
    if key == "phone":
        return re.sub(r"[^\d+]", "", str(got)) == re.sub(r"[^\d+]", "", exp)
    if key in FREE_TEXT:
        return _same_free_text(exp, got)
    return _norm(got) == _norm(exp)


def check(expect: dict[str, Any], got: Any) -> list[str]:
    """What differs between an expected intent and the parser's answer (empty when the case passes)."""
    if not isinstance(got, dict):
        return ["no JSON object"]
    wrong = []
    if _norm(got.get("intent", "")) != expect["intent"]:
        wrong.append(f"intent {got.get('intent')!r} != {expect['intent']!r}")
    slots = got.get("slots") or {}
    for key, exp in expect.get("slots", {}).items():
        if not _same_slot(key, exp, slots.get(key)):
            wrong.append(f"{key} {slots.get(key)!r} != {exp!r}")
    return wrong


# --- the project's stricter rule for its own corpus


def unlisted_slots(expect: dict[str, Any], got: Any) -> list[str]:
    """Slots the parser gives that the label does not list (``follow_up.due`` for a key inside a listed one)."""
    if not isinstance(got, dict):
        return []
    labelled = expect.get("slots", {})
    extra = []
    for key, value in (got.get("slots") or {}).items():
        if key not in labelled:
            extra.append(key)
        elif isinstance(value, dict) and isinstance(labelled[key], dict):
            extra += [f"{key}.{inner}" for inner in value if inner not in labelled[key]]
    return extra


def strict_check(expect: dict[str, Any], got: Any) -> list[str]:
    """``check``, and also a failure for every slot the parser gives that the label does not list.

    The contract's scorer ignores such slots; our own labels list every slot the message states, so a slot
    the parser gives beyond them is one the person did not say.
    """
    slots = got.get("slots") or {} if isinstance(got, dict) else {}
    unlisted = []
    for key in unlisted_slots(expect, got):
        outer, _, inner = key.partition(".")
        value = slots[outer][inner] if inner else slots[outer]
        unlisted.append(f"{key} {value!r} not in the label")
    return check(expect, got) + unlisted
