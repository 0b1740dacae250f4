"""The actions behind the buttons on the bot's proactive messages (done, snooze, log activity, move
stage, snooze a stale alert) and the stale-deal setting, as audited operations. The reminder's dedupe key
is in :mod:`bot.services.keys`, which the task service shares.

Planning and rendering those messages is :mod:`bot.proactive` (one module per kind); nothing here knows
about it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.services import policy
from bot.services.base import Actor, ServiceBase, lock_row
from bot.services.crm import CRM
from bot.services.deals import deal_view
from bot.services.errors import Invalid, NotFound
from bot.services.retrying import units
from bot.services.timeutil import parse_day, today_in, zone
from bot.services.views import Written
from models import Deal, Workspace

# "Snooze until tomorrow" brings the reminder back at this local time.
MORNING = time(9, 0)


# Each public method is one unit: run again whole on a deadlock (bot/services/retrying.py).
@units
class Proactive(ServiceBase):
    """The actions behind the buttons on proactive messages. Each is one audited operation."""

    def __init__(self, crm: CRM) -> None:
        super().__init__(crm.sessions)
        self.crm = crm

    def now(self) -> datetime:
        return self.crm.now()

    def done(self, actor: Actor, task_id: int) -> Written:
        return self.crm.complete_task(actor, task_id)

    def snooze_hour(self, actor: Actor, task_id: int) -> tuple[Written, datetime]:
        """Remind again in an hour; returns the write and when the reminder comes back."""
        until = self.now() + timedelta(hours=1)
        return self.crm.snooze_task(actor, task_id, until), until

    def snooze_tomorrow(self, actor: Actor, task_id: int) -> tuple[Written, datetime]:
        """Again tomorrow at 09:00 in the reader's zone."""
        tomorrow = today_in(actor.tz, self.now()) + timedelta(days=1)
        until = datetime.combine(tomorrow, MORNING, tzinfo=zone(actor.tz)).astimezone(UTC)
        return self.crm.snooze_task(actor, task_id, until), until

    def log_activity(self, actor: Actor, deal_id: int, summary: str, kind: str = "note") -> Written:
        return self.crm.log_interaction(actor, kind, summary or "Checked in", deal=deal_id)

    def move_stage(self, actor: Actor, deal_id: int, stage: str) -> Written:
        return self.crm.update_deal(actor, deal_id, stage=stage)

    def stale_days(self, actor: Actor) -> int:
        with self.read(actor) as s:
            ws = s.get(Workspace, actor.workspace_id)
            return int(ws.stale_days) if ws else 14

    def set_stale_days(self, actor: Actor, days: int) -> str:
        """The workspace's quiet period before a stale-deal alert (0 turns alerts off); returns the op id."""
        with self.op(actor) as op:
            policy.require(op.session, actor, "stale days")
            if not 0 <= days <= 365:
                raise Invalid("stale.days.out_of_range", field="days", days=days)
            ws = op.session.get(Workspace, actor.workspace_id, with_for_update=True)
            assert ws is not None
            ws.stale_days = days
            return op.id

    def snooze_stale(self, actor: Actor, deal_id: int, until: str | date) -> Written:
        """No stale alert for this deal before ``until``; after it, one more if it is still quiet."""
        day = parse_day(until, "date")
        assert day is not None
        if day <= today_in(actor.tz, self.now()):
            raise Invalid("snooze.date.past", field="date")
        with self.op(actor) as op:
            s = op.session
            deal = lock_row(s, Deal, deal_id)
            if deal is None or deal.workspace_id != actor.workspace_id:
                raise NotFound("record.not_found", kind="deal", ref=str(deal_id))
            policy.require_change(s, actor, deal, "snooze")
            deal.stale_snoozed_until = day
            deal.stale_alerted_at = None
            return Written(op.id, deal=deal_view(s, deal))


__all__ = ["MORNING", "Proactive"]
