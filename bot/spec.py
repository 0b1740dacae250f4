"""What one intent is to the bot, declared once: :class:`IntentSpec`.

The parser-facing half (the intent's name, its slots and the slots the parser never gives it without) is
plain data in :mod:`bot.nlu.contract`; a spec names its contract and adds what the bot does with it: what it
asks when a write is missing something, how it reads a write back before doing it, the form that edits or
completes it, the handler that answers it, the ``/crm`` verbs that reach it (with their help lines) and the
buttons that create what a reference did not find. The specs are declared by family in :mod:`bot.intents`;
every table about intents (writes, questions, read-backs, forms, verbs) is derived from them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.blocks.modals import Form
from bot.commands.registry import CommandFunc, Ctx, IntentFunc, Reply
from bot.nlu.contract import BY_NAME, SLOT_TYPES, IntentContract
from bot.services.errors import NotFound

# A button offered when a reference was not found: its value (what to create, then what to finish) and label.
Offer = tuple[dict[str, Any], str]
OfferFunc = Callable[[NotFound, dict[str, Any]], list[Offer]]


@dataclass(frozen=True)
class Slot:
    name: str
    type: str  # one of the types in bot.nlu.contract.SLOT_TYPES
    required: bool  # by the parser: the intent never comes without it


@dataclass(frozen=True)
class Ask:
    """What a write cannot go without (any one of ``any_of``), and the question that asks for it."""

    any_of: tuple[str, ...]
    question: str
    # A typed form that would have said it; shown under the question.
    example: str | None = None

    def missing(self, slots: dict[str, Any]) -> bool:
        return all(slots.get(s) in (None, "") for s in self.any_of)

    @property
    def hint(self) -> str | None:
        return f"You can also type it, e.g. `{self.example}`" if self.example else None


@dataclass(frozen=True)
class Verb:
    """A ``/crm`` verb that reaches the intent; ``summary`` is its line in ``/crm help``."""

    name: str
    usage: str
    summary: str
    group: str
    examples: tuple[str, ...] = ()
    # None: the whole text is read as this verb's form (bot.dispatch.run_verb); otherwise what runs.
    run: CommandFunc | None = None


@dataclass(frozen=True)
class Edit:
    """A card's Edit form changes the record the card wrote (its id under ``key`` in the card's ids)
    instead of running the intent anew."""

    key: str
    run: Callable[[Ctx, dict[str, Any], dict[str, Any]], Reply]


@dataclass(frozen=True)
class IntentSpec:
    name: str
    handler: IntentFunc
    # A write asks for what is missing and reads itself back when unsure; nothing else does.
    writes: bool = False
    asks: tuple[Ask, ...] = ()
    # One line saying what the write would do, from its slots, to read back before doing it.
    read_back: Callable[[dict[str, Any]], str] | None = None
    form: Form | None = None
    # The form a shortcut opens for a new one, when it offers more than the form that completes a
    # message (the deal a captured Slack message is logged on); the submit reads it under ``"new"``.
    new_form: Form | None = None
    edit: Edit | None = None
    verbs: tuple[Verb, ...] = ()
    offers: OfferFunc | None = None

    @property
    def contract(self) -> IntentContract:
        return BY_NAME[self.name]

    @property
    def slots(self) -> tuple[Slot, ...]:
        c = self.contract
        return tuple(Slot(s, SLOT_TYPES[s], s in c.required) for s in c.slots)

    def missing(self, slots: dict[str, Any]) -> Ask | None:
        """The first thing this write cannot go without that ``slots`` lack."""
        return next((ask for ask in self.asks if ask.missing(slots)), None)

    def describe(self, slots: dict[str, Any]) -> str:
        return self.read_back(slots) if self.read_back else self.name.replace("_", " ")

    def create_offers(self, exc: NotFound, slots: dict[str, Any]) -> list[Offer]:
        return self.offers(exc, slots) if self.offers else []
