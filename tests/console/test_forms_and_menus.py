"""Modals as forms and menus as numbered choices, against a small Bolt app built here, so these
checks hold whatever the bot's own handlers look like."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.demo import ANN
from bot.settings import Settings

FORM = {
    "type": "modal",
    "callback_id": "meeting",
    "title": {"type": "plain_text", "text": "Book a meeting"},
    "submit": {"type": "plain_text", "text": "Book"},
    "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Who are you meeting *and when*?"}},
        {
            "type": "input",
            "block_id": "who",
            "label": {"type": "plain_text", "text": "Who"},
            "element": {"type": "plain_text_input", "action_id": "who"},
        },
        {
            "type": "input",
            "block_id": "kind",
            "label": {"type": "plain_text", "text": "Kind"},
            "element": {
                "type": "static_select",
                "action_id": "kind",
                "options": [
                    {"text": {"type": "plain_text", "text": "Call"}, "value": "call"},
                    {"text": {"type": "plain_text", "text": "Meeting"}, "value": "meeting"},
                ],
            },
        },
        {
            "type": "input",
            "block_id": "day",
            "label": {"type": "plain_text", "text": "Day"},
            "element": {"type": "datepicker", "action_id": "day", "initial_date": "2026-12-01"},
        },
        {
            "type": "input",
            "block_id": "notes",
            "optional": True,
            "label": {"type": "plain_text", "text": "Notes"},
            "element": {"type": "plain_text_input", "action_id": "notes"},
        },
    ],
}

MENU = [
    {"type": "section", "text": {"type": "mrkdwn", "text": f"Pick a stage for <@{ANN}>'s deal"}},
    {
        "type": "actions",
        "block_id": "pick",
        "elements": [
            {
                "type": "static_select",
                "action_id": "stage",
                "placeholder": {"type": "plain_text", "text": "Stage"},
                "options": [
                    {"text": {"type": "plain_text", "text": "Demo"}, "value": "demo"},
                    {"text": {"type": "plain_text", "text": "Proposal"}, "value": "proposal"},
                ],
            },
            {
                "type": "button",
                "action_id": "drop",
                "text": {"type": "plain_text", "text": "Drop it"},
                "value": "42",
                "style": "danger",
                "confirm": {
                    "title": {"type": "plain_text", "text": "Drop the deal?"},
                    "text": {"type": "plain_text", "text": "It goes to lost."},
                    "confirm": {"type": "plain_text", "text": "Drop"},
                    "deny": {"type": "plain_text", "text": "Keep"},
                },
            },
        ],
    },
]


def small_app(settings: Settings, _sessions: Any, _clock: Any, client: WebClient) -> App:
    app = App(
        client=client,
        signing_secret=settings.signing_secret,
        token_verification_enabled=False,
        process_before_response=True,
    )

    @app.command("/crm")
    def command(ack, body, respond, client) -> None:  # type: ignore[no-untyped-def]
        ack()
        if body["text"] == "book":
            client.views_open(trigger_id=body["trigger_id"], view=FORM)
        else:
            respond(text="pick", blocks=MENU)

    @app.view("meeting")
    def submitted(ack, body, view, client) -> None:  # type: ignore[no-untyped-def]
        values = view["state"]["values"]
        who = values["who"]["who"]["value"] or ""
        if len(who) < 3:
            ack(response_action="errors", errors={"who": "Give a full name."})
            return
        ack()
        kind = values["kind"]["kind"]["selected_option"]["value"]
        day = values["day"]["day"]["selected_date"]
        notes = values["notes"]["notes"]["value"]
        client.chat_postMessage(
            channel=body["user"]["id"], text=f"Booked a {kind} with {who} on {day} (notes: {notes})"
        )

    @app.action("stage")
    def stage(ack, body, respond) -> None:  # type: ignore[no-untyped-def]
        ack()
        chosen = body["actions"][0]["selected_option"]["value"]
        respond(text=f"Moved to *{chosen}* in {body['container']['channel_id']}", replace_original=True)

    @app.action("drop")
    def drop(ack, body, respond) -> None:  # type: ignore[no-untyped-def]
        ack()
        respond(text=f"Dropped deal {body['actions'][0]['value']}")

    return app


def test_a_modal_is_a_form_filled_field_by_field_with_errors_asked_again(console_factory) -> None:
    c = console_factory(app_factory=small_app, scheduler=False, lines=["Al", "2", "", "", "Alice Smith"])
    shown = c.type("/crm book")
    assert "┌─ Book a meeting" in shown
    assert "Who are you meeting and when?" in shown
    assert "1. Call" in shown and "2. Meeting" in shown
    assert "Day* (YYYY-MM-DD) [2026-12-01]:" in shown
    assert "⚠ Give a full name." in shown
    assert "to you (DM):\n  Booked a meeting with Alice Smith on 2026-12-01 (notes: None)" in shown


def test_a_form_can_be_cancelled(console_factory) -> None:
    c = console_factory(app_factory=small_app, scheduler=False, lines=[":cancel"])
    shown = c.type("/crm book")
    assert "form closed" in shown
    assert "Booked" not in shown


def test_a_menu_is_chosen_by_number_and_a_confirm_is_asked(console_factory) -> None:
    c = console_factory(app_factory=small_app, scheduler=False, lines=["2", "n", "y"])
    shown = c.type("/crm menu")
    assert "Pick a stage for @Ann Lee's deal" in shown
    assert "[1] Stage ▾   [2] Drop it ⚠" in shown
    shown = c.type("1")
    assert "1. Demo" in shown and "2. Proposal" in shown
    assert "(replaced the message)" in shown
    assert "Moved to proposal in CGENERAL" in shown

    assert "There is no button 3" in c.type("3")
    shown = c.type("/crm menu")
    shown = c.type("2")
    assert "Drop the deal? It goes to lost. [y/N]" in shown
    assert "Not sent." in shown
    shown = c.type("2")
    assert "Dropped deal 42" in shown


def test_the_new_deal_form_is_cancelled_at_a_pickers_which_prompt(console_factory) -> None:
    c = console_factory(demo=True, lines=["Form deal", "Acme", ":cancel"])
    shown = c.type(":new deal")
    assert "which (1-" in shown and "form closed" in shown, shown
    assert "Not one of the choices" not in shown and "Added deal" not in shown, shown
