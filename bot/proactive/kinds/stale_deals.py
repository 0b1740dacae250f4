"""Stale-deal alerts: one DM a day per owner, at the start of their working day, listing their open
deals that went quiet for the workspace's ``stale_days`` (oldest first, at most ``STALE_DAILY_CAP``; the
rest on the next days), each with Log activity, Move to stage and Snooze until. A deal is told once per
quiet spell (``stale_alerted_at``, set only when its owner's message was planned) and not before
``stale_snoozed_until``. The dedupe key is the owner and their local day, so however many schedulers
plan, an owner gets one such message a day."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.blocks import cards
from bot.blocks.common import a, esc, money
from bot.blocks.common import day as card_day
from bot.commands.registry import Ctx, Reply
from bot.proactive.blockkit import dicts, md
from bot.proactive.kind import Button, Form, Kind, Planned, Rendered
from bot.proactive.local import next_local_time
from bot.proactive.outbox import delivery, enqueue_keys, iso
from bot.services.errors import Invalid
from bot.services.proactive import Proactive
from bot.services.timeutil import today_in, zone
from models import Deal, Delivery, PipelineStage, User, Workspace

NAME = "stale_deals"
# Deals in an owner's daily message: a first start on an old pipeline, or a long holiday, must not bury
# someone under a hundred deals. The rest follow on the next days, oldest first.
STALE_DAILY_CAP = 5
# Sent in the owner's working day, from its start: not at 03:00, not at 22:00.
WORKDAY_START = time(9, 0)
WORKDAY_END = time(18, 0)

STALE_LOG = "stale_log_activity"
STALE_MOVE = "stale_move_stage"
STALE_SNOOZE = "stale_snooze_until"
STALE_LOG_VIEW = "stale_log_activity_view"
LOG_KINDS = ("call", "email", "meeting", "note")
# Every block id of a deal's lines starts so (``stale:<deal>``, ``stale_actions:<deal>``): a button there
# answers below the message, which keeps the owner's other deals and their buttons.
LINES = "stale"


# ---- data ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pipeline:
    """One workspace's stale period and stages, as planning its owners' messages needs them."""

    workspace_id: int
    stale_days: int
    stages: dict[int, PipelineStage]
    quiet: tuple[Any, ...]

    @property
    def choices(self) -> list[list[str]]:
        return [[st.key, st.name] for st in sorted(self.stages.values(), key=lambda x: x.position)]

    def choices_for(self, stage_id: int) -> list[list[str]]:
        """The stages of that stage's pipeline: a deal moves within its own pipeline."""
        pipeline = self.stages[stage_id].pipeline_id
        mine = [st for st in self.stages.values() if st.pipeline_id == pipeline]
        return [[st.key, st.name] for st in sorted(mine, key=lambda x: x.position)]


def plan(s: Session, now: datetime, batch: int) -> Planned:
    """At most ``batch`` owners per step, workspace after workspace."""
    seen = made = 0
    for ws_id, stale_days in s.execute(select(Workspace.id, Workspace.stale_days)).all():
        if not stale_days or stale_days <= 0:
            continue
        stages = {
            st.id: st for st in s.scalars(select(PipelineStage).where(PipelineStage.workspace_id == ws_id))
        }
        open_ids = [i for i, st in stages.items() if not st.is_closed]
        quiet = (
            Deal.workspace_id == ws_id,
            Deal.stage_id.in_(open_ids),
            Deal.owner_id.is_not(None),
            Deal.stale_alerted_at.is_(None),
        )
        ws_seen, ws_made = _plan_workspace(s, _Pipeline(ws_id, stale_days, stages, quiet), now, batch - seen)
        seen += ws_seen
        made += ws_made
        if seen >= batch:
            break
    return Planned(made, more=seen >= batch)


def _plan_workspace(s: Session, pipe: _Pipeline, now: datetime, limit: int) -> tuple[int, int]:
    owner_ids = list(
        s.scalars(
            select(Deal.owner_id)
            .where(*pipe.quiet, Deal.last_activity_at < now - timedelta(days=pipe.stale_days))
            .distinct()
            .limit(limit)
        )
    )
    if not owner_ids:
        return 0, 0
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
    if not wanted:
        return len(owner_ids), 0
    done = set(s.scalars(select(Delivery.dedupe_key).where(Delivery.dedupe_key.in_(list(wanted)))))
    planned: dict[str, list[int]] = {}
    out = []
    for key, (owner, day, start) in wanted.items():
        if key in done:
            continue
        row = _alert(s, pipe, key, owner, day, start, now)
        if row is not None:
            planned[key] = [d["deal_id"] for d in row["payload"]["deals"]]
            out.append(row)
    inserted = enqueue_keys(s, out)
    # A peer that planned the same owner's day first keeps those deals for its own message.
    flagged = [deal_id for key in inserted for deal_id in planned.get(key, [])]
    if flagged:
        s.execute(
            update(Deal)
            .where(Deal.id.in_(flagged))
            .values(stale_alerted_at=now)
            .execution_options(synchronize_session=False)
        )
    return len(owner_ids), len(inserted)


def _alert(
    s: Session, pipe: _Pipeline, key: str, owner: User, day: date, start: datetime, now: datetime
) -> dict[str, Any] | None:
    # Quiet by the start of the day: a deal that turns stale in the afternoon waits for tomorrow's
    # message rather than bringing a second one.
    mine = (
        *pipe.quiet,
        Deal.owner_id == owner.id,
        Deal.last_activity_at < start - timedelta(days=pipe.stale_days),
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
        return None
    total = int(s.scalar(select(func.count(Deal.id)).where(*mine)) or len(rows))
    stages = pipe.stages
    payload = {
        "owner_id": owner.id,
        "date": day.isoformat(),
        "tz": owner.tz,
        "stages": pipe.choices,
        "total": max(total, len(rows)),
        "deals": [
            {
                "deal_id": r.id,
                "title": r.title,
                "amount": None if r.amount is None else str(r.amount),
                "currency": r.currency,
                "stage": stages[r.stage_id].name,
                "stage_key": stages[r.stage_id].key,
                "stages": pipe.choices_for(r.stage_id),
                "last_activity_at": iso(r.last_activity_at),
                "days_quiet": (now - r.last_activity_at).days,
                "close_date": iso(r.close_date),
            }
            for r in rows
        ],
    }
    return delivery(
        workspace_id=pipe.workspace_id,
        kind=NAME,
        key=key,
        channel=owner.slack_id,
        user_id=owner.id,
        payload=payload,
        due=start,
        now=now,
    )


def still_due(s: Session, p: dict[str, Any], user_id: int | None, now: datetime) -> dict[str, Any] | None:
    """The deals still the owner's, open, quiet and not snoozed; none left, no message."""
    tz = p.get("tz") or "UTC"
    kept = [d for d in p["deals"] if still_stale(s, d, user_id, tz, now)]
    p["total"] = max(int(p.get("total") or 0) - (len(p["deals"]) - len(kept)), len(kept))
    p["deals"] = kept
    return p if kept else None


def still_stale(s: Session, d: dict[str, Any], owner_id: int | None, tz: str, now: datetime) -> bool:
    """Whether one deal of an alert is still worth telling its owner about."""
    deal = s.get(Deal, d["deal_id"])
    if deal is None or deal.owner_id != owner_id or deal.stage.is_closed:
        return False
    if iso(deal.last_activity_at) != d["last_activity_at"]:
        return False
    return deal.stale_snoozed_until is None or deal.stale_snoozed_until <= today_in(tz, now)


def next_due(s: Session, after: datetime, until: datetime) -> datetime | None:
    """The next start of a working day in any of the team's zones."""
    return next_local_time(s, WORKDAY_START, after, until)


# ---- presentation ----------------------------------------------------------------------------------


def render(payload: dict[str, Any], *, late: bool = False, now: datetime | None = None) -> Rendered:
    """An owner's deals that went quiet, in one message a day; each deal keeps its own buttons."""
    deals = payload.get("deals") or []
    total = max(int(payload.get("total") or 0), len(deals))
    noun = "deal has" if total == 1 else "deals have"
    text = f"{total} {noun} gone quiet: " + "; ".join(deal_line(d) for d in deals)
    blocks: list[Block] = [SectionBlock(text=md(f":zzz: *{total} {noun} gone quiet*"))]
    for d in deals:
        blocks += deal_blocks(d, d.get("stages") or payload.get("stages", []))
    if total > len(deals):
        more = total - len(deals)
        blocks.append(ContextBlock(elements=[md(f"…and {more} more, in the next days' messages.")]))
    return text, dicts(blocks)


def _day(iso_day: str) -> str:
    """A date as every other card shows it (“Sun 6 Dec 2026”)."""
    try:
        return card_day(date.fromisoformat(iso_day))
    except ValueError:
        return iso_day


def deal_line(d: dict[str, Any]) -> str:
    """One deal of an alert, as plain text."""
    amount = money(d.get("amount"), d.get("currency") or "USD")
    return f"{d['title']} has had no activity for {d.get('days_quiet')} days ({d['stage']}, {amount})"


def deal_blocks(d: dict[str, Any], stages: list[list[str]]) -> list[Block]:
    """One deal of an alert with its buttons (``stages``: the workspace's ``[key, name]`` in order)."""
    deal_id = str(d["deal_id"])
    amount = money(d.get("amount"), d.get("currency") or "USD")
    options = [
        Option(text=name, value=f"{deal_id}:{key}") for key, name in stages if key != d.get("stage_key")
    ]
    elements: list[Any] = [ButtonElement(text="Log activity", action_id=STALE_LOG, value=deal_id)]
    if options:
        elements.append(
            StaticSelectElement(placeholder="Move to stage…", action_id=STALE_MOVE, options=options)
        )
    elements.append(DatePickerElement(placeholder="Snooze until…", action_id=STALE_SNOOZE))
    return [
        SectionBlock(
            block_id=f"stale:{deal_id}",
            text=md(
                f":zzz: *{d['title']}* has had no activity for *{d.get('days_quiet')} days*.\n"
                f"{d['stage']} · {amount}"
                + (f" · closes {_day(d['close_date'])}" if d.get("close_date") else "")
            ),
        ),
        ActionsBlock(block_id=f"stale_actions:{deal_id}", elements=elements),
    ]


def press_move(ctx: Ctx, action: dict[str, Any]) -> Reply:
    deal_id, stage = str((action.get("selected_option") or {}).get("value") or ":").split(":", 1)
    written = Proactive(ctx.crm).move_stage(ctx.actor, int(deal_id), stage)
    deal = written.deal
    assert deal is not None
    line = f"➡️ *{esc(deal.title)}* moved to {esc(deal.stage_name)}."
    return Reply(line, cards.written(line, [], op_id=written.op_id))


def press_snooze(ctx: Ctx, action: dict[str, Any]) -> Reply:
    buttons = Proactive(ctx.crm)
    deal_id = int(str(action.get("block_id", "")).rsplit(":", 1)[-1])
    day = str(action.get("selected_date") or "")
    if not day:
        raise Invalid("snooze.date.missing", field="date")
    written = buttons.snooze_stale(ctx.actor, deal_id, day)
    deal = written.deal
    assert deal is not None
    line = f"😴 No more alerts about *{esc(deal.title)}* before {day}, unless it stays quiet."
    return Reply(line, cards.written(line, [], op_id=written.op_id))


def log_modal(body: dict[str, Any], action: dict[str, Any]) -> View:
    """Log activity: the form, titled with the deal's line of the alert it was pressed on."""
    deal_id = int(action["value"])
    title = ""
    for block in (body.get("message") or {}).get("blocks") or []:
        if block.get("block_id") == f"stale:{deal_id}":
            title = str((block.get("text") or {}).get("text") or "").split("\n", 1)[0]
    return log_activity_modal(deal_id, title or "Log activity", response_url=body.get("response_url"))


def log_activity_modal(deal_id: int, title: str, *, response_url: str | None) -> View:
    """What happened on a quiet deal: the kind and a line; submitting logs it against the deal."""
    note = Option(text="Note", value="note")
    return View(
        type="modal",
        callback_id=STALE_LOG_VIEW,
        title="Log activity",
        submit="Log it",
        close="Cancel",
        private_metadata=json.dumps({"deal": deal_id, "ru": response_url}),
        blocks=[
            SectionBlock(text=md(f"*{title}*")),
            InputBlock(
                block_id="kind",
                label="What was it?",
                element=StaticSelectElement(
                    action_id="kind",
                    options=[Option(text=k.capitalize(), value=k) for k in LOG_KINDS],
                    initial_option=note,
                ),
            ),
            InputBlock(
                block_id="summary",
                label="What happened?",
                optional=True,
                element=PlainTextInputElement(action_id="summary", multiline=True),
            ),
        ],
    )


def read_log_activity(view: dict[str, Any]) -> tuple[int, str, str, str | None]:
    """(deal id, kind, summary, response_url) from a submitted :func:`log_activity_modal`."""
    meta = json.loads(view.get("private_metadata") or "{}")
    values = (view.get("state") or {}).get("values") or {}
    kind = ((values.get("kind") or {}).get("kind") or {}).get("selected_option") or {}
    summary_text = ((values.get("summary") or {}).get("summary") or {}).get("value") or ""
    return int(meta["deal"]), str(kind.get("value") or "note"), summary_text.strip(), meta.get("ru")


def submit_log(ctx: Ctx, view: dict[str, Any]) -> Reply:
    deal_id, kind, text, _ = read_log_activity(view)
    written = Proactive(ctx.crm).log_activity(ctx.actor, deal_id, text, kind)
    about = written.interaction.deal if written.interaction else None
    line = f"📝 Logged {a(kind)} on *{esc(about or 'the deal')}*" + (f": {esc(text)}" if text else ".")
    return Reply(line, cards.written(line, [], op_id=written.op_id))


def log_reply_to(view: dict[str, Any]) -> str | None:
    # Read in full before the work starts: a malformed submission fails here, as it always did.
    return read_log_activity(view)[3]


KIND = Kind(
    name=NAME,
    plan=plan,
    # Staleness is counted in days: no need to look every round.
    scan_every=timedelta(minutes=5),
    still_due=still_due,
    next_due=next_due,
    render=render,
    buttons=(
        Button(STALE_LOG, modal=log_modal),
        Button(STALE_MOVE, press=press_move),
        Button(STALE_SNOOZE, press=press_snooze),
    ),
    forms=(Form(STALE_LOG_VIEW, submit=submit_log, reply_to=log_reply_to),),
    lines=(LINES,),
)
