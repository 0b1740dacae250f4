"""The intent modal over ``payload=`` requests: Edit after a write, Fill in before one, errors in the modal."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from models import AuditEvent, Deal, Interaction, Task
from tests.handlers.helpers import count, rows
from tests.support.fakeslack import Call, Fault
from tests.support.slackhttp import (
    ANN,
    BOB,
    SlackHTTP,
    block_actions,
    button,
    modal_values,
    text_of,
    view_submission,
)


def open_modal(slack: SlackHTTP, message: Call, label: str) -> tuple[dict[str, Any], str]:
    """Press a button that opens the modal; the view as Slack got it, and the message's response_url."""
    before = len(slack.fake.calls_to("views.open"))
    url = slack.new_response_url()
    assert slack.send_payload(block_actions(button(message, label), response_url=url)).status == 200
    call = slack.fake.wait_calls("views.open", before + 1)[before]
    assert call.params["trigger_id"].startswith("trigger.")
    view = call.params["view"]
    return (json.loads(view) if isinstance(view, str) else view), url


def initial(view: dict[str, Any], block_id: str) -> Any:
    block = next(b for b in view["blocks"] if b["block_id"] == block_id)
    el = block["element"]
    if el["type"] == "external_select":
        # A picker shows a record by its label, or a name as typed (its value after the "+").
        option = el.get("initial_option") or {}
        value = option.get("value") or ""
        return value[1:] if value.startswith("+") else option.get("text", {}).get("text")
    return (
        el.get("initial_value")
        or el.get("initial_date")
        or el.get("initial_time")
        or el.get("initial_option", {}).get("value")
    )


def test_edit_changes_the_logged_call_and_its_follow_up(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    card = slack.dm("had a call with Jane at Acme, she wants pricing by Friday")
    (interaction,) = rows(slack, Interaction)
    (task,) = rows(slack, Task)

    view, url = open_modal(slack, card, "Edit")
    # Prefilled with what was parsed and written.
    assert initial(view, "f_kind") == "call" and initial(view, "f_contact") == "Jane Doe"
    assert initial(view, "f_summary") == "she wants pricing by Friday"
    # A namesake added since: the edit still means the Jane it was logged with.
    ann = slack.crm.actor("T1", ANN)
    slack.crm.create_contact(ann, "Jane Doe", company="Globex", force=True)
    assert initial(view, "f_follow_up__title") == "pricing"
    assert initial(view, "f_follow_up__due") == "2026-11-20"

    values = modal_values(
        view,
        f_kind="meeting",
        f_summary="wants pricing and a security review",
        f_follow_up__due="2026-11-23",
        f_follow_up__due__time="14:30",
    )
    resp = slack.send_payload(view_submission(view, values))
    assert resp.status == 200 and resp.body == ""
    updated = slack.wait_response(url)
    assert updated.params["replace_original"] is True
    text = text_of(updated)
    assert "Updated a meeting with *Jane Doe*" in text and "security review" in text
    assert "due Mon 23 Nov 2026 14:30" in text

    # The same records, changed in place; 14:30 is read in Ann's zone (New York).
    (same,) = rows(slack, Interaction)
    (same_task,) = rows(slack, Task)
    assert (same.id, same.kind, same.summary) == (
        interaction.id,
        "meeting",
        "wants pricing and a security review",
    )
    assert same.contact_id == interaction.contact_id
    assert same_task.id == task.id
    assert same_task.due_at.replace(tzinfo=UTC) == datetime(2026, 11, 23, 19, 30, tzinfo=UTC)

    # The edit is one operation with its own Undo.
    slack.press(updated, "Undo")
    (back,) = rows(slack, Interaction)
    (back_task,) = rows(slack, Task)
    assert (back.kind, back_task.due_date, back_task.due_at) == ("call", date(2026, 11, 20), None)


def test_missing_slot_asks_with_a_prefilled_modal_and_writes_on_submit(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    before = count(slack, AuditEvent)
    asked = slack.dm("had a call")
    assert "Who was it with?" in text_of(asked)
    assert count(slack, AuditEvent) == before

    view, url = open_modal(slack, asked, "Fill in")
    assert initial(view, "f_kind") == "call"
    values = modal_values(view, f_contact="Jane Doe", f_summary="intro call")
    assert slack.send_payload(view_submission(view, values)).status == 200
    done = slack.wait_response(url)
    assert "Logged a call with *Jane Doe*" in text_of(done)
    (interaction,) = rows(slack, Interaction)
    assert interaction.summary == "intro call"


def test_invalid_values_are_shown_in_the_modal_and_nothing_is_written(slack: SlackHTTP) -> None:
    slack.command("deal add Acme renewal 50k")
    card = slack.command("deal move Acme renewal to proposal")
    view, _ = open_modal(slack, card, "Edit")
    assert initial(view, "f_stage") == "proposal" and initial(view, "f_amount") == "50000"
    before = count(slack, AuditEvent)
    resp = slack.send_payload(view_submission(view, modal_values(view, f_amount="lots")))
    assert resp.status == 200
    answer = json.loads(resp.body)
    assert answer["response_action"] == "errors" and "50k" in answer["errors"]["f_amount"]
    assert count(slack, AuditEvent) == before


def test_edit_on_a_deal_update_writes_the_corrected_values(slack: SlackHTTP) -> None:
    slack.command("deal add Globex platform 1.2M stage negotiation")
    won = slack.dm("we won the Globex deal!")
    view, url = open_modal(slack, won, "Edit")
    assert initial(view, "f_deal") == "Globex platform" and initial(view, "f_stage") == "won"
    values = modal_values(view, f_amount="1.1M", f_close_date="2026-11-30")
    assert slack.send_payload(view_submission(view, values)).status == 200
    updated = text_of(slack.wait_response(url))
    assert "amount: $1,200,000 → $1,100,000" in updated and "Mon 30 Nov 2026" in updated
    (deal,) = rows(slack, Deal)
    assert (float(deal.amount), deal.close_date) == (1_100_000.0, date(2026, 11, 30))


def test_edit_on_a_task_reschedules_and_reassigns_it(slack: SlackHTTP) -> None:
    slack.command(f"task add call Jane tomorrow 3pm for <@{BOB}|bob>")
    card = slack.command("task add send the deck friday")
    view, url = open_modal(slack, card, "Edit")
    assert initial(view, "f_title") == "send the deck" and initial(view, "f_due") == "2026-11-20"
    values = modal_values(
        view, f_title="send the new deck", f_due="2026-11-24", f_due__time="09:30", f_assignee=BOB
    )
    assert slack.send_payload(view_submission(view, values)).status == 200
    text = text_of(slack.wait_response(url))
    assert (
        "Updated task *send the new deck*" in text and f"<@{BOB}>" in text and "Tue 24 Nov 2026 09:30" in text
    )
    task = next(t for t in rows(slack, Task) if t.title == "send the new deck")
    # 09:30 is read in the zone of the person who typed it (Ann, New York).
    assert task.due_at.replace(tzinfo=UTC) == datetime(2026, 11, 24, 14, 30, tzinfo=UTC)


def test_a_form_that_cannot_open_in_time_says_so(slack: SlackHTTP) -> None:
    card = slack.command("task add send the deck friday")
    slack.fake.fail_next("views.open", Fault(200, {"ok": False, "error": "expired_trigger_id"}))
    url = slack.new_response_url()
    assert slack.send_payload(block_actions(button(card, "Edit"), response_url=url)).status == 200
    assert "couldn't open the form in time" in text_of(slack.wait_response(url))


def test_a_malformed_email_in_the_edit_form_is_shown_in_the_form_and_the_card_stays(
    slack: SlackHTTP,
) -> None:
    card = slack.command("contact add Jane Smith jane@initech.com at Initech")
    view, url = open_modal(slack, card, "Edit")
    before = count(slack, AuditEvent)
    resp = slack.send_payload(view_submission(view, modal_values(view, f_email="not-an-email")))
    assert resp.status == 200
    answer = json.loads(resp.body)
    assert answer["response_action"] == "errors" and "jane@acme.com" in answer["errors"]["f_email"]
    slack.settle()
    # The card with its Undo is not replaced by an error, and nothing was written.
    path = url.split(slack.fake.base, 1)[1]
    assert not [c for c in slack.fake.responses if c.method == path]
    assert count(slack, AuditEvent) == before


def test_log_follow_up_on_a_deal_card_logs_on_that_deal(slack: SlackHTTP) -> None:
    slack.command("deal add Acme renewal 50k")
    card = slack.command("deal show Acme renewal")
    view, url = open_modal(slack, card, "Log follow-up")
    values = modal_values(view, f_summary="renewal signed soon")
    assert slack.send_payload(view_submission(view, values)).status == 200
    done = text_of(slack.wait_response(url))
    assert "Who was it with?" not in done and "Acme renewal" in done, done
    (deal,) = rows(slack, Deal)
    (logged,) = rows(slack, Interaction)
    assert (logged.deal_id, logged.summary) == (deal.id, "renewal signed soon")


def test_an_edit_that_writes_nothing_answers_below_the_card_and_keeps_its_undo(slack: SlackHTTP) -> None:
    card = slack.command("deal add Hooli expansion 30k")
    view, url = open_modal(slack, card, "Edit")
    assert slack.send_payload(view_submission(view, modal_values(view))).status == 200
    answer = slack.wait_response(url)
    assert "nothing changed" in text_of(answer)
    # The card that says what was added, with its Undo, stays; the answer comes as a new message.
    assert answer.params["replace_original"] is False
    slack.press(card, "Undo")
    assert count(slack, Deal) == 0


def test_renaming_in_the_edit_form_renames_the_deal_and_the_contact(slack: SlackHTTP) -> None:
    from models import Contact

    card = slack.command("deal add Wonka bars $5k")
    view, url = open_modal(slack, card, "Edit")
    assert initial(view, "f_deal") == "Wonka bars"
    values = modal_values(view, f_deal="Wonka chocolate bars")
    assert slack.send_payload(view_submission(view, values)).status == 200
    assert "Wonka chocolate bars" in text_of(slack.wait_response(url))
    (deal,) = rows(slack, Deal)
    assert deal.title == "Wonka chocolate bars"

    card = slack.command("contact add Zoe Quinn zoe@acme.com")
    view, url = open_modal(slack, card, "Edit")
    values = modal_values(view, f_contact="Zoe Q. Quinn")
    assert slack.send_payload(view_submission(view, values)).status == 200
    assert "Zoe Q. Quinn" in text_of(slack.wait_response(url))
    assert [c.name for c in rows(slack, Contact)] == ["Zoe Q. Quinn"]
