"""Every labelled message, through ``parse()``.

``examples.jsonl`` is the contract's public set, judged as the contract's scorer judges it (slots its labels
leave out are not scored). ``cases.jsonl`` is ours: messages written the way reps write (lower case, emoji,
Slack markup, shorthand, typos, small talk), labelled from the contract with every slot the message states,
so it is judged strictly: a slot the parser gives that the label does not list fails the case.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.nlu import parse
from tests.nlu.contract import check, context, load_cases, schema_errors, strict_check, when_errors

EXAMPLES = load_cases("examples.jsonl")
CASES = load_cases("cases.jsonl")

# Cases the parser still gets wrong under the strict check, each with what it writes that the person did not
# say (or says wrongly). Strict: once one passes, this list must lose it.
KNOWN_GAPS = {
    "remind the team to update their forecasts by Friday": "invented assignee: 'the team' is not the sender",
    "log note: Tom prefers email over calls": "invented company: a word of the message taken as the company",
    "demo'd analytics module to Oscorp's CTO": "invented company: a word of the message taken as the company; invented summary: the summary is only names/dates/places the other slots already hold",
    "call recap - Oscorp: wants MSA changes, legal to review by 12/10": "invented follow_up: news about the customer (leaving, signing, deciding, replying) is not a follow-up for the rep",
    "Note to self: Oscorp fiscal year ends in March": "invented company: a word of the message taken as the company",
    "logged call w/ Natalie (see <https://docs.google.com/doc|notes>)": "invented company: a word of the message taken as the company",
    "Aperture deal verbally won, paperwork next week": "invented close_date: no close date given (the date is of a call / the paperwork)",
    "we have a new opportunity with Wonka Industries for about $60k": "invented title: a stray word taken as the deal title",
    "nimbus deal - $48k - proposal - close 12/20": "invented title: no deal title given: the company copied as title",
    "cisco deal 120k prop": "invented title: no deal title given: the company copied as title",
}


def _run(case: dict[str, Any]) -> dict[str, Any]:
    ctx = context(case)
    return parse(case["text"], now=ctx["now"], tz=ctx["tz"], user=ctx["user"])


@pytest.mark.parametrize("case", EXAMPLES, ids=[c["text"][:60] for c in EXAMPLES])
def test_public_example(case: dict[str, Any]) -> None:
    got = _run(case)
    assert schema_errors(got) == [] and when_errors(got) == []
    assert check(case["expect"], got) == [], got


def _param(case: dict[str, Any]) -> Any:
    reason = KNOWN_GAPS.get(case["text"])
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, id=case["text"][:60], marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    got = _run(case)
    assert schema_errors(got) == [] and when_errors(got) == []
    assert strict_check(case["expect"], got) == [], got


def test_every_known_gap_is_a_case() -> None:
    assert set(KNOWN_GAPS) <= {c["text"] for c in CASES}


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


def test_the_strict_check_fails_on_a_slot_the_label_leaves_out() -> None:
    expect = {"intent": "log_interaction", "slots": {"kind": "call", "follow_up": {"due": "2026-11-20"}}}
    said = {"intent": "log_interaction", "slots": {"kind": "call", "follow_up": {"due": "2026-11-20"}}}
    assert check(expect, said) == [] and strict_check(expect, said) == []
    invented = {"kind": "call", "contact": "procurement", "follow_up": {"title": "demo", "due": "2026-11-20"}}
    got = {"intent": "log_interaction", "slots": invented}
    assert check(expect, got) == []
    assert strict_check(expect, got) == [
        "contact 'procurement' not in the label",
        "follow_up.title 'demo' not in the label",
    ]
