"""The daily rhythm in the console, as a person meets it: their day's list, and what the bot says first."""

from __future__ import annotations

import re

from tests.console.conftest import Driver
from tests.console.test_console import number_of


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


def test_stale_deals_come_as_one_message_per_owner_each_at_the_start_of_their_day(console_factory) -> None:
    c: Driver = console_factory(demo=True)
    shown = c.type(":clock +15d")
    groups = re.findall(r"crm (to you \(DM\)|→ DM to [A-Z][a-z]+ [A-Z][a-z]+):\n  💤 (\d+) deals? ha", shown)
    assert sorted(who for who, _ in groups) == ["to you (DM)", "→ DM to Bob Martin", "→ DM to Cara Diaz"]
    assert shown.count("has had no activity") == sum(int(n) for _, n in groups)
    # Ann's arrives at 09:00 in New York, with each deal's buttons numbered for her.
    mine = (
        shown.split("── Mon 2026-12-07 09:00 EST ──", 1)[1].split("to you (DM):\n  💤", 1)[1].split("\n\n")[0]
    )
    assert "Acme renewal" in mine and "Acme expansion" in mine
    assert re.search(r"\[\d+\] Log activity", mine)


def test_a_standing_order_in_words_subscribes_the_channel_and_the_summary_arrives(console_factory) -> None:
    c: Driver = console_factory(demo=True)
    shown = c.type("post the pipeline summary in #sales every morning at 9")
    assert "#sales will get the pipeline summary daily at 09:00" in shown, shown
    assert "Undo" in shown and "Open: 12 deals" not in shown
    shown = c.type(":clock tomorrow 09:00")
    assert re.search(r"crm in #sales:\n  Daily pipeline summary", shown), shown
    assert "Stopped: one summary" in c.type("stop posting the pipeline summary in #sales")


def test_notes_and_forms_keep_what_was_typed_and_read_right(console_factory, engine) -> None:  # type: ignore[no-untyped-def]
    c: Driver = console_factory(demo=True)
    shown = c.type("note on Acme Corp: see <https://example.com/spec|click here> for the spec")
    assert "click here (https://example.com/spec)" in shown, shown
    assert "Logged an email with Jane Doe" in c.type("emailed Jane Doe the proposal")
    assert "Undone: removed the email with Jane Doe" in c.type("oops undo that")

    shown = c.type("/crm task add call Jane Doe tomorrow")
    c.console._lines = iter(["", "", "", "", "", ":cancel"])
    form = c.type(str(number_of(shown, "Edit")))
    assert re.search(r"Assignee[^\n]*\[Ann Lee\]", form), form
    assert re.search(r"Contact[^\n]*\[Jane Doe\]", form), form
    assert "U0ANN0001" not in form
