"""What per-workspace tokens cost a request: the time to the HTTP ack of a signed ``/crm help`` with one
``SLACK_BOT_TOKEN``, and in OAuth mode (the token looked up in the installation store for each request,
alternating between two installed workspaces, auth.test once per token).

``.venv/bin/python -m bench.oauth_bench [--db URL] [--requests N]`` (default: a SQLite file in a
temporary folder, 300 requests per mode after 20 uncounted). Uses the test suite's fake Slack, which
plays Slack's side of the install.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.db import make_engine, make_session_factory
from bot.migrate import upgrade
from tests.support.fakeslack import FakeSlack
from tests.support.slackhttp import ANN, Front, SlackHTTP, slash_command


def _install(slack: SlackHTTP, team: str) -> None:
    page = slack.get("/slack/install")
    cookie = (page.headers or {})["Set-Cookie"].split(";")[0]
    state = cookie.split("=", 1)[1]
    code = slack.fake.grant(team, f"Team {team}")
    done = slack.get(f"/slack/oauth_redirect?code={code}&state={state}", headers={"Cookie": cookie})
    assert done.status == 200, done.body


def _acks(slack: SlackHTTP, teams: list[str], n: int, warm: int = 20) -> list[float]:
    times = []
    for i in range(warm + n):
        form = slash_command("help", team=teams[i % len(teams)], response_url=slack.new_response_url())
        start = time.perf_counter()
        resp = slack.send_form(form)
        elapsed = (time.perf_counter() - start) * 1000
        assert resp.status == 200, resp
        if i >= warm:
            times.append(elapsed)
        if i % 50 == 0:
            slack.settle()
    slack.settle()
    return times


def _line(mode: str, times: list[float]) -> str:
    q = statistics.quantiles(times, n=20)
    return f"{mode:<32} ack p50 {statistics.median(times):5.1f} ms   p95 {q[18]:5.1f} ms   ({len(times)} requests)"


def run(url: str, n: int) -> list[str]:
    engine = make_engine(url)
    upgrade(engine)
    fake = FakeSlack().start()
    fake.add_user(ANN, "Ann Rep")
    front = Front()
    lines = []
    try:
        for mode, changes, teams in (
            ("one SLACK_BOT_TOKEN", {}, ["T1"]),
            (
                "OAuth, two workspaces",
                {"bot_token": None, "client_id": fake.client_id, "client_secret": fake.client_secret},
                ["TB1", "TB2"],
            ),
        ):
            changes_any: dict[str, Any] = dict(changes)
            slack = SlackHTTP.start(
                fake, url, sessions=make_session_factory(engine), front=front, **changes_any
            )
            if changes:
                for team in teams:
                    _install(slack, team)
            lines.append(_line(mode, _acks(slack, teams, n)))
            slack.finish()
    finally:
        front.stop()
        fake.stop()
        engine.dispose()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.oauth_bench")
    parser.add_argument("--db", help="database URL (default: a new SQLite file)")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        for line in run(url, args.requests):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
