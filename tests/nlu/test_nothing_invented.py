"""Slots a message does not state must not appear (the scorer only checks the slots a case lists)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.nlu import parse

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.mark.parametrize(
    "text",
    [
        "log a call with Dana Reyes: wrong number, she asked for Marcus",
        "met Omar at Globex, he asked for Priya Nair",
        "spoke to Lena at Initech - she asked for Tom from our team",
    ],
)
def test_someone_asked_for_is_no_follow_up(text: str) -> None:
    got = parse(text, now=NOW, tz="America/New_York", user="U0SENDER")
    assert got["intent"] == "log_interaction"
    assert "follow_up" not in got["slots"], got


def test_something_asked_for_still_is() -> None:
    got = parse(
        "call with Tom at Initech, they asked for references", now=NOW, tz="America/New_York", user="U0"
    )
    assert got["slots"]["follow_up"]["title"] == "references"
