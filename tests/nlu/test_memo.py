"""The parser's memo is bounded by the characters it holds, not only by its entries."""

from __future__ import annotations

import random
import string

from bot.nlu import parse
from bot.nlu.memo import memo
from bot.nlu.normalize import _correct_word


def test_a_key_too_long_is_computed_but_not_kept() -> None:
    calls: list[str] = []

    @memo(max_entries=3, max_key_chars=5)
    def upper(word: str) -> str:
        calls.append(word)
        return word.upper()

    assert upper("abc") == "ABC" and upper("abc") == "ABC"
    assert upper("abcdefgh") == "ABCDEFGH" and upper("abcdefgh") == "ABCDEFGH"
    assert calls == ["abc", "abcdefgh", "abcdefgh"]
    info = upper.cache_info()
    assert (info.entries, info.chars, info.skipped) == (1, 3, 2)


def test_the_least_recently_used_go_first_and_the_count_follows() -> None:
    @memo(max_entries=2, max_key_chars=10)
    def length(word: str) -> int:
        return len(word)

    for word in ("a", "bb", "a", "ccc"):  # "bb" is the least recently used when "ccc" comes
        length(word)
    info = length.cache_info()
    assert (info.entries, info.chars) == (2, len("a") + len("ccc"))
    length.cache_clear()
    assert length.cache_info().chars == 0


def test_the_typo_memo_stays_bounded_after_many_distinct_long_words() -> None:
    rng = random.Random(3)
    _correct_word.cache_clear()
    for _ in range(300):
        words = [
            "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 400)))
            for _ in range(rng.randint(5, 40))
        ]
        parse("had a call with " + " ".join(words))
    info = _correct_word.cache_info()
    assert info.skipped > 1000  # the long words were worked out, not kept
    assert info.entries <= info.max_entries
    assert info.chars <= info.max_chars == 4096 * 32
    # And the memo still does its job: a typo is corrected the same way the second time.
    assert _correct_word("meetign") == _correct_word("meetign") == "meeting"
