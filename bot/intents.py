"""Where an intent becomes one service call and a rendered reply: shared by /crm, DMs, mentions and buttons.

``handle_text`` is the entry for anything a person typed. It tries, in order: a registered verb
(:mod:`bot.commands.registry`), the exact extra forms of :mod:`bot.nlu.commands`, then the message parser
(:func:`bot.nlu.parse`). ``execute`` decides whether to act or to ask first: a write with low confidence,
a missing required slot or an ambiguous reference gets a question (buttons or a prefilled modal) and
nothing is written until it is answered.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from decimal import Decimal
from typing import Any

from bot.blocks import cards
from bot.blocks import ids as action_ids
from bot.blocks.common import button, day, due_text, esc, money, section, user, when
from bot.commands.registry import (
    Command,
    Ctx,
    Reply,
    by_group,
    command,
    commands,
    get_intent_handler,
    intent_handler,
    lookup,
)
from bot.nlu.commands import STAGES, amount, parse_command, split_share
from bot.services.edits import UNSET, create_company, edit_interaction, edit_task
from bot.services.errors import Ambiguous, DomainError, NotFound, PossibleDuplicate
from bot.services.timeutil import zone
from bot.services.views import Written

log = logging.getLogger(__name__)

# Below this the bot reads a write back to the person before doing it.
CONFIDENT = 0.7
WRITES = {
    "create_contact",
    "update_contact",
    "log_interaction",
    "create_deal",
    "update_deal",
    "create_task",
    "complete_task",
}
SMALL_TALK = re.compile(
    r"^(?:hi|hey|hello|hiya|yo|howdy|good (?:morning|afternoon|evening)|thanks?(?: you)?(?: so much)?|thx|ty|"
    r"cheers|ok(?:ay)?|k|cool|great|nice|awesome|perfect|lol|haha|how are you(?: doing)?|what'?s up|bye|"
    r"see you|gm|gn|👍|🙏|🎉|:\w+:)[\s!.?,]*(?:bot|crm)?[\s!.?]*$",
    re.I,
)


# ---- entry points ----------------------------------------------------------------------------------


def handle_text(ctx: Ctx, text: str) -> Reply:
    """Anything a person typed to the bot, answered."""
    text, share = split_share(text, lambda rest: lookup(rest) is not None)
    ctx.share = ctx.share or share
    ctx.text = text
    if not text:
        return help_reply(ctx, "")
    if SMALL_TALK.match(text):
        return small_talk(text)
    found = lookup(text)
    if found is not None:
        cmd, args = found
        return guarded(ctx, lambda: cmd.func(ctx, args))
    return guarded(ctx, lambda: run_text(ctx, text))


def run_text(ctx: Ctx, text: str) -> Reply:
    local_now = ctx.now().astimezone(zone(ctx.tz))
    intent = parse_command(text, user=ctx.user_id, now=local_now) or understand(ctx, text)
    if intent.get("intent") == "unknown":
        noun = text.split()[0].lower().rstrip("s")
        if noun in NOUNS:
            return unknown_subcommand(text, NOUNS[noun])
    return execute(ctx, intent)


NOUNS = {
    "contact": "Contacts",
    "deal": "Deals",
    "task": "Tasks",
    "log": "Interactions",
    "pipeline": "Pipeline",
}


def unknown_subcommand(text: str, group: str) -> Reply:
    """`/crm contact frob`: what was not understood, and the forms that work for that kind of record."""
    forms = [f"`/crm {c.usage}`" for c in commands() if c.group == group]
    what = f"I don't know how to do “{esc(text)}”."
    hint = f"{group} forms:\n" + "\n".join(forms)
    return Reply(f"{what} {hint}", cards.problem_md(what, hint))


def understand(ctx: Ctx, text: str) -> dict[str, Any]:
    """The parser's reading of a message, in the sender's zone and at the sender's now."""
    from bot.nlu import parse

    local_now = ctx.now().astimezone(zone(ctx.tz))
    result = dict(parse(text, now=local_now, tz=ctx.tz, user=ctx.user_id))
    if result.get("intent") in WRITES and text.rstrip().endswith("?"):
        # "globex won?" is a question: read it back before writing anything.
        result["confidence"] = min(float(result.get("confidence") or 0), CONFIDENT / 2)
    return result


def guarded(ctx: Ctx, work: Any) -> Reply:
    """Run one piece of work; a domain error becomes the question or the message a person can act on."""
    try:
        reply: Reply = work()
        return reply
    except DomainError as exc:
        return from_error(ctx, exc, None)


def execute(ctx: Ctx, intent: dict[str, Any], *, confirmed: bool = False) -> Reply:
    name = str(intent.get("intent") or "unknown")
    slots = dict(intent.get("slots") or {})
    if name == "invalid":
        return invalid_form(slots)
    handler = get_intent_handler(name)
    if handler is None:
        return unknown(ctx)
    pending = {"intent": name, "slots": slots}
    confidence = float(intent.get("confidence", 1.0) or 0.0)
    if name in WRITES:
        question = missing_question(name, slots)
        if question is not None:
            text, hint = question
            return Reply(text, cards.missing(text, pending, hint))
        if not confirmed and confidence < CONFIDENT:
            text = "I want to be sure before I write anything. Did you mean:"
            return Reply(text, cards.confirm_intent(describe(name, slots, ctx.tz), pending, question=text))
    try:
        know_people(ctx, slots)
        return handler(ctx, slots)
    except DomainError as exc:
        return from_error(ctx, exc, pending)


def know_people(ctx: Ctx, slots: dict[str, Any]) -> None:
    """A teammate named by mention but not yet seen by the bot is looked up in Slack and stored."""
    for key in ("assignee", "owner"):
        slack_id = slots.get(key)
        if (
            not isinstance(slack_id, str)
            or slack_id == ctx.user_id
            or not re.fullmatch(r"[UW][A-Z0-9]+", slack_id)
        ):
            continue
        if ctx.crm.user(ctx.actor, slack_id) is None:
            from bot.slack.middleware import resolve_actor

            resolve_actor(ctx.services, ctx.client, ctx.team_id, slack_id)


def from_error(ctx: Ctx, exc: DomainError, pending: dict[str, Any] | None) -> Reply:
    if isinstance(exc, Ambiguous) and pending is not None:
        slot = exc.kind if exc.kind in pending["slots"] or exc.kind in SLOT_KINDS else "contact"
        return Reply(exc.message, cards.ambiguous(exc.message, exc.candidates, pending, slot))
    if isinstance(exc, PossibleDuplicate) and pending is not None:
        return Reply(exc.message, cards.duplicate(exc.existing, pending["slots"]))
    if isinstance(exc, NotFound) and pending is not None:
        return Reply(exc.message, cards.not_found(exc.message, exc.hint, create_offer(exc, pending)))
    return Reply(exc.message + (f" {exc.hint}" if exc.hint else ""), cards.problem(exc.message, exc.hint))


SLOT_KINDS = {"contact", "company", "deal", "task"}


def create_offer(exc: NotFound, pending: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """Buttons that create what a reference did not find and then finish the request with it."""
    intent, slots = pending["intent"], pending["slots"]
    then = {"i": intent, "s": slots}
    company = slots.get("company") if isinstance(slots.get("company"), str) else None
    if exc.kind == "contact" and intent in ("log_interaction", "create_deal", "show_contact"):
        label = f"Create contact “{exc.ref}”" + (f" at {company}" if company else "")
        return [
            (
                {
                    "c": {"name": exc.ref, "company": company},
                    "then": None if intent == "show_contact" else then,
                },
                label[:75],
            )
        ]
    if exc.kind == "company" and intent == "log_interaction":
        # "call with Zed Nobody": a person or a company, the parser can't always tell.
        offers = [({"co": {"name": exc.ref}, "then": then}, f"Create company “{exc.ref}”"[:75])]
        if not slots.get("contact"):
            as_contact = {**slots, "company": None}
            offers.insert(
                0,
                (
                    {"c": {"name": exc.ref}, "then": {"i": intent, "s": as_contact}},
                    f"Create contact “{exc.ref}”"[:75],
                ),
            )
        return offers
    if exc.kind == "deal" and intent == "update_deal":
        new = {k: slots[k] for k in ("stage", "amount", "currency", "close_date") if slots.get(k) is not None}
        return [({"d": {"title": exc.ref, **new}}, f"Create deal “{exc.ref}”"[:75])]
    return []


# ---- questions -------------------------------------------------------------------------------------

REQUIRED: dict[str, list[tuple[tuple[str, ...], str, str]]] = {
    "create_contact": [
        (("name",), "What is the contact's name?", "/crm contact add Jane Doe jane@acme.com Acme")
    ],
    "update_contact": [
        (("contact",), "Which contact should I change?", "/crm contact edit Jane Doe title=CTO")
    ],
    "log_interaction": [
        (
            ("kind",),
            "Was it a call, an email, a meeting, a note or a message?",
            "/crm log call with Jane Doe: …",
        ),
        (("contact", "company", "deal"), "Who was it with?", "/crm log call with Jane Doe at Acme: …"),
    ],
    "create_deal": [(("title", "company"), "What is the deal called?", "/crm deal add Acme renewal 50k")],
    "update_deal": [(("deal",), "Which deal?", "/crm deal move Acme renewal to proposal")],
    "create_task": [(("title",), "What is the task?", "/crm task add call Jane tomorrow 3pm")],
    "complete_task": [(("task",), "Which task is done?", "/crm task done call Jane")],
}
DEAL_CHANGES = ("stage", "amount", "close_date", "currency")


def missing_question(name: str, slots: dict[str, Any]) -> tuple[str, str | None] | None:
    for any_of, question, example in REQUIRED.get(name, []):
        if all(slots.get(s) in (None, "") for s in any_of):
            return question, f"You can also type it, e.g. `{example}`"
    if name == "update_deal" and all(slots.get(s) in (None, "") for s in DEAL_CHANGES):
        return "What should change on the deal: stage, amount or close date?", None
    return None


def describe(name: str, slots: dict[str, Any], tz: str) -> str:
    """One line saying what an intent would do, to read back before doing it."""
    s = {k: esc(v) for k, v in slots.items() if not isinstance(v, dict)}
    if name == "log_interaction":
        who = " at ".join(x for x in (s.get("contact"), s.get("company")) if x) or "someone"
        text = f"Log a {s.get('kind', 'note')} with {who}"
        if s.get("summary"):
            text += f": “{s['summary']}”"
        fu = slots.get("follow_up") or {}
        if fu.get("title") or fu.get("due"):
            text += f", and a follow-up “{esc(fu.get('title') or 'follow up')}”"
            if fu.get("due"):
                text += f" due {esc(fu['due'])}"
        return text
    if name == "create_contact":
        return f"Add contact {s.get('name', '?')}" + (f" at {s['company']}" if s.get("company") else "")
    if name == "update_contact":
        changes = ", ".join(f"{k} → {v}" for k, v in s.items() if k != "contact")
        return f"Change {s.get('contact', '?')}: {changes or 'nothing'}"
    if name == "create_deal":
        bits = [s.get("title") or f"{s.get('company', '?')} deal"]
        if s.get("amount"):
            bits.append(str(s["amount"]))
        return "Add deal " + " · ".join(bits)
    if name == "update_deal":
        changes = ", ".join(f"{k} → {v}" for k, v in s.items() if k in DEAL_CHANGES)
        return f"Change deal {s.get('deal', '?')}: {changes or 'nothing'}"
    if name == "create_task":
        text = f"Add task “{s.get('title', '?')}”"
        if s.get("assignee"):
            text += f" for {user(str(slots['assignee']))}"
        if s.get("due"):
            text += f" due {s['due']}"
        return text
    if name == "complete_task":
        return f"Mark “{s.get('task', '?')}” done"
    return name.replace("_", " ")


def invalid_form(slots: dict[str, Any]) -> Reply:
    value = slots.get("value")
    field = slots.get("field", "input")
    text = f"I couldn't read the {field.replace('_', ' ')}" + (f" in “{esc(value)}”." if value else ".")
    hint = f"The form is `/crm {slots.get('form', 'help')}`"
    return Reply(f"{text} {hint}", cards.problem(text, hint))


def unknown(ctx: Ctx) -> Reply:
    text = (
        "I'm not sure what to do with that. I can log calls and meetings, add contacts, deals and tasks, "
        "and show your pipeline. For example: “had a call with Jane at Acme, she wants pricing by Friday”, "
        "or type `/crm help` for everything."
    )
    return Reply(text, [section("🤷 " + text)])


def small_talk(text: str) -> Reply:
    low = text.lower()
    if low.startswith(("thank", "thx", "ty", "cheers")):
        answer = "You're welcome! 🙌"
    elif low.startswith(("bye", "see you", "gn")):
        answer = "Bye for now! 👋"
    elif low.startswith(
        ("ok", "k", "cool", "great", "nice", "awesome", "perfect", "lol", "haha", "👍", "🎉")
    ):
        answer = "👍"
    else:
        answer = "Hi! 👋 Tell me about a call or a deal, or type `/crm help` to see what I can do."
    return Reply(answer, [section(answer)])


# ---- help ------------------------------------------------------------------------------------------


def help_reply(ctx: Ctx, topic: str) -> Reply:
    topic = topic.strip().lower()
    cmds: list[Command] = commands()
    if topic:
        picked = [c for c in cmds if c.name.startswith(topic) or c.group.lower().startswith(topic)]
        cmds = picked or cmds
    blocks: list[Any] = [cards.header("What I can do")]
    for group, members in by_group(cmds).items():
        lines = []
        for c in members:
            line = f"`/crm {c.usage}` — {c.summary}"
            if c.examples:
                line += "\n      _e.g._ " + ", ".join(f"`/crm {e}`" for e in c.examples[:2])
            lines.append(line)
        blocks.append(section(f"*{group}*\n" + "\n".join(lines)))
    blocks.append(
        cards.context(
            "Or just write to me in a DM or mention me: “had a call with Jane at Acme, she wants pricing by "
            "Friday”. Add `share` to post an answer in the channel."
        )
    )
    return Reply("What I can do: " + ", ".join(c.name for c in cmds), blocks[:50])


# ---- built-in verbs: the subcommand forms are the parser's fast path, so they route the whole text ---


def _verb(name: str, usage: str, doc: str, examples: list[str], group: str) -> None:
    def run(ctx: Ctx, args: str) -> Reply:
        text = f"{name} {args}".strip()
        local_now = ctx.now().astimezone(zone(ctx.tz))
        intent = parse_command(text, user=ctx.user_id, now=local_now) or understand(ctx, text)
        if intent.get("intent") in (None, "unknown"):
            return wrong_form(name, usage, examples, args)
        problem_text = check_typed_values(name, args, intent)
        if problem_text:
            return wrong_form(name, usage, examples, args, problem_text)
        return execute(ctx, intent)

    run.__doc__ = doc
    run.__name__ = "verb_" + name.replace(" ", "_")
    command(name, usage=usage, examples=examples, group=group, builtin=True)(run)


EMAILISH = re.compile(r"(?<![<|\w])[^\s<>|,;()]+@[^\s<>|,;()]+")


def check_typed_values(verb: str, args: str, intent: dict[str, Any]) -> str | None:
    """What a subcommand was given but the parser could not take: said back instead of dropped."""
    slots = intent.get("slots") or {}
    if verb.startswith("contact"):
        for token in EMAILISH.findall(re.sub(r"<mailto:[^>]*>|<@[^>]*>", " ", args)):
            if token.strip(".").lower() != str(slots.get("email") or "").lower():
                return f"“{esc(token)}” is not an email address. Write it like jane@acme.com."
    if verb.startswith("deal"):
        m = re.search(r"\bstage\s+(\S+)", args, re.I)
        if m and not slots.get("stage"):
            return f"“{esc(m.group(1))}” is not a pipeline stage. Stages: " + ", ".join(STAGES) + "."
        for token in re.findall(r"(?<!\S)[$€£]\S+", args):
            if amount(token.rstrip(".,;")) is None:
                return f"“{esc(token)}” is not an amount. Write it like 50000, $50k or 1.2M."
    for token in re.findall(r"\b\d{4}-\d{1,2}-\d{1,2}\b", args):
        try:
            date.fromisoformat(token)
        except ValueError:
            return f"“{esc(token)}” is not a date. Write it like 2026-12-15, “friday” or “tomorrow 3pm”."
    return None


def wrong_form(
    verb: str, usage: str, examples: list[str], args: str, problem_text: str | None = None
) -> Reply:
    what = problem_text or (
        f"`{esc(verb)}` needs more than that."
        if not args.strip()
        else f"I couldn't read “{esc(args)}” as `{esc(verb)}`."
    )
    hint = f"The form is `/crm {usage}`" + (f", e.g. `/crm {examples[0]}`" if examples else "")
    return Reply(f"{what} {hint}", cards.problem_md(what, hint))


_verb(
    "contact add",
    "contact add NAME [EMAIL] [PHONE] [at COMPANY]",
    "Add a contact; warns when it looks like someone you already have.",
    ["contact add Jane Doe jane@acme.com at Acme Corp"],
    "Contacts",
)
_verb(
    "contact find",
    "contact find NAME|EMAIL|COMPANY",
    "Find contacts; typos are fine.",
    ["contact find jane"],
    "Contacts",
)
_verb(
    "contact show",
    "contact show NAME",
    "A contact with recent interactions, open deals and tasks.",
    ["contact show Jane Doe"],
    "Contacts",
)
_verb(
    "contact edit",
    "contact edit NAME field=value …",
    "Change a contact's name, email, phone, company, title or lifecycle.",
    ['contact edit Jane Doe title="VP Sales" lifecycle=customer'],
    "Contacts",
)
_verb(
    "log",
    "log call|email|meeting|note|message with NAME [at COMPANY]: SUMMARY",
    "Log an interaction on a contact, company or deal, with an optional follow-up.",
    ["log call with Jane Doe: discussed pricing, follow up Friday", "log note on Initech: budget freeze"],
    "Interactions",
)
_verb(
    "deal add",
    "deal add TITLE [AMOUNT] [stage STAGE] [closing DATE]",
    "Add a deal to the pipeline.",
    ["deal add Acme renewal $50k closing Dec 15"],
    "Deals",
)
_verb(
    "deal move",
    "deal move DEAL to STAGE",
    "Move a deal to a stage (lead, qualified, demo, proposal, negotiation, won, lost).",
    ["deal move Acme renewal to proposal"],
    "Deals",
)
_verb(
    "deal amount",
    "deal amount DEAL AMOUNT",
    "Change a deal's amount.",
    ["deal amount Acme renewal 65k"],
    "Deals",
)
_verb(
    "deal close",
    "deal close DEAL DATE",
    "Change a deal's close date.",
    ["deal close Acme renewal 2026-12-15"],
    "Deals",
)
_verb(
    "deal show",
    "deal show DEAL",
    "A deal's stage, amount, close date and people.",
    ["deal show Acme renewal"],
    "Deals",
)
_verb(
    "deals",
    "deals [mine|team|STAGE|@someone]",
    "List open deals: yours, the team's, or one stage.",
    ["deals mine", "deals proposal"],
    "Deals",
)
_verb(
    "task add",
    "task add TITLE [for @someone] [DUE]",
    "Add a task for yourself or someone else; the due date is read in your time zone.",
    ["task add call Jane tomorrow 3pm", "task add send contract for @bob by Friday"],
    "Tasks",
)
_verb("task done", "task done TASK", "Mark a task done.", ["task done call Jane"], "Tasks")
_verb(
    "tasks",
    "tasks [today|overdue|week] [@someone]",
    "Open tasks: yours or someone's, all or due today, overdue, this week.",
    ["tasks overdue", "tasks week @bob"],
    "Tasks",
)
_verb(
    "pipeline",
    "pipeline [team|@someone]",
    "Count and amount of deals per stage, for you or the team.",
    ["pipeline", "pipeline team share"],
    "Pipeline",
)
_verb("undo", "undo", "Undo your last change.", [], "Other")


@command("help", usage="help [TOPIC]", examples=["help deals"], group="Other", builtin=True)
def help_verb(ctx: Ctx, args: str) -> Reply:
    """This list; `help deals` shows one part of it."""
    return help_reply(ctx, args)


# ---- intent handlers ---------------------------------------------------------------------------------


def _edit(intent: str, slots: dict[str, Any], mode: str, labels: dict[str, str], **ids: int | None) -> Any:
    value = {"i": intent, "s": slots, "m": mode, "l": labels, "ids": {k: v for k, v in ids.items() if v}}
    return button("Edit", action_ids.EDIT, value)


def _deal_slots(d: Any) -> dict[str, Any]:
    return {
        "deal": d.id,
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
        label = "company" if key == "company_id" else key
        if key == "company_id":
            old, new = "…" if old else "—", c.company or "—"
        lines.append(f"• {label}: {esc(old or '—')} → {esc(new or '—')}")
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
    )
    return interaction_written(ctx, w, "Logged")


def interaction_written(ctx: Ctx, w: Written, verb: str) -> Reply:
    i = w.interaction
    assert i is not None
    t = w.task
    who = " at ".join(f"*{esc(x)}*" for x in (i.contact, i.company) if x) or f"*{esc(i.deal or '—')}*"
    headline = (
        f"{cards.KIND_ICON.get(i.kind, '•')} {verb} a {i.kind} with {who} · {when(i.occurred_at, ctx.tz)}"
    )
    lines = [f">{esc(i.summary)}"] if i.summary else []
    if t is not None:
        lines.append(
            f"☐ Follow-up: *{esc(t.title)}* · due {due_text(t.due_date, t.due_at, ctx.tz)} · {user(t.assignee_slack_id)}"
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
    text = f"{verb} a {i.kind} with {i.contact or i.company or i.deal}" + (
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
            was = money(Decimal(str(old)), d.currency) if old is not None else "—"
            lines.append(f"• amount: {was} → {money(d.amount, d.currency)}")
        elif key == "close_date":
            was = day(date.fromisoformat(str(old))) if old else "—"
            lines.append(f"• close date: {was} → {day(d.close_date)}")
        elif key in ("title", "currency"):
            lines.append(f"• {key}: {esc(old)} → {esc(new)}")
        elif key == "owner_id":
            lines.append(f"• owner → {user(d.owner_slack_id)}")
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
    }
    blocks = cards.written(
        f"☐ Task *{esc(t.title)}* for {who} · due {due_text(t.due_date, t.due_at, ctx.tz)}"
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
    return Reply(f"{title}: {len(tasks)}", cards.task_list(title, tasks, ctx.tz))


@intent_handler("pipeline_summary", builtin=True)
def pipeline_summary(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    owner = slots.get("owner")
    p = ctx.crm.pipeline(ctx.actor, owner=owner)
    title = "Your pipeline" if owner == ctx.user_id else "Pipeline" if not owner else "Pipeline of a teammate"
    blocks = cards.pipeline(p, title)
    if owner and owner != ctx.user_id:
        blocks.insert(1, section(f"Deals owned by {user(owner)}"))
    return Reply(f"{title}: {p.open_count} open deals, {money(p.open_amount, p.currency)}", blocks)


@intent_handler("help", builtin=True)
def help_intent(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    return help_reply(ctx, "")


@intent_handler("unknown", builtin=True)
def unknown_intent(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    return unknown(ctx)


@intent_handler("undo", builtin=True)
def undo_last(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    op_id = slots.get("op") or ctx.crm.last_op(ctx.actor)
    if not op_id:
        return Reply.say("There is nothing of yours to undo.")
    done = ctx.crm.undo(ctx.actor, op_id)
    return Reply("Undone: " + "; ".join(done.summary), cards.undone(done.summary))


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
    )
    t = w.task
    assert t is not None
    headline = (
        f"☐ Updated task *{esc(t.title)}* for {user(t.assignee_slack_id)} · due "
        f"{due_text(t.due_date, t.due_at, ctx.tz)}"
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
