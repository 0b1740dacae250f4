"""Dates and domains that cannot be meant are not written without a word: a close date or a due date more
than a year ago is refused, a new task due in the past is asked about first, and a company's industry or
domain that is a phone number is refused, each naming the value and the right form."""

from __future__ import annotations

from datetime import date

from models import Company, Deal, Task
from tests.handlers.helpers import count, rows
from tests.support.slackhttp import SlackHTTP, text_of


def test_a_close_date_years_ago_is_refused(slack: SlackHTTP) -> None:
    slack.command("deal add Acme renewal $48k closing 2026-12-18")
    shown = text_of(slack.command("deal close Acme renewal 1999-01-01"))
    assert "“1999-01-01”" in shown and "more than a year ago" in shown and "/crm deal close" in shown, shown
    (deal,) = rows(slack, Deal)
    assert deal.close_date == date(2026, 12, 18)
    refused = text_of(slack.command("deal add Old thing $5k closing 2019-05-01"))
    assert "“2019-05-01”" in refused, refused
    assert count(slack, Deal) == 1
    # A date this year, even past, is still taken: a deal that slipped.
    slack.command("deal close Acme renewal 2026-10-01")
    (deal,) = rows(slack, Deal)
    assert deal.close_date == date(2026, 10, 1)


def test_a_new_task_due_in_the_past_is_asked_about_and_years_ago_refused(slack: SlackHTTP) -> None:
    refused = text_of(slack.command("task add call Jane 2020-01-01"))
    assert "“2020-01-01”" in refused and "more than a year ago" in refused, refused
    assert count(slack, Task) == 0
    asked = slack.command("task add call Jane 2026-11-02")
    shown = text_of(asked)
    assert "already past" in shown and "Add it anyway" in shown, shown
    assert count(slack, Task) == 0
    made = text_of(slack.press(asked, "Add it anyway"))
    assert "call Jane" in made, made
    (task,) = rows(slack, Task)
    assert task.due_date == date(2026, 11, 2)
    slack.command("task add call Bob tomorrow")
    assert count(slack, Task) == 2


def test_a_phone_number_is_not_a_company_domain_or_industry(slack: SlackHTTP) -> None:
    shown = text_of(slack.command("company add Phone Co, 555-1234"))
    assert "“555-1234”" in shown, shown
    assert count(slack, Company) == 0
    bad = text_of(slack.command("company add Phone Co domain=555-1234"))
    assert "“555-1234” is not a web domain" in bad, bad
    assert count(slack, Company) == 0
    slack.command("company add Phone Co, phoneco.com, telecom")
    (co,) = rows(slack, Company)
    assert (co.domain, co.industry) == ("phoneco.com", "telecom")
