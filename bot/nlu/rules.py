"""The parser's rules as data: what each one may answer, where it stands in the order, and when it is tried.

A message is read by the first rule, in priority order, whose guard lets it in and whose answer is valid
for the contract (an intent it declared, with the slots that intent requires). The order carries meaning,
so every rule says why it stands where it does; ``tests/nlu/test_rules.py`` holds each rule to the messages
it must claim and to the near misses it must leave to a later rule, and checks that no guard ever keeps a
rule from a message the rule itself would have claimed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .base import Msg, Result


@dataclass(frozen=True)
class Rule:
    """One rule of the cascade. ``guard`` is searched in the lower-cased message before the rule runs:
    a cheap necessary condition (the rule's own keywords), so most rules are never run on most messages."""

    name: str
    priority: int
    intents: frozenset[str]
    run: Callable[[Msg], Result | None]
    why: str
    guard: re.Pattern[str] | None = None

    def tried_on(self, m: Msg) -> bool:
        return self.guard is None or self.guard.search(m.low) is not None


def rule(
    name: str,
    priority: int,
    intents: str,
    run: Callable[[Msg], Result | None],
    why: str,
    guard: str | None = None,
) -> Rule:
    """A table row: ``intents`` space-separated; ``guard`` a pattern over the lower-cased message."""
    return Rule(
        name=name,
        priority=priority,
        intents=frozenset(intents.split()),
        run=run,
        why=why,
        guard=re.compile(guard) if guard else None,
    )


def ordered(rules: Iterable[Rule]) -> tuple[Rule, ...]:
    """The table in the order it is tried; two rules may not share a name or a priority."""
    table = sorted(rules, key=lambda r: r.priority)
    for kind, values in (("name", [r.name for r in table]), ("priority", [r.priority for r in table])):
        seen: set[object] = set()
        for v in values:
            if v in seen:
                raise ValueError(f"two parser rules share the {kind} {v!r}")
            seen.add(v)
    return tuple(table)
