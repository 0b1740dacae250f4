"""The daily rhythm in the console, as a person meets it: their day's list, and what the bot says first."""

from __future__ import annotations

from tests.console.conftest import Driver


def test_my_day_lists_today_with_overdue_apart_and_an_unknown_person_is_named(console_factory) -> None:
    c: Driver = console_factory(demo=True)
    shown = c.type("what's on my plate today?")
    assert "Overdue" in shown and "Due today" in shown, shown
    late, today = shown.split("Due today", 1)
    assert "Send Acme renewal quote" in late and "overdue" in late
    assert "Call Raj about seat count" in today and "overdue" not in today
    assert "Prepare Umbrella onboarding plan" not in shown
    shown = c.type("/crm tasks @nobody")
    assert "No one called “nobody”" in shown
    assert "Call Raj" not in shown
