"""Contacts: add, change, find and show one; and the button that creates a contact (or company) a request
named but the CRM did not have, then finishes the request with it."""

from __future__ import annotations

from typing import Any

from bot.blocks import cards
from bot.blocks.common import esc
from bot.blocks.modals import Field, Form, pick
from bot.commands.registry import Ctx, Reply
from bot.dispatch import escaped, execute, from_error
from bot.intents.common import cannot_search_yet, custom_line, edit_button, filter_question
from bot.intents.companies import company_written
from bot.intents.pairs import add_runner, edit_runner
from bot.services.errors import DomainError, NotFound
from bot.services.views import ContactView, Written
from bot.spec import Ask, IntentSpec, Offer, Verb
from models.entities import LIFECYCLES

GROUP = "Contacts"


def create_contact(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    w = ctx.crm.create_contact(
        ctx.actor,
        slots.get("name", ""),
        email=slots.get("email"),
        phone=slots.get("phone"),
        company=slots.get("company"),
        title=slots.get("title"),
        lifecycle=slots.get("lifecycle"),
        tags=slots.get("tags"),
        custom=slots.get("custom"),
        force=bool(slots.get("force")),
        new_company=bool(slots.get("new_company")),
    )
    return contact_written(ctx, w, "Added contact")


def contact_written(ctx: Ctx, w: Written, verb: str) -> Reply:
    c = w.contact
    assert c is not None
    lines = []
    for key, (old, new) in w.changed.items():
        if key in ("name_key", "updated_at"):
            continue
        if key == "company_id":
            # The change holds ids; the card says where they work now.
            lines.append(f"• company → {esc(c.company or '—')}")
        elif key == "tags":
            lines.append(f"• tags → {esc(', '.join(c.tags) or '—')}")
        elif key.startswith("custom:"):
            lines.append(custom_line(key, old, new))
        else:
            lines.append(f"• {key}: {esc(old or '—')} → {esc(new or '—')}")
    blocks = cards.written(
        f"✅ {verb} {cards.contact_line(c)}",
        lines,
        op_id=w.op_id,
        edit=contact_edit_button(c),
        next_steps=[cards.contact_follow_up_button(c)],
    )
    return Reply(f"{verb} {c.name}", blocks)


def contact_edit_button(c: ContactView) -> Any:
    edit_slots = {
        "contact": c.id,
        "email": c.email,
        "phone": c.phone,
        "company": c.company,
        "title": c.title,
        "lifecycle": c.lifecycle,
        "tags": ", ".join(c.tags) or None,
        "custom": dict(c.custom) or None,
    }
    return edit_button("update_contact", edit_slots, "new", {"contact": c.name})


def update_contact(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    changes = {k: v for k, v in slots.items() if k not in ("contact", "new_company") and v not in (None, "")}
    try:
        w = ctx.crm.update_contact(
            ctx.actor, slots["contact"], new_company=bool(slots.get("new_company")), **changes
        )
    except NotFound as missing:
        # "set Acme Corp lifecycle to customer": a lifecycle is a company's too.
        if set(changes) != {"lifecycle"} or not isinstance(slots["contact"], str):
            raise
        return _company_lifecycle(ctx, slots["contact"], str(changes["lifecycle"]), missing)
    if not w.changed:
        assert w.contact is not None
        return Reply.say(f"Nothing changed on *{esc(w.contact.name)}*: it already says that.")
    return contact_written(ctx, w, "Updated")


def _company_lifecycle(ctx: Ctx, name: str, lifecycle: str, missing: NotFound) -> Reply:
    try:
        w = ctx.crm.update_company(ctx.actor, name, lifecycle=lifecycle)
    except NotFound:
        raise missing from None
    return company_written(ctx, w, "Updated")


def find_contact(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    query = str(slots.get("query") or "").strip()
    topic = filter_question(query, "contact")
    if topic is not None:
        text, hint = cannot_search_yet(topic)
        return Reply(f"{text} {hint}", cards.problem_md(esc(text), hint))
    found = ctx.crm.find_contacts(ctx.actor, query, limit=8)
    if not found:
        # A search is a question: making a contact of its words may be offered, never as the default.
        text = f"No contact matches “{query}”."
        offer = ({"c": {"name": query}, "then": None}, f"Create contact “{query}”"[:75])
        return Reply(text, cards.not_found(text, None, [offer], default=False))
    if len(found) == 1:
        return show_contact(ctx, {"contact": found[0].id})
    return Reply(f"{len(found)} contacts match “{query}”", cards.contact_list(query, found))


def show_contact(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    details = ctx.crm.contact_details(ctx.actor, slots["contact"])
    edit = contact_edit_button(details.contact)
    return Reply(details.contact.name, cards.contact_details(details, ctx.tz, edit))


# ---- creating what a request named but the CRM did not have --------------------------------------------


def contact_offer(ref: str, slots: dict[str, Any], then: dict[str, Any] | None) -> Offer:
    """A button that creates contact ``ref`` (at the request's company) and then finishes ``then``."""
    company = slots.get("company") if isinstance(slots.get("company"), str) else None
    label = f"Create contact “{ref}”" + (f" at {company}" if company else "")
    return {"c": {"name": ref, "company": company}, "then": then}, label[:75]


def offers_to_show(exc: NotFound, slots: dict[str, Any]) -> list[Offer]:
    return [contact_offer(exc.ref, slots, None)] if exc.kind == "contact" else []


def create_and_continue(ctx: Ctx, value: dict[str, Any]) -> Reply:
    """Create the record a reference did not find, then finish what the person asked for with it."""
    if "d" in value:
        return execute(ctx, {"intent": "create_deal", "slots": value["d"]}, confirmed=True)
    then = value.get("then")
    if "co" in value:
        written = ctx.crm.ensure_company(ctx.actor, value["co"]["name"])
        assert written.company is not None
        made = Reply.say(f"🏢 Added company *{esc(written.company.name)}*.")
        slot, new_id = "company", written.company.id
    else:
        new = {k: v for k, v in (value.get("c") or {}).items() if v}
        pending = {"intent": "create_contact", "slots": new}
        try:
            contact = ctx.crm.create_contact(ctx.actor, new["name"], company=new.get("company"))
        except DomainError as exc:
            # e.g. it turns out to look like someone on file: the duplicate warning, and nothing else
            return from_error(ctx, exc, pending)
        made = contact_written(ctx, contact, "Added contact")
        assert contact.contact is not None
        slot, new_id = "contact", contact.contact.id
    if not then:
        return made
    slots = {**then["s"], slot: new_id}
    return made + execute(ctx, {"intent": then["i"], "slots": slots}, confirmed=True)


# ---- the specs -----------------------------------------------------------------------------------------


def _added(slots: dict[str, Any]) -> str:
    s = escaped(slots)
    return f"Add contact {s.get('name', '?')}" + (f" at {s['company']}" if s.get("company") else "")


def _changed(slots: dict[str, Any]) -> str:
    s = escaped(slots)
    changes = ", ".join(f"{k} → {v}" for k, v in s.items() if k != "contact")
    return f"Change {s.get('contact', '?')}: {changes or 'nothing'}"


def _contact_fields(first: Field) -> tuple[Field, ...]:
    return (
        first,
        Field("email", "Email"),
        Field("phone", "Phone"),
        pick("company", "Company"),
        Field("title", "Title"),
        Field("lifecycle", "Lifecycle", "select", choices=LIFECYCLES),
        Field("tags", "Tags", hint="separated by commas, e.g. hot, emea"),
    )


SPECS = (
    IntentSpec(
        "create_contact",
        create_contact,
        writes=True,
        asks=(Ask(("name",), "What is the contact's name?", "/crm contact add Jane Doe jane@acme.com Acme"),),
        read_back=_added,
        form=Form("New contact", _contact_fields(Field("name", "Name", required=True))),
        verbs=(
            Verb(
                "contact add",
                "contact add NAME [EMAIL] [PHONE] [at COMPANY] [tags=a,b] [field=value …]",
                "Add a contact; warns when it looks like someone you already have.",
                GROUP,
                ("contact add Jane Doe jane@acme.com at Acme Corp", "contact add Raj Patel tags=hot,emea"),
                run=add_runner("contact"),
            ),
        ),
    ),
    IntentSpec(
        "update_contact",
        update_contact,
        writes=True,
        asks=(Ask(("contact",), "Which contact should I change?", "/crm contact edit Jane Doe title=CTO"),),
        read_back=_changed,
        form=Form(
            "Edit contact", _contact_fields(Field("contact", "Contact", required=True, renames="name"))
        ),
        verbs=(
            Verb(
                "contact edit",
                "contact edit NAME field=value …",
                "Change a contact's name, email, phone, company, title, lifecycle, tags or custom fields.",
                GROUP,
                (
                    'contact edit Jane Doe title="VP Sales" lifecycle=customer',
                    "contact edit Jane Doe region=EMEA",
                ),
                run=edit_runner("contact", "update_contact"),
            ),
        ),
    ),
    IntentSpec(
        "find_contact",
        find_contact,
        form=Form("Find a contact", (Field("query", "Name, email or company", required=True),)),
        verbs=(
            Verb(
                "contact find",
                "contact find NAME|EMAIL|COMPANY",
                "Find contacts; typos are fine.",
                GROUP,
                ("contact find jane",),
            ),
        ),
    ),
    IntentSpec(
        "show_contact",
        show_contact,
        offers=offers_to_show,
        verbs=(
            Verb(
                "contact show",
                "contact show NAME",
                "A contact with recent interactions, open deals and tasks.",
                GROUP,
                ("contact show Jane Doe",),
            ),
        ),
    ),
)
