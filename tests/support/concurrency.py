"""Several people writing at once, each in a thread of its own, for the tests that check kept rows against
a recount under concurrent writes on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from bot.services import Actor


def all_at_once(work: Callable[[Actor, int], None], people: Sequence[Actor]) -> list[BaseException]:
    """Run ``work(person, n)`` for every person at the same time; what any of them raised, in a list (a
    thread's exception would otherwise only be printed, and the test pass)."""
    errors: list[BaseException] = []

    def run(who: Actor, n: int) -> None:
        try:
            work(who, n)
        except BaseException as exc:  # noqa: BLE001 - reported by the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(who, n)) for n, who in enumerate(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
