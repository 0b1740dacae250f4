"""Memory under adversarial input: 10,000 hostile ``/crm`` commands and DMs to ``crm-bot run``.

The bot runs as its own process, exactly as deployed (``crm-bot run`` in HTTP mode behind waitress),
its Web API pointed at a stand-in Slack in this process. Every message is signed like Slack's and sent
one at a time, waiting for the bot's answer, so the process is never just queueing. The messages are
what a fuzzer or a careless paste sends: long random tokens, random Unicode, hundreds of distinct
words, huge numbers, long names, emails and notes. The bot's resident memory (VmRSS) is read from
/proc every 1,000 messages; bounded caches make it level off instead of climbing.

    python -m bench.soak_bench                          # 10,000 messages on SQLite
    python -m bench.soak_bench --messages 3000 --every 500
    python -m bench.soak_bench --backend postgresql     # a private database, dropped after
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import socket
import string
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import slack_bench
from bot.console.slackapi import Call, SlackStandIn
from bot.db import make_engine
from bot.migrate import upgrade

TEAM = "TSOAK"
SECRET = "soak-signing-secret"
USERS = ("U0SOAK001", "U0SOAK002", "U0SOAK003")
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


# ---- what a fuzzer sends ------------------------------------------------------------------------------


class Hostile:
    """Deterministic hostile text: every call a different shape, many never seen before."""

    VERBS = (
        "contact find",
        "contact add",
        "contact show",
        "contact edit",
        "deal add",
        "deal show",
        "deal move",
        "task add",
        "task done",
        "log call with",
        "note on",
        "",
    )

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def word(self, n: int | None = None) -> str:
        n = n or self.rng.randint(1, 12)
        return "".join(self.rng.choice(string.ascii_letters) for _ in range(n))

    def unicode(self, n: int) -> str:
        # Letters, marks, CJK, symbols and emoji: what folding and fuzzy matching see least often.
        ranges = ((0x00C0, 0x024F), (0x0300, 0x036F), (0x0400, 0x04FF), (0x4E00, 0x62FF), (0x1F300, 0x1F64F))
        out = []
        for _ in range(n):
            lo, hi = self.rng.choice(ranges)
            out.append(chr(self.rng.randint(lo, hi)))
        return "".join(out)

    def payload(self, budget: int) -> str:
        r = self.rng
        kind = r.randrange(9)
        if kind == 0:  # many distinct words
            return " ".join(self.word() for _ in range(r.randint(30, budget // 7)))
        if kind == 1:  # one long token
            return self.word(r.randint(100, budget))
        if kind == 2:  # random Unicode
            return self.unicode(r.randint(10, budget // 4))
        if kind == 3:  # huge numbers
            return f"{self.word()} {r.randint(10**20, 10**80)} {r.randint(10**9, 10**30)}k"
        if kind == 4:  # a long name with a long email
            return f"{self.word(r.randint(50, 400))} {self.word(r.randint(50, 300))}@{self.word(80)}.com"
        if kind == 5:  # Unicode words
            return " ".join(self.unicode(r.randint(2, 9)) for _ in range(r.randint(5, 80)))
        if kind == 6:  # a long note
            return f"{self.word()}: " + " ".join(self.word() for _ in range(r.randint(100, budget // 6)))
        if kind == 7:  # a plausible command with one field far too long
            return f"{self.word(r.randint(200, 600))} {r.randint(1, 999)}k closing tomorrow"
        return " ".join(self.word() for _ in range(r.randint(2, 12)))  # short, still all different

    def command(self) -> str:
        return f"{self.rng.choice(self.VERBS)} {self.payload(3000)}".strip()[:4000]

    def dm(self) -> str:
        # Slack lets a message run to 40,000 characters; the bot must answer those too.
        return self.payload(self.rng.choice((2000, 2000, 12000)))


# ---- the bot as its own process -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Bot:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    def rss_mb(self) -> float:
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_bot(database_url: str, api_url: str, workdir: Path) -> Bot:
    port = free_port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-soak",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "CRM_SCHEDULER": "off",
        "CRM_DEFAULT_TZ": "UTC",
        # The stand-in Slack serves the response_urls; the front door refuses any host not listed.
        "CRM_RESPONSE_URL_HOSTS": urlsplit(api_url).netloc,
    }
    env.pop("SLACK_APP_TOKEN", None)
    log_path = workdir / "bot.log"
    # Its own working directory, so that a developer's .env does not leak into the run.
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        env=env,
        cwd=workdir,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
    )
    bot = Bot(process, port, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"crm-bot run exited: {log_path.read_text()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return bot
        except OSError:
            time.sleep(0.2)
    bot.stop()
    raise RuntimeError("crm-bot run did not answer /healthz in 60 s")


def signed_post(port: int, body: bytes, content_type: str) -> int:
    status, _ = slack_bench.signed_post(port, body, secret=SECRET, content_type=content_type, timeout=60)
    return status


# ---- one run ------------------------------------------------------------------------------------------


@dataclass
class Point:
    messages: int
    rss_mb: float
    seconds: float


@dataclass
class Run:
    backend: str
    points: list[Point] = field(default_factory=list)
    unanswered: int = 0
    non_200: int = 0
    sorry: int = 0


SORRY = "something went wrong on my side"


def soak(
    database_url: str, backend: str, messages: int, every: int, seed: int, log: Callable[[str], None]
) -> Run:
    run = Run(backend)
    engine = make_engine(database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    standin = SlackStandIn(team_id=TEAM, team_name="Soak Inc").start()
    for n, user in enumerate(USERS):
        standin.add_user(user, f"Soak Person{n}", tz="America/New_York", email=f"soak{n}@example.com")
    hostile = Hostile(seed)
    keys = itertools.count(1)
    events = itertools.count(1)
    with tempfile.TemporaryDirectory(prefix="crm-soak-") as tmp:
        bot = start_bot(database_url, standin.api_url, Path(tmp))
        try:
            started = time.monotonic()
            run.points.append(Point(0, bot.rss_mb(), 0.0))
            for i in range(1, messages + 1):
                user = USERS[i % len(USERS)]
                since = len(standin.log)
                if i % 3 == 0:
                    channel = f"D{user}"
                    body = {
                        "token": "soak",
                        "team_id": TEAM,
                        "api_app_id": "ASOAK",
                        "type": "event_callback",
                        "event_id": f"Ev{next(events):09d}",
                        "event_time": int(time.time()),
                        "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
                        "event": {
                            "type": "message",
                            "channel_type": "im",
                            "channel": channel,
                            "user": user,
                            "text": hostile.dm(),
                            "ts": f"{int(time.time())}.{i:06d}",
                            "event_ts": f"{int(time.time())}.{i:06d}",
                        },
                    }
                    status = signed_post(bot.port, json.dumps(body).encode(), "application/json")

                    def answered(s: SlackStandIn, since: int = since, channel: str = channel) -> Call | None:
                        return next(
                            (
                                c
                                for c in s.log[since:]
                                if c.method == "chat.postMessage" and c.params.get("channel") == channel
                            ),
                            None,
                        )
                else:
                    key = f"s{next(keys)}"
                    form = {
                        "token": "soak",
                        "team_id": TEAM,
                        "team_domain": "soak",
                        "channel_id": "CSOAK",
                        "channel_name": "sales",
                        "user_id": user,
                        "user_name": user.lower(),
                        "command": "/crm",
                        "text": hostile.command(),
                        "api_app_id": "ASOAK",
                        "is_enterprise_install": "false",
                        "response_url": standin.response_url(key),
                        "trigger_id": f"{i}.{uuid.uuid4().hex}",
                    }
                    status = signed_post(
                        bot.port, urlencode(form).encode(), "application/x-www-form-urlencoded"
                    )

                    def answered(s: SlackStandIn, since: int = since, key: str = key) -> Call | None:
                        return next((c for c in s.log[since:] if c.method == f"/response/{key}"), None)

                if status != 200:
                    run.non_200 += 1
                else:
                    try:
                        reply = standin.wait_for(answered, 60.0)
                        if SORRY in json.dumps(reply.params):
                            run.sorry += 1
                    except AssertionError:
                        run.unanswered += 1
                if i % every == 0:
                    # What the stand-in recorded is this process's memory, not the bot's; drop it.
                    standin.reset()
                    point = Point(i, bot.rss_mb(), time.monotonic() - started)
                    run.points.append(point)
                    log(f"  {backend}: {i:>6,} messages  RSS {point.rss_mb:6.1f} MB  {point.seconds:6.0f} s")
        finally:
            bot.stop()
            standin.stop()
    return run


@contextmanager
def private_postgres(server_url: str) -> Iterator[str]:
    name = f"crm_soak_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def report(run: Run) -> str:
    lines = [
        f"{run.backend}: {run.points[-1].messages:,} hostile messages (2/3 /crm, 1/3 DMs), one at a time, "
        "crm-bot run's RSS",
        f"{'messages':>9} {'RSS MB':>8} {'Δ MB':>7} {'elapsed s':>10}",
    ]
    prev = None
    for p in run.points:
        delta = "" if prev is None else f"{p.rss_mb - prev.rss_mb:+7.1f}"
        lines.append(f"{p.messages:>9,} {p.rss_mb:>8.1f} {delta:>7} {p.seconds:>10.0f}")
        prev = p
    half = run.points[len(run.points) // 2]
    last = run.points[-1]
    lines.append(
        f"second half growth: {last.rss_mb - half.rss_mb:+.1f} MB over {last.messages - half.messages:,} "
        f"messages; unanswered: {run.unanswered}; non-200 acks: {run.non_200}; "
        f"'something went wrong' answers: {run.sorry}"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--every", type=int, default=1_000, help="read RSS every this many messages")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("CRM_BENCH_POSTGRES_URL")
        or os.environ.get("CRM_TEST_POSTGRES_URL")
        or DEFAULT_PG,
        help="a PostgreSQL server URL; a private database is made on it and dropped after",
    )
    args = parser.parse_args(argv)

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    if args.backend == "postgresql":
        with private_postgres(args.pg_url) as url:
            run = soak(url, "postgresql", args.messages, args.every, args.seed, log)
    else:
        with tempfile.TemporaryDirectory(prefix="crm-soak-db-") as tmp:
            run = soak(f"sqlite:///{tmp}/soak.sqlite3", "sqlite", args.messages, args.every, args.seed, log)
    print(report(run))
    return 0


if __name__ == "__main__":
    sys.exit(main())
