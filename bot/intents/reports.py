"""Reports: the pipeline (deals per stage, the team's or one person's), and reports asked for in words ("what
did the team close this month?", "Bob's win rate last quarter"): deals won and lost by their actual close
date, the win rate beside the period before, the activity logged by person and kind, and the sales cycle.
Measures not built yet answer that they are not."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.blocks import cards
from bot.blocks.common import context, moneys, section, user
from bot.blocks.reports import compose
from bot.commands.registry import Ctx, Reply
from bot.dispatch import execute, understand, wrong_form
from bot.intents.quotas import set_quota
from bot.intents.records import not_yet
from bot.intents.report_charts import upload_after
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


def _period(ctx: Ctx, slots: dict[str, Any], *, year: bool = False) -> tuple[date, date]:
    period = slots.get("period") if isinstance(slots.get("period"), dict) else None
    if period and period.get("from") and period.get("to"):
        return date.fromisoformat(period["from"]), date.fromisoformat(period["to"])
    today = today_in(ctx.tz, ctx.now())  # no period said: this month (customers: this year) so far
    return (today.replace(month=1, day=1) if year else today.replace(day=1)), today


def report(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    measure = str(slots.get("measure"))
    if measure not in SERVED:
        return not_yet("report")
    start, end = _period(ctx, slots, year=measure == "customers")
    owner = slots.get("owner")
    if measure == "quota" and not isinstance(slots.get("period"), dict):
        # "how's Bob tracking against quota?": over the period of the quotas in force today, not this
        # month so far (a quarterly quota read over six days of December says nothing).
        start, end = ctx.crm.quota_period(ctx.actor, today_in(ctx.tz, ctx.now()), owner) or (start, end)
    shown = compose(ctx, measure, start, end, owner, inactive_days=int(slots.get("inactive_days") or 30))
    blocks = shown.blocks()
    upload = upload_after(ctx, shown, owner)
    if upload is not None and not ctx.share:
        blocks.append(context("📈 The chart is in your DM with me."))
    return Reply(shown.text, blocks, after=[upload] if upload else [])


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
