"""What the cards of several intent families share."""

from __future__ import annotations

import re
from typing import Any

from bot.blocks import ids as action_ids
from bot.blocks.common import button, esc
from bot.commands.registry import Ctx
from bot.services.lookup import COUNT_CAP


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


# Slack sends a typed `#hot` as a link to the channel of that name when one exists (`<#C…|hot>`).
_CHANNEL_LINK = re.compile(r"<#[CG][A-Z0-9]+\|([^<>|]+)>")


def channel_links_as_tags(text: str) -> str:
    """Where a tag is expected, a channel link is the tag its name spells: `<#CHOT|hot>` → `#hot`."""
    return _CHANNEL_LINK.sub(lambda m: "#" + m.group(1), text)


# How many records one page of a list shows.
PAGE = 20


def paging(filters: dict[str, Any]) -> int:
    """The page a list's request asks for (from 1), taken out of its filters."""
    try:
        return max(1, int(filters.pop("page", 1) or 1))
    except (TypeError, ValueError):
        return 1


def page_title(total: int, nouns: tuple[str, str], said: list[str], page: int, shown: int) -> str:
    """ "42 contacts · tagged emea — 21–40": how many match, what they match, and which are shown."""
    many = f"{COUNT_CAP:,}+" if total > COUNT_CAP else f"{total:,}"
    title = f"{many} {nouns[0] if total == 1 else nouns[1]}" + (" · " + ", ".join(said) if said else "")
    if shown:
        first = (page - 1) * PAGE + 1
        title += f" — {first}–{first + shown - 1}"
    elif total:
        title += f" — no more after {many}"
    return title


def pages(
    pager: Any, record_type: str, filters: dict[str, Any], page: int, total: int, shown: int
) -> list[Any]:
    """The Previous / Next buttons of a list's page, when there is another page that way (past the
    count's cap, while pages come back full)."""

    def at(n: int) -> dict[str, Any]:
        return {"i": "list_records", "s": {"record_type": record_type, **filters, "page": n}}

    previous = at(page - 1) if page > 1 else None
    more = page * PAGE < total or (total > COUNT_CAP and shown == PAGE)
    following = at(page + 1) if more else None
    block = pager(previous, following)
    return [block] if block is not None else []


# The words of a search that name a kind of record ("deals over 50k"), and its help topic.
_KINDS = (
    (re.compile(r"^(?:deals?|opportunit(?:y|ies)|pipeline)$"), "deals"),
    (re.compile(r"^(?:compan(?:y|ies)|accounts?)$"), "companies"),
    (re.compile(r"^(?:contacts?|people|persons?|leads?)$"), "contacts"),
    (re.compile(r"^(?:tasks?|to-?dos?)$"), "tasks"),
)
_LEAD_WORDS = {"the", "all", "my", "our", "every", "any", "of"}
_COMPARISON = re.compile(
    r"(?:\b(?:over|under|above|below|more than|less than|fewer than|at least|at most|greater than|"
    r"bigger than|smaller than|worth)\s*|[<>]=?\s*)[$€£]?\d",
    re.I,
)
_TOPIC_OF_KIND = {"deal": "deals", "contact": "contacts", "company": "companies", "task": "tasks"}


def filter_question(query: str, kind: str | None = None) -> str | None:
    """The help topic when what was to be a record's name is a question about records ("deals over 50k",
    "above 10k"): the bot can't answer it that way yet, and must not offer to make a record of its words."""
    words = [w for w in re.findall(r"[\w'-]+", query.lower()) if w not in _LEAD_WORDS]
    if words:
        for pattern, topic in _KINDS:
            if pattern.match(words[0]):
                return topic
    if _COMPARISON.search(query):
        return _TOPIC_OF_KIND.get(kind or "", "deals")
    return None


def cannot_search_yet(topic: str) -> tuple[str, str]:
    """What a question that is no record's name is answered: it can't be done that way yet, and the help."""
    return f"I can't look up {topic} that way yet.", f"The closest I can do: `/crm help {topic}`."


def chosen_by_name(ctx: Ctx, record: Any, kind: str | None) -> tuple[Any, str | None]:
    """A reference of no said type that is the whole name of one deal, contact or company is that
    record, by id ("Initech" is the company, not one of its deals a looser match would offer)."""
    if kind is None and isinstance(record, str):
        exact = ctx.crm.named_exactly(ctx.actor, record)
        if exact is not None:
            return exact[1], exact[0]
    return record, kind
