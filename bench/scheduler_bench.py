"""Scheduler benchmark on PostgreSQL, against the fake Slack Web API on loopback.

1. 10,000 task reminders due at the same instant, planned and delivered by one scheduler process, then by
   two sharing the work: wall time and messages per second, with per-channel pacing off, and on
   (1 message/s per channel) with the reminders spread over many people's DMs. The fake Slack runs in
   a process of its own and counts what it accepted per dedupe key (exactly once is checked, not assumed).
2. The pipeline summary computed over 1,000,000 deals (and a day of audit trail): median of several
   runs, against the ≤ 500 ms target.

Every run uses a private database, dropped at the end.

    python -m bench.scheduler_bench [--reminders 10000] [--deals 1000000] [--channels 2000]
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine, delete, func, insert, literal, select, text

from bot.clock import SystemClock
from bot.db import make_engine, make_session_factory
from bot.migrate import upgrade
from bot.proactive import Planner
from bot.scheduler import Scheduler
from bot.services.summary import compute_summary
from models import AuditEvent, Contact, Deal, Delivery, PipelineStage, Target, Task, User, Workspace

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


def _people(engine: Engine, ws_id: int, n: int) -> list[int]:
    with engine.begin() as conn:
        have = list(conn.scalars(select(User.id).where(User.slack_id.like("UB%")).order_by(User.id)))
        if len(have) < n:
            conn.execute(
                insert(User),
                [
                    {
                        "workspace_id": ws_id,
                        "slack_id": f"UB{i:07d}",
                        "name": f"Bench Person {i}",
                        "tz": "Europe/Berlin",
                        "role": "rep",
                        "created_at": NOW,
                    }
                    for i in range(len(have), n)
                ],
            )
            have = list(conn.scalars(select(User.id).where(User.slack_id.like("UB%")).order_by(User.id)))
    return have[:n]


def _due_reminders(engine: Engine, ws_id: int, people: list[int], n: int, due: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(delete(Delivery))
        conn.execute(delete(Task))
        conn.execute(
            insert(Task),
            [
                {
                    "workspace_id": ws_id,
                    "title": f"Bench task {i}",
                    "title_key": f"bench task {i}",
                    "assignee_id": people[i % len(people)],
                    "due_at": due,
                    "due_utc": due,
                    "remind_at": due,
                    "reminder_state": "pending",
                    "created_at": due - timedelta(days=1),
                    "updated_at": due - timedelta(days=1),
                }
                for i in range(n)
            ],
        )
        # Each task about a contact, as most are: the planner reads the links of a batch at once.
        contact_id = conn.scalar(select(Contact.id).where(Contact.workspace_id == ws_id).limit(1))
        if contact_id is None:
            contact_id = conn.scalar(
                insert(Contact)
                .values(workspace_id=ws_id, name="Bench Contact", name_key="bench contact", tags=[])
                .returning(Contact.id)
            )
        conn.execute(
            insert(Target).from_select(
                ["workspace_id", "task_id", "contact_id"],
                select(Task.workspace_id, Task.id, literal(contact_id)).where(Task.workspace_id == ws_id),
            )
        )


class _SlackProcess:
    """The suite's fake Slack Web API in a process of its own (so it does not share the interpreter
    lock with the schedulers being measured), counting the posts it accepted per dedupe key."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("fork")
        self.ready: Any = ctx.Queue()
        self.stop_event: Any = ctx.Event()
        self.process = ctx.Process(target=self._serve, daemon=True)

    def _serve(self) -> None:
        from tests.support.fakeslack import FakeSlack

        fake = FakeSlack()
        # Slack does not refuse connections at a burst of 16 parallel senders; the stdlib's backlog of 5 does.
        fake.server.socket.listen(512)
        posted: dict[str, int] = {}
        lock = threading.Lock()

        def post(params: dict[str, Any]) -> dict[str, Any]:
            key = str(((params.get("metadata") or {}).get("event_payload") or {}).get("dedupe_key"))
            with lock:
                posted[key] = posted.get(key, 0) + 1
                fake.calls.clear()
                n = sum(posted.values())
            return {"ok": True, "channel": params.get("channel"), "ts": f"1700000000.{n:06d}"}

        def stats(_params: dict[str, Any]) -> dict[str, Any]:
            with lock:
                twice = sum(1 for v in posted.values() if v > 1)
                return {"ok": True, "distinct": len(posted), "twice": twice}

        def reset(_params: dict[str, Any]) -> dict[str, Any]:
            with lock:
                posted.clear()
            return {"ok": True}

        fake.handlers.update({"chat.postMessage": post, "bench.stats": stats, "bench.reset": reset})
        fake.start()
        self.ready.put(fake.api_url)
        self.stop_event.wait()
        fake.stop()

    def start(self) -> _SlackProcess:
        self.process.start()
        self.api_url = str(self.ready.get(timeout=10))
        self.client = WebClient(token="xoxb-bench", base_url=self.api_url)
        return self

    def stats(self) -> tuple[int, int]:
        data = self.client.api_call("bench.stats")
        return int(data["distinct"]), int(data["twice"])

    def reset(self) -> None:
        self.client.api_call("bench.reset")

    def stop(self) -> None:
        self.stop_event.set()
        self.process.join(5)


def _scheduler_process(
    url: str, api_url: str, name: str, pace: float, workers: int, start: Any, out: Any
) -> None:
    """One scheduler process: tick until the outbox is empty. Real time (the processes must agree on
    when a claim runs out), with a 1 s backoff so a refused connection is retried within the run."""
    logging.getLogger("bot.scheduler").setLevel(logging.ERROR)
    logging.getLogger("slack_sdk").setLevel(logging.CRITICAL)
    engine = make_engine(url, pool_size=workers + 2)
    sched = Scheduler(
        make_session_factory(engine),
        WebClient(token="xoxb-bench", base_url=api_url, retry_handlers=[]),
        SystemClock(),
        name=name,
        pace_seconds=pace,
        workers=workers,
        batch=500,
        backoff_base=1.0,
    )
    start.wait()
    sent = retried = 0
    for _round in range(120):
        stats = sched.tick()
        sent += stats.sent + stats.recovered
        retried += stats.retried
        with engine.connect() as conn:
            left = (
                conn.scalar(select(func.count()).select_from(Delivery).where(Delivery.state != "sent")) or 0
            )
        if not left:
            break
        time.sleep(0.5)
    engine.dispose()
    out.put((name, sent, retried))


def _deliver(
    engine: Engine, url: str, slack: _SlackProcess, *, schedulers: int, pace: float, workers: int
) -> tuple[float, int, int, dict[str, int]]:
    """Schedulers in separate processes, started together, until every reminder is sent; returns
    (seconds, rows sent, retries, messages sent per scheduler)."""
    ctx = multiprocessing.get_context("fork")
    start, out = ctx.Event(), ctx.Queue()
    engine.dispose()  # no pooled connection crosses the fork
    procs = [
        ctx.Process(
            target=_scheduler_process,
            args=(url, slack.api_url, f"bench-{i}", pace, workers, start, out),
        )
        for i in range(schedulers)
    ]
    for p in procs:
        p.start()
    time.sleep(0.5)  # let every process connect before the clock starts
    started = time.perf_counter()
    start.set()
    results = [out.get(timeout=900) for _ in procs]
    seconds = time.perf_counter() - started
    for p in procs:
        p.join(10)
    with engine.connect() as conn:
        sent = conn.scalar(select(func.count()).select_from(Delivery).where(Delivery.state == "sent")) or 0
    return seconds, int(sent), sum(r[2] for r in results), {r[0]: r[1] for r in results}


def bench_reminders(engine: Engine, url: str, reminders: int, channels: int, workers: int) -> list[str]:
    lines: list[str] = []
    with engine.connect() as conn:
        ws_id = conn.scalar(select(Workspace.id).order_by(Workspace.id).limit(1))
    assert ws_id is not None
    slack = _SlackProcess().start()
    try:
        cases = [
            ("pacing off, 1 scheduler process, 100 DMs", 100, 0.0, 1),
            ("pacing off, 2 scheduler processes, 100 DMs", 100, 0.0, 2),
            (f"pacing on (1/s per channel), 1 scheduler process, {channels} DMs", channels, 1.0, 1),
            (f"pacing on (1/s per channel), 2 scheduler processes, {channels} DMs", channels, 1.0, 2),
        ]
        for label, people_n, pace, n_sched in cases:
            people = _people(engine, ws_id, people_n)
            _due_reminders(engine, ws_id, people, reminders, datetime.now(UTC) - timedelta(seconds=1))
            slack.reset()
            seconds, sent, retries, shares = _deliver(
                engine, url, slack, schedulers=n_sched, pace=pace, workers=workers
            )
            delivered, twice = slack.stats()
            ok = sent == reminders and delivered == reminders and twice == 0
            floor = f" (pacing floor {reminders / people_n * pace:.0f} s)" if pace else ""
            split = " + ".join(f"{v:,}" for v in shares.values()) if n_sched > 1 else ""
            lines.append(
                f"{reminders:,} reminders, {label}: {seconds:.2f} s wall{floor}, "
                f"{reminders / seconds:,.0f} msgs/s, delivered {delivered:,}"
                + (f" ({split})" if split else "")
                + f", twice {twice}"
                + (f", {retries} retried after a refused connection" if retries else "")
                + ("" if ok else "  <-- MISMATCH")
            )
            print("  " + lines[-1], flush=True)
    finally:
        slack.stop()
    return lines


def _audit_day(engine: Engine, ws_id: int, n: int) -> None:
    """A busy day of deal changes: creations and stage moves in the summary's window."""
    with engine.begin() as conn:
        stages = list(conn.scalars(select(PipelineStage.id).where(PipelineStage.workspace_id == ws_id)))
        deal_ids = list(conn.scalars(select(Deal.id).where(Deal.workspace_id == ws_id).limit(n)))
        rows = []
        for i, deal_id in enumerate(deal_ids):
            at = NOW - timedelta(seconds=60 + i * 80_000 // max(n, 1))
            if i % 4 == 0:
                rows.append(("create", deal_id, None, {"title": "x"}, at))
            else:
                rows.append(
                    ("update", deal_id, {"stage_id": stages[i % 5]}, {"stage_id": stages[(i % 7)]}, at)
                )
        conn.execute(
            insert(AuditEvent),
            [
                {
                    "workspace_id": ws_id,
                    "op_id": f"bench-{i}",
                    "record_type": "deal",
                    "record_id": deal_id,
                    "action": action,
                    "before": before,
                    "after": after,
                    "at": at,
                }
                for i, (action, deal_id, before, after, at) in enumerate(rows)
            ],
        )


def bench_summary(engine: Engine, deals: int, runs: int) -> list[str]:
    from bench.seed import seed

    started = time.perf_counter()
    seeded = seed(engine, contacts=max(deals // 10, 100), deals=deals, now=NOW, migrate=False)
    _audit_day(engine, seeded.workspace_id, 20_000)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    # Open tasks, a fifth of them overdue, to count per owner.
    with engine.begin() as conn:
        owners = list(conn.scalars(select(User.id).where(User.workspace_id == seeded.workspace_id)))
        conn.execute(
            insert(Task),
            [
                {
                    "workspace_id": seeded.workspace_id,
                    "title": f"Task {i}",
                    "title_key": f"task {i}",
                    "assignee_id": owners[i % len(owners)],
                    "due_utc": NOW + timedelta(days=(i % 5) - 1),
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for i in range(20_000)
            ],
        )
    seeding = time.perf_counter() - started
    sessions = make_session_factory(engine)
    timings = []
    result = None
    for _ in range(runs):
        with sessions() as s:
            t0 = time.perf_counter()
            result = compute_summary(s, seeded.workspace_id, now=NOW, since=NOW - timedelta(days=1))
            timings.append((time.perf_counter() - t0) * 1000)
    assert result is not None
    median = statistics.median(timings)
    line = (
        f"summary over {seeded.deals:,} deals (+20,000 audit events in the window): median {median:.0f} ms, "
        f"min {min(timings):.0f} ms, max {max(timings):.0f} ms over {runs} runs "
        f"(target ≤ 500 ms: {'met' if median <= 500 else 'MISSED'}); "
        f"{result.open_count:,} open deals, changes {result.change_counts}; seeding took {seeding:.0f} s"
    )
    print("  " + line, flush=True)
    return [line, bench_scans(engine)]


def bench_scans(engine: Engine) -> str:
    """The periodic scans over the same 1M deals and 20k tasks: stale deals (first scan flags up to the
    daily cap per owner; the next finds nothing new) and the overdue nudge."""
    planner = Planner(make_session_factory(engine))
    later = NOW + timedelta(hours=1)
    t0 = time.perf_counter()
    first = planner.plan_kind("stale_deals", later)
    t1 = time.perf_counter()
    second = planner.plan_kind("stale_deals", later + timedelta(minutes=5))
    t2 = time.perf_counter()
    nudges = planner.plan_kind("overdue_nudge", later)
    t3 = time.perf_counter()
    line = (
        f"scans over the same data: stale deals {1000 * (t1 - t0):.0f} ms ({first} alerts planned, capped per "
        f"owner), again {1000 * (t2 - t1):.0f} ms ({second} new); overdue nudges {1000 * (t3 - t2):.0f} ms "
        f"({nudges} planned)"
    )
    print("  " + line, flush=True)
    return line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scheduler_bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--server", default=os.environ.get("CRM_TEST_POSTGRES_URL", DEFAULT_SERVER))
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=2_000, help="DMs the paced run is spread over")
    parser.add_argument("--workers", type=int, default=8, help="parallel senders per scheduler")
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--skip-summary", action="store_true")
    parser.add_argument("--skip-reminders", action="store_true")
    args = parser.parse_args(list(argv) if argv is not None else None)
    logging.basicConfig(level=logging.WARNING)

    from tests.support.databases import create_private_database, drop_database

    url = create_private_database(args.server)
    engine = make_engine(url, pool_size=12)
    lines: list[str] = []
    try:
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(insert(Workspace).values(team_id="TSCHED", name="Scheduler bench", created_at=NOW))
        if not args.skip_reminders:
            lines += bench_reminders(engine, url, args.reminders, args.channels, args.workers)
        if not args.skip_summary:
            with engine.begin() as conn:
                conn.execute(delete(Delivery))
                conn.execute(delete(Task))
            lines += bench_summary(engine, args.deals, args.runs)
    finally:
        engine.dispose()
        drop_database(args.server, url)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
