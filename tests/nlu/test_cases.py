"""Every labelled message, through ``parse()``, judged as the contract's scorer judges it.

``examples.jsonl`` is the contract's public set; ``cases.jsonl`` is ours: messages written the way reps
write (lower case, emoji, Slack markup, shorthand, typos, small talk), labelled from the contract.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.nlu import parse
from tests.nlu.contract import check, context, load_cases, schema_errors, when_errors

EXAMPLES = load_cases("examples.jsonl")
CASES = load_cases("cases.jsonl")


def _run(case: dict[str, Any]) -> dict[str, Any]:
    ctx = context(case)
    return parse(case["text"], now=ctx["now"], tz=ctx["tz"], user=ctx["user"])


@pytest.mark.parametrize("case", EXAMPLES, ids=[c["text"][:60] for c in EXAMPLES])
def test_public_example(case: dict[str, Any]) -> None:
    got = _run(case)
    assert schema_errors(got) == [] and when_errors(got) == []
    assert check(case["expect"], got) == [], got


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:60] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    got = _run(case)
    assert schema_errors(got) == [] and when_errors(got) == []
    assert check(case["expect"], got) == [], got


def test_case_set_is_large_and_covers_every_intent() -> None:
    intents = {c["expect"]["intent"] for c in CASES}
    assert len(CASES) >= 150
    assert intents == set(json_intents())


def json_intents() -> list[str]:
    from tests.nlu.contract import SCHEMA

    return list(SCHEMA["properties"]["intent"]["enum"])


def test_the_same_answer_for_the_same_input() -> None:
    for case in CASES[:40]:
        assert _run(case) == _run(case)


def test_now_may_be_a_datetime_and_defaults_apply() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    now = datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("America/New_York"))
    got = parse("remind me to call Jane tomorrow at 3pm", now=now, tz="America/New_York", user="U1")
    assert got["slots"]["due"] == "2026-11-19T15:00:00-05:00"
    assert got["slots"]["assignee"] == "U1"
    # No sender given: the task has no assignee rather than a made-up one.
    assert "assignee" not in parse("remind me to call Jane tomorrow", now=now)["slots"]
    assert parse("help")["intent"] == "help"


def test_offsets_follow_the_senders_zone_across_a_dst_change() -> None:
    # 2026-03-08 is the US spring-forward day: the day after has offset -04:00.
    got = parse(
        "remind me to renew the NDA tomorrow at 9am", now="2026-03-07T12:00:00-05:00", tz="America/New_York"
    )
    assert got["slots"]["due"] == "2026-03-08T09:00:00-04:00"
    got = parse("call Jane at 4pm", now="2026-11-18T02:00:00+00:00", tz="Asia/Tokyo")
    assert got["slots"]["due"] == "2026-11-18T16:00:00+09:00"


def test_unknown_zone_falls_back_to_utc() -> None:
    got = parse("remind me to call Jane tomorrow at 3pm", now="2026-11-18T10:00:00+00:00", tz="Mars/Olympus")
    assert got["slots"]["due"] == "2026-11-19T15:00:00+00:00"
