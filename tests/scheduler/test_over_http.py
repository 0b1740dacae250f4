"""End to end over Slack's protocol: the scheduler posts to the fake Web API, and a person answers with
signed requests to the app on a loopback port: buttons on reminders and stale-deal alerts, the
log-activity modal, /crm subscribe · subscriptions · unsubscribe, and /crm pipeline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, select

from bot.clock import ManualClock
from bot.db import make_session_factory
from bot.scheduler import Scheduler
from models import Deal, Interaction, PipelineStage, Subscription, Task
from tests.support.fakeslack import Call, FakeSlack
from tests.support.slackhttp import (
    ANN,
    SlackHTTP,
    block_actions,
    button,
    modal_values,
    text_of,
    view_submission,
)


@pytest.fixture
def http(engine: Engine, clock: ManualClock) -> Iterator[tuple[SlackHTTP, Scheduler]]:
    fake = FakeSlack().start()
    fake.add_user(ANN, "Ann Rep", tz="America/New_York", email="ann@example.com")
    server = SlackHTTP.start(
        fake,
        engine.url.render_as_string(hide_password=False),
        clock=clock,
        sessions=make_session_factory(engine),
    )
    client = WebClient(token="xoxb-test", base_url=fake.api_url, retry_handlers=[])
    scheduler = Scheduler(server.services.sessions, client, clock, pace_seconds=0, workers=1)
    yield server, scheduler
    scheduler.stop()
    server.stop()
    fake.stop()


def _last_post(slack: SlackHTTP, channel: str) -> Call:
    posts = [c for c in slack.fake.calls_to("chat.postMessage") if c.params.get("channel") == channel]
    assert posts, slack.fake.summary()
    return posts[-1]


def _press_element(slack: SlackHTTP, call: Call, action_id: str, **state: Any) -> Call:
    """Use a select or date picker on a message: Slack sends the element's new state with the action."""
    for block in call.params["blocks"]:
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id:
                url = slack.new_response_url()
                payload = block_actions({**element, "block_id": block["block_id"]}, response_url=url)
                payload["actions"][0].update({"type": element["type"], **state})
                assert slack.send_payload(payload).status == 200
                return slack.wait_response(url)
    raise AssertionError(f"no {action_id} on the message")


def test_reminder_buttons_done_snooze_and_open(http: tuple[SlackHTTP, Scheduler], clock: ManualClock) -> None:
    slack, scheduler = http
    ann = slack.crm.register_user("T1", ANN, name="Ann Rep", tz="America/New_York")
    first = slack.crm.create_task(ann, "Send the proposal", due="2026-11-24T07:00").task
    scheduler.tick()
    reminder = _last_post(slack, ANN)
    assert "Send the proposal" in text_of(reminder)

    opened = slack.press(reminder, "Open")
    assert "Send the proposal" in text_of(opened) and opened.params.get("replace_original") is False

    snoozed = slack.press(reminder, "Snooze 1 hour")
    assert snoozed.params["replace_original"] is True
    assert "Snoozed *Send the proposal*" in text_of(snoozed) and "Tue 24 Nov 08:00" in text_of(snoozed)
    clock.advance(hours=1)
    scheduler.tick()
    again = _last_post(slack, ANN)
    assert "Reminder (snoozed): Send the proposal" in again.params["text"]

    done = slack.press(again, "Done")
    assert "Done: *Send the proposal*" in text_of(done)
    with slack.services.sessions() as s:
        task = s.get(Task, first.id)  # type: ignore[union-attr]
        assert task is not None and task.done_at is not None
    # The confirmation can be undone, like every write.
    slack.press(done, "Undo")
    with slack.services.sessions() as s:
        task = s.get(Task, first.id)  # type: ignore[union-attr]
        assert task is not None and task.done_at is None


def test_stale_alert_move_stage_snooze_and_log_activity(
    http: tuple[SlackHTTP, Scheduler], clock: ManualClock
) -> None:
    slack, scheduler = http
    ann = slack.crm.register_user("T1", ANN, name="Ann Rep", tz="America/New_York")
    deal = slack.crm.create_deal(ann, "Acme renewal", amount="50000", stage="proposal").deal
    assert deal
    clock.advance(days=15, hours=2)  # 09:00 in New York: the start of Ann's working day
    scheduler.tick()
    alert = _last_post(slack, ANN)
    assert "Acme renewal" in text_of(alert) and "15 days" in text_of(alert)

    snoozed = _press_element(slack, alert, "stale_snooze_until", selected_date="2026-12-20")
    assert "before 2026-12-20" in text_of(snoozed)
    # The alert lists all of Ann's quiet deals: an answer about one goes below it, not over it.
    assert snoozed.params.get("replace_original") is False
    moved = _press_element(
        slack, alert, "stale_move_stage", selected_option={"value": f"{deal.id}:negotiation", "text": {}}
    )
    assert "moved to Negotiation" in text_of(moved)
    with slack.services.sessions() as s:
        row = s.get(Deal, deal.id)
        assert row is not None
        assert s.get(PipelineStage, row.stage_id).key == "negotiation"  # type: ignore[union-attr]

    # Log activity opens a small form; submitting it logs a note on the deal and answers in place.
    url = slack.new_response_url()
    assert slack.send_payload(block_actions(button(alert, "Log activity"), response_url=url)).status == 200
    opened = slack.fake.wait_calls("views.open")[-1]
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    values = modal_values(view, summary="Called Jane, she is reviewing")
    values["kind"] = {"kind": {"type": "static_select", "selected_option": {"value": "call"}}}
    assert slack.send_payload(view_submission(view, values)).status == 200
    answered = slack.wait_response(url)
    assert "Logged a call on *Acme renewal*: Called Jane" in text_of(answered)
    with slack.services.sessions() as s:
        logged = s.scalars(select(Interaction)).all()
        assert [(i.kind, i.deal_id) for i in logged] == [("call", deal.id)]


def test_subscribe_commands_and_the_summary_they_bring(
    http: tuple[SlackHTTP, Scheduler], clock: ManualClock
) -> None:
    slack, scheduler = http
    reply = slack.command("subscribe <#C0SALES01|sales> daily 09:00")
    assert "<#C0SALES01> will get the pipeline summary daily at 09:00 (America/New_York)" in text_of(reply)
    assert "First one: Tue 24 Nov 09:00" in text_of(reply)
    bad = slack.command("subscribe <#C0SALES01|sales> hourly")
    assert "“hourly” is not a schedule I understand" in text_of(bad) and "weekly monday" in text_of(bad)
    slack.command("subscribe here weekly friday 4pm", channel="C0SALES01")
    listed = text_of(slack.command("subscriptions", channel="C0SALES01"))
    assert "daily at 09:00" in listed and "weekly on Friday at 16:00" in listed

    clock.advance(hours=2)  # 14:00 UTC = 09:00 in New York
    scheduler.tick()
    summary = _last_post(slack, "C0SALES01")
    assert summary.params["text"].startswith("Daily pipeline summary")
    assert slack.fake.calls_to("files.completeUploadExternal")

    assert "after 14 days" in text_of(slack.command("stale days"))
    assert "stale after 21 quiet days" in text_of(slack.command("stale days 21"))

    stopped = slack.command("unsubscribe <#C0SALES01|sales> weekly")
    assert "Stopped: one summary" in text_of(stopped)
    with slack.services.sessions() as s:
        assert [x.frequency for x in s.scalars(select(Subscription))] == ["daily"]


def test_pipeline_command_is_the_summary_with_its_chart(
    http: tuple[SlackHTTP, Scheduler], clock: ManualClock
) -> None:
    slack, _ = http
    slack.command("deal add Acme renewal $50k stage proposal")
    clock.advance(timedelta(minutes=5))
    reply = slack.command("pipeline")
    text = text_of(reply)
    assert "Open: 1 deal · $50,000" in text and "Closing this week" in text and "Overdue tasks" in text
    assert "1 new" in text
    assert "The chart is in your DM with me" in text
    # The figures answer first; the chart follows them.
    complete = slack.fake.wait_calls("files.completeUploadExternal")[-1]
    assert complete.params.get("channel_id") == f"D{ANN}" and reply.at < complete.at
    assert slack.fake.uploads and slack.fake.uploads[-1].params["bytes"].startswith(b"\x89PNG")


def test_done_on_one_line_of_the_nudge_keeps_the_nudge(
    http: tuple[SlackHTTP, Scheduler], clock: ManualClock
) -> None:
    slack, scheduler = http
    ann = slack.crm.register_user("T1", ANN, name="Ann Rep", tz="America/New_York")
    first = slack.crm.create_task(ann, "Quote for Acme", due="2026-11-20").task
    slack.crm.create_task(ann, "Call Globex", due="2026-11-21")
    scheduler.tick()  # their (late) reminders, today
    clock.advance(days=1, hours=2)  # 09:00 in New York, the next day
    scheduler.tick()
    nudge = _last_post(slack, ANN)
    assert nudge.params["text"].startswith("2 tasks are overdue")
    line = next(b for b in nudge.params["blocks"] if b.get("block_id", "").startswith("nudge_task:"))
    url = slack.new_response_url()
    payload = block_actions({**line["accessory"], "block_id": line["block_id"]}, response_url=url)
    assert slack.send_payload(payload).status == 200
    answer = slack.wait_response(url)
    assert "Done: *Quote for Acme*" in text_of(answer)
    assert answer.params.get("replace_original") is False
    with slack.services.sessions() as s:
        task = s.get(Task, first.id)  # type: ignore[union-attr]
        assert task is not None and task.done_at is not None
