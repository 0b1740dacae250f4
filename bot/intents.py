"""Where an intent becomes one service call and a rendered reply: shared by /crm, DMs, mentions and buttons.

``handle_text`` is the entry for anything a person typed. It tries, in order: a registered verb
(:mod:`bot.commands.registry`), the exact extra forms of :mod:`bot.nlu.commands`, then the message parser
(:func:`bot.nlu.parse`). ``execute`` decides whether to act or to ask first: a write with low confidence,
a missing required slot or an ambiguous reference gets a question (buttons or a prefilled modal) and
nothing is written until it is answered; otherwise the intent's handler (:mod:`bot.commands.records`)
makes one service call and renders the card. The built-in verbs are in :mod:`bot.commands.verbs`.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from bot.blocks import cards
from bot.blocks.common import esc, section, user
from bot.commands.registry import (
    Command,
    Ctx,
    Reply,
    by_group,
    commands,
    get_intent_handler,
    lookup,
    phrase_handlers,
)
from bot.nlu.commands import parse_command, split_share
from bot.nlu.parser import MAX_CHARS
from bot.services.errors import Ambiguous, AskFirst, DomainError, NotFound, PossibleDuplicate
from bot.services.limits import too_long
from bot.services.timeutil import zone

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
    if len(text.strip()) > MAX_CHARS:
        # The parser reads only the first MAX_CHARS characters: acting on the part it read could
        # store a note cut short without anyone knowing.
        message = f"The message is {too_long(len(text.strip()), MAX_CHARS)} Nothing was saved."
        return Reply(message, cards.problem(message, "Shorten it, or log a long note in parts."))
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
    for phrase in phrase_handlers():
        answered = phrase(ctx, text)
        if answered is not None:
            return answered
    local_now = ctx.now().astimezone(zone(ctx.tz))
    intent = parse_command(text, user=ctx.user_id, now=local_now) or understand(ctx, text)
    if intent.get("intent") == "unknown":
        noun = text.split()[0].lower().rstrip("s")
        if noun in NOUNS:
            return unknown_subcommand(text, NOUNS[noun])
    if intent.get("intent") in WRITES:
        from bot.commands.values import malformed_value

        problem = malformed_value(text, intent)
        if problem:
            return Reply(
                problem, cards.problem_md(problem, "Nothing was saved; send it again with that fixed.")
            )
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
    slots = result.get("slots")
    if isinstance(slots, dict) and slots.get("summary"):
        result["slots"] = {**slots, "summary": keep_links(str(slots["summary"]), text)}
    if result.get("intent") in WRITES and text.rstrip().endswith("?"):
        # "globex won?" is a question: read it back before writing anything.
        result["confidence"] = min(float(result.get("confidence") or 0), CONFIDENT / 2)
    return result


_LINK = re.compile(r"<((?:https?|ftp)://[^|>\s]+)\|([^>]+)>")


def keep_links(summary: str, raw: str) -> str:
    """The parser reads a link by its label ("see <https://…|click here>" is "see click here"); what is kept
    on record keeps the address too, after its label."""
    for m in _LINK.finditer(raw):
        url, label = m.group(1), m.group(2).strip()
        bare = re.sub(r"^[a-z]+://(?:www\.)?", "", url).rstrip("/")
        # A label that is the address itself ("acme.com") says it already.
        if not label or url in summary or label.rstrip("/") in (url, bare):
            continue
        summary = summary.replace(label, f"{label} ({url})", 1)
    return summary


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
    """Teammates in ``assignee``/``owner`` become Slack ids: a mention not yet seen by the bot is looked up
    in Slack and stored; a name as written ("bob", "Bob's") is found among the workspace's people, or
    the request stops with "not found" or a choice (never the sender in their place)."""
    for key in ("assignee", "owner", "person"):
        ref = slots.get(key)
        if ref is None or ref == "" or ref == ctx.user_id:
            continue
        if isinstance(ref, str) and re.fullmatch(r"[UW][A-Z0-9]+", ref):
            if ctx.crm.user(ctx.actor, ref) is None:
                from bot.slack.middleware import resolve_actor

                resolve_actor(ctx.services, ctx.client, ctx.team_id, ref)
            continue
        try:
            slots[key] = ctx.crm.teammate(ctx.actor, ref).slack_id
        except Ambiguous as exc:
            exc.kind = key  # the choice fills this slot
            raise


def from_error(ctx: Ctx, exc: DomainError, pending: dict[str, Any] | None) -> Reply:
    if isinstance(exc, Ambiguous) and pending is not None:
        slot = exc.kind if exc.kind in pending["slots"] or exc.kind in SLOT_KINDS else "contact"
        return Reply(exc.message, cards.ambiguous(exc.message, exc.candidates, pending, slot))
    if isinstance(exc, PossibleDuplicate) and pending is not None:
        return Reply(
            exc.message, cards.duplicate(exc.existing, pending["slots"], exc.kind, pending["intent"])
        )
    if isinstance(exc, AskFirst) and pending is not None:
        return Reply(exc.message, cards.ask_first(exc.message, pending, exc.yes_label))
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
    form = str(slots.get("form") or "help")
    hint = f"The form is `/crm {form}`"
    found = lookup(form)
    if found is not None:
        # The registered verb's usage and example, so this reads like `/crm help` and the verbs' own
        # errors; what the parser adds in brackets (the fields an edit takes) is kept.
        cmd = found[0]
        extra = re.search(r"\s*(\([^)]*\))\s*$", form)
        hint = f"The form is `/crm {cmd.usage}`" + (f" {extra.group(1)}" if extra else "")
        if cmd.examples:
            hint += f", e.g. `/crm {cmd.examples[0]}`"
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


def unknown_topic(topic: str, cmds: list[Command]) -> Reply:
    """`/crm help frob`: say the topic is unknown (not the whole list as if it were understood)."""
    import difflib

    topics = list(by_group(cmds))
    names = [t.lower() for t in topics] + sorted({c.name for c in cmds})
    close = difflib.get_close_matches(topic, names, n=1, cutoff=0.5)
    what = f"There's no help topic “{esc(topic[:60])}”."
    hint = (f"Did you mean `/crm help {close[0]}`? " if close else "") + (
        "Topics: " + ", ".join(t.lower() for t in topics) + ", or a command such as `deal add`."
    )
    return Reply(f"{what} {hint}", cards.problem_md(what, hint))


def help_reply(ctx: Ctx, topic: str) -> Reply:
    topic = topic.strip().lower()
    cmds: list[Command] = commands()
    if topic:
        picked = [c for c in cmds if c.name.startswith(topic) or c.group.lower().startswith(topic)]
        if not picked:
            return unknown_topic(topic, cmds)
        cmds = picked
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


# The built-in verbs and intent handlers register themselves when imported.
import bot.commands.history  # noqa: E402, F401
import bot.commands.not_yet  # noqa: E402, F401
import bot.commands.records  # noqa: E402
import bot.commands.reports  # noqa: E402, F401
import bot.commands.verbs  # noqa: E402, F401


def __getattr__(name: str) -> Any:
    """Intent handlers by their old address (``from bot.intents import pipeline_summary``)."""
    try:
        return getattr(bot.commands.records, name)
    except AttributeError:
        raise AttributeError(f"module 'bot.intents' has no attribute {name!r}") from None
