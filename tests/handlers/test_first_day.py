"""A newcomer's first day with the bot, as typed: each case here once answered with something other than
what the help promises."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from bot.clock import ManualClock
from models import Company, Deal
from tests.handlers.helpers import app_started, rows
from tests.support.fakeslack import FakeSlack
from tests.support.slackhttp import ANN, BOB, Front, SlackHTTP, text_of


def test_a_deal_edit_sets_its_company_and_contact_by_name(slack: SlackHTTP) -> None:
    slack.command("contact add Peter Gibbons peter@initech.com at Initech")
    slack.command("deal add Initech upsell 7k")
    shown = text_of(slack.command("deal edit Initech upsell company=Initech contact=Peter Gibbons"))
    assert "Updated Initech upsell" in shown and "What should change" not in shown, shown
    (deal,) = rows(slack, Deal)
    (company,) = rows(slack, Company)
    assert deal.company_id == company.id and deal.contact_id is not None


def test_an_undone_amount_is_said_as_the_cards_say_it(slack: SlackHTTP) -> None:
    slack.command("deal add Sakura pilot ¥2,500,000")
    slack.command("deal amount Sakura pilot 3M")
    shown = text_of(slack.command("undo"))
    assert "amount back to ¥2,500,000" in shown, shown
    slack.command("deal add Zurich pilot 1250.5 CHF")
    slack.command("deal amount Zurich pilot 2000 CHF")
    shown = text_of(slack.command("undo"))
    assert "amount back to 1,250.50 CHF" in shown, shown


def test_a_company_named_exactly_is_shown_and_deleted_before_its_deals(slack: SlackHTTP) -> None:
    slack.command("company add Initech, initech.com")
    slack.command("deal add Initech licenses 9k company=Initech")
    slack.command("deal add Initech migration 22k company=Initech")
    shown = text_of(slack.dm("show Initech"))
    assert "more than one deal" not in shown and "initech.com" in shown, shown
    asked = slack.command("delete Initech")
    assert "Delete company Initech?" in text_of(asked), text_of(asked)
    shown = text_of(slack.dm("tag Initech as vip"))
    assert "Tagged Initech" in shown, shown
    # A name that is only part of a record's still finds it.
    assert "Initech licenses" in text_of(slack.dm("show Initech licenses"))


def test_a_company_card_shows_its_tags_as_a_contact_card_does(slack: SlackHTTP) -> None:
    slack.command("company add Sakura Robotics, sakura.jp tags=vip,apac")
    slack.command("contact add Kenji Sato kenji@sakura.jp at Sakura Robotics tags=hot")
    assert "#vip #apac" in text_of(slack.command("company show Sakura Robotics"))
    assert "#hot" in text_of(slack.command("contact show Kenji Sato"))


def test_a_webhook_verb_with_no_number_asks_which(slack: SlackHTTP) -> None:
    shown = text_of(slack.command("webhooks remove"))
    assert "Which webhook?" in shown and "“”" not in shown and "/crm webhooks" in shown, shown


def test_a_report_that_is_not_one_is_answered_with_the_reports_there_are(slack: SlackHTTP) -> None:
    shown = text_of(slack.command("report revenue"))
    assert "“revenue”" in shown and "won, lost, win rate" in shown and "satisfaction" in shown, shown
    assert "needs more than that" in text_of(slack.command("report"))


def test_a_look_alike_deal_shows_its_amount_as_every_card_does(slack: SlackHTTP) -> None:
    slack.command("deal add Petrobras expansion 500k BRL")
    slack.command("deal add Acme renewal $48k")
    shown = text_of(slack.command("deal add Petrobras expansion 600k BRL"))
    assert "(500,000 BRL, " in shown and "BRL 500,000" not in shown, shown
    shown = text_of(slack.command("deal add Acme renewal 50k"))
    assert "($48,000, " in shown, shown


def test_a_report_named_by_its_measure_alone_or_with_whose(slack: SlackHTTP) -> None:
    slack.command("deal add Acme renewal $48k")
    slack.command("deal move Acme renewal to won")
    slack.command("deal add Wayne pilot $12k")
    slack.command("deal move Wayne pilot to lost")
    for command, said in [
        ("report won", "The team's deals won"),
        ("report lost", "The team's deals lost"),
        ("report won mine", f"<@{ANN}>'s deals won"),
        (f"report won <@{ANN}|ann>", f"<@{ANN}>'s deals won"),
        ("report win rate mine", f"<@{ANN}>'s win rate"),
    ]:
        shown = text_of(slack.command(command))
        assert said in shown and "Acme renewal" not in shown.split("\n")[0], (command, shown)
    assert "1 deal · $48,000" in text_of(slack.command("report won"))
    # Nothing about a deal called "report" was changed on the way.
    assert "Updated" not in text_of(slack.command("report won team"))
    shown = text_of(slack.command("report won blah"))
    assert "“won blah”" in shown and "/crm report MEASURE" in shown, shown


def test_a_negative_amount_in_an_edit_is_called_negative_as_in_an_add(slack: SlackHTTP) -> None:
    slack.command("deal add Acme renewal $48k")
    shown = text_of(slack.command("deal edit Acme renewal amount=-1"))
    assert "“-1” is a negative amount" in shown, shown
    assert [d.amount for d in rows(slack, Deal)] == [48000]


def test_a_year_so_far_is_set_beside_the_same_days_of_last_year(slack: SlackHTTP) -> None:
    # Wednesday 18 November 2026: the customers report's year so far is 1 January to today.
    slack.command("deal add Acme renewal $48k company=Acme")
    slack.command("deal move Acme renewal to won")
    shown = text_of(slack.command("report customers"))
    assert "bought in Wed 1 Jan – Tue 18 Nov 2025" in shown, shown


def test_a_won_deal_is_not_said_to_close_on_its_expected_day(slack: SlackHTTP) -> None:
    slack.command("deal add Acme renewal $48k closing Dec 18")
    shown = text_of(slack.command("deal move Acme renewal to won"))
    assert "Won · $48,000 · expected close Fri 18 Dec 2026" in shown, shown
    listed = text_of(slack.command("deals won"))
    assert "expected close Fri 18 Dec 2026" in listed and "closes" not in listed, listed
    slack.command("deal add Globex pilot $15k closing Dec 26")
    assert "closes Sat 26 Dec 2026" in text_of(slack.command("deals team"))


def test_the_history_says_which_change_was_undone(slack: SlackHTTP) -> None:
    slack.command("deal add Sakura pilot ¥2,500,000")
    slack.command("deal amount Sakura pilot 3M")
    slack.command("undo")
    shown = text_of(slack.command("history Sakura pilot"))
    assert "undid a change: amount ¥3,000,000 → ¥2,500,000" in shown, shown


def test_an_admin_sets_the_currency_amounts_are_read_in_and_can_undo_it(slack: SlackHTTP) -> None:
    slack.command("help")  # Ann is the admin
    assert "read as USD" in text_of(slack.command("currency"))
    slack.command("deal add Acme renewal 48k")
    changed = slack.command("currency eur")
    shown = text_of(changed)
    assert "EUR (was USD)" in shown and "nothing is converted" in shown, shown
    slack.command("deal add Globex pilot 15k")
    amounts = {d.title: (d.amount, d.currency) for d in rows(slack, Deal)}
    assert amounts == {"Acme renewal": (48000, "USD"), "Globex pilot": (15000, "EUR")}, amounts
    assert "“euro”" in text_of(slack.command("currency euro"))
    refused = text_of(slack.command("currency GBP", user=BOB))
    assert "Only a manager or an admin" in refused, refused
    assert "read as EUR" in text_of(slack.command("currency", user=BOB))
    slack.press(changed, "Undo")
    assert "read as USD" in text_of(slack.command("currency"))


@pytest.fixture
def slack_in_euros(fake: FakeSlack, front: Front, engine: Engine, clock: ManualClock) -> Iterator[SlackHTTP]:
    """The app as an operator starts it with CRM_DEFAULT_CURRENCY=EUR."""
    with app_started(fake, front, engine, clock, default_currency="EUR") as server:
        yield server


def test_crm_default_currency_is_the_currency_of_a_new_workspace(slack_in_euros: SlackHTTP) -> None:
    slack = slack_in_euros
    slack.command("deal add Acme renewal 48k")
    assert [(d.amount, d.currency) for d in rows(slack, Deal)] == [(48000, "EUR")]
    assert "read as EUR" in text_of(slack.command("currency"))


def test_a_list_of_loyal_contacts_is_not_called_loyals(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com lifecycle=loyal")
    shown = text_of(slack.command("contact list loyal"))
    assert "1 contact · loyal ones" in shown and "loyals" not in shown, shown


def test_a_form_it_cannot_read_is_echoed_as_typed_not_as_slacks_markup(slack: SlackHTTP) -> None:
    # Slack turns a typed "#strategic" into a channel link when such a channel exists: read as the tag
    shown = text_of(slack.command("deals <#CSTRATEGIC|strategic>"))
    assert "tagged strategic" in shown and "<#" not in shown and "&lt;" not in shown, shown
    shown = text_of(slack.command("deals <#CSTRATEGIC|strategic> <#CEMEA|emea>"))
    assert "“#strategic #emea”" in shown and "<#" not in shown and "&lt;" not in shown, shown
