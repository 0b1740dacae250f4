"""What the bot says first, decided from the database: task reminders, the daily overdue nudge, stale-deal
alerts and subscribed summaries. No Slack here: planning turns what is due into rows of the
``deliveries`` outbox, in the same transaction that marks the source as handled, so a crash can neither
lose a message nor plan it twice (``dedupe_key`` is unique). The scheduler delivers the outbox.

Also the actions behind the buttons those messages carry (done, snooze, log activity, move stage,
snooze a stale alert), as audited operations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.services import policy
from bot.services.base import Actor, ServiceBase, lock_row, snapshot
from bot.services.crm import CRM
from bot.services.deals import deal_view
from bot.services.errors import Invalid, NotFound
from bot.services.keys import key_time as _key_time
from bot.services.keys import reminder_key
from bot.services.subscriptions import Schedule, next_run
from bot.services.summary import compute_summary
from bot.services.timeutil import local_day_bounds, parse_day, today_in, zone
from bot.services.views import Written
from models import (
    Contact,
    Deal,
    Delivery,
    PipelineStage,
    SchedulerHeartbeat,
    Subscription,
    Task,
    User,
    Workspace,
)

# Sent more than this after it fell due (the bot was down, or behind): the message says so.
LATE_AFTER = timedelta(minutes=5)
# The overdue nudge goes out once a day, from this local time on.
NUDGE_AT = time(9, 0)
NUDGE_LIST = 10
# Deals in an owner's daily stale-deal message: a first start on an old pipeline, or a long holiday, must
# not bury someone under a hundred deals. The rest follow on the next days, oldest first.
STALE_DAILY_CAP = 5
# Stale-deal messages go out in the owner's working day, from its start: not at 03:00, not at 22:00.
WORKDAY_START = time(9, 0)
WORKDAY_END = time(18, 0)
# Delivered (or cancelled) outbox rows are kept this long for the record, then removed. Nothing is planned
# from them: what is due is read from tasks, deals and subscriptions, so removing them sends nothing again.
RETENTION = timedelta(days=30)
BATCH = 500


@dataclass
class PlanStats:
    reminders: int = 0
    nudges: int = 0
    stale: int = 0
    summaries: int = 0

    @property
    def total(self) -> int:
        return self.reminders + self.nudges + self.stale + self.summaries


def _iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def enqueue(s: Session, rows: list[dict[str, Any]]) -> int:
    """Insert deliveries, skipping any whose dedupe key is already planned (by us or a peer). A row
    with that key that was cancelled (never sent: its task went to someone else and came back, say)
    is planned again rather than leaving the message lost."""
    return len(enqueue_keys(s, rows))


def enqueue_keys(s: Session, rows: list[dict[str, Any]]) -> set[str]:
    """As :func:`enqueue`, returning the dedupe keys this call planned."""
    if not rows:
        return set()
    if s.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(Delivery).values(rows)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(Delivery).values(rows)
    rearm = {
        key: stmt.excluded[key]
        for key in ("channel", "user_id", "payload", "due_at", "late", "next_attempt_at", "created_at")
    }
    stmt = stmt.on_conflict_do_update(
        index_elements=["dedupe_key"],
        set_={
            **rearm,
            "state": "pending",
            "attempts": 0,
            "last_error": None,
            "claimed_by": None,
            "claimed_until": None,
        },
        where=Delivery.state == "cancelled",
    )
    return {str(k) for k in s.execute(stmt.returning(Delivery.dedupe_key)).scalars()}


def _delivery(
    *,
    workspace_id: int,
    kind: str,
    key: str,
    channel: str,
    user_id: int | None,
    payload: dict[str, Any],
    due: datetime,
    now: datetime,
) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "kind": kind,
        "dedupe_key": key[:200],
        "channel": channel,
        "user_id": user_id,
        "payload": payload,
        "state": "pending",
        "attempts": 0,
        "due_at": due,
        "late": now - due > LATE_AFTER,
        "next_attempt_at": now,
        "created_at": now,
    }


class Planner:
    """Turns what is due at ``now`` into outbox rows. Safe to run from several processes at once:
    sources are claimed with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL) and the dedupe key is unique."""

    # Nudges go out per local day and staleness is counted in days: scanning for them every round
    # (seconds apart) would only re-read the same tables. Reminders and summaries are checked each round.
    SLOW_SCAN = {"nudges": timedelta(minutes=1), "stale": timedelta(minutes=5), "purge": timedelta(hours=1)}

    def __init__(self, sessions: sessionmaker[Session], *, batch: int = BATCH) -> None:
        self.sessions = sessions
        self.batch = batch
        self._scanned: dict[str, datetime] = {}

    def _due_scan(self, name: str, now: datetime) -> bool:
        last = self._scanned.get(name)
        if last is not None and last <= now < last + self.SLOW_SCAN[name]:
            return False
        self._scanned[name] = now
        return True

    def plan(self, now: datetime) -> PlanStats:
        stats = PlanStats()
        stats.reminders = self._loop(self.plan_reminders, now)
        if self._due_scan("nudges", now):
            stats.nudges = self.plan_nudges(now)
        if self._due_scan("stale", now):
            stats.stale = self._loop(self.plan_stale_deals, now)
        stats.summaries = self._loop(self.plan_summaries, now)
        if self._due_scan("purge", now):
            self.purge(now)
        return stats

    def purge(self, now: datetime, limit: int = 5000) -> int:
        """Remove sent and cancelled deliveries older than RETENTION (failed ones stay, with their error)."""
        with self.sessions.begin() as s:
            old = (
                select(Delivery.id)
                .where(Delivery.state.in_(("sent", "cancelled")), Delivery.created_at < now - RETENTION)
                .limit(limit)
            )
            result: Any = s.execute(delete(Delivery).where(Delivery.id.in_(old.scalar_subquery())))
            # Each scheduler process leaves one heartbeat row behind; after a day nothing it claimed can
            # still be waiting for it (a claim lasts 5 minutes).
            s.execute(delete(SchedulerHeartbeat).where(SchedulerHeartbeat.beat_at < now - timedelta(days=1)))
            return int(result.rowcount or 0)

    def _loop(self, step: Callable[[datetime], tuple[int, int]], now: datetime) -> int:
        planned = 0
        while True:
            seen, made = step(now)
            planned += made
            if seen < self.batch:
                return planned

    # ---- task reminders ------------------------------------------------------------------------

    def plan_reminders(self, now: datetime) -> tuple[int, int]:
        with self.sessions.begin() as s:
            rows = s.execute(
                select(
                    Task.id,
                    Task.workspace_id,
                    Task.title,
                    Task.due_date,
                    Task.due_utc,
                    Task.remind_at,
                    Task.assignee_id,
                    Task.contact_id,
                    Task.deal_id,
                )
                .where(Task.reminder_state == "pending", Task.remind_at <= now, Task.done_at.is_(None))
                .order_by(Task.remind_at, Task.id)
                .limit(self.batch)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return 0, 0
            users = _users(s, {r.assignee_id for r in rows if r.assignee_id})
            contacts = _names(s, Contact.id, Contact.name, {r.contact_id for r in rows if r.contact_id})
            deals = _names(s, Deal.id, Deal.title, {r.deal_id for r in rows if r.deal_id})
            out = []
            for r in rows:
                user = users.get(r.assignee_id)
                if user is None:
                    continue
                payload = {
                    "task_id": r.id,
                    "title": r.title,
                    "due_date": _iso(r.due_date),
                    "due_utc": _iso(r.due_utc),
                    "remind_at": _iso(r.remind_at),
                    "assignee_id": r.assignee_id,
                    "tz": user[1],
                    "contact": contacts.get(r.contact_id),
                    "deal": deals.get(r.deal_id),
                    "snoozed": r.remind_at != r.due_utc,
                }
                out.append(
                    _delivery(
                        workspace_id=r.workspace_id,
                        kind="reminder",
                        key=reminder_key(r.id, r.assignee_id, r.remind_at),
                        channel=user[0],
                        user_id=r.assignee_id,
                        payload=payload,
                        due=r.remind_at,
                        now=now,
                    )
                )
            made = enqueue(s, out)
            s.execute(
                update(Task)
                .where(Task.id.in_([r.id for r in rows]))
                .values(reminder_state="sent", reminded_at=now)
                .execution_options(synchronize_session=False)
            )
            return len(rows), made

    # ---- the daily overdue nudge ---------------------------------------------------------------

    def plan_nudges(self, now: datetime) -> int:
        """One message a day per person with tasks overdue from an earlier day, listing them."""
        with self.sessions.begin() as s:
            candidates = s.execute(
                select(Task.assignee_id, func.min(Task.due_utc))
                .where(Task.done_at.is_(None), Task.due_utc < now, Task.assignee_id.is_not(None))
                .group_by(Task.assignee_id)
            ).all()
            if not candidates:
                return 0
            users = {u.id: u for u in s.scalars(select(User).where(User.id.in_([c[0] for c in candidates])))}
            wanted: dict[str, tuple[User, date, datetime]] = {}
            for user_id, oldest in candidates:
                user = users.get(user_id)
                if user is None:
                    continue
                local_now = now.astimezone(zone(user.tz))
                if local_now.time() < NUDGE_AT:
                    continue
                day_start, _ = local_day_bounds(local_now.date(), user.tz)
                if oldest >= day_start:
                    continue  # everything overdue fell due today: today's reminders covered it
                wanted[f"nudge:{user.id}:{local_now.date().isoformat()}"] = (
                    user,
                    local_now.date(),
                    day_start,
                )
            if not wanted:
                return 0
            done = set(s.scalars(select(Delivery.dedupe_key).where(Delivery.dedupe_key.in_(list(wanted)))))
            out = []
            for key, (user, day, day_start) in wanted.items():
                if key in done:
                    continue
                where = (
                    Task.assignee_id == user.id,
                    Task.done_at.is_(None),
                    Task.due_utc < day_start,
                    # A task reminded today, or snoozed to later today, has had (or will get) its own
                    # message: not twice.
                    (Task.remind_at.is_(None)) | (Task.remind_at < day_start),
                    (Task.reminded_at.is_(None)) | (Task.reminded_at < day_start),
                )
                total = s.scalar(select(func.count(Task.id)).where(*where)) or 0
                tasks = s.execute(
                    select(Task.id, Task.title, Task.due_date, Task.due_utc)
                    .where(*where)
                    .order_by(Task.due_utc, Task.id)
                    .limit(NUDGE_LIST)
                ).all()
                if not tasks:
                    continue
                payload = {
                    "date": day.isoformat(),
                    "tz": user.tz,
                    "total": int(total),
                    "tasks": [
                        {
                            "id": t.id,
                            "title": t.title,
                            "due_date": _iso(t.due_date),
                            "due_utc": _iso(t.due_utc),
                        }
                        for t in tasks
                    ],
                }
                due = datetime.combine(day, NUDGE_AT, tzinfo=zone(user.tz)).astimezone(UTC)
                out.append(
                    _delivery(
                        workspace_id=user.workspace_id,
                        kind="overdue_nudge",
                        key=key,
                        channel=user.slack_id,
                        user_id=user.id,
                        payload=payload,
                        due=due,
                        now=now,
                    )
                )
            return enqueue(s, out)

    # ---- stale deals ---------------------------------------------------------------------------

    def plan_stale_deals(self, now: datetime) -> tuple[int, int]:
        """One message a day per owner, at the start of their working day, listing their deals that were
        quiet for the workspace's stale period by then (oldest first, at most STALE_DAILY_CAP; the rest
        on the next days). The dedupe key is the owner and their day, so however many schedulers plan,
        an owner gets one such message a day; deals are flagged only when their message was planned."""
        seen = made = 0
        with self.sessions.begin() as s:
            workspaces = s.execute(select(Workspace.id, Workspace.stale_days)).all()
            for ws_id, stale_days in workspaces:
                if not stale_days or stale_days <= 0:
                    continue
                stages = {
                    st.id: st
                    for st in s.scalars(select(PipelineStage).where(PipelineStage.workspace_id == ws_id))
                }
                open_ids = [i for i, st in stages.items() if not st.is_closed]
                quiet = (
                    Deal.workspace_id == ws_id,
                    Deal.stage_id.in_(open_ids),
                    Deal.owner_id.is_not(None),
                    Deal.stale_alerted_at.is_(None),
                )
                owner_ids = list(
                    s.scalars(
                        select(Deal.owner_id)
                        .where(*quiet, Deal.last_activity_at < now - timedelta(days=stale_days))
                        .distinct()
                        .limit(self.batch - seen)
                    )
                )
                if not owner_ids:
                    continue
                owners = {u.id: u for u in s.scalars(select(User).where(User.id.in_(owner_ids)))}
                # Whose working day it is now, and which of them had their message today already.
                wanted: dict[str, tuple[User, date, datetime]] = {}
                for owner in owners.values():
                    local_now = now.astimezone(zone(owner.tz))
                    if not WORKDAY_START <= local_now.time() < WORKDAY_END:
                        continue
                    day = local_now.date()
                    start = datetime.combine(day, WORKDAY_START, tzinfo=zone(owner.tz)).astimezone(UTC)
                    wanted[f"stale:{owner.id}:{day.isoformat()}"] = (owner, day, start)
                seen += len(owner_ids)
                if not wanted:
                    continue
                done = set(
                    s.scalars(select(Delivery.dedupe_key).where(Delivery.dedupe_key.in_(list(wanted))))
                )
                choices = [[st.key, st.name] for st in sorted(stages.values(), key=lambda x: x.position)]
                planned: dict[str, list[int]] = {}
                out = []
                for key, (owner, day, start) in wanted.items():
                    if key in done:
                        continue
                    # Quiet by the start of the day: a deal that turns stale in the afternoon waits for
                    # tomorrow's message rather than bringing a second one.
                    mine = (
                        *quiet,
                        Deal.owner_id == owner.id,
                        Deal.last_activity_at < start - timedelta(days=stale_days),
                        (Deal.stale_snoozed_until.is_(None)) | (Deal.stale_snoozed_until <= day),
                    )
                    rows = s.execute(
                        select(
                            Deal.id,
                            Deal.title,
                            Deal.amount,
                            Deal.currency,
                            Deal.stage_id,
                            Deal.last_activity_at,
                            Deal.close_date,
                        )
                        .where(*mine)
                        .order_by(Deal.last_activity_at, Deal.id)
                        .limit(STALE_DAILY_CAP)
                        .with_for_update(skip_locked=True, of=Deal)
                    ).all()
                    if not rows:
                        continue
                    total = int(s.scalar(select(func.count(Deal.id)).where(*mine)) or len(rows))
                    payload = {
                        "owner_id": owner.id,
                        "date": day.isoformat(),
                        "tz": owner.tz,
                        "stages": choices,
                        "total": max(total, len(rows)),
                        "deals": [
                            {
                                "deal_id": r.id,
                                "title": r.title,
                                "amount": None if r.amount is None else str(r.amount),
                                "currency": r.currency,
                                "stage": stages[r.stage_id].name,
                                "stage_key": stages[r.stage_id].key,
                                "last_activity_at": _iso(r.last_activity_at),
                                "days_quiet": (now - r.last_activity_at).days,
                                "close_date": _iso(r.close_date),
                            }
                            for r in rows
                        ],
                    }
                    planned[key] = [r.id for r in rows]
                    out.append(
                        _delivery(
                            workspace_id=ws_id,
                            kind="stale_deals",
                            key=key,
                            channel=owner.slack_id,
                            user_id=owner.id,
                            payload=payload,
                            due=start,
                            now=now,
                        )
                    )
                inserted = enqueue_keys(s, out)
                made += len(inserted)
                # A peer that planned the same owner's day first keeps those deals for its own message.
                flagged = [deal_id for key in inserted for deal_id in planned.get(key, [])]
                if flagged:
                    s.execute(
                        update(Deal)
                        .where(Deal.id.in_(flagged))
                        .values(stale_alerted_at=now)
                        .execution_options(synchronize_session=False)
                    )
                if seen >= self.batch:
                    break
        return seen, made

    # ---- subscribed summaries ------------------------------------------------------------------

    def plan_summaries(self, now: datetime) -> tuple[int, int]:
        with self.sessions.begin() as s:
            subs = list(
                s.scalars(
                    select(Subscription)
                    .where(Subscription.next_run_at <= now)
                    .order_by(Subscription.next_run_at, Subscription.id)
                    .limit(self.batch)
                    .with_for_update(skip_locked=True)
                )
            )
            made = 0
            for sub in subs:
                scheduled = sub.next_run_at
                period = timedelta(days=7 if sub.frequency == "weekly" else 1)
                since = sub.last_run_at or scheduled - period
                summary = compute_summary(s, sub.workspace_id, now=now, since=since, tz=sub.tz)
                payload = {
                    "subscription_id": sub.id,
                    "frequency": sub.frequency,
                    "summary": summary.to_json(),
                }
                made += enqueue(
                    s,
                    [
                        _delivery(
                            workspace_id=sub.workspace_id,
                            kind="summary",
                            key=f"summary:{sub.id}:{_key_time(scheduled)}",
                            channel=sub.channel_id,
                            user_id=None,
                            payload=payload,
                            due=scheduled,
                            now=now,
                        )
                    ],
                )
                # A bot that was down for days posts one catch-up summary, then resumes the rhythm.
                sub.last_run_at = now
                sub.next_run_at = next_run(Schedule(sub.frequency, sub.weekday, sub.time_local), sub.tz, now)
            return len(subs), made


def _users(s: Session, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    ids = list(ids)
    if not ids:
        return {}
    return {
        r[0]: (r[1], r[2]) for r in s.execute(select(User.id, User.slack_id, User.tz).where(User.id.in_(ids)))
    }


def _names(s: Session, id_col: Any, name_col: Any, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {r[0]: r[1] for r in s.execute(select(id_col, name_col).where(id_col.in_(list(ids))))}


def still_due(s: Session, delivery: Delivery, now: datetime) -> dict[str, Any] | None:
    """The payload to send, brought up to date, or None when the message is no longer true (the task
    was done, rescheduled or handed to someone else; the deal saw activity; the subscription ended)."""
    p = dict(delivery.payload)
    if delivery.kind == "reminder":
        task = s.get(Task, p["task_id"])
        if task is None or task.done_at is not None or task.assignee_id != p["assignee_id"]:
            return None
        if task.remind_at is None or _iso(task.remind_at) != p["remind_at"]:
            return None
        return p
    if delivery.kind == "overdue_nudge":
        ids = [t["id"] for t in p["tasks"]]
        still_open = set(
            s.scalars(
                select(Task.id).where(
                    Task.id.in_(ids), Task.done_at.is_(None), Task.assignee_id == delivery.user_id
                )
            )
        )
        gone = len(ids) - len(still_open)
        p["tasks"] = [t for t in p["tasks"] if t["id"] in still_open]
        p["total"] = max(int(p["total"]) - gone, len(p["tasks"]))
        return p if p["tasks"] else None
    if delivery.kind == "stale_deal":
        deal = s.get(Deal, p["deal_id"])
        if deal is None or deal.owner_id != p["owner_id"] or deal.stage.is_closed:
            return None
        if _iso(deal.last_activity_at) != p["last_activity_at"]:
            return None
        if deal.stale_snoozed_until is not None and deal.stale_snoozed_until > today_in(
            p.get("tz") or "UTC", now
        ):
            return None
        return p
    if delivery.kind == "stale_deals":
        tz = p.get("tz") or "UTC"
        kept = [d for d in p["deals"] if _still_stale(s, d, delivery.user_id, tz, now)]
        p["total"] = max(int(p.get("total") or 0) - (len(p["deals"]) - len(kept)), len(kept))
        p["deals"] = kept
        return p if kept else None
    if delivery.kind == "summary":
        sub_id = p.get("subscription_id")
        if sub_id is not None and s.get(Subscription, sub_id) is None:
            return None
        return p
    return p


def _still_stale(s: Session, d: dict[str, Any], owner_id: int | None, tz: str, now: datetime) -> bool:
    deal = s.get(Deal, d["deal_id"])
    if deal is None or deal.owner_id != owner_id or deal.stage.is_closed:
        return False
    if _iso(deal.last_activity_at) != d["last_activity_at"]:
        return False
    return deal.stale_snoozed_until is None or deal.stale_snoozed_until <= today_in(tz, now)


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
        until = datetime.combine(tomorrow, NUDGE_AT, tzinfo=zone(actor.tz)).astimezone(UTC)
        return self.crm.snooze_task(actor, task_id, until), until

    def log_activity(self, actor: Actor, deal_id: int, summary: str, kind: str = "note") -> Written:
        return self.crm.log_interaction(actor, kind, summary or "Checked in", deal=deal_id)

    def move_stage(self, actor: Actor, deal_id: int, stage: str) -> Written:
        return self.crm.update_deal(actor, deal_id, stage=stage)

    def stale_days(self, actor: Actor) -> int:
        with self.read() as s:
            ws = s.get(Workspace, actor.workspace_id)
            return int(ws.stale_days) if ws else 14

    def set_stale_days(self, actor: Actor, days: int) -> str:
        """The workspace's quiet period before a stale-deal alert (0 turns alerts off); returns the op id."""
        with self.op(actor) as op:
            policy.require(op.session, actor, "stale days")
            if not 0 <= days <= 365:
                raise Invalid(
                    "days",
                    f"{days} is not a number of days I can use.",
                    "Use 1 to 365, or 0 to turn alerts off.",
                )
            ws = op.session.get(Workspace, actor.workspace_id, with_for_update=True)
            assert ws is not None
            before = snapshot(ws)
            ws.stale_days = days
            op.updated(ws, before)
            return op.id

    def snooze_stale(self, actor: Actor, deal_id: int, until: str | date) -> Written:
        """No stale alert for this deal before ``until``; after it, one more if it is still quiet."""
        day = parse_day(until, "date")
        assert day is not None
        if day <= today_in(actor.tz, self.now()):
            raise Invalid("date", "Pick a day after today.", "Choose a date in the future to snooze until.")
        with self.op(actor) as op:
            s = op.session
            deal = lock_row(s, Deal, deal_id)
            if deal is None or deal.workspace_id != actor.workspace_id:
                raise NotFound("deal", str(deal_id))
            policy.require_change(s, actor, deal, "snooze alerts on")
            before = snapshot(deal)
            deal.stale_snoozed_until = day
            deal.stale_alerted_at = None
            op.updated(deal, before)
            return Written(op.id, deal=deal_view(s, deal))


__all__ = ["LATE_AFTER", "PlanStats", "Planner", "Proactive", "enqueue", "enqueue_keys", "still_due"]
