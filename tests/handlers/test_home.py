"""App Home: opening the tab publishes the person's open tasks and deals; its buttons work too."""

from __future__ import annotations

from models import Task
from tests.handlers.helpers import rows
from tests.support.slackhttp import ANN, SlackHTTP, block_actions, button, event_callback, text_of


def test_home_shows_my_open_tasks_and_deals(slack: SlackHTTP) -> None:
    slack.command("task add send pricing to Acme tomorrow")
    slack.command("deal add Acme renewal 50k stage proposal")
    event = {"type": "app_home_opened", "user": ANN, "channel": f"D{ANN}", "tab": "home"}
    assert slack.send_event(event_callback(event)).status == 200
    (published,) = slack.fake.wait_calls("views.publish")
    assert published.params["user_id"] == ANN
    home = published.params["view"]
    text = text_of(published)
    assert home["type"] == "home" and "Hi Ann" in text
    assert "send pricing to Acme" in text and "due Thu 19 Nov 2026" in text
    assert "Acme renewal" in text and "Proposal" in text

    # Done from the Home tab: the answer goes to the DM and the tab is published again.
    press = block_actions(button(published, "Done"), response_url=None, view_id="VHOME")
    assert slack.send_payload(press).status == 200
    dm = slack.fake.wait_calls("chat.postMessage")[0]
    assert dm.params["channel"] == ANN and "Done: *send pricing to Acme*" in text_of(dm)
    again = slack.fake.wait_calls("views.publish", 2)[1]
    assert "nothing open" in text_of(again)
    assert rows(slack, Task)[0].done_at is not None
