"""Deals: ``create_deal`` and ``update_deal`` (and ``/crm deal …``)."""

from __future__ import annotations

import re

from . import rx as rc
from .base import (
    MENTION_AT,
    PIPELINE_CHANGE,
    QUESTION,
    STEP_STAGE,
    Msg,
    Result,
    Slots,
    blank,
    closed_as,
    corrected,
    date_ranges,
    lifecycle_in,
    name_at,
    person_like,
    resolve_when,
    stage_in,
    tidy,
)
from .dates import DateSpan
from .money import ISO_LOWER_RX, currency_said
from .text import COMPANY_SUFFIX, find_money, looks_like_person
from .vocab import STAGE_WORDS


def deal_command(m: Msg, pos: int) -> Result | None:
    low = m.low[pos:]
    sm = rc.match(r"(move|stage|set|advance|push)\b\s*", low)
    if sm:
        body = pos + sm.end()
        tm = rc.search(r"\s(?:to|into|->|→|=|as)\s", m.low[body:])
        if tm:
            deal = _deal_ref(m.text[body : body + tm.start()])
            slots = _deal_changes(m, body + tm.start())
        else:
            deal, slots = _deal_ref_then_value(m, body)
        if deal:
            slots["deal"] = deal
            if (
                slots.get("stage") == "won"
                and rc.search(r"\bclosed[\s.!]*$", m.low)
                and not rc.search(r"\bwon\b", m.low)
            ):
                # "move X to closed": won or lost is not said; the bot asks which
                del slots["stage"]
            return "update_deal", 0.95, slots
        return "unknown", 0.4, {}
    sm = rc.match(r"(amount|value|size|price)\b\s*", low)
    if sm:
        body = pos + sm.end()
        money = find_money(m.text, deal_context=True, exclude=[])
        money = [x for x in money if x.start >= body]
        slots = {}
        if money:
            deal = _deal_ref(m.text[body : money[0].start])
            slots["amount"] = money[0].amount
            if money[0].currency:
                slots["currency"] = money[0].currency
        else:
            deal = _deal_ref(m.text[body:])
        if deal:
            slots["deal"] = deal
            return "update_deal", 0.95, slots
        return "unknown", 0.4, {}
    sm = rc.match(r"(close|close-date|closedate|closing|date|due)\b\s*(?:date\s+)?", low)
    if sm:
        body = pos + sm.end()
        deal, slots = _deal_ref_then_value(m, body)
        if deal:
            slots["deal"] = deal
            if "close_date" not in slots and "stage" not in slots:
                slots["stage"] = "won"
            return "update_deal", 0.93, slots
        return "unknown", 0.4, {}
    sm = rc.match(r"(won|win|lost|lose|dead|kill|signed)\b\s*", low)
    if sm:
        body = pos + sm.end()
        deal = _deal_ref(m.text[body:])
        if deal:
            return "update_deal", 0.95, {"deal": deal, "stage": stage_in(sm.group(1)) or "lost"}
    return None  # not a subcommand shape: read it as free text ("deal: Soylent expansion, 40k")


def _deal_ref_then_value(m: Msg, body: int) -> tuple[str, Slots]:
    """``Acme renewal 2026-12-31`` / ``Acme renewal proposal``: the reference runs up to the value."""
    stop = len(m.text)
    spans = m.spans_in(body)
    if spans:
        stop = min(stop, spans[0].start)
    money = [x for x in find_money(m.text, deal_context=True, exclude=[]) if x.start >= body]
    if money:
        stop = min(stop, money[0].start)
    words = list(rc.finditer(r"\S+", m.low[body:stop]))
    slots: Slots = {}
    if words and stop == len(m.text):
        last = words[-1].group(0).strip(".,!")
        st = stage_in(last)
        if st and len(words) > 1:
            slots["stage"] = st
            stop = body + words[-1].start()
    deal = _deal_ref(m.text[body:stop])
    rest = _deal_changes(m, stop)
    for k, v in rest.items():
        slots.setdefault(k, v)
    return deal, slots


def _deal_ref(s: str) -> str:
    s = tidy(s)
    s = rc.sub(r"\s+(?:verbally|officially|finally|just|basically|technically|now)$", "", s, flags=re.I)
    s = rc.sub(
        r"\s+(?:expected\s+)?(?:amount|value|size|close|close date|closing date|closing|stage)"
        r"(?:\s+(?:changed|is|was|moved|updated|set|now))?$",
        "",
        s,
        flags=re.I,
    )
    s = rc.sub(
        r"^(?:(?:quick|small|short)\s+)?(?:update|updated|re|status|fyi|news)(?:\s+(?:on|re|for|about))?\s*:?\s+",
        "",
        s,
        flags=re.I,
    )
    s = rc.sub(r"^(?:mark|set|move|change|put)\s+", "", s, flags=re.I)
    # "Orange France renouvellement est en négo": where it stands, said in French, Spanish, Portuguese or German
    s = rc.sub(
        r"\s+(?:est|está|esta|ist|está\s+agora|is)\s+(?:en|in|im|na|no|em|jetzt\s+in)\s+\S+$",
        "",
        s,
        flags=re.I,
    )
    s = rc.sub(
        r"\s+(?:from\s+(?:stage\s+)?(?:lead|qualified|demo|proposal|negotiation)|is|was|has been|is now)$",
        "",
        s,
        flags=re.I,
    )
    s = rc.sub(r"^(?:on|re|about)\s+(?=(?:the|our)\s)", "", s, flags=re.I)
    s = rc.sub(r"^(?:the|our|my|this|that|their|a)\s+", "", s, flags=re.I)
    s = rc.sub(
        r"^(?:stage|amount|value|close date|closing date|close|size|deal size|price)\s+(?:of|for|on)\s+(?:the\s+)?",
        "",
        s,
        flags=re.I,
    )
    s = rc.sub(r"^(?:deal|opportunity|opp)\s+(?:with|for|at)\s+", "", s, flags=re.I)
    s = rc.sub(r"\s*(?:->|→|=>|[-:–—])+$", "", s)
    s = rc.sub(r"\s+(?:deal|opportunity|opp|oppty|account|contract)s?$", "", s, flags=re.I)
    s = rc.sub(r"^(?:deal|opportunity|opp)\s*[:\-]?\s+", "", s, flags=re.I)
    s = rc.sub(r"'s$", "", s)
    # A deal's name does not end in a verb: "Vertex Solar deal moving to demo" names "Vertex Solar".
    s2 = rc.sub(
        r"(?:\s+(?:is|was|has|have|had|been|being|now|just|getting|got|gets|"
        r"moving|moved|moves|going|goes|went|heading|headed|pushing|pushed|slipping|slipped|sliding|slid|"
        r"increased|increasing|decreased|decreasing|dropped|dropping|bumped|bumping|raised|lowered|reduced|"
        r"advancing|advanced|progressing|progressed|jumped|jumping|grew|growing|shrank|shrunk|changed|changing|"
        r"updated|expanded|expanding|closing|closed|landing|landed|looks|looking|should|will|needs|needing|"
        r"up|down|stuck|sitting|still|currently|waiting|stalled|parked|officially|finally|(?<=ed\s)out|again))+$",
        "",
        s,
        flags=re.I,
    )
    if s2 != s and s2.strip():
        s = rc.sub(r"\s+(?:deal|opportunity|opp|oppty|account|contract)s?$", "", s2, flags=re.I)
    s = rc.sub(r"\s*(?:->|→|=>|[-:–—])+$", "", s)
    s = rc.sub(r"^(?:on|re|about)\s+(?=(?:the|our)\s)", "", s, flags=re.I)
    s = rc.sub(r"^(?:the|our)\s+(?=\S)", "", s, flags=re.I)
    s = rc.sub(r"(?<=\S)\s+(?:deal|opportunity|opp|oppty)$", "", s, flags=re.I)
    return tidy(s)


def _close_span(m: Msg, start: int = 0) -> DateSpan | None:
    for s in m.spans:
        if s.end > start and not s.is_past_word:
            return s
    return None


def _told_close_span(m: Msg, pos: int) -> DateSpan | None:
    """The date said as the close date ("… close 2027-04-02", "closing on friday"): it wins over a date-like
    phrase elsewhere, which stays in the title ("deal add Next Year $3k close 2027-04-02")."""
    for told in rc.finditer(r"\bclos(?:e|es|ing)(?:\s+date)?(?:\s+(?:on|by|in|is|=|:))?\s+", m.low[pos:]):
        after = pos + told.end()
        span = next((sp for sp in m.spans if sp.start == after and not sp.is_past_word), None)
        if span is not None:
            return span
    return None


def _deal_changes(m: Msg, pos: int) -> Slots:
    """Stage, amount and close date named from ``pos`` on."""
    slots: Slots = {}
    span = _close_span(m, pos)
    told = rc.search(r"\bclos(?:e|ing)(?:\s+date)?\s+(?:to|is|=|:|->|now)\s*", m.low[pos:])
    if told:  # "slipping to next quarter, move close to Jan 31": the close date said as such wins
        span = _close_span(m, pos + told.end()) or span
    excl = [(s.start, s.end) for s in m.spans]
    money = [x for x in find_money(m.text, deal_context=True, exclude=excl) if x.start >= pos]
    if money:
        slots["amount"] = money[0].amount
        if money[0].currency:
            slots["currency"] = money[0].currency
    low_wo = blank(m.low, [(x.start, x.end) for x in money] + excl)[pos:]
    st = stage_in(low_wo)
    if st and not (
        st == "won"
        and span is not None
        and rc.search(r"\bclos(?:e|ed|ing)\b", low_wo)
        and not rc.search(r"\bwon\b|\bsigned\b", low_wo)
    ):
        slots["stage"] = st
    if span is not None:
        d = resolve_when(m, corrected(m, span), "future", date_only=True)
        if d:
            slots["close_date"] = d
    return slots


# A person's name in any alphabet, with its particles: "María de la Cruz", "Hope van Dyne"
_UPPER = r"[A-ZÀ-ÖØ-ÞĀĂĄĆČĎĐĒĘĚĞĪİŁŃŇŌŐŒŘŚŞŠŢŤŪŮŰŹŻŽ]"
_NAME_WORD = _UPPER + r"[^\W\d_]*(?:['’\-][^\W\d_]+)*"
_NAME = (
    _NAME_WORD
    + r"(?:\s+(?:(?:de|del|della|la|le|van|von|der|den|da|di|dos|du|ter|bin|al)\s+)*"
    + _NAME_WORD
    + r"){0,2}"
)


_DEAL_UPDATE = [
    # "move Acme renewal to negotiation", "bump the Acme renewal to 65k", "push Acme renewal to end of month"
    rc.compiled(
        r"^(?:please\s+)?(?:move|moved|moving|set|put|change|changed|advance|advanced|progress|progressed|push|pushed|"
        r"bump|bumped|drag|dragged|update|updated|mark|marked|shift|shifted|slide|slid|slip|slipped|bring|"
        r"bringing|take|took|raise|raised|lower|lowered|increase|increased|reduce|reduced|drop|dropped|"
        r"extend|extended|delay|delayed|pull|pulled|upgrade|downgrade|reprice|adjust|adjusted|revise|revised)\s+"
        r"(?:(?:the\s+)?(?:expected\s+)?(?:close|closing|close\s+date|closing\s+date|amount|value|stage)\s+(?:on|for|of|in)\s+)?"
        r"(?P<d>.+?)\s+(?:(?:stage|amount|value|close date|closing date|close|to|back|forward|out|up|down|in)\s+)*"
        r"(?:to|into|as|->|→|=|at|until|till)\s+(?P<v>.+)$"
    ),
    # "we won the Globex deal", "lost Initech to a competitor", "closed Acme!"
    rc.compiled(
        r"^(?:(?:we|i|we've|we have|i've|just|finally|officially|also|team)\s+)*(?:just\s+|finally\s+|officially\s+)?"
        r"(?P<v>won|lost|closed(?:[\s\-](?:won|lost))?|signed|booked|inked|killed|closed out)\s*[:\-]?\s+"
        r"(?:(?:the|our|a|with|on|for)\s+)?(?P<d>.+?)(?:\s+(?:deal|opp|opportunity|contract|account|renewal deal))?"
        r"(?=$|[!.,;]|\s+(?:to|today|yesterday|this|-|—|after|at|for|with|finally|!)\b|\s+[-—]|\s+:)"
    ),
    # "Initech deal is dead", "Acme renewal is now in proposal", "Globex signed!", "Acme renewal closed"
    rc.compiled(
        r"^(?:the\s+)?(?P<d>(?:(?!\s[-–—]\s)[^,;:!?])+?)(?:\s*(?:->|=>|:|[–—])\s*|\s+-\s+|\s+)(?:deal\s+|opp\s+|opportunity\s+)?"
        r"(?:(?:is|was|has|have|got|just|has been|is now|now|officially|finally|went|moved|moves|goes|'s|back|"
        r"been|gone)\s+)*(?:(?:in|at|to|into|on)\s+)?(?:the\s+)?(?P<v>closed[\s\-]?won|closed[\s\-]?lost|won|lost|dead|died|signed|done|"
        r"closed|booked|inked|gone|(?:verbally\s+)?committed|verbal|proposal|negotiation|negotiations|negotiating|"
        r"qualified|demo stage|demo(?=\s*[.!]*$)|"
        r"lead stage|proposal stage|negotiation stage|redlines|legal|contracting|dark)\b(?P<tail>.*)$"
    ),
    # "we're in negotiation with Vandelay"
    rc.compiled(
        r"^(?:we're|we are|we've|we have|now|currently)\s+(?:now\s+|officially\s+)?(?:in|at|moved to|into)\s+"
        r"(?P<v>negotiations?|proposal|demo|qualified|contracting|legal|redlines)(?:\s+stage)?\s+(?:with|on|for)\s+"
        r"(?:the\s+)?(?P<d>[^,;:!?]+?)(?:\s+(?:deal|opp|opportunity))?\s*[.!]*$"
    ),
    # "Initech went with a competitor", "Hooli chose Salesforce"
    rc.compiled(
        r"^(?:the\s+)?(?P<d>[^,;:!?]+?)(?:\s+(?:deal|opp|opportunity))?\s*[:\-–—,]?\s+(?:they\s+|we\s+)?(?:have\s+|just\s+)?"
        r"(?:went with|chose|picked|selected|signed with|is going with|are going with|"
        r"decided (?:to go )?with|walked|pulled out|backed out|ghosted us|said no|passed on us|fell through|"
        r"fell apart|pulled the plug|went cold|went dark|gone dark|went silent|is off|is cancelled|is canceled|cancelled|canceled|"
        r"churned)\b(?P<v>.*)$"
    ),
    # "Wayne Enterprises deal: bump to $1.5M"
    rc.compiled(
        r"^(?:the\s+)?(?P<d>[^,;:!?]+?)(?:\s+(?:deal|opp|opportunity))?(?:\s*[:–—]\s*|\s+-\s+)(?P<v>.+)$"
    ),
    # "close date for the Tandem deal is Dec 3rd"
    rc.compiled(
        r"^(?:the\s+)?(?:close date|closing date|expected close|close|amount|value|stage)\s+(?:for|of|on)\s+(?:the\s+)?"
        r"(?P<d>[^,;:!?]+?)(?:\s+(?:deal|opp|opportunity))?\s+(?:is|to|=|:|->|should be)\s+(?P<v>.+)$"
    ),
    # "Initech deal to $80k"
    rc.compiled(
        r"^(?:the\s+)?(?P<d>[^,;:!?]+?)(?:\s+(?:deal|opp|opportunity))?\s+(?:to|->|=)\s+(?P<v>(?:(?:[$€£¥₹₩₺₦₱₪฿₫₽₴]|(?i:[a-z]{1,2})\$|[A-Z]{3})\s?)?\d[\d.,]*\s*[kmb]?\b.*)$"
    ),
    # "Kingsley Hotel deal is £12k not £10k", "the Globex deal should be 45k"
    rc.compiled(
        r"^(?:the\s+)?(?P<d>[^,;:!?]+?\s+(?:deal|opp|opportunity|renewal|contract|expansion|upsell|pilot))\s+"
        r"(?:is|was|should be|=)\s+(?:now\s+|actually\s+|really\s+|worth\s+)*(?:at\s+)?(?P<v>(?:(?:[$€£¥₹₩₺₦₱₪฿₫₽₴]|(?i:[a-z]{1,2})\$|[A-Z]{3})\s?)?\d.*)$"
    ),
    # "Spotify podcast analytics slipped, new close date Jan 29": the slip, then the new date said as such
    rc.compiled(
        r"^(?:the\s+)?(?P<d>[^,;:!?]+?)(?:\s+(?:deal|opp|opportunity))?\s+(?:has\s+)?(?:slipped|slips|slipping|pushed|delayed|"
        r"moved|got pushed|got delayed|is delayed|is slipping)(?:\s+(?:out|again|back))?\s*(?:[,;:]|\s[-–—])\s*"
        r"(?:(?:the\s+)?(?:new|revised|updated)\s+)?(?:expected\s+)?(?:close|closing)(?:\s+date)?\s*(?:is\s+(?:now\s+)?|now\s+|:\s*|=\s*)?"
        r"(?P<v>.+)$"
    ),
    # "Acme renewal close date is Dec 31", "Acme renewal amount 60k", "Acme deal now 60k"
    rc.compiled(
        r"^(?:the\s+)?(?P<d>[^,;:!?]+?)\s+(?:deal\s+|opp\s+)?(?:new\s+)?(?:amount|value|size|close date|closing date|"
        r"close|expected close|stage|is now worth|now worth|is worth|worth|slipped|slips|pushed|moved|moving|"
        r"slipping|sliding|slid|pushing|delayed|delaying|pushed out|slipping out|"
        r"(?:is\s+|now\s+)?(?:closing|closes|expected to close|should close|will close|to close)(?=\s+(?:on\s+|by\s+)?\S*\d|\s+(?:next|this|end|eom|eoq|tomorrow|mon|tue|wed|thu|fri|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|q[1-4])\b)|"
        # matched on the lower-cased message, so a currency code is one of the codes in lower case
        r"(?:is\s+)?now(?=\s+(?:at\s+)?(?:(?:[$€£¥₹₩₺₦₱₪฿₫₽₴]|(?i:[a-z]{1,2})\$|(?:"
        + ISO_LOWER_RX
        + r"))\s?)?\d))\s*"
        r"(?:is\s+|to\s+|now\s+|=\s*|:\s*|->\s*)*(?P<v>.+)$"
    ),
]


_DEAL_LOST = next(rx for rx in _DEAL_UPDATE if "went with" in rx.pattern)


_ACCEPTED = rc.compiled(
    # the deal's words are never what someone said of it: "Alice from Umbrella says budget approved" is news
    r"^(?:(?P<p>[A-Z][\w'.\-]*)\s+(?:@|at|from)\s+)?(?P<d>[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?"
    r"(?:\s+(?!(?i:says|said|say|tells|told|mentioned|mentions|confirmed|confirms|thinks|thought|reports|reported|"
    r"writes|wrote|hears|heard|the|their|they|our|we|budget|legal|finance|procurement|board|cfo|ceo)\b)[\w&.\-]+){0,3}?)"
    r"\s+(?:has\s+|have\s+|just\s+|finally\s+)*"
    r"(?:accepted|approved|agreed to|said yes|gave (?:us )?the (?:green light|go-ahead|go ahead)|verbally agreed|"
    r"is a go|are a go|signed(?!\s+(?i:(?:the|an|a|our)\s+)?(?i:m?nda|dpa|baa|loi|pilot|eval|trial|poc)\b)|inked)\b"
)
_MOVING_TO = rc.compiled(
    r"^(?P<d>[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[\w&.\-]+){0,3}?)\s+(?:is|are|deal is)\b[^.]*?\b(?:moving|moved|move it|pushing it|"
    r"advancing|going)\s+(?:it\s+)?(?:to|into)\s+(?:the\s+)?(?P<v>lead|qualified|demo|proposal|negotiations?|contracting)\b"
)


_THEY_CHOSE_US = rc.compiled(
    r"^(?P<d>[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?){0,2})\b[^!?]{0,60}?\b(?:they|we)\s+(?:(?:just|finally|officially)\s+)?"
    r"(?:approved us|chose us|picked us|selected us|are going with us|went with us|said yes)\b"
)


def _reads_as_own_stage(words: str) -> bool:
    """Written like a team's own stage: in capitals ("Security Review", "POC") or named as a step of the
    process ("security review", "discovery call")."""
    return all(w[:1].isupper() for w in words.split()) or bool(rc.fullmatch(STEP_STAGE, words, re.I))


def _own_stage(m: Msg, at: int, deal: str) -> str | None:
    """A team's own stage, as written: "move Acme renewal to Security Review", "set Initech stage to POC"."""
    if not rc.match(
        r"^(?:please\s+)?(?:move|moved|moving|advance|advanced|progress|progressed|set|put|change|changed|update|updated|"
        r"drag|dragged|shift|shifted)\b",
        m.low,
    ) or person_like(deal, default=False):
        return None
    vm = rc.match(
        r"(?:the\s+)?(?P<s>[A-Za-z][\w\-/&]*(?:\s+[A-Za-z][\w\-/&]*){0,2}?)(?P<w>\s+stage)?\s*[.!]*$",
        m.text[at:],
    )
    if not vm or m.spans_in(at):
        return None
    said_stage = bool(vm.group("w")) or bool(rc.search(r"\bstage\b", m.low[:at]))
    if not said_stage and not _reads_as_own_stage(vm.group("s")):
        return None  # "move jane to the marketing team" is not a stage; "… to security review" is one
    if rc.match(r"(?:him|her|them|it|me|us|you|team|the\s+team)\b", vm.group("s"), re.I):
        return None
    return vm.group("s")


# A team's own stage, named as a step of review: "Acme rollout moved to security review", "… into legal sign-off"
_REVIEW_STAGE = rc.compiled(
    r"^(?:the\s+)?(?P<d>[^,;:!?]+?)(?:\s+(?:deal|opp|opportunity))?\s+(?:(?:has|got|just|was)\s+)*"
    r"(?:moved|moving|went|advanced|progressed|pushed|is\s+now|is)\s+(?:(?:in)?to|(?:now\s+)?in)\s+(?:the\s+)?"
    r"(?P<s>[a-z][\w\-]*(?:\s+[a-z][\w\-]*)?\s+(?:review|approval|sign-?off|check|vetting|assessment))"
    r"(?:\s+stage)?(?:\s+now)?\s*[.!]*$",
    re.I,
)


def _review_stage(m: Msg) -> Result | None:
    om = _REVIEW_STAGE.match(m.text)
    if not om or person_like(om.group("d"), default=False):
        return None
    stage = om.group("s")
    known = STAGE_WORDS.get(stage.lower()) or stage_in(
        stage.lower()
    )  # "in legal" is negotiation; "legal review" is a stage of its own
    return "update_deal", 0.8, {"deal": _deal_ref(om.group("d")) or om.group("d"), "stage": known or stage}


# "Grab Holdings deal moved to proposal": a deal named first and what happened to it, whatever its first word
_SAID_OF_A_DEAL = rc.compiled(
    r"^\S+(?:\s+\S+){0,3}\s+(?:deal|opp|opportunity|renewal)\s+(?:(?:is|was|has|been|just|got|now)\s+)*"
    r"(?:moved|moving|went|pushed|slipped|advanced|won|lost|signed|closed|dead)\b"
)


_CLOCK_ONLY = rc.compiled(
    r"(?:at\s+)?(?:\d{1,2}(?::\d{2})?\s*(?:am|pm|h)|\d{1,2}:\d{2}|noon|midday|midnight)\b"
)


def rule_update_deal(m: Msg) -> Result | None:
    review = _review_stage(m)
    if review:
        return review
    ac = _ACCEPTED.match(m.text)
    if ac and not person_like(ac.group("d"), default=False):
        deal = _deal_ref(ac.group("d"))  # "Ana @ Soylent accepted the proposal": the deal is Soylent's
        changes = {"deal": deal, "stage": "won"}
        tail = _deal_changes(m, ac.end())
        for k in ("amount", "currency", "close_date"):
            if k in tail:
                changes[k] = tail[k]
        return "update_deal", 0.8, changes
    mv = rc.search(
        r"\bthe\s+(?P<d>[A-Za-z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Za-z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?){0,3}?)\s+(?:deal|opp|opportunity)\b.*?\b(?:moving|moved|move|pushing)"
        r"\s+it\s+(?:back\s+)?(?:to|into)\s+(?P<v>lead|qualified|demo|proposal|negotiations?|won|lost)\b",
        m.text,
    )
    if mv:  # "got the verbal on the Ironclad Mfg deal! moving it to negotiation"
        return (
            "update_deal",
            0.8,
            {"deal": mv.group("d"), "stage": stage_in(mv.group("v").lower()) or "negotiation"},
        )
    tc = _THEY_CHOSE_US.match(m.text)
    if tc and not person_like(
        tc.group("d"), default=False
    ):  # "Gringotts security review done - they approved us!"
        return "update_deal", 0.8, {"deal": _deal_ref(tc.group("d")), "stage": "won"}
    mt = _MOVING_TO.match(m.text)
    if mt and not person_like(mt.group("d"), default=False):
        return (
            "update_deal",
            0.8,
            {"deal": _deal_ref(mt.group("d")), "stage": stage_in(mt.group("v").lower()) or "proposal"},
        )
    low = m.low.strip()
    if rc.match(r"^(?:new|add|create|log|open)\b", low) or QUESTION.match(low):
        return None
    if PIPELINE_CHANGE.match(low):
        return None  # "rename the Demo stage to Evaluation": the pipeline itself, not a deal in it
    if rc.match(
        r"^(?:prepare|prep|send|draft|email|call|review|write|share|finish|schedule|book|get|ask|follow|ping|"
        r"remind|text|check|confirm|chase|discuss|present|walk|nudge|ask|tell|collect|grab|find|loop|sync|"
        r"touch base|reach out|circle back)\b",
        low,
    ) and not _SAID_OF_A_DEAL.match(low):
        return None  # "prepare proposal for Initech": a to-do that mentions a stage word
    if rc.search(
        r"\b(?:won['’]?t|will not|not going to|isn't going to|unlikely to|never going to)\s+(?:close|sign|happen|move)\b",
        low,
    ):
        return None  # "Acme deal won't close this quarter": a doubt, not a new close date
    for i, rx in enumerate(_DEAL_UPDATE):
        dm = rx.match(low)
        if not dm:
            continue
        d_low = dm.group("d")
        if MENTION_AT.search(m.text[dm.start("d") : dm.end("d")]) or len(d_low.split()) > 6:
            continue
        if rc.search(r"\b(?:quotas?|targets?|goals?)$|^(?:the\s+)?(?:pipeline\s+)?stages?\b|\bstage$", d_low):
            continue  # "set bob's quota to 100k", "rename the Demo stage": no deal is named
        if rc.fullmatch(
            r"(?:the\s+)?(?:reports?|numbers|results|stats|figures|won|lost|wins|losses|deals?)", d_low
        ):
            continue  # "report won last month": a report asked for, not a deal called "report"
        if rc.search(
            r"\b(?:tasks?|todos?|reminders?|currency|time\s*zone|timezone|language|settings?|defaults?|password|"
            r"meeting|call|standup|sync|1:1)$",
            d_low,
        ):
            continue  # "push the call Raj task to Friday", "set the default currency to EUR": no deal is named
        if (
            "v" in dm.groupdict()
            and dm.group("v")
            and rc.search(r"\b(?:not|never|n't|no longer)\s+(?:\w+\s+)?$", low[: dm.start("v")])
        ):
            continue  # "the Initech deal is not dead"
        if (
            "v" in dm.groupdict()
            and (dm.group("v") or "").startswith("signed")
            and rc.match(
                r"\s+(?:(?:the|an|a|our)\s+)?(?:m?nda|dpa|baa|loi|pilot|eval|trial|poc)\b", low[dm.end("v") :]
            )
        ):
            continue  # "Acme signed the NDA": paperwork on the way, not the deal won
        if (
            "v" in dm.groupdict()
            and (dm.group("v") or "") in ("won", "signed", "booked", "closed")
            and rc.match(r"(?:['’]t\b|\s+(?:up|off|out)\b)", low[dm.end("v") :])
        ):
            continue  # "signed up for the webinar", "won't close this quarter"
        if (
            "v" in dm.groupdict()
            and (dm.group("v") or "").startswith(("booked", "closed", "signed"))
            and (
                rc.match(
                    r"\s+(?:(?:a|an|the|our|their|some)\s+)?(?:\w+\s+)?(?:demo|call|meeting|mtg|lunch|dinner|visit|session|"
                    r"slot|time|room|flight|hotel|table|workshop|onsite|qbr|sync)s?\b",
                    low[dm.end("v") :],
                )
                or rc.search(
                    r"\b(?:demo|call|meeting|mtg|lunch|dinner|visit|session|workshop|onsite|qbr|sync)s?$",
                    d_low,
                )
            )
        ):
            continue  # "booked a demo with Hooli", "Acme demo booked": a meeting on the calendar, not a deal won
        if rc.match(
            r"^(?:me|you|it|this|that|them|him|her|us|i|he|she|they|we|we're|they're|i'm|task|tasks|a call|call|"
            r"meeting)\b",
            d_low,
        ):
            continue
        if any(s.start < dm.end("d") and dm.start("d") < s.end for s in m.spans):
            continue  # "tmrw: send cisco the quote": a date, not a deal
        deal = _deal_ref(m.text[dm.start("d") : dm.end("d")])
        if (
            rc.fullmatch(r"(?:we\s+|i\s+)?(?:just\s+|finally\s+)?(?:got|received|have|had)", d_low)
            and "tail" in dm.groupdict()
        ):
            # "got the verbal from Hooli, moving to negotiation": the deal is whom it came from
            src = rc.match(
                r"\s*(?:from|on|with|for)\s+(?:the\s+)?([A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?){0,3})",
                m.text[dm.start("tail") :],
            )
            deal = _deal_ref(src.group(1)) if src else ""
        if deal.lower() in ("the", "it", "this", "that", "this one", "that one", "deal"):
            continue
        if not deal:
            continue
        if i == 0:
            if rc.fullmatch(
                r"(?:(?:the|my|our|this|that|tomorrow's|today's)\s+)?(?:[\w&.\-]+\s+)?(?:meeting|call|demo|lunch|dinner|sync|"
                r"qbr|mtg|appointment|appt|session|event|1:1|standup|review)s?",
                d_low,
            ):
                continue  # "move the meeting to Thursday": the calendar, not a deal
            v_low = dm.group("v")
            changes = _deal_changes(m, dm.start("v"))
            if "lifecycle" in v_low or lifecycle_in(" as " + v_low) and not changes.get("stage"):
                continue
            if rc.search(r"@|\be-?mail\b|\bphone\b|\btitle\b|\brole\b", v_low):
                continue
            if "close_date" not in changes and "amount" not in changes and "stage" not in changes:
                own = _own_stage(m, dm.start("v"), deal)
                if own is None:
                    continue
                changes["stage"] = own
            # "bump X to 65k and push close to end of month": later changes count too
            for k, v in _deal_changes(m, dm.end("d")).items():
                changes.setdefault(k, v)
            if (
                changes.get("stage") == "won"
                and "close_date" in changes
                and not rc.search(r"\bwon\b|\bsigned\b", low)
            ):
                del changes["stage"]
        elif i == 1:
            verb = dm.group("v").lower()
            changes = {"stage": closed_as(low) if verb == "closed" else stage_in(verb) or "won"}
            tail = _deal_changes(m, dm.end("d"))
            for k in ("amount", "currency"):
                if k in tail:
                    changes[k] = tail[k]
            if deal.lower() in ("it", "them", "one", "deal", "big one") or rc.fullmatch(
                r"\d+(?:\s+\w+)?", deal
            ):
                continue
            cut = rc.match(
                r"(?P<n>[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?)*)\s+(?:price|budget|because|since|due|was|is|were|they|went)\b",
                deal,
            )
            if cut:  # "we lost Riverbend HVAC price was too high"
                deal = cut.group("n")
            if person_like(deal, default=False) and not rc.search(r"\bdeal\b", low):
                continue
        elif rx is _DEAL_LOST:
            if person_like(deal, default=False) and not rc.search(r"\bdeal|opp|renewal\b", low):
                continue
            if (
                rc.match(r"(?:my|our)\s", low)
                and not rc.search(
                    r"\b(?:deal|opp|opportunity|renewal|contract|pilot|expansion|upsell|account)\b", low
                )
                and not any(w[:1].isupper() for w in deal.split())
            ):
                continue  # "my flight got cancelled": the sender's own plans, not a deal
            if (
                rc.search(r"\b(?:went|gone)\s+(?:dark|silent)\b", low)
                and not rc.search(r"\b(?:deal|opp|opportunity|renewal|contract|pilot|lost)\b", low)
                and not any(w[:1].isupper() for w in m.text[dm.start("d") : dm.end("d")].split())
            ):
                continue  # "the lights went dark": only a deal (or a lost one) goes dark in a CRM
            changes = {"stage": "lost"}
        elif i == 2:
            v = dm.group("v")
            if v == "dark":
                continue
            step = rc.match(r"\s+(review|sign-?off|approval|check)\b", dm.group("tail"), re.I)
            if v == "legal" and step:
                changes = _deal_changes(m, dm.start("v"))
                changes.update(deal=deal, stage=m.text[dm.start("v") : dm.end("v") + step.end()].strip())
                return "update_deal", 0.88, changes  # "in legal review": a team's own stage, as written
            if v in ("legal", "contracting", "redlines"):
                v = "negotiation"  # "in legal now": papers are being negotiated
            moving = rc.search(
                r"\b(?:moving|moved|move|going)\s+(?:it\s+)?(?:back\s+)?(?:to|into)\s+(lead|qualified|demo|proposal|negotiations?)\b",
                low,
            )
            if moving:  # "Nimbus: verbal yes, moving to negotiation": the stage said last is where it goes
                v = moving.group(1)
            elif v.startswith(("verbal", "committed", "verbally")):
                named = rc.match(r"\s*([a-z][\w\-]*(?:\s+[a-z][\w\-]*){0,2})\s*[.!]*$", low[dm.start("v") :])
                if (
                    named
                    and named.group(1) != v
                    and rc.search(r"(?:->|→|\bstage\s*[:=]?)\s*$", low[: dm.start("v")])
                ):
                    # "Monobank deal -> verbal commit": a stage set by its name is the team's own stage, as written
                    changes = {
                        "deal": deal,
                        "stage": m.text[dm.start("v") + named.start(1) : dm.start("v") + named.end(1)],
                    }
                    return "update_deal", 0.88, changes
                v = "won"
            if v == "done":
                # "the Acme renewal is done, they signed!" - but "the deck is done" is a task
                if not rc.search(r"\b(?:deal|renewal|opp|opportunity|contract)\b", d_low) and not rc.search(
                    r"\b(?:signed|won|closed)\b", low
                ):
                    continue
                v = "won" if not rc.search(r"\b(?:lost|dead)\b", low) else "lost"
            if person_like(deal, default=False) and not rc.search(r"\bdeal|opp|renewal\b", low):
                continue
            if rc.search(
                # "Turkcell call center AI" is a deal's name: a call centre is no call
                r"\b(?:task|todo|call(?!\s+cent(?:er|re))|email|meeting|mtg|qbr|demo|lunch|sync|coffee|visit|onsite|w/)(?!\w)",
                d_low,
            ):
                continue
            changes = _deal_changes(m, dm.start("v"))
            changes["stage"] = (
                closed_as(low) if v == "closed" else stage_in(v) or ("won" if v == "gone" else "lost")
            )
            if v == "gone":
                changes["stage"] = "lost"
        else:
            changes = _deal_changes(m, dm.start("v"))
            if not changes or person_like(deal, default=False) and not rc.search(r"\bdeal\b", low):
                continue
            v0 = dm.start("v")
            lead_words = rc.match(
                r"(?:(?:date|close|closing|moved|moving|pushed|slipped|changed|set|is|now|to|until|till|out|back)\s+)*",
                low[v0:],
            )
            v0 += lead_words.end() if lead_words else 0
            if (
                rx is _DEAL_UPDATE[-1]
                and not any(sp.start <= v0 + 3 and sp.end > v0 for sp in m.spans)
                and not rc.match(
                    r"(?:at\s+|about\s+|around\s+|~)?(?:(?:[$€£¥₹₩₺₦₱₪฿₫₽₴]|(?i:[a-z]{1,2})\$|(?:"
                    + ISO_LOWER_RX
                    + r"))\s?)?\d|(?:the\s+)?(?:lead|qualified|demo|proposal|negotiation|won|lost|"
                    r"closed|next|end|eo[mqyw]|q[1-4])\b",
                    low[v0:],
                )
            ):
                continue  # "Initech is moving to a new CRM in Feb": their news, not the deal's new value
            if (
                set(changes) == {"close_date"}
                and _CLOCK_ONLY.match(low[v0:])
                and not rc.search(r"\b(?:deal|opp|opportunity|renewal|close|closing)\b", low)
            ):
                continue  # "all-hands moved to 4pm btw": a time of day is no close date
            if rc.search(
                # "Turkcell call center AI" is a deal's name: a call centre is no call
                r"\b(?:task|todo|call(?!\s+cent(?:er|re))|email|meeting|mtg|qbr|demo|lunch|sync|coffee|visit|onsite|w/)(?!\w)",
                d_low,
            ):
                continue
            if (
                rc.search(r"\bclos(?:e|ing)\b", low)
                and "close_date" in changes
                and changes.get("stage") == "won"
            ):
                del changes["stage"]
        changes["deal"] = deal
        return "update_deal", 0.88, changes
    # "Omar signed the order form 🎉 Gulf Logistics is won": the update can be the last clause
    last = m.low.rfind("; ")
    if last > 0:
        got = rule_update_deal(m.tail(last + 2))
        if got:
            return got
    # "they lost budget, Acme deal is dead": a reason first, then the deal named with what happened
    last = m.low.rfind(", ")
    if last > 0 and rc.match(
        r"(?:the\s+)?\S+(?:\s+\S+){0,3}?\s+(?:deal|opp|opportunity|renewal)\b", m.low[last + 2 :]
    ):
        got = rule_update_deal(m.tail(last + 2))
        if got:
            return got
    # "Shinsei Robotics went dark, mark the deal lost": the deal is named first, the change said of "the deal"
    named = rc.match(
        r"(?:the\s+)?([A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?){0,3})\b[^,;]*[,;]\s+",
        m.text,
    )
    if named and rc.match(
        r"(?:so\s+|pls\s+|please\s+)?(?:(?:mark|set|move|put)\s+(?:the\s+deal|it|this|that\s+deal)\s+(?:as\s+|to\s+)?"
        r"|(?:moving|moved|advancing)\s+(?:it\s+|them\s+)?(?:to|into)\s+(?:the\s+)?(?=lead|qualified|demo|proposal|negotiation))",
        m.low[named.end() :],
    ):
        changes = _deal_changes(m, named.end())
        if changes:
            return "update_deal", 0.8, {**changes, "deal": _deal_ref(named.group(1))}
    return None


_DEAL_CREATE = rc.compiled(
    r"^(?:(?:we|i)\s+(?:have|got|opened|created|added|logged)\s+|there's\s+|theres\s+|there is\s+|got\s+|"
    r"(?:new|add|create|open|log|start|opened|added|created|logged|track|record|enter|opening|adding|creating|"
    r"logging|starting|entering)\s+)"
    r"(?:a\s+|an\s+|the\s+)?(?:new\s+|potential\s+|possible\s+|big\s+|another\s+)*"
    r"(?:deal|opportunity|opp|oppty|opps)\b\s*[:\-]?\s*"
    r"|^(?:new|potential|possible|big|another)\s+(?:deal|opportunity|opp|oppty|upsell|up-sell|cross-sell|expansion)\b"
    r"\s*[:\-]?\s*"
    r"|^(?:deal|opportunity|opp|oppty)\s+(?=(?:with|for|at)\b)"
    r"|^(?:new\s+)?(?:deal|opportunity|opp|oppty)\s*[:\-–—]\s*"
    r"(?!.*\b(?:moved?|to stage|won|lost|signed|closed|push(?:ed)?|slipped|bump(?:ed)?|dead)\b)"
)


_NEW_DEAL_STAGE = rc.compiled(
    r"(?:\b(?:stage|status|in|at|into)\s*[:=]?\s*(?P<s1>lead|qualified|demo|proposal|negotiation|won|lost)\b(?:\s+stage)?"
    r"|\b(?P<s2>lead|qualified|demo|proposal|negotiation)\s+stage\b"
    r"|(?:^|[\s,;(])(?P<s3>qualified|proposal|negotiation)\s*\)?[.!]*$"
    r"|(?:^|[,;(]\s*|\s[-–—/|]\s*)(?P<s4>qualified|proposal|negotiation|demo|lead)\s*(?=[,;)]|\s[-–—/|]|$))"
)
# "stage discovery call": after the word stage, a team's own stage, up to the end of its clause
_LABELLED_STAGE = rc.compiled(
    r"\bstage\s*[:=]?\s*(?P<own>[a-z][\w\-]*(?:\s+[a-z][\w\-]*){0,2})\s*(?=[,;)]|\s[-–—/|]|[.!]*$)"
)


# Stages many teams add to the default pipeline, named after the word "stage" in lower case ("stage discovery")
_COMMON_OWN = rc.compiled(
    r"(?:discovery|evaluation|eval|scoping|poc|pilot|trial|contracting|procurement|verbal(?:\s+commit)?|commit|"
    r"onboarding|solution\s+design|business\s+case|technical\s+validation|closing)$"
)


def _new_deal_stage(m: Msg, pos: int) -> tuple[str, int, int] | None:
    """The stage a new deal starts in, and where it was said."""
    low = m.low[pos:]
    sm = _NEW_DEAL_STAGE.search(low)
    if sm:
        stage = sm.group("s1") or sm.group("s2") or sm.group("s3") or sm.group("s4")
        return stage, pos + sm.start(), pos + sm.end()
    lm = _LABELLED_STAGE.search(low)
    own = m.text[pos + lm.start("own") : pos + lm.end("own")] if lm else ""
    if (
        not lm
        or own.lower() not in STAGE_WORDS
        and not _reads_as_own_stage(own)
        and not _COMMON_OWN.match(own.lower())
    ):
        return None  # "stage sideways": not a stage the bot could match, so the command says so
    return STAGE_WORDS.get(own.lower(), own), pos + lm.start(), pos + lm.end()


def create_deal_from(m: Msg, pos: int) -> Result:
    slots: Slots = {}
    low = m.low
    cp = pos
    cm = rc.match(r"\s*(?:with|for|at|from)\s+", low[pos:])
    if cm:
        company, cend = name_at(m, pos + cm.end(), company=True)
        at = rc.match(r"\s+(?:at|from|@)\s+", low[cend:]) if company else None
        if company and at and looks_like_person(company):
            # "new deal with Ana Souza at Stone": the person, then the company they are at
            other, oend = name_at(m, cend + at.end(), company=True)
            if other:
                slots["contact"] = company
                company, cend = other, oend
        if company:
            slots["company"] = company
            cp = cend
    card = rc.match(
        r"\s*[:\-–—]?\s*(?P<co>[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?){0,3})\s+[-–—|]\s+(?P<t>[A-Za-z][^-–—|$€£\d]{2,60}?)\s+[-–—|]\s+",
        m.text[pos:],
    )
    if (
        not cm and card
    ):  # "create a deal: Brightline Media - ad analytics pilot - 15k - …": company, then what
        slots["company"], slots["title"] = card.group("co"), tidy(card.group("t"))
        cp = pos + card.end()
    cut_at: list[tuple[int, int]] = []
    if "company" not in slots and not rc.search(r"\b(?:with|w/)\s", m.low[pos:]):
        # "new deal Sakura pilot 5k at Sakura Robotics": the company named last, after "at"
        tail = rc.search(r"\s(?:at|@)\s+(?=[A-Z])", m.text[pos:])
        if tail:
            co, cend = name_at(m, pos + tail.end(), company=True)
            if co and not person_like(co, default=False) and not m.text[cend:].strip(" .!"):
                slots["company"] = co
                cut_at.append((pos + tail.start(), cend))
    excl = [(s.start, s.end) for s in m.spans]
    money = [x for x in find_money(m.text, deal_context=True, exclude=excl) if x.start >= pos]
    if money:
        slots["amount"] = money[0].amount
        if money[0].currency:
            slots["currency"] = money[0].currency
    cut: list[tuple[int, int]] = [(pos - 1 if pos else 0, cp)] if cp > pos else []
    cut += [(x.start, x.end) for x in money] + cut_at
    said_cur = currency_said(m.text[pos:]) if money else None
    if said_cur:  # "new deal with Globex for 30k, they pay in GBP": the currency said in words
        if "currency" not in slots:
            slots["currency"] = said_cur[0]
        cut.append((pos + said_cur[1], pos + said_cur[2]))
    span = _told_close_span(m, pos) or _close_span(m, pos)
    if span is not None:
        settled = corrected(m, span)  # "closing next month… er, Dec 18"
        d = resolve_when(m, settled, "future", date_only=True)
        if d:
            slots["close_date"] = d
        cut += date_ranges(m, [span]) + ([(span.start, settled.end)] if settled is not span else [])
    said = _new_deal_stage(m, pos)
    if said:
        slots["stage"] = said[0]
        cut.append(said[1:])
    ctm = rc.search(
        rf"\b(?:contact|poc|point of contact|champion|main contact)\s*(?:is\s+)?[:=]?\s*(?P<n>{_NAME})"
        rf"|(?P<n2>{_NAME})\s+is\s+(?:the|our)\s+(?:main\s+)?(?:contact|poc|point of contact|champion)\b",
        m.text[pos:],
    )
    if ctm:  # take the whole name ("Hope van Dyne"), not just what the pattern saw
        key = "n" if ctm.group("n") else "n2"
        full, _ = name_at(m, pos + ctm.start(key))
        ctm_name = (
            full
            if full and full.split()[0] == ctm.group(key).split()[0] and len(full) >= len(ctm.group(key))
            else ctm.group(key)
        )
    if ctm:
        slots["contact"] = ctm_name
        cut.append((pos + ctm.start(), pos + ctm.end()))
    elif "contact" in slots:
        pass
    else:
        wm = rc.search(
            r"\b(?:with|w/)\s+(?P<n>[A-Za-z][a-z]+(?:\s+(?!(?:at|from|of|for|in|on|to|and|by|re)\b)[A-Za-z][a-z]+)?)",
            m.text[cp:],
        )
        if wm and looks_like_person(wm.group("n")):
            slots["contact"] = wm.group("n")
            cut.append((cp + wm.start(), cp + wm.end()))
    rest = blank(m.text, cut)[pos:]
    rest = rc.sub(
        r"\b(?:worth|valued at|value|amount|for|closing|close date|closes|close|expected to close|expected|maybe|possibly|"
        r"potentially|roughly|early stages?|tbd|"
        r"target|targeting|at|of|by|est\.?|estimated|around|about|approx\.?|~)\b(?=[\s,;:.]*$|\s*[,;:.])",
        " ",
        rest,
        flags=re.I,
    )
    parts = [p for p in (tidy(x) for x in rc.split(r"[,;:()]|\s[-–—]\s", rest)) if p]
    parts = [rc.sub(r"^(?:for|with|at|called|named|titled)\s+", "", p, flags=re.I) for p in parts]
    parts = [
        tidy(
            rc.sub(
                r"\b(?:worth|valued at|closing|close|closes|expected|est\.?|around|about|approx\.?|~|deal)$",
                "",
                p,
                flags=re.I,
            )
        )
        for p in parts
    ]
    parts = [
        p
        for p in parts
        if p
        and not rc.fullmatch(r"(?:and|the|a|an|it|new|(?:new\s+|an?\s+)?(?:deal|opp|opportunity))", p, re.I)
    ]
    if parts and not _same_name(parts[0], slots.get("company")):
        slots["title"] = _deal_ref(parts[0]) or parts[0]
    if not slots:
        return "unknown", 0.35, {}
    return "create_deal", 0.9, slots


def _same_name(a: str, b: str | None) -> bool:
    """The company said again is not a deal title ("new deal Volvo Cars kr 350 000": no title given)."""
    return b is not None and rc.sub(r"\W+", " ", a).strip().lower() == rc.sub(r"\W+", " ", b).strip().lower()


_UPDATE_CUE = rc.compiled(
    r"\b(?:moved?|moving|won|lost|signed|closed|push(?:ed)?|slipped|bump(?:ed)?|dead|now|update[ds]?|"
    r"change[ds]?|increase[ds]?|raise[ds]?|is in|to stage)\b|->|→|\bto\s+(?:(?:[$€£¥₹₩₺₦₱₪฿₫₽₴]|(?i:[a-z]{1,2})\$|[A-Z]{3})\s?)?\d"
    # "Zenith deal amount 75k", "Kingsley Hotel deal is £12k": a deal already named, said with its new value
    r"|\b(?:deal|opp|opportunity|renewal|contract)\s+(?:is|was|should be|amount|value|size|close|closing|stage|=)\b"
    r"|(?:^|[,;:]\s*)(?:stage|amount|value)\s*[:=]?\s+\w"
)


def rule_create_deal(m: Msg) -> Result | None:
    dm = _DEAL_CREATE.match(m.low)
    if dm:
        got = create_deal_from(m, dm.end())
        title = got[2].get("title", "")
        if (
            got[0] == "create_deal"
            and "company" not in got[2]
            and rc.fullmatch(
                r"[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?){0,2}",
                title,
            )
            and not rc.search(
                r"(?i)\b(?:renewal|expansion|upsell|pilot|deal|project|rollout|license|add-on)\b", title
            )
        ):
            got[2]["company"] = title
            # "new opp Initech 20k": the one name is the company, and the deal is not named (the bot names it);
            # "create deal Hanbit Logistics WMS": a product's acronym after the company names the deal too
            last = title.split()[-1]
            if len(title.split()) == 1 or not (
                last.isupper() and last.lower().rstrip(".") not in COMPANY_SUFFIX
            ):
                del got[2]["title"]
        return got
    # "Soylent renewal - $22k - closing 1/15": a deal card with no verb
    card = rc.match(
        r"^(?P<t>[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[\w&.\-]+){0,3}?)\s*[-–—:|]\s*(?=(?:(?:[$€£¥₹₩₺₦₱₪฿₫₽₴]|(?i:[a-z]{1,2})\$|[A-Z]{3})\s?)?\d)",
        m.text,
    )
    if card and not _UPDATE_CUE.search(m.low) and find_money(m.text, deal_context=True, exclude=[]):
        got = create_deal_from(m, card.end())
        if got[0] == "create_deal":
            got[2]["title"] = card.group("t")
        return got
    # "infosys renewal 90k closing dec 31": a named renewal/expansion with an amount and no verb is a new deal
    nd = rc.match(
        r"^(?P<t>[\w&.\-]+(?:\s+[\w&.\-]+){0,2}?\s+(?:renewal|expansion|upsell|pilot|license|licenses|subscription|"
        r"rollout|project))\s*[:,\-–—]?\s*(?=(?:(?:[$€£¥₹₩₺₦₱₪฿₫₽₴]|(?i:[a-z]{1,2})\$|[A-Z]{3})\s?)?\d)",
        m.text,
        re.I,
    )
    if nd and not _UPDATE_CUE.search(m.low) and find_money(m.text, deal_context=True, exclude=[]):
        got = create_deal_from(m, nd.end())
        if got[0] == "create_deal":
            got[2]["title"] = nd.group("t")
        return got
    # "wayne rfp deal 60k": typed in lower case, the words before "deal" name it
    lc = rc.match(
        r"^(?P<t>[a-z][\w&.\-]*(?:\s+[a-z][\w&.\-]*){0,3}?)\s+(?:deal|opp|opportunity)\s*[:,\-–—]?\s*(?=(?:(?:[$€£¥₹₩₺₦₱₪฿₫₽₴]|(?i:[a-z]{1,2})\$|[A-Z]{3})\s?)?\d)",
        m.text,
    )
    if (
        lc
        and not _UPDATE_CUE.search(m.low)
        and not rc.match(r"(?:the|my|our|this|that|a|new)\b", lc.group("t"))
    ):
        got = create_deal_from(m, lc.end())
        if got[0] == "create_deal":
            got[2]["title"] = lc.group("t")
        return got
    # "log a $45k deal with Hooli for the analytics add-on"
    md = rc.match(
        r"^(?:log|add|create|new|open|enter|record)\s+(?:a\s+|an\s+)?(?:new\s+)?(?P<money>(?:(?:[$€£¥₹₩₺₦₱₪฿₫₽₴]|(?i:[a-z]{1,2})\$|[A-Z]{3})\s?)?\d[\d,.]*\s*[kKmMbB]?)\s+"
        r"(?:new\s+)?(?:deal|opp|opportunity)\b\s*",
        m.text,
    )
    if not md and not _UPDATE_CUE.search(m.low):
        # "£80k deal with Barclays for onboarding automation": the amount first, no verb, then who it is with
        md = rc.match(
            r"^(?:an?\s+)?(?:new\s+)?(?P<money>(?:(?:[$€£¥₹₩₺₦₱₪฿₫₽₴]|(?i:[a-z]{1,2})\$|[A-Z]{3})\s?)?\d[\d,.]*\s*[kKmMbB]?)\s+"
            r"(?:new\s+)?(?:deal|opp|opportunity)\s+(?=(?:with|w/)\s)",
            m.text,
        )
    if md:
        got = create_deal_from(m, md.end())
        money = find_money(m.text[md.start("money") : md.end("money")], deal_context=True, exclude=[])
        if money:
            slots = {**got[2], "amount": money[0].amount}
            if money[0].currency:
                slots["currency"] = money[0].currency
            return "create_deal", 0.85, slots
    # "Globex: new deal, platform migration, $1.2M", "Initech opportunity, 20k euros"
    cm = rc.match(
        r"^(?P<co>[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?){0,2})(?P<t>(?:\s+[a-z][\w&.\-]*){0,3}?)\s*[:,\-–—]?\s+"
        r"(?:new\s+|potential\s+)?(?:deal|opportunity|opp|oppty)\b\s*[:,\-–—]?\s*",
        m.text,
    )
    if (
        cm
        # the words between a company and "deal" name it; "closing the deal", "signed a deal" are news
        and not rc.search(
            r"\b(?:the|a|an|that|this|their|his|her|closing|closed|signing|signed|won|lost|is|was)\b",
            cm.group("t"),
        )
        and find_money(m.text, deal_context=True, exclude=[(s.start, s.end) for s in m.spans])
        and not _UPDATE_CUE.search(m.low)
    ):
        got = create_deal_from(m, cm.end())
        if got[0] == "create_deal":
            got[2].setdefault("company", cm.group("co"))
            if cm.group("t").strip():  # "Vandelay import deal - $48k": the words before "deal" name it
                got[2]["title"] = cm.group("co") + cm.group("t")
        return got
    bm = rc.match(
        r"^(?P<co>[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?){0,2})\s+(?:wants|is looking|is ready|is interested|plans|would like)"
        r"\s+(?:to\s+)?(?:buy|purchase|sign|expand|upgrade|renew|in buying|in)\b",
        m.text,
    )
    if bm and find_money(m.text, deal_context=True, exclude=[(s.start, s.end) for s in m.spans]):
        result = create_deal_from(m, bm.end())
        if result[0] == "create_deal":
            result[2].setdefault("company", bm.group("co"))
        return result
    return None
