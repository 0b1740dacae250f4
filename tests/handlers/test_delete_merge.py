"""Deleting and merging records over HTTP: always asked first, gone from every read once done, audited,
kept to whoever may change the record, and undone from the confirmation (a merge as one operation)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bot.clock import ManualClock
from bot.services import totals
from models import AuditEvent, Company, Contact, Deal, Interaction, PipelineTotal, Task
from tests.support.slackhttp import ANN, BOB, SlackHTTP, buttons, text_of


def _labels(call: object) -> list[str]:
    return [b["label"] for b in buttons(call)]  # type: ignore[arg-type]


def rows(slack: SlackHTTP, model: Any, *where: Any) -> list[Any]:
    """Rows as the database holds them, deleted ones too (every read of the app leaves those out)."""
    with slack.services.sessions() as s:
        return list(s.scalars(select(model).where(*where).execution_options(include_deleted=True)))


def count(slack: SlackHTTP, model: Any, *where: Any) -> int:
    return len(rows(slack, model, *where))


def _one(slack: SlackHTTP, model: object, **by: object) -> object:
    (found,) = [r for r in rows(slack, model) if all(getattr(r, k) == v for k, v in by.items())]
    return found


def _totals(slack: SlackHTTP) -> dict[tuple[int, int, str], tuple[int, Decimal]]:
    with slack.services.sessions() as s:
        return {
            (t.stage_id, t.owner_key, t.currency): (t.deals, t.amount)
            for t in s.scalars(select(PipelineTotal))
            if t.deals
        }


def _recounted(slack: SlackHTTP) -> dict[tuple[int, int, str], tuple[int, Decimal]]:
    """The totals as a recount from the deals gives them (what the running totals must equal)."""
    with slack.services.sessions.begin() as s:
        ws = s.scalars(select(Deal.workspace_id)).first()
        totals.rebuild(s.connection(), ws)
        out = {
            (t.stage_id, t.owner_key, t.currency): (t.deals, t.amount)
            for t in s.scalars(select(PipelineTotal))
            if t.deals
        }
        s.rollback()
    return out


def test_a_contact_is_deleted_only_after_asking_gone_from_reads_and_undone(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme")
    slack.dm("had a call with Jane Doe about pricing")
    asked = slack.command("contact delete Jane Doe")
    question = text_of(asked)
    assert "Delete contact *Jane Doe*?" in question and "Its 1 interaction stays on file" in question, (
        question
    )
    assert _labels(asked) == ["Delete", "Cancel"]
    assert count(slack, Contact, Contact.deleted_at.is_not(None)) == 0

    done = slack.press(asked, "Delete")
    assert "Deleted contact *Jane Doe*" in text_of(done), text_of(done)
    jane = _one(slack, Contact, name="Jane Doe")
    assert jane.deleted_at is not None and jane.deleted_by_id is not None  # type: ignore[attr-defined]
    (event,) = rows(
        slack,
        AuditEvent,
        AuditEvent.record_type == "contact",
        AuditEvent.record_id == jane.id,
        AuditEvent.action == "update",  # type: ignore[attr-defined]
    )
    assert event.before["deleted_at"] is None and event.after["deleted_at"], event.after
    # Gone from lookups and lists; the call logged with her stays on file.
    assert "couldn't find a contact" in text_of(slack.command("contact show Jane Doe"))
    assert "No contact" in text_of(slack.dm("find Jane")), text_of(slack.dm("find Jane"))
    assert count(slack, Interaction) == 1

    undone = text_of(slack.press(done, "Undo"))
    assert "restored contact Jane Doe" in undone, undone
    assert _one(slack, Contact, name="Jane Doe").deleted_at is None  # type: ignore[attr-defined]
    shown = text_of(slack.command("contact show Jane Doe"))
    assert "jane@acme.com" in shown and "pricing" in shown, shown
    history = text_of(slack.command("history Jane Doe"))
    assert "deleted it" in history and "restored it" in history, history


def test_a_misspelt_name_in_words_is_asked_about_and_cancel_deletes_nothing(slack: SlackHTTP) -> None:
    slack.command("contact add Jon Smith jon@initech.com")
    asked = slack.dm("delete the contact Jon Smiht")
    assert "Delete contact *Jon Smith*?" in text_of(asked), text_of(asked)
    assert "OK, nothing was saved" in text_of(slack.press(asked, "Cancel"))
    assert count(slack, Contact, Contact.deleted_at.is_(None)) == 1


def test_a_deleted_deal_leaves_the_pipeline_and_its_totals_and_undo_puts_it_back(
    slack: SlackHTTP, clock: ManualClock
) -> None:
    slack.command("deal add Acme renewal $10k")
    slack.command("deal add Globex pilot $2k")
    before = _totals(slack)
    asked = slack.dm("delete the Acme renewal deal")
    done = slack.press(asked, "Delete")
    assert "Deleted deal *Acme renewal*" in text_of(done), text_of(done)
    clock.advance(minutes=5)
    pipeline = text_of(slack.command("pipeline"))
    assert "$2,000" in pipeline and "$12,000" not in pipeline and "$10,000" not in pipeline, pipeline
    # The summary's news leaves it out too: one new deal since yesterday, not two.
    assert "1 new" in pipeline and "Acme renewal" not in pipeline, pipeline
    assert "Acme renewal" not in text_of(slack.command("deals"))
    assert _totals(slack) == _recounted(slack) != before

    slack.press(done, "Undo")
    assert _totals(slack) == _recounted(slack) == before
    assert "$12,000" in text_of(slack.command("pipeline"))


def test_deleting_a_company_asks_what_goes_with_it(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme")
    slack.command("contact add Raj Patel raj@acme.com at Acme")
    slack.dm("new deal with Acme for $10k")
    asked = slack.command("delete company Acme")
    question = text_of(asked)
    assert "2 people and 1 deal stay, without a company" in question, question
    assert _labels(asked) == ["Delete the company only", "Delete it with its 2 people and 1 deal", "Cancel"]

    alone = slack.press(asked, "Delete the company only")
    assert "Deleted company *Acme*" in text_of(alone), text_of(alone)
    assert count(slack, Contact, Contact.deleted_at.is_(None)) == 2
    card = text_of(slack.command("contact show Jane Doe"))
    assert "Acme" not in card, card
    slack.press(alone, "Undo")
    assert "Acme" in text_of(slack.command("contact show Jane Doe"))

    everything = slack.press(slack.command("delete company Acme"), "Delete it with its 2 people and 1 deal")
    assert "and 3 of its people and deals" in text_of(everything), text_of(everything)
    assert count(slack, Contact, Contact.deleted_at.is_(None)) == 0
    assert count(slack, Deal, Deal.deleted_at.is_(None)) == 0
    assert "$10,000" not in text_of(slack.command("pipeline"))
    undone = text_of(slack.press(everything, "Undo"))
    assert "restored company Acme" in undone and "restored contact Raj Patel" in undone, undone
    assert count(slack, Contact, Contact.deleted_at.is_(None)) == 2
    assert count(slack, Deal, Deal.deleted_at.is_(None)) == 1


def test_only_who_may_change_a_record_may_delete_it(slack: SlackHTTP) -> None:
    slack.command("help")  # Ann writes first: the workspace's admin; Bob is a rep
    slack.command("help", user=BOB)
    slack.command("deal add Acme renewal $10k")
    refused = slack.command("deal delete Acme renewal", user=BOB)
    assert "can delete the deal “Acme renewal”" in text_of(refused) and "Only Ann" in text_of(refused), (
        text_of(refused)
    )
    assert "Delete" not in _labels(refused)
    assert count(slack, Deal, Deal.deleted_at.is_(None)) == 1


def test_a_deleted_task_leaves_the_task_list(slack: SlackHTTP) -> None:
    slack.command("task add call Jane tomorrow")
    done = slack.press(slack.command("task delete call Jane"), "Delete")
    assert "Deleted task *call Jane*" in text_of(done), text_of(done)
    assert "call Jane" not in text_of(slack.command("tasks"))
    assert count(slack, Task) == 1


def test_two_contacts_merge_keeping_everything_with_the_chosen_fields_and_undo_splits_them(
    slack: SlackHTTP,
) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme")
    slack.command("contact add Jane Do jd@gmail.com +1 555 0100")
    slack.dm("had a call with Jane Do about the pilot")
    ann = slack.crm.actor("T1", ANN)
    slack.crm.create_task(ann, "send Jane Do the deck", contact="Jane Do")
    slack.crm.create_deal(ann, "Pilot for Jane", contact="Jane Do", amount="5000")
    asked = slack.command("merge Jane Doe and Jane Do")
    question = text_of(asked)
    assert "Merge contact *Jane Do* into *Jane Doe*?" in question, question
    assert "1 interaction" in question and "1 deal" in question, question
    assert {"✓ jane@acme.com", "jd@gmail.com", "✓ +1 555 0100", "Merge", "Cancel"} <= set(_labels(asked))

    chosen = slack.press(asked, "jd@gmail.com")
    assert "✓ jd@gmail.com" in _labels(chosen), _labels(chosen)
    merged = slack.press(chosen, "Merge")
    assert "Merged *Jane Do* into *Jane Doe*" in text_of(merged), text_of(merged)
    jane = _one(slack, Contact, name="Jane Doe")
    do = _one(slack, Contact, name="Jane Do")
    assert (jane.email, jane.phone, do.deleted_at is not None) == ("jd@gmail.com", "+1 555 0100", True)  # type: ignore[attr-defined]
    (call,) = rows(slack, Interaction)
    (task,) = rows(slack, Task)
    (deal,) = rows(slack, Deal)
    assert call.contact_id == task.contact_id == deal.contact_id == jane.id  # type: ignore[attr-defined]
    card = text_of(slack.command("contact show Jane Doe"))
    assert "the pilot" in card and "Pilot for Jane" in card, card

    undone = text_of(slack.press(merged, "Undo"))
    assert "restored contact Jane Do" in undone, undone
    jane = _one(slack, Contact, name="Jane Doe")
    do = _one(slack, Contact, name="Jane Do")
    assert (jane.email, jane.phone, do.deleted_at) == ("jane@acme.com", None, None)  # type: ignore[attr-defined]
    (call,) = rows(slack, Interaction)
    (task,) = rows(slack, Task)
    (deal,) = rows(slack, Deal)
    assert call.contact_id == task.contact_id == deal.contact_id == do.id  # type: ignore[attr-defined]


def test_two_companies_merge_from_words_moving_their_people_and_deals(slack: SlackHTTP) -> None:
    slack.command("company add Globex, globex.com")
    slack.press(slack.command("company add Globex Inc"), "Create anyway")
    slack.command("contact add Hank Scorpio hank@globex.com at Globex Inc")
    slack.crm.create_deal(
        slack.crm.actor("T1", ANN), "Globex Inc platform", company="Globex Inc", amount="50000"
    )
    asked = slack.dm("merge companies Globex and Globex Inc")
    assert "Merge company *Globex Inc* into *Globex*?" in text_of(asked), text_of(asked)
    slack.press(asked, "Merge")
    globex = _one(slack, Company, name="Globex")
    hank = _one(slack, Contact, name="Hank Scorpio")
    (deal,) = rows(slack, Deal)
    assert hank.company_id == deal.company_id == globex.id  # type: ignore[attr-defined]
    assert count(slack, Company, Company.deleted_at.is_(None)) == 1


def test_merging_someone_elses_contact_is_refused(slack: SlackHTTP) -> None:
    slack.command("help")
    slack.command("help", user=BOB)
    slack.command("contact add Jane Doe jane@acme.com")
    slack.command("contact add Jane Do jd@gmail.com", user=BOB)
    refused = text_of(slack.command("merge Jane Do and Jane Doe", user=BOB))
    assert "Only Ann Rep (the owner), a manager or an admin can merge Jane Doe" in refused, refused
    assert count(slack, Contact, Contact.deleted_at.is_(None)) == 2


def test_duplicates_are_listed_with_merge_buttons(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme")
    slack.press(slack.command("contact add Janet Doe jane@acme.com"), "Create anyway")
    slack.command("contact add Bob Martinez bob@wayne.com")
    slack.command("contact add Bob Martinex bobm@wayne.com")
    slack.command("company add Umbrella Health")
    slack.press(slack.command("company add Umbrella Health GmbH"), "Create anyway")
    listed = slack.command("duplicates")
    shown = text_of(listed)
    assert "3 likely duplicates" in shown, shown
    assert "*Jane Doe* and *Janet Doe* · same email" in shown, shown
    assert "*Bob Martinez* and *Bob Martinex* · similar names" in shown, shown
    assert "same name but for the legal suffix" in shown, shown
    assert _labels(listed).count("Merge…") == 3

    plan = slack.press(listed, "Merge…")
    assert "Merge contact" in text_of(plan) and "Merge" in _labels(plan), text_of(plan)
    slack.press(plan, "Merge")
    assert "2 likely duplicates" in text_of(slack.command("duplicates"))


def test_a_deal_a_typo_away_from_an_open_one_is_asked_about(slack: SlackHTTP, clock: ManualClock) -> None:
    slack.command("deal add Acme renewal $10k")
    asked = slack.command("deal add Acme renewl $12k")
    assert "looks like a deal you already have" in text_of(asked), text_of(asked)
    assert count(slack, Deal) == 1
    slack.command("deal add Acme expansion $5k")
    slack.command("deal add Acme renewal 2027 $5k")  # a number tells two deals apart
    assert count(slack, Deal) == 3
    # A deleted deal is no longer one to be mistaken for.
    slack.press(slack.command("deal delete Acme renewal"), "Delete")
    clock.advance(minutes=5)
    assert "Added deal" in text_of(slack.command("deal add Acme renewal $10k"))


def test_a_name_that_matches_two_people_asks_which_before_the_merge(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme")
    slack.command("contact add Jane Doe jane@globex.com at Globex")  # another Jane Doe, at another company
    slack.command("contact add Jane Do jd@gmail.com")
    asked = slack.command("merge Jane Doe and Jane Do")
    assert "matches more than one contact" in text_of(asked), text_of(asked)
    labels = _labels(asked)
    assert any("Globex" in label for label in labels), labels
    (globex,) = [label for label in labels if "Globex" in label]
    plan = slack.press(asked, globex)
    assert "Merge contact *Jane Do* into *Jane Doe*?" in text_of(plan), text_of(plan)
    assert "✓ jane@globex.com" in _labels(plan), _labels(plan)


def test_merge_a_into_b_keeps_b(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme")
    slack.command("contact add Jane Do jd@gmail.com")
    asked = slack.dm("merge Jane Do into Jane Doe")
    assert "Merge contact *Jane Do* into *Jane Doe*?" in text_of(asked), text_of(asked)


def test_cards_delete_after_a_confirm_and_a_manager_restores_from_the_recently_deleted_list(
    slack: SlackHTTP,
) -> None:
    slack.command("help")  # Ann writes first: the workspace's admin; Bob is a rep
    slack.command("help", user=BOB)
    slack.command("contact add Jane Doe jane@acme.com at Acme", user=BOB)
    slack.command("deal add Acme renewal $10k", user=BOB)

    card = slack.command("contact show Jane Doe", user=BOB)
    (delete,) = [b for b in buttons(card) if b["label"] == "Delete"]
    assert delete["style"] == "danger" and delete["confirm"]["confirm"]["text"] == "Delete", delete
    done = slack.press(card, "Delete", user=BOB)
    assert "Deleted contact *Jane Doe*" in text_of(done) and "Undo" in _labels(done), text_of(done)
    assert _one(slack, Contact, name="Jane Doe").deleted_at is not None  # type: ignore[attr-defined]
    slack.press(done, "Undo", user=BOB)
    assert _one(slack, Contact, name="Jane Doe").deleted_at is None  # type: ignore[attr-defined]

    # Another's record: the card's Delete is refused for a rep, and nothing is written.
    slack.command("deal add Globex pilot $5k")
    refused = slack.press(slack.command("deal show Globex pilot", user=BOB), "Delete", user=BOB)
    assert "can delete the deal “Globex pilot”" in text_of(refused), text_of(refused)
    assert _one(slack, Deal, title="Globex pilot").deleted_at is None  # type: ignore[attr-defined]

    # A company asks what goes with it, from its card too.
    asked = slack.press(slack.command("company show Acme"), "Delete")
    assert "Delete the company only" in _labels(asked), _labels(asked)
    slack.press(slack.command("deal show Acme renewal"), "Delete")
    slack.press(slack.command("contact show Jane Doe"), "Delete")

    # The recently deleted, newest first, for managers and admins; Restore is the delete's Undo.
    listed = slack.command("deleted")
    text = text_of(listed)
    assert text.index("Jane Doe") < text.index("Acme renewal"), text
    assert "deleted by Ann" in text or "Ann Rep" in text or "<@" in text, text
    restored = text_of(slack.press(listed, "Restore Acme renewal"))
    assert "restored deal Acme renewal" in restored, restored
    assert _one(slack, Deal, title="Acme renewal").deleted_at is None  # type: ignore[attr-defined]
    assert "Acme renewal" not in text_of(slack.command("deleted"))
    assert "Only a manager or an admin" in text_of(slack.command("deleted", user=BOB))


def test_a_merge_is_in_the_kept_records_history_and_undo_still_splits_them(slack: SlackHTTP) -> None:
    slack.command("contact add Jane Doe jane@acme.com at Acme")
    slack.command("contact add Jane Do")
    asked = slack.command("merge Jane Doe and Jane Do")
    merged = slack.press(asked, "Merge")
    assert "Merged *Jane Do* into *Jane Doe*" in text_of(merged), text_of(merged)
    history = text_of(slack.command("history Jane Doe"))
    assert f"<@{ANN}> merged Jane Do into it" in history, history
    undone = text_of(slack.press(merged, "Undo"))
    assert "restored contact Jane Do" in undone, undone
    assert _one(slack, Contact, name="Jane Do").deleted_at is None  # type: ignore[attr-defined]
