"""Turn a raw Slack message into plain text the rules can read.

Slack sends wire markup (``<@U123|jane>``, ``<mailto:…|…>``, ``<#C1|sales>``), HTML entities, emoji
shortcodes and the shorthand reps type on phones. Everything downstream works on two strings of the
same length, ``text`` (original case, because names need it) and ``low`` (lower case, for matching).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from . import rx as rc
from .memo import memo
from .vocab import ABBREVIATIONS, FUZZY_PROTECTED, FUZZY_TARGETS


@dataclass
class Normalized:
    text: str
    low: str
    mentions: list[str] = field(default_factory=list)
    channels: list[tuple[str, str]] = field(default_factory=list)
    done_mark: bool = False
    # (as normalised, as typed) for every shorthand or typo replaced, to give free text back its own words
    restore: list[tuple[str, str]] = field(default_factory=list)


_SLACK = rc.compiled(r"<([^<>\s][^<>]*)>")
_SHORTCODE = rc.compiled(r":[a-z0-9_+\-']{1,40}:", re.I)
_DONE_EMOJI = rc.compiled(r"(:white_check_mark:|:heavy_check_mark:|:ballot_box_with_check:|✅|✔️|✔|☑️|☑)")
_FORMATTING = rc.compiled(r"(?<![\w*_~`])[*_~`]+|[*_~`]+(?![\w*_~`])")
_SPACES = rc.compiled(r"[ \t\r\n\u00a0\u2000-\u200b\u3000]+")
_PLAIN_MENTION = rc.compiled(r"(?<![\w<])@([UW][A-Z0-9]{5,})\b")
_WORD = rc.compiled(r"[A-Za-z][A-Za-z']*")

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201b": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": " - ",
        "\u2212": "-",
        "\u2026": "...",
        "\u2192": " to ",
    }
)


def _slack_token(m: re.Match[str], mentions: list[str], channels: list[tuple[str, str]]) -> str:
    body = m.group(1)
    target, _, label = body.partition("|")
    if target.startswith("@"):
        uid = target[1:]
        mentions.append(uid)
        return f" @{uid} "
    if target.startswith("#"):
        cid = target[1:]
        name = label or cid
        channels.append((cid, name))
        return f" #{name} "
    if target.startswith("!"):
        # <!here>, <!channel>, <!date^…|text>: broadcast pings carry no meaning for the CRM.
        return f" {label} " if target.startswith("!date") and label else " "
    if target.startswith("mailto:"):
        return label or target[len("mailto:") :]
    if target.startswith("tel:"):
        return label or target[len("tel:") :]
    if rc.match(r"[a-z][a-z0-9+.\-]*:", target, re.I):
        return label or target
    return m.group(0)


_KIND_EMOJI = rc.compiled(
    r"^[>\s]*(?:(?P<call>📞|☎️?|📱|:phone:|:telephone_receiver:|:telephone:|:iphone:)|(?P<email>📧|✉️?|📨|📩|:email:|"
    r":e-mail:|:envelope:|:incoming_envelope:)|(?P<meet>🤝|:handshake:))\s*"
)


def _kind_emoji(s: str) -> str:
    """A leading 📞 / 📧 / 🤝 stands for the verb ("📞 Gina (Wayne) - no answer" is a call with Gina)."""
    m = _KIND_EMOJI.match(s)
    if not m or rc.match(
        r"(?i)(?:call|called|phone|rang|e-?mail|emailed|met|meeting|mtg|had|log)\b", s[m.end() :]
    ):
        return s
    verb = "called" if m.group("call") else "emailed" if m.group("email") else "met"
    return f"{verb} {s[m.end() :]}"


def _is_emoji(ch: str) -> bool:
    cat = unicodedata.category(ch)
    if cat in ("So", "Sk", "Cs", "Co", "Cn"):
        return True
    # Variation selectors and zero-width joiners glue emoji sequences together.
    return ch in "\ufe0f\ufe0e\u200d\u20e3" or 0x1F3FB <= ord(ch) <= 0x1F3FF


def _strip_emoji(s: str) -> str:
    if s.isascii():
        return s
    out = "".join("\x01" if _is_emoji(ch) else ch for ch in s)
    # An emoji between two words ends a clause ("signed the order form 🎉 Gulf Logistics is won").
    out = rc.sub(r"(?<=\w)[\s\x01]*\x01[\s\x01]*(?=\s*\w)", " ; ", out)
    return out.replace("\x01", " ")


def _lower_same_length(s: str) -> str:
    # str.lower() may change the length ("İ" -> "i̇"); positions must line up with the cased text.
    if s.isascii():
        return s.lower()
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in s)


def _abbrev_pattern() -> re.Pattern[str]:
    keys = sorted(ABBREVIATIONS, key=len, reverse=True)
    alts = "|".join(re.escape(k) for k in keys)
    return rc.compiled(rf"(?<![\w@/.])(?:{alts})(?![\w/]|'\w)", re.I)


_ABBREV = _abbrev_pattern()
_MEETING_W = rc.compiled(
    r"(?i)\b(met|meet|meeting|call|called|lunch|coffee|chat|chatted|sync|spoke|talked|demo|caught up|catch up|"
    r"dinner|breakfast|visit|touch base|check in|follow up) w(?= +\w)"
)


# Keyed by words people type: bounded in characters too, not only in entries (a word longer than any
# vocabulary word plus its typos is worked out again each time, and cheaply: no target is near it).
@memo(max_entries=4096, max_key_chars=32)
def _correct_word(word: str) -> str | None:
    """Best vocabulary word for a misspelt one, or None when it should stay as typed."""
    if word in FUZZY_PROTECTED or word in FUZZY_TARGETS:
        return None
    # An inflection of a target ("followed", "calls", "demoing") is a real word, not a typo of it.
    for suffix in ("ed", "ing", "s", "es", "er", "ers"):
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and (stem in FUZZY_TARGETS or stem + "e" in FUZZY_TARGETS):
            return None
    n = len(word)
    if n < 5:
        return None
    from rapidfuzz.distance import OSA

    limit = 1 if n <= 8 else 2
    best: list[tuple[int, str]] = []
    for cand in FUZZY_TARGETS:
        if cand[0] != word[0] or abs(len(cand) - n) > limit:
            continue
        d = OSA.distance(word, cand, score_cutoff=limit)
        if d <= limit:
            best.append((d, cand))
    if not best:
        return None
    # Ties go to the candidate that keeps the word's last letter ("emaild" is "emailed", not "emails").
    best.sort(key=lambda b: (b[0], b[1][-1] != word[-1]))
    if (
        len(best) > 1
        and best[1][0] == best[0][0]
        and (best[1][1][-1] == word[-1]) == (best[0][1][-1] == word[-1])
    ):
        # Two words equally close ("conract": contact or contract?) - guessing would be worse.
        return None
    return best[0][1]


def _fix_typos(s: str, restore: list[tuple[str, str]] | None = None) -> str:
    out: list[str] = []
    last = 0
    sentence_start = True
    for m in _WORD.finditer(s):
        w = m.group(0)
        gap = s[last : m.start()]
        if rc.search(r"[.!?:;\n]", gap):
            sentence_start = True
        repl = None
        lw = w.lower()
        # Capitalised words inside a sentence are usually names ("Lunchly", "Callan"), and
        # all-caps words are acronyms: leave both as typed.
        if w.islower() or (sentence_start and w[1:].islower()):
            repl = _correct_word(lw)
        if repl is not None:
            out.append(gap)
            out.append(repl if not w[:1].isupper() else repl[:1].upper() + repl[1:])
            if restore is not None:
                restore.append((repl, w))
        else:
            out.append(gap + w)
        last = m.end()
        sentence_start = False
    out.append(s[last:])
    return "".join(out)


def normalize(raw: str) -> Normalized:
    mentions: list[str] = []
    channels: list[tuple[str, str]] = []
    s = raw.replace("\x00", " ")
    # "<#C024SALES|sales> fyi called …": a channel named before the message only says where it is posted
    s = rc.sub(r"^\s*(?:<#[A-Z0-9]+(?:\|[^<>]*)?>\s*[:,\-–—]?\s*)+(?=\S)", "", s)
    s = _SLACK.sub(lambda m: _slack_token(m, mentions, channels), s)
    s = html.unescape(s)
    s = s.translate(_QUOTES)
    s = _kind_emoji(s)
    done_mark = bool(_DONE_EMOJI.search(s))
    s = _DONE_EMOJI.sub(" ", s)
    s = rc.sub(r"(?<=\w)\s*(?::[a-z0-9_+\-']{1,40}:\s*)+(?=\w)", " ; ", s, flags=re.I)  # the same for :tada:
    s = _SHORTCODE.sub(" ", s)
    s = _strip_emoji(s)
    s = unicodedata.normalize("NFKC", s) if not s.isascii() else s
    s = _FORMATTING.sub(" ", s)

    def plain(m: re.Match[str]) -> str:
        mentions.append(m.group(1))
        return f"@{m.group(1)}"

    s = _PLAIN_MENTION.sub(plain, s)
    restore: list[tuple[str, str]] = []

    def expand(m: re.Match[str]) -> str:
        new = ABBREVIATIONS[m.group(0).lower()]
        # Only when the long form is not typed elsewhere too: then which one to give back is unclear.
        if new.lower() != m.group(0).lower() and not rc.search(rf"(?i)(?<!\w){re.escape(new)}(?!\w)", raw):
            restore.append((new, m.group(0)))
        return new

    s = _ABBREV.sub(expand, s)
    # "kim@initech" is shorthand for "kim at initech" (an address would have a dot after the @)
    s = rc.sub(r"(?<![\w.+\-])([A-Za-z][\w'\-]*)@([A-Za-z][\w&\-]*)(?![\w&\-])(?!\.\w)", r"\1 at \2", s)
    s = rc.sub(r"(?<![\w/@.])w(?= +(?:[A-Z@]|the\b|her\b|him\b|them\b))", "with", s)
    # "met w sarah": after a meeting word a lone "w" is "with" whatever follows
    s = _MEETING_W.sub(r"\1 with", s)
    typos: list[tuple[str, str]] = []
    s = _fix_typos(s, typos)
    restore += [(new, old) for new, old in typos if not rc.search(rf"(?i)(?<!\w){re.escape(new)}(?!\w)", raw)]
    s = rc.sub(r"\s*[•◦▪‣]\s*", "; ", s)  # bullet lists read as clauses
    s = _SPACES.sub(" ", s).strip()
    s = rc.sub(r"(@[UW][A-Z0-9]+) (?='s\b)", r"\1", s)  # "<@U1>'s pipeline" keeps its possessive
    return Normalized(
        text=s,
        low=_lower_same_length(s),
        mentions=mentions,
        channels=channels,
        done_mark=done_mark,
        restore=restore,
    )


# First names that are also everyday words: never capitalised on their own.
_AMBIGUOUS_NAMES = frozenset(
    [
        "will",
        "mark",
        "bill",
        "grant",
        "may",
        "april",
        "june",
        "amber",
        "rose",
        "joy",
        "dawn",
        "hope",
        "faith",
        "ray",
        "chase",
        "jack",
        "drew",
        "sue",
        "pat",
        "max",
        "rob",
        "jan",
        "art",
        "van",
        "lee",
        "kim",
        "min",
        "bob",
        "rich",
        "frank",
        "earl",
        "sandy",
        "penny",
        "holly",
        "summer",
        "autumn",
        "iris",
        "ivy",
        "lily",
        "ruby",
        "grace",
        "victor",
        "angel",
        "chance",
        "miles",
        "sky",
    ]
)
# Words that end a name typed in lower case: besides NAME_STOP, the verbs reps put right after one.
_AFTER_NAME = frozenset(
    [
        "left",
        "went",
        "said",
        "sent",
        "met",
        "got",
        "took",
        "gave",
        "made",
        "told",
        "ran",
        "came",
        "saw",
        "thinks",
        "says",
        "is",
        "was",
        "has",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "did",
        "does",
        "do",
        "wants",
        "needs",
        "just",
        "also",
        "called",
        "emailed",
        "pinged",
        "texted",
        "replied",
        "signed",
        "asked",
        "moved",
        "joined",
        "became",
        "loved",
        "liked",
        "agreed",
        *[
            "rang",
            "phoned",
            "wrote",
            "replied",
            "messaged",
            "now",
            "offsite",
            "onsite",
            "office",
            "hq",
            "team",
            "folks",
            "people",
            "booth",
            "event",
        ],
        *["summit", "conference"],
    ]
)
_PARTICLES = frozenset(
    ["van", "von", "de", "der", "den", "la", "le", "da", "del", "di", "du", "dos", "bin", "al"]
)
_COMPANY_LEAD = frozenset(["at", "from", "with", "for", "of", "@", "w/", "joined", "left"])


_NAME_WORD = r"[^\W\d_][\w'’\-]*"
# Words that name a group or a department, not a person ("spoke with legal team at …").
_GROUP_WORDS_TEXT = (
    "team teams folks people guys crew procurement legal finance ops security it engineering leadership board "
    "purchasing hr marketing sales support everyone someone somebody client clients customer customers vendor "
    "vendors partner partners buyer buyers office group committee department dept "
    # nor a deal: "acme renewal close moved to 1/31"
    "deal deals opp opps opportunity renewal renewals expansion upsell pilot contract close closing date stage amount "
    "value project rollout migration license licence poc"
)
_GROUP_WORDS = frozenset(_GROUP_WORDS_TEXT.split())
_COUNT_WORDS_TEXT = (
    "two three four five six several some few many both all couple bunch pair handful their our his her"
)
_COUNT_WORDS = frozenset(_COUNT_WORDS_TEXT.split())
# Where a person's name, typed in lower case, is told by what stands around it:
# after a verb of contact and before "at/from COMPANY" ("called joão pedro silva at natura"),
# after "add contact" and before a comma, or at the start before "moved to", "joined", "gave us" ….
_NAME_RUN = rc.compiled(
    r"(?:^|(?<=[\s,:;(]))(?:called|call with|phoned|rang|met|met with|meeting with|spoke (?:to|with)|"
    r"talked (?:to|with)|emailed|texted|pinged|(?i:dm'?e?d)|messaged|visit(?:ed)?(?: to)?|lunch with|coffee with|"
    r"dinner with|intro to|demo(?:'d|ed)? (?:to|for|with)|with|from|to|for)\s+"
    rf"(?P<a>{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,3}}?)(?=\s+(?:at|from|@)\s+[^\W\d_])"
    r"|(?:^|(?<=[\s,:;(]))(?:add|new|create)\s+(?:a\s+)?(?:contact|person|lead)\s*:?\s+"
    rf"(?P<b>{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,3}}?)(?=\s*,|\s+(?:at|from|@)\s+[^\W\d_]|\s*$)"
    rf"|^(?P<c>{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,3}}?)(?=\s+(?:has\s+)?(?:moved to|joined|left|is now at|now at|"
    r"now works at|gave us|rated us|scored us)\b)"
)


def _recase_name_runs(text: str, out: list[str], stop: Callable[[str], bool]) -> None:
    """Capitalise each word of a run of two to four words that stands where a person's name does."""
    from .vocab import COMPANY_WORDS, NAME_STOP, ROLE_WORDS

    for m in _NAME_RUN.finditer(text):
        group = next(g for g in ("a", "b", "c") if m.group(g))
        words = list(rc.finditer(r"\S+", m.group(group)))
        names = [w.group(0) for w in words]
        if any(
            w in _GROUP_WORDS
            or w in COMPANY_WORDS
            or w in _COUNT_WORDS
            or (w.endswith("s") and (w[:-1] in ROLE_WORDS or w[:-1] in _GROUP_WORDS))  # "two engineers"
            # "xu ming": a short word ending in -ing is a name here, not a verb
            or (stop(w) and not (len(w) <= 4 and w.endswith("ing") and w not in NAME_STOP))
            for w in names
        ):
            continue
        base = m.start(group)
        for w in words:
            ch = out[base + w.start()]
            if len(ch.upper()) == 1:
                out[base + w.start()] = ch.upper()


# A Vietnamese name: a family name, a middle name, a given name ("nguyen van an", "tran thi mai")
_VIETNAMESE_NAME = rc.compiled(
    r"\b(?:nguyen|nguyễn|tran|trần|le|lê|pham|phạm|hoang|hoàng|huynh|huỳnh|phan|vu|vũ|vo|võ|dang|đặng|bui|bùi|"
    r"do|đỗ|ho|hồ|ngo|ngô|duong|dương|ly|lý|trinh|trịnh|dinh|đinh|truong|trương)\s+"
    r"(?:van|văn|thi|thị|duc|đức|minh|quoc|quốc|huu|hữu|ngoc|ngọc|thanh|xuan|xuân|hong|hồng|gia|bao|bảo|tuan|tuấn)\s+"
    r"[a-zà-ỹđ][\wà-ỹđ]*\b"
)


def recase_lower(text: str) -> str:
    """A message typed all in lower case, with the names capitalised again where the words say so.

    Capitals are how the rules tell names from other words. In "spoke to jane doe at acme corp" they are
    missing, so first names (and the surname after one) and the words after "at"/"from" are given them back.
    The text keeps its length, so positions still line up with the lower-case copy.
    """
    from .vocab import FIRST_NAMES, NAME_STOP, ROLE_WORDS

    # Words inside addresses and links stay as typed.
    skip = [mm.span() for mm in rc.finditer(r"\S*@\S*\.\S+|\S+://\S+", text)]
    words = [
        w
        for w in rc.finditer(r"[a-z][\w'\-]*|@(?= )|w/", text)
        if not any(a <= w.start() < b for a, b in skip)
    ]
    out = list(text)

    def cap(m: re.Match[str]) -> None:
        out[m.start()] = out[m.start()].upper()

    def stop(w: str) -> bool:
        return w in NAME_STOP or w in _AFTER_NAME or w in ROLE_WORDS or w.endswith(("ed", "ing"))

    def next_word(i: int) -> str:
        """The word right after words[i] when only a space separates them."""
        if i + 1 >= len(words) or text[words[i].end() : words[i + 1].start()] != " ":
            return ""
        return words[i + 1].group(0)

    _recase_name_runs(text, out, stop)
    for vm in _VIETNAMESE_NAME.finditer(text):
        if vm.group(0).split()[-1] not in (
            "is",
            "was",
            "and",
            "from",
            "at",
            "to",
            "the",
            "a",
            "of",
            "in",
            "on",
            "for",
            "with",
        ):
            for part in rc.finditer(r"\S+", vm.group(0)):
                out[vm.start() + part.start()] = out[vm.start() + part.start()].upper()
    i = 0
    while i < len(words):
        w = words[i].group(0)
        prev = words[i - 1].group(0) if i else ""
        nw = next_word(i)
        if w in FIRST_NAMES and w not in _AMBIGUOUS_NAMES and prev not in ("the", "a", "an", "my", "our"):
            cap(words[i])
            j = i + 1
            while j < len(words) and words[j].group(0) in _PARTICLES and next_word(j - 1):
                j += 1  # "sofia van der berg": the particles stay small, the name after them does not
            if j > i + 1 and j < len(words) and next_word(j - 1) and not stop(words[j].group(0)):
                cap(words[j])
                i = j
            elif nw and not stop(nw) and nw not in _COMPANY_LEAD:
                cap(words[i + 1])  # the surname
                i += 1
        elif (
            prev in _COMPANY_LEAD
            and not stop(w)
            and w not in FIRST_NAMES
            and w not in ("the", "a", "an", "our", "my", "their", "his", "her", "me", "us", "them", "him")
        ):
            cap(words[i])
            more = _company_words_after(i, next_word, stop)
            for k in range(i + 1, i + 1 + more):
                cap(words[k])  # "pied piper", "umbrella corp", "tata consultancy services"
            i += more
        i += 1
    return "".join(out)


def _company_words_after(i: int, next_word: Callable[[int], str], stop: Callable[[str], bool]) -> int:
    """How many words after the first word of a company typed in lower case belong to its name: a second
    that reads as a name or a company word, then any further company words ("tata consultancy services").
    A legal suffix ("pjsc", "llc") is left as typed: the name reader takes it in lower case."""
    from .text import COMPANY_SUFFIX
    from .vocab import COMPANY_WORDS, FIRST_NAMES

    nw = next_word(i)
    if not nw or not (
        nw in COMPANY_WORDS or not stop(nw) and nw not in FIRST_NAMES and len(nw) >= 3 and nw.isalpha()
    ):
        return 0
    more = 1
    while next_word(i + more) in COMPANY_WORDS - COMPANY_SUFFIX and more < 3:
        more += 1
    return more
