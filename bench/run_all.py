"""``make bench``: every ``bench/*_bench.py`` module's ``main()``, one after another, with its figures."""

from __future__ import annotations

import importlib
import inspect
import sys
import time
from pathlib import Path


def modules() -> list[str]:
    here = Path(__file__).parent
    return [f"bench.{p.stem}" for p in sorted(here.glob("*_bench.py"))]


def main(argv: list[str] | None = None) -> int:
    names = modules()
    wanted = set(argv if argv is not None else sys.argv[1:])
    failed: list[str] = []
    for name in names:
        if wanted and name.removeprefix("bench.") not in wanted and name not in wanted:
            continue
        print(f"=== {name}", flush=True)
        started = time.perf_counter()
        try:
            entry = importlib.import_module(name).main
            # Defaults only: each benchmark's own arguments are for running it alone.
            code = entry([]) if inspect.signature(entry).parameters else entry()
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the others' figures
            print(f"{name} failed: {exc!r}", flush=True)
            code = 1
        print(
            f"=== {name}: {'ok' if not code else f'exit {code}'} in {time.perf_counter() - started:.0f} s\n",
            flush=True,
        )
        if code:
            failed.append(name)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
