"""What a kind of proactive message is made of. Each module in :mod:`bot.proactive.kinds` builds one
:class:`Kind`, and :mod:`bot.proactive.registry` lists them: the planner, the scheduler, the console's
clock and the button handlers read everything kind-specific from there.

A kind has two halves, kept apart by what they may use:

* the data half (``plan``, ``still_due``, ``preload``, ``next_due``) reads and writes the database
  only: SQLAlchemy, ``models`` and ``bot.services``. It never calls Slack, Bolt or ``handlers``;
* the presentation half (``render``, ``uploads``, ``buttons``, ``forms``) turns a stored payload into
  Block Kit, and a press on one of its buttons into a :class:`bot.commands.registry.Reply`, through
  the services. Slack's transport (posting, acking, opening views) stays in the scheduler and in
  ``handlers/proactive.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from slack_sdk.models.views import View

    from bot.commands.registry import Ctx, Reply

# Fallback text and the blocks as JSON: what ``chat.postMessage`` takes.
Rendered = tuple[str, list[dict[str, Any]]]


class Renderer(Protocol):
    def __call__(
        self, payload: dict[str, Any], *, late: bool = False, now: datetime | None = None
    ) -> Rendered: ...


@dataclass(frozen=True)
class Planned:
    """One planning step: how many deliveries it added, and whether more may be due right now (it
    stopped at the batch size), so the planner runs it again in the same round."""

    made: int
    more: bool = False


@dataclass(frozen=True)
class Upload:
    """A file posted to the channel after the message (the summary's chart)."""

    filename: str
    content: bytes
    title: str


@dataclass(frozen=True)
class Button:
    """An interactive element a kind puts on its messages, by its ``action_id`` (the manifest and
    Slack's stored messages refer to these ids: never rename one).

    ``press`` runs after the ack and its reply replaces the message, or goes below it when ``below``
    is set or when the element sits on one line of a grouped message (see :attr:`Kind.lines`).
    ``modal`` instead builds a view from ``(body, action)`` that the ack opens at once (Slack's
    trigger id lasts three seconds); its submission is one of the kind's :class:`Form`."""

    action_id: str
    press: Callable[[Ctx, dict[str, Any]], Reply] | None = None
    below: bool = False
    modal: Callable[[dict[str, Any], dict[str, Any]], View] | None = None


@dataclass(frozen=True)
class Form:
    """A modal a kind opens, by its ``callback_id``: ``submit`` does the work and answers;
    ``reply_to`` reads from the submitted view the ``response_url`` of the message it came from (the
    answer goes below that message; without one, to the person's DM with the bot)."""

    callback_id: str
    submit: Callable[[Ctx, dict[str, Any]], Reply]
    reply_to: Callable[[dict[str, Any]], str | None]


@dataclass(frozen=True)
class Kind:
    """One kind of proactive message, as stored in ``deliveries.kind``.

    Data half:

    * ``plan(session, now, batch) -> Planned``: turn what is due at ``now`` into outbox rows (see
      :func:`bot.proactive.outbox.enqueue`), each with its dedupe key, in the transaction that marks the
      source handled. None for a kind that is only delivered (rows from an older version).
    * ``scan_every``: plan at most this often (a daily message need not be looked for every round);
      None: every round.
    * ``still_due(session, payload, user_id, now)``: the payload to send, brought up to date, or None
      when the message is no longer true. ``payload`` is a copy the function may change.
    * ``preload(payload)``: which rows ``still_due`` will read, as ``{model: ids}``; the scheduler loads
      those of a whole claimed batch in a few queries, not one per row.
    * ``next_due(session, after, until)``: the first moment in ``(after, until]`` at which planning may
      find something new (the console's ``:clock`` stops there so nothing is sent late); None: nothing.

    Presentation half:

    * ``render(payload, late=, now=)``: the text and blocks, from the payload alone, so every attempt
      renders the same message.
    * ``uploads(payload)``: files to post after the message; a kind with uploads is delivered in two
      recorded steps (the message, then its files), so a retry never posts the message twice.
    * ``buttons`` and ``forms``: the action ids and view callback ids the kind owns.
    * ``lines``: block id prefixes of the lines of a grouped message; a button pressed on such a line
      answers below the message, which keeps its other lines and their buttons.
    """

    name: str
    render: Renderer
    plan: Callable[[Session, datetime, int], Planned] | None = None
    scan_every: timedelta | None = None
    still_due: Callable[[Session, dict[str, Any], int | None, datetime], dict[str, Any] | None] | None = None
    preload: Callable[[dict[str, Any]], Mapping[type[Any], Iterable[int]]] | None = None
    next_due: Callable[[Session, datetime, datetime], datetime | None] | None = None
    uploads: Callable[[dict[str, Any]], list[Upload]] | None = None
    buttons: tuple[Button, ...] = ()
    forms: tuple[Form, ...] = ()
    lines: tuple[str, ...] = ()
