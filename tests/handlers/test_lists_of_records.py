"""Lists people ask for in words: contacts by lifecycle, tag, owner, company and quiet spell, with counts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.slackhttp import ANN, BOB, SlackHTTP, buttons, text_of


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


def _many(slack: SlackHTTP, n: int) -> None:
    """``n`` contacts tagged emea at Acme, made through the services as a bulk import would."""
    slack.command("help")
    ann = slack.crm.actor("T1", ANN)
    for i in range(n):
        slack.crm.create_contact(ann, f"Person {i:02d}", company="Acme", tags=["emea"], force=True)


def test_a_long_list_is_counted_and_paged_with_next_and_previous(slack: SlackHTTP) -> None:
    _many(slack, 45)
    first = slack.dm("contacts tagged emea")
    shown = text_of(first)
    assert "45 contacts · tagged emea — 1–20" in shown, shown
    assert "Person 00" in shown and "Person 19" in shown and "Person 20" not in shown
    assert [b["label"] for b in buttons(first) if "Show" not in b["label"]] == ["Next ▶"]

    second = slack.press(first, "Next")
    shown = text_of(second)
    assert "45 contacts · tagged emea — 21–40" in shown and "Person 20" in shown, shown
    assert "Person 19" not in shown and "Person 40" not in shown
    assert [b["label"] for b in buttons(second) if "Show" not in b["label"]] == ["◀ Previous", "Next ▶"]

    third = slack.press(second, "Next")
    shown = text_of(third)
    assert "— 41–45" in shown and "Person 44" in shown, shown
    assert [b["label"] for b in buttons(third) if "Show" not in b["label"]] == ["◀ Previous"]
    assert "— 21–40" in text_of(slack.press(third, "◀ Previous"))


def test_contacts_are_listed_by_owner_company_industry_and_lifecycle_from_crm(slack: SlackHTTP) -> None:
    _people(slack)
    slack.command("company edit Acme industry=robotics")
    at_acme = text_of(slack.command("contact list customers at Acme"))
    assert "2 contacts · customers, at Acme — 1–2" in at_acme, at_acme
    robots = text_of(slack.command("contact list industry robotics"))
    assert "2 contacts · in robotics" in robots and "Lena Fischer" not in robots, robots
    bobs = text_of(slack.command(f"contact list <@{BOB}|bob>"))
    assert "1 contact · owned by" in bobs and "Lena Fischer" in bobs, bobs
    mine_emea = text_of(slack.command("contact list mine #emea"))
    assert "1 contact" in mine_emea and "Jane Doe" in mine_emea, mine_emea
    wrong = text_of(slack.command("contact list sideways"))
    assert "/crm contact list" in wrong, wrong


def test_companies_with_no_activity_are_listed(slack: SlackHTTP) -> None:
    _people(slack)
    slack.command("company add Initech, initech.com")
    slack.services.clock.advance(timedelta(days=31))  # type: ignore[attr-defined]
    slack.dm("had a call with Lena Fischer about pricing", user=BOB)
    quiet = text_of(slack.dm("companies with no activity in 30 days"))
    assert "2 companies · with nothing logged in 30 days" in quiet, quiet
    assert "Acme" in quiet and "Initech" in quiet and "Globex" not in quiet, quiet


def test_a_list_past_the_count_cap_says_so_and_still_pages(
    slack: SlackHTTP, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cap is 1,000 in use; 5 here, so that a few records pass it.
    monkeypatch.setattr("bot.services.lookup.COUNT_CAP", 5)
    monkeypatch.setattr("bot.intents.common.COUNT_CAP", 5)
    _many(slack, 25)
    first = slack.dm("contacts tagged emea")
    assert "5+ contacts · tagged emea — 1–20" in text_of(first), text_of(first)
    second = slack.press(first, "Next")
    shown = text_of(second)
    assert "5+ contacts · tagged emea — 21–25" in shown and "Person 24" in shown, shown
    assert [b["label"] for b in buttons(second) if "Show" not in b["label"]] == ["◀ Previous"]


def test_a_tag_slack_turned_into_a_channel_link_is_read_as_the_tag(slack: SlackHTTP) -> None:
    # Slack escapes `#hot` as a channel link when a channel of that name exists.
    _people(slack)
    hot = text_of(slack.command("contact list <#CHOT|hot>"))
    assert "1 contact" in hot and "Jane Doe" in hot and "Raj Patel" not in hot, hot
    mine = text_of(slack.command("contact list mine <#CEMEA|emea>"))
    assert "1 contact" in mine and "Jane Doe" in mine, mine
    companies = text_of(slack.command("company list <#CHOT|hot>"))
    assert "couldn't read" not in companies, companies
    slack.dm("tag Raj Patel as <#CHOT|hot>")
    slack.command("contact edit Lena Fischer tags=<#CVIP|vip>", user=BOB)
    tagged = text_of(slack.command("contact list #hot"))
    assert "2 contacts" in tagged and "Raj Patel" in tagged, tagged
    assert "vip" in text_of(slack.command("contact list #vip")), "Lena Fischer"
    assert "Lena Fischer" in text_of(slack.command("contact list #vip"))
