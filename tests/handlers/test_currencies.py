"""Amounts in different currencies are never added together: per-currency figures everywhere, and
changing a deal's amount into another currency asks first."""

from __future__ import annotations

import re

from models import Deal
from tests.handlers.helpers import rows
from tests.support.slackhttp import SlackHTTP, text_of


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
