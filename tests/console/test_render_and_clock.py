from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.console.render import Control, Style, mrkdwn, render_message
from bot.console.session import parse_clock

NAMES = {"UANN": "Ann Lee"}
STYLE = Style(tty=False, width=80, tz="America/New_York", names=lambda uid: NAMES.get(uid, uid))


def test_mrkdwn_reads_as_plain_text() -> None:
    text = (
        "*Acme renewal* for <@UANN> in <#C1|sales>: <https://x.example/d/1|open> · `Lead` :alarm_clock: "
        "due <!date^1796130000^{date_short} {time}|Dec 1> &amp; more\n> quoted"
    )
    assert mrkdwn(text, STYLE) == (
        "Acme renewal for @Ann Lee in #sales: open (https://x.example/d/1) · Lead ⏰ due Dec 1, 2026 08:00 & more\n"
        "│ quoted"
    )
    assert mrkdwn("2 * 3 * 4", STYLE) == "2 * 3 * 4"


def test_blocks_render_fields_side_by_side_and_number_their_controls() -> None:
    pressed: list[Control] = []

    def number(control: Control) -> int:
        pressed.append(control)
        return len(pressed)

    message = {
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Acme renewal"}},
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": "*Stage*\nNegotiation"},
                    {"type": "mrkdwn", "text": "*Amount*\n$48,000"},
                ],
                "accessory": {
                    "type": "button",
                    "action_id": "a",
                    "text": {"type": "plain_text", "text": "Open"},
                },
            },
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": "owner <@UANN>"},
                    {"type": "plain_text", "text": "closes Dec 6"},
                ],
            },
            {"type": "divider"},
            {
                "type": "actions",
                "block_id": "b1",
                "elements": [
                    {"type": "button", "action_id": "undo", "text": {"type": "plain_text", "text": "Undo"}},
                    {
                        "type": "button",
                        "action_id": "next",
                        "style": "primary",
                        "text": {"type": "plain_text", "text": "Move to won"},
                    },
                ],
            },
        ]
    }
    lines = render_message(message, STYLE, number)
    assert lines[0] == "  Acme renewal"
    assert "Stage Negotiation" in lines[2] and "Amount $48,000" in lines[2]
    assert lines[3] == "    [1] Open"
    assert lines[4] == "  owner @Ann Lee · closes Dec 6"
    assert lines[-1] == "  [2] Undo   [3] Move to won ★"
    assert [c.element["action_id"] for c in pressed] == ["a", "undo", "next"]
    assert pressed[1].block_id == "b1"


def test_text_only_and_attachments() -> None:
    lines = render_message(
        {"text": "hello <@UANN>", "attachments": [{"text": "chart attached"}]}, STYLE, lambda c: None
    )
    assert lines == ["  hello @Ann Lee", "  │ chart attached"]


NOW = datetime(2026, 11, 24, 22, 30, tzinfo=UTC)  # Tue 17:30 in New York


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+2h", datetime(2026, 11, 25, 0, 30, tzinfo=UTC)),
        ("+1d30m", datetime(2026, 11, 25, 23, 0, tzinfo=UTC)),
        ("tomorrow 09:00", datetime(2026, 11, 25, 14, 0, tzinfo=UTC)),
        ("friday 14:00", datetime(2026, 11, 27, 19, 0, tzinfo=UTC)),
        ("tuesday 08:00", datetime(2026, 12, 1, 13, 0, tzinfo=UTC)),
        ("2026-12-01 09:30", datetime(2026, 12, 1, 14, 30, tzinfo=UTC)),
        ("09:00", datetime(2026, 11, 25, 14, 0, tzinfo=UTC)),
        ("18:00", datetime(2026, 11, 24, 23, 0, tzinfo=UTC)),
    ],
)
def test_clock_targets_are_read_in_the_persons_zone(text: str, expected: datetime) -> None:
    assert parse_clock(text, NOW, "America/New_York") == expected


@pytest.mark.parametrize("text", ["", "soon", "tomorrow 25:00", "+2x"])
def test_clock_rejects_what_it_cannot_read(text: str) -> None:
    with pytest.raises(ValueError, match="Usage|not a time"):
        parse_clock(text, NOW, "UTC")


def test_run_without_credentials_opens_the_console_on_piped_input(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "CRM_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'crm.sqlite3'}"
    env["XDG_DATA_HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        input="/crm contact add Ada Lovelace ada@engine.org\n:quit\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "no Slack credentials" in done.stdout
    assert "you@general> /crm contact add Ada Lovelace ada@engine.org" in done.stdout
    assert "Added contact Ada Lovelace" in done.stdout
    assert "Traceback" not in done.stderr
