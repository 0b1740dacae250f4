"""Sets written blind (from the contract alone, by reviewers who never saw the parser) and kept once their
before-fix score was recorded in the README. Unlike ``review_cases.jsonl`` not every line passes yet, so
each set holds a floor: the score it had when it joined the corpus. A change that loses ground on messages
nobody tuned for fails here, and a change that gains ground raises the floor."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu import parse
from tests.nlu.contract import check, context, load_cases, schema_errors

# set file -> (messages read with the right intent, messages right in every slot) when it joined the
# corpus, or after a later change raised them
FLOORS = {
    "blind_2026-12-06.jsonl": (278, 278),
    "blind_2026-12-06b.jsonl": (279, 279),
    "blind_2026-12-06c.jsonl": (300, 299),
    "blind_2026-12-06d.jsonl": (360, 359),
    "blind_2026-12-06e.jsonl": (454, 453),
    "blind_2026-12-06f.jsonl": (430, 428),
    "blind_2026-12-06g.jsonl": (320, 318),
    "blind_2026-12-06h.jsonl": (410, 410),
    "blind_2026-12-06i.jsonl": (309, 306),
}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_a_blind_set_keeps_its_floor(name: str) -> None:
    cases = load_cases(name)
    assert len(cases) >= 250
    intents = full = 0
    for case in cases:
        ctx = context(case)
        got = parse(case["text"], now=ctx["now"], tz=ctx["tz"], user=ctx["user"])
        assert schema_errors(got) == [], (case["text"], got)
        intents += got.get("intent") == case["expect"]["intent"]
        full += check(case["expect"], got) == []
    floor_intent, floor_full = FLOORS[name]
    assert intents >= floor_intent and full >= floor_full, (
        f"{name}: {intents} / {full} of {len(cases)} right is below its floor {floor_intent} / {floor_full}"
    )


def test_every_blind_set_has_a_floor() -> None:
    here = Path(__file__).parent
    assert {p.name for p in here.glob("blind_*.jsonl")} == set(FLOORS)
