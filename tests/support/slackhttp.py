"""Talk to the bot exactly as Slack does: signed HTTP requests to the app served by waitress on loopback.

Payload builders produce the bodies Slack sends (slash commands, Events API callbacks, ``payload=``
interactions); :class:`SlackHTTP` signs and posts them. What the bot answers lands in the fake Web API
(``tests.support.fakeslack``): Web API calls and posts to ``response_url``.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import itertools
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode, urlsplit

from bot.app import create_app
from bot.clock import Clock
from bot.console.session import TrackingExecutor
from bot.runtime import Services, build_services
from bot.server import make_http_server, make_wsgi
from bot.settings import Settings
from tests.support.fakeslack import Call, FakeSlack

SECRET = "test-signing-secret"
# Slack-shaped user ids (the parser reads mentions the way Slack writes them).
ANN = "U0ANN1111"
BOB = "U0BOB2222"
_ids = itertools.count(1)
# response_url keys are unique for the whole run: a late answer from an earlier test can never be
# taken for the answer to a request of this one (a per-test count would hand out r1, r2, … again).
_response_keys = itertools.count(1)


def fake_host(fake: FakeSlack) -> str:
    """The fake Slack's host:port, which the tests list as an allowed response_url host."""
    return urlsplit(fake.base).netloc


def sign(body: bytes, timestamp: int, secret: str = SECRET) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


# ---- payload builders ------------------------------------------------------------------------------


def slash_command(
    text: str, *, user: str = ANN, channel: str = "C1", team: str = "T1", response_url: str
) -> dict[str, str]:
    n = next(_ids)
    return {
        "token": "legacy",
        "team_id": team,
        "team_domain": "test",
        "channel_id": channel,
        "channel_name": "sales",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/crm",
        "text": text,
        "api_app_id": "A1",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"trigger.{n}",
    }


def event_callback(event: dict[str, Any], *, team: str = "T1", event_id: str | None = None) -> dict[str, Any]:
    n = next(_ids)
    return {
        "token": "legacy",
        "team_id": team,
        "api_app_id": "A1",
        "event": {"event_ts": f"{int(time.time())}.{n:06d}", **event},
        "type": "event_callback",
        "event_id": event_id or f"Ev{n:08d}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}],
    }


def dm(text: str, *, user: str = ANN, channel: str = "DANN") -> dict[str, Any]:
    n = next(_ids)
    return {
        "type": "message",
        "channel_type": "im",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": f"{int(time.time())}.{n:06d}",
    }


def mention(text: str, *, user: str = ANN, channel: str = "C1") -> dict[str, Any]:
    n = next(_ids)
    return {
        "type": "app_mention",
        "channel": channel,
        "user": user,
        "text": f"<@UBOT> {text}",
        "ts": f"{int(time.time())}.{n:06d}",
    }


def block_actions(
    button: dict[str, Any],
    *,
    user: str = ANN,
    team: str = "T1",
    channel: str = "C1",
    response_url: str | None,
    message_ts: str = "1700000000.000100",
    view_id: str | None = None,
) -> dict[str, Any]:
    """A press of ``button`` (a button element dict as the bot posted it)."""
    n = next(_ids)
    container: dict[str, Any] = (
        {"type": "view", "view_id": view_id}
        if view_id
        else {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": True}
    )
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": team, "domain": "test"},
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": "A1",
        "token": "legacy",
        "container": container,
        "trigger_id": f"trigger.{n}",
        "channel": {"id": channel, "name": "sales"},
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": button.get("block_id", "b1"),
                "text": button.get("text"),
                "value": button.get("value"),
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    if response_url:
        payload["response_url"] = response_url
    if view_id:
        payload["view"] = {"id": view_id, "type": "home"}
    return payload


def shortcut(callback_id: str, *, user: str = ANN, team: str = "T1") -> dict[str, Any]:
    """A global shortcut, as Slack sends it (from the shortcuts menu or the search bar)."""
    n = next(_ids)
    return {
        "type": "shortcut",
        "token": "legacy",
        "action_ts": f"{time.time():.6f}",
        "team": {"id": team, "domain": "test"},
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "callback_id": callback_id,
        "trigger_id": f"trigger.{n}",
    }


def message_action(
    callback_id: str,
    message: dict[str, Any],
    *,
    user: str = ANN,
    team: str = "T1",
    channel: str = "C1",
    response_url: str | None = None,
) -> dict[str, Any]:
    """A message shortcut on ``message`` (with its ``user``, ``text``, ``ts``), as Slack sends it."""
    n = next(_ids)
    return {
        "type": "message_action",
        "token": "legacy",
        "action_ts": f"{time.time():.6f}",
        "team": {"id": team, "domain": "test"},
        "user": {"id": user, "name": user.lower(), "team_id": team},
        "channel": {"id": channel, "name": "sales"},
        "callback_id": callback_id,
        "trigger_id": f"trigger.{n}",
        "message_ts": message["ts"],
        "message": {"type": "message", **message},
        "response_url": response_url or "https://hooks.slack.com/app/unused",
    }


def block_suggestion(
    view: dict[str, Any], block_id: str, value: str, *, user: str = ANN, team: str = "T1"
) -> dict[str, Any]:
    """What a picker sends as a person types ``value`` into the ``block_id`` field of ``view``."""
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return {
        "type": "block_suggestion",
        "token": "legacy",
        "team": {"id": team, "domain": "test"},
        "user": {"id": user, "name": user.lower(), "team_id": team},
        "api_app_id": "A1",
        "action_id": block["element"]["action_id"],
        "block_id": block_id,
        "value": value,
        "container": {"type": "view", "view_id": view.get("id", "V1")},
        "view": {**view, "id": view.get("id", "V1"), "state": {"values": {}}},
    }


def view_submission(
    view: dict[str, Any], values: dict[str, Any], *, user: str = ANN, team: str = "T1"
) -> dict[str, Any]:
    """A submit of ``view`` (as the bot opened it) with ``values`` in Slack's ``state.values`` shape."""
    n = next(_ids)
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": "test"},
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": "A1",
        "token": "legacy",
        "trigger_id": f"trigger.{n}",
        "view": {
            **view,
            "id": f"V{n:08d}",
            "hash": f"h{n}",
            "team_id": team,
            "state": {"values": values},
        },
    }


def modal_values(view: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The state a person would submit: the modal's initial values, with ``changes`` by block id."""
    values: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        el = block["element"]
        bid = block["block_id"]
        kind = el["type"]
        if kind == "plain_text_input":
            state = {"type": kind, "value": el.get("initial_value")}
        elif kind == "static_select":
            state = {"type": kind, "selected_option": el.get("initial_option")}
        elif kind == "users_select":
            state = {"type": kind, "selected_user": el.get("initial_user")}
        elif kind == "datepicker":
            state = {"type": kind, "selected_date": el.get("initial_date")}
        elif kind == "timepicker":
            state = {"type": kind, "selected_time": el.get("initial_time")}
        elif kind == "external_select":
            state = {"type": kind, "selected_option": el.get("initial_option")}
        elif kind == "checkboxes":
            state = {"type": kind, "selected_options": el.get("initial_options") or []}
        else:
            continue
        if bid in changes:
            new = changes[bid]
            key = {
                "plain_text_input": "value",
                "users_select": "selected_user",
                "datepicker": "selected_date",
                "timepicker": "selected_time",
            }.get(kind)
            if kind == "external_select":
                # An id picks that record; a name is what the picker's "as typed" option carries.
                state["selected_option"] = (
                    None
                    if new is None
                    else {
                        "value": str(new) if isinstance(new, int) else "+" + new,
                        "text": {"type": "plain_text", "text": str(new)},
                    }
                )
            elif kind == "checkboxes":
                state["selected_options"] = [{"value": v} for v in new]
            elif kind == "static_select":
                state["selected_option"] = (
                    None if new is None else {"value": new, "text": {"type": "plain_text", "text": new}}
                )
            elif key:
                state[key] = new
        values[bid] = {el["action_id"]: state}
    return values


# ---- reading what the bot said -----------------------------------------------------------------------


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def text_of(call: Call | dict[str, Any]) -> str:
    """Everything a person reads in a message or view: its text, its blocks' texts and button labels."""
    params = call.params if isinstance(call, Call) else call
    parts = [str(params.get("text") or "")]
    for node in _walk(params.get("blocks") or (params.get("view") or {}).get("blocks") or []):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            parts.append(node["text"])
    return "\n".join(parts)


def buttons(call: Call | dict[str, Any]) -> list[dict[str, Any]]:
    params = call.params if isinstance(call, Call) else call
    blocks = params.get("blocks") or (params.get("view") or {}).get("blocks") or []
    found = []
    for node in _walk(blocks):
        if node.get("type") == "button":
            found.append({**node, "label": node["text"]["text"]})
    return found


def button(call: Call | dict[str, Any], label: str) -> dict[str, Any]:
    for b in buttons(call):
        if b["label"].lower().startswith(label.lower()):
            return b
    raise AssertionError(f"no button {label!r} in {[b['label'] for b in buttons(call)]}")


# ---- the app on a port -------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    body: str
    headers: dict[str, str] | None = None


class Front:
    """One waitress server (the production one) in front of whichever app is mounted.

    Starting a server per test costs little, but stopping one while its worker threads finish costs
    more; a module keeps one front and mounts a fresh app (fresh database) per test.
    """

    def __init__(self) -> None:
        self.target: Any = None
        self.server = make_http_server(self, "127.0.0.1", 0, threads=4, asyncore_loop_timeout=0.05).start()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.target(environ, start_response)

    def mount(self, app: Any, services: Services) -> None:
        self.target = make_wsgi(app, services)

    @property
    def port(self) -> int:
        return self.server.port

    def stop(self) -> None:
        self.server.stop()


class SlackHTTP:
    def __init__(self, fake: FakeSlack, services: Services, front: Front, secret: str = SECRET) -> None:
        self.fake = fake
        self.services = services
        self.front = front
        self.secret = secret
        self.work: TrackingExecutor | None = None

    @classmethod
    def start(
        cls,
        fake: FakeSlack,
        database_url: str,
        *,
        clock: Clock | None = None,
        sessions: Any = None,
        front: Front | None = None,
        admins: tuple[str, ...] = (),
        webhook_hosts: tuple[str, ...] = (),
        **changes: Any,
    ) -> SlackHTTP:
        """The app over ``database_url`` behind ``front`` (a new one when not given); ``admins`` is
        ``CRM_ADMINS``; ``changes`` are other settings (the OAuth install's, say)."""
        settings = Settings(
            bot_token="xoxb-test",
            signing_secret=SECRET,
            api_url=fake.api_url,
            database_url=database_url,
            default_tz="UTC",
            scheduler=False,
            response_url_hosts=(fake_host(fake),),
            admins=admins,
            webhook_hosts=webhook_hosts,
        )
        settings = replace(settings, **changes)
        services = build_services(settings, sessions=sessions, clock=clock)
        work = TrackingExecutor(ThreadPoolExecutor(max_workers=8, thread_name_prefix="crm-test-work"))
        app = create_app(settings, services=services, listener_executor=work)
        front = front or Front()
        front.mount(app, services)
        server = cls(fake, services, front)
        server.work = work
        return server

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until the work after every ack so far (lazy listeners and the extras they run after a
        reply) has finished: what the bot was asked to do has then all reached the fake."""
        if self.work is not None and not self.work.wait_idle(timeout):
            raise AssertionError(f"the app's work after the ack still runs after {timeout}s")

    def finish(self) -> None:
        """Wait for the work still running after its ack, so nothing spills into the next test."""
        if self.work is not None:
            self.work.shutdown(wait=True)

    def stop(self) -> None:
        self.finish()
        self.front.stop()

    @property
    def crm(self) -> Any:
        return self.services.crm

    def new_response_url(self) -> str:
        return self.fake.response_url(f"r{next(_response_keys)}")

    # ---- raw HTTP ----

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
        path: str = "/slack/events",
    ) -> Response:
        ts = int(time.time()) if timestamp is None else timestamp
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": signature or sign(body, ts, self.secret),
            **(headers or {}),
        }
        conn = http.client.HTTPConnection("127.0.0.1", self.front.port, timeout=10)
        try:
            conn.request("POST", path, body=body, headers=all_headers)
            resp = conn.getresponse()
            return Response(resp.status, resp.read().decode("utf-8", "replace"))
        finally:
            conn.close()

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", self.front.port, timeout=10)
        try:
            conn.request("GET", path, headers=headers or {})
            resp = conn.getresponse()
            return Response(resp.status, resp.read().decode(), dict(resp.getheaders()))
        finally:
            conn.close()

    def send_form(self, form: dict[str, str], **kwargs: Any) -> Response:
        return self.post(urlencode(form).encode(), "application/x-www-form-urlencoded", **kwargs)

    def send_payload(self, payload: dict[str, Any], **kwargs: Any) -> Response:
        return self.send_form({"payload": json.dumps(payload)}, **kwargs)

    def send_event(self, body: dict[str, Any], *, retry: int | None = None, **kwargs: Any) -> Response:
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return self.post(json.dumps(body).encode(), "application/json", headers=headers, **kwargs)

    # ---- as a person ----

    def command(self, text: str, *, user: str = ANN, channel: str = "C1", wait: bool = True) -> Call | None:
        """``/crm text``; returns what the bot posted to the response_url."""
        url = self.new_response_url()
        resp = self.send_form(slash_command(text, user=user, channel=channel, response_url=url))
        assert resp.status == 200, resp
        return self.wait_response(url) if wait else None

    def press(
        self, call: Call | dict[str, Any], label: str, *, user: str = ANN, wait: bool = True
    ) -> Call | None:
        """Press the button labelled ``label`` on a message the bot posted; returns the bot's answer."""
        url = self.new_response_url()
        resp = self.send_payload(block_actions(button(call, label), user=user, response_url=url))
        assert resp.status == 200, resp
        return self.wait_response(url) if wait else None

    def wait_response(self, url: str, timeout: float = 10.0) -> Call:
        path = url.split(self.fake.base, 1)[1]
        return self.fake.wait_for(lambda f: next((c for c in f.responses if c.method == path), None), timeout)

    def dm(self, text: str, *, user: str = ANN) -> Call:
        """Write to the bot in the DM; returns its answer there (the first post to that DM after it)."""
        channel = f"D{user}"
        before = len(self.fake.calls_to("chat.postMessage"))
        resp = self.send_event(event_callback(dm(text, user=user, channel=channel)))
        assert resp.status == 200, resp
        return self.fake.wait_for(
            lambda f: next(
                (c for c in f._unlocked("chat.postMessage")[before:] if c.params.get("channel") == channel),
                None,
            ),
            timeout=10,
        )
