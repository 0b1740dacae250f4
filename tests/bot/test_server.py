"""``crm-bot run`` as a deployment runs it: a separate process, HTTP behind waitress (with the scheduler
beside it) or Socket Mode."""

from __future__ import annotations

import contextlib
import http.client
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from tests.support.fakeslack import FakeSlack
from tests.support.slackhttp import ANN, SECRET, fake_host, sign, text_of
from tests.support.socketmode import SocketModeServer


def free_port() -> int:
    """A free port for the bot's process to bind, below the kernel's range for outgoing connections.

    A port the kernel hands out for ``bind(0)`` comes from that range, so once it is closed any
    connection on the machine (the rest of the suite talks HTTP on loopback all the time) may take it
    as its local port before the bot binds it. Below the range, only an explicit bind can.
    """
    low = 32768
    with contextlib.suppress(OSError, ValueError):
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for port in random.sample(range(max(1024, low - 12000), low), 200):
        with socket.socket() as s, contextlib.suppress(OSError):
            s.bind(("127.0.0.1", port))
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_bot(tmp_path: Path, settings: dict[str, str]) -> subprocess.Popen[str]:
    """``crm-bot run`` in its own process with only these settings (none of the caller's Slack, CRM or
    database variables), on a SQLite file of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CRM_", "DATABASE_"))}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'crm.sqlite3'}", **settings}
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_crm_bot_run_serves_signed_requests_and_stops_cleanly(tmp_path: Path) -> None:
    fake = FakeSlack().start()
    fake.add_user(ANN, "Ann Rep", tz="America/New_York")
    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "PORT": str(port),
        "CRM_SCHEDULER_INTERVAL": "0.2",
        "CRM_RESPONSE_URL_HOSTS": fake_host(fake),
    }
    proc = start_bot(tmp_path, env)
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "listening on" in line:
                break
        assert f"http://127.0.0.1:{port}/slack/events" in "".join(lines), lines

        url = fake.response_url("run1")
        body = urlencode(
            {
                "team_id": "T1",
                "user_id": ANN,
                "channel_id": "C1",
                "command": "/crm",
                "text": "help",
                "response_url": url,
                "trigger_id": "t.1",
            }
        ).encode()
        ts = int(time.time())
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request(
            "POST",
            "/slack/events",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": str(ts),
                "X-Slack-Signature": sign(body, ts),
            },
        )
        assert conn.getresponse().status == 200
        reply = fake.wait_responses(1, timeout=10)[0]
        assert "What I can do" in text_of(reply)

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        fake.stop()


def test_crm_bot_run_in_socket_mode(tmp_path: Path) -> None:
    fake = FakeSlack().start()
    fake.add_user(ANN, "Ann Rep", tz="America/New_York")
    ws = SocketModeServer().start()
    fake.handlers["apps.connections.open"] = lambda params: {"ok": True, "url": ws.url}
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_APP_TOKEN": "xapp-test",
        "SLACK_API_URL": fake.api_url,
        "CRM_SCHEDULER": "off",
    }
    proc = start_bot(tmp_path, env)
    try:
        url = fake.response_url("sm1")
        command = {
            "team_id": "T1",
            "user_id": ANN,
            "channel_id": "C1",
            "command": "/crm",
            "text": "help",
            "response_url": url,
            "trigger_id": "t.1",
        }
        ws.send(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": command,
            }
        )
        assert ws.next_message()["envelope_id"] == "env-1"  # acked over the socket
        reply = fake.wait_for(
            lambda f: next((c for c in f.responses if c.method == "/response/sm1"), None), 15
        )
        assert "What I can do" in text_of(reply)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        ws.stop()
        fake.stop()
