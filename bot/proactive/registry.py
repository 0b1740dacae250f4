"""The kinds of proactive message, and everything that looks one up: the planner plans each kind in
this order, the scheduler checks, preloads and renders a delivery through its kind, the console's
``:clock`` stops at each kind's next moment, and ``handlers/proactive.py`` routes each button and form
to the kind that owns it. Adding a kind is a module in :mod:`bot.proactive.kinds` and a line here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.proactive.kind import Button, Form, Kind, Rendered
from bot.proactive.kinds import (
    deal_room,
    overdue_nudge,
    quota_milestone,
    reminder,
    report,
    stale_deal,
    stale_deals,
    summary,
    webhook_disabled,
)
from models import Delivery

# Planned in this order, each round: the nudge leaves out tasks reminded in the same round.
KINDS: tuple[Kind, ...] = (
    reminder.KIND,
    overdue_nudge.KIND,
    stale_deals.KIND,
    stale_deal.KIND,
    summary.KIND,
    webhook_disabled.KIND,
    deal_room.KIND,
    quota_milestone.KIND,
    report.KIND,
)


def index_kinds(kinds: Sequence[Kind]) -> tuple[dict[str, Kind], dict[str, Button], dict[str, Form]]:
    """Kinds by name, buttons by action id, forms by callback id; a name owned twice is a mistake
    made when adding a kind, caught at import rather than by a button that does the wrong thing."""
    by_name: dict[str, Kind] = {}
    buttons: dict[str, Button] = {}
    forms: dict[str, Form] = {}
    for kind in kinds:
        if kind.name in by_name:
            raise ValueError(f"two proactive kinds are named {kind.name!r}")
        by_name[kind.name] = kind
        for button in kind.buttons:
            if button.action_id in buttons:
                raise ValueError(f"action id {button.action_id!r} is owned by two kinds")
            buttons[button.action_id] = button
        for form in kind.forms:
            if form.callback_id in forms:
                raise ValueError(f"view callback id {form.callback_id!r} is owned by two kinds")
            forms[form.callback_id] = form
    return by_name, buttons, forms


_BY_NAME, _BUTTONS, _FORMS = index_kinds(KINDS)
_LINES = tuple(prefix for kind in KINDS for prefix in kind.lines)


def find(name: str) -> Kind | None:
    return _BY_NAME.get(name)


def button(action_id: str | None) -> Button | None:
    return _BUTTONS.get(action_id or "")


def buttons() -> list[Button]:
    return list(_BUTTONS.values())


def form(callback_id: str | None) -> Form | None:
    return _FORMS.get(callback_id or "")


def forms() -> list[Form]:
    return list(_FORMS.values())


def answers_below(block_id: str) -> bool:
    """Whether a press on this block is on one line of a grouped message (answer below, keep it)."""
    return block_id.startswith(_LINES) if _LINES else False


def still_due(s: Session, delivery: Delivery, now: datetime) -> dict[str, Any] | None:
    """The payload to send, brought up to date, or None when the message is no longer true (the task
    was done, rescheduled or handed to someone else; the deal saw activity; the subscription ended)."""
    payload = dict(delivery.payload)
    kind = find(delivery.kind)
    if kind is None or kind.still_due is None:
        return payload
    return kind.still_due(s, payload, delivery.user_id, now)


def preload(s: Session, rows: Iterable[Delivery]) -> list[Any]:
    """Load the sources the validity checks read in a few queries, not one per row. The caller keeps
    the returned list alive: the session's identity map only holds objects weakly."""
    wanted: dict[type[Any], dict[int, None]] = {}
    for d in rows:
        kind = find(d.kind)
        if kind is None or kind.preload is None:
            continue
        for model, ids in kind.preload(d.payload).items():
            wanted.setdefault(model, {}).update(dict.fromkeys(ids))
    loaded: list[Any] = []
    for model, id_set in wanted.items():
        ids = list(id_set)
        for i in range(0, len(ids), 1000):
            loaded += s.scalars(select(model).where(model.id.in_(ids[i : i + 1000]))).unique()
    return loaded


def render(
    name: str, payload: dict[str, Any], *, late: bool = False, now: datetime | None = None
) -> Rendered:
    kind = find(name)
    if kind is None:
        raise ValueError(f"unknown delivery kind {name!r}")
    return kind.render(payload, late=late, now=now)


def next_due(s: Session, after: datetime, until: datetime) -> datetime | None:
    """The first moment in ``(after, until]`` at which some kind may plan a message."""
    found = [kind.next_due(s, after, until) for kind in KINDS if kind.next_due is not None]
    return min((t for t in found if t is not None and after < t <= until), default=None)
