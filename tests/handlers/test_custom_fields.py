"""Custom fields over HTTP: admins define them (`/crm fields …`), everyone sets them with field=value and in
the Edit forms, values are checked by the field's kind, shown on cards, audited and undone, and read back
by name for an export."""

from __future__ import annotations

from models import AuditEvent, Company, Contact, CustomField, Deal
from tests.handlers.helpers import rows
from tests.handlers.test_views import initial, open_modal
from tests.support.slackhttp import ANN, BOB, SlackHTTP, buttons, modal_values, text_of, view_submission


def _team(slack: SlackHTTP) -> None:
    slack.command("help")  # Ann writes first: the workspace's admin; Bob is a rep
    slack.command("help", user=BOB)


def test_an_admin_adds_a_choice_field_and_a_rep_sets_it_on_a_contact(slack: SlackHTTP) -> None:
    _team(slack)
    added = slack.command('fields add contact "Region" choice EMEA,APAC,AMER')
    assert "Added the contact field *Region* (choice: EMEA, APAC, AMER)" in text_of(added), text_of(added)
    (field,) = rows(slack, CustomField)
    assert (field.record_type, field.name, field.kind, field.choices) == (
        "contact",
        "Region",
        "choice",
        ["EMEA", "APAC", "AMER"],
    )
    listed = text_of(slack.command("fields", user=BOB))
    assert "*Contacts*: *Region* (choice: EMEA, APAC, AMER)" in listed, listed

    slack.command("contact add Jane Doe jane@acme.com at Acme", user=BOB)
    set_ = slack.command("contact edit Jane Doe region=emea", user=BOB)
    assert "Region: — → EMEA" in text_of(set_), text_of(set_)
    (jane,) = rows(slack, Contact)
    assert jane.custom == {str(field.id): "EMEA"}
    card = text_of(slack.command("contact show Jane Doe"))
    assert "*Region*\nEMEA" in card, card
    assert slack.crm.custom_values(slack.crm.actor("T1", ANN), "contact", "Jane Doe") == {"Region": "EMEA"}

    # Audited (before → after by field id) and undone from its confirmation.
    (event,) = [e for e in rows(slack, AuditEvent) if e.record_type == "contact" and e.action == "update"]
    assert (event.before, event.after) == ({"custom": {}}, {"custom": {str(field.id): "EMEA"}})
    undone = text_of(slack.press(set_, "Undo", user=BOB))
    assert "Undone" in undone, undone
    (jane,) = rows(slack, Contact)
    assert jane.custom == {}


def test_a_value_of_the_wrong_form_is_refused_naming_the_field(slack: SlackHTTP) -> None:
    _team(slack)
    slack.command('fields add contact "Region" choice EMEA,APAC,AMER')
    slack.command("fields add deal Seats number")
    slack.command('fields add deal "Renewal date" date')
    slack.command("contact add Jane Doe jane@acme.com at Acme")
    slack.command("deal add Acme renewal $50k")

    choice = text_of(slack.command("contact edit Jane Doe region=Mars"))
    assert "“Mars” is not a value for Region: write one of EMEA, APAC, AMER" in choice, choice
    number = text_of(slack.command("deal edit Acme renewal seats=lots"))
    assert "“lots” is not a value for Seats: write a number like 42" in number, number
    day = text_of(slack.command('deal edit Acme renewal "renewal date"=2026-02-30'))
    assert "is not a value for Renewal date: write a date like 2026-12-15" in day, day
    unknown = text_of(slack.command("contact edit Jane Doe tier=gold"))
    assert "I can't change “tier” on a contact" in unknown and "Region" in unknown, unknown
    # Nothing half-written: a good value beside a bad one is not saved either.
    text_of(slack.command("deal edit Acme renewal seats=25 renewal_date=someday"))
    (deal,) = rows(slack, Deal)
    (jane,) = rows(slack, Contact)
    assert deal.custom == {} and jane.custom == {}

    ok = text_of(slack.command('deal edit Acme renewal seats=1,250 "Renewal date"=2027-01-31'))
    assert "Seats: — → 1250" in ok and "Renewal date: — → 2027-01-31" in ok, ok
    card = text_of(slack.command("deal show Acme renewal"))
    assert "*Seats*\n1250" in card and "*Renewal date*\n2027-01-31" in card, card


def test_reps_cannot_define_fields(slack: SlackHTTP) -> None:
    _team(slack)
    refused = slack.command("fields add contact Region text", user=BOB)
    assert "Only an admin can add, rename or remove custom fields" in text_of(refused), text_of(refused)
    assert rows(slack, CustomField) == []
    slack.command("fields add contact Region text")
    assert "Only an admin" in text_of(slack.command("fields remove contact Region", user=BOB))
    assert len(rows(slack, CustomField)) == 1


def test_fields_are_renamed_and_removed_keeping_their_values_and_undone(slack: SlackHTTP) -> None:
    _team(slack)
    slack.command("fields add company Tier choice Gold,Silver")
    slack.command("company add Acme Corp, acme.com")
    assert "Tier: — → Gold" in text_of(slack.command("company edit Acme Corp tier=gold"))
    renamed = text_of(slack.command('fields rename company Tier "Support tier"'))
    assert "Renamed the company field *Tier* to *Support tier*" in renamed, renamed
    assert "*Support tier*\nGold" in text_of(slack.command("company show Acme Corp"))
    assert "Support tier: Gold → Silver" in text_of(
        slack.command('company edit Acme Corp "support tier"=Silver')
    )

    removed = slack.command("fields remove company Support tier")
    assert "Removed the company field *Support tier*" in text_of(removed), text_of(removed)
    assert rows(slack, CustomField) == []
    assert "Support tier" not in text_of(slack.command("company show Acme Corp"))
    back = text_of(slack.press(removed, "Undo"))
    assert "Undone" in back, back
    (field,) = rows(slack, CustomField)
    assert field.name == "Support tier"
    assert "*Support tier*\nSilver" in text_of(slack.command("company show Acme Corp"))
    (acme,) = rows(slack, Company)
    assert acme.custom == {str(field.id): "Silver"}


def test_a_field_is_refused_a_name_a_record_has_already_or_a_bad_kind(slack: SlackHTTP) -> None:
    _team(slack)
    assert "already has its own “Email”" in text_of(slack.command("fields add contact Email text"))
    assert "not a kind of field" in text_of(slack.command("fields add contact Region colour"))
    assert "needs its choices" not in text_of(slack.command("fields add deal Seats number"))
    assert "already has a field “Seats”" in text_of(slack.command("fields add deal seats text"))
    assert [f.name for f in rows(slack, CustomField)] == ["Seats"]


def test_custom_fields_are_in_the_edit_form(slack: SlackHTTP) -> None:
    _team(slack)
    slack.command('fields add contact "Region" choice EMEA,APAC,AMER')
    slack.command('fields add contact "Met on" date')
    slack.command("contact add Jane Doe jane@acme.com at Acme region=APAC")
    card = slack.command("contact show Jane Doe")
    assert "Edit" in [b["label"] for b in buttons(card)]
    view, url = open_modal(slack, card, "Edit")
    assert initial(view, "f_custom__Region") == "APAC"
    values = modal_values(view, f_custom__Region="EMEA", **{"f_custom__Met on": "2026-11-30"})
    assert slack.send_payload(view_submission(view, values)).status == 200
    saved = text_of(slack.wait_response(url))
    assert "Region: APAC → EMEA" in saved and "Met on: — → 2026-11-30" in saved, saved
    assert slack.crm.custom_values(slack.crm.actor("T1", ANN), "contact", "Jane Doe") == {
        "Region": "EMEA",
        "Met on": __import__("datetime").date(2026, 11, 30),
    }


def test_tags_in_contact_add_and_edit(slack: SlackHTTP) -> None:
    _team(slack)
    added = text_of(slack.command("contact add Jane Doe jane@acme.com at Acme tags=hot,emea"))
    assert "Added contact" in added and "#hot #emea" in added, added
    (jane,) = rows(slack, Contact)
    assert (jane.name, jane.email, jane.tags) == ("Jane Doe", "jane@acme.com", ["hot", "emea"])
    edited = text_of(slack.command('contact edit Jane Doe tags=vip title="VP Sales"'))
    assert "tags → vip" in edited and "VP Sales" in edited, edited
    tagged = text_of(slack.command("tag Jane Doe hot"))
    assert "#vip #hot" in tagged, tagged
    (jane,) = rows(slack, Contact)
    assert (jane.tags, jane.title) == (["vip", "hot"], "VP Sales")
    card = text_of(slack.command("contact show Jane Doe"))
    assert "#vip #hot" in card, card


def test_contacts_are_listed_by_their_custom_fields(slack: SlackHTTP) -> None:
    slack.command('fields add contact "Region" choice EMEA,APAC,AMER')
    slack.command("fields add contact Seats number")
    slack.command('fields add contact "Renewal" date')
    for name, values in (
        ("Jane Doe", "region=emea seats=120 renewal=2027-01-15"),
        ("Ali Khan", "region=APAC seats=40 renewal=2026-12-20"),
        ("Bo Li", "region=EMEA seats=8"),
        ("Cy Ng", "seats=60"),
    ):
        slack.command(f"contact add {name} {values}")

    emea = text_of(slack.command("contact list region=Emea"))
    assert "Jane Doe" in emea and "Bo Li" in emea and "Ali Khan" not in emea and "2 contacts" in emea, emea
    big = text_of(slack.command("contact list seats>50"))
    assert "Jane Doe" in big and "Cy Ng" in big and "Bo Li" not in big and "Ali Khan" not in big, big
    both = text_of(slack.command("contact list region=EMEA,APAC seats>=40"))
    assert "Jane Doe" in both and "Ali Khan" in both and "Bo Li" not in both, both
    soon = text_of(slack.command("contact list renewal<2027-01-01"))
    assert "Ali Khan" in soon and "Jane Doe" not in soon, soon
    refused = text_of(slack.command("contact list seats>many"))
    assert "“many”" in refused and "Seats" in refused, refused
    unknown = text_of(slack.command("contact list colour=red"))
    assert "colour" in unknown, unknown


def test_a_decimal_comma_is_read_as_a_decimal_and_history_and_undo_name_the_field(slack: SlackHTTP) -> None:
    _team(slack)
    added = slack.command("fields add deal Seats number")
    slack.command("deal add Acme renewal $50k")
    set_ = slack.command("deal edit Acme renewal seats=1,5")
    assert "Seats: — → 1.5" in text_of(set_), text_of(set_)
    (deal,) = rows(slack, Deal)
    (field,) = rows(slack, CustomField)
    assert deal.custom == {str(field.id): "1.5"}
    # Thousands as the money reader reads them; a number it cannot read is refused, never guessed.
    assert "Seats: 1.5 → 1250.5" in text_of(slack.command("deal edit Acme renewal seats=1.250,5"))
    odd = text_of(slack.command("deal edit Acme renewal seats=1,2,3"))
    assert "“1,2,3” is not a value for Seats" in odd, odd
    (deal,) = rows(slack, Deal)
    assert deal.custom == {str(field.id): "1250.5"}

    history = text_of(slack.command("history Acme renewal"))
    assert "changed Seats — → 1.5" in history and "Seats 1.5 → 1250.5" in history, history
    assert "custom" not in history and "{" not in history, history
    undone = text_of(slack.command("undo"))
    assert "Undone" in undone and "Seats" in undone and "custom" not in undone, undone
    (deal,) = rows(slack, Deal)
    assert deal.custom == {str(field.id): "1.5"}
    removed = text_of(slack.press(added, "Undo"))
    assert "removed the deal field Seats" in removed, removed
    assert rows(slack, CustomField) == []


def test_the_fields_list_gives_an_example_of_a_field_there_is(slack: SlackHTTP) -> None:
    _team(slack)
    slack.command("fields add contact Region choice EMEA,APAC")
    slack.command("fields add deal Tier choice Gold,Silver")
    slack.command("fields remove contact Region")
    listed = text_of(slack.command("fields"))
    assert "region=EMEA" not in listed and "/crm deal edit Acme renewal tier=Gold" in listed, listed
