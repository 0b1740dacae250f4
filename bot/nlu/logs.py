"""``log_interaction``: calls, emails, meetings, notes and messages, when they happened, and the follow-up."""

from __future__ import annotations

import re
from datetime import date

from . import rx as rc
from .base import (
    GENERIC_PLACE,
    PLACE_TAIL,
    Msg,
    Result,
    Slots,
    blank,
    company_after,
    company_like,
    date_ranges,
    kind_of,
    name_at,
    person_like,
    resolve_when,
    split_clauses,
    strip_org_tail,
    tidy,
)
from .dates import DateSpan
from .text import EMAIL, LEGAL_FORM, LEGAL_FORMS, clean, ends_in_legal_form, role_title
from .vocab import FIRST_NAMES, NAME_STOP

_LOG_ADJ = (
    r"(?:(?:really|very|super|pretty|so|quite|extremely)\s+)?(?:(?:quick|short|long|brief|good|great|productive|first|initial|intro|introductory|discovery|kickoff|"
    r"kick-off|follow up|follow-up|followup|check-in|check in|nice|solid|positive|tough|video|phone|zoom|"
    r"cold|warm|disco|outbound|inbound|prospecting|csm|upsell|expansion|qualification|negotiation|contract|"
    r"closing|partner|partnership|customer|client|reference|quick-ish|internal|exploratory|"
    r"teams|weekly|monthly|quarterly|another|second|final|1:1|f2f|face to face|in person|in-person|team|"
    r"coffee|lunch|dinner|breakfast|working|onsite|on-site|cs|ae|se|am|exec|executive|onboarding|renewal|account|health|"
    r"pricing|scoping|security|technical|legal|procurement|strategy|planning|status|sales|product|"
    r"\d+[\s\-]*(?:min|mins|minute|minutes|hour|hours|hr|hrs))\s+)"
)


_LOG_NOUN = (
    r"(?:phone call|call|email|e-mail|meeting|meetup|lunch|brunch|dinner|coffee|breakfast|drinks|demo|visit|"
    r"site visit|chat|conversation|convo|catch[\s\-]?up|sync|check[\s\-]?in|touch ?base|intro|kick-?off|"
    r"voicemail|message|text|dm|note|qbr|ebr|presentation|workshop|session|onsite|zoom|webex|hangout|google meet|teams call|"
    r"briefing|pitch|huddle|walkthrough|walk-through|training|webinar|roundtable|debrief|tour|f2f|1:1|one-on-one)"
)


_LOG_VERB = (
    r"(?:called|phoned|rang|rung|spoke|spoken|talked|chatted|met|emailed|e-mailed|mailed|pinged|texted|sms'?d|sms'?ed|"
    r"messaged|dmed|slacked|whatsapped|visited|demoed|lunched|caught up|dialed|dialled|connected|"
    r"emailing|texting|messaging|pinging|dming|"
    r"got off (?:the |a )?(?:phone|call)|hung up|jumped on (?:a |the )?(?:quick )?call|"
    r"hopped on (?:a |the )?(?:quick )?call|got on (?:a |the )?(?:quick )?call|sat down|"
    r"left (?:a |her |him |them )?(?:voicemail|vm|message)|"
    r"sent (?:an? |the |my )?(?:quick |follow[\s\-]?up |intro )?(?:email|e-mail|note|message|text|dm)|"
    r"(?:did|gave|ran|held|had|did a|ran a|hosted|led) (?:a |an |the |our )?(?:quick |live |product |full |short )?"
    r"(?:demo|walkthrough|walk-through|presentation|training|webinar|review session)|"
    r"grabbed (?:a )?(?:coffee|lunch|drinks|dinner|breakfast)|wrote|replied|responded|heard back|"
    r"got (?:an? |the )?(?:email|call|message|text|reply|dm|voicemail|ping) (?:from|back from)|"
    r"touched base|checked in|reached out|followed up|ran into|bumped into|ran in to|"
    r"(?:whatsapp|slack|text|dm|ping|sms|imessage|linkedin)'?(?:d|ed))"
)


# A report can open with any one describing word before the kind ("cold call to…", "disco call w/…");
# a word that asks for something ("schedule call with…", "need call with…") makes it a plan instead.
_NOUN_LEAD = (
    r"(?!(?:schedule|book|set|setup|arrange|plan|need|needs|send|make|prep|prepare|cancel|move|reschedule|"
    r"confirm|add|log|join|start|do|have|get|take|organize|organise|put|request|want|please|pls|remind|next|"
    r"upcoming|follow|a|an|the|my|our|this|that|no|any|every|each|another|to|for|with|and|or|in|on|at)\b)"
    r"[a-z0-9][a-z0-9\-]*"
)


_LOG_START = rc.compiled(
    r"^(?:(?:i|we)\s+)?(?:(?:just|finally|also|already|quickly|briefly)\s+)?(?:"
    rf"(?P<log>log(?:ged|ging)?|record(?:ed|ing)?|add(?:ed)?|save|track)\s*[:\-]?\s+(?:a\s+|an\s+|the\s+|my\s+|this\s+)?"
    rf"(?:new\s+)?{_LOG_ADJ}*(?P<k1>{_LOG_NOUN})s?\b"
    rf"|had\s+(?:a\s+|an\s+|my\s+|our\s+|the\s+)?{_LOG_ADJ}*(?P<k2>{_LOG_NOUN})\b"
    rf"|(?P<k3>{_LOG_VERB})\b"
    rf"|(?P<k5>(?:{_NOUN_LEAD}\s+){{0,2}}{_LOG_ADJ}*{_LOG_NOUN})"
    r"(?:\s+(?=(?:(?:today|yesterday|this morning|this afternoon|earlier(?: today)?|last night)\s+)?"
    r"(?:with\b|w/|to\b|at\b|@|from\b))"
    # "demo for Castlebrook went great", "call - Ostrowski & Partners - wanted to know…"
    r"|\s+(?=for\b[^,.;:!?]{1,60}\b(?:went|was|is done|done|wrapped|ran long|ran over|today|yesterday|"
    r"this morning|this afternoon|earlier)\b)"
    r"|\s+[-–—]\s+(?=[^\-–—,.;:!?]{2,60}\s[-–—]\s))"
    r"|(?P<k13>voicemail|voice mail|voice message)\s+(?:for|to)\b"
    rf"|(?:(?:make|take|add|leave|put|jot|making|taking|adding|leaving|putting|jotting|jotted|writing|dropping)\s+"
    rf"(?:a\s+|down\s+a\s+)?(?:quick\s+)?)?{_LOG_ADJ}*(?P<k6>notes?|fyi|memo)\b"
    r"(?:\s+(?:that|on|about|re|for|from))?"
    r"|(?P<k16>jott(?:ing|ed)\s+(?:this\s+)?down|jot(?:ting)?\s+(?:this\s+)?down|noting\s+down|for the record|note to file)"
    r"(?:\s*[:\-–—]|\s+that\b)"
    rf"|(?:got out of|came out of|walked out of|wrapped(?: up)?|finished|ended|did)\s+(?:a|an|the|my|our)\s+{_LOG_ADJ}*"
    rf"(?P<k10>{_LOG_NOUN})\b"
    rf"|(?P<k11>{_LOG_NOUN})\s+(?:done|finished|completed|wrapped(?: up)?|over|sent|left)\s+(?=with\b|w/|to\b|for\b)"
    r"|(?P<k12>voicemail|vm|voice mail|message)\s+left\b"
    rf"|(?P<k9>meeting|call|demo|mtg|lunch)\s+(?:notes?|recap|summary|debrief|readout)\b(?:\s+(?:from|for|with|re|on))?"
    r"|(?P<k8>sent|shot|dropped|fired off|gave)\s+(?=\S+(?:\s+[A-Z]\S*)?\s+(?:an?\s+|the\s+)?(?:quick\s+|short\s+)?"
    r"(?P<k8n>email|e-mail|text|message|dm|note|line|ping|call|voicemail)\b)"
    r")"
)


_SUBJECT_LOG = rc.compiled(
    r"^(?P<who>(?:[A-Z][\w'.\-]*)(?:\s+[A-Z][\w'.\-]*){0,2}|[a-z][\w'\-]*(?:\s+[a-z][\w'\-]*)?)"
    r"(?:\s+(?:from|at|@)\s+(?P<co>[A-Za-z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?){0,2})|\s*\((?P<co2>[^()@]{2,40})\))?"
    r"(?:\s*[-–—:,]\s*(?:i\s+|we\s+)?|\s+)(?:just\s+|finally\s+)?(?P<k>called|emailed|e-mailed|pinged|texted|messaged|rang|phoned|replied|"
    r"wrote back|wrote|responded|dm'd|dmed|got back to (?:me|us)|reached out|returned my call|"
    r"left (?:me )?a (?:voicemail|message)|came by|stopped by|dropped by|swung by|popped by|visited|came in|"
    r"came to (?:our|the) (?:booth|office|stand))\b"
)


_FOLLOW_LEAD = rc.compiled(
    r"^(?:(?:and|then|so|but|also|plus|next step(?:s)?(?: is| are)?|action(?: item)?)\s*[:\-]?\s+)*"
    r"(?:(?:please\s+|pls\s+)?remind me to\s+|(?:i'll|we'll|i will|we will|i'm going to|we're going to)\s+)?"
    r"(?:(?:she|he|they|we|i|you|it|[a-z]+)\s+(?=(?:will|'ll|would|wants?|needs?|asked|requested|expects?|is|are|'s|"
    r"promised|said|agreed|should|must|has|have|got)\b))?"
    r"(?:(?:will|'ll|would like|would love|wants?(?: us)?(?: to see| to get| to have)?|needs?(?: us)?|asked(?: us| me)?(?: for)?|"
    r"requested|expects?|is expecting|are expecting|is waiting (?:for|on)|are waiting (?:for|on)|"
    r"(?:i|we) (?:need|have|got) to|need to|have to|got to|gotta|promised(?: to)?|said|agreed(?: to)?|"
    r"should|must|is|are|'s|to|get|getting|see|a|an|the)\s+)*",
)


_NAME_PARTICLES = frozenset(
    [
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "la",
        "le",
        "di",
        "da",
        "dos",
        "du",
        "ter",
        "bin",
        "al",
        "ó",
        "o'",
        "mac",
        "mc",
        "st.",
        "st",
    ]
)


_PERSON_VERB = rc.compiled(
    r"(?:called|phoned|rang|rung|emailed|e-mailed|mailed|texted|messaged|dmed|pinged|whatsapp'?e?d|slacked|"
    r"sms'?e?d|spoke|talked|chatted|met|left|"
    r"(?:email|e-mail|text|message|dm|voicemail|note|letter|linkedin message|inmail)(?:\s+sent)?\s+to|"
    r"(?:email|e-mail|text|message|dm|voicemail|reply|call|phone call)\s+(?:from|with|w/))"
    r"(?:\s+(?:to|with|w/))?\s*$"
)
_TEXT_VERB = rc.compiled(
    r"(?:texted|messaged|dmed|pinged|whatsapp'?e?d|slacked|phoned|rang|rung|sms'?e?d)\s*$"
)


def _log_header(m: Msg, pos: int, kind: str) -> tuple[Slots, int]:
    """Contact / company / when right after the log cue; returns slots and where the summary begins."""
    slots: Slots = {}
    low = m.low
    lead = rc.match(
        r"[\s\-–—:,]*(?:back\s+(?=[A-Za-z]))?(?:(?:with|w/|to|at|on|for|from|about|re|regarding|of|by)\s+)?"
        r"(?:@[uw][a-z0-9]+\s+(?:and|&)\s+)?"  # "with @U07 and Dana from Hooli": the colleague is not the contact
        r"(?P<art>(?:the|our|my|a|an)\s+)?"
        r"(?:(?:team|folks|people|guys|crew|ceo|cto|cfo|vp|buyer|champion)\s+(?:at|from|of|over at)\s+)?",
        low[pos:],
    )
    p = pos + (lead.end() if lead else 0)
    before_date = [s for s in m.spans if s.start == p]
    if before_date:
        p = before_date[0].end
        lead2 = rc.match(
            r"\s*(?:,\s*)?(?:with|w/|to|at|on|for)\s+(?:(?:the|our)\s+)?"
            r"(?:(?:team|folks|people|guys|crew)\s+(?:at|from|of|over at)\s+)?",
            low[p:],
        )
        if lead2:
            p += lead2.end()
    name, end = name_at(m, p, max_words=7 if rc.match(r"[^,.;:]{0,30}\s&\s", m.text[p:]) else 4)
    place = bool(PLACE_TAIL.match(m.text, end)) or strip_org_tail(name) != name
    if name and name.islower() and lead and lead.group("art") and not place:
        name = ""  # "demoed the platform to Globex": an object, not a name ("the acme office" is a place)
    if name and GENERIC_PLACE.fullmatch(name.lower()):
        name = ""  # "onsite at Redwood Dental Group": the kind of visit, the company comes after
    if not name:
        stop = _header_stop(m, p)
        for mm in rc.finditer(r"\b(?:with|to|for|at|w/|from)\s+(?:the\s+)?(?=\w)", m.text[p:stop]):
            nxt = m.text[p + mm.end() :].split(" ", 1)[0]
            if not (nxt[:1].isupper() or nxt.lower() in FIRST_NAMES):
                continue
            name, end = name_at(m, p + mm.end())
            if name:
                skipped = tidy(m.text[p : p + mm.start()])
                if skipped and not rc.fullmatch(r"(?:the\s+)?(?:team|folks|people|guys)", skipped, re.I):
                    slots["summary"] = skipped  # "emailed the proposal to Priya"
                break
    name = strip_org_tail(name)
    if name and (GENERIC_PLACE.fullmatch(name.lower()) or name.lower() in ("self", "myself", "me", "file")):
        name = ""  # "met Jane at the conference": where, not who; "note to self": the rep
    if name and not any(s.start < end and p < s.end for s in m.spans):
        # Who was called or written to is usually a person: a full name of two or three capitalised words
        # that is not shaped like a company ("emailed Chukwuemeka Okafor the SOW"), or any name the next
        # clause calls "she"/"he" ("phoned Gabriela, she confirmed…").
        words = name.split()
        lead_text = lead.group(0) if lead else ""
        about = bool(rc.search(r"\b(?:at|on|for|about|re|regarding|of)\b", lead_text)) or bool(
            rc.search(r"\bfrom\b", lead_text) and not _PERSON_VERB.search(m.low[:p].rstrip())
        )
        direct = (
            not about
            and m.low[pos:p].strip() in ("", "to", "with", "w/", "from")
            and bool(_PERSON_VERB.search(m.low[:p].rstrip()))
        )
        full_name = (
            2 <= len(words) <= 4
            and all(w[:1].isupper() or w.lower() in _NAME_PARTICLES for w in words)
            and sum(w[:1].isupper() for w in words) in (2, 3)
            and not rc.search(r"[&\d]", name)
            and not company_like(name)
            # "Aurora Biotech procurement", "Acme legal": a department after it makes it the company
            and not rc.match(
                r"\s+(?:procurement|legal|finance|it|security|team|folks|ops|engineering|leadership|board|"
                r"purchasing|hr|marketing|sales|people)\b",
                m.low[end:],
            )
        )
        later_pronoun = bool(rc.search(r"\b(?:she|he|her|him)\b", m.low[end:]))
        person_default = bool(
            not about
            and rc.match(r"\s*[,.;:\-–—]?\s*(?:she|he)\b", m.low[end:])
            or direct
            and len(words) == 1
            and (_TEXT_VERB.search(m.low[:pos]) or later_pronoun and not company_like(name))
            or full_name
            and (direct or not about and later_pronoun or m.text[end - 2 : end] in ("'s", "’s"))
        )
        also = rc.match(r"\s*(?:and|&|\+)\s+", m.low[end:])
        boss = rc.match(
            r"\s*(?:\+|and|&)\s+(?:her|his|their)\s+(?:boss|manager|team|colleague|cfo|ceo|cto|vp)\b",
            m.low[end:],
        )
        if boss:  # "Sophie Turner + her boss at Kestrel Bank"
            end += boss.end()
            also = None
        if also and person_like(name, default=False):
            other, oend = name_at(m, end + also.end())
            if other and person_like(other, default=True) and other[:1].isupper() == name[:1].isupper():
                end = oend  # "Priya and Raj from Initech": the first is the contact, the company is theirs
        if (
            " & " in name
            and not company_like(name.replace("&", " "))
            and not rc.search(r"&\s+(?:sons|co|partners|associates|brothers|bros)\b", name, re.I)
            and person_like(name.split(" & ")[0], default=bool(rc.match(r"\s*(?:from|at|@)\s", m.low[end:])))
        ):
            name = name.split(" & ")[0]  # "Jane & Tom": two people, the first is the contact
            end = m.text.index(" & ", p)
            also = rc.match(r"\s*&\s+", m.text[end:])
            if also:
                other, oend = name_at(m, end + also.end())
                end = oend if other else end
        company, cend = company_after(m, end)
        if (
            company
            and not person_like(name, default=True)
            and person_like(company, default=len(company.split()) >= 2 and company.split()[-1][:1].isupper())
        ):
            name, company = company, name  # "at Pym Technologies w/ Hope van Dyne"
        if company and ends_in_legal_form(name):
            # "visited kuda technologies ltd in yaba": a name with a legal form is the company, and what
            # follows it is a person ("… with Tom") or a place ("… in yaba")
            slots["company"] = name
            if person_like(company, default=False):
                slots["contact"] = company
            end = cend
        elif company:
            slots["contact"], slots["company"] = name, company
            end = cend
            tail = PLACE_TAIL.match(m.text, end)
            end = tail.end() if tail else end
        elif person_like(name, default=person_default):
            slots["contact"] = name
            co, cend = _role_then_company(m, end)
            if co:  # "Natalie Ortiz, the COO over at Stark Industries"
                slots["company"], end = co, cend
            cc = rc.match(
                r"\s*,\s*(?P<co>[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?){0,3})\s*(?=[:–—,]|\s-\s|$)",
                m.text[end:],
            )
            cp = rc.match(
                r"\s*,\s*(?:the\s+)?(?P<co>[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?){0,2})['’]s\s+(?P<role>[\w&/\-]+(?:\s+[\w&/\-]+){0,3}?)"
                r"(?=\s*(?:[,;:.!?]|\s[-–—]\s|$))",
                m.text[end:],
            )
            if "company" not in slots and cp and role_title(cp.group("role")):  # "met Jane Doe, Acme's CFO"
                slots["company"], end = cp.group("co"), end + cp.end()
                cc = None
            if (
                "company" not in slots
                and cc
                and not role_title(cc.group("co"))
                and not person_like(cc.group("co"), default=False)
                and not m.spans_in(end, end + cc.end())
            ):  # "meeting w/ Fatima Al-Sayed, Crescent Health: reviewed…"
                slots["company"], end = cc.group("co"), end + cc.end()
            pm = rc.match(r"\s*\(([^)]{2,40})\)", m.text[end:])
            if pm and not EMAIL.search(pm.group(1)):
                inner = clean(pm.group(1))
                # "(CFO at Pied Piper)", "(Globex, CTO)": the company is the part that is not a title
                parts = [x.strip() for x in rc.split(r",|/", inner) if x.strip()]
                at = rc.search(r"\s(?:at|@|from)\s+(?P<c>\w.*)$", inner) or (
                    None if len(parts) > 1 else rc.search(r"\s(?:of)\s+(?P<c>\w.*)$", inner)
                )
                if at:
                    slots["company"] = at.group("c")
                elif parts and not role_title(parts[0]):
                    slots["company"] = parts[0]
                elif len(parts) > 1:
                    slots["company"] = parts[-1]
                end += pm.end()
        else:
            slots["company"] = name
            poss = rc.match(
                r"\s+(?P<role>[\w&/\-]+(?:\s+(?:of\s+)?[\w&/\-]+){0,2}?)\s+(?P<n>[A-Z][\w'\-]+(?:\s+[A-Z][\w'\-]+)?)\b",
                m.text[end:],
            )
            if (
                m.text[end - 2 : end] in ("'s", "’s")
                and poss
                and role_title(poss.group("role"))
                and person_like(poss.group("n"), default=True)
            ):  # "spoke to Acme's CTO Raj"
                slots["company"] = rc.sub(r"['’]s$", "", name)
                slots["contact"] = poss.group("n")
                end += poss.end()
            tail = rc.match(
                r"(?:\s+[\w&\-]+){0,2}?\s+(?:team|folks|people|group|department|dept|crew)\b", m.text[end:]
            )
            if name.endswith("'s") or m.text[:end].endswith("'s") and tail:
                end += tail.end() if tail else 0  # "Initech's IT team"
            else:
                tail2 = PLACE_TAIL.match(m.text, end)
                end = tail2.end() if tail2 else end
            stop = _header_stop(m, end)
            wm = rc.search(r"\b(?:with|w/)\s+(?=[A-Z])", m.text[end:stop])
            if wm:  # "visited Hooli HQ today w/ Gavin"
                who, _ = name_at(m, end + wm.end())
                if who and person_like(who, default=True):
                    slots["contact"] = who
        p = end
    return slots, p


_ROLE_AT = [
    rc.compiled(
        r"\s*,\s*(?:the|our|their|a|an)?\s*(?P<role>[\w&/\-]+(?:\s+[\w&/\-]+){0,3}?)\s+(?:over\s+)?"
        rf"(?:{joint})\s+(?P<co>[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?){{0,3}})"
    )
    # "Head of Nursing at Reddington Clinics": "at" names the company before "of" is tried
    for joint in ("at|from|with", "of")
]


def _role_then_company(m: Msg, end: int) -> tuple[str, int]:
    """After a contact's name, ", the COO at Stark Industries": the company (and where it ends)."""
    for rx in _ROLE_AT:
        rm = rx.match(m.text, end)
        if rm and role_title(rm.group("role")):
            return name_at(m, rm.start("co"), company=True)
    return "", end


def _header_stop(m: Msg, p: int) -> int:
    sm = rc.search(
        r"[,;:.!?](?:\s|$)|\s[-–—]+\s|\s+(?:and|but|so)\s+(?:she|he|they|we|i|it)\b"
        r"|\s+(?=follow[\s\-]?up\b|next steps?\b|remind me\b|(?:i\s+|we\s+)?need to\b)"
        # a run-on: "call with andrzej … today they are interested in …"
        r"|\s+(?=(?:they|she|he)\s+(?:are|were|is|was|want|wants|need|needs|said|asked|liked|loved|agreed|seem|seemed|"
        r"confirmed)\b)",
        m.low[p:],
    )
    return p + sm.start() if sm else len(m.low)


_FOLLOW_CUE = rc.compiled(
    r"\bfollow(?:ing)?[\s\-]?up\b|\bnext steps?\b|\bcircle back\b|\bcheck in\b|\bget back to\b|\bremind me\b"
    r"|\b(?:need|needs|have|has|got) to\b|\bwill send\b|\bto send\b|\bsend (?:her|him|them)\b|\bwants?\b|\basked for\b"
    r"|\brequested\b|\bwaiting (?:for|on)\b|\bi'll\b|\bwe'll\b|\bpromised\b",
)


# With no date, only the rep's own next step or a thing the customer asked the rep for ("they asked for
# references") makes a follow-up: a wish ("she wants pricing", "legal wants changes") is news for the summary.
_OWN_NEXT_STEP = rc.compiled(
    r"\bfollow(?:ing)?[\s\-]?up\b|\bnext steps?\b|\bcircle back\b|\bcheck in\b|\bget back to\b|\bremind me\b"
    r"|\b(?:i|we)\s+(?:still\s+)?(?:need|have|got)\s+to\b|\b(?:i|we)\s+(?:will|should|must)\b|\bwill send\b|\bto send\b"
    r"|\bsend (?:her|him|them)\b|\bi'll\b|\bwe'll\b|\bpromised\b|\basked (?:us |me )?for\b|\brequested\b|(?<!she )(?<!he )(?<!they )(?<!who )\bneed to\b"
)


_ACTION = rc.compiled(
    r"(?:send|call|email|ping|prepare|prep|draft|share|schedule|book|follow|circle|check|get|set up|review|deliver)\b"
)


def _follow_title(m: Msg, start: int, end: int, span: DateSpan | None) -> str:
    ranges = date_ranges(m, [span]) if span else []
    clause = blank(m.text, ranges)[start:end]
    clause = tidy(clause)
    low = clause.lower()
    fm = _FOLLOW_LEAD.match(low)
    if fm and fm.end() < len(low):
        clause, low = clause[fm.end() :], low[fm.end() :]
    fu = rc.match(
        r"^(?:follow(?:ing)?[\s\-]?up|circle back|check in|get back)\b\s*(?:with|on|about|re|regarding|for|to)?\s*",
        low,
    )
    if fu and fu.end() < len(low):
        clause = clause[fu.end() :]
    elif fu:
        return "follow up"
    clause = rc.sub(
        r"^(?:(?:with|on|about|re|regarding|for|to|her|him|them|us|me)\s+)+", "", clause, flags=re.I
    )
    return tidy(clause)


_SENT_TO = rc.compiled(
    r"^(?i:(?:(?:i|we)\s+)?(?:just\s+|already\s+|finally\s+)?(?:sent|shared|forwarded|shot)\s+(?:over\s+)?)"
    r"(?P<obj>(?i:the|a|an|our|my|his|her|their)\s+[^,;:]+?|[A-Za-z][^,;:]*?)\s+(?:over\s+)?to\s+"
    r"(?P<n>[A-Za-z][\w'.\-]*(?:\s+[A-Z][\w'.\-]*|\s+(?!(?:at|from|with|about|re|and|for|on|by|in|today|yesterday)\b)[a-z]+)?)"
    r"(?:\s+(?:at|from|@)\s+(?P<co>[A-Za-z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?){0,2}))?(?P<rest>.*)$"
)


# A name typed in lower case ("sent adaeze nwosu an email") is a name only when the whole message is.
_NOT_A_NAME = (
    r"(?!(?:the|a|an|our|my|over|out|it|this|that|these|those|them|him|her|me|us|you|back|along|off|in|on)\b)"
)
_SENT_NAME = rc.compiled(
    r"^(?i:(?:(?:i|we)\s+)?(?:just\s+|already\s+|finally\s+)?(?:sent|forwarded|shot)\s+)"
    rf"(?P<n>{_NOT_A_NAME}[A-Za-z][\w'.\-]*(?:\s+{_NOT_A_NAME}[A-Za-z][\w'.\-]*)?)\s+"
    r"(?P<obj>(?:the|a|an|our|my|over)\s+.+?)(?P<rest>[,;:\-–—].*)?$"
)


def _sent_match(m: Msg) -> re.Match[str] | None:
    """ "sent the proposal to Priya", "sent Jane an email": whom it went to comes before or after it."""
    sm = _SENT_TO.match(m.text)
    if sm:
        return sm
    sm = _SENT_NAME.match(m.text)
    if sm and sm.group("n")[:1].islower() and not m.typed_lower:
        return None
    return sm


_MEDIUM = rc.compiled(r"(?:an?|the)\s+(?:quick\s+|short\s+)?(email|e-mail|note|message|text|dm)\b", re.I)


def _sent_medium(m: Msg, sm: re.Match[str], slots: Slots) -> None:
    """ "sent an email to Rachel … with the pricing deck", "sent Jane an email yesterday with the plan": the
    email is the kind, what it carried the summary (the date said with it is when, not what)."""
    medium = _MEDIUM.match(m.text, sm.start("obj"))
    if not medium:
        return
    slots["kind"] = kind_of(medium.group(1))
    undated = blank(m.text, date_ranges(m, m.spans))
    tail = undated[medium.end() : sm.end("obj")]
    if sm.group("rest") and not tail.strip():
        tail = undated[sm.start("rest") : sm.end("rest")]
    about = rc.match(r"[\s,]*(?:with|about|re|regarding|on)\s+(?:the\s+)?(?P<s>.+)$", tail)
    if about:
        slots["summary"] = tidy(about.group("s"))
    elif medium.end() == sm.end("obj"):
        slots["summary"] = tidy(m.text[sm.start("obj") : sm.end("obj")])


_NAME_KIND = rc.compiled(
    r"^(?!(?i:the|a|an|my|our|quick|short|good|great|another|this|that|today's|todays|weekly|team|log|logged|add|new|"
    r"record|save|track|please|pls)\b)"
    r"(?P<n>[A-Za-z][\w&'.\-]*(?:\s+[A-Za-z][\w&'.\-]*){0,2}?)\s+(?P<k>call|meeting|demo|lunch|sync|chat|mtg|catch[\s\-]?up|"
    r"visit|kickoff|kick-off|qbr|intro call|discovery call|onsite|on-site|site visit|workshop|dinner|coffee)\b"
    r"(?:\s+(?:recap|notes?|summary|debrief|readout|update))?"
    r"(?:\s+(?:went|was|is done|today|yesterday|this morning|this afternoon|earlier)\b|\s*[:\-–—,])"
)
_UPDATE_ON = rc.compiled(
    r"^(?i:(?:quick|small|short|brief|an?)\s+)?(?i:update|recap|debrief|readout)\s+(?i:on|re|for|from|about)\s+(?:the\s+)?"
    r"(?P<n>[A-Z][\w&'.\-]*(?:\s+[A-Z][\w&'.\-]*){0,3})(?:\s+(?i:deal|account|opp))?\s*[:\-–—]\s*(?P<rest>\S.*)$"
)
_CARD_KIND = rc.compiled(
    r"^(?P<a>[A-Z][\w&'.\-]*(?:\s+[A-Z][\w&'.\-]*){0,3})\s*[-–—|]\s*(?P<b>[A-Z][\w&'.\-]*(?:\s+[A-Z][\w&'.\-]*){0,3})"
    r"(?:\s*\([^()]{1,40}\))?\s*[-–—|:]\s*(?:the\s+|our\s+)?(?P<k>call|meeting|mtg|demo|lunch|sync|chat|visit|coffee|email)\b"
    r"(?=\s+(?:went|was|today|yesterday|this|earlier)\b|\s*[:\-–—,]|$)"
)
_NAME_CO_KIND = rc.compiled(
    r"^(?P<n>[A-Z][\w'.\-]*(?:\s+[A-Z][\w'.\-]*)?)\s+(?:from|at|@)\s+(?P<co>[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?){0,2})"
    r"\s*[:\-–—,]\s*(?:the\s+|our\s+)?(?P<k>call|meeting|demo|lunch|sync|chat|mtg|visit|catch[\s\-]?up|coffee|dinner)\b"
)
_NAME_NOTE = rc.compiled(
    r"^(?!(?i:the|a|an|my|our|quick|short|new|another|important|meeting|call|demo|lunch|status|deal|pipeline|"
    r"weekly|daily|team|general|random|side)\b)"
    # "log note: …", "logged a note: …": the verb that files the note is not whom it is about
    r"(?!(?i:log|logged|logging|add|added|adding|record|recorded|make|made|take|took|leave|left|put|jot|jotted|"
    r"write|wrote|save|saved|internal|private|personal)\b)"
    r"(?P<n>[A-Za-z][\w&'.\-]*(?:\s+(?!(?i:a|an|the|to|my|our)\b)[A-Za-z][\w&'.\-]*){0,2}?"
    # "Allegro Sp. z o.o. note - …": a legal form of several words ends the name
    rf"(?:\s+(?:{LEGAL_FORMS}))?)\s+(?:notes?|update|fyi)\s*[:\-–—]\s*(?P<rest>.+)$"
)


_LEFT_NAME = rc.compiled(
    r"^(?i:(?:(?:i|we)\s+)?(?:just\s+)?left)\s+(?P<n>[A-Z][\w'.\-]*(?:\s+[A-Z][\w'.\-]*)?)\s+(?:a\s+|another\s+)?"
    r"(?P<k>(?i:voicemail|vm|voice message|message|note))\b"
)


def _who_and_company(name: str, *, typed_lower: bool = False) -> Slots:
    """ "Jane Doe" is a person, "Globex" a company, "jane acme" typed in a hurry is both."""
    words = name.split()
    if len(words) > 1 and words[0].lower() in FIRST_NAMES and (typed_lower or not words[1][:1].isupper()):
        return {"contact": words[0], "company": " ".join(words[1:])}
    return {"contact": name} if person_like(name, default=False) else {"company": name}


def _sent_log(m: Msg) -> Result | None:
    """ "sent the proposal to Priya", "sent Jane an email yesterday with the plan": an email logged."""
    sm = _sent_match(m)
    if not sm or sm.group("n").lower() in ("me", "you", "him", "her", "them", "us", "legal", "finance"):
        return None
    name = sm.group("n")
    # "sent kwame mensah an email", typed all in lower case: two words a person's name
    default = name[:1].isupper() or m.typed_lower and sm.re is _SENT_NAME and len(name.split()) == 2
    if not person_like(name, default=default) and not sm.groupdict().get("co"):
        slots = {"kind": "email", "company": name}
    else:
        slots = {"kind": "email", "contact": name}
    if sm.groupdict().get("co"):
        slots["company"] = sm.group("co")
    slots["summary"] = tidy(sm.group("obj"))
    if rc.search(r"\b(?:linkedin|whatsapp|text|sms|dm|message|msg|inmail|slack)\b", sm.group("obj"), re.I):
        slots["kind"] = "message"  # "sent linkedin msg to Bartholomew"
    _sent_medium(m, sm, slots)
    sp = next((s for s in m.spans if s.is_past_word), None) or _sent_day(m, sm)
    if sp:
        slots["occurred_at"] = resolve_when(m, sp, "past")
    fut = (
        [s for s in m.spans if not s.is_past_word and s.start >= sm.start("rest")] if sm.group("rest") else []
    )
    if fut:
        rest_start = sm.start("rest")
        fu: Slots = {"due": resolve_when(m, fut[0], "future")}
        for cs, ce in split_clauses(m.low[rest_start:], rest_start):
            if cs <= fut[0].start < ce:
                fu["title"] = _follow_title(m, cs, ce, fut[0])
        slots["follow_up"] = fu
    return "log_interaction", 0.8, slots


def _sent_day(m: Msg, sm: re.Match[str]) -> DateSpan | None:
    """A day said with what was sent ("sent Jane an email on monday"): sending is done, so it is past."""
    if sm.re is not _SENT_NAME:
        return None
    return next((s for s in m.spans if sm.start("obj") <= s.start < sm.end("obj")), None)


def _log_special(m: Msg) -> Result | None:
    """Log shapes whose person comes after the object: "sent the proposal to Priya", "Initech note - …"."""
    lv = _LEFT_NAME.match(m.text)
    if lv:  # "left Jane a voicemail"
        kind = "call" if lv.group("k").lower() in ("voicemail", "vm", "voice message") else "message"
        slots: Slots = {"kind": kind, "contact": lv.group("n")}
        rest = tidy(rc.sub(r"^\s*[:\-–—,]?\s*(?:about|re|regarding)?\s*", "", m.text[lv.end() :]))
        if rest:
            slots["summary"] = rest
        return "log_interaction", 0.85, slots
    sent = _sent_log(m)
    if sent:
        return sent
    up = _UPDATE_ON.match(m.text)
    if up and (
        rc.search(r"\b(?:deal|opp|opportunity)\b", m.low[: up.start("rest")])
        or rc.search(
            r"\b(?:mov(?:e|ed|ing)|push(?:ed)?|slipp(?:ed|ing)|bump(?:ed)?|closed|won|lost|signed|dead)\b|(?:[$€£¥₹₩₺₦₱₪฿₫₽₴]|(?i:[a-z]{1,2})\$)\s?\d|\b\d+(?:\.\d+)?\s?[km]\b",
            m.low[up.start("rest") :],
        )
    ):
        up = None  # "update on the Acme deal: moving to proposal" changes the deal
    if up:  # "Quick update on Hooli: call went well, they asked for references"
        name, rest_start = up.group("n"), up.start("rest")
        kw = rc.match(rf"(?:the\s+|our\s+)?{_LOG_ADJ}*(?P<k>{_LOG_NOUN})\b", m.low[rest_start:])
        slots = {
            "kind": kind_of(kw.group("k")) if kw else "note",
            **({"contact": name} if person_like(name, default=False) else {"company": name}),
        }
        summary = tidy(m.text[rest_start:])
        _add_report(m, slots, rest_start, summary)
        return "log_interaction", 0.75, slots
    card = _CARD_KIND.match(m.text)
    if card:  # "Acme — Jane Doe (CFO) — call went well, sending MSA tmrw"
        a, b = card.group("a"), card.group("b")
        a_person = person_like(a, default=False) and not company_like(a)
        b_person = person_like(b, default=False) and not company_like(b)
        who = {"contact": a, "company": b} if a_person and not b_person else {"contact": b, "company": a}
        slots = {"kind": kind_of(card.group("k")), **who}
        rest_start = card.end("k")
        summary = tidy(rc.sub(r"^\s*[:\-–—,]?\s*", "", m.text[rest_start:]))
        _add_report(m, slots, rest_start, summary)
        return "log_interaction", 0.8, slots
    km = _NAME_KIND.match(m.text)
    if km and any(
        w.lower() in NAME_STOP
        or w.lower() in ("lol", "haha", "omg", "wow", "ugh", "damn", "nice", "great", "that")
        for w in km.group("n").split()
    ):
        km = None  # "had lunch…", "lol that demo…": not a name in front of the kind
    kc = _NAME_CO_KIND.match(m.text)
    if kc:  # "Liam from Acme: meeting went well"
        km = kc
    if km:  # "Hooli call went well", "jane acme call - wants pricing fri"
        who = (
            {"contact": kc.group("n"), "company": kc.group("co")}
            if kc
            else _who_and_company(km.group("n"), typed_lower=m.typed_lower)
        )
        slots = {"kind": kind_of(km.group("k")), **who}
        gap = rc.match(
            r"(?i:\s+(?:recap|notes?|summary|debrief|readout|update)\b)?\s*[:\-–—,]?\s*",
            m.text[km.end("k") :],
        )
        rest_start = km.end("k") + (gap.end() if gap else 0)
        summary = tidy(m.text[rest_start:])
        _add_report(m, slots, rest_start, summary)
        return "log_interaction", 0.8, slots
    nm = _NAME_NOTE.match(m.text)
    if nm:
        name = nm.group("n")
        key = "contact" if person_like(name, default=False) else "company"
        return "log_interaction", 0.85, {"kind": "note", key: name, "summary": tidy(nm.group("rest"))}
    return None


def _is_ahead(m: Msg, s: DateSpan) -> bool:
    """Whether a date phrase points after the message time ("tomorrow", "at 3" said at 10)."""
    if s.is_past_word:
        return False
    if s.day_kind in ("monthday", "daymonth", "slash", "iso"):
        # "Nov 16 call with …" said on the 18th: a written date a few days back is when it happened
        back = resolve_when(m, s, "past", date_only=True)
        if back and 0 <= (m.now.date() - date.fromisoformat(back)).days <= 45:
            return False
    got = resolve_when(m, s, "past" if s.is_today_word else "future")
    if not got:
        return False
    if len(got) == 10:
        return got > m.now.date().isoformat()
    return got > m.now.isoformat()


_BARE_WEEKDAY = rc.compiled(r"(?:on\s+)?(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?")
_REPORTED = rc.compiled(
    r"\b(?:talked|discussed|went|was|were|had|said|loved|liked|agreed|asked|wanted|mentioned|confirmed|covered|"
    r"reviewed|showed|told|seemed|sounded|raised|flagged|signed|walked|gave|got|shared|presented|met|toured|saw)\b"
    # "great chat about loyalty data": how it went is said of something that happened
    r"|\b(?:great|good|nice|productive|positive|solid|useful|helpful|tough|awkward|fun|lovely|excellent)\s+"
    r"(?:chat|convo|conversation|call|meeting|discussion|session|talk|catch[\s\-]?up|rapport|vibes?|energy)\b"
)


# What the customer said or how it went, told after a call's header: "pricing pushback, they want 15% off"
_TOLD_AFTER = rc.compiled(
    r"\b(?:they|she|he)(?:'re|'s)?\s+(?:want|wants|need|needs|asked|said|says|liked|loved|agreed|confirmed|mentioned|"
    r"think|thinks|prefer|prefers|pushed|push|are|is|were|was|seem|seems|hate|hated|complained)\b"
    r"|\b(?:pushback|push back|feedback|objections?|no answer|no show|no-show|voicemail|went well|went badly|interested|"
    r"keen|happy|unhappy|concerns?)\b"
)


# News told in a clause of its own: "they're expanding into Ghana", "budget approved for Q1", "very friendly"
_NEWS = rc.compiled(
    r"\b(?:they|she|he|it|we)(?:'re|’re|'s|’s|\s+are|\s+is)\s+(?!going\b|gonna\b)[a-z]+ing\b"
    r"|\b(?!(?:need|feed|speed|seed|proceed|exceed|succeed|embed|bed|red|shed|wed|fed)\b)[a-z]{3,}ed\b"
    r"|\b(?:very|super|really|quite|so)\s+(?:friendly|positive|engaged|warm|cold|receptive|keen|open)\b"
    r"|\bno (?:business|shop) talk\b"
)


def _news_after(rest: str) -> bool:
    """What follows a meeting's header with a bare weekday tells whether it happened: what was said or how
    it went makes it last Monday's; a purpose ("to discuss…", "re pricing", "need to prep") a plan."""
    sep = rc.match(r"\s*(?:[,;:.]|[-–—]+)\s*", rest)
    if not sep:
        return bool(_REPORTED.search(rest))
    body = rest[sep.end() :]
    if _TODO_LEAD.match(body) or rc.match(
        r"(?:to|for|re|about|agenda|prep|need|pls|please|let's|lets|bring|don't|dont|will|i'll|we'll)\b", body
    ):
        return False
    return bool(_REPORTED.search(body) or _TOLD_AFTER.search(body) or _NEWS.search(body))


def _told_today(m: Msg, ahead: list[DateSpan], hdr_stop: int) -> bool:
    """ "call with X at 2pm today — they want 15% off": a time later today in the header, then what was said
    (not what is to be done, nor what it is for), is a call told the same day; a plan says its purpose."""
    today = m.now.date().isoformat()
    for s in ahead:
        got = resolve_when(m, s, "future")
        if not got or got[:10] != today:
            return False
    rest = m.low[hdr_stop:]
    sep = rc.match(r"\s*(?:[,;:.]|[-–—]+)\s*", rest)
    if not sep:
        return False
    body = rest[sep.end() :]
    if _TODO_LEAD.match(body) or rc.match(
        r"(?:to|for|re|about|agenda|prep|need|pls|please|let's|lets|bring|don't|dont)\b", body
    ):
        return False
    return bool(_TOLD_AFTER.search(body) or _REPORTED.search(body))


# "…that's from Kofi at MTN Ghana, log it as an email": who a quoted message came from, just before "log it"
_SAID_BY = rc.compiled(
    r"(?:^|\s)(?:(?:that|this|it)(?:'s|\s+is|\s+was)\s+)?(?:from|by)\s+(?P<n>[A-Z][\w'\-]+(?:\s+[A-Z][\w'\-]+)?)"
    r"(?:\s+(?:at|@|from)\s+(?P<co>[A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,3}))?\s*[,;.\-–—]?\s*$"
)


def _cue(m: Msg) -> tuple[str, int, Slots, DateSpan | None] | None:
    """The words that make this a log: (kind, where the header starts, slots they name, a leading date)."""
    if rc.match(
        r"(?:note to self|reminder to self)\s*[:\-]?\s*(?:to\s+)?(?:call|email|send|follow|ping|prep|prepare|check|review|"
        r"book|schedule|get|ask|text|draft|update|chase|remind)\b",
        m.low,
    ):
        return None  # "note to self: call Omar back…" is a to-do; "note to self: Oscorp's year ends in March" a note
    ns = rc.match(r"(?:note to self|note for myself)\s*[:\-–—]?\s*", m.low)
    if ns:
        return "note", ns.end(), {}, None
    # "… log this as a note on Acme: pricing approved": the instruction can come after some context
    li = rc.search(
        r"\blog (?:this|that|it)(?: as)? (?:a |an )?(?P<k>note|call|meeting|email|message|demo|lunch)\b",
        m.low,
    )
    if li:
        said: Slots = {}
        # "> Thanks for the demo…\nthat's from Kofi at MTN Ghana, log it as an email": who it came from
        fr = _SAID_BY.search(m.text[: li.start()])
        if fr:
            said["contact"] = fr.group("n")
            if fr.group("co"):
                co = fr.group("co")
                said["company"] = co if LEGAL_FORM.search(co) else co.rstrip(".")  # "at Fawry. log it…"
        return kind_of(li.group("k")), li.end(), said, None
    em = rc.match(
        r"(?P<e>[\w.+\-']+@[\w\-]+(?:\.[\w\-]+)+)\s+(?P<k>replied|emailed|wrote back|wrote|responded|called)\b",
        m.text,
    )
    if em:  # "sales@initech.com replied, they want a call"
        return ("call" if em.group("k") == "called" else "email"), em.end(), {}, None
    # "yesterday I had lunch with Tom": a leading date is when it happened
    lead_span = next((s for s in m.spans if s.start == 0), None)
    off = 0
    if lead_span is not None:
        gap = rc.match(r"[\s,:\-]*", m.low[lead_span.end :])
        off = lead_span.end + (gap.end() if gap else 0)
    lm = _LOG_START.match(m.low[off:])
    if lm is None:
        off, lead_span = 0, None
        lm = _LOG_START.match(m.low)
    subject: Slots = {}
    if lm:
        cue = next(
            g
            for g in (
                lm.group(k)
                for k in ("k1", "k2", "k3", "k5", "k6", "k8n", "k9", "k10", "k11", "k12", "k13", "k16")
            )
            if g
        )
        kind = "note" if lm.group("k16") else kind_of(cue)
        pos = off + lm.end()
        of_mtg = (
            rc.match(
                rf"\s*(?:(?:today's|todays|yesterday's|yesterdays|this morning's|the|our|my|a)\s+)?{_LOG_ADJ}*(?P<n>{_LOG_NOUN})\b",
                m.low[pos:],
            )
            if lm.group("k6") and rc.search(r"\b(?:from|on|of)\s*$", m.low[:pos])
            else None
        )
        if of_mtg and of_mtg.group("n") not in ("note", "message", "text", "email", "e-mail", "dm"):
            # "notes from today's QBR w/ Fjord Seafood": the notes record that meeting
            kind = kind_of(of_mtg.group("n"))
            when = next((s for s in m.spans if pos <= s.start < pos + of_mtg.end()), None)
            lead_span = lead_span or when
            pos += of_mtg.end()
        if lm.group("k5") and rc.match(
            r"(?:check in|catch up|sync|touch base|follow up)\b(?!\s+(?:call|meeting|email|demo|chat|sync|session))",
            m.low[off:],
        ):
            return None  # "check in with Massive Dynamic after Thanksgiving": said as a to-do
        if lm.group("k5"):
            # "call with Jane tomorrow at 3" is a plan, not a record.
            # a run-on ("call with andrzej today they are interested … follow up tuesday"): the header ends where
            # a clause about them, or the follow-up, starts
            hdr_end = rc.search(
                r"[,;:.!?]|\s[-–—]\s|\s(?=(?:they|she|he)\s+(?:are|were|is|was|want|wants|need|needs|said|asked|liked|"
                r"loved|agreed|seem|seemed|confirmed)\b|(?:follow[\s\-]?up|f/u)\b)|$",
                m.low[pos:],
            )
            hdr_stop = pos + (hdr_end.start() if hdr_end else 0)
            hs = m.spans_in(0, hdr_stop)
            # A plan ("call with Jane tomorrow at 3") unless the header says it happened ("went well",
            # "at 9am today" when it is already 10).
            done = bool(
                rc.search(r"\b(?:went|was|were|had|said|loved|agreed|asked|wanted)\b", m.low[:hdr_stop])
            )
            ahead = [s for s in hs if _is_ahead(m, s)]
            if (
                ahead
                and all(_BARE_WEEKDAY.fullmatch(s.text.lower()) for s in ahead)
                and _news_after(m.low[hdr_stop:])
            ):
                done = True  # "lunch w/ Tom on monday, talked expansion": told in the past, so last Monday
            if ahead and not done and _told_today(m, ahead, hdr_stop):
                done = True  # "call w/ Elif at 2pm today — pricing pushback, they want 15% off"
            if rc.match(r"^(?:schedule|book|set up|setup|arrange)", m.low) or ahead and not done:
                return None
        if kind == "note" and lm.group("k6") and rc.match(r"^notes?\s*$", m.low):
            return None
        if kind == "call" and rc.match(r"^(?:i\s+)?(?:reached out|connected|followed up)\b", m.low):
            kind = kind_of(m.low) if rc.search(r"\b(?:email|e-mail|ping|text|messag)\w*", m.low) else "call"
    else:
        sm = _SUBJECT_LOG.match(m.text)
        if not sm:
            return None
        kind = kind_of(sm.group("k"))
        if sm.group("k").startswith(("got back", "reached out", "replied", "wrote", "responded")):
            kind = kind_of(m.low) if rc.search(r"\b(?:call|phone|rang)\w*", m.low) else "email"
        who = sm.group("who")
        if (
            who.lower() in ("i", "we", "she", "he", "they")
            or who.islower()
            and who.split()[0] not in FIRST_NAMES
        ):
            return None
        subject["contact"] = who
        if sm.group("co") or sm.group("co2"):
            subject["company"] = sm.group("co") or clean(sm.group("co2"))
        pos = sm.end()
        pos += len(rc.match(r"\s*(?:me|us|back|her|him|them)?(?:\s+back)?", m.low[pos:]).group(0))  # type: ignore[union-attr]
    return kind, pos, subject, lead_span


# The customer's own calendar ("decision in Q1", "budget resets in Jan", "she's back on the 30th") is
# something they said, not something for the rep to do by then.
_TIMELINE = rc.compiled(
    r"\b(?:decision|decide[sd]?|deciding|budgets?|budgeting|switch\w*|moving|migrat\w*|back|out|ooo|away|vacation|"
    r"leave|holiday|launch\w*|go[\s\-]?live|fiscal|fy|freeze|hiring|reorg|board|audit|year[\s\-]?end|"
    r"expires?|expiring|ends|ending|starts?|starting|begins?|beginning|rollout|roll out|implement\w*|"
    r"planning|plans? to|won't|wont|not ready|not until|earliest|maybe|might|could|probably|likely|hopefully)\b"
)
_VAGUE_DATE = rc.compiled(
    r"^(?:(?:in|during|by|for|around|until|till|before|after)\s+)?(?:(?:early|late|mid|end of|start of|the end of)[\s\-]+)?"
    r"(?:q[1-4]|h[12]|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*|next (?:year|quarter)|"
    r"this (?:year|quarter))(?:\s+\d{4})?$"
)


_TO_DO = rc.compiled(
    r"\b(?:reach(?: back)? out|send|call|email|ping|prepare|prep|draft|share|schedule|book|follow|circle back|"
    r"check in|get back|set up|review|deliver|text|touch base|chase|confirm|f/u)\b"
)


# A clause that says what we do next: "follow up friday with…", "send the deck", "and i need to send him…"
_TODO_LEAD = rc.compiled(
    r"(?:(?:and|then|so|also|pls|please|oh and)\s+)*"
    # "remind me monday 9am to send it", "remind me eod to…": a reminder asked for, whatever comes between
    r"(?:(?:can you\s+|could you\s+)?(?:remind|nudge) me\b|"
    r"(?:(?:(?:i|we)\s+)?(?:need|have|got|will|want|plan|should|must)\s+to\s+|(?:i|we)(?:'ll|’ll|\s+will|\s+should)\s+"
    r"|remind me to\s+|next steps?\s*[:\-]?\s*|to do\s*[:\-]?\s*|todo\s*[:\-]?\s*|action\s*[:\-]?\s*"
    # "no answer, will try again Sunday": a clause with no subject after a report is the rep's own next step
    r"|will\s+|gonna\s+|going to\s+)?"
    r"(?:follow(?:ing)?[\s\-]?up|f/u|send|call|email|ping|prepare|prep|draft|share|schedule|book|circle back|check in|"
    r"get back|set up|deliver|reach(?: back)? out|touch base|chase|confirm|try (?:again|(?:her|him|them) again|back)|retry)\b)"
)


def _todo_start(m: Msg, rest_start: int) -> int | None:
    """Where, after the first clause of the report, the part that says what to do next begins."""
    clauses = split_clauses(m.low[rest_start:], rest_start)
    for cs, _ce in clauses[1:]:
        if _TODO_LEAD.match(m.low, cs):
            # "and i need to …" split after "and": cut before the joining word too
            back = rc.search(r"(?:[,;.!?]+\s*|\s+(?:and|then|so|plus)\s+)$", m.low[rest_start:cs])
            return rest_start + back.start() if back else cs
    return None


# The rep's own next step said outright: it makes a follow-up whatever else the clause says
_REP_CUE = rc.compiled(
    r"\bfollow(?:ing)?[\s\-]?up\b|\bf/u\b|\bnext steps?\b|\bremind me\b|\bcircle back\b|\bpromised\b|\bwill send\b"
    r"|\b(?:i|we)(?:'ll|’ll|\s+will|\s+need|\s+have|\s+got|\s+must|\s+should)\b"
)
# News about the customer, told with a date: what they are doing (leaving, signing, deciding, replying,
# confirming), not what they ask of us ("she wants a demo next Tuesday" stays a follow-up)
_THEIR_NEWS = rc.compiled(
    r"^(?:(?:and|but|so|plus|also)\s+)?(?:(?:she|he|they|it|the\s+customer|the\s+client|(?:our\s+|their\s+|the\s+)?champion"
    r"(?:\s+\([^)]*\))?)(?:'s|'re|'ll|’s|’re|’ll|\s+is|\s+are|\s+will|\s+was|\s+were|\s+has|\s+have|\s+said|\s+says"
    r"|\s+confirmed|\s+mentioned|\s+told us|\s+plans?|\s+hopes?|\s+expects?)?\s+"
    r"(?!(?:want|wants|wanted|need|needs|needed|asked|ask|requested|request|would\s+like|'d\s+like|like|expect|expects)\b)"
    r"|(?:the\s+)?(?:decision|signature|signing|go[\s\-]?live|kick[\s\-]?off(?!\s+(?:mtg|meeting|call))|po|purchase\s+order)\b"
    # "texted Sam to confirm tomorrow's meeting": the message's purpose, already done
    r"|to\s+(?:confirm|reconfirm)\b"
    # "…and will decide by the end of the month", "prefers calls after 3pm": their side, subject understood
    r"|will\s+(?:decide|sign|confirm|reply|respond|let\s+us\s+know|get\s+back|come\s+back|revert|approve)\b"
    r"|(?:prefers|likes|hates|is\s+(?:out|away|off|back))\b)"
)


def _timeline_only(m: Msg, s: DateSpan, clause: tuple[int, int]) -> bool:
    """A date in a clause that says when something happens on their side, with nothing for us to do."""
    text = m.low[clause[0] : clause[1]]
    lead = rc.sub(r"^[\s,;:.!?\-–—]+", "", text)
    if (
        not _REP_CUE.search(text)
        and not _ACTION.match(lead)
        and _THEIR_NEWS.match(lead)
        # "he confirmed the demo for Tuesday 2pm": a meeting with us on the calendar is ours to attend (but
        # "texted Sam to confirm tomorrow's meeting" was the confirming, done)
        and (
            rc.match(r"to\s+(?:confirm|reconfirm)\b", lead)
            or not rc.search(
                r"\b(?:demo|call|meeting|mtg|visit|onsite|lunch|dinner|workshop|kickoff)\b", text
            )
        )
    ):
        return True
    if (
        _ACTION.match(text)
        or _TO_DO.search(text)
        or rc.search(
            r"\bfollow(?:ing)?[\s\-]?up\b|\bnext steps?\b|\bremind me\b|\b(?:need|needs|have|has|got) to\b|\bi'll\b|"
            r"\bwe'll\b|\bwill send\b|\bpromised\b|\bcircle back\b|\bget back to\b",
            text,
        )
        or rc.search(r"\b(?:by|due|before|no later than)\s*$", m.low[max(0, s.start - 16) : s.start])
        or rc.match(r"(?:by|due|before)\b", s.text.lower())
    ):
        return False
    # "they want a pilot in Q1": a wish with a month or quarter is their plan; with a day it is a follow-up
    if _VAGUE_DATE.match(s.text.lower().strip()):
        return True
    if _FOLLOW_CUE.search(text):
        return False
    return bool(_TIMELINE.search(text))


def _follow_rank(m: Msg, s: DateSpan, clause: tuple[int, int] | None) -> int:
    """How surely a dated clause is the rep's next step: an instruction beats a wish, a day beats a month."""
    if not clause:
        return 0
    text = m.low[clause[0] : clause[1]]
    rank = 0
    if _ACTION.match(m.low[clause[0] :]) or rc.search(
        r"\bnext steps?\b|\bremind me\b|\b(?:need|have|got) to\b|\bi'll\b|\bwe'll\b|\bf/u\b|\bfollow[\s\-]?up\b",
        text,
    ):
        rank = 3
    elif _FOLLOW_CUE.search(text):
        rank = 2
    if _VAGUE_DATE.match(s.text.lower().strip()):
        rank -= 1
    return rank


def _add_report(m: Msg, slots: Slots, rest_start: int, summary: str) -> None:
    """What a report says after its header: the summary, when it happened if it says, and a follow-up."""
    if summary:
        slots["summary"] = summary
    past = next((s for s in m.spans if s.is_past_word or s.is_today_word), None)
    if past is not None:
        slots["occurred_at"] = resolve_when(m, past, "past")
    fu = _follow_up(m, rest_start, past, summary)
    if fu:
        slots["follow_up"] = fu


def _follow_up(m: Msg, rest_start: int, occurred: DateSpan | None, summary: str) -> Slots:
    """A future date after the header (with what is due then), or an explicit follow-up cue."""
    fu: Slots = {}
    clauses = split_clauses(m.low[rest_start:], rest_start)
    candidates: list[tuple[DateSpan, str, tuple[int, int] | None]] = []
    for s in m.spans:
        if s is occurred or s.start < rest_start or s.is_past_word:
            continue
        if rc.search(r"\b(?:until|till|thru|through)\s*$", m.low[max(0, s.start - 9) : s.start]) or rc.match(
            r"(?:until|till)\b", s.text
        ):
            continue  # "budget freeze until January" is how long, not when to follow up
        due = resolve_when(m, s, "future")
        if due:
            clause = next(((cs, ce) for cs, ce in clauses if cs <= s.start < ce), None)
            if clause and _timeline_only(m, s, clause):
                continue
            if (
                s.is_today_word
                and not s.has_time
                and not (
                    clause
                    and (
                        _FOLLOW_CUE.search(m.low[clause[0] : clause[1]])
                        or _TO_DO.search(m.low[clause[0] : clause[1]])
                    )
                )
            ):
                continue  # "using spreadsheets today" says how things are, not when to follow up
            candidates.append((s, due, clause))
    if candidates:
        # Several dates: the one next to something to do ("need to send ROI calc by Thursday") beats the
        # customer's own timeline ("decision by end of month").
        s, due, clause = min(candidates, key=lambda c: -_follow_rank(m, c[0], c[2]))
        if clause:
            title = _follow_title(m, clause[0], clause[1], s)
            if title:
                fu["title"] = title
        fu["due"] = due
        return fu
    if summary:
        for cs, ce in split_clauses(m.low[rest_start:], rest_start):
            lead = rc.sub(r"^[\s,;:.!?\-–—]+", "", m.low[cs:ce])
            if _THEIR_NEWS.match(lead) and not _REP_CUE.search(lead):
                continue  # "she'll get back to us after Thanksgiving": their next step, not ours
            if _OWN_NEXT_STEP.search(m.low[cs:ce]) or (
                _TO_DO.search(m.low[cs:ce])
                and rc.search(r"\bwhen (?:she|he|they)\S* (?:is |are |gets? )?back\b", m.low[cs:ce])
            ):
                title = _follow_title(m, cs, ce, None)
                back = rc.search(
                    r"\b(?:then|that day|on that day|after that|that week)\b|\bafter\s*$"
                    r"|\bwhen (?:she|he|they)(?:'s|'re| is| are| gets?) back\b",
                    m.low[cs:ce],
                )
                earlier = [s for s in m.spans if s.end <= cs and not s.is_past_word]
                if back and earlier:  # "he's out till Dec 1. follow up then": the date said before
                    due = resolve_when(m, earlier[-1], "future")
                    if due:
                        fu["due"] = due
                    title = tidy(
                        rc.sub(
                            r"\b(?:then|(?:on\s+)?that day|after that|that week|after|when (?:she|he|they)\S* (?:is |are |gets? )?back)\b",
                            " ",
                            title,
                        )
                    )
                # "she asked for Ann": someone asked for is not a thing to follow up on.
                if title and not fu.get("due") and person_like(title, default=False):
                    break
                if title:
                    fu["title"] = title
                break
    return fu


def rule_log(m: Msg) -> Result | None:
    if EMAIL.search(m.text) and rc.search(
        r"\b(?:please\s+|pls\s+)?add\s+[A-Z][\w'\-]+\s+[A-Z]|\b(?:add|save|create)\s+(?:her|him|them)\b",
        m.text,
    ):
        return None  # "met someone at the conference - please add Gloria Chen, …": a new contact
    special = _log_special(m)
    if special:
        return special
    cue = _cue(m)
    if cue is None:
        return None
    kind, pos, subject, lead_span = cue
    slots: Slots = {"kind": kind}
    if subject:
        slots.update(subject)
        p = pos
    else:
        hdr, p = _log_header(m, pos, kind)
        slots.update(hdr)
    # "on Slack", "via LinkedIn", "over the phone": the medium, which can also tell the kind
    via = rc.match(
        r"\s*(?:on|via|over|through|by)\s+(?:the\s+)?(?P<v>slack|linkedin|whatsapp|text|sms|signal|telegram|imessage|"
        r"teams|zoom|google meet|meet|phone|email|e-mail)\b",
        m.low[p:],
    )
    if via:
        p += via.end()
        medium = via.group("v")
        if medium in ("slack", "linkedin", "whatsapp", "text", "sms", "signal", "telegram", "imessage"):
            if kind in ("call", "message") and not rc.search(r"\bcall", m.low[:pos]):
                slots["kind"] = kind = "message"
        elif medium in ("email", "e-mail") and kind in ("call", "message"):
            slots["kind"] = kind = "email"
        elif medium == "phone" and kind in ("meeting", "message"):
            slots["kind"] = kind = "call"
    # a date phrase right after the header says when it happened
    occurred: DateSpan | None = lead_span or next(
        (s for s in m.spans if pos <= s.start < p and (s.is_past_word or s.is_today_word)), None
    )  # "lunch today w/ the team from …": the date inside the header
    while True:
        gap = rc.match(r"\s*(?:,\s*)?(?:on|at|this|earlier|last)?\s*", m.low[p:])
        q = p + (gap.end() if gap else 0)
        here = [s for s in m.spans if s.start <= q < s.end or s.start == q]
        if not here:
            break
        occurred = occurred or here[0]
        p = here[0].end
        company, cend = ("", p) if "company" in slots else company_after(m, p)
        if company and rc.match(r"\s*(?:,\s*)?(?:at|from|@)", m.low[p:]):
            slots["company"] = company
            p = cend
    if "company" not in slots and "contact" in slots:
        company, cend = company_after(m, p)
        if company and rc.match(r"\s*(?:at|from|@|\()", m.low[p:]):
            slots["company"] = company
            p = cend
    # the rest of the header clause: a date in it says when ("at the conference on Nov 10")
    stop = _header_stop(m, p)
    if m.text[p - 1 : p] == "." and rc.match(r"\s+[A-Z]|\s*$", m.text[p:]):
        stop = (
            p  # "…at Atlantic Seafoods Ltd. He wants…": the abbreviation's full stop also ends the sentence
        )
    in_header = [
        s
        for s in m.spans
        if p <= s.start < stop
        # "to confirm thursday's onsite": the day of another meeting, not when this one happened
        and m.low[s.end : s.end + 2] not in ("'s", "’s")
        and not rc.search(r"\b(?:by|until|till|due|before)\s*$", m.low[max(0, s.start - 8) : s.start])
        and not rc.match(r"(?:by|until|till|due|before)\b", s.text)
        and not rc.search(
            r"\b(?:next|tomorrow|coming|in\s+\w+\s+(?:day|week|month)s?|within|from now)\b", s.text
        )
        # "moving to a new system in Jan": a month or quarter on its own is their plan, not when we spoke
        and not _VAGUE_DATE.match(s.text.lower().strip())
    ]
    if occurred is None and in_header:
        occurred = in_header[0]
    if (
        in_header
        and stop < len(m.low)
        and not rc.match(r"\s*(?:about|re|regarding|to discuss|on the)\b", m.low[p:])
    ):
        p = stop
    rest_start = p
    rm = rc.match(
        r"[\s,;:.!\-–—]*(?:(?:an?|the)\s+(?:quick\s+|short\s+)?(?:email|e-mail|text|message|dm|note|line|ping|call)\s+)?"
        r"(?:(?:about|re|regarding|to discuss|discussing|on|and|for|with|—|-)\s*[:\-]?\s+)?",
        m.low[p:],
    )
    if rm:
        rest_start = p + rm.end()
    summary = tidy(m.text[rest_start:])
    if summary and not rc.fullmatch(r"[\W_]*", summary):
        if slots.get("summary") and rc.fullmatch(
            r"(?:procurement|legal|finance|it|security|team|folks|ops|engineering|leadership|board|purchasing|hr|"
            r"marketing|sales|people)(?:\s+team)?",
            summary.lower(),
        ):
            summary = slots["summary"]  # "emailed pricing to Hooli procurement": what was sent is the subject
        slots["summary"] = summary
    # when: the header's date, else any past-sounding date in the message
    if occurred is None:
        for s in m.spans:
            if s.is_past_word:
                occurred = s
                break
    if occurred is not None:
        got = resolve_when(m, occurred, "past")
        if got and got[:10] <= m.now.date().isoformat():
            slots["occurred_at"] = got  # a later day ("is leaving end of month") is not when it happened
    fu = _follow_up(m, rest_start, occurred, summary)
    if fu:
        slots["follow_up"] = fu
        cut = _todo_start(m, rest_start)
        if cut is not None and "summary" in slots:
            kept = tidy(m.text[rest_start:cut])
            if rc.search(r"(?i)\b(?:a|an|the|to|for|on|with|want|wants|need|needs|asked|requested)$", kept):
                # cut there, the summary would end mid-phrase: "he loved it. wants a" keeps "he loved it";
                # "they want a follow-up call on Jan 8", one clause, stays whole
                head = rc.split(r"[,.;]\s+", kept)
                kept = tidy(" ".join(rc.findall(r".*[,.;](?=\s)", kept))[:-1]) if len(head) > 1 else ""
            if kept and not rc.fullmatch(r"[\W_]*", kept):
                slots["summary"] = (
                    kept  # "they loved it, follow up Friday with terms": what is next is not the summary
                )
    _summary_from_context(m, slots)
    if "contact" not in slots and slots.get("kind") == "meeting" and "company" in slots:
        # "site visit to Dangote Cement on Monday, met Fatima and the ops team": who was met at the company
        met = rc.search(r"\bmet\s+(?:with\s+)?(?P<n>[A-Z][\w'\-]+(?:\s+[A-Z][\w'\-]+)?)", m.text[rest_start:])
        if met and (
            person_like(met.group("n"), default=False) or met.group("n").split()[0].lower() in FIRST_NAMES
        ):
            slots["contact"] = met.group("n")
    conf = 0.9 if ("contact" in slots or "company" in slots) else 0.75
    return "log_interaction", conf, slots


_VOICEMAIL = rc.compiled(
    r"\b(?:left (?:a |another )?(?:voicemail|vm|voice ?mail|voice message)|no answer|didn't pick up|went to voicemail)\b",
    re.I,
)


def _summary_from_context(m: Msg, slots: Slots) -> None:
    """A log with nothing after its header can still say something: the message quoted before "log that as
    …", or the call's outcome ("left a voicemail")."""
    if "summary" in slots:
        return
    li = rc.search(r"\blog (?:this|that|it)\b", m.low)
    if li and li.start() > 0:
        quoted = m.text[: li.start()]
        by = _SAID_BY.search(quoted)
        if by and by.start() > 0:
            quoted = quoted[: by.start()]  # "…revert by Friday\nthat's from Kofi": the sender is not the text
        before = rc.sub(
            r"^(?:from\s+@?[UW][A-Z0-9]+\s*:|[^:\n]{1,40}\bwrote:)\s*",
            "",
            quoted.strip(),
            flags=re.I,
        )
        before = tidy(
            rc.sub(r"^\s*(?:hi|hello|hey|dear)\b[^,\n]{0,20},\s*", "", before, flags=re.I) or before
        )
        if before:
            slots["summary"] = before
            return
    vm = _VOICEMAIL.search(m.text)
    if vm:
        slots["summary"] = vm.group(0)
