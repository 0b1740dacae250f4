"""``crm-bot run`` with Slack credentials: Socket Mode, or HTTP behind waitress (a production WSGI server).

HTTP serves ``POST /slack/events`` (Bolt verifies the signature: a bad one or a stale timestamp is a
401) and ``GET /healthz``; in OAuth mode also the browser's ``GET`` of the install page and of the OAuth
redirect (``SLACK_INSTALL_PATH``, ``SLACK_REDIRECT_URI_PATH``), which carry no body. Bolt's own development server is not used because it drops malformed
requests without an answer.
"""

from __future__ import annotations

import io
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from bot.app import create_app
from bot.db import is_unavailable, reason
from bot.runtime import Services, build_services
from bot.settings import Settings
from bot.slack import verify
from bot.slack.client import make_client

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"


def _answer(start_response: Callable[..., Any], status: str, body: bytes = b"") -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


_STATUS = {
    400: "400 Bad Request",
    401: "401 Unauthorized",
    413: "413 Payload Too Large",
    414: "414 URI Too Long",
}


def _browser_get(
    bolt: Callable[..., Iterable[bytes]], environ: dict[str, Any], start_response: Callable[..., Any]
) -> Iterable[bytes]:
    """The install page or the OAuth redirect, to Bolt's OAuth flow once it has no body and a short query."""
    try:
        verify.check_browser_get(environ.get("CONTENT_LENGTH"), environ.get("QUERY_STRING"))
    except verify.Refused as refused:
        log.warning(
            "refused a request for %s: %s (%d)", environ.get("PATH_INFO"), refused.reason, refused.status
        )
        return _answer(start_response, _STATUS[refused.status])
    environ["wsgi.input"] = io.BytesIO(b"")
    environ["CONTENT_LENGTH"] = "0"
    try:
        return bolt(environ, start_response)
    except Exception as exc:
        if is_unavailable(exc):
            log.warning("install page: database unreachable: %s", reason(exc))
        else:
            log.exception("install page failed")
        return _answer(start_response, "503 Service Unavailable", b"try again in a moment\n")


def make_wsgi(app: App, services: Services) -> Callable[..., Iterable[bytes]]:
    """The front door: a request reaches Bolt only when it is within the size limit, signed by Slack
    within the last five minutes, a JSON object or form, and names response_urls only on allowed hosts.
    Whatever is refused gets one log line that never quotes the body."""
    bolt = SlackRequestHandler(app, path=EVENTS_PATH)
    settings = services.settings
    secret = settings.signing_secret
    if not secret:
        raise ValueError("HTTP mode needs SLACK_SIGNING_SECRET to verify Slack's requests")

    def health(start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            with services.sessions() as s:
                s.execute(text("SELECT 1"))
        except Exception as exc:
            if is_unavailable(exc):
                log.warning("health check: database unreachable: %s", reason(exc))
            else:
                log.exception("health check failed")
            return _answer(start_response, "503 Service Unavailable", b"database unreachable\n")
        return _answer(start_response, "200 OK", b"ok\n")

    def events(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            length = verify.check_length(environ.get("CONTENT_LENGTH"), settings.max_body_bytes)
            raw = environ["wsgi.input"].read(length) if length > 0 else b""
            verify.check_signature(
                secret,
                raw,
                environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
                environ.get("HTTP_X_SLACK_SIGNATURE"),
                time.time(),
            )
            body = verify.parse_body(raw, environ.get("CONTENT_TYPE"))
            verify.check_shape(body)
            verify.check_response_urls(body, settings.response_url_hosts)
        except verify.Refused as refused:
            log.warning(
                "refused a request from %s: %s (%d)",
                environ.get("REMOTE_ADDR", "?"),
                refused.reason,
                refused.status,
            )
            return _answer(start_response, _STATUS[refused.status])
        environ["wsgi.input"] = io.BytesIO(raw)
        try:
            return bolt(environ, start_response)
        except ValueError as exc:  # signed, but a shape Bolt cannot read
            log.warning("refused a signed request Bolt cannot read: %s", type(exc).__name__)
            return _answer(start_response, "400 Bad Request", b"bad request\n")

    # The OAuth install's browser pages, only in OAuth mode; everything from Slack itself stays signed.
    browser_paths = {settings.install_path, settings.redirect_uri_path} if settings.oauth else set()

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD")
        if path == "/healthz":
            return health(start_response)
        if path == EVENTS_PATH and method == "POST":
            return events(environ, start_response)
        if path in browser_paths and method == "GET":
            return _browser_get(bolt, environ, start_response)
        return _answer(start_response, "404 Not Found", b"not found\n")

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
            # waitress keeps its open channels in the asyncore map; it has no public way to close them.
            for channel in list(server._map.values()):  # noqa: SLF001
                channel.close()

        try:
            server.trigger.pull_trigger(close_all)
        except OSError:  # the loop is already going away
            server.close()
        self.thread.join(5)
        server.task_dispatcher.shutdown()


def make_http_server(
    wsgi: Callable[..., Iterable[bytes]],
    host: str,
    port: int,
    threads: int = 8,
    max_body_bytes: int = verify.DEFAULT_MAX_BODY_BYTES,
    **options: Any,
) -> HttpServer:
    """``options`` go to waitress (tests pass a short ``asyncore_loop_timeout`` to stop it quickly).

    waitress buffers a chunked body before the app sees it; ``max_body_bytes`` makes it stop at the
    limit (413) instead of spooling a body of any size to disk."""
    from waitress import create_server  # type: ignore[import-untyped]

    server = create_server(
        wsgi,
        host=host,
        port=port,
        threads=threads,
        ident="crm-bot",
        max_request_body_size=max_body_bytes,
        **options,
    )
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
            http = make_http_server(
                make_wsgi(app, services), settings.host, settings.port, max_body_bytes=settings.max_body_bytes
            ).start()
            print(f"crm-bot: listening on http://{settings.host}:{http.port}{EVENTS_PATH}")
            if settings.oauth:
                print(f"crm-bot: install page at http://{settings.host}:{http.port}{settings.install_path}")
            stop.wait()
            http.stop()
    finally:
        if scheduler is not None:
            scheduler.stop()
        if services.engine is not None:
            services.engine.dispose()
    return 0
