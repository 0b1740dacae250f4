"""The console over the real app and handlers, on SQLite and PostgreSQL: what a person types, what
they read back, and the rows that exist afterwards."""

from __future__ import annotations

import re

from sqlalchemy import Engine, func, select

from bot.demo import ANN
from models import Contact, Interaction, Task
from tests.console.conftest import Driver


def number_of(output: str, label: str) -> int:
    found = re.findall(r"\[(\d+)\] " + re.escape(label), output)
    assert found, f"no button {label!r} in:\n{output}"
    return int(found[-1])


def count(engine: Engine, stmt) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.scalar(stmt) or 0)


def test_add_a_contact_then_press_undo_by_its_number(console_factory, engine: Engine) -> None:
    c: Driver = console_factory()
    shown = c.type("/crm contact add Zed Zulu zed@zulu.io at Zulu Inc")
    assert "Added contact Zed Zulu" in shown
    assert "(only you can see this)" in shown
    assert count(engine, select(func.count(Contact.id)).where(Contact.name == "Zed Zulu")) == 1

    shown = c.type(str(number_of(shown, "Undo")))
    assert "Undone" in shown
    assert count(engine, select(func.count(Contact.id)).where(Contact.name == "Zed Zulu")) == 0


def test_demo_team_pipeline_and_a_direct_message_that_logs_a_call(console_factory, engine: Engine) -> None:
    c: Driver = console_factory(demo=True)
    assert c.console.user_id == ANN
    shown = c.type("/crm pipeline")
    assert "Negotiation" in shown and "$70,000" in shown
    assert "`" not in shown and "*" not in shown  # markup is rendered, not shown raw

    before = count(engine, select(func.count(Interaction.id)))
    shown = c.type("had a call with Jane at Acme, she wants pricing by Friday")
    assert "to you (DM)" in shown
    assert "Jane Doe" in shown
    assert count(engine, select(func.count(Interaction.id))) == before + 1


def test_moving_the_clock_brings_a_reminder_and_only_its_recipient_can_press_it(
    console_factory, engine: Engine
) -> None:
    c: Driver = console_factory(demo=True)
    shown = c.type("/crm task add call the printer tomorrow 3pm")
    assert count(engine, select(func.count(Task.id)).where(Task.title.like("%printer%"))) == 1

    shown = c.type(":clock tomorrow 14:59")
    assert "call the printer" not in shown
    # The demo's reminders for Bob show too, but their buttons are his to press.
    assert "→ DM to Bob Martin" in shown and ":as bob to answer it" in shown
    shown = c.type(":clock +1m")
    assert "The clock now says Wed 2026-11-25 15:00" in shown
    assert re.search(r"to you \(DM\):\n.*Reminder: call the printer", shown), shown
    assert "[1] Done" in shown

    # Ticking again sends nothing twice.
    assert "call the printer" not in c.type(":now")


def test_switching_person_and_channel(console_factory) -> None:
    c: Driver = console_factory(demo=True)
    assert "You are now Bob Martin (U0BOB0002, Europe/Paris)" in c.type(":as UBOB")
    assert "You are now Cara Diaz" in c.type(":as cara")
    assert "You are now Bob Martin" in c.type(":as U0BOB0002")
    assert "You are now in #sales" in c.type(":in #sales")
    shown = c.type("/crm tasks")
    assert "Send Globex proposal" in shown
    assert "in #sales (only you can see this)" in shown
    assert "Unknown console command" in c.type(":frobnicate")
    # Mentions go out as Slack escapes them, and come back as names.
    shown = c.type("/crm task add send the deck for @cara tomorrow")
    assert "for @Cara Diaz" in shown
    # Bob is a rep: channel summaries are for managers and admins (README, "Who may do what").
    shown = c.type("/crm subscribe #sales daily 09:00")
    assert "Only a manager or an admin can subscribe a channel" in shown and "Ann Lee (admin)" in shown
    assert "You are now Ann Lee" in c.type(":as ann")
    shown = c.type("/crm subscribe #sales daily 09:00")
    assert "#sales will get the pipeline summary daily at 09:00" in shown


def test_scripted_session_reads_like_a_transcript_and_ends_at_quit(console_factory) -> None:
    c: Driver = console_factory(lines=["/crm help", ":quit", "/crm pipeline"])
    assert c.console.run(c.console._lines) == 0
    shown = c.printed()
    assert "Local console: you are You (U0LOCAL00" in shown
    assert "you@general> /crm help" in shown
    assert "/crm pipeline" not in shown.split(":quit", 1)[1]


def test_a_subscribed_summary_arrives_when_the_clock_reaches_it(console_factory) -> None:
    c: Driver = console_factory(demo=True)
    c.type(":in #sales")
    assert "daily at 09:00" in c.type("/crm subscribe #sales daily 09:00")
    assert "Daily pipeline summary" not in c.type(":clock tomorrow 08:59")
    shown = c.type(":clock +1m")
    assert re.search(r"crm in #sales:\n  Daily pipeline summary", shown), shown
    assert "Open: 12 deals · $412,500" in shown
    assert "crm in #sales: 📎" in shown  # the chart, uploaded with files upload v2
    assert "Daily pipeline summary" not in c.type(":clock +1h")


def test_app_home_buttons_press_like_message_buttons(console_factory, engine: Engine) -> None:
    c: Driver = console_factory(demo=True)
    shown = c.type(":home")
    assert "crm's App Home (as Ann Lee sees it):" in shown
    open_tasks = select(func.count(Task.id)).where(Task.done_at.is_(None))
    before = count(engine, open_tasks)
    c.type(str(number_of(shown, "Done")))
    assert count(engine, open_tasks) == before - 1


def test_moving_the_clock_far_stops_where_things_fall_due_so_they_are_on_time(console_factory) -> None:
    c: Driver = console_factory()
    assert "call the printer" in c.type("/crm task add call the printer today 10am")
    shown = c.type(":clock +3h")
    assert "The clock now says Tue 2026-11-24 12:00 EST" in shown
    assert re.search(
        r"── Tue 2026-11-24 10:00 EST ──\ncrm to you \(DM\):\n.*Reminder: call the printer", shown
    ), shown
    assert "late" not in shown.lower()


def test_a_stale_deal_alert_shows_its_close_date_like_every_other_card(console_factory) -> None:
    c: Driver = console_factory(demo=True)
    shown = c.type(":clock +15d")
    assert "Acme renewal has had no activity" in shown
    assert "closes Sun 6 Dec 2026" in shown and "closes 2026-12-06" not in shown


def test_an_export_shared_back_in_the_console_imports_whole(console_factory, engine: Engine) -> None:
    """The zip `/crm export` sends is shared back as it came: previewed as an export, imported file by
    file (here every record is already there, so skipped), undone with one button."""
    c: Driver = console_factory(demo=True)
    shown = c.type("/crm export")
    c.console.settle()
    shown += c.printed()
    saved = re.findall(r"saved to (\S+\.zip)", shown)
    assert saved, shown
    shown = c.type(f":share {saved[-1]}")
    c.console.settle()
    shown += c.printed()
    assert "is an export" in shown and "contacts.csv" in shown, shown
    shown = c.type(str(number_of(shown, "Import")))
    c.console.settle()
    shown += c.printed()
    assert "Imported" in shown and "contacts.csv: 0 new" in shown, shown
    assert "Undo import" in shown


def test_a_second_run_on_the_same_database_is_answered(engine: Engine, tmp_path) -> None:
    """Each console run is a new process whose counters start again; the bot remembers the requests it
    has seen in the database, so a second run's must be new to it, or its file goes unanswered."""
    import os
    import subprocess
    import sys

    people = tmp_path / "people.csv"
    people.write_text("Name,Email\nLi Wei,li@wei.com\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "CRM_"))}
    env["DATABASE_URL"] = engine.url.render_as_string(hide_password=False)
    env["XDG_DATA_HOME"] = str(tmp_path)
    for run in ("first", "second"):
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "console", "--demo"],
            input=f":share {people} contacts\n:quit\n",
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
            env=env,
        )
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        assert "people.csv: 1 row of contacts" in done.stdout, (run, done.stdout)
