"""Amounts in different currencies are never added together: per-currency figures everywhere, and
changing a deal's amount into another currency asks first."""

from __future__ import annotations

import re

from bot.charts import bar_labels
from bot.services.summary import PipelineSummary, SummaryService
from models import Deal
from tests.handlers.helpers import rows
from tests.support.slackhttp import ANN, BOB, SlackHTTP, text_of


def _mixed(slack: SlackHTTP) -> None:
    slack.command("deal add Boston Renewal $10k")
    slack.command("deal add Berlin Rollout €5k")
    slack.command("deal add Munich Pilot €2k close 2026-11-20")


def test_the_pipeline_shows_each_currency_apart(slack: SlackHTTP) -> None:
    _mixed(slack)
    shown = text_of(slack.command("pipeline"))
    assert "$10,000" in shown and "€7,000" in shown, shown
    # Never a sum across currencies, in either sign.
    assert not re.search(r"[$€]17,000", shown), shown


def test_my_pipeline_shows_each_currency_apart(slack: SlackHTTP) -> None:
    _mixed(slack)
    shown = text_of(slack.command("my pipeline"))
    assert "$10,000" in shown and "€7,000" in shown and not re.search(r"[$€]17,000", shown), shown


def test_deals_closing_this_week_are_summed_per_currency(slack: SlackHTTP) -> None:
    slack.command("deal add Boston Renewal $10k close 2026-11-20")
    _mixed(slack)
    shown = text_of(slack.command("pipeline"))
    assert "Munich Pilot · €2,000" in shown, shown
    assert not re.search(r"[$€]12,000", shown), shown


def test_changing_the_amount_into_another_currency_asks_first(slack: SlackHTTP) -> None:
    slack.command("deal add Acme expansion $25k")
    asked = slack.command("deal amount Acme expansion €30k")
    shown = text_of(asked)
    assert "USD" in shown and "EUR" in shown, shown
    (deal,) = rows(slack, Deal)
    assert (deal.amount, deal.currency) == (25000, "USD")
    done = slack.press(asked, "Yes")
    assert "amount: $25,000 → €30,000" in text_of(done), text_of(done)
    (deal,) = rows(slack, Deal)
    assert (deal.amount, deal.currency) == (30000, "EUR")


def test_an_amount_pair_with_its_currency_code_is_read_as_the_amount_command_reads_it(
    slack: SlackHTTP,
) -> None:
    slack.command("deal add Acme expansion $25k")
    asked = slack.command("deal edit Acme expansion amount=30,000 EUR")
    assert "Change it to EUR 30,000" in text_of(asked), text_of(asked)
    done = slack.press(asked, "Yes")
    assert "amount: $25,000 → €30,000" in text_of(done), text_of(done)
    made = text_of(slack.command("deal add Tokyo expansion amount=JPY 5M"))
    assert "Added deal Tokyo expansion" in made and "¥5,000,000" in made, made
    refused = text_of(slack.command("deal add Weird one amount=5000 XYZ"))
    assert "“XYZ” is not a currency code" in refused, refused
    two = text_of(slack.command("deal add Mixed one amount=$5k EUR"))
    assert "“$5k EUR” names two currencies, USD and EUR" in two, two
    assert sorted((d.title, int(d.amount or 0), d.currency) for d in rows(slack, Deal)) == [
        ("Acme expansion", 30000, "EUR"),
        ("Tokyo expansion", 5_000_000, "JPY"),
    ]


def test_the_same_currency_is_changed_at_once(slack: SlackHTTP) -> None:
    slack.command("deal add Acme expansion $25k")
    shown = text_of(slack.command("deal amount Acme expansion $30k"))
    assert "$25,000 → $30,000" in shown, shown


def test_the_summary_says_how_many_more_than_it_lists(slack: SlackHTTP) -> None:
    for n in range(7):
        slack.command(f"deal add Batch deal {n} $1k")
    from datetime import timedelta

    slack.services.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    shown = text_of(slack.command("pipeline"))
    assert "7 new" in shown and "… and 2 more new" in shown, shown
    assert "(all time)" in shown, shown


def test_an_amount_in_kronor_asks_which_krona_and_saves_nothing(slack: SlackHTTP) -> None:
    # "kr" is Swedish, Norwegian, Danish or Icelandic: the workspace's own currency would be a guess
    for said in ("new deal Volvo Cars kr 350 000 closing end of month",):
        reply = text_of(slack.dm(said))
        assert "which krona" in reply and "SEK 350 000" in reply, reply
    reply = text_of(slack.command("deal add Equinor pilot 200 000 kr"))
    assert "which krona" in reply and "NOK 200 000" in reply, reply
    assert rows(slack, Deal) == []
    slack.dm("new deal Volvo Cars SEK 350 000")
    [deal] = rows(slack, Deal)
    assert (deal.amount, deal.currency) == (350000, "SEK")


def test_the_chart_panel_of_a_currency_counts_only_its_deals(slack: SlackHTTP) -> None:
    _mixed(slack)
    slack.command("deal add Lisbon Pilot €3k")
    slack.command("deal add Austin Pilot $4k")
    slack.command("deal add Paris Expansion €9k")
    slack.command("deal move Paris Expansion to qualified")
    slack.command("pipeline")
    service = SummaryService(slack.services.sessions, slack.services.clock)
    summary = service.pipeline_summary(slack.crm.actor("T1", ANN))
    lead = next(s for s in summary.stages if s.key == "lead")
    qualified = next(s for s in summary.stages if s.key == "qualified")
    assert bar_labels([lead, qualified], "EUR") == ["10k · 3", "9k · 1"]
    assert bar_labels([lead, qualified], "USD") == ["14k · 2", "0 · 0"]
    # A summary planned before the counts per currency were kept counts nothing it cannot place.
    old = PipelineSummary.from_json(
        {
            **summary.to_json(),
            "stages": [{k: v for k, v in s.items() if k != "counts"} for s in summary.to_json()["stages"]],
        }
    )
    assert bar_labels(old.stages[:2], "EUR") == ["10k · 0", "9k · 1"]


def test_a_quota_in_euros_is_reported_in_euros_only(slack: SlackHTTP) -> None:
    slack.command("help")
    slack.command("help", user=BOB)
    slack.command(f"quota <@{BOB}> €50k this quarter")
    slack.command("deal add Boston Renewal $10k", user=BOB)
    slack.command("deal move Boston Renewal won", user=BOB)
    slack.command("deal add Berlin Rollout €5k", user=BOB)
    slack.command("deal move Berlin Rollout won", user=BOB)
    shown = text_of(slack.command("report quota this quarter"))
    assert "Team: €5,000 won of €50,000 (10%)" in shown, shown
    assert "$" not in shown, shown
