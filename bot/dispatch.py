"""Where an intent becomes one service call and a rendered reply: shared by /crm, DMs, mentions, buttons and
forms.

``handle_text`` is the entry for anything a person typed. It tries, in order: a registered verb
(:mod:`bot.commands.registry`), the readings of whole messages other modules registered, the exact extra
forms of :mod:`bot.nlu.commands`, then the message parser (:func:`bot.nlu.parse`). ``execute`` decides
whether to act or to ask first: a write with low confidence, a missing required slot or an ambiguous
reference gets a question (buttons or a prefilled modal) and nothing is written until it is answered;
otherwise the intent's handler makes one service call and renders the card.

What each intent is (whether it writes, what it asks, how it reads back, its form and handler) is its spec
(:class:`bot.spec.IntentSpec`); the specs are declared in :mod:`bot.intents`, which installs them here.
This module imports no intent module, so the intent modules and the Slack listeners both import it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.blocks import cards
from bot.blocks.common import esc, section
from bot.blocks.messages import describe, too_long, yes_label
from bot.blocks.modals import Form
from bot.commands.help import help_reply, unknown_subcommand
from bot.commands.registry import (
    NOUNS,
    CommandFunc,
    Ctx,
    IntentFunc,
    Reply,
    commands,
    get_intent_handler,
    lookup,
    phrase_handlers,
)
from bot.commands.values import check_typed_values, malformed_value, stage_as_written
from bot.nlu import parse
from bot.nlu.classifier import shipped as intent_model
from bot.nlu.commands import parse_command, split_share
from bot.nlu.leftovers import unplaced
from bot.nlu.parser import MAX_CHARS
from bot.services.errors import Ambiguous, AskFirst, DomainError, NotFound, PossibleDuplicate
from bot.services.timeutil import zone

if TYPE_CHECKING:
    from bot.spec import IntentSpec, Verb

log = logging.getLogger(__name__)

# Below this the bot reads a write back to the person before doing it.
CONFIDENT = 0.7
SMALL_TALK = re.compile(
    r"^(?:hi|hey|hello|hiya|yo|howdy|good (?:morning|afternoon|evening)|thanks?(?: you)?(?: so much)?|thx|ty|"
    r"cheers|ok(?:ay)?|k|cool|great|nice|awesome|perfect|lol|haha|how are you(?: doing)?|what'?s up|bye|"
    r"see you|gm|gn|👍|🙏|🎉|:\w+:)[\s!.?,]*(?:bot|crm)?[\s!.?]*$",
    re.I,
)
# The slots an unresolved reference may name (a choice between candidates fills that slot).
SLOT_KINDS = {"contact", "company", "deal", "task"}

_SPECS: dict[str, IntentSpec] = {}


# ---- the specs -------------------------------------------------------------------------------------


def install(specs: Iterable[IntentSpec]) -> None:
    """Answer intents with these specs (``bot.intents.install`` calls this once the families are read)."""
    table = {s.name: s for s in specs}
    _SPECS.clear()
    _SPECS.update(table)


def spec_of(name: str) -> IntentSpec | None:
    if not _SPECS:
        # Every intent would read as "not understood": a start that skipped bot.intents.install.
        raise RuntimeError("no intent specs installed: call bot.intents.install() before answering anyone")
    return _SPECS.get(name)


def writes(name: str) -> bool:
    spec = spec_of(name)
    return spec is not None and spec.writes


def form_of(name: str, variant: str | None = None) -> Form | None:
    """The form that completes or edits ``name``, if it has one; ``variant`` "new": the one a shortcut
    opens for a new record."""
    spec = spec_of(name)
    if spec is None:
        return None
    return (spec.new_form or spec.form) if variant == "new" else spec.form


def handler_of(name: str) -> IntentFunc | None:
    spec = spec_of(name)
    return get_intent_handler(name) or (spec.handler if spec is not None else None)


# ---- entry points ----------------------------------------------------------------------------------


def handle_text(ctx: Ctx, text: str) -> Reply:
    """Anything a person typed to the bot, answered."""
    if len(text.strip()) > MAX_CHARS:
        # The parser reads only the first MAX_CHARS characters: acting on the part it read could
        # store a note cut short without anyone knowing.
        message = f"The message is {too_long(len(text.strip()), MAX_CHARS)} Nothing was saved."
        return Reply(message, cards.problem(message, "Shorten it, or log a long note in parts."))
    # A bare trailing "share" after a question in words shares its answer; a leading one ("share the
    # pipeline report in #sales every friday") is more often the request itself.
    tail = re.search(r"(?i)\bshare[\s.!]*$", text.strip()) is not None
    text, share = split_share(
        text, lambda rest: lookup(rest) is not None or (tail and answers_only(ctx, rest))
    )
    ctx.share = ctx.share or share
    ctx.text = text
    if not text:
        return help_reply("", stage_keys(ctx))
    if SMALL_TALK.match(text):
        return small_talk(text)
    found = lookup(text)
    if found is not None:
        cmd, args = found
        return guarded(ctx, lambda: cmd.func(ctx, args))
    return guarded(ctx, lambda: run_text(ctx, text))


def answers_only(ctx: Ctx, text: str) -> bool:
    """Whether ``text`` reads as a question the bot answers (a report, a list), writing nothing: a bare
    "share" beside it asks for the answer in the channel, as after a command ("what's our win rate this
    quarter share"); beside a write ("share the deck with Jane") it is part of the request."""
    intent = parse_command(text, user=ctx.user_id, now=ctx.now().astimezone(zone(ctx.tz))) or parse(
        text, now=ctx.now().astimezone(zone(ctx.tz)), tz=ctx.tz, user=ctx.user_id
    )
    name = str(intent.get("intent") or "unknown")
    return name not in ("unknown", "invalid") and spec_of(name) is not None and not writes(name)


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
    if writes(str(intent.get("intent"))):
        problem = malformed_value(text, intent, local_now.date())
        if problem:
            return Reply(
                problem, cards.problem_md(problem, "Nothing was saved; send it again with that fixed.")
            )
    return execute(ctx, intent)


def verb_runner(verb: Verb) -> CommandFunc:
    """How a spec's verb runs: its own function, or else the whole text read as the verb's form."""
    if verb.run is not None:
        return verb.run

    def run(ctx: Ctx, args: str) -> Reply:
        return run_verb(ctx, verb, args)

    run.__name__ = "verb_" + verb.name.replace(" ", "_")
    return run


def verb_of(name: str) -> Verb | None:
    """The installed spec verb called ``name`` (``contact add``)."""
    return next((v for s in _SPECS.values() for v in s.verbs if v.name == name), None)


def run_verb(ctx: Ctx, verb: Verb, args: str, extra: dict[str, Any] | None = None) -> Reply:
    """The subcommand forms are the parser's fast path, so a verb routes its whole text through
    :func:`bot.nlu.commands.parse_command` and :func:`bot.nlu.parse`; what it was given but the parser
    could not take (a malformed email, date or amount, an unknown stage) is said back with the form.
    ``extra``: slots read before the parser (``field=value`` pairs), added to what it read."""
    text = f"{verb.name} {args}".strip()
    local_now = ctx.now().astimezone(zone(ctx.tz))
    intent = parse_command(text, user=ctx.user_id, now=local_now) or understand(ctx, text)
    if intent.get("intent") in (None, "unknown"):
        return wrong_form(verb, args)
    intent = stage_as_written(verb.name, args, intent)
    problem_text = check_typed_values(
        verb.name, args, intent, lambda: stage_keys(ctx), ctx.now().astimezone(zone(ctx.tz)).date()
    )
    if problem_text:
        return wrong_form(verb, args, problem_text)
    if extra:
        intent = {**intent, "slots": {**(intent.get("slots") or {}), **extra}}
    return execute(ctx, intent)


def stage_keys(ctx: Ctx) -> list[str]:
    """The workspace's pipeline stages as they are typed, in pipeline order (from its database rows)."""
    return [key for key, _name, _closed in ctx.crm.stages(ctx.actor)]


# Slack's wire markup for what the person picked, as they saw it when typing: <#C1|sales> → #sales,
# <@U1|bob> → @bob, <!here> → @here, <https://x|x> → https://x.
_WIRE = re.compile(r"<([#@!])([^|>]*)(?:\|([^>]*))?>|<((?:https?|mailto):[^|>]*)(?:\|[^>]*)?>")


def as_typed(text: str) -> str:
    def typed(m: re.Match[str]) -> str:
        if m.group(4):
            return m.group(4).removeprefix("mailto:")
        sign, ref, label = m.group(1), m.group(2), m.group(3)
        return ("#" if sign == "#" else "@") + (label or ref)

    return _WIRE.sub(typed, text)


def wrong_form(verb: Verb, args: str, problem_text: str | None = None) -> Reply:
    what = problem_text or (
        f"`{esc(verb.name)}` needs more than that."
        if not args.strip()
        else f"I couldn't read “{esc(as_typed(args))}” as `{esc(verb.name)}`."
    )
    hint = f"The form is `/crm {verb.usage}`" + (f", e.g. `/crm {verb.examples[0]}`" if verb.examples else "")
    return Reply(f"{what} {hint}", cards.problem_md(what, hint))


def understand(
    ctx: Ctx, text: str, *, at: datetime | None = None, writer: str | None = None
) -> dict[str, Any]:
    """The parser's reading of a message, in the sender's zone and at the sender's now; ``at`` and
    ``writer`` read a message written earlier by someone else ("I'll send it tomorrow", a shortcut on it)."""
    local_now = (at or ctx.now()).astimezone(zone(ctx.tz))
    result = dict(parse(text, now=local_now, tz=ctx.tz, user=writer or ctx.user_id))
    slots = result.get("slots")
    if isinstance(slots, dict) and slots.get("summary"):
        result["slots"] = {**slots, "summary": keep_links(str(slots["summary"]), text)}
    party_by_email(text, result)
    left = unplaced(text, result, now=local_now, tz=ctx.tz) if writes(str(result.get("intent"))) else []
    if left:
        # "$50k CHF", "had a call with Jane tomorrow": a value the reading leaves out is named, and nothing
        # is written until the person says the reading is right
        result["unplaced"] = left
        result["confidence"] = min(float(result.get("confidence") or 0), CONFIDENT / 2)
    if writes(str(result.get("intent"))) and (text.rstrip().endswith("?") or doubted(text, result)):
        # "globex won?" is a question, and a reading the learned model finds unlikely may be the rules'
        # mistake: read it back before writing anything.
        result["confidence"] = min(float(result.get("confidence") or 0), CONFIDENT / 2)
    return result


_EMAIL = re.compile(r"<mailto:([^|>\s]+)(?:\|[^>]*)?>|(?<![\w.+-])([\w.+-]+@[\w-]+(?:\.[\w-]+)+)")
_PARTY_SLOTS = ("contact", "company", "deal")


def party_by_email(text: str, result: dict[str, Any]) -> None:
    """ "emailed jane@acme.com the contract": a logged interaction with no one named but one email address
    is with the contact of that address (found by it, like any reference with an @); the address leaves
    the summary it was read into."""
    slots = result.get("slots")
    if result.get("intent") != "log_interaction" or not isinstance(slots, dict):
        return
    if any(slots.get(k) for k in _PARTY_SLOTS):
        return
    found = {(m.group(1) or m.group(2)).lower() for m in _EMAIL.finditer(text)}
    if len(found) != 1:
        return
    (email,) = found
    summary = str(slots.get("summary") or "")
    rest = re.sub(rf"(?i)(?:^|\s){re.escape(email)}\b[\s,:;-]*", " ", summary).strip()
    result["slots"] = {**slots, "contact": email, "summary": rest or summary}


# The learned model's say: when it is this sure of another intent, and gives the rules' one next to no
# chance, the bot asks before it writes (measured on blind sets: README, "A second opinion").
SURE, UNLIKELY = 0.8, 0.05


def doubted(text: str, result: dict[str, Any]) -> bool:
    scores = intent_model().scores(text)
    other = max(scores, key=lambda k: scores[k])
    return (
        other != result.get("intent")
        and scores[other] >= SURE
        and scores.get(str(result.get("intent")), 0) < UNLIKELY
    )


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


# ---- acting on an intent ---------------------------------------------------------------------------


def guarded(ctx: Ctx, work: Callable[[], Reply]) -> Reply:
    """Run one piece of work; a domain error becomes the question or the message a person can act on."""
    try:
        return work()
    except DomainError as exc:
        return from_error(ctx, exc, None)


def execute(ctx: Ctx, intent: dict[str, Any], *, confirmed: bool = False) -> Reply:
    name = str(intent.get("intent") or "unknown")
    slots = dict(intent.get("slots") or {})
    if name == "invalid":
        return invalid_form(slots)
    handler = handler_of(name)
    if handler is None:
        return unknown(ctx)
    pending = {"intent": name, "slots": slots}
    confidence = float(intent.get("confidence", 1.0) or 0.0)
    spec = spec_of(name)
    if spec is not None and spec.writes:
        question = missing_question(spec, slots)
        if question is not None:
            text, hint = question
            return Reply(text, cards.missing(text, pending, hint))
        if not confirmed and confidence < CONFIDENT:
            left = [str(x) for x in intent.get("unplaced") or []]
            text = (
                f"I couldn't place {', '.join(f'“{esc(x)}”' for x in left)} in this, so I haven't written anything."
                " Did you mean:"
                if left
                else "I want to be sure before I write anything. Did you mean:"
            )
            return Reply(text, cards.confirm_intent(spec.describe(slots), pending, question=text))
    try:
        know_people(ctx, slots)
        return handler(ctx, slots)
    except DomainError as exc:
        return from_error(ctx, exc, pending)


def missing_question(spec: IntentSpec, slots: dict[str, Any]) -> tuple[str, str | None] | None:
    ask = spec.missing(slots)
    return None if ask is None else (ask.question, ask.hint)


def submit_form(ctx: Ctx, intent: str, mode: str, record: dict[str, Any], slots: dict[str, Any]) -> Reply:
    """A submitted intent form: an edit of what a card wrote, or a new intent made complete."""
    spec = spec_of(intent)
    edit = spec.edit if spec is not None else None
    if mode == "edit" and edit is not None and record.get(edit.key):
        return guarded(ctx, lambda: edit.run(ctx, record, slots))
    return execute(ctx, {"intent": intent, "slots": slots}, confirmed=True)


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


# ---- errors and plain answers ------------------------------------------------------------------------


def from_error(ctx: Ctx, exc: DomainError, pending: dict[str, Any] | None) -> Reply:
    message, hint = describe(exc)
    if isinstance(exc, Ambiguous) and pending is not None:
        slot = exc.kind if exc.kind in pending["slots"] or exc.kind in SLOT_KINDS else "contact"
        # A company named near one on file may be a new one: the person says which.
        new = (
            (f"New company “{exc.ref}”", {**pending["slots"], "new_company": True})
            if exc.code == "company.near"
            else None
        )
        return Reply(message, cards.ambiguous(message, exc.candidates, pending, slot, new))
    if isinstance(exc, PossibleDuplicate) and pending is not None:
        return Reply(message, cards.duplicate(exc.existing, pending["slots"], exc.kind, pending["intent"]))
    if isinstance(exc, AskFirst) and pending is not None:
        return Reply(message, cards.ask_first(message, pending, yes_label(exc)))
    if isinstance(exc, NotFound) and pending is not None:
        spec = spec_of(pending["intent"])
        offers = spec.create_offers(exc, pending["slots"]) if spec is not None else []
        return Reply(message, cards.not_found(message, hint, offers))
    return Reply(message + (f" {hint}" if hint else ""), cards.problem(message, hint))


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


# Words too common to say which command a message is close to.
_PLAIN_WORDS = (
    "a an the to of for in on at by with and or my our your his her their is are was be it this that me us "
    "i we you he she they can could would please pls set change add new show get make do does what how who "
    "all any some from into as up out now today tomorrow"
)
_PLAIN = frozenset(_PLAIN_WORDS.split())
# Words that name a report rather than the pipeline as it stands.
_REPORT_WORDS = frozenset(
    [
        "forecast",
        "funnel",
        "quota",
        "velocity",
        "leaderboard",
        "nps",
        "csat",
        "satisfaction",
        "retention",
        "win",
        "rate",
        "cycle",
    ]
)


def closest_command(text: str) -> Any:
    """The registered command whose own words ("quota", "stages", "export") the message shares most, if any:
    "set bob's quota to 100k" is close to `/crm quota`, though the parser, rightly, wrote nothing."""
    words = {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 2 and w not in _PLAIN}
    words |= {w[:-1] for w in words if w.endswith("s")}
    if words & {"show", "list", "which", "all", "where"}:
        words.add("list")  # "show me contacts where …" asks for a list, not to add one
    if words & {"every", "each", "daily", "weekly", "monthly"}:
        words.add("subscribe")
        if words & _REPORT_WORDS:
            words.add(
                "report"
            )  # "the weekly forecast": a report's standing order, not the pipeline summary's
    best, score = None, 0
    for cmd in commands():
        name = set(re.findall(r"[a-z]+", cmd.name.lower())) - _PLAIN
        own = set(re.findall(r"[a-z]+", cmd.usage.lower())) - _PLAIN
        name |= {w[:-1] for w in name if w.endswith("s")}
        own |= {w[:-1] for w in own if w.endswith("s")}
        hits = 2 * len(words & name) + len(words & own)  # the verb's own name says most
        if hits > score:
            best, score = cmd, hits
    return best


def unknown(ctx: Ctx) -> Reply:
    text = (
        "I'm not sure what to do with that. I can log calls and meetings, add contacts, deals and tasks, "
        "and show your pipeline. For example: “had a call with Jane at Acme, she wants pricing by Friday”, "
        "or type `/crm help` for everything."
    )
    near = closest_command(ctx.text) if ctx.text else None
    if near is not None:
        text = (
            f"I'm not sure what to do with that, so I haven't changed anything. The closest command is "
            f"`/crm {near.usage}`: {near.summary[:1].lower()}{near.summary[1:]} Or type `/crm help` for everything."
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


def escaped(slots: dict[str, Any]) -> dict[str, str]:
    """The plain slots, escaped for mrkdwn: what a read-back quotes."""
    return {k: esc(v) for k, v in slots.items() if not isinstance(v, dict)}
