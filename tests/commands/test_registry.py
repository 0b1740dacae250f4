from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.commands.registry import Ctx, Reply, command, commands, lookup, unregister


@pytest.fixture
def verbs() -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        unregister(name)


def test_a_verb_is_found_by_its_longest_name_and_documented_by_its_docstring(verbs: list[str]) -> None:
    verbs += ["zz thing", "zz thing show"]

    @command("zz thing", usage="zz thing NAME", examples=["zz thing one"], group="Other")
    def thing(ctx: Ctx, args: str) -> Reply:
        """Do a thing.

        More words that are not the summary."""
        return Reply.say(args)

    @command("zz thing show", usage="zz thing show NAME", group="Other", aliases=["zz t"])
    def show(ctx: Ctx, args: str) -> Reply:
        """Show a thing."""
        return Reply.say(args)

    found = lookup("ZZ thing show  Big One")
    assert found is not None and found[0].func is show and found[1] == "Big One"
    found = lookup("zz thing one")
    assert found is not None and found[0].func is thing and found[1] == "one"
    assert lookup("zz t x") is not None and lookup("zz t x")[0].func is show  # type: ignore[index]
    (doc,) = [c for c in commands() if c.name == "zz thing"]
    assert (doc.summary, doc.usage, doc.examples) == ("Do a thing.", "zz thing NAME", ("zz thing one",))


def test_a_builtin_never_replaces_a_verb_another_module_registered(verbs: list[str]) -> None:
    verbs.append("zz mine")

    @command("zz mine", usage="zz mine")
    def theirs(ctx: Ctx, args: str) -> Reply:
        """Theirs."""
        return Reply.say("theirs")

    @command("zz mine", usage="zz mine", builtin=True)
    def builtin(ctx: Ctx, args: str) -> Reply:
        """Built in."""
        return Reply.say("builtin")

    assert lookup("zz mine")[0].func is theirs  # type: ignore[index]


def test_replies_add_up() -> None:
    ran: list[str] = []
    both = Reply.say("a", after=[lambda: ran.append("a")]) + Reply.say("b", share=True)
    assert both.text == "a\nb" and len(both.blocks) == 2 and both.share is True and len(both.after) == 1
