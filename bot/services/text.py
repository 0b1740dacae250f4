from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}

# Words that say what kind of legal entity a company is, not which company: "Acme", "Acme Corp" and
# "ACME, Inc." are one company to a person.
LEGAL_SUFFIXES = frozenset(
    [
        *("inc", "incorporated", "corp", "corporation", "co", "company", "llc", "llp", "lp", "ltd"),
        *("limited", "plc", "gmbh", "mbh", "ag", "kg", "sa", "sas", "sarl", "srl", "spa", "bv", "nv"),
        *("kk", "oy", "oyj", "ab", "as", "asa", "aps", "pty", "pte", "pvt", "sl", "sro", "kft", "zrt"),
    ]
)
_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w@.+\- ]+")
# Already a key (words of kept characters, one space apart): most names, spared two substitutions.
_TIDY = re.compile(r"[\w@.+\-]+(?: [\w@.+\-]+)*\Z")


class _Marks(dict[int, int | None]):
    """Combining marks map to nothing, every other character to itself, learnt the first time each is
    met: ``str.translate`` then drops the marks in one C-level pass rather than a test per character
    (folding runs on each name of a million-row import)."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_MARKS = _Marks()


def fold(text: str) -> str:
    """The lookup key of a name: lower-cased, accents and punctuation folded, spaces collapsed."""
    folded = unicodedata.normalize("NFKD", text).translate(_MARKS).casefold()
    if _TIDY.match(folded):
        return folded
    return _SPACE.sub(" ", _PUNCT.sub(" ", folded)).strip()


def money(amount: Decimal | str | None, currency: str) -> str:
    """An amount as every reply says it ("$48,000", "¥2,500,000", "1,250.50 CHF"): here so that what
    the services word themselves (an undo's "amount back to …") reads as the cards do."""
    if amount is None:
        return "no amount"
    amount = Decimal(amount)  # planned messages carry amounts as JSON strings
    sign = CURRENCY_SIGNS.get(currency)
    whole = amount == amount.to_integral_value()
    number = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    return f"{sign}{number}" if sign else f"{number} {currency}"
