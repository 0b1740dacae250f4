"""Hostile and broken requests at the HTTP front door get a clean answer and nothing else.

Everything here goes over real HTTP to the app served by waitress, as in production: what is refused
is refused before Bolt sees it, is answered 400/401/413, makes no outbound call and logs one line
that never carries the body.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import time
from urllib.parse import urlencode

import pytest

from models import Deal, Task
from tests.handlers.helpers import count
from tests.support.slackhttp import SlackHTTP, button, sign, slash_command, text_of

FORM = "application/x-www-form-urlencoded"
SECRET_TEXT = "pricing-for-jane-is-confidential"


def _records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.INFO and r.name.startswith(("bot", "handlers"))]


def _assert_one_clean_line(caplog: pytest.LogCaptureFixture, *, not_in: str = SECRET_TEXT) -> None:
    records = _records(caplog)
    assert len(records) == 1, [r.getMessage() for r in records]
    assert records[0].exc_info is None
    assert not_in not in caplog.text
    assert "\n" not in records[0].getMessage()


def _command_body(slack: SlackHTTP, text: str = f"log call with Jane {SECRET_TEXT}") -> bytes:
    return urlencode(slash_command(text, response_url=slack.new_response_url())).encode()


@pytest.mark.parametrize("timestamp", ["abc", "1733412345.5", "", " 1733412345", "1e9", "17334123²5"])
def test_a_timestamp_that_is_not_a_whole_number_is_refused(
    slack: SlackHTTP, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    body = _command_body(slack)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        # Whatever signature comes with it: a made-up one, or one computed over that very timestamp.
        for signature in ("v0=" + "0" * 64, sign(body, timestamp)):  # type: ignore[arg-type]
            assert slack.post(body, FORM, timestamp=timestamp, signature=signature).status == 401  # type: ignore[arg-type]
        slack.settle()
    assert slack.fake.responses == [] and slack.fake.calls == []
    assert len(_records(caplog)) == 2 and all(r.exc_info is None for r in _records(caplog))
    assert SECRET_TEXT not in caplog.text


def test_a_missing_timestamp_or_signature_is_refused(slack: SlackHTTP) -> None:
    body = _command_body(slack)
    conn = http.client.HTTPConnection("127.0.0.1", slack.front.port, timeout=10)
    try:
        conn.request("POST", "/slack/events", body=body, headers={"Content-Type": FORM})
        assert conn.getresponse().status == 401
    finally:
        conn.close()
    slack.settle()
    assert slack.fake.responses == []


def test_a_stale_genuine_request_is_refused_without_logging_its_text(
    slack: SlackHTTP, caplog: pytest.LogCaptureFixture
) -> None:
    body = _command_body(slack)
    stale = int(time.time()) - 10 * 60
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        assert slack.post(body, FORM, timestamp=stale, signature=sign(body, stale)).status == 401
        slack.settle()
    assert slack.fake.responses == []
    assert SECRET_TEXT not in caplog.text
    assert len(_records(caplog)) == 1


MALFORMED = [
    (b"payload=%7Bnot-json", FORM),
    (b'{"type": "event_callback", "event": {"type": "mess', "application/json"),
    (b"[1,2,3]", "application/json"),
    (b"payload=%5B1%2C2%2C3%5D", FORM),
    (b"payload=%22just+a+string%22", FORM),
    (bytes(range(256)) * 4, "application/octet-stream"),
    (b"\xff\xfe\x00payload=\x80\x81", FORM),
    (b'"a string"', "application/json"),
    (b"null", "application/json"),
]


@pytest.mark.parametrize(("body", "ctype"), MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_bodies_are_400_when_signed_and_401_when_not(
    slack: SlackHTTP, caplog: pytest.LogCaptureFixture, body: bytes, ctype: str
) -> None:
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert slack.post(body, ctype, signature="v0=" + "0" * 64).status == 401
        assert slack.post(body, ctype).status == 400
        slack.settle()
    assert slack.fake.responses == [] and slack.fake.calls == []
    records = _records(caplog)
    assert len(records) == 2 and all(r.exc_info is None for r in records), [r.getMessage() for r in records]
    assert slack.get("/healthz").status == 200


def test_a_response_url_off_slack_is_never_posted_to(
    slack: SlackHTTP, caplog: pytest.LogCaptureFixture
) -> None:
    form = slash_command("pipeline", response_url="https://attacker.example.net/collect")
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert slack.send_form(form).status == 400
        slack.settle()
    assert slack.fake.calls == [] and slack.fake.responses == []
    assert len(_records(caplog)) == 1
    # The fake Slack is a host the operator listed (the tests' settings): requests naming it are served.
    assert "Pipeline" in text_of(slack.command("pipeline"))


def _post_big(slack: SlackHTTP, body: bytes, signature: str) -> int:
    """The status of a large POST; the server may answer (and close) before the client has sent it all,
    so a failed send still reads the answer that came back."""
    ts = str(int(time.time()))
    conn = http.client.HTTPConnection("127.0.0.1", slack.front.port, timeout=10)
    try:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.request(
                "POST",
                "/slack/events",
                body=body,
                headers={
                    "Content-Type": FORM,
                    "X-Slack-Request-Timestamp": ts,
                    "X-Slack-Signature": signature,
                },
            )
        return conn.getresponse().status
    finally:
        conn.close()


def test_a_body_over_the_limit_is_refused_before_it_is_read(
    slack: SlackHTTP, caplog: pytest.LogCaptureFixture
) -> None:
    big = b"text=" + SECRET_TEXT.encode() + b"x" * (2 * 1024 * 1024)
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        assert _post_big(slack, big, "v0=" + "0" * 64) == 413
        assert _post_big(slack, big, sign(big, int(time.time()))) == 413
        slack.settle()
    assert slack.fake.calls == [] and slack.fake.responses == []
    assert SECRET_TEXT not in caplog.text
    # waitress refuses it from the Content-Length alone (no line), or the front door does (one line).
    assert len(_records(caplog)) <= 2


def test_a_chunked_body_over_the_limit_is_refused(slack: SlackHTTP) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"x" * 65536

    conn = http.client.HTTPConnection("127.0.0.1", slack.front.port, timeout=10)
    try:
        conn.request(
            "POST",
            "/slack/events",
            body=chunks(),
            headers={"Content-Type": FORM, "X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=0"},
            encode_chunked=True,
        )
        assert conn.getresponse().status == 413
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may hang up before the client has finished sending: refused all the same
    finally:
        conn.close()
    assert slack.get("/healthz").status == 200


def test_a_replayed_slash_command_is_done_once(slack: SlackHTTP) -> None:
    url = slack.new_response_url()
    body = urlencode(slash_command("deal add Replay Renewal $10k", response_url=url)).encode()
    ts = int(time.time())
    signature = sign(body, ts)
    assert slack.post(body, FORM, timestamp=ts, signature=signature).status == 200
    slack.wait_response(url)
    assert slack.post(body, FORM, timestamp=ts, signature=signature).status == 200
    slack.settle()
    assert count(slack, Deal, Deal.title == "Replay Renewal") == 1
    assert len([c for c in slack.fake.responses if c.method.endswith(url.rsplit("/", 1)[1])]) == 1


@pytest.mark.parametrize(
    ("command", "model", "where", "asked", "yes"),
    [
        # A deal of the same name as an open one is asked about whoever adds it (and whenever).
        (
            "deal add Typed Twice Renewal $10k",
            Deal,
            Deal.title == "Typed Twice Renewal",
            "already have",
            "Create",
        ),
        (
            "task add renew insurance friday",
            Task,
            Task.title == "renew insurance",
            "a moment ago",
            "Add anyway",
        ),
    ],
)
def test_the_same_write_typed_twice_asks_before_doing_it_again(
    slack: SlackHTTP, command: str, model: object, where: object, asked: str, yes: str
) -> None:
    first = slack.command(command)
    assert first is not None and "Undo" in json.dumps(first.params)
    assert count(slack, model, where) == 1
    second = slack.command(command)
    assert second is not None
    assert asked in text_of(second)
    assert count(slack, model, where) == 1
    # The yes button does it a second time, on purpose.
    again = slack.press(second, yes)
    assert again is not None and "Undo" in json.dumps(again.params)
    assert count(slack, model, where) == 2


def test_someone_else_adding_the_same_task_is_not_a_repeat(slack: SlackHTTP) -> None:
    from tests.support.slackhttp import BOB

    slack.command("task add renew insurance friday")
    assert "a moment ago" not in text_of(slack.command("task add renew insurance friday", user=BOB))
    assert count(slack, Task, Task.title == "renew insurance") == 2


def test_the_same_write_a_few_minutes_later_is_not_questioned(slack: SlackHTTP) -> None:
    from datetime import timedelta

    slack.command("task add water the plants friday")
    slack.services.clock.advance(timedelta(minutes=2))  # type: ignore[attr-defined]
    reply = slack.command("task add water the plants friday")
    assert "a moment ago" not in text_of(reply)
    assert count(slack, Task, Task.title == "water the plants") == 2


def test_add_anyway_button_exists_on_the_warning(slack: SlackHTTP) -> None:
    slack.command("task add call the bank tomorrow")
    second = slack.command("task add call the bank tomorrow")
    assert button(second, "Add anyway")["value"]
    assert button(second, "Cancel")


def test_the_same_call_logged_twice_in_a_dm_asks_first(slack: SlackHTTP) -> None:
    from models import Interaction

    slack.command("contact add Jane Doe jane@acme.com at Acme")
    first = slack.dm("had a call with Jane Doe about pricing")
    assert "Undo" in json.dumps(first.params)
    second = slack.dm("had a call with Jane Doe about pricing")
    assert "a moment ago" in text_of(second)
    assert count(slack, Interaction) == 1
    # A different call with her is not a repeat.
    slack.dm("had a call with Jane Doe about the contract")
    assert count(slack, Interaction) == 2


ODD_SHAPES: list[dict[str, object]] = [
    {"type": "event_callback"},
    {"type": "event_callback", "event": "x", "team_id": "T1"},
    {"type": "event_callback", "event": {"type": "message"}, "team_id": "T1", "event_id": "E1"},
    {
        "type": "event_callback",
        "event": {"type": "message", "channel_type": "im", "text": 5, "user": "U1"},
        "team_id": "T1",
        "event_id": "E2",
    },
    {"type": "url_verification"},
    {"type": "block_actions"},
    {"type": "block_actions", "actions": "x", "team": "T1", "user": "U"},
    {"type": "block_actions", "actions": [{}], "team": {"id": "T1"}, "user": {"id": "U1"}},
    {
        "type": "block_actions",
        "actions": [{"action_id": "crm_undo", "value": "{bad"}],
        "team": {"id": "T1"},
        "user": {"id": "U1"},
    },
    {
        "type": "block_actions",
        "actions": [{"action_id": "crm_confirm", "value": '{"i": 1}'}],
        "team": {"id": "T1"},
        "user": {"id": "U1"},
    },
    {"type": "view_submission"},
    {
        "type": "view_submission",
        "view": {"callback_id": "crm_intent_modal", "private_metadata": 5},
        "team": {"id": "T1"},
        "user": {"id": "U1"},
    },
    {"type": 5},
    {"a": 1},
    {"command": "/crm"},
    {"command": "/crm", "text": "deal add X", "team_id": "T1", "user_id": "U1"},
]


@pytest.mark.parametrize("body", ODD_SHAPES, ids=range(len(ODD_SHAPES)))
def test_signed_bodies_of_the_wrong_shape_get_a_clean_answer(
    slack: SlackHTTP, caplog: pytest.LogCaptureFixture, body: dict[str, object]
) -> None:
    caplog.set_level(logging.INFO)
    if "command" in body:
        resp = slack.post(urlencode(body).encode(), FORM)
    else:
        resp = slack.post(json.dumps(body).encode(), "application/json")
    slack.settle()
    assert resp.status < 500
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert slack.fake.calls_to("chat.postMessage") == []
