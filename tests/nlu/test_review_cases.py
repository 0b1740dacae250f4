"""Messages written by three reviewers who never saw the parser or its rules, as reps write them
(terse, verbose, lower case with typos, pasted Slack markup and emoji, managers asking questions).

They are kept apart from ``cases.jsonl`` so that a rule written for one of these lines shows up as what
it is: this set is how we learn whether the parser reads the language or only our own examples.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.nlu import parse
from tests.nlu.contract import check, context, load_cases, schema_errors, when_errors

REVIEW = load_cases("review_cases.jsonl")


@pytest.mark.parametrize("case", REVIEW, ids=[c["text"][:60] for c in REVIEW])
def test_review_case(case: dict[str, Any]) -> None:
    ctx = context(case)
    got = parse(case["text"], now=ctx["now"], tz=ctx["tz"], user=ctx["user"])
    assert schema_errors(got) == [] and when_errors(got) == []
    assert check(case["expect"], got) == [], got
