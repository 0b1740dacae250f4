"""What the bot says first, one module per kind (:mod:`bot.proactive.kinds`), listed in
:mod:`bot.proactive.registry`. :class:`Planner` plans every kind into the ``deliveries`` outbox;
:mod:`bot.scheduler` delivers it. See docs/scheduler.md for how to add a kind."""

from bot.proactive.planner import Planner, PlanStats
from bot.proactive.registry import KINDS

__all__ = ["KINDS", "PlanStats", "Planner"]
