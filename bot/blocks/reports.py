"""Reports as words: each measure's title and lines from the figures the services compute, for whoever
asks (a ``/crm report``, a question in words, or a channel's subscription run by the scheduler). A report
with a trend shape (won and lost, win rate, activity, satisfaction) also gives its figures per period
(day, week, month or quarter, as the span needs), drawn as a chart beside the text by
:mod:`bot.blocks.report_charts`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from slack_sdk.models.blocks import Block

from bot.blocks.cards import CATEGORY_WORDS
from bot.blocks.common import context, day, deals_count, esc, header, money, moneys, section, user
from bot.charts import ChartSpec
from bot.services import policy
from bot.services.feedback import Scores
from bot.services.forecasts import Hindsight, Slice
from bot.services.quotas import Attainment, QuotaLine
from bot.services.reports import (
    Activity,
    Closed,
    check_pipeline_measure,
    merged,
    merged_activity,
    previous,
)
from bot.services.timeutil import today_in

if TYPE_CHECKING:
    from bot.services.base import Actor
    from bot.services.crm import CRM


class Asker(Protocol):
    """Whoever a report is read for: a request's context, or a subscription's subscriber."""

    @property
    def crm(self) -> CRM: ...

    @property
    def actor(self) -> Actor: ...

    @property
    def tz(self) -> str: ...

    def now(self) -> datetime: ...


@dataclass(frozen=True)
class Reading:
    """An :class:`Asker` made from its parts (the scheduler has no request to take them from)."""

    crm: CRM
    actor: Actor
    at: datetime

    @property
    def tz(self) -> str:
        return self.actor.tz

    def now(self) -> datetime:
        return self.at


KIND_WORDS = {
    "call": "calls",
    "email": "emails",
    "meeting": "meetings",
    "note": "notes",
    "message": "messages",
}


def figures(
    ctx: Asker, report: str, start: date, end: date, owner: str | None, pipeline: str | None = None
) -> Any:
    """``ctx.crm.<report>`` over the period (kept to one pipeline's deals when named), read once per
    request where the asker keeps figures (a Slack request does): the chart draws what the reply showed,
    without reading it all again."""
    kept = getattr(ctx, "figures", None)
    key = (report, start, end, owner, pipeline)
    if isinstance(kept, dict) and key in kept:
        return kept[key]
    scope = {"pipeline": pipeline} if pipeline else {}
    got = getattr(ctx.crm, report)(ctx.actor, start, end, owner, **scope)
    if isinstance(kept, dict):
        kept[key] = got
    return got


def pipeline_names(ctx: Asker) -> list[str]:
    """The workspace's pipelines by name, in their order (read once per request, as :func:`figures`)."""
    kept = getattr(ctx, "figures", None)
    if isinstance(kept, dict) and "pipelines" in kept:
        return list(kept["pipelines"])
    names = [p.name for p in ctx.crm.pipelines(ctx.actor)]
    if isinstance(kept, dict):
        kept["pipelines"] = names
    return names


def funnel_parts(ctx: Asker, pipeline: str | None) -> list[str | None]:
    """The pipelines a funnel is shown for, one by one, each through its own stages: the one named,
    else each of several, else the workspace's only one (None)."""
    if pipeline:
        return [pipeline]
    names = pipeline_names(ctx)
    return list(names) if len(names) > 1 else [None]


def scoped(title: str, pipeline: str | None) -> str:
    """A report's or chart's title, naming the pipeline it is kept to."""
    return f"{title} in {pipeline}" if pipeline else title


def _span(start: date, end: date) -> str:
    if start == end:
        return f"{end:%a %-d %b %Y}"
    first = f"{start:%a %-d %b %Y}" if start.year != end.year else f"{start:%a %-d %b}"
    return f"{first} – {end:%a %-d %b %Y}"


def _rate(c: Closed) -> str:
    rate = c.win_rate
    closed = c.won + c.lost
    return "no deals closed" if rate is None else f"{rate:.0%} ({c.won} of {closed})"


def _whose(owner: str | None) -> str:
    return f"{user(owner)}'s" if owner else "The team's"


def _kinds(counts: dict[str, int]) -> str:
    shown = [f"{n} {KIND_WORDS.get(k, k) if n != 1 else k}" for k, n in counts.items() if n]
    return ", ".join(shown) or "nothing logged"


def _activity_per(ctx: Asker, start: date, end: date, owner: str | None) -> list[Activity]:
    """The activity of each period of the span's trend (:func:`steps`), read once per request."""
    kept = getattr(ctx, "figures", None)
    key = ("activity_per_period", start, end, owner)
    if isinstance(kept, dict) and key in kept:
        return list(kept[key])
    each = [(st.start, st.end) for st in steps(start, end)]
    per: list[Activity] = ctx.crm.activity_per_period(ctx.actor, each, owner)
    if isinstance(kept, dict):
        kept[key] = per
    return per


def _activity_of(ctx: Asker, start: date, end: date, owner: str | None) -> Activity:
    """What was logged in the period: with a trend, its periods' added up (the one read serves both)."""
    if len(steps(start, end)) < 2:
        return ctx.crm.activity(ctx.actor, start, end, owner)
    return merged_activity(_activity_per(ctx, start, end, owner), start, end)


def _activity(
    ctx: Asker, start: date, end: date, owner: str | None, pipeline: str | None = None
) -> tuple[str, list[str]]:
    a = _activity_of(ctx, start, end, owner)
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


def _cycle(
    ctx: Asker, start: date, end: date, owner: str | None, pipeline: str | None = None
) -> tuple[str, list[str]]:
    c = figures(ctx, "cycle", start, end, owner, pipeline)
    title = scoped(f"{_whose(owner)} sales cycle", pipeline)
    if c.average is None or c.median is None:
        return title, ["*No deals won in this period.*"]
    lines = [
        f"*{c.average:.0f} days on average* (median {c.median:.0f}) from added to won",
        f"over {deals_count(c.won)} won",
    ]
    return title, lines


def _slice(sl: Slice, currency: str) -> str:
    return (
        f"{deals_count(sl.deals)} · {moneys(sl.amounts, currency)} · weighted {moneys(sl.weighted, currency)}"
    )


def _bucket(start: date, end: date) -> str:
    if start.month == end.month:
        return f"{start:%b %Y}"
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


def _hindsight(h: Hindsight, currency: str, today: date, own: bool = False) -> list[str]:
    """``own``: the look back of the period asked about (it is over), not of the one before."""
    f, w = h.forecast, h.won
    so_far = ", so far" if h.end >= today else ""
    head = "*As it began*" if own else "*Last period*"
    return [
        f"{head} ({_span(h.start, h.end)}{so_far}): forecast {deals_count(f.deals)} · {moneys(f.amounts, currency)}"
        f" (weighted {moneys(f.weighted, currency)}){'' if own else ' as it began'}; won {deals_count(w.deals)}"
        f" · {moneys(w.amounts, currency)}, {h.forecast_won} of them forecast"
    ]


def _forecast(
    ctx: Asker, start: date, end: date, owner: str | None, pipeline: str | None = None
) -> tuple[str, list[str]]:
    f = figures(ctx, "forecast", start, end, owner, pipeline)
    currency = ctx.crm.workspace_currency(ctx.actor)
    whose = _whose(owner)
    today = today_in(ctx.tz, ctx.now())
    # A period over: first what was forecast as it began and what was won; then what is still open of it.
    over = f.hindsight is not None and f.hindsight.start == f.start
    lines = _hindsight(f.hindsight, currency, today, own=True) if f.hindsight is not None and over else []
    lines += [
        (
            f"*Still open: {deals_count(f.deals)} · {moneys(f.amounts, currency)}*,"
            if over
            else f"*{deals_count(f.deals)} · {moneys(f.amounts, currency)}* expected to close,"
        )
        + f" *{moneys(f.weighted, currency)}* weighted by stage"
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
    if f.hindsight is not None and not over:
        lines += _hindsight(f.hindsight, currency, today)
    if f.pipelines:
        lines.append(
            f"_All pipelines: {', '.join(f.pipelines)} (each stage under its pipeline's name);"
            " one alone: /crm report forecast pipeline NAME_"
        )
    return scoped(f"{whose} forecast", pipeline), lines


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


def _days(days: float | None) -> str:
    if days is None:
        return "none has left it yet"
    return "under a day" if days < 1 else f"{days:.0f} day" if round(days) == 1 else f"{days:.0f} days"


def _funnel_head(added: int, won: int) -> str:
    return f"{deals_count(added)} added · {won} won ({_pct(won / added)})"


def _funnel_stages(f: Any) -> list[str]:
    return [
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


def _funnel(
    ctx: Asker, start: date, end: date, owner: str | None, pipeline: str | None = None
) -> tuple[str, list[str]]:
    """One pipeline's funnel through its stages; with several pipelines and none named, each one's in
    turn (their stages differ: one funnel over all of them would mean nothing)."""
    title = scoped(f"{_whose(owner)} funnel", pipeline)
    parts = funnel_parts(ctx, pipeline)
    each = [(name, figures(ctx, "funnel", start, end, owner, name)) for name in parts]
    added, won = sum(f.added for _, f in each), sum(f.won for _, f in each)
    if not added:
        return title, ["*No deals added in this period.*"]
    if len(each) == 1:
        return title, [f"*{_funnel_head(added, won)}*", *_funnel_stages(each[0][1])]
    lines = [f"*{_funnel_head(added, won)}* in {len(each)} pipelines, each through its own stages"]
    for name, f in each:
        if not f.added:
            lines.append(f"*{name}*: no deals added")
            continue
        lines += [f"*{name}*: {_funnel_head(f.added, f.won)}", *_funnel_stages(f)]
    return title, lines


def _days_to_win(days: Any) -> str:
    """Days to win as velocity divides by them: a cycle under a day (the cycle report's 0) counts as one."""
    return f"{_days(days)} to win" if (days or 0) >= 1 else "under a day to win (counted as 1)"


def _velocity(
    ctx: Asker, start: date, end: date, owner: str | None, pipeline: str | None = None
) -> tuple[str, list[str]]:
    v = figures(ctx, "velocity", start, end, owner, pipeline)
    title = scoped(f"{_whose(owner)} pipeline velocity", pipeline)
    rows = [c for c in v.currencies if c.per_day is not None]
    if not rows:
        return title, ["*No deals won in this period, so no velocity yet.*"]
    # A currency with deals won but none open moves nothing: said as such, never added as "€0 a day".
    moving = [c for c in rows if c.open_deals]
    if moving:
        lines = [f"*{' + '.join(money(_round(c.per_day), c.currency) + ' a day' for c in moving)}*"]
    else:
        # Deals open only in currencies none was won in: there are deals open, just no velocity of theirs.
        unwon = [c for c in v.currencies if c.open_deals and c.per_day is None]
        lines = (
            ["*No velocity yet: none of the deals open now is in a currency won in this period.*"]
            + [f"• {c.currency}: {deals_count(c.open_deals)} open, none won in this period" for c in unwon]
            if unwon
            else ["*No deals open now, so no velocity.*"]
        )
    lines += [
        f"• {c.currency}: {deals_count(c.open_deals)} open × {_pct(c.win_rate)} won"
        f" × {money(_round(c.average_won), c.currency)} average ÷ {_days_to_win(c.cycle_days)}"
        for c in moving
    ]
    lines += [f"• {c.currency}: no deals open now, so no velocity" for c in rows if not c.open_deals]
    return title, lines


def _round(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(Decimal(1))


def _customers(
    ctx: Asker, start: date, end: date, owner: str | None, quiet_days: int, pipeline: str | None = None
) -> tuple[str, list[str]]:
    scope = {"pipeline": pipeline} if pipeline else {}
    c = ctx.crm.customers(ctx.actor, start, end, owner, quiet_days, **scope)
    currency = ctx.crm.workspace_currency(ctx.actor)
    title = scoped(f"{_whose(owner)} customers", pipeline)
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


def _answers(n: int) -> str:
    return f"{n} answer" if n == 1 else f"{n} answers"


def scores_line(x: Scores) -> str:
    bits = []
    if x.net_promoter is not None:
        bits.append(f"NPS {x.net_promoter:+.0f} ({_answers(x.nps_answers)})")
    if x.average_csat is not None:
        bits.append(f"CSAT {x.average_csat:.1f}/5 ({_answers(x.csat_answers)})")
    return " · ".join(bits) or "no answers"


def satisfaction_report(
    ctx: Asker, start: date, end: date, owner: str | None, pipeline: str | None = None
) -> tuple[str, list[str]]:
    r = ctx.crm.satisfaction(ctx.actor, start, end, owner)
    title = f"{user(owner)}'s satisfaction" if owner else "The team's satisfaction"
    if not r.team.nps and not r.team.csat:
        return title, ["*No answers logged in this period.* Log one: /crm feedback Jane Doe nps 9"]
    lines = [f"*{scores_line(r.team)}*"]
    if r.companies:
        lines.append("*By company*")
        lines += [f"• {esc(name)}: {scores_line(x)}" for name, x in r.companies]
    if r.owners and not owner:
        lines.append("*By owner*")
        lines += [
            f"• {user(slack_id) if slack_id else 'no owner'}: {scores_line(x)}" for slack_id, x in r.owners
        ]
    return title, lines


def _quota_line(x: QuotaLine) -> str:
    return (
        f"{x.place}. {user(x.slack_id)}: {moneys({x.currency: x.won}, x.currency)} of"
        f" {moneys({x.currency: x.target}, x.currency)} ({x.share:.0%}) · {x.deals} won"
    )


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def quota_report(
    ctx: Asker, start: date, end: date, owner: str | None, pipeline: str | None = None
) -> tuple[str, list[str]]:
    a: Attainment = figures(ctx, "attainment", start, end, owner)
    currency = ctx.crm.workspace_currency(ctx.actor)
    title = f"{user(owner)}'s quota" if owner else "The team's quotas"
    if not a.people:
        return title, ["*No quotas set for this period.* A manager sets one with /crm quota @someone 100k Q1"]
    # Each quota currency on its own: what was won in it against its targets, never another's.
    order = sorted(a.targets, key=lambda c: (c != currency, c))
    team = " · ".join(
        f"{money(a.won.get(c, Decimal(0)), c)} won of {money(a.targets[c], c)}"
        + (f" ({a.won.get(c, 0) / a.targets[c]:.0%})" if a.targets[c] else "")
        for c in order
    )
    lines = [f"*Team: {team}*"]
    if not a.lines and owner:
        lines.append(f"No quota for {user(owner)} in this period.")
    lines += [_quota_line(x) for x in a.lines[:20]]
    if a.rank is not None and not owner:
        lines.append(f"You are {_ordinal(a.rank)} of {a.people}.")
    return title, lines


def _closed_per(
    ctx: Asker, start: date, end: date, owner: str | None, pipeline: str | None = None
) -> list[Closed]:
    """The closed deals of each period of the span's trend (:func:`steps`), read once per request."""
    kept = getattr(ctx, "figures", None)
    key = ("closed_per_period", start, end, owner, pipeline)
    if isinstance(kept, dict) and key in kept:
        return list(kept[key])
    scope = {"pipeline": pipeline} if pipeline else {}
    each = [(st.start, st.end) for st in steps(start, end)]
    per: list[Closed] = ctx.crm.closed_per_period(ctx.actor, each, owner, **scope)
    if isinstance(kept, dict):
        kept[key] = per
    return per


def _closed(ctx: Asker, start: date, end: date, owner: str | None, pipeline: str | None = None) -> Closed:
    """The deals closed in the period: with a trend, its periods' added up (the one read serves both)."""
    if len(steps(start, end)) < 2:
        return figures(ctx, "closed", start, end, owner, pipeline)  # type: ignore[no-any-return]
    return merged(_closed_per(ctx, start, end, owner, pipeline), start, end)


def _won_lost(measure: str) -> Reader:
    def read(
        ctx: Asker, start: date, end: date, owner: str | None, pipeline: str | None = None
    ) -> tuple[str, list[str]]:
        c = _closed(ctx, start, end, owner, pipeline)
        won = measure == "won"
        count, amounts = (c.won, c.won_amounts) if won else (c.lost, c.lost_amounts)
        currency = ctx.crm.workspace_currency(ctx.actor)
        lines = [f"*{deals_count(count)} · {moneys(amounts, currency)}*"]
        for o in [o for o in c.owners if policy.sees_figures_of(ctx.actor, o.slack_id)][:15]:
            n, a = (o.won, o.won_amounts) if won else (o.lost, o.lost_amounts)
            if n:
                lines.append(f"• {user(o.slack_id)}: {n} · {moneys(a, currency)}")
        return scoped(f"{_whose(owner)} deals {'won' if won else 'lost'}", pipeline), lines

    return read


def _win_rate(
    ctx: Asker, start: date, end: date, owner: str | None, pipeline: str | None = None
) -> tuple[str, list[str]]:
    c = _closed(ctx, start, end, owner, pipeline)
    before = figures(ctx, "closed", *previous(start, end), owner, pipeline)
    lines = [f"*{_rate(c)}*", f"Before ({_span(*previous(start, end))}): {_rate(before)}"]
    if not owner and len(c.owners) > 1:
        seen = [o for o in c.owners if policy.sees_figures_of(ctx.actor, o.slack_id)]
        lines += [f"• {user(o.slack_id)}: {o.won} of {o.won + o.lost}" for o in seen[:15]]
    return scoped(f"{_whose(owner)} win rate", pipeline), lines


# (asker, first day, last day, owner's Slack id, pipeline's name) → title and lines.
Reader = Callable[[Asker, date, date, str | None, str | None], tuple[str, list[str]]]
CLOSED_HOW = "by the day each deal closed"

# Each measure's reader: (title and lines, what the period counts by).
READERS: dict[str, tuple[Reader, str]] = {
    "won": (_won_lost("won"), CLOSED_HOW),
    "lost": (_won_lost("lost"), CLOSED_HOW),
    "win_rate": (_win_rate, CLOSED_HOW),
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
MEASURES = (*READERS, "customers")


# ---- trends: the same figures per period -----------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One period of a trend: its days and its label (a day, a week by its Monday, a month, a quarter)."""

    start: date
    end: date
    label: str


def steps(start: date, end: date) -> list[Step]:
    """The periods a span is drawn in: days up to two weeks, weeks up to a quarter, months up to two
    years, quarters beyond; the first and last clipped to the span."""
    days = (end - start).days + 1
    out: list[Step] = []
    cursor = start
    while cursor <= end:
        if days <= 14:
            last, label = cursor, f"{cursor:%a %-d}"
        elif days <= 98:
            last = cursor + timedelta(days=6 - cursor.weekday())
            label = f"{cursor - timedelta(days=cursor.weekday()):%-d %b}"
        elif days <= 731:
            nxt = (cursor.replace(day=1) + timedelta(days=32)).replace(day=1)
            last, label = nxt - timedelta(days=1), f"{cursor:%b %Y}"
        else:
            q = (cursor.month - 1) // 3
            nxt = date(cursor.year + (q == 3), (q * 3 + 3) % 12 + 1, 1)
            last, label = nxt - timedelta(days=1), f"Q{q + 1} {cursor:%Y}"
        last = min(last, end)
        out.append(Step(cursor, last, label))
        cursor = last + timedelta(days=1)
    return out


def _step_word(start: date, end: date) -> str:
    days = (end - start).days + 1
    return "day" if days <= 14 else "week" if days <= 98 else "month" if days <= 731 else "quarter"


_T = TypeVar("_T")


@dataclass
class Trend:
    """A trend's figures per period: the lines shown under the report and the charts drawing them."""

    lines: list[str] = field(default_factory=list)
    charts: list[ChartSpec] = field(default_factory=list)


def _so_far(ctx: Asker, each: list[Step], per: list[_T]) -> tuple[list[Step], list[_T]]:
    """The periods that have begun by today, with their figures: a period still to come is no line of
    noughts. The figures are read over the whole span (the report's totals are their sum)."""
    today = today_in(ctx.tz, ctx.now())
    kept = [(st, x) for st, x in zip(each, per, strict=True) if st.start <= today]
    return [st for st, _ in kept], [x for _, x in kept]


def _closed_trend(
    ctx: Asker, measure: str, start: date, end: date, owner: str | None, pipeline: str | None = None
) -> Trend | None:
    each, per = _so_far(ctx, steps(start, end), _closed_per(ctx, start, end, owner, pipeline))
    if not any(c.won or c.lost for c in per):
        return None
    currency = ctx.crm.workspace_currency(ctx.actor)
    word = _step_word(start, end)
    labels = tuple(st.label for st in each)
    if measure == "win_rate":
        lines = [f"• {st.label}: {_rate(c)}" for st, c in zip(each, per, strict=True)]
        rated = [(st.label, c.win_rate) for st, c in zip(each, per, strict=True) if c.win_rate is not None]
        chart = ChartSpec(
            "win-rate.png",
            scoped(f"Win rate per {word}", pipeline),
            tuple(label for label, _ in rated),
            (("win rate %", tuple(round(100 * r, 1) for _, r in rated)),),
            "% of closed deals won",
            "line",
        )
        return Trend([f"*Per {word}*", *lines], [chart] if len(rated) > 1 else [])
    lines = [
        f"• {st.label}: {c.won} won · {moneys(c.won_amounts, currency)} · {c.lost} lost"
        for st, c in zip(each, per, strict=True)
    ]
    chart = ChartSpec(
        "won-lost.png",
        scoped(f"Deals won and lost per {word}", pipeline),
        labels,
        (("won", tuple(float(c.won) for c in per)), ("lost", tuple(float(c.lost) for c in per))),
        "Deals",
        "line",
    )
    return Trend([f"*Per {word}*", *lines], [chart])


def _activity_trend(ctx: Asker, start: date, end: date, owner: str | None) -> Trend | None:
    each, per = _so_far(ctx, steps(start, end), _activity_per(ctx, start, end, owner))
    if not any(a.total for a in per):
        return None
    word = _step_word(start, end)
    lines = [f"• {st.label}: {a.total} ({_kinds(a.kinds)})" for st, a in zip(each, per, strict=True)]
    chart = ChartSpec(
        "activity.png",
        f"Activity logged per {word}",
        tuple(st.label for st in each),
        (("logged", tuple(float(a.total) for a in per)),),
        "Calls, emails, meetings, notes",
        "line",
    )
    return Trend([f"*Per {word}*", *lines], [chart])


def _satisfaction_trend(ctx: Asker, start: date, end: date, owner: str | None) -> Trend | None:
    every = steps(start, end)
    read: list[Scores] = ctx.crm.satisfaction_trend(ctx.actor, [(st.start, st.end) for st in every], owner)
    each, per = _so_far(ctx, every, read)
    if not any(x.nps_answers or x.csat_answers for x in per):
        return None
    word = _step_word(start, end)
    lines = [f"• {st.label}: {scores_line(x)}" for st, x in zip(each, per, strict=True)]
    charts = []
    nps = [(st.label, x.net_promoter) for st, x in zip(each, per, strict=True) if x.net_promoter is not None]
    csat = [(st.label, x.average_csat) for st, x in zip(each, per, strict=True) if x.average_csat is not None]
    if len(nps) > 1:
        charts.append(
            ChartSpec(
                "nps.png",
                f"NPS per {word}",
                tuple(label for label, _ in nps),
                (("NPS", tuple(round(v, 1) for _, v in nps)),),
                "NPS (−100 to 100)",
                "line",
            )
        )
    if len(csat) > 1:
        charts.append(
            ChartSpec(
                "csat.png",
                f"Average CSAT per {word}",
                tuple(label for label, _ in csat),
                (("CSAT", tuple(round(v, 2) for _, v in csat)),),
                "CSAT (1–5)",
                "line",
            )
        )
    return Trend([f"*Per {word}*", *lines], charts)


def trend(
    ctx: Asker, measure: str, start: date, end: date, owner: str | None, pipeline: str | None = None
) -> Trend | None:
    """The measure's figures per period, for a measure with a trend shape over a span of more than one
    period that has begun, with something in it; None otherwise (the report's first line says so)."""
    if len(steps(start, end)) < 2:
        return None
    if measure in ("won", "lost", "win_rate"):
        return _closed_trend(ctx, measure, start, end, owner, pipeline)
    if measure == "activity":
        return _activity_trend(ctx, start, end, owner)
    if measure == "satisfaction":
        return _satisfaction_trend(ctx, start, end, owner)
    return None


# ---- a whole report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """A report as shown: its title, lines (the figures as text, trend included), what the period counts
    by, its span, and the charts of its trend (other charts are drawn on demand: report_charts)."""

    measure: str
    title: str
    lines: list[str]
    how: str
    start: date
    end: date
    charts: list[ChartSpec] | None = None
    pipeline: str | None = None  # the one pipeline it is kept to; None: every pipeline

    @property
    def text(self) -> str:
        return f"{self.title}, {span(self.start, self.end)}: " + self.lines[0].strip("*")

    def blocks(self) -> list[Block]:
        return [
            title_block(self.title),
            section("\n".join(self.lines)),
            context(f"{span(self.start, self.end)} · {self.how}"),
        ]


def title_block(title: str) -> Block:
    """A report's title: a header, unless it names someone (a header is plain text, so the mention would
    show as its raw id): then a bold section."""
    return section(f"*{title}*") if "<@" in title else header(title)


def span(start: date, end: date) -> str:
    return _span(start, end)


def compose(
    ctx: Asker,
    measure: str,
    start: date,
    end: date,
    owner: str | None,
    *,
    inactive_days: int = 30,
    pipeline: str | None = None,
) -> Report:
    """The report of ``measure`` over the days ``start`` … ``end`` (the reader's zone), for the team or
    one person (``owner``, a Slack id), over every pipeline's deals or one's (``pipeline``, its name),
    as the asker may see it."""
    check_pipeline_measure(measure, pipeline)
    if measure == "customers":
        title, lines = _customers(ctx, start, end, owner, inactive_days, pipeline)
        return Report(measure, title, lines, CUSTOMERS_HOW, start, end, pipeline=pipeline)
    read, how = READERS[measure]
    title, lines = read(ctx, start, end, owner, pipeline)
    shape = trend(ctx, measure, start, end, owner, pipeline)
    if shape is None:
        return Report(measure, title, lines, how, start, end, pipeline=pipeline)
    return Report(measure, title, [*lines, *shape.lines], how, start, end, shape.charts, pipeline)
