"""Buttons over signed ``payload=`` requests: undo, next steps, picking, duplicates, create-and-continue."""

from __future__ import annotations

from models import AuditEvent, Company, Contact, Deal, Interaction, PipelineStage, Task
from tests.handlers.helpers import count, rows
from tests.support.slackhttp import BOB, SlackHTTP, block_actions, button, buttons, text_of


def stage_of(slack: SlackHTTP, title: str) -> str:
    with slack.services.sessions() as s:
        deal = s.query(Deal).filter(Deal.title == title).one()
        return str(s.get(PipelineStage, deal.stage_id).key)


def test_undo_button_removes_what_was_written(slack: SlackHTTP) -> None:
    added = slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    assert count(slack, Contact) == 1 and count(slack, Company) == 1
    undone = slack.press(added, "Undo")
    assert undone.params["replace_original"] is True
    assert "Undone" in text_of(undone) and "Jane Doe" in text_of(undone)
    assert count(slack, Contact) == 0 and count(slack, Company) == 0


def test_next_step_buttons_mark_done_and_move_to_next_stage(slack: SlackHTTP) -> None:
    task = slack.command("task add send pricing to Acme tomorrow")
    done = slack.press(task, "Mark done")
    assert "Done: *send pricing to Acme*" in text_of(done)
    assert rows(slack, Task)[0].done_at is not None
    assert [b["label"] for b in buttons(done)] == ["Undo"]
    slack.press(done, "Undo")
    assert rows(slack, Task)[0].done_at is None

    deal = slack.command("deal add Acme renewal 50k")
    moved = slack.press(deal, "Move to qualified")
    assert "stage → *Qualified*" in text_of(moved)
    assert stage_of(slack, "Acme renewal") == "qualified"
    assert "Move to demo" in [b["label"] for b in buttons(moved)]


def test_double_click_writes_once(slack: SlackHTTP) -> None:
    deal = slack.command("deal add Acme renewal 50k")
    move = button(deal, "Move to qualified")
    urls = [slack.new_response_url(), slack.new_response_url()]
    for url in urls:  # the same button on the same message, twice
        assert slack.send_payload(block_actions(move, response_url=url)).status == 200
    slack.wait_response(urls[0])
    slack.settle()  # the second press's work, if any, is over
    assert stage_of(slack, "Acme renewal") == "qualified"
    assert len([c for c in slack.fake.responses if c.method.endswith(urls[1].rsplit("/", 1)[1])]) == 0
    updates = count(slack, AuditEvent, AuditEvent.record_type == "deal", AuditEvent.action == "update")
    assert updates == 1

    # A stale button (the deal moved on since) changes nothing either.
    slack.command("deal move Acme renewal to proposal")
    url = slack.new_response_url()
    stale = slack.send_payload(block_actions(move, response_url=url, message_ts="1.2"))
    assert stale.status == 200
    answer = slack.wait_response(url)
    assert "already at Proposal" in text_of(answer)
    assert stage_of(slack, "Acme renewal") == "proposal"


def test_ambiguous_reference_asks_and_writes_only_after_the_pick(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    slack.command("contact add Jane Dodd jane@globex.com at Globex")
    asked = slack.command("log call with Jane: intro")
    assert "matches more than one contact" in text_of(asked)
    labels = [b["label"] for b in buttons(asked)]
    assert any(label.startswith("Jane Doe") for label in labels) and any(
        label.startswith("Jane Dodd") for label in labels
    )
    assert count(slack, Interaction) == 0
    picked = slack.press(asked, "Jane Dodd")
    assert "Logged a call with *Jane Dodd*" in text_of(picked)
    (interaction,) = rows(slack, Interaction)
    assert interaction.contact_id == rows(slack, Contact, Contact.name == "Jane Dodd")[0].id


def test_duplicate_contact_warns_and_offers_the_existing_one(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    warned = slack.command("contact add Jane Doe at Acme Corp")
    assert "looks like a contact you already have" in text_of(warned) and "jane@acme.com" in text_of(warned)
    assert count(slack, Contact) == 1
    existing = slack.press(warned, "Use Jane Doe")
    assert "Jane Doe" in text_of(existing) and "Recent interactions" in text_of(existing)
    assert count(slack, Contact) == 1
    forced = slack.press(warned, "Create anyway")
    assert "Added contact *Jane Doe*" in text_of(forced)
    assert count(slack, Contact) == 2


def test_no_match_offers_to_create_then_finishes_the_request(slack: SlackHTTP) -> None:
    asked = slack.command("had a call with Priya Nair, she wants a demo")
    assert "couldn't find a contact matching “Priya Nair”" in text_of(asked)
    assert count(slack, Contact) == 0 and count(slack, Interaction) == 0
    done = slack.press(asked, "Create contact")
    assert "Added contact *Priya Nair*" in text_of(done) and "Logged a call with *Priya Nair*" in text_of(
        done
    )
    (interaction,) = rows(slack, Interaction)
    assert interaction.contact_id == rows(slack, Contact)[0].id
    # Two records, two Undo buttons: each undoes its own write.
    assert [b["label"] for b in buttons(done)].count("Undo") == 2


def test_cancel_writes_nothing(slack: SlackHTTP) -> None:
    asked = slack.command("globex won?")
    assert "Did you mean" in text_of(asked)
    cancelled = slack.press(asked, "Cancel")
    assert "nothing was saved" in text_of(cancelled)
    assert count(slack, Deal) == 0


def test_done_from_a_list_answers_beside_the_list(slack: SlackHTTP) -> None:
    slack.command("task add send pricing to Acme tomorrow")
    slack.command("task add book the QBR room friday")
    listed = slack.command("tasks")
    done = slack.press(listed, "Done")
    assert done.params["replace_original"] is False and done.params["response_type"] == "ephemeral"
    assert "Done: *send pricing to Acme*" in text_of(done)
    assert [t.title for t in rows(slack, Task) if t.done_at is None] == ["book the QBR room"]


def test_a_refused_button_says_why_and_keeps_the_card(slack: SlackHTTP) -> None:
    added = slack.command("contact add Jane Doe jane@acme.com at Acme Corp share")
    assert added.params["response_type"] == "in_channel"
    # Someone else presses Undo on the shared card: not theirs to undo.
    refused = slack.press(added, "Undo", user=BOB)
    assert "Only Ann Rep (who made that change), a manager or an admin can undo it." in text_of(refused)
    assert refused.params["replace_original"] is False
    assert count(slack, Contact) == 1
    # Undone once from the command line, the button then says so instead of failing silently.
    slack.command("undo")
    again = slack.press(added, "Undo")
    assert "already undone" in text_of(again) and count(slack, Contact) == 0
