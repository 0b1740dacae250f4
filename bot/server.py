"""``crm-bot run`` with Slack credentials: Socket Mode, or HTTP behind waitress (a production WSGI server).

HTTP serves ``POST /slack/events`` (Bolt verifies the signature: a bad one or a stale timestamp is a
401) and ``GET /healthz``. Bolt's own development server is not used because it drops malformed
requests without an answer.
"""

from __future__ import annotations

import io
import logging
import signal
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text

from bot.app import create_app
from bot.db import is_unavailable, reason
from bot.runtime import Services, build_services
from bot.settings import Settings
from bot.slack.client import make_client

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"


def _read_body(environ: dict[str, Any]) -> bytes:
    """Read the body once and put it back, so both Bolt and the fallback below can see it."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(raw)
    return bytes(raw)


def make_wsgi(app: App, services: Services) -> Callable[..., Iterable[bytes]]:
    bolt = SlackRequestHandler(app, path=EVENTS_PATH)
    secret = services.settings.signing_secret
    verifier = SignatureVerifier(secret) if secret else None

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if path == "/healthz":
            try:
                with services.sessions() as s:
                    s.execute(text("SELECT 1"))
                status, body = "200 OK", b"ok\n"
            except Exception as exc:
                if is_unavailable(exc):
                    log.warning("health check: database unreachable: %s", reason(exc))
                else:
                    log.exception("health check failed")
                status, body = "503 Service Unavailable", b"database unreachable\n"
            start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]
        if path == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST":
            raw = _read_body(environ)
            try:
                return bolt(environ, start_response)
            except ValueError as exc:
                # A body Bolt cannot even parse still gets an answer: 401 if it is not Slack's, else 400.
                signed = verifier is not None and verifier.is_valid(
                    raw,
                    environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""),
                    environ.get("HTTP_X_SLACK_SIGNATURE", ""),
                )
                log.warning("malformed request (%s): %s", "signed" if signed else "unsigned", str(exc)[:120])
                status, body = ("400 Bad Request", b"bad request\n") if signed else ("401 Unauthorized", b"")
                start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
                return [body]
        body = b"not found\n"
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]

    return wsgi


@dataclass
class HttpServer:
    """waitress serving the app in this process; ``port`` is the bound one (0 asks for a free port)."""

    server: Any
    thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server.effective_port)

    def start(self) -> HttpServer:
        self.thread = threading.Thread(target=self.server.run, name="crm-http", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        server = self.server
        if self.thread is None or not self.thread.is_alive():
            server.close()
            return

        # Close every channel from the server's own loop thread: closing sockets under a running
        # select() from another thread makes it fail with EBADF.
        def close_all() -> None:
            for channel in list(server._map.values()):
                channel.close()

        try:
            server.trigger.pull_trigger(close_all)
        except OSError:  # the loop is already going away
            server.close()
        self.thread.join(5)
        server.task_dispatcher.shutdown()


def make_http_server(
    wsgi: Callable[..., Iterable[bytes]], host: str, port: int, threads: int = 8, **options: Any
) -> HttpServer:
    """``options`` go to waitress (tests pass a short ``asyncore_loop_timeout`` to stop it quickly)."""
    from waitress import create_server  # type: ignore[import-untyped]

    server = create_server(wsgi, host=host, port=port, threads=threads, ident="crm-bot", **options)
    return HttpServer(server)


def _start_scheduler(settings: Settings, services: Services, client: Any) -> Any:
    if not settings.scheduler:
        return None
    try:
        from bot.scheduler import runner
    except ModuleNotFoundError:
        return None
    start = getattr(runner, "start_in_background", None)
    if start is None:
        return None
    try:
        return start(settings, services.sessions, client, services.clock, standby=True)
    except Exception as exc:  # the bot still answers people when another process runs the scheduler
        log.error("scheduler not started: %s", exc)
        return None


def serve(settings: Settings) -> int:
    services = build_services(settings)
    client = make_client(settings)
    app = create_app(settings, client=client, services=services)
    scheduler = _start_scheduler(settings, services, client)
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        if settings.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            handler = SocketModeHandler(app, settings.app_token)
            handler.connect()
            print("crm-bot: connected to Slack over Socket Mode")
            stop.wait()
            handler.close()
        else:
            http = make_http_server(make_wsgi(app, services), settings.host, settings.port).start()
            print(f"crm-bot: listening on http://{settings.host}:{http.port}{EVENTS_PATH}")
            stop.wait()
            http.stop()
    finally:
        if scheduler is not None:
            scheduler.stop()
        if services.engine is not None:
            services.engine.dispose()
    return 0
