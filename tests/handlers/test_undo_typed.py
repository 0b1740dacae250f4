"""`/crm undo` typed, over signed HTTP: one's own change of the last hour goes at once; an older one, or
one whose records someone else now holds, is asked about first with a button naming what and whose;
each undo says which change it took back."""

from __future__ import annotations

from datetime import timedelta

from models import Company, Contact, Deal, Task
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


def test_undo_of_a_win_names_what_went_back(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    slack.command("deal add Acme renewal 50k contact Jane Doe")
    slack.command("deal move Acme renewal to negotiation")
    won = slack.command("deal move Acme renewal to won")
    answer = text_of(slack.press(won, "Undo"))
    assert "Acme renewal: stage back to Negotiation" in answer, answer
    assert "Jane Doe: lifecycle back to lead" in answer, answer
    assert "Acme Corp: lifecycle back to lead" in answer, answer
    assert "restored" not in answer, answer
    (deal,) = rows(slack, Deal)
    assert deal.stage.name == "Negotiation" and deal.closed_at is None
    assert [c.lifecycle for c in rows(slack, Contact)] == ["lead"]
    assert [c.lifecycle for c in rows(slack, Company)] == ["lead"]


def test_undo_of_a_tag_names_it(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    tagged = slack.command("tag Jane Doe hot")
    (jane,) = rows(slack, Contact)
    assert "hot" in jane.tags, text_of(tagged)
    answer = text_of(slack.press(tagged, "Undo"))
    assert "Jane Doe: tag hot removed" in answer, answer
    (jane,) = rows(slack, Contact)
    assert jane.tags == []


def test_undo_of_a_delete_says_what_came_back(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    asked = slack.command("contact delete Jane Doe")
    deleted = slack.press(asked, "Delete") if "Delete" in text_of(asked) else asked
    assert rows(slack, Contact) == [], text_of(deleted)
    answer = text_of(slack.press(deleted, "Undo"))
    assert "restored contact Jane Doe" in answer, answer
    assert [c.name for c in rows(slack, Contact)] == ["Jane Doe"]


def test_a_deal_change_that_changed_nothing_is_not_what_undo_takes_back(slack: SlackHTTP) -> None:
    slack.command("deal add Globex pilot 15k closing 2026-12-26")
    slack.command("deal close Globex pilot 2027-01-05")
    slack.services.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    same = text_of(slack.command("deal move Globex pilot to lead"))
    assert "nothing changed" in same, same
    answer = text_of(slack.command("undo"))
    assert "expected close date back to 2026-12-26" in answer, answer
    (deal,) = rows(slack, Deal)
    assert deal.close_date.isoformat() == "2026-12-26"
    history = text_of(slack.command("history Globex pilot"))
    assert "undid a change" in history and history.count("undid") == 1, history
