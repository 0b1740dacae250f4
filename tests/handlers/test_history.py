"""A record's history from the audit trail and its activity: who did what, when, before → after."""

from __future__ import annotations

from datetime import timedelta

from tests.support.slackhttp import BOB, SlackHTTP, text_of


def test_who_moved_the_deal_is_answered_with_its_history(slack: SlackHTTP) -> None:
    slack.command("deal add Acme renewal $10k")
    slack.services.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    slack.command("deal move Acme renewal proposal")
    slack.command("help", user=BOB)
    slack.services.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    slack.command("log call on deal Acme renewal: pricing agreed", user=BOB)
    shown = text_of(slack.dm("who moved the Acme renewal deal?"))
    assert "History of Acme renewal" in shown, shown
    assert "Lead → Proposal" in shown and "<@U0ANN1111>" in shown, shown
    assert "pricing agreed" in shown and f"<@{BOB}>" in shown, shown
    # newest first
    assert shown.index("pricing agreed") < shown.index("Lead → Proposal") < shown.index("added")


def test_history_of_a_contact_and_of_nothing(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme")
    slack.command("contact edit Jane Doe title=CFO")
    shown = text_of(slack.command("history Jane Doe"))
    assert "History of Jane Doe" in shown and "title" in shown and "CFO" in shown, shown
    assert "History of Jane Doe" in text_of(slack.command("history of Jane Doe"))
    missing = text_of(slack.command("history Nobody Here"))
    assert "couldn't find a deal, contact or company matching “Nobody Here”" in missing, missing


def test_the_history_of_a_company_named_whole_is_the_companys_not_a_choice_of_its_deals(
    slack: SlackHTTP,
) -> None:
    slack.command("company add Acme Corp acme.com")
    slack.command("deal add Acme Corp renewal $10k")
    slack.command("deal add Acme Corp expansion $5k")
    slack.command("company edit Acme Corp industry=robotics")
    shown = text_of(slack.command("history Acme Corp"))
    assert "History of Acme Corp" in shown and "robotics" in shown, shown
    assert "Which one" not in shown, shown


def test_a_long_history_pages_with_older(slack: SlackHTTP) -> None:
    slack.command("deal add Paging Deal $1k")
    for n in range(2, 20):
        slack.services.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
        slack.command(f"deal amount Paging Deal ${n}k")
    first = slack.command("history Paging Deal")
    shown = text_of(first)
    assert "1–15 of 19" in shown and "amount $18,000 → $19,000" in shown, shown
    older = text_of(slack.press(first, "Older"))
    assert "16–19 of 19" in older and "added it" in older, older


def test_history_names_fields_in_words_not_column_names(slack: SlackHTTP) -> None:
    slack.command("deal add Globex pilot 15k closing 2026-12-26")
    slack.command("deal close Globex pilot 2027-01-05")
    slack.command("deal category Globex pilot commit")
    shown = text_of(slack.command("history Globex pilot"))
    assert "close date 2026-12-26 → 2027-01-05" in shown, shown
    assert "forecast category" in shown, shown
    assert "_date" not in shown and "_category" not in shown, shown
