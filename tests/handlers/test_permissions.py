"""Who may do what, over signed HTTP: the README's permission table, as a rep, a manager and an admin see it.

Ann writes first in these tests, so she is the workspace's admin (no ``CRM_ADMINS``); Bob and Cat are reps
until someone with the right to says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from bot.clock import ManualClock
from bot.db import make_session_factory
from models import AuditEvent, Contact, Subscription, User
from tests.handlers.helpers import count, rows
from tests.support.fakeslack import FakeSlack
from tests.support.slackhttp import ANN, BOB, Front, SlackHTTP, buttons, text_of

CAT = "U0CAT3333"
SALES = "<#C0SALES01|sales>"
GENERAL = "<#C0GENERAL|general>"


@pytest.fixture(autouse=True)
def cat(fake: FakeSlack) -> None:
    fake.add_user(CAT, "Cat Tanaka", tz="Asia/Tokyo", email="cat@example.com")


def role_of(slack: SlackHTTP, slack_id: str) -> str:
    (user,) = rows(slack, User, User.slack_id == slack_id)
    return str(user.role)


def test_a_rep_cannot_subscribe_general_nor_remove_the_admins_sales_summary(slack: SlackHTTP) -> None:
    slack.command(f"subscribe {SALES} daily 09:00")  # Ann, the admin
    slack.command("help", user=BOB)
    before = count(slack, AuditEvent)

    refused = text_of(slack.command(f"subscribe {GENERAL} daily 09:00", user=BOB))
    assert "Only a manager or an admin can subscribe a channel to the pipeline summary" in refused, refused
    assert "Ann Rep" in refused, refused  # who to ask
    kept = text_of(slack.command(f"unsubscribe {SALES}", user=BOB))
    assert "Only a manager or an admin can stop a channel's pipeline summary" in kept, kept

    assert [s.channel_id for s in rows(slack, Subscription)] == ["C0SALES01"]
    assert count(slack, AuditEvent) == before
    # Anyone may still see what the channels get.
    assert "daily at 09:00" in text_of(slack.command(f"subscriptions {SALES}", user=BOB))


def test_a_rep_cannot_edit_another_reps_contact_but_a_manager_can(slack: SlackHTTP) -> None:
    slack.command("help")  # Ann: the admin
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp", user=BOB)
    slack.command("help", user=CAT)

    refused = text_of(slack.command('contact edit Jane Doe title="CEO"', user=CAT))
    assert "Only Bob Rep (the owner), a manager or an admin can change Jane Doe." in refused, refused
    assert rows(slack, Contact)[0].title is None

    # Bob changes his own; a manager changes anyone's.
    assert "VP Sales" in text_of(slack.command('contact edit Jane Doe title="VP Sales"', user=BOB))
    ann = slack.crm.actor("T1", ANN)
    slack.crm.set_role(ann, CAT, "manager")
    changed = text_of(slack.command('contact edit Jane Doe title="CEO"', user=CAT))
    assert "title: VP Sales → CEO" in changed, changed
    assert rows(slack, Contact)[0].title == "CEO"


def test_role_grants_manager_and_the_new_manager_can_then_do_it(slack: SlackHTTP) -> None:
    slack.command("help")  # Ann: the admin
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp", user=BOB)
    slack.command("help", user=CAT)
    assert "Only Bob Rep (the owner)" in text_of(slack.command("contact edit Jane Doe title=CEO", user=CAT))

    granted = slack.command(f"role <@{CAT}|cat> manager")
    assert f"<@{CAT}> is now a manager (was a rep)" in text_of(granted), text_of(granted)
    assert "Undo" in [b["label"] for b in buttons(granted)]
    assert role_of(slack, CAT) == "manager"
    (event,) = rows(slack, AuditEvent, AuditEvent.record_type == "user", AuditEvent.action == "update")
    assert (event.before, event.after) == ({"role": "rep"}, {"role": "manager"})

    assert "title: — → CEO" in text_of(slack.command("contact edit Jane Doe title=CEO", user=CAT))
    subscribed = text_of(slack.command(f"subscribe {GENERAL} weekly monday 09:00", user=CAT))
    assert "will get the pipeline summary" in subscribed, subscribed

    # Undone like any write: Cat is a rep again.
    undone = slack.press(granted, "Undo")
    assert "Undone" in text_of(undone), text_of(undone)
    assert role_of(slack, CAT) == "rep"


def test_a_rep_using_role_is_refused(slack: SlackHTTP) -> None:
    slack.command("help")  # Ann: the admin
    refused = text_of(slack.command(f"role <@{BOB}|bob> admin", user=BOB))
    assert "Only an admin can change roles" in refused and "Ann Rep" in refused, refused
    assert role_of(slack, BOB) == "rep"
    # Seeing roles is for everyone.
    listed = text_of(slack.command("role", user=BOB))
    assert f"Admin: <@{ANN}>" in listed and f"<@{BOB}>" in listed, listed
    one = text_of(slack.command(f"role <@{ANN}|ann>", user=BOB))
    assert f"<@{ANN}> is an admin" in one, one


def test_role_is_in_help_and_refuses_to_leave_no_admin(slack: SlackHTTP) -> None:
    assert "/crm role @someone" in text_of(slack.command("help"))
    refused = text_of(slack.command(f"role <@{ANN}|ann> rep"))
    assert "last admin" in refused, refused
    assert role_of(slack, ANN) == "admin"
    bad = text_of(slack.command(f"role <@{BOB}|bob> boss"))
    assert "/crm role @someone rep|manager|admin" in bad, bad


@pytest.fixture
def slack_with_admins(
    fake: FakeSlack, front: Front, engine: Engine, clock: ManualClock
) -> Iterator[SlackHTTP]:
    """The app as an operator starts it with ``CRM_ADMINS`` naming Bob."""
    fake.reset()
    fake.faults.clear()
    server = SlackHTTP.start(
        fake,
        engine.url.render_as_string(hide_password=False),
        clock=clock,
        sessions=make_session_factory(engine),
        front=front,
        admins=(BOB,),
    )
    yield server
    server.finish()


def test_crm_admins_makes_the_named_user_admin_and_not_the_first_writer(slack_with_admins: SlackHTTP) -> None:
    slack = slack_with_admins
    slack.command("help")  # Ann writes first
    assert role_of(slack, ANN) == "rep"
    assert "Only an admin can change roles" in text_of(slack.command(f"role <@{ANN}|ann> admin"))
    slack.command("help", user=BOB)
    assert role_of(slack, BOB) == "admin"
    assert "now a manager" in text_of(slack.command(f"role <@{ANN}|ann> manager", user=BOB))
    # The operator's word stands: the setting's admin is not demoted from Slack.
    kept = text_of(slack.command(f"role <@{BOB}|bob> rep", user=BOB))
    assert "CRM_ADMINS" in kept and role_of(slack, BOB) == "admin", kept
