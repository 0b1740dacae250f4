"""Each parser rule on its own: the messages it must read, the near misses it must pass on, its guard.

``rules/cases.jsonl`` holds, per rule, messages it claims (with the intent it gives) and messages that reach it
but belong to a later rule or to none ("read_by"). The guard and intent checks run over every labelled
message in this folder: a guard may only skip messages the rule would not have claimed anyway.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from bot.nlu.contract import MESSAGE_INTENTS
from bot.nlu.parser import RULES, answer, prepare, trace
from tests.nlu.contract import check

HERE = Path(__file__).parent
BY_NAME = {r.name: r for r in RULES}
CASES = [
    json.loads(line) for line in (HERE / "rules" / "cases.jsonl").read_text().splitlines() if line.strip()
]
DEFAULT = {"now": "2026-11-18T10:00:00-05:00", "tz": "America/New_York", "user": "U0SENDER"}


def _corpus() -> list[dict]:
    rows = []
    for path in sorted(HERE.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                case = json.loads(line)
                rows.append({"text": case["text"], **DEFAULT, **case.get("context", {})})
    return rows


def _ctx(case: dict) -> dict:
    c = {**DEFAULT, **case.get("context", {})}
    return {"now": c["now"], "tz": c["tz"], "user": c["user"]}


def test_the_table_is_in_priority_order_with_unique_names_and_priorities():
    assert [r.priority for r in RULES] == sorted({r.priority for r in RULES})
    assert len({r.name for r in RULES}) == len(RULES)
    assert all(r.why.strip() for r in RULES)


def test_every_intent_a_message_can_have_is_given_by_some_rule():
    declared = set().union(*(r.intents for r in RULES))
    assert set(MESSAGE_INTENTS) - {"unknown"} <= declared
    assert declared <= set(MESSAGE_INTENTS)


def test_every_rule_has_messages_it_reads_and_near_misses_it_passes_on():
    claims = Counter(c["rule"] for c in CASES if c["claims"])
    passes = Counter(c["rule"] for c in CASES if not c["claims"])
    for r in RULES:
        assert claims[r.name] >= 3, f"rule {r.name} needs messages it reads"
        assert passes[r.name] >= 2, f"rule {r.name} needs near misses it passes on"


@pytest.mark.parametrize(
    "case", [c for c in CASES if c["claims"]], ids=lambda c: f"{c['rule']}:{c['text'][:40]}"
)
def test_the_rule_reads_its_messages(case):
    name, got = trace(case["text"], **_ctx(case))
    assert name == case["rule"]
    assert got["intent"] == case["intent"]
    assert got["intent"] in BY_NAME[name].intents
    # the slots the case is about, compared as the contract's scorer compares them
    assert not check({"intent": case["intent"], "slots": case.get("slots", {})}, got)


@pytest.mark.parametrize(
    "case", [c for c in CASES if not c["claims"]], ids=lambda c: f"{c['rule']}:{c['text'][:40]}"
)
def test_the_rule_passes_its_near_misses_on(case):
    r = BY_NAME[case["rule"]]
    m = prepare(case["text"], **_ctx(case))
    assert not r.tried_on(m) or answer(r, m) is None
    assert trace(case["text"], **_ctx(case))[0] == case["read_by"]


def test_guards_never_hide_a_message_from_their_rule_and_rules_give_only_declared_intents():
    hidden, undeclared = [], []
    for row in _corpus():
        m = prepare(row["text"], now=row["now"], tz=row["tz"], user=row["user"])
        for r in RULES:
            got = answer(r, m)
            if got is None:
                continue
            if not r.tried_on(m):
                hidden.append((r.name, row["text"]))
            if got["intent"] not in r.intents:
                undeclared.append((r.name, got["intent"], row["text"]))
    assert not hidden
    assert not undeclared
