"""The built-in ``/crm`` verbs. The subcommand forms are the parser's fast path: each verb routes the whole
text through :func:`bot.nlu.commands.parse_command` and :func:`bot.nlu.parse`, and its docstring, usage and
examples are its line in ``/crm help``. What a form was given but the parser could not take (a malformed
email, date or amount, an unknown stage) is said back with the form instead of being dropped.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.blocks import cards
from bot.blocks.common import esc
from bot.commands.registry import (
    Ctx,
    Reply,
    command,
)
from bot.commands.values import malformed_value
from bot.intents import execute, help_reply, understand
from bot.nlu.commands import STAGES, amount, parse_command
from bot.services.timeutil import zone

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


# "jane@acme.com", and the half-typed "jane@" that must not be dropped as nothing.
EMAILISH = re.compile(r"(?<![<|\w])[^\s<>|,;()@]+@[^\s<>|,;()]*")
# A run of words made only of digits and phone punctuation: "555-12", "+1 (415) 555-0100".
PHONEISH = re.compile(r"(?<!\S)\+?[\d(][\d().\-]*(?:\s+[\d(][\d().\-]*)*(?!\S)")


def check_typed_values(verb: str, args: str, intent: dict[str, Any]) -> str | None:
    """What a subcommand was given but the parser could not take: said back instead of dropped."""
    slots = intent.get("slots") or {}
    problem = malformed_value(args, intent)
    if problem:
        return problem
    if verb.startswith("contact"):
        # Finding or showing someone by their address is a search, not a new address to check.
        looked_up = {
            str(slots.get(s) or "").lower()
            for s in ("email", "query", "contact")
            if verb != "contact add" or s == "email"
        }
        for token in EMAILISH.findall(re.sub(r"<mailto:[^>]*>|<@[^>]*>", " ", args)):
            if token.strip(".").lower() not in looked_up:
                return f"“{esc(token)}” is not an email address. Write it like jane@acme.com."
    if verb == "contact add":
        taken = " ".join(str(v) for v in slots.values() if isinstance(v, str))
        for token in PHONEISH.findall(args):
            # Digits in a company's name stay ("Studio 54"); a company that is nothing but them is a bad
            # phone number read as one ("555-12").
            if token not in taken or token == str(slots.get("company") or "").strip():
                return f"“{esc(token)}” is not a phone number. Write it like +1 415 555 0100."
    if verb.startswith("deal"):
        m = re.search(r"\bstage\s+(\S+)", args, re.I)
        if verb == "deal move" and not m:
            m = re.search(r"\bto\s+(\S+)\s*$", args, re.I)
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
    "List open deals: yours, the team's, or the team's in one stage.",
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
    "pipeline [team|mine|@someone]",
    "Count and amount of deals per stage: the team's (the default), yours or someone's.",
    ["pipeline", "pipeline team share"],
    "Pipeline",
)
_verb("undo", "undo", "Undo your last change.", [], "Other")
_verb(
    "role",
    "role @someone rep|manager|admin",
    "Give someone a role (admins only); `/crm role` lists who has which, `/crm role @someone` shows theirs.",
    ["role @cat manager", "role"],
    "Other",
)


@command("help", usage="help [TOPIC]", examples=["help deals"], group="Other", builtin=True)
def help_verb(ctx: Ctx, args: str) -> Reply:
    """This list; `help deals` shows one part of it."""
    return help_reply(ctx, args)
