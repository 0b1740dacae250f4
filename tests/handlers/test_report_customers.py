"""Customers: revenue, retention (last year's buyers who bought again), new customers, the top customers
by lifetime value and the ones gone quiet, asked over signed HTTP. The deals are made through the
services at the dates of the story; the expected figures are computed here from the same story."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from tests.support.slackhttp import ANN, BOB, SlackHTTP, text_of

# (company, amount, currency, day won)
WINS = [
    ("Acme", 10000, "USD", date(2025, 3, 10)),
    ("Globex", 5000, "USD", date(2025, 6, 1)),
    ("Initech", 8000, "EUR", date(2025, 9, 1)),
    ("Acme", 20000, "USD", date(2026, 2, 1)),
    ("Initech", 4000, "EUR", date(2026, 5, 1)),
    ("Umbrella", 7000, "USD", date(2026, 4, 1)),
]
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
ACME_CALL = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)  # the only activity since a deal was won
SIGN = {"USD": "$", "EUR": "€"}


def _at(slack: SlackHTTP, when: datetime) -> None:
    slack.services.clock.set(when)  # type: ignore[attr-defined]


def _story(slack: SlackHTTP) -> None:
    slack.command("help")
    slack.command("help", user=BOB)
    ann = slack.crm.register_user("T1", ANN, name="Ann Rep", tz="America/New_York")
    acme_deal = None
    for i, (company, amount, currency, won) in enumerate(WINS):
        _at(slack, datetime.combine(won, datetime.min.time(), UTC) + timedelta(hours=15))
        deal = slack.crm.create_deal(
            ann, f"{company} order {i}", company=company, amount=str(amount), currency=currency
        ).deal
        slack.crm.update_deal(ann, deal.id, stage="won")
        acme_deal = deal.id if company == "Acme" else acme_deal
    slack.crm.create_deal(ann, "Hooli pilot", company="Hooli", amount="3000")  # open: not a customer
    _at(slack, ACME_CALL)
    slack.crm.log_interaction(ann, "call", "renewal talk", deal=acme_deal)
    _at(slack, NOW)


def _money(amounts: dict[str, Decimal]) -> str:
    order = sorted(amounts, key=lambda c: (c != "USD", c))
    return " + ".join(f"{SIGN[c]}{amounts[c]:,.0f}" for c in order)


def _sum(rows: list[tuple[str, int, str, date]]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for _, amount, currency, _ in rows:
        out[currency] = out.get(currency, Decimal(0)) + amount
    return out


def test_customers_this_year_retention_revenue_and_lifetime_value(slack: SlackHTTP) -> None:
    _story(slack)
    this_year = [w for w in WINS if w[3].year == 2026]
    last_year = {w[0] for w in WINS if w[3].year == 2025}
    buyers = {w[0] for w in this_year}
    retained = last_year & buyers
    new = buyers - last_year

    shown = text_of(slack.dm("report customers this year"))
    head = f"*{len(buyers)} customers bought · {_money(_sum(this_year))}* ({len(new)} new)"
    assert head in shown, shown
    rate = f"{len(retained) / len(last_year):.0%}"
    assert (
        f"Retention: {len(retained)} of the {len(last_year)} who bought in" in shown and f"({rate})" in shown
    )
    # Ranked by lifetime value in the workspace's currency (dollars), then the rest.
    lifetime: dict[str, dict[str, Decimal]] = {}
    for name in {w[0] for w in WINS}:
        lifetime[name] = _sum([w for w in WINS if w[0] == name])
    ranked = sorted(lifetime, key=lambda n: (-lifetime[n].get("USD", Decimal(0)), n))
    lines = [line for line in shown.splitlines() if line[:2] in {f"{i}." for i in range(1, 10)}]
    assert [line.split(":")[0][3:] for line in lines] == ranked, shown
    assert "1. Acme: $30,000 over 2 deals won · $20,000 in this period" in shown, shown
    assert "Initech: €12,000 over 2 deals won · €4,000 in this period" in shown, shown
    assert "Hooli" not in shown, shown


def test_customers_gone_quiet_for_n_days_from_crm(slack: SlackHTTP) -> None:
    _story(slack)
    days = 210
    since = NOW - timedelta(days=days)
    last = {}
    for company, _, _, won in WINS:
        last[company] = max(last.get(company, won), won)
    last["Acme"] = ACME_CALL.date()
    quiet = sorted((d, c) for c, d in last.items() if datetime.combine(d, datetime.min.time(), UTC) < since)
    shown = text_of(slack.command(f"report customers this year quiet {days}"))
    assert f"*No activity for {days} days: {len(quiet)}*" in shown, shown
    listed = [line[2:].split(":")[0] for line in shown.splitlines() if line.startswith("• ")]
    assert listed == [c for _, c in quiet], shown
    default = text_of(slack.command("report customers"))
    assert "*No activity for 30 days: 3*" in default and "• Acme" not in default, default


def test_revenue_in_the_workspace_currency_alone_to_the_cent(slack: SlackHTTP) -> None:
    """With every win in dollars the period's revenue comes from the same pass as the counts: the same
    sum, to the cent, as the deals add up to."""
    slack.command("help")
    ann = slack.crm.register_user("T1", ANN, name="Ann Rep", tz="UTC")
    amounts = ["1234.56", "10.10", "0.35"]
    for i, amount in enumerate(amounts):
        _at(slack, datetime(2026, 3 + i, 2, 15, 0, tzinfo=UTC))
        deal = slack.crm.create_deal(ann, f"Order {i}", company=f"Co {i % 2}", amount=amount).deal
        slack.crm.update_deal(ann, deal.id, stage="won")
    _at(slack, NOW)
    c = slack.crm.customers(ann, date(2026, 1, 1), date(2026, 11, 18), None, 30)
    assert c.revenue == {"USD": sum(Decimal(a) for a in amounts)}
    assert (c.buyers, c.new, c.prior) == (2, 2, 0)
    assert [line.lifetime for line in c.top] == [{"USD": Decimal("1234.91")}, {"USD": Decimal("10.10")}]
    shown = text_of(slack.dm("report customers this year"))
    assert "2 customers bought · $1,245.01* (2 new)" in shown, shown
