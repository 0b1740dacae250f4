"""Companies in the service layer: one name whatever its legal suffix, and a page that adds money up per
currency over every open deal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.services import CRM, Actor, Forbidden, PossibleDuplicate
from bot.services.companies import company_key


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Acme", "acme"),
        ("ACME Corp.", "acme"),
        ("The Acme Co., Inc.", "acme"),
        ("Sakura Robotics K.K.", "sakura robotics"),
        ("Société Générale S.A.", "societe generale"),
        ("Inc", "inc"),  # a name that is nothing but a suffix stays a name
    ],
)
def test_a_company_key_leaves_out_legal_suffixes_and_punctuation(name: str, key: str) -> None:
    assert company_key(name) == key


def test_a_look_alike_is_refused_until_forced_and_a_typo_counts(crm: CRM, ann: Actor) -> None:
    crm.create_company(ann, "Initech", domain="initech.com")
    for name, domain in (("Initech LLC", None), ("Inittech", None), ("IT Corp", "http://initech.com")):
        with pytest.raises(PossibleDuplicate) as asked:
            crm.create_company(ann, name, domain=domain)
        assert [c.label for c in asked.value.existing] == ["Initech"]
    made = crm.create_company(ann, "Initech LLC", force=True).company
    assert made is not None and made.owner_slack_id == "UANN"


def test_the_page_totals_every_open_deal_per_currency(crm: CRM, ann: Actor, bob: Actor) -> None:
    crm.create_company(ann, "Globex")
    for n in range(12):
        crm.create_deal(ann, f"Globex seat {n}", company="Globex", amount="100", currency="USD")
    crm.create_deal(ann, "Globex Berlin", company="Globex", amount="50", currency="EUR")
    lost = crm.create_deal(ann, "Globex pilot", company="Globex", amount="999").deal
    assert lost is not None
    crm.update_deal(ann, lost.id, stage="lost")
    page = crm.company_details(ann, "globex corp")
    assert len(page.deals) == 10 and page.open_deal_count == 13
    assert page.open_amounts == {"USD": Decimal("1200"), "EUR": Decimal("50")}
    with pytest.raises(Forbidden):
        crm.update_company(bob, "Globex", industry="energy")
