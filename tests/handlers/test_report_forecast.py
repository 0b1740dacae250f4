"""The forecast weighted by stage probability beside the plain amounts, per month of expected close and
per forecast category (set by each deal's owner), and the period before's forecast as it began against
what was won in it. The expected figures are worked out here from the deals the test makes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tests.support.slackhttp import BOB, SlackHTTP, text_of

ANN_ID = "U0ANN1111"
# The default stages' probabilities (percent), as a manager would read them off the forecast.
PROBABILITY = {"Lead": 10, "Proposal": 60, "Negotiation": 80}


def _at(slack: SlackHTTP, when: datetime) -> None:
    slack.services.clock.set(when)  # type: ignore[attr-defined]


def _money(amount: Decimal, sign: str = "$") -> str:
    return f"{sign}{amount:,.0f}"


def _weighted(amount: int, stage: str) -> Decimal:
    return Decimal(amount) * PROBABILITY[stage] / 100


def _q1(slack: SlackHTTP) -> None:
    slack.command("help")
    slack.command("help", user=BOB)
    _at(slack, datetime(2026, 11, 18, 15, 0, tzinfo=UTC))
    slack.command("deal add Acme renewal $10k close 2027-01-15")
    slack.command("deal move Acme renewal proposal")
    slack.command("deal add Globex pilot $2k close 2027-03-31", user=BOB)
    slack.command("deal add Berlin Rollout €5k close 2027-02-01", user=BOB)
    slack.command("deal move Berlin Rollout proposal", user=BOB)
    slack.command("deal add Already Won $7k close 2027-02-10")
    slack.command("deal move Already Won won")
    slack.command("deal add Next Year $3k close 2027-04-02")


def test_the_forecast_is_weighted_by_stage_per_month_and_per_category(slack: SlackHTTP) -> None:
    _q1(slack)
    committed = text_of(slack.command("deal category Acme renewal commit"))
    assert "Acme renewal" in committed and "forecast category → *Commit*" in committed, committed
    best = text_of(slack.command("deal category Globex pilot best case", user=BOB))
    assert "*Best case*" in best, best

    shown = text_of(slack.dm("forecast for Q1"))
    usd = _weighted(10000, "Proposal") + _weighted(2000, "Lead")
    eur = _weighted(5000, "Proposal")
    assert (
        f"3 deals · $12,000 + €5,000* expected to close, *{_money(usd)} + {_money(eur, '€')}* weighted"
        in shown
    ), shown
    assert "• Lead: 1 deal · $2,000 · weighted $200 at 10%" in shown, shown
    assert "• Proposal: 2 deals · $10,000 + €5,000 · weighted $6,000 + €3,000 at 60%" in shown, shown
    assert "• Jan 2027: 1 deal · $10,000 · weighted $6,000" in shown, shown
    assert "• Feb 2027: 1 deal · €5,000 · weighted €3,000" in shown, shown
    assert "• Mar 2027: 1 deal · $2,000 · weighted $200" in shown, shown
    assert "• Pipeline: 1 deal · €5,000 · weighted €3,000" in shown, shown
    assert "• Best case: 1 deal · $2,000 · weighted $200" in shown, shown
    assert "• Commit: 1 deal · $10,000 · weighted $6,000" in shown, shown
    # One chart per currency, after the figures: dollars and euros never share a scale.
    uploads = slack.fake.wait_calls("files.completeUploadExternal", count=2)
    titles = " ".join(str(c.params) for c in uploads)
    assert "Forecast in USD" in titles and "Forecast in EUR" in titles, titles
    ahead = shown.split("*Last period*")[0]  # the quarter before won Already Won; Q1's forecast has not
    assert "$7,000" not in ahead and "$3,000" not in ahead, shown


def test_the_category_is_the_owners_shown_on_the_card_refused_when_unknown_and_undoable(
    slack: SlackHTTP,
) -> None:
    _q1(slack)
    refused = text_of(slack.command("deal category Acme renewal commit", user=BOB))
    assert "Commit" not in refused and "Acme renewal" in refused, refused
    wrong = text_of(slack.command("deal category Acme renewal maybe"))
    assert "“maybe” is not a forecast category" in wrong and "best case" in wrong, wrong
    slack.command("deal category Acme renewal commit")
    card = text_of(slack.command("deal show Acme renewal"))
    assert "Forecast" in card and "Commit" in card, card
    slack.command("undo")
    card = text_of(slack.command("deal show Acme renewal"))
    assert "Commit" not in card and "Pipeline" in card, card


def test_last_periods_forecast_as_it_began_against_what_was_won(slack: SlackHTTP) -> None:
    slack.command("help")
    _at(slack, datetime(2026, 9, 20, 15, 0, tzinfo=UTC))
    slack.command("deal add Q4 Big $20k close 2026-11-15")
    slack.command("deal move Q4 Big negotiation")
    slack.command("deal add Q4 Small $5k close 2026-12-10")
    slack.command("deal add Slipped $8k close 2026-10-20")
    slack.command("deal move Slipped proposal")
    slack.command("deal amount Q4 Small 50k")
    slack.command("undo")  # taken back before the quarter began: not what was forecast
    _at(slack, datetime(2026, 10, 10, 15, 0, tzinfo=UTC))
    slack.command("deal close Slipped 2027-01-20")  # slipped after the quarter began: it was forecast
    _at(slack, datetime(2026, 10, 12, 15, 0, tzinfo=UTC))
    slack.command("deal add Surprise $3k")
    slack.command("deal move Surprise won")
    _at(slack, datetime(2026, 11, 5, 15, 0, tzinfo=UTC))
    slack.command("deal move Q4 Big won")
    _at(slack, datetime(2026, 11, 18, 15, 0, tzinfo=UTC))

    forecast_then = [(20000, "Negotiation"), (5000, "Lead"), (8000, "Proposal")]
    amount = sum(a for a, _ in forecast_then)
    weighted = sum(_weighted(a, st) for a, st in forecast_then)
    shown = text_of(slack.dm("forecast for Q1"))
    expected = (
        f"forecast 3 deals · {_money(Decimal(amount))} (weighted {_money(weighted)}) as it began;"
        " won 2 deals · $23,000, 1 of them forecast"
    )
    assert "*Last period* (Thu 1 Oct – Thu 31 Dec 2026, so far)" in shown and expected in shown, shown


def test_a_quarter_gone_by_is_what_was_forecast_as_it_began_against_what_was_won(slack: SlackHTTP) -> None:
    """Asked once the quarter is over, its forecast is its own look back, then what is still open of it
    (overdue), not the look back of the quarter before."""
    slack.command("help")
    _at(slack, datetime(2026, 9, 20, 15, 0, tzinfo=UTC))
    slack.command("deal add Q4 Big $20k close 2026-11-15")
    slack.command("deal move Q4 Big negotiation")
    slack.command("deal add Q4 Small $5k close 2026-12-10")
    _at(slack, datetime(2026, 11, 5, 15, 0, tzinfo=UTC))
    slack.command("deal move Q4 Big won")
    _at(slack, datetime(2027, 1, 5, 15, 0, tzinfo=UTC))

    shown = text_of(slack.dm("what did we forecast last quarter?"))
    weighted = _weighted(20000, "Negotiation") + _weighted(5000, "Lead")
    assert (
        "*As it began* (Thu 1 Oct – Thu 31 Dec 2026): forecast 2 deals · $25,000"
        f" (weighted {_money(weighted)}); won 1 deal · $20,000, 1 of them forecast"
    ) in shown, shown
    assert "*Still open: 1 deal · $5,000*, *$500* weighted by stage" in shown, shown
    assert "Last period" not in shown, shown


def test_a_forecast_asked_without_a_period_looks_over_the_quarter_not_the_days_gone(
    slack: SlackHTTP,
) -> None:
    slack.command("help")
    _at(slack, datetime(2026, 11, 18, 15, 0, tzinfo=UTC))
    slack.command("deal add Acme renewal $10k close 2026-12-15")
    slack.command("deal move Acme renewal proposal")
    shown = text_of(slack.command("report forecast"))
    assert "Thu 1 Oct – Thu 31 Dec 2026" in shown, shown
    assert "1 deal · $10,000* expected to close, *$6,000* weighted" in shown, shown


def test_crm_forecast_is_the_forecast_report_not_the_pipeline(slack: SlackHTTP) -> None:
    # The manager's first try: `/crm forecast` answers with the forecast.
    slack.command("help")
    _at(slack, datetime(2026, 11, 18, 15, 0, tzinfo=UTC))
    slack.command("deal add Acme renewal $10k close 2026-12-15")
    slack.command("deal move Acme renewal proposal")
    for reply in (slack.command("forecast"), slack.command("forecast Q1 mine")):
        shown = text_of(reply)
        assert "weighted" in shown, shown
    shown = text_of(slack.command("forecast"))
    assert "1 deal · $10,000* expected to close, *$6,000* weighted" in shown, shown


def test_periods_that_begin_or_end_part_way_through_a_month_count_each_day_once(slack: SlackHTTP) -> None:
    """The whole months of a period are read from the kept totals, the days before and after them from the
    deals: a deal expected on the first or last day of a month, or of the period, is counted once, and one
    a day outside it not at all."""
    slack.command("help")
    slack.command("help", user=BOB)
    _at(slack, datetime(2026, 8, 3, 15, 0, tzinfo=UTC))
    slack.command("deal add Too Early $1k close 2026-08-20")  # the day before the last 90 days
    slack.command("deal add August Edge $2k close 2026-08-21")  # their first day
    slack.command("deal add September End $4k close 2026-09-30")
    slack.command("deal move September End proposal")
    slack.command("deal add October First €5k close 2026-10-01", user=BOB)
    slack.command("deal move October First proposal", user=BOB)
    slack.command("deal category October First best case", user=BOB)
    slack.command("deal add Initech Renewal $8k close 2026-11-18")  # their last day
    slack.command("deal category Initech Renewal commit")
    slack.command("deal add Umbrella Deal $16k close 2026-11-19")
    slack.command("deal move Umbrella Deal proposal")
    slack.command("deal add Hooli Push $32k close 2026-11-16")
    slack.command("deal move Hooli Push negotiation")
    slack.command("deal add Already Won $64k close 2026-11-17")
    slack.command("deal move Already Won won")  # won: in no forecast
    _at(slack, datetime(2026, 11, 18, 15, 0, tzinfo=UTC))

    # 21 August to 18 November: part of August, September and October whole, part of November; by quarter.
    shown = text_of(slack.dm("forecast for the last 90 days"))
    assert "Fri 21 Aug – Wed 18 Nov 2026" in shown, shown
    assert "*5 deals · $46,000 + €5,000* expected to close, *$29,000 + €3,000* weighted" in shown, shown
    assert "• Lead: 2 deals · $10,000 · weighted $1,000 at 10%" in shown, shown
    assert "• Proposal: 2 deals · $4,000 + €5,000 · weighted $2,400 + €3,000 at 60%" in shown, shown
    assert "• Negotiation: 1 deal · $32,000 · weighted $25,600 at 80%" in shown, shown
    assert "• Q3 2026: 2 deals · $6,000 · weighted $2,600" in shown, shown
    assert "• Q4 2026: 3 deals · $40,000 + €5,000 · weighted $26,400 + €3,000" in shown, shown
    assert "• Pipeline: 3 deals · $38,000 · weighted $28,200" in shown, shown
    assert "• Best case: 1 deal · €5,000 · weighted €3,000" in shown, shown
    assert "• Commit: 1 deal · $8,000 · weighted $800" in shown, shown

    # October whole, November to today.
    shown = text_of(slack.dm("forecast quarter to date"))
    assert "*3 deals · $40,000 + €5,000* expected to close, *$26,400 + €3,000* weighted" in shown, shown
    assert "• Oct 2026: 1 deal · €5,000 · weighted €3,000" in shown, shown
    assert "• Nov 2026: 2 deals · $40,000 · weighted $26,400" in shown, shown

    # No whole month: Monday 16 to Sunday 22 November.
    shown = text_of(slack.dm("forecast this week"))
    assert "*3 deals · $56,000* expected to close, *$36,000* weighted" in shown, shown
    assert "• Lead: 1 deal · $8,000 · weighted $800 at 10%" in shown, shown
    assert "• Proposal: 1 deal · $16,000 · weighted $9,600 at 60%" in shown, shown
    assert "• Negotiation: 1 deal · $32,000 · weighted $25,600 at 80%" in shown, shown
