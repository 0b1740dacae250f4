"""List the labelled cases whose intent the parser gets right but whose label leaves out slots it gives.

``.venv/bin/python -m tests.nlu.relabel`` prints one JSON line per such case (file, text, the label, the
parser's answer and the slots the label does not list) and a count per file and per slot. Each of those slots
is then judged by hand against the contract: stated and right, added to the label; stated and wrong, added with
the right value; not stated, left out and the case listed as a known gap (the parser invented it).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from typing import Any

from bot.nlu import parse
from tests.nlu.contract import context, load_cases, unlisted_slots

FILES = ("cases.jsonl", "review_cases.jsonl")


def unlabelled(name: str) -> list[dict[str, Any]]:
    """The cases of ``name`` with the right intent and slots from the parser that the label does not list."""
    found = []
    for case in load_cases(name):
        ctx = context(case)
        got = parse(case["text"], now=ctx["now"], tz=ctx["tz"], user=ctx["user"])
        if got.get("intent") != case["expect"]["intent"]:
            continue
        extra = unlisted_slots(case["expect"], got)
        if extra:
            found.append(
                {
                    "file": name,
                    "text": case["text"],
                    "expect": case["expect"],
                    "got": got["slots"],
                    "extra": extra,
                }
            )
    return found


def main() -> int:
    per_slot: Counter[str] = Counter()
    for name in FILES:
        rows = unlabelled(name)
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
            per_slot.update(row["extra"])
        print(f"# {name}: {len(rows)} cases with unlisted slots", file=sys.stderr)
    for slot, n in per_slot.most_common():
        print(f"#   {slot}: {n}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
