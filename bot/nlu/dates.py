"""Find date and time phrases in a message and resolve them in the sender's zone.

The common forms are resolved by hand: it is exact, follows the contract's conventions ("next Tuesday"
is the first Tuesday after today, "next week" is its Monday, "EOD" is 17:00) and costs microseconds.
dateparser is imported only for the rare span the rules find but cannot resolve, because importing and
warming it costs a third of a second and scanning whole sentences with it is slow.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from . import rx as rc

Direction = Literal["future", "past"]

WEEKDAYS = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tues": 1,
    "tue": 1,
    "wednesday": 2,
    "wed": 2,
    "weds": 2,
    "thursday": 3,
    "thurs": 3,
    "thur": 3,
    "thu": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "couple": 2,
    "a couple": 2,
    "a couple of": 2,
    "couple of": 2,
    "few": 3,
    "a few": 3,
}

_WD_FULL = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_WD_ABBR = r"mon|tues|tue|weds|wed|thurs|thur|thu|fri|sat|sun"
_MON = r"january|february|march|april|may|june|july|august|september|sept|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec"
_NUM = r"\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few"
_ORD = r"(?:st|nd|rd|th)?"
_PRE = r"(?:(?:by|on|before|until|till|due|for|at|from|around|no\s+later\s+than)\s+)?"

_DAY_PATTERNS: list[tuple[str, str]] = [
    ("iso", r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"),
    ("dayafter", r"\b(?:the\s+)?day\s+after\s+tomorrow\b"),
    ("daybefore", r"\b(?:the\s+)?day\s+before\s+yesterday\b"),
    ("inrel", rf"\b(?:in|within)\s+(?P<n>{_NUM})\s+(?P<u>days?|weeks?|months?|years?|fortnight)\b"),
    ("fromnow", rf"\b(?P<n>{_NUM})\s+(?P<u>days?|weeks?|months?)\s+(?:from\s+(?:now|today)|later|out)\b"),
    ("ago", rf"\b(?P<n>{_NUM})\s+(?P<u>days?|weeks?|months?)\s+ago\b"),
    ("rel", r"\b(?P<w>today|tonight|tomorrow|yesterday)(?:\s+(?:morning|afternoon|evening|night|am|pm))?\b"),
    (
        "part",
        r"\b(?:this|later\s+this)\s+(?:morning|afternoon|evening|am)\b|\blater\s+today\b|\bearlier\s+today\b",
    ),
    ("lastnight", r"\blast\s+night\b"),
    (
        "eoq_named",
        r"\b(?:(?:the\s+)?end\s+of\s+(?:the\s+)?)?(?:q(?P<q>[1-4]))(?:\s+(?P<qy>20\d\d))?\b"
        # "Q1 rollout", "Q4 numbers": a quarter naming a topic, not a date
        r"(?!\s+(?:rollout|launch|budget|plan|planning|deal|deals|kickoff|numbers|targets?|goals?|pipeline|review|"
        r"qbr|forecast|results|roadmap|release|renewal|campaign|initiative|project|okrs?|board|offsite|push|"
        r"priorities|quota|upsell|expansion|pilot|order|deck|report)\b)",
    ),
    (
        "endof",
        r"\b(?:(?:by|at|before)\s+)?(?:the\s+)?end\s+of\s+(?:the\s+)?(?P<which>next\s+|this\s+)?(?P<unit>week|month|quarter|year)\b",
    ),
    ("eox", r"\b(?P<x>EOW|EOM|EOY|EOQ)\b"),
    ("nextunit", r"\b(?P<which>next|this|last|the\s+following)\s+(?P<unit>week|month|quarter|year)\b"),
    ("wdnextweek", rf"\b(?P<wd>{_WD_FULL})\s+(?P<which>next|this)\s+week\b"),
    (
        "weekday",
        rf"\b(?:(?P<mod>next|this|coming|this\s+coming|last|past|previous)\s+)?(?P<wd>{_WD_FULL})s?\b"
        r"(?:\s+(?:morning|afternoon|evening|night)\b)?"
        rf"|\b(?:(?P<mod2>next|this|coming|last|on|by|until|till|before|due)\s+)(?P<wd2>{_WD_ABBR})\b\.?"
        rf"|\b(?P<wd3>mon|tue|tues|wed|weds|thu|thur|thurs|fri)\b\.?(?=\s*(?:$|[,;.!?]|\d|at\b|@|morning|afternoon|eod|EOD)"
        r"|\s+(?:if|unless|or|then|latest|pls|please|w/|with|re|about|to (?:discuss|review|confirm|go over))\b)",
    ),
    (
        "monthday",
        rf"\b(?P<mon>{_MON})\.?\s+(?P<d>\d{{1,2}}){_ORD}\b(?:,?\s+(?P<y>\d{{4}}))?",
    ),
    (
        "daymonth",
        rf"\b(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<mon>{_MON})\b\.?(?:,?\s+(?P<y>\d{{4}}))?",
    ),
    ("slash", r"(?<![\d/.$€£])\b(?P<m>\d{1,2})/(?P<d>\d{1,2})(?:/(?P<y>\d{2}|\d{4}))?\b(?![/\d%])"),
    ("ordinal", r"\b(?:on\s+)?the\s+(?P<d>\d{1,2})(?:st|nd|rd|th)\b"),
    (
        "monthonly",
        rf"\b(?:in|by|before|until|early|mid|late|end\s+of|to|into|till|(?<=closing\s)|(?<=closes\s)|(?<=close\s))[\s\-]*(?P<mon>{_MON})\b(?!\s*\d)"
        r"(?<!\bto may)(?<!\binto may)",
    ),
]

_HOUR_WORDS = r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_HOUR_VALUE = {w: i + 1 for i, w in enumerate(_HOUR_WORDS.split("|"))}
_MINUTE_WORDS = {
    "fifteen": 15,
    "thirty": 30,
    "fortyfive": 45,
    "ohfive": 5,
    "ten": 10,
    "twenty": 20,
    "forty": 40,
    "fifty": 50,
}
_TIME_PATTERNS: list[tuple[str, str]] = [
    ("eod", r"\b(?:EOD|end\s+of\s+(?:the\s+)?(?:business\s+)?day|close\s+of\s+business)\b"),
    (
        "ampm",
        r"(?<![\d:$€£.])\b(?P<h>\d{1,2})(?::(?P<mi>\d{2}))?(?:\s*(?P<ap>am|pm|a\.m\.|p\.m\.)|(?P<ap1>[ap]))(?![a-z])",
    ),
    ("hhmm", r"(?<![\d:$€£.])\b(?P<h>[01]?\d|2[0-3]):(?P<mi>[0-5]\d)\b(?!\s*(?:am|pm|%))"),
    ("noon", r"\b(?:at\s+)?(?P<w>noon|midday|lunchtime|midnight)\b"),
    (
        "atn",
        # "at 3" is a time unless a noun follows ("at 2 sites", "at 3 seats")
        # "at 8 30" dictated: the minutes after a space; "at 11, she …": a comma or full stop ends the time
        r"(?:\bat|@)\s*(?P<h>\d{1,2})(?:\s(?P<mi>[0-5]\d)(?![\d:%,.]|\s*(?:am\b|pm\b|k\b|percent|%|seats?|users?|people|persons|units?|mins?|minutes?|hours?|hrs?|days?|weeks?|licen|pax|of\b|x\b|times|boxes|items|pcs)))?\b"
        r"(?![\d:%kKmM]|[,.]\d|\s*(?:am|pm|k\b|percent|%))"
        r"(?!\s+(?!(?:today|tomorrow|tonight|yesterday|this (?:morning|afternoon|evening)|on|for|in|and|or|to|with|pst|est|et|pt|cet|gmt|utc|o'clock|ish|sharp|"
        r"then|please|pls|so|if|but|eastern|pacific|central|my|your|their|our|his|her)\b)[a-z])",
    ),
    (
        # "next Monday 9", "tomorrow 10": an hour straight after a day, with nothing after it that it counts
        "dayn",
        r"(?:(?<=day\s)|(?<=tomorrow\s)|(?<=tmrw\s)|(?<=tonight\s))(?P<h>\d{1,2})\b(?![\d:%,.kKmM/])"
        r"(?!\s*(?:am|pm|k\b|percent|%|st\b|nd\b|rd\b|th\b))(?!\s+(?!(?:and|to|for|with|please|pls|about|re)\b)[a-z])",
    ),
    ("inhours", rf"\b(?:in|within)\s+(?P<n>{_NUM}|half\s+an)\s+(?P<u>hours?|minutes?|mins?)\b"),
    (
        # dictated: "at ten thirty", "at two pm", "at half past two", "at quarter to four", "at nine o'clock"
        "words",
        rf"(?:\bat|@)\s+(?:(?P<rel>half\s+past|(?:a\s+)?quarter\s+(?:past|to|after|til))\s+)?(?P<hw>{_HOUR_WORDS})"
        r"(?:[\s-]+(?P<mw>o'?clock|fifteen|thirty|forty[\s-]?five|oh[\s-]?five|ten|twenty|forty|fifty))?"
        r"(?:\s*(?P<ap>am|pm|a\.m\.|p\.m\.|in\s+the\s+(?:morning|afternoon|evening)))?\b"
        r"(?(rel)|(?(mw)|(?(ap)|(?!))))",
    ),
]

_DAY_RE = [(k, rc.compiled(p, re.I)) for k, p in _DAY_PATTERNS]
_RATING_BEFORE = rc.compiled(
    r"\b(?:rated|rates|rate|rating|scored|scores|score|gave|gives|give|nps|csat)\b[^.,;!?\d]{0,30}$|\b(?:a|an)\s*$",
    re.I,
)
_TIME_RE = [(k, rc.compiled(p, re.I)) for k, p in _TIME_PATTERNS]
_JOIN = rc.compiled(r"^\s*(?:,\s*)?(?:at|@|by|around|from|on|before|-)?\s*$", re.I)


def _time_in_words(gd: dict[str, str | None]) -> time | None:
    h = _HOUR_VALUE[(gd["hw"] or "").lower()]
    mw = rc.sub(r"[\s'-]", "", (gd["mw"] or "").lower())
    mi = 0 if mw in ("", "oclock") else _MINUTE_WORDS.get(mw, 0)
    rel = rc.sub(r"\s+", " ", (gd["rel"] or "").lower())
    if rel == "half past":
        mi = 30
    elif rel.endswith(("past", "after")):
        mi = 15
    elif rel.endswith(("to", "til")):
        h, mi = (h - 2) % 12 + 1, 45
    ap = (gd["ap"] or "").lower()
    if ap.startswith(("p", "in the afternoon", "in the evening")):
        return time(h % 12 + 12, mi)
    if ap:
        return time(h % 12, mi)
    return time(h + 12 if h <= 7 else h % 12 if h == 12 else h, mi)  # business hours, as for "at 3"


@dataclass
class DateSpan:
    start: int
    end: int
    text: str
    day_kind: str | None = None
    day_match: dict[str, str | None] | None = None
    time_value: time | None = None
    time_kind: str | None = None
    delta: timedelta | None = None

    @property
    def has_time(self) -> bool:
        return self.time_value is not None or self.delta is not None

    @property
    def is_past_word(self) -> bool:
        t = self.text.lower()
        return bool(
            rc.search(
                r"yesterday|\blast\b|\bago\b|(?<!half )(?<!quarter )\bpast\b|previous|earlier today|this morning|this am\b",
                t,
            )
        )

    @property
    def is_today_word(self) -> bool:
        t = self.text.lower()
        return bool(rc.search(r"\btoday\b|\btonight\b|this (?:morning|afternoon|evening)|later today", t))


def _num(s: str | None) -> int:
    if s is None:
        return 1
    s = rc.sub(r"\s+", " ", s.strip().lower())
    if s.isdigit():
        return int(s)
    return NUMBER_WORDS.get(s, 1)


def _overlaps(a: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(a[0] < e and s < a[1] for s, e in spans)


def find_spans(low: str) -> list[DateSpan]:
    """Every date/time phrase in ``low`` (lower-cased text), left to right, days merged with times."""
    days: list[DateSpan] = []
    taken: list[tuple[int, int]] = []
    for kind, rx in _DAY_RE:
        for m in rx.finditer(low):
            if _overlaps(m.span(), taken):
                continue
            gd = {k: v for k, v in m.groupdict().items()}
            if kind == "slash":
                mo, dd = int(gd["m"] or 0), int(gd["d"] or 0)
                if 13 <= mo <= 31 and 1 <= dd <= 12:
                    # "31/12/2026": no month 31, so the day comes first; "03/04" stays month first
                    gd["m"], gd["d"] = gd["d"], gd["m"]
                    mo, dd = dd, mo
                if not (1 <= mo <= 12 and 1 <= dd <= 31):
                    continue
                if (
                    dd in (5, 10)
                    and not gd["y"]
                    and _RATING_BEFORE.search(low[max(0, m.start() - 40) : m.start()])
                ):
                    continue  # "rated us 4/5", "gave it a 9/10": a score, not a day
            if kind in ("monthday", "daymonth", "ordinal") and not 1 <= int(gd["d"] or 0) <= 31:
                continue
            if kind == "eoq_named":
                # "Q1 rollout" is a topic; only "end of Q1" / "by Q1" / "in Q1" is a date.
                before = low[max(0, m.start() - 12) : m.start()]
                if "end" not in m.group(0) and not rc.search(
                    r"\b(?:by|in|for|before|until|to|into|of|close)\s*$|\s[-–—|]\s*$", before
                ):
                    continue
            days.append(DateSpan(m.start(), m.end(), m.group(0), day_kind=kind, day_match=gd))
            taken.append(m.span())
    times: list[DateSpan] = []
    for kind, rx in _TIME_RE:
        for m in rx.finditer(low):
            if _overlaps(m.span(), taken):
                continue
            gd = m.groupdict()
            span = DateSpan(m.start(), m.end(), m.group(0), time_kind=kind)
            if kind == "eod":
                span.time_value = time(17, 0)
            elif kind == "ampm":
                h = int(gd["h"])
                mi = int(gd["mi"] or 0)
                if not 1 <= h <= 12 or mi > 59:
                    continue
                pm = (gd["ap"] or gd["ap1"] or "").startswith("p")
                span.time_value = time((h % 12) + (12 if pm else 0), mi)
            elif kind == "hhmm":
                h = int(gd["h"])
                # Business hours again: "at 3:30" is 15:30; "15:30" and "09:15" are as written.
                if 1 <= h <= 7 and not gd["h"].startswith("0"):
                    h += 12
                span.time_value = time(h, int(gd["mi"]))
            elif kind == "noon":
                w = gd["w"]
                span.time_value = time(0, 0) if w == "midnight" else time(12, 0)
            elif kind == "dayn":
                h = int(gd["h"])
                if not 1 <= h <= 12:
                    continue
                span.time_value = time(h + 12 if h <= 7 else h, 0)  # business hours, as for "at 3"
            elif kind == "atn":
                h = int(gd["h"])
                if not 1 <= h <= 12:
                    continue
                # Business hours: "at 3" is 15:00, "at 9" is 09:00.
                span.time_value = time(h + 12 if h <= 7 else h, int(gd.get("mi") or 0))
            elif kind == "words":
                got = _time_in_words(gd)
                if got is None:
                    continue
                span.time_value = got
            elif kind == "inhours":
                n = 0.5 if gd["n"].startswith("half") else _num(gd["n"])
                span.delta = timedelta(hours=n) if gd["u"].startswith("h") else timedelta(minutes=n)
            times.append(span)
            taken.append(m.span())
    days.sort(key=lambda s: s.start)
    times.sort(key=lambda s: s.start)
    merged: list[DateSpan] = []
    used_times: set[int] = set()
    for d in days:
        for i, t in enumerate(times):
            if i in used_times or t.delta is not None:
                continue
            gap = low[d.end : t.start] if t.start >= d.end else low[t.end : d.start]
            if (t.start >= d.end or t.end <= d.start) and _JOIN.match(gap):
                used_times.add(i)
                d.time_value, d.time_kind = t.time_value, t.time_kind
                if (
                    t.time_kind in ("atn", "hhmm")
                    and d.time_value is not None
                    and d.time_value.hour < 12
                    and rc.search(r"tonight|evening|night", d.text)
                ):
                    d.time_value = d.time_value.replace(hour=d.time_value.hour + 12)  # "tonight at 8"
                d.start, d.end = min(d.start, t.start), max(d.end, t.end)
                d.text = low[d.start : d.end]
                break
        merged.append(d)
    merged.extend(t for i, t in enumerate(times) if i not in used_times)
    merged.sort(key=lambda s: s.start)
    return merged


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    m += 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _quarter_end(y: int, q: int) -> date:
    return _month_end(y, q * 3)


def _resolve_day(span: DateSpan, today: date, direction: Direction) -> date | None:
    k = span.day_kind
    g = span.day_match or {}
    if k == "iso":
        try:
            return date(int(g["y"] or 0), int(g["m"] or 0), int(g["d"] or 0))
        except ValueError:
            return None
    if k == "dayafter":
        return today + timedelta(days=2)
    if k == "daybefore":
        return today - timedelta(days=2)
    if k == "rel":
        w = (g["w"] or "").lower()
        return {
            "today": today,
            "tonight": today,
            "tomorrow": today + timedelta(1),
            "yesterday": today - timedelta(1),
        }[w]
    if k == "part":
        return today
    if k == "lastnight":
        return today - timedelta(1)
    if k == "eoq_named":
        q = int(g["q"] or 1)
        qy = g.get("qy")
        y = int(qy) if qy else today.year
        end = _quarter_end(y, q)
        if not g.get("qy") and end < today:
            end = _quarter_end(y + 1, q)
        return end
    if k == "endof":
        unit = (g["unit"] or "").lower()
        nxt = (g.get("which") or "").strip().lower() == "next"
        if unit == "day":
            return today
        if unit == "week":
            friday = today + timedelta(days=(4 - today.weekday()) % 7)
            return friday + timedelta(7) if nxt else friday
        if unit == "month":
            base = _add_months(today, 1) if nxt else today
            return _month_end(base.year, base.month)
        if unit == "quarter":
            q = (today.month - 1) // 3 + 1 + (1 if nxt else 0)
            y = today.year + (q - 1) // 4
            return _quarter_end(y, (q - 1) % 4 + 1)
        if unit == "year":
            return date(today.year + (1 if nxt else 0), 12, 31)
    if k == "eox":
        x = (g["x"] or "").upper()
        if x == "EOW":
            return today + timedelta(days=(4 - today.weekday()) % 7)
        if x == "EOM":
            return _month_end(today.year, today.month)
        if x == "EOY":
            return date(today.year, 12, 31)
        if x == "EOQ":
            q = (today.month - 1) // 3 + 1
            return _quarter_end(today.year, q)
    if k in ("inrel", "fromnow", "ago"):
        n = _num(g["n"])
        u = (g["u"] or "").lower()
        sign = -1 if k == "ago" else 1
        if u.startswith("day"):
            return today + timedelta(days=sign * n)
        if u.startswith("week"):
            return today + timedelta(weeks=sign * n)
        if u == "fortnight":
            return today + timedelta(weeks=2)
        if u.startswith("month"):
            return _add_months(today, sign * n)
        if u.startswith("year"):
            return _add_months(today, sign * 12 * n)
    if k == "nextunit":
        which = rc.sub(r"\s+", " ", (g["which"] or "").lower())
        unit = (g["unit"] or "").lower()
        step = {"next": 1, "the following": 1, "this": 0, "last": -1}[which]
        if unit == "week":
            monday = today - timedelta(days=today.weekday())
            if step == 0:
                # "this week" as a deadline means by its end: Friday.
                return monday + timedelta(days=4) if today.weekday() <= 4 else today
            return monday + timedelta(weeks=step)
        if unit == "month":
            if step == 0:
                return _month_end(today.year, today.month)
            return _add_months(today.replace(day=1), step)
        if unit == "quarter":
            q0 = (today.month - 1) // 3
            if step == 0:
                return _quarter_end(today.year, q0 + 1)
            first = _add_months(date(today.year, q0 * 3 + 1, 1), 3 * step)
            return first
        if unit == "year":
            if step == 0:
                return date(today.year, 12, 31)
            return date(today.year + step, 1, 1)
    if k == "wdnextweek":
        wd = WEEKDAYS[(g["wd"] or "").lower()]
        monday = today - timedelta(days=today.weekday())
        if (g["which"] or "").lower() == "next":
            monday += timedelta(weeks=1)
        return monday + timedelta(days=wd)
    if k == "weekday":
        name = (g.get("wd") or g.get("wd2") or g.get("wd3") or "").lower()
        mod = (g.get("mod") or g.get("mod2") or "").lower()
        wd = WEEKDAYS[name]
        past = mod in ("last", "past", "previous") or (
            direction == "past" and mod not in ("next", "coming", "this coming")
        )
        if past:
            delta = (today.weekday() - wd) % 7 or 7
            return today - timedelta(days=delta)
        delta = (wd - today.weekday()) % 7 or 7
        return today + timedelta(days=delta)
    if k in ("monthday", "daymonth"):
        mo = MONTHS[(g["mon"] or "").lower().rstrip(".")]
        d = int(g["d"] or 1)
        return _year_for(today, mo, d, g.get("y"), direction)
    if k == "slash":
        sy = g.get("y")
        if sy and len(sy) == 2:
            sy = "20" + sy
        return _year_for(today, int(g["m"] or 1), int(g["d"] or 1), sy, direction)
    if k == "ordinal":
        d = int(g["d"] or 1)
        cand = _safe_date(today.year, today.month, d)
        if direction == "future" and (cand is None or cand <= today):
            nm = _add_months(today.replace(day=1), 1)
            cand = _safe_date(nm.year, nm.month, d)
        elif direction == "past" and (cand is None or cand > today):
            pm = _add_months(today.replace(day=1), -1)
            cand = _safe_date(pm.year, pm.month, d)
        return cand
    if k == "monthonly":
        mo = MONTHS[(g["mon"] or "").lower()]
        y = today.year if mo >= today.month or direction == "past" else today.year + 1
        t = span.text.lower()
        if t.startswith("mid"):
            return _safe_date(y, mo, 15)
        if t.startswith(("early", "in", "to")):
            return date(y, mo, 1)
        return _month_end(y, mo)
    return _dateparser_fallback(span.text, today, direction)


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _year_for(today: date, mo: int, d: int, year: str | None, direction: Direction) -> date | None:
    if year:
        return _safe_date(int(year), mo, d)
    step = -1 if direction == "past" else 1
    # The nearest year, that way, in which the day is not already behind (ahead): 29 February said in
    # December 2026 is February 2027's, which has no 29th, so there is no day to read and the bot asks
    # rather than jumping to 2028.
    for k in range(2):
        if k == 0 and (direction == "future" and (mo, d) < (today.month, today.day)):
            continue
        if k == 0 and (direction == "past" and (mo, d) > (today.month, today.day)):
            continue
        return _safe_date(today.year + step * k, mo, d)
    return None


def _dateparser_fallback(text: str, today: date, direction: Direction) -> date | None:
    try:
        import dateparser  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - dateparser is a declared dependency
        return None
    base = datetime.combine(today, time(12, 0))
    settings = {
        "RELATIVE_BASE": base,
        "PREFER_DATES_FROM": direction,
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    try:
        got = dateparser.parse(text, languages=["en"], settings=settings)  # type: ignore[arg-type]
    except Exception:
        return None
    return got.date() if got else None


def resolve(span: DateSpan, now: datetime, direction: Direction = "future") -> str | None:
    """ISO text for a span: a date for a day alone, a datetime with offset when there is a time."""
    tz = now.tzinfo
    today = now.date()
    if span.delta is not None:
        return (now + span.delta).replace(microsecond=0).isoformat()
    if span.day_kind is None:
        if span.time_value is None:
            return None
        when = datetime.combine(today, span.time_value, tzinfo=tz)
        if when <= now and direction == "future":
            when = datetime.combine(today + timedelta(1), span.time_value, tzinfo=tz)
        return when.isoformat()
    day = _resolve_day(span, today, direction)
    if day is None:
        return None
    if span.time_value is None:
        return day.isoformat()
    return datetime.combine(day, span.time_value, tzinfo=tz).isoformat()


def make_now(now: datetime | str | None, tz: str) -> datetime:
    """``now`` as an aware datetime in the sender's zone (falling back to UTC for unknown zones)."""
    try:
        zone: ZoneInfo | None = ZoneInfo(tz) if tz else None
    except Exception:
        zone = None
    if zone is None:
        zone = ZoneInfo("UTC")
    if now is None or now == "":
        return datetime.now(zone).replace(microsecond=0)
    if isinstance(now, str):
        try:
            parsed = datetime.fromisoformat(now.strip().replace("Z", "+00:00"))
        except ValueError:
            return datetime.now(zone).replace(microsecond=0)
        now = parsed
    if now.tzinfo is None:
        return now.replace(tzinfo=zone)
    return now.astimezone(zone)


# --- periods: two days, both included ("this month", "last quarter", "Q1", "YTD", "the last 30 days")


@dataclass
class Period:
    start: int  # where the phrase is in the message
    end: int
    first: date
    last: date

    def as_slot(self) -> dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


_ORDINAL_Q = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "last": 4,
}
_PERIOD_NUM = (
    r"\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|thirty|sixty|ninety"
)
_BARE_MONTH_NOT_A_PERIOD = frozenset(
    ["may", "mar", "jan", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "apr", "feb"]
)
_PERIOD_WORDS = {"fourteen": 14, "thirty": 30, "sixty": 60, "ninety": 90}
_RANGE_DAY = (
    rf"(?:(?:{_MON})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MON})\.?|\d{{4}}-\d{{2}}-\d{{2}})"
    r"(?:,?\s+20\d\d)?"
)
_PERIOD_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        # "since Nov 1", "since Monday", "since October", "since 2025": from that day to today
        "since",
        rc.compiled(
            rf"\bsince\s+(?:(?P<d>{_RANGE_DAY})|(?:last\s+)?(?P<wd>{_WD_FULL}|{_WD_ABBR})|"
            rf"(?:the\s+(?:start|beginning)\s+of\s+)?(?P<mon>{_MON})\.?(?:\s+(?P<y>20\d\d))?|(?P<yy>20\d\d)|"
            # "since the start of the year": this year's (quarter's, month's, week's) first day
            r"the\s+(?:start|beginning)\s+of\s+(?:the|this)\s+(?P<unit>year|quarter|month|week))\b(?!\s*\d)",
            re.I,
        ),
    ),
    (
        # "between Nov 1 and Nov 15", "from 1 March to 15 March", "2026-11-01 to 2026-11-15"
        "range",
        rc.compiled(
            rf"\b(?:(?:between|from)\s+)?(?P<a>{_RANGE_DAY})\s*(?:and|to|until|till|through|thru|-|–)\s*(?P<b>{_RANGE_DAY})\b",
            re.I,
        ),
    ),
    (
        "todate",
        rc.compiled(
            r"\b(?P<u>y|q|m)td\b|\b(?P<u2>year|quarter|month)[\s\-]+to[\s\-]+date\b"
            r"|\bso\s+far\s+(?:this|in|the)\s+(?P<u3>year|quarter|month)\b"
            r"|\b(?:this|the)\s+(?P<u4>year|quarter|month)\s+so\s+far\b",
            re.I,
        ),
    ),
    (
        "lastn",
        rc.compiled(
            rf"\b(?:the\s+)?(?:last|past|previous|prior|trailing)\s+(?P<n>{_PERIOD_NUM})\s*(?P<u>days?|d|weeks?|wks?|w|months?|mos?)\b",
            re.I,
        ),
    ),
    (
        "unit",
        rc.compiled(
            r"\b(?P<w>this|last|next|previous|prior|past|current|coming|the\s+last|the\s+past|the\s+previous|"
            r"the\s+current|the\s+coming|the\s+next)\s+(?P<u>week|month|quarter|qtr|year|fiscal\s+year|fy)\b",
            re.I,
        ),
    ),
    (
        "quarter",
        rc.compiled(
            r"\b(?:q(?P<q>[1-4])|(?P<qo>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter)"
            r"(?:(?:\s+of)?\s*(?:'|fy\s*)?(?P<y>20\d\d|\d\d)\b)?",
            re.I,
        ),
    ),
    (
        "halfyear",
        rc.compiled(r"\b(?:h(?P<h>[12])|(?P<ho>first|second)\s+half)(?:(?:\s+of)?\s+(?P<y>20\d\d))?\b", re.I),
    ),
    (
        "month",
        # "may" only after a preposition or before a year: "we may close" is not May
        rc.compiled(
            rf"\b(?:(?P<pre>in|for|during|of|over|through|thru|since|from)\s+(?:the\s+month\s+of\s+)?)?"
            rf"(?P<mon>{_MON})\b\.?(?:\s+(?P<y>20\d\d))?(?!\s*\d)",
            re.I,
        ),
    ),
    ("year", rc.compiled(r"\b(?:in|for|during|of|over|fy|since)\s+(?P<y>20\d\d)\b", re.I)),
    ("day", rc.compiled(r"\b(?P<w>today|yesterday)\b", re.I)),
]


def _quarter_of(d: date) -> int:
    return (d.month - 1) // 3 + 1


def _quarter_bounds(y: int, q: int) -> tuple[date, date]:
    return date(y, 3 * q - 2, 1), _quarter_end(y, q)


def _period_year(y: str | None) -> int | None:
    if not y:
        return None
    return int(y) if len(y) == 4 else 2000 + int(y)


def _latest_or_next(
    bounds: Callable[[int], tuple[date, date]], today: date, year: int | None, forecast: bool
) -> tuple[date, date]:
    """A quarter or month named without a year: the latest one that has begun, or for a forecast the next
    one that has not ended."""
    if year is not None:
        return bounds(year)
    first, last = bounds(today.year)
    if forecast:
        return bounds(today.year + 1) if last < today else (first, last)
    return bounds(today.year - 1) if first > today else (first, last)


def find_period(low: str, now: datetime, *, forecast: bool = False) -> Period | None:
    """The first period named in ``low`` (lower-cased text), resolved against ``now``'s date.

    ``forecast``: a quarter or month named without a year is the next one that has not ended, rather than
    the latest one that has begun.
    """
    today = now.date()
    found: list[Period] = []
    taken: list[tuple[int, int]] = []
    for kind, rx in _PERIOD_PATTERNS:
        for m in rx.finditer(low):
            if _overlaps(m.span(), taken):
                continue
            got = _period_of(kind, m, today, forecast)
            if got is None:
                continue
            found.append(Period(m.start(), m.end(), got[0], got[1]))
            taken.append(m.span())
    return min(found, key=lambda p: p.start) if found else None


def _range_day(raw: str) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) of "Nov 1", "1st of November 2026", "2026-11-01"."""
    iso = rc.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", raw.strip())
    if iso:
        return int(iso.group(1)), int(iso.group(2)), int(iso.group(3))
    yr = rc.search(r"\b(20\d\d)$", raw)
    mon = rc.search(rf"\b({_MON})\b", raw, re.I)
    day = rc.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b", raw)
    if not mon or not day:
        return None
    return (int(yr.group(1)) if yr else None), MONTHS[mon.group(1).lower()], int(day.group(1))


def _range_of(m: re.Match[str], today: date, forecast: bool) -> tuple[date, date] | None:
    a, b = _range_day(m.group("a")), _range_day(m.group("b"))
    if a is None or b is None:
        return None
    try:
        year = a[0] or b[0] or today.year
        start = date(year, a[1], a[2])
        if a[0] is None and b[0] is None and not forecast and start > today:
            start = date(year - 1, a[1], a[2])  # "between Nov 1 and Nov 15" in January: last year's
        end = date(b[0] or start.year, b[1], b[2])
        if b[0] is None and end < start:
            end = date(start.year + 1, b[1], b[2])  # "from Dec 20 to Jan 5"
    except ValueError:
        return None
    return (start, end) if start <= end else None


def _since(g: dict[str, str | None], today: date) -> date | None:
    """The first day of "since …": a day, the latest such weekday up to today, a month's first, a year's."""
    if g.get("d"):
        day = _range_day(g["d"] or "")
        if day is None:
            return None
        try:
            start = date(day[0] or today.year, day[1], day[2])
        except ValueError:
            return None
        return start.replace(year=start.year - 1) if day[0] is None and start > today else start
    if g.get("wd"):
        return today - timedelta(days=(today.weekday() - WEEKDAYS[(g["wd"] or "").lower()]) % 7)
    if g.get("unit"):
        unit = (g["unit"] or "").lower()
        if unit == "week":
            return today - timedelta(days=today.weekday())
        if unit == "month":
            return today.replace(day=1)
        if unit == "quarter":
            return date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        return date(today.year, 1, 1)
    if g.get("mon"):
        mo = MONTHS[(g["mon"] or "").lower()]
        year = int(g["y"] or 0) if g.get("y") else today.year - (1 if mo > today.month else 0)
        return date(year, mo, 1)
    return date(int(g["yy"] or today.year), 1, 1)


def _period_of(kind: str, m: re.Match[str], today: date, forecast: bool) -> tuple[date, date] | None:
    g = m.groupdict()
    if kind == "range":
        return _range_of(m, today, forecast)
    if kind == "since":
        start = _since(g, today)
        return (start, today) if start is not None and start <= today else None
    if kind == "todate":
        unit = (g.get("u") or g.get("u2") or g.get("u3") or g.get("u4") or "").lower()[:1]
        if unit == "y":
            return date(today.year, 1, 1), today
        if unit == "q":
            return _quarter_bounds(today.year, _quarter_of(today))[0], today
        return today.replace(day=1), today
    if kind == "lastn":
        raw = (g["n"] or "").lower()
        n = int(raw) if raw.isdigit() else _PERIOD_WORDS.get(raw) or NUMBER_WORDS.get(raw, 0)
        if n < 1:
            return None
        unit = (g["u"] or "").lower()
        if unit.startswith("d"):
            return today - timedelta(days=n - 1), today
        if unit.startswith("w"):
            return today - timedelta(days=7 * n - 1), today
        return _add_months(today, -n) + timedelta(days=1), today
    if kind == "unit":
        w = rc.sub(r"^the\s+", "", (g["w"] or "").lower())
        step = {"this": 0, "current": 0, "last": -1, "previous": -1, "prior": -1, "past": -1}.get(w, 1)
        unit = (g["u"] or "").lower()
        if unit == "week":
            monday = today - timedelta(days=today.weekday()) + timedelta(weeks=step)
            return monday, monday + timedelta(days=6)
        if unit == "month":
            first = _add_months(today.replace(day=1), step)
            return first, _month_end(first.year, first.month)
        if unit in ("quarter", "qtr"):
            first = _add_months(_quarter_bounds(today.year, _quarter_of(today))[0], 3 * step)
            return _quarter_bounds(first.year, _quarter_of(first))
        y = today.year + step
        return date(y, 1, 1), date(y, 12, 31)
    if kind == "quarter":
        q = int(g["q"]) if g.get("q") else _ORDINAL_Q[(g.get("qo") or "first").lower()]
        return _latest_or_next(lambda y: _quarter_bounds(y, q), today, _period_year(g.get("y")), forecast)
    if kind == "halfyear":
        h = int(g["h"]) if g.get("h") else (1 if (g.get("ho") or "").lower() == "first" else 2)

        def half(y: int) -> tuple[date, date]:
            return (date(y, 1, 1), date(y, 6, 30)) if h == 1 else (date(y, 7, 1), date(y, 12, 31))

        return _latest_or_next(half, today, _period_year(g.get("y")), forecast)
    if kind == "month":
        mon = (g["mon"] or "").lower()
        if not g.get("pre") and not g.get("y") and mon in _BARE_MONTH_NOT_A_PERIOD:
            return None  # "we may close", "sep" on its own: too often something else
        mo = MONTHS[mon]
        return _latest_or_next(
            lambda y: (date(y, mo, 1), _month_end(y, mo)), today, _period_year(g.get("y")), forecast
        )
    if kind == "year":
        y = int(g["y"])
        return date(y, 1, 1), date(y, 12, 31)
    if kind == "day":
        d = today if (g["w"] or "").lower() == "today" else today - timedelta(days=1)
        return d, d
    return None
