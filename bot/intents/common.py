"""What the cards of several intent families share."""

from __future__ import annotations

from typing import Any

from bot.blocks import ids as action_ids
from bot.blocks.common import button


def edit_button(
    intent: str, slots: dict[str, Any], mode: str, labels: dict[str, str], **ids: int | None
) -> Any:
    """The Edit button of a card: opens ``intent``'s form with ``slots``; ``labels`` name records given by
    id, ``ids`` are the records the card wrote (an edit changes them)."""
    value = {"i": intent, "s": slots, "m": mode, "l": labels, "ids": {k: v for k, v in ids.items() if v}}
    return button("Edit", action_ids.EDIT, value)
