"""Quotas in chat: ``/crm quota @bob 100k USD Q1`` (managers and admins) and the quota report with its
leaderboard (the ``report`` intent's ``quota`` measure). Not a family of its own: the report family
(bot/intents/reports.py) holds the verb and routes the measure here."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from bot.blocks import cards
from bot.blocks.common import money, moneys, user
from bot.commands.registry import Ctx, Reply
from bot.services.errors import Invalid
from bot.services.quotas import Attainment, QuotaLine
from bot.services.timeutil import today_in

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
MONEY = re.compile(r"^(?P<sign>[$€£])?(?P<num>\d[\d,]*(?:\.\d+)?)(?P<mult>[kKmM])?$")
SIGNS = {"$": "USD", "€": "EUR", "£": "GBP"}


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def _quarter(year: int, q: int) -> tuple[date, date]:
    return date(year, 3 * q - 2, 1), _month_end(year, 3 * q)


def period_of(words: str, today: date) -> tuple[date, date] | None:
    """A quota's period as a manager says it: Q1 [2027], a month [2027], 2027, this/next quarter, month
    or year. A quarter or month named without a year is the next one that has not ended."""
    w = words.lower().strip()
    if not w:
        return None
    quarter = (today.month - 1) // 3 + 1
    relative = {
        "this quarter": _quarter(today.year, quarter),
        "next quarter": _quarter(today.year + quarter // 4, quarter % 4 + 1),
        "this month": (today.replace(day=1), _month_end(today.year, today.month)),
        "next month": (
            _month_end(today.year, today.month) + timedelta(days=1),
            _month_end(today.year + today.month // 12, today.month % 12 + 1),
        ),
        "this year": (date(today.year, 1, 1), date(today.year, 12, 31)),
        "next year": (date(today.year + 1, 1, 1), date(today.year + 1, 12, 31)),
    }
    if w in relative:
        return relative[w]
    if m := re.fullmatch(r"q([1-4])(?:\s+(\d{4}))?", w):
        q = int(m.group(1))
        year = int(m.group(2)) if m.group(2) else today.year + (_quarter(today.year, q)[1] < today)
        return _quarter(year, q)
    if (m := re.fullmatch(r"([a-z]{3})[a-z]*(?:\s+(\d{4}))?", w)) and m.group(1) in MONTHS:
        month = MONTHS.index(m.group(1)) + 1
        year = int(m.group(2)) if m.group(2) else today.year + (_month_end(today.year, month) < today)
        return date(year, month, 1), _month_end(year, month)
    if re.fullmatch(r"\d{4}", w):
        return date(int(w), 1, 1), date(int(w), 12, 31)
    return None


def _amount(tokens: list[str]) -> tuple[str, str | None, list[str]]:
    """The amount, its currency (by sign or code) and the words left over."""
    amount, currency, rest = None, None, []
    for token in tokens:
        m = MONEY.match(token)
        if amount is None and m:
            value = float(m.group("num").replace(",", "")) * {"k": 1e3, "m": 1e6}.get(
                (m.group("mult") or "").lower(), 1
            )
            amount = f"{value:.2f}"
            currency = SIGNS.get(m.group("sign") or "") or currency
        elif currency is None and re.fullmatch(r"[A-Za-z]{3}", token) and token.upper() == token:
            currency = token
        else:
            rest.append(token)
    if amount is None:
        raise Invalid("quota.form", field="amount")
    return amount, currency, rest


def set_quota(ctx: Ctx, args: str) -> Reply:
    """Set someone's quota for a period (managers and admins): what they are expected to win."""
    mention = MENTION.search(args)
    if mention is None:
        raise Invalid("quota.form", field="person")
    tokens = MENTION.sub(" ", args).split()
    amount, currency, rest = _amount(tokens)
    today = today_in(ctx.tz, ctx.now())
    period = period_of(" ".join(rest), today) if rest else period_of("this quarter", today)
    if period is None:
        raise Invalid("quota.period", field="period", value=" ".join(rest))
    w = ctx.crm.set_quota(ctx.actor, mention.group(1), amount, currency, *period)
    was = f" (was {moneys({w.before[1]: w.before[0]}, w.before[1])})" if w.before else ""
    line = (
        f"🎯 Quota for {user(w.slack_id)}: *{moneys({w.currency: w.amount}, w.currency)}*{was},"
        f" {w.start:%a %-d %b %Y} – {w.end:%a %-d %b %Y}"
    )
    return Reply(line, cards.written(line, [], op_id=w.op_id))


def _line(x: QuotaLine) -> str:
    return (
        f"{x.place}. {user(x.slack_id)}: {moneys({x.currency: x.won}, x.currency)} of"
        f" {moneys({x.currency: x.target}, x.currency)} ({x.share:.0%}) · {x.deals} won"
    )


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def quota_report(ctx: Ctx, start: date, end: date, owner: str | None) -> tuple[str, list[str]]:
    a: Attainment = ctx.crm.attainment(ctx.actor, start, end, owner)
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
    lines += [_line(x) for x in a.lines[:20]]
    if a.rank is not None and not owner:
        lines.append(f"You are {_ordinal(a.rank)} of {a.people}.")
    return title, lines
