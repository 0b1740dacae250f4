"""Limits come from the models in one place, hold on every write path, and bound what a search
sends to SQL (and so what SQLAlchemy's compiled-statement cache can fill with)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select, update

from bot.blocks.messages import message
from bot.services import CRM, Actor, limits
from bot.services.errors import Invalid
from models import Contact, Deal, Interaction, Task, User


def test_limits_are_the_column_lengths_except_where_set_narrower() -> None:
    assert limits.limit("task title") == Task.title.type.length == 300
    assert limits.limit("deal title") == Deal.title.type.length == 200
    assert limits.limit("phone") == Contact.phone.type.length == 40
    # Narrower than the column (RFC 5321), and a Text column given one.
    assert limits.limit("email") == 254 < Contact.email.type.length
    assert limits.limit("summary") == 3000 and Interaction.summary.type.length is None


def test_a_write_path_without_its_own_check_is_still_refused_before_the_database(
    crm: CRM, ann: Actor
) -> None:
    with pytest.raises(Invalid) as refused:
        crm.register_user("T1", "ULONG", name="N" * 250)
    assert message(refused.value) == "The name is 250 characters; the limit is 200. Nothing was saved."
    with crm.read() as s:
        assert s.scalar(select(func.count(User.id)).where(User.slack_id == "ULONG")) == 0


def test_an_old_row_over_a_new_limit_can_still_be_changed_in_other_fields(crm: CRM, ann: Actor) -> None:
    made = crm.create_contact(ann, "Jane Doe", email="jane@acme.com")
    assert made.contact is not None
    # Stored before the email limit was narrower than its column (as SQL: the ORM would refuse it).
    with crm.sessions.begin() as s:
        s.execute(update(Contact).where(Contact.id == made.contact.id).values(email="j" * 300 + "@acme.com"))
    with pytest.raises(Invalid):
        crm.update_contact(ann, made.contact.id, email="k" * 300 + "@acme.com")
    changed = crm.update_contact(ann, made.contact.id, lifecycle="customer")
    assert changed.contact is not None and changed.contact.lifecycle == "customer"


def test_a_name_whose_lookup_key_outgrows_its_column_is_refused(crm: CRM, ann: Actor) -> None:
    # Each ligature is one character typed and three once folded for search.
    with pytest.raises(Invalid) as refused:
        crm.create_contact(ann, "ﬃ" * 150)
    assert "once accents and symbols are spelled out; the limit is 200" in message(refused.value)


def test_searches_of_any_length_compile_a_bounded_number_of_statements(
    crm: CRM, ann: Actor, engine: Engine
) -> None:
    crm.create_contact(ann, "Jane Doe", email="jane@acme.com")
    cache = engine._compiled_cache  # SQLAlchemy's cache of compiled statements, one per shape
    assert cache is not None
    crm.find_contacts(ann, "jane doe")
    crm.find_contacts(ann, "jnae doe")
    before = len(cache)
    # Every word count a new statement shape once; words of two letters so that 60 fit in 200.
    letters = "abcdefghijklmnopqrstuvwxyz"
    for n in range(1, 61):
        query = " ".join(letters[i % 26] + letters[(i // 26) % 26] for i in range(n))
        crm.find_contacts(ann, query)
        with pytest.raises(Invalid) as refused:
            crm.find_contacts(ann, query + " " + "x" * 200)
        assert "too long to search for" in message(refused.value)
    assert len(cache) - before <= 2 * limits.SEARCH_WORDS * 3
