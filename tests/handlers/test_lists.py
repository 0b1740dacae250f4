"""Task lists that mean what they say: today is today, overdue is marked wherever a task is listed, and a
person who is not on the team is said to be so."""

from __future__ import annotations

import re

from tests.support.slackhttp import ANN, SlackHTTP, event_callback, text_of


def seed(slack: SlackHTTP) -> None:
    slack.command("task add call Jane today 4pm")
    slack.command("task add review the contract tomorrow")
    # Ann writes on Wednesday 18 November: Monday's task is two days late.
    crm = slack.crm
    ann = crm.actor("T1", ANN)
    crm.create_task(ann, "send pricing to Acme", due="2026-11-16")


def test_whats_on_my_plate_today_is_today_with_overdue_in_its_own_marked_group(slack: SlackHTTP) -> None:
    seed(slack)
    shown = text_of(slack.dm("what's on my plate today?"))
    assert "review the contract" not in shown, shown
    overdue = shown.index("Overdue")
    today = shown.index("Due today")
    assert overdue < shown.index("send pricing to Acme") < today < shown.index("call Jane"), shown
    assert re.search(r"send pricing to Acme\*[^\n]*overdue", shown), shown
    assert not re.search(r"call Jane\*[^\n]*overdue", shown), shown


def test_overdue_tasks_are_marked_in_every_list_and_in_app_home(slack: SlackHTTP) -> None:
    seed(slack)
    for text in ("tasks", "tasks week", "tasks overdue"):
        shown = text_of(slack.command(text))
        assert re.search(r"send pricing to Acme\*[^\n]*overdue", shown), (text, shown)
        assert not re.search(r"(call Jane|review the contract)\*[^\n]*overdue", shown), (text, shown)
    event = {"type": "app_home_opened", "user": ANN, "channel": f"D{ANN}", "tab": "home"}
    assert slack.send_event(event_callback(event)).status == 200
    (published,) = slack.fake.wait_calls("views.publish")
    home = text_of(published)
    assert re.search(r"send pricing to Acme\*[^\n]*overdue", home), home
    assert not re.search(r"call Jane\*[^\n]*overdue", home), home


def test_tasks_for_someone_who_is_not_on_the_team_says_so(slack: SlackHTTP) -> None:
    seed(slack)
    shown = text_of(slack.command("tasks @nobody"))
    assert "call Jane" not in shown, shown
    assert "nobody" in shown and "no one" in shown.lower(), shown
