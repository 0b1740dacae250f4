"""Amounts of money as people write them, in many countries' number formats.

A table of currency symbols, codes and words, and a few number grammars:

- ``1,200,000.50`` (comma thousands, dot decimals), ``12,00,000`` (Indian grouping),
- ``1.200.000,50`` and ``45.000`` (dot thousands, comma decimals), ``80'000`` (apostrophe thousands),
- ``45 000`` (space thousands, only with a currency), ``2,5`` (a decimal comma, only with a currency or a scale),
- scales: ``k``, ``m``/``mm``/``mn``/``mio``, ``bn``/``mrd``, ``lakh`` (100,000), ``crore`` (10,000,000), words.

The currency may come before or after the number, as a symbol (``R$``, ``NZ$``, ``zł``, ``₩``) or an ISO 4217
code in either case. ``¥`` alone is read as JPY (``CN¥``, ``RMB`` and ``yuan`` give CNY).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import rx as rc


@dataclass
class Money:
    start: int
    end: int
    amount: float
    currency: str | None


# Symbols written before the number (a letter-prefixed dollar names its country).
PREFIX_SYMBOLS = {
    "us$": "USD",
    "ksh": "KES",
    "ksh.": "KES",
    "u$s": "USD",
    "$": "USD",
    "c$": "CAD",
    "ca$": "CAD",
    "cad$": "CAD",
    "a$": "AUD",
    "au$": "AUD",
    "aud$": "AUD",
    "nz$": "NZD",
    "r$": "BRL",
    "hk$": "HKD",
    "s$": "SGD",
    "sg$": "SGD",
    "mx$": "MXN",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "jp¥": "JPY",
    "cn¥": "CNY",
    "₹": "INR",
    "rs": "INR",
    "rs.": "INR",
    "₩": "KRW",
    "₺": "TRY",
    "₦": "NGN",
    "₱": "PHP",
    "₪": "ILS",
    "฿": "THB",
    "₫": "VND",
    "₽": "RUB",
    "₴": "UAH",
    "zł": "PLN",
    "kč": "CZK",
}
# Symbols and words written after the number.
SUFFIX_WORDS = {
    "€": "EUR",
    "£": "GBP",
    "$": "USD",
    "¥": "JPY",
    "₹": "INR",
    "₩": "KRW",
    "₺": "TRY",
    "₫": "VND",
    "₽": "RUB",
    "zł": "PLN",
    "zl": "PLN",
    "kč": "CZK",
    "dollars": "USD",
    "dollar": "USD",
    "bucks": "USD",
    "euros": "EUR",
    "euro": "EUR",
    "pounds": "GBP",
    "quid": "GBP",
    "yen": "JPY",
    "rupees": "INR",
    "rupee": "INR",
    "reais": "BRL",
    "zloty": "PLN",
    "złoty": "PLN",
    "zlotys": "PLN",
    "francs": "CHF",
    "rand": "ZAR",
    "dirhams": "AED",
    "dirham": "AED",
    "riyals": "SAR",
    "riyal": "SAR",
    "naira": "NGN",
    "yuan": "CNY",
    "rmb": "CNY",
    "renminbi": "CNY",
    "lira": "TRY",
    "shillings": "KES",
}
ISO_CODES = [
    "USD",
    "EUR",
    "GBP",
    "CAD",
    "AUD",
    "CHF",
    "JPY",
    "INR",
    "NZD",
    "SEK",
    "SGD",
    "AED",
    "SAR",
    "MXN",
    "BRL",
    "ZAR",
    "HKD",
    "NOK",
    "DKK",
    "PLN",
    "CNY",
    "RMB",
    "KRW",
    "ILS",
    "TRY",
    "CZK",
    "HUF",
    "THB",
    "MYR",
    "IDR",
    "PHP",
    "QAR",
    "KWD",
    "EGP",
    "NGN",
    "KES",
    "CLP",
    "COP",
    "ARS",
    "PEN",
    "VND",
    "PKR",
    "BDT",
    "LKR",
    "TWD",
    "RUB",
    "UAH",
    "RON",
    "BGN",
    "ISK",
    "MAD",
    "GHS",
    "OMR",
    "BHD",
    "JOD",
    "UYU",
]
# Codes that are also English words are only read in capitals.
_WORDLIKE = {"TRY", "COP", "MAD", "PHP", "PEN", "ISK"}
_ISO_RX = "|".join(ISO_CODES)
ISO_LOWER_RX = "|".join(c.lower() for c in ISO_CODES if c not in _WORDLIKE)

SCALES = {
    "k": 1e3,
    "thousand": 1e3,
    "grand": 1e3,
    "tsd": 1e3,
    "m": 1e6,
    "mm": 1e6,
    "mn": 1e6,
    "mil": 1e6,
    "mio": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "mrd": 1e9,
    "billion": 1e9,
    "lakh": 1e5,
    "lakhs": 1e5,
    "lac": 1e5,
    "lacs": 1e5,
    "crore": 1e7,
    "crores": 1e7,
    "cr": 1e7,
    # Portuguese and Spanish "1,5 mi" / "2 millones"; Korean and Japanese myriads ("1.2억", "3천만", "500万")
    "mi": 1e6,
    "milhões": 1e6,
    "milhoes": 1e6,
    "millones": 1e6,
    # Polish, Russian, Dutch and Italian "1,4 mln zł", "2 mld"
    "mln": 1e6,
    "mld": 1e9,
    "천": 1e3,
    "만": 1e4,
    "万": 1e4,
    "천만": 1e7,
    "억": 1e8,
    "億": 1e8,
    "조": 1e12,
}
# Where "mil" is a thousand (Portuguese and Spanish), not a million.
_MIL_THOUSAND = {"BRL", "ARS", "MXN", "CLP", "COP", "PEN", "UYU"}
# Currencies conventionally written with dot thousands: "R$ 1.500" is fifteen hundred.
_DOT_THOUSANDS = {
    "EUR",
    "BRL",
    "TRY",
    "IDR",
    "ARS",
    "CLP",
    "COP",
    "VND",
    "DKK",
    "NOK",
    "CHF",
    "CZK",
    "PLN",
    "RON",
}

_PRE_RX = (
    r"(?i:(?:us|u\$s|c|ca|cad|a|au|aud|nz|r|hk|s|sg|mx)\$|(?:cn|jp)¥|rs\.?(?=\s?\d)|kr\.?(?=\s?\d)|ksh\.?(?=\s?\d)|zł|kč)"
    r"|[$€£¥₹₩₺₦₱₪฿₫₽₴]"
    rf"|(?:{_ISO_RX})(?=\s?\d)|(?:{ISO_LOWER_RX})(?=\s?\d)"
)
_SUFFIX_WORDS_RX = "|".join(sorted((w for w in SUFFIX_WORDS if w.isalpha()), key=len, reverse=True))
_POST_RX = rf"[€£$¥₹₩₺₫₽]|zł|kč|(?i:kr)(?![\w])|(?:{_ISO_RX})(?![\w])|(?i:(?:{ISO_LOWER_RX}|{_SUFFIX_WORDS_RX})(?![\w]))"
_SCALE_RX = (
    r"(?:k|K|mm|MM|mn|mil|m|M|bn|b|B|thousand|million|millions|billion|grand|(?i:mio|mrd|tsd)\.?"
    r"|(?i:lakhs?|lacs?|crores?|cr|mi|milh[õo]es|millones|mln|mld)\.?|천만|천|만|万|억|億|조)"
)
_NUM_RX = (
    r"\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d+)?"  # Indian grouping: 12,00,000
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # 1,200,000.50
    r"|\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?(?![\d.])"  # 1.200.000,50 / 45.000
    r"|\d{1,3}(?:['’]\d{3})+(?:\.\d+)?"  # 80'000
    r"|\d{1,3}(?:[\u00a0\u202f ]\d{3})+(?:,\d{1,2})?(?=\s*(?:[€$£¥₹₩₺₫₽]|zł|kč|kr\b|[A-Z]{3}\b))"  # 45 000 €
    # kr 200 000, SEK 200 000, € 45 000: space thousands after a currency written first
    r"|(?:(?<=kr )|(?<=kr\. )|(?<=Kr )|(?<=KR )|(?<=[A-Z]{3} )|(?<=[€$£¥₹₩₺₫₽] )|(?<=zł ))"
    r"\d{1,3}(?:[\u00a0\u202f ]\d{3})+(?:,\d{1,2})?(?![\d])"
    r"|\d+,\d{1,2}(?![\d])"  # 2,5 (a decimal comma)
    r"|\d+(?:\.\d+)?"
)

MONEY = rc.compiled(
    rf"(?<![\w.$€£¥])(?:(?P<pre>{_PRE_RX})\s?)?"
    rf"(?<![\w.'’])(?<!\d,)(?P<num>{_NUM_RX})"
    rf"(?:\s*(?P<mult>{_SCALE_RX})(?![\w]))?"
    rf"(?:\s*(?P<post>{_POST_RX}))?"
    r"(?!\s*(?:%|percent|seats|users|licen|people|units|hours|days|weeks|months|years|am|pm|a\.m|p\.m|st\b|nd\b|rd\b|th\b))"
    r"(?!/(?!(?:yr|year|mo|month|annum|y)\b))"
    r"(?![\w:-])(?!\.\d)"  # never the "1" of "1.2억"
)
# A currency written before a number, for the rules that look ahead for an amount: "(?=" + AMOUNT_AHEAD + ")".
AMOUNT_AHEAD = rf"(?:{_PRE_RX})?\s?\d"


def _currency(pre: str, post: str) -> str | None:
    for tok, table in ((pre, PREFIX_SYMBOLS), (post, SUFFIX_WORDS)):
        if not tok:
            continue
        key = tok.lower()
        if key in table:
            return table[key]
        if key.upper() in ISO_CODES:
            return "CNY" if key.upper() == "RMB" else key.upper()
    return None


def _number(num: str, *, currency: str | None, post_symbol: bool, scaled: bool) -> float:
    """The value of a number token under the grammar its separators show."""
    if "'" in num or "’" in num:
        return float(num.replace("'", "").replace("’", ""))
    if any(c in num for c in "\u00a0\u202f "):
        return float(rc.sub(r"[\u00a0\u202f ]", "", num).replace(",", "."))
    if "." in num and "," in num:
        if num.index(".") < num.index(","):  # 1.200.000,50
            return float(num.replace(".", "").replace(",", "."))
        return float(num.replace(",", ""))
    if "," in num:
        if rc.fullmatch(r"\d+,\d{1,2}", num):  # 2,5
            return float(num.replace(",", "."))
        return float(num.replace(",", ""))
    if "." in num:
        groups = num.split(".")
        if len(groups) > 2:  # 1.200.000
            return float(num.replace(".", ""))
        if len(groups[1]) == 3 and not scaled and (post_symbol or currency in _DOT_THOUSANDS):
            return float(num.replace(".", ""))  # 45.000 €
    return float(num)


_UNITS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    w: 10 * (i + 2)
    for i, w in enumerate(["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"])
}
_WORD_NUM = (
    rf"(?:{'|'.join(_TENS)})(?:[\s-](?:{'|'.join(w for w in _UNITS if _UNITS[w] < 10)}))?|{'|'.join(_UNITS)}"
)
_SPELLED = rc.compiled(
    rf"(?<![\w-])(?P<words>(?:a|an|half\s+a|(?:{_WORD_NUM})(?:\s+hundred(?:\s+(?:and\s+)?(?:{_WORD_NUM}))?)?))\s+"
    r"(?P<mult>thousand|grand|million|billion|lakhs?|lacs?|crores?)(?![\w])"
    rf"(?:\s+(?P<post>{_SUFFIX_WORDS_RX})(?![\w]))?"
    r"(?!\s*(?:%|percent|seats|users|licen|people|units|employees|staff|times|reasons|thanks|hours|days|weeks|months|years))",
    re.I,
)


def _word_value(words: str) -> float:
    """ "seventy five" → 75, "two hundred and fifty" → 250, "half a" → 0.5."""
    low = rc.sub(r"[\s-]+", " ", words.lower()).strip()
    if low in ("a", "an"):
        return 1.0
    if low == "half a":
        return 0.5
    total, cur = 0, 0
    for w in low.split():
        if w in _UNITS:
            cur += _UNITS[w]
        elif w in _TENS:
            cur += _TENS[w]
        elif w == "hundred":
            cur = max(cur, 1) * 100
    return float(total + cur)


def _spelled_money(text: str) -> list[Money]:
    """Amounts said in words, as dictation gives them: "seventy five thousand pounds", "two crore rupees"."""
    out = []
    for m in _SPELLED.finditer(text):
        post = m.group("post") or ""
        value = _word_value(m.group("words")) * SCALES[m.group("mult").lower()]
        out.append(Money(m.start(), m.end(), round(value, 2), _currency("", post)))
    return out


def find_money(text: str, *, deal_context: bool, exclude: list[tuple[int, int]]) -> list[Money]:
    """The amounts in ``text``; a bare number counts only in a deal's context and when it reads like one."""
    out: list[Money] = [
        w
        for w in _spelled_money(text)
        if (w.currency or deal_context) and not any(w.start < e and s < w.end for s, e in exclude)
    ]
    for m in MONEY.finditer(text):
        if any(m.start("num") < e and s < m.end("num") for s, e in exclude):
            continue
        pre = (m.group("pre") or "").strip()
        post = m.group("post") or ""
        mult = (m.group("mult") or "").rstrip(".")
        raw = m.group("num")
        currency = _currency(pre, post)
        if pre and currency is None and not pre.isalpha():
            continue
        before = text[max(0, m.start() - 20) : m.start()].lower()
        if rc.search(r"\bq\s*$", before) and not pre:
            continue
        # "kr" is Swedish, Norwegian or Danish: money for sure, its currency not said
        krona = "kr" in (pre.lower().rstrip("."), post.lower().rstrip("."))
        separated = bool(rc.search(r"[\u00a0\u202f ]|\d,\d{1,2}$", raw))
        if separated and not (currency or mult or krona):
            continue
        strong = bool(currency or mult or krona)
        num = _number(
            raw,
            currency=currency,
            # "US$ 75.000", "U$S 12.500": the dollar as Latin America writes it, with dot thousands
            post_symbol=(bool(post) and not post.isalpha()) or pre.lower() in ("us$ ", "us$", "u$s"),
            scaled=bool(mult),
        )
        if not strong:
            if not deal_context:
                continue
            has_groups = bool(rc.search(r"\d[,'’]\d{3}", raw))
            cue = rc.search(
                r"(?:worth|for|at|to|value[d]?(?:\s+at)?|amount|of|=|size|is|budget|price|priced at)\s*$",
                before,
            )
            if not (has_groups or num >= 1000 or (cue and num >= 100)):
                continue
            if 1900 <= num <= 2100 and not has_groups and not cue:
                continue
        if mult in ("m", "b") and not currency and num > 100:
            continue
        if mult.lower() in ("mi", "milhões", "milhoes", "millones") and not currency:
            continue  # "5 mi" is as likely miles as millions
        scale = SCALES.get(mult.lower(), 1.0)
        if mult.lower() == "mil" and currency in _MIL_THOUSAND:
            scale = 1e3
        start = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
        if any(w.start < m.end() and start < w.end for w in out):
            continue
        out.append(Money(start, m.end(), round(num * scale, 2), currency))
    return sorted(out, key=lambda x: x.start)


_SAID_CURRENCY = rc.compiled(
    r"(?:[,;]\s*|\s[-–—]\s*|\s)(?:(?:they|we|she|he|it|they'll|we'll|will|would|to)\s+)*(?:(?:be|get|gets|are|is)\s+)?"
    r"(?:pay|pays|paying|paid|payment|payments|payable|bill|bills|billed|billing|invoice|invoiced|invoicing|priced|pricing|quoted|quote|"
    r"denominated|settle|settled|settling|contract(?:ed)?|budget(?:ed)?)\s+(?:in|with)\s+"
    rf"(?P<c>(?i:{_SUFFIX_WORDS_RX}|british pounds|us dollars|(?:{ISO_LOWER_RX})\b)|(?:{_ISO_RX})\b)"
    rf"|\s(?:all\s+)?in\s+(?P<c2>(?:{_ISO_RX}))\b(?=\s*(?:[,;.]|$))"
)


def currency_said(text: str) -> tuple[str, int, int] | None:
    """A currency named in words apart from the amount: "30k, they pay in GBP", "billed in euros", "50k in CHF"."""
    m = _SAID_CURRENCY.search(text)
    if not m:
        return None
    word = (m.group("c") or m.group("c2")).lower()
    code = {"british pounds": "GBP", "us dollars": "USD"}.get(word) or SUFFIX_WORDS.get(word) or word.upper()
    if code == "RMB":
        code = "CNY"
    if code not in ISO_CODES:
        return None
    return code, m.start() + (len(m.group(0)) - len(m.group(0).lstrip(" ,;-–—"))), m.end()
