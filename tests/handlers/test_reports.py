"""Managers' questions in words: what closed (won, lost) and the win rate over a period, per owner, by the
actual close date, per currency. The expected figures are worked out by hand from the deals made here."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support.slackhttp import BOB, SlackHTTP, buttons, text_of

ANN_ID = "U0ANN1111"


def _at(slack: SlackHTTP, when: datetime) -> None:
    slack.services.clock.set(when)  # type: ignore[attr-defined]


def _season(slack: SlackHTTP) -> None:
    slack.command("help")  # Ann first: the workspace's first writer, so its admin; Bob is a rep
    slack.command("help", user=BOB)
    _at(slack, datetime(2026, 10, 20, 15, 0, tzinfo=UTC))
    slack.command("deal add October Win $7k")
    slack.command("deal move October Win won")  # closed in October: not this month
    _at(slack, datetime(2026, 11, 3, 15, 0, tzinfo=UTC))
    slack.command("deal add Acme renewal $10k close 2027-02-01")
    slack.command("deal move Acme renewal won")
    slack.command("deal add Berlin Rollout €5k", user=BOB)
    slack.command("deal move Berlin Rollout won", user=BOB)
    slack.command("deal add Globex pilot $2k", user=BOB)
    slack.command("deal move Globex pilot lost", user=BOB)
    slack.command("deal add Still Open $9k")
    _at(slack, datetime(2026, 11, 18, 15, 0, tzinfo=UTC))


def test_what_did_the_team_close_this_month(slack: SlackHTTP) -> None:
    _season(slack)
    shown = text_of(slack.dm("what did the team close this month?"))
    assert "deals won" in shown and "1 Nov" in shown and "30 Nov 2026" in shown, shown
    assert "2 deals" in shown and "$10,000 + €5,000" in shown, shown
    assert f"<@{ANN_ID}>: 1 · $10,000" in shown and f"<@{BOB}>: 1 · €5,000" in shown, shown
    assert "October Win" not in shown and "$17,000" not in shown and "Still Open" not in shown


def test_crm_report_is_a_report_and_never_offers_to_make_a_deal_called_report(slack: SlackHTTP) -> None:
    _season(slack)
    reply = slack.command("report won this month")
    shown = text_of(reply)
    assert "deals won" in shown and "2 deals" in shown, shown
    assert not any("Create" in b["label"] for b in buttons(reply)), buttons(reply)


def test_lost_and_win_rate(slack: SlackHTTP) -> None:
    _season(slack)
    lost = text_of(slack.dm("what did we lose this month?"))
    assert "1 deal" in lost and "$2,000" in lost and f"<@{BOB}>" in lost, lost
    rate = text_of(slack.dm("what's our win rate this month?"))
    # 2 won of 3 closed this month; October: 1 of 1.
    assert "67%" in rate and "2 of 3" in rate and "100%" in rate, rate
    bobs = text_of(slack.dm(f"<@{BOB}>'s win rate this month"))
    assert "50%" in bobs and "1 of 2" in bobs, bobs


def test_a_rep_sees_the_team_totals_but_not_a_teammates_figures(slack: SlackHTTP) -> None:
    _season(slack)
    mine = text_of(slack.dm("what did the team close this month?", user=BOB))
    assert "2 deals" in mine, mine
    refused = text_of(slack.dm(f"<@{ANN_ID}>'s win rate this month", user=BOB))
    assert "manager" in refused and "%" not in refused, refused


def test_the_teams_activity_by_person_and_kind_beside_the_period_before(slack: SlackHTTP) -> None:
    slack.command("help")
    slack.command("help", user=BOB)
    slack.command("contact add Jane Doe jane@acme.com Acme")
    _at(slack, datetime(2026, 10, 28, 15, 0, tzinfo=UTC))
    slack.command("log call with Jane Doe: october check-in")
    _at(slack, datetime(2026, 11, 4, 15, 0, tzinfo=UTC))
    slack.command("log call with Jane Doe: pricing")
    slack.command("log email with Jane Doe: sent the deck")
    slack.command("log meeting with Jane Doe: onsite", user=BOB)
    _at(slack, datetime(2026, 11, 9, 15, 0, tzinfo=UTC))
    slack.command("log call with Jane Doe: follow-up on pricing")
    _at(slack, datetime(2026, 11, 18, 15, 0, tzinfo=UTC))

    shown = text_of(slack.dm("how many calls did the team log this month?"))
    assert "activity" in shown and "4 logged: 2 calls, 1 email, 1 meeting" in shown, shown
    assert f"<@{ANN_ID}>: 3 (2 calls, 1 email)" in shown and f"<@{BOB}>: 1 (1 meeting)" in shown, shown
    assert "Before (Thu 1 Oct – Sat 31 Oct 2026): 1" in shown, shown

    # A rep sees the team's and their own, not a teammate's own figures.
    mine = text_of(slack.dm("my activity this month", user=BOB))
    assert "1 logged: 1 meeting" in mine, mine
    refused = text_of(slack.dm(f"<@{ANN_ID}>'s activity this month", user=BOB))
    assert "manager" in refused and "3 logged" not in refused, refused


def test_the_sales_cycle_of_the_deals_won_in_the_period(slack: SlackHTTP) -> None:
    slack.command("help")
    _at(slack, datetime(2026, 10, 20, 15, 0, tzinfo=UTC))
    slack.command("deal add Slow Burn $5k")
    _at(slack, datetime(2026, 11, 9, 15, 0, tzinfo=UTC))
    slack.command("deal move Slow Burn won")  # 20 days
    slack.command("deal add Quick Win $1k")
    slack.command("deal move Quick Win won")  # the same day
    slack.command("deal add Never Won $9k")
    _at(slack, datetime(2026, 11, 18, 15, 0, tzinfo=UTC))

    shown = text_of(slack.dm("average time to close this month"))
    assert "sales cycle" in shown and "10 days on average" in shown and "median 10" in shown, shown
    assert "2 deals won" in shown, shown
    empty = text_of(slack.dm("what's our sales cycle last quarter"))
    assert "No deals won in this period" in empty, empty


def test_the_forecast_is_the_open_deals_expected_to_close_in_the_period_per_stage(slack: SlackHTTP) -> None:
    slack.command("help")
    slack.command("help", user=BOB)
    _at(slack, datetime(2026, 11, 18, 15, 0, tzinfo=UTC))
    slack.command("deal add Acme renewal $10k close 2027-01-15")
    slack.command("deal move Acme renewal proposal")
    slack.command("deal add Globex pilot $2k close 2027-03-31", user=BOB)
    slack.command("deal add Berlin Rollout €5k close 2027-02-01", user=BOB)
    slack.command("deal move Berlin Rollout proposal", user=BOB)
    slack.command("deal add Already Won $7k close 2027-02-10")
    slack.command("deal move Already Won won")  # closed: not forecast
    slack.command("deal add Next Year $3k close 2027-04-02")  # outside the quarter

    shown = text_of(slack.dm("forecast for Q1"))
    assert "forecast" in shown and "3 deals · $12,000 + €5,000* expected to close" in shown, shown
    assert "Lead: 1 deal · $2,000" in shown and "Proposal: 2 deals · $10,000 + €5,000" in shown, shown
    ahead = shown.split("*Last period*")[0]  # the quarter before (running) won Already Won
    assert "Already Won" not in ahead and "$7,000" not in ahead and "$3,000" not in ahead, shown
    bobs = text_of(slack.dm("my forecast for Q1", user=BOB))
    assert "2 deals · $2,000 + €5,000" in bobs, bobs


def test_a_month_so_far_is_compared_with_the_same_days_of_the_month_before(slack: SlackHTTP) -> None:
    _season(slack)
    _at(slack, datetime(2026, 12, 6, 15, 0, tzinfo=UTC))  # Sunday 6 December
    slack.command("deal add December Win $3k")
    slack.command("deal move December Win won")
    rate = text_of(slack.dm("win rate so far this month"))
    # 1 to 6 December beside 1 to 6 November (Acme renewal won, Berlin won, Globex lost on 3 Nov).
    assert "100% (1 of 1)" in rate and "Before (Sun 1 Nov – Fri 6 Nov 2026): 67% (2 of 3)" in rate, rate
    whole = text_of(slack.dm("win rate this month"))
    assert "Before (Sun 1 Nov – Mon 30 Nov 2026)" in whole, whole


def test_a_persons_report_is_titled_with_a_mention_that_renders(slack: SlackHTTP) -> None:
    _season(slack)
    reply = slack.dm(f"<@{BOB}>'s win rate this month")
    blocks = reply.params.get("blocks") or []
    assert all(f"<@{BOB}>" not in str(b) for b in blocks if b.get("type") == "header"), blocks
    assert any(b.get("type") == "section" and f"*<@{BOB}>'s win rate*" in str(b) for b in blocks), blocks


def test_a_rep_sees_their_own_lines_and_the_team_totals_in_every_report_and_the_pipeline(
    slack: SlackHTTP,
) -> None:
    _season(slack)
    won = text_of(slack.command("report won this month", user=BOB))
    assert "2 deals · $10,000 + €5,000" in won and f"<@{BOB}>: 1 · €5,000" in won, won
    assert ANN_ID not in won, won
    rate = text_of(slack.command("report win rate this month", user=BOB))
    assert "67% (2 of 3)" in rate and ANN_ID not in rate, rate
    refused = text_of(slack.command(f"pipeline <@{ANN_ID}>", user=BOB))
    assert "manager" in refused and "$" not in refused, refused
    mine = text_of(slack.command(f"pipeline <@{BOB}>", user=BOB))
    assert "manager" not in mine, mine
    team = text_of(slack.command("pipeline", user=BOB))
    assert "$9,000" in team and ANN_ID not in team, team
    # Managers and admins see everyone's.
    assert ANN_ID in text_of(slack.command("report won this month"))
    assert "$9,000" in text_of(slack.command(f"pipeline <@{ANN_ID}>"))


def test_a_trend_by_month_names_each_month_with_its_whole_year_not_a_day_like_number(
    slack: SlackHTTP,
) -> None:
    _season(slack)
    shown = text_of(slack.command("report won this year"))
    assert "Per month" in shown, shown
    assert "• Oct 2026: 1 won · $7,000" in shown and "• Nov 2026: 2 won" in shown, shown
    assert "Nov 26" not in shown, shown
    longer = text_of(slack.command("report won 2024-01-01 to 2026-12-31"))
    assert "Per quarter" in longer and "• Q4 2026: 3 won" in longer, longer


def test_a_period_names_both_years_when_it_spans_two_and_one_day_once(slack: SlackHTTP) -> None:
    _season(slack)
    across = text_of(slack.command("report won 2025-12-01 to 2026-11-30"))
    assert "Mon 1 Dec 2025 – Mon 30 Nov 2026" in across, across
    one = text_of(slack.command("report won yesterday"))
    assert "Tue 17 Nov 2026 ·" in one and "Tue 17 Nov –" not in one, one


def test_a_trend_stops_at_today_and_one_with_nothing_in_it_is_left_out(slack: SlackHTTP) -> None:
    # It is 18 Nov: December has not happened, so it is no line of "0 won"; a quarter with no answers
    # logged is one line saying so, not thirteen weeks of "no answers".
    _season(slack)
    shown = text_of(slack.command("report won this year"))
    assert "• Nov 2026: 2 won" in shown and "• Dec 2026" not in shown, shown
    quiet = text_of(slack.command("report satisfaction this quarter"))
    assert "No answers logged" in quiet and "Per week" not in quiet and "• " not in quiet, quiet
