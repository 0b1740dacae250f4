"""`/crm undo` typed, over signed HTTP: one's own change of the last hour goes at once; an older one, or
one whose records someone else now holds, is asked about first with a button naming what and whose;
each undo says which change it took back."""

from __future__ import annotations

from datetime import timedelta

from models import Deal, Task
from tests.handlers.helpers import rows
from tests.support.slackhttp import BOB, SlackHTTP, text_of


def test_typed_undo_of_a_task_given_to_a_teammate_asks_first_and_names_them(slack: SlackHTTP) -> None:
    slack.command("help", user=BOB)
    slack.command(f"task add send contract for <@{BOB}|bob> by Friday")
    asked = slack.command("undo")
    shown = text_of(asked)
    assert "send contract" in shown and "Bob Rep" in shown, shown
    assert [t.title for t in rows(slack, Task)] == ["send contract"]
    # Asked again, it is still a question: undo never walks on silently.
    assert "Bob Rep" in text_of(slack.command("undo"))
    assert len(rows(slack, Task)) == 1
    answer = text_of(slack.press(asked, "Undo it"))
    assert "removed task send contract" in answer, answer
    assert rows(slack, Task) == []


def test_typed_undo_of_a_change_older_than_an_hour_asks_first(slack: SlackHTTP) -> None:
    slack.command("task add send the deck friday")
    slack.services.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]
    asked = slack.command("undo")
    shown = text_of(asked)
    assert "send the deck" in shown and "2 hours ago" in shown, shown
    assert len(rows(slack, Task)) == 1
    assert "OK, nothing was saved" in text_of(slack.press(asked, "Cancel"))
    assert len(rows(slack, Task)) == 1
    assert "removed task send the deck" in text_of(slack.press(asked, "Undo it"))
    assert rows(slack, Task) == []


def test_typed_undo_of_my_own_recent_change_is_done_at_once(slack: SlackHTTP) -> None:
    slack.command("task add send the deck friday")
    slack.services.clock.advance(timedelta(minutes=50))  # type: ignore[attr-defined]
    answer = text_of(slack.command("undo"))
    assert "removed task send the deck" in answer, answer
    assert rows(slack, Task) == []


def test_typed_undo_of_a_move_on_a_deal_bob_owns_asks_first(slack: SlackHTTP) -> None:
    slack.command("help")  # Ann first: the workspace's admin, who may move Bob's deal
    slack.command("help", user=BOB)
    slack.command("deal add Acme renewal $48k", user=BOB)
    slack.command("deal move Acme renewal to negotiation")
    shown = text_of(slack.command("undo"))
    assert "Acme renewal" in shown and "Bob Rep" in shown, shown
    (deal,) = rows(slack, Deal)
    assert deal.stage.name == "Negotiation"
