"""Summary subscriptions and the pipeline summary: posted at the subscriber's local time with per-stage
figures, the changes since the last summary (from the audit trail), deals closing this week, overdue
tasks by owner, and a chart uploaded through files upload v2."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from bot.blocks.messages import message
from bot.charts import summary_chart_png
from bot.clock import ManualClock
from bot.proactive.kinds.summary import summary as render_summary
from bot.services import CRM, Actor
from bot.services.errors import Conflict, Invalid, NotFound
from bot.services.subscriptions import Schedule, Subscriptions, next_run, parse_channel, parse_schedule
from bot.services.summary import SummaryService
from tests.scheduler.conftest import Slack, block_text, deliveries

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("daily 09:00", Schedule("daily", None, "09:00")),
        ("daily 9am", Schedule("daily", None, "09:00")),
        ("daily 5:30pm", Schedule("daily", None, "17:30")),
        ("daily", Schedule("daily", None, "09:00")),
        ("weekly monday 09:00", Schedule("weekly", 0, "09:00")),
        ("weekly fri 16:00", Schedule("weekly", 4, "16:00")),
        ("Mondays 8am", Schedule("weekly", 0, "08:00")),
    ],
)
def test_schedules_people_write(text: str, expected: Schedule) -> None:
    assert parse_schedule(text) == expected


@pytest.mark.parametrize("text", ["hourly", "daily 25:00", "weekly", "weekly someday 09:00", "daily 13pm"])
def test_bad_schedules_get_a_short_message_with_the_right_form(text: str) -> None:
    with pytest.raises(Invalid) as err:
        parse_schedule(text)
    said = message(err.value)
    assert said and "\n" not in said
    assert "Traceback" not in str(err.value)


def test_channels_as_slack_escapes_them() -> None:
    assert parse_channel("<#C012AB3CD|sales>") == ("C012AB3CD", "sales")
    assert parse_channel("<#C012AB3CD>") == ("C012AB3CD", None)
    with pytest.raises(Invalid):
        parse_channel("#sales")


def test_next_run_is_local_time_across_a_dst_change() -> None:
    daily = Schedule("daily", None, "09:00")
    # New York leaves daylight saving time on 1 Nov 2026: 09:00 is 13:00 UTC before, 14:00 after.
    before = next_run(daily, "America/New_York", datetime(2026, 10, 31, 14, 0, tzinfo=UTC))
    assert before == datetime(2026, 11, 1, 14, 0, tzinfo=UTC)
    assert next_run(daily, "America/New_York", datetime(2026, 10, 30, 12, 0, tzinfo=UTC)) == datetime(
        2026, 10, 30, 13, 0, tzinfo=UTC
    )
    weekly = Schedule("weekly", 0, "08:30")
    assert next_run(weekly, "Europe/Paris", datetime(2026, 11, 24, 12, 0, tzinfo=UTC)) == datetime(
        2026, 11, 30, 7, 30, tzinfo=UTC
    )


def test_subscribe_list_unsubscribe_are_audited_and_undoable(crm: CRM, ann: Actor) -> None:
    subs = Subscriptions(crm.sessions, crm.now)
    written = subs.subscribe(ann, "<#C1|sales>", "daily 09:00")
    assert written.subscription and written.subscription.next_run_at == datetime(
        2026, 11, 24, 14, 0, tzinfo=UTC
    )
    subs.subscribe(ann, "<#C1|sales>", "weekly monday 08:00")
    with pytest.raises(Conflict):
        subs.subscribe(ann, "<#C1|sales>", "daily 9am")
    assert [v.describe() for v in subs.list(ann, "<#C1>")] == [
        "daily at 09:00 (America/New_York)",
        "weekly on Monday at 08:00 (America/New_York)",
    ]
    removed = subs.unsubscribe(ann, "<#C1|sales>", "weekly")
    assert [v.schedule.frequency for v in removed.removed] == ["weekly"]
    assert [v.schedule.frequency for v in subs.list(ann)] == ["daily"]
    crm.undo(ann, removed.op_id)
    assert [v.schedule.frequency for v in subs.list(ann)] == ["daily", "weekly"]
    subs.unsubscribe(ann, "<#C1>")
    assert subs.list(ann) == []
    with pytest.raises(NotFound):
        subs.unsubscribe(ann, "<#C1>")
    events = crm.history(ann, "subscription", written.subscription.id)
    assert [e.action for e in events] == ["delete", "create"]


def _old_deals(crm: CRM, ann: Actor) -> None:
    crm.create_deal(ann, "Old steady", amount="10000", stage="qualified", close_date=date(2026, 11, 26))
    crm.create_deal(ann, "Globex pilot", amount="5000", stage="demo")


def _changes(crm: CRM, ann: Actor, bob: Actor) -> None:
    """Three new deals (one then won, one lost) and one moved; and an overdue task."""
    crm.create_deal(bob, "Initech expansion", amount="20000", stage="lead", close_date=date(2026, 11, 29))
    crm.update_deal(ann, "Globex pilot", stage="proposal")
    crm.create_deal(ann, "Umbrella", amount="7000", stage="negotiation")
    crm.update_deal(ann, "Umbrella", stage="won")
    crm.create_deal(ann, "Hooli", amount="3000")
    crm.update_deal(ann, "Hooli", stage="lost")
    crm.create_task(ann, "Overdue thing", due=date(2026, 11, 20))


def test_daily_summary_posted_at_local_time_with_chart(
    crm: CRM, ann: Actor, bob: Actor, slack: Slack, scheduler, clock: ManualClock
) -> None:
    subs = Subscriptions(crm.sessions, crm.now)
    subs.subscribe(ann, "<#CSALES|sales>", "daily 09:00")  # 14:00 UTC today (New York)
    _old_deals(crm, ann)
    clock.set(datetime(2026, 11, 24, 13, 59, tzinfo=UTC))
    scheduler.tick()
    assert slack.posts_to("CSALES") == []

    clock.set(datetime(2026, 11, 24, 14, 0, tzinfo=UTC))
    scheduler.tick()
    first = slack.posts_to("CSALES")
    assert len(first) == 1
    clock.set(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    _changes(crm, ann, bob)  # after the first summary, before the next

    clock.set(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    stats = scheduler.tick()
    assert stats.sent >= 1
    [_, post] = slack.posts_to("CSALES")
    assert post["text"].startswith("Daily pipeline summary: 3 open deals worth $35,000")
    text = block_text(post)
    assert "*Proposal* (60%): 1 · $5,000" in text
    assert "*Won* (all time): 1 · $7,000" in text
    assert "3 new · 1 moved · 1 won · 1 lost" in text
    # Deals created and closed inside the window count as new and as won/lost.
    assert "Globex pilot (Demo → Proposal)" in text
    assert "Closing this week" in text and "Initech expansion" in text and "Old steady" in text
    assert "Overdue tasks:* 1" in text and "<@UANN>: 1" in text

    # The chart went up with files upload v2: get an upload URL, send the bytes, complete to the channel.
    methods = [c.method for c in slack.calls if c.method.startswith("files.")]
    assert methods.count("files.getUploadURLExternal") == 2
    assert methods.count("files.completeUploadExternal") == 2
    assert all(u.params["bytes"].startswith(PNG) for u in slack.uploads)
    complete = slack.calls_to("files.completeUploadExternal")[-1]
    assert complete.params.get("channel_id") == "CSALES"

    scheduler.tick()
    clock.advance(hours=23)
    scheduler.tick()
    assert len(slack.posts_to("CSALES")) == 2
    assert [d.state for d in deliveries(crm, "summary")] == ["sent", "sent"]


def test_summary_after_downtime_posts_once_then_keeps_its_rhythm(
    crm: CRM, ann: Actor, slack: Slack, make_scheduler, clock: ManualClock
) -> None:
    Subscriptions(crm.sessions, crm.now).subscribe(ann, "C0000002", "weekly tuesday 09:00")
    clock.set(datetime(2026, 12, 20, 0, 0, tzinfo=UTC))  # three weeks down
    make_scheduler().tick()
    [post] = slack.posts_to("C0000002")
    assert post["text"].startswith("Weekly pipeline summary")
    assert "Sent late" not in block_text(post)
    clock.set(datetime(2026, 12, 22, 13, 59, tzinfo=UTC))
    make_scheduler().tick()
    assert len(slack.posts_to("C0000002")) == 1
    clock.set(datetime(2026, 12, 22, 14, 0, tzinfo=UTC))
    make_scheduler().tick()
    assert len(slack.posts_to("C0000002")) == 2


def test_unsubscribed_channel_gets_nothing_more(
    crm: CRM, ann: Actor, slack: Slack, scheduler, clock: ManualClock
) -> None:
    subs = Subscriptions(crm.sessions, crm.now)
    subs.subscribe(ann, "C0000003", "daily 09:00")
    subs.unsubscribe(ann, "C0000003")
    clock.advance(days=2)
    scheduler.tick()
    assert slack.posts_to("C0000003") == []


def test_on_demand_summary_is_the_same_content(crm: CRM, ann: Actor, bob: Actor, clock: ManualClock) -> None:
    _old_deals(crm, ann)
    clock.set(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    _changes(crm, ann, bob)
    clock.set(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    summary = SummaryService(crm.sessions, clock).pipeline_summary(ann)
    assert summary.open_count == 3 and summary.open_amounts == {"USD": Decimal("35000")}
    assert summary.change_counts == {"new": 3, "moved": 1, "won": 1, "lost": 1}
    figures = {s.key: (s.count, s.amounts) for s in summary.stages}
    pipeline = crm.pipeline(ann)
    assert figures == {s.stage: (s.count, s.amounts) for s in pipeline.stages}
    assert summary.closing_count == 2 and summary.closing_amounts == {"USD": Decimal("30000")}
    text, blocks = render_summary(summary)
    assert text.startswith("Pipeline summary: 3 open deals")
    assert blocks[0]["type"] == "header"
    assert summary_chart_png(summary).startswith(PNG)
    # Only what changed since a given moment.
    later = SummaryService(crm.sessions, clock).pipeline_summary(
        ann, since=datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
    )
    assert later.change_counts == {"new": 0, "moved": 0, "won": 0, "lost": 0}
    assert clock.now() - later.since == timedelta(hours=22)


def test_chart_upload_failure_retries_the_chart_only(
    crm: CRM, ann: Actor, slack: Slack, scheduler, clock: ManualClock
) -> None:
    from tests.support.fakeslack import Fault

    Subscriptions(crm.sessions, crm.now).subscribe(ann, "C0000004", "daily 09:00")
    slack.fail_next("files.getUploadURLExternal", Fault(500))
    clock.set(datetime(2026, 11, 24, 14, 0, tzinfo=UTC))
    assert scheduler.tick().retried == 1
    assert len(slack.posts_to("C0000004")) == 1 and slack.uploads == []
    clock.advance(seconds=30)
    assert scheduler.tick().sent == 1
    assert len(slack.posts_to("C0000004")) == 1  # the message was not posted again
    assert len(slack.uploads) == 1
    [row] = deliveries(crm, "summary")
    assert (row.state, row.slack_ts) == ("sent", slack.posts_to("C0000004")[0]["ts"])


def test_undoing_an_old_unsubscribe_resumes_at_the_next_local_time(
    crm: CRM, ann: Actor, slack: Slack, scheduler, clock: ManualClock
) -> None:
    subs = Subscriptions(crm.sessions, crm.now)
    subs.subscribe(ann, "C0000004", "daily 09:00")  # 14:00 UTC (New York)
    removed = subs.unsubscribe(ann, "C0000004")
    clock.set(datetime(2026, 11, 26, 18, 0, tzinfo=UTC))  # two days later, 13:00 in New York
    crm.undo(ann, removed.op_id)
    scheduler.tick()
    assert slack.posts_to("C0000004") == []  # not at 13:00, off its schedule
    clock.set(datetime(2026, 11, 27, 14, 0, tzinfo=UTC))
    scheduler.tick()
    assert len(slack.posts_to("C0000004")) == 1
