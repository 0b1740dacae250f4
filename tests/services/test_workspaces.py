"""Every query is scoped by workspace: what A stores, B never sees."""

from __future__ import annotations

import pytest

from bot.services import CRM, Actor, NotFound


def test_workspaces_are_isolated(crm: CRM, ann: Actor) -> None:
    other = crm.register_user("T2", "UZED", name="Zed", tz="Asia/Tokyo")
    crm.create_contact(ann, "Jane Doe", company="Acme")
    crm.create_deal(ann, "Acme renewal", company="Acme", amount=1000)
    crm.create_task(ann, "call Jane", due="2026-12-01")

    assert crm.find_contacts(other, "Jane Doe") == []
    with pytest.raises(NotFound):
        crm.resolve_contact(other, "Jane Doe")
    with pytest.raises(NotFound):
        crm.resolve_deal(other, "Acme renewal")
    assert crm.list_deals(other) == []
    assert sum(s.count for s in crm.pipeline(other).stages) == 0
    assert crm.list_tasks(other) == []
    # Ids from another workspace are not found either.
    deal_id = crm.resolve_deal(ann, "Acme renewal").id
    with pytest.raises(NotFound):
        crm.update_deal(other, deal_id, stage="won")
    # Same names in both workspaces stay apart.
    crm.create_contact(other, "Jane Doe", company="Acme")
    assert crm.resolve_contact(ann, "Jane Doe").id != crm.resolve_contact(other, "Jane Doe").id


def test_first_user_is_admin_and_users_are_refreshed(crm: CRM) -> None:
    first = crm.register_user("T9", "U1", name="First", tz="Europe/Berlin")
    second = crm.register_user("T9", "U2", name="Second", tz="Bogus/Zone")
    assert (first.role, second.role) == ("admin", "rep")
    assert second.tz == "UTC"  # an unknown zone falls back rather than breaking date maths
    again = crm.register_user("T9", "U2", name="Second Name", tz="America/Chicago")
    assert (again.user_id, again.tz, again.name) == (second.user_id, "America/Chicago", "Second Name")
    assert crm.actor("T9", "U2") == again
    assert crm.actor("T9", "UNOBODY") is None
