"""Tags on deals, over HTTP: added in words, shown on the deal, listed by, undone, and kept to whoever may
change the deal."""

from __future__ import annotations

from models import Deal
from tests.handlers.helpers import rows
from tests.support.slackhttp import BOB, SlackHTTP, buttons, text_of


def test_a_deal_is_tagged_in_words_listed_by_its_tag_and_the_tag_undone(slack: SlackHTTP) -> None:
    slack.command("deal add Petrobras expansion R$ 350k")
    slack.command("deal add Globex pilot $2k")
    tagged = slack.dm("tag the Petrobras expansion deal strategic")
    shown = text_of(tagged)
    assert "Tagged" in shown and "#strategic" in shown, shown
    second = slack.dm("tag the Petrobras expansion deal #strategic, brazil")
    again = text_of(second)
    assert "#strategic #brazil" in again, again
    (petrobras,) = [d for d in rows(slack, Deal) if d.title == "Petrobras expansion"]
    assert petrobras.tags == ["strategic", "brazil"]

    listed = text_of(slack.dm("which deals are tagged strategic"))
    assert "Petrobras expansion" in listed and "Globex pilot" not in listed, listed

    # The first tagging is not undone under the second (a later change would be lost); the second is.
    refused = text_of(slack.press(tagged, "Undo"))
    assert "changed again since" in refused, refused
    undone = text_of(slack.press(second, "Undo"))
    assert "Undone" in undone, undone
    (petrobras,) = [d for d in rows(slack, Deal) if d.title == "Petrobras expansion"]
    assert petrobras.tags == ["strategic"]


def test_only_who_may_change_a_deal_may_tag_it(slack: SlackHTTP) -> None:
    slack.command("help")  # Ann writes first: the workspace's admin; Bob is a rep
    slack.command("help", user=BOB)
    slack.command("deal add Acme renewal $10k")
    refused = slack.dm("tag the Acme renewal deal vip", user=BOB)
    assert "Only" in text_of(refused), text_of(refused)
    assert not any(b["label"] == "Undo" for b in buttons(refused))
    (deal,) = rows(slack, Deal)
    assert deal.tags == []
