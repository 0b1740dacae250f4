"""Chat: direct messages and mentions become CRM actions, or questions, over the Events API."""

from __future__ import annotations

from datetime import date

from models import AuditEvent, Contact, Deal, Interaction, Task
from tests.handlers.helpers import count, rows
from tests.support.slackhttp import ANN, SlackHTTP, buttons, dm, event_callback, mention, text_of


def seed(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    slack.command("deal add Acme renewal 50k closing Dec 15 stage proposal")
    slack.command("deal add Globex platform 1.2M stage negotiation")


def test_a_call_with_a_follow_up_is_one_card_and_one_undo(slack: SlackHTTP) -> None:
    seed(slack)
    card = slack.dm("had a call with Jane at Acme, she wants pricing by Friday")
    assert card.params["channel"] == f"D{ANN}"
    text = text_of(card)
    assert "Logged a call with *Jane Doe* at *Acme Corp*" in text
    assert "Follow-up: *pricing* · due Fri 20 Nov 2026" in text
    assert [b["label"] for b in buttons(card)] == ["Undo", "Edit", "Mark follow-up done"]
    (interaction,) = rows(slack, Interaction)
    (task,) = rows(slack, Task)
    assert (task.title, task.due_date, task.contact_id) == (
        "pricing",
        date(2026, 11, 20),
        interaction.contact_id,
    )
    ops = {e.op_id for e in rows(slack, AuditEvent, AuditEvent.record_type.in_(["interaction", "task"]))}
    assert len(ops) == 1  # written together

    slack.press(card, "Undo")
    assert count(slack, Interaction) == 0 and count(slack, Task) == 0


def test_deal_updates_from_chat(slack: SlackHTTP) -> None:
    seed(slack)
    won = slack.dm("we won the Globex deal!")
    assert "Globex platform" in text_of(won) and "stage → *Won*" in text_of(won)
    assert "Log follow-up" in [b["label"] for b in buttons(won)]
    pushed = slack.dm("push Acme renewal to end of month")
    assert "close date: Tue 15 Dec 2026 → Mon 30 Nov 2026" in text_of(pushed)
    deals = {d.title: d for d in rows(slack, Deal)}
    assert deals["Acme renewal"].close_date == date(2026, 11, 30)


def test_mentions_answer_privately_unless_asked_to_share(slack: SlackHTTP) -> None:
    seed(slack)
    assert slack.send_event(event_callback(mention("pipeline"))).status == 200
    (private,) = slack.fake.wait_calls("chat.postEphemeral")
    assert private.params["user"] == ANN and "Proposal" in text_of(private)
    assert slack.send_event(event_callback(mention("pipeline share"))).status == 200
    (public,) = slack.fake.wait_calls("chat.postMessage")
    assert public.params["channel"] == "C1" and "Proposal" in text_of(public)


def test_small_talk_and_unknown_create_nothing(slack: SlackHTTP) -> None:
    slack.command("help")
    before = count(slack, AuditEvent)
    assert "welcome" in text_of(slack.dm("thanks!"))
    assert "Hi" in text_of(slack.dm("hello bot"))
    pointer = text_of(slack.dm("what's the weather like in Lisbon"))
    assert "not sure what to do" in pointer and "/crm help" in pointer
    assert count(slack, AuditEvent) == before


def test_low_confidence_is_read_back_before_writing(slack: SlackHTTP) -> None:
    seed(slack)
    before = count(slack, AuditEvent)
    asked = slack.dm("globex won?")
    assert "Did you mean" in text_of(asked) and "globex: stage → won" in text_of(asked).lower()
    assert [b["label"] for b in buttons(asked)] == ["Yes, do it", "Edit…", "Cancel"]
    assert count(slack, AuditEvent) == before
    done = slack.press(asked, "Yes, do it")
    assert "stage → *Won*" in text_of(done)
    assert count(slack, AuditEvent) == before + 1


def test_event_retries_never_write_twice(slack: SlackHTTP) -> None:
    seed(slack)
    body = event_callback(dm("met Jane today, she liked the demo", user=ANN, channel=f"D{ANN}"))
    assert slack.send_event(body).status == 200
    slack.fake.wait_calls("chat.postMessage", 1)
    for retry in (1, 2):
        assert slack.send_event(body, retry=retry).status == 200
    slack.settle()
    assert count(slack, Interaction) == 1
    assert len(slack.fake.calls_to("chat.postMessage")) == 1


def test_the_bots_own_messages_are_ignored(slack: SlackHTTP) -> None:
    slack.command("help")
    own = {**dm("had a call with Jane"), "bot_id": "BBOT", "user": "UBOT"}
    edited = {**dm("had a call with Jane"), "subtype": "message_changed"}
    for event in (own, edited):
        assert slack.send_event(event_callback(event)).status == 200
    slack.settle()
    assert slack.fake.calls_to("chat.postMessage") == []
    assert count(slack, Contact) == 0


def test_a_contact_given_by_email_is_found_by_their_email(slack: SlackHTTP) -> None:
    seed(slack)
    card = slack.dm("emailed <mailto:jane@acme.com|jane@acme.com> the contract")
    assert "Logged an email with *Jane Doe*" in text_of(card), text_of(card)
    (interaction,) = rows(slack, Interaction)
    (jane,) = rows(slack, Contact)
    assert interaction.contact_id == jane.id and interaction.summary == "the contract"


def test_share_after_a_question_in_words_posts_the_answer_to_the_channel(slack: SlackHTTP) -> None:
    seed(slack)
    assert slack.send_event(event_callback(mention("what's our win rate this quarter share"))).status == 200
    (public,) = slack.fake.wait_calls("chat.postMessage")
    assert public.params["channel"] == "C1" and "win rate" in text_of(public).lower(), text_of(public)
    assert not slack.fake.calls_to("chat.postEphemeral")
    # A task about sharing something is still a task, not a shared answer.
    assert slack.send_event(event_callback(mention("share the deck with Jane by Friday"))).status == 200
    (private,) = slack.fake.wait_calls("chat.postEphemeral")
    assert private.params["user"] == ANN


def test_a_first_name_written_with_its_accents_is_a_person_not_a_company(slack: SlackHTTP) -> None:
    slack.command("contact add José Ortega jose@vandelay.com at Vandelay")
    card = slack.dm("emailed José the contract draft")
    assert "Logged an email with *José Ortega*" in text_of(card), text_of(card)
    assert "company" not in text_of(card).lower()
    (interaction,) = rows(slack, Interaction)
    (jose,) = rows(slack, Contact)
    assert interaction.contact_id == jose.id and interaction.summary == "the contract draft"


def test_a_deal_whose_company_is_not_on_file_says_the_company_is_new(slack: SlackHTTP) -> None:
    seed(slack)
    shown = text_of(slack.dm("new deal with Zorblax for 30k"))
    assert "new company Zorblax" in shown, shown
    shown = text_of(slack.dm("new deal with Acme Corp for 20k, expansion"))
    assert "new company" not in shown, shown
