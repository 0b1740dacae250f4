"""A deal moved to won or lost records when it closed and who closed it; the expected close date stays."""

from __future__ import annotations

from datetime import date

from models import Deal
from tests.handlers.conftest import NOW
from tests.handlers.helpers import rows
from tests.support.slackhttp import BOB, SlackHTTP, text_of


def _naive(value: object) -> object:
    return value.replace(tzinfo=None) if hasattr(value, "replace") else value  # type: ignore[union-attr]


def test_winning_keeps_the_expected_date_and_records_the_actual_one(slack: SlackHTTP) -> None:
    slack.command("deal add Acme expansion $25k close 2027-03-31")
    shown = text_of(slack.command("deal move Acme expansion won"))
    (deal,) = rows(slack, Deal)
    assert deal.close_date == date(2027, 3, 31)
    assert _naive(deal.closed_at) == _naive(NOW)
    assert deal.closed_by_id == slack.crm.actor("T1", "U0ANN1111").user_id
    card = text_of(slack.command("deal show Acme expansion"))
    assert "Won" in card and "Wed 18 Nov 2026" in card and "Wed 31 Mar 2027" in card, card
    assert shown


def test_reopening_clears_it_and_losing_records_who(slack: SlackHTTP) -> None:
    slack.command("help", user=BOB)
    slack.command("deal add Globex pilot $5k", user=BOB)
    slack.command("deal move Globex pilot won", user=BOB)
    slack.command("deal move Globex pilot negotiation", user=BOB)
    (deal,) = rows(slack, Deal)
    assert deal.closed_at is None and deal.closed_by_id is None
    slack.command("deal move Globex pilot lost", user=BOB)
    (deal,) = rows(slack, Deal)
    assert deal.closed_at is not None and deal.closed_by_id == slack.crm.actor("T1", BOB).user_id


def test_undo_of_a_win_takes_the_close_back(slack: SlackHTTP) -> None:
    slack.command("deal add Initech seats $9k")
    won = slack.command("deal move Initech seats won")
    slack.press(won, "Undo")
    (deal,) = rows(slack, Deal)
    assert deal.closed_at is None and deal.stage.key != "won"
