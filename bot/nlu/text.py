"""Small extractors shared by the intent rules: names, companies, emails, phones, money."""

from __future__ import annotations

import re

from . import rx as rc
from .dates import MONTHS, WEEKDAYS
from .money import ISO_CODES, Money, find_money  # noqa: F401  (read here by the rules)
from .vocab import COMPANY_WORDS, FIRST_NAMES, LIFECYCLE_WORDS, NAME_STOP, ROLE_WORDS, STAGE_WORDS

EMAIL = rc.compiled(r"[\w.+\-']+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
PHONE = rc.compiled(r"(?<![\w@$€£.,/])(\+?\(?\d[\d\s().\-]{5,}\d)(?![\w%/])")
MENTION = rc.compiled(r"@([UW][A-Z0-9]{2,})\b")
_TOKEN = rc.compiled(r"[^\s,;:()!?\"\[\]{}<>]+")
_PARTICLES = {
    "de",
    "van",
    "von",
    "da",
    "del",
    "di",
    "la",
    "le",
    "du",
    "bin",
    "al",
    "der",
    "dos",
    "&",
    "and",
    "of",
}
# Adverbs that end a lower-case name run ("called jane briefly"); "-ly" alone would cut "scully", "kelly".
_ADVERBS = {
    "quickly",
    "briefly",
    "really",
    "finally",
    "recently",
    "actually",
    "basically",
    "literally",
    "probably",
    "hopefully",
    "early",
    "only",
    "likely",
    "mostly",
    "nearly",
    "fully",
    "daily",
    "weekly",
    "monthly",
    "yearly",
    "directly",
    "personally",
    "officially",
    "apparently",
    "definitely",
    "eventually",
    "currently",
    "initially",
}
_ABBREV_DOT = {
    "jr",
    "sr",
    "st",
    "dr",
    "mr",
    "mrs",
    "ms",
    "prof",
    "mt",
    "ft",
    "e.g",
    "i.e",
    "vs",
    "u.s",
    "u.k",
}
COMPANY_SUFFIX = {
    "inc",
    "inc.",
    "corp",
    "corp.",
    "corporation",
    "co",
    "co.",
    "ltd",
    "ltd.",
    "llc",
    "plc",
    "gmbh",
    "ag",
    "sa",
    "group",
    "labs",
    "industries",
    "enterprises",
    "systems",
    "technologies",
    "tech",
    "solutions",
    "partners",
    "holdings",
    "holding",
    "pjsc",
    "jsc",
    "srl",
    "spa",
    "bv",
    "nv",
    "pty",
    "pvt",
    "sarl",
    "limited",
    "tbk",
    "bhd",
    "software",
    "bank",
    "capital",
    "media",
    "health",
    "ventures",
    "global",
    "international",
    "consulting",
    "logistics",
    "foods",
    "motors",
}


# A word that carries a lower-case company name on past two words ("tata consultancy services").
_ENDS_COMPANY = frozenset(COMPANY_SUFFIX | COMPANY_WORDS)


def clean(s: str) -> str:
    s = rc.sub(r"\s+", " ", s).strip()
    return s.strip(" ,;:.!?-–—\"'()[]")


def phones(text: str) -> list[tuple[int, int, str]]:
    out = []
    for m in PHONE.finditer(text):
        raw = m.group(1).strip()
        digits = rc.sub(r"\D", "", raw)
        if not 7 <= len(digits) <= 15:
            continue
        if rc.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", raw) or rc.fullmatch(r"\d{1,2}/\d{1,2}/\d{2,4}", raw):
            continue
        if rc.fullmatch(r"\d+", raw) and len(raw) < 9:
            # A bare 7-8 digit run is more often an amount than a phone number.
            continue
        out.append((m.start(1), m.start(1) + len(m.group(1).rstrip()), raw))
    return out


def is_weekday_or_month(tok: str, nxt: str | None) -> bool:
    lw = tok.lower().rstrip(".")
    if lw in WEEKDAYS and len(lw) >= 3 and lw not in ("sat", "sun", "wed", "mon"):
        return True
    if lw in ("monday", "wednesday", "saturday", "sunday"):
        return True
    return lw in MONTHS and nxt is not None and bool(rc.match(r"\d", nxt))


_INSTITUTION = frozenset(
    [
        "medical",
        "center",
        "centre",
        "hospital",
        "clinic",
        "school",
        "university",
        "college",
        "church",
        "health",
        "bank",
        "foods",
        "restaurant",
        "restaurants",
        "group",
        "kitchen",
        "bakery",
        "pharmacy",
        "dental",
        "labs",
        "law",
    ]
)


# Legal forms written with inner full stops, spaces, slashes or ampersands ("sp. z o.o.", "S.A.B. de C.V.",
# "GmbH & Co. KG", "A/S"): read as one unit that ends the company name, so neither a full stop inside them
# ends the sentence nor a space inside them ends the name. Only written forms that cannot be ordinary words.
LEGAL_FORMS = (
    r"[Ss]p\.\s?z\s?o\.\s?o\.?|[Ss]p\.\s?k\.|[Ss]p\.\s?j\."
    r"|S\.A\.B\.\s+de\s+C\.V\.|S\.A\.P\.I\.\s+de\s+C\.V\.|S\.A\.\s+de\s+C\.V\.|S\.\s?de\s+R\.L\.(?:\s+de\s+C\.V\.)?"
    r"|S\.A\.B\.?(?!\w)|S\.A\.S\.?|S\.A\.R\.L\.?|S\.A\.?(?!\w)|S\.p\.A\.?|S\.r\.l\.?|S\.L\.U?\.?|S\.C\.A\.?|S\.E\.|S\.C\.S\.?"
    r"|K\.K\.?|G\.K\.|Y\.K\.|N\.V\.?|B\.V\.?|L\.L\.C\.?|L\.L\.P\.?|P\.L\.C\.?|P\.C\.|e\.V\.|a\.s\.|s\.r\.o\.?|d\.o\.o\.?"
    r"|Sdn\.?\s+Bhd\.?|(?:Pty|Pvt|Pte)\.?\s+Ltd\.?|Co\.,?\s+Ltd\.?"
    r"|(?:GmbH|AG|SE|Ltd\.?)\s*&\s*Co\.?\s*(?:KGaA|KG|OHG)|GmbH\s*&\s*Co\.?"
    r"|A/S|I/S|K/S|Ltda\.?|Cía\.?\s+Ltda\.?|A\.Ş\.?(?!\w)|T\.A\.Ş\.?(?!\w)"
)
LEGAL_FORM = rc.compiled(rf"(?:{LEGAL_FORMS})(?![\w/])")
_LEGAL_FORM_IN = rc.compiled(rf"(?<=\s)(?:{LEGAL_FORMS})(?![\w/])")
ENDS_IN_LEGAL_FORM = rc.compiled(rf"\s(?:{LEGAL_FORMS})$")


def mask_legal_forms(s: str) -> str:
    """``s`` with the full stops and commas inside its legal forms replaced, same length. A legal form's last
    full stop still ends the sentence when a capital or a word follows ("Sony K.K. They want…", "Daehan
    Precision Co., Ltd. semiconductors")."""

    def mask(lf: re.Match[str]) -> str:
        form = lf.group(0)
        keep_last = (
            form.endswith(".")
            and rc.match(r"\s+(?:[A-Z]|[a-z]{3,}\b(?<!and)(?<!for)(?<!the))", s[lf.end() :]) is not None
        )
        inner = form[:-1] if keep_last else form
        return rc.sub(r"[.,]", "\u2024", inner) + (form[-1] if keep_last else "")

    return _LEGAL_FORM_IN.sub(mask, s)


def first_clause(separator: str, s: str) -> str:
    """``s`` up to the first ``separator`` that is not a full stop or comma inside a legal form: "Vale S.A. as
    head of procurement" is one clause."""
    sep = rc.search(separator, mask_legal_forms(s))
    return s[: sep.start()] if sep else s


def _contiguous_run(text: str, pos: int) -> list[re.Match[str]]:
    """The tokens from ``pos`` that follow one another separated by spaces only."""
    run: list[re.Match[str]] = []
    cursor = pos
    for m in _TOKEN.finditer(text, pos):
        if text[cursor : m.start()].strip():
            break
        run.append(m)
        cursor = m.end()
    return run


_STARTS_SENTENCE = frozenset(
    [
        "He",
        "She",
        "They",
        "We",
        "It",
        "I",
        "The",
        "Will",
        "Need",
        "Follow",
        "Their",
        "His",
        "Her",
        "Next",
        "Wants",
        "Asked",
        "Send",
        "Call",
        "Great",
        "Good",
        "Really",
        "Very",
        "Also",
        "Then",
        "Looks",
    ]
)


def _sentence_cut(run: list[re.Match[str]]) -> list[re.Match[str]]:
    """The run up to the word whose full stop ends the sentence (so the name: "Had a call with Jane. Follow
    up…"), except after initials and abbreviations ("J. Doe", "Acme Corp.", "Dr. Lee")."""
    for i, m in enumerate(run):
        tok = m.group(0)
        base = tok.rstrip(".").lower()
        if not tok.endswith(".") or len(base) <= 1:
            continue
        nxt_tok = run[i + 1].group(0) if i + 1 < len(run) else ""
        pronoun_next = rc.sub(r"['’](?:s|ll|d|re|ve|m)$", "", nxt_tok) in _STARTS_SENTENCE
        # "Cobalt Systems. Decision by…": after a company word, a capitalised word starts a new sentence
        # unless it is another suffix ("Co. Ltd"); "Dr. Lee", "St. Luke's" keep going.
        new_sentence = (
            base in COMPANY_SUFFIX
            and base not in _ABBREV_DOT
            and nxt_tok[:1].isupper()
            and nxt_tok.lower().rstrip(".,") not in COMPANY_SUFFIX
        )
        if base not in COMPANY_SUFFIX and base not in _ABBREV_DOT or pronoun_next or new_sentence:
            return run[: i + 1]
    return run


def _legal_form_cut(text: str, run: list[re.Match[str]]) -> tuple[list[re.Match[str]], re.Match[str] | None]:
    """The run before a legal form that follows at least one word, and that legal form."""
    for i in range(1, len(run)):
        lf = LEGAL_FORM.match(text, run[i].start())
        if lf:
            return run[:i], lf
    return run, None


def take_name(text: str, pos: int, *, company: bool = False, max_words: int = 4) -> tuple[str, int]:
    """A person or company name starting at ``pos``; returns (name, end). Empty when none is there."""
    run, legal = _legal_form_cut(text, _contiguous_run(text, pos))
    run = _sentence_cut(run)
    if legal and run and not run[-1].group(0).endswith("."):
        name, end = _words_of_name(text, pos, run, company=company, max_words=max_words)
        if name and end == run[-1].end():
            return f"{name} {legal.group(0)}", legal.end()  # "Allegro sp. z o.o.", "Sony K.K."
        return name, end
    name, end = _words_of_name(text, pos, run, company=company, max_words=max_words)
    # "Rakuten Group, Inc.": the legal form after a comma is the name's, so the name ends after it
    tail = (
        _LEGAL_TAIL.match(text, end) if name and name[:1].isupper() and text[end : end + 1] == "," else None
    )
    if tail and not name.lower().endswith(tuple(SURE_LEGAL)):
        return f"{name}{tail.group(0)}", tail.end()
    return name, end


# Legal forms that are never an ordinary word, so they end a company's name even typed in lower case
SURE_LEGAL = frozenset(
    [
        "inc",
        "ltd",
        "llc",
        "llp",
        "plc",
        "gmbh",
        "jsc",
        "pjsc",
        "tbk",
        "corp",
        "pty",
        "pvt",
        "pte",
        "oyj",
        "ltda",
        "srl",
        "sarl",
        "bhd",
        "kft",
        "zrt",
        "kk",
        "bv",
        "nv",
        "limited",
    ]
)


def _words_of_name(
    text: str, pos: int, run: list[re.Match[str]], *, company: bool, max_words: int
) -> tuple[str, int]:
    if not run:
        return "", pos
    first = run[0].group(0)
    capital_mode = first[:1].isupper() or first[:1].isdigit() and company
    words: list[str] = []
    end = pos
    for i, m in enumerate(run):
        tok = m.group(0)
        lw = tok.lower()
        base = rc.sub(r"'s$", "", lw)
        nxt = run[i + 1].group(0) if i + 1 < len(run) else None
        if len(words) >= max_words:
            if (
                lw.rstrip(".") in SURE_LEGAL
                or capital_mode
                and lw.rstrip(".") in COMPANY_SUFFIX
                and tok[:1].isupper()
            ):
                words.append(
                    tok
                )  # "PT Telkom Indonesia Tbk": a legal form ends the name, whatever its length
                end = m.end()
            break
        if tok.startswith("@") or tok.startswith("#") or "@" in tok or tok.startswith("http"):
            break
        if not rc.search(r"[\w&]", tok):
            break  # "initech - budget…": a dash or slash ends the name
        if is_weekday_or_month(tok, nxt):
            break
        if capital_mode:
            if words and rc.fullmatch(r"[$€£]?\d[\d,.]*[kKmMbB]?", tok):
                break
            if words and nxt is not None and tok.isupper() and tok in ISO_CODES and rc.match(r"[\d.,]", nxt):
                break  # "Emaar Properties AED 750k": a currency code before an amount ends the name
            if tok[:1].isupper() or (company and tok[:1].isdigit()):
                if tok == "I" or (
                    words and lw in ("i", "they", "she", "he", "we", "it", "you", "their", "our")
                ):
                    break
                if words and lw.rstrip(".") in ("eod", "eow", "eom", "asap", "q1", "q2", "q3", "q4"):
                    break
                words.append(tok)
                end = m.end()
                if tok.endswith("'s") and not (
                    nxt
                    and nxt[:1].isupper()
                    and (
                        len(words) > 1
                        and words[-2].lower().rstrip(".") in ("st", "saint")
                        or nxt.lower().rstrip(".,") in _INSTITUTION
                        or nxt.lower() in COMPANY_SUFFIX
                    )
                ):
                    break  # "Initech's IT team" - but "St. Luke's Medical Center" is one name
                continue
            k = i + 1
            while k < len(run) and run[k].group(0).lower() in _PARTICLES - {"and", "&", "of"}:
                k += 1  # "Sofia van der Berg", "Ana de la Cruz": particles before a capitalised name
            if (
                lw in _PARTICLES
                and words
                and k < len(run)
                and run[k].group(0)[:1].isupper()
                and lw != "and"
                and (company or lw != "of")
            ):
                words.append(tok)
                continue
            if lw in ("&",) and words and nxt is not None:
                words.append(tok)
                continue
            if words and rc.fullmatch(r"&\s?[A-Z][\w.]*", tok):
                words.append(tok)  # "Natura &Co": the ampersand written onto the next word
                end = m.end()
                continue
            if company and lw.rstrip(".") in COMPANY_SUFFIX and words:
                words.append(tok)
                end = m.end()
                continue
            break
        if words and lw.rstrip(".") in SURE_LEGAL:
            words.append(tok)  # "kuda technologies ltd in yaba": a legal form ends a company's name
            end = m.end()
            break
        # Lower-case typing: names end at any function word, verb-looking word or number.
        if (base in NAME_STOP or base in STAGE_WORDS or base in LIFECYCLE_WORDS) and not (
            company and words and base.rstrip(".") in COMPANY_SUFFIX
        ):
            break
        if rc.search(r"\d", tok) and (not company or rc.fullmatch(r"[$€£]?\d[\d,.]*[kKmMbB]?", tok)):
            break
        if (
            words
            and (lw.endswith(("ed", "ing")) or lw in _ADVERBS or len(words) >= 2)
            and not (company and lw.rstrip(".") in _ENDS_COMPANY)
        ):
            break
        if not words and lw in _ADVERBS:
            break
        words.append(tok)
        end = m.end()
        if tok.endswith("'s"):
            break
    # Trailing particles ("Jane and") never end a name.
    while words and words[-1].lower() in _PARTICLES:
        words.pop()
    name = " ".join(words)
    name = rc.sub(r"'s$", "", name)
    name = name.rstrip(".") if not rc.search(r"\b(?:inc|corp|co|ltd|jr|sr)\.$", name, re.I) else name
    if not name:
        return "", pos
    return name, end


def looks_like_person(name: str) -> bool:
    parts = name.split()
    if not parts:
        return False
    if parts[0].lower() in FIRST_NAMES:
        return True
    if any(p.lower().rstrip(".") in COMPANY_SUFFIX for p in parts):
        return False
    return len(parts) == 2 and all(p[:1].isupper() and p[1:].islower() for p in parts)


# German, Dutch and Scandinavian job titles are one compound word ending in the role
_ROLE_COMPOUND = rc.compiled(
    r"\w{3,}(?:leiter|leiterin|direktor|direktorin|chef|chefin|manager|managerin|ingenieur|ingenieurin"
    r"|referent|referentin|berater|beraterin|vorstand|f\u00fchrer|f\u00fchrerin|ansvarig|directeur|medewerker)$"
)


def role_title(segment: str) -> str | None:
    """The segment as a job title when it reads like one ("VP Sales", "Head of Procurement")."""
    seg = clean(segment)
    seg = rc.sub(r"^(?:is\s+)?(?:the|a|an|our|their|new)\s+", "", seg, flags=re.I)
    if not seg or len(seg.split()) > 6:
        return None
    words = [w.lower().strip(".,") for w in rc.split(r"[\s/]+", seg)]
    if any(w in ROLE_WORDS or w.rstrip("s") in ROLE_WORDS for w in words):
        return seg
    if len(words) <= 2 and any(_ROLE_COMPOUND.search(w) for w in words):
        return seg  # "Einkaufsleiter", "Verkaufschefin", "inköpschef": a role compounded into one word
    if rc.fullmatch(r"vice president.*|[A-Z]{2,4}", seg) and seg.upper() in {w.upper() for w in ROLE_WORDS}:
        return seg
    return None


def mentions_in(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(1)) for m in MENTION.finditer(text)]


# A legal form right after a name, after a comma or a space: the written forms, or a sure one's word
_LEGAL_TAIL = rc.compiled(
    rf"(?:,\s?|\s)(?:(?:{LEGAL_FORMS})|(?i:pty\.?\s+ltd|co\.,?\s+ltd|{'|'.join(sorted(SURE_LEGAL))})\.?)(?![\w/&])"
)


def with_legal_form(text: str, value: str) -> str:
    """``value`` as the message wrote it, with the legal form that follows it there ("Rakuten Group, Inc.",
    "PT Telkom Indonesia Tbk"): a rule that stopped short of a company's legal form loses nothing."""
    if not value or ENDS_IN_LEGAL_FORM.search(" " + value):
        return value
    at = text.find(value)
    if at < 0:
        return value
    tail = _LEGAL_TAIL.match(text, at + len(value))
    if tail:
        return value + tail.group(0)
    # cut inside a dotted form ("Petrobras S" of "Petrobras S.A."): the form whole, from its first letter
    cut = re.search(r"\s+[A-Za-z]{1,3}(?:\.[A-Za-z]{1,3}){0,3}$", value)
    if cut and text[at + len(value) : at + len(value) + 1] == ".":
        head = value[: cut.start()]
        tail = _LEGAL_TAIL.match(text, at + len(head))
        if tail and len(tail.group(0)) > len(value) - len(head):
            return head + tail.group(0)
    return value


def ends_in_legal_form(name: str) -> bool:
    """A name that ends in a legal form ("Acme Ltd", "kuda technologies ltd", "Sony K.K.") is a company's."""
    parts = name.split()
    return len(parts) > 1 and (
        parts[-1].lower().rstrip(".") in SURE_LEGAL or ENDS_IN_LEGAL_FORM.search(name) is not None
    )
