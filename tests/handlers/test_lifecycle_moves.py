"""Lifecycle that moves with what happens, over signed HTTP: a deal added makes its prospects leads, the
first won deal makes its contact and company customers, a second (or a renewal) loyal; advocate only by
hand; never backwards by itself; each move audited as the person's act, shown on the timeline as the
bot's, and undone with the win."""

from __future__ import annotations

from models import AuditEvent, Company, Contact
from tests.handlers.helpers import rows
from tests.support.slackhttp import BOB, SlackHTTP, text_of


def lifecycles(slack: SlackHTTP) -> tuple[str, str]:
    (jane,) = rows(slack, Contact, Contact.name == "Jane Doe")
    (acme,) = rows(slack, Company, Company.name == "Acme Corp")
    return jane.lifecycle, acme.lifecycle


def test_a_first_win_makes_customers_a_second_loyal_and_undo_takes_it_back(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    assert lifecycles(slack) == ("prospect", "prospect")
    slack.command("deal add Acme renewal 50k contact Jane Doe")
    assert lifecycles(slack) == ("lead", "lead")

    won = slack.command("deal move Acme renewal to won")
    assert "Won" in text_of(won), text_of(won)
    assert lifecycles(slack) == ("customer", "customer")
    (jane,) = rows(slack, Contact, Contact.name == "Jane Doe")
    (moved,) = [
        e
        for e in rows(slack, AuditEvent, AuditEvent.record_type == "contact", AuditEvent.record_id == jane.id)
        if (e.after or {}).get("lifecycle") == "customer"
    ]
    deal_event = rows(slack, AuditEvent, AuditEvent.op_id == moved.op_id, AuditEvent.record_type == "deal")
    assert deal_event and moved.before == {"lifecycle": "lead"}  # in the win's op, as Ann's act

    history = text_of(slack.command("history Jane Doe"))
    assert "🤖 moved lifecycle lead → customer as Acme renewal was won by <@U0ANN1111>" in history, history
    assert "🤖 moved lifecycle prospect → lead as Acme renewal was added" in history, history

    # Undo of the win takes the lifecycle back with it.
    undone = text_of(slack.press(won, "Undo"))
    assert "Undone" in undone, undone
    assert lifecycles(slack) == ("lead", "lead")

    slack.command("deal move Acme renewal to won")
    slack.command("deal add Acme expansion 20k contact Jane Doe")
    assert lifecycles(slack) == ("customer", "customer")  # an open deal never moves a customer back
    slack.command("deal move Acme expansion to won")
    assert lifecycles(slack) == ("loyal", "loyal")
    # Reopened, nothing moves backwards.
    slack.command("deal move Acme expansion to negotiation")
    assert lifecycles(slack) == ("loyal", "loyal")


def test_a_renewal_won_makes_them_loyal_and_advocate_is_set_by_a_person(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")
    slack.command("pipelines add Renewals renewal")
    slack.command("deal add Acme renewal 50k contact Jane Doe")
    slack.command("deal pipeline Acme renewal to Renewals")
    slack.command("deal move Acme renewal to won")
    assert lifecycles(slack) == ("loyal", "loyal")

    said = text_of(slack.dm("set Jane Doe lifecycle to advocate"))
    assert "advocate" in said, said
    company = text_of(slack.command("company lifecycle Acme Corp advocate"))
    assert "Acme Corp is now advocate" in company, company
    back = text_of(slack.dm("set Acme Corp lifecycle to customer"))  # in words: the company's
    assert "lifecycle: advocate → customer" in back, back
    slack.dm("set Acme Corp lifecycle to advocate")
    assert lifecycles(slack) == ("advocate", "advocate")
    # A later win never takes an advocate back to loyal.
    slack.command("deal add Acme upsell 5k contact Jane Doe stage won")
    assert lifecycles(slack) == ("advocate", "advocate")
    assert "Lifecycle" in text_of(slack.command("company show Acme Corp"))

    wrong = text_of(slack.command("company lifecycle Acme Corp famous"))
    assert "“famous” is not a lifecycle stage" in wrong and "advocate" in wrong, wrong


def test_a_reps_win_moves_a_contact_someone_else_holds(slack: SlackHTTP) -> None:
    """The move is the bot's bookkeeping of Bob's win, not an edit of Ann's contact by Bob."""
    slack.command("contact add Jane Doe jane@acme.com at Acme Corp")  # Ann's
    slack.command("deal add Acme renewal 50k contact Jane Doe", user=BOB)
    won = text_of(slack.command("deal move Acme renewal to won", user=BOB))
    assert "Won" in won, won
    assert lifecycles(slack) == ("customer", "customer")
    history = text_of(slack.command("history Jane Doe", user=BOB))
    assert "as Acme renewal was won by <@U0BOB2222>" in history, history
