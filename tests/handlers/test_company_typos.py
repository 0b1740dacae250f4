"""A company named on a write is the one on file when it matches; a near match (a typo) is asked about
with buttons, never made into a second company quietly; a new company is made only when none is near."""

from __future__ import annotations

import pytest

from models import Company, Contact, Deal
from tests.handlers.helpers import rows
from tests.support.slackhttp import SlackHTTP, text_of


def companies(slack: SlackHTTP) -> list[str]:
    return sorted(c.name for c in rows(slack, Company))


@pytest.mark.parametrize(
    ("how", "write"),
    [
        ("contact edit", lambda slack: slack.command("contact edit Jane Doe company=Acme Crop")),
        ("contact add", lambda slack: slack.command("contact add Tim Tom tim@tom.org at Acme Crop")),
        ("deal add", lambda slack: slack.command("deal add Acme pilot $5k company=Acme Crop")),
        ("free text", lambda slack: slack.dm("new deal with Acme Crop for 5k, pilot")),
    ],
)
def test_a_typo_in_a_company_asks_did_you_mean(slack: SlackHTTP, how: str, write: object) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    slack.command("contact add Raj Patel raj@initech.com at Initech")
    if how == "contact edit":
        slack.command("contact edit Jane Doe company=Initech")
    asked = write(slack)  # type: ignore[operator]
    shown = text_of(asked)
    assert "Did you mean Acme Corp?" in shown and "New company “Acme Crop”" in shown, (how, shown)
    assert companies(slack) == ["Acme Corp", "Initech"]
    picked = text_of(slack.press(asked, "Acme Corp"))
    assert "Acme Corp" in picked, (how, picked)
    assert companies(slack) == ["Acme Corp", "Initech"]
    acme = rows(slack, Company, Company.name == "Acme Corp")[0]
    if how.startswith("contact"):
        person = "Jane Doe" if how == "contact edit" else "Tim Tom"
        assert rows(slack, Contact, Contact.name == person)[0].company_id == acme.id
    else:
        (deal,) = rows(slack, Deal)
        assert deal.company_id == acme.id


def test_a_new_company_near_an_old_one_is_made_when_the_person_says_so(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    asked = slack.command("contact add Tim Tom tim@tom.org at Acme Crop")
    made = text_of(slack.press(asked, "New company “Acme Crop”"))
    assert "Added contact" in made, made
    assert companies(slack) == ["Acme Corp", "Acme Crop"]
    # A company unlike any on file is made without a question, as before.
    slack.command("contact add Peter Gibbons peter@initrode.com at Initrode")
    assert companies(slack) == ["Acme Corp", "Acme Crop", "Initrode"]
