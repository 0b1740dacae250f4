"""Services raise codes and data; the words, the /crm examples and the Slack markup are bot/blocks/messages.py's.

The source is read, not run: every string a service holds is checked for what belongs to the presentation
layer, and every code raised anywhere is checked for a template, so a new error without words fails here
rather than in front of a person.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.blocks import messages
from bot.blocks.messages import describe, yes_label
from bot.services import errors, policy
from bot.services.errors import CurrencyChange, DomainError, Invalid, NotFound

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "bot" / "services"
# Everything that may raise a domain error: the services, and the presentation code that checks input.
RAISERS = [ROOT / "bot", ROOT / "handlers"]
ERROR_CLASSES = {
    name for name, value in vars(errors).items() if isinstance(value, type) and issubclass(value, DomainError)
}
# Slack mrkdwn bold (*word* or *a few words*), a command example, a mention or channel link, or code.
MARKUP = re.compile(r"/crm\b|<@|<#|`|(?<![\w*])\*(?=\S)[^*\n]+(?<=\S)\*(?![\w*])")
# Patterns that read what Slack sends (a channel link typed in a command): they compose nothing shown.
REGEX_CALLS = {"compile", "match", "fullmatch", "search", "sub", "findall", "finditer", "split"}


def _sources(roots: list[Path]) -> Iterator[tuple[Path, ast.Module]]:
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _docstrings(tree: ast.Module) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _regex_patterns(tree: ast.Module) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.func.attr in REGEX_CALLS
            and node.args
        ):
            found.update(id(part) for part in ast.walk(node.args[0]))
    return found


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _raised_codes() -> dict[str, list[str]]:
    """Every code given to a domain error's constructor, with where."""
    codes: dict[str, list[str]] = {}
    for path, tree in _sources(RAISERS):
        if path == SERVICES / "errors.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in ERROR_CLASSES:
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                code = node.args[0] if node.args else None
                assert isinstance(code, ast.Constant) and isinstance(code.value, str), (
                    f"{where}: the code must be a literal, so that its template can be checked"
                )
                codes.setdefault(code.value, []).append(where)
    return codes


def test_no_string_in_a_service_holds_a_command_a_mention_or_markup() -> None:
    found = []
    for path, tree in _sources([SERVICES]):
        skip = _docstrings(tree) | _regex_patterns(tree)
        for node in ast.walk(tree):
            text = _literal(node)
            if text is not None and id(node) not in skip and MARKUP.search(text):
                found.append(f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}: {text!r}")
    assert found == []


def test_the_markup_check_sees_what_it_looks_for() -> None:
    for text in ("See /crm help", "<@U123>", "<#C123|sales>", "`code`", "*Acme renewal*", "a *bold* word"):
        assert MARKUP.search(text), text
    for text in ("2 * 3 * 4", "Nothing was saved.", "\\s*(?:am|pm)?\\s*", "jane@acme.com", "#sales"):
        assert not MARKUP.search(text), text


def test_every_code_raised_has_a_template() -> None:
    codes = _raised_codes()
    assert codes, "no domain errors found: the scan is looking in the wrong place"
    missing = {code: where for code, where in codes.items() if code not in messages.TEMPLATES}
    assert missing == {}


def test_every_template_is_for_a_code_that_is_raised() -> None:
    assert set(messages.TEMPLATES) - set(_raised_codes()) == set()


def test_the_words_for_each_key_a_service_gives_are_there() -> None:
    assert set(policy.ACTIONS) <= set(messages.ACTIONS)
    assert {part for holders in policy.HOLDERS.values() for _, part in holders} <= set(messages.PARTS)
    usages: set[str | None] = set()
    verbs: set[str | None] = {"change"}
    for _path, tree in _sources([SERVICES]):
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            if _name(node.func) == "name" and len(node.args) == 3:
                usages.add(_literal(node.args[2]))
            # A refusal's verb: given to the check (may_change) or to the policy directly.
            given = node.args[3:4] if _name(node.func) == "require_change" else node.args[:1]
            if _name(node.func) in ("require_change", "may_change") and given and _literal(given[0]):
                verbs.add(_literal(given[0]))
    assert usages and usages <= set(messages.EXAMPLES)
    assert verbs <= set(messages.VERBS)


def test_an_unknown_code_is_a_plain_sentence_not_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert describe(DomainError("no.such.thing", ref="x")) == (messages.UNKNOWN, None)
    assert "no.such.thing" in caplog.text
    # Data that does not fit its template: the same, and the log says which.
    assert describe(Invalid("email.invalid", field="email")) == (messages.UNKNOWN, None)
    assert yes_label(DomainError("no.such.thing")) == messages.ASK_YES


def test_an_error_is_its_code_and_data_until_it_is_described() -> None:
    exc = NotFound("record.not_found", kind="contact", ref="Jane")
    assert str(exc) == "record.not_found {'kind': 'contact', 'ref': 'Jane'}"
    assert (exc.kind, exc.ref) == ("contact", "Jane")
    assert describe(exc) == ("I couldn't find a contact matching “Jane”.", None)
    asked = CurrencyChange(
        "deal.currency.change", title="Acme", old="USD", old_amount=None, new="EUR", new_amount=None
    )
    assert describe(asked) == (
        "“Acme” is in USD. Change it to EUR? Nothing is converted.",
        "Nothing was saved yet.",
    )
    assert yes_label(asked) == "Yes, change the currency"
