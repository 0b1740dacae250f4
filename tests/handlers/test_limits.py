"""Long input over signed HTTP: refused with the field and its limit, or searched on a bounded part,
the same on SQLite and PostgreSQL, and never half-written."""

from __future__ import annotations

import json
import re

import pytest

from bot.blocks.messages import message
from bot.services.errors import Invalid
from models import AuditEvent, Company, Contact, Deal, Interaction, Task
from tests.handlers.helpers import count, rows
from tests.handlers.test_views import open_modal
from tests.support.slackhttp import ANN, SlackHTTP, modal_values, text_of, view_submission

SORRY = "something went wrong"
EMAIL_390 = "j" * 381 + "@acme.com"
assert len(EMAIL_390) == 390


def words(n: int) -> str:
    # Distinct words, as a paste of a paragraph would be (no two statements the same shape).
    return " ".join(f"w{i}x" for i in range(n))


def written(slack: SlackHTTP) -> int:
    """Audit records of CRM changes (a person's first request also records them, as a user)."""
    return count(slack, AuditEvent, AuditEvent.record_type != "user")


@pytest.mark.parametrize(
    ("verb", "searched"),
    [
        ("contact find", True),
        ("contact show", True),
        ("deal show", True),
        ("task done", True),
        ("deal move", False),  # the parser asks what should change before anything is looked up
        ("log call with", False),  # the parser takes the first word as the company
    ],
)
def test_a_500_word_reference_answers_normally(slack: SlackHTTP, verb: str, searched: bool) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    before = written(slack)
    answer = text_of(slack.command(f"{verb} {words(500)}"))
    assert SORRY not in answer, answer
    assert ("too long to search for" in answer) == searched, answer
    assert written(slack) == before
    # And the bot goes on answering ordinary lookups.
    assert "Jane Doe" in text_of(slack.command("contact find jane doe"))


def test_a_reference_a_little_long_is_searched_on_its_first_words(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    answer = text_of(slack.command("contact find jane doe " + words(20)))
    assert SORRY not in answer and "too long" not in answer, answer


def test_a_390_character_email_is_refused_naming_the_field_and_the_limit(slack: SlackHTTP) -> None:
    answer = text_of(slack.command(f"contact add Jane Doe {EMAIL_390} at Acme"))
    assert "The email is 390 characters; the limit is 254. Nothing was saved." in answer, answer
    assert count(slack, Contact) == 0 and count(slack, Company) == 0 and written(slack) == 0


def test_an_edit_to_a_390_character_email_is_refused_and_the_contact_kept(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com")
    ann = slack.crm.actor("T1", ANN)
    with pytest.raises(Invalid) as refused:
        slack.crm.update_contact(ann, "Jane Doe", email=EMAIL_390, title="VP Sales")
    assert message(refused.value) == "The email is 390 characters; the limit is 254. Nothing was saved."
    assert [(c.email, c.title) for c in rows(slack, Contact)] == [("jane@acme.com", None)]


@pytest.mark.parametrize(
    ("text", "message", "model"),
    [
        (
            "contact add Jane " + "D" * 250 + " jane@acme.com",
            "The name is 255 characters; the limit is 200.",
            Contact,
        ),
        ("deal add " + "Acme" * 60 + " 50k", "The deal title is 240 characters; the limit is 200.", Deal),
        (
            "task add call " + "x" * 330 + " tomorrow",
            "The task title is 335 characters; the limit is 300.",
            Task,
        ),
        (
            "note on Acme Corp: " + "pricing " * 450,
            "The note is 3,599 characters; the limit is 3,000.",
            Interaction,
        ),
    ],
    ids=["contact name", "deal title", "task title", "note"],
)
def test_a_too_long_field_is_refused_with_its_name_and_limit_and_nothing_written(
    slack: SlackHTTP, text: str, message: str, model: type
) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    before = written(slack)
    answer = text_of(slack.command(text))
    assert message in answer and "Nothing was saved." in answer, answer
    assert count(slack, model) == (1 if model is Contact else 0)
    assert written(slack) == before


def test_too_long_input_by_dm_is_refused_the_same_way(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    before = written(slack)
    answer = text_of(slack.dm("had a call with Jane Doe: " + "she wants pricing " * 200))
    assert re.search(r"The call summary is 3,[\d]{3} characters; the limit is 3,000\.", answer), answer
    # Longer than the parser reads: refused whole rather than acted on in part.
    answer = text_of(slack.dm("had a call with Jane Doe: " + "she wants pricing " * 300))
    assert "The message is 5,425 characters; the limit is 4,000. Nothing was saved." in answer, answer
    answer = text_of(slack.dm(f"new contact Bob Stone {EMAIL_390}"))
    assert "The email is 390 characters; the limit is 254." in answer, answer
    assert SORRY not in text_of(slack.dm("find " + words(400)))
    assert count(slack, Interaction) == 0 and count(slack, Contact) == 1
    assert written(slack) == before


def test_a_form_with_one_too_long_field_marks_that_field_and_keeps_the_others(slack: SlackHTTP) -> None:
    card = slack.command("contact add Jane Smith jane@initech.com at Initech")
    view, url = open_modal(slack, card, "Edit")
    # The form itself stops a person at the limit; a forged or scripted submit is checked again.
    limits = {b["block_id"]: b["element"].get("max_length") for b in view["blocks"] if b["type"] == "input"}
    assert limits["f_email"] == 254 and limits["f_title"] == 200 and limits["f_phone"] == 40
    before = written(slack)
    values = modal_values(view, f_title="T" * 250, f_phone="+1 415 555 0100")
    resp = slack.send_payload(view_submission(view, values))
    assert resp.status == 200
    answer = json.loads(resp.body)
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {"f_title": "250 characters; the limit is 200."}
    slack.settle()
    path = url.split(slack.fake.base, 1)[1]
    assert not [c for c in slack.fake.responses if c.method == path]
    assert written(slack) == before
    (jane,) = rows(slack, Contact)
    assert (jane.title, jane.phone) == (None, None)
    # A 390-character email is marked the same way, on its own field.
    resp = slack.send_payload(view_submission(view, modal_values(view, f_email=EMAIL_390)))
    assert json.loads(resp.body)["errors"] == {"f_email": "390 characters; the limit is 254."}


def test_a_too_long_summary_in_the_log_form_is_marked(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    asked = slack.dm("had a call")
    view, _ = open_modal(slack, asked, "Fill in")
    resp = slack.send_payload(
        view_submission(view, modal_values(view, f_contact="Jane Doe", f_summary="s" * 3001))
    )
    answer = json.loads(resp.body)
    assert answer["errors"] == {"f_summary": "3,001 characters; the limit is 3,000."}
    assert count(slack, Interaction) == 0
