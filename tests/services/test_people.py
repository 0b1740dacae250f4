"""Teammates named in words are found by mention, name, first name, possessive or "me"; never guessed."""

from __future__ import annotations

import pytest

from bot.blocks.messages import message
from bot.services import CRM, Actor, Ambiguous, NotFound


@pytest.fixture
def team(crm: CRM, ann: Actor, bob: Actor) -> dict[str, Actor]:
    bobby = crm.register_user("T1", "UBOBBY", name="Bob Marley", tz="America/Jamaica")
    sipho = crm.register_user("T1", "USIPHO", name="Sipho Ndlovu", tz="Africa/Johannesburg")
    crm.register_user("T2", "UOTHER", name="Zed Other", tz="UTC")
    return {"ann": ann, "bob": bob, "bobby": bobby, "sipho": sipho}


@pytest.mark.parametrize(
    ("written", "who"),
    [
        ("Sipho", "USIPHO"),
        ("sipho", "USIPHO"),
        ("Sipho's", "USIPHO"),
        ("@sipho", "USIPHO"),
        ("Sipho Ndlovu", "USIPHO"),
        ("sipho ndlovu’s", "USIPHO"),
        ("Siphoo", "USIPHO"),
        ("Bob Rep", "UBOB"),
        ("UBOBBY", "UBOBBY"),
        ("me", "UANN"),
        ("ann", "UANN"),
    ],
)
def test_a_teammate_is_found_by_what_people_write(
    crm: CRM, team: dict[str, Actor], written: str, who: str
) -> None:
    assert crm.teammate(team["ann"], written).slack_id == who


def test_two_people_with_that_first_name_are_asked_about(crm: CRM, team: dict[str, Actor]) -> None:
    with pytest.raises(Ambiguous) as asked:
        crm.teammate(team["ann"], "bob")
    assert {c.label for c in asked.value.candidates} == {"Bob Rep", "Bob Marley"}


def test_an_unknown_name_is_not_found_and_never_the_sender(crm: CRM, team: dict[str, Actor]) -> None:
    for written in ("nobody", "@nobody", "Zed", "UOTHER", "Priya"):
        with pytest.raises(NotFound) as missing:
            crm.teammate(team["ann"], written)
        assert missing.value.kind == "teammate"
        if not written.startswith("U"):
            assert "No one called" in message(missing.value)
