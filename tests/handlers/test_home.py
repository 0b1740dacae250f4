"""App Home as a dashboard: opening the tab publishes the person's tasks due, deals by stage, quiet deals and
recent activity (and the team's figures for a manager); its buttons work; it is kept fresh after the
person's own changes and stays within Slack's limits."""

from __future__ import annotations

from datetime import timedelta

from bot.blocks import ids
from bot.clock import ManualClock
from models import Task
from tests.handlers.helpers import rows
from tests.support.slackhttp import (
    ANN,
    BOB,
    SlackHTTP,
    block_actions,
    button,
    event_callback,
    text_of,
)


def open_home(slack: SlackHTTP, user: str = ANN, n: int = 1) -> dict:
    event = {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"}
    assert slack.send_event(event_callback(event)).status == 200
    published = slack.fake.wait_calls("views.publish", n)[n - 1]
    assert published.params["user_id"] == user
    return published.params


def test_home_shows_my_tasks_due_and_deals_by_stage(slack: SlackHTTP, clock: ManualClock) -> None:
    slack.command("task add call Jane today")
    slack.command("task add send the deck tomorrow")
    slack.command("task add send pricing to Acme Friday")
    slack.command("deal add Acme renewal 50k stage proposal")
    slack.command("deal add Globex 20k EUR stage proposal")
    slack.command("contact add Jane Doe at Acme")
    slack.command("log call with Jane Doe: talked pricing")
    clock.advance(days=1)
    home = open_home(slack)
    text = text_of(home)
    assert home["view"]["type"] == "home" and "Hi Ann" in text
    overdue, today, later = text.index("Overdue"), text.index("Due today"), text.index("Coming up")
    assert overdue < text.index("call Jane") < today < text.index("send the deck") < later
    assert text.index("send pricing to Acme") > later and "due Fri 20 Nov 2026" in text
    assert "⚠️ *overdue*" in text
    # Amounts per currency, never added together.
    assert "*Proposal*: 2 deals · $50,000 + €20,000" in text and "Acme renewal ($50,000)" in text
    assert "What you logged last" in text and "talked pricing" in text
    labels = [b["text"]["text"] for b in home["view"]["blocks"][1]["elements"]]
    assert labels == ["New contact", "New deal", "New task", "Log interaction"]


def test_quiet_deals_and_a_reps_home_without_the_team(slack: SlackHTTP, clock: ManualClock) -> None:
    slack.command("task add anything", user=ANN)  # Ann is the workspace's first person: its admin
    slack.command("deal add Initech pilot 5k", user=BOB)
    clock.set(clock.now() + timedelta(days=20))
    text = text_of(open_home(slack, BOB))
    assert "Gone quiet" in text and "Initech pilot" in text
    assert "Team pipeline" not in text
    boss = text_of(open_home(slack, ANN, 2))
    assert "Team pipeline" in boss and "*Initech pilot*" not in boss
    assert "November" in boss or "December" in boss


def test_a_manager_sees_the_team_and_this_months_won_and_lost(slack: SlackHTTP) -> None:
    slack.command("deal add Acme renewal 50k")
    slack.command("deal add Umbrella 10k", user=BOB)
    slack.command("deal won Acme renewal")
    text = text_of(open_home(slack))
    assert "*Team pipeline*" in text and "Open: 1 deal · $10,000" in text
    assert "*November*: won 1 deal · $50,000 — lost 0 deals" in text


def test_home_buttons_open_forms_and_mark_tasks_done(slack: SlackHTTP) -> None:
    slack.command("task add send pricing to Acme today")
    home = open_home(slack)
    press = block_actions(button(home, "New deal"), response_url=None, view_id="VHOME")
    assert slack.send_payload(press).status == 200
    (opened,) = slack.fake.wait_calls("views.open")
    assert opened.params["view"]["title"]["text"] == "New deal"

    # Done from the Home tab: the answer goes to the DM and the tab is published again.
    press = block_actions(button(home, "Done"), response_url=None, view_id="VHOME")
    assert slack.send_payload(press).status == 200
    dm = slack.fake.wait_calls("chat.postMessage")[0]
    assert dm.params["channel"] == ANN and "Done: *send pricing to Acme*" in text_of(dm)
    again = slack.fake.wait_calls("views.publish", 2)[1]
    assert "nothing overdue or due today" in text_of(again)
    assert rows(slack, Task)[0].done_at is not None


def test_home_is_refreshed_after_my_own_changes_only(slack: SlackHTTP) -> None:
    open_home(slack)
    slack.command("task add call Jane today")
    slack.settle()
    fresh = slack.fake.wait_calls("views.publish", 2)[1]
    assert fresh.params["user_id"] == ANN and "call Jane" in text_of(fresh)
    # Bob has not opened his tab, and reading writes nothing: no publish.
    slack.command("task add call Bob today", user=BOB)
    slack.command("pipeline")
    slack.settle()
    assert len(slack.fake.calls_to("views.publish")) == 2


def test_home_stays_within_slacks_limits(slack: SlackHTTP) -> None:
    crm = slack.services.crm
    actor = crm.register_user("T1", ANN, name="Ann Rep", tz="America/New_York")
    for n in range(40):
        crm.create_task(actor, f"overdue thing number {n} " + "x" * 150, due="2026-11-10")
        crm.create_task(actor, f"today thing {n}", due="2026-11-18")
        crm.create_deal(actor, f"Deal {n} " + "y" * 150, amount=str(1000 + n))
    home = open_home(slack)
    blocks = home["view"]["blocks"]
    assert len(blocks) <= 100
    for block in blocks:
        assert len((block.get("text") or {}).get("text") or "") <= 3000
    text = text_of(home)
    assert "Overdue* (8)" in text and "Due today* (8)" in text
    assert "40 deals" in text
    assert ids.OPEN_FORM in str(blocks)


def test_what_i_logged_last_is_in_date_order(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe at Acme")
    slack.dm("had a call with Jane Doe yesterday about pricing")
    slack.dm("met Jane Doe today about the contract")
    slack.dm("emailed Jane Doe 3 days ago about the deck")
    text = text_of(open_home(slack))
    logged = text[text.index("What you logged last") :]
    assert logged.index("the contract") < logged.index("pricing") < logged.index("the deck"), logged
