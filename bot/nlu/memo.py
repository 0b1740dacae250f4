"""A memo for the parser's pure helpers, bounded by what it holds, not only by how many.

``functools.lru_cache(maxsize=N)`` bounds the entries, but a key is whatever a person typed: N words
of 10,000 characters each are N × 10,000 characters kept for the life of the process. Here a key
longer than ``max_key_chars`` is computed and not kept, and the characters held are counted, so
the memory the cache can take is at most ``max_entries × max_key_chars`` characters of keys.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Generic, TypeVar

R = TypeVar("R")


@dataclass(frozen=True)
class MemoInfo:
    entries: int
    chars: int
    max_entries: int
    max_chars: int
    hits: int
    misses: int
    skipped: int  # keys too long to keep


class Memo(Generic[R]):
    def __init__(self, fn: Callable[[str], R], max_entries: int, max_key_chars: int) -> None:
        self.fn = fn
        self.max_entries = max_entries
        self.max_key_chars = max_key_chars
        self._data: OrderedDict[str, R] = OrderedDict()
        self._chars = 0
        self._hits = self._misses = self._skipped = 0
        self._lock = threading.Lock()
        wraps(fn)(self)

    def __call__(self, key: str) -> R:
        if len(key) > self.max_key_chars:
            with self._lock:
                self._skipped += 1
            return self.fn(key)
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self._hits += 1
                return self._data[key]
            self._misses += 1
        value = self.fn(key)
        with self._lock:
            if key not in self._data:
                self._data[key] = value
                self._chars += len(key)
                while len(self._data) > self.max_entries:
                    old, _ = self._data.popitem(last=False)
                    self._chars -= len(old)
        return value

    def cache_info(self) -> MemoInfo:
        with self._lock:
            return MemoInfo(
                len(self._data),
                self._chars,
                self.max_entries,
                self.max_entries * self.max_key_chars,
                self._hits,
                self._misses,
                self._skipped,
            )

    def cache_clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._chars = 0


def memo(max_entries: int, max_key_chars: int) -> Callable[[Callable[[str], R]], Memo[R]]:
    """Memoise a function of one string, keeping at most ``max_entries`` keys of at most
    ``max_key_chars`` characters (least recently used out first)."""

    def wrap(fn: Callable[[str], R]) -> Memo[R]:
        return Memo(fn, max_entries, max_key_chars)

    return wrap
