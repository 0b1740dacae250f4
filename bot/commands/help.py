"""``/crm help``, built from the registered verbs: each verb's usage, help line and examples, by group."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from bot.blocks import cards
from bot.blocks.common import esc, section
from bot.commands.registry import Command, Reply, by_group, commands

# A help line may name the workspace's pipeline stages with this; they are its own, from the database.
STAGES_MARK = "{stages}"
# What one section of the help holds (Slack's limit on a section's text is 3,000 characters).
SECTION_MAX = 2900


def help_reply(topic: str, stages: Sequence[str] = ()) -> Reply:
    """``stages``: the workspace's pipeline stages, for the help lines that name them."""
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
            summary = c.summary.replace(STAGES_MARK, ", ".join(stages) or "see `/crm pipeline`")
            line = f"`/crm {c.usage}` — {summary}"
            if c.examples:
                line += "\n      _e.g._ " + ", ".join(f"`/crm {e}`" for e in c.examples[:2])
            lines.append(line)
        # Slack cuts a section's text at 3,000 characters: a long group goes on in another section.
        chunk = f"*{group}*"
        for line in lines:
            if len(chunk) + 1 + len(line) > SECTION_MAX:
                blocks.append(section(chunk))
                chunk = line
            else:
                chunk += "\n" + line
        blocks.append(section(chunk))
    blocks.append(
        cards.context(
            "Or just write to me in a DM or mention me: “had a call with Jane at Acme, she wants pricing by "
            "Friday”. Add `share` to post an answer in the channel."
        )
    )
    return Reply("What I can do: " + ", ".join(c.name for c in cmds), blocks[:50])


def unknown_topic(topic: str, cmds: list[Command]) -> Reply:
    """`/crm help frob`: say the topic is unknown (not the whole list as if it were understood)."""
    topics = list(by_group(cmds))
    names = [t.lower() for t in topics] + sorted({c.name for c in cmds})
    close = difflib.get_close_matches(topic, names, n=1, cutoff=0.5)
    what = f"There's no help topic “{esc(topic[:60])}”."
    hint = (f"Did you mean `/crm help {close[0]}`? " if close else "") + (
        "Topics: " + ", ".join(t.lower() for t in topics) + ", or a command such as `deal add`."
    )
    return Reply(f"{what} {hint}", cards.problem_md(what, hint))


def unknown_subcommand(text: str, group: str) -> Reply:
    """`/crm contact frob`: what was not understood, and the forms that work for that kind of record."""
    forms = [f"`/crm {c.usage}`" for c in commands() if c.group == group]
    what = f"I don't know how to do “{esc(text)}”."
    hint = f"{group} forms:\n" + "\n".join(forms)
    return Reply(f"{what} {hint}", cards.problem_md(what, hint))
