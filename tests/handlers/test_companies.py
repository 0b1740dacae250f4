"""Companies as records of their own, over HTTP: added in words or with /crm (asking about look-alikes),
changed by whoever may, shown with their people, deals, activity and tasks, listed, tagged, edited in a
form, kept in the history and undone."""

from __future__ import annotations

from models import AuditEvent, Company
from tests.handlers.helpers import count, rows
from tests.handlers.test_views import initial, open_modal
from tests.support.slackhttp import ANN, BOB, SlackHTTP, buttons, modal_values, text_of, view_submission


def _labels(call: object) -> list[str]:
    return [b["label"] for b in buttons(call)]  # type: ignore[arg-type]


def test_a_company_added_in_words_is_a_record_with_its_domain_industry_and_owner(slack: SlackHTTP) -> None:
    card = slack.dm("add company Sakura Robotics K.K., sakura.jp, robotics")
    shown = text_of(card)
    assert "Added company" in shown and "Sakura Robotics" in shown and "sakura.jp" in shown, shown
    assert {"Undo", "Edit", "Show"} <= set(_labels(card))
    (sakura,) = rows(slack, Company)
    owner = slack.crm.user(slack.crm.actor("T1", ANN), ANN)
    # The legal form is part of the name as written: nothing typed is dropped.
    assert (sakura.name, sakura.domain, sakura.industry, sakura.owner_id, sakura.tags) == (
        "Sakura Robotics K.K.",
        "sakura.jp",
        "robotics",
        owner.id,
        [],
    )

    undone = text_of(slack.press(card, "Undo"))
    assert "removed company Sakura Robotics" in undone, undone
    assert count(slack, Company) == 0


def test_a_legal_form_with_inner_full_stops_stays_in_the_name(slack: SlackHTTP) -> None:
    for typed in (
        "company add Kowalski Logistyka sp. z o.o.",
        "company add Van Dijk Installaties B.V., vandijk.nl",
    ):
        card = slack.command(typed)
        assert "Added company" in text_of(card), text_of(card)
    assert sorted(c.name for c in rows(slack, Company)) == [
        "Kowalski Logistyka sp. z o.o.",
        "Van Dijk Installaties B.V.",
    ]


def test_a_look_alike_is_asked_about_across_legal_suffixes_and_punctuation(slack: SlackHTTP) -> None:
    slack.command("company add Acme")
    asked = slack.command("company add ACME Corp.")
    assert "looks like a company you already have" in text_of(asked), text_of(asked)
    assert "Use Acme" in _labels(asked)
    assert count(slack, Company) == 1

    shown = slack.press(asked, "Use Acme")
    assert "Acme" in text_of(shown) and "People" in text_of(shown), text_of(shown)

    slack.command("company add Initech, initech.com")
    same_domain = slack.dm("add company Initech Holdings, https://www.initech.com/")
    assert "looks like a company you already have" in text_of(same_domain)
    again = slack.command("company add Acme Incorporated")
    made = slack.press(again, "Create anyway")
    assert "Added company" in text_of(made), text_of(made)
    assert sorted(c.name for c in rows(slack, Company)) == ["Acme", "Acme Incorporated", "Initech"]


def test_a_company_is_changed_by_its_owner_or_by_anyone_while_nobody_owns_it(slack: SlackHTTP) -> None:
    slack.command("help")  # Ann writes first: she is the workspace's admin, Bob a rep
    slack.command("help", user=BOB)
    slack.command("company add Hooli, hooli.com, software", user=BOB)
    changed = slack.command("company edit Hooli industry=search domain=hooli.xyz", user=BOB)
    assert "industry: software → search" in text_of(changed), text_of(changed)
    assert "domain: hooli.com → hooli.xyz" in text_of(changed)

    # Ann is the workspace's admin: she may change anyone's; a rep may not change another's.
    slack.command("company add Pied Piper")
    before = count(slack, AuditEvent)
    refused = text_of(slack.command("company edit Pied Piper industry=compression", user=BOB))
    assert "Only Ann Rep (the owner), a manager or an admin can change the company “Pied Piper”" in refused
    assert count(slack, AuditEvent) == before

    # A company made on the way by a contact is nobody's: the team's to tidy.
    slack.command("contact add Gavin Belson gavin@nucleus.com at Nucleus")
    tidied = text_of(slack.command("company edit Nucleus industry=software", user=BOB))
    assert "industry: — → software" in tidied, tidied

    (hooli,) = rows(slack, Company, Company.name == "Hooli")
    undone = text_of(slack.press(changed, "Undo", user=BOB))
    assert "Hooli: domain back to hooli.com, industry back to software" in undone, undone
    (hooli,) = rows(slack, Company, Company.name == "Hooli")
    assert (hooli.industry, hooli.domain) == ("software", "hooli.com")


def test_a_company_card_has_its_people_open_deals_totals_activity_and_tasks(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@globex.com at Globex")
    slack.command("contact add Hank Scorpio hank@globex.com at Globex")
    slack.dm("create a $50k deal for Globex called Globex renewal")
    slack.dm("create a €20k deal for Globex called Globex Berlin")
    slack.dm("create a $5k deal for Globex called Globex pilot")
    slack.command("deal move Globex pilot to lost")
    slack.dm("had a call with Jane Doe at Globex, they want a demo")
    slack.command("task add call Jane Doe tomorrow")

    card = slack.dm("show company Globex")
    shown = text_of(card)
    assert "Jane Doe" in shown and "Hank Scorpio" in shown, shown
    assert "Globex renewal" in shown and "Globex Berlin" in shown and "Globex pilot" not in shown
    assert "2 deals · $50,000 + €20,000" in shown, shown
    assert "Call with" in shown and "they want a demo" in shown
    assert "call Jane Doe" in shown
    assert "Edit" in _labels(card)
    # The same card from /crm, and "pull up" a company by name when no one is called that.
    assert "2 deals · $50,000 + €20,000" in text_of(slack.command("company show globex"))
    assert "Hank Scorpio" in text_of(slack.dm("pull up Globex Corp"))


def test_the_edit_form_changes_industry_owner_and_tags_and_renames(slack: SlackHTTP) -> None:
    slack.command("help")
    slack.command("help", user=BOB)
    card = slack.command("company add Sakura Robotics, sakura.jp, robotics")
    view, url = open_modal(slack, card, "Edit")
    assert {"f_company", "f_domain", "f_industry", "f_owner", "f_tags"} <= {
        b["block_id"] for b in view["blocks"]
    }
    assert (initial(view, "f_company"), initial(view, "f_industry")) == ("Sakura Robotics", "robotics")
    values = modal_values(
        view, f_company="Sakura Robotics KK", f_industry="hardware", f_owner=BOB, f_tags="vip, apac"
    )
    assert slack.send_payload(view_submission(view, values)).status == 200
    saved = text_of(slack.wait_response(url))
    assert "name: Sakura Robotics → Sakura Robotics KK" in saved, saved
    assert "industry: robotics → hardware" in saved and f"owner → <@{BOB}>" in saved
    assert "tags → vip, apac" in saved
    (sakura,) = rows(slack, Company)
    assert (sakura.name, sakura.name_key, sakura.tags) == (
        "Sakura Robotics KK",
        "sakura robotics kk",
        ["vip", "apac"],
    )

    history = text_of(slack.command("company history Sakura Robotics KK"))
    assert "industry robotics → hardware" in history, history
    assert f"owner <@{ANN}> → <@{BOB}>" in history and "tags — → vip, apac" in history, history


def test_companies_are_listed_by_owner_tag_and_industry_and_tagged_in_words(slack: SlackHTTP) -> None:
    slack.command("help")
    slack.command("help", user=BOB)
    slack.command("company add Sakura Robotics, sakura.jp, robotics")
    slack.command("company add Kuka, kuka.com, Robotics", user=BOB)
    slack.command("company add Hooli, hooli.com, software")
    tagged = text_of(slack.dm("tag Sakura Robotics as vip"))
    assert "Tagged" in tagged and "#vip" in tagged, tagged
    slack.dm("tag company Hooli as vip and emea")

    mine = text_of(slack.command("company list mine"))
    assert "2 companies" in mine and "Sakura Robotics" in mine and "Kuka" not in mine, mine
    robots = text_of(slack.command("company list industry robotics"))
    assert "2 companies · in robotics" in robots and "Hooli" not in robots, robots
    vip = text_of(slack.dm("list companies tagged vip"))
    assert "2 companies" in vip and "Kuka" not in vip, vip
    bobs = text_of(slack.dm("companies owned by bob"))
    assert "1 company" in bobs and "Kuka" in bobs, bobs
    assert "1 company" in text_of(slack.command(f"company list <@{BOB}|bob>"))
    wrong = text_of(slack.command("company list sideways"))
    assert "/crm company list" in wrong, wrong


def test_company_verbs_have_help_lines_and_a_wrong_one_names_them(slack: SlackHTTP) -> None:
    shown = text_of(slack.command("help companies"))
    for usage in ("company add NAME", "company edit NAME", "company show NAME", "company list"):
        assert f"/crm {usage}" in shown, (usage, shown)
    wrong = text_of(slack.command("company frobnicate Acme"))
    assert "Companies forms" in wrong and "/crm company add" in wrong, wrong
    bad = text_of(slack.command("company edit Acme colour=red"))
    assert "company edit NAME field=value" in bad, bad


def test_a_company_named_ambiguously_is_picked_from_the_look_alikes(slack: SlackHTTP) -> None:
    slack.command("company add Umbrella North, umbrella-north.com")
    slack.command("company add Umbrella South, umbrella-south.com")
    asked = slack.dm("show company Umbrella")
    assert "matches more than one company" in text_of(asked), text_of(asked)
    shown = text_of(slack.press(asked, "Umbrella South"))
    assert "umbrella-south.com" in shown and "People" in shown, shown
    tagged = text_of(slack.press(slack.dm("tag company Umbrella as vip"), "Umbrella North"))
    assert "Tagged" in tagged and "#vip" in tagged, tagged
