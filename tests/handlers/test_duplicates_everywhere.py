"""The same duplicate rules on every surface: a contact, deal or company that looks like one the team has
is asked about before it is made, whether added by /crm or by a message."""

from __future__ import annotations

import pytest

from models import Company, Contact
from tests.handlers.helpers import count
from tests.support.slackhttp import SlackHTTP, text_of

PICARD = "Jean-Luc Picard jean-luc@starfleet.org, Starfleet"


@pytest.mark.parametrize("second", ["dm", "command"])
@pytest.mark.parametrize("first", ["dm", "command"])
def test_a_contact_added_twice_is_asked_about_on_every_surface(
    slack: SlackHTTP, first: str, second: str
) -> None:
    def add(surface: str) -> str:
        if surface == "dm":
            return text_of(slack.dm(f"add contact {PICARD}"))
        return text_of(slack.command(f"contact add {PICARD}"))

    assert "Added contact" in add(first)
    asked = add(second)
    assert "looks like a contact you already have" in asked and "jean-luc@starfleet.org" in asked, asked
    assert count(slack, Contact) == 1 and count(slack, Company) == 1


@pytest.mark.parametrize("email", ["", " jane.do@acme.com"])
def test_a_name_one_letter_off_at_the_same_company_is_asked_about_as_the_duplicates_scan_flags_it(
    slack: SlackHTTP, email: str
) -> None:
    assert "Added contact" in text_of(slack.command("contact add Jane Doe jane@acme.com at Acme Corp"))
    asked = text_of(slack.command(f"contact add Jane Do{email} at Acme Corp"))
    assert "looks like a contact you already have" in asked and "Jane Doe" in asked, asked
    assert count(slack, Contact) == 1
    # At another company the same name is someone else: added without a question.
    assert "Added contact" in text_of(slack.command("contact add Jane Do at Globex"))
