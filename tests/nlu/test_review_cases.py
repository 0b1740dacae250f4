"""Messages written by reviewers who never saw the parser or its rules, as reps write them
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

# Reviewer cases the parser still gets wrong, kept with the reviewer's labels so the gap stays visible.
# Strict: once one passes, this list must lose it.
KNOWN_GAPS = {
    # an all lower-case name the first-name list does not know, with accents, then a lower-case company
    "new contact ciarán ó súilleabháin atlantic seafoods ltd",
}


def _param(case: dict[str, Any]) -> Any:
    marks = (
        [pytest.mark.xfail(strict=True, reason="known gap, see KNOWN_GAPS")]
        if case["text"] in KNOWN_GAPS
        else []
    )
    return pytest.param(case, id=case["text"][:60], marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in REVIEW])
def test_review_case(case: dict[str, Any]) -> None:
    ctx = context(case)
    got = parse(case["text"], now=ctx["now"], tz=ctx["tz"], user=ctx["user"])
    assert schema_errors(got) == [] and when_errors(got) == []
    assert check(case["expect"], got) == [], got
