"""A stand-in for the Slack Web API on a loopback port: records every call the bot makes and answers
like Slack. The local console talks to it instead of Slack, and the test suite uses it as its fake.

It also serves the absolute URLs Slack hands out: ``response_url`` (for ``respond()``) and the
``upload_url`` of files upload v2. Faults can be queued per method (429 with Retry-After, 500,
``ok: false``) to test retries.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)
    # What the stand-in answered (ts of a posted message, id of an opened view).
    result: dict[str, Any] | None = None


@dataclass
class Fault:
    status: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


class SlackStandIn:
    def __init__(self, team_id: str = "T1", team_name: str = "Test", bot_user_id: str = "UBOT") -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        # Everything the bot sent, in arrival order: API calls, response_url posts and uploads alike.
        self.log: list[Call] = []
        self.channels: dict[str, dict[str, Any]] = {}
        self.calls: list[Call] = []
        self.responses: list[Call] = []  # posts to response_url
        self.uploads: list[Call] = []  # bytes posted to upload_url
        self.users: dict[str, dict[str, Any]] = {}
        # Files people shared with the bot, served at their url_private to a request with a bot token.
        self.files: dict[str, tuple[str, bytes]] = {}
        # The name each upload was given (files.getUploadURLExternal), so a saved copy keeps its kind.
        self.upload_names: dict[str, str] = {}
        self.faults: dict[str, list[Fault]] = {}
        self.handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        # A short poll interval: stopping the stand-in (once per test) then takes milliseconds, not 0.5 s.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    # ---- lifecycle -----------------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        host_text = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{host_text}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, key: str = "r1") -> str:
        return f"{self.base}/response/{key}"

    # ---- set-up --------------------------------------------------------------------------------

    def add_user(
        self, user_id: str, name: str, tz: str = "America/New_York", email: str | None = None
    ) -> None:
        self.users[user_id] = {
            "id": user_id,
            "name": name.lower().replace(" ", "."),
            "real_name": name,
            "tz": tz,
            "tz_offset": 0,
            "profile": {"real_name": name, "display_name": name.split()[0], "email": email},
        }

    def add_channel(self, channel_id: str, name: str) -> None:
        self.channels[channel_id] = {"id": channel_id, "name": name, "is_channel": True}

    def add_file(self, name: str, content: bytes, *, user: str = "U1") -> dict[str, Any]:
        """A file as Slack describes it in a ``message`` event's ``files`` (shared by ``user``)."""
        file_id = f"F{next(self._ts):06d}"
        with self._lock:
            self.files[file_id] = (name, content)
        return {
            "id": file_id,
            "name": name,
            "title": name,
            "mimetype": "text/csv",
            "filetype": "csv",
            "size": len(content),
            "user": user,
            "url_private": f"{self.base}/files-pri/{self.team_id}-{file_id}/{name}",
            "url_private_download": f"{self.base}/files-pri/{self.team_id}-{file_id}/download/{name}",
        }

    def fail_next(self, method: str, *faults: Fault) -> None:
        with self._lock:
            self.faults.setdefault(method, []).extend(faults)

    # ---- what the bot did ----------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, predicate: Callable[[SlackStandIn], Any], timeout: float = 5.0) -> Any:
        """Block until ``predicate(self)`` is truthy (the bot works after the ack), or fail."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = predicate(self)
                if result:
                    return result
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"Slack stand-in: condition not met in {timeout}s; calls: {self.summary()}"
                    )
                self._changed.wait(left)

    def wait_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        return self.wait_for(
            lambda _: len(self._unlocked(method)) >= count and self._unlocked(method), timeout
        )

    def wait_responses(self, count: int = 1, timeout: float = 5.0) -> list[Call]:
        return self.wait_for(lambda s: len(s.responses) >= count and list(s.responses), timeout)

    def _unlocked(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def summary(self) -> list[str]:
        return [c.method for c in self.calls] + [f"response_url#{i}" for i, _ in enumerate(self.responses)]

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.responses.clear()
            self.uploads.clear()
            self.log.clear()

    # ---- the API -------------------------------------------------------------------------------

    def _answer(
        self, method: str, params: dict[str, Any], headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """Slack's answer to ``method``; ``headers`` (lower-case names) carry the caller's token."""
        if method in self.handlers:
            return self.handlers[method](params)
        if method == "auth.test":
            return {
                "ok": True,
                "user_id": self.bot_user_id,
                "bot_id": "B" + self.bot_user_id.removeprefix("U"),
                "team_id": self.team_id,
                "team": self.team_name,
                "url": self.base,
            }
        if method == "users.info":
            user = self.users.get(params.get("user", ""))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "users.lookupByEmail":
            email = str(params.get("email", "")).lower()
            user = next(
                (u for u in self.users.values() if str(u["profile"].get("email") or "").lower() == email),
                None,
            )
            return {"ok": True, "user": user} if user else {"ok": False, "error": "users_not_found"}
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            ts = str(params.get("ts") or f"{int(time.time())}.{next(self._ts):06d}")
            return {
                "ok": True,
                "channel": params.get("channel"),
                "ts": ts,
                "message_ts": ts,
                "message": {"text": params.get("text"), "blocks": params.get("blocks") or []},
            }
        if method in ("views.open", "views.push", "views.update", "views.publish"):
            view = params.get("view")
            view = dict(view) if isinstance(view, dict) else {}
            view.setdefault("id", params.get("view_id") or f"V{next(self._ts):06d}")
            view.setdefault("hash", f"h{next(self._ts)}")
            view.setdefault("team_id", self.team_id)
            view.setdefault("state", {"values": {}})
            return {"ok": True, "view": view}
        if method == "conversations.info":
            channel_id = str(params.get("channel", ""))
            known = self.channels.get(channel_id)
            if known is None and not channel_id.startswith("D"):
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": known or {"id": channel_id, "is_im": True}}
        if method == "chat.getPermalink":
            return {
                "ok": True,
                "permalink": f"{self.base}/archives/{params.get('channel')}/p{params.get('message_ts')}",
            }
        if method == "conversations.create":
            name = str(params.get("name", ""))
            if any(c.get("name") == name for c in self.channels.values()):
                return {"ok": False, "error": "name_taken"}
            channel_id = "C" + "".join(ch for ch in name.upper() if ch.isalnum())[:20]
            self.add_channel(channel_id, name)
            return {"ok": True, "channel": {"id": channel_id, "name": name}}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params.get("users", "X")).split(",")[0]}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):06d}"
            self.upload_names[file_id] = str(params.get("filename") or "")
            return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            return {
                "ok": True,
                "files": [{"id": f["id"], "title": f.get("title")} for f in _json_list(params.get("files"))],
            }
        return {"ok": True}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def _handle(self) -> None:
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                if url.path.startswith("/files-pri/"):
                    return self._serve_file(url.path, headers)
                if url.path.startswith("/upload/"):
                    with fake._changed:
                        fake.uploads.append(Call(url.path, {"bytes": raw}, headers))
                        fake.log.append(fake.uploads[-1])
                        fake._changed.notify_all()
                    return self._send(200, b"OK", "text/plain")
                params = _decode(raw, headers.get("content-type", ""), url.query)
                if url.path.startswith("/response/"):
                    with fake._changed:
                        fake.responses.append(Call(url.path, params, headers))
                        fake.log.append(fake.responses[-1])
                        fake._changed.notify_all()
                    return self._send(200, b"ok", "text/plain")
                method = url.path.removeprefix("/api/")
                with fake._changed:
                    queued = fake.faults.get(method)
                    fault = queued.pop(0) if queued else None
                    call = Call(method, params, headers)
                    fake.calls.append(call)
                    fake.log.append(call)
                    fake._changed.notify_all()
                if fault is not None:
                    body = json.dumps(fault.body or {"ok": False, "error": "fatal_error"}).encode()
                    return self._send(fault.status, body, "application/json", fault.headers)
                answer = fake._answer(method, params, headers)
                # Wake waiters again: a handler may have changed what they wait on (a subclass's
                # record of accepted posts, the call's result) after the call itself was recorded.
                with fake._changed:
                    call.result = answer
                    fake._changed.notify_all()
                return self._send(200, json.dumps(answer).encode(), "application/json")

            def _serve_file(self, path: str, headers: dict[str, str]) -> None:
                # As Slack: a file's private URL needs a token that may read it, else a login page.
                file_id = path.split("/")[2].split("-", 1)[-1]
                found = fake.files.get(file_id)
                if not headers.get("authorization", "").startswith("Bearer xox"):
                    return self._send(302, b"", "text/html", {"Location": f"{fake.base}/login"})
                if found is None:
                    return self._send(404, b"not found", "text/plain")
                return self._send(200, found[1], "application/octet-stream")

            def _send(
                self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        return Handler


def _json_list(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return []
    return value if isinstance(value, list) else []


def _decode(raw: bytes, ctype: str, query: str) -> dict[str, Any]:
    params: dict[str, Any] = {k: v[0] for k, v in parse_qs(query).items()}
    if not raw:
        return params
    if "json" in ctype:
        with contextlib.suppress(json.JSONDecodeError):
            params.update(json.loads(raw))
        return params
    for k, v in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items():
        value: Any = v[0]
        if k in ("blocks", "attachments", "view", "files") and isinstance(value, str):
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(value)
        params[k] = value
    return params
