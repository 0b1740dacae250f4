"""``crm-bot parse``: the parser from the command line, as the shared NLU contract specifies.

crm-bot parse [--now ISO-8601] [--tz IANA-ZONE] [--user SLACK-USER-ID] "TEXT"
crm-bot parse --batch        # JSON lines {"text", "now", "tz", "user"} in, one intent per line out
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO


def _arg_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="crm-bot parse", description="Turn a message into a CRM intent (JSON).")
    ap.add_argument("--now", help="the message time, ISO 8601 (default: now)")
    ap.add_argument("--tz", default="UTC", help="the sender's IANA time zone (default: UTC)")
    ap.add_argument("--user", help="the sender's Slack user id")
    ap.add_argument(
        "--batch", action="store_true", help="read JSON lines from stdin, write one intent per line"
    )
    ap.add_argument("text", nargs="*", help="the message")
    return ap


def _dump(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False)


def run_batch(inp: TextIO, out: TextIO) -> int:
    from .parser import parse

    bad = 0
    for line in inp:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            if not isinstance(req, dict):
                raise ValueError("not an object")
        except ValueError:
            bad += 1
            # One line out for every line in keeps the answers aligned with the questions.
            out.write(
                _dump({"intent": "unknown", "confidence": 0.0, "slots": {}, "error": "invalid JSON line"})
            )
            out.write("\n")
            continue
        text = req.get("text")
        now, tz, user = req.get("now"), req.get("tz"), req.get("user")
        got = parse(
            text if isinstance(text, str) else "",
            now=now if isinstance(now, str) else None,
            tz=tz if isinstance(tz, str) else "UTC",
            user=user if isinstance(user, str) else None,
        )
        out.write(_dump(got))
        out.write("\n")
    out.flush()
    if bad:
        print(f"crm-bot parse: {bad} input line(s) were not JSON objects", file=sys.stderr)
    return 0


def main(argv: Sequence[str]) -> int:
    args = _arg_parser().parse_args(list(argv))
    if args.batch:
        if args.text:
            print("crm-bot parse: --batch reads stdin; give no TEXT", file=sys.stderr)
            return 2
        return run_batch(sys.stdin, sys.stdout)
    if not args.text:
        print(
            'crm-bot parse: give the message, e.g. crm-bot parse "remind me to call Jane tomorrow"',
            file=sys.stderr,
        )
        return 2
    from .parser import parse

    print(_dump(parse(" ".join(args.text), now=args.now, tz=args.tz, user=args.user)))
    return 0
