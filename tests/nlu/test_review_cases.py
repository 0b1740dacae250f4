"""Messages written by reviewers who never saw the parser or its rules, as reps write them
(terse, verbose, lower case with typos, pasted Slack markup and emoji, managers asking questions).

They are kept apart from ``cases.jsonl`` so that a rule written for one of these lines shows up as what
it is: this set is how we learn whether the parser reads the language or only our own examples.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.nlu import parse
from tests.nlu.contract import context, load_cases, schema_errors, strict_check, when_errors

REVIEW = load_cases("review_cases.jsonl")

# Reviewer cases the parser still gets wrong, kept with the reviewer's labels so the gap stays visible, each
# with what the parser writes that the person did not say (or says wrongly). The labels list every slot the
# message states, so a slot the parser gives beyond them fails the case. Strict: once one passes, this list
# must lose it.
KNOWN_GAPS = {
    "new contact ciarán ó súilleabháin atlantic seafoods ltd": (
        "an all lower-case name the first-name list does not know, with accents, then a lower-case company"
    ),
    "I just got off the phone with Jennifer Walsh from Northwind Traders. She said they're evaluating two other vendors and will decide by the end of the month.": "invented follow_up: news about the customer (leaving, signing, deciding, replying) is not a follow-up for the rep",
    "Yesterday I met with the procurement team at Cyberdyne; they need a security questionnaire completed before they can sign.": "invented contact: a team ('procurement') taken as a contact",
    "I texted Amanda at Tyrell Corp to confirm our meeting next Tuesday at 11am.": "invented follow_up: a meeting being confirmed is not a follow-up",
    "met w sarah frm initrode today she said follw up next week": "invented summary: the summary is only names/dates/places the other slots already hold",
    "note on Globex :warning: champion (Tom) is leaving end of month": "invented follow_up: news about the customer (leaving, signing, deciding, replying) is not a follow-up for the rep",
    "texted Maria at Monsters Inc, she'll get back to us after Thanksgiving": "invented follow_up: news about the customer (leaving, signing, deciding, replying) is not a follow-up for the rep",
    "remind me next Thursday to send the renewal quote to Pied Piper": "invented contact: the company is not named; this is a company taken as a contact",
    "Rachel Kim has been promoted to VP of Procurement": "invented company: a word of the message taken as the company",
    "log mtg with Priya Raman from Acme Inc: walked through the roadmap, she asked for SOC2 report": "invented follow_up: a customer's wish with no date and no request to follow up is not a follow-up",
    "Met Ana de la Cruz at the SaaStr booth on 11/12, interested in the analytics add-on": "invented company: an event (SaaStr, HIMSS) taken as the company",
    "whatsapp'd Tariq at Emirates Freight re pricing, he'll reply tmrw": "invented follow_up: news about the customer (leaving, signing, deciding, replying) is not a follow-up for the rep",
    "call with Maria at Globex: she's going on leave, new point of contact is Ben Stone. f/u with Ben tomorrow at 3pm": "wrong follow_up: the follow-up title loses its action ('f/u with Ben' becomes 'Ben')",
    "email from Pat @ Stark: they're pushing signature to Jan": "invented follow_up: news about the customer (leaving, signing, deciding, replying) is not a follow-up for the rep",
    "Slack'd Jess at Figma about the pilot extension, she'll confirm by EOW": "invented follow_up: news about the customer (leaving, signing, deciding, replying) is not a follow-up for the rep",
    "<@U07ABCD12> can you send the W-9 to Pied Piper's AP team by 12/1": "invented contact: the company is not named; this is a company taken as a contact",
    "Pied Piper moved to demo stage after today's call": "invented close_date: no close date given (the date is of a call / the paperwork)",
    "create a deal called Figma Enterprise Upgrade for 1.1m": "invented company: the deal's name taken as the company",
    "sent pricing deck to <mailto:lena.fischer@orbitalsystems.de|lena.fischer@orbitalsystems.de>": "invented company: a word of the message taken as the company",
    "CS check-in w/ Lumen Dental: onboarding done, NPS 9": "invented kind: 'chat'/'convo'/'check-in' does not say call or meeting",
    "📞 cold called 14 dentists in Tampa today, 2 conversations, 0 meetings": "invented company: a word of the message taken as the company",
    "call w/ procurement at Oscorp: they need our security docs. remind me to send them Monday": "invented contact: a team ('procurement') taken as a contact",
    "met Elena Petrova at the SaaStr booth yesterday — wants a trial, send login info by EOD": "invented company: an event (SaaStr, HIMSS) taken as the company",
    "Talked to Ingrid at Fjord Analytics on the phone - they signed with a competitor last month 😞": "invented occurred_at: the date is when something else happens, not when this interaction did",
    "Visited the Kingsley Hotel group HQ w/ our SE today. Next: send the architecture diagram by Thursday": "wrong company: the company name is cut ('Kingsley Hotel group')",
    "had a good chat with Sunita at Apex Pharma, she'll intro us to IT — f/u on the 1st": "invented kind: 'chat'/'convo'/'check-in' does not say call or meeting",
    "just got off the phone with Daan van der Berg (Kessler GmbH). they're evaluating us vs Salesforce, decision by end of Q1": "invented follow_up: news about the customer (leaving, signing, deciding, replying) is not a follow-up for the rep",
    "texted Funmi Adeyemi to confirm thursday's onsite": "invented occurred_at: the date is when something else happens, not when this interaction did",
    "met with the procurement team at Zenith Pharma Inc. yesterday afternoon. Pushback on payment terms (they want net 90).": "invented follow_up: a customer's wish with no date and no request to follow up is not a follow-up; invented contact: a team ('procurement') taken as a contact",
    "Met Declan Murphy-Walsh at the HIMSS booth, interested in our EHR integration. ping him next week": "invented company: an event (SaaStr, HIMSS) taken as the company",
    "log a note for Oakridge Veterinary: they switched from Brightree last year and hated the migration": "invented occurred_at: the date is when something else happens, not when this interaction did",
    "phoned Gabriela Fernández, she confirmed PO is coming this week": "invented follow_up: news about the customer (leaving, signing, deciding, replying) is not a follow-up for the rep",
    "call w Mark @ Delmont Packaging. he's leaving the co end of month, need new champion": "invented follow_up: news about the customer (leaving, signing, deciding, replying) is not a follow-up for the rep",
    "note for Ana de la Rosa: prefers calls after 3pm ET, never fridays": "invented follow_up: news about the customer (leaving, signing, deciding, replying) is not a follow-up for the rep",
    "had a great convo with Tunde Bakare at Eko Logistics! sending proposal tmrw": "invented kind: 'chat'/'convo'/'check-in' does not say call or meeting",
    "remind me to send the MSA to Patrick O'Connor on Friday": "wrong contact: the contact's full name is cut at the apostrophe",
    "<@U07QWERTY1> follow up w/ Kroll Manufacturing on the scanner order EOD pls": "invented contact: the company is not named; this is a company taken as a contact",
    "remind me next monday to send the renewal notice to Oakridge Veterinary": "invented contact: the company is not named; this is a company taken as a contact",
    "assign <@U0HJK2L3M> to send the W-9 to Jennifer O'Neill by friday": "wrong contact: the contact's full name is cut at the apostrophe",
    "i sent the security questionnaire to Anjali, mark that task done": "wrong task: the task is given with 'i sent' instead of the task's own words",
    "texted Carlos Mendoza to confirm thursday's meeting": "invented occurred_at: the date is when something else happens, not when this interaction did",
    "call with Hana Kim and Ji-woo Park from Cobalt Systems. Decision by end of month.": "invented follow_up: news about the customer (leaving, signing, deciding, replying) is not a follow-up for the rep",
    "met Daniel Okonkwo at the SaaStr dinner last night, he runs RevOps at Quantia Inc.": "invented company: an event (SaaStr, HIMSS) taken as the company",
    "<@U0CRMBOT> log call with Aditi Rao, she asked for SSO pricing": "invented follow_up: a customer's wish with no date and no request to follow up is not a follow-up",
    "email sent to Olga Petrova w/ the case study + ROI calc": "invented company: a word of the message taken as the company",
    "create task send welcome pack to Erik Sørensen": "wrong contact: the contact's surname with a non-ASCII letter is dropped",
    "<@U0CRMBOT> pipeline": "invented owner: the bot's own mention is not a pipeline owner",
}


def _param(case: dict[str, Any]) -> Any:
    reason = KNOWN_GAPS.get(case["text"])
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, id=case["text"][:60], marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in REVIEW])
def test_review_case(case: dict[str, Any]) -> None:
    ctx = context(case)
    got = parse(case["text"], now=ctx["now"], tz=ctx["tz"], user=ctx["user"])
    assert schema_errors(got) == [] and when_errors(got) == []
    assert strict_check(case["expect"], got) == [], got


def test_every_known_gap_is_a_case() -> None:
    assert set(KNOWN_GAPS) <= {c["text"] for c in REVIEW}
