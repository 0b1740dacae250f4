"""Companies: add one, change it, show its card (people, open deals and their totals, latest activity,
open tasks), list them by owner, tag or industry, and tag one."""

from __future__ import annotations

import re
from typing import Any

from bot.blocks import cards, ids
from bot.blocks.common import button, esc, user
from bot.blocks.modals import Field, Form
from bot.commands.registry import Ctx, Reply
from bot.dispatch import escaped, wrong_form
from bot.intents.common import (
    PAGE,
    channel_links_as_tags,
    custom_line,
    edit_button,
    page_title,
    pages,
    paging,
)
from bot.intents.pairs import add_runner, edit_runner
from bot.services.views import CompanyView, Written
from bot.spec import Ask, IntentSpec, Verb

GROUP = "Companies"
# What an update of a company may change; one of them must be said.
COMPANY_CHANGES = ("name", "domain", "industry", "owner", "tags", "custom")
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


def _edit_slots(c: CompanyView) -> dict[str, Any]:
    return {
        "company": c.id,
        "domain": c.domain,
        "industry": c.industry,
        "owner": c.owner_slack_id,
        "tags": ", ".join(c.tags) or None,
        "custom": dict(c.custom) or None,
    }


def company_edit_button(c: CompanyView) -> Any:
    return edit_button("update_company", _edit_slots(c), "new", {"company": c.name})


def _change_line(c: CompanyView, key: str, old: Any, new: Any) -> str | None:
    if key == "owner_id":
        return f"• owner → {user(c.owner_slack_id)}"
    if key == "tags":
        return f"• tags → {esc(', '.join(c.tags) or '—')}"
    if key.startswith("custom:"):
        return custom_line(key, old, new)
    if key in ("name", "domain", "industry", "lifecycle"):
        return f"• {key}: {esc(old or '—')} → {esc(new or '—')}"
    return None


def company_written(ctx: Ctx, w: Written, verb: str) -> Reply:
    c = w.company
    assert c is not None
    lines = [line for key, (old, new) in w.changed.items() if (line := _change_line(c, key, old, new))]
    blocks = cards.written(
        f"🏢 {verb} {cards.company_line(c)}",
        lines,
        op_id=w.op_id,
        edit=company_edit_button(c),
        next_steps=[button("Show", ids.SHOW_COMPANY, {"company": c.id})],
    )
    return Reply(f"{verb} {c.name}", blocks)


def create_company(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    w = ctx.crm.create_company(
        ctx.actor,
        slots.get("name", ""),
        domain=slots.get("domain"),
        industry=slots.get("industry"),
        tags=_tags(slots["tags"]) if slots.get("tags") else None,
        custom=slots.get("custom"),
        force=bool(slots.get("force")),
    )
    return company_written(ctx, w, "Added company")


def _tags(value: Any) -> list[str]:
    """Tags from a form's text ("vip, emea") or a list."""
    return [t for t in re.split(r"[,\s]+", value) if t] if isinstance(value, str) else list(value or [])


def update_company(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    changes = {k: slots[k] for k in COMPANY_CHANGES if slots.get(k) not in (None, "", {})}
    if "tags" in changes:
        changes["tags"] = _tags(changes["tags"])
    w = ctx.crm.update_company(ctx.actor, slots["company"], **changes)
    if not w.changed:
        assert w.company is not None
        return Reply.say(f"Nothing changed on *{esc(w.company.name)}*: it already says that.")
    return company_written(ctx, w, "Updated")


def tag_company(ctx: Ctx, record: Any, tags: list[str]) -> Reply:
    w = ctx.crm.tag_company(ctx.actor, record, tags)
    assert w.company is not None
    if not w.changed:
        return Reply.say(f"*{esc(w.company.name)}* is already tagged that way.")
    return company_written(ctx, w, "Tagged")


def show_company(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    details = ctx.crm.company_details(ctx.actor, slots["company"])
    currency = ctx.crm.workspace_currency(ctx.actor)
    edit = company_edit_button(details.company)
    return Reply(details.company.name, cards.company_details(details, ctx.tz, currency, edit))


def list_companies(ctx: Ctx, filters: dict[str, Any]) -> Reply:
    """A page of the companies matching ``filters`` (``page``: which, from 1), with their count."""
    filters = dict(filters)
    page = paging(filters)
    total, found = ctx.crm.list_companies(ctx.actor, **filters, offset=(page - 1) * PAGE, limit=PAGE)
    said = []
    if filters.get("industry"):
        said.append(f"in {esc(filters['industry'])}")
    if filters.get("tag"):
        said.append(f"tagged {esc(filters['tag'])}")
    if filters.get("owner"):
        said.append(f"owned by {user(filters['owner'])}")
    if filters.get("inactive_days"):
        said.append(f"with nothing logged in {filters['inactive_days']} days")
    title = page_title(total, ("company", "companies"), said, page, len(found))
    blocks = cards.company_list_titled(title, found)
    return Reply(title, blocks + pages(cards.pager, "company", filters, page, total, len(found)))


def list_filters(ctx: Ctx, args: str) -> dict[str, Any] | None:
    """``mine`` · ``@someone`` · ``#tag`` / ``tag TAG`` · ``industry WORDS`` (to the end), in any order;
    None when something else was typed."""
    words = channel_links_as_tags(args).split()
    filters: dict[str, Any] = {}
    i = 0
    while i < len(words):
        word, low = words[i], words[i].lower()
        if low in ("mine", "my", "me"):
            filters["owner"] = ctx.user_id
        elif _MENTION.match(word):
            filters["owner"] = _MENTION.match(word).group(1)  # type: ignore[union-attr]
        elif word.startswith("#") and len(word) > 1:
            filters["tag"] = word[1:]
        elif low in ("tag", "tagged") and i + 1 < len(words):
            i += 1
            filters["tag"] = words[i].lstrip("#")
        elif low == "industry" and i + 1 < len(words):
            filters["industry"] = " ".join(words[i + 1 :])
            break
        elif low not in ("all", "team"):
            return None
        i += 1
    return filters


def company_list_verb(ctx: Ctx, args: str) -> Reply:
    filters = list_filters(ctx, args)
    if filters is None:
        return wrong_form(LIST_VERB, args)
    return list_companies(ctx, filters)


# ---- the specs -----------------------------------------------------------------------------------------


def _added(slots: dict[str, Any]) -> str:
    s = escaped(slots)
    more = " · ".join(s[k] for k in ("domain", "industry") if s.get(k))
    return f"Add company {s.get('name', '?')}" + (f" ({more})" if more else "")


def _changed(slots: dict[str, Any]) -> str:
    s = escaped(slots)
    changes = ", ".join(f"{k} → {v}" for k, v in s.items() if k in COMPANY_CHANGES)
    return f"Change company {s.get('company', '?')}: {changes or 'nothing'}"


DOMAIN = Field("domain", "Domain", hint="e.g. acme.com")
INDUSTRY = Field("industry", "Industry")
# Showing and listing companies are show_record and list_records (bot/intents/records.py), which take
# these verbs.
SHOW_VERB = Verb(
    "company show",
    "company show NAME",
    "A company with its people, open deals and their totals, recent interactions and open tasks.",
    GROUP,
    ("company show Acme Corp",),
)
LIST_VERB = Verb(
    "company list",
    "company list [mine|@someone] [#TAG] [industry INDUSTRY]",
    "List companies: yours or someone's, by tag or by industry.",
    GROUP,
    ("company list mine", "company list industry robotics"),
    run=company_list_verb,
)

SPECS = (
    IntentSpec(
        "create_company",
        create_company,
        writes=True,
        asks=(
            Ask(("name",), "What is the company called?", "/crm company add Acme Corp, acme.com, software"),
        ),
        read_back=_added,
        form=Form("New company", (Field("name", "Name", required=True), DOMAIN, INDUSTRY)),
        verbs=(
            Verb(
                "company add",
                "company add NAME[, DOMAIN][, INDUSTRY] [tags=a,b] [field=value …]",
                "Add a company; asks first when it looks like one you already have.",
                GROUP,
                ("company add Sakura Robotics, sakura.jp, robotics",),
                run=add_runner("company"),
            ),
        ),
    ),
    IntentSpec(
        "update_company",
        update_company,
        writes=True,
        asks=(
            Ask(
                ("company",),
                "Which company should I change?",
                "/crm company edit Acme Corp industry=robotics",
            ),
            Ask(COMPANY_CHANGES, "What should change on the company: its name, domain or industry?"),
        ),
        read_back=_changed,
        form=Form(
            "Edit company",
            (
                Field("company", "Company", required=True, renames="name"),
                DOMAIN,
                INDUSTRY,
                Field("owner", "Owner", "user"),
                Field("tags", "Tags", hint="separated by commas, e.g. vip, emea"),
            ),
        ),
        verbs=(
            Verb(
                "company edit",
                "company edit NAME field=value …",
                "Change a company's name, domain, industry, tags or custom fields.",
                GROUP,
                ("company edit Acme Corp industry=robotics domain=acme.io",),
                run=edit_runner("company", "update_company"),
            ),
        ),
    ),
)
