"""Interactions: a call, email, meeting, note or message logged on a contact, company or deal, with an
optional follow-up task; and the edit of one from its card."""

from __future__ import annotations

from typing import Any

from bot.blocks import cards
from bot.blocks import ids as action_ids
from bot.blocks.common import a, as_said, button, due_phrase, esc, user, when
from bot.blocks.modals import Field, Form, pick
from bot.commands.registry import Ctx, Reply
from bot.dispatch import escaped
from bot.intents.common import edit_button
from bot.intents.contacts import contact_offer
from bot.services.base import UNSET
from bot.services.errors import NotFound
from bot.services.views import Written
from bot.spec import Ask, Edit, IntentSpec, Offer, Verb
from models.entities import INTERACTION_KINDS

GROUP = "Interactions"


def log_interaction(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    follow_up = slots.get("follow_up") if isinstance(slots.get("follow_up"), dict) else None
    w = ctx.crm.log_interaction(
        ctx.actor,
        slots["kind"],
        slots.get("summary") or "",
        contact=slots.get("contact") or None,
        company=slots.get("company") or None,
        deal=slots.get("deal") or None,
        occurred_at=slots.get("occurred_at"),
        permalink=slots.get("permalink"),
        follow_up=follow_up,
        force=bool(slots.get("force")),
    )
    return interaction_written(ctx, w, "Logged")


def interaction_written(ctx: Ctx, w: Written, verb: str) -> Reply:
    i = w.interaction
    assert i is not None
    t = w.task
    who = " at ".join(f"*{esc(x)}*" for x in (i.contact, i.company) if x) or f"*{esc(i.deal or '—')}*"
    headline = (
        f"{cards.KIND_ICON.get(i.kind, '•')} {verb} {a(i.kind)} with {who} · {when(i.occurred_at, ctx.tz)}"
    )
    lines = [f">{esc(i.summary)}"] if i.summary else []
    if t is not None:
        lines.append(
            f"☐ Follow-up: *{esc(t.title)}* · {due_phrase(t.due_date, t.due_at, ctx.tz)} · {user(t.assignee_slack_id)}"
        )
    edit_slots: dict[str, Any] = {
        "kind": i.kind,
        "contact": i.contact,
        "company": i.company,
        "summary": i.summary,
        "occurred_at": i.occurred_at.isoformat(),
    }
    if t is not None:
        edit_slots["follow_up"] = {
            "title": t.title,
            "due": t.due_at.isoformat() if t.due_at else t.due_date.isoformat() if t.due_date else None,
        }
    next_steps = (
        [cards.task_done_button(t, "Mark follow-up done")]
        if t is not None
        else [button("Add follow-up", action_ids.ADD_FOLLOW_UP, {"contact": i.contact, "label": i.contact})]
        if i.contact
        else []
    )
    blocks = cards.written(
        headline,
        lines,
        op_id=w.op_id,
        edit=edit_button(
            "log_interaction", edit_slots, "edit", {}, interaction=i.id, task=t.id if t else None
        ),
        next_steps=next_steps,
    )
    text = f"{verb} {a(i.kind)} with {i.contact or i.company or i.deal}" + (
        f" and a follow-up: {t.title}" if t else ""
    )
    return Reply(text, blocks)


def edit_logged(ctx: Ctx, record: dict[str, Any], slots: dict[str, Any]) -> Reply:
    """The Edit form of a logged interaction: the interaction (and its follow-up) changed in place."""
    w = ctx.crm.edit_interaction(
        ctx.actor,
        int(record["interaction"]),
        task_id=record.get("task"),
        kind=slots.get("kind"),
        summary=slots.get("summary") or "",
        contact=slots.get("contact"),
        company=slots.get("company"),
        occurred_at=slots.get("occurred_at") or UNSET,
        # An emptied follow-up removes the task; that is how the form says "no follow-up".
        follow_up=slots.get("follow_up") or {},
    )
    return interaction_written(ctx, w, "Updated")


def _offers(exc: NotFound, slots: dict[str, Any]) -> list[Offer]:
    then = {"i": "log_interaction", "s": slots}
    if exc.kind == "contact":
        return [contact_offer(exc.ref, slots, then)]
    if exc.kind != "company":
        return []
    # "call with Zed Nobody": a person or a company, the parser can't always tell.
    offers = [({"co": {"name": exc.ref}, "then": then}, f"Create company “{exc.ref}”"[:75])]
    if not slots.get("contact"):
        as_contact = {**slots, "company": None}
        offers.insert(
            0,
            (
                {"c": {"name": exc.ref}, "then": {"i": "log_interaction", "s": as_contact}},
                f"Create contact “{exc.ref}”"[:75],
            ),
        )
    return offers


def _read_back(slots: dict[str, Any]) -> str:
    s = escaped(slots)
    who = " at ".join(x for x in (s.get("contact"), s.get("company")) if x) or "someone"
    text = f"Log a {s.get('kind', 'note')} with {who}"
    if s.get("summary"):
        text += f": “{s['summary']}”"
    fu = slots.get("follow_up") or {}
    if fu.get("title") or fu.get("due"):
        text += f", and a follow-up “{esc(fu.get('title') or 'follow up')}”"
        if fu.get("due"):
            text += f" due {as_said(fu['due'])}"
    return text


LOGGED = (
    Field("summary", "Summary", "multiline"),
    Field("occurred_at", "When", "datetime"),
    Field("follow_up.title", "Follow-up task"),
    Field("follow_up.due", "Follow-up due", "datetime"),
)

SPECS = (
    IntentSpec(
        "log_interaction",
        log_interaction,
        writes=True,
        asks=(
            Ask(
                ("kind",),
                "Was it a call, an email, a meeting, a note or a message?",
                "/crm log call with Jane Doe: …",
            ),
            Ask(("contact", "company", "deal"), "Who was it with?", "/crm log call with Jane Doe at Acme: …"),
        ),
        read_back=_read_back,
        form=Form(
            "Log interaction",
            (
                Field("kind", "Kind", "select", True, INTERACTION_KINDS),
                pick("contact", "Contact"),
                pick("company", "Company"),
                *LOGGED,
            ),
        ),
        new_form=Form(
            "Log interaction",
            (
                Field("kind", "Kind", "select", True, INTERACTION_KINDS),
                pick("contact", "Contact"),
                pick("company", "Company"),
                pick("deal", "Deal"),
                *LOGGED,
            ),
        ),
        edit=Edit("interaction", edit_logged),
        offers=_offers,
        verbs=(
            Verb(
                "log",
                "log call|email|meeting|note|message with NAME [at COMPANY]: SUMMARY",
                "Log an interaction on a contact, company or deal, with an optional follow-up.",
                GROUP,
                (
                    "log call with Jane Doe: discussed pricing, follow up Friday",
                    "log note on Initech: budget freeze",
                ),
            ),
        ),
    ),
)
