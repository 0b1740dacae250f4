"""``re``'s module functions over patterns compiled once and kept.

``re`` keeps only the last 512 patterns it compiled; the rules use more than that, so calling ``re.search``
with a literal pattern would compile it again on most messages. These functions keep every pattern.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache

# A capital letter is any capital letter: "at Ünïcode GmbH", "Émile", "Łukasz", "Ωmega", and a letter any
# letter. The rules write ``[A-Z]`` and ``A-Za-z``; ``re`` has no class for capitals in other scripts, so
# those written classes are widened here, for every rule at once.
_CAPITALS = "".join(
    ch
    for ch in map(chr, [*range(0xC0, 0x250), *range(0x370, 0x400), *range(0x400, 0x530)])
    if ch.isupper() and ch.isalpha()
)
UPPER = f"[A-Z{_CAPITALS}]"
_LETTERS = "".join(
    ch for ch in map(chr, [*range(0xC0, 0x250), *range(0x370, 0x400), *range(0x400, 0x530)]) if ch.isalpha()
)


# Bounded all the same: a pattern built around a word from a message must never grow it without end.
@lru_cache(maxsize=8192)
def compiled(pattern: str, flags: int = 0) -> re.Pattern[str]:
    widened = pattern.replace("[A-Z]", UPPER).replace("A-Za-z", "A-Za-z" + _LETTERS)
    return re.compile(widened, flags)


def search(pattern: str, string: str, flags: int = 0) -> re.Match[str] | None:
    return compiled(pattern, flags).search(string)


def match(pattern: str, string: str, flags: int = 0) -> re.Match[str] | None:
    return compiled(pattern, flags).match(string)


def fullmatch(pattern: str, string: str, flags: int = 0) -> re.Match[str] | None:
    return compiled(pattern, flags).fullmatch(string)


def sub(
    pattern: str, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0, flags: int = 0
) -> str:
    return compiled(pattern, flags).sub(repl, string, count)


def split(pattern: str, string: str, maxsplit: int = 0, flags: int = 0) -> list[str]:
    return compiled(pattern, flags).split(string, maxsplit)


def finditer(pattern: str, string: str, flags: int = 0) -> Iterator[re.Match[str]]:
    return compiled(pattern, flags).finditer(string)


def findall(pattern: str, string: str, flags: int = 0) -> list[str]:
    return compiled(pattern, flags).findall(string)
