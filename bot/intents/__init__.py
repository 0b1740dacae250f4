"""Every intent the bot answers, declared once as an :class:`bot.spec.IntentSpec`, by family.

Each family module holds its intents' handlers and a ``SPECS`` tuple; :data:`FAMILIES` lists them. The
specs must match :mod:`bot.nlu.contract` one to one (an intent the parser may give has exactly one spec,
and a spec answers an intent the contract defines): :func:`collect` refuses anything else, so a family
left out of the list or an intent declared twice stops the start instead of going unanswered.

:func:`install` makes them what the bot answers with: their handlers, questions, read-backs and forms for
:mod:`bot.dispatch`, their verbs (and help lines) for ``/crm``. ``bot.app.create_app`` calls it.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType

from bot import dispatch
from bot.commands.registry import command
from bot.dispatch import execute, from_error, guarded, handle_text, submit_form
from bot.intents import (
    companies,
    contacts,
    deals,
    general,
    history,
    interactions,
    records,
    reports,
    tasks,
    team,
    tidying,
)
from bot.intents.companies import show_company
from bot.intents.contacts import create_and_continue, show_contact
from bot.intents.deals import advance_deal, show_deal
from bot.intents.general import undo_op
from bot.intents.reports import pipeline_summary
from bot.nlu.contract import BY_NAME
from bot.spec import IntentSpec

FAMILIES: tuple[ModuleType, ...] = (
    companies,
    contacts,
    interactions,
    deals,
    tasks,
    reports,
    history,
    records,
    tidying,
    team,
    general,
)


def collect(families: Iterable[ModuleType]) -> dict[str, IntentSpec]:
    """The families' specs by intent name, checked against the contract."""
    specs: dict[str, IntentSpec] = {}
    verbs: set[str] = set()
    for family in families:
        for spec in family.SPECS:
            if spec.name in specs:
                raise ValueError(f"intent {spec.name!r} is declared twice ({family.__name__})")
            for verb in spec.verbs:
                if verb.name in verbs:
                    raise ValueError(f"verb {verb.name!r} is declared twice ({family.__name__})")
                verbs.add(verb.name)
            if spec.name not in BY_NAME:
                raise ValueError(f"intent {spec.name!r} ({family.__name__}) is not in bot.nlu.contract")
            if spec.writes and spec.read_back is None:
                raise ValueError(f"intent {spec.name!r} writes but has no read-back")
            specs[spec.name] = spec
    missing = sorted(set(BY_NAME) - set(specs))
    if missing:
        raise ValueError("intents of bot.nlu.contract without a spec: " + ", ".join(missing))
    return specs


SPECS = collect(FAMILIES)
WRITES = frozenset(name for name, spec in SPECS.items() if spec.writes)


def install() -> None:
    """Answer with these specs: dispatch gets them, and their verbs are registered as built-ins (which never
    replace a verb another module registered)."""
    dispatch.install(SPECS.values())
    for spec in SPECS.values():
        for verb in spec.verbs:
            command(
                verb.name,
                usage=verb.usage,
                examples=verb.examples,
                group=verb.group,
                builtin=True,
                summary=verb.summary,
            )(_RUNNERS[verb.name])


# One function per verb, made once, so that installing again (every app a test builds) changes nothing.
_RUNNERS = {verb.name: dispatch.verb_runner(verb) for spec in SPECS.values() for verb in spec.verbs}

__all__ = [
    "FAMILIES",
    "SPECS",
    "WRITES",
    "advance_deal",
    "collect",
    "create_and_continue",
    "execute",
    "from_error",
    "guarded",
    "handle_text",
    "install",
    "pipeline_summary",
    "show_company",
    "show_contact",
    "show_deal",
    "submit_form",
    "undo_op",
]
