"""Proactive messages: plans what is due into the deliveries outbox and delivers it, exactly once.

``Scheduler(sessions, client, clock).tick()`` runs one round; ``runner.start_in_background`` and
``runner.run_standalone`` run it for ``crm-bot run`` and ``crm-bot scheduler``."""

from bot.scheduler.core import Scheduler, TickStats
from bot.scheduler.lease import SchedulerBusy
from bot.scheduler.transport import SendError, SlackTransport, Transport

__all__ = ["Scheduler", "SchedulerBusy", "SendError", "SlackTransport", "TickStats", "Transport"]
