"""The manifest and the listeners agree: every event it subscribes to is handled, and nothing more."""

from __future__ import annotations

import re
from pathlib import Path

from handlers.shortcuts import GLOBAL, ON_MESSAGE
from tests.support.slackhttp import ANN, SlackHTTP, event_callback, message_action, shortcut, slash_command

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


def listed(section: str) -> list[str]:
    """The ``- item`` lines under ``section:`` in the manifest."""
    lines = MANIFEST.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"{section}:")
    indent = len(lines[start]) - len(lines[start].lstrip())
    items = []
    for line in lines[start + 1 :]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        m = re.match(r"^\s*-\s+(\S+)$", line)
        if m:
            items.append(m.group(1))
    return items


EXAMPLES = {
    "app_home_opened": {"type": "app_home_opened", "user": ANN, "channel": f"D{ANN}", "tab": "home"},
    "app_mention": {
        "type": "app_mention",
        "user": ANN,
        "channel": "C1",
        "text": "<@UBOT> thanks",
        "ts": "1.1",
    },
    "app_uninstalled": {"type": "app_uninstalled"},
    "tokens_revoked": {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}},
    "team_access_granted": {"type": "team_access_granted", "team_ids": ["T1"]},
    "team_access_revoked": {"type": "team_access_revoked", "team_ids": ["T2"]},
    "message.im": {
        "type": "message",
        "channel_type": "im",
        "user": ANN,
        "channel": f"D{ANN}",
        "text": "thanks",
        "ts": "1.2",
    },
}


def test_every_subscribed_event_has_a_listener(slack: SlackHTTP) -> None:
    events = listed("bot_events")
    assert sorted(events) == sorted(EXAMPLES)
    for name in events:
        assert slack.send_event(event_callback(EXAMPLES[name])).status == 200, name
    # An event the manifest does not subscribe to has no listener.
    other = {"type": "reaction_added", "user": ANN, "reaction": "tada", "item": {}}
    assert slack.send_event(event_callback(other)).status == 404


def test_the_command_and_interactivity_point_at_the_app(slack: SlackHTTP) -> None:
    text = MANIFEST.read_text()
    assert "- command: /crm" in text and "should_escape: true" in text
    assert text.count("/slack/events") == 4
    assert re.search(r"message_menu_options_url: https://\S+/slack/events", text)
    assert re.search(r"interactivity:\s+is_enabled: true", text)
    assert "messages_tab_enabled: true" in text and "home_tab_enabled: true" in text
    resp = slack.send_form(slash_command("help", response_url=slack.new_response_url()))
    assert resp.status == 200
    scopes = listed("bot")
    assert {"commands", "chat:write", "users:read", "im:history", "app_mentions:read"} <= set(scopes)


def test_every_shortcut_has_a_listener(slack: SlackHTTP) -> None:
    text = MANIFEST.read_text()
    declared = re.findall(r"type: (global|message)\n\s+callback_id: (\S+)", text)
    assert sorted(cid for kind, cid in declared if kind == "global") == sorted(GLOBAL)
    assert sorted(cid for kind, cid in declared if kind == "message") == sorted(ON_MESSAGE)
    for n, (kind, callback_id) in enumerate(declared, start=1):
        payload = (
            shortcut(callback_id)
            if kind == "global"
            else message_action(callback_id, {"user": ANN, "text": "call with Jane", "ts": "1.5"})
        )
        assert slack.send_payload(payload).status == 200, callback_id
        assert len(slack.fake.wait_calls("views.open", n)) == n, callback_id
    # A shortcut the manifest does not declare has no listener.
    assert slack.send_payload(shortcut("crm_nothing")).status == 404


def test_an_oauth_install_asks_for_the_scopes_the_manifest_lists() -> None:
    # A workspace installed through /slack/install gets only what SLACK_SCOPES asks for (by default
    # BOT_SCOPES): a scope the manifest lists but the install leaves out is a feature that fails there.
    from bot.settings import BOT_SCOPES

    assert sorted(BOT_SCOPES) == sorted(listed("bot"))
