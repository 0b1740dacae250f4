"""Task lists that mean what they say: today is today, overdue is marked wherever a task is listed, and a
person who is not on the team is said to be so."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.support.slackhttp import ANN, BOB, SlackHTTP, event_callback, text_of


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


def test_tasks_week_on_a_sunday_is_the_coming_seven_days(slack: SlackHTTP) -> None:
    slack.services.clock.set(datetime(2026, 12, 6, 15, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    crm = slack.crm
    slack.command("help")
    ann = crm.actor("T1", ANN)
    for title, due in (
        ("today's", "2026-12-06"),
        ("Monday's", "2026-12-07"),
        ("Tuesday's", "2026-12-08"),
        ("Saturday's", "2026-12-12"),
        ("a week on", "2026-12-13"),
    ):
        crm.create_task(ann, f"{title} task", due=due)
    shown = text_of(slack.command("tasks week"))
    assert "coming 7 days" in shown, shown
    for title in ("today's", "Monday's", "Tuesday's", "Saturday's"):
        assert f"{title} task" in shown, shown
    assert "a week on task" not in shown, shown


def test_who_has_overdue_tasks_lists_the_teams_with_whose_each_is(slack: SlackHTTP) -> None:
    seed(slack)
    slack.command("help", user=BOB)
    crm = slack.crm
    bob = crm.actor("T1", BOB)
    crm.create_task(bob, "chase the Globex PO", due="2026-11-17")
    for text in ("who has overdue tasks?", "show all overdue"):
        shown = text_of(slack.dm(text))
        assert "team" in shown.lower() and "Your" not in shown, (text, shown)
        assert "send pricing to Acme" in shown and "chase the Globex PO" in shown, (text, shown)
        assert f"<@{BOB}>" in shown and f"<@{ANN}>" in shown, (text, shown)
        assert "call Jane" not in shown, (text, shown)  # not overdue
    mine = text_of(slack.dm("my overdue tasks"))
    assert "chase the Globex PO" not in mine and "send pricing to Acme" in mine, mine
