"""Reports: the pipeline (deals per stage, the team's or one person's), and reports asked for in words ("what
did the team close this month?", "Bob's win rate last quarter"): deals won and lost by their actual close
date, the win rate beside the period before, the activity logged by person and kind, and the sales cycle.
Measures not built yet answer that they are not."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.blocks import cards
from bot.blocks.common import context, esc, moneys, section, user
from bot.blocks.reports import compose
from bot.commands.registry import Ctx, Reply
from bot.dispatch import execute, understand, wrong_form
from bot.intents.quotas import set_quota
from bot.intents.records import not_yet
from bot.intents.report_charts import upload_after
from bot.services.errors import Invalid
from bot.services.report_subscriptions import default_period, period_days
from bot.services.stages import words as name_words
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
    "won": "won",
    "wins": "won",
    "lost": "lost",
    "losses": "lost",
    "winrate": "win_rate",
    "activity": "activity",
    "cycle": "cycle",
}
# Whose figures, as typed after the measure: a mention (with or without its display name) or "mine".
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
MINE = {"mine", "my", "me"}
QUIET = re.compile(r"\b(?:quiet|inactive|idle)\s+(?:for\s+)?(\d{1,4})(?:\s*days?)?\b", re.I)
# `pipeline Renewals`, `pipeline "New business"` after the measure.
PIPELINE = re.compile(r"(?:^|\s)pipeline\s+(?=\S)(?!velocity\b)", re.I)
QUOTED = re.compile(r"\s*[\"“”']([^\"“”']+)[\"“”']")
# Words that end a pipeline's name that is not one of the workspace's (to name it when refusing).
AFTER_NAME = re.compile(
    r"^(?:this|last|next|for|in|on|since|from|between|during|over|today|yesterday|ytd|mine|my|team|me"
    r"|q[1-4]|quiet|inactive|idle|share|\d{4}|<@.*|@.*"
    r"|jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july"
    r"|august|september|october|november|december)$",
    re.I,
)
# Kinds of activity, plural as a report counts them.


def _period(ctx: Ctx, slots: dict[str, Any], measure: str) -> tuple[date, date]:
    period = slots.get("period") if isinstance(slots.get("period"), dict) else None
    if period and period.get("from") and period.get("to"):
        return date.fromisoformat(period["from"]), date.fromisoformat(period["to"])
    today = today_in(ctx.tz, ctx.now())
    if measure == "forecast":
        # It looks ahead: the month's days gone by hold no deal still expected to close. The quarter, as a
        # subscription to the forecast reads it.
        return period_days(default_period(measure, "daily"), today, measure)
    # No period said: this month (customers: this year) so far.
    return (today.replace(month=1, day=1) if measure == "customers" else today.replace(day=1)), today


def report(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    measure = str(slots.get("measure"))
    if measure not in SERVED:
        return not_yet("report")
    start, end = _period(ctx, slots, measure)
    owner = slots.get("owner")
    if measure == "quota" and not isinstance(slots.get("period"), dict):
        # "how's Bob tracking against quota?": over the period of the quotas in force today, not this
        # month so far (a quarterly quota read over six days of December says nothing).
        start, end = ctx.crm.quota_period(ctx.actor, today_in(ctx.tz, ctx.now()), owner) or (start, end)
    shown = compose(
        ctx,
        measure,
        start,
        end,
        owner,
        inactive_days=int(slots.get("inactive_days") or 30),
        pipeline=slots.get("pipeline") or None,
    )
    blocks = shown.blocks()
    upload = upload_after(ctx, shown, owner)
    if upload is not None and not ctx.share:
        blocks.append(context("📈 The chart is in your DM with me."))
    return Reply(shown.text, blocks, after=[upload] if upload else [])


def quota_verb(ctx: Ctx, args: str) -> Reply:
    """Set someone's quota for a period (managers and admins). Alone, or with only a person, it shows the
    quotas in force today and what has been won against them."""
    words = args.split()
    if len(words) > 1 or (words and not (MENTION.fullmatch(words[0]) or words[0].startswith("@"))):
        return set_quota(ctx, args)
    slots: dict[str, Any] = {"measure": "quota"}
    if words:
        mention = MENTION.fullmatch(words[0])
        # A name typed after @ (not picked) is found by name, as in "/crm report quota @bob".
        slots["owner"] = mention.group(1) if mention else words[0][1:]
    return execute(ctx, {"intent": "report", "slots": slots})


def pipeline_summary(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    owner = slots.get("owner")
    p = ctx.crm.pipeline(ctx.actor, owner=owner)
    title = "Your pipeline" if owner == ctx.user_id else "Pipeline" if not owner else "Pipeline of a teammate"
    blocks = cards.pipeline(p, title)
    if owner and owner != ctx.user_id:
        blocks.insert(1, section(f"Deals owned by {user(owner)}"))
    return Reply(f"{title}: {p.open_count} open deals, {moneys(p.open_amounts, p.currency)}", blocks)


def take_pipeline(ctx: Ctx, text: str) -> tuple[str | None, str]:
    """``pipeline NAME`` taken out of a report's words: the pipeline's name as the workspace writes it
    (matched however it is written, the longest name first; or in quotes) and the words left. A name
    that is none of the workspace's pipelines is refused, naming them."""
    m = PIPELINE.search(text)
    if m is None:
        return None, text
    before, after = text[: m.start()].strip(), text[m.end() :]
    pipelines = ctx.crm.pipelines(ctx.actor)

    def named(said: str) -> str | None:
        return next(
            (p.name for p in pipelines if name_words(said) in (name_words(p.name), name_words(p.key))), None
        )

    quoted = QUOTED.match(after)
    if quoted:
        wanted, rest = quoted.group(1).strip(), after[quoted.end() :].split()
        found = named(wanted)
    else:
        said = after.split()
        # The longest run of words that names a pipeline, else the words up to a period or a person.
        n = next((n for n in range(len(said), 0, -1) if named(" ".join(said[:n]))), 0)
        if not n:
            n = next((i for i, w in enumerate(said) if AFTER_NAME.match(w)), len(said)) or 1
        wanted, rest = " ".join(said[:n]), said[n:]
        found = named(wanted)
    if found is None:
        raise Invalid(
            "pipeline.unknown", field="pipeline", value=wanted, pipelines=[p.name for p in pipelines]
        )
    return found, " ".join([before, *rest]).strip()


def report_verb(ctx: Ctx, args: str) -> Reply:
    """A report: what the parser reads from the words, or else the measure named first and the period
    and person the parser reads from the rest; ``pipeline NAME`` keeps it to one pipeline's deals."""
    pipeline, args = take_pipeline(ctx, args)
    quiet = QUIET.search(args)
    text = QUIET.sub(" ", args).strip()
    intent = understand(ctx, f"report {text}")
    measure, rest = _measure_first(text)
    if measure and (intent.get("intent") != "report" or intent["slots"].get("measure") != measure):
        intent = _measure_and_rest(ctx, measure, rest)
    if intent.get("intent") != "report":
        # "/crm report revenue": say which reports there are rather than only the form
        problem = (
            f"I don't know a report in “{esc(text)}”. Reports: {MEASURES}." if text and not measure else None
        )
        return wrong_form(REPORT_VERB, args, problem)
    if quiet:
        intent["slots"]["inactive_days"] = int(quiet.group(1))
    if pipeline:
        intent["slots"]["pipeline"] = pipeline
    return execute(ctx, intent)


def _measure_first(text: str) -> tuple[str | None, list[str]]:
    """The measure named first in `/crm report …` ("win rate" is two words) and the words after it."""
    words = text.split()
    if [w.lower() for w in words[:2]] == ["win", "rate"]:
        return "win_rate", words[2:]
    return (MEASURE_WORDS.get(words[0].lower()), words[1:]) if words else (None, [])


def _measure_and_rest(ctx: Ctx, measure: str, rest: list[str]) -> dict[str, Any]:
    """The measure as named, whose figures ("mine", a mention) and the period the parser reads from the
    other words ("/crm report won mine": "report won" alone reads as a deal called "report" being won).
    Words neither says leave no report, so the form is shown rather than a report they did not ask for."""
    slots: dict[str, Any] = {"measure": measure}
    left = []
    for word in rest:
        mention = MENTION.fullmatch(word)
        if mention:
            slots["owner"] = mention.group(1)
        elif word.lower() in MINE:
            slots["owner"] = ctx.user_id
        elif word.startswith("@") and len(word) > 1:
            slots["owner"] = word[1:]  # typed, not picked: found by name as in "bob's win rate"
        elif word.lower() != "team":
            left.append(word)
    if left:
        read = understand(ctx, "report won " + " ".join(left))
        if read.get("intent") != "report":
            return {"intent": "unknown"}
        slots = {**dict(read.get("slots") or {}), **slots}
    return {"intent": "report", "slots": slots}


MEASURES = "won, lost, win rate, activity, cycle, funnel, velocity, forecast, quota, customers, satisfaction"
REPORT_VERB = Verb(
    "report",
    "report MEASURE [PERIOD] [@someone|mine] [pipeline NAME]",
    f"Reports: {MEASURES}."
    " Every pipeline's deals unless `pipeline NAME` keeps it to one (not quota, activity or satisfaction).",
    "Pipeline",
    (
        "report won pipeline Renewals this quarter",
        "report funnel this quarter",
        "report forecast Q1 mine pipeline Renewals",
        "report customers this year quiet 60",
    ),
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
                "forecast",
                "forecast [PERIOD] [@someone|mine] [pipeline NAME]",
                "The forecast report: open deals by expected close, weighted by stage (this quarter unless"
                " a period is named); the same as /crm report forecast.",
                "Pipeline",
                ("forecast", "forecast Q1 mine"),
                run=lambda ctx, args: report_verb(ctx, f"forecast {args}"),
            ),
            Verb(
                "quota",
                "quota [@someone AMOUNT [CURRENCY] [Q1|this quarter|next month|2027]]",
                "Set someone's quota for a period (managers); alone or with only @someone, the quotas in force"
                " and what is won against them (the leaderboard).",
                "Pipeline",
                ("quota @bob 100k USD Q1", "quota @ann €80k this quarter", "quota"),
                run=quota_verb,
            ),
        ),
    ),
)
