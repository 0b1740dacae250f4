"""Reports and feedback: ``report`` (a measure over a period, for an owner) and ``log_feedback`` (NPS / CSAT).

A report is a question about results: "what did the team close this month?", "<@U1>'s win rate last quarter",
"forecast for Q1", "activity this week". The open pipeline as it stands now stays ``pipeline_summary``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from . import rx as rc
from .base import Msg, Result, Slots, company_after, name_at, person_like, tidy
from .dates import Period, find_period
from .records import owner_of, teammate_name

# --- measures, most specific first

_MEASURES: list[tuple[str, re.Pattern[str]]] = [
    (
        "win_rate",
        rc.compiled(
            r"\b(?:win|close|closing|won|deal)[\s\-]?(?:rate|ratio|percentage|pct|%)|\bwin/loss\b|\bwin[\s\-]loss\b|"
            r"\bhit\s+rate\b|\bwin\s+%|\bhow\s+often\s+(?:do|did|does)\s+(?:we|i|@\w+|\w+)\s+win\b|"
            r"\b(?:average|avg|mean|typical|median)\s+(?:deal|contract|order|won\s+deal)\s+(?:size|value|amount)\b|\bdeal\s+size\b"
        ),
    ),
    (
        "cycle",
        rc.compiled(
            r"\b(?:sales\s+|deal\s+|average\s+|avg\s+)?cycle(?:\s+(?:time|length))?\b|\btime[\s\-]to[\s\-](?:close|win)\b|"
            r"\bdays\s+to\s+close\b|\bhow\s+long\b.*\b(?:to\s+close|to\s+win|closing|to\s+sign)\b"
        ),
    ),
    ("velocity", rc.compiled(r"\bvelocity\b")),
    (
        "funnel",
        rc.compiled(
            r"\bfunnel\b|\bconversion(?:s|\s+rates?)?\b|\bstage[\s\-]to[\s\-]stage\b|\bconvert(?:ed|ing)?\s+(?:from\s+)?"
            r"(?:lead|leads|stage)"
        ),
    ),
    (
        "quota",
        rc.compiled(
            r"\bquotas?\b|\battainment\b|\bleader[\s\-]?board\b|\b(?:vs\.?|versus|against|to)\s+(?:the\s+|our\s+|my\s+|his\s+|her\s+)?"
            r"(?:target|goal|plan|number)\b"
        ),
    ),
    (
        "satisfaction",
        rc.compiled(
            r"\bnps\b|\bcsat\b|\bnet\s+promoter\b|\b(?:customer\s+)?satisfaction\b|\bhow\s+happy\s+are\s+(?:our\s+)?customers\b"
        ),
    ),
    (
        "customers",
        rc.compiled(
            r"\bnew\s+(?:customers|clients|logos|accounts)\b|\b(?:customers|clients|logos)\s+(?:did\s+we\s+|have\s+we\s+)?"
            r"(?:added|won|acquired|gained|signed|onboarded|landed|add|win|acquire|gain|sign|onboard|land)\b|"
            r"\bcustomer\s+(?:count|growth|acquisition|adds)\b|\bhow\s+many\s+(?:new\s+)?(?:customers|clients|logos)\b|"
            r"\b(?:top|biggest|largest|best)\s+(?:\d+\s+)?(?:customers|clients|accounts)\b|\b(?:customer\s+)?lifetime\s+value\b|\bltv\b|"
            r"\bclv\b|\b(?:customer\s+)?retention\b|\brepeat\s+(?:customers|buyers|business)\b"
        ),
    ),
    (
        "activity",
        rc.compiled(
            r"\bactivit(?:y|ies)\b|\bhow\s+many\s+(?:calls|meetings|emails|touches|touchpoints|demos|activities)\b|"
            r"\b(?:calls|meetings|emails|demos)\s+(?:logged|made|booked|held|done|did|have)\b|\bcall\s+volume\b|"
            r"\bhow\s+(?:active|busy)\s+(?:was|is|were|are|has|have)\b"
        ),
    ),
    (
        "forecast",
        rc.compiled(
            r"\bforecast(?:ed|ing)?\b|\b(?:closing|expected\s+to\s+close|set\s+to\s+close|slated\s+to\s+close|due\s+to\s+close|"
            r"going\s+to\s+close|should\s+close|will\s+close|likely\s+to\s+close|projected\s+to\s+close)\b"
        ),
    ),
    (
        "lost",
        rc.compiled(r"\b(?:lost|lose|losing|losses|closed[\s\-]lost|churned)\b"),
    ),
    (
        "won",
        rc.compiled(
            r"\b(?:close|closed|won|win|wins|book|booked|bookings|sign|signed|sold|sell|revenue|closed[\s\-]won|land|landed)\b|"
            r"\bhow\s+did\s+(?:q[1-4]|\w+\s+(?:month|quarter|year|week))\s+go\b|\bnumbers\b|\bresults\b|"
            r"\bhow\s+did\s+(?:we|i|the\s+team|@\w+|\w+)\s+do\b"
        ),
    ),
]

# What a report is asked with: a question, an imperative to show or run one, or a bare measure with a period.
_ASKED = rc.compiled(
    r"^(?:(?:what|what's|whats|how|how's|hows|how\s+many|how\s+much|which|who|show|give|get|pull|run|"
    r"display|report|tell|list|can|could|do|does|did|is|are|was|were|i\s+need|i\s+want|i'd\s+like|let\s+me\s+see|"
    r"gimme|quick|any|anything|where|am|rank|ranking|compare|sort)\b)"
)
_MEASURE_FIRST = rc.compiled(
    r"^(?:(?:@[uw][a-z0-9]+|[a-z][\w\-]*)['’]s\s+|[a-z][\w\-]*s['’]\s+|@[uw][a-z0-9]+\s+|(?:my|our|the\s+team's|team|the|this|last|next|"
    r"pipeline|pipe|sales|deal|average|avg|customer|overall|total|stage|stage[\s\-]to[\s\-]stage|conversion)\s+)*"
    r"(?:(?:q[1-4]|ytd|mtd|qtd|\w+\s+(?:month|quarter|year|week)['’]?s?|month|quarter|year|week|monthly|quarterly|weekly"
    # "January forecast?": a month named before the measure
    r"|(?:jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*(?:['’]s)?|may(?:['’]s)?)(?:\s+20\d\d)?\s+)?"
    # "call activity for @x this week": the kind of activity before it
    r"(?:(?:call|email|meeting|phone)s?\s+(?=activit))?"
    r"(?:win[\s\-]?rate|close[\s\-]rate|win/loss|forecast|activity|activities|bookings|quota|attainment|leader[\s\-]?board|funnel|velocity|"
    r"time[\s\-]to[\s\-](?:close|win)|days\s+to\s+close|(?:sales\s+)?cycle|nps|csat|satisfaction|new\s+customers|new\s+logos|won\s+deals|lost\s+deals|closed[\s\-]won|"
    r"closed[\s\-]lost|deal\s+size|top\s+customers|retention|lifetime\s+value|deals\s+(?:\w+\s+){0,2}?(?:closing|close|closed|won|lost)|lead[\s\-]to[\s\-]\w+\s+conversion|revenue|conversion(?:\s+rates?)?|results|numbers|report"
    r"|wins|losses|won|lost)\b"
)


_RANKED = rc.compiled(
    r"\bleader[\s\-]?board\b|\brank(?:ing|ed)?\b|\bwho(?:'s|\s+has)?\s+(?:closed|won|sold)\s+(?:the\s+)?most\b"
)


def _measure(low: str) -> str | None:
    found = [name for name, rx in _MEASURES if rx.search(low)]
    if not found:
        return None
    if (
        found[0] == "quota"
        and len(found) > 1
        and _RANKED.search(low)
        and not rc.search(r"\bquotas?\b|\battainment\b|\b(?:target|goal|plan)\b", low)
    ):
        return found[1]  # "leaderboard: calls logged this month" ranks the calls, not the quotas
    return found[0]


def _owner(m: Msg) -> str | None:
    own = None
    for pm in rc.finditer(r"(?<![\w'’@])(?P<n>@[uw][a-z0-9]+|[a-z][\w\-]*)(?:['’]s|(?<=s)['’])\s", m.low):
        word = pm.group("n")
        if word.startswith("@") or teammate_name(word):  # "what's Bob's forecast": Bob's
            own = word if word.startswith("@") else _full_name(m.text, pm.start("n"), pm.end("n"))
            break
    got = owner_of(m, own)
    if got:
        return got
    # Slack leaves "@bob" as typed when it knows no such person: the name as written, for the bot to look up
    typed = rc.search(r"(?<![\w.<@])@([A-Za-z][\w.\-]*[A-Za-z0-9]|[A-Za-z])", m.text)
    if typed and not rc.fullmatch(r"[UW][A-Z0-9]{5,}", typed.group(1)):
        return typed.group(1)
    dm = rc.search(
        r"\b(?:did|has|have|is|was|will)\s+(?P<n>[a-z][\w\-]*)\s+(?:close|closed|win|won|book|booked|sell|sold|lose|lost|"
        r"log|logged|make|made|do|done|hit|doing|tracking|trending|convert|converted|bring|brought|add|added|"
        r"land|landed|onboard|onboarded|have|had|hold|held|run|ran|book|booked)\b"
        r"|\b(?:for|by)\s+(?P<n2>[a-z][\w\-]*)\b"
        # "how's marta doing vs quota this month": the teammate asked about
        r"|^how(?:'s|\s+is)\s+(?P<n3>[a-z][\w\-]*)\s+(?:doing|tracking|trending|looking|pacing)\b"
        # "how active was Olusegun in October"
        r"|^how\s+(?:active|busy)\s+(?:was|is|has\s+been)\s+(?P<n4>[a-z][\w\-]*)\b",
        m.low,
    )
    if dm:
        key = next(k for k in ("n", "n2", "n3", "n4") if dm.group(k))
        word = m.text[dm.start(key) : dm.end(key)]
        pronoun = word.lower() in ("we", "i", "you", "they", "he", "she", "anyone", "everyone", "team")
        if teammate_name(word) and not pronoun and (key in ("n", "n3", "n4") or word.lower() in _FIRST):
            return word
    return None


def _full_name(text: str, start: int, end: int) -> str:
    """The name before "'s" with a capitalised word before it when that is a name too ("Chen Wei's")."""
    before = rc.search(r"(?<![\w'’@])([A-Z][a-z][\w\-]*)\s+$", text[:start])
    if before and teammate_name(before.group(1)) and before.group(1).lower() in _FIRST:
        return text[before.start(1) : end]
    return text[start:end]


def _first_names() -> frozenset[str]:
    from .vocab import FIRST_NAMES

    return FIRST_NAMES


_FIRST = _first_names()


def _report_words(m: Msg) -> str:
    """The message in lower case with "ytd" read as year to date (normalising read it as "yesterday", which
    it also means in chat; a report asks about a period, so here it is the year so far)."""
    low = m.low.strip()
    if any(new == "yesterday" and old.lower() == "ytd" for new, old in m.restore):
        return low.replace("yesterday", "ytd      ")
    return low


# A short question in another language before the request in English ("wie lief Q4? won deals pls")
_LEAD_QUESTION = rc.compiled(r"^[^?!.]{1,40}\?\s+(?=\S)")


def rule_report(m: Msg) -> Result | None:
    low = whole = _report_words(m)
    lead = _LEAD_QUESTION.match(low)
    if lead and not _ASKED.match(low) and _MEASURE_FIRST.match(low[lead.end() :]):
        low = low[lead.end() :]
    first = _MEASURE_FIRST.match(low)
    asked = bool(_ASKED.match(low)) and not rc.match(r"^what\s+an?\b", low)  # "what a quarter!" is a cheer
    if not asked and first:
        # a bare measure ("win rate last quarter", "forecast for Q1") is a request; a sentence about one is not
        rest = low[first.end() :]
        asked = not rc.search(
            r"\b(?:is|are|was|were|goes|go|went|got|gets|says|said|has|have|had|will|looks?|seems?|sucks?|rocks?)\b",
            rest,
        )
    if not asked:
        return None
    measure = _measure(low)
    if measure is None:
        return None
    forecast = measure == "forecast"
    period = find_period(whole, m.now, forecast=forecast)  # the lead question can name it ("wie lief Q4?")
    year = None if period else rc.search(r"(?<![\w/.\-])(20\d\d)(?![\w/.\-])", low)
    if year and not any(sp.start <= year.start() < sp.end for sp in m.spans):
        # "report won 2025": a year on its own is the whole year
        y = int(year.group(1))
        period = Period(year.start(), year.end(), date(y, 1, 1), date(y, 12, 31))
    # guards: what stays with the other intents
    if rc.search(r"\b(?:pipeline|pipe)\b", low) and measure in ("won", "forecast", "lost"):
        return None  # "how much is in the pipeline for Q4?": the pipeline as it stands
    if measure == "forecast" and period is None:
        return None  # "what's the forecast?": the pipeline as it stands
    if measure in ("won", "lost"):
        # "what did we close", "how many deals did we lose last month", "closed won this quarter"
        if not (
            rc.search(
                r"\b(?:what|how\s+much|how\s+many|which|show|list|give|get|pull|run|report|total|sum)\b.*\b(?:close|closed|won|win|"
                r"book|booked|sign|signed|sold|sell|lose|lost|land|landed|churned)\b",
                low,
            )
            or rc.search(
                r"\b(?:bookings|revenue|results|numbers|closed[\s\-](?:won|lost)|(?:won|lost)\s+(?:deals|report)|"
                r"deals\s+(?:we\s+|i\s+|you\s+|they\s+)?(?:won|lost|closed)|wins|losses)\b",
                low,
            )
            or rc.search(r"\bhow\s+did\s+.+\s+(?:go|do)\b", low)
            # "won YTD", "lost last quarter": the measure alone, then its period
            or period is not None
            and rc.match(r"(?:won|lost|wins|losses|closed[\s\-](?:won|lost))\b", low)
            # "who closed the most this quarter?": a leaderboard of what was won
            or rc.match(
                r"who(?:'s|\s+has)?\s+(?:closed|won|sold|booked|signed|landed|brought\s+in)\s+(?:the\s+)?(?:most|more|least|biggest)\b",
                low,
            )
        ):
            return None
        if (
            not period
            and not rc.search(r"\b(?:what|how\s+much|how\s+many)\b.*\b(?:did|have|has)\b", low)
            # "report won", "report lost mine": the measure named outright after the verb
            and not rc.match(
                r"(?:run\s+|show\s+|give\s+me\s+)?(?:the\s+|a\s+)?report\s+(?:won|lost|wins|losses|closed[\s\-](?:won|lost))"
                r"(?:\s+(?:mine|me|my|team|the\s+team|@[\w.\-]+|20\d\d))?\s*$",
                low,
            )
        ):
            return None
        if rc.search(
            r"\b(?:the|this|that)\s+[\w\-]+(?:\s+[\w\-]+)?\s+(?:deal|opp|opportunity|renewal)\b", low
        ):
            return None  # "is the Globex deal closing this month?": about one deal
        if rc.search(r"\b(?:numbers|results)\b", low) and not period:
            return None
    if measure == "satisfaction" and (
        rc.search(r"\b(?:gave|give|scored|rated|\d+\s*/\s*(?:10|5))\b", low)
        or (not period and any(rx.search(low) for rx in _SCORE))
    ):
        return None  # a score given ("…'s NPS response came back at 7") is feedback, not a report
    if measure == "activity" and rc.search(r"\b(?:with|for|on)\s+(?:the\s+)?[A-Z]", m.text) and not period:
        return None  # "activity with Acme" is its history
    yes_no = rc.match(r"^(?:is|are|was|were|will|would|should|can|could)\b", low) and not rc.match(
        r"^(?:can|could|would)\s+(?:i|you|u|we)\s+(?:please\s+)?(?:get|see|have|show|give|pull|run|send)\b",
        low,
    )
    if (
        yes_no
        and measure in ("won", "lost", "forecast")
        and not rc.search(r"\b(?:how\s+many|how\s+much|any)\b", low)
    ):
        return None  # "is the Globex deal closing this month?": a yes/no about one deal
    slots: Slots = {"measure": measure}
    if period is not None:
        slots["period"] = period.as_slot()
    owner = _owner(m)
    if owner:
        slots["owner"] = owner
    return "report", 0.86, slots


# --- log_feedback

_SCORE = [
    rc.compiled(
        r"\b(?:gave|give|gives|giving|scored|rated|rates|rate|rating|left|submitted|returned|responded\s+with|answered|put)\s+"
        r"(?:us|it|our\s+\w+|the\s+\w+|(?:us\s+)?(?:an?\s+)?(?:nps|csat)(?:\s+(?:score\s+)?of)?|a\s+score\s+of|a\s+rating\s+of|him|her|them)?\s*(?:an?\s+|a\s+solid\s+|only\s+an?\s+|just\s+an?\s+)?"
        r"(?P<n>\d{1,2}(?:\.\d)?)(?!\s*(?:%|k\b|am\b|pm\b|days?|weeks?|months?))\b"
    ),
    rc.compiled(
        r"\b(?:nps|csat|satisfaction|promoter)(?:\s+(?:score|survey|response|rating|result))?\s*(?:of|was|is|=|:|-|came\s+back"
        r"(?:\s+(?:as|at))?|at|score)?\s*(?:an?\s+)?(?P<n>\d{1,2}(?:\.\d)?)(?!\s*(?:%|k\b|days?))\b"
    ),
    rc.compiled(r"\b(?P<n>\d{1,2}(?:\.\d)?)\s*(?:/\s*(?:10|5)|out\s+of\s+(?:10|5)|stars?)\b"),
    # "NPS response from Åsa Bergström at Spotify AB: 0": who gave it can take a few words before the score
    rc.compiled(r"\b(?:nps|csat)\b[^.?!\d]{0,80}?[:=]\s*(?P<n>\d{1,2}(?:\.\d)?)\b"),
    rc.compiled(r"\b(?:an?\s+)?(?P<n>\d{1,2})\s+(?:nps|csat)\b"),
    # "NPS feedback: Jörg Wendland, Hansa Kältetechnik, 6": who first, the score last
    rc.compiled(r"^(?:nps|csat)\b[^\d]{0,120}?[,:\-–—]\s*(?P<n>\d{1,2}(?:\.\d)?)\s*[.!]*$"),
    rc.compiled(
        r"^(?:nps|csat)\s+(?:for\s+|from\s+)?[a-z][\w&.\-]*(?:\s+[a-z][\w&.\-]*){0,2}\s*[:=\-]?\s+(?P<n>\d{1,2})\s*$"
    ),
    rc.compiled(r"\b(?:nps|csat)\b[^.?!\d]{0,40}?\bwith\s+(?:an?\s+)?(?P<n>\d{1,2})\b"),
    # "NPS from Bharat Steel Pvt Ltd came back at 5": who gave it between the scale and the score
    rc.compiled(
        r"\b(?:nps|csat)\b[^.?!\d]{0,80}?\b(?:came\s+(?:back|in)|landed|was|is)\s+(?:at\s+|as\s+)?(?:an?\s+)?"
        r"(?P<n>\d{1,2})\b(?!\s*(?:%|k\b|am\b|pm\b|days?|weeks?|months?))"
    ),
    rc.compiled(
        r"\b(?:an?\s+)?(?P<n>\d{1,2})\s+(?:on|in|for|from)\s+(?:the\s+|our\s+|their\s+|an?\s+)?(?:nps|csat|satisfaction|"
        r"customer\s+satisfaction|survey)\b"
    ),
]


_LOGGED_MEETING = rc.compiled(
    r"^(?:(?:cs|csm|quick|qbr|weekly|monthly)\s+)*(?:call|check[\s\-]?in|meeting|mtg|met|spoke|lunch|demo|emailed|called|had|"
    r"sync|qbr|visit(?:ed)?|log(?:ged)?\s+(?:a\s+)?(?:call|meeting|email|note|visit))\b"
)


_SCORE_WORD_VALUES = {
    w: n
    for n, w in enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    )
}
_SCORE_WORD = rc.compiled(
    r"\b(?:(?:gave|gives|rated|rates|scored|csat|nps|out\s+of)(?:\s+(?:us|it|them))?\s+(?:an?\s+)?"
    r"(?P<w>zero|one|two|three|four|five|six|seven|eight|nine|ten)|"
    r"(?P<v>zero|one|two|three|four|five|six|seven|eight|nine|ten)\s+out\s+of|"
    # "Katarzyna's CSAT was two", "gave an NPS of eight", "NPS response came back: nine"
    r"(?:nps|csat)(?:\s+(?:score|response|rating|result|answer))?(?:\s+(?:of|was|is|came\s+(?:back|in)(?:\s+(?:at|as))?|"
    r"landed\s+at))?\s*[:=\-]?\s*(?:an?\s+)?(?P<x>zero|one|two|three|four|five|six|seven|eight|nine|ten))\b"
)


def _score_digits(m: Msg) -> Msg:
    """A score said in words ("five out of five", "gave csat two") as digits, each padded to the word's
    length so every position in the message stays where it was."""

    def digit(match: re.Match[str], key: str) -> tuple[int, int, str] | None:
        word = match.group(key)
        return (match.start(key), match.end(key), str(_SCORE_WORD_VALUES[word])) if word else None

    found = [
        d for sm in _SCORE_WORD.finditer(m.low) for d in (digit(sm, "w"), digit(sm, "v"), digit(sm, "x")) if d
    ]
    if not found:
        return m
    text = m.text
    for start, end, number in found:
        text = text[:start] + number.ljust(end - start) + text[end:]
    return replace(m, text=text, low=text.lower())


def rule_feedback(m: Msg) -> Result | None:
    m = _score_digits(m)
    low = m.low
    if _LOGGED_MEETING.match(low) and not rc.search(r"\b(?:gave|rated|scored)\s+us\b", low):
        return None  # "CS check-in w/ Lumen Dental: onboarding done, NPS 9" is the check-in
    nps = rc.search(
        r"\bnps\b|\bnet\s+promoter\b|\bpromoter\s+score\b|(?:/|out\s+of)\s*10\b", low
    ) or rc.search(
        # "Jane gave us a 9": above CSAT's 1–5, only NPS has that score
        r"\b(?:gave|gives|rated|scored)\s+us\s+(?:an?\s+)?(?:[6-9]|10)\b(?!\s*(?:%|k\b|am\b|pm\b|stars?|/|out\s+of|\.\d))",
        low,
    )
    csat = rc.search(r"\bcsat\b|\bsatisfaction\b|(?:/|out\s+of)\s*5\b|\bstars?\b", low)
    if not (nps or csat):
        return None
    if not rc.search(
        r"\bnps\b|\bcsat\b|\bnet\s+promoter\b|\bsatisfaction\b|\bsurvey\b", low
    ) and not rc.search(r"\b(?:gave|give|gives|rated|rates|scored|left)\s+(?:us|our\s+\w+)\b", low):
        return None  # "I rated the coffee machine 10/10": not a customer's score
    if rc.match(
        r"^(?:what|what's|whats|how|how's|show|give me|get me|list|which|did|does|do|is|are)\b", low.strip()
    ):
        return None  # questions about scores are reports
    score = None
    at = -1
    named = False
    for rx in _SCORE:
        sm = rx.search(low)
        if sm:
            score, at = float(sm.group("n")), sm.start("n")
            # a number tied to the scale's own name ("NPS response came back at 7") is the score, even
            # where it could also be read as a time
            named = bool(rc.search(r"\b(?:nps|csat)\b", sm.group(0)))
            break
    out_of = score is not None and rc.match(r"\d+(?:\.\d)?\s*/\s*(?:10|5)\b", low[at:])
    if score is None or (any(s.start <= at < s.end for s in m.spans) and not out_of and not named):
        return None  # "an 8 on the 15th"; "3/5" is a score, not March 5
    if nps and csat:
        scale = "nps" if nps.start() < csat.start() or rc.search(r"(?:/|out\s+of)\s*10\b", low) else "csat"
    else:
        scale = "nps" if nps else "csat"
    if scale == "nps" and not 0 <= score <= 10 or scale == "csat" and not 1 <= score <= 5:
        return None
    slots: Slots = {"scale": scale, "score": int(score) if score.is_integer() else score}
    _who_gave(m, slots)
    return "log_feedback", 0.88, slots


_NOT_A_GIVER = (
    r"(?:we|i|our|the|a|an|nps|csat|just|got|new|survey|customer|score|log|logged|record|recorded|add|save|enter|"
    r"track|feedback|response|received|another|this|that|satisfaction|net|promoter|rating|@)"
)


def _without_scale(name: str) -> str:
    return rc.sub(r"['’]s$", "", rc.split(r"\s+(?:nps|csat)\b|\s*:", tidy(name), flags=re.I)[0]).strip()


def _giver_before(m: Msg, at: int, after: int, slots: Slots) -> bool:
    """ "Lee Seo-yeon from Hyundai Mobis NPS: 9": a person's name alone before "from" gave it, for the company after."""
    before = tidy(m.text[:at])
    if not before or not person_like(before, default=False) or len(before.split()) > 3:
        return False
    company = _without_scale(name_at(m, after, company=True)[0])
    if not company or rc.search(r"\b(?:nps|csat)\b", company, re.I):
        return False
    slots["contact"], slots["company"] = before, company
    return True


def lab_cut(m: Msg, cut: int) -> bool:
    """``cut`` is just after a label such as "NPS feedback:" at the start of the message."""
    lab = rc.match(r"^(?:nps|csat)\b[^:\d]{0,30}:\s*", m.low)
    return lab is not None and lab.end() == cut


_SCALE_WORD = rc.compiled(r"\b(?:nps|csat)\b")


def _who_gave(m: Msg, slots: Slots) -> None:
    """ "Jane from Acme gave us a 9", "NPS 9 from Jane at Acme", "Acme rated us 4/5", "nps 4 - tom @ hooli"."""
    fm = rc.search(
        # "from the team at Embraer": the company the team is at
        r"\b(?:from|for|by)\s+(?:(?:the|their|our)\s+)?(?:team|folks|people|guys|crew|users|buyers)\s+(?:at|from|@)\s+"
        r"|\b(?:from|for|by)\s+(?!(?:the\s+)?(?:survey|nps|csat|customer|customers|them|him|her|us)\b)"
        r"|^(?:nps|csat)\s+(?!(?:score|rating|result|response|survey|of|is|was|from|for|by)\b)"
        r"(?=[a-z][\w&.\-]*(?:\s+[a-z][\w&.\-]*){0,2}\s*[:=\-]?\s+\d)",  # "nps Acme 9"
        m.low,
    )
    start = None
    # the clause that gives the score: "<@U1> says Initech gave an 8" is Initech's
    vm = rc.search(r"\b(?:gave|gives|rated|rates|scored|left|submitted|responded)\b", m.low)
    head = m.low[: vm.start()] if vm else m.low
    cut = max(
        (
            x.end()
            for x in rc.finditer(r"\b(?:says|said|reports|reported|told me|mentioned|that)\b|[:,;]\s", head)
        ),
        default=0,
    )
    if not rc.match(rf"\s*(?!{_NOT_A_GIVER}\b)[a-z]", m.low[cut:]) and not vm:
        # "NPS feedback: Jörg Wendland, Hansa Kältetechnik, 6": the score last, who gave it after the label
        lab = rc.match(r"^(?:nps|csat)\b[^:\d]{0,30}:\s*", m.low)
        cut = lab.end() if lab else cut
    if rc.match(rf"\s*(?!{_NOT_A_GIVER}\b)[a-z]", m.low[cut:]) and (vm or cut == 0 or lab_cut(m, cut)):
        start = cut + len(m.low[cut:]) - len(m.low[cut:].lstrip())
    elif fm and _giver_before(m, fm.start(), fm.end(), slots):
        return  # "Lee Seo-yeon from Hyundai Mobis NPS: 9"
    elif fm:
        start = fm.end()
    else:
        # "nps 4 - tom @ hooli": who, after the score ("NPS 0, wants to churn" names no one)
        am = rc.search(r"\b\d{1,2}(?:\s*/\s*(?:10|5))?\s*(?:[-–—:,(]|\s(?=[a-z]))\s*(?=[a-z])", m.low)
        if (
            am
            and rc.match(rf"(?!{_NOT_A_GIVER}\b|on\b|in\b|out\b|stars?\b)", m.low[am.end() :])
            and (m.typed_lower or name_at(m, am.end(), company=True)[0])
        ):
            start = am.end()
    if start is None:
        # "Acme NPS: 8", "Globex's CSAT is 4": the name right before the scale
        sc = rc.search(r"\b(?:nps|csat)\b", m.low)
        lead = rc.match(rf"(?:{_NOT_A_GIVER}\s+)*", m.low)
        if not sc or lead is None or lead.end() >= sc.start():
            return
        name, end = name_at(m, lead.end(), company=True)
        name = _without_scale(name)
        if name and not rc.search(r"\b(?:nps|csat)\b", name, re.I):
            # "Olena said on the NPS survey…": whoever said it is a person
            said = rc.match(
                r"\s+(?:said|says|told|mentioned|wrote|replied|answered|thinks|thought)\b", m.low[end:]
            )
            slots["contact" if said or person_like(name, default=False) else "company"] = name
            company, _ = company_after(m, end)
            if "contact" in slots and _without_scale(company):
                slots["company"] = _without_scale(company)  # "Björn Lindqvist at Spotify AB: NPS 8"
            between = tidy(m.text[end : sc.start()])
            if (
                "contact" in slots
                and "company" not in slots
                and not said
                and rc.fullmatch(r"[^\W\d_][\w&.\-]*(?:\s+[^\W\d_][\w&.\-]*){0,2}", between)
                and not rc.search(
                    r"\b(?:gave|gives|rated|says|said|is|was|on|the|a|an|survey|score)\b", between, re.I
                )
            ):
                slots["company"] = between  # "takeshi yamamoto rakuten nps 7": name, company, score
        return
    name, end = name_at(m, start, company=True)
    if vm and start < vm.start() < end:
        # "henkel gave us a 2": the giver ends where the verb begins
        end = vm.start()
        name = tidy(m.text[start:end])
    name = rc.sub(r"['’]s$", "", name)
    if not name or name.lower() in ("nps", "csat", "we", "they", "customer"):
        return
    company, _ = company_after(m, end)
    card = rc.match(
        r"\s*,\s*(?P<c>[A-Z][^,;:\d]{1,60}?)\s*[,:\-–—]\s*\d{1,2}(?:\.\d)?\s*[.!]*$", m.text[end:]
    )
    if not company and card:
        company = card.group("c")  # "Jörg Wendland, Hansa Kältetechnik, 6": name, company, score
    tail = rc.match(
        r"\s*,\s*(?!(?:She|He|They|We|It|I|You|Said|Says|Who|Which|That|And|But|So|Very|Not|Loved|Hated|Happy|"
        r"Unhappy|Furious|Thrilled|Score|Scored|NPS|CSAT)\b)(?P<c>[A-Z][^,;:\d]{1,60}?)\s*(?:[.!]*\s*$|\s+[-–—]\s+)",
        m.text[end:],
    )
    if not company and tail and not person_like(tail.group("c"), default=False):
        company = tail.group("c")  # "nps 9 from Ahmed Hassan, Fawry — loves it": name, then the company
        if "." in company.split()[-1] and m.text[end + tail.end("c") : end + tail.end("c") + 1] == ".":
            company += "."  # "Grupo Bimbo S.A.B. de C.V.": a dotted form keeps its last dot
    sc = _SCALE_WORD.search(m.low, end)
    between = tidy(m.text[end : sc.start()]) if sc else ""
    if (
        not company
        and m.typed_lower
        and len(name.split()) >= 2
        and rc.fullmatch(r"[^\W\d_][\w&.\-]*(?:\s+[^\W\d_][\w&.\-]*){0,2}", between)
        and not rc.search(
            r"\b(?:gave|gives|rated|says|said|is|was|on|the|a|an|survey|score|us)\b", between, re.I
        )
    ):
        company = between  # "takeshi yamamoto rakuten nps 7": a name, then the company, then the score
    # a name put back in capitals from lower-case typing, in two or three words, reads as a person's
    recased = m.typed_lower and 2 <= len(name.split()) <= 3 and all(w[:1].isupper() for w in name.split())
    if company:
        slots["contact"], slots["company"] = name, tidy(company)
    elif person_like(name, default=bool(recased)):
        slots["contact"] = name
    else:
        slots["company"] = name
