"""What the cards of several intent families share."""

from __future__ import annotations

from typing import Any

from bot.blocks import ids as action_ids
from bot.blocks.common import button, esc


def edit_button(
    intent: str, slots: dict[str, Any], mode: str, labels: dict[str, str], **ids: int | None
) -> Any:
    """The Edit button of a card: opens ``intent``'s form with ``slots``; ``labels`` name records given by
    id, ``ids`` are the records the card wrote (an edit changes them)."""
    value = {"i": intent, "s": slots, "m": mode, "l": labels, "ids": {k: v for k, v in ids.items() if v}}
    return button("Edit", action_ids.EDIT, value)


def custom_line(key: str, old: Any, new: Any) -> str:
    """A confirmation's line for one custom field (``custom:Region``) that a write changed."""
    return f"• {esc(key.partition(':')[2])}: {esc(old or '—')} → {esc(new or '—')}"
