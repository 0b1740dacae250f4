"""Deal rooms over signed HTTP: `/crm deal room` makes (conversations.create) or links a channel for a
deal, and the deal's stage changes, its win and its new tasks are posted there by the scheduler, once."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.blocks import ids
from bot.clock import ManualClock
from bot.scheduler import Scheduler
from models import Deal, Delivery
from tests.handlers.helpers import rows
from tests.support.slackhttp import ANN, SlackHTTP, modal_values, shortcut, text_of, view_submission


def deliver(slack: SlackHTTP, clock: ManualClock) -> None:
    client = WebClient(token="xoxb-test", base_url=slack.fake.api_url, retry_handlers=[])
    scheduler = Scheduler(slack.services.sessions, client, clock, pace_seconds=0, workers=1)
    try:
        scheduler.tick()
        scheduler.tick()
    finally:
        scheduler.stop()


def room_posts(slack: SlackHTTP, channel: str) -> list[str]:
    return [
        c.params["text"]
        for c in slack.fake.calls_to("chat.postMessage")
        if c.params.get("channel") == channel
    ]


def test_a_deal_room_is_made_and_gets_the_deals_news_once(slack: SlackHTTP, clock: ManualClock) -> None:
    slack.fake.channels.pop("CDEALACMERENEWAL", None)  # made by this test on the other database
    slack.command("deal add Acme renewal 50k")
    answer = slack.command("deal room Acme renewal")
    assert answer is not None and "is the room of *Acme renewal*" in text_of(answer)
    (made,) = slack.fake.calls_to("conversations.create")
    assert made.params["name"] == "deal-acme-renewal"
    (invited,) = slack.fake.calls_to("conversations.invite")
    assert invited.params["users"] == ANN
    room = rows(slack, Deal)[0].room_channel_id
    assert room == "CDEALACMERENEWAL"
    assert room_posts(slack, room) == ["🏠 This is the deal room of *Acme renewal*."]

    slack.command("deal move Acme renewal to proposal")
    # A task on the deal, from the "New task" form with the deal picked.
    assert slack.send_payload(shortcut(ids.NEW_TASK)).status == 200
    form = slack.fake.wait_calls("views.open")[0].params["view"]
    deal_id = rows(slack, Deal)[0].id
    values = modal_values(form, f_title="send the contract to Acme", f_deal=deal_id)
    assert slack.send_payload(view_submission(form, values)).status == 200
    slack.settle()
    slack.command("deal won Acme renewal")
    assert len(rows(slack, Delivery)) >= 2
    deliver(slack, clock)
    deliver(slack, clock)  # a second round sends nothing again
    posts = room_posts(slack, room)
    assert any("moved to *Proposal*" in p for p in posts), posts
    assert any("*Acme renewal* is won!" in p for p in posts), posts
    assert any(
        p.startswith("☐ New task on *Acme renewal*: *send the contract to Acme* for <@U0ANN1111>")
        for p in posts
    ), posts
    assert len(posts) == len(set(posts)) and all(d.state == "sent" for d in rows(slack, Delivery))


def test_a_named_channel_is_linked_and_a_deal_without_a_room_posts_nothing(
    slack: SlackHTTP, clock: ManualClock
) -> None:
    slack.command("deal add Globex pilot 10k")
    slack.command("deal add Initech 5k")
    answer = slack.command("deal room Globex pilot <#CGLOBEX|globex>")
    assert answer is not None and "<#CGLOBEX> is the room" in text_of(answer)
    assert not slack.fake.calls_to("conversations.create")
    slack.command("deal move Initech to proposal")
    slack.command("deal move Globex pilot to proposal")
    deliver(slack, clock)
    assert [p for p in room_posts(slack, "CGLOBEX") if "moved" in p] == [
        "➡️ *Globex pilot* moved to *Proposal* (<@U0ANN1111>)"
    ]
    assert len(rows(slack, Delivery)) == 1


def test_a_room_needs_a_deal(slack: SlackHTTP) -> None:
    answer = slack.command("deal room")
    assert answer is not None and "Which deal should get a room?" in text_of(answer)
    answer = slack.command("deal room Nothing Such")
    assert answer is not None and "couldn't find" in text_of(answer).lower()
    assert not slack.fake.calls_to("conversations.create")
