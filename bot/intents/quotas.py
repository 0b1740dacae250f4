"""Quotas in chat: ``/crm quota @bob 100k USD Q1`` (managers and admins) and the quota report with its
leaderboard (the ``report`` intent's ``quota`` measure). Not a family of its own: the report family
(bot/intents/reports.py) holds the verb and routes the measure here."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from bot.blocks import cards, ids
from bot.blocks.common import actions, button, compact, esc, moneys, section, user
from bot.blocks.messages import describe, yes_label
from bot.commands.registry import Ctx, Reply
from bot.services.errors import CurrencyChange, Invalid
from bot.services.timeutil import today_in

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
MONEY = re.compile(r"^(?P<sign>[$€£])?(?P<num>\d[\d,]*(?:\.\d+)?)(?P<mult>[kKmM])?$")
SIGNS = {"$": "USD", "€": "EUR", "£": "GBP"}
NEGATIVE = re.compile(r"^[-−][$€£]?\d|^[$€£][-−]\d")


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
        if amount is None and NEGATIVE.match(token):
            raise Invalid("quota.amount.negative", field="amount", value=token)
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


def _person(ctx: Ctx, args: str) -> tuple[str, list[str]]:
    """Whose quota: a mention, or a teammate named as elsewhere ("bob", "@bob" typed without Slack
    making it a mention), found among the team's people or refused naming the name; and the rest."""
    mention = MENTION.search(args)
    if mention is not None:
        return mention.group(1), MENTION.sub(" ", args).split()
    tokens = args.split()
    if not tokens or MONEY.match(tokens[0]) or NEGATIVE.match(tokens[0]):
        raise Invalid("quota.form", field="person")
    name = tokens[0].lstrip("@")
    return ctx.crm.teammate(ctx.actor, name).slack_id, tokens[1:]


def set_quota(ctx: Ctx, args: str) -> Reply:
    """Set someone's quota for a period (managers and admins): what they are expected to win."""
    person, tokens = _person(ctx, args)
    amount, currency, rest = _amount(tokens)
    today = today_in(ctx.tz, ctx.now())
    period = period_of(" ".join(rest), today) if rest else period_of("this quarter", today)
    if period is None:
        raise Invalid("quota.period", field="period", value=" ".join(rest))
    try:
        w = ctx.crm.set_quota(ctx.actor, person, amount, currency, *period)
    except CurrencyChange as exc:
        message, _ = describe(exc)
        again = {
            "p": person,
            "a": amount,
            "c": currency,
            "from": period[0].isoformat(),
            "to": period[1].isoformat(),
        }
        blocks = compact(
            [
                section(f"✋ {esc(message)}"),
                actions(
                    button(yes_label(exc), ids.QUOTA_CURRENCY, again),
                    button("Cancel", ids.CANCEL, style="primary"),
                ),
            ]
        )
        return Reply(message, blocks)
    return _written(w)


def set_quota_confirmed(ctx: Ctx, value: dict[str, Any]) -> Reply:
    """Yes to a quota's new currency: the same quota again, written."""
    start, end = date.fromisoformat(str(value["from"])), date.fromisoformat(str(value["to"]))
    w = ctx.crm.set_quota(ctx.actor, str(value["p"]), value["a"], value.get("c"), start, end, force=True)
    return _written(w)


def _written(w: Any) -> Reply:
    was = f" (was {moneys({w.before[1]: w.before[0]}, w.before[1])})" if w.before else ""
    line = (
        f"🎯 Quota for {user(w.slack_id)}: *{moneys({w.currency: w.amount}, w.currency)}*{was},"
        f" {w.start:%a %-d %b %Y} – {w.end:%a %-d %b %Y}"
    )
    return Reply(line, cards.written(line, [], op_id=w.op_id))
