"""Nothing lost in notes and forms: links keep their address, edit forms carry every field a record has,
and what the bot says back reads right."""

from __future__ import annotations

from models import Company, Contact, Deal, Interaction, Task
from tests.handlers.helpers import rows
from tests.handlers.test_views import initial, open_modal
from tests.support.slackhttp import ANN, SlackHTTP, modal_values, text_of, view_submission


def test_a_link_in_a_note_keeps_its_url(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme")
    shown = text_of(slack.dm("note on Acme: see <https://example.com/spec|click here> for the spec"))
    (note,) = rows(slack, Interaction)
    assert "https://example.com/spec" in note.summary and "click here" in note.summary
    assert "https://example.com/spec" in shown


def test_a_deals_edit_form_has_company_and_contact_and_saves_them(slack: SlackHTTP) -> None:
    slack.command("contact add Hank Scorpio hank@globex.com at Globex")
    card = slack.command("deal add Acme renewal $50k")
    view, url = open_modal(slack, card, "Edit")
    assert {"f_company", "f_contact"} <= {b["block_id"] for b in view["blocks"]}
    values = modal_values(view, f_company="Globex", f_contact="Hank Scorpio")
    assert slack.send_payload(view_submission(view, values)).status == 200
    saved = slack.wait_response(url)
    assert "company → *Globex*" in text_of(saved) and "contact → *Hank Scorpio*" in text_of(saved)
    (deal,) = rows(slack, Deal)
    (globex,) = rows(slack, Company, Company.name == "Globex")
    (hank,) = rows(slack, Contact, Contact.name == "Hank Scorpio")
    assert (deal.company_id, deal.contact_id) == (globex.id, hank.id)
    again, _ = open_modal(slack, saved, "Edit")
    assert (initial(again, "f_company"), initial(again, "f_contact")) == ("Globex", "Hank Scorpio")


def test_a_tasks_edit_form_is_prefilled_with_its_contact(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme")
    card = slack.command("task add call Jane Doe tomorrow")
    (task,) = rows(slack, Task)
    assert task.contact_id is not None
    view, _ = open_modal(slack, card, "Edit")
    assert initial(view, "f_contact") == "Jane Doe"
    assert next(b for b in view["blocks"] if b["block_id"] == "f_assignee")["element"]["initial_user"] == ANN


def test_wording_logged_an_email_and_undone_names_what_was_removed(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme")
    assert "Logged an email" in text_of(slack.dm("emailed Jane Doe the proposal"))
    card = slack.dm("had a call with Jane Doe, she liked it")
    undone = text_of(slack.press(card, "Undo"))
    assert "Undone: removed the call with Jane Doe" in undone, undone


def test_oops_undo_that_undoes(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme")
    slack.dm("had a call with Jane Doe, she liked it")
    assert len(rows(slack, Interaction)) == 1
    shown = text_of(slack.dm("oops undo that"))
    assert "Undone" in shown, shown
    assert rows(slack, Interaction) == []
