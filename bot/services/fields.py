"""What a person typed into a field, checked and put in the form it is stored in.

Every service reads names, amounts, currencies, emails and phone numbers through these, so a value is
refused with the same message wherever it was typed.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.services import limits
from bot.services.errors import Invalid
from bot.services.iso4217 import is_currency
from bot.services.text import fold

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
PHONE = re.compile(r"^\+?[\d\s().\-]{6,}$")


def money(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise Invalid("amount.unreadable", field="amount", value=str(value)) from None
    if amount < 0 or amount >= Decimal("1e12"):
        raise Invalid("amount.out_of_range", field="amount", value=str(value))
    return amount.quantize(Decimal("0.01"))


def currency(value: str | None, default: str) -> str:
    code = (value or default).strip().upper()
    if not is_currency(code):
        raise Invalid("currency.unknown", field="currency", value=value)
    return code


def email(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    value = value.strip()
    limits.check("email", value)
    if not EMAIL.match(value):
        raise Invalid("email.invalid", field="email", value=value)
    return value.lower()


def phone(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    limits.check("phone", value.strip())
    if not PHONE.match(value.strip()):
        raise Invalid("phone.invalid", field="phone", value=value)
    return value.strip()


# A web domain as a company's is kept: "acme.com", "sakura.co.jp" (no scheme, path or "www.").
DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+[a-z]{2,}$")


def domain(value: str | None) -> str | None:
    """A company's domain, lower-cased; "https://www.acme.com/" is "acme.com"."""
    if value is None or value.strip() == "":
        return None
    text = value.strip().lower()
    # Slack sends a typed domain as a link: <http://acme.com|acme.com>.
    text = re.sub(r"^<[^|>]*\|([^>]*)>$|^<([^>]*)>$", lambda m: m.group(1) or m.group(2), text)
    text = re.sub(r"^[a-z][a-z0-9+.\-]*://", "", text)
    text = re.sub(r"^www\.", "", text).split("/", 1)[0].rstrip(".")
    limits.check("domain", text)
    if not DOMAIN.match(text):
        raise Invalid("company.domain.invalid", field="domain", value=value)
    return text


def industry(value: str | None) -> str | None:
    """A company's industry: words. Digits and dashes alone ("555-1234") are a phone number put in the
    wrong place, not an industry."""
    cleaned = text_field(value, "industry")
    if cleaned is not None and not re.search(r"[^\W\d_]", cleaned):
        raise Invalid("company.industry.invalid", field="industry", value=cleaned)
    return cleaned


def text_field(value: str | None, what: str) -> str | None:
    """A short free text (an industry), spaces tidied; empty is none."""
    cleaned = re.sub(r"\s+", " ", value or "").strip()
    if not cleaned:
        return None
    limits.check(what, cleaned)
    return cleaned


def tags(values: Any, *, typed: bool = True) -> list[str]:
    """Tags as kept: without a leading #, blanks dropped, each once, in the order given. A typed tag is one
    word; an imported file's are kept as they come (``typed=False``)."""
    # "hot,emea" as typed in `tags=hot,emea` is two tags.
    items = values.split(",") if isinstance(values, str) else list(values or [])
    kept = list(dict.fromkeys(t for t in (str(v).strip().lstrip("#").strip() for v in items) if t))
    for tag in kept:
        # "#x y" can't be asked for in a list: a tag of two words would be kept and never found again.
        if typed and re.search(r"\s", tag):
            raise Invalid("tag.spaces", field="tags", value=tag, joined=re.sub(r"\s+", "-", tag))
    return kept


def name(value: str | None, what: str, usage: str) -> str:
    """A name or title as stored; ``what`` is its field in bot/services/limits.py, ``usage`` where it was
    asked for (the message's example follows it: ``contact.add``, ``task.edit``)."""
    cleaned = re.sub(r"\s+", " ", value or "").strip()
    if not cleaned:
        raise Invalid("field.missing", field=what, usage=usage)
    limits.check(what, cleaned)
    column = limits.FIELDS[what]
    key_column = getattr(column.class_, f"{column.key}_key", None)
    if key_column is not None:
        limits.check_key(what, fold(cleaned), key_column)
    return cleaned


def summary(value: str | None, kind: str) -> str:
    text = (value or "").strip()
    limits.check("summary", text, label="note" if kind == "note" else f"{kind} summary")
    return text


def plain_amount(value: Decimal | None) -> str | None:
    """An amount as a message shows it: no decimals when it has none."""
    if value is None:
        return None
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
