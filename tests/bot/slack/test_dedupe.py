from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from bot.db import make_session_factory
from bot.slack.dedupe import claim, forget_before, request_key


def press(value: str | None = None, **chosen: object) -> dict[str, object]:
    return {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "U1"},
        "container": {"message_ts": "1.1"},
        "actions": [{"action_id": "a", "value": value, "action_ts": "9", **chosen}],
    }


def test_keys_name_what_was_pressed_or_chosen() -> None:
    assert request_key(press("x")) == request_key(press("x"))
    assert request_key(press("x")) != request_key(press("y"))
    menu = [request_key(press(selected_option={"value": v})) for v in ("demo", "demo", "proposal")]
    assert menu[0] == menu[1] != menu[2]
    assert request_key(press(selected_date="2026-12-01")) != request_key(press(selected_date="2026-12-02"))
    event = {"type": "event_callback", "team_id": "T1", "event_id": "Ev1"}
    assert request_key(event) == "event:T1:Ev1"
    assert request_key({"command": "/crm"}) is None


def test_a_key_is_claimed_once_and_forgotten_later(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    now = datetime(2026, 11, 18, 15, tzinfo=UTC)
    assert claim(sessions, "event:T1:Ev1", now) is True
    assert claim(sessions, "event:T1:Ev1", now) is False
    assert forget_before(sessions, now + timedelta(days=3)) == 1
    assert claim(sessions, "event:T1:Ev1", now) is True
