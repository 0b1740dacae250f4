"""Lists people ask for in words: contacts by lifecycle, tag, owner, company and quiet spell, with counts."""

from __future__ import annotations

from datetime import timedelta

from tests.support.slackhttp import BOB, SlackHTTP, text_of


def _people(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme")
    slack.command("contact edit Jane Doe lifecycle=customer")
    assert "emea" in text_of(slack.dm("tag Jane Doe as emea and hot"))
    slack.command("contact add Raj Patel raj@acme.com at Acme")
    slack.command("contact edit Raj Patel lifecycle=customer")
    slack.command("help", user=BOB)
    slack.command("contact add Lena Fischer lena@globex.de at Globex", user=BOB)
    slack.dm("tag Lena Fischer as emea", user=BOB)


def test_show_me_all_customers(slack: SlackHTTP) -> None:
    _people(slack)
    shown = text_of(slack.dm("show me all customers"))
    assert "2 contacts" in shown and "Jane Doe" in shown and "Raj Patel" in shown, shown
    assert "Lena Fischer" not in shown
    assert "Create contact" not in shown


def test_contacts_tagged_emea_with_no_activity(slack: SlackHTTP) -> None:
    _people(slack)
    slack.dm("had a call with Jane Doe about the renewal")
    slack.services.clock.advance(timedelta(days=31))  # type: ignore[attr-defined]
    slack.dm("had a call with Lena Fischer about pricing", user=BOB)
    shown = text_of(slack.dm("contacts tagged emea with no activity in 30 days"))
    assert "1 contact" in shown and "Jane Doe" in shown and "Lena Fischer" not in shown, shown
    tagged = text_of(slack.dm("list contacts with the tag emea"))
    assert "2 contacts" in tagged, tagged
