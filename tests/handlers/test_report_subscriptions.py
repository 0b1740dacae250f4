"""Report subscriptions over signed HTTP: a manager subscribes a channel to a report, and the scheduler
posts it once at the right instant (the subscription's local time, across a DST change), with its chart
uploaded and the figures as text; a rep may subscribe only their own figures; a subscription is listed,
removed by number or by its button, and each change is undone with Undo. The expected figures come from
the deals the test wins, not from the report's queries."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.clock import ManualClock
from bot.scheduler import Scheduler
from models import ReportSubscription
from tests.handlers.helpers import rows
from tests.support.fakeslack import Call
from tests.support.slackhttp import ANN, BOB, SlackHTTP, text_of

LEADS = "<#C0LEADS01|sales-leads>"


def _scheduler(slack: SlackHTTP, clock: ManualClock) -> Scheduler:
    client = WebClient(token="xoxb-test", base_url=slack.fake.api_url, retry_handlers=[])
    return Scheduler(slack.services.sessions, client, clock, pace_seconds=0, workers=1)


@pytest.fixture
def scheduler(slack: SlackHTTP, clock: ManualClock) -> Iterator[Scheduler]:
    sched = _scheduler(slack, clock)
    yield sched
    sched.stop()


def _two_schedulers_tick(slack: SlackHTTP, clock: ManualClock, first: Scheduler, engine: Engine) -> None:
    """Two schedulers at the same instant: at once on PostgreSQL; on SQLite, which allows one, in turn."""
    other = _scheduler(slack, clock)
    try:
        if engine.dialect.name == "postgresql":
            both = [threading.Thread(target=x.tick) for x in (first, other)]
            for t in both:
                t.start()
            for t in both:
                t.join()
        else:
            first.tick()
            first.stop()
            other.tick()
    finally:
        other.stop()


def _posts(slack: SlackHTTP, channel: str) -> list[Call]:
    return [c for c in slack.fake.calls_to("chat.postMessage") if c.params.get("channel") == channel]


def _uploads_to(slack: SlackHTTP, channel: str) -> list[Call]:
    return [
        c
        for c in slack.fake.calls_to("files.completeUploadExternal")
        if c.params.get("channel_id") == channel
    ]


def _win(slack: SlackHTTP, clock: ManualClock, when: datetime, title: str, amount: str) -> None:
    clock.set(when)
    slack.command(f"deal add {title} {amount}", user=BOB)
    slack.command(f"deal move {title} won", user=BOB)


def _people(slack: SlackHTTP) -> None:
    slack.command("help")  # Ann first: the admin (New York)
    slack.command("help", user=BOB)  # Bob a rep (Paris)


def test_a_weekly_report_is_posted_once_at_its_local_time_with_its_chart(
    slack: SlackHTTP, clock: ManualClock, scheduler: Scheduler, engine: Engine
) -> None:
    _people(slack)
    # Won in the week before the run (Mon 16 – Sun 22 Nov), and one the week before that.
    _win(slack, clock, datetime(2026, 11, 10, 15, 0, tzinfo=UTC), "Older deal", "$700")
    _win(slack, clock, datetime(2026, 11, 17, 15, 0, tzinfo=UTC), "Acme renewal", "$5,000")
    _win(slack, clock, datetime(2026, 11, 19, 15, 0, tzinfo=UTC), "Globex pilot", "$3,000")
    clock.set(datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    reply = slack.command(f"report subscribe won {LEADS} weekly mon 08:30")
    shown = text_of(reply)
    assert "<#C0LEADS01> will get the team's deals won (last week), weekly on Monday at 08:30" in shown, shown
    assert "(America/New_York)" in shown and "First one: Mon 23 Nov 08:30" in shown, shown

    # Monday 23 November, 08:30 in New York (EST) is 13:30 UTC: not a minute before.
    clock.set(datetime(2026, 11, 23, 13, 29, tzinfo=UTC))
    scheduler.tick()
    assert _posts(slack, "C0LEADS01") == []
    clock.set(datetime(2026, 11, 23, 13, 30, tzinfo=UTC))
    _two_schedulers_tick(slack, clock, scheduler, engine)
    scheduler.tick()
    posts = _posts(slack, "C0LEADS01")
    assert len(posts) == 1, [text_of(p) for p in posts]
    text = text_of(posts[0])
    assert "The team's deals won" in text and "2 deals · $8,000" in text, text
    assert "Mon 16 Nov – Sun 22 Nov 2026" in text, text
    # The figures per day, as text beside the chart.
    assert "• Tue 17: 1 won · $5,000 · 0 lost" in text and "• Thu 19: 1 won · $3,000 · 0 lost" in text, text
    assert "• Wed 18: 0 won" in text, text
    uploads = _uploads_to(slack, "C0LEADS01")
    assert len(uploads) == 1 and "Deals won and lost per day" in str(uploads[0].params), uploads
    assert slack.fake.uploads[-1].params["bytes"].startswith(b"\x89PNG")

    # The next Monday, once more.
    clock.set(datetime(2026, 11, 30, 13, 30, tzinfo=UTC))
    scheduler.tick()
    assert len(_posts(slack, "C0LEADS01")) == 2


def test_the_local_time_holds_across_the_change_of_daylight_saving(
    slack: SlackHTTP, clock: ManualClock, scheduler: Scheduler
) -> None:
    _people(slack)
    clock.set(datetime(2026, 10, 14, 12, 0, tzinfo=UTC))
    shown = text_of(slack.command(f"report subscribe forecast {LEADS} weekly mon 08:30 in Europe/Paris"))
    assert "the team's forecast (this quarter), weekly on Monday at 08:30 (Europe/Paris)" in shown, shown
    # 19 October: summer time in Paris (UTC+2), 08:30 is 06:30 UTC.
    clock.set(datetime(2026, 10, 19, 6, 29, tzinfo=UTC))
    scheduler.tick()
    assert _posts(slack, "C0LEADS01") == []
    clock.set(datetime(2026, 10, 19, 6, 30, tzinfo=UTC))
    scheduler.tick()
    assert len(_posts(slack, "C0LEADS01")) == 1
    assert "The team's forecast" in text_of(_posts(slack, "C0LEADS01")[0])
    # 26 October: winter time since the 25th (UTC+1), 08:30 is 07:30 UTC.
    clock.set(datetime(2026, 10, 26, 6, 30, tzinfo=UTC))
    scheduler.tick()
    clock.set(datetime(2026, 10, 26, 7, 29, tzinfo=UTC))
    scheduler.tick()
    assert len(_posts(slack, "C0LEADS01")) == 1
    clock.set(datetime(2026, 10, 26, 7, 30, tzinfo=UTC))
    scheduler.tick()
    assert len(_posts(slack, "C0LEADS01")) == 2


def test_a_rep_may_subscribe_only_their_own_figures(slack: SlackHTTP) -> None:
    _people(slack)
    team = text_of(slack.command(f"report subscribe won {LEADS} weekly mon", user=BOB))
    assert "Only a manager or an admin can post the team's or a teammate's figures" in team, team
    assert "will get" not in team, team
    other = text_of(slack.command(f"report subscribe activity {LEADS} daily 18:00 <@{ANN}>", user=BOB))
    assert "will get" not in other, other
    assert rows(slack, ReportSubscription) == []
    mine = text_of(slack.command(f"report subscribe activity {LEADS} daily 18:00 mine", user=BOB))
    assert f"<#C0LEADS01> will get <@{BOB}>'s activity (this week), daily at 18:00 (Europe/Paris)" in mine, (
        mine
    )
    bad = text_of(slack.command(f"report subscribe happiness {LEADS} daily"))
    assert "“happiness” is not a report I can post" in bad, bad
    when = text_of(slack.command(f"report subscribe won {LEADS}"))
    assert "How often should I post it" in when, when
    assert len(rows(slack, ReportSubscription)) == 1


def test_unsubscribe_by_number_or_button_and_undo_each_change(
    slack: SlackHTTP, clock: ManualClock, scheduler: Scheduler
) -> None:
    _people(slack)
    made = slack.command(f"report subscribe win rate {LEADS} daily 09:00 this month")
    assert "the team's win rate (this month), daily at 09:00" in text_of(made), text_of(made)
    undone = slack.press(made, "Undo")
    assert "Undone" in text_of(undone), text_of(undone)
    assert rows(slack, ReportSubscription) == []

    slack.command(f"report subscribe win rate {LEADS} daily 09:00 this month")
    slack.command(f"report subscribe funnel {LEADS} weekly mon,thu 10:00")
    (first, second) = sorted(s.id for s in rows(slack, ReportSubscription))
    listed = slack.command("report subscriptions")
    shown = text_of(listed)
    assert f"*#{first}* <#C0LEADS01>: the team's win rate (this month), daily at 09:00" in shown, shown
    assert "weekly on Monday, Thursday at 10:00" in shown, shown

    removed = slack.press(listed, "Remove")  # the first line's button
    assert f"Stopped #{first}" in text_of(removed), text_of(removed)
    assert [s.id for s in rows(slack, ReportSubscription)] == [second]
    back = slack.press(removed, "Undo")
    assert "Undone" in text_of(back)
    assert sorted(s.id for s in rows(slack, ReportSubscription)) == [first, second]

    stopped = text_of(slack.command(f"report unsubscribe {second}"))
    assert f"Stopped #{second}" in stopped, stopped
    missing = text_of(slack.command("report unsubscribe 999"))
    assert "no report subscription number 999" in missing, missing
    # Thursday 19 November 10:00 in New York: the funnel was removed, so nothing is posted for it.
    clock.set(datetime(2026, 11, 19, 15, 0, tzinfo=UTC))
    scheduler.tick()
    assert not any("funnel" in text_of(p) for p in _posts(slack, "C0LEADS01"))
    # The win rate, restored by the undo, still comes (09:00 New York, 14:00 UTC).
    assert any("win rate" in text_of(p) for p in _posts(slack, "C0LEADS01"))


def test_a_trend_report_answers_with_its_figures_per_week_and_a_chart(
    slack: SlackHTTP, clock: ManualClock
) -> None:
    _people(slack)
    _win(slack, clock, datetime(2026, 11, 3, 15, 0, tzinfo=UTC), "Acme renewal", "$5,000")
    _win(slack, clock, datetime(2026, 11, 4, 15, 0, tzinfo=UTC), "Globex pilot", "$3,000")
    _win(slack, clock, datetime(2026, 11, 12, 15, 0, tzinfo=UTC), "Initech", "$1,000")
    clock.set(datetime(2026, 11, 18, 15, 0, tzinfo=UTC))
    shown = text_of(slack.dm("report won this month"))
    assert "3 deals · $9,000" in shown, shown
    # Weeks by their Monday; the first and last clipped to the month.
    assert "*Per week*" in shown, shown
    assert "• 26 Oct: 0 won" in shown, shown  # Sun 1 Nov is in the week of Mon 26 Oct
    assert "• 2 Nov: 2 won · $8,000 · 0 lost" in shown, shown
    assert "• 9 Nov: 1 won · $1,000 · 0 lost" in shown, shown
    assert "The chart is in your DM with me" in shown, shown
    complete = slack.fake.wait_calls("files.completeUploadExternal")[-1]
    assert "Deals won and lost per week" in str(complete.params), complete.params
    assert slack.fake.uploads[-1].params["bytes"].startswith(b"\x89PNG")


def test_win_rate_activity_and_satisfaction_per_week_with_their_charts(
    slack: SlackHTTP, clock: ManualClock
) -> None:
    _people(slack)
    slack.command("contact add Jane Doe jane@acme.com Acme")
    # Week of 2 Nov: one won, one lost, a call and an NPS 9; week of 9 Nov: one won, two calls, an NPS 5.
    _win(slack, clock, datetime(2026, 11, 3, 15, 0, tzinfo=UTC), "Acme renewal", "$5,000")
    clock.set(datetime(2026, 11, 4, 15, 0, tzinfo=UTC))
    slack.command("deal add Globex pilot $3,000", user=BOB)
    slack.command("deal move Globex pilot lost", user=BOB)
    slack.command("log call with Jane Doe: pricing")
    slack.command("feedback Jane Doe nps 9")
    _win(slack, clock, datetime(2026, 11, 10, 15, 0, tzinfo=UTC), "Initech", "$1,000")
    slack.command("log call with Jane Doe: contract")
    slack.command("log call with Jane Doe: signature")
    slack.command("feedback Jane Doe nps 5")
    clock.set(datetime(2026, 11, 18, 15, 0, tzinfo=UTC))

    rate = text_of(slack.dm("report win rate this month"))
    assert "• 2 Nov: 50% (1 of 2)" in rate and "• 9 Nov: 100% (1 of 1)" in rate, rate
    assert "• 16 Nov: no deals closed" in rate, rate
    chart = slack.fake.wait_calls("files.completeUploadExternal")[-1]
    assert "Win rate per week" in str(chart.params), chart.params

    activity = text_of(slack.dm("report activity this month"))
    assert "• 2 Nov: 1 (1 call)" in activity and "• 9 Nov: 2 (2 calls)" in activity, activity
    chart = slack.fake.wait_calls("files.completeUploadExternal", count=2)[-1]
    assert "Activity logged per week" in str(chart.params), chart.params

    nps = text_of(slack.dm("report satisfaction this month"))
    assert "• 2 Nov: NPS +100 (1 answer)" in nps and "• 9 Nov: NPS -100 (1 answer)" in nps, nps
    assert "• 16 Nov: no answers" in nps, nps
    chart = slack.fake.wait_calls("files.completeUploadExternal", count=3)[-1]
    assert "NPS per week" in str(chart.params), chart.params


def test_a_removal_undone_after_its_slot_resumes_at_the_next_one(
    slack: SlackHTTP, clock: ManualClock, scheduler: Scheduler
) -> None:
    _people(slack)
    slack.command(f"report subscribe won {LEADS} daily 09:00")  # next: Thu 19 Nov 09:00 in New York
    (sub,) = rows(slack, ReportSubscription)
    removed = slack.command(f"report unsubscribe {sub.id}")
    clock.set(datetime(2026, 11, 19, 16, 0, tzinfo=UTC))  # past Thursday's run
    assert "Undone" in text_of(slack.press(removed, "Undo"))
    scheduler.tick()
    assert _posts(slack, "C0LEADS01") == []  # not the missed run at once
    clock.set(datetime(2026, 11, 20, 14, 0, tzinfo=UTC))  # Friday 09:00 in New York
    scheduler.tick()
    assert len(_posts(slack, "C0LEADS01")) == 1


def test_a_subscriber_who_is_a_rep_now_gets_a_refusal_posted_not_the_team_figures(
    slack: SlackHTTP, clock: ManualClock, scheduler: Scheduler
) -> None:
    _people(slack)
    slack.command(f"role <@{BOB}> manager")
    made = text_of(slack.command(f"report subscribe won {LEADS} daily 09:00", user=BOB))
    assert "will get the team's deals won" in made, made
    slack.command(f"role <@{BOB}> rep")
    clock.set(datetime(2026, 11, 19, 8, 0, tzinfo=UTC))  # 09:00 in Paris, Bob's zone
    scheduler.tick()
    (post,) = _posts(slack, "C0LEADS01")
    text = text_of(post)
    assert "I could not post this report" in text and "Only a manager or an admin" in text, text
    assert "deals won" not in text, text


def test_the_same_report_ordered_twice_for_a_channel_is_not_posted_twice(
    slack: SlackHTTP, clock: ManualClock, scheduler: Scheduler
) -> None:
    _people(slack)
    slack.command(f"report subscribe forecast {LEADS} weekly mon 08:30")
    again = text_of(slack.command(f"report subscribe forecast {LEADS} weekly monday 8:30am"))
    (sub,) = rows(slack, ReportSubscription)
    assert (
        "<#C0LEADS01> already gets the team's forecast (this quarter), weekly on Monday at 08:30" in again
    ), again
    assert f"#{sub.id}" in again and "will get" not in again, again
    # Another time, another report or another person's figures are other orders.
    slack.command(f"report subscribe forecast {LEADS} weekly mon 09:30")
    slack.command(f"report subscribe funnel {LEADS} weekly mon 08:30")
    slack.command(f"report subscribe forecast {LEADS} weekly mon 08:30 mine")
    assert len(rows(slack, ReportSubscription)) == 4
    # Monday 23 November 08:30 in New York: one forecast at 08:30, not two.
    clock.set(datetime(2026, 11, 23, 13, 30, tzinfo=UTC))
    scheduler.tick()
    forecasts = [p for p in _posts(slack, "C0LEADS01") if "The team's forecast" in text_of(p)]
    assert len(forecasts) == 1, [text_of(p) for p in forecasts]


def test_a_posted_report_of_one_persons_figures_names_them_not_their_raw_id(
    slack: SlackHTTP, clock: ManualClock, scheduler: Scheduler
) -> None:
    # A header is plain text in Slack: a title naming someone must not sit in one, or the channel reads
    # "<@U0BOB0002>'s deals won" instead of the mention.
    _people(slack)
    clock.set(datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    made = text_of(slack.command(f"report subscribe won {LEADS} daily 18:00 <@{BOB}>"))
    assert f"will get <@{BOB}>'s deals won" in made, made
    clock.set(datetime(2026, 11, 20, 23, 0, tzinfo=UTC))  # 18:00 in New York
    scheduler.tick()
    posts = _posts(slack, "C0LEADS01")
    assert len(posts) == 1, [text_of(p) for p in posts]
    blocks = posts[0].params["blocks"]
    headers = [b["text"]["text"] for b in blocks if b["type"] == "header"]
    assert not any("<@" in h for h in headers), headers
    titled = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert f"*<@{BOB}>'s deals won*" in titled, titled


def test_a_rep_refused_stopping_someone_elses_report_is_told_what_was_refused(slack: SlackHTTP) -> None:
    _people(slack)
    slack.command(f"report subscribe won {LEADS} weekly mon 08:30")
    (sub,) = rows(slack, ReportSubscription)
    refused = text_of(slack.command(f"report unsubscribe {sub.id}", user=BOB))
    assert "Only a manager or an admin can stop a report subscription someone else made" in refused, refused
    assert "post" not in refused, refused
    assert [s.id for s in rows(slack, ReportSubscription)] == [sub.id]


def test_cycle_velocity_and_customers_are_posted_with_the_figures_the_deals_make(
    slack: SlackHTTP, clock: ManualClock, scheduler: Scheduler
) -> None:
    """Each subscribed to the channel: posted once at its slot, over last week, with what the two deals Bob
    won in it make (10 and 14 days from added to won, two new customers) and the one still open; the same
    figures as asking for last week."""
    _people(slack)
    bob = slack.crm.register_user("T1", BOB, name="Bob Rep", tz="Europe/Paris")
    made = {}
    for when, title, company, amount in (
        (datetime(2026, 11, 4, 15, 0, tzinfo=UTC), "Globex pilot", "Globex", "3000"),
        (datetime(2026, 11, 6, 15, 0, tzinfo=UTC), "Acme renewal", "Acme", "5000"),
        (datetime(2026, 11, 10, 15, 0, tzinfo=UTC), "Initech order", "Initech", "2000"),
    ):
        clock.set(when)
        deal = slack.crm.create_deal(bob, title, company=company, amount=amount).deal
        assert deal is not None
        made[title] = deal.id
    clock.set(datetime(2026, 11, 16, 15, 0, tzinfo=UTC))
    slack.crm.update_deal(bob, made["Acme renewal"], stage="won")
    clock.set(datetime(2026, 11, 18, 15, 0, tzinfo=UTC))
    slack.crm.update_deal(bob, made["Globex pilot"], stage="won")
    clock.set(datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    for measure in ("cycle", "velocity", "customers"):
        shown = text_of(slack.command(f"report subscribe {measure} {LEADS} weekly mon 08:30"))
        assert "First one: Mon 23 Nov 08:30" in shown, shown

    clock.set(datetime(2026, 11, 23, 13, 30, tzinfo=UTC))
    scheduler.tick()
    scheduler.tick()
    posts = [text_of(p) for p in _posts(slack, "C0LEADS01")]
    assert len(posts) == 3, posts
    cycle = next(p for p in posts if "sales cycle" in p)
    assert "*12 days on average* (median 12) from added to won" in cycle and "over 2 deals won" in cycle, (
        cycle
    )
    velocity = next(p for p in posts if "pipeline velocity" in p)
    # 1 open × 100 % won × $4,000 average ÷ 12 days: $333 a day.
    assert "*$333 a day*" in velocity and "• USD: 1 deal open × 100% won × $4,000 average" in velocity, (
        velocity
    )
    customers = next(p for p in posts if "customers" in p)
    assert "*2 customers bought · $8,000* (2 new)" in customers, customers
    assert "1. Acme: $5,000 over 1 deal won" in customers and "2. Globex: $3,000" in customers, customers
    for posted, asked in ((cycle, "cycle"), (velocity, "velocity"), (customers, "customers")):
        answer = text_of(slack.command(f"report {asked} last week"))
        figures = [line for line in answer.splitlines() if line.startswith(("*", "•", "1.", "2."))]
        assert figures and all(line in posted for line in figures), (answer, posted)
