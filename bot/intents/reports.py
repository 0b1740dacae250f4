"""Reports: the pipeline (deals per stage, the team's or one person's), and reports asked for in words ("what
did the team close this month?", "Bob's win rate last quarter"): deals won and lost by their actual close
date, the win rate beside the period before, the activity logged by person and kind, and the sales cycle.
Measures not built yet answer that they are not."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from bot.blocks import cards
from bot.blocks.cards import CATEGORY_WORDS
from bot.blocks.common import context, day, deals_count, esc, header, money, moneys, section, user
from bot.commands.registry import Ctx, Reply
from bot.dispatch import execute, understand, wrong_form
from bot.intents.feedback import satisfaction_report
from bot.intents.quotas import quota_report, set_quota
from bot.intents.records import not_yet
from bot.intents.report_charts import upload_after
from bot.services import policy
from bot.services.forecasts import Hindsight, Slice
from bot.services.reports import Activity, Closed, previous
from bot.services.timeutil import today_in
from bot.spec import IntentSpec, Verb

SERVED = {
    "won",
    "lost",
    "win_rate",
    "activity",
    "cycle",
    "forecast",
    "funnel",
    "velocity",
    "quota",
    "customers",
    "satisfaction",
}
# What `/crm report WORD …` means when the parser does not read the words after it as a report.
MEASURE_WORDS = {
    "customers": "customers",
    "customer": "customers",
    "retention": "customers",
    "satisfaction": "satisfaction",
    "nps": "satisfaction",
    "csat": "satisfaction",
    "quota": "quota",
    "quotas": "quota",
    "funnel": "funnel",
    "velocity": "velocity",
    "forecast": "forecast",
}
QUIET = re.compile(r"\b(?:quiet|inactive|idle)\s+(?:for\s+)?(\d{1,4})(?:\s*days?)?\b", re.I)
# Kinds of activity, plural as a report counts them.
KIND_WORDS = {
    "call": "calls",
    "email": "emails",
    "meeting": "meetings",
    "note": "notes",
    "message": "messages",
}


def _period(ctx: Ctx, slots: dict[str, Any], *, year: bool = False) -> tuple[date, date]:
    period = slots.get("period") if isinstance(slots.get("period"), dict) else None
    if period and period.get("from") and period.get("to"):
        return date.fromisoformat(period["from"]), date.fromisoformat(period["to"])
    today = today_in(ctx.tz, ctx.now())  # no period said: this month (customers: this year) so far
    return (today.replace(month=1, day=1) if year else today.replace(day=1)), today


def _span(start: date, end: date) -> str:
    return f"{start:%a %-d %b} – {end:%a %-d %b %Y}"


def _rate(c: Closed) -> str:
    rate = c.win_rate
    closed = c.won + c.lost
    return "no deals closed" if rate is None else f"{rate:.0%} ({c.won} of {closed})"


def _heading(title: str) -> Any:
    """A report's title: a header, or bold text when it names someone, since a header is plain text and
    would show the mention as its raw id (`<@U…>'s win rate`)."""
    return section(f"*{title}*") if "<@" in title else header(title)


def _whose(owner: str | None) -> str:
    return f"{user(owner)}'s" if owner else "The team's"


def _kinds(counts: dict[str, int]) -> str:
    shown = [f"{n} {KIND_WORDS.get(k, k) if n != 1 else k}" for k, n in counts.items() if n]
    return ", ".join(shown) or "nothing logged"


def _activity(ctx: Ctx, start: date, end: date, owner: str | None) -> tuple[str, list[str]]:
    a: Activity = ctx.crm.activity(ctx.actor, start, end, owner)
    before: Activity = ctx.crm.activity(ctx.actor, *previous(start, end), owner)
    order = list(KIND_WORDS)
    totals = dict(sorted(a.kinds.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99))
    lines = [
        f"*{a.total} logged: {_kinds(totals)}*",
        f"Before ({_span(*previous(start, end))}): {before.total}",
    ]
    if not owner and len(a.people) > 1:
        seen = [p for p in a.people if policy.sees_figures_of(ctx.actor, p.slack_id)]
        lines += [f"• {user(p.slack_id)}: {p.total} ({_kinds(p.kinds)})" for p in seen[:15]]
    whose = _whose(owner)
    return f"{whose} activity", lines


def _cycle(ctx: Ctx, start: date, end: date, owner: str | None) -> tuple[str, list[str]]:
    c = ctx.crm.cycle(ctx.actor, start, end, owner)
    whose = _whose(owner)
    if c.average is None or c.median is None:
        return f"{whose} sales cycle", ["*No deals won in this period.*"]
    lines = [
        f"*{c.average:.0f} days on average* (median {c.median:.0f}) from added to won",
        f"over {deals_count(len(c.days))} won",
    ]
    return f"{whose} sales cycle", lines


def _slice(sl: Slice, currency: str) -> str:
    return (
        f"{deals_count(sl.deals)} · {moneys(sl.amounts, currency)} · weighted {moneys(sl.weighted, currency)}"
    )


def _bucket(start: date, end: date) -> str:
    if start.month == end.month:
        return f"{start:%b %Y}"
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


def _hindsight(h: Hindsight, currency: str, today: date) -> list[str]:
    f, w = h.forecast, h.won
    so_far = ", so far" if h.end >= today else ""
    return [
        f"*Last period* ({_span(h.start, h.end)}{so_far}): forecast {deals_count(f.deals)} · {moneys(f.amounts, currency)}"
        f" (weighted {moneys(f.weighted, currency)}) as it began; won {deals_count(w.deals)}"
        f" · {moneys(w.amounts, currency)}, {h.forecast_won} of them forecast"
    ]


def _forecast(ctx: Ctx, start: date, end: date, owner: str | None) -> tuple[str, list[str]]:
    f = ctx.crm.forecast(ctx.actor, start, end, owner)
    currency = ctx.crm.workspace_currency(ctx.actor)
    whose = _whose(owner)
    lines = [
        f"*{deals_count(f.deals)} · {moneys(f.amounts, currency)}* expected to close,"
        f" *{moneys(f.weighted, currency)}* weighted by stage"
    ]
    lines += [
        f"• {st.name}: {deals_count(st.deals)} · {moneys(st.amounts, currency)}"
        f" · weighted {moneys(st.weighted, currency)}"
        + (f" at {st.probability}%" if st.probability is not None else " (no probability set)")
        for st in f.stages
    ]
    if len(f.buckets) > 1:
        lines.append("*By expected close*")
        lines += [f"• {_bucket(a, b)}: {_slice(sl, currency)}" for a, b, sl in f.buckets]
    lines.append("*By forecast category*")
    lines += [f"• {CATEGORY_WORDS[k]}: {_slice(sl, currency)}" for k, sl in f.categories.items()]
    if f.unweighted_deals:
        lines.append(
            f"_{deals_count(f.unweighted_deals)} in stages with no probability count as nothing weighted._"
        )
    if f.hindsight is not None:
        lines += _hindsight(f.hindsight, currency, today_in(ctx.tz, ctx.now()))
    return f"{whose} forecast", lines


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


def _days(days: float | None) -> str:
    if days is None:
        return "none has left it yet"
    return "under a day" if days < 1 else f"{days:.0f} day" if round(days) == 1 else f"{days:.0f} days"


def _funnel(ctx: Ctx, start: date, end: date, owner: str | None) -> tuple[str, list[str]]:
    f = ctx.crm.funnel(ctx.actor, start, end, owner)
    title = f"{_whose(owner)} funnel"
    if not f.added:
        return title, ["*No deals added in this period.*"]
    lines = [f"*{deals_count(f.added)} added · {f.won} won ({_pct(f.won / f.added)})*"]
    lines += [
        f"• {st.name}: {st.reached} reached · {_pct(st.to_next)} on to the next · {_pct(st.to_won)} won"
        + (
            f" · median {_days(st.median_days)} in it"
            if st.median_days is not None
            # Reached but never stayed in: deals were moved past it (Lead → Negotiation).
            else " · deals went past it without a stay in it"
            if st.to_next
            else " · none has left it yet"
        )
        for st in f.stages
    ]
    return title, lines


def _velocity(ctx: Ctx, start: date, end: date, owner: str | None) -> tuple[str, list[str]]:
    v = ctx.crm.velocity(ctx.actor, start, end, owner)
    title = f"{_whose(owner)} pipeline velocity"
    rows = [c for c in v.currencies if c.per_day is not None]
    if not rows:
        return title, ["*No deals won in this period, so no velocity yet.*"]
    lines = [f"*{' + '.join(money(_round(c.per_day), c.currency) + ' a day' for c in rows)}*"]
    lines += [
        f"• {c.currency}: {deals_count(c.open_deals)} open × {_pct(c.win_rate)} won"
        f" × {money(_round(c.average_won), c.currency)} average ÷ {_days(max(c.cycle_days or 0, 1))} to win"
        for c in rows
    ]
    return title, lines


def _round(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(Decimal(1))


Reader = Callable[[Ctx, date, date, str | None], tuple[str, list[str]]]


# Measures with a reader of their own: (title and lines, what the period counts by).
READERS: dict[str, tuple[Reader, str]] = {
    "activity": (_activity, "by the day each was logged as happening"),
    "cycle": (_cycle, "deals won in the period"),
    "forecast": (_forecast, "open deals by their expected close date, weighted by their stage's probability"),
    "satisfaction": (
        satisfaction_report,
        "answers logged in the period; NPS = % promoters (9–10) − % detractors (0–6)",
    ),
    "quota": (quota_report, "won deals in each quota's currency, closed in its period"),
    "funnel": (_funnel, "deals added in the period, through the stages they reached (audit trail)"),
    "velocity": (_velocity, "deals open now; win rate, amount and days to win of the period's closed deals"),
}


def _customers(ctx: Ctx, start: date, end: date, owner: str | None, quiet_days: int) -> tuple[str, list[str]]:
    c = ctx.crm.customers(ctx.actor, start, end, owner, quiet_days)
    currency = ctx.crm.workspace_currency(ctx.actor)
    title = f"{_whose(owner)} customers"
    lines = [
        f"*{c.buyers} {'customer' if c.buyers == 1 else 'customers'} bought · {moneys(c.revenue, currency)}*"
        f" ({c.new} new)",
        f"Retention: {c.retained} of the {c.prior} who bought in {_span(*c.before)} bought again"
        f" ({_pct(c.retention)})",
        "*Top customers by lifetime value*",
    ]
    lines += [
        f"{i}. {esc(x.name)}: {moneys(x.lifetime, currency)} over {deals_count(x.deals)} won"
        + (f" · {moneys(x.period, currency)} in this period" if x.period else "")
        for i, x in enumerate(c.top, 1)
    ] or ["No customers yet."]
    lines.append(f"*No activity for {c.quiet_days} days: {c.quiet_count}*")
    lines += [f"• {esc(name)}: last activity {day(at.date())}" for name, at in c.quiet]
    return title, lines


CUSTOMERS_HOW = "companies with a won deal; won by the day it closed; activity on their deals"


def report(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    measure = slots.get("measure")
    if measure not in SERVED:
        return not_yet("report")
    start, end = _period(ctx, slots, year=measure == "customers")
    owner = slots.get("owner")
    reader: tuple[Reader, str] | None = READERS.get(str(measure))
    if measure == "customers":
        days = int(slots.get("inactive_days") or 30)
        reader = (lambda c, a, b, o: _customers(c, a, b, o, days), CUSTOMERS_HOW)
    if reader is not None:
        read, how = reader
        title, lines = read(ctx, start, end, owner)
        blocks = [_heading(title), section("\n".join(lines)), context(f"{_span(start, end)} · {how}")]
        upload = upload_after(ctx, str(measure), start, end, owner)
        if upload is not None and not ctx.share:
            blocks.append(context("📈 The chart is in your DM with me."))
        return Reply(
            f"{title}, {_span(start, end)}: " + lines[0].strip("*"), blocks, after=[upload] if upload else []
        )
    c = ctx.crm.closed(ctx.actor, start, end, owner)
    whose = _whose(owner)
    currency = ctx.crm.workspace_currency(ctx.actor)
    if measure == "win_rate":
        before = ctx.crm.closed(ctx.actor, *previous(start, end), owner)
        lines = [f"*{_rate(c)}*", f"Before ({_span(*previous(start, end))}): {_rate(before)}"]
        if not owner and len(c.owners) > 1:
            seen = [o for o in c.owners if policy.sees_figures_of(ctx.actor, o.slack_id)]
            lines += [f"• {user(o.slack_id)}: {o.won} of {o.won + o.lost}" for o in seen[:15]]
        title = f"{whose} win rate"
    else:
        won = measure == "won"
        count, amounts = (c.won, c.won_amounts) if won else (c.lost, c.lost_amounts)
        lines = [f"*{deals_count(count)} · {moneys(amounts, currency)}*"]
        for o in [o for o in c.owners if policy.sees_figures_of(ctx.actor, o.slack_id)][:15]:
            n, a = (o.won, o.won_amounts) if won else (o.lost, o.lost_amounts)
            if n:
                lines.append(f"• {user(o.slack_id)}: {n} · {moneys(a, currency)}")
        title = f"{whose} deals {'won' if won else 'lost'}"
    blocks = [
        _heading(title),
        section("\n".join(lines)),
        context(f"{_span(start, end)} · by the day each deal closed"),
    ]
    return Reply(f"{title}, {_span(start, end)}: " + lines[0].strip("*"), blocks)


def pipeline_summary(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    owner = slots.get("owner")
    p = ctx.crm.pipeline(ctx.actor, owner=owner)
    title = "Your pipeline" if owner == ctx.user_id else "Pipeline" if not owner else "Pipeline of a teammate"
    blocks = cards.pipeline(p, title)
    if owner and owner != ctx.user_id:
        blocks.insert(1, section(f"Deals owned by {user(owner)}"))
    return Reply(f"{title}: {p.open_count} open deals, {moneys(p.open_amounts, p.currency)}", blocks)


def report_verb(ctx: Ctx, args: str) -> Reply:
    """A report: what the parser reads from the words, or else the measure named first and the period
    and person the parser reads from the rest."""
    quiet = QUIET.search(args)
    text = QUIET.sub(" ", args).strip()
    intent = understand(ctx, f"report {text}")
    words = text.split()
    measure = MEASURE_WORDS.get(words[0].lower()) if words else None
    if measure and (intent.get("intent") != "report" or intent["slots"].get("measure") != measure):
        read = understand(ctx, "report won " + " ".join(words[1:])) if len(words) > 1 else {}
        slots = dict(read.get("slots") or {}) if read.get("intent") == "report" else {}
        intent = {"intent": "report", "slots": {**slots, "measure": measure}}
    if intent.get("intent") != "report":
        return wrong_form(REPORT_VERB, args)
    if quiet:
        intent["slots"]["inactive_days"] = int(quiet.group(1))
    return execute(ctx, intent)


REPORT_VERB = Verb(
    "report",
    "report MEASURE [PERIOD] [@someone]",
    "Reports: won, lost, win rate, activity, cycle, funnel, velocity, forecast, quota, customers, satisfaction.",
    "Pipeline",
    ("report funnel this quarter", "report forecast Q1", "report customers this year quiet 60"),
    run=report_verb,
)


SPECS = (
    IntentSpec(
        "pipeline_summary",
        pipeline_summary,
        verbs=(
            Verb(
                "pipeline",
                "pipeline [team|mine|@someone]",
                "Count and amount of deals per stage: the team's (the default), yours or someone's.",
                "Pipeline",
                ("pipeline", "pipeline team share"),
            ),
        ),
    ),
    IntentSpec(
        "report",
        report,
        verbs=(
            REPORT_VERB,
            Verb(
                "quota",
                "quota @someone AMOUNT [CURRENCY] [Q1|this quarter|next month|2027]",
                "Set someone's quota for a period (managers); /crm report quota shows the leaderboard.",
                "Pipeline",
                ("quota @bob 100k USD Q1", "quota @ann €80k this quarter"),
                run=set_quota,
            ),
        ),
    ),
)
