"""The intents the bot understands, as plain data: each intent's name, the slots it may carry and the slots it
is never given without. This is the parser-facing half of an intent; the other half (how the bot asks for
what is missing, reads a write back, shows its form and answers) is its spec in :mod:`bot.intents`, which
names the intent declared here. The parser reads this module and nothing of the bot.

``message`` intents are the shared message contract (what :func:`bot.nlu.parse` may return); the others
come only from the exact ``/crm`` forms of :mod:`bot.nlu.commands`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .vocab import KINDS, LIFECYCLES, MEASURES, RECORD_TYPES, SCALES, SCOPES

ROLES = ("rep", "manager", "admin")

# Every slot has one type wherever it appears (as in the contract's JSON Schema):
# text · person (a Slack user id, or a name as written) · when (YYYY-MM-DD or an ISO datetime with offset)
# · date (YYYY-MM-DD) · number · integer · currency (3 letters) · choice (one of CHOICES) · list (of text)
# · follow_up ({title, due}) · period ({from, to}) · reference (a record's name as written, or its id).
SLOT_TYPES: dict[str, str] = {
    "name": "text",
    "email": "text",
    "phone": "text",
    "title": "text",
    "summary": "text",
    "query": "text",
    "domain": "text",
    "industry": "text",
    "tag": "text",
    # A team's own stage is given as written, so a stage is text, not a choice.
    "stage": "text",
    "contact": "reference",
    "company": "reference",
    "deal": "reference",
    "task": "reference",
    "record": "reference",
    "records": "list",
    "tags": "list",
    "assignee": "person",
    "owner": "person",
    "person": "person",
    "occurred_at": "when",
    "due": "when",
    "close_date": "date",
    "amount": "number",
    "score": "number",
    "inactive_days": "integer",
    "currency": "currency",
    "follow_up": "follow_up",
    "period": "period",
    "kind": "choice",
    "lifecycle": "choice",
    "scope": "choice",
    "record_type": "choice",
    "measure": "choice",
    "scale": "choice",
    "role": "choice",
}
CHOICES: dict[str, tuple[str, ...]] = {
    "kind": KINDS,
    "lifecycle": LIFECYCLES,
    "scope": SCOPES,
    "record_type": RECORD_TYPES,
    "measure": MEASURES,
    "scale": SCALES,
    "role": ROLES,
}


@dataclass(frozen=True)
class IntentContract:
    name: str
    slots: tuple[str, ...] = ()
    # The parser gives this intent only with every one of these; a reading without them is not this intent.
    required: tuple[str, ...] = ()
    message: bool = True


CONTACT_SLOTS = ("name", "email", "phone", "company", "title", "lifecycle")

CONTRACTS: tuple[IntentContract, ...] = (
    IntentContract("create_contact", CONTACT_SLOTS, ("name",)),
    IntentContract("update_contact", ("contact", *CONTACT_SLOTS), ("contact",)),
    IntentContract("find_contact", ("query",), ("query",)),
    IntentContract(
        "log_interaction",
        ("kind", "contact", "company", "deal", "summary", "occurred_at", "follow_up"),
        ("kind",),
    ),
    IntentContract(
        "create_deal", ("title", "company", "contact", "amount", "currency", "stage", "close_date")
    ),
    IntentContract("update_deal", ("deal", "stage", "amount", "currency", "close_date"), ("deal",)),
    IntentContract("create_task", ("title", "assignee", "due", "contact", "deal"), ("title",)),
    IntentContract("complete_task", ("task",), ("task",)),
    IntentContract("list_tasks", ("assignee", "scope")),
    IntentContract("pipeline_summary", ("owner",)),
    IntentContract("help"),
    IntentContract("unknown"),
    IntentContract("create_company", ("name", "domain", "industry"), ("name",)),
    IntentContract("update_company", ("company", "name", "domain", "industry"), ("company",)),
    IntentContract("show_record", ("record", "record_type"), ("record",)),
    IntentContract("show_history", ("record", "record_type"), ("record",)),
    IntentContract(
        "list_records",
        ("record_type", "owner", "stage", "lifecycle", "tag", "company", "inactive_days"),
        ("record_type",),
    ),
    IntentContract("tag_record", ("record", "record_type", "tags"), ("tags", "record")),
    IntentContract("delete_record", ("record", "record_type"), ("record",)),
    IntentContract("merge_records", ("records", "record_type"), ("records",)),
    IntentContract("report", ("measure", "owner", "period"), ("measure",)),
    IntentContract("log_feedback", ("score", "scale", "contact", "company"), ("score", "scale")),
    # Only the exact /crm forms give these.
    IntentContract("show_contact", ("contact",), ("contact",), message=False),
    IntentContract("show_deal", ("deal",), ("deal",), message=False),
    IntentContract("list_deals", ("owner", "stage"), message=False),
    IntentContract("undo", message=False),
    IntentContract("set_role", ("person", "role"), ("person", "role"), message=False),
    IntentContract("show_roles", ("person",), message=False),
)

BY_NAME: dict[str, IntentContract] = {c.name: c for c in CONTRACTS}
# What the shared message contract allows the parser to answer.
MESSAGE_INTENTS: tuple[str, ...] = tuple(c.name for c in CONTRACTS if c.message)
REQUIRED: dict[str, tuple[str, ...]] = {c.name: c.required for c in CONTRACTS if c.required}
