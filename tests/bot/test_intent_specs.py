"""Every intent is declared once: its parser-facing half in bot.nlu.contract, the rest in one spec of
bot.intents; and the tables the bot reads about intents come from those specs."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

import bot.intents as intents
from bot import dispatch
from bot.commands.registry import lookup
from bot.nlu import parse
from bot.nlu.commands import parse_command
from bot.nlu.contract import BY_NAME, CONTRACTS, MESSAGE_INTENTS, SLOT_TYPES
from bot.spec import IntentSpec

NLU = Path(__file__).parents[1] / "nlu"


def test_every_contract_intent_has_exactly_one_spec_and_every_spec_a_contract_intent() -> None:
    declared = Counter(spec.name for family in intents.FAMILIES for spec in family.SPECS)
    contract = Counter(c.name for c in CONTRACTS)
    assert all(n == 1 for n in contract.values()), contract
    assert declared == contract


def test_the_message_contract_is_the_schema_s_list_of_intents() -> None:
    schema = json.loads((NLU / "intent.schema.json").read_text(encoding="utf-8"))
    assert list(MESSAGE_INTENTS) == schema["properties"]["intent"]["enum"]


def test_every_contract_slot_has_a_type() -> None:
    for c in CONTRACTS:
        assert set(c.required) <= set(c.slots), c.name
        for spec_slot in intents.SPECS[c.name].slots:
            assert spec_slot.type == SLOT_TYPES[spec_slot.name]
            assert spec_slot.required == (spec_slot.name in c.required)


def test_the_parser_gives_no_slot_its_intent_does_not_declare() -> None:
    now = datetime.fromisoformat("2026-11-18T10:00:00-05:00")
    texts = [
        json.loads(line)["text"]
        for name in ("cases.jsonl", "examples.jsonl", "review_cases.jsonl")
        for line in (NLU / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    for text in texts:
        for got in (
            parse(text, now=now, tz="America/New_York", user="U0SENDER"),
            parse_command(text, now=now),
        ):
            if got is None or got["intent"] == "invalid":
                continue
            contract = BY_NAME[got["intent"]]
            assert set(got["slots"]) <= set(contract.slots), (text, got)
            assert set(contract.required) <= set(got["slots"]), (text, got)


def test_a_family_declaring_an_intent_twice_or_leaving_one_out_does_not_start() -> None:
    twice = SimpleNamespace(__name__="twice", SPECS=(intents.SPECS["help"],))
    with pytest.raises(ValueError, match="'help' is declared twice"):
        intents.collect([*intents.FAMILIES, twice])
    with pytest.raises(ValueError, match="without a spec: .*help"):
        intents.collect([f for f in intents.FAMILIES if f is not intents.general])
    stray = SimpleNamespace(
        __name__="stray", SPECS=(IntentSpec("frobnicate", intents.SPECS["help"].handler),)
    )
    with pytest.raises(ValueError, match="'frobnicate'.*not in bot.nlu.contract"):
        intents.collect([*intents.FAMILIES, stray])


def test_writes_ask_and_read_back_from_their_spec() -> None:
    assert {
        "create_contact",
        "update_contact",
        "log_interaction",
        "create_deal",
        "update_deal",
        "create_task",
        "complete_task",
        "create_company",
        "update_company",
        "log_feedback",
    } == intents.WRITES
    deal = intents.SPECS["update_deal"]
    assert dispatch.missing_question(deal, {}) == (
        "Which deal?",
        "You can also type it, e.g. `/crm deal move Acme renewal to proposal`",
    )
    assert dispatch.missing_question(deal, {"deal": "Acme"}) == (
        "What should change on the deal: stage, amount or close date?",
        None,
    )
    assert deal.describe({"deal": "Acme <x>", "stage": "won"}) == "Change deal Acme &lt;x&gt;: stage → won"


def test_every_spec_verb_is_a_crm_verb_with_its_help_line() -> None:
    intents.install()
    for spec in intents.SPECS.values():
        for verb in spec.verbs:
            found = lookup(verb.name)
            assert found is not None, verb.name
            cmd = found[0]
            assert (cmd.usage, cmd.summary, cmd.examples, cmd.group) == (
                verb.usage,
                verb.summary,
                verb.examples,
                verb.group,
            )


def test_dispatch_and_the_parser_import_no_intent_module() -> None:
    # The intent modules import dispatch; were dispatch to import them back, the two would be a cycle.
    code = (
        "import sys, bot.dispatch, bot.nlu.contract; "
        "print(sorted(m for m in sys.modules if m == 'bot.intents' or m.startswith('bot.intents.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    code = "import sys, bot.nlu; print(sorted(m for m in sys.modules if m.startswith(('bot.', 'slack', 'sqlalchemy')) and not m.startswith('bot.nlu')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
