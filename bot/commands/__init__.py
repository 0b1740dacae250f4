"""``/crm`` verbs and intent handlers; see :mod:`bot.commands.registry` for how to add one."""

from bot.commands.registry import Command, Ctx, Reply, command, commands, intent_handler, lookup

__all__ = ["Command", "Ctx", "Reply", "command", "commands", "intent_handler", "lookup"]
