"""Webhook benchmark: what an endpoint costs a write, how fast the outbox delivers, and whether a dead
endpoint holds up a live one.

1. Writes: median time of ``create_contact`` through the CRM with no endpoint, then with three (each
   write then also queues three deliveries in its transaction).
2. Delivery: ``--events`` contact changes, each to two endpoints, delivered by one scheduler (pacing
   off, ``--workers`` senders) to a signing receiver on loopback in its own process, which counts what
   it accepted per delivery id: wall time, deliveries per second, and that none arrived twice.
3. Isolation: the same again with a third endpoint that never answers (the sender's timeout 1 s): the
   live endpoints' wall time beside it.

Every run uses a private database (SQLite file, or PostgreSQL with ``--backend postgresql``), dropped
at the end.

    python -m bench.webhook_bench [--backend sqlite|postgresql] [--events 2000] [--workers 4]
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine, delete, func, select

from bot.db import make_engine, make_session_factory
from bot.migrate import upgrade
from bot.scheduler import Scheduler
from bot.scheduler.webhooks import WebhookSender
from bot.services import CRM, Actor
from models import Contact, Delivery, WebhookEndpoint

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _receive(port_out: Any, counts: Any, hang: str) -> None:
    """A receiver process: 200 to every signed delivery, counting each delivery id once; ``hang``: the
    path that never answers in time."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: set[str] = set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            if self.path == hang:
                time.sleep(3)
            delivery = self.headers["X-CRM-Delivery"]
            with counts.get_lock():
                counts[1 if delivery in seen else 0] += 1
                seen.add(delivery)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_out.value = server.server_address[1]
    server.serve_forever()


def _writes(crm: CRM, ann: Actor, n: int) -> list[float]:
    times = []
    for _ in range(n):
        # Names unlike each other: the duplicate check's cost stays flat as the table grows.
        name = f"{uuid.uuid4().hex[:10]} {uuid.uuid4().hex[:8]}"
        started = time.perf_counter()
        crm.create_contact(ann, name)
        times.append(time.perf_counter() - started)
    return times


def _write_cost(crm: CRM, ann: Actor, host: str) -> str:
    """Blocks of writes without and with three endpoints, alternating, so the table's growth and the
    machine's other load fall on both alike."""
    bare: list[float] = []
    hooked: list[float] = []
    for _ in range(4):
        bare += _writes(crm, ann, 50)
        ids = [crm.webhooks.add(ann, f"http://{host}/w{i}").webhook.id for i in range(3)]
        hooked += _writes(crm, ann, 50)
        for i in ids:
            crm.webhooks.remove(ann, i)
    return (
        f"write (create_contact), median of 200: {1000 * statistics.median(bare):.1f} ms with no endpoint, "
        f"{1000 * statistics.median(hooked):.1f} ms with three"
    )


def _drain(sched: Scheduler, engine: Engine, channels: list[str]) -> float:
    """Tick until every delivery to ``channels`` is sent; the wall time."""
    started = time.perf_counter()
    while True:
        sched.tick()
        with engine.connect() as conn:
            left = conn.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.channel.in_(channels), Delivery.state != "sent")
            )
        if not left:
            return time.perf_counter() - started


def run(url: str, events: int, workers: int) -> list[str]:
    counts = multiprocessing.Array("i", 2)
    port = multiprocessing.Value("i", 0)
    receiver = multiprocessing.Process(target=_receive, args=(port, counts, "/dead"), daemon=True)
    receiver.start()
    while not port.value:
        time.sleep(0.05)
    host = f"127.0.0.1:{port.value}"
    engine = make_engine(url, pool_size=workers + 4) if url.startswith("postgresql") else make_engine(url)
    lines: list[str] = []
    try:
        upgrade(engine)
        crm = CRM(make_session_factory(engine), webhook_hosts=(host,))
        ann = crm.register_user("TBENCH", "UBENCHANN", name="Bench Admin")
        lines.append(_write_cost(crm, ann, host))
        with engine.begin() as conn:
            conn.execute(delete(Delivery))
            conn.execute(delete(Contact))
        ids = [crm.webhooks.add(ann, f"http://{host}/h{i}").webhook.id for i in range(2)]
        live = [f"webhook:{i}" for i in ids]
        sched = Scheduler(
            crm.sessions,
            WebClient(token="xoxb-bench", base_url="http://127.0.0.1:9/"),
            pace_seconds=0,
            workers=workers,
            webhooks=WebhookSender((host,), timeout=1.0),
            webhook_pace=0,
            name="bench",
        )
        for i in range(events):
            crm.create_contact(ann, f"Live Person {i}")
        took = _drain(sched, engine, live)
        sent = counts[0]
        lines.append(
            f"delivery: {2 * events} deliveries ({events} events × 2 endpoints) in {took:.1f} s, "
            f"{2 * events / took:.0f}/s; accepted {sent}, twice {counts[1]}"
        )
        dead = crm.webhooks.add(ann, f"http://{host}/dead").webhook.id
        for i in range(events):
            crm.create_contact(ann, f"Beside Dead {i}")
        took = _drain(sched, engine, live)
        with engine.connect() as conn:
            tried = conn.scalar(
                select(func.sum(Delivery.attempts)).where(Delivery.channel == f"webhook:{dead}")
            )
        lines.append(
            f"beside a dead endpoint (no answer, 1 s timeout): the live two's {2 * events} in {took:.1f} s, "
            f"{2 * events / took:.0f}/s; the dead one tried {tried} time(s); twice {counts[1]}"
        )
        sched.stop()
        with crm.sessions() as s:
            assert s.scalar(select(func.count()).select_from(WebhookEndpoint)) == 15
    finally:
        engine.dispose()
        receiver.terminate()
    for line in lines:
        print("  " + line, flush=True)
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.webhook_bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--server", default=os.environ.get("CRM_TEST_POSTGRES_URL", DEFAULT_SERVER))
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(list(argv) if argv is not None else None)
    logging.basicConfig(level=logging.ERROR)
    if args.backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/bench.sqlite3", args.events, args.workers)
        return 0
    from tests.support.databases import create_private_database, drop_database

    url = create_private_database(args.server)
    try:
        run(url, args.events, args.workers)
    finally:
        drop_database(args.server, url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
