"""Reports over signed HTTP, to the reply and the chart, on a seeded workspace (``python -m bench.seed``
with ``--audit-events``, ``--interactions``, ``--feedback`` and ``--quotas`` for the history they read).

The app is served on loopback as ``crm-bot run`` serves it, its Web API client pointed at a stand-in
Slack (as bench/slack_bench.py does). Each report is asked as ``/crm report …`` by the bench team's
manager, one request at a time, after uncounted warm-up rounds; the time runs from sending the request
to the reply arriving at the stand-in, or to the chart's upload completing when the report has one.
The bot's memory (resident set, current and peak) is read after each database's run: the app runs in
this process, so the figure also holds the stand-in and the bench, an upper bound.

    .venv/bin/python -m bench.reports_bench --db sqlite:////tmp/rep.sqlite3 --db postgresql+psycopg://…/rep_1m
"""

from __future__ import annotations

import argparse
import itertools
import resource
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import func, select

from bench.slack_bench import TEAM, Replies, percentile, serve_app, signed_post
from bot.console.slackapi import Call, SlackStandIn
from bot.db import make_engine
from bot.migrate import upgrade
from models import AuditEvent, Deal, Interaction, User, Workspace

TARGET_MS = {"postgresql": 300.0, "sqlite": 500.0}
MEMORY_TARGET_MB = 500.0
# What a manager reviewing the week asks, as /crm words; the period each report is asked over.
REPORTS = {
    "won/lost": "report won this quarter",
    "win rate": "report win rate this quarter",
    "funnel": "report funnel this quarter",
    "velocity": "report velocity this quarter",
    "sales cycle": "average time to close this quarter",
    "forecast": "report forecast next quarter",
    "activity": "report activity this month",
    "quotas": "report quota this quarter",
    "customers": "report customers this year",
    "satisfaction": "report satisfaction this quarter",
}


@dataclass(frozen=True)
class Row:
    report: str
    p50: float
    p95: float
    chart: bool
    reply: str


def _rss_mb() -> tuple[float, float]:
    """(current, peak) resident set of this process, in MB."""
    current = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            current = int(line.split()[1]) / 1024
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _sizes(url: str, team: str) -> str:
    engine = make_engine(url)
    try:
        upgrade(engine)  # the report indexes, as the bot would on start
        with engine.connect() as conn:
            ws = conn.scalar(select(Workspace.id).where(Workspace.team_id == team))
            n = [
                conn.scalar(select(func.count()).select_from(t).where(t.c.workspace_id == ws))
                for t in (Deal.__table__, AuditEvent.__table__, Interaction.__table__)  # type: ignore[attr-defined]
            ]
            manager = conn.scalar(
                select(User.slack_id).where(User.workspace_id == ws, User.role == "manager").limit(1)
            )
    finally:
        engine.dispose()
    return f"{n[0]:,} deals, {n[1]:,} audit events, {n[2]:,} interactions; asked by {manager}"


def _manager(url: str, team: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ws = conn.scalar(select(Workspace.id).where(Workspace.team_id == team))
            return str(
                conn.scalar(
                    select(User.slack_id).where(User.workspace_id == ws, User.role == "manager").limit(1)
                )
            )
    finally:
        engine.dispose()


# The reports that count deals, and so can be kept to one pipeline's (``--pipeline``).
PER_PIPELINE = ("won/lost", "win rate", "funnel", "velocity", "sales cycle", "forecast", "customers")


def run(
    url: str, team: str, rounds: int, warmup: int, only: Sequence[str], pipeline: str | None = None
) -> list[Row]:
    standin = SlackStandIn(team_id=team, team_name="Benchmark Inc").start()
    served = serve_app(url, standin.api_url)
    replies = Replies(standin)
    keys = itertools.count(1)
    manager = _manager(url, team)

    def ask(text: str, chart_wait: float) -> tuple[float, bool, Call]:
        key = f"r{next(keys)}"
        body = urlencode(
            {
                "token": "bench",
                "team_id": team,
                "team_domain": "bench",
                "channel_id": "CBENCH",
                "channel_name": "sales",
                "user_id": manager,
                "user_name": "manager",
                "command": "/crm",
                "text": text,
                "api_app_id": "ABENCH",
                "is_enterprise_install": "false",
                "response_url": standin.response_url(key),
                "trigger_id": f"{key}.{uuid.uuid4().hex}",
            }
        ).encode()
        since = len(standin.log)
        t0 = time.monotonic()
        status, _ = signed_post(served.port, body, timeout=120)
        if status != 200:
            raise RuntimeError(f"/crm {text}: HTTP {status}")
        reply = replies.wait(key, since, timeout=120)
        done = reply.at
        charted = False
        if chart_wait:
            try:
                chart = standin.wait_for(
                    lambda s: next(
                        (c for c in s.log[since:] if c.method == "files.completeUploadExternal"), None
                    ),
                    chart_wait,
                )
                done, charted = max(done, chart.at), True
            except AssertionError:  # no chart came: the report has none
                pass
        return (done - t0) * 1000, charted, reply

    rows = []
    try:
        for name, text in REPORTS.items():
            if only and name not in only or pipeline and name not in PER_PIPELINE:
                continue
            if pipeline:  # the words alone have no pipeline: as /crm report MEASURE … pipeline NAME
                text = "report cycle this quarter" if name == "sales cycle" else text
                text = f"{text} pipeline {pipeline}"
            # The first ask tells whether this report comes with a chart (and warms caches).
            _, has_chart, reply = ask(text, 20.0)
            for _ in range(max(0, warmup - 1)):
                ask(text, 120.0 if has_chart else 0)
            took = [ask(text, 120.0 if has_chart else 0)[0] for _ in range(rounds)]
            shown = str(reply.params.get("text") or "")[:90]
            rows.append(Row(name, percentile(took, 0.5), percentile(took, 0.95), has_chart, shown))
            print(f"  {name}: p95 {rows[-1].p95:.0f} ms", file=sys.stderr, flush=True)
    finally:
        served.stop()
        standin.stop()
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.reports_bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--db", action="append", required=True, help="a seeded database URL (repeatable)")
    parser.add_argument("--team", default=TEAM)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--only", default="", help="comma-separated report names; default all")
    parser.add_argument("--pipeline", default=None, help="ask the deal reports for this pipeline alone")
    args = parser.parse_args(argv)
    only = [k.strip() for k in args.only.split(",") if k.strip()]
    for url in args.db:
        backend = "postgresql" if url.startswith("postgresql") else "sqlite"
        target = TARGET_MS[backend]
        print(f"\n{backend}: {_sizes(url, args.team)}; load average {' '.join(map(str, _load()))}")
        rows = run(url, args.team, args.rounds, args.warmup, only, args.pipeline)
        current, peak = _rss_mb()
        print(f"| report ({backend}) | p50 ms | p95 ms | chart | p95 ≤ {target:.0f} ms |")
        print("| --- | ---: | ---: | --- | --- |")
        for r in rows:
            verdict = "met" if r.p95 <= target else "missed"
            print(f"| {r.report} | {r.p50:.0f} | {r.p95:.0f} | {'yes' if r.chart else 'no'} | {verdict} |")
        mem = "met" if peak <= MEMORY_TARGET_MB else "missed"
        print(
            f"memory: {current:.0f} MB resident after the run, {peak:.0f} MB peak (< {MEMORY_TARGET_MB:.0f} MB: {mem})"
        )
        print(f"load average after: {' '.join(map(str, _load()))}")
    return 0


def _load() -> tuple[float, float, float]:
    import os

    return os.getloadavg()


if __name__ == "__main__":
    raise SystemExit(main())
