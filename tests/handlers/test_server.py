"""The HTTP front door: signatures, timestamps, health, and requests Bolt cannot parse."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from bot.db import make_engine
from tests.support.slackhttp import (
    SlackHTTP,
    dm,
    event_callback,
    sign,
    slash_command,
    text_of,
    view_submission,
)


def test_bad_signature_and_stale_timestamp_are_rejected(slack: SlackHTTP) -> None:
    body = urlencode(slash_command("pipeline", response_url=slack.new_response_url())).encode()
    ctype = "application/x-www-form-urlencoded"
    assert slack.post(body, ctype, signature="v0=" + "0" * 64).status == 401
    assert slack.post(body, ctype, signature=sign(body, int(time.time()), "another-secret")).status == 401
    stale = int(time.time()) - 10 * 60
    assert slack.post(body, ctype, timestamp=stale, signature=sign(body, stale)).status == 401
    slack.settle()
    assert slack.fake.responses == [] and slack.fake.calls_to("users.info") == []
    assert slack.post(body, ctype).status == 200


def test_health_and_unknown_paths(slack: SlackHTTP) -> None:
    health = slack.get("/healthz")
    assert (health.status, health.body) == (200, "ok\n")
    assert slack.get("/nope").status == 404
    assert slack.get("/slack/events").status == 404


def test_a_malformed_request_still_gets_an_answer(slack: SlackHTTP) -> None:
    for body, ctype in (
        (b"{not json", "application/json"),
        (b"payload=%7Bbroken", "application/x-www-form-urlencoded"),
    ):
        assert slack.post(body, ctype).status == 400
        assert slack.post(body, ctype, signature="v0=" + "0" * 64).status == 401
    assert slack.get("/healthz").status == 200


def test_an_unexpected_failure_is_answered_and_logged(slack: SlackHTTP, caplog: object) -> None:
    # A modal submission whose metadata is not the bot's: the listener fails, the error handler answers.
    payload = view_submission(
        {"type": "modal", "callback_id": "crm_intent_modal", "private_metadata": "{broken"}, {}
    )
    resp = slack.send_payload(payload)
    assert resp.status == 200
    assert "unhandled error in a Slack listener" in caplog.text  # type: ignore[attr-defined]


def test_a_database_outage_before_the_ack(slack: SlackHTTP, monkeypatch: pytest.MonkeyPatch) -> None:
    def down(*args: object, **kwargs: object) -> None:
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(slack.services.crm, "actor", down)
    # An event fails with a 5xx so that Slack sends it again later; nothing was claimed.
    event = event_callback(dm("had a call with Jane"))
    assert slack.send_event(event).status == 500
    # A command is answered with an apology on its response_url.
    url = slack.new_response_url()
    assert slack.send_form(slash_command("pipeline", response_url=url)).status == 200
    assert "Sorry, something went wrong" in text_of(slack.wait_response(url))
    monkeypatch.undo()
    # Slack's retry of the event is then acted on.
    assert slack.send_event(event, retry=1).status == 200
    assert "Jane" in text_of(slack.fake.wait_calls("chat.postMessage")[0])


def test_requests_while_the_database_is_down_log_one_line_each(
    slack: SlackHTTP, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    """An outage is not a bug: each request it fails is one warning line (the person still hears
    back), with no traceback; the health check says so in one line too."""
    if backend == "postgresql":
        down = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/x", pool_pre_ping=False)
    else:
        down = create_engine("sqlite:////proc/nope/x.db")
    sessions = slack.services.sessions
    good = sessions.kw["bind"]
    caplog.set_level(logging.INFO)
    sessions.configure(bind=down)
    try:
        url = slack.new_response_url()
        assert slack.send_form(slash_command("contact add Jane Doe at Acme", response_url=url)).status == 200
        assert "Sorry, something went wrong" in text_of(slack.wait_response(url))
        assert slack.send_event(event_callback(dm("had a call with Jane"))).status == 500
        assert slack.get("/healthz").status == 503
        slack.settle()
    finally:
        sessions.configure(bind=good)
        down.dispose()
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(problems) == 3, [r.getMessage() for r in problems]
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in problems)
    assert all("database" in r.getMessage() for r in problems)
