"""One message in, one intent out (the shape is fixed by the shared NLU contract).

The parser is a cascade of small rules over the normalised message. Each rule looks for the words that
carry an intent ("remind me to", "we won", "had lunch with") at a known place, then fills the slots from
the rest with the shared extractors. The ``/crm`` subcommands (``deal move X to proposal``) are rewritten
into the same language first, so both surfaces share every slot extractor. Anything no rule claims is
``unknown``: a wrong record is worse than a question.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .dates import DateSpan, find_spans, make_now, resolve
from .normalize import normalize
from .text import (
    EMAIL,
    clean,
    find_money,
    looks_like_person,
    phones,
    role_title,
    take_name,
)
from .vocab import FIRST_NAMES, LIFECYCLE_WORDS

MAX_CHARS = 4000
log = logging.getLogger(__name__)

Slots = dict[str, Any]
Result = tuple[str, float, Slots]


@dataclass
class Msg:
    """The message after normalisation; ``text`` keeps case, ``low`` is the same string lower-cased."""

    text: str
    low: str
    now: datetime
    user: str | None
    spans: list[DateSpan]
    done_mark: bool

    def spans_in(self, start: int, end: int | None = None) -> list[DateSpan]:
        stop = len(self.text) if end is None else end
        return [s for s in self.spans if s.start >= start and s.end <= stop]


# --------------------------------------------------------------------------------------------- helpers

_MENTION_AT = re.compile(r"@([UW][A-Z0-9]{5,})\b")
_PREP_BEFORE_DATE = re.compile(
    r"(?:\b(?:by|on|before|until|till|due|for|at|around|no later than|from|this|next|in|within|"
    r"of|is|to|closing|close|closes|expected|expected to close|target|targeting)\s*[:\-]?\s*)+$",
    re.I,
)
_TRAILING_FILLER = re.compile(
    r"(?:[\s,;:.!?\-]+|\b(?:please|pls|plz|thanks|thank you|thx|ty|asap|k|ok|okay|cheers)\b)+$", re.I
)
_LEADING_FILLER = re.compile(
    r"^(?:(?:hey|hi|hello|yo|ok|okay|so|um+|uh+|oh|btw|bot|crm|/crm|please|pls|plz|kindly|"
    r"quick (?:one|q|question|reminder)|can you|could you|would you|will you|can u|could u|"
    r"(?:(?:a|status|quick|small|an|deal|pipeline)\s+)?update(?=\s*[:\-])|heads up|"
    r"i'd like to|i would like to|i want to|i wanna|let's|lets|go ahead and)\b[\s,:;!.\-]*)+",
    re.I,
)


def _tidy(s: str) -> str:
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"^[\s,;:.!?\-–—\"'`]+", "", s)
    prev = None
    while prev != s:
        prev = s
        s = _TRAILING_FILLER.sub("", s).strip()
        s = s.strip("\"'`“”‘’()[] ")
    return s


def _blank(text: str, ranges: list[tuple[int, int]]) -> str:
    """``text`` with the given ranges replaced by spaces (positions stay valid)."""
    chars = list(text)
    for s, e in ranges:
        for i in range(max(0, s), min(len(chars), e)):
            chars[i] = " "
    return "".join(chars)


def _date_ranges(m: Msg, spans: list[DateSpan]) -> list[tuple[int, int]]:
    """Ranges of the date phrases together with the preposition that introduces them."""
    out = []
    for sp in spans:
        before = m.low[: sp.start]
        pm = _PREP_BEFORE_DATE.search(before)
        start = pm.start() if pm else sp.start
        out.append((start, sp.end))
    return out


def _when(m: Msg, span: DateSpan, direction: str = "future", *, date_only: bool = False) -> str | None:
    got = resolve(span, m.now, "past" if direction == "past" else "future")
    if got and date_only:
        return got[:10]
    return got


def _first_future(m: Msg, spans: list[DateSpan]) -> DateSpan | None:
    for sp in spans:
        if not sp.is_past_word:
            return sp
    return None


def _mentions(s: str) -> list[str]:
    return _MENTION_AT.findall(s)


def _strip_quotes(s: str) -> str:
    s = s.strip()
    if len(s) >= 2 and s[0] in "\"'`" and s[-1] == s[0]:
        return s[1:-1].strip()
    return s


# ------------------------------------------------------------------------------------------ vocabulary

_STAGE_PATTERNS: list[tuple[str, str]] = [
    ("won", r"\bclosed[\s\-]?won\b|\bwon\b|\bwin\b|\bsigned\b|\bbooked\b|\binked\b|\bcommitted\b"),
    (
        "lost",
        r"\bclosed[\s\-]?lost\b|\blost\b|\bdead\b|\bdied\b|\bkilled\b|\bchurned\b|\bno[\s\-]go\b"
        r"|\bwent with (?:a |another )?(?:competitor|someone else|\w+ instead)\b|\bwalked away\b|\bpassed on\b",
    ),
    ("negotiation", r"\bnegotiat\w*|\bredlines?\b|\bcontracting\b|\blegal review\b|\bin legal\b"),
    ("proposal", r"\bproposal\b|\bquote\b|\bquoted\b|\bpricing sent\b"),
    ("demo", r"\bdemo\b|\bdemoing\b|\bdemo stage\b"),
    ("qualified", r"\bqualified\b|\bqualification\b|\bqualify\b|\bsql\b|\bdiscovery\b"),
    ("lead", r"\blead\b|\bnew lead\b"),
]


def _stage_in(low: str) -> str | None:
    for stage, pat in _STAGE_PATTERNS:
        if re.search(pat, low):
            return stage
    if re.search(r"\bclosed\b|\bclose it\b|\bclosed it\b", low):
        return "won"
    return None


def _lifecycle_in(low: str) -> str | None:
    m = re.search(
        r"\b(?:as|to|is|now|be|a|an|our|into|marked|mark)\s+(?:(?:a|an|our|now|new|paying)\s+)*"
        r"(prospects?|leads?|customers?|clients?|loyal(?: customers?)?|advocates?|champions?|evangelists?)\b",
        low,
    )
    if m:
        return LIFECYCLE_WORDS.get(m.group(1).split()[0])
    m = re.search(r"^(prospects?|leads?|customers?|clients?|loyal|advocates?)$", low.strip())
    return LIFECYCLE_WORDS.get(m.group(1)) if m else None


_KIND_WORDS: list[tuple[str, str]] = [
    ("note", r"\bnotes?\b|\bfyi\b|\bnoted\b|\bmemo\b"),
    (
        "message",
        r"\bping(?:ed)?\b|\btext(?:ed)?\b|\bmessag\w*|\bdm(?:ed|'d)?\b|\bslack(?:ed)?\b|\bwhats ?app(?:ed)?\b"
        r"|\bsms\b|\binmail\b|\blinkedin\b",
    ),
    ("email", r"\be-?mail\w*|\bmailed\b|\bwrote\b|\breplied\b|\bresponded\b|\bheard back\b"),
    (
        "meeting",
        r"\bmeet\w*|\bmet\b|\blunch\w*|\bdinner\b|\bcoffee\b|\bbreakfast\b|\bdrinks\b|\bdemo\w*|\bvisit\w*"
        r"|\bsat down\b|\bonsite\b|\bon-site\b|\bin person\b|\bworkshop\b|\bkick-?off\b|\bqbr\b|\bpresentation\b"
        r"|\bcaught up\b|\bcatch[\s\-]?up\b|\bsync\b|\bzoom\b|\bteams\b|\bwebinar\b|\bconference\b|\bmtg\b",
    ),
    (
        "call",
        r"\bcall\w*|\bphone\w*|\brang\b|\brung\b|\bring\b|\bspoke\w*|\btalk\w*|\bchat\w*|\bvoicemail\b|\bvm\b"
        r"|\bdial\w*|\bhung up\b|\bconversation\b|\bconvo\b",
    ),
]


def _kind_of(cue: str) -> str:
    low = cue.lower()
    # A "call" word wins over the medium it was arranged on ("zoom call", "teams call").
    if re.search(r"\bcall\w*|\bphone\w*|\brang\b|\bvoicemail\b", low):
        return "call"
    for kind, pat in _KIND_WORDS:
        if re.search(pat, low):
            return kind
    return "call"


# ------------------------------------------------------------------------------------------ names


_COMPANY_SHAPE = re.compile(
    r"(?:corp|inc|ltd|llc|gmbh|labs?|tech|soft|ware|works|systems|group|co|io|ly|ify|ex|ix|ics|tron|"
    r"matic|net|hub|stack|cloud|data|logic|media|bank|capital|health|motors|foods|air|line|dyne|sys)$",
    re.I,
)


def _company_like(name: str) -> bool:
    parts = name.split()
    if not parts:
        return False
    last = parts[-1].lower().rstrip(".")
    if last in {"inc", "corp", "co", "ltd", "llc", "plc", "gmbh", "ag", "sa", "group", "labs", "industries"}:
        return True
    if any(ch.isdigit() for ch in name) or "&" in name:
        return True
    if len(parts) == 1 and parts[0].isupper() and len(parts[0]) >= 2:
        return True
    return len(parts) == 1 and parts[0].lower() not in FIRST_NAMES and bool(_COMPANY_SHAPE.search(parts[0]))


def _person_like(name: str, *, default: bool) -> bool:
    if not name:
        return False
    parts = name.split()
    if parts[0].lower() in FIRST_NAMES:
        return True
    if _company_like(name):
        return False
    return default


def _name_at(m: Msg, pos: int, *, company: bool = False, max_words: int = 4) -> tuple[str, int]:
    while pos < len(m.text) and m.text[pos] == " ":
        pos += 1
    if m.text.startswith("@", pos):
        return "", pos
    name, end = take_name(m.text, pos, company=company, max_words=max_words)
    if name and not name.endswith(".") and m.text[end - 1 : end] == ".":
        end -= 1  # leave the full stop to end the clause
    return name, end


_COMPANY_LEAD = re.compile(r"\s*(?:,\s*)?(?:at|from|of|@|with|w/|in|over at|\()\s*(?:the\s+)?", re.I)
_PLACE_TAIL = re.compile(
    r"\s+(?:team|teams|folks|people|guys|crew|office|offices|hq|offsite|onsite|event|booth|conference|summit|campus)\b",
    re.I,
)


def _company_after(m: Msg, pos: int) -> tuple[str, int]:
    cm = _COMPANY_LEAD.match(m.low, pos)
    if not cm or cm.end() == pos:
        return "", pos
    name, end = _name_at(m, cm.end(), company=True)
    name = _strip_org_tail(name)
    if not name or name.lower() in FIRST_NAMES or any(s.start < end and cm.end() < s.end for s in m.spans):
        return "", pos
    if m.text[cm.start() : cm.end()].strip().startswith("(") and m.text.startswith(")", end):
        end += 1
    return name, end


# ------------------------------------------------------------------------------------------ rules


def _r_help(m: Msg) -> Result | None:
    if re.fullmatch(r"\s*\?+\s*", m.low):
        return "help", 0.9, {}
    low = m.low.strip(" ?!.")
    if re.fullmatch(
        r"(?:help|h|\?|commands?|usage|menu|options|what can (?:you|u|i) do(?: here| for me)?|what do you do"
        r"|how does (?:this|it|the bot) work|how do i use (?:this|you|it|the bot)|what are (?:the|your) commands"
        r"|how (?:do|can) i (?:use|talk to) (?:this|you|the bot)|what can i (?:say|ask|type)(?: here)?"
        r"|what (?:can|does) (?:this|the) (?:bot|thing|app|crm) do|what is this(?: bot)?|how do i (?:log|add|use)\b.*"
        r"|(?:what|which|list|show)(?: are)?(?: the| your| all)? commands(?: are there| do you have| can i use)?"
        r"|show (?:me )?(?:the )?(?:help|commands)|list (?:the )?commands|who are you|what are you"
        r"|help (?:me|please|pls)|i need help|get started|how to use)(?:\s+(?:please|pls|bot|crm|thanks))*",
        low,
    ):
        return "help", 0.97, {}
    if m.low.startswith("help ") and len(low.split()) <= 3:
        return "help", 0.9, {}
    return None


_SMALL_TALK = re.compile(
    r"^(?:(?:thanks|thank you|thx|ty|cheers|hi|hello|hey|yo|good (?:morning|afternoon|evening|night)|gm|gn|lol|"
    r"haha+|ok|okay|cool|nice|great|awesome|perfect|yes|no|yep|nope|sure|bye|see ya|how are you|how's it going|"
    r"what's up|sup|sounds good|got it|np|no worries|all good|nice one|good job|well done|brb|morning|"
    r"you're the best|love it|amazing|wow|hmm+|ugh|test|testing)\b[\s,.!?]*)+$",
)


def _r_small_talk(m: Msg) -> Result | None:
    if not m.low.strip() or _SMALL_TALK.match(m.low.strip()):
        return "unknown", 0.2, {}
    return None


# --- /crm subcommands: rewritten into the free-text forms the rules below understand


def _command(m: Msg) -> Result | None:
    low = m.low
    cm = re.match(r"^(contacts?|deals?|tasks?|todos?|log|pipeline|find|subscribe|unsubscribe|undo)\b\s*", low)
    if not cm:
        return None
    verb = cm.group(1)
    rest_pos = cm.end()
    rest_low = low[rest_pos:]
    if verb in ("subscribe", "unsubscribe", "undo"):
        return "unknown", 0.5, {}
    if verb.startswith("contact"):
        sm = re.match(r"(add|new|create)\b\s*", rest_low)
        if sm:
            return _create_contact_from(m, rest_pos + sm.end(), lifecycle=None)
        sm = re.match(r"(find|search|show|lookup|look up|get|view|info)\b\s*", rest_low)
        if sm:
            q = _tidy(m.text[rest_pos + sm.end() :])
            return ("find_contact", 0.95, {"query": q}) if q else ("unknown", 0.4, {})
        sm = re.match(r"(edit|update|set|change|fix)\b\s*", rest_low)
        if sm:
            return _contact_edit_command(m, rest_pos + sm.end())
        if verb == "contacts" and rest_low.strip():
            return "find_contact", 0.8, {"query": _tidy(m.text[rest_pos:])}
        return "unknown", 0.4, {}
    if verb.startswith("deal"):
        sm = re.match(r"(add|new|create)\b\s*", rest_low)
        if sm:
            return _create_deal_from(m, rest_pos + sm.end())
        if verb == "deals" or re.match(r"(show|list|view|info|get|find)\b", rest_low) or not rest_low.strip():
            return "unknown", 0.5, {}
        return _deal_command(m, rest_pos)
    if verb in ("task", "todo"):
        sm = re.match(r"(add|new|create)\b\s*", rest_low)
        if sm:
            return _task_from(m, rest_pos + sm.end(), conf=0.95)
        sm = re.match(r"(done|complete|completed|finish|finished|close|check|tick)\b\s*(?:off\s+)?", rest_low)
        if sm:
            t = _task_ref(m.text[rest_pos + sm.end() :])
            return ("complete_task", 0.95, {"task": t}) if t else ("unknown", 0.4, {})
        if not rest_low.strip() or re.match(r"(list|show|mine|my|overdue|today|week|all|@)", rest_low):
            return _list_tasks(m, conf=0.95)
        return _task_from(m, rest_pos, conf=0.7)
    if verb in ("tasks", "todos"):
        return _list_tasks(m, conf=0.95)
    if verb == "pipeline":
        return _pipeline(m, conf=0.97)
    if verb == "find":
        q = _tidy(m.text[rest_pos:])
        q = re.sub(r"^(?:contact|contacts|the contact)\s+(?:for\s+)?", "", q, flags=re.I)
        return ("find_contact", 0.9, {"query": q}) if q else ("unknown", 0.4, {})
    return None  # "log ..." is free text already


_FIELD = (
    r"e-?mail(?: address)?|phone(?: number)?|number|mobile|cell|tel|title|role|position|job title|company|"
    r"employer|org|organi[sz]ation|lifecycle|stage|status|name"
)


def _field_key(word: str) -> str | None:
    w = word.lower()
    if w.startswith(("email", "e-mail")):
        return "email"
    if w.startswith(("phone", "number", "mobile", "cell", "tel")):
        return "phone"
    if w.startswith(("title", "role", "position", "job")):
        return "title"
    if w.startswith(("company", "employer", "org")):
        return "company"
    if w in ("lifecycle", "stage", "status"):
        return "lifecycle"
    return None


def _field_value(key: str, value: str, slots: Slots) -> None:
    value = _tidy(value)
    if not value:
        return
    if key == "email":
        em = EMAIL.search(value)
        slots["email"] = em.group(0) if em else value
    elif key == "phone":
        slots["phone"] = value
    elif key == "lifecycle":
        lc = LIFECYCLE_WORDS.get(value.lower().split()[-1])
        if lc:
            slots["lifecycle"] = lc
    else:
        slots[key] = value


def _contact_edit_command(m: Msg, pos: int) -> Result:
    rest = m.text[pos:]
    fm = re.search(rf"\s(?:{_FIELD})\b\s*[:=]?\s*(?:to\s+|is\s+)?", " " + rest, re.I)
    slots: Slots = {}
    if fm:
        contact = _tidy(rest[: max(0, fm.start() - 1)])
        key = _field_key(fm.group(0).strip(" :="))
        value = rest[fm.end() - 1 :]
        if key:
            _field_value(key, value, slots)
    else:
        contact, extra = _contact_and_changes(m, pos)
        slots.update(extra)
    contact = re.sub(r"'s$", "", contact)
    if not contact:
        return "unknown", 0.4, {}
    slots["contact"] = contact
    _fill_contact_details(m, pos, slots, overwrite=False)
    return "update_contact", 0.93, slots


def _contact_and_changes(m: Msg, pos: int) -> tuple[str, Slots]:
    name, end = _name_at(m, pos)
    slots: Slots = {}
    rest = m.low[end:]
    lc = _lifecycle_in(" " + rest)
    if lc:
        slots["lifecycle"] = lc
    return name, slots


def _deal_command(m: Msg, pos: int) -> Result | None:
    low = m.low[pos:]
    sm = re.match(r"(move|stage|set|advance|push)\b\s*", low)
    if sm:
        body = pos + sm.end()
        tm = re.search(r"\s(?:to|into|->|→|=|as)\s", m.low[body:])
        if tm:
            deal = _deal_ref(m.text[body : body + tm.start()])
            slots = _deal_changes(m, body + tm.start())
        else:
            deal, slots = _deal_ref_then_value(m, body)
        if deal:
            slots["deal"] = deal
            return "update_deal", 0.95, slots
        return "unknown", 0.4, {}
    sm = re.match(r"(amount|value|size|price)\b\s*", low)
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
    sm = re.match(r"(close|close-date|closedate|closing|date|due)\b\s*(?:date\s+)?", low)
    if sm:
        body = pos + sm.end()
        deal, slots = _deal_ref_then_value(m, body)
        if deal:
            slots["deal"] = deal
            if "close_date" not in slots and "stage" not in slots:
                slots["stage"] = "won"
            return "update_deal", 0.93, slots
        return "unknown", 0.4, {}
    sm = re.match(r"(won|win|lost|lose|dead|kill|signed)\b\s*", low)
    if sm:
        body = pos + sm.end()
        deal = _deal_ref(m.text[body:])
        if deal:
            return "update_deal", 0.95, {"deal": deal, "stage": _stage_in(sm.group(1)) or "lost"}
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
    words = list(re.finditer(r"\S+", m.low[body:stop]))
    slots: Slots = {}
    if words and stop == len(m.text):
        last = words[-1].group(0).strip(".,!")
        st = _stage_in(last)
        if st and len(words) > 1:
            slots["stage"] = st
            stop = body + words[-1].start()
    deal = _deal_ref(m.text[body:stop])
    rest = _deal_changes(m, stop)
    for k, v in rest.items():
        slots.setdefault(k, v)
    return deal, slots


# --- complete_task

_DONE_RULES = [
    re.compile(
        r"^(?:task\s+|todo\s+)?(?:done|finished|completed|complete)\b\s*(?:with\s+)?"
        r"(?:task|todo)?\s*[:\-]?\s*(?P<t>.+)$"
    ),
    re.compile(
        r"^(?:please\s+)?(?:mark|marked|tick|ticked|check|checked|cross|crossed|set)\s+(?:off\s+)?(?P<t>.+?)\s+"
        r"(?:as\s+)?(?:done|complete|completed|finished|off|closed)$"
    ),
    re.compile(r"^(?:tick|ticked|check|checked|cross|crossed)\s+off\s+(?P<t>.+)$"),
    re.compile(r"^(?:close|complete)\s+(?:the\s+)?(?:task|todo)\s*[:\-]?\s*(?P<t>.+)$"),
    re.compile(
        r"^(?:i\s+|we\s+)?(?:just\s+|already\s+|finally\s+)?(?:finished|completed|wrapped up|knocked out)\s+"
        r"(?:the\s+task\s+|task\s+)?(?P<t>.+)$"
    ),
    re.compile(
        r"^(?P<t>.+?)\s+(?:is|are|was|has been|have been|now)\s+(?:all\s+|now\s+|finally\s+)?"
        r"(?:done|complete|completed|finished|taken care of|sorted|handled)$"
    ),
    re.compile(r"^(?P<t>.+?)\s*(?:-|:|—|–|=>|->)\s*(?:done|complete|completed|finished)$"),
]


def _task_ref(s: str) -> str:
    s = _tidy(s)
    s = _strip_quotes(s)
    s = re.sub(r"^(?:the\s+)?(?:task|todo|to-do)\s*[:\-]?\s+", "", s, flags=re.I)
    if re.search(r"\s(?:task|todo|to-do)$", s, re.I):
        s = re.sub(r"\s+(?:task|todo|to-do)$", "", s, flags=re.I)
        s = re.sub(r"^(?:my|the|that|this)\s+", "", s, flags=re.I)
    return _strip_quotes(_tidy(s))


def _r_complete_task(m: Msg) -> Result | None:
    low = m.low.strip().rstrip("!.")
    if m.done_mark and low and not re.match(r"^(?:we\s+)?(?:won|signed|closed)\b", low):
        t = _task_ref(m.text)
        t = re.sub(r"^(?:done|finished|completed)\s*[:\-]?\s*", "", t, flags=re.I)
        if t:
            return "complete_task", 0.85, {"task": t}
    for rx in _DONE_RULES:
        dm = rx.match(low)
        if not dm:
            continue
        t_low = dm.group("t")
        if re.search(r"\b(?:deal|opp|opportunity|contract signed|renewal)\b", t_low) and not re.search(
            r"\b(?:task|todo)\b", t_low
        ):
            return None
        if re.match(r"(?:a|an|my|our)\s+(?:quick\s+)?(?:call|meeting|demo|lunch|chat|mtg)\b", t_low):
            return None
        if re.match(r"(?:deal|for today|for the day|for now|here|yet)\b", t_low) or len(t_low.split()) > 14:
            return None
        t = _task_ref(m.text[dm.start("t") : dm.end("t")])
        if t:
            return "complete_task", 0.9, {"task": t}
    return None


# --- list_tasks and pipeline_summary


def _who(m: Msg, *, team_words: str) -> str | None:
    ids = _mentions(m.text)
    if ids:
        return ids[0]
    if re.search(team_words, m.low):
        return None
    return m.user


def _list_tasks(m: Msg, conf: float) -> Result:
    low = m.low
    slots: Slots = {}
    who = _who(m, team_words=r"\b(?:team|everyone|everybody|all of us|whole team|the team's|team's)\b")
    if who:
        slots["assignee"] = who
    if re.search(r"\boverdue\b|\blate\b|\bpast due\b|\bmissed\b|\bbehind\b|\bslipped\b", low):
        slots["scope"] = "overdue"
    elif re.search(r"\btoday\b|\btonight\b|\bthis (?:morning|afternoon|evening)\b|\bnow\b", low):
        slots["scope"] = "today"
    elif re.search(r"\bweek\b|\bweekly\b|\b7 days\b|\bnext few days\b|\bupcoming\b|\bcoming up\b", low):
        slots["scope"] = "week"
    else:
        slots["scope"] = "all"
    return "list_tasks", conf, slots


_TASK_NOUN = r"(?:tasks?|todos?|to-?dos?|to do(?: list)?|task list|reminders|follow[\s\-]?ups|action items)"


def _r_list_tasks(m: Msg) -> Result | None:
    low = m.low.strip()
    if re.match(
        rf"^(?:(?:my|our|all|all my|open|pending|outstanding|the team's|team|overdue|late|today's|todays|due|"
        rf"this week's|upcoming|remaining|current)\s+)*{_TASK_NOUN}\b"
        r"(?:\s+(?:for|of)\s+@\w+|\s+@\w+|\s+(?:today|overdue|this week|week|due|all|mine|list|please|pls|"
        r"now|for today|for the week|for this week|for me|due today|due this week))*[?!.]*$",
        low,
    ):
        return _list_tasks(m, conf=0.95)
    question = re.match(
        r"^(?:what|what's|whats|which|any|anything|do i|do we|does|is there|are there|show|list|see|view|get|"
        r"give|pull up|display|check|how many|where|remind me what|tell me|can i see|let me see|lemme see)\b",
        low,
    )
    if question and re.search(
        rf"\b{_TASK_NOUN}\b|\bon (?:my|his|her|their|our) plate\b|\bplate\b|\bagenda\b|\bon deck\b"
        r"|\bdue\b|\boverdue\b|\bto do\b|\bi (?:have|got) to do\b|\bpending\b|\boutstanding\b|\bopen items\b"
        r"|\bon (?:my|the) list\b|\bmy list\b"
        r"|\bdo i (?:have|need to do)\b|\bi need to do\b",
        low,
    ):
        if re.search(r"\b(?:pipeline|forecast|deals?)\b", low) and not re.search(_TASK_NOUN, low):
            return None
        return _list_tasks(m, conf=0.9)
    if re.match(
        r"^(?:what do i have|what have i got|what's next for me|what should i (?:do|work on))\b", low
    ):
        return _list_tasks(m, conf=0.85)
    if re.match(r"^(?:anything\s+|what's\s+|whats\s+|what is\s+)?overdue\b", low):
        return _list_tasks(m, conf=0.9)
    return None


def _pipeline(m: Msg, conf: float) -> Result:
    slots: Slots = {}
    ids = _mentions(m.text)
    if ids:
        slots["owner"] = ids[0]
    elif (
        m.user
        and re.search(r"\b(?:my|mine|for me|am i|i have|i've got|i got)\b", m.low)
        and not re.search(r"\b(?:team|everyone|our|we)\b", m.low)
    ):
        slots["owner"] = m.user
    return "pipeline_summary", conf, slots


def _r_pipeline(m: Msg) -> Result | None:
    low = m.low.strip()
    if re.search(r"\b(?:pipeline|pipe|forecast|funnel)\b", low):
        if re.match(r"^(?:add|move|put|create|new)\b", low):
            return None
        return _pipeline(m, conf=0.92)
    if re.search(
        r"^(?:how (?:are|is|'s|do|does)|how's|hows|what's|whats|what is|show|give|get|send|share)\b.*"
        r"\b(?:deals? (?:looking|doing|summary|overview|status|report)|(?:my|our|team|the|open) deals\b"
        r"|numbers (?:looking|this (?:month|quarter))|quarter looking|sales (?:summary|report|numbers)"
        r"|we (?:tracking|doing|looking)|(?:am i|are we) (?:tracking|doing|trending)|in play|on the board"
        r"|(?:deal|sales) (?:summary|report|overview|numbers|status)|bookings)",
        low,
    ):
        return _pipeline(m, conf=0.8)
    return None


# --- log_interaction

_LOG_ADJ = (
    r"(?:(?:quick|short|long|brief|good|great|productive|first|initial|intro|introductory|discovery|kickoff|"
    r"kick-off|follow up|follow-up|followup|check-in|check in|nice|solid|positive|tough|video|phone|zoom|"
    r"teams|weekly|monthly|quarterly|another|second|final|1:1|f2f|face to face|in person|in-person|team)\s+)"
)
_LOG_NOUN = (
    r"(?:phone call|call|email|e-mail|meeting|meetup|lunch|dinner|coffee|breakfast|drinks|demo|visit|"
    r"site visit|chat|conversation|convo|catch[\s\-]?up|sync|check[\s\-]?in|touch ?base|intro|kick-?off|"
    r"voicemail|message|text|dm|note|qbr|presentation|workshop|session|onsite)"
)
_LOG_VERB = (
    r"(?:called|phoned|rang|rung|spoke|spoken|talked|chatted|met|emailed|e-mailed|mailed|pinged|texted|"
    r"messaged|dmed|slacked|whatsapped|visited|demoed|lunched|caught up|dialed|dialled|connected|"
    r"got off (?:the |a )?(?:phone|call)|hung up|jumped on (?:a |the )?(?:quick )?call|"
    r"hopped on (?:a |the )?(?:quick )?call|got on (?:a |the )?(?:quick )?call|sat down|"
    r"left (?:a |her |him |them )?(?:voicemail|vm|message)|"
    r"sent (?:an? |the |my )?(?:quick |follow[\s\-]?up |intro )?(?:email|e-mail|note|message|text|dm)|"
    r"(?:did|gave|ran|held|had|did a|ran a) (?:a |an |the |our )?(?:quick |live |product |full )?demo|"
    r"grabbed (?:a )?(?:coffee|lunch|drinks|dinner|breakfast)|wrote|replied|responded|heard back|"
    r"got (?:an? |the )?(?:email|call|message|text|reply|dm|voicemail|ping) (?:from|back from)|"
    r"touched base|checked in|reached out|followed up)"
)
_LOG_START = re.compile(
    r"^(?:(?:i|we)\s+)?(?:(?:just|finally|also|already|quickly|briefly)\s+)?(?:"
    rf"(?P<log>log(?:ged)?|record(?:ed)?|add(?:ed)?|save|track)\s*[:\-]?\s+(?:a\s+|an\s+|the\s+|my\s+|this\s+)?"
    rf"(?:new\s+)?{_LOG_ADJ}*(?P<k1>{_LOG_NOUN})s?\b"
    rf"|had\s+(?:a\s+|an\s+|my\s+|our\s+|the\s+)?{_LOG_ADJ}*(?P<k2>{_LOG_NOUN})\b"
    rf"|(?P<k3>{_LOG_VERB})\b"
    rf"|(?P<k5>{_LOG_ADJ}*{_LOG_NOUN})\s+(?=with\b|w/|to\b|at\b|@|from\b)"
    rf"|{_LOG_ADJ}*(?P<k6>notes?|fyi|memo)\b(?:\s+(?:on|about|re|for|from))?"
    r"|(?P<k8>sent|shot|dropped|fired off|gave)\s+(?=\S+(?:\s+[A-Z]\S*)?\s+(?:an?\s+|the\s+)?(?:quick\s+|short\s+)?"
    r"(?P<k8n>email|e-mail|text|message|dm|note|line|ping|call|voicemail)\b)"
    r")"
)
_SUBJECT_LOG = re.compile(
    r"^(?P<who>(?:[A-Z][\w'.\-]*)(?:\s+[A-Z][\w'.\-]*){0,2})"
    r"(?:\s+(?:from|at|@)\s+(?P<co>[A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,2}))?"
    r"\s+(?:just\s+|finally\s+)?(?P<k>called|emailed|e-mailed|pinged|texted|messaged|rang|phoned|replied|"
    r"wrote back|wrote|responded|dm'd|dmed|got back to (?:me|us)|reached out|returned my call|"
    r"left (?:me )?a (?:voicemail|message))\b"
)
_FOLLOW_LEAD = re.compile(
    r"^(?:(?:and|then|so|but|also|plus|next step(?:s)?(?: is| are)?|action(?: item)?)\s*[:\-]?\s+)*"
    r"(?:(?:she|he|they|we|i|you|it|jane|[a-z]+)\s+(?=(?:will|'ll|would|wants?|needs?|asked|requested|expects?|is|are|'s|"
    r"promised|said|agreed|should|must|has|have|got)\b))?"
    r"(?:(?:will|'ll|would like|would love|wants?(?: us)?(?: to see| to get| to have)?|needs?(?: us)?|asked(?: us| me)?(?: for)?|"
    r"requested|expects?|is expecting|are expecting|is waiting (?:for|on)|are waiting (?:for|on)|"
    r"(?:i|we) (?:need|have|got) to|need to|have to|got to|gotta|promised(?: to)?|said|agreed(?: to)?|"
    r"should|must|is|are|'s|to|get|getting|see|a|an|the)\s+)*",
)


def _log_header(m: Msg, pos: int, kind: str) -> tuple[Slots, int]:
    """Contact / company / when right after the log cue; returns slots and where the summary begins."""
    slots: Slots = {}
    low = m.low
    lead = re.match(
        r"\s*(?:(?:with|w/|to|at|on|for|from|about|re|regarding|of|by)\s+)?(?P<art>(?:the|our|my|a|an)\s+)?"
        r"(?:(?:team|folks|people|guys|crew|ceo|cto|cfo|vp|buyer|champion)\s+(?:at|from|of|over at)\s+)?",
        low[pos:],
    )
    p = pos + (lead.end() if lead else 0)
    before_date = [s for s in m.spans if s.start == p]
    if before_date:
        p = before_date[0].end
        lead2 = re.match(r"\s*(?:,\s*)?(?:with|w/|to|at|on|for)\s+", low[p:])
        if lead2:
            p += lead2.end()
    name, end = _name_at(m, p)
    if name and name.islower() and lead and lead.group("art"):
        name = ""  # "demoed the platform to Globex": an object, not a name
    if not name:
        stop = _header_stop(m, p)
        for mm in re.finditer(r"\b(?:with|to|for|at|w/|from)\s+(?:the\s+)?(?=[A-Z])", m.text[p:stop]):
            name, end = _name_at(m, p + mm.end())
            if name:
                break
    name = _strip_org_tail(name)
    if name and not any(s.start < end and p < s.end for s in m.spans):
        person_default = False
        also = re.match(r"\s*(?:and|&)\s+", m.low[end:])
        if also and _person_like(name, default=False):
            other, oend = _name_at(m, end + also.end())
            if other and _person_like(other, default=True) and other[:1].isupper() == name[:1].isupper():
                end = oend  # "Priya and Raj from Initech": the first is the contact, the company is theirs
        if " & " in name and _person_like(name.split(" & ")[0], default=False):
            name = name.split(" & ")[0]  # "Jane & Tom": two people, the first is the contact
            end = m.text.index(" & ", p)
            also = re.match(r"\s*&\s+", m.text[end:])
            if also:
                other, oend = _name_at(m, end + also.end())
                end = oend if other else end
        company, cend = _company_after(m, end)
        if company:
            slots["contact"], slots["company"] = name, company
            end = cend
            tail = _PLACE_TAIL.match(m.text, end)
            end = tail.end() if tail else end
        elif _person_like(name, default=person_default):
            slots["contact"] = name
            pm = re.match(r"\s*\(([^)]{2,40})\)", m.text[end:])
            if pm and not EMAIL.search(pm.group(1)):
                slots["company"] = clean(pm.group(1))
                end += pm.end()
        else:
            slots["company"] = name
            tail = _PLACE_TAIL.match(m.text, end)
            end = tail.end() if tail else end
        p = end
    # "Jane's team", "Acme's CFO": a possessive names the company when a role follows.
    return slots, p


_ORG_TAIL = re.compile(
    r"(?:\s+(?:hq|office|offices|team|teams|folks|people|guys|site|campus|headquarters))+$", re.I
)


def _strip_org_tail(name: str) -> str:
    return _ORG_TAIL.sub("", name) if " " in name else name


def _header_stop(m: Msg, p: int) -> int:
    sm = re.search(r"[,;:.!?](?:\s|$)|\s[-–—]+\s|\s+(?:and|but|so)\s+(?:she|he|they|we|i|it)\b", m.low[p:])
    return p + sm.start() if sm else len(m.low)


def _split_clauses(s: str, base: int) -> list[tuple[int, int]]:
    out = []
    start = 0
    for sep in re.finditer(r"[,;.!?]+\s+|\s+[-–—]+\s+|\s+(?:and|but|so|then|plus)\s+(?=\w)", s):
        if sep.start() > start:
            out.append((base + start, base + sep.start()))
        start = sep.end()
    if start < len(s):
        out.append((base + start, base + len(s)))
    return out


_FOLLOW_CUE = re.compile(
    r"\bfollow(?:ing)?[\s\-]?up\b|\bnext steps?\b|\bcircle back\b|\bcheck in\b|\bget back to\b|\bremind me\b"
    r"|\b(?:need|needs|have|has|got) to\b|\bwill send\b|\bto send\b|\bsend (?:her|him|them)\b|\bwants?\b|\basked for\b"
    r"|\brequested\b|\bwaiting (?:for|on)\b|\bi'll\b|\bwe'll\b|\bpromised\b",
)


def _follow_title(m: Msg, start: int, end: int, span: DateSpan | None) -> str:
    ranges = _date_ranges(m, [span]) if span else []
    clause = _blank(m.text, ranges)[start:end]
    clause = _tidy(clause)
    low = clause.lower()
    fm = _FOLLOW_LEAD.match(low)
    if fm and fm.end() < len(low):
        clause, low = clause[fm.end() :], low[fm.end() :]
    fu = re.match(
        r"^(?:follow(?:ing)?[\s\-]?up|circle back|check in|get back)\b\s*(?:with|on|about|re|regarding|for|to)?\s*",
        low,
    )
    if fu and fu.end() < len(low):
        clause = clause[fu.end() :]
    elif fu:
        return "follow up"
    clause = re.sub(
        r"^(?:(?:with|on|about|re|regarding|for|to|her|him|them|us|me)\s+)+", "", clause, flags=re.I
    )
    return _tidy(clause)


_SENT_TO = re.compile(
    r"^(?i:(?:(?:i|we)\s+)?(?:just\s+|already\s+|finally\s+)?(?:sent|shared|forwarded|shot)\s+(?:over\s+)?)"
    r"(?P<obj>(?i:the|a|an|our|my|his|her|their)\s+[^,;:]+?|[a-z][^,;:]*?)\s+(?:over\s+)?to\s+(?P<n>[A-Za-z][\w'.\-]*(?:\s+[A-Z][\w'.\-]*)?)"
    r"(?:\s+(?:at|from|@)\s+(?P<co>[A-Za-z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,2}))?(?P<rest>.*)$"
)
_SENT_NAME = re.compile(
    r"^(?i:(?:(?:i|we)\s+)?(?:just\s+|already\s+|finally\s+)?(?:sent|forwarded|shot)\s+)"
    r"(?P<n>[A-Z][\w'.\-]*(?:\s+[A-Z][\w'.\-]*)?)\s+(?P<obj>(?:the|a|an|our|my|over)\s+.+?)(?P<rest>[,;:\-–—].*)?$"
)
_NAME_NOTE = re.compile(
    r"^(?P<n>[A-Z][\w&'.\-]*(?:\s+[A-Z][\w&'.\-]*){0,2})\s+(?:notes?|update|fyi)\s*[:\-–—]\s*(?P<rest>.+)$"
)


def _log_special(m: Msg) -> Result | None:
    """Log shapes whose person comes after the object: "sent the proposal to Priya", "Initech note - …"."""
    sm = _SENT_TO.match(m.text) or _SENT_NAME.match(m.text)
    if sm and sm.group("n").lower() not in ("me", "you", "him", "her", "them", "us", "legal", "finance"):
        name = sm.group("n")
        if not _person_like(name, default=name[:1].isupper()) and not sm.groupdict().get("co"):
            slots: Slots = {"kind": "email", "company": name}
        else:
            slots = {"kind": "email", "contact": name}
        if sm.groupdict().get("co"):
            slots["company"] = sm.group("co")
        slots["summary"] = _tidy(sm.group("obj"))
        if m.spans and (sp := next((s for s in m.spans if s.is_past_word), None)):
            slots["occurred_at"] = _when(m, sp, "past")
        fut = (
            [s for s in m.spans if not s.is_past_word and s.start >= sm.start("rest")]
            if sm.group("rest")
            else []
        )
        if fut:
            rest_start = sm.start("rest")
            fu: Slots = {"due": _when(m, fut[0], "future")}
            for cs, ce in _split_clauses(m.low[rest_start:], rest_start):
                if cs <= fut[0].start < ce:
                    fu["title"] = _follow_title(m, cs, ce, fut[0])
            slots["follow_up"] = fu
        return "log_interaction", 0.8, slots
    nm = _NAME_NOTE.match(m.text)
    if nm:
        name = nm.group("n")
        key = "contact" if _person_like(name, default=False) else "company"
        return "log_interaction", 0.85, {"kind": "note", key: name, "summary": _tidy(nm.group("rest"))}
    return None


def _r_log(m: Msg) -> Result | None:
    special = _log_special(m)
    if special:
        return special
    lm = _LOG_START.match(m.low)
    subject: Slots = {}
    if lm:
        cue = next(g for g in (lm.group(k) for k in ("k1", "k2", "k3", "k5", "k6", "k8n")) if g)
        kind = _kind_of(cue)
        pos = lm.end()
        if lm.group("k5"):
            # "call with Jane tomorrow at 3" is a plan, not a record.
            hdr_end = re.search(r"[,;:.!?]|\s[-–—]\s|$", m.low[pos:])
            hdr_stop = pos + (hdr_end.start() if hdr_end else 0)
            hs = m.spans_in(0, hdr_stop)
            if any(not s.is_past_word and not s.is_today_word for s in hs) or re.match(
                r"^(?:schedule|book|set up|setup|arrange)", m.low
            ):
                return None
            if hs and all(s.time_value is not None and not s.is_past_word for s in hs):
                return None
        if kind == "note" and lm.group("k6") and re.match(r"^notes?\s*$", m.low):
            return None
        if kind == "call" and re.match(r"^(?:i\s+)?(?:reached out|connected|followed up)\b", m.low):
            kind = _kind_of(m.low) if re.search(r"\b(?:email|e-mail|ping|text|messag)\w*", m.low) else "call"
    else:
        sm = _SUBJECT_LOG.match(m.text)
        if not sm:
            return None
        kind = _kind_of(sm.group("k"))
        if sm.group("k").startswith(("got back", "reached out", "replied", "wrote", "responded")):
            kind = _kind_of(m.low) if re.search(r"\b(?:call|phone|rang)\w*", m.low) else "email"
        who = sm.group("who")
        if who.lower() in ("i", "we", "she", "he", "they"):
            return None
        subject["contact"] = who
        if sm.group("co"):
            subject["company"] = sm.group("co")
        pos = sm.end()
        pos += len(re.match(r"\s*(?:me|us|back)?(?:\s+back)?", m.low[pos:]).group(0))  # type: ignore[union-attr]
    slots: Slots = {"kind": kind}
    if subject:
        slots.update(subject)
        p = pos
    else:
        hdr, p = _log_header(m, pos, kind)
        slots.update(hdr)
    # "on Slack", "via LinkedIn", "over the phone": the medium, which can also tell the kind
    via = re.match(
        r"\s*(?:on|via|over|through|by)\s+(?:the\s+)?(?P<v>slack|linkedin|whatsapp|text|sms|signal|telegram|imessage|"
        r"teams|zoom|google meet|meet|phone|email|e-mail)\b",
        m.low[p:],
    )
    if via:
        p += via.end()
        medium = via.group("v")
        if medium in ("slack", "linkedin", "whatsapp", "text", "sms", "signal", "telegram", "imessage"):
            if kind in ("call", "message") and not re.search(r"\bcall", m.low[:pos]):
                slots["kind"] = kind = "message"
        elif medium in ("email", "e-mail") and kind in ("call", "message"):
            slots["kind"] = kind = "email"
        elif medium == "phone" and kind in ("meeting", "message"):
            slots["kind"] = kind = "call"
    # a date phrase right after the header says when it happened
    occurred: DateSpan | None = None
    while True:
        gap = re.match(r"\s*(?:,\s*)?(?:on|at|this|earlier|last)?\s*", m.low[p:])
        q = p + (gap.end() if gap else 0)
        here = [s for s in m.spans if s.start <= q < s.end or s.start == q]
        if not here:
            break
        occurred = occurred or here[0]
        p = here[0].end
        company, cend = ("", p) if "company" in slots else _company_after(m, p)
        if company and re.match(r"\s*(?:,\s*)?(?:at|from|@)", m.low[p:]):
            slots["company"] = company
            p = cend
    if "company" not in slots and "contact" in slots:
        company, cend = _company_after(m, p)
        if company and re.match(r"\s*(?:at|from|@|\()", m.low[p:]):
            slots["company"] = company
            p = cend
    # the rest of the header clause: a date in it says when ("at the conference on Nov 10")
    stop = _header_stop(m, p)
    in_header = [
        s
        for s in m.spans
        if p <= s.start < stop
        and not re.search(r"\b(?:by|until|till|due|before)\s*$", m.low[max(0, s.start - 8) : s.start])
        and not re.search(
            r"\b(?:next|tomorrow|coming|in\s+\w+\s+(?:day|week|month)s?|within|from now)\b", s.text
        )
    ]
    if occurred is None and in_header:
        occurred = in_header[0]
    if (
        in_header
        and stop < len(m.low)
        and not re.match(r"\s*(?:about|re|regarding|to discuss|on the)\b", m.low[p:])
    ):
        p = stop
    rest_start = p
    rm = re.match(
        r"[\s,;:.!\-–—]*(?:(?:an?|the)\s+(?:quick\s+|short\s+)?(?:email|e-mail|text|message|dm|note|line|ping|call)\s+)?"
        r"(?:(?:about|re|regarding|to discuss|discussing|on|and|for|with|—|-)\s*[:\-]?\s+)?",
        m.low[p:],
    )
    if rm:
        rest_start = p + rm.end()
    summary = _tidy(m.text[rest_start:])
    if summary and not re.fullmatch(r"[\W_]*", summary):
        slots["summary"] = summary
    # when: the header's date, else any past-sounding date in the message
    if occurred is None:
        for s in m.spans:
            if s.is_past_word:
                occurred = s
                break
    if occurred is not None:
        got = _when(m, occurred, "past")
        if got:
            slots["occurred_at"] = got
    # follow-up: a future date in the rest of the message, or an explicit follow-up cue
    fu: Slots = {}
    for s in m.spans:
        if s is occurred or s.start < rest_start or s.is_past_word:
            continue
        due = _when(m, s, "future")
        if not due:
            continue
        for cs, ce in _split_clauses(m.low[rest_start:], rest_start):
            if cs <= s.start < ce:
                title = _follow_title(m, cs, ce, s)
                if title:
                    fu["title"] = title
                break
        fu["due"] = due
        break
    if not fu and summary:
        for cs, ce in _split_clauses(m.low[rest_start:], rest_start):
            if _FOLLOW_CUE.search(m.low[cs:ce]):
                title = _follow_title(m, cs, ce, None)
                if title:
                    fu["title"] = title
                break
    if fu:
        slots["follow_up"] = fu
    conf = 0.9 if ("contact" in slots or "company" in slots) else 0.75
    return "log_interaction", conf, slots


# --- create_task

_TASK_START = re.compile(
    r"^(?:"
    r"(?P<remind>(?:set\s+(?:a\s+)?)?remind(?:er)?s?(?:\s+me)?)\b"
    r"|(?P<todo>assign(?:ed)?(?:\s+(?:this|it|a task|task))?(?:\s+to)?(?=\s*[:\-]?\s*@)|(?:add|create|new|make|set up|put in|open)\s+(?:a\s+|an\s+|new\s+)*(?:task|todo|to-do|to do|reminder)s?"
    r"|(?:task|todo|to-do|to do|action item|ai|reminder)(?=\s*(?::|-|for\b|@))|(?:add|put)\s+(?:this\s+)?to\s+(?:my\s+)?(?:list|todos?|tasks?))\b"
    r"|(?P<need>(?:i|we)\s+(?:still\s+|really\s+)?(?:need|have|got|gotta|must|should|want)(?:\s+to)?"
    r"|(?:need|have|got|gotta|must)\s+to|gotta|must|(?:don't|dont|do not)\s+(?:let me\s+)?forget(?:\s+to)?"
    r"|(?:i'll|i will|we'll|we will|i'm going to|i am going to|going to|gonna)(?!\s+(?:be|have|need)\b)|note to self|ntm)\b"
    r")"
)
_IMPERATIVE = re.compile(
    r"^(?:follow[\s\-]?up|circle back|check in|reach out|ping|call|email|e-mail|text|message|send|prepare|prep|"
    r"draft|schedule|book|set up|setup|review|share|finish|write|put together|sort out|chase|nudge|confirm|"
    r"get|ask|invite|intro|introduce|loop in|organize|organise|plan|research|look into|dig into|"
    r"reply to|respond to|get back to|reconnect with|touch base|sync with|meet|meeting with|call with|demo|"
    r"renew|collect|sign|submit|file|fix|arrange|remember to|make sure|double check|double-check|"
    r"verify|update the|update our|update my|build|create the|create a deck|pull|run|present|visit|"
    r"grab|find time|lunch with|coffee with|dinner with|post|announce|remind|loop|kick off|start|"
    r"negotiate|align|call back|reschedule|move the|cancel|clean up|tidy|add)\b"
)


def _task_assignee(m: Msg, pos: int, title_low: str) -> tuple[str | None, list[tuple[int, int]]]:
    """Who the task is for: a leading/targeted mention, else "me"/nobody means the sender."""
    for mm in _MENTION_AT.finditer(m.text):
        before = m.low[max(0, mm.start() - 30) : mm.start()]
        if mm.start() <= pos + 2 or re.search(
            r"(?:^|\b)(?:for|assign(?:ed)?(?: it| this)? to|owner|owned by|remind|ask|tell|get|have|task|todo)\s*[:\-]?\s*$",
            before,
        ):
            return mm.group(1), [(mm.start(), mm.end())]
        after = m.low[mm.end() : mm.end() + 25]
        if re.match(r"\s*(?:,|:)?\s*(?:can you|could you|pls|please|to)\b", after):
            return mm.group(1), [(mm.start(), mm.end())]
    if mm_first := _MENTION_AT.match(m.text.strip()):
        return mm_first.group(1), [(0, mm_first.end())]
    return m.user, []


def _task_from(m: Msg, pos: int, *, conf: float) -> Result:
    assignee, cut = _task_assignee(m, pos, m.low[pos:])
    spans = m.spans_in(pos)
    due_span = _first_future(m, spans)
    ranges = list(cut)
    if due_span is not None:
        ranges += _date_ranges(m, [due_span])
    body = _blank(m.text, ranges)[pos:]
    body = re.sub(r"^\s*(?:for|to)?\s*[:\-]?\s*", "", body)
    body = re.sub(
        r"^\s*(?:,|:)?\s*(?:me|us|myself)?\s*(?:,|:)?\s*(?:to|that i need to|that i should|that we need to|about|i need to)?\s+",
        " ",
        " " + body,
    )
    body = re.sub(
        r"^\s*(?:,|:|-)?\s*(?:can you|could you|pls|please|plz|to|would you|will you)\b\s*",
        "",
        body,
        flags=re.I,
    )
    body = re.sub(r"^\s*(?:can you|could you|pls|please|plz|to)\b\s*", "", body, flags=re.I)
    title = _tidy(body)
    title = re.sub(
        r"^(?:i'm|i am|we're|we are|i'll|i will|we'll)\s+(?:going to\s+|gonna\s+)?", "", title, flags=re.I
    )
    title = re.sub(r"\s+(?:,|:)\s*", " ", title)
    title = re.sub(r"\s+(?:by|on|at|due|for|before|until)$", "", title, flags=re.I).strip()
    if not title:
        return "unknown", 0.3, {}
    slots: Slots = {"title": title}
    if assignee:
        slots["assignee"] = assignee
    if due_span is not None:
        due = _when(m, due_span, "future")
        if due:
            slots["due"] = due
    cm = re.search(
        r"\b(?:call|email|e-mail|ping|text|meet|message|follow[\s\-]?up with|check in with|reach out to|get back to|"
        r"send\b.{1,40}?\bto|sync with|touch base with|remind|invite|intro)\s+(?P<n>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)",
        title,
    )
    if cm and looks_like_person(cm.group("n")):
        slots["contact"] = cm.group("n")
    dm = re.search(
        r"\b(?:for|on|re)\s+the\s+(?P<d>[A-Z][\w&.\-]*(?:\s+[\w&.\-]+){0,2}?)\s+(?:deal|opportunity|opp)\b",
        title,
    )
    if dm:
        slots["deal"] = dm.group("d")
    return "create_task", conf, slots


def _r_create_task(m: Msg) -> Result | None:
    low = m.low
    tm = _TASK_START.match(low)
    if tm:
        if (
            tm.group("need")
            and not (m.spans or _IMPERATIVE.match(low[tm.end() :].strip()))
            and not re.search(
                r"\b(?:call|email|send|follow|ping|prepare|draft|schedule|book|get|review|update)\b", low
            )
        ):
            return None
        if tm.group("need") and re.match(r"\s*(?:to\s+)?(?:log|add|create|record)\b", low[tm.end() :]):
            return None
        return _task_from(m, tm.end(), conf=0.9)
    if _MENTION_AT.match(m.text.strip()):
        return _task_from(m, 0, conf=0.85)
    if re.match(r"^(?:ask|tell|have|get)\s+@[UW]", low):
        return _task_from(m, 0, conf=0.85)
    return None


def _r_create_task_imperative(m: Msg) -> Result | None:
    low = m.low
    if re.match(r"^(?:call|text|ping|email|message) me\b", low):
        return None
    if re.match(r"^(?:update|change|set|move|push|mark)\b", low) and not m.spans:
        return None
    im = _IMPERATIVE.match(low)
    if im:
        return _task_from(m, 0, conf=0.8 if m.spans else 0.65)
    return None


# --- deals


def _deal_ref(s: str) -> str:
    s = _tidy(s)
    s = re.sub(r"^(?:update|updated|re|status|fyi)\s*:?\s+", "", s, flags=re.I)
    s = re.sub(r"^(?:mark|set|move|change|put)\s+", "", s, flags=re.I)
    s = re.sub(
        r"\s+(?:from\s+(?:stage\s+)?(?:lead|qualified|demo|proposal|negotiation)|is|was|has been|is now)$",
        "",
        s,
        flags=re.I,
    )
    s = re.sub(r"^(?:the|our|my|this|that|their|a)\s+", "", s, flags=re.I)
    s = re.sub(
        r"^(?:stage|amount|value|close date|closing date|close|size|deal size|price)\s+(?:of|for|on)\s+(?:the\s+)?",
        "",
        s,
        flags=re.I,
    )
    s = re.sub(r"^(?:deal|opportunity|opp)\s+(?:with|for|at)\s+", "", s, flags=re.I)
    s = re.sub(r"\s+(?:deal|opportunity|opp|oppty|account|contract)s?$", "", s, flags=re.I)
    s = re.sub(r"^(?:deal|opportunity|opp)\s*[:\-]?\s+", "", s, flags=re.I)
    s = re.sub(r"'s$", "", s)
    return _tidy(s)


def _close_span(m: Msg, start: int = 0) -> DateSpan | None:
    for s in m.spans:
        if s.start >= start and not s.is_past_word:
            return s
    return None


def _deal_changes(m: Msg, pos: int) -> Slots:
    """Stage, amount and close date named from ``pos`` on."""
    slots: Slots = {}
    span = _close_span(m, pos)
    excl = [(s.start, s.end) for s in m.spans]
    money = [x for x in find_money(m.text, deal_context=True, exclude=excl) if x.start >= pos]
    if money:
        slots["amount"] = money[0].amount
        if money[0].currency:
            slots["currency"] = money[0].currency
    low_wo = _blank(m.low, [(x.start, x.end) for x in money] + excl)[pos:]
    st = _stage_in(low_wo)
    if st and not (
        st == "won"
        and span is not None
        and re.search(r"\bclos(?:e|ed|ing)\b", low_wo)
        and not re.search(r"\bwon\b|\bsigned\b", low_wo)
    ):
        slots["stage"] = st
    if span is not None:
        d = _when(m, span, "future", date_only=True)
        if d:
            slots["close_date"] = d
    return slots


_DEAL_UPDATE = [
    # "move Acme renewal to negotiation", "bump the Acme renewal to 65k", "push Acme renewal to end of month"
    re.compile(
        r"^(?:please\s+)?(?:move|moved|moving|set|put|change|changed|advance|advanced|progress|progressed|push|pushed|"
        r"bump|bumped|drag|dragged|update|updated|mark|marked|shift|shifted|slide|slid|slip|slipped|bring|"
        r"bringing|take|took|raise|raised|lower|lowered|increase|increased|reduce|reduced|drop|dropped|"
        r"extend|extended|delay|delayed|pull|pulled|upgrade|downgrade|reprice|adjust|adjusted|revise|revised)\s+"
        r"(?P<d>.+?)\s+(?:(?:stage|amount|value|close date|closing date|close|to|back|forward|out|up|down|in)\s+)*"
        r"(?:to|into|as|->|→|=|at|until|till)\s+(?P<v>.+)$"
    ),
    # "we won the Globex deal", "lost Initech to a competitor", "closed Acme!"
    re.compile(
        r"^(?:(?:we|i|we've|we have|i've|just|finally|officially|also|team)\s+)*(?:just\s+|finally\s+|officially\s+)?"
        r"(?P<v>won|lost|closed(?:[\s\-](?:won|lost))?|signed|booked|inked|killed|closed out)\s*[:\-]?\s+"
        r"(?:(?:the|our|a|with)\s+)?(?P<d>.+?)(?:\s+(?:deal|opp|opportunity|contract|account|renewal deal))?"
        r"(?=$|[!.,;]|\s+(?:to|today|yesterday|this|-|—|after|at|for|with|finally|!)\b|\s+[-—]|\s+:)"
    ),
    # "Initech deal is dead", "Acme renewal is now in proposal", "Globex signed!", "Acme renewal closed"
    re.compile(
        r"^(?:the\s+)?(?P<d>[^,;:!?]+?)(?:\s*[:\-–—]\s*|\s+)(?:deal\s+|opp\s+|opportunity\s+)?"
        r"(?:(?:is|was|has|have|got|just|has been|is now|now|officially|finally|went|moved|moves|goes|'s)\s+)*"
        r"(?:(?:in|at|to|into|on)\s+)?(?P<v>closed[\s\-]?won|closed[\s\-]?lost|won|lost|dead|died|signed|done|"
        r"closed|booked|inked|gone|proposal|negotiation|negotiations|negotiating|qualified|demo stage|"
        r"lead stage|proposal stage|negotiation stage|redlines|legal|contracting|dark)\b(?P<tail>.*)$"
    ),
    # "Initech went with a competitor", "Hooli chose Salesforce"
    re.compile(
        r"^(?:the\s+)?(?P<d>.+?)\s+(?:deal\s+)?(?:went with|chose|picked|selected|signed with|is going with|"
        r"decided (?:to go )?with|walked|pulled out|backed out|ghosted us|said no|passed on us|fell through|"
        r"fell apart|pulled the plug|went cold|is off|is cancelled|is canceled|cancelled|canceled|churned)\b(?P<v>.*)$"
    ),
    # "Wayne Enterprises deal: bump to $1.5M"
    re.compile(r"^(?:the\s+)?(?P<d>.+?)\s+(?:deal|opp|opportunity)\s*[:\-–—]\s*(?P<v>.+)$"),
    # "Acme renewal close date is Dec 31", "Acme renewal amount 60k", "Acme deal now 60k"
    re.compile(
        r"^(?:the\s+)?(?P<d>.+?)\s+(?:deal\s+|opp\s+)?(?:new\s+)?(?:amount|value|size|close date|closing date|"
        r"close|expected close|stage|is now worth|now worth|is worth|worth|slipped|slips|pushed|moved|moving)\s*"
        r"(?:is\s+|to\s+|now\s+|=\s*|:\s*|->\s*)*(?P<v>.+)$"
    ),
]


_QUESTION = re.compile(
    r"^(?:who|what|what's|whats|when|where|why|how|how's|did|do|does|is|are|was|were|will|would|can|could|"
    r"should|has|have|any|anyone)\b"
)


_DEAL_LOST = _DEAL_UPDATE[3]


def _r_update_deal(m: Msg) -> Result | None:
    low = m.low.strip()
    if re.match(r"^(?:new|add|create|log|open)\b", low) or _QUESTION.match(low):
        return None
    if re.match(
        r"^(?:prepare|prep|send|draft|email|call|review|write|share|finish|schedule|book|get|ask|follow|ping|"
        r"remind|text|check|confirm|chase|discuss|present|walk)\b",
        low,
    ):
        return None  # "prepare proposal for Initech": a to-do that mentions a stage word
    for i, rx in enumerate(_DEAL_UPDATE):
        dm = rx.match(low)
        if not dm:
            continue
        d_low = dm.group("d")
        if _MENTION_AT.search(m.text[dm.start("d") : dm.end("d")]) or len(d_low.split()) > 6:
            continue
        if re.match(
            r"^(?:me|you|it|this|that|them|him|her|us|i|he|she|they|task|tasks|a call|call|meeting)\b", d_low
        ):
            continue
        deal = _deal_ref(m.text[dm.start("d") : dm.end("d")])
        if not deal:
            continue
        if i == 0:
            v_low = dm.group("v")
            changes = _deal_changes(m, dm.start("v"))
            if "lifecycle" in v_low or _lifecycle_in(" as " + v_low) and not changes.get("stage"):
                continue
            if re.search(r"@|\be-?mail\b|\bphone\b|\btitle\b|\brole\b", v_low):
                continue
            if "close_date" not in changes and "amount" not in changes and "stage" not in changes:
                continue
            # "bump X to 65k and push close to end of month": later changes count too
            for k, v in _deal_changes(m, dm.end("d")).items():
                changes.setdefault(k, v)
            if (
                changes.get("stage") == "won"
                and "close_date" in changes
                and not re.search(r"\bwon\b|\bsigned\b", low)
            ):
                del changes["stage"]
        elif i == 1:
            changes = {"stage": _stage_in(dm.group("v")) or "won"}
            tail = _deal_changes(m, dm.end("d"))
            for k in ("amount", "currency"):
                if k in tail:
                    changes[k] = tail[k]
            if deal.lower() in ("it", "them", "one", "deal", "big one"):
                continue
            if _person_like(deal, default=False) and not re.search(r"\bdeal\b", low):
                continue
        elif rx is _DEAL_LOST:
            if _person_like(deal, default=False) and not re.search(r"\bdeal|opp|renewal\b", low):
                continue
            changes = {"stage": "lost"}
        elif i == 2:
            v = dm.group("v")
            if v == "dark":
                continue
            if v == "done":
                # "the Acme renewal is done, they signed!" - but "the deck is done" is a task
                if not re.search(r"\b(?:deal|renewal|opp|opportunity|contract)\b", d_low) and not re.search(
                    r"\b(?:signed|won|closed)\b", low
                ):
                    continue
                v = "won" if not re.search(r"\b(?:lost|dead)\b", low) else "lost"
            if _person_like(deal, default=False) and not re.search(r"\bdeal|opp|renewal\b", low):
                continue
            if re.search(r"\b(?:task|todo|call|email|meeting)\b", d_low):
                continue
            changes = _deal_changes(m, dm.start("v"))
            changes["stage"] = _stage_in(v) or ("won" if v in ("closed", "gone") else "lost")
            if v == "gone":
                changes["stage"] = "lost"
        else:
            changes = _deal_changes(m, dm.start("v"))
            if not changes or _person_like(deal, default=False) and not re.search(r"\bdeal\b", low):
                continue
            if re.search(r"\b(?:task|todo|call|email|meeting)\b", d_low):
                continue
            if (
                re.search(r"\bclos(?:e|ing)\b", low)
                and "close_date" in changes
                and changes.get("stage") == "won"
            ):
                del changes["stage"]
        changes["deal"] = deal
        return "update_deal", 0.88, changes
    return None


_DEAL_CREATE = re.compile(
    r"^(?:(?:we|i)\s+(?:have|got|opened|created|added|logged)\s+|there's\s+|theres\s+|there is\s+|got\s+|"
    r"(?:new|add|create|open|log|start|opened|added|created|logged|track|record|enter)\s+)"
    r"(?:a\s+|an\s+|the\s+)?(?:new\s+|potential\s+|possible\s+|big\s+|another\s+)*"
    r"(?:deal|opportunity|opp|oppty|opps)\b\s*[:\-]?\s*"
    r"|^(?:new|potential|possible|big|another)\s+(?:deal|opportunity|opp|oppty)\b\s*[:\-]?\s*"
    r"|^(?:deal|opportunity|opp|oppty)\s+(?=(?:with|for|at)\b)"
    r"|^(?:new\s+)?(?:deal|opportunity|opp|oppty)\s*[:\-–—]\s*"
    r"(?!.*\b(?:moved?|to stage|won|lost|signed|closed|push(?:ed)?|slipped|bump(?:ed)?|dead)\b)"
)


def _create_deal_from(m: Msg, pos: int) -> Result:
    slots: Slots = {}
    low = m.low
    cp = pos
    cm = re.match(r"\s*(?:with|for|at|from)\s+", low[pos:])
    if cm:
        company, cend = _name_at(m, pos + cm.end(), company=True)
        if company:
            slots["company"] = company
            cp = cend
    excl = [(s.start, s.end) for s in m.spans]
    money = [x for x in find_money(m.text, deal_context=True, exclude=excl) if x.start >= pos]
    if money:
        slots["amount"] = money[0].amount
        if money[0].currency:
            slots["currency"] = money[0].currency
    cut: list[tuple[int, int]] = [(pos - 1 if pos else 0, cp)] if cp > pos else []
    cut += [(x.start, x.end) for x in money]
    span = _close_span(m, pos)
    if span is not None:
        d = _when(m, span, "future", date_only=True)
        if d:
            slots["close_date"] = d
        cut += _date_ranges(m, [span])
    sm = re.search(
        r"(?:\b(?:stage|status|in|at|into)\s*[:=]?\s*(?P<s1>lead|qualified|demo|proposal|negotiation|won|lost)\b(?:\s+stage)?"
        r"|\b(?P<s2>lead|qualified|demo|proposal|negotiation)\s+stage\b"
        r"|(?:^|[\s,;(])(?P<s3>qualified|proposal|negotiation)\s*\)?[.!]*$"
        r"|(?:^|[,;(]\s*)(?P<s4>qualified|proposal|negotiation|demo|lead)\s*(?=[,;)]))",
        low[pos:],
    )
    if sm:
        slots["stage"] = sm.group("s1") or sm.group("s2") or sm.group("s3") or sm.group("s4")
        cut.append((pos + sm.start(), pos + sm.end()))
    ctm = re.search(
        r"\b(?:contact|poc|point of contact|champion|main contact)\s*(?:is\s+)?[:=]?\s*(?P<n>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)",
        m.text[pos:],
    )
    if ctm:
        slots["contact"] = ctm.group("n")
        cut.append((pos + ctm.start(), pos + ctm.end()))
    else:
        wm = re.search(r"\b(?:with|w/)\s+(?P<n>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)", m.text[cp:])
        if wm and looks_like_person(wm.group("n")):
            slots["contact"] = wm.group("n")
            cut.append((cp + wm.start(), cp + wm.end()))
    rest = _blank(m.text, cut)[pos:]
    rest = re.sub(
        r"\b(?:worth|valued at|value|amount|for|closing|close date|closes|close|expected to close|expected|"
        r"target|targeting|at|of|by|est\.?|estimated|around|about|approx\.?|~)\b(?=[\s,;:.]*$|\s*[,;:.])",
        " ",
        rest,
        flags=re.I,
    )
    parts = [p for p in (_tidy(x) for x in re.split(r"[,;:()]|\s[-–—]\s", rest)) if p]
    parts = [re.sub(r"^(?:for|with|at|called|named|titled)\s+", "", p, flags=re.I) for p in parts]
    parts = [
        _tidy(
            re.sub(
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
        and not re.fullmatch(r"(?:and|the|a|an|it|new|(?:new\s+|an?\s+)?(?:deal|opp|opportunity))", p, re.I)
    ]
    if parts:
        slots["title"] = _deal_ref(parts[0]) or parts[0]
    elif "company" in slots and "title" not in slots:
        pass
    if not slots:
        return "unknown", 0.35, {}
    return "create_deal", 0.9, slots


def _r_create_deal(m: Msg) -> Result | None:
    dm = _DEAL_CREATE.match(m.low)
    if dm:
        return _create_deal_from(m, dm.end())
    bm = re.match(
        r"^(?P<co>[A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,2})\s+(?:wants|is looking|is ready|is interested|plans|would like)"
        r"\s+(?:to\s+)?(?:buy|purchase|sign|expand|upgrade|renew|in buying|in)\b",
        m.text,
    )
    if bm and find_money(m.text, deal_context=True, exclude=[(s.start, s.end) for s in m.spans]):
        result = _create_deal_from(m, bm.end())
        if result[0] == "create_deal":
            result[2].setdefault("company", bm.group("co"))
        return result
    return None


# --- contacts

_CONTACT_CREATE = re.compile(
    r"^(?:(?:add|create|new|save|enter|make|put in|record|log)\s+(?:a\s+|an\s+)?(?:new\s+)?"
    r"(?P<k1>contact|lead|prospect|customer|client|person|person record|champion)s?\b"
    r"|(?P<k2>new)\s+(?P<k2w>contact|lead|prospect|customer|client|person)\b"
    r"|(?:add|save|put)\s+(?=[A-Za-z][\w'\-]+(?:\s+[A-Za-z][\w'\-]+){0,2}(?:\s+\([^)]*\))?\s+(?:to|into|in)\s+(?:the\s+)?(?:crm|contacts|contact list|address book)\b)"
    r"|(?:add|save)\s+(?=[A-Za-z][\w'\-]+(?:\s+[A-Za-z][\w'\-]+){0,3}\s*(?:,|\(|<|\s)\s*(?:[\w.+\-']+@|\+?\d[\d\s().\-]{6,}|(?:as|to)\s+(?:a\s+)?(?:new\s+)?(?:contact|lead|prospect|customer)|(?:the\s+)?(?:\w+\s+)?(?:of|at|from)\s+[A-Z]))"
    r")\s*[:\-]?\s*"
)


def _fill_contact_details(m: Msg, pos: int, slots: Slots, *, overwrite: bool) -> None:
    text = m.text[pos:]
    em = EMAIL.search(text)
    if em and (overwrite or "email" not in slots):
        slots["email"] = em.group(0)
    ph = phones(text)
    if ph and (overwrite or "phone" not in slots):
        slots["phone"] = ph[0][2]


def _create_contact_from(m: Msg, pos: int, *, lifecycle: str | None) -> Result:
    slots: Slots = {}
    em = EMAIL.match(m.text, pos)
    if em:  # "new contact jane@acme.com Jane Doe"
        pos = em.end()
        pos += len(re.match(r"[\s,;:\-]*", m.text[pos:]).group(0))  # type: ignore[union-attr]
    name, end = _name_at(m, pos)
    if not name:
        return "unknown", 0.35, {}
    slots["name"] = name
    _fill_contact_details(m, end, slots, overwrite=True)
    if em and "email" not in slots:
        slots["email"] = em.group(0)
    rest = m.text[end:]
    rest_low = rest.lower()
    title, company = _title_company(rest)
    if title:
        slots["title"] = title
    if company:
        slots["company"] = company
    lc = lifecycle or _lifecycle_in(" " + rest_low)
    if lc:
        slots["lifecycle"] = lc
    return "create_contact", 0.9, slots


_DEPARTMENTS = (
    r"sales|marketing|procurement|purchasing|engineering|product|operations|ops|finance|it|hr|people|growth|"
    r"partnerships|design|data|security|legal|customer success|revenue|strategy|technology|talent|research|"
    r"business development|bd|infrastructure|platform|analytics|support|success|communications|comms"
)


def _title_company(rest: str) -> tuple[str | None, str | None]:
    """Job title and company from the words after a name: "CTO of Globex", ", VP Sales at Initech"."""
    title: str | None = None
    company: str | None = None
    bare: list[str] = []
    for seg in re.split(r"[,;()]|\s[-–—]\s", rest):
        if EMAIL.search(seg) or phones(seg):
            seg = EMAIL.sub(" ", seg)
            seg = _blank(seg, [(a, b) for a, b, _ in phones(seg)])
        seg = re.sub(
            r"^\s*(?:(?:title|role|position)\s*[:=]?|is|works as|working as)\s+", "", seg.strip(), flags=re.I
        )
        seg = _tidy(seg)
        if not seg or re.match(
            r"(?:as|to)\s+(?:a|an|our)?\s*(?:new\s+)?(?:lead|prospect|customer|client|contact)", seg, re.I
        ):
            continue
        cm = re.match(
            r"(?:(?P<t>.+?)\s+)?(?:at|@|from|with|works at|working at)\s+(?P<c>[A-Za-z0-9].*)$", seg, re.I
        )
        if not cm:
            cm = re.match(rf"(?P<t>.+)\s+of\s+(?!(?:{_DEPARTMENTS})\b)(?P<c>[A-Z0-9].*)$", seg)
        if cm:
            t = cm.group("t")
            rt = role_title(t) if t else None
            if rt or not t:
                if rt and not title:
                    title = rt
                if not company:
                    company = _company_clean(cm.group("c")) or None
                continue
        rt = role_title(seg)
        if rt and not title:
            title = rt
        elif not rt and not company and re.fullmatch(r"[A-Z0-9][\w&.\-]*(?:\s+[A-Z0-9&][\w&.\-]*){0,3}", seg):
            bare.append(seg)
    if not company and bare:
        company = bare[0]
    return title, company


def _company_clean(s: str) -> str:
    s = _tidy(s)
    s = re.sub(r"\s+(?:as|and|with|who|she|he|they|is|was|,).*$", "", s, flags=re.I)
    return _tidy(s)


def _r_create_contact(m: Msg) -> Result | None:
    cm = _CONTACT_CREATE.match(m.low)
    if not cm:
        return None
    word = cm.group("k1") or cm.group("k2w") or ""
    lifecycle = LIFECYCLE_WORDS.get(word) if word not in ("contact", "person", "champion") else None
    if word == "champion":
        lifecycle = None
    if word == "contact" and re.match(r"\s*(?:at|from)\b", m.low[cm.end() :]):
        return None
    pos = cm.end()
    fm = re.match(r"(?:for|named|called)\s+", m.low[pos:])
    if fm:
        pos += fm.end()
    return _create_contact_from(m, pos, lifecycle=lifecycle)


_UPDATE_CONTACT = [
    # "update Jane's email to x", "change Tom Baker title to CTO", "set Jane phone 555"
    re.compile(
        r"^(?:update|change|set|edit|fix|correct|make)\s+(?P<c>.+?)(?:'s)?\s+(?:new\s+)?"
        rf"(?P<f>{_FIELD})\s*(?:to|is|:|=|->|as)?\s*(?P<v>.+)$"
    ),
    # "update email for Jane to x", "new phone number for Tom: 555"
    re.compile(
        rf"^(?:update|change|set|edit|new|updated|fix)\s+(?:the\s+)?(?P<f>{_FIELD})\s+(?:for|of|on)\s+"
        r"(?P<c>.+?)\s*(?:to|is|:|=|->)\s*(?P<v>.+)$"
    ),
    # "Jane Doe's new email is jdoe@acme.com", "Jane's number: 555 0100"
    re.compile(
        rf"^(?!(?:what|who|where|whats|do|does|send|give|get)\\b)(?P<c>.+?)'s\s+(?:new\s+|updated\s+|correct\s+|current\s+|work\s+|direct\s+)*(?P<f>{_FIELD})"
        r"\s*(?:is\s+now|is|:|=|->|changed to|now|should be)?\s*(?P<v>.+)$"
    ),
]
_CONTACT_MOVE = re.compile(
    r"^(?P<c>[A-Za-z][\w'.\-]*(?:\s+[A-Z][\w'.\-]*){0,2})(?:\s+(?:from|at|@|of)\s+(?P<co>[A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,2}))?"
    r"\s+(?:(?:has|just|now|recently|officially)\s+)*"
    r"(?P<verb>moved to|moved over to|is now|'s now|became|got promoted to|was promoted to|has been promoted to|"
    r"promoted to|joined|left for|now works at|works at|switched to|is moving to|moving to|took a job at|"
    r"started at|went to|is the new|is our new|is the|changed jobs to|changed roles to|now heads|heads up|runs|"
    r"is a|is an|is our)\s+(?P<v>.+)$"
)


def _r_update_contact(m: Msg) -> Result | None:
    low = m.low.strip()
    for rx in _UPDATE_CONTACT:
        um = rx.match(low)
        if not um:
            continue
        c = _tidy(m.text[um.start("c") : um.end("c")])
        c = re.sub(r"^(?:the\s+)?(?:contact\s+)?", "", c, flags=re.I)
        c = re.sub(r"'s$", "", c)
        if not c or len(c.split()) > 5 or re.search(r"\b(?:my|our|deal|task)\b", c.lower()):
            continue
        key = _field_key(um.group("f"))
        if key is None:
            continue
        if key == "lifecycle" and not _lifecycle_in(" is " + um.group("v")):
            continue  # "set stage of Acme renewal to negotiation" is a deal
        slots: Slots = {"contact": c}
        _field_value(key, m.text[um.start("v") : um.end("v")], slots)
        if key in ("email", "phone"):
            _fill_contact_details(m, um.start("v"), slots, overwrite=True)
        return "update_contact", 0.92, slots
    # "mark Tom Baker as a customer", "make Jane an advocate", "tag Jane as lead"
    mm = re.match(
        r"^(?:mark|set|make|tag|flag|move|change|update|convert|upgrade|promote|turn)\s+(?P<c>.+?)\s+(?:as|to|into|=)?\s*"
        r"(?:a\s+|an\s+|our\s+|now\s+)*(?P<l>prospects?|leads?|customers?|clients?|loyal(?: customers?)?|advocates?|"
        r"champions?|evangelists?)\b",
        low,
    )
    if mm:
        c = _tidy(m.text[mm.start("c") : mm.end("c")])
        lc = LIFECYCLE_WORDS.get(mm.group("l").split()[0])
        if c and lc and not re.search(r"\b(?:deal|renewal|opp|opportunity)\b", c.lower()):
            return "update_contact", 0.9, {"contact": re.sub(r"'s$", "", c), "lifecycle": lc}
    lm = re.match(
        r"^(?P<c>[A-Z][\w'.\-]*(?:\s+[A-Z][\w'.\-]*)?)\s+(?:has\s+)?(?:left|quit)\s+[^,;]+?(?:,|;|\s+and)\s+"
        r"(?:(?:she|he|they)(?:'s|'re| is| are)?\s+)?(?:now\s+)?(?:at|with|joined|moved to|went to|works at|working at)\s+"
        r"(?P<co>[A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,2})",
        m.text,
    )
    if lm and _person_like(lm.group("c"), default=True):
        return "update_contact", 0.85, {"contact": lm.group("c"), "company": lm.group("co")}
    mv = _CONTACT_MOVE.match(m.text.strip())
    if mv:
        c = mv.group("c")
        if c.lower() in (
            "we",
            "i",
            "it",
            "they",
            "he",
            "she",
            "this",
            "that",
            "the",
            "deal",
        ) or not _person_like(c, default=True):
            return None
        v = mv.group("v")
        verb = mv.group("verb").lower()
        slots = {"contact": c}
        if mv.group("co"):
            slots["company"] = mv.group("co")
        v_low = v.lower()
        lc = _lifecycle_in(" is " + v_low)
        tm = re.match(
            r"(?:the\s+|a\s+|an\s+|our\s+|their\s+|new\s+)*(?P<t>.+?)(?:\s+(?:at|of|@|for)\s+(?P<co>[A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,2}))?[\s.!]*$",
            v,
        )
        t_raw = tm.group("t") if tm else v
        title = role_title(t_raw)
        if lc and not title:
            slots["lifecycle"] = lc
        elif title:
            slots["title"] = title
            if tm and tm.group("co"):
                slots["company"] = tm.group("co")
        elif verb in ("is now", "'s now") and re.match(r"(?:at|with|working at|working for)\s+[A-Z]", v):
            slots["company"] = _company_clean(re.sub(r"^(?:at|with|working at|working for)\s+", "", v))
        elif verb in (
            "moved to",
            "moved over to",
            "joined",
            "left for",
            "now works at",
            "works at",
            "switched to",
            "is moving to",
            "moving to",
            "took a job at",
            "started at",
            "went to",
        ):
            co = _company_clean(v)
            if not co:
                return None
            slots["company"] = co
        else:
            return None
        return "update_contact", 0.85, slots
    # email / phone stated about a person: "Jane Doe email jane@x.com", "jane's cell 555-0100"
    if EMAIL.search(m.text) or phones(m.text):
        pm = re.match(
            rf"^(?P<c>[A-Za-z][\w'.\-]*(?:\s+[A-Za-z][\w'.\-]*)?)\s+(?:new\s+)?(?P<f>{_FIELD})\s*[:=]?\s*(?P<v>\S.*)$",
            m.text,
        )
        if pm and _field_key(pm.group("f")) in ("email", "phone"):
            slots = {"contact": re.sub(r"'s$", "", pm.group("c"))}
            _field_value(_field_key(pm.group("f")) or "email", pm.group("v"), slots)
            return "update_contact", 0.8, slots
    return None


_FIND = [
    re.compile(
        r"^(?:find|search(?:\s+for)?|look\s*up|lookup|look for|show(?:\s+me)?|pull up|open|get|fetch|"
        r"(?:any\s+)?(?:info|information|details|contact info|contact details|details)\s+(?:on|for|about)|"
        r"what do we (?:have|know) (?:on|about)|what(?:'s| is) (?:the\s+)?(?:contact|info|information)\s+(?:for|on)|"
        r"do we (?:have|know) (?:anyone|anybody|someone|a contact|contacts|people)\s+(?:at|from|in|named|called)|"
        r"(?:who|anyone|anybody)\s+(?:do we know|we know)\s+(?:at|from)|who(?:'s| is) (?:our|the) (?:contact|person|champion|buyer) (?:at|for|from)|"
        r"how (?:do|can) i (?:reach|contact|get hold of|get in touch with)|contact (?:info|details|card) (?:for|of)|"
        rf"what(?:'s| is| are) (?:the\s+)?(?:{_FIELD}|contact info|contact details|details)s?\s+(?:for|of|on)|"
        r"(?:is there|do we have) (?:a\s+)?(?:contact|record)\s+(?:for|named|called))\s+"
        r"(?:the\s+)?(?:contact\s+(?:for\s+|named\s+)?|contacts\s+(?:at|from|for)\s+|person\s+)?(?P<q>.+?)\s*\??$"
    ),
    re.compile(
        rf"^(?:what(?:'s| is| are)|whats|do we have|do you have|got|need|send me|give me|get me|get|find me|find|i need|"
        rf"(?:can|could) (?:i|you) (?:get|have|send me|give me|find)(?: me)?)\s+(?P<q>.+?)(?:'s|s'|'|(?<=[a-z]{{3}})s)?\s+(?:{_FIELD}|contact info|details|info|contact)s?\s*\??$"
    ),
    re.compile(r"^(?:who(?:'s| is| was)|whos)\s+(?P<q>.+?)\s*\??$"),
]


def _r_find_contact(m: Msg) -> Result | None:
    low = m.low.strip()
    for rx in _FIND:
        fm = rx.match(low)
        if not fm:
            continue
        q_low = fm.group("q")
        if m.spans_in(fm.start("q")) and rx is not _FIND[-1]:
            continue
        if rx is _FIND[-1] and (
            re.search(r"\w+ing\b", q_low)
            or re.match(
                r"(?:in|on|at|free|available|out|off|up|around|here|there|responsible|the best|next|coming|going|"
                r"this|that|it|you|we|i|my|your|our|a|an)\b",
                q_low,
            )
        ):
            continue  # "who's going to the offsite?" is not a lookup
        if re.search(
            r"\b(?:tasks?|todos?|pipeline|forecast|deals?|overdue|weather|time|plate|agenda|going on|up|this|that|"
            r"it|there|you|me|help|new|my|the best|next|calling|emailing)\b$",
            q_low,
        ) or re.match(r"(?:my|our|the|a)\s+(?:tasks?|pipeline|deals?|forecast|numbers)\b", q_low):
            continue
        if re.match(r"(?:on|in|at)\s+(?:the\s+)?(?:team|call|channel)", q_low):
            continue
        q = _tidy(m.text[fm.start("q") : fm.end("q")])
        q = re.sub(r"^(?:me|us)\s+", "", q, flags=re.I)
        q = re.sub(rf"'s?\s+(?:{_FIELD}|contact info|details|info)s?$", "", q, flags=re.I)
        q = re.sub(r"'s$", "", q)
        if not q or len(q.split()) > 6:
            continue
        return "find_contact", 0.88, {"query": q}
    return None


# --- second chance: messages with no clear leading cue


def _r_fallback(m: Msg) -> Result | None:
    low = m.low
    # "Jane Doe, VP Sales, Acme - jane@acme.com": a bare contact card
    if EMAIL.search(m.text) and not m.spans and m.text[:1].isupper():
        name, end = _name_at(m, 0)
        after = m.text[end:].lstrip()
        if (
            name
            and len(name.split()) >= 2
            and _person_like(name, default=True)
            and (not after or after[0] in ",(<-–—:;" or EMAIL.match(after))
        ):
            return _create_contact_from(m, 0, lifecycle=None)
    # a task-shaped message: a future date and something to do, said as a plan rather than a question
    fut = _first_future(m, m.spans)
    if (
        fut is not None
        and not _QUESTION.match(low)
        and re.search(
            r"\b(?:need|needs|should|must|have to|has to|gotta|please|pls|remember|send|call|email|follow|prepare|"
            r"schedule|book|review|draft|meeting|demo|sync|lunch|coffee|post|share|update|finish|submit|deliver|"
            r"get|set up|ask|check|confirm|reply|respond|write|call|ping|text|prep|chase|renew|sign|collect)\b",
            low,
        )
        and not re.match(r"^(?:happy|good|have a|enjoy|see you|thanks|thank you|cheers|congrats)\b", low)
        and not re.match(
            r"^(?:i'm|im|i am|we're|we are|it's|its|it is|he's|she's|they're)\b(?!\s+(?:meeting|calling|seeing|"
            r"visiting|having|demoing|presenting|sending|emailing))",
            low,
        )
        and not re.search(r"\b(?:had|was|were|did|went|met|called|spoke|got)\b", low)
        and len(low.split()) >= 3
    ):
        conf = (
            0.6
            if re.search(r"\b(?:need|should|must|have to|please|remember|send|call|email|follow)\b", low)
            else 0.5
        )
        return _task_from(m, 0, conf=conf)
    return None


_RULES: list[Callable[[Msg], Result | None]] = [
    _r_help,
    _r_small_talk,
    _command,
    _r_complete_task,
    _r_log,
    _r_create_task,
    _r_list_tasks,
    _r_pipeline,
    _r_create_deal,
    _r_find_contact,
    _r_update_contact,
    _r_create_contact,
    _r_update_deal,
    _r_create_task_imperative,
    _r_fallback,
]


def _prepare(text: str, now: datetime | str | None, tz: str, user: str | None) -> Msg:
    n = normalize(text[:MAX_CHARS])
    t, low = n.text, n.low
    if not re.search(r"[a-z]", t) and len(re.findall(r"[A-Z]", t)) > 3:
        t = low  # ALL CAPS carries no name signal; read it as lower case
    qm = re.match(r"[>\s]+", low)  # Slack quote markers
    if qm:
        t, low = t[qm.end() :], low[qm.end() :]
    fm = _LEADING_FILLER.match(low)
    if fm and re.search(r"\w", low[fm.end() :]):
        t, low = t[fm.end() :], low[fm.end() :]
    t, low = t.rstrip(), low.rstrip()
    when = make_now(now, tz)
    return Msg(text=t, low=low, now=when, user=user, spans=find_spans(low), done_mark=n.done_mark)


def _valid_slots(slots: Slots) -> Slots:
    out: Slots = {}
    for k, v in slots.items():
        if v is None or v == "" or v == {}:
            continue
        if isinstance(v, dict):
            v = {kk: vv for kk, vv in v.items() if vv not in (None, "")}
            if not v:
                continue
        out[k] = v
    return out


_REQUIRED = {
    "create_contact": "name",
    "update_contact": "contact",
    "find_contact": "query",
    "log_interaction": "kind",
    "create_task": "title",
    "complete_task": "task",
    "update_deal": "deal",
}


def parse(
    text: str, *, now: datetime | str | None = None, tz: str = "UTC", user: str | None = None
) -> dict[str, Any]:
    """The contract's intent for one message: ``{"intent", "confidence", "slots"}``. Never raises."""
    try:
        return parse_strict(text, now=now, tz=tz, user=user)
    except Exception:
        # Every message must get an answer; a parser bug is logged and the message treated as not understood.
        log.exception(
            "parser failed on a message of %d characters", len(text) if isinstance(text, str) else -1
        )
        return {"intent": "unknown", "confidence": 0.0, "slots": {}}


def parse_strict(
    text: str, *, now: datetime | str | None = None, tz: str = "UTC", user: str | None = None
) -> dict[str, Any]:
    """:func:`parse` without the safety net (tests use it to see the parser's own errors)."""
    m = _prepare(text if isinstance(text, str) else str(text), now, tz or "UTC", user)
    for rule in _RULES:
        got = rule(m)
        if got is None:
            continue
        intent, conf, slots = got
        slots = _valid_slots(slots)
        need = _REQUIRED.get(intent)
        if need and need not in slots:
            continue
        return {"intent": intent, "confidence": round(conf, 2), "slots": slots}
    return {"intent": "unknown", "confidence": 0.1, "slots": {}}
