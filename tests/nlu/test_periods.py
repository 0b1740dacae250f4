"""The contract's period rules: two days, both included (now: Wednesday 2026-11-18 in New York)."""

from __future__ import annotations

import pytest

from bot.nlu.dates import find_period, make_now

NOW = make_now("2026-11-18T10:00:00-05:00", "America/New_York")
JANUARY = make_now("2027-01-10T09:00:00-05:00", "America/New_York")

PERIODS = [
    ("this month", "2026-11-01", "2026-11-30"),  # its first to its last day
    ("last month", "2026-10-01", "2026-10-31"),  # the one before
    ("next month", "2026-12-01", "2026-12-31"),
    ("this quarter", "2026-10-01", "2026-12-31"),  # the calendar quarter
    ("last quarter", "2026-07-01", "2026-09-30"),
    ("the previous quarter", "2026-07-01", "2026-09-30"),
    ("next qtr", "2027-01-01", "2027-03-31"),
    ("this week", "2026-11-16", "2026-11-22"),  # Monday to Sunday
    ("last week", "2026-11-09", "2026-11-15"),
    ("this year", "2026-01-01", "2026-12-31"),  # 1 January to 31 December
    ("last year", "2025-01-01", "2025-12-31"),
    ("ytd", "2026-01-01", "2026-11-18"),  # 1 January to today
    ("YTD", "2026-01-01", "2026-11-18"),
    ("year to date", "2026-01-01", "2026-11-18"),
    ("quarter-to-date", "2026-10-01", "2026-11-18"),
    ("so far this month", "2026-11-01", "2026-11-18"),
    ("the last 30 days", "2026-10-20", "2026-11-18"),  # ends today, starts N - 1 days before
    ("past 7 days", "2026-11-12", "2026-11-18"),
    ("last 2 weeks", "2026-11-05", "2026-11-18"),
    ("the last ninety days", "2026-08-21", "2026-11-18"),
    ("q1", "2026-01-01", "2026-03-31"),  # a quarter named without a year: the latest that has begun
    ("Q4", "2026-10-01", "2026-12-31"),
    ("the second quarter", "2026-04-01", "2026-06-30"),
    ("q1 2027", "2027-01-01", "2027-03-31"),
    ("q3 '25", "2025-07-01", "2025-09-30"),
    ("in october", "2026-10-01", "2026-10-31"),
    ("for december", "2025-12-01", "2025-12-31"),  # December has not begun yet: last year's
    ("in may", "2026-05-01", "2026-05-31"),
    ("september 2025", "2025-09-01", "2025-09-30"),
    ("in 2025", "2025-01-01", "2025-12-31"),
    ("today", "2026-11-18", "2026-11-18"),
]


@pytest.mark.parametrize(("phrase", "first", "last"), PERIODS)
def test_periods(phrase: str, first: str, last: str) -> None:
    got = find_period(phrase.lower(), NOW)
    assert got is not None and got.as_slot() == {"from": first, "to": last}


FORECAST = [
    ("q1", "2027-01-01", "2027-03-31"),  # the next one that has not ended
    ("q4", "2026-10-01", "2026-12-31"),  # still running: this one
    ("december", "2026-12-01", "2026-12-31"),
    ("in november", "2026-11-01", "2026-11-30"),
    ("in october", "2027-10-01", "2027-10-31"),
    ("next quarter", "2027-01-01", "2027-03-31"),
    ("this month", "2026-11-01", "2026-11-30"),
]


@pytest.mark.parametrize(("phrase", "first", "last"), FORECAST)
def test_forecast_periods_look_ahead(phrase: str, first: str, last: str) -> None:
    got = find_period(phrase, NOW, forecast=True)
    assert got is not None and got.as_slot() == {"from": first, "to": last}


def test_a_quarter_named_in_january_is_last_years() -> None:
    got = find_period("how did q4 go?", JANUARY)
    assert got is not None and got.as_slot() == {"from": "2026-10-01", "to": "2026-12-31"}
    got = find_period("forecast for q4", JANUARY, forecast=True)
    assert got is not None and got.as_slot() == {"from": "2027-10-01", "to": "2027-12-31"}


@pytest.mark.parametrize("text", ["we may close soon", "call jane", "sep", "dec"])
def test_no_period(text: str) -> None:
    assert find_period(text, NOW) is None


def test_first_period_wins_and_has_its_place() -> None:
    low = "win rate last quarter vs this quarter"
    got = find_period(low, NOW)
    assert got is not None and low[got.start : got.end] == "last quarter"


def test_short_units() -> None:
    got = find_period("win rate last 90d", NOW)
    assert got is not None and got.as_slot() == {"from": "2026-08-21", "to": "2026-11-18"}
