"""Records: companies, looking a record up, its history, lists, tags, deleting and merging.

``create_company``, ``update_company``, ``show_record``, ``show_history``, ``list_records``, ``tag_record``,
``delete_record`` and ``merge_records``. Each rule starts from the verb that carries the intent ("add company",
"pull up the … deal", "history with", "tag … as", "delete the contact", "merge … and …") and reads the record
references as written; resolving them is the handler's job.
"""

from __future__ import annotations

import re

from . import rx as rc
from .base import (
    STEP_STAGE,
    Msg,
    Result,
    Slots,
    company_like,
    lifecycle_in,
    mentions,
    name_at,
    person_like,
    tidy,
)
from .dates import NUMBER_WORDS
from .text import ENDS_IN_LEGAL_FORM, mask_legal_forms
from .vocab import FIRST_NAMES, LIFECYCLE_WORDS, STAGE_WORDS, STAGES, SURNAMES

# --- record references

_TYPE_OF = {
    "contact": "contact",
    "contacts": "contact",
    "person": "contact",
    "people": "contact",
    "lead": "contact",
    "leads": "contact",
    "prospect": "contact",
    "prospects": "contact",
    "customer": "contact",
    "customers": "contact",
    "client": "contact",
    "clients": "contact",
    "advocates": "contact",
    "company": "company",
    "companies": "company",
    "account": "company",
    "accounts": "company",
    "organization": "company",
    "organisation": "company",
    "organizations": "company",
    "organisations": "company",
    "org": "company",
    "orgs": "company",
    "deal": "deal",
    "deals": "deal",
    "opportunity": "deal",
    "opportunities": "deal",
    "opp": "deal",
    "opps": "deal",
    "oppty": "deal",
    "task": "task",
    "tasks": "task",
    "todo": "task",
    "todos": "task",
    "to-do": "task",
    "reminder": "task",
}
_TYPE_WORD = (
    r"contacts?|person|companies|company|accounts?|organi[sz]ations?|orgs?|deals?|opportunit(?:y|ies)|opps?|oppty|"
    r"tasks?|todos?|to-do|reminder"
)
_RECORD_WORD = r"record|entry|entries|page|profile|card|details|info"
_PRONOUN = rc.compiled(
    r"(?:it|this|that|them|these|those|this one|that one|everything|all|all of them|both|him|her|me|us|you|"
    r"the (?:old|new|other|duplicate|dupe|first|second) one)",
    re.I,
)


def record_ref(raw: str) -> tuple[str, str | None]:
    """A record as written, and its type when the words around it say ("the Acme renewal deal")."""
    s = tidy(raw)
    rtype: str | None = None
    s = rc.sub(
        r"\s+(?:for\s+(?:me|us)|again|real\s+quick|quickly|right\s+now|when\s+you\s+can)$", "", s, flags=re.I
    )
    s = rc.sub(r"^(?:the|this|that|our|my|a|an)\s+", "", s, flags=re.I)
    # "the duplicate company Emaar…", "the old contact Jon Smiht": a word about the record before its type
    s = rc.sub(
        rf"^(?:duplicate|duplicated|dupe|old|wrong|extra|second|test|fake|bogus|stale)\s+(?=(?:{_TYPE_WORD})\b)",
        "",
        s,
        flags=re.I,
    )
    s = rc.sub(
        rf"^(?:(?:full|all|the)\s+)?(?:{_RECORD_WORD})\s+(?:on|for|of|about)\s+(?:the\s+)?", "", s, flags=re.I
    )
    lead = rc.match(
        rf"^(?P<t>{_TYPE_WORD})(?:\s+(?:{_RECORD_WORD}))?\s*(?:[:\-]\s*|\s+(?:for|of|on|called|named|with)\s+|\s+)(?=\S)",
        s,
        re.I,
    )
    if lead and not rc.match(r"(?:list|reminders?)\b", s[lead.end() :], re.I):
        rtype = _TYPE_OF.get(lead.group("t").lower())
        s = s[lead.end() :]
        s = rc.sub(r"^(?:the|this|that)\s+", "", s, flags=re.I)
    trail = rc.search(rf"(?:['’]s)?\s+(?P<t>{_TYPE_WORD})(?:\s+(?:{_RECORD_WORD}))?$", s, re.I)
    if trail and trail.start() > 0:
        rtype = rtype or _TYPE_OF.get(trail.group("t").lower())
        s = s[: trail.start()]
    s = rc.sub(rf"(?:['’]s)?\s+(?:{_RECORD_WORD})$", "", s, flags=re.I)
    s = rc.sub(r"['’]s$", "", s)
    if rtype == "task":
        s = rc.sub(r"^(?:to|called|named)\s+", "", s, flags=re.I)  # "the task to call Jane"
    return tidy(s), rtype


def _is_ref(s: str) -> bool:
    return (
        bool(s)
        and not _PRONOUN.fullmatch(s)
        and not _NOT_A_RECORD.fullmatch(s)
        and ":" not in s
        and len(s.split()) <= 8
        and bool(rc.search(r"\w", s))
    )


_NOT_A_RECORD = rc.compiled(
    r"(?:(?:the|all|these|those|any|old|my|our)\s+)*(?:duplicates?|dupes?|dups|everything|the rest|old ones|test data|junk|"
    r"spam|data|records|entries|stuff|things|ones)",
    re.I,
)


def _named(m: Msg, raw: str, ref: str, rtype: str | None, before: str = "") -> bool:
    """Whether a CRM record is named. With capitals typed, a record with no type word is capitalised ("Jon Smiht",
    "Globex"); typed all in lower case, "the wifi password" (an article, nothing capitalised back) names nothing."""
    if rtype or rc.search(rf"\b(?:{_RECORD_WORD})\b", raw, re.I):
        return True  # "remove the old acme corp record"
    if rc.search(r"\d|@|\.[a-z]{2,}", ref) or any(w[:1].isupper() for w in ref.split()[:3]):
        return True
    article = rc.search(r"\b(?:the|my|our|a|an|this|that|his|her|their)\s*$", before) or rc.match(
        r"(?:the|my|our|a|an|this|that|his|her|their)\s", raw, re.I
    )
    return m.typed_lower and not article


def _with_type(slots: Slots, rtype: str | None) -> Slots:
    if rtype:
        slots["record_type"] = rtype
    return slots


# A reason or aside after the record: "delete Jon Smiht, it's a typo", "merge A and B (dupes)"
_ASIDE = (
    r"(?:\s*[,;(]|\s+[-–—]+\s|(?<!\b[A-Za-z])[.!?]\s|\s+(?:because|since|as\s+(?:it|he|she|they|that)|it's|its|it is|they're|"
    r"they are|he's|she's|that's|which is|(?:is|are)\s+(?:a\s+)?(?:dupe|duplicate|typo|test|spam|wrong|fake|junk|"
    r"bogus|old|stale|gone))\b|\s+(?:from|in|out of)\s+(?:the\s+)?(?:crm|system|database|db|contacts|records)\b|\s+"
    r"(?:please|pls|asap|thanks)\b)"
)


# --- delete_record


_DELETE = rc.compiled(
    r"^(?:(?:can|could|would)\s+(?:you|u)\s+)?(?:please\s+|pls\s+)?(?:go ahead and\s+)?"
    r"(?:delete|remove|erase|trash|purge|nuke|get rid of|wipe)\s+(?P<r>.+?)"
    rf"(?P<why>{_ASIDE}.*)?[\s.!?]*$",
    re.I,
)


# "Chidi Okke is a dupe contact, delete it": the record named first, then why, then the verb on "it"
_DUPE_THEN_DELETE = rc.compiled(
    r"^(?P<r>[A-Z][^,;:]{1,60}?)\s+(?:is|'s)\s+(?:a|an|just\s+a)\s+(?:dupe|duplicate|test|fake|junk|spam|bogus)\s*"
    rf"(?P<t>{_TYPE_WORD})?(?:\s+(?:record|entry))?\s*[,;.\-–—]+\s*(?:please\s+|pls\s+|can\s+you\s+)?"
    r"(?:delete|remove|erase|trash|purge|nuke|get\s+rid\s+of)\s+(?:it|that|this|him|her|them)\b[\s.!?]*(?:please|pls|thanks|thx)?[\s.!]*$"
)


def rule_delete(m: Msg) -> Result | None:
    dd = _DUPE_THEN_DELETE.match(m.text)
    if dd:
        ref, rtype = record_ref(dd.group("r"))
        word = (dd.group("t") or "").lower()
        rtype = rtype or _TYPE_OF.get(word)
        if _is_ref(ref):
            return "delete_record", 0.85, _with_type({"record": ref}, rtype)
    dm = _DELETE.match(m.text)
    if not dm:
        return None
    low = m.low
    raw = dm.group("r")
    r_low = raw.lower()
    if rc.search(r"\btags?\b|\blabels?\b", low) or rc.search(
        r"\s(?:from|off)\s+(?!(?:the\s+)?(?:crm|system|database|db|contacts|records)\b)", " " + r_low + " "
    ):
        return None  # "remove the vip tag from Jane", "remove @U1 from the channel"
    if m.spans_in(dm.start("r"), dm.end("r")) or rc.match(
        r"(?:my|the|that|this|those|these)?\s*(?:(?:last|previous|latest|above|first|old|duplicate)\s+)?(?:\d|meeting|call|lunch|event|invite|message|channel|post|emoji|reaction|"
        r"notification|calendar|file|attachment|photo|link|comment|note)\b",
        r_low,
    ):
        return None  # "delete my 3pm", "remove the meeting tomorrow": not a CRM record
    ref, rtype = record_ref(raw)
    if rc.search(r"\b(?:deal|opp|opportunity)\b", r_low) and rtype is None:
        rtype = "deal"
    ref = rc.sub(r"^(?:duplicate|dupe|old|wrong|extra|second)\s+(?=\S)", "", ref, flags=re.I)
    if (
        rtype != "task"
        and not m.typed_lower
        and ref[:1].islower()
        and not rc.search(r"@|\.[a-z]{2,}", ref)
        and any(w[:1].isupper() for w in ref.split()[1:])
    ):
        return None  # "remove the blocker on the Acme deal": something about a record, not the record
    if not _is_ref(ref) or not _named(m, raw, ref, rtype, m.low[: dm.start("r")]):
        return None  # "delete everything", "remove duplicates": nothing named
    return "delete_record", 0.88, _with_type({"record": ref}, rtype)


# --- merge_records


_MERGE = rc.compiled(
    r"^(?:(?:can|could|would)\s+(?:you|u)\s+)?(?:please\s+|pls\s+)?"
    r"(?:merge|combine|dedupe|de-dupe|dedup|consolidate|join)\s+"
    rf"(?:(?:the|these|those|two)\s+)*(?:(?:duplicate|dupe)s?\s+(?:of\s+)?)?(?:(?P<t1>{_TYPE_WORD})\s*(?:records?\s*)?[:\-]?\s+)?"
    # "dedupe Aarav Mehta / Aarav Metha": a slash between two spellings of one record
    r"(?P<a>.+?)(?:\s+(?P<op>and|with|into|&|\+|w/)\s+|\s*(?P<op2>/|(?<=\s)vs\.?|(?<=\s)v\.?)\s+)(?P<b>.+?)"
    rf"(?:\s+(?P<t2>{_TYPE_WORD}|records|entries))?(?P<why>{_ASIDE}.*)?[\s.!?]*$",
    re.I,
)
_SAME = rc.compiled(
    r"^(?P<a>.+?)\s+(?:and|&)\s+(?P<b>.+?)\s+(?:are|is)\s+(?:the\s+same\s+(?P<t>person|company|account|deal|contact|"
    r"record)?|duplicates?|dupes?|a\s+dupe|one and the same)\b[\s,.;:\-–—]*(?:(?:please\s+|pls\s+|so\s+|can you\s+)?"
    r"(?:merge|combine)(?:\s+(?:them|these|the two))?)?",
    re.I,
)


_FIRM_AMPERSAND = rc.compiled(
    r"&(?=\s*(?:co\b|co\.|cie\b|company\b|sons\b|söhne\b|fils\b|hijos\b|partners\b|associates\b))", re.I
)


_NOT_MERGED = rc.compiled(
    r"\b(?:decks?|slides?|docs?|documents?|files?|sheets?|spreadsheets?|notes|branch(?:es)?|prs?|pull\s+requests?|"
    r"lists?|tabs?|columns?|calendars?|meetings?|calls?|threads?|channels?|lanes?|teams?)$",
    re.I,
)


def rule_merge(m: Msg) -> Result | None:
    if m.spans:
        return None  # "merge the Acme and Globex decks before Friday": a to-do, not two records
    # "Natura & Co": an ampersand inside a company's legal name does not join two records
    text = _FIRM_AMPERSAND.sub("\uff06", m.text)
    # "Grupo Bimbo S.A.B. de C.V.": the dots of a legal form are not "v." between two records
    mm = _MERGE.match(mask_legal_forms(text))
    if mm:
        a, b = text[mm.start("a") : mm.end("a")], text[mm.start("b") : mm.end("b")]
        if (mm.group("op") or "").lower() == "and" and rc.search(r"\s(?:into|with)\s", " " + b + " "):
            return None
        rtype = None
        for t in (mm.group("t1"), mm.group("t2")):
            if t and t.lower() in _TYPE_OF:
                rtype = _TYPE_OF[t.lower()]
    else:
        mm = _SAME.match(text)
        if not mm or not rc.search(r"\b(?:merge|combine|dupes?|duplicates?)\b", m.low):
            return None
        a, b = mm.group("a"), mm.group("b")
        said = (mm.group("t") or "").lower()
        rtype = "contact" if said == "person" else _TYPE_OF.get(said)
    ra, ta = record_ref(a.replace("\uff06", "&"))
    rb, tb = record_ref(b.replace("\uff06", "&"))
    if not (_is_ref(ra) and _is_ref(rb)) or ra.lower() in ("them", "the two"):
        return None
    if _NOT_MERGED.search(rb) or _NOT_MERGED.search(ra) and not (ta or tb or rtype):
        return None  # "merge the Acme and Globex decks"
    return "merge_records", 0.88, _with_type({"records": [ra, rb]}, rtype or ta or tb)


# --- tag_record


_TAG_SPLIT = rc.compiled(r"\s*(?:,|;|\band\b|&|\+|/)\s*", re.I)


def _tags(raw: str) -> list[str]:
    raw = rc.sub(r"\s+(?:tags?|labels?)$", "", tidy(raw), flags=re.I)
    out = []
    for t in _TAG_SPLIT.split(raw):
        t = tidy(t).lstrip("#")
        t = rc.sub(r"^(?:the|a|an|as)\s+", "", t, flags=re.I)
        t = rc.sub(r"\s+(?:tags?|labels?)$", "", t, flags=re.I)
        if t:
            out.append(t)
    return out


_TAG = [
    # "tag Jane Doe as hot and emea", "label the Acme deal: priority", "tag Hooli with enterprise, emea"
    rc.compiled(
        r"^(?:(?:can|could)\s+(?:you|u)\s+)?(?:please\s+|pls\s+)?(?:tag|label|retag)\s+(?P<r>.+?)\s*"
        r"(?:\s(?:as|with)\s+(?:the\s+)?(?:tags?\s+|labels?\s+)?|[:=]\s*|\s->\s*)(?P<t>.+?)[\s.!?]*$",
        re.I,
    ),
    # "add the tags hot and emea to Jane Doe", "add tag vip to the Acme account"
    rc.compiled(
        r"^(?:please\s+|pls\s+)?(?:add|put|apply|attach|stick|slap)\s+(?:the\s+|a\s+)?(?:tags?|labels?)\s*[:\-]?\s*"
        r"(?P<t>.+?)\s+(?:to|on|onto)\s+(?P<r>.+?)[\s.!?]*$",
        re.I,
    ),
    # "add the hot and emea tags to Jane Doe", "put a vip tag on Globex"
    rc.compiled(
        r"^(?:please\s+|pls\s+)?(?:add|put|apply|attach|stick|slap)\s+(?:the\s+|a\s+|an\s+)?(?P<t>[#\w\-]+(?:\s*(?:,|and|&|\+)\s*[#\w\-]+)*)"
        r"\s+(?:tags?|labels?)\s+(?:to|on|onto)\s+(?P<r>.+?)[\s.!?]*$",
        re.I,
    ),
    # "Jane Doe - tags: hot, emea"
    rc.compiled(
        r"^(?P<r>[^:,;]+?)\s*[:\-–—]\s*(?:add\s+)?(?:tags?|labels?)\s*[:=]?\s*(?P<t>.+?)[\s.!?]*$", re.I
    ),
    # "tag the Petrobras expansion deal strategic": the type word ends the record, the tags follow it
    rc.compiled(
        rf"^(?:please\s+|pls\s+)?(?:tag|label)\s+(?P<r>(?:the\s+|our\s+)?[^,;:]+?\s+(?:{_TYPE_WORD}))\s+"
        r"(?P<t>#?[\w\-]+(?:\s*(?:,|and|&|\+)\s*#?[\w\-]+)*)[\s.!?]*$",
        re.I,
    ),
]


def rule_tag(m: Msg) -> Result | None:
    bare = rc.match(
        rf"^(?:please\s+|pls\s+)?tag\s+(?:(?:the\s+)?(?P<t>{_TYPE_WORD})\s+(?=[A-Z]))?", m.text, re.I
    )
    if bare and not rc.search(r"\s(?:as|with)\s|[:=]|->|\b(?:tags?|labels?)\b", m.text[bare.end() :], re.I):
        # "tag Jane Doe vip": a capitalised name, then the tags
        name, end = name_at(m, bare.end(), company=True)
        tags = [t for part in _tags(m.text[end:]) for t in part.split()]  # "tag Jane Doe hot emea"
        one_word_tags = bool(tags) and all(len(t.split()) == 1 and t.islower() for t in tags)
        if name and name[:1].isupper() and one_word_tags and not all(t in LIFECYCLE_WORDS for t in tags):
            rtype = _TYPE_OF.get((bare.group("t") or "").lower())
            return "tag_record", 0.8, _with_type({"record": name, "tags": tags}, rtype)
    for rx in _TAG:
        tm = rx.match(m.text)
        if not tm:
            continue
        tags = _tags(tm.group("t"))
        ref, rtype = record_ref(tm.group("r"))
        if not tags or len(tags) > 6 or any(len(t.split()) > 3 for t in tags) or not _is_ref(ref):
            return None
        if any(
            rc.search(
                r"\b(?:went|was|is|are|were|has|have|had|will|did|about|to|for|the|me|us|you|it)\b", t.lower()
            )
            for t in tags
        ):
            return None  # "tag team call with Acme went well"
        if all(
            t.lower().rstrip("s") in LIFECYCLE_WORDS or t.lower() in LIFECYCLE_WORDS for t in tags
        ) and rtype in (
            None,
            "contact",
        ):
            return None  # "tag Jane as lead": her lifecycle stage
        if m.spans_in(tm.start("t"), tm.end("t")):
            return None
        return "tag_record", 0.88, _with_type({"record": ref, "tags": tags}, rtype)
    return None


# --- show_record


_SHOW_VERB = (
    r"^(?:(?:can|could)\s+(?:you|u|i)\s+|please\s+|pls\s+|quickly\s+)*"
    r"(?:pull\s+up|bring\s+up|show(?:\s+me)?|open(?:\s+up)?|display|view|let\s+me\s+see|give\s+me|get(?:\s+me)?|"
    r"see|look\s+at|go\s+to|take\s+me\s+to|lookup|look\s+up|fetch)\s+"
)
_SHOW = rc.compiled(_SHOW_VERB + r"(?P<r>.+?)[\s.!?]*$", re.I)
_ABOUT = rc.compiled(
    r"^(?:what(?:'s| is)\s+(?:the\s+)?(?:status|latest|story|state|update)\s+(?:of|on|with)|where\s+are\s+we\s+(?:at\s+)?"
    r"(?:with|on)|where\s+do\s+we\s+stand\s+(?:with|on)|what(?:'s| is)\s+(?:happening|going\s+on)\s+with|"
    r"any\s+(?:news|updates?)\s+on|status\s+(?:of|on|for)|tell\s+me\s+about|info\s+on|details\s+(?:on|for|of)|"
    r"everything\s+(?:on|about))\s+(?P<r>.+?)\s*[?.!]*$",
    re.I,
)


def _company_shaped(name: str) -> bool:
    """A legal suffix or company word says organisation ("Acme Corp", "Stark Industries"); a bare word does not."""
    words = name.split()
    return (
        len(words) >= 2
        and all(w[:1].isupper() or w[:1].isdigit() or w == "&" for w in words)
        and company_like(name)
        and not person_like(name, default=False)
    )


def _one_name(m: Msg, ref: str) -> bool:
    """ "pull up Nubank": one capitalised word, typed so, that is no one's name, names a record, not a person."""
    return (
        not m.typed_lower
        and rc.fullmatch(r"[A-Z][\w&.\-]+", ref) is not None
        and not person_like(ref, default=False)
        and ref.lower() not in SURNAMES
    )


def _deal_shaped(m: Msg, ref: str) -> bool:
    """ "Petrobras offshore monitoring", "Acme renewal": a capitalised name, then what is sold to it in lower
    case, reads as a deal's title; a person's name is all capitals and says nothing after it."""
    if m.typed_lower:
        return False
    dm = rc.fullmatch(
        r"(?P<n>[A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*)?)\s+(?P<w>[a-z][\w\-]*(?:\s+[a-z][\w\-]*){0,2})", ref
    )
    return bool(
        dm
        and not person_like(dm.group("n"), default=False)
        and not rc.search(
            r"\b(?:from|at|of|in|on|for|with|and|or|the|a|an|his|her|their|our|my|is|was|please|pls|again|now|"
            r"today|here|there|details|info|card|record|profile|number|email|phone)\b",
            dm.group("w"),
        )
    )


def rule_show(m: Msg) -> Result | None:
    for rx in (_SHOW, _ABOUT):
        sm = rx.match(m.text)
        if not sm:
            continue
        raw = sm.group("r")
        r_low = raw.lower()
        if rc.match(r"(?:a|an|new|some|another)\s", r_low):
            return None  # "open a deal with Soylent": a new one
        if rc.search(
            r"\b(?:history|timeline|activity|log|changes|pipeline|pipe|forecast|tasks|todos?|to-dos)$", r_low
        ) or rc.fullmatch(r"(?:(?:my|the|a|this|that|our)\s+)?(?:\w+['’]s\s+)?task", r_low):
            return None
        if rc.match(r"(?:all|every|my|our|the team's)\s", r_low) or rc.search(
            r"\b(?:deals|contacts|companies|accounts)\b", r_low
        ):
            return None  # lists
        ref, rtype = record_ref(raw)
        named_type = rtype is not None or rc.search(rf"\b(?:{_RECORD_WORD})\b", r_low)
        if (
            not named_type
            and rx is _SHOW
            and _is_ref(ref)
            and (_company_shaped(ref) or _one_name(m, ref) or _deal_shaped(m, ref))
        ):
            return (
                "show_record",
                0.75,
                {"record": ref},
            )  # "pull up Acme Corp", "pull up Nubank": a company by name
        if not named_type or rtype == "contact" or not _is_ref(ref):
            return None  # "show me Sam Lee", "pull up the contact for …": a person is looked up
        if rtype is None and (person_like(ref, default=True) or not company_like(ref)):
            return None  # "get me Amara Okafor's details": a person
        if (
            rx is _ABOUT
            and rtype not in ("deal", "company")
            and not (rtype == "task" and rc.match(r"(?:details|info)\s", m.low.strip()))
        ):
            return None  # "details on the task prep Hyundai demo" is the task's card; "status of the task …" is not
        if rtype == "task" and rc.match(r"(?:list|for|due|today|overdue)\b", ref.lower()):
            return None
        return "show_record", 0.86, _with_type({"record": ref}, rtype)
    return None


# --- show_history


_HISTORY_NOUN = (
    r"(?:full\s+|complete\s+|whole\s+|entire\s+|recent\s+|past\s+|last\s+few\s+)?"
    r"(?:history|timeline|activity\s+(?:log|history|feed|timeline)|audit\s+(?:log|trail)|change\s*log|changes|"
    r"interaction\s+history|interactions|touchpoints|touches|activity|activities|all\s+(?:our\s+|the\s+)?(?:interactions|"
    r"activity|activities|touchpoints|notes|calls|emails|changes)|every\s+interaction|communication\s+history|comms|"
    r"everything\s+(?:we(?:'ve|\s+have)?|i(?:'ve|\s+have)?)\s+(?:done|had|logged|did)|what\s+we(?:'ve|\s+have)\s+(?:done|had)|"
    r"(?:everything|all|anything)\s+(?:that\s+)?(?:(?:has|'s)\s+)?(?:happened|gone\s+on|went\s+on|been\s+going\s+on))"
)
_HISTORY = [
    rc.compiled(
        r"^(?:(?:can|could)\s+(?:you|u|i)\s+(?:see|get|show\s+me|pull)\s+|(?:show|give|get|pull|send)(?:\s+up)?(?:\s+me)?\s+|"
        r"(?:what(?:'s| is| are)|whats)\s+|let\s+me\s+see\s+|see\s+|view\s+|open\s+|list\s+|pull\s+up\s+|"
        r"i\s+(?:need|want|would\s+like|'d\s+like)\s+(?:to\s+see|to\s+look\s+at|to\s+review)\s+)?"
        rf"(?:the\s+|our\s+|my\s+)?{_HISTORY_NOUN}\s+(?:with|of|for|on|at|about|regarding|(?<=changes\s)to|(?<=changes\s)made\s+to)\s+(?P<r>.+?)\s*[?.!]*$",
        re.I,
    ),
    rc.compiled(
        r"^(?:(?:show|give|get|pull)(?:\s+up)?(?:\s+me)?\s+|(?:what(?:'s| is))\s+)?(?:the\s+)?"
        r"(?P<r>.+?)(?:['’]s)?\s+(?:full\s+|whole\s+)?(?:history|timeline|activity\s+log|audit\s+trail|change\s*log)\s*[?.!]*$",
        re.I,
    ),
    # "who moved the Acme deal to proposal?", "who changed Jane Doe's email"
    rc.compiled(
        r"^who\s+(?:(?:just|last|recently)\s+)?(?:moved|changed|updated|edited|modified|touched|closed|reassigned|"
        r"deleted|created|added|marked|bumped|pushed|set|renamed|reopened|owns\s+the\s+change\s+on)\s+"
        r"(?:the\s+)?(?:(?:stage|amount|value|close\s+date|owner|email|phone|title|domain|industry|name|status)\s+"
        r"(?:on|of|for|in)\s+)?(?P<r>.+?)"
        r"(?:\s+(?:to|from|into|as|back|on|in|last|yesterday|today|this|earlier)\b.*"
        # "who marked the Koç fleet tracking deal lost": the stage it was marked ends the reference
        r"|(?<=deal)\s+(?:closed[\s\-]?)?(?:won|lost|dead)\b.*)?\s*[?.!]*$",
        re.I,
    ),
    # "/crm history Acme", "timeline Globex deal"
    rc.compiled(
        r"^(?:history|timeline|activity\s+log|audit\s+trail)\s+(?!(?:with|of|for|on|at|about)\b)(?P<r>\S.*?)\s*[?.!]*$",
        re.I,
    ),
    # "when did the Acme deal move to proposal?", "when did we last talk to Jane Doe?"
    rc.compiled(
        r"^when\s+(?:did|was|were|have)\s+(?:we|i|you|someone|anyone)\s+(?:last\s+)?(?:talk|speak|spoke|meet|email|call|"
        r"hear\s+from|contact|touch\s+base|reach\s+out|update|change|move|ping|text)(?:ed)?\s+(?:to|with|from)?\s*"
        r"(?P<r>.+?)(?:\s+last)?\s*[?.!]*$",
        re.I,
    ),
    rc.compiled(
        r"^when\s+did\s+(?:the\s+)?(?P<r>.+?)\s+(?:(?:last\s+)?(?:move|change|get\s+moved|get\s+updated|get\s+changed|"
        r"go)\s+(?:to|into|from)\b.*|(?:stage|amount|close\s+date)\s+change)\s*[?.!]*$",
        re.I,
    ),
    rc.compiled(
        r"^what(?:'s|\s+has)?\s+(?:happened|been\s+happening|changed)\s+(?:with|on|to|in)\s+(?P<r>.+?)"
        r"(?:\s+(?:lately|recently|so\s+far))?\s*[?.!]*$",
        re.I,
    ),
]


# "what happened with the X deal? show me its history": the second sentence only repeats the ask
_ITS_HISTORY = rc.compiled(
    r"\s*[?.!,;]+\s*(?:(?:can|could)\s+(?:you|u)\s+|please\s+)?(?:show|give|get|pull|send)(?:\s+up)?(?:\s+me)?\s+"
    r"(?:its|the|their|his|her)\s+(?:full\s+|whole\s+)?(?:history|timeline)\s*[?.!]*$",
    re.I,
)


def rule_history(m: Msg) -> Result | None:
    tail = _ITS_HISTORY.search(m.text)
    text = m.text[: tail.start()] if tail else m.text
    for i, rx in enumerate(_HISTORY):
        hm = rx.match(text)
        if not hm:
            continue
        raw = hm.group("r")
        r_low = raw.lower()
        inside = m.spans_in(hm.start("r"), hm.end("r"))
        if inside and i != 2:
            # "interactions with Acme this month": when is not part of the record
            raw = m.text[hm.start("r") : inside[0].start]
            raw = rc.sub(r"\s+(?:in|during|over|for|since|from)$", "", raw.rstrip())
            if (
                i == 0
                and rc.search(r"\bactivit(?:y|ies)\s+(?:of|for|by)\s+$", m.low[: hm.start("r")])
                and teammate_name(raw.strip())
                and raw.strip().lower() in FIRST_NAMES
            ):
                return None  # "activity for Kenji last week": a teammate's activity report, not a record's history
        if rc.match(
            r"(?:my|our|the\s+team|everyone|me|us|this|that|it|the\s+pipeline|pipeline|tasks|task\s*$)\b",
            r_low,
        ):
            return None
        if rc.fullmatch(
            r"(?:the\s+)?(?:last|past|previous|next|this|these)\s+(?:\d+\s+|few\s+|couple\s+(?:of\s+)?)?"
            r"(?:days?|weeks?|months?|quarters?|years?)\s*[?.!]*",
            r_low.strip(),
        ):
            return None  # "activity for the last 7 days": a period, the team's activity report
        if i == 3 and not (
            rc.search(rf"\b(?:{_TYPE_WORD})\b", raw, re.I) or all(w[:1].isupper() for w in raw.split())
        ):
            return None  # "history repeats itself"
        if i == 1 and (
            rc.search(r"\b(?:my|our|team|your|browser|search|chat|slack|order|purchase|call)\b", r_low)
            or len(raw.split()) > 5
        ):
            return None
        raw = rc.sub(
            r"(?:['’]s)?\s+(?:amount|value|size|stage|close\s+date|closing\s+date|owner|email|phone|title|domain|"
            r"industry|name|status|lifecycle)$",
            "",
            tidy(raw),
            flags=re.I,
        )
        ref, rtype = record_ref(raw)
        if ref.startswith("@") or rc.search(
            r"\b(?:has|have|had|is|are|was|were|been|will|would|should|can|could|must)\b", ref.lower()
        ):
            return None  # "our history with Initech has been rocky": talk about it
        ref = rc.sub(
            r"['’]s\s+(?:email|phone|title|stage|amount|value|close\s+date|owner|domain|industry|name|status|company)$",
            "",
            ref,
            flags=re.I,
        )
        if not _is_ref(ref) or not _named(m, raw, ref, rtype, m.low[: hm.start("r")]):
            return None
        return "show_history", 0.86, _with_type({"record": ref}, rtype)
    return None


# --- companies


_DOMAIN = rc.compiled(
    r"(?<![@\w.\-])(?:https?://)?(?:www\.)?(?P<d>[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.(?:com|io|ai|co|net|org|app|dev|"
    r"tech|biz|info|us|uk|de|fr|es|it|nl|se|no|dk|fi|ch|at|be|ca|au|nz|in|jp|sg|hk|br|mx|ie|pl|pt|cz|eu|xyz|cloud|"
    r"software|health|bank|finance|agency|studio|systems|solutions|group|global|ly|me|so|gg|to|tv|fm|sh|us|co\.uk|"
    r"com\.au|co\.jp)(?:\.[a-z]{2})?|[a-z0-9][a-z0-9\-]*\.[a-z]{2,6})(?![\w@\-]|\.\w)(?:/\S*)?",
    re.I,
)
_FIELD_WORDS = (
    r"domain|website|web\s*site|site|url|web\s+address|homepage|industry|sector|vertical|space|market|name"
)


def _domain_in(s: str) -> tuple[str, int, int] | None:
    for dm in _DOMAIN.finditer(s):
        d = dm.group("d").lower()
        if rc.fullmatch(r"[\d.]+", d) or rc.fullmatch(
            r"(?:st|dr|mr|ms|mrs|inc|corp|co|ltd|e\.g|i\.e|vs)\.\w+", d
        ):
            continue
        return d, dm.start(), dm.end()
    return None


def _industry(s: str) -> str:
    s = tidy(s)
    s = rc.sub(
        r"^(?:(?:the|its|their|an?)\s+)?(?:industry|sector|vertical)\s*(?:is|:|=|-)?\s*|^(?:(?:is|are|it's|they're)\s+)?"
        r"(?:in|from)\s+(?:the\s+)?",
        "",
        s,
        flags=re.I,
    )
    s = rc.sub(r"\s+(?:industry|sector|vertical|space|business|company|companies|firm)$", "", s, flags=re.I)
    s = rc.sub(r"^(?:an?|the)\s+", "", s, flags=re.I)
    s = rc.sub(r"\s+(?:now|too|as well)$", "", s, flags=re.I)
    return tidy(s)


_COMPANY_CREATE = rc.compiled(
    r"^(?:(?:can|could)\s+(?:you|u)\s+)?(?:please\s+|pls\s+)?(?:"
    r"(?:add|create|new|save|set\s+up|setup|make|register|enter|open|start|record)\s+(?:a\s+|an\s+|the\s+)?(?:new\s+)?"
    r"(?:company|account|organi[sz]ation|org|business|client\s+company|customer\s+account)"
    r"|new\s+(?:company|account|organi[sz]ation|org)"
    r"|compan(?:y|ies)\s+(?:add|new|create)"
    r"|(?:company|account)(?=\s*[:\-–—]\s*[A-Za-z])"
    r")\b(?:\s+(?:record|entry|profile))?(?:\s+(?:called|named|for))?\s*[:\-–—,]?\s*",
    re.I,
)
_COMPANY_AS = rc.compiled(
    r"^(?:please\s+|pls\s+)?(?:add|create|save|set\s+up)\s+(?P<n>.+?)\s+(?:as\s+(?:a\s+|an\s+)?(?:new\s+)?"
    r"(?:company|account|organi[sz]ation)|to\s+(?:the\s+)?(?:companies|accounts|company\s+list))\b\s*[:\-–—,]?\s*",
    re.I,
)


def _split_outside_legal_forms(separator: str, text: str) -> list[str]:
    """``text`` split at ``separator``, except inside a legal form ("Allegro sp. z o.o., allegro.pl")."""
    masked = mask_legal_forms(text)
    parts, start = [], 0
    for sep in rc.finditer(separator, masked):
        parts.append(text[start : sep.start()])
        start = sep.end()
    parts.append(text[start:])
    return parts


def _company_fields(m: Msg, start: int, slots: Slots) -> None:
    """Name, domain and industry from "Hooli, hooli.com, software" / "Hooli (hooli.com) in fintech"."""
    rest = m.text[start:]
    dom = _domain_in(rest)
    if dom:
        slots["domain"] = dom[0]
        rest = rest[: dom[1]] + " , " + rest[dom[2] :]
    ind = rc.search(
        r"(?:\b(?:in|from)\s+(?:the\s+)?(?P<i1>[\w&/\- ]{2,40}?)\s+(?:industry|sector|space|vertical)\b"
        r"|\b(?:industry|sector|vertical)\s*(?:is|:|=|-)?\s*(?P<i2>[\w&/\- ]{2,40}?)\s*(?=$|[,;()]|\s[-–—]\s)"
        r"|,\s*(?:an?\s+)?(?P<i3>[\w&/\- ]{2,30}?)\s+(?:company|firm|business|startup|shop)\b"
        r"|\b(?:they're|they\s+are|it's|it\s+is|they\s+do|works\s+in|operates\s+in)\s+(?:in\s+)?(?:the\s+)?(?:an?\s+)?"
        r"(?P<i4>[\w&/\-]+(?:\s+[\w&/\-]+)?)(?:\s+(?:company|business|industry|sector|space))?\s*(?=$|[,;.!?])"
        r"|(?<=[\w.])\s+in\s+(?:the\s+)?(?-i:(?P<i5>[a-z][\w&/\-]*(?:\s+[a-z][\w&/\-]*)?))\s*(?=$|[,;.!?]))",
        rest,
        re.I,
    )
    if ind:
        slots["industry"] = _industry(
            ind.group("i1") or ind.group("i2") or ind.group("i3") or ind.group("i4") or ind.group("i5")
        )
        rest = rest[: ind.start()] + " , " + rest[ind.end() :]
    parts = [
        tidy(p)
        for p in _split_outside_legal_forms(
            # "Dr. Oetker", "St. James's": an abbreviation's full stop does not end the name
            r"[,;()|]|\s[-–—]+\s|(?<=\w{2})(?<!\b[DdMmSsJj][Rrts])(?<!\b[Mm]rs)[?.!]\s+|\s+and\s+(?=(?:their|its|the)\s)|"
            r"\s+(?:with|w/)\s+(?:the\s+)?(?:domain|website|site|url)\b",
            rest,
        )
    ]
    parts = [
        rc.sub(
            rf"^(?:(?:with|and)\s+)?(?:(?:the|its|their)\s+)?(?:{_FIELD_WORDS})\s*(?:is|:|=)?\s*$",
            "",
            p,
            flags=re.I,
        )
        for p in parts
    ]
    parts = [p for p in parts if p and not rc.fullmatch(rf"(?:and|with|the|(?:{_FIELD_WORDS}))", p, re.I)]
    if parts and "name" not in slots:
        name = rc.sub(r"\s+(?:in|with|at)$", "", parts[0], flags=re.I)
        name = rc.sub(
            r"\s+(?:(?:based|located|headquartered)\s+)?(?:in|out\s+of)\s+[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*)*$",
            "",
            name,
        )
        slots["name"] = name
        parts = parts[1:]
    if parts and "industry" not in slots:
        ind2 = _industry(parts[0])
        if ind2 and len(ind2.split()) <= 4:
            slots["industry"] = ind2


def rule_create_company(m: Msg) -> Result | None:
    cm = _COMPANY_CREATE.match(m.text)
    slots: Slots = {}
    if cm:
        if rc.match(r"(?:list|for\s+(?:me|us)\b)", m.low[cm.end() :]):
            return None
        if rc.match(
            r"^(?:(?:can|could)\s+(?:you|u)\s+)?(?:please\s+|pls\s+)?open\s+(?:the|company|account)\b", m.low
        ):
            return None  # "open the company record for Natura": one that exists
        _company_fields(m, cm.end(), slots)
    else:
        am = _COMPANY_AS.match(m.text)
        if not am:
            return None
        slots["name"] = tidy(am.group("n"))
        _company_fields(m, am.end(), slots)
    name = slots.get("name", "")
    # A legal form ("sp. z o.o.", "S.A.B. de C.V.") is part of the name but says nothing of its capitals.
    words = ENDS_IN_LEGAL_FORM.sub("", name).split()
    if not name or len(words) > 6:
        return None
    if (
        not m.typed_lower
        and not _DOMAIN.fullmatch(name)
        and not all(
            w[:1].isupper()
            or w[:1].isdigit()
            or w.lower() in ("&", "and", "of", "the", "de", "la")
            or rc.fullmatch(r"&[A-Z]\w*\.?", w)  # "Natura &Co"
            for w in words
        )
    ):
        return None  # "new company swag just arrived!": no name, just news
    if m.typed_lower and (
        len(words) > 3 or any(w.endswith(("ed", "ing")) or w in ("is", "are", "was", "just") for w in words)
    ):
        return None
    return "create_company", 0.9, slots


_COMPANY_FIELD = r"(?P<f>domain|website|web\s*site|site|url|web\s+address|homepage|industry|sector|vertical)"
_COMPANY_UPDATE = [
    # "Globex's domain is globex.io now", "Globex's industry should be fintech"
    rc.compiled(
        rf"^(?:the\s+)?(?P<c>.+?)(?:['’]s|(?<=s)['’])\s+(?:new\s+|correct\s+|actual\s+)?{_COMPANY_FIELD}\s+"
        r"(?:is\s+now|is\s+actually|should\s+be|changed\s+to|has\s+changed\s+to|moved\s+to|is|=|:|->|now)\s+(?:now\s+)?(?P<v>.+?)[\s.!]*$",
        re.I,
    ),
    # "set Globex's domain to globex.io", "change the Acme account industry to retail"
    rc.compiled(
        rf"^(?:please\s+|pls\s+)?(?:set|change|update|fix|make|switch|correct)\s+(?:the\s+)?(?P<c>.+?)(?:['’]s|(?<=s)['’])?\s+"
        rf"{_COMPANY_FIELD}\s+(?:to|=|:|as|->)\s+(?P<v>.+?)[\s.!]*$",
        re.I,
    ),
    # "set the domain for Globex to globex.io", "update industry of Acme to retail"
    rc.compiled(
        rf"^(?:please\s+|pls\s+)?(?:set|change|update|fix|switch|correct)\s+(?:the\s+)?{_COMPANY_FIELD}\s+(?:of|for|on)\s+"
        r"(?:the\s+)?(?P<c>.+?)\s*(?:\sto\s|=|:|\sas\s|->)\s*(?P<v>.+?)[\s.!]*$",
        re.I,
    ),
    # "Globex changed their domain to globex.io", "Globex has a new website: globex.io"
    rc.compiled(
        rf"^(?:the\s+)?(?P<c>.+?)\s+(?:(?:changed|updated|switched|moved)\s+(?:their|its|the)|(?:has|have|got)\s+(?:a\s+)?new)"
        rf"\s+(?:web(?:site)?\s+(?=domain|address|url))?{_COMPANY_FIELD}\s*(?:to|:|,|-|—|is|of|=|->)?\s*(?P<v>.+?)[\s.!]*$",
        re.I,
    ),
    # "update company Tokopedia, domain is tokopedia.com": the company named after the verb, then the field
    rc.compiled(
        rf"^(?:please\s+|pls\s+)?(?:update|edit|set|change|fix|correct)\s+(?:the\s+)?(?:company|account)\s+"
        rf"(?P<c>[^,:;]+?)\s*[,:;]\s*(?:(?:its|the|their)\s+)?(?:new\s+)?{_COMPANY_FIELD}\s*"
        r"(?:is\s+now|is|should\s+be|=|:|->|to)?\s*(?P<v>.+?)[\s.!]*$",
        re.I,
    ),
    # "Globex - new domain: globex.io", "Globex domain -> globex.io"
    rc.compiled(
        rf"^(?P<c>(?:(?!\b(?:has|have|is|got|was)\b)[^,:;])+?)\s*(?:[:\-–—]\s*|\s)(?:new\s+|updated\s+)?{_COMPANY_FIELD}\s*(?:is\s+now|(?:has\s+)?changed\s+to|is\s+changing\s+to|switched\s+to|should\s+be|is|:|=|->|now)\s*"
        r"(?P<v>.+?)[\s.!]*$",
        re.I,
    ),
]
_COMPANY_FIELDS = rc.compiled(
    r"^(?:please\s+|pls\s+)?(?:(?:update|edit|set|change|fix)\s+)?(?:(?:the\s+)?(?:company|account)\s+)?"
    r"(?P<c>(?!(?:set|update|change|edit|fix|the|please|pls)\b)[A-Za-z][^:,;']*?)(?P<sep>\s*[:\-–—]?\s+)"
    r"(?P<rest>(?:domain|website|industry|sector|vertical)\b(?!\s+(?:is|should|changed|has|was|for|of|on)\b).*)$",
    re.I,
)


def _more_company_fields(text: str, slots: Slots) -> None:
    """Every "domain X" / "industry Y" said in ``text`` ("domain globex.org, industry energy")."""
    for fm in rc.finditer(
        r"\b(?P<f>domain|website|site|url|industry|sector|vertical)\s*(?:is|:|=|to|->)?\s*(?P<v>[^,;]+)",
        text,
        re.I,
    ):
        if fm.group("f").lower() in ("industry", "sector", "vertical"):
            ind = _industry(fm.group("v"))
            if ind and len(ind.split()) <= 4:
                slots.setdefault("industry", ind)
        else:
            dom = _domain_in(fm.group("v"))
            if dom:
                slots.setdefault("domain", dom[0])


_RENAME = [
    # "Luxottica is now EssilorLuxottica, please rename it": the new name, then the instruction
    rc.compiled(
        r"^(?:the\s+)?(?P<c>.+?)\s+(?:is\s+now|became|has\s+become)\s+(?P<v>[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?){0,3})"
        r"\s*[,.;:\-–—]+\s*(?:so\s+)?(?:please\s+|pls\s+|can\s+you\s+)?(?:rename|update)\s+(?:it|them|the\s+(?:company|account|record))"
        r"(?:\s+(?:please|pls|thanks))?[\s.!]*$",
        re.I,
    ),
    rc.compiled(
        r"^(?:please\s+|pls\s+)?rename\s+(?:the\s+)?(?:(?:company|account)\s+)?(?P<c>.+?)\s+(?:to|as)\s+(?P<v>.+?)[\s.!]*$",
        re.I,
    ),
    rc.compiled(
        # "Facebook is now Meta Platforms, domain meta.com": the new name, then the fields that came with it
        r"^(?:the\s+)?(?P<c>(?-i:[A-Z])[^,;]*?)\s+is\s+now\s+(?P<v2>(?-i:[A-Z])[^,;]*?)\s*[,;]\s*(?=(?:(?:the|its|their|and)\s+)?"
        r"(?:new\s+)?(?:domain|website|site|url|industry|sector)\b)(?P<rest>.*)$"
        r"|^(?:the\s+)?(?P<c1>.+?)\s+(?:is\s+now\s+(?:called|named|known\s+as)|has\s+been\s+renamed\s+(?:to)?|"
        r"(?:was\s+)?renamed\s+(?:to|as)?|changed\s+(?:its|their)\s+name\s+to|rebranded\s+(?:as|to))\s+(?P<v>.+?)[\s.!]*$",
        re.I,
    ),
    rc.compiled(
        r"^(?:please\s+|pls\s+)?(?:change|set|update)\s+(?:the\s+)?(?P<c>.+?)(?:['’]s)\s+(?:company\s+)?name\s+(?:to|=|:)\s+"
        r"(?P<v>.+?)[\s.!]*$",
        re.I,
    ),
]


_PIVOT = rc.compiled(
    r"^(?:the\s+)?(?P<c>[A-Za-z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Za-z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?){0,3}?)\s+(?:is\s+(?:now|actually)\s+(?:an?\s+)?"
    r"(?P<i>[\w&/\-]+(?:\s+[\w&/\-]+)?)\s+(?:company|business|firm|shop|play)"
    # "Alpenfirn Software AG is in fintech now, not healthcare"
    r"|(?:is|are)\s+(?:now\s+)?in\s+(?P<i3>[\w&/\-]+(?:\s+[\w&/\-]+)?)\s+now(?:\s*,\s*not\s+[\w&/\- ]+)?"
    # "Mollie B.V. is actually fintech, not payments — fix the industry": the industry said with the one it replaces
    r"|is\s+(?:actually|really|now)\s+(?:an?\s+)?(?P<i4>[\w&/\-]+(?:\s+[\w&/\-]+)?)\s*,\s*not\s+(?:an?\s+)?[\w&/\-]+(?:\s+[\w&/\-]+)?"
    r"(?:\s*(?:[-–—,;]\s*)?(?:(?:please\s+|pls\s+)?(?:fix|update|change|correct)\s+(?:the\s+|its\s+)?(?:industry|sector|vertical)"
    r"(?:\s+pls|\s+please)?))?"
    r"|(?:has\s+)?pivoted\s+"
    r"(?:in)?to\s+(?P<i2>[\w&/\-]+(?:\s+[\w&/\-]+)?)(?:\s+(?:industry|sector|space))?)[\s.!]*$",
    re.I,
)


_FIELD_WORD = rc.compiled(
    r"\b(?:domain|industry|sector|vertical)\b|\bwebsite\b(?!\s+(?:domain|address|url)\b)"
)


def rule_update_company(m: Msg) -> Result | None:
    pm = _PIVOT.match(m.text)
    if (
        pm
        and not person_like(pm.group("c"), default=False)
        and not rc.search(r"\b(?:deal|opp|renewal|we|i|it|they)\b", pm.group("c"), re.I)
    ):
        ind: str | None = _industry(pm.group("i") or pm.group("i2") or pm.group("i3") or pm.group("i4"))
        if (
            pm.group("i4")
            and not rc.search(r"\b(?:industry|sector|vertical)\b", m.low)
            and not company_like(pm.group("c"))
        ):
            ind = None  # "Jane is actually CTO, not VP": a person's title; a company says it is the industry
        if ind and rc.search(
            r"\b(?:review|approval|sign-?off|vetting|assessment|evaluation|procurement|contracting|redlines|diligence|"
            r"pilot|trial|poc|negotiations?|stage)$",
            ind,
            re.I,
        ):
            ind = None  # "ByteDance ad-ops is in contract review now": a deal's step, not an industry
        if ind and not rc.match(
            r"(?:new|different|another|proposal|negotiation|demo|qualified|won|lost|closed|legal|the|a|an|next|"
            r"great|good|big|small|real)\b",
            ind,
            re.I,
        ):
            return "update_company", 0.8, {"company": tidy(pm.group("c")), "industry": ind}
    fm = _COMPANY_FIELDS.match(m.text)
    if fm and (
        rc.match(r"(?:(?:update|edit|set|change|fix)\s+)?(?:the\s+)?(?:company|account)\b", m.low)
        or fm.group("sep").strip()
        # two fields, not one said twice ("their website domain")
        or len(
            {
                "industry" if f in ("sector", "vertical") else "domain" if f == "website" else f
                for f in _FIELD_WORD.findall(m.low)
            }
        )
        > 1
    ):  # "update Globex: domain globex.org, industry energy", "company Initech domain initech.com"
        company, rtype = record_ref(fm.group("c"))
        fields: Slots = {"company": company}
        _more_company_fields(fm.group("rest"), fields)
        if (
            company
            and len(fields) > 1
            and len(company.split()) <= 5
            and rtype in (None, "company")
            and not person_like(company, default=False)
        ):
            return "update_company", 0.85, fields
    for rx in _COMPANY_UPDATE:
        um = rx.match(m.text)
        if not um:
            continue
        company, _ = record_ref(um.group("c"))
        if not company or len(company.split()) > 5 or rc.search(r"\b(?:my|our|your)\b", company.lower()):
            return None
        if person_like(company, default=False) and not company_like(company):
            return None  # "Jane Doe's website is …": a person has no domain in the contract
        if not _is_ref(company) or company.lower() in (
            "the",
            "our",
            "their",
            "its",
            "this",
            "that",
            "an",
            "a",
        ):
            return None  # "the industry is changing fast"
        field = um.group("f").lower()
        value = um.group("v")
        slots: Slots = {"company": company}
        _more_company_fields(um.group("v"), slots)
        if field.startswith(("industry", "sector", "vertical")):
            v = _industry(value)
            if (
                not v
                or len(v.split()) > 4
                or rc.match(
                    r"(?:changing|growing|booming|struggling|shrinking|dying|going|getting|looking|moving|evolving|"
                    r"consolidating|slowing|heating|cooling|\w+ed|so|very|really|too|super|pretty|not)\b",
                    v,
                    re.I,
                )
            ):
                return None
            slots["industry"] = v
        else:
            dom = _domain_in(value)
            if not dom:
                return None
            slots["domain"] = dom[0]
        return "update_company", 0.88, slots
    for rx in _RENAME:
        rm = rx.match(m.text)
        if not rm:
            continue
        company, rtype = record_ref(rm.group("c") or rm.groupdict().get("c1") or "")
        new = tidy(
            rc.sub(r"\s+(?:now|instead)$", "", rm.group("v") or rm.groupdict().get("v2") or "", flags=re.I)
        )
        if (
            not company
            or not new
            or len(new.split()) > 5
            or rtype in ("deal", "task", "contact")
            or person_like(company, default=False)
            or m.spans
            or rc.search(
                r"\b(?:stage|stages|pipeline|column|step|field|tag|channel)$|^(?:stage|pipeline|field|tag)\b",
                company,
                re.I,
            )
        ):
            return None  # "rename the Demo stage to Evaluation": a stage is no company
        renamed: Slots = {"company": company, "name": new}
        if rm.groupdict().get("rest"):
            _more_company_fields(rm.group("rest"), renamed)  # "…, domain meta.com"
        return "update_company", 0.85, renamed
    return None


# --- list_records


_LIST_NOUN = (
    r"(?P<noun>loyal\s+customers|customers|clients|prospects|leads|advocates|champions|contacts|people|persons|"
    r"companies|accounts|organi[sz]ations|orgs|deals|opportunities|opps|oppties"
    # "every customer", "each deal": one word for all of them
    r"|(?:(?<=every\s)|(?<=each\s))(?:customer|client|prospect|lead|contact|company|account|deal|opportunity|opp))"
)
_LIST_HEAD = rc.compiled(
    r"^(?:(?:can|could|would)\s+(?:you|u|i)\s+|please\s+|pls\s+|quickly\s+)*"
    r"(?:(?:show|list|give|get|find|pull(?:\s+up)?|display|fetch|see|view|send|bring\s+up|search\s+for|look\s+up|"
    r"i\s+need|i\s+want|let\s+me\s+see|what\s+are|who\s+are|which\s+are)(?:\s+(?:me|us))?\s+"
    r"|(?:which|what|any)\s+)?"
    r"(?:(?:all|every|the|of|my|our|all\s+of\s+(?:the|my|our)|the\s+list\s+of|a\s+list\s+of|list\s+of)\s+)*"
    r"(?:(?P<own>@[uw][a-z0-9]+|[a-z][\w\-]*)['’]s\s+)?"
    r"(?P<adj>(?:(?:open|active|current|existing|new|stale|inactive|dormant|cold|hot|warm|idle|quiet|"
    r"lead|qualified|demo|proposal|negotiation|won|lost|(?:the\s+)?emea|apac|amer|vip|enterprise|smb|"
    r"loyal|advocate|prospect|customer)\s+)*)" + _LIST_NOUN + r"\b",
    re.I,
)
# "what deals does Bob have in negotiation", "which customers do I own with no activity in 60 days"
_LIST_WHO = rc.compiled(
    r"^(?:what|which)\s+(?P<noun>deals|opps|opportunities|customers|clients|prospects|leads|contacts|accounts|companies)\s+"
    r"(?:does|do|has|have|did)\s+(?P<own>@[uw][a-z0-9]+|[a-z][\w\-]*)\s+(?:have|got|own|owning|working\s+on|has)\b"
    # "show me all the deals bob has in proposal stage"
    r"|^(?:(?:can|could)\s+(?:you|u|i)\s+|please\s+|pls\s+)*(?:show|list|give|get|pull(?:\s+up)?|display)(?:\s+(?:me|us))?\s+"
    r"(?:all\s+)?(?:of\s+)?(?:the\s+)?(?P<noun2>deals|opps|opportunities|customers|clients|prospects|leads|contacts|accounts|companies)\s+"
    r"(?:that\s+)?(?P<own2>@[uw][a-z0-9]+|[a-z][\w\-]*)\s+(?:has|have|owns|got|is\s+working\s+on)\b"
)
_OWNER_STOP = frozenset(
    [
        "my",
        "our",
        "your",
        "the",
        "team",
        "team's",
        "everyone",
        "everybody",
        "all",
        "which",
        "what",
        "who",
        "any",
        "show",
        "list",
        "give",
        "get",
        "find",
        "me",
        "us",
        "we",
        "their",
        "his",
        "her",
        "its",
        "it",
        "this",
        "that",
        "these",
        "those",
        "company's",
        "how",
        "what",
        "who",
        "where",
        "when",
        "why",
        "there",
        "here",
        "let",
        "he",
        "she",
        "they",
        "today",
        "yesterday",
        "tomorrow",
        "week",
        "month",
        "quarter",
        "year",
        "everyone's",
        "everybody's",
        "team's",
        "sales",
        "q1",
        "q2",
        "q3",
        "q4",
        "ytd",
        "this",
        "last",
        "next",
        "everyone's",
    ]
)
# The date module's number words, and the larger ones a quiet spell is said in ("ninety days").
_NUM_WORDS = {
    **NUMBER_WORDS,
    "fourteen": 14,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "sixty": 60,
    "ninety": 90,
}
_INACTIVE = rc.compiled(
    r"(?:(?:with\s+|that\s+have\s+|that\s+had\s+|who\s+have\s+had\s+|having\s+)?(?:no|zero|not\s+(?:any|a\s+single))\s+"
    r"(?:recent\s+)?(?:activity|activities|contact|touch(?:es|points?)?|interactions?|engagement|calls?|emails?|"
    r"responses?|replies|updates?|follow[\s\-]?ups?|outreach|movement|meetings?|logged\s+activity)"
    r"|(?:that|who|which)?\s*(?:we\s+)?(?:have|has|haven't|hasn't|have\s+not|has\s+not)?\s*(?:not\s+)?(?:been\s+)?"
    r"(?:contacted|touched|reached|heard\s+from|talked\s+to|spoken\s+to|called|emailed|updated|engaged|active|"
    r"worked|moved)"
    r"|(?:(?:that|which|who)\s+)?(?:(?:have|has)\s+(?:gone|been|gotten|become)\s+|are\s+|been\s+|gone\s+)?"
    r"(?:untouched|inactive|quiet|dormant|stale|idle|silent|stuck|dark|"
    r"cold|neglected))"
    r"\s+(?:(?:in|for|over|during|since|within)\s+)?(?:(?:the\s+)?(?:last|past)\s+)?(?:(?:over|more\s+than|at\s+least)\s+)?"
    r"(?P<n>\d{1,4}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|fourteen|fifteen|twenty|thirty|sixty|ninety|"
    r"(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few)\+?\s*(?P<u>days?|d|weeks?|wks?|w|months?|mos?)\b\+?",
    re.I,
)


def _inactive_days(low: str) -> tuple[int, int, int] | None:
    im = _INACTIVE.search(low)
    if not im:
        return None
    raw = rc.sub(r"^a\s+|\s+of$", "", im.group("n").lower())
    n = int(raw) if raw.isdigit() else _NUM_WORDS.get(raw, 0)
    unit = im.group("u").lower()
    if unit.startswith("w"):
        n *= 7
    elif unit.startswith("m"):
        n *= 30
    return (n, im.start(), im.end()) if n >= 1 else None


def teammate_name(name: str) -> bool:
    """Could be a teammate's first name ("bob", "Sarah"): not a pronoun, a period, a team word."""
    low = name.lower()
    return low not in _OWNER_STOP and not rc.fullmatch(
        r"q[1-4]|today|yesterday|tomorrow|week|month|quarter|year|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|"
        r"june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|last|this|next|crm",
        low,
    )


def owner_of(m: Msg, own: str | None) -> str | None:
    """Whose records: a mention's user id, a teammate's name as written, the sender for "my"."""
    if own:
        if own.startswith("@"):
            return own[1:].upper()
        if teammate_name(own):
            return own
    ids = mentions(m.text)
    if ids:
        return ids[0]
    om = rc.search(
        r"\b(?:owned\s+by|belonging\s+to|assigned\s+to)\s+(?P<n>[a-z][\w\-]*)"
        r"|\b(?:that|which)\s+(?P<n2>[a-z][\w\-]*)\s+(?:owns|has|is\s+working(?:\s+on)?)\b",
        m.low,
    )
    if om:
        start = om.start("n2") if om.group("n2") else om.start("n")
        word = rc.match(r"[\w\-]+", m.text[start:])
        if word and word.group(0).lower() in ("me", "i"):
            return m.user
        if word and teammate_name(word.group(0)):
            return word.group(0)
    # "can I get a forecast for December?": the one asking is not whose figures they are
    low = rc.sub(
        r"\b(?:can|could|may)\s+i\s+(?:get|see|have|pull|grab)\b|\bi\s+(?:need|want|would\s+like|'d\s+like)\b"
        r"|\b(?:show|give|send|get)\s+me\b",
        " ",
        m.low,
    )
    if (
        m.user
        and rc.search(r"\b(?:my|mine|i|i've|i'm|(?:to|for|by)\s+me)\b", low)
        and not rc.search(r"\b(?:our|we|team)\b", low)
    ):
        return m.user
    return None


_LIST_FILLER = rc.compiled(
    r"(?:[\s,.;:?!()'\"]|\b(?:and|that|who|which|are|is|have|has|with|please|pls|right now|now|currently|"
    r"in (?:the )?(?:crm|system)|on file|we (?:work|deal|do business) with|we (?:have|track|know)|"
    r"list|for me|again|thanks|thx|only|just|the|any|all|of them|been|had|we|there|do|i|have)\b)*",
    re.I,
)


# Asked for as a list of records, not as a summary of where they stand.
_SHOW_LIST = rc.compiled(
    r"(?:(?:can|could|would)\s+(?:you|u)\s+|please\s+|pls\s+)*(?:show|list|pull(?:\s+up)?|display|fetch|view)\b"
)


# "which contacts have the vip tag?", "what deals carry the #strategic label"
_WITH_THE_TAG = rc.compiled(
    r"^(?:which|what|show(?:\s+me)?|list|all|any)\s+(?:the\s+|of\s+the\s+)?(?P<noun>contacts|people|companies|accounts|deals|opps|"
    r"opportunities)\s+(?:have|has|carry|carries|are\s+tagged\s+with|with|got)\s+(?:the\s+|a\s+)?#?(?P<tag>[\w\-]+)\s+"
    r"(?:tag|label)$"
)


def rule_list(m: Msg) -> Result | None:
    low = m.low.strip().rstrip("?.! ")
    wt = _WITH_THE_TAG.match(low)
    if wt:
        rtype = _TYPE_OF.get(wt.group("noun")) or ("contact" if wt.group("noun") == "people" else None)
        if rtype:
            return "list_records", 0.88, {"record_type": rtype, "tag": wt.group("tag")}
    hm = _LIST_WHO.match(low) or _LIST_HEAD.match(low)
    if not hm:
        return None
    if rc.match(r"^(?:how\s+many|how\s+much)\b", low):
        return None
    ng = "noun2" if hm.groupdict().get("noun2") else "noun"
    og = "own2" if hm.groupdict().get("own2") else "own"
    noun = hm.group(ng).lower()
    noun_word = noun.split()[-1]
    rtype = _TYPE_OF.get(noun_word) or ("contact" if noun_word in ("champions", "persons") else None)
    if rtype is None:
        return None
    slots: Slots = {"record_type": rtype}
    took: list[tuple[int, int]] = []
    rest_at = hm.end()
    own = hm.group(og)
    if own and not own.startswith("@"):
        own = m.text[hm.start(og) : hm.end(og)] if teammate_name(own) else None
    owner = owner_of(m, own)
    if owner:
        slots["owner"] = owner
    if noun in ("loyal customers",):
        slots["lifecycle"] = "loyal"
    elif noun_word.rstrip("s") in ("customer", "client", "prospect", "lead", "advocate", "champion"):
        slots["lifecycle"] = LIFECYCLE_WORDS.get(noun_word) or LIFECYCLE_WORDS.get(noun_word[:-1], "advocate")
    adj = (hm.groupdict().get("adj") or "").split()
    for a in adj:
        if a in STAGES and rtype == "deal":
            slots["stage"] = a
        elif a == "loyal" and slots.get("lifecycle") == "customer":
            slots["lifecycle"] = (
                "loyal"  # "loyal customers we haven't touched": a stage of its own, past customer
            )
        elif a in ("loyal", "advocate", "prospect", "customer", "lead") and rtype in ("contact", "company"):
            slots.setdefault("lifecycle", a)  # "loyal contacts tagged emea"
        elif a in ("emea", "apac", "amer", "vip", "enterprise", "smb", "hot", "warm"):
            slots.setdefault("tag", a)
        elif a in ("stale", "inactive", "dormant", "cold", "idle", "quiet"):
            pass
    if (
        adj
        and any(a in ("won", "lost") for a in adj)
        and rc.search(r"\b(?:this|last|q[1-4]|ytd|in\s+\w+)\b", low[rest_at:])
    ):
        return None  # "won deals this quarter" is a report
    rest = low[rest_at:]
    # filters after the noun
    sm = rc.search(
        r"\b(?:in|at|on)\s+(?:the\s+)?(?P<s>[a-z][\w\-]*(?:\s+[a-z][\w\-]*)?)\s+stage\b"
        # "in security review" to the end: a team's own step, before "in legal" is read as a known stage
        rf"|\b(?:in|at)\s+(?:the\s+)?(?P<s3>{STEP_STAGE})\s*$"
        r"|\b(?:in|at)\s+(?:the\s+)?(?:stage\s+)?"
        r"(?P<k>lead|qualified|qualification|demo|proposal|negotiations?|negotiating|won|lost|closed[\s\-]won|closed[\s\-]lost|"
        r"legal|contracting|discovery)\b|\bstage\s*[:=]?\s*(?P<s2>[a-z][\w\-]*)",
        rest,
    )
    if sm and rtype == "deal":
        said = next(g for g in ("k", "s", "s2", "s3") if sm.group(g))
        word = sm.group(said)
        known = STAGE_WORDS.get(word.replace("closed ", "closed-").replace(" ", "-")) or STAGE_WORDS.get(word)
        if word.startswith(("closed won", "closed-won")):
            known = "won"
        elif word.startswith(("closed lost", "closed-lost")):
            known = "lost"
        elif word in ("legal", "contracting"):
            known = "negotiation"
        elif word in ("discovery", "qualification"):
            known = "qualified"
        if known:
            slots["stage"] = known
        else:
            start = rest_at + sm.start(said)
            slots["stage"] = tidy(m.text[start : start + len(word)])
        took.append((rest_at + sm.start(), rest_at + sm.end()))
    elif rtype == "deal" and not m.typed_lower:
        # "deals in Teknik Değerlendirme": a team's own stage, in capitals, as written ("at X" is a company)
        cap = rc.search(
            r"\b(?:in)\s+(?:the\s+)?(?:stage\s+)?(?P<s>[A-ZÀ-ÖØ-Þ][^\s,;.!?]*(?:\s+[A-ZÀ-ÖØ-Þ][^\s,;.!?]*){0,2})"
            r"(?:\s+stage)?\s*[?.!]*$",
            m.text[rest_at:],
        )
        if cap and not cap.group("s").isupper() and not company_like(cap.group("s")):
            slots["stage"] = cap.group("s")
            took.append((rest_at + cap.start(), rest_at + cap.end()))
    tg = rc.search(
        r"\b(?:tagged(?:\s+(?:as|with))?|with\s+(?:the\s+)?tags?|labell?ed(?:\s+as)?|having\s+(?:the\s+)?tag)\s*[:=]?\s*"
        r"['\"#]?(?P<t>[\w\-]+(?:\s+[\w\-]+)?)"
        r"|\bwith\s+(?:the\s+|a\s+)?['\"#]?(?P<t2>[\w\-]+)['\"]?\s+(?:tag|label)\b",
        rest,
    )
    if tg:
        t = tg.group("t") or tg.group("t2")
        t_words = t.split()
        if len(t_words) > 1 and t_words[1] in (
            "with",
            "and",
            "that",
            "who",
            "which",
            "in",
            "at",
            "from",
            "owned",
            "no",
        ):
            t = t_words[0]
        start = rest_at + (tg.start("t") if tg.group("t") else tg.start("t2"))
        slots["tag"] = tidy(m.text[start : start + len(t)]).lstrip("#")
        took.append((rest_at + tg.start(), start + len(t)))
        if tg.group("t2"):
            took.append((rest_at + tg.start(), rest_at + tg.end()))
    ina = _inactive_days(rest)
    if ina:
        slots["inactive_days"] = ina[0]
        took.append((rest_at + ina[1], rest_at + ina[2]))
    elif any(a in ("stale", "inactive", "dormant", "idle", "quiet") for a in adj):
        pass
    ind = rc.search(
        r"\b(?:in|from)\s+(?:the\s+)?[\w&/\-]+(?:\s+[\w&/\-]+)?\s+(?:industry|sector|space|vertical)\b", rest
    )
    if ind and rtype == "company":
        took.append(
            (rest_at + ind.start(), rest_at + ind.end())
        )  # no industry filter in the contract: all of them
    lm = rc.search(
        r"\b(?:who|that|which)\s+are\s+(?:our\s+|a\s+|an\s+)?(customers?|prospects?|leads?|advocates?|loyal)\b",
        rest,
    )
    if lm and rtype == "contact":
        lc = lifecycle_in("is " + lm.group(1))
        if lc:
            slots["lifecycle"] = lc
            took.append((rest_at + lm.start(), rest_at + lm.end()))
    om = rc.search(
        r"\b(?:owned\s+by|belonging\s+to|assigned\s+to)\s+(?:@[uw][a-z0-9]+|[a-z][\w\-]*)"
        r"|\b(?:that|which)\s+(?:@[uw][a-z0-9]+|[a-z][\w\-]*)\s+(?:owns|has|is\s+working(?:\s+on)?)\b",
        rest,
    )
    if om:
        took.append((rest_at + om.start(), rest_at + om.end()))
    cm = rc.search(r"\b(?:at|from|with|for)\s+(?!the\s+(?:last|past)\b)", rest)
    company_pos = None
    while cm:
        pos = rest_at + cm.end()
        if not any(a <= pos - 1 < b for a, b in took):
            name, end = name_at(m, pos, company=True)
            if (
                name
                and not rc.match(
                    r"(?:the\s+)?(?:last|past|this|next|stage|no|zero|tag|q[1-4])\b", name.lower()
                )
                and not m.spans_in(pos, end)
            ):
                slots["company"] = name
                took.append((rest_at + cm.start(), end))
                company_pos = pos
                break
        break
    left = list(m.low)
    for a, b in took:
        for i in range(max(0, a), min(len(left), b)):
            left[i] = " "
    leftover = "".join(left)[rest_at : len(low)]
    if not _LIST_FILLER.fullmatch(leftover):
        return None  # "our customers love the new dashboard": talk about them, not a request
    filters = [k for k in ("lifecycle", "tag", "stage", "company", "inactive_days") if k in slots]
    if om and "owner" in slots:
        filters.append("owner")  # "deals owned by Bob": a list by owner
    lead_verb = low[: hm.start("noun")].strip()
    if rtype == "deal" and not filters and not _SHOW_LIST.match(lead_verb):
        return None  # "my deals", "all deals": the pipeline as it stands; "show my deals" asks for the list
    if ind and rtype == "company" and not filters:
        return "list_records", 0.75, slots
    if rtype == "contact" and filters == ["company"] and company_pos is not None:
        return None  # "contacts at Globex": who we know there (find_contact)
    if (
        not filters
        and not rc.search(
            r"\b(?:show|list|give|get|find|pull|display|fetch|see|view|all|every|which|what|who)\b", lead_verb
        )
        and noun_word not in ("companies", "accounts")
    ):
        return None
    return "list_records", 0.88, slots


# --- the rule

_COMMAND_FORM = rc.compiled(
    r"^(?P<t>contact|company|account|deal|task)\s+(?P<v>show|view|info|open|card|details|history|timeline|delete|remove)"
    r"\s+(?P<r>\S.*?)[\s.!?]*$",
    re.I,
)


def rule_record_command(m: Msg) -> Result | None:
    """``/crm deal show Acme renewal``, ``/crm company history Globex``, ``/crm contact delete Jon Smiht``."""
    cm = _COMMAND_FORM.match(m.text)
    if not cm:
        return None
    rtype = _TYPE_OF[cm.group("t").lower()]
    verb = cm.group("v").lower()
    # "company card for Vietcombank pls": the words around the name are not part of it
    ref = rc.sub(r"^(?:for|of|on|about)\s+(?:the\s+)?", "", tidy(cm.group("r")), flags=re.I)
    ref = tidy(rc.sub(r"\s+(?:pls|plz|please|thanks|thx|asap)$", "", ref, flags=re.I))
    if verb in ("show", "view", "info", "open", "card", "details"):
        if rtype == "contact":
            return None  # looking a person up stays find_contact
        return "show_record", 0.95, {"record": ref, "record_type": rtype}
    if verb in ("history", "timeline"):
        return "show_history", 0.95, {"record": ref, "record_type": rtype}
    return "delete_record", 0.95, {"record": ref, "record_type": rtype}
