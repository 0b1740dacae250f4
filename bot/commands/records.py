"""The built-in intent handlers: one service call each, rendered as the card a person sees.

Every write answers with what was written, an Undo button, Edit where it makes sense and the natural
next step. Also here: what the intent form (modal) and the buttons do beyond running an intent.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bot.blocks import cards
from bot.blocks import ids as action_ids
from bot.blocks.common import a, button, day, due_phrase, esc, money, moneys, section, user, when
from bot.commands.registry import (
    Ctx,
    Reply,
    intent_handler,
)
from bot.intents import execute, from_error, guarded, help_reply, unknown
from bot.services.edits import UNSET, create_company, edit_interaction, edit_task
from bot.services.errors import DomainError, NotFound
from bot.services.views import Written

log = logging.getLogger(__name__)


# ---- intent handlers ---------------------------------------------------------------------------------


def _edit(intent: str, slots: dict[str, Any], mode: str, labels: dict[str, str], **ids: int | None) -> Any:
    value = {"i": intent, "s": slots, "m": mode, "l": labels, "ids": {k: v for k, v in ids.items() if v}}
    return button("Edit", action_ids.EDIT, value)


def _deal_slots(d: Any) -> dict[str, Any]:
    return {
        "deal": d.id,
        "company": d.company,
        "contact": d.contact,
        "stage": d.stage,
        "amount": float(d.amount) if d.amount is not None else None,
        "close_date": d.close_date.isoformat() if d.close_date else None,
    }


@intent_handler("create_contact", builtin=True)
def create_contact(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    w = ctx.crm.create_contact(
        ctx.actor,
        slots.get("name", ""),
        email=slots.get("email"),
        phone=slots.get("phone"),
        company=slots.get("company"),
        title=slots.get("title"),
        lifecycle=slots.get("lifecycle"),
        force=bool(slots.get("force")),
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
        else:
            lines.append(f"• {key}: {esc(old or '—')} → {esc(new or '—')}")
    edit_slots = {
        "contact": c.id,
        "email": c.email,
        "phone": c.phone,
        "company": c.company,
        "title": c.title,
        "lifecycle": c.lifecycle,
    }
    blocks = cards.written(
        f"✅ {verb} {cards.contact_line(c)}",
        lines,
        op_id=w.op_id,
        edit=_edit("update_contact", edit_slots, "new", {"contact": c.name}),
        next_steps=[cards.contact_follow_up_button(c)],
    )
    return Reply(f"{verb} {c.name}", blocks)


@intent_handler("update_contact", builtin=True)
def update_contact(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    changes = {k: v for k, v in slots.items() if k != "contact" and v not in (None, "")}
    w = ctx.crm.update_contact(ctx.actor, slots["contact"], **changes)
    if not w.changed:
        assert w.contact is not None
        return Reply.say(f"Nothing changed on *{esc(w.contact.name)}*: it already says that.")
    return contact_written(ctx, w, "Updated")


@intent_handler("find_contact", builtin=True)
def find_contact(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    query = str(slots.get("query") or "").strip()
    found = ctx.crm.find_contacts(ctx.actor, query, limit=8)
    if not found:
        text = f"No contact matches “{query}”."
        offer = ({"c": {"name": query}, "then": None}, f"Create contact “{query}”"[:75])
        return Reply(text, cards.not_found(text, None, [offer]))
    if len(found) == 1:
        return show_contact(ctx, {"contact": found[0].id})
    return Reply(f"{len(found)} contacts match “{query}”", cards.contact_list(query, found))


@intent_handler("show_contact", builtin=True)
def show_contact(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    details = ctx.crm.contact_details(ctx.actor, slots["contact"])
    return Reply(details.contact.name, cards.contact_details(details, ctx.tz))


@intent_handler("log_interaction", builtin=True)
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
        edit=_edit("log_interaction", edit_slots, "edit", {}, interaction=i.id, task=t.id if t else None),
        next_steps=next_steps,
    )
    text = f"{verb} {a(i.kind)} with {i.contact or i.company or i.deal}" + (
        f" and a follow-up: {t.title}" if t else ""
    )
    return Reply(text, blocks)


@intent_handler("create_deal", builtin=True)
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
        force=bool(slots.get("force")),
    )
    return deal_written(ctx, w, "Added deal")


def deal_written(ctx: Ctx, w: Written, verb: str) -> Reply:
    d = w.deal
    assert d is not None
    lines = []
    for key, (old, new) in w.changed.items():
        if key == "stage_id":
            lines.append(f"• stage → *{d.stage_name}*")
        elif key == "amount":
            # In the currency it was in: a change of currency is never a conversion.
            before = str(w.changed["currency"][0]) if "currency" in w.changed else d.currency
            was = money(Decimal(str(old)), before) if old is not None else "—"
            lines.append(f"• amount: {was} → {money(d.amount, d.currency)}")
        elif key == "close_date":
            was = day(date.fromisoformat(str(old))) if old else "—"
            lines.append(f"• close date: {was} → {day(d.close_date)}")
        elif key in ("title", "currency"):
            lines.append(f"• {key}: {esc(old)} → {esc(new)}")
        elif key == "owner_id":
            lines.append(f"• owner → {user(d.owner_slack_id)}")
        elif key == "company_id":
            lines.append(f"• company → *{esc(d.company or '—')}*")
        elif key == "contact_id":
            lines.append(f"• contact → *{esc(d.contact or '—')}*")
    icon = "🏆" if d.stage == "won" else "💼"
    next_step = cards.advance_button(d) if not d.is_closed else cards.deal_follow_up_button(d)
    blocks = cards.written(
        f"{icon} {verb} {cards.deal_line(d)}",
        lines,
        op_id=w.op_id,
        edit=_edit("update_deal", _deal_slots(d), "new", {"deal": d.title}),
        next_steps=[next_step],
    )
    return Reply(f"{verb} {d.title}: {d.stage_name}", blocks)


@intent_handler("update_deal", builtin=True)
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
    )
    if not w.changed:
        assert w.deal is not None
        return Reply.say(f"*{esc(w.deal.title)}* already says that; nothing changed.")
    return deal_written(ctx, w, "Updated")


@intent_handler("show_deal", builtin=True)
def show_deal(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    d = ctx.crm.resolve_deal(ctx.actor, slots["deal"])
    return Reply(f"{d.title}: {d.stage_name}", cards.deal_details(d, ctx.tz))


@intent_handler("list_deals", builtin=True)
def list_deals(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    owner = slots.get("owner")
    stage = slots.get("stage")
    deals = ctx.crm.list_deals(ctx.actor, owner=owner, stage=stage, include_closed=bool(stage), limit=40)
    whose = "Your" if owner == ctx.user_id else f"{user(owner)}'s" if owner else "The team's"
    title = f"{whose} {stage + ' ' if stage else 'open '}deals"
    return Reply(f"{title}: {len(deals)}", cards.deal_list(title, deals))


@intent_handler("create_task", builtin=True)
def create_task(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    def make(link: bool) -> Written:
        return ctx.crm.create_task(
            ctx.actor,
            slots.get("title", ""),
            assignee=slots.get("assignee"),
            due=slots.get("due"),
            contact=slots.get("contact") if link else None,
            deal=slots.get("deal") if link else None,
            force=bool(slots.get("force")),
        )

    note = ""
    try:
        w = make(True)
    except NotFound as exc:
        if exc.kind not in ("contact", "deal"):
            raise
        # The name in a task is context, not a must: the task is made, just not linked.
        w = make(False)
        note = f"_No {exc.kind} called “{esc(exc.ref)}” on file, so the task is not linked to one._"
    t = w.task
    assert t is not None
    who = "you" if t.assignee_slack_id == ctx.user_id else user(t.assignee_slack_id)
    edit_slots = {
        "title": t.title,
        "assignee": t.assignee_slack_id,
        "due": t.due_at.isoformat() if t.due_at else t.due_date.isoformat() if t.due_date else None,
        "contact": t.contact,
        "deal": t.deal,
    }
    blocks = cards.written(
        f"☐ Task *{esc(t.title)}* for {who} · {due_phrase(t.due_date, t.due_at, ctx.tz)}"
        + (f" · re {esc(t.contact or t.deal)}" if t.contact or t.deal else ""),
        [note] if note else [],
        op_id=w.op_id,
        edit=_edit("create_task", edit_slots, "edit", {}, task=t.id),
        next_steps=[cards.task_done_button(t)],
    )
    return Reply(f"Task {t.title} for {who}", blocks)


@intent_handler("complete_task", builtin=True)
def complete_task(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    w = ctx.crm.complete_task(ctx.actor, slots["task"])
    t = w.task
    assert t is not None
    follow_up = (
        button("Add follow-up", action_ids.ADD_FOLLOW_UP, {"contact": t.contact, "label": t.contact})
        if t.contact
        else None
    )
    blocks = cards.written(f"✅ Done: *{esc(t.title)}*", [], op_id=w.op_id, next_steps=[follow_up])
    return Reply(f"Done: {t.title}", blocks)


@intent_handler("list_tasks", builtin=True)
def list_tasks(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    # A name as written ("@nobody" when Slack found no such person) is looked up, not taken for an id.
    # A name as written was found among the team by bot.intents.know_people before this runs.
    assignee = slots.get("assignee") or ctx.user_id
    scope = slots.get("scope") or "all"
    tasks = ctx.crm.list_tasks(ctx.actor, assignee=assignee, scope=scope, limit=40)
    whose = "Your" if assignee == ctx.user_id else f"{user(assignee)}'s"
    label = {
        "all": "open tasks",
        "today": "tasks due today",
        "overdue": "overdue tasks",
        "week": "tasks this week",
    }
    title = f"{whose} {label.get(scope, 'tasks')}"
    if scope == "today":
        title = f"{whose} day"
        return Reply(f"{title}: {len(tasks)}", cards.task_day(title, tasks, ctx.tz))
    return Reply(f"{title}: {len(tasks)}", cards.task_list(title, tasks, ctx.tz))


@intent_handler("pipeline_summary", builtin=True)
def pipeline_summary(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    owner = slots.get("owner")
    p = ctx.crm.pipeline(ctx.actor, owner=owner)
    title = "Your pipeline" if owner == ctx.user_id else "Pipeline" if not owner else "Pipeline of a teammate"
    blocks = cards.pipeline(p, title)
    if owner and owner != ctx.user_id:
        blocks.insert(1, section(f"Deals owned by {user(owner)}"))
    return Reply(f"{title}: {p.open_count} open deals, {moneys(p.open_amounts, p.currency)}", blocks)


@intent_handler("help", builtin=True)
def help_intent(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    return help_reply(ctx, "")


@intent_handler("unknown", builtin=True)
def unknown_intent(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    return unknown(ctx)


UNDO_RECENT = timedelta(minutes=15)


@intent_handler("undo", builtin=True)
def undo_last(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    # "Undo" typed means what was just done: said again and again it must not walk back through
    # weeks of history. Older changes are undone from their own card, where one sees what they were.
    op_id = slots.get("op") or ctx.crm.last_op(ctx.actor, within=UNDO_RECENT)
    if not op_id:
        minutes = int(UNDO_RECENT.total_seconds() // 60)
        return Reply.say(
            f"There is nothing of yours from the last {minutes} minutes to undo. "
            "An older change is undone with the Undo button on its card."
        )
    done = ctx.crm.undo(ctx.actor, op_id)
    return Reply("Undone: " + "; ".join(done.summary), cards.undone(done.summary))


def _a(role: str) -> str:
    return f"an {role}" if role[:1] in "aeiou" else f"a {role}"


@intent_handler("set_role", builtin=True)
def set_role(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    person, role = str(slots["person"]), str(slots["role"])
    w = ctx.crm.set_role(ctx.actor, person, role)
    if "role" not in w.changed:
        return Reply.say(f"{user(person)} is already {_a(role)}.")
    old, new = (str(r) for r in w.changed["role"])
    line = f"👤 {user(person)} is now {_a(new)} (was {_a(old)})."
    return Reply(line, cards.written(line, [], op_id=w.op_id))


@intent_handler("show_roles", builtin=True)
def show_roles(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    person = slots.get("person")
    if person:
        found = ctx.crm.user(ctx.actor, str(person))
        return Reply.say(f"{user(person)} is {_a(found.role if found else 'rep')}.")
    people = ctx.crm.people(ctx.actor)
    lines = []
    for role, title in (("admin", "Admin"), ("manager", "Manager"), ("rep", "Rep")):
        members = [user(p.slack_id) for p in people if p.role == role]
        label = title + ("s" if len(members) != 1 else "")
        lines.append(f"{label}: " + (", ".join(members) or "—"))
    hint = "Admins give roles: `/crm role @someone manager`."
    text = "\n".join(lines)
    return Reply(text, [section(text), cards.context(hint)])


# ---- the intent form (modal) ---------------------------------------------------------------------------


def submit_form(ctx: Ctx, intent: str, mode: str, record: dict[str, Any], slots: dict[str, Any]) -> Reply:
    """A submitted intent form: an edit of what a card wrote, or a new intent made complete."""
    if mode == "edit" and intent == "log_interaction" and record.get("interaction"):
        return guarded(ctx, lambda: edit_logged(ctx, int(record["interaction"]), record.get("task"), slots))
    if mode == "edit" and intent == "create_task" and record.get("task"):
        return guarded(ctx, lambda: edit_task_form(ctx, int(record["task"]), slots))
    return execute(ctx, {"intent": intent, "slots": slots}, confirmed=True)


def edit_logged(ctx: Ctx, interaction_id: int, task_id: int | None, slots: dict[str, Any]) -> Reply:
    w = edit_interaction(
        ctx.crm,
        ctx.actor,
        interaction_id,
        task_id=task_id,
        kind=slots.get("kind"),
        summary=slots.get("summary") or "",
        contact=slots.get("contact"),
        company=slots.get("company"),
        occurred_at=slots.get("occurred_at") or UNSET,
        # An emptied follow-up removes the task; that is how the form says "no follow-up".
        follow_up=slots.get("follow_up") or {},
    )
    return interaction_written(ctx, w, "Updated")


def edit_task_form(ctx: Ctx, task_id: int, slots: dict[str, Any]) -> Reply:
    w = edit_task(
        ctx.crm,
        ctx.actor,
        task_id,
        title=slots.get("title"),
        due=slots.get("due"),
        assignee=slots.get("assignee"),
        contact=slots.get("contact"),
        deal=slots.get("deal"),
    )
    t = w.task
    assert t is not None
    headline = (
        f"☐ Updated task *{esc(t.title)}* for {user(t.assignee_slack_id)} · "
        f"{due_phrase(t.due_date, t.due_at, ctx.tz)}"
    )
    blocks = cards.written(headline, [], op_id=w.op_id, next_steps=[cards.task_done_button(t)])
    return Reply(f"Updated task {t.title}", blocks)


# ---- what buttons do beyond running an intent ----------------------------------------------------------


def undo_op(ctx: Ctx, op_id: str) -> Reply:
    done = ctx.crm.undo(ctx.actor, op_id)
    return Reply("Undone: " + "; ".join(done.summary), cards.undone(done.summary))


def advance_deal(ctx: Ctx, deal_id: int, expected: str | None, to: str) -> tuple[bool, Reply]:
    """Move a deal on from the stage the button was made for; a stale button changes nothing."""
    deal = ctx.crm.resolve_deal(ctx.actor, deal_id)
    if deal.stage != expected:
        return False, Reply.say(f"*{esc(deal.title)}* is already at {deal.stage_name}; nothing changed.")
    return True, execute(
        ctx, {"intent": "update_deal", "slots": {"deal": deal.id, "stage": to}}, confirmed=True
    )


def create_and_continue(ctx: Ctx, value: dict[str, Any]) -> Reply:
    """Create the record a reference did not find, then finish what the person asked for with it."""
    if "d" in value:
        return execute(ctx, {"intent": "create_deal", "slots": value["d"]}, confirmed=True)
    then = value.get("then")
    if "co" in value:
        written = create_company(ctx.crm, ctx.actor, value["co"]["name"])
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
