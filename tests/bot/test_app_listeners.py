"""create_app registers an explicit list of listener modules; one it cannot import stops the start."""

from __future__ import annotations

from typing import Any, cast

import pytest

import bot.app
from bot.settings import load_settings


def test_a_listener_module_that_is_not_there_stops_the_start_with_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bot.app, "HANDLER_MODULES", ("handlers.commands", "handlers.no_such_module"))
    with pytest.raises(SystemExit) as stopped:
        bot.app.create_app(load_settings({}), services=cast(Any, object()))
    message = str(stopped.value.code)
    assert "handlers.no_such_module" in message and "\n" not in message


def test_a_listener_module_without_register_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.app, "HANDLER_MODULES", ("handlers.commands", "bot.clock"))
    with pytest.raises(SystemExit, match="bot.clock has no register"):
        bot.app.listeners()


def test_every_listed_listener_module_is_there() -> None:
    assert [m.__name__ for m in bot.app.listeners()] == list(bot.app.HANDLER_MODULES)
