"""Contacts: ``create_contact``, ``update_contact`` and ``find_contact`` (and ``/crm contact …``)."""

from __future__ import annotations

import re

from . import rx as rc
from .base import (
    GENERIC_PLACE,
    UNCASED,
    Msg,
    Result,
    Slots,
    blank,
    company_like,
    lifecycle_in,
    name_at,
    person_like,
    tidy,
)
from .text import COMPANY_SUFFIX, EMAIL, ENDS_IN_LEGAL_FORM, first_clause, phones, role_title
from .vocab import FIRST_NAMES, LIFECYCLE_WORDS, ROLE_WORDS

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
    value = tidy(value)
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
        # "new title CIO, new email …": the next field's change is not part of this one
        value = tidy(
            rc.split(
                rf"\s*[,;]\s*(?:and\s+)?(?:(?:her|his|their|the)\s+)?(?:new\s+)?(?:{_FIELD})\b",
                value,
                maxsplit=1,
                flags=re.I,
            )[0]
        )
        # "he's Director of IT, not a manager": the value said as a sentence, with what it replaces
        value = rc.sub(
            r"^(?:(?:she|he|they)(?:'s|'re|\s+is|\s+are)|it's|it\s+is)\s+(?:now\s+)?(?:the\s+|an?\s+)?",
            "",
            value,
            flags=re.I,
        )
        value = (
            rc.sub(
                r"\s*(?:,|\s[-–—])?\s+(?:not|rather than|instead of|no longer)\s+.*$", "", value, flags=re.I
            )
            or value
        )
        # "her title is CFO now": when it changed is not part of the title
        slots[key] = rc.sub(
            r"(?<=\S)\s+(?:now|as of today|from now on|going forward)$", "", value, flags=re.I
        )


def contact_edit_command(m: Msg, pos: int) -> Result:
    rest = m.text[pos:]
    fm = rc.search(rf"\s(?:{_FIELD})\b\s*[:=]?\s*(?:to\s+|is\s+)?", " " + rest, re.I)
    slots: Slots = {}
    if fm:
        contact = tidy(rest[: max(0, fm.start() - 1)])
        key = _field_key(fm.group(0).strip(" :="))
        value = rest[fm.end() - 1 :]
        if key:
            _field_value(key, value, slots)
    else:
        contact, extra = _contact_and_changes(m, pos)
        slots.update(extra)
    contact = rc.sub(r"'s$", "", contact)
    if not contact:
        return "unknown", 0.4, {}
    slots["contact"] = contact
    _fill_contact_details(m, pos, slots, overwrite=False)
    return "update_contact", 0.93, slots


def _contact_and_changes(m: Msg, pos: int) -> tuple[str, Slots]:
    name, end = name_at(m, pos)
    slots: Slots = {}
    rest = m.low[end:]
    lc = lifecycle_in(" " + rest)
    if lc:
        slots["lifecycle"] = lc
    return name, slots


_CONTACT_CREATE = rc.compiled(
    r"^(?:(?:add|create|new|save|enter|make|put in|record|log)\s+(?:a\s+|an\s+|this\s+|the following\s+)?(?:new\s+)?"
    r"(?P<k1>contact|lead|prospect|customer|client|person|person record|champion)s?\b(?:\s+contact\b)?"
    r"|(?P<k2>new)\s+(?P<k2w>contact|lead|prospect|customer|client|person)\b"
    r"|new\s*[:\-–—]\s*(?=[a-z]+\s+[a-z]+.*?[\w.+\-']+@)"
    r"|(?P<k3w>lead|contact|prospect|customer)\s*(?=[:\-–—])"
    r"|(?P<k5w>contact|lead|prospect)\s+(?:from|at|via|met at)\s+[^:,;]{1,40}?:\s*(?=[^\W\d_]+\s+[^\W\d_]+)"
    r"|(?:got|have|met|there's|theres)\s+(?:a\s+)?new\s+(?P<k4w>lead|contact|prospect|customer|client)\s*(?=[,:\-–—])"
    r"|(?:add|save|put)\s+(?=[A-Za-z][\w'\-]+(?:\s+[A-Za-z@][\w'.\-@]+){0,4}(?:\s+\([^)]*\))?\s+(?:to|into|in)\s+(?:the\s+|our\s+)?(?:crm|contacts|contact list|address book)\b)"
    r"|(?:add|save)\s+(?=[A-Za-z][\w'\-]+(?:\s+[A-Za-z][\w'&.\-]+){0,7}\s*(?:,|\(|<|\s)\s*[\w.+\-']+@)"
    r"|(?:add|save)\s+(?=[A-Za-z][\w'\-]+(?:\s+[A-Za-z][\w'\-]+){0,3}\s*(?:,|\(|<|\s)\s*(?:[\w.+\-']+@|\+?\d[\d\s().\-]{6,}|(?:as|to)\s+(?:a\s+)?(?:new\s+)?(?:contact|lead|prospect|customer)|(?:the\s+)?(?:[\w\-]+\s+){0,3}(?:of|at|from)\s+[A-Z]))"
    r")\s*[:,;\-–—]?\s*"
)


def _fill_contact_details(m: Msg, pos: int, slots: Slots, *, overwrite: bool) -> None:
    text = m.text[pos:]
    em = EMAIL.search(text)
    if em and (overwrite or "email" not in slots):
        slots["email"] = em.group(0)
    ph = phones(text)
    if ph and (overwrite or "phone" not in slots):
        slots["phone"] = ph[0][2]


_LABEL = rc.compiled(
    r"\b(name|e-?mail|phone|mobile|cell|company|org|organi[sz]ation|title|role|position|lifecycle|stage)\s*[:=]\s*",
    re.I,
)


def _labelled_card(m: Msg, pos: int, lifecycle: str | None) -> Result | None:
    """ "name: Sam Rivera email: sam@pied.com company: Pied Piper" (one field a line, as pasted)."""
    labels = list(_LABEL.finditer(m.text, pos))
    if not labels or labels[0].group(1).lower() != "name":
        return None
    slots: Slots = {}
    for i, lm in enumerate(labels):
        stop = labels[i + 1].start() if i + 1 < len(labels) else len(m.text)
        value = tidy(m.text[lm.end() : stop])
        key = lm.group(1).lower()
        if key == "name":
            slots["name"] = value
        else:
            field = _field_key(key)
            if field:
                _field_value(field, value, slots)
    if lifecycle and "lifecycle" not in slots:
        slots["lifecycle"] = lifecycle
    return ("create_contact", 0.9, slots) if slots.get("name") else None


def _company_like_word(w: str) -> bool:
    return company_like(w) or w.lower() in ROLE_WORDS


def create_contact_from(m: Msg, pos: int, *, lifecycle: str | None) -> Result:
    card = _labelled_card(m, pos, lifecycle)
    if card:
        return card
    slots: Slots = {}
    rel = rc.match(
        r"[\w'.\-]+'s\s+(?:colleague|coworker|co-worker|boss|manager|assistant|ea|deputy|counterpart|peer)\s+",
        m.low[pos:],
    )
    if rel:  # "add Hana's colleague Ken Ito": the new contact is Ken
        pos += rel.end()
    em = EMAIL.match(m.text, pos)
    if em:  # "new contact jane@acme.com Jane Doe"
        pos = em.end()
        pos += len(rc.match(r"[\s,;:\-]*", m.text[pos:]).group(0))  # type: ignore[union-attr]
    name, end = name_at(m, pos)
    if not name:
        return "unknown", 0.35, {}
    words = name.split()
    particles = {"de", "van", "von", "da", "del", "di", "la", "le", "du", "der", "dos", "bin", "al"}
    later_company = rc.match(r"\s*,\s*[^,;]{0,40}?\s(?:at|@|from|of)\s+[A-Z]", m.text[end:])
    if (
        len(words) >= 3
        and not (len(words) == 3 and later_company and not _company_like_word(words[2]))
        and not any(w.lower() in particles for w in words)
        and not rc.fullmatch(r"[A-Z]\.?", words[1])
        and not (
            len(words) == 3
            and (words[1].lower() in FIRST_NAMES or rc.match(r"\s+(?:at|from|@)\s", m.text[end:]))
            and words[2].lower() not in ROLE_WORDS
        )  # "María José Herrera at Telefónica", "Jean Luc Picard"
        and (
            words[0].lower() in FIRST_NAMES
            or any(w.lower() in ROLE_WORDS for w in words[2:])
            or len(words) >= 4
        )
    ):
        # "Dana Scully Cyberdyne (617) …", "Tom Baker CTO at Globex": a first and last name, then the rest
        name = " ".join(words[:2])
        end = m.text.index(words[1], pos) + len(words[1])
        words = words[:2]
    for i, w in enumerate(words[1:], 1):
        if w.isupper() and w.lower() in ROLE_WORDS or w in ("VP", "SVP", "EVP", "Head", "Director"):
            # "Tom Baker CTO Globex": the name stops where the job title starts
            name = " ".join(words[:i])
            end = m.text.index(w, pos) - 1
            break
    slots["name"] = name
    _fill_contact_details(m, end, slots, overwrite=True)
    if em and "email" not in slots:
        slots["email"] = em.group(0)
    rest = m.text[end:]
    rest_low = rest.lower()
    # "add Tomasz Nowak to contacts. Tomasz Nowak | Head of IT | …": the name said again is not a company
    title, company = _title_company(rest.replace(name, " "), lower=m.typed_lower)
    if title:
        slots["title"] = title
    if company:
        slots["company"] = company
    bare_lc = rc.search(
        r"(?:^|[,;(\-–—]\s*)(prospect|lead|customer|client|loyal|advocate)\s*(?:[,;).!]|$)", rest_low
    )
    lc = (
        lifecycle
        or lifecycle_in(" " + rest_low)
        or (LIFECYCLE_WORDS.get(bare_lc.group(1)) if bare_lc else None)
    )
    if not lc and company:
        # "… Capgemini SE prospect": a lifecycle word closing the card, after the company
        end_lc = rc.search(
            rf"{re.escape(company.lower())}\s+(prospect|lead|customer|client)\s*[.!]?$", rest_low
        )
        lc = LIFECYCLE_WORDS.get(end_lc.group(1)) if end_lc else None
    if lc:
        slots["lifecycle"] = lc
    return "create_contact", 0.9, slots


_DEPARTMENTS = (
    r"sales|marketing|procurement|purchasing|engineering|product|operations|ops|finance|it|hr|people|growth|"
    r"partnerships|design|data|security|legal|customer success|revenue|strategy|technology|talent|research|"
    r"business development|bd|infrastructure|platform|analytics|support|success|communications|comms|treasury|"
    r"compliance|risk|facilities|payroll|accounting|audit|tax|administration|admissions|nursing|clinical operations|"
    r"procurement|information technology|information security|infosec|digital|innovation|partnerships|eng|"
    r"r&d|cs|revops|rev ops|gtm|bizdev|biz dev|sales ops|ops|it ops|devops|cx|ux|pr"
)


def _title_company(rest: str, *, lower: bool = False) -> tuple[str | None, str | None]:
    """Job title and company from the words after a name: "CTO of Globex", ", VP Sales at Initech".

    ``lower``: the whole message is in lower case, so capitals cannot tell a company from other words.
    """
    title: str | None = None
    company: str | None = None
    bare: list[str] = []
    # numbers and addresses first, so that "(212)" in a phone is not read as a company
    rest = blank(EMAIL.sub(lambda e: " " * len(e.group(0)), rest), [(a, b) for a, b, _ in phones(rest)])
    for seg in rc.split(
        r"\n|(?<!\bCo\.)(?<!\bCo)(?<!\bInc\.)(?<!\bCorp\.),(?!\s*(?:Ltd|Limited|LLC|Inc)\b)|[;()|]|\s[-–—]\s|(?<=[a-z]{4})\.\s+|\s+and\s+(?=(?:her|his|their|the|she|he)\b)"
        # "safaricom plc she's head of partnerships": a new clause about her, in a card typed with no commas
        r"|\s+(?=(?:she|he|they)(?:'s|'re|\s+is|\s+are)\s)",
        rest,
    ):
        if EMAIL.search(seg) or phones(seg):
            seg = EMAIL.sub(" ", seg)
            seg = blank(seg, [(a, b) for a, b, _ in phones(seg)])
        seg = rc.sub(
            r"^\s*(?:(?:title|role|position)\s*[:=]?|is|works as|working as|(?:she|he|they)(?:'s|'re| is| are)?"
            r"(?:\s+now)?(?:\s+the|\s+a|\s+an)?)\s+",
            "",
            seg.strip(),
            flags=re.I,
        )
        # "Tidewater Bank o: +1 (212) …": the label of a number that was just taken out
        seg = rc.sub(
            r"\s+(?:(?:o|m|t|p|c|w|tel|ph|phone|mobile|cell|office|work|direct|e|email)\s*[:.]|(?:(?:her|his|their)\s+)?(?:phone|mobile|cell|e-?mail)(?:\s+(?:is|at))?)\s*$",
            "",
            seg.rstrip(),
            flags=re.I,
        )
        seg = tidy(seg)
        lc_tail = rc.search(r"\s+(?:prospect|lead|customer|client)$", seg, re.I)
        if lc_tail and (
            ENDS_IN_LEGAL_FORM.search(seg[: lc_tail.start()]) or _LEGAL_END.search(seg[: lc_tail.start()])
        ):
            seg = seg[: lc_tail.start()]  # "Capgemini SE prospect": the lifecycle is read apart
        if not seg or rc.match(
            r"(?:as|to)\s+(?:a|an|our)?\s*(?:new\s+)?(?:lead|prospect|customer|client|contact)", seg, re.I
        ):
            continue
        cm = rc.match(
            rf"(?:(?P<t>.+?)\s+)?(?P<p>at|@|from|with|works at|working at)\s+(?P<c>[A-Za-z0-9{UNCASED}].*)$",
            seg,
            re.I,
        )
        if (
            not cm
        ):  # "Director de Compras en FEMSA", "directrice achats chez Danone", "Leiter Einkauf bei Bosch"
            cm = rc.match(
                r"(?P<t>.+?)\s+(?P<p>en|chez|bei|presso|na|no|em)\s+(?P<c>[A-Z0-9][\w&.\-]*(?:\s+[A-Z0-9&][\w&.\-]*){0,3})$",
                seg,
            )
            if (
                cm
                and not role_title(cm.group("t"))
                and not rc.search(
                    r"\b(?:de|of|des|der|di|do|da|directeur|directrice|director|directora|diretor|diretora|gerente|jefe|jefa"
                    r"|responsable|responsabile|direttore|direttrice|leiter|leiterin|chef|cheffe|head)\b",
                    cm.group("t"),
                    re.I,
                )
            ):
                cm = None
        if not cm:
            cm = rc.match(rf"(?P<t>.+)\s+of\s+(?!(?i:{_DEPARTMENTS})\b)(?P<c>[A-Z0-9].*)$", seg)
        if cm:
            t = cm.group("t")
            if t and rc.fullmatch(
                r"(?:(?:she|he|they)\s+)?(?:now\s+)?(?:works|working|is|is now|now|based|employed|currently)",
                t,
                re.I,
            ):
                t = None  # "works at Eko Logistics"
            rt = role_title(t) if t else None
            if (
                t
                and not rt
                and not title
                and not rc.search(r"\d", t)  # "555-12 at Hooli": a number is no title
                and cm.groupdict().get("p", "").lower()
                in ("at", "@", "en", "chez", "bei", "presso", "na", "no", "em")
                and cm.group("c")[:1].isupper()
                and len(t.split()) <= 4
                and not rc.search(
                    r"\b(?:is|was|met|meet|meeting|lunch|dinner|coffee|call|she|he|they|we|i|works?|working|based|"
                    r"currently|now|the|a|an|our|my|her|his|their|contact|person|someone|guy|lady|friend)\b",
                    t,
                    re.I,
                )
            ):
                rt = tidy(
                    t
                )  # "purchasing at Hansa GmbH", "gerente de compras at Grupo Tlaloc": a title as written
            if rt or not t:
                if rt and not title:
                    title = rt
                if not company:
                    company = _company_clean(cm.group("c")) or None
                continue
        if (
            rc.search(r"\s(?:llc|inc|ltd|corp|gmbh|plc|llp|co|ag|sa|as|bv|pty)\.?$", seg, re.I)
            or ENDS_IN_LEGAL_FORM.search(seg)
            or _LEGAL_END.search(seg)
        ) and not company:
            company = seg  # "Meridian Partners LLC": a legal suffix makes it the company, whatever its words
            continue
        whole = role_title(seg)
        if (
            whole
            and whole.lower() == seg.lower()
            and (seg.split()[-1].lower() in ROLE_WORDS or company or bare)
            and not title
        ):
            # "Account Director" is one title, not a company and a role; so is "VP Enterprise" once the card
            # has named its company ("Abdullah Al-Qahtani - STC - VP Enterprise")
            title = whole
            continue
        split = _role_then_company(seg, lower=lower) or _company_then_role(seg)
        if split and not title:
            title, company = split[0], company or split[1]
            continue
        rt = role_title(seg)
        if rt and not title:
            title = rt
        elif (
            not rt
            and not company
            and rc.fullmatch(r"[a-z0-9][\w\-]*\.(?:io|com|ai|co|net|org|app|dev|tech)", seg)
        ):
            company = seg  # "- CTO - brightpath.io": a domain names the company
        elif not rt and not company and rc.fullmatch(r"[A-Z0-9][\w&.\-]*(?:\s+[A-Z0-9&][\w&.\-]*){0,3}", seg):
            bare.append(seg)
        elif (
            not rt
            and not company
            and rc.fullmatch(r"[a-z0-9][\w&.\-]*(?:\s+[\w&.\-]+){0,2}", seg)
            and (lower or seg.split()[-1].rstrip(".") in COMPANY_SUFFIX)
            and not lifecycle_in("is " + seg)
            and not rc.search(r"\b(?:her|his|their|email|phone|number|is|was)\b", seg)
        ):
            bare.append(seg)  # "acme corp" typed in lower case
    if not company and bare:
        company = bare[0]
    return title, company


# Legal forms that end (or, for Indonesia's PT, start) a company's name, read only in their written case:
# "Capgemini SE", "Safaricom PLC"/"safaricom plc", "PT Bank Central Asia Tbk", "Natura &Co", "Nokia Oyj"
_LEGAL_END = rc.compiled(
    r"\s(?:SE|(?i:plc|tbk|oyj|oy|asa|ab|kk|nv|spa|srl|sas|sarl|ltda|pte|bhd|s\.?a\.?s?)\.?|&\s?Co\.?)$|^PT\s+[A-Z]\w*(?:\s+[A-Z]\w*){0,4}$"
)


def _company_then_role(seg: str) -> tuple[str, str] | None:
    """ "tyrell corp head of it" -> ("head of it", "tyrell corp"): a name, then a job title."""
    words = seg.split()
    for i in range(1, len(words)):
        w = words[i].lower()
        if (w in ROLE_WORDS or w in ("vp", "svp", "evp")) and role_title(" ".join(words[i:])):
            head = " ".join(words[:i])
            modifiers = {
                "asst",
                "asst.",
                "assistant",
                "senior",
                "sr",
                "sr.",
                "jr",
                "junior",
                "regional",
                "associate",
                "deputy",
                "global",
                "national",
                "principal",
                "interim",
                "acting",
                "exec",
                "executive",
                "group",
            }
            if all(h.lower() in modifiers for h in words[:i]):
                return None  # "Asst. Regional Manager" is all title
            if not role_title(head) and not rc.search(r"\b(?:is|was|the|a|an|our|her|his)\b", head, re.I):
                return " ".join(words[i:]), head
            return None
    return None


def _role_then_company(seg: str, *, lower: bool = False) -> tuple[str, str] | None:
    """ "CTO Globex" -> ("CTO", "Globex"): a run of role words, then a capitalised name."""
    words = seg.split()
    i = 0
    while i < len(words) and (
        words[i].lower().strip(".,") in ROLE_WORDS
        or words[i].lower() in ("of", "&", "and")
        or rc.fullmatch(rf"(?i:{_DEPARTMENTS})", words[i])
    ):
        i += 1
    if 0 < i < len(words) and (lower or words[i][:1].isupper()) and not role_title(" ".join(words[i:])):
        title = " ".join(words[:i])
        if role_title(title):
            return title, " ".join(words[i:])
    return None


def _company_clean(s: str) -> str:
    s = tidy(s)
    if not rc.search(r"\s(?-i:AS)$", s):  # "Fjord Seafood AS" keeps its (Norwegian) suffix
        s = rc.sub(
            r"\s+(?:(?:as|and|with|who|she|he|they|is|was|title|role|position|email|phone)\b|,"
            # "at ncell her number is …": what follows is one of her details
            r"|(?:her|his|their)\s+(?:(?:work|direct|mobile|cell|new)\s+)?(?:number|phone|email|e-mail|cell|mobile|title|role)\b).*$",
            "",
            s,
            flags=re.I,
        )
    s = rc.sub(
        r"\s+(?:to|into|in)\s+(?:the\s+|our\s+)?(?:crm|contacts|contact list|address book|system)\b.*$",
        "",
        s,
        flags=re.I,
    )
    s = rc.sub(r"\s+(?:now|too|as well|again|today|since \w+)$", "", s, flags=re.I)
    if GENERIC_PLACE.fullmatch(s.lower()):
        return ""  # "met at the expo": where, not who they work for
    return tidy(s)


# "add Chloe Martin, Marketing Director at Hooli": capitals tell the name and the company apart
# A person's name as written: "Dr. Maria Gomez", "Juan de la Cruz", "Anneke van der Berg", "Sean O'Brien"
_PERSON_HEAD = r"(?:(?:Dr|Mr|Mrs|Ms|Prof)\.?\s+)?[A-Z][\w'\-]+"
_PERSON_MORE = r"(?:\s+(?:(?:van|von|der|den|de|del|della|la|le|di|da|dos|du|ter|bin|al)\s+)*[A-Z][\w'\-]+)"
_PERSON = _PERSON_HEAD + _PERSON_MORE + "{0,3}"
_FULL_NAME = _PERSON_HEAD + _PERSON_MORE + "{1,3}"
# A company named after "at": capitalised words, and lower-case legal words ("Sony Group corporation")
_COMPANY_WORDS = (
    r"[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+(?:[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?"
    r"|(?i:corporation|corp|group|inc|ltd|llc|plc|gmbh|ag|se|sa|bank|holdings|limited)\.?)){0,3}"
)
_CONTACT_ADD_CARD = rc.compiled(
    rf"^(?i:add|save)\s+(?={_PERSON}\s*(?:,|\(|\s[-–—])\s*(?:[\w\-]+\s+){{0,3}}"
    r"(?:of|at|from|@)\s+[A-Z])"
    # "add Leo Martins (Aperture Science) - customer": a full name, then its details
    rf"|^(?i:add|save)\s+(?={_FULL_NAME}\s*(?:\(|,\s*[A-Z]|\s[-–—]\s))"
    # "add Juan de la Cruz from Cemex as a lead"
    rf"|^(?i:add|save)\s+(?={_PERSON}\s+(?:from|at|@|of)\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?){{0,2}}\s*"
    r"(?:\s(?i:as|to)\s+(?i:a\s+|an\s+|our\s+)?(?i:new\s+)?(?i:contact|lead|prospect|customer|client)s?\b"
    r"|,\s*(?i:phone|email|e-mail|tel|mobile|cell|ph)\b|,\s*\+?\d|,\s*[\w.+\-']+@))"
    # "add Yuki Tanaka at Sony Group Corporation", "…, she's the procurement lead": a full name at a company,
    # and nothing after it but the end, or her details after a comma
    rf"|^(?i:add|save)\s+(?={_FULL_NAME}\s+(?:from|at|@|of)\s+{_COMPANY_WORDS}"
    r"\s*(?:$|[,;]\s*(?:(?i:she|he|they)(?:'s|\s+is|\s+are|'re)|(?i:title|role|email|phone|mobile)\b)))"
    # "add Amira Hassan, marketing director, Fawry, amira@fawry.com": a full name, then a list of her details
    # that holds her email or phone
    rf"|^(?i:add|save)\s+(?={_FULL_NAME}\s*,[^.!?\n]{{0,90}}?(?:[\w.+\-']+@\w|\+\d[\d\s().\-]{{6,}}))"
)


_NAME_THEN_NEW = rc.compiled(
    r"^[A-Z][\w'\-]*(?:\s+[A-Z][\w'\-]*){0,2}(?:\s+(?:from|at|@|of)\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?){0,2})?"
    r"(?:\s*\([^)]{1,60}\))?\s*[-–—,:(]\s*(?:(?:is\s+)?(?:a\s+)?new|add(?:ed)?(?:\s+as)?(?:\s+a)?)\s+"
    r"(?P<w>contact|lead|prospect|customer|client)\b"
)


def rule_create_contact(m: Msg) -> Result | None:
    card = _CONTACT_ADD_CARD.match(m.text)
    if card:
        return create_contact_from(m, card.end(), lifecycle=None)
    late = rc.search(r"\b(?:please\s+|pls\s+)?(?:add|save)\s+(?=[A-Z][\w'\-]+\s+[A-Z])", m.text)
    if late and late.start() > 0 and EMAIL.search(m.text, late.end()):
        return create_contact_from(
            m, late.end(), lifecycle=None
        )  # "met someone … - please add Gloria Chen, …"
    her = rc.search(r"\b(?:add|save|create)\s+(?:her|him|them)\b", m.low)
    if (
        her
        and (
            EMAIL.search(m.text)
            or phones(m.text)
            # "Jürgen Müller, Einkaufsleiter, Bosch GmbH — please add him as a contact"
            or rc.match(
                r"\s+(?:as|to)\s+(?:a\s+|an\s+|our\s+)?(?:new\s+)?(?:the\s+)?(?:contacts?|leads?|prospects?|crm)\b",
                m.low[her.end() :],
            )
        )
    ):
        # "I met a new prospect today, Hannah Lee, she's the COO of Bluth. Can you add her? hannah@bluth.com"
        for nm in rc.finditer(r"(?<![\w@.])[A-Z][\w'\-]+(?:\s+[A-Z][\w'\-]+){1,2}", m.text[: her.start()]):
            if (
                person_like(nm.group(0), default=False)
                or nm.group(0).split()[0].lower() in FIRST_NAMES
                or (
                    nm.start() == 0 and rc.match(r",\s*[^,]+,", m.text[nm.end() :])
                )  # "Anja Berg, title, company"
            ):
                got = create_contact_from(m, nm.start(), lifecycle=None)
                if got[0] == "create_contact":
                    lc = lifecycle_in(" is " + m.low[: nm.start()]) or next(
                        (
                            LIFECYCLE_WORDS[w]
                            for w in rc.findall(r"\bnew (\w+)\b", m.low[: nm.start()])
                            if w in LIFECYCLE_WORDS
                        ),
                        None,
                    )
                    if lc and "lifecycle" not in got[2]:
                        got[2]["lifecycle"] = lc
                    return got
                break
    nn = _NAME_THEN_NEW.match(m.text)
    if nn:  # "Dana from Vandelay - new contact, dana@vandelay.com"
        word = nn.group("w").lower()
        return create_contact_from(m, 0, lifecycle=LIFECYCLE_WORDS.get(word) if word != "contact" else None)
    cm = _CONTACT_CREATE.match(m.low)
    if not cm:
        return None
    word = cm.group("k1") or cm.group("k2w") or cm.group("k3w") or cm.group("k4w") or cm.group("k5w") or ""
    lifecycle = LIFECYCLE_WORDS.get(word) if word not in ("contact", "person", "champion") else None
    if word == "champion":
        lifecycle = None
    if word == "contact" and rc.match(r"\s*(?:at|from)\b(?![^:,;]{1,40}?:)", m.low[cm.end() :]):
        return None
    pos = cm.end()
    pm = rc.match(r"(?:pls|please|plz)\b\s*[:\-–—]?\s*", m.low[pos:])
    if pm:  # "new contact pls: Jörg Wendland, …"
        pos += pm.end()
    fm = rc.match(r"(?:for|named|called)\s+", m.low[pos:])
    if fm:
        pos += fm.end()
    src = rc.match(r"(?:from|at|via|met at|met)\s+[^:,;]{1,40}?:\s*", m.low[pos:])
    if src:  # "new contact from the conference: Hana Sato, …"
        pos += src.end()
    return create_contact_from(m, pos, lifecycle=lifecycle)


_UPDATE_CONTACT = [
    # "Esther Cohen has a new email: …"
    rc.compiled(
        rf"^(?P<c>[^,:;]+?)\s+(?:has|got)\s+(?:a\s+)?(?:new|different|updated)\s+(?P<f>{_FIELD})\s*(?::|=|->|-)?\s*(?P<v>.+)$"
    ),
    # "Chidi Okeke switched email, it's chidi@zenith.ng now", "Ana changed her phone to +55 11 …"
    rc.compiled(
        rf"^(?P<c>[^,:;]+?)\s+(?:switched|changed|updated)\s+(?:(?:his|her|their)\s+)?(?P<f>{_FIELD})\b\s*(?:[,;:\-–—]\s*)?"
        r"(?:(?:it's|its|it\s+is|the\s+new\s+one\s+is|new\s+one\s+is|now|to|now\s+it's)\s+)?(?P<v>\S.*)$"
    ),
    # "update Jane's email to x", "change Tom Baker title to CTO", "set Jane phone 555"
    rc.compiled(
        # "update Ayşe Yılmaz: her title is CFO now": the possessive after the name is not part of it
        r"^(?:update|change|set|edit|fix|correct|make)\s+(?P<c>.+?)(?:'s|\s*[:,\-–—]?\s+(?:her|his|their))?\s+(?:new\s+)?"
        rf"(?P<f>{_FIELD})\s*(?:to|is|:|=|->|as)?\s*(?P<v>.+)$"
    ),
    # "update email for Jane to x", "new phone number for Tom: 555"
    rc.compiled(
        rf"^(?:(?:update|change|set|edit|new|updated|fix|add)\s+)?(?:the\s+|a\s+)?(?P<f>{_FIELD})\s+(?:for|of|on)\s+"
        r"(?P<c>.+?)(?:\s*(?::|=|->)\s*|\s+(?:to|is)\s+)(?P<v>.+)$"
    ),
    # "Jane Doe's new email is jdoe@acme.com", "Jane's number: 555 0100"
    rc.compiled(
        # a field is a whole word: "who's organizing…" has no "org" in it
        rf"^(?!(?:what|who|where|whats|do|does|send|give|get)\b)(?P<c>.+?)'s\s+(?:new\s+|updated\s+|correct\s+|current\s+|work\s+|direct\s+)*(?P<f>{_FIELD})\b"
        r"\s*(?:is\s+now|is|:|=|->|changed to|now|should be)?\s*(?P<v>.+)$"
    ),
]


# A move said in Spanish, Portuguese, French or German: the value is the new company
_MOVED_ABROAD = rc.compiled(
    r"(?:ahora|ya)\s+(?:est[aá]|trabaja)\s+(?:en|con)|se\s+(?:fue|pas[oó]|cambi[oó])\s+a|est[aá]\s+ahora\s+en|"
    r"agora\s+(?:est[aá]|trabalha)\s+(?:na|no|em)|foi\s+para\s+(?:a|o)|est\s+maintenant\s+chez|travaille\s+maintenant\s+chez|"
    r"a\s+rejoint|(?:ist|arbeitet)\s+jetzt\s+bei|wechselte\s+zu",
    re.I,
)
_CONTACT_MOVE = rc.compiled(
    r"^(?P<c>[^\W\d_][\w'.\-]*(?:\s+(?![a-z])[^\W\d_][\w'.\-]*){0,2}|[a-z]+\s+[a-z][\w'.\-]*)(?:\s+(?:from|at|@|of)\s+(?P<co>[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?){0,2}))?"
    r"(?:\s*[-–—:,]\s*|\s+)(?:(?:has|just|now|recently|officially)\s+)*"
    r"(?P<verb>moved to|moved over to|is now|'s now|became|got promoted to|was promoted to|has been promoted to|"
    # "Jörg got promoted, he's Head of Procurement now", "Ayşe is loyal customer now"
    r"(?:got|was|has been)\s+promoted\s*[,;.\-–—]?\s*(?:and\s+)?(?:she|he|they)(?:'s|\s+is|\s+are|'re)(?:\s+now)?(?:\s+(?:the|our))?|"
    r"is(?=\s+(?:loyal|advocate|customer|client|lead|prospect)\b)|"
    r"been promoted to|been made|was made|got made|"
    # the same said in Spanish, Portuguese, French and German: "ahora está en Grupo Bimbo", "ist jetzt bei SAP"
    r"(?:ahora|ya)\s+(?:est[aá]|trabaja)\s+(?:en|con)|se\s+(?:fue|pas[oó]|cambi[oó])\s+a|est[aá]\s+ahora\s+en|"
    r"agora\s+(?:est[aá]|trabalha)\s+(?:na|no|em)|foi\s+para\s+(?:a|o)|est\s+maintenant\s+chez|travaille\s+maintenant\s+chez|"
    r"a\s+rejoint|(?:ist|arbeitet)\s+jetzt\s+bei|wechselte\s+zu|"
    r"promoted to|joined|left for|now works at|works at|now works for|works for|working for|switched to|is moving to|moving to|took a job at|"
    r"started at|went to|is the new|is our new|is the|changed jobs to|changed roles to|now heads|heads up|runs|"
    r"is a|is an|is our|'s at|is at|'s with|is with|at|with|moved from \S+(?:\s+\S+)? to|left \S+(?:\s+\S+)? for|"
    r"left \S+(?:\s+\S+)?,?\s+(?:and\s+)?(?:is\s+)?(?:now|joined)(?:\s+(?:at|with|works at))?|now|->|→|=>|to)\s+(?P<v>.+)$"
)


def rule_update_contact(m: Msg) -> Result | None:
    """A contact's changes; an email or a phone given beside another change is kept too ("new title CIO,
    new email …", "is now Director General, phone …")."""
    got = _update_contact(m)
    if got is None or got[0] != "update_contact" or not isinstance(got[2].get("contact"), str):
        return got
    slots = got[2]
    at = m.text.find(slots["contact"])
    _fill_contact_details(m, at + len(slots["contact"]) if at >= 0 else 0, slots, overwrite=False)
    return got


def _update_contact(m: Msg) -> Result | None:
    low = m.low.strip()
    for rx in _UPDATE_CONTACT:
        um = rx.match(low)
        if not um:
            continue
        c = tidy(m.text[um.start("c") : um.end("c")])
        c = rc.sub(r"^(?:the\s+)?(?:contact\s+)?", "", c, flags=re.I)
        c = rc.sub(r"'s$", "", c)
        if not c or len(c.split()) > 5 or rc.search(r"\b(?:my|our|deal|task)\b", c.lower()):
            continue
        key = _field_key(um.group("f"))
        if key is None:
            continue
        if key == "lifecycle" and not lifecycle_in(" is " + um.group("v")):
            continue  # "set stage of Acme renewal to negotiation" is a deal
        slots: Slots = {"contact": c}
        _field_value(key, m.text[um.start("v") : um.end("v")], slots)
        if key in ("email", "phone"):
            _fill_contact_details(m, um.start("v"), slots, overwrite=True)
        return "update_contact", 0.92, slots
    # "mark Tom Baker as a customer", "make Jane an advocate", "tag Jane as lead"
    mm = rc.match(
        r"^(?:mark|set|make|tag|flag|move|change|update|convert|upgrade|promote|turn)\s+(?P<c>.+?)\s+"
        r"(?:from\s+(?:a\s+|an\s+)?(?:prospect|lead|customer|loyal|advocate)s?\s+)?(?:as|to|into|=)?\s*"  # "from prospect to lead"
        r"(?:a\s+|an\s+|our\s+|now\s+)*(?P<l>prospects?|leads?|customers?|clients?|loyal(?: customers?)?|advocates?|"
        r"champions?|evangelists?)\b",
        low,
    )
    if mm:
        c = tidy(m.text[mm.start("c") : mm.end("c")])
        lc = LIFECYCLE_WORDS.get(mm.group("l").split()[0])
        if (
            c
            and lc
            and not rc.search(r"\b(?:deal|renewal|opp|opportunity)\b", c.lower())
            and not rc.search(r"\s(?:is|was|are|became|has been)$", c.lower())  # "Mark Chen is now…": a name
        ):
            c = rc.sub(
                r"^(?:the\s+)?contact\s+", "", c, flags=re.I
            )  # "tag the contact Priya Nair as champion"
            return "update_contact", 0.9, {"contact": rc.sub(r"'s$", "", c), "lifecycle": lc}
    # "Sanne de Vries is an advocate now, she referred two accounts": a person's new stage, said as news
    nm = rc.match(
        r"^(?P<c>[A-Z][\w'’.\-]*(?:\s+(?:de|van|der|den|da|di|do|dos|von|al|el|bin|le|la|du|del|[A-Z][\w'’.\-]*)){0,3})\s+"
        r"(?:is|'s)\s+(?:now\s+|officially\s+)?(?:an?\s+|our\s+)?(?P<l>prospect|lead|customer|client|loyal(?:\s+customer)?|"
        r"advocate|champion|evangelist)\b(?P<now>\s+now\b)?",
        m.text,
    )
    if (
        nm
        and (nm.group("now") or rc.search(r"\s(?:now|officially)\s", m.text[: nm.end()]))
        and person_like(nm.group("c"), default=False)
    ):
        lc = LIFECYCLE_WORDS.get(nm.group("l").split()[0].lower())
        if lc:
            return "update_contact", 0.85, {"contact": nm.group("c"), "lifecycle": lc}
    lm = rc.match(
        r"^(?P<c>[A-Z][\w'.\-]*(?:\s+[A-Z][\w'.\-]*)?)\s+(?:has\s+)?(?:(?:left|quit|is no longer (?:at|with)|isn't at)\s+"
        r"[^,;]+?|(?:changed|switched)\s+(?:jobs|companies|employers)|moved on)\s*(?:,|;|\s+and|(?=\s+now\s+(?:at|with)))\s+"
        r"(?:(?:she|he|they)(?:'s|'re| is| are)?\s+)?(?:now\s+)?(?:at|with|joined|moved to|went to|works at|working at)\s+"
        r"(?P<co>[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?){0,2})",
        m.text,
    )
    if lm and person_like(lm.group("c"), default=True):
        return "update_contact", 0.85, {"contact": lm.group("c"), "company": lm.group("co")}
    mv = _CONTACT_MOVE.match(m.text.strip())
    if mv:
        c = mv.group("c")
        if c.lower() in (
            "what's",
            "what",
            "who",
            "who's",
            "where",
            "how",
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
        ) or not person_like(c, default=True):
            return None
        # "…to COO, please update her record", "…to Hooli he's now Director of Engineering"
        v = first_clause(
            r"[,;]\s|\.\s|\s[-–—]\s|\s+(?=(?:he|she|they)(?:'s|'re| is| are)\b|(?:please|pls|update|can you)\b)",
            mv.group("v"),
        )
        verb = mv.group("verb").lower()
        if verb == "to" and not lifecycle_in(" is " + v.lower()):
            return None  # "Raj Patel → customer" only; "Jane to send the deck" is not an update
        if verb in ("'s at", "is at", "'s with", "is with", "at", "with"):
            # "Jane's at Globex now" moves her; "Jane is at the office" does not
            said_now = rc.search(r"\bnow\s+(?:at|with)\b", m.low)
            if not rc.match(r"[A-Z]", v) or verb in ("at", "with") and not (c.endswith("'s") or said_now):
                return None
            c = c[:-2] if c.endswith("'s") else c
        if rc.match(
            r"(?:the\s+)?(?:proposal|negotiations?|demo|qualified|closed|won|lost|contract|legal)\b"
            r"|(?:the\s+)?[a-z][\w\-]*(?:\s+[a-z][\w\-]*)?\s+(?:review|approval|sign-?off|vetting|assessment)\b",
            v.lower(),
        ):
            return None  # "Vandelay moved to proposal" is a deal
        if m.spans_in(mv.start("v"), mv.start("v") + max(len(v), 1)):
            return None  # "all-hands moved to 4pm btw": a time, not where someone works
        slots = {"contact": c}
        if mv.group("co"):
            slots["company"] = mv.group("co")
        co_as = rc.match(
            r"(?P<co>[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?){0,3})\s+as\s+(?:(?:the|a|an|their|our)\s+)?(?P<t>.+)$",
            v,
        )
        now_title = rc.search(
            r"[,;]\s+(?:(?:she|he|they)(?:'s|'re|\s+is|\s+are)\s+)?now\s+(?:the\s+|a\s+|an\s+)?(?P<t>[^,;.!]+)",
            mv.group("v"),
        )
        if now_title and role_title(now_title.group("t")) and verb not in ("is now", "'s now", "now"):
            slots["title"] = role_title(now_title.group("t")) or now_title.group(
                "t"
            )  # "…moved to Shopee, now Head of X"
        if co_as and role_title(co_as.group("t")) and not verb.startswith(("is", "'s")):
            # "Priya moved to Hooli as VP Sales": where she went, then what she does there
            slots["company"] = co_as.group("co")
            slots["title"] = role_title(co_as.group("t")) or co_as.group("t")
            return "update_contact", 0.85, slots
        v_low = v.lower()
        lc = lifecycle_in(" is " + v_low)
        tm = rc.match(
            # "Head of Procurement": "of" before a department is part of the title, not a company
            rf"(?:the\s+|a\s+|an\s+|our\s+|their\s+|new\s+)*(?P<t>.+?)(?:\s+(?:at|of(?!\s+(?i:{_DEPARTMENTS})\b)|@|for)\s+"
            r"(?P<co>[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?){0,2}))?[\s.!]*$",
            v,
        )
        t_raw = tm.group("t") if tm else v
        t_raw = rc.sub(r"(?<=\S)\s+(?:now|as of today|from now on|going forward)$", "", t_raw, flags=re.I)
        title = role_title(t_raw)
        if lc and (
            not title or rc.match(r"(?:a|an|our|the)?\s*(?:" + "|".join(LIFECYCLE_WORDS) + r")\b", v.lower())
        ):
            slots["lifecycle"] = lc
        elif title:
            slots["title"] = title
            if tm and tm.group("co"):
                slots["company"] = tm.group("co")
        elif verb in ("is now", "'s now", "now") and rc.match(
            r"(?:at|with|working at|working for)\s+[A-Z]", v
        ):
            slots["company"] = _company_clean(rc.sub(r"^(?:at|with|working at|working for)\s+", "", v))
        elif (
            verb
            in (
                "moved to",
                "moved over to",
                "joined",
                "left for",
                "now works at",
                "works for",
                "now works for",
                "working for",
                "works at",
                "switched to",
                "is moving to",
                "moving to",
                "took a job at",
                "started at",
                "went to",
                "'s at",
                "is at",
                "'s with",
                "is with",
                "at",
                "with",
            )
            or verb.startswith(("moved from", "left "))
            or _MOVED_ABROAD.fullmatch(verb)
        ):
            if _MOVED_ABROAD.fullmatch(verb) and not (v[:1].isupper() or m.typed_lower):
                return None  # "ahora está en la oficina": where she is, not who she works for
            co = _company_clean(v)
            if not co:
                return None
            slots["company"] = co
        else:
            return None
        if "title" not in slots:
            later = rc.search(
                r"\b(?:he|she|they)(?:'s| is| are|'re)\s+(?:now\s+)?(?:the\s+|a\s+|an\s+|our\s+)?(?P<t>[^,;.!]+)",
                m.text[mv.end("verb") :],
            )
            if later and role_title(
                later.group("t")
            ):  # "Raj moved to Hooli, he's now Director of Engineering"
                slots["title"] = role_title(later.group("t"))
        return "update_contact", 0.85, slots
    # email / phone stated about a person: "Jane Doe email jane@x.com", "jane's cell 555-0100"
    if EMAIL.search(m.text) or phones(m.text):
        pm = rc.match(
            rf"^(?P<c>[A-Za-z][\w'.\-]*(?:\s+[A-Za-z][\w'.\-]*)?)\s*[-–—:,]?\s+(?:new\s+|updated\s+)?(?P<f>{_FIELD})\s*[:=]?\s*(?P<v>\S.*)$",
            m.text,
        )
        if pm and _field_key(pm.group("f")) in ("email", "phone"):
            slots = {"contact": rc.sub(r"'s$", "", pm.group("c"))}
            _field_value(_field_key(pm.group("f")) or "email", pm.group("v"), slots)
            return "update_contact", 0.8, slots
    # "Hana Sato - update phone to 415 555 0123"
    um = rc.match(
        rf"^(?P<c>[A-Z][\w'.\-]*(?:\s+[A-Z][\w'.\-]*)?)\s*[-–—:,]\s*(?:update|change|set|new)\s+(?:her\s+|his\s+|their\s+)?"
        rf"(?P<f>{_FIELD})\s*(?:to|:|=|is)?\s*(?P<v>\S.*)$",
        m.text,
    )
    if um and _field_key(um.group("f")):
        slots = {"contact": um.group("c")}
        _field_value(_field_key(um.group("f")) or "title", um.group("v"), slots)
        if len(slots) > 1:
            return "update_contact", 0.85, slots
    # "Zoe Park: new title Head of Engineering"
    tm = rc.match(
        r"^(?P<c>[A-Za-z][\w'.\-]*(?:\s+[A-Za-z][\w'.\-]*)?)(?:\s*[-–—:,]\s*|\s+(?=new\s|updated\s))(?:new\s+|updated\s+|correct\s+)?"
        r"(?P<f>title|role|position|company|employer|lifecycle|stage|status)\s*(?:[:=]|->|\bto\b|\bis\b)?\s*(?P<v>\S.*)$",
        m.text,
    )
    if (
        tm
        and (tm.group("c")[:1].isupper() or tm.group("c").split()[0].lower() in FIRST_NAMES)
        and person_like(tm.group("c"), default=True)
    ):
        slots = {"contact": tm.group("c")}
        _field_value(_field_key(tm.group("f")) or "title", tm.group("v"), slots)
        if len(slots) > 1:
            return "update_contact", 0.8, slots
    return None


_FIND = [
    # "who's the person at Kuda Bank we talked to about cards": the company is what is looked up
    rc.compiled(
        r"^(?:who(?:'s| is| was)|whos)\s+(?:the|our|that)\s+(?:guy|gal|person|woman|man|lady|contact|one|people|folks)\s+"
        r"(?:at|from|over at)\s+(?P<q>.+?)\s+(?:(?:we|i|you|they|who|that)\s+(?:\w+\s+)?(?:talked|spoke|met|emailed|called|"
        r"dealt|worked|had|was|were|pinged|saw|demoed)|again)\b.*$"
    ),
    # "is there a Takahashi in the CRM?", "do we have a Jane Doe in our contacts?"
    _IN_THE_CRM := rc.compiled(
        r"^(?:(?:is there|are there|do we have|have we got|do we still have|got)\s+(?:a|an|any|someone called|anyone called)\s+"
        r"|(?P<bare>(?:do we have|have we got|do we still have|is|are)\s+(?!there\b)))"
        r"(?P<q>[^\s?].{0,40}?)\s+(?:in|on)\s+(?:the\s+|our\s+|my\s+)?(?:crm|system|contacts|contact list|database|db|"
        r"address book|records)\s*\??$"
    ),
    rc.compiled(
        r"^(?:where does (?P<q1>.+?) work|what company (?:is|does) (?P<q2>.+?) (?:at|with|work (?:at|for))|"
        r"who at (?P<q3>.+?) (?:do we know|is our (?:main |primary )?(?:contact|point of contact|poc|champion)|"
        r"should i (?:talk|speak) to|can i talk to)|"
        r"who (?:do|should|can) (?:i|we) (?:talk|speak|reach out|go) to (?:at|from|in) (?P<q4>.+?))\s*\??$"
    ),
    rc.compiled(r"^(?P<q>[a-z][\w&.\-]*(?:\s+[a-z][\w&.\-]*)?)\s+(?:contacts|people|folks)\s*\??$"),
    # "acme - who's the decision maker?", "who do we have at Globex"
    rc.compiled(
        r"^(?P<q>[a-z][\w&.\-]*(?:\s+[a-z][\w&.\-]*){0,2})\s*[-:,–—]\s*who(?:'s| is) (?:the|our) (?:main\s+)?"
        r"(?:decision maker|contact|champion|buyer|poc|person|lead)\s*\??$"
    ),
    rc.compiled(r"^who (?:do|else do) we (?:have|know) (?:at|from|in|over at) (?P<q>.+?)\s*\??$"),
    # "who's our guy at Nordkap Energi?", "who is the main contact at Globex"
    rc.compiled(
        r"^who(?:'s| is| are) (?:our|the|my) (?:main\s+|primary\s+|usual\s+)?(?:guy|gal|person|people|contact|contacts|"
        r"point of contact|poc|champion|buyer|decision maker|person|rep|counterpart)s? (?:at|from|in|over at) (?P<q>.+?)\s*\??$"
    ),
    # "does Hana have a phone number on file?"
    rc.compiled(
        r"^(?:does|do) (?!(?:we|i|you|they)\b)(?P<q>[a-z][\w'.\-]*(?:\s+[a-z][\w'.\-]*)?) have (?:a|an|any)\s+(?:phone|email|e-mail|number|cell|"
        r"contact|address)\b.*$"
    ),
    # "who owns the Acme account?", "who's on the Stark account"
    rc.compiled(
        r"^who(?:'s| is)?\s+(?:owns|on|handles|manages|covers|runs|works)\s+(?:on\s+)?(?:the\s+)?(?P<q>.+?)\s+account\s*\??$"
    ),
    # "who's the nimbus contact again?"
    rc.compiled(
        r"^who(?:'s| is) (?:the|our) (?P<q>[\w&.\-]+(?:\s+[\w&.\-]+)?) (?:contact|poc|champion|person)(?: again)?\s*\??$"
    ),
    # "tell me who our main contact at Stark Industries is"
    rc.compiled(
        r"^(?:tell me |do you know |any idea )?who(?:'s| is)? (?:our|the) (?:(?:main|primary|key|best|usual)\s+)?"
        r"(?:contact|person|champion|buyer|poc) (?:at|for|from|in) (?P<q>.+?)(?:\s+is)?\s*\??$"
    ),
    # "phone number for Dave Lister?"
    rc.compiled(
        r"^(?:the\s+)?(?:e-?mail(?: address)?|phone(?: number)?|number|mobile|cell|contact info|contact details|details|info)"
        r"\s+(?:for|of|on)\s+(?P<q>[^:=]+?)\s*\?*$"
    ),
    # "Jane Doe contact info", "priya's number?"
    rc.compiled(
        r"^(?!(?:get|give|send|find|show|what|whats|what's|who|whos|my|our|the|deal|deals|pipeline|task|tasks|need)\b)"
        r"(?P<q>[a-z][\w.\-]*(?:\s+[a-z][\w.\-]*){0,2}?)(?:'s|s')?\s+(?:contact info|contact details|contact card|"
        r"details|info|email address|email|phone number|phone|number|cell|mobile)\s*\??$"
    ),
    rc.compiled(
        r"^(?:find|search(?:\s+for)?|look\s*up|lookup|look for|show(?:\s+me)?|pull up|open|get|fetch|"
        r"(?:search|find|lookup|look up)\s*:|tell me about|what about|got (?:a|an|the)\s+(?:number|email|phone|contact)\s+for|"
        r"anything (?:on|about)|(?:any\s+)?(?:info|information|details|contact info|contact details|details)\s+(?:on|for|about)|"
        r"what do we (?:have|know) (?:on|about)|what(?:'s| is) (?:the\s+)?(?:contact|info|information)\s+(?:for|on)|"
        r"do we (?:have|know) (?:anyone|anybody|someone|a contact|contacts|people)\s+(?:at|from|in|named|called)|"
        r"any\s*(?:one|body|contacts?|people)\s+(?:at|from|in)|"
        r"do (?:we|you|i) have (?:an?\s+|the\s+)?(?:email|e-mail|phone|number|contact|contact info|details|cell)"
        r"(?: address| number)?\s+(?:for|on|of)|"
        r"(?:who|anyone|anybody)\s+(?:do we know|we know)\s+(?:at|from)|who(?:'s| is) (?:our|the) (?:(?:main|primary|key|best|right|usual)\s+)?(?:contact|person|champion|buyer|poc) (?:at|for|from)|"
        r"how (?:do|can) i (?:reach|contact|get hold of|get in touch with)|contact (?:info|details|card) (?:for|of)|"
        rf"what(?:'s| is| are) (?:the\s+)?(?:{_FIELD}|contact info|contact details|details)s?\s+(?:for|of|on)|"
        r"(?:is there|do we have) (?:a\s+)?(?:contact|record)\s+(?:for|named|called))\s+"
        r"(?:the\s+)?(?:contact\s+(?:for\s+|named\s+)?|contacts\s+(?:at|from|for)\s+|person\s+)?(?P<q>.+?)\s*\??$"
    ),
    rc.compiled(
        rf"^(?:what(?:'s| is| are)|whats|do we have|do you have|got|need|send me|give me|get me|get|find me|find|i need|"
        rf"(?:can|could) (?:i|you) (?:get|have|send me|give me|find)(?: me)?)\s+(?P<q>.+?)(?:'s|s'|'|(?<=[a-z]{{3}})s)?\s+(?:{_FIELD}|contact info|details|info|contact)s?\s*\??$"
    ),
    rc.compiled(r"^(?:who(?:'s| is| was)|whos)\s+(?P<q>.+?)(?:\s+again)?\s*\??$"),
    # "who's Martín Gómez? saw him cc'd on the YPF thread": a name asked about, then why
    rc.compiled(r"^(?:who(?:'s| is| was)|whos)\s+(?P<q>[^?\s][^?]{0,40}?)\s*\?+\s+\S.*$"),
]
_ASKED_THEN_WHY = _FIND[-1]
_WHO_IS = (_FIND[-2], _FIND[-1])


def rule_find_contact(m: Msg) -> Result | None:
    low = m.low.strip()
    for rx in _FIND:
        fm = rx.match(low)
        if not fm:
            continue
        key = next(k for k in ("q", "q1", "q2", "q3", "q4") if fm.groupdict().get(k))
        q_low = fm.group(key)
        if m.spans_in(fm.start(key)) and rx not in _WHO_IS:
            continue
        if rx is _IN_THE_CRM and (
            rc.search(
                r"\b(?:meeting|task|deal|note|bug|way|limit|field|report|duplicate|duplicates|problem|issue|record|"
                r"setting|template|tag|stage|filter|list|view|button|export|import|log|history|feature)s?$",
                fm.group(key),
            )
            or not (
                m.text[fm.start(key) : fm.start(key) + 1].isupper() or m.typed_lower and not fm.group("bare")
            )
        ):
            continue  # "is there a way to export in the CRM?": a thing, not a person
        if rx is _ASKED_THEN_WHY and not (
            m.text[fm.start(key) : fm.start(key) + 1].isupper() or m.typed_lower
        ):
            continue  # "who's free? need a hand": only a name is asked about this way
        if rx in _WHO_IS and (
            rc.search(r"\w+ing\b", q_low)
            or rc.match(
                r"(?:in|on|at|free|available|out|off|up|around|here|there|responsible|the best|next|coming|going|"
                r"this|that|it|you|we|i|my|your|our|a|an)\b",
                q_low,
            )
        ):
            continue  # "who's going to the offsite?" is not a lookup
        if rc.search(
            r"\b(?:tasks?|todos?|pipeline|forecast|deals?|overdue|weather|time|plate|agenda|going on|up|this|that|"
            r"it|there|you|me|help|new|my|the best|next|calling|emailing)\b$",
            q_low,
        ) or rc.match(r"(?:my|our|the|a)\s+(?:tasks?|pipeline|deals?|forecast|numbers)\b", q_low):
            continue
        if rc.match(r"(?:on|in|at)\s+(?:the\s+)?(?:team|call|channel)", q_low):
            continue
        if rc.search(
            r"^(?:all\s+)?(?:the\s+)?(?:contacts|people|companies|accounts|deals|customers|leads)\s+(?:where|whose|with|that|who)\b"
            r"|\b(?:where|whose)\s+\w+\s+(?:is|are|=)\b|\b(?:more|less|fewer)\s+than\s+\d",
            q_low,
        ):
            continue  # "contacts where region is EMEA": a list by a field, not a person to look up
        if rc.search(
            r"\bto\s+(?:review|send|sign|call|check|approve|look|draft|update|prepare|email|ping|finish|get|do|fix)\b",
            q_low,
        ):
            continue  # "get legal to review the redlines": a to-do, not a look-up
        q = tidy(m.text[fm.start(key) : fm.end(key)])
        q = rc.sub(r"^(?:me|us)\s+", "", q, flags=re.I)
        q = rc.sub(r"^(?:anything|everything|info|details)\s+(?:on|about|for)\s+", "", q, flags=re.I)
        q = rc.sub(
            r"^(?:everyone|everybody|anyone|people|contacts|folks|someone)\s+(?:at|from|in)\s+",
            "",
            q,
            flags=re.I,
        )
        q = rc.sub(r"^(?:contacts?|people|someone|anyone|a person)\s+(?:named|called)\s+", "", q, flags=re.I)
        # "find contact with email yuki@…", "whose phone is …": the value is what is looked up
        q = rc.sub(
            r"^(?:(?:contacts?|people|someone|anyone|a person)\s+)?(?:with|by|whose|having)\s+(?:the\s+|an?\s+)?"
            r"(?:e-?mail(?:\s+address)?|phone(?:\s+number)?|number|name)\s+(?:is\s+|of\s+|=\s*|:\s*)?(?=\S)",
            "",
            q,
            flags=re.I,
        )
        q = rc.sub(r"^(?:the\s+)?(?:crm|database|system|contacts|contact list)\s+for\s+", "", q, flags=re.I)
        # "anyone at Mercado Libre in the CRM?": where to look is not what is looked for
        q = rc.sub(
            r"\s+(?:in|on|from)\s+(?:the\s+|our\s+|my\s+)?(?:crm|system|database|db|contacts|contact list|file|records)$",
            "",
            q,
            flags=re.I,
        )
        q = rc.sub(rf"'s?\s+(?:{_FIELD}|contact info|details|info)s?$", "", q, flags=re.I)
        q = rc.sub(r"'s$", "", q)
        if not q or len(q.split()) > 6:
            continue
        return "find_contact", 0.88, {"query": q}
    return None
