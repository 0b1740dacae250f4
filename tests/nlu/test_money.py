"""The money recogniser: symbols and codes on either side, and each number grammar."""

import pytest

from bot.nlu.money import find_money

CASES = [
    ("$50k", 50000, "USD"),
    ("US$ 12k", 12000, "USD"),
    ("C$ 40,000", 40000, "CAD"),
    ("AU$ 1.5m", 1500000, "AUD"),
    ("NZ$ 75k", 75000, "NZD"),
    ("R$ 2.400", 2400, "BRL"),
    ("R$ 90 mil", 90000, "BRL"),
    ("HK$ 3m", 3000000, "HKD"),
    ("S$ 18k", 18000, "SGD"),
    ("€1.2M", 1200000, "EUR"),
    ("72.500 €", 72500, "EUR"),
    ("3,75 Mio €", 3750000, "EUR"),
    ("1.250.000,50 EUR", 1250000.5, "EUR"),
    ("4 Mrd €", 4000000000, "EUR"),
    ("CHF 65'000", 65000, "CHF"),
    ("1'250'000 CHF", 1250000, "CHF"),
    ("₹8 lakh", 800000, "INR"),
    ("Rs 3.5 crore", 35000000, "INR"),
    ("INR 15,00,000", 1500000, "INR"),
    ("4 crore rupees", 40000000, "INR"),
    ("₩12,000,000", 12000000, "KRW"),
    ("120k zł", 120000, "PLN"),
    ("PLN 45k", 45000, "PLN"),
    ("₺800k", 800000, "TRY"),
    ("₦30m", 30000000, "NGN"),
    ("SAR 900k", 900000, "SAR"),
    ("90k sgd", 90000, "SGD"),
    ("zar 1.1m", 1100000, "ZAR"),
    ("2,000,000 yen", 2000000, "JPY"),
    ("¥8m", 8000000, "JPY"),
    ("CN¥ 600k", 600000, "CNY"),
    ("RMB 3m", 3000000, "CNY"),
    ("5 million yuan", 5000000, "CNY"),
    ("250 000 €", 250000, "EUR"),
    ("£1,250.75", 1250.75, "GBP"),
]


@pytest.mark.parametrize(("text", "amount", "currency"), CASES)
def test_amount_and_currency(text: str, amount: float, currency: str) -> None:
    got = find_money(f"deal for {text} next quarter", deal_context=True, exclude=[])
    assert [(m.amount, m.currency) for m in got] == [(amount, currency)]


@pytest.mark.parametrize(
    "text",
    [
        "we have 2,5 options",  # a decimal comma with no currency is not money
        "version 1.200 shipped",  # dot thousands need a currency
        "see you at 3 pm",
        "try 2 times",  # a code that is also a word is only read in capitals
        "12 seats at 40%",
    ],
)
def test_not_money(text: str) -> None:
    assert find_money(text, deal_context=True, exclude=[]) == []


def test_bare_amount_needs_deal_context() -> None:
    assert find_money("worth 45,000", deal_context=False, exclude=[]) == []
    assert [m.amount for m in find_money("worth 45,000", deal_context=True, exclude=[])] == [45000]


def test_span_covers_symbol_after() -> None:
    text = "retrofit 72.500 € close in May"
    (m,) = find_money(text, deal_context=True, exclude=[])
    assert text[m.start : m.end] == "72.500 €"
