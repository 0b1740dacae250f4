"""Deals: add one, change its stage, amount or close date, show one, list them; and the button that moves
a deal on to its next stage."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bot.blocks import cards
from bot.blocks.common import as_said, day, esc, money, user
from bot.blocks.modals import Field, Form, pick
from bot.commands.registry import Ctx, Reply
from bot.dispatch import escaped, execute
from bot.intents.common import custom_line, edit_button
from bot.intents.contacts import contact_offer
from bot.intents.pairs import add_runner, edit_runner
from bot.services.errors import Invalid, NotFound
from bot.services.text import fold
from bot.services.views import Written
from bot.spec import Ask, IntentSpec, Offer, Verb

GROUP = "Deals"
# What an update of a deal may change; one of them must be said.
DEAL_CHANGES = ("stage", "amount", "close_date", "currency", "title", "company", "contact", "tags", "custom")


def _deal_slots(d: Any) -> dict[str, Any]:
    return {
        "deal": d.id,
        "company": d.company,
        "contact": d.contact,
        "stage": d.stage,
        "amount": float(d.amount) if d.amount is not None else None,
        "close_date": d.close_date.isoformat() if d.close_date else None,
        "custom": dict(d.custom) or None,
    }


def create_deal(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    w = ctx.crm.create_deal(
        ctx.actor,
        slots.get("title"),
        company=slots.get("company"),
        contact=slots.get("contact"),
        amount=slots.get("amount"),
        currency=slots.get("currency"),
        stage=slots.get("stage"),
        close_date=slots.get("close_date"),
        tags=slots.get("tags"),
        custom=slots.get("custom"),
        force=bool(slots.get("force")),
        new_company=bool(slots.get("new_company")),
    )
    return deal_written(ctx, w, "Added deal")


def _change_line(w: Written, key: str, old: Any, new: Any) -> str | None:
    d = w.deal
    assert d is not None
    if key == "stage_id":
        return f"• stage → *{d.stage_name}*"
    if key == "amount":
        # In the currency it was in: a change of currency is never a conversion.
        before = str(w.changed["currency"][0]) if "currency" in w.changed else d.currency
        was = money(Decimal(str(old)), before) if old is not None else "—"
        return f"• amount: {was} → {money(d.amount, d.currency)}"
    if key == "close_date":
        was = day(date.fromisoformat(str(old))) if old else "—"
        return f"• close date: {was} → {day(d.close_date)}"
    if key in ("title", "currency"):
        return f"• {key}: {esc(old)} → {esc(new)}"
    if key == "owner_id":
        return f"• owner → {user(d.owner_slack_id)}"
    if key == "forecast_category":
        return f"• forecast category → *{cards.CATEGORY_WORDS.get(d.forecast_category, d.forecast_category)}*"
    if key == "company_id":
        return f"• company → *{esc(d.company or '—')}*"
    if key == "tags":
        return f"• tags → {esc(', '.join(d.tags) or '—')}"
    if key.startswith("custom:"):
        return custom_line(key, old, new)
    if key == "contact_id":
        return f"• contact → *{esc(d.contact or '—')}*"
    return None


def deal_written(ctx: Ctx, w: Written, verb: str) -> Reply:
    d = w.deal
    assert d is not None
    lines = [
        line for key, (old, new) in w.changed.items() if (line := _change_line(w, key, old, new)) is not None
    ]
    lines += [f"• new {esc(what)} (Undo takes it back too)" for what in w.made]
    icon = "🏆" if d.is_won else "💼"
    next_step = cards.advance_button(d) if not d.is_closed else cards.deal_follow_up_button(d)
    blocks = cards.written(
        f"{icon} {verb} {cards.deal_line(d)}",
        lines,
        op_id=w.op_id,
        edit=edit_button("update_deal", _deal_slots(d), "new", {"deal": d.title}),
        next_steps=[next_step],
    )
    return Reply(f"{verb} {d.title}: {d.stage_name}", blocks)


def update_deal(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    w = ctx.crm.update_deal(
        ctx.actor,
        slots["deal"],
        stage=slots.get("stage"),
        amount=slots.get("amount"),
        currency=slots.get("currency"),
        close_date=slots.get("close_date"),
        force=bool(slots.get("force")),
        title=slots.get("title"),
        # Only the deal's form has these; the message contract's update_deal does not.
        company=slots.get("company"),
        contact=slots.get("contact"),
        tags=slots.get("tags"),
        custom=slots.get("custom"),
        new_company=bool(slots.get("new_company")),
    )
    if not w.changed:
        assert w.deal is not None
        return Reply.say(f"*{esc(w.deal.title)}* already says that; nothing changed.")
    return deal_written(ctx, w, "Updated")


def show_deal(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    d = ctx.crm.resolve_deal(ctx.actor, slots["deal"])
    edit = edit_button("update_deal", _deal_slots(d), "new", {"deal": d.title})
    return Reply(f"{d.title}: {d.stage_name}", cards.deal_details(d, ctx.tz, edit))


def list_deals(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    owner = slots.get("owner")
    stage = slots.get("stage")
    tag = slots.get("tag")
    deals = ctx.crm.list_deals(
        ctx.actor, owner=owner, stage=stage, include_closed=bool(stage), tag=tag, limit=40
    )
    whose = "Your" if owner == ctx.user_id else f"{user(owner)}'s" if owner else "The team's"
    title = f"{whose} {stage + ' ' if stage else 'open '}deals" + (f" tagged {tag}" if tag else "")
    return Reply(f"{title}: {len(deals)}", cards.deal_list(title, deals))


def tag_deal(ctx: Ctx, record: Any, tags: list[str]) -> Reply:
    w = ctx.crm.tag_deal(ctx.actor, record, tags)
    assert w.deal is not None
    if not w.changed:
        return Reply.say(f"*{esc(w.deal.title)}* is already tagged that way.")
    return deal_written(ctx, w, "Tagged")


def advance_deal(ctx: Ctx, deal_id: int, expected: str | None, to: str) -> tuple[bool, Reply]:
    """Move a deal on from the stage the button was made for; a stale button changes nothing."""
    deal = ctx.crm.resolve_deal(ctx.actor, deal_id)
    if deal.stage != expected:
        return False, Reply.say(f"*{esc(deal.title)}* is already at {deal.stage_name}; nothing changed.")
    return True, execute(
        ctx, {"intent": "update_deal", "slots": {"deal": deal.id, "stage": to}}, confirmed=True
    )


def categorize(ctx: Ctx, args: str) -> Reply:
    """Put a deal in a forecast category: pipeline, best case or commit."""
    words = args.split()
    for n in (2, 1):  # "best case" is two words
        if len(words) > n:
            ref, category = " ".join(words[:-n]), " ".join(words[-n:])
            if n == 1 or fold(category).replace("-", " ") == "best case":
                w = ctx.crm.categorize_deal(ctx.actor, ref, category)
                assert w.deal is not None
                if not w.changed:
                    return Reply.say(f"*{esc(w.deal.title)}* is already {category}.")
                return deal_written(ctx, w, "Forecast")
    raise Invalid("deal.category.unknown", field="category", value=args.strip())


# ---- the specs -----------------------------------------------------------------------------------------


def _added(slots: dict[str, Any]) -> str:
    s = escaped(slots)
    bits = [s.get("title") or f"{s.get('company', '?')} deal"]
    if s.get("amount"):
        bits.append(_amount(slots))
    if s.get("close_date"):
        bits.append(f"closing {as_said(slots['close_date'])}")
    return "Add deal " + " · ".join(bits)


def _amount(slots: dict[str, Any]) -> str:
    """The currency as said, or "(currency not said)": the read-back shows what would be written."""
    cur = str(slots.get("currency") or "")
    amount = Decimal(str(slots["amount"]))
    return money(amount, cur) if cur else f"{amount:,.0f} (currency not said)"


def _changed(slots: dict[str, Any]) -> str:
    s = escaped(slots)
    said = {
        "amount": lambda: _amount(slots),
        "close_date": lambda: as_said(slots["close_date"]),
    }
    changes = ", ".join(
        f"{k.replace('_', ' ')} → {said[k]() if k in said else v}"
        for k, v in s.items()
        if k in DEAL_CHANGES and not (k == "currency" and "amount" in s)
    )
    return f"Change deal {s.get('deal', '?')}: {changes or 'nothing'}"


def _offers_to_add(exc: NotFound, slots: dict[str, Any]) -> list[Offer]:
    then = {"i": "create_deal", "s": slots}
    return [contact_offer(exc.ref, slots, then)] if exc.kind == "contact" else []


def _offers_to_update(exc: NotFound, slots: dict[str, Any]) -> list[Offer]:
    if exc.kind != "deal":
        return []
    new = {k: slots[k] for k in ("stage", "amount", "currency", "close_date") if slots.get(k) is not None}
    return [({"d": {"title": exc.ref, **new}}, f"Create deal “{exc.ref}”"[:75])]


AMOUNT = Field("amount", "Amount", hint="e.g. 50000, 50k or 1.2M")
# The workspace's own stages, read when the form opens (handlers/actions.py).
STAGE = Field("stage", "Stage", "select", choices_of="stages")
CLOSE_DATE = Field("close_date", "Close date", "date")

SPECS = (
    IntentSpec(
        "create_deal",
        create_deal,
        writes=True,
        asks=(Ask(("title", "company"), "What is the deal called?", "/crm deal add Acme renewal 50k"),),
        read_back=_added,
        form=Form(
            "New deal",
            (
                Field("title", "Title"),
                pick("company", "Company"),
                pick("contact", "Contact"),
                AMOUNT,
                Field("currency", "Currency", hint="3 letters, e.g. USD"),
                STAGE,
                CLOSE_DATE,
            ),
        ),
        offers=_offers_to_add,
        verbs=(
            Verb(
                "deal add",
                "deal add TITLE [AMOUNT] [stage STAGE] [closing DATE] [tags=a,b] [field=value …]",
                "Add a deal to the pipeline.",
                GROUP,
                ("deal add Acme renewal $50k closing Dec 15",),
                run=add_runner("deal"),
            ),
        ),
    ),
    IntentSpec(
        "update_deal",
        update_deal,
        writes=True,
        asks=(
            Ask(("deal",), "Which deal?", "/crm deal move Acme renewal to proposal"),
            Ask(DEAL_CHANGES, "What should change on the deal: stage, amount or close date?"),
        ),
        read_back=_changed,
        form=Form(
            "Update deal",
            (
                Field("deal", "Deal", required=True, renames="title"),
                pick("company", "Company"),
                pick("contact", "Contact"),
                STAGE,
                AMOUNT,
                CLOSE_DATE,
            ),
        ),
        offers=_offers_to_update,
        verbs=(
            Verb(
                "deal move",
                "deal move DEAL to STAGE",
                "Move a deal to a stage ({stages}).",
                GROUP,
                ("deal move Acme renewal to proposal",),
            ),
            Verb(
                "deal edit",
                "deal edit DEAL field=value …",
                "Change a deal's title, amount, stage, close date, company, contact, tags or custom fields.",
                GROUP,
                (
                    "deal edit Acme renewal amount=65k close_date=2026-12-15",
                    "deal edit Acme renewal tier=gold",
                ),
                run=edit_runner("deal", "update_deal"),
            ),
            Verb(
                "deal amount",
                "deal amount DEAL AMOUNT",
                "Change a deal's amount.",
                GROUP,
                ("deal amount Acme renewal 65k",),
            ),
            Verb(
                "deal close",
                "deal close DEAL DATE",
                "Change a deal's close date.",
                GROUP,
                ("deal close Acme renewal 2026-12-15",),
            ),
            Verb(
                "deal category",
                "deal category DEAL pipeline|best case|commit",
                "Put a deal in a forecast category (its owner's call); the forecast sums each.",
                GROUP,
                ("deal category Acme renewal commit",),
                run=categorize,
            ),
        ),
    ),
    IntentSpec(
        "show_deal",
        show_deal,
        verbs=(
            Verb(
                "deal show",
                "deal show DEAL",
                "A deal's stage, amount, close date and people.",
                GROUP,
                ("deal show Acme renewal",),
            ),
        ),
    ),
    IntentSpec(
        "list_deals",
        list_deals,
        verbs=(
            Verb(
                "deals",
                "deals [mine|team|STAGE|@someone]",
                "List open deals: yours, the team's, or the team's in one stage.",
                GROUP,
                ("deals mine", "deals proposal"),
            ),
        ),
    ),
)
