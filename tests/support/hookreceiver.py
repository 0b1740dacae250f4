"""A webhook receiver on loopback, as a team's own service would be: it checks each delivery's signature
and timestamp with the endpoint's secret, skips a delivery id it has already accepted (as the README
tells receivers to), and answers with failures or hangs on demand so that retries can be watched."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Arrival:
    path: str
    delivery: str
    event_type: str
    body: bytes
    timestamp: int
    signed: bool
    status: int
    at: float

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


class HookReceiver:
    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.arrivals: list[Arrival] = []
        # Deliveries accepted (answered 2xx to, signature good), by delivery id: the receiver's own
        # record, which a repeat of an accepted id does not add to.
        self.accepted: dict[str, Arrival] = {}
        self.repeats = 0
        # Per path: what to answer next (a status, or ("hang", seconds)); empty: 200.
        self.plans: dict[str, deque[Any]] = {}
        self.always: dict[str, Any] = {}
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                receiver._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # A short poll interval: stopping the receiver (once per test) then takes milliseconds, not 0.5 s.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> HookReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def plan(self, path: str, *answers: Any) -> None:
        with self.lock:
            self.plans.setdefault(path, deque()).extend(answers)

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"the receiver did not get what was expected in {timeout}s")
                self.arrived.wait(left)

    def accepted_at(self, path: str) -> list[Arrival]:
        with self.lock:
            return [a for a in self.accepted.values() if a.path == path]

    def _answer(self, path: str) -> Any:
        with self.lock:
            queue = self.plans.get(path)
            if queue:
                return queue.popleft()
            return self.always.get(path, 200)

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length)
        path = request.path
        stamp = request.headers.get("X-CRM-Request-Timestamp") or "0"
        given = request.headers.get("X-CRM-Signature") or ""
        secret = self.secrets.get(path, "")
        expected = (
            "v0=" + hmac.new(secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
        )
        fresh = stamp.isdigit() and abs(time.time() - int(stamp)) < 300
        signed = bool(secret) and fresh and hmac.compare_digest(given, expected)
        answer = self._answer(path)
        status = 401 if not signed else (answer if isinstance(answer, int) else 200)
        arrival = Arrival(
            path,
            request.headers.get("X-CRM-Delivery") or "",
            request.headers.get("X-CRM-Event") or "",
            body,
            int(stamp) if stamp.isdigit() else 0,
            signed,
            status,
            time.monotonic(),
        )
        with self.arrived:
            self.arrivals.append(arrival)
            hangs = isinstance(answer, tuple) and answer[0] == "hang"
            if 200 <= status < 300 and not hangs:
                if arrival.delivery in self.accepted:
                    self.repeats += 1
                else:
                    self.accepted[arrival.delivery] = arrival
            self.arrived.notify_all()
        if isinstance(answer, tuple) and answer[0] == "hang":
            # ("hang", seconds): too slow for the sender, which gives up; nothing is accepted.
            time.sleep(answer[1])
        elif isinstance(answer, tuple):
            # ("hold", event): processed and accepted, but the answer waits (the sender dies meanwhile).
            answer[1].wait(30)
        try:
            request.send_response(status)
            request.send_header("Content-Length", "2")
            request.end_headers()
            request.wfile.write(b"ok")
        except OSError:
            pass  # the sender stopped waiting
