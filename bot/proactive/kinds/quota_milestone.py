"""A quota milestone: the first time a person's won deals pass 50 %, 90 % or 100 % of their quota, a DM
to them and one to the manager who set the quota. Each milestone is announced once: the quota records
the highest announced in the transaction that plans the messages, and each message's dedupe key is the
quota, the milestone and the reader. A deal won that jumps several milestones at once announces the
highest."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from bot.blocks.common import day, money
from bot.proactive.kind import Kind, Planned, Rendered
from bot.proactive.outbox import delivery, enqueue
from bot.services.quotas import milestones_due
from models import Quota

NAME = "quota_milestone"


def plan(s: Session, now: datetime, batch: int) -> Planned:
    due = milestones_due(s, now, batch)
    rows = []
    for m in due:
        payload = {
            "quota_id": m.quota.id,
            "person": m.person.slack_id,
            "milestone": m.milestone,
            "won": str(m.won),
            "amount": str(m.quota.amount),
            "currency": m.quota.currency,
            "start": m.quota.period_start.isoformat(),
            "end": m.quota.period_end.isoformat(),
        }
        readers = [m.person] + ([m.setter] if m.setter is not None and m.setter.id != m.person.id else [])
        for reader in readers:
            rows.append(
                delivery(
                    workspace_id=m.quota.workspace_id,
                    kind=NAME,
                    key=f"quota:{m.quota.id}:{m.milestone}:{reader.id}",
                    channel=reader.slack_id,
                    user_id=reader.id,
                    payload={**payload, "to_person": reader.id == m.person.id},
                    due=now,
                    now=now,
                )
            )
    return Planned(enqueue(s, rows), more=len(due) >= batch)


def still_due(s: Session, p: dict[str, Any], user_id: int | None, now: datetime) -> dict[str, Any] | None:
    # A milestone passed stays passed; only a quota taken back (undone) takes its message with it.
    return p if s.get(Quota, p["quota_id"]) is not None else None


def preload(p: dict[str, Any]) -> Mapping[type[Any], Iterable[int]]:
    return {Quota: [p["quota_id"]]}


def render(payload: dict[str, Any], *, late: bool = False, now: datetime | None = None) -> Rendered:
    share = Decimal(payload["won"]) / Decimal(payload["amount"]) if Decimal(payload["amount"]) else Decimal(0)
    figures = (
        f"{money(payload['won'], payload['currency'])} won of {money(payload['amount'], payload['currency'])}"
        f" ({share:.0%}), {day(date.fromisoformat(payload['start']))} – {day(date.fromisoformat(payload['end']))}"
    )
    done = "reached" if payload["milestone"] >= 100 else f"passed {payload['milestone']}% of"
    if payload.get("to_person"):
        text = f"🎯 You have {done} your quota: {figures}."
    else:
        text = f"🎯 <@{payload['person']}> has {done} their quota: {figures}."
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


KIND = Kind(
    name=NAME,
    plan=plan,
    scan_every=timedelta(minutes=1),
    still_due=still_due,
    preload=preload,
    render=render,
)
