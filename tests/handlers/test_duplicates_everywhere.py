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
