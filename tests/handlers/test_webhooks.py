"""Webhooks over signed HTTP: an admin registers a receiver with ``/crm webhooks add``, record changes made
in Slack reach it signed and once each through the scheduler, ``/crm webhooks`` shows how deliveries
went, and reps and managers are refused. Both databases."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.clock import ManualClock
from bot.db import make_session_factory
from bot.scheduler import Scheduler
from bot.scheduler.webhooks import WebhookSender
from models import AuditEvent, Deal, Delivery, WebhookEndpoint
from tests.handlers.helpers import count, rows
from tests.support.fakeslack import FakeSlack
from tests.support.hookreceiver import HookReceiver
from tests.support.slackhttp import ANN, BOB, Front, SlackHTTP, text_of


@pytest.fixture
def receiver() -> Iterator[HookReceiver]:
    r = HookReceiver().start()
    yield r
    r.stop()


@pytest.fixture
def slack(
    fake: FakeSlack, front: Front, engine: Engine, clock: ManualClock, receiver: HookReceiver
) -> Iterator[SlackHTTP]:
    fake.reset()
    fake.faults.clear()
    server = SlackHTTP.start(
        fake,
        engine.url.render_as_string(hide_password=False),
        clock=clock,
        sessions=make_session_factory(engine),
        front=front,
        webhook_hosts=(receiver.host,),
    )
    yield server
    server.finish()


@pytest.fixture
def scheduler(
    slack: SlackHTTP, fake: FakeSlack, clock: ManualClock, receiver: HookReceiver
) -> Iterator[Scheduler]:
    client = WebClient(token="xoxb-test", base_url=fake.api_url, retry_handlers=[])
    sched = Scheduler(
        slack.services.sessions,
        client,
        clock,
        pace_seconds=0,
        workers=2,
        webhooks=WebhookSender(allow_hosts=(receiver.host,), timeout=2.0),
        webhook_pace=0,
    )
    yield sched
    sched.stop()


def add(slack: SlackHTTP, receiver: HookReceiver, path: str, events: str = "") -> str:
    """Register ``path`` on the receiver as Ann (the admin); the receiver learns the secret shown once."""
    reply = text_of(slack.command(f"webhooks add {receiver.url(path)} {events}".strip()))
    found = re.search(r"`(whsec_[0-9a-f]+)`", reply)
    assert found, reply
    receiver.secrets[path] = found.group(1)
    return reply


def test_admin_adds_a_webhook_and_record_changes_arrive_signed_once_each(
    slack: SlackHTTP, receiver: HookReceiver, scheduler: Scheduler
) -> None:
    slack.command("help")  # Ann writes first: the workspace's admin
    shown = add(slack, receiver, "/crm", "events created,won")
    assert "Webhook #" in shown and "created, won" in shown, shown
    [endpoint] = rows(slack, WebhookEndpoint)
    assert endpoint.events == ["created", "won"]

    slack.command("contact add Jane Doe jane@acme.com at Acme")
    slack.command("deal add Acme renewal 12000 USD for Jane Doe")
    slack.command("deal move Acme renewal to won")
    stats = scheduler.tick()
    assert stats.sent >= 3, stats

    got = sorted(a.event_type for a in receiver.accepted_at("/crm"))
    # Company made on the way (Acme), the contact, the deal, and the deal won; no plain update sent.
    assert got == ["company.created", "contact.created", "deal.created", "deal.won"], got
    assert all(a.signed for a in receiver.arrivals), [a.status for a in receiver.arrivals]
    assert receiver.repeats == 0 and len(receiver.arrivals) == 4
    won = next(a.event for a in receiver.arrivals if a.event_type == "deal.won")
    [deal] = rows(slack, Deal)
    assert (won["record"]["id"], won["record"]["title"], won["record"]["stage"]) == (
        deal.id,
        deal.title,
        "won",
    )
    assert won["record"]["amount"] == "12000.00" and won["record"]["currency"] == "USD"
    assert won["changes"]["stage_id"]["to"] == won["record"]["stage_id"]
    assert won["actor"]["slack_id"] == ANN and won["workspace"]["team_id"] == "T1"

    # A second round sends nothing again.
    scheduler.tick()
    assert len(receiver.arrivals) == 4
    listed = text_of(slack.command("webhooks"))
    assert f"#{endpoint.id}" in listed and "HTTP 200" in listed and "last error" not in listed, listed


def test_reps_and_managers_are_refused(slack: SlackHTTP, receiver: HookReceiver) -> None:
    slack.command("help")  # Ann: the admin
    refused = text_of(slack.command(f"webhooks add {receiver.url('/x')}", user=BOB))
    assert "Only an admin can see or change the workspace's webhooks" in refused, refused
    assert count(slack, WebhookEndpoint) == 0
    slack.command(f"role <@{BOB}|bob> manager")
    refused = text_of(slack.command("webhooks", user=BOB))
    assert "Only an admin can" in refused, refused
    add(slack, receiver, "/x")
    [endpoint] = rows(slack, WebhookEndpoint)
    refused = text_of(slack.command(f"webhooks remove {endpoint.id}", user=BOB))
    assert "Only an admin can" in refused, refused
    assert rows(slack, WebhookEndpoint)[0].removed_at is None


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://hooks.example.com/crm", "plain http; webhooks go over https only"),
        ("https://10.1.2.3/crm", "is a private or local address"),
        ("https://169.254.169.254/latest/meta-data", "is a private or local address"),
        ("https://127.0.0.1:9/crm", "is a private or local address"),
        ("https://[::1]/crm", "is a private or local address"),
        ("ftp://hooks.example.com/crm", "is not a URL I can send events to"),
        ("https://user:pw@hooks.example.com/", "is not a URL I can send events to"),
    ],
)
def test_urls_that_may_not_be_sent_to_are_refused_and_nothing_is_saved(
    slack: SlackHTTP, url: str, said: str
) -> None:
    slack.command("help")
    refused = text_of(slack.command(f"webhooks add {url}"))
    assert said in refused, refused
    assert count(slack, WebhookEndpoint) == 0


def test_a_link_as_slack_escapes_it_is_read_as_the_url(slack: SlackHTTP, receiver: HookReceiver) -> None:
    slack.command("help")
    url = receiver.url("/x?team=sales&amp;v=2")
    shown = text_of(slack.command(f"webhooks add <{url}|{url[7:]}> events won"))
    assert "Webhook #" in shown, shown
    [endpoint] = rows(slack, WebhookEndpoint)
    assert endpoint.url == receiver.url("/x?team=sales&v=2")


def test_unknown_event_names_are_refused_with_the_list(slack: SlackHTTP, receiver: HookReceiver) -> None:
    slack.command("help")
    refused = text_of(slack.command(f"webhooks add {receiver.url('/x')} events created,closed"))
    assert "“closed” is not an event I send" in refused and "stage_changed" in refused, refused
    assert count(slack, WebhookEndpoint) == 0


def test_adding_is_undone_from_its_confirmation_and_removing_too(
    slack: SlackHTTP, receiver: HookReceiver
) -> None:
    slack.command("help")
    reply = slack.command(f"webhooks add {receiver.url('/x')}")
    assert count(slack, WebhookEndpoint) == 1
    assert "Undone" in text_of(slack.press(reply, "Undo"))
    assert count(slack, WebhookEndpoint) == 0

    add(slack, receiver, "/y")
    [endpoint] = rows(slack, WebhookEndpoint)
    removed = slack.command(f"webhooks remove {endpoint.id}")
    assert "removed" in text_of(removed)
    assert "No webhooks yet" in text_of(slack.command("webhooks"))
    assert "Undone" in text_of(slack.press(removed, "Undo"))
    assert f"#{endpoint.id}" in text_of(slack.command("webhooks"))
    # The secret is never in the audit trail.
    for event in rows(slack, AuditEvent, AuditEvent.record_type == "webhook"):
        assert "secret" not in (event.after or {}) and "secret" not in (event.before or {})
    assert "There is no webhook #999" in text_of(slack.command("webhooks remove 999"))
    assert "not a webhook number" in text_of(slack.command("webhooks remove two"))


def test_test_sends_a_signed_test_event(
    slack: SlackHTTP, receiver: HookReceiver, scheduler: Scheduler
) -> None:
    slack.command("help")
    add(slack, receiver, "/t")
    [endpoint] = rows(slack, WebhookEndpoint)
    shown = text_of(slack.command(f"webhooks test {endpoint.id}"))
    assert "webhook.test" in shown, shown
    scheduler.tick()
    [arrival] = receiver.arrivals
    assert arrival.signed and arrival.event_type == "webhook.test"
    assert count(slack, Delivery, Delivery.state == "sent") == 1


def test_a_failing_endpoint_shows_its_last_error(
    slack: SlackHTTP, receiver: HookReceiver, scheduler: Scheduler, clock: ManualClock
) -> None:
    slack.command("help")
    add(slack, receiver, "/down")
    receiver.always["/down"] = 503
    slack.command("contact add Jane Doe jane@acme.com")
    scheduler.tick()
    listed = text_of(slack.command("webhooks"))
    assert "last error" in listed and "HTTP 503" in listed and "failing since" in listed, listed


def test_the_same_url_twice_and_enabling_one_that_is_on_are_refused(
    slack: SlackHTTP, receiver: HookReceiver
) -> None:
    slack.command("help")
    add(slack, receiver, "/x")
    [endpoint] = rows(slack, WebhookEndpoint)
    again = text_of(slack.command(f"webhooks add {receiver.url('/x')}"))
    assert f"That URL is already webhook #{endpoint.id}" in again, again
    assert count(slack, WebhookEndpoint) == 1
    on = text_of(slack.command(f"webhooks enable {endpoint.id}"))
    assert f"Webhook #{endpoint.id} is already on" in on, on
    assert "is not something I do with webhooks" in text_of(slack.command("webhooks frob 1"))
