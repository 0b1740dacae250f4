"""The ``/crm`` command registry: verbs are declared here, routed from here, and ``help`` is built from it.

A verb is a function that receives the request context and the text after the verb, and returns a
:class:`Reply`. Its usage line, the first paragraph of its docstring and its examples are the help text,
so documenting a command and registering it are the same act. Any module can add verbs::

    from bot.commands import Ctx, Reply, command

    @command(
        "subscribe",
        usage="subscribe #channel daily 09:00",
        examples=["subscribe #sales weekly mon 08:30"],
        group="Pipeline",
    )
    def subscribe(ctx: Ctx, args: str) -> Reply:
        '''Post the pipeline summary to a channel every day or week, at a time in your zone.'''
        ...
        return Reply.say("Subscribed #sales to the daily summary at 09:00.")

Rules for a verb function:

- ``args`` is the text after the verb with the share flag (``share`` / ``in channel``) already removed;
  ``ctx.share`` tells whether the person asked for the answer to be posted in the channel.
- It runs after Slack's ack, in a worker thread: it may use the database (``ctx.crm`` / ``ctx.sessions``)
  and the Web API (``ctx.client``), and must not keep sessions across calls.
- Slow extras that the answer does not need (uploading a chart) go in ``Reply.after``: they run once the
  reply has been posted, so the person reads the answer first.
- Bad input: raise a ``bot.services.errors.DomainError`` with a code and its data (``Invalid(code,
  field=…, …)`` for the right form), and give the code its words in :mod:`bot.blocks.messages`. The caller
  renders it as a short message; an unexpected exception becomes a generic apology, never a traceback in
  Slack.
- The module that registers must be imported before the first request: the built-in verbs come from the
  intent specs (:mod:`bot.intents`, installed by ``bot.app.create_app``), and every listener module that
  ``create_app`` lists is imported before the app starts, so a verb registered there is always in place.

Names may be several words (``deal show``); the longest registered name that starts the text wins.
Registering a name twice replaces the earlier verb, except that a built-in never replaces a verb another
module registered (so import order does not matter).

Intents are answered by the handler of their spec (:mod:`bot.intents`). Another module may take over one
intent with :func:`intent_handler` (e.g. ``pipeline_summary``); the spec's questions and read-back still
apply::

    @intent_handler("pipeline_summary")
    def pipeline(ctx: Ctx, slots: dict) -> Reply: ...
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import Block

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.runtime import Services
    from bot.services import CRM, Actor

log = logging.getLogger(__name__)


@dataclass
class Ctx:
    """One request as a command or intent handler sees it."""

    services: Services
    actor: Actor
    team_id: str
    user_id: str
    channel_id: str | None = None
    channel_name: str | None = None
    client: WebClient | None = None
    # command | dm | mention | action | view | home | console
    source: str = "command"
    share: bool = False
    text: str = ""
    # A report's figures, read once per request: its chart draws what the reply showed.
    figures: dict[tuple[Any, ...], Any] = field(default_factory=dict)

    @property
    def crm(self) -> CRM:
        return self.services.crm

    @property
    def sessions(self) -> Any:
        return self.services.sessions

    @property
    def settings(self) -> Any:
        return self.services.settings

    @property
    def tz(self) -> str:
        return self.actor.tz

    def now(self) -> datetime:
        return self.services.now()


@dataclass
class Reply:
    """What the bot answers: fallback text, Block Kit blocks, and where it goes."""

    text: str
    blocks: list[Block] = field(default_factory=list)
    # None: follow the request (ephemeral unless the person asked to share).
    share: bool | None = None
    # For button presses: replace the message the button was on instead of adding one.
    replace: bool = False
    # Slow extras (a chart upload) run once the reply is posted, so the person reads the answer first.
    after: list[Callable[[], None]] = field(default_factory=list)

    @classmethod
    def say(cls, text: str, **kwargs: Any) -> Reply:
        from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

        return cls(text, [SectionBlock(text=MarkdownTextObject(text=text))], **kwargs)

    def blocks_json(self) -> list[dict[str, Any]]:
        return [b.to_dict() for b in self.blocks]

    def __add__(self, other: Reply) -> Reply:
        return Reply(
            f"{self.text}\n{other.text}",
            [*self.blocks, *other.blocks],
            self.share if self.share is not None else other.share,
            self.replace or other.replace,
            [*self.after, *other.after],
        )


CommandFunc = Callable[[Ctx, str], Reply]
IntentFunc = Callable[[Ctx, dict[str, Any]], Reply]
PhraseFunc = Callable[[Ctx, str], "Reply | None"]


@dataclass(frozen=True)
class Command:
    name: str
    func: CommandFunc
    usage: str
    summary: str
    examples: tuple[str, ...] = ()
    group: str = "Other"
    aliases: tuple[str, ...] = ()
    builtin: bool = False
    hidden: bool = False


GROUPS = ("Contacts", "Companies", "Interactions", "Deals", "Tasks", "Pipeline", "Other")
# The word a group's forms start with ("contact frob" is a Contacts form the bot does not know).
NOUNS = {
    "company": "Companies",
    "contact": "Contacts",
    "deal": "Deals",
    "task": "Tasks",
    "log": "Interactions",
    "pipeline": "Pipeline",
}
_COMMANDS: dict[str, Command] = {}
_NAMES: dict[str, str] = {}  # every name and alias → command name
_INTENTS: dict[str, tuple[IntentFunc, bool]] = {}
_PHRASES: list[PhraseFunc] = []


def _key(name: str) -> str:
    return " ".join(name.lower().split())


def _summary(func: Callable[..., Any]) -> str:
    doc = inspect.getdoc(func) or ""
    return " ".join(doc.split("\n\n", 1)[0].split())


def command(
    name: str,
    *,
    usage: str,
    examples: Sequence[str] = (),
    group: str = "Other",
    aliases: Sequence[str] = (),
    builtin: bool = False,
    hidden: bool = False,
    summary: str | None = None,
) -> Callable[[CommandFunc], CommandFunc]:
    """Register a ``/crm`` verb; its help line is ``summary``, or else the function's docstring."""

    def decorate(func: CommandFunc) -> CommandFunc:
        key = _key(name)
        existing = _COMMANDS.get(key)
        if existing is not None and builtin and not existing.builtin:
            return func
        cmd = Command(
            key,
            func,
            usage,
            summary if summary is not None else _summary(func),
            tuple(examples),
            group if group in GROUPS else "Other",
            tuple(_key(a) for a in aliases),
            builtin,
            hidden,
        )
        if existing is not None and existing.func is not func:
            log.info("command %r replaced by %s.%s", key, func.__module__, func.__qualname__)
            for alias, target in list(_NAMES.items()):
                if target == key:
                    del _NAMES[alias]
        _COMMANDS[key] = cmd
        for alias in (key, *cmd.aliases):
            _NAMES[alias] = key
        return func

    return decorate


def unregister(name: str) -> None:
    """Remove a verb (tests register throwaway ones)."""
    key = _key(name)
    _COMMANDS.pop(key, None)
    for alias, target in list(_NAMES.items()):
        if target == key:
            del _NAMES[alias]


def intent_handler(intent: str, *, builtin: bool = False) -> Callable[[IntentFunc], IntentFunc]:
    """Take over how an intent becomes a service call and a reply, in place of its spec's handler."""

    def decorate(func: IntentFunc) -> IntentFunc:
        existing = _INTENTS.get(intent)
        if existing is not None and builtin and not existing[1]:
            return func
        _INTENTS[intent] = (func, builtin)
        return func

    return decorate


def phrase_handler(func: PhraseFunc) -> PhraseFunc:
    """Register a reading of a whole message that the bot takes before the message parser: for requests
    the shared NLU contract has no intent for (a standing order for the summary), so that the parser's
    output stays the contract's. It returns None when the message is not its kind."""
    if func not in _PHRASES:
        _PHRASES.append(func)
    return func


def phrase_handlers() -> list[PhraseFunc]:
    return list(_PHRASES)


def get_intent_handler(intent: str) -> IntentFunc | None:
    """The handler another module put in place of the spec's, if any."""
    found = _INTENTS.get(intent)
    return found[0] if found else None


def lookup(text: str) -> tuple[Command, str] | None:
    """The verb that starts ``text`` (longest registered name wins) and the rest of the text."""
    words = text.strip().split()
    lowered = [w.lower() for w in words]
    for n in range(min(len(words), 4), 0, -1):
        name = _NAMES.get(" ".join(lowered[:n]))
        if name is not None:
            rest = re.split(r"\s+", text.strip(), maxsplit=n)
            return _COMMANDS[name], rest[n] if len(rest) > n else ""
    return None


def commands(*, include_hidden: bool = False) -> list[Command]:
    cmds = [c for c in _COMMANDS.values() if include_hidden or not c.hidden]
    return sorted(cmds, key=lambda c: (GROUPS.index(c.group), c.name))


def by_group(cmds: Iterable[Command] | None = None) -> dict[str, list[Command]]:
    grouped: dict[str, list[Command]] = {}
    for cmd in cmds if cmds is not None else commands():
        grouped.setdefault(cmd.group, []).append(cmd)
    return grouped
