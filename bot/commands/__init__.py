"""``/crm`` verbs, the help built from them and the checks of what was typed; see
:mod:`bot.commands.registry` for how to add a verb."""

from bot.commands.registry import Command, Ctx, Reply, command, commands, intent_handler, lookup

__all__ = ["Command", "Ctx", "Reply", "command", "commands", "intent_handler", "lookup"]
