"""Cards for what the bot shows: records, lists, confirmations of writes, questions back to the person."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from typing import Any

from slack_sdk.models.blocks import Block, ConfirmObject, PlainTextObject

from bot.blocks import ids
from bot.blocks.common import (
    actions,
    button,
    compact,
    context,
    day,
    deals_count,
    divider,
    due_phrase,
    esc,
    esc_message,
    fields,
    header,
    money,
    moneys,
    section,
    user,
    when,
)
from bot.services.dashboard import Dashboard, DealLine
from bot.services.errors import Candidate
from bot.services.timeutil import zone
from bot.services.views import (
    CompanyDetails,
    CompanyView,
    ContactDetails,
    ContactView,
    DealView,
    InteractionView,
    Pipeline,
    TaskView,
)

KIND_ICON = {"call": "📞", "email": "✉️", "meeting": "🤝", "note": "📝", "message": "💬"}


# ---- one record ------------------------------------------------------------------------------------


def contact_line(c: ContactView) -> str:
    parts = [f"*{esc(c.name)}*"]
    role = " at ".join(esc(x) for x in (c.title, c.company) if x)
    if role:
        parts.append(role)
    if c.email:
        parts.append(esc(c.email))
    if c.phone:
        parts.append(esc(c.phone))
    if c.tags:
        parts.append(" ".join(f"#{esc(t)}" for t in c.tags))
    return " · ".join(parts)


def deal_line(d: DealView) -> str:
    bits = [f"*{esc(d.title)}*", d.stage_name, money(d.amount, d.currency)]
    if d.close_date:
        # A won or lost deal keeps the date it was expected on (its card says so too); "closes" would
        # read as still to come.
        bits.append(f"{'expected close' if d.is_closed else 'closes'} {day(d.close_date)}")
    if d.company:
        bits.append(esc(d.company))
    if d.tags:
        bits.append(" ".join(f"#{esc(t)}" for t in d.tags))
    return " · ".join(bits)


def task_line(t: TaskView, tz: str, *, show_assignee: bool = True) -> str:
    check = "✅" if t.is_done else "☐"
    bits = [f"{check} *{esc(t.title)}*", due_phrase(t.due_date, t.due_at, tz)]
    if t.overdue:
        bits.append("⚠️ *overdue*")
    if show_assignee and t.assignee_slack_id:
        bits.append(user(t.assignee_slack_id))
    about = t.contact or t.deal
    if about:
        bits.append(f"re {esc(about)}")
    return " · ".join(bits)


def interaction_line(i: InteractionView, tz: str) -> str:
    about = " / ".join(esc(x) for x in (i.contact, i.company, i.deal) if x) or "—"
    summary = f": {esc(i.summary)}" if i.summary else ""
    return f"{KIND_ICON.get(i.kind, '•')} {i.kind.capitalize()} with *{about}* ({when(i.occurred_at, tz)}){summary}"


def custom_fields(values: tuple[tuple[str, str], ...]) -> Block | None:
    """A record's values of the workspace's own fields, as a card's second set of fields (Slack shows
    ten at most in one section)."""
    if not values:
        return None
    return fields([(esc(name), esc(value)) for name, value in values])


def delete_button(kind: str, record_id: int, label: str) -> Any:
    """A card's Delete. A contact, deal or task goes once Slack's dialog is confirmed (Undo on the answer);
    a company asks in the message what goes with it, so its button has no dialog."""
    slots: dict[str, Any] = {"record": record_id, "record_type": kind}
    if kind == "company":
        return button("Delete", ids.DELETE, {"i": "delete_record", "s": slots}, style="danger")
    sure = ConfirmObject(
        title=PlainTextObject(text=f"Delete this {kind}?"),
        text=f"{label} leaves every list and lookup; what was logged with it stays. Undo brings it back."[
            :300
        ],
        confirm=PlainTextObject(text="Delete"),
        deny=PlainTextObject(text="Keep it"),
        style="danger",
    )
    value = {"i": "delete_record", "s": {**slots, "confirmed": True}}
    return button("Delete", ids.DELETE, value, style="danger", confirm=sure)


def contact_details(d: ContactDetails, tz: str, edit: Any = None) -> list[Block]:
    """A contact's card; ``edit`` is its Edit button (the intent layer makes it)."""
    c = d.contact
    info = [
        ("Company", esc(c.company or "—")),
        ("Title", esc(c.title or "—")),
        ("Email", esc(c.email or "—")),
        ("Phone", esc(c.phone or "—")),
        ("Lifecycle", c.lifecycle),
        ("Owner", user(c.owner_slack_id)),
        ("Tags", " ".join(f"#{esc(t)}" for t in c.tags) or "—"),
    ]
    blocks: list[Block | None] = [header(c.name), fields(info), custom_fields(c.custom)]
    blocks.append(
        section("*Recent interactions*\n" + _lines([interaction_line(i, tz) for i in d.interactions]))
    )
    blocks.append(section("*Open deals*\n" + _lines([deal_line(x) for x in d.deals])))
    blocks.append(section("*Open tasks*\n" + _lines([task_line(t, tz) for t in d.tasks])))
    blocks.append(
        actions(
            button("Log a call", ids.LOG_FOLLOW_UP, {"contact": c.id, "label": c.name, "kind": "call"}),
            button("Add a task", ids.ADD_FOLLOW_UP, {"contact": c.id, "label": c.name}),
            edit,
            delete_button("contact", c.id, c.name),
        )
    )
    return compact(blocks)


# A deal's forecast category as its owner reads it.
CATEGORY_WORDS = {"pipeline": "Pipeline", "best_case": "Best case", "commit": "Commit"}


def deal_details(d: DealView, tz: str, edit: Any = None) -> list[Block]:
    stage = d.stage_name
    if d.closed_at is not None:
        who = f" by {user(d.closed_by_slack_id)}" if d.closed_by_slack_id else ""
        at = d.closed_at if d.closed_at.tzinfo else d.closed_at.replace(tzinfo=UTC)  # SQLite: naive UTC
        stage = f"{d.stage_name} {day(at.astimezone(zone(tz)).date())}{who}"
    info = [
        ("Stage", stage),
        ("Amount", money(d.amount, d.currency)),
        ("Expected close" if d.closed_at else "Close date", day(d.close_date)),
        ("Company", esc(d.company or "—")),
        ("Contact", esc(d.contact or "—")),
        ("Owner", user(d.owner_slack_id)),
    ]
    if not d.is_closed:
        info.append(("Forecast", CATEGORY_WORDS.get(d.forecast_category, d.forecast_category)))
    return compact(
        [
            header(d.title),
            fields(info),
            custom_fields(d.custom),
            context(f"Last activity {when(d.last_activity_at, tz)}"),
            actions(_advance_button(d), _deal_follow_up(d), edit, delete_button("deal", d.id, d.title)),
        ]
    )


def company_line(c: CompanyView) -> str:
    bits = [f"*{esc(c.name)}*", *(esc(x) for x in (c.domain, c.industry) if x)]
    if c.tags:
        bits.append(" ".join(f"#{esc(t)}" for t in c.tags))
    return " · ".join(bits)


def company_details(d: CompanyDetails, tz: str, currency: str, edit: Any = None) -> list[Block]:
    """A company's card; ``edit`` is its Edit button (the intent layer makes it)."""
    c = d.company
    info = [
        ("Domain", esc(c.domain or "—")),
        ("Industry", esc(c.industry or "—")),
        ("Lifecycle", c.lifecycle),
        ("Owner", user(c.owner_slack_id)),
        ("Tags", " ".join(f"#{esc(t)}" for t in c.tags) or "—"),
        ("People", str(d.contact_count)),
        ("Open deals", f"{deals_count(d.open_deal_count)} · {moneys(d.open_amounts, currency)}"),
    ]
    more = d.contact_count - len(d.contacts)
    people = [contact_line(x) for x in d.contacts] + ([f"_and {more} more_"] if more > 0 else [])
    blocks: list[Block | None] = [header(c.name[:150]), fields(info), custom_fields(c.custom)]
    blocks.append(section("*People*\n" + _lines(people)))
    blocks.append(section("*Open deals*\n" + _lines([deal_line(x) for x in d.deals])))
    blocks.append(
        section("*Recent interactions*\n" + _lines([interaction_line(i, tz) for i in d.interactions]))
    )
    blocks.append(section("*Open tasks*\n" + _lines([task_line(t, tz) for t in d.tasks])))
    blocks.append(actions(edit, delete_button("company", c.id, c.name)))
    return compact(blocks)


def _lines(lines: list[str]) -> str:
    return "\n".join(lines) if lines else "_none_"


# ---- lists -----------------------------------------------------------------------------------------


def contact_list(query: str, found: list[ContactView]) -> list[Block]:
    return contact_list_titled(f"Contacts matching “{esc(query)}”:", found)


def contact_list_titled(title: str, found: list[ContactView]) -> list[Block]:
    """``title`` is mrkdwn made by the caller (it may name people by mention)."""
    blocks: list[Block | None] = [section(title)]
    for c in found:
        blocks.append(section(contact_line(c), button("Show", ids.SHOW_CONTACT, {"contact": c.id})))
    return compact(blocks)


def pager(previous: dict[str, Any] | None, following: dict[str, Any] | None) -> Block | None:
    """Previous / Next under a list: each button's value is the list's request at that page."""
    return actions(
        button("◀ Previous", f"{ids.PAGE}_0", previous) if previous is not None else None,
        button("Next ▶", f"{ids.PAGE}_1", following) if following is not None else None,
    )


def company_list_titled(title: str, found: list[CompanyView]) -> list[Block]:
    """``title`` is mrkdwn made by the caller (it may name people by mention)."""
    blocks: list[Block | None] = [section(title)]
    for c in found:
        blocks.append(section(company_line(c), button("Show", ids.SHOW_COMPANY, {"company": c.id})))
    return compact(blocks)


def deal_list(title: str, deals: list[DealView]) -> list[Block]:
    # The title is mrkdwn made by the caller: escaping it would show "<@U…>'s" raw instead of a name.
    if not deals:
        return [section(f"{title}: no deals.")]
    blocks: list[Block | None] = [section(f"*{title}* ({len(deals)})")]
    for d in deals[:40]:
        blocks.append(section(deal_line(d), _advance_button(d)))
    return compact(blocks)


def task_list(title: str, tasks: list[TaskView], tz: str, *, show_assignee: bool = False) -> list[Block]:
    # The title is mrkdwn made by the caller, like deal_list's.
    if not tasks:
        return [section(f"{title}: nothing open. 🎉")]
    blocks: list[Block | None] = [section(f"*{title}* ({len(tasks)})")]
    blocks += _task_rows(tasks[:40], tz, show_assignee)
    return compact(blocks)


def task_day(title: str, tasks: list[TaskView], tz: str) -> list[Block]:
    """A day's list: what is due that day, and what is already late in a group of its own above it."""
    late = [t for t in tasks if t.overdue]
    due = [t for t in tasks if not t.overdue]
    if not tasks:
        return [section(f"{title}: nothing open. 🎉")]
    blocks: list[Block | None] = [section(f"*{title}* ({len(tasks)})")]
    if late:
        blocks.append(section(f"⚠️ *Overdue* ({len(late)})"))
        blocks += _task_rows(late[:20], tz, False)
    blocks.append(section(f"*Due today* ({len(due)})" if due else "*Due today*: nothing else. 🎉"))
    blocks += _task_rows(due[:20], tz, False)
    return compact(blocks)


def _task_rows(tasks: list[TaskView], tz: str, show_assignee: bool) -> list[Block | None]:
    return [
        section(
            task_line(t, tz, show_assignee=show_assignee),
            # "list": the answer comes as a new message; the list stays as it was.
            None if t.is_done else button("Done", ids.TASK_DONE, {"task": t.id, "list": 1}),
        )
        for t in tasks
    ]


def pipeline(p: Pipeline, title: str) -> list[Block]:
    rows = []
    for s in p.stages:
        marker = " (closed)" if s.is_closed else ""
        rows.append(f"`{s.name:<12}` {deals_count(s.count):>11} · {moneys(s.amounts, p.currency)}{marker}")
    blocks: list[Block | None] = [
        header(title),
        section("\n".join(rows) or "_no stages_"),
        context(f"Open: {deals_count(p.open_count)} · {moneys(p.open_amounts, p.currency)}"),
    ]
    if p.owners and p.owner_slack_id is None:
        per_owner = [
            f"{user(o.owner_slack_id)}: {o.count} · {moneys(o.amounts, p.currency)}" for o in p.owners[:15]
        ]
        blocks.append(section("*Open deals by owner*\n" + "\n".join(per_owner)))
    return compact(blocks)


# ---- confirmations of writes ---------------------------------------------------------------------


def _undo(op_id: str) -> Any:
    return button("Undo", ids.UNDO, {"op": op_id})


def _advance_button(d: DealView) -> Any:
    if d.next_stage is None or d.is_closed:
        return None
    return button(
        f"Move to {d.next_stage}", ids.DEAL_ADVANCE, {"deal": d.id, "from": d.stage, "to": d.next_stage}
    )


def _deal_follow_up(d: DealView) -> Any:
    return button("Log follow-up", ids.LOG_FOLLOW_UP, {"deal": d.id, "label": d.title, "kind": "call"})


def written(
    headline: str,
    lines: Iterable[str],
    *,
    op_id: str | None,
    next_steps: Iterable[Any] = (),
    edit: Any = None,
) -> list[Block]:
    body = "\n".join([headline, *lines])
    return compact([section(body), actions(*([_undo(op_id)] if op_id else []), edit, *next_steps)])


def task_done_button(t: TaskView, label: str = "Mark done") -> Any:
    return None if t.is_done else button(label, ids.TASK_DONE, {"task": t.id}, style="primary")


def advance_button(d: DealView) -> Any:
    return _advance_button(d)


def deal_follow_up_button(d: DealView) -> Any:
    return _deal_follow_up(d)


def contact_follow_up_button(c: ContactView, kind: str = "call") -> Any:
    return button(f"Log a {kind}", ids.LOG_FOLLOW_UP, {"contact": c.id, "label": c.name, "kind": kind})


def undone(summary: list[str]) -> list[Block]:
    text = "↩️ Undone: " + ("; ".join(summary) if summary else "nothing left to undo") + "."
    return [section(text)]


# ---- questions back to the person ------------------------------------------------------------------


def ambiguous(
    message: str,
    candidates: list[Candidate],
    pending: dict[str, Any],
    slot: str,
    new: tuple[str, dict[str, Any]] | None = None,
) -> list[Block]:
    """Which one was meant: a button per candidate, and ``new`` (a label and the slots) when the
    answer may also be a record that is not on file yet."""
    blocks: list[Block | None] = [section(f"🤔 {esc(message)}")]
    buttons = []
    for n, cand in enumerate(candidates[:5]):
        label = cand.label if not cand.detail else f"{cand.label} ({cand.detail})"
        value = {"i": pending["intent"], "s": {**pending["slots"], slot: cand.id}}
        buttons.append(button(label, f"{ids.PICK}_{n}", value))
    if new is not None:
        buttons.append(
            button(new[0][:75], f"{ids.PICK}_{len(buttons)}", {"i": pending["intent"], "s": new[1]})
        )
    blocks.append(actions(*buttons, button("Cancel", ids.CANCEL)))
    return compact(blocks)


def not_found(
    message: str, hint: str | None, offers: list[tuple[dict[str, Any], str]], *, default: bool = True
) -> list[Block]:
    """A reference that matched nothing, with buttons that create what was meant and carry on (the first
    one the default, unless ``default`` is False: a search is a question, not a request to create)."""
    text = f"🔎 {esc_message(message)}" + (f"\n{esc(hint)}" if hint else "")
    made = [
        button(label, f"{ids.CREATE_THEN}_{n}", value, style="primary" if n == 0 and default else None)
        for n, (value, label) in enumerate(offers[:3])
    ]
    return compact([section(text), actions(*made, button("Cancel", ids.CANCEL) if made else None)])


def duplicate(
    existing: list[Candidate], slots: dict[str, Any], kind: str = "contact", intent: str = "create_contact"
) -> list[Block]:
    lines = [f"• *{esc(c.label)}*" + (f" ({esc(c.detail)})" if c.detail else "") for c in existing[:5]]
    use = {"deal": ids.SHOW_DEAL, "company": ids.SHOW_COMPANY}.get(kind, ids.USE_EXISTING)
    buttons = [
        button(f"Use {c.label}"[:75], f"{use}_{n}", {kind: c.id}, style="primary")
        for n, c in enumerate(existing[:3])
    ]
    named = slots.get("name") or slots.get("title") or f"This {kind}"
    confirm = ConfirmObject(
        title=PlainTextObject(text=f"Create a second {kind}?"),
        text=f"{named} may already exist.",
        confirm=PlainTextObject(text="Create anyway"),
        deny=PlainTextObject(text="Back"),
    )
    return compact(
        [
            section(f"⚠️ This looks like a {kind} you already have:\n" + "\n".join(lines)),
            actions(
                *buttons,
                button("Create anyway", ids.CREATE_ANYWAY, {"i": intent, "s": slots}, confirm=confirm),
                button("Cancel", ids.CANCEL),
            ),
        ]
    )


def ask_first(message: str, pending: dict[str, Any], yes_label: str) -> list[Block]:
    """A write that needs a yes (the same thing again, another currency): one press, on purpose;
    Cancel is the default."""
    again = {"i": pending["intent"], "s": {**pending["slots"], "force": True}}
    return compact(
        [
            section(f"✋ {esc(message)}"),
            actions(button(yes_label, ids.CONFIRM, again), button("Cancel", ids.CANCEL, style="primary")),
        ]
    )


def confirm_intent(description: str, pending: dict[str, Any], *, question: str) -> list[Block]:
    value = {"i": pending["intent"], "s": pending["slots"]}
    return compact(
        [
            section(f"{question}\n>{description}"),
            actions(
                button("Yes, do it", ids.CONFIRM, value, style="primary"),
                button("Edit…", ids.EDIT, {**value, "m": "new"}),
                button("Cancel", ids.CANCEL),
            ),
        ]
    )


def missing(question: str, pending: dict[str, Any], hint: str | None = None) -> list[Block]:
    value = {"i": pending["intent"], "s": pending["slots"], "m": "new"}
    text = f"✍️ {question}" + (f"\n{hint}" if hint else "")
    return compact(
        [
            section(text),
            actions(button("Fill in…", ids.EDIT, value, style="primary"), button("Cancel", ids.CANCEL)),
        ]
    )


def problem(message: str, hint: str | None = None) -> list[Block]:
    return [section(f"⚠️ {esc_message(message)}" + (f"\n{hint}" if hint else ""))]


def problem_md(message_md: str, hint: str | None = None) -> list[Block]:
    """Like :func:`problem`, for a message that is already mrkdwn."""
    return [section(f"⚠️ {message_md}" + (f"\n{hint}" if hint else ""))]


# The App Home's buttons: the global shortcuts' forms (handlers/shortcuts.py).
HOME_FORMS = (
    ("New contact", "create_contact"),
    ("New deal", "create_deal"),
    ("New task", "create_task"),
    ("Log interaction", "log_interaction"),
)
# Slack's limit on a section's text; a longer list is cut and says how many it left out.
SECTION_CHARS = 3000


def lines_within(lines: list[str], more: str = "…and {n} more") -> str:
    kept: list[str] = []
    size = 0
    for n, line in enumerate(lines):
        if size + len(line) + 1 > SECTION_CHARS - 40:
            kept.append(more.format(n=len(lines) - n))
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)


def home(name: str, board: Dashboard, tz: str) -> list[Block]:
    """App Home: the person's tasks due (overdue marked), their deals by stage, the quiet ones, what they
    logged last; for a manager the team's pipeline and this month's won and lost. Fewer than 60 blocks
    whatever the data (Slack publishes at most 100)."""
    blocks: list[Block | None] = [
        header(f"Hi {name.split()[0] if name else ''} 👋".strip()),
        actions(*(button(label, ids.OPEN_FORM, {"i": intent}) for label, intent in HOME_FORMS)),
    ]
    if not board.overdue and not board.today:
        blocks.append(section("*Your tasks*: nothing overdue or due today. 🎉"))
    if board.overdue:
        blocks.append(section(f"⚠️ *Overdue* ({len(board.overdue)})"))
        blocks += _task_rows(board.overdue, tz, False)
    if board.today:
        blocks.append(section(f"📅 *Due today* ({len(board.today)})"))
        blocks += _task_rows(board.today, tz, False)
    if board.upcoming:
        blocks.append(section(f"*Coming up* ({len(board.upcoming)})"))
        blocks += _task_rows(board.upcoming, tz, False)
    blocks.append(divider())
    blocks += _stages("Your deals by stage", board.mine, board.deals)
    if board.quiet:
        quiet = [
            f"💤 *{esc(d.title)}* · {d.stage_name} · {money(d.amount, d.currency)} · last activity {day(d.last_activity_at.date())}"
            for d in board.quiet
        ]
        blocks.append(
            section(f"*Gone quiet* (nothing logged for {board.quiet_days} days)\n" + lines_within(quiet))
        )
    if board.recent:
        recent = [interaction_line(i, tz) for i in board.recent]
        blocks.append(section("*What you logged last*\n" + lines_within(recent)))
    if board.team is not None:
        blocks.append(divider())
        blocks += _stages("Team pipeline", board.team)
    if board.closed is not None and board.period_start is not None:
        c = board.closed
        currency = board.team.currency if board.team else board.mine.currency
        blocks.append(
            section(
                f"*{board.period_start:%B}*: won {deals_count(c.won)} · {moneys(c.won_amounts, currency)}"
                f" — lost {deals_count(c.lost)} · {moneys(c.lost_amounts, currency)}"
            )
        )
    blocks.append(context("Type `/crm help` or write to me in the Messages tab."))
    return compact(blocks)[:100]


def _stages(title: str, p: Pipeline, deals: list[DealLine] | None = None) -> list[Block]:
    named: dict[str, list[str]] = {}
    for d in deals or []:
        named.setdefault(d.stage, []).append(f"{esc(d.title)} ({money(d.amount, d.currency)})")
    rows = []
    for s in p.stages:
        if s.is_closed or not s.count:
            continue
        some = named.get(s.stage, [])[:3]
        more = " …" if s.count > len(some) and some else ""
        which = f" — {', '.join(some)}{more}" if some else ""
        rows.append(f"• *{esc(s.name)}*: {deals_count(s.count)} · {moneys(s.amounts, p.currency)}{which}")
    if not rows:
        return [section(f"*{title}*: no open deals.")]
    total = f"Open: {deals_count(p.open_count)} · {moneys(p.open_amounts, p.currency)}"
    return [section(f"*{title}*\n" + lines_within(rows)), context(total)]
