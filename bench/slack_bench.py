"""Signed ``/crm`` requests over HTTP against a store of 100,000 contacts and 1,000,000 deals.

The app is served by waitress on loopback exactly as ``crm-bot run`` serves it, its Web API client
pointed at a stand-in Slack on another loopback port. For each request we time the HTTP ack and the
reply (the ``response_url`` post, or ``chat.postMessage``, arriving at the stand-in), one request at
a time, for a mix of commands, on SQLite and on PostgreSQL. Targets: p95 ≤ 50 ms to the ack and
≤ 150 ms to the reply.

    python -m bench.slack_bench                       # both backends, full size
    python -m bench.slack_bench --backends sqlite --contacts 10000 --deals 100000 --rounds 10
    python -m bench.slack_bench --only pipeline       # one kind of request

The SQLite store is seeded once and kept under /tmp (reused while its size matches); PostgreSQL is
seeded into a private database that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import itertools
import json
import os
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bench.seed import seed
from bot.console.slackapi import Call, SlackStandIn
from bot.db import make_engine
from bot.migrate import upgrade
from models import Contact, Deal, PipelineStage, User, Workspace

TEAM = "TBENCH"
SECRET = "bench-signing-secret"
ACK_TARGET_MS = 50.0
REPLY_TARGET_MS = 150.0
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class Sample:
    command: str
    text: str
    ack_ms: float
    reply_ms: float
    status: int
    reply: str
    chart_ms: float | None = None


@dataclass
class Result:
    backend: str
    samples: list[Sample] = field(default_factory=list)
    seed_seconds: float | None = None

    def by_command(self) -> dict[str, list[Sample]]:
        groups: dict[str, list[Sample]] = {}
        for s in self.samples:
            groups.setdefault(s.command, []).append(s)
        return groups


# ---- the stand-in Slack, with a wait for one reply ------------------------------------------------


class Replies:
    """Waits for the reply to one request: its response_url post, or a chat.postMessage after it."""

    def __init__(self, standin: SlackStandIn) -> None:
        self.standin = standin

    def wait(self, key: str, since: int, timeout: float = 30.0) -> Call:
        path = f"/response/{key}"

        def found(s: SlackStandIn) -> Call | None:
            for call in s.log[since:]:
                if call.method == path or call.method == "chat.postMessage":
                    return call
            return None

        return self.standin.wait_for(found, timeout)


# ---- the app on a port ------------------------------------------------------------------------------


@dataclass
class Served:
    port: int
    stop: Callable[[], None]


def serve_app(database_url: str, api_url: str) -> Served:
    from bot.app import create_app
    from bot.runtime import build_services
    from bot.server import make_http_server, make_wsgi
    from bot.settings import Settings

    settings = Settings(
        bot_token="xoxb-bench",
        signing_secret=SECRET,
        api_url=api_url,
        database_url=database_url,
        default_tz="America/New_York",
        scheduler=False,
        response_url_hosts=(urlsplit(api_url).netloc,),
    )
    services = build_services(settings)
    app = create_app(settings, services=services)
    server = make_http_server(make_wsgi(app, services), "127.0.0.1", 0).start()

    def stop() -> None:
        server.stop()
        if services.engine is not None:
            services.engine.dispose()

    return Served(server.port, stop)


def signed_post(
    port: int,
    body: bytes,
    *,
    secret: str = SECRET,
    content_type: str = "application/x-www-form-urlencoded",
    timeout: float = 30,
) -> tuple[int, str]:
    """A request signed as Slack signs it, to ``/slack/events`` on loopback: (status, body)."""
    ts = str(int(time.time()))
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(
            "POST",
            "/slack/events",
            body=body,
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": f"v0={digest}",
            },
        )
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


# ---- what people type -------------------------------------------------------------------------------


def typo(name: str, rng: random.Random) -> str:
    """One slip in the last name: a swapped pair, a dropped or a doubled letter."""
    first, _, last = name.partition(" ")
    if len(last) < 4:
        return name
    i = rng.randrange(1, len(last) - 2)
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap":
        last = last[:i] + last[i + 1] + last[i] + last[i + 2 :]
    elif kind == "drop":
        last = last[:i] + last[i + 1 :]
    else:
        last = last[:i] + last[i] + last[i:]
    return f"{first} {last}"


@dataclass(frozen=True)
class Request:
    command: str
    user: str
    text: str


def plan_requests(database_url: str, rounds: int, seed_value: int = 7) -> list[Request]:
    """``rounds`` requests of each kind, on records picked at random from the store, interleaved."""
    rng = random.Random(seed_value)
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            ws_id = conn.scalar(select(Workspace.id).where(Workspace.team_id == TEAM))
            users = dict(conn.execute(select(User.id, User.slack_id).where(User.workspace_id == ws_id)).all())
            max_contact = conn.scalar(select(func.max(Contact.id)).where(Contact.workspace_id == ws_id)) or 0
            max_deal = conn.scalar(select(func.max(Deal.id)).where(Deal.workspace_id == ws_id)) or 0
            stages = [
                k
                for (k,) in conn.execute(
                    select(PipelineStage.key)
                    .where(PipelineStage.workspace_id == ws_id, PipelineStage.is_closed.is_(False))
                    .order_by(PipelineStage.position)
                )
            ]
            # Names that belong to one contact and titles that belong to one deal, so that each
            # request has one right answer (duplicates would only add "which one?" buttons).
            contacts: list[str] = []
            while len(contacts) < rounds * 2:
                ids = [rng.randint(1, max_contact) for _ in range(rounds * 4)]
                for name in conn.scalars(select(Contact.name).where(Contact.id.in_(ids))):
                    n = conn.scalar(
                        select(func.count(Contact.id)).where(
                            Contact.workspace_id == ws_id, Contact.name_key == name.lower()
                        )
                    )
                    if n == 1 and name not in contacts:
                        contacts.append(name)
            deals: list[tuple[str, int | None, str]] = []
            while len(deals) < rounds * 2:
                ids = [rng.randint(1, max_deal) for _ in range(rounds * 4)]
                rows = conn.execute(
                    select(Deal.title, Deal.owner_id, PipelineStage.key)
                    .join(PipelineStage, Deal.stage_id == PipelineStage.id)
                    .where(Deal.id.in_(ids), PipelineStage.is_closed.is_(False))
                ).all()
                for title, owner_id, stage in rows:
                    n = conn.scalar(
                        select(func.count(Deal.id)).where(
                            Deal.workspace_id == ws_id, Deal.title_key == title.lower()
                        )
                    )
                    if n == 1 and all(title != d[0] for d in deals):
                        deals.append((title, owner_id, stage))
    finally:
        engine.dispose()

    slack_ids = sorted(users.values())
    requests: list[Request] = []
    for i in range(rounds):
        someone = rng.choice(slack_ids)
        contact = contacts[i]
        show_title, show_owner, _ = deals[2 * i]
        move_title, move_owner, move_stage = deals[2 * i + 1]
        target = rng.choice([s for s in stages if s != move_stage])
        requests += [
            Request("contact find (typo)", someone, f"contact find {typo(contact, rng)}"),
            Request("deal show", users.get(show_owner or 0, someone), f"deal show {show_title}"),
            Request("deal move", users.get(move_owner or 0, someone), f"deal move {move_title} to {target}"),
            Request(
                "task add",
                someone,
                f"task add call {contacts[rounds + i]} tomorrow {rng.choice(('9am', '11am', '3pm'))}",
            ),
            Request("pipeline", someone, "pipeline"),
        ]
    rng.shuffle(requests)
    return requests


# ---- one backend ------------------------------------------------------------------------------------


def run_backend(
    backend: str,
    database_url: str,
    rounds: int,
    warmup: int,
    log: Callable[[str], None],
    only: Sequence[str] = (),
) -> Result:
    result = Result(backend)
    standin = SlackStandIn(team_id=TEAM, team_name="Benchmark Inc").start()
    served = None
    try:
        requests = plan_requests(database_url, rounds + warmup)
        if only:
            requests = [r for r in requests if r.command in only]
        kinds = len({r.command for r in requests})
        served = serve_app(database_url, standin.api_url)
        replies = Replies(standin)
        keys = itertools.count(1)
        for n, req in enumerate(requests):
            key = f"b{next(keys)}"
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
            t_ack = time.monotonic()
            reply = replies.wait(key, since)
            chart_ms = None
            if req.command == "pipeline":
                # The chart follows the figures; wait for it so that requests stay one at a time.
                chart = standin.wait_for(
                    lambda s, since=since: next(
                        (c for c in s.log[since:] if c.method == "files.completeUploadExternal"), None
                    ),
                    30.0,
                )
                chart_ms = (chart.at - t0) * 1000
            sample = Sample(
                req.command,
                req.text,
                (t_ack - t0) * 1000,
                (reply.at - t0) * 1000,
                status,
                _reply_text(reply.params),
                chart_ms,
            )
            # The first requests of each kind warm caches and pools; they are not counted.
            if n >= warmup * kinds:
                result.samples.append(sample)
            if (n + 1) % 50 == 0:
                log(f"  {backend}: {n + 1}/{len(requests)} requests")
    finally:
        if served is not None:
            served.stop()
        standin.stop()
    return result


def _reply_text(params: dict[str, Any]) -> str:
    blocks = params.get("blocks")
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            blocks = None
    parts = [str(params.get("text") or "")]
    for b in blocks or []:
        t = b.get("text")
        if isinstance(t, dict):
            parts.append(str(t.get("text", "")))
    return " | ".join(p for p in parts if p)[:160]


# ---- stores -----------------------------------------------------------------------------------------


def sqlite_store(
    contacts: int, deals: int, directory: Path, log: Callable[[str], None]
) -> tuple[str, float | None]:
    """The cached, seeded SQLite file for this size (seeded on first use)."""
    path = directory / f"crm-bench-{contacts}c-{deals}d.sqlite3"
    done = path.with_suffix(".seeded")
    if path.exists() and done.exists():
        log(f"  sqlite: reusing {path}")
        # Earlier runs' writes (moved deals, new tasks) stay; they are a few hundred rows in a million.
        # Newer migrations are applied, as the bot would on start.
        engine = make_engine(f"sqlite:///{path}")
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        return f"sqlite:///{path}", None
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), done):
        stale.unlink(missing_ok=True)
    log(f"  sqlite: seeding {contacts} contacts and {deals} deals into {path}")
    made = seed(f"sqlite:///{path}", contacts=contacts, deals=deals, log=True)
    done.write_text(json.dumps({"contacts": contacts, "deals": deals, "seconds": made.seconds}))
    return f"sqlite:///{path}", made.seconds


@contextmanager
def postgres_store(
    server_url: str, contacts: int, deals: int, log: Callable[[str], None]
) -> Iterator[tuple[str, float]]:
    name = f"crm_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        log(f"  postgresql: seeding {contacts} contacts and {deals} deals into {name}")
        made = seed(url, contacts=contacts, deals=deals, log=True)
        yield url, made.seconds
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# ---- report -----------------------------------------------------------------------------------------


def report(results: list[Result], contacts: int, deals: int) -> str:
    lines = [
        f"/crm over signed HTTP, {contacts:,} contacts and {deals:,} deals, one request at a time "
        f"(targets: p95 ack ≤ {ACK_TARGET_MS:.0f} ms, p95 reply ≤ {REPLY_TARGET_MS:.0f} ms)",
        "",
        f"{'backend':<11} {'command':<22} {'n':>4} {'ack p50':>8} {'ack p95':>8} {'reply p50':>10} {'reply p95':>10}",
    ]
    for r in results:
        groups = r.by_command()
        for command, samples in [*sorted(groups.items()), ("all", r.samples)]:
            acks = [s.ack_ms for s in samples]
            reps = [s.reply_ms for s in samples]
            lines.append(
                f"{r.backend:<11} {command:<22} {len(samples):>4} {percentile(acks, 0.5):>8.1f} "
                f"{percentile(acks, 0.95):>8.1f} {percentile(reps, 0.5):>10.1f} {percentile(reps, 0.95):>10.1f}"
            )
            charts = [s.chart_ms for s in samples if s.chart_ms is not None]
            if charts and command != "all":
                lines.append(
                    f"{'':<11} {'  chart uploaded':<22} {len(charts):>4} {'':>8} {'':>8} "
                    f"{percentile(charts, 0.5):>10.1f} {percentile(charts, 0.95):>10.1f}"
                )
        acks = [s.ack_ms for s in r.samples]
        reps = [s.reply_ms for s in r.samples]
        ok_ack = percentile(acks, 0.95) <= ACK_TARGET_MS
        ok_reply = percentile(reps, 0.95) <= REPLY_TARGET_MS
        bad = [s for s in r.samples if s.status != 200]
        slow_acks = [
            c for c, ss in groups.items() if percentile([s.ack_ms for s in ss], 0.95) > ACK_TARGET_MS
        ]
        slow_replies = [
            c for c, ss in groups.items() if percentile([s.reply_ms for s in ss], 0.95) > REPLY_TARGET_MS
        ]
        verdict = (
            f"ack {'met' if ok_ack else 'MISSED'}"
            + (f" (p95 over by: {', '.join(sorted(slow_acks))})" if slow_acks else "")
            + f", reply {'met' if ok_reply else 'MISSED'}"
            + (f" (p95 over by: {', '.join(sorted(slow_replies))})" if slow_replies else "")
        )
        seeded = f"; seeded in {r.seed_seconds:.0f} s" if r.seed_seconds else ""
        lines.append(f"{r.backend:<11} targets: {verdict}; non-200 acks: {len(bad)}{seeded}")
        lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.slack_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=40, help="requests of each kind (default 40)")
    parser.add_argument("--warmup", type=int, default=3, help="uncounted rounds first (default 3)")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("CRM_BENCH_POSTGRES_URL")
        or os.environ.get("CRM_TEST_POSTGRES_URL")
        or DEFAULT_PG,
        help="a PostgreSQL server URL; a private database is made on it and dropped after",
    )
    parser.add_argument("--cache-dir", default="/tmp", help="where the seeded SQLite file is kept")
    parser.add_argument("--show", action="store_true", help="print each request and its reply")
    parser.add_argument(
        "--only", default="", help="comma-separated kinds of request to send (e.g. pipeline); default all"
    )
    args = parser.parse_args(argv)

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    only = [k.strip() for k in args.only.split(",") if k.strip()]
    results: list[Result] = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        log(f"{backend}:")
        if backend == "sqlite":
            url, seconds = sqlite_store(args.contacts, args.deals, Path(args.cache_dir), log)
            result = run_backend(backend, url, args.rounds, args.warmup, log, only)
            result.seed_seconds = seconds
        elif backend == "postgresql":
            with postgres_store(args.pg_url, args.contacts, args.deals, log) as (url, seconds):
                result = run_backend(backend, url, args.rounds, args.warmup, log, only)
                result.seed_seconds = seconds
        else:
            parser.error(f"unknown backend {backend!r}")
        if args.show:
            for s in result.samples:
                print(f"{s.ack_ms:7.1f} {s.reply_ms:7.1f}  /crm {s.text}  →  {s.reply}")
        results.append(result)
    print(report(results, args.contacts, args.deals))
    return 0


if __name__ == "__main__":
    sys.exit(main())
