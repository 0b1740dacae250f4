"""Shortcuts and pickers over signed HTTP: a Slack message logged to the CRM with its permalink, a task
made from a message, the global shortcuts' forms, and the search-as-you-type pickers they use."""

from __future__ import annotations

import json
from typing import Any

from bot.blocks import ids
from models import Company, Contact, Deal, Interaction, Task
from tests.handlers.helpers import count, rows
from tests.support.slackhttp import (
    ANN,
    BOB,
    SlackHTTP,
    block_suggestion,
    message_action,
    modal_values,
    shortcut,
    text_of,
    view_submission,
)


def opened_form(slack: SlackHTTP, payload: dict[str, Any], n: int = 1) -> dict[str, Any]:
    assert slack.send_payload(payload).status == 200
    return slack.fake.wait_calls("views.open", n)[n - 1].params["view"]


def field(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b["element"] for b in view["blocks"] if b.get("block_id") == block_id)


def suggest(slack: SlackHTTP, view: dict[str, Any], block_id: str, typed: str) -> list[dict[str, Any]]:
    resp = slack.send_payload(block_suggestion(view, block_id, typed))
    assert resp.status == 200, resp
    return list(json.loads(resp.body)["options"])


def submit(slack: SlackHTTP, view: dict[str, Any], **changes: Any) -> None:
    assert slack.send_payload(view_submission(view, modal_values(view, **changes))).status == 200
    slack.settle()


def test_log_to_crm_reads_the_message_and_keeps_its_permalink(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme")
    message = {
        "user": ANN,
        "ts": "1795014000.000200",
        "text": "had a call with Jane Doe, she wants pricing by Friday",
    }
    view = opened_form(slack, message_action(ids.LOG_MESSAGE, message, channel="C1"))
    assert view["title"]["text"] == "Log interaction"
    assert field(view, "f_kind")["initial_option"]["value"] == "call"
    assert field(view, "f_contact")["type"] == "external_select"
    assert field(view, "f_contact")["initial_option"]["text"]["text"] == "Jane Doe"
    assert field(view, "f_follow_up__title")["initial_value"] == "pricing"
    assert "/archives/C1/p1795014000.000200" in text_of({"view": view})
    (link,) = slack.fake.calls_to("chat.getPermalink")
    assert link.params["channel"] == "C1" and link.params["message_ts"] == "1795014000.000200"

    submit(slack, view, **{ids.THREAD_NOTE: ["yes"]})
    (logged,) = rows(slack, Interaction)
    assert logged.kind == "call" and logged.permalink and logged.permalink.endswith("p1795014000.000200")
    assert "pricing" in logged.summary
    dm = next(c for c in slack.fake.calls_to("chat.postMessage") if c.params["channel"] == ANN)
    assert "Logged a call with *Jane Doe*" in text_of(dm)
    note = next(c for c in slack.fake.calls_to("chat.postMessage") if c.params["channel"] == "C1")
    assert note.params["thread_ts"] == "1795014000.000200" and "logged this to the CRM" in note.params["text"]
    assert rows(slack, Task)[0].title == "pricing"


def test_no_thread_note_unless_asked_and_a_plain_message_is_a_message(slack: SlackHTTP) -> None:
    slack.command("company add Initech")
    message = {"user": ANN, "ts": "1795014100.000300", "text": "Thanks, we will review it next week"}
    view = opened_form(slack, message_action(ids.LOG_MESSAGE, message, channel="C9"))
    assert field(view, "f_kind")["initial_option"]["value"] == "message"
    assert field(view, "f_summary")["initial_value"] == "Thanks, we will review it next week"
    company = rows(slack, Company)[0]
    submit(slack, view, f_company=company.id)
    assert rows(slack, Interaction)[0].summary == "Thanks, we will review it next week"
    assert not [c for c in slack.fake.calls_to("chat.postMessage") if c.params["channel"] == "C9"]


def test_create_task_from_message(slack: SlackHTTP) -> None:
    message = {"user": ANN, "ts": "1795014200.000400", "text": "can you send Acme the contract tomorrow?"}
    view = opened_form(slack, message_action(ids.TASK_FROM_MESSAGE, message))
    assert field(view, "f_title")["initial_value"] == "send Acme the contract"
    assert field(view, "f_due")["initial_date"] == "2026-11-19"
    submit(slack, view)
    (task,) = rows(slack, Task)
    assert task.title == "send Acme the contract" and task.due_date.isoformat() == "2026-11-19"


def test_global_shortcut_forms_pick_records_by_id(slack: SlackHTTP) -> None:
    slack.command("company add Acme Corp")
    slack.command("company add Globex")
    view = opened_form(slack, shortcut(ids.NEW_DEAL))
    assert view["title"]["text"] == "New deal" and field(view, "f_company")["type"] == "external_select"
    options = suggest(slack, view, "f_company", "acm")
    assert options[0]["text"]["text"].startswith("“acm”")  # the name as typed, first
    acme = next(o for o in options if o["text"]["text"] == "Acme Corp")
    assert all("Globex" not in o["text"]["text"] for o in options)
    # A word inside the name finds it too.
    assert any(o["text"]["text"] == "Acme Corp" for o in suggest(slack, view, "f_company", "corp"))
    submit(slack, view, f_title="Acme expansion", f_company=int(acme["value"]), f_amount="20k")
    (deal,) = rows(slack, Deal)
    assert deal.title == "Acme expansion" and deal.company_id == int(acme["value"])


def test_a_picked_name_as_typed_makes_the_record(slack: SlackHTTP) -> None:
    view = opened_form(slack, shortcut(ids.NEW_CONTACT))
    (typed,) = suggest(slack, view, "f_company", "Umbrella")
    assert typed["value"] == "+Umbrella"
    submit(slack, view, f_name="Alice Wong", f_company="Umbrella")
    (alice,) = rows(slack, Contact)
    assert alice.company is not None and alice.company.name == "Umbrella"


def test_an_id_from_another_workspace_is_refused(slack: SlackHTTP) -> None:
    slack.command("company add Acme Corp")
    crm = slack.services.crm
    stranger = crm.register_user("T2", "UOTHER", name="Other Boss", tz="UTC")
    made = crm.create_company(stranger, "Hooli").company
    assert made is not None
    foreign = made.id
    view = opened_form(slack, shortcut(ids.NEW_CONTACT))
    assert all("Hooli" not in o["text"]["text"] for o in suggest(slack, view, "f_company", "hoo"))
    submit(slack, view, f_name="Mallory", f_company=foreign)
    assert count(slack, Contact, Contact.name == "Mallory") == 0
    dm = slack.fake.calls_to("chat.postMessage")[-1]
    assert "couldn't find" in text_of(dm).lower() or "no company" in text_of(dm).lower()


def test_task_and_interaction_shortcuts_pick_contacts_deals_and_people(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe at Acme")
    slack.command("deal add Acme renewal 50k")
    view = opened_form(slack, shortcut(ids.LOG_INTERACTION))
    typed, jane = suggest(slack, view, "f_contact", "doe")
    assert typed["value"] == "+doe"
    assert jane["text"]["text"] == "Jane Doe · Acme"
    deal = next(o for o in suggest(slack, view, "f_deal", "acme ren") if o["value"].isdigit())
    submit(
        slack,
        view,
        f_kind="meeting",
        f_contact=int(jane["value"]),
        f_deal=int(deal["value"]),
        f_summary="QBR",
    )
    (logged,) = rows(slack, Interaction)
    assert logged.kind == "meeting" and logged.contact_id == int(jane["value"])
    assert logged.deal_id == int(deal["value"])
    task_form = opened_form(slack, shortcut(ids.NEW_TASK), 2)
    assert field(task_form, "f_assignee")["initial_user"] == ANN
    assert field(task_form, "f_deal")["type"] == "external_select"


def test_a_teammates_older_message_is_read_as_they_wrote_it_when_they_wrote_it(slack: SlackHTTP) -> None:
    # Bob wrote this two days ago; Ann turns it into a task now. His "I" is Bob and his "tomorrow" the
    # day after he wrote it, not the day after she pressed the shortcut.
    slack.command("help", user=BOB)
    two_days_ago = "1794841200.000500"  # 2026-11-16 15:00 UTC
    message = {"user": BOB, "ts": two_days_ago, "text": "I'll send Jane the renewal deck tomorrow"}
    view = opened_form(slack, message_action(ids.TASK_FROM_MESSAGE, message))
    assert field(view, "f_due")["initial_date"] == "2026-11-17", field(view, "f_due")
    assert field(view, "f_assignee").get("initial_user") == BOB, field(view, "f_assignee")


def _errors(slack: SlackHTTP, view: dict[str, Any], **changes: Any) -> dict[str, str]:
    resp = slack.send_payload(view_submission(view, modal_values(view, **changes)))
    assert resp.status == 200
    answer = json.loads(resp.body) if resp.body else {}
    assert answer.get("response_action") == "errors", answer
    return dict(answer["errors"])


def test_the_new_deal_form_marks_each_bad_value_by_name_and_keeps_the_rest(slack: SlackHTTP) -> None:
    view = opened_form(slack, shortcut(ids.NEW_DEAL))
    typed = {"f_title": "Form deal", "f_amount": "5000"}
    xyz = _errors(slack, view, **typed, f_currency="XYZ")
    assert "“XYZ” is not a currency" in xyz["f_currency"], xyz
    negative = _errors(slack, view, **{**typed, "f_amount": "-5000"})
    assert "“-5000”" in negative["f_amount"] and "negative" in negative["f_amount"], negative
    lots = _errors(slack, view, **{**typed, "f_amount": "lots"})
    assert "“lots” is not an amount" in lots["f_amount"], lots
    day = _errors(slack, view, **typed, f_close_date="2027-02-30")
    assert list(day) == ["f_close_date"] and "“2027-02-30”" in day["f_close_date"], day
    assert count(slack, Deal) == 0
    # A regional amount reads as the money reader reads it, with its currency.
    submit(slack, view, f_title="Form euro deal", f_amount="45.000 €")
    (deal,) = rows(slack, Deal)
    assert (deal.title, deal.amount, deal.currency) == ("Form euro deal", 45000, "EUR")
