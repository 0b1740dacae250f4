"""Intents the message contract defines about records in general, which the bot serves only in part so far.

Where a record type's own intents already do the job (a deal, contact or company card, a list of deals,
contacts or companies, tags on a contact or company), the request is served by them; everything else gets "I can't do that yet" and the closest help topic. Never a button that
would turn the question into a record ("Create contact “all customers”").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.blocks import cards
from bot.blocks.common import esc, user
from bot.commands.registry import Ctx, Reply
from bot.dispatch import execute, wrong_form
from bot.intents import feedback
from bot.intents.common import (
    PAGE,
    cannot_search_yet,
    channel_links_as_tags,
    chosen_by_name,
    filter_question,
    page_title,
    pages,
    paging,
)
from bot.intents.companies import LIST_VERB, SHOW_VERB, list_companies, show_company, tag_company
from bot.intents.contacts import show_contact
from bot.intents.deals import list_deals, show_deal, tag_deal
from bot.services.errors import NotFound
from bot.spec import IntentSpec, Verb
from models.entities import LIFECYCLES

# What each intent would do, in words, and the help topic closest to it today.
NOT_YET: dict[str, tuple[str, str]] = {
    "show_record": ("show that kind of record", "deals"),
    "list_records": ("list records that way", "deals"),
    "tag_record": ("tag tasks", "contacts"),
    "report": ("answer that report", "pipeline"),
    "log_feedback": ("log NPS or CSAT answers", "log"),
}


def not_yet(intent: str) -> Reply:
    what, topic = NOT_YET[intent]
    text = f"I can't {what} yet."
    hint = f"The closest I can do: `/crm help {topic}`."
    return Reply(f"{text} {hint}", cards.problem_md(esc(text), hint))


def _chosen(ctx: Ctx, slots: dict[str, Any]) -> tuple[Any, Any]:
    """The record and its type; a choice between look-alikes comes back in the slot of its type
    (bot.dispatch.from_error), by id. Of no said type, the one record named exactly so goes first."""
    for kind in ("company", "contact", "deal"):
        if isinstance(slots.get(kind), int):
            return slots[kind], kind
    return chosen_by_name(ctx, slots.get("record"), slots.get("record_type"))


def show_record(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    record, kind = _chosen(ctx, slots)
    topic = filter_question(record, kind) if isinstance(record, str) else None
    if topic is not None:
        # "show me opportunities above 10k": a question about records, not one record's name.
        text, hint = cannot_search_yet(topic)
        return Reply(f"{text} {hint}", cards.problem_md(esc(text), hint))
    if kind == "deal":
        return show_deal(ctx, {"deal": record})
    if kind == "contact":
        return show_contact(ctx, {"contact": record})
    if kind == "company":
        return show_company(ctx, {"company": record})
    if kind is None and record:
        try:
            return show_deal(ctx, {"deal": record})
        except NotFound:
            pass
        try:
            return show_contact(ctx, {"contact": record})
        except NotFound as exc:
            # "pull up Acme Corp": a company by name, once no person is called that.
            return _or_company(ctx, record, exc)
    return not_yet("show_record")


def _or_company(ctx: Ctx, record: Any, missing: NotFound) -> Reply:
    try:
        return show_company(ctx, {"company": record})
    except NotFound:
        raise missing from None


CONTACT_FILTERS = {"lifecycle", "tag", "owner", "company", "inactive_days", "industry", "custom"}
COMPANY_FILTERS = {"tag", "owner", "industry", "inactive_days"}


def list_records(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    filters = {k for k, v in slots.items() if v not in (None, "", []) and k not in ("record_type", "page")}
    page = {"page": slots["page"]} if slots.get("page") else {}
    if slots.get("record_type") == "deal" and filters <= {"owner", "stage", "tag"}:
        return list_deals(ctx, {k: slots.get(k) for k in ("owner", "stage", "tag")})
    if slots.get("record_type") == "contact" and filters <= CONTACT_FILTERS:
        return list_contacts(ctx, {**{k: slots[k] for k in filters}, **page})
    if slots.get("record_type") == "company" and filters <= COMPANY_FILTERS:
        return list_companies(ctx, {**{k: slots[k] for k in filters}, **page})
    return not_yet("list_records")


def list_contacts(ctx: Ctx, filters: dict[str, Any]) -> Reply:
    """A page of the contacts matching ``filters`` (``page``: which, from 1), with their count."""
    filters = dict(filters)
    page = paging(filters)
    total, found = ctx.crm.list_contacts(ctx.actor, **filters, offset=(page - 1) * PAGE, limit=PAGE)
    said = []
    if filters.get("lifecycle"):
        # "customers", "advocates", but "loyal" is not a noun: "loyal ones"
        life = str(filters["lifecycle"])
        said.append("loyal ones" if life == "loyal" else f"{life}s")
    if filters.get("tag"):
        said.append(f"tagged {filters['tag']}")
    if filters.get("owner"):
        said.append(f"owned by {user(filters['owner'])}")
    if filters.get("company"):
        said.append(f"at {esc(filters['company'])}")
    if filters.get("industry"):
        said.append(f"in {esc(filters['industry'])}")
    if filters.get("inactive_days"):
        said.append(f"with nothing logged in {filters['inactive_days']} days")
    if filters.get("custom"):
        said.append("with " + ", ".join(f"{esc(n)} {op} {esc(v)}" for n, op, v in filters["custom"]))
    title = page_title(total, ("contact", "contacts"), said, page, len(found))
    blocks = cards.contact_list_titled(title, found)
    return Reply(title, blocks + pages(cards.pager, "contact", filters, page, total, len(found)))


_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_KEYWORDS = {"at", "industry", "quiet", "inactive", "idle", "tag", "tagged"}
# A custom field compared with a value: ``region=EMEA``, ``seats>50``, ``renewal<=2027-01-01``.
_COMPARED = re.compile(r"^([^\W\d][\w-]*)(>=|<=|=|>|<)(\S+)$")


def contact_filters(ctx: Ctx, args: str) -> dict[str, Any] | None:
    """``LIFECYCLE`` · ``mine``/``@someone`` · ``#tag``/``tag TAG`` · ``at COMPANY`` · ``industry WORDS``
    · ``quiet N`` (days with nothing logged), in any order; None when something else was typed."""
    words = channel_links_as_tags(args).split()
    filters: dict[str, Any] = {}
    i = 0
    while i < len(words):
        word, low = words[i], words[i].lower()
        nxt = words[i + 1] if i + 1 < len(words) else None
        if low.rstrip("s") in LIFECYCLES:
            filters["lifecycle"] = low.rstrip("s")
        elif low in ("mine", "my", "me"):
            filters["owner"] = ctx.user_id
        elif _MENTION.match(word):
            filters["owner"] = _MENTION.match(word).group(1)  # type: ignore[union-attr]
        elif word.startswith("#") and len(word) > 1:
            filters["tag"] = word[1:]
        elif low in ("tag", "tagged") and nxt:
            filters["tag"], i = nxt.lstrip("#"), i + 1
        elif low in ("quiet", "inactive", "idle") and nxt and nxt.isdigit():
            filters["inactive_days"], i = int(nxt), i + 1
        elif low in ("at", "industry") and nxt:
            end = next((j for j in range(i + 1, len(words)) if words[j].lower() in _KEYWORDS), len(words))
            filters["company" if low == "at" else "industry"] = " ".join(words[i + 1 : end])
            i = end - 1
        elif _COMPARED.match(word):
            name, op, value = _COMPARED.match(word).groups()  # type: ignore[union-attr]
            filters.setdefault("custom", []).append([name, op, value])
        elif low not in ("all", "team", "contacts", "list"):
            return None
        i += 1
    return filters


def contact_list_verb(ctx: Ctx, args: str) -> Reply:
    filters = contact_filters(ctx, args)
    if filters is None:
        return wrong_form(CONTACT_LIST_VERB, args)
    return list_contacts(ctx, filters)


CONTACT_LIST_VERB = Verb(
    "contact list",
    "contact list [LIFECYCLE] [mine|@someone] [#TAG] [at COMPANY] [industry INDUSTRY] [quiet DAYS] [FIELD=VALUE] [FIELD>N]",
    "List contacts by lifecycle, owner, tag, company, industry, days with nothing logged or a custom field"
    " (`region=EMEA`, `seats>50`); 20 a page.",
    "Contacts",
    ("contact list customers #emea", "contact list quiet 30 at Acme", "contact list region=EMEA seats>50"),
    run=contact_list_verb,
)


def tag_record(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    """Tags on a contact, a company or a deal, added to those it has;
    a record of no said type is a contact, or else a company of that name."""
    record, kind = _chosen(ctx, slots)
    if kind == "company":
        return tag_company(ctx, record, list(slots.get("tags") or []))
    if kind == "deal":
        return tag_deal(ctx, record, list(slots.get("tags") or []))
    if kind not in (None, "contact"):
        return not_yet("tag_record")
    try:
        contact = ctx.crm.resolve_contact(ctx.actor, record)
    except NotFound as exc:
        if kind is not None:
            raise
        try:
            return tag_company(ctx, record, list(slots.get("tags") or []))
        except NotFound:
            raise exc from None
    wanted = [str(t).strip().lstrip("#") for t in slots.get("tags") or [] if str(t).strip()]
    tags = list(dict.fromkeys([*contact.tags, *wanted]))
    return execute(ctx, {"intent": "update_contact", "slots": {"contact": contact.id, "tags": tags}})


def answer_not_yet(intent: str) -> Callable[[Ctx, dict[str, Any]], Reply]:
    def handler(ctx: Ctx, slots: dict[str, Any]) -> Reply:
        return not_yet(intent)

    return handler


SPECS = (
    IntentSpec("show_record", show_record, verbs=(SHOW_VERB,)),
    IntentSpec("list_records", list_records, verbs=(LIST_VERB, CONTACT_LIST_VERB)),
    IntentSpec("tag_record", tag_record),
    feedback.SPEC,
)
