"""The console as a newcomer's try-out: who is on the team, whose zone, answering another person's
messages, a clock that runs between jumps, and charts kept on disk."""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from bot.services.timeutil import zone
from models import Task, User
from tests.console.conftest import START, Driver
from tests.console.test_console import number_of


def test_as_with_no_name_or_an_unknown_one_lists_who_is_on_the_team(console_factory) -> None:
    c: Driver = console_factory(demo=True)
    shown = c.type(":as")
    for expected in (
        "Ann Lee",
        "manager",
        "America/New_York",
        "Bob Martin",
        "rep",
        "Europe/Paris",
        "Cara Diaz",
        "America/Los_Angeles",
    ):
        assert expected in shown, shown
    shown = c.type(":as zed")
    assert "nobody here" in shown and "Bob Martin" in shown and "Europe/Paris" in shown
    assert "You are now" not in shown


def test_tz_sets_the_persons_zone_for_the_bot_and_the_console(console_factory, engine: Engine) -> None:
    c: Driver = console_factory(demo=True)
    assert "Asia/Tokyo" in c.type(":tz Asia/Tokyo")
    with engine.connect() as conn:
        assert conn.scalar(select(User.tz).where(User.slack_id == c.console.user_id)) == "Asia/Tokyo"
    assert "JST" in c.type(":now")
    c.type("/crm task add call the printer tomorrow 3pm")
    with engine.connect() as conn:
        due = conn.scalar(select(Task.due_utc).where(Task.title.like("%printer%")))
    assert due is not None
    local = due.replace(tzinfo=due.tzinfo or UTC).astimezone(zone("Asia/Tokyo"))
    assert (local.hour, local.minute) == (15, 0)
    assert "not a time zone" in c.type(":tz Nowhere/Land")


def test_after_as_bob_his_waiting_reminders_show_and_their_buttons_work(
    console_factory, engine: Engine
) -> None:
    c: Driver = console_factory(demo=True)
    shown = c.type(":clock +1h")
    assert "→ DM to Bob Martin" in shown and "Reminder: Send Globex proposal" in shown
    shown = c.type(":as bob")
    assert "You are now Bob Martin" in shown
    assert "Reminder: Send Globex proposal" in shown
    c.type(str(number_of(shown, "Done")))
    with engine.connect() as conn:
        done = conn.scalar(select(Task.done_at).where(Task.title == "Send Globex proposal"))
    assert done is not None


def test_the_clock_runs_between_jumps_so_the_summary_shows_what_was_just_done(console_factory) -> None:
    c: Driver = console_factory(demo=True)

    def new_since(shown: str) -> int:
        found = re.search(r"Since .*?: (\d+) new", shown)
        assert found, shown
        return int(found.group(1))

    before = new_since(c.type("/crm pipeline"))
    assert "Added deal Zulu deal" in c.type("/crm deal add Zulu deal 5000 for Acme Corp")
    assert new_since(c.type("/crm pipeline")) == before + 1
    assert c.console.now() > START
    assert c.console.now() < START + timedelta(minutes=30)


def test_charts_are_kept_per_session_and_their_path_is_shown(console_factory) -> None:
    paths = []
    for _ in range(2):
        c: Driver = console_factory(demo=True)
        found = re.findall(r"\(saved to (.+\.png)\)", c.type("/crm pipeline"))
        assert found
        paths.append(Path(found[0]))
        c.running.close()
    assert paths[0] != paths[1]
    assert all(p.exists() and p.read_bytes()[:4] == b"\x89PNG" for p in paths)


def test_the_export_is_saved_as_the_zip_it_is_with_custom_fields(console_factory) -> None:
    c: Driver = console_factory(demo=True)
    c.type("/crm fields add contact Region choice EMEA,APAC")
    c.type("/crm contact edit Jane Doe region=EMEA")
    said = c.type("/crm export")
    found = re.findall(r"\(saved to (.+)\)", said + c.printed())
    assert found and found[0].endswith(".zip"), said
    with zipfile.ZipFile(found[0]) as z:
        contacts = z.read("contacts.csv").decode()
    assert "Region" in contacts.splitlines()[0] and "EMEA" in contacts, contacts[:300]


def test_the_demo_pipeline_has_a_past_so_a_managers_reports_have_figures(console_factory) -> None:
    # Seeded all at once, every deal was added and moved through its stages in the same second: the
    # cycle said 0 days, velocity "under a day to win", the funnel "went past it without a stay".
    c: Driver = console_factory(demo=True)
    c.type(":as cara")
    cycle = c.type("/crm report cycle last 90 days")
    assert "over 2 deals won" in cycle and "0 days on average" not in cycle, cycle
    velocity = c.type("/crm report velocity last 90 days")
    assert "under a day" not in velocity and "a day" in velocity, velocity
    funnel = c.type("/crm report funnel last 90 days")
    assert "without a stay" not in funnel and "under a day" not in funnel, funnel
    history = c.type("/crm history Globex platform")
    added = re.search(r"(\w{3} \d+ \w{3} \d{4}) \d\d:\d\d · @Bob Martin added it", history)
    proposal = re.search(r"(\w{3} \d+ \w{3} \d{4}) \d\d:\d\d · @Bob Martin moved it Demo → Proposal", history)
    assert added and proposal and added.group(1) != proposal.group(1), history
