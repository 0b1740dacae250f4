"""Quotas: set by a manager with /crm quota, attainment with a leaderboard (reps see their own line and the
team's totals), and the milestones 50 %, 90 %, 100 % announced exactly once to the person and to the
manager who set the quota, through the outbox (the scheduler posts to the fake Slack). The expected
figures are summed here from the deals the test wins."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from slack_sdk import WebClient

from bot.clock import ManualClock
from bot.scheduler import Scheduler
from models import Quota
from tests.handlers.helpers import count, rows
from tests.support.slackhttp import ANN, BOB, SlackHTTP, text_of

BOB_QUOTA = Decimal(10000)
ANN_QUOTA = Decimal(20000)


@pytest.fixture
def scheduler(slack: SlackHTTP, clock: ManualClock) -> Iterator[Scheduler]:
    client = WebClient(token="xoxb-test", base_url=slack.fake.api_url, retry_handlers=[])
    sched = Scheduler(slack.services.sessions, client, clock, pace_seconds=0, workers=1)
    yield sched
    sched.stop()


def _quota_posts(slack: SlackHTTP, channel: str) -> list[str]:
    return [
        text_of(c)
        for c in slack.fake.calls_to("chat.postMessage")
        if c.params.get("channel") == channel and "quota" in text_of(c)
    ]


def _win(slack: SlackHTTP, clock: ManualClock, title: str, amount: str, day: int) -> None:
    clock.set(datetime(2026, 11, day, 15, 0, tzinfo=UTC))
    slack.command(f"deal add {title} {amount}", user=BOB)
    slack.command(f"deal move {title} won", user=BOB)


def _set_quotas(slack: SlackHTTP) -> None:
    slack.command("help")  # Ann first: the admin; Bob a rep
    slack.command("help", user=BOB)
    set_bob = text_of(slack.command(f"quota <@{BOB}> 10k USD this quarter"))
    assert f"Quota for <@{BOB}>: *$10,000*" in set_bob and "Thu 1 Oct 2026 – Thu 31 Dec 2026" in set_bob, (
        set_bob
    )
    set_ann = text_of(slack.command(f"quota <@{ANN}> $20k Q4"))
    assert "*$20,000*" in set_ann and "Thu 1 Oct 2026" in set_ann, set_ann


def test_a_rep_cannot_set_a_quota_and_a_bad_amount_is_refused(slack: SlackHTTP) -> None:
    slack.command("help")
    slack.command("help", user=BOB)
    refused = text_of(slack.command(f"quota <@{ANN}> 10k Q1", user=BOB))
    assert "manager" in refused and "Quota for" not in refused, refused
    wrong = text_of(slack.command(f"quota <@{BOB}> lots Q1"))
    assert "/crm quota @bob 100k USD Q1" in wrong and "Quota for" not in wrong, wrong
    period = text_of(slack.command(f"quota <@{BOB}> 10k someday"))
    assert "“someday” is not a period" in period, period
    undone = text_of(slack.command(f"quota <@{BOB}> 10k Q1"))
    assert "Quota for" in undone
    slack.command("undo")
    assert "No quotas set" in text_of(slack.dm("report quota Q1"))


def test_milestones_are_told_once_to_the_person_and_the_manager(
    slack: SlackHTTP, clock: ManualClock, scheduler: Scheduler
) -> None:
    _set_quotas(slack)
    _win(slack, clock, "First", "$3k", 2)
    scheduler.tick()
    assert _quota_posts(slack, BOB) == [], slack.fake.summary()

    _win(slack, clock, "Second", "$2.5k", 4)  # 55 %
    scheduler.tick()
    scheduler.tick()
    bob, ann = _quota_posts(slack, BOB), _quota_posts(slack, ANN)
    assert (
        len(bob) == 1 and "You have passed 50% of your quota" in bob[0] and "$5,500 won of $10,000" in bob[0]
    )
    assert len(ann) == 1 and f"<@{BOB}> has passed 50% of their quota" in ann[0], ann

    _win(slack, clock, "Third", "$4k", 6)  # 95 %: past 90
    _win(slack, clock, "In euros", "€5k", 6)  # another currency: never counted towards a dollar quota
    scheduler.tick()
    bob = _quota_posts(slack, BOB)
    assert len(bob) == 2 and "passed 90%" in bob[1] and "$9,500 won" in bob[1], bob

    _win(slack, clock, "Fourth", "$1k", 9)  # 105 %
    scheduler.tick()
    slack.command("undo", user=BOB)  # the last win taken back and made again: no second message
    slack.command("deal move Fourth won", user=BOB)
    scheduler.tick()
    bob, ann = _quota_posts(slack, BOB), _quota_posts(slack, ANN)
    assert len(bob) == 3 and "You have reached your quota" in bob[2], bob
    assert len(ann) == 3 and f"<@{BOB}> has reached their quota" in ann[2], ann


def test_the_leaderboard_for_managers_and_the_team_totals_for_reps(
    slack: SlackHTTP, clock: ManualClock
) -> None:
    _set_quotas(slack)
    wins = [("First", Decimal(3000)), ("Second", Decimal(2500)), ("Third", Decimal(4000))]
    for i, (title, amount) in enumerate(wins):
        _win(slack, clock, title, f"${amount}", 2 + i)
    _win(slack, clock, "In euros", "€5k", 6)
    clock.set(datetime(2026, 11, 18, 15, 0, tzinfo=UTC))
    won = sum(a for _, a in wins)
    team = (won / (BOB_QUOTA + ANN_QUOTA)) * 100

    board = text_of(slack.dm("report quota this quarter"))
    assert f"*Team: ${won:,.0f} won of $30,000 ({team:.0f}%)*" in board, board
    assert f"1. <@{BOB}>: ${won:,.0f} of $10,000 ({won / BOB_QUOTA:.0%}) · 3 won" in board, board
    assert f"2. <@{ANN}>: $0 of $20,000 (0%) · 0 won" in board, board

    leaderboard = slack.fake.wait_calls("files.completeUploadExternal")[-1]
    assert "Quota leaderboard" in str(leaderboard.params), leaderboard.params

    # Asked in a manager's words, the same board.
    asked = text_of(slack.dm("show me the leaderboard this quarter"))
    assert f"1. <@{BOB}>: ${won:,.0f} of $10,000" in asked, asked

    mine = text_of(slack.dm("report quota this quarter", user=BOB))
    assert "*Team: $9,500 won of $30,000 (32%)*" in mine and f"1. <@{BOB}>" in mine, mine
    assert f"<@{ANN}>:" not in mine and "You are 1st of 2." in mine, mine
    refused = text_of(slack.dm(f"<@{ANN}>'s quota this quarter", user=BOB))
    assert "manager" in refused and "$20,000" not in refused, refused


def test_a_quota_for_someone_unknown_or_negative_says_what_was_wrong(slack: SlackHTTP) -> None:
    slack.command("help")
    slack.command("help", user=BOB)
    unknown = text_of(slack.command("quota @dave 10k USD Q1"))
    assert "“dave”" in unknown and "Whose quota" not in unknown, unknown
    negative = text_of(slack.command(f"quota <@{BOB}> -10k USD Q1"))
    assert "“-10k”" in negative and "negative" in negative, negative
    assert count(slack, Quota) == 0
    # A teammate named without @ is found like anywhere else.
    named = text_of(slack.command("quota bob 100k USD Q1"))
    assert "Quota for" in named and f"<@{BOB}>" in named, named
    (quota,) = rows(slack, Quota)
    assert quota.amount == 100000 and quota.currency == "USD"


def test_a_quota_in_another_currency_asks_first_and_nothing_is_converted(slack: SlackHTTP) -> None:
    slack.command("help")
    slack.command("help", user=BOB)
    slack.command(f"quota <@{BOB}> 100k USD this quarter")
    asked = slack.command(f"quota <@{BOB}> €50k this quarter")
    said = text_of(asked)
    assert "USD 100,000" in said and "EUR 50,000" in said and "Nothing is converted" in said, said
    assert "Quota for" not in said, said
    assert [(q.amount, q.currency) for q in rows(slack, Quota)] == [(Decimal(100000), "USD")]
    # Without a currency the quota keeps its own: no question, the amount changes.
    same = text_of(slack.command(f"quota <@{BOB}> 120k this quarter"))
    assert "*$120,000* (was $100,000)" in same, same
    done = text_of(slack.press(asked, "Yes, change the currency"))
    assert "*€50,000* (was $120,000)" in done, done
    assert [(q.amount, q.currency) for q in rows(slack, Quota)] == [(Decimal(50000), "EUR")]
    cancelled = slack.command(f"quota <@{BOB}> $10k this quarter")
    assert "OK, nothing was saved" in text_of(slack.press(cancelled, "Cancel"))
    assert [(q.amount, q.currency) for q in rows(slack, Quota)] == [(Decimal(50000), "EUR")]


def test_a_quota_asked_about_without_a_period_is_read_over_the_quotas_own_period(slack: SlackHTTP) -> None:
    _set_quotas(slack)
    said = text_of(slack.dm("how's Bob tracking against quota?"))
    assert f"<@{BOB}>: $0 of $10,000" in said, said
    assert "1 Oct" in said and "31 Dec" in said and "18 Nov" not in said, said


def test_no_chart_is_promised_when_there_is_none_to_send(slack: SlackHTTP) -> None:
    slack.command("help")
    said = text_of(slack.command("report quota this quarter"))
    assert "No quotas set" in said, said
    assert "chart" not in said.lower(), said
    slack.settle()
    assert not slack.fake.calls_to("files.completeUploadExternal")


def test_quota_with_nobody_or_only_a_person_shows_the_quotas_in_force(
    slack: SlackHTTP, clock: ManualClock
) -> None:
    _set_quotas(slack)
    _win(slack, clock, "First", "$3000", 2)
    clock.set(datetime(2026, 11, 18, 15, 0, tzinfo=UTC))
    board = text_of(slack.command("quota"))
    assert "Whose quota" not in board, board
    assert f"1. <@{BOB}>: $3,000 of $10,000 (30%)" in board and f"2. <@{ANN}>: $0 of $20,000" in board, board
    assert "1 Oct" in board and "31 Dec 2026" in board, board
    bobs = text_of(slack.command(f"quota <@{BOB}>"))
    assert f"<@{BOB}>: $3,000 of $10,000 (30%)" in bobs and f"<@{ANN}>:" not in bobs, bobs
    typed = text_of(slack.command("quota @bob"))
    assert f"<@{BOB}>: $3,000 of $10,000" in typed, typed
    # A rep reads their own, and the team's totals; a teammate's is refused as in any report.
    mine = text_of(slack.command("quota", user=BOB))
    assert f"<@{BOB}>: $3,000 of $10,000" in mine and f"<@{ANN}>:" not in mine, mine
    refused = text_of(slack.command(f"quota <@{ANN}>", user=BOB))
    assert "manager" in refused and "$20,000" not in refused, refused
    assert count(slack, Quota) == 2
