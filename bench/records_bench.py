"""Record pages and lists over signed HTTP at 1,000,000 contacts, 100,000 companies and 1,000,000 deals.

The app is served as ``crm-bot run`` serves it (waitress on loopback, its Web API pointed at a stand-in
Slack); one request at a time, the time from sending ``/crm`` to its reply arriving is taken. Targets:
a company card and a record's first timeline page p95 ≤ 100 ms; a tag or lifecycle list p95 ≤ 150 ms.

    python -m bench.records_bench --db postgresql+psycopg://postgres@127.0.0.1:5432/crm_records
    python -m bench.records_bench --db sqlite:////tmp/crm-records.sqlite3 --contacts 100000 --deals 100000

The store at ``--db`` is seeded (bench/seed.py) when it holds no benchmark workspace yet, and kept, so
that a run after an index change measures the same rows.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import func, select

from bench.seed import TAGS, seed
from bench.slack_bench import Replies, percentile, serve_app, signed_post
from bot.console.slackapi import SlackStandIn
from bot.db import make_engine
from bot.migrate import upgrade
from models import Company, Deal, User, Workspace

TEAM = "TBENCH"
TARGETS = {
    "company show": 100.0,
    "history (first page)": 100.0,
    "contact list #tag": 150.0,
    "contact list lifecycle": 150.0,
    "company list #tag": 150.0,
}


@dataclass
class Request:
    kind: str
    user: str
    text: str


def ensure_seeded(url: str, contacts: int, companies: int, deals: int) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            there = conn.scalar(select(Workspace.id).where(Workspace.team_id == TEAM))
    finally:
        engine.dispose()
    if there is None:
        print(f"seeding {contacts:,} contacts, {companies:,} companies, {deals:,} deals", file=sys.stderr)
        seed(url, contacts=contacts, companies=companies, deals=deals, log=True)


def plan(url: str, rounds: int, rng: random.Random) -> list[Request]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ws = conn.scalar(select(Workspace.id).where(Workspace.team_id == TEAM))
            users = list(conn.scalars(select(User.slack_id).where(User.workspace_id == ws)))
            top_company = conn.scalar(select(func.max(Company.id)).where(Company.workspace_id == ws)) or 0
            top_deal = conn.scalar(select(func.max(Deal.id)).where(Deal.workspace_id == ws)) or 0
            companies = list(
                conn.scalars(
                    select(Company.name).where(
                        Company.id.in_([rng.randint(1, top_company) for _ in range(rounds)])
                    )
                )
            )
            deals = list(
                conn.scalars(
                    select(Deal.title).where(Deal.id.in_([rng.randint(1, top_deal) for _ in range(rounds)]))
                )
            )
    finally:
        engine.dispose()
    requests: list[Request] = []
    for i in range(rounds):
        who = rng.choice(users)
        requests += [
            Request("company show", who, f"company show {companies[i % len(companies)]}"),
            Request("history (first page)", who, f"history {deals[i % len(deals)]}"),
            Request("contact list #tag", who, f"contact list #{rng.choice(TAGS)}"),
            Request(
                "contact list lifecycle", who, f"contact list {rng.choice(('customers', 'leads', 'loyal'))}"
            ),
            Request("company list #tag", who, f"company list #{rng.choice(TAGS)}"),
        ]
    rng.shuffle(requests)
    return requests


def run(url: str, requests: list[Request], warmup: int) -> dict[str, list[float]]:
    standin = SlackStandIn(team_id=TEAM, team_name="Benchmark Inc").start()
    served = serve_app(url, standin.api_url)
    replies = Replies(standin)
    times: dict[str, list[float]] = {}
    keys = itertools.count(1)
    try:
        for n, req in enumerate(requests):
            key = f"r{next(keys)}"
            body = urlencode(
                {
                    "token": "bench",
                    "team_id": TEAM,
                    "team_domain": "bench",
                    "channel_id": "CBENCH",
                    "channel_name": "sales",
                    "user_id": req.user,
                    "user_name": req.user.lower(),
                    "command": "/crm",
                    "text": req.text,
                    "api_app_id": "ABENCH",
                    "is_enterprise_install": "false",
                    "response_url": standin.response_url(key),
                    "trigger_id": f"{n}.{uuid.uuid4().hex}",
                }
            ).encode()
            since = len(standin.log)
            t0 = time.monotonic()
            status, _ = signed_post(served.port, body)
            reply = replies.wait(key, since)
            if status != 200:
                raise RuntimeError(f"{req.text}: HTTP {status}")
            if n >= warmup:
                times.setdefault(req.kind, []).append((reply.at - t0) * 1000)
    finally:
        served.stop()
        standin.stop()
    return times


def report(times: dict[str, list[float]], label: str) -> str:
    lines = [label, f"{'request':<24} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'target':>8}"]
    for kind, target in TARGETS.items():
        ms = times.get(kind, [])
        p95 = percentile(ms, 0.95)
        verdict = "met" if p95 <= target else "MISSED"
        lines.append(
            f"{kind:<24} {len(ms):>4} {percentile(ms, 0.5):>8.1f} {p95:>8.1f} {target:>6.0f} {verdict}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.records_bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--db",
        default="sqlite:////tmp/crm-records-bench.sqlite3",
        help="sqlite:///PATH or postgresql+psycopg://USER@HOST/DB (seeded if empty, then kept)",
    )
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--companies", type=int, default=100_000)
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=40, help="requests of each kind (default 40)")
    parser.add_argument("--warmup", type=int, default=10, help="uncounted requests first (default 10)")
    args = parser.parse_args(argv)
    ensure_seeded(args.db, args.contacts, args.companies, args.deals)
    requests = plan(args.db, args.rounds, random.Random(11))
    times = run(args.db, requests, args.warmup)
    backend = args.db.split(":", 1)[0].split("+", 1)[0]
    label = (
        f"{backend}: {args.contacts:,} contacts, {args.companies:,} companies, {args.deals:,} deals; "
        "/crm over signed HTTP to the reply, one at a time"
    )
    print(report(times, label))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
