"""Any text at all gives a valid intent, never an exception, and quickly."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.nlu.parser import parse_strict
from tests.nlu.contract import schema_errors, when_errors

NOW = "2026-11-18T10:00:00-05:00"

# Words the rules react to, so that generated text reaches deep into them rather than only "unknown".
VOCAB = [
    "remind me to",
    "call",
    "Jane",
    "Doe",
    "at",
    "Acme",
    "tomorrow",
    "3pm",
    "EOD",
    "next",
    "Tuesday",
    "by",
    "Friday",
    "deal",
    "won",
    "lost",
    "move",
    "to",
    "proposal",
    "$50k",
    "1.2M",
    "€20,000",
    "pipeline",
    "tasks",
    "overdue",
    "today",
    "done",
    "mark",
    "as",
    "customer",
    "new",
    "contact",
    "email",
    "jane@acme.com",
    "+1 415 555 0100",
    "<@U024BE7LH>",
    "<mailto:a@b.co|a@b.co>",
    "<https://x.io|x>",
    "<#C1|sales>",
    "f/u",
    "w/",
    "tmrw",
    "mtg",
    ":tada:",
    "✅",
    "🎉",
    ",",
    ":",
    "-",
    "'",
    "?",
    "!",
    "in 2 weeks",
    "end of month",
    "12/15",
    "2026-12-31",
    "the 15th",
    "log",
    "note",
    "on",
    "had lunch with",
    "who is",
    "find",
    "help",
    "task add",
    "deal move",
    "contact edit",
    "title",
    "VP Sales",
    "of",
    "from",
    "yesterday",
    "last Friday",
]


def _assert_valid(text: str) -> None:
    # CPU time of this thread: backtracking burns it, while other processes on a busy machine (a
    # parallel build, the rest of the suite) only stretch the wall clock.
    started = time.thread_time()
    got = parse_strict(text, now=NOW, tz="America/New_York", user="U0SENDER")
    elapsed = time.thread_time() - started
    assert schema_errors(got) == [], (text, got)
    assert when_errors(got) == [], (text, got)
    assert set(got) == {"intent", "confidence", "slots"}
    # Generous bound: a guard against pathological regex backtracking, not a benchmark.
    assert elapsed < 1.0, (len(text), elapsed)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=4000))
def test_any_unicode_text(text: str) -> None:
    _assert_valid(text)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(VOCAB) | st.text(max_size=8), max_size=60).map(" ".join))
def test_any_mix_of_the_words_the_rules_look_for(text: str) -> None:
    _assert_valid(text)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(VOCAB), st.integers(min_value=500, max_value=1300))
def test_long_repetitive_text(word: str, times: int) -> None:
    _assert_valid(" ".join([word] * times)[:4000])


def test_pathological_shapes() -> None:
    for text in [
        "",
        " " * 4000,
        "a" * 4000,
        "<" * 2000 + ">" * 2000,
        "@U" + "A" * 3998,
        "1" * 4000,
        "$" + "9" * 3999,
        "Jane " * 800,
        ("at Acme " * 500)[:4000],
        "\x00\ud7ff\ufffd" * 100,
        "re: " * 1000,
    ]:
        _assert_valid(text)
