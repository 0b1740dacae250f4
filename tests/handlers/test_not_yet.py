"""What the bot can't do yet, it says, with the closest help topic: never a button that would turn the
question into a record. Intents the message contract defines and older intents already serve are served."""

from __future__ import annotations

import json

from models import Company, Contact, Deal
from tests.handlers.helpers import count
from tests.support.slackhttp import BOB, SlackHTTP, buttons, text_of


def _no_create_buttons(call: object) -> None:
    raw = json.dumps(call.params)  # type: ignore[attr-defined]
    assert "Create contact" not in raw and "Create deal" not in raw and "Create company" not in raw


def test_questions_it_cannot_answer_yet_say_so(slack: SlackHTTP) -> None:
    for text, topic in (("tag task call Jane as urgent", "/crm help contacts"),):
        reply = slack.dm(text)
        assert "can't" in text_of(reply) and "yet" in text_of(reply), (text, text_of(reply))
        assert topic in text_of(reply), (text, text_of(reply))
        _no_create_buttons(reply)
    assert count(slack, Contact) == count(slack, Deal) == count(slack, Company) == 0


def test_a_deal_pulled_up_by_name_is_shown(slack: SlackHTTP) -> None:
    slack.command("deal add Acme renewal $48k")
    reply = slack.dm("pull up the Acme renewal deal")
    assert "Acme renewal" in text_of(reply) and "48,000" in text_of(reply)


def test_a_teammate_named_in_words_gets_the_task(slack: SlackHTTP) -> None:
    slack.command("help", user=BOB)  # Bob has written to the bot, so it knows him
    reply = slack.dm("remind bob to call Tom at Initech tomorrow at 2pm")
    assert BOB in text_of(reply), text_of(reply)
    tasks = slack.crm.list_tasks(slack.crm.actor("T1", BOB))
    assert [t.title for t in tasks] and tasks[0].assignee_slack_id == BOB


def test_an_unknown_teammate_is_said_to_be_unknown(slack: SlackHTTP) -> None:
    reply = slack.dm("remind priya to send the deck tomorrow")
    assert "no one called “priya”" in text_of(reply).lower(), text_of(reply)
    from models import Task

    assert count(slack, Task) == 0


def test_a_request_about_something_that_is_no_record_writes_nothing_and_points_at_the_closest_command(
    slack: SlackHTTP,
) -> None:
    slack.command("deal add Acme renewal $48k")
    for text, word in (
        ("set bob's quota to 100k this quarter", None),
        ("rename the Demo stage to Evaluation", "stage"),
    ):
        reply = slack.dm(text)
        said = text_of(reply)
        assert "haven't changed anything" in said or "not sure" in said, said
        if word:
            assert "closest command is" in said and word in said.split("closest command is")[1], said
        _no_create_buttons(reply)
    assert count(slack, Deal) == 1 and count(slack, Company) == 0


def test_a_reading_the_learned_model_doubts_is_asked_about_before_anything_is_written(
    slack: SlackHTTP,
) -> None:
    from models import Interaction

    # The rules read a log here; the model, taught by people's messages, reads small talk: ask, don't write.
    reply = slack.dm("lunch at acme's cafe was $12 lol")
    assert "want to be sure" in text_of(reply), text_of(reply)
    assert count(slack, Interaction) == 0 and count(slack, Company) == 0


def test_requests_served_by_a_command_write_nothing_and_name_it(slack: SlackHTTP) -> None:
    from models import AuditEvent, Task

    slack.command("help")  # the first word to the bot makes its writer a teammate
    before = count(slack, AuditEvent)
    for text, command in (
        ("rename the renewals pipeline to Upsell", "/crm pipelines rename"),
        ("send me the forecast every monday", "subscribe"),
        ("show me contacts where region is EMEA", "/crm contact list"),
        ("which rep has the most overdue tasks?", "/crm tasks"),
    ):
        reply = slack.dm(text)
        assert command in text_of(reply) and "haven't changed anything" in text_of(reply), (
            text,
            text_of(reply),
        )
        _no_create_buttons(reply)
    reply = slack.dm("contacts with more than 50 seats")
    _no_create_buttons(reply)
    assert count(slack, Task) == count(slack, Contact) == 0
    assert count(slack, AuditEvent) == before


def test_a_question_about_deals_read_as_a_contact_search_says_what_cannot_be_done_yet(
    slack: SlackHTTP,
) -> None:
    slack.command("deal add Acme renewal $48k")
    for text in ("show me deals over 50k", "show me companies over 50k", "show me opportunities above 10k"):
        reply = slack.dm(text)
        said = text_of(reply)
        assert "can't" in said and "yet" in said and "/crm help" in said, (text, said)
        _no_create_buttons(reply)
    assert "/crm help deals" in text_of(slack.dm("show me deals over 50k"))
    # A name that matches no one may be made a contact, but a search never defaults to creating it.
    reply = slack.dm("show me Jane Smith")
    assert "No contact matches" in text_of(reply), text_of(reply)
    made = [b for b in buttons(reply) if "Create contact" in json.dumps(b.get("text"))]
    assert made and all(b.get("style") != "primary" for b in made), made
    assert count(slack, Contact) == 0 and count(slack, Company) == 0


def test_a_report_asked_for_on_a_schedule_points_at_the_report_subscription(slack: SlackHTTP) -> None:
    # Naming a report ("the weekly forecast") says which standing order is meant: the report's, not the
    # pipeline summary's.
    reply = slack.dm("send the weekly forecast to #sales-leads every Monday at 8:30")
    said = text_of(reply)
    assert "closest command is `/crm report subscribe" in said, said
