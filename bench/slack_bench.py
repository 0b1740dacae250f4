"""Signed ``/crm`` requests over HTTP against a store of 100,000 contacts and 1,000,000 deals.

The app is served by waitress on loopback exactly as ``crm-bot run`` serves it, its Web API client
pointed at a stand-in Slack on another loopback port. For each request we time the HTTP ack and the
reply (the ``response_url`` post, or ``chat.postMessage``, arriving at the stand-in), one request at
a time, for a mix of commands, on SQLite and on PostgreSQL. Targets: p95 ≤ 50 ms to the ack and
≤ 150 ms to the reply.

    python -m bench.slack_bench                       # both backends, full size
    python -m bench.slack_bench --backends sqlite --contacts 10000 --deals 100000 --rounds 10
    python -m bench.slack_bench --only pipeline       # one kind of request
    python -m bench.slack_bench --db sqlite:////tmp/crm-1m.sqlite3 --db postgresql+psycopg://…/crm_1m \
        --only "contact find (typo),deal show,resolution"   # stores seeded before with bench.seed

The SQLite store is seeded once and kept under /tmp (reused while its size matches); PostgreSQL is
seeded into a private database that is dropped afterwards. ``--db`` uses a store seeded before (with
``python -m bench.seed``) as it is and keeps it; ``deal move`` and ``task add`` write into it.

``resolution`` times the service alone, in this process: a reference with a slip in it ("Jon Smiht",
"Acmebridge Labz", a deal's title misspelt) turned into a record by ``find_contact``, ``find_company`` and
``find_deal``, each in a session of its own as a request has, over many references (target p95 ≤ 20 ms).
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
from concurrent.futures import ThreadPoolExecutor
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
from models import Company, Contact, Deal, PipelineStage, User, Workspace

TEAM = "TBENCH"
SECRET = "bench-signing-secret"
ACK_TARGET_MS = 50.0
REPLY_TARGET_MS = 150.0
RESOLVE_TARGET_MS = 20.0
FIND_TARGET_MS = 100.0
RESOLUTION = "resolution"
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
    resolved: list[Resolved] = field(default_factory=list)

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
    work = ThreadPoolExecutor(max_workers=8, thread_name_prefix="crm-work")
    app = create_app(settings, services=services, listener_executor=work)
    server = make_http_server(make_wsgi(app, services), "127.0.0.1", 0).start()

    def stop() -> None:
        server.stop()
        # The work after the last acks (a chart's upload, say) still posts to the stand-in Slack: it
        # must finish before the caller stops that, and before the engine goes.
        work.shutdown(wait=True)
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


# ---- resolution alone -------------------------------------------------------------------------------


def slip(text: str, rng: random.Random) -> str:
    """One slip in one word of four letters or more, anywhere in it (its first letter too): two letters
    swapped, one dropped, doubled or struck for its neighbour on the keyboard."""
    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not long_words:
        return text
    i = rng.choice(long_words)
    w = words[i]
    j = rng.randrange(0, len(w) - 1)
    kind = rng.choice(("swap", "drop", "double", "near"))
    if kind == "swap":
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    elif kind == "drop":
        w = w[:j] + w[j + 1 :]
    elif kind == "double":
        w = w[:j] + w[j] + w[j:]
    else:
        near = _NEIGHBOURS.get(w[j].lower(), "e")
        letter = rng.choice(near)
        w = w[:j] + (letter.upper() if w[j].isupper() else letter) + w[j + 1 :]
    words[i] = w
    return " ".join(words)


_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS = {
    c: "".join(r[k] for k in (i - 1, i + 1) if 0 <= k < len(r)) for r in _ROWS for i, c in enumerate(r)
}


@dataclass(frozen=True)
class Reference:
    kind: str  # "contact", "company", "deal"
    text: str
    meant: int


@dataclass
class Resolved:
    kind: str
    text: str
    ms: float
    outcome: str  # "right", "other", "asked", "asked (meant among)", "not found"


def plan_references(database_url: str, n: int, seed_value: int = 11) -> list[Reference]:
    """``n`` references of each kind to records that are the only ones of their name: contacts by their
    name with one slip (a third with a slip in each word, as in "Jon Smiht"), companies by their name with
    a slip or with a legal suffix added ("Acme Corp"), deals by their title with a slip."""
    rng = random.Random(seed_value)
    engine = make_engine(database_url)
    refs: list[Reference] = []
    try:
        with engine.connect() as conn:
            ws_id = conn.scalar(select(Workspace.id).where(Workspace.team_id == TEAM))
            for kind, model, name, key in (
                ("contact", Contact, Contact.name, Contact.name_key),
                ("company", Company, Company.name, Company.name_key),
                ("deal", Deal, Deal.title, Deal.title_key),
            ):
                top = conn.scalar(select(func.max(model.id)).where(model.workspace_id == ws_id)) or 0
                picked: dict[int, str] = {}
                while len(picked) < n:
                    ids = [rng.randint(1, top) for _ in range(n)]
                    for rid, label in conn.execute(select(model.id, name).where(model.id.in_(ids))):
                        same = conn.scalar(
                            select(func.count(model.id)).where(
                                model.workspace_id == ws_id, key == label.lower()
                            )
                        )
                        if same == 1 and len(picked) < n:
                            picked[rid] = label
                for rid, label in picked.items():
                    if kind == "contact" and rng.random() < 1 / 3:
                        first, _, rest = label.partition(" ")
                        text_ = f"{slip(first, rng)} {slip(rest, rng)}"
                    elif kind == "company" and rng.random() < 1 / 4:
                        text_ = f"{label} {rng.choice(('Inc', 'Corp', 'LLC', 'Ltd'))}"
                    else:
                        text_ = slip(label, rng)
                    refs.append(Reference(kind, text_, rid))
    finally:
        engine.dispose()
    rng.shuffle(refs)
    return refs


def run_resolution(
    backend: str, database_url: str, n: int, warmup: int, log: Callable[[str], None]
) -> list[Resolved]:
    """Each reference resolved by its service in a session of its own; the first ``warmup`` uncounted."""
    from bot.db import make_session_factory
    from bot.services.base import Actor
    from bot.services.companies import find_company
    from bot.services.contacts import find_contact
    from bot.services.deals import find_deal
    from bot.services.errors import Ambiguous, NotFound
    from bot.services.tenancy import scoped

    refs = plan_references(database_url, n + warmup)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    out: list[Resolved] = []
    try:
        with engine.connect() as conn:
            ws_id = int(conn.scalar(select(Workspace.id).where(Workspace.team_id == TEAM)) or 0)
            user_id, slack_id = conn.execute(
                select(User.id, User.slack_id).where(User.workspace_id == ws_id).limit(1)
            ).one()
        actor = Actor(ws_id, user_id, slack_id)
        finders: dict[str, Callable[[Any, str], Any]] = {
            "contact": lambda s, ref: find_contact(s, actor, ref),
            "company": lambda s, ref: find_company(s, None, actor, ref, create=False),
            "deal": lambda s, ref: find_deal(s, actor, ref),
        }
        for i, ref in enumerate(refs):
            t0 = time.perf_counter()
            with sessions() as s:
                scoped(s, ws_id)
                try:
                    found = finders[ref.kind](s, ref.text)
                    outcome = "right" if found is not None and found.id == ref.meant else "other"
                except Ambiguous as exc:
                    among = any(c.id == ref.meant for c in exc.candidates)
                    outcome = "asked (meant among)" if among else "asked"
                except NotFound:
                    outcome = "not found"
            ms = (time.perf_counter() - t0) * 1000
            if i >= warmup * 3:
                out.append(Resolved(ref.kind, ref.text, ms, outcome))
            if (i + 1) % 200 == 0:
                log(f"  {backend}: {i + 1}/{len(refs)} references resolved")
    finally:
        engine.dispose()
    return out


def resolution_report(backend: str, resolved: list[Resolved]) -> list[str]:
    lines = [
        f"{'backend':<11} {'resolution of':<22} {'n':>4} {'p50':>8} {'p95':>8} {'max':>8}  outcomes",
    ]
    kinds: dict[str, list[Resolved]] = {}
    for r in resolved:
        kinds.setdefault(r.kind, []).append(r)
    for kind, rs in [*sorted(kinds.items()), ("all", resolved)]:
        ms = [r.ms for r in rs]
        counts: dict[str, int] = {}
        for r in rs:
            counts[r.outcome] = counts.get(r.outcome, 0) + 1
        shown = ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
        lines.append(
            f"{backend:<11} {kind:<22} {len(rs):>4} {percentile(ms, 0.5):>8.1f} {percentile(ms, 0.95):>8.1f} "
            f"{max(ms, default=float('nan')):>8.1f}  {shown}"
        )
    p95 = percentile([r.ms for r in resolved], 0.95)
    lines.append(
        f"{backend:<11} resolution target p95 ≤ {RESOLVE_TARGET_MS:.0f} ms: {'met' if p95 <= RESOLVE_TARGET_MS else 'MISSED'}"
    )
    return lines


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
        for command, samples in [*sorted(groups.items()), ("all", r.samples)] if r.samples else []:
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
        if r.samples:
            lines.append(f"{r.backend:<11} targets: {verdict}; non-200 acks: {len(bad)}{seeded}")
        finds = [s.reply_ms for s in groups.get("contact find (typo)", [])]
        if finds:
            ok = percentile(finds, 0.95) <= FIND_TARGET_MS
            lines.append(
                f"{r.backend:<11} contact find (typo) reply p95 ≤ {FIND_TARGET_MS:.0f} ms: {'met' if ok else 'MISSED'}"
            )
        if r.resolved:
            lines += resolution_report(r.backend, r.resolved)
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
    parser.add_argument(
        "--db",
        action="append",
        default=[],
        help="a store seeded before with bench.seed, used as it is (repeat for both backends; "
        "--backends is then ignored)",
    )
    parser.add_argument(
        "--references", type=int, default=200, help="references of each kind resolved (default 200)"
    )
    parser.add_argument("--show", action="store_true", help="print each request and its reply")
    parser.add_argument(
        "--only",
        default="",
        help=f"comma-separated kinds of request to send (e.g. pipeline), {RESOLUTION!r} for the references "
        "resolved by the services alone; default all",
    )
    args = parser.parse_args(argv)

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    only = [k.strip() for k in args.only.split(",") if k.strip()]
    commands = [k for k in only if k != RESOLUTION]
    resolve = not only or RESOLUTION in only

    def measure(backend: str, url: str) -> Result:
        result = Result(backend)
        if commands or not only:
            result = run_backend(backend, url, args.rounds, args.warmup, log, commands)
        if resolve:
            result.resolved = run_resolution(backend, url, args.references, args.warmup, log)
        return result

    results: list[Result] = []
    stores = [(make_url(u).get_backend_name(), u) for u in args.db] or [
        (b.strip(), None) for b in args.backends.split(",") if b.strip()
    ]
    for backend, given in stores:
        log(f"{backend}:")
        if given is not None:
            result = measure(backend, given)
        elif backend == "sqlite":
            url, seconds = sqlite_store(args.contacts, args.deals, Path(args.cache_dir), log)
            result = measure(backend, url)
            result.seed_seconds = seconds
        elif backend == "postgresql":
            with postgres_store(args.pg_url, args.contacts, args.deals, log) as (url, seconds):
                result = measure(backend, url)
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
