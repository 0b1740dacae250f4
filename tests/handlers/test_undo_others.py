"""Undo never changes other people's work: a record someone else linked to since is not removed."""

from __future__ import annotations

from models import Company, Contact, Deal, Task
from tests.handlers.helpers import count, rows
from tests.support.slackhttp import BOB, SlackHTTP, text_of


def test_undo_of_a_company_bob_has_used_since_is_refused_and_names_him(slack: SlackHTTP) -> None:
    added = slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    slack.command("help", user=BOB)
    slack.command("contact add Jim Beam jim@acme.com at Acme Corp", user=BOB)
    slack.dm("new deal with Acme Corp for 10k, renewal", user=BOB)
    answer = text_of(slack.press(added, "Undo"))
    assert "Bob Rep" in answer and "Acme Corp" in answer, answer
    assert count(slack, Company) == 1 and count(slack, Contact) == 2
    assert all(c.company_id is not None for c in rows(slack, Contact))
    assert all(d.company_id is not None for d in rows(slack, Deal))


def test_undo_of_a_contact_with_a_task_by_someone_else_is_refused(slack: SlackHTTP) -> None:
    added = slack.command("contact add Raj Patel raj@initech.com at Initech")
    slack.command("help", user=BOB)
    slack.command("task add call Raj Patel about seats tomorrow", user=BOB)
    (task,) = rows(slack, Task)
    assert task.contact_id is not None
    answer = text_of(slack.press(added, "Undo"))
    assert "Bob Rep" in answer and "task" in answer, answer
    (task,) = rows(slack, Task)
    assert task.contact_id is not None and count(slack, Contact) == 1


def test_undo_of_a_deal_with_someone_elses_call_is_refused(slack: SlackHTTP) -> None:
    from models import Interaction

    added = slack.command("deal add Umbrella expansion $8k")
    slack.command("help", user=BOB)
    slack.command("log call on deal Umbrella expansion: talked seats", user=BOB)
    (call,) = rows(slack, Interaction)
    assert call.deal_id is not None
    answer = text_of(slack.press(added, "Undo"))
    assert "Bob Rep" in answer and "interaction" in answer, answer
    assert count(slack, Deal) == 1 and count(slack, Interaction) == 1


def test_undo_of_a_company_i_used_since_is_refused_too(slack: SlackHTTP) -> None:
    added = slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    slack.dm("new deal with Acme Corp for 10k, renewal")
    answer = text_of(slack.press(added, "Undo"))
    assert "your deal" in answer, answer
    assert count(slack, Company) == 1


def test_undo_of_my_own_unused_records_still_works(slack: SlackHTTP) -> None:
    added = slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    answer = text_of(slack.press(added, "Undo"))
    assert "Undone" in answer or "removed" in answer, answer
    assert count(slack, Contact) == 0 and count(slack, Company) == 0


def test_typed_undo_takes_back_only_what_was_just_done(slack: SlackHTTP) -> None:
    from datetime import timedelta

    slack.command("task add send the deck friday")
    slack.command("task add call the bank friday")
    assert "call the bank" in text_of(slack.command("undo"))
    slack.services.clock.advance(timedelta(minutes=61))  # type: ignore[attr-defined]
    answer = text_of(slack.command("undo"))
    assert "send the deck" in answer and "Undo it?" in answer, answer
    assert [t.title for t in rows(slack, Task)] == ["send the deck"]


def test_a_deal_with_the_name_of_an_open_one_asks_first(slack: SlackHTTP) -> None:
    slack.command("deal add Acme renewal $48k")
    slack.command("help", user=BOB)
    asked = slack.command("deal add Acme renewal $10k", user=BOB)
    shown = text_of(asked)
    assert "looks like a deal you already have" in shown and "Acme renewal" in shown, shown
    assert count(slack, Deal) == 1
    assert "Acme renewal" in text_of(slack.press(asked, "Use Acme renewal", user=BOB))
    again = slack.command("deal add Acme renewal $10k", user=BOB)
    slack.press(again, "Create anyway", user=BOB)
    assert count(slack, Deal) == 2
