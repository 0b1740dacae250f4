"""Message parser speed: warm ``parse()`` per message, and a cold ``crm-bot parse`` process.

Warm: every message of ``tests/nlu`` (our cases, the reviewers' set and the contract's public examples), parsed in rounds after
one warm-up round; p50/p95/max per message. Cold: the wall time of ``crm-bot parse "TEXT"`` from process start
to exit (interpreter start, imports, one parse), median of several runs. Targets: warm p95 ≤ 5 ms, cold < 1.5 s.

    python -m bench.nlu_bench
    python -m bench.nlu_bench --rounds 50 --cold-runs 9
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASE_FILES = [
    ROOT / "tests" / "nlu" / name for name in ("cases.jsonl", "examples.jsonl", "review_cases.jsonl")
]
DEFAULT_CONTEXT = {"now": "2026-11-18T10:00:00-05:00", "tz": "America/New_York", "user": "U0SENDER"}
WARM_P95_TARGET_MS = 5.0
COLD_TARGET_S = 1.5


def _messages() -> list[dict[str, str]]:
    out = []
    for path in CASE_FILES:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                out.append({**DEFAULT_CONTEXT, **case.get("context", {}), "text": case["text"]})
    return out


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def warm(rounds: int) -> dict[str, float]:
    from bot.nlu import parse

    msgs = _messages()
    for m in msgs:  # warm-up: imports, compiled patterns, caches
        parse(m["text"], now=m["now"], tz=m["tz"], user=m["user"])
    times: list[float] = []
    for _ in range(rounds):
        for m in msgs:
            t0 = time.perf_counter()
            parse(m["text"], now=m["now"], tz=m["tz"], user=m["user"])
            times.append(time.perf_counter() - t0)
    ms = [t * 1000 for t in times]
    return {
        "messages": len(msgs),
        "samples": len(ms),
        "p50_ms": _percentile(ms, 0.5),
        "p95_ms": _percentile(ms, 0.95),
        "max_ms": max(ms),
    }


def _crm_bot() -> list[str]:
    exe = Path(sys.executable).with_name("crm-bot")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("crm-bot")
    return [found] if found else [sys.executable, "-m", "bot.cli"]


def cold(runs: int) -> dict[str, float]:
    cmd = [
        *_crm_bot(),
        "parse",
        "--now",
        DEFAULT_CONTEXT["now"],
        "--tz",
        DEFAULT_CONTEXT["tz"],
        "--user",
        DEFAULT_CONTEXT["user"],
        "had lunch with Tom from Globex yesterday, he wants pricing by Friday",
    ]
    walls = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        walls.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise SystemExit(f"crm-bot parse failed: {proc.stderr.strip()}")
    return {"runs": runs, "median_s": statistics.median(walls), "min_s": min(walls), "max_s": max(walls)}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.nlu_bench", description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=20, help="passes over the message set (default 20)")
    ap.add_argument("--cold-runs", type=int, default=7, help="cold process starts (default 7)")
    args = ap.parse_args(argv)
    w = warm(args.rounds)
    print(
        f"warm parse: {w['messages']} messages x {args.rounds} rounds: p50 {w['p50_ms']:.2f} ms, "
        f"p95 {w['p95_ms']:.2f} ms, max {w['max_ms']:.2f} ms (target p95 <= {WARM_P95_TARGET_MS:.0f} ms)"
    )
    c = cold(args.cold_runs)
    print(
        f"cold `crm-bot parse`: median {c['median_s']:.3f} s over {c['runs']} runs "
        f"(min {c['min_s']:.3f}, max {c['max_s']:.3f}; target < {COLD_TARGET_S} s)"
    )
    ok = w["p95_ms"] <= WARM_P95_TARGET_MS and c["median_s"] < COLD_TARGET_S
    print("targets met" if ok else "targets NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
