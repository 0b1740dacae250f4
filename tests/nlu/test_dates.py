"""The contract's date conventions, phrase by phrase (now: Wednesday 2026-11-18 10:00 in New York)."""

from __future__ import annotations

import pytest

from bot.nlu.dates import find_spans, make_now, resolve

NOW = make_now("2026-11-18T10:00:00-05:00", "America/New_York")

FUTURE = [
    ("friday", "2026-11-20"),  # a weekday is the first such day after today
    ("next tuesday", "2026-11-24"),  # "next Tuesday" means the same
    ("wednesday", "2026-11-25"),  # today's weekday is a week away
    ("this fri", "2026-11-20"),
    ("weds", "2026-11-25"),
    ("tomorrow", "2026-11-19"),
    ("the day after tomorrow", "2026-11-20"),
    ("next week", "2026-11-23"),  # its Monday
    ("end of month", "2026-11-30"),
    ("end of next month", "2026-12-31"),
    ("eow", "2026-11-20"),
    ("in 2 weeks", "2026-12-02"),
    ("a week from today", "2026-11-25"),
    ("in a couple of days", "2026-11-20"),
    ("dec 15", "2026-12-15"),
    ("15 dec", "2026-12-15"),
    ("jan 10", "2027-01-10"),
    ("12/1", "2026-12-01"),
    ("2026-12-31", "2026-12-31"),
    ("the 25th", "2026-11-25"),
    ("on the 1st", "2026-12-01"),
    ("mid-december", "2026-12-15"),
    ("end of q1", "2027-03-31"),
    ("eod", "2026-11-18T17:00:00-05:00"),  # EOD is 17:00
    ("eod friday", "2026-11-20T17:00:00-05:00"),
    ("tomorrow at 3pm", "2026-11-19T15:00:00-05:00"),
    ("tomorrow at 3", "2026-11-19T15:00:00-05:00"),  # business hours
    ("monday 9:30am", "2026-11-23T09:30:00-05:00"),
    ("tonight at 8", "2026-11-18T20:00:00-05:00"),
    ("at noon", "2026-11-18T12:00:00-05:00"),
    ("in 2 hours", "2026-11-18T12:00:00-05:00"),
]
PAST = [
    ("yesterday", "2026-11-17"),
    ("last friday", "2026-11-13"),
    ("monday", "2026-11-16"),  # said of something done: the last Monday
    ("2 days ago", "2026-11-16"),
    ("this morning", "2026-11-18"),
    ("last night", "2026-11-17"),
    ("nov 10", "2026-11-10"),
    ("yesterday at 2pm", "2026-11-17T14:00:00-05:00"),
]


@pytest.mark.parametrize(("phrase", "expected"), FUTURE)
def test_future_phrases(phrase: str, expected: str) -> None:
    spans = find_spans(phrase)
    assert len(spans) == 1 and spans[0].text.strip() in phrase
    assert resolve(spans[0], NOW, "future") == expected


@pytest.mark.parametrize(("phrase", "expected"), PAST)
def test_past_phrases(phrase: str, expected: str) -> None:
    spans = find_spans(phrase)
    assert len(spans) == 1
    assert resolve(spans[0], NOW, "past") == expected


def test_spans_are_found_inside_sentences_and_not_in_topics() -> None:
    low = "log call with jane: discussed pricing for the q1 rollout, $50k, 3 seats at 2 sites"
    assert find_spans(low) == []
    low = "spoke to jane at acme, she wants a demo next tuesday at 2pm"
    [span] = find_spans(low)
    assert span.text == "next tuesday at 2pm"
    assert resolve(span, NOW) == "2026-11-24T14:00:00-05:00"


def test_now_in_other_forms() -> None:
    assert make_now("2026-11-18T15:00:00Z", "Europe/Paris").isoformat() == "2026-11-18T16:00:00+01:00"
    assert make_now("2026-11-18T10:00:00", "Asia/Tokyo").isoformat() == "2026-11-18T10:00:00+09:00"
    assert make_now("not a time", "UTC").tzinfo is not None
    assert make_now(None, "Nowhere/Land").utcoffset() is not None
