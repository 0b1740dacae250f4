"""The message as the rules see it, and the helpers they share: tidying, date phrases, names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from . import rx as rc
from .dates import DateSpan, resolve
from .text import COMPANY_SUFFIX, role_title, take_name
from .vocab import COMPANY_WORDS, FIRST_NAMES, LIFECYCLE_WORDS, ROLE_WORDS, SURNAMES

Slots = dict[str, Any]
Result = tuple[str, float, Slots]  # (intent, confidence, slots)


@dataclass
class Msg:
    """The message after normalisation; ``text`` keeps case, ``low`` is the same string lower-cased."""

    text: str
    low: str
    now: datetime
    user: str | None
    spans: list[DateSpan]
    done_mark: bool
    typed_lower: bool = False  # the sender wrote no capitals (they were put back for names)
    restore: list[tuple[str, str]] = field(default_factory=list)  # see Normalized.restore
    emoji_breaks: bool = False  # an emoji between words was read as a clause break (" ; ")

    def tail(self, start: int) -> Msg:
        """The message from ``start`` on, as if it had been sent alone."""
        spans = [replace(s, start=s.start - start, end=s.end - start) for s in self.spans if s.start >= start]
        return replace(self, text=self.text[start:], low=self.low[start:], spans=spans)

    def spans_in(self, start: int, end: int | None = None) -> list[DateSpan]:
        stop = len(self.text) if end is None else end
        return [s for s in self.spans if s.start >= start and s.end <= stop]


MENTION_AT = rc.compiled(r"@([UW][A-Z0-9]{2,})\b")


_PREP_BEFORE_DATE = rc.compiled(
    r"(?:\b(?:by|on|before|until|till|due|for|at|around|no later than|from|this|next|in|within|every|"
    r"of|is|to|closing|close|closes|expected|expected to close|target|targeting)\s*[:\-]?\s*)+$",
    re.I,
)


# A filler word is one on its own: the "K" of "Sakura K.K." is a letter of a legal form, not "k" for okay.
_TRAILING_FILLER = rc.compiled(
    r"(?:[\s,;:.!?\-]+|(?<!\.)\b(?:please|pls|plz|thanks|thank you|thx|ty|asap|k|ok|okay|cheers)\b)+$", re.I
)
# Initials closing a name ("K.K.", "S.A.", "N.V.", "S.A.B. de C.V."): their last full stop is part of them.
_INITIALS_END = rc.compiled(r"(?<![\w.])(?:[A-Za-z]\.){2,}$")


def tidy(s: str) -> str:
    s = rc.sub(r"\s+", " ", s).strip()
    s = rc.sub(r"^[\s,;:.!?\-–—\"'`]+", "", s)
    prev = None
    while prev != s and not _INITIALS_END.search(s):
        prev = s
        s = _TRAILING_FILLER.sub("", s).strip()
        s = s.strip("\"'`“”‘’()[] ")
    return s


def blank(text: str, ranges: list[tuple[int, int]]) -> str:
    """``text`` with the given ranges replaced by spaces (positions stay valid)."""
    chars = list(text)
    for s, e in ranges:
        for i in range(max(0, s), min(len(chars), e)):
            chars[i] = " "
    return "".join(chars)


def date_ranges(m: Msg, spans: list[DateSpan]) -> list[tuple[int, int]]:
    """Ranges of the date phrases together with the preposition that introduces them."""
    out = []
    for sp in spans:
        before = m.low[: sp.start]
        pm = _PREP_BEFORE_DATE.search(before)
        start = pm.start() if pm else sp.start
        out.append((start, sp.end))
    return out


# A date taken back as it is said: "closing next month… er, Dec 18", "Friday, sorry, Thursday"
_CORRECTION = rc.compiled(
    r"\s*(?:…|\.{2,}|[,;\-–—])?\s*(?:er+|erm|uh+|um+|sorry|i mean|actually|no wait|wait|correction|make that|"
    r"scratch that|or rather|rather)\s*[,:…\-–—]*\s*(?:(?:on|by|to)\s+)?"
)


def corrected(m: Msg, span: DateSpan) -> DateSpan:
    """The date the sender settled on: the one said right after a correction of ``span``, else ``span``."""
    cur = span
    while True:
        cm = _CORRECTION.match(m.low, cur.end)
        if not cm or cm.end() == cur.end or not rc.search(r"[a-z…]", m.low[cur.end : cm.end()]):
            return cur
        nxt = next((s for s in m.spans if s.start == cm.end()), None)
        if nxt is None:
            return cur
        cur = nxt


def resolve_when(m: Msg, span: DateSpan, direction: str = "future", *, date_only: bool = False) -> str | None:
    got = resolve(span, m.now, "past" if direction == "past" else "future")
    if got and date_only:
        return got[:10]
    return got


def first_future(m: Msg, spans: list[DateSpan]) -> DateSpan | None:
    for sp in spans:
        if not sp.is_past_word:
            return sp
    return None


def mentions(s: str) -> list[str]:
    return MENTION_AT.findall(s)


def strip_quotes(s: str) -> str:
    s = s.strip()
    if len(s) >= 2 and s[0] in "\"'`" and s[-1] == s[0]:
        return s[1:-1].strip()
    return s


_STAGE_PATTERNS: list[tuple[str, str]] = [
    (
        "won",
        r"\bclosed[\s\-]?won\b|(?<!not )(?<!haven't )(?<!hasn't )\bwon\b(?!['’]t)|\bwin\b"
        # "signed the NDA" is paperwork before a deal, not the deal
        r"|(?<!not )(?<!haven't )(?<!hasn't )\bsigned\b(?!\s+(?:up|off|in|out)\b)(?!\s+(?:(?:the|an|a|our|their|an?\s+updated)\s+)?(?:m?nda|dpa|baa|loi|"
        r"pilot|eval|evaluation|trial|poc|sow for the pilot)\b)|\bbooked\b|\binked\b|\bcommitted\b",
    ),
    (
        "lost",
        # "they lost budget" / "lost their champion" is what happened to them, not the deal's stage
        r"\bclosed[\s\-]?lost\b|(?<!they )(?<!she )(?<!he )(?<!they've )(?<!they have )\blost\b"
        r"(?!\s+(?:(?:their|the|its|our|his|her|my|some|all|a|an|key)\s+)?(?:budget|funding|interest|momentum|touch|"
        r"track|contact|sponsor|exec sponsor|champion|steam|headcount|signal|connection|access|approval|power|"
        r"seats?|users?|licen[cs]es?|people|staff|cfo|ceo|cto|vp|buyer|main contact|poc)\b)"
        r"|(?<!not )(?<!isn't )(?<!n't )\bdead\b|\bdied\b|\bkilled\b|\bchurned\b|\bno[\s\-]go\b"
        r"|\bwent with (?:a |another )?(?:competitor|someone else|\w+ instead)\b|\bwalked away\b|\bpassed on\b",
    ),
    ("negotiation", r"\bnegotiat\w*|\bredlines?\b|\bcontracting\b|\bin legal\b(?!\s+review)"),
    ("proposal", r"\bproposal\b|\bquote\b|\bquoted\b|\bpricing sent\b"),
    ("demo", r"\bdemo\b|\bdemoing\b|\bdemo stage\b"),
    ("qualified", r"\bqualified\b|\bqualification\b|\bqualify\b|\bsql\b|\bdiscovery\b"),
    ("lead", r"\blead\b|\bnew lead\b"),
]


# A team's own stage, named as a step of its process ("security review", "discovery call", "legal sign-off"):
# up to three words that end in a step noun. Given as written; the bot matches it against the workspace's stages.
STEP_STAGE = (
    r"(?:[a-z][\w\-]*\s+){0,2}?(?:review|approval|sign-?off|vetting|assessment|evaluation|validation|scoping|"
    r"call|workshop|pilot|trial|poc|procurement|onboarding|diligence)"
)


def stage_in(low: str) -> str | None:
    # Where it is said to move wins ("demo went well, moving to proposal"); otherwise the first stage named
    # ("back to qualified, they lost budget" is qualified).
    mv = rc.search(
        r"\b(?:mov(?:e|es|ed|ing)|advanc(?:e|es|ed|ing)|push(?:es|ed|ing)?|go(?:es|ing)?|bump(?:s|ed|ing)?|progress(?:es|ed|ing)?)"
        r"\s+(?:it\s+|them\s+|this\s+)?(?:back\s+|forward\s+)?(?:to|into)\s+(?:the\s+)?(?:stage\s+)?"
        r"(lead|qualified|demo|proposal|negotiations?|won|lost|closed won|closed lost)\b",
        low,
    )
    if mv:
        word = mv.group(1)
        return "negotiation" if word.startswith("negotiation") else word.replace("closed ", "")
    found = [(m.start(), stage) for stage, pat in _STAGE_PATTERNS for m in [rc.search(pat, low)] if m]
    if found:
        return min(found)[1]
    if rc.search(r"\bclosed\b|\bclose it\b|\bclosed it\b", low):
        return closed_as(low)
    return None


# What turns a bare "closed" into a loss: the customer went elsewhere or said no.
LOSS_CUES = (
    r"\b(?:went|gone|going)\s+with\s+(?:a\s+|another\s+|the\s+other\s+)?(?:competitor|vendor|someone\s+else|\w+\s+instead)\b"
    r"|\b(?:chose|picked|selected)\s+(?:a\s+|another\s+)?(?:competitor|vendor|someone\s+else)\b"
    r"|\blost\s+(?:it\s+)?to\b|\bdecided\s+against\b|\bpassed\s+on\b|\bnot\s+moving\s+forward\b"
    r"|\bno\s+longer\s+interested\b|\bbuilt\s+(?:it\s+)?in[\s-]?house\b|\bno\s+budget\b"
)


def closed_as(low: str) -> str:
    """ "closed" alone is a win, unless the message says the customer went elsewhere or said no."""
    return "lost" if rc.search(LOSS_CUES, low) else "won"


def lifecycle_in(low: str) -> str | None:
    m = rc.search(
        r"\b(?:as|to|is|now|be|a|an|our|into|marked|mark)\s+(?:(?:a|an|our|now|new|paying)\s+)*"
        r"(prospects?|leads?|customers?|clients?|loyal(?: customers?)?|advocates?|champions?|evangelists?)\b",
        low,
    )
    if m:
        return LIFECYCLE_WORDS.get(m.group(1).split()[0])
    m = rc.search(r"^(prospects?|leads?|customers?|clients?|loyal|advocates?)$", low.strip())
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
        r"\bmeet\w*|\bmet\b|\blunch\w*|\bbrunch\b|\bdinner\b|\bcoffee\b|\bbreakfast\b|\bdrinks\b|\bdemo\w*|\bvisit\w*"
        r"|\bran into\b|\bbumped into\b|\bwalk-?through\b|\btraining\b|\bsat down\b|\bonsite\b|\bon-site\b|\bin person\b|\bworkshop\b|\bkick-?off\b|\bqbr\b|\bpresentation\b"
        r"|\bcaught up\b|\bcatch[\s\-]?up\b|\bsync\b|\bzoom\b|\bteams\b|\bwebinar\b|\bconference\b|\bmtg\b"
        r"|\bcame by\b|\bstopped by\b|\bdropped by\b|\bswung by\b|\bpopped by\b|\bcame in\b|\bcame to\b|\bbriefing\b|\bpitch\b|\bhuddle\b|\btour\b|\bdebrief\b|\bf2f\b|\b1:1\b|\bone-on-one\b|\broundtable\b|\bebr\b",
    ),
    (
        "call",
        r"\bcall\w*|\bphone\w*|\brang\b|\brung\b|\bring\b|\bspoke\w*|\btalk\w*|\bchat\w*|\bvoicemail\b|\bvm\b"
        r"|\bdial\w*|\bhung up\b|\bconversation\b|\bconvo\b",
    ),
]


def kind_of(cue: str) -> str:
    low = cue.lower()
    # A "call" word wins over the medium it was arranged on ("zoom call", "teams call").
    if rc.search(r"\bcall\w*|\bphone\w*|\brang\b|\bvoicemail\b", low):
        return "call"
    for kind, pat in _KIND_WORDS:
        if rc.search(pat, low):
            return kind
    return "call"


_COMPANY_SHAPE = rc.compiled(
    r"(?:corp|inc|ltd|llc|gmbh|labs?|tech|soft|ware|works|systems|group|co|io|ly|ify|ex|ix|ics|tron|"
    r"matic|net|hub|stack|cloud|data|logic|media|bank|capital|health|motors|foods|air|line|dyne|sys)$",
    re.I,
)


_INSTITUTION_WORDS = frozenset(
    [
        "center",
        "centre",
        "hospital",
        "clinic",
        "school",
        "schools",
        "university",
        "college",
        "church",
        "pharmacy",
        "dental",
        "medical",
        "foundation",
        "institute",
        "council",
        "district",
    ]
)


# Names in scripts with no capitals (Han, kana, Hangul, Arabic): a company says what it is with a word of its
# own ("北京科技", "株式会社", "삼성전자", "شركة"); a person's name is short and starts with a family name.
UNCASED = "\u0600-\u06ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff"
_UNCASED_COMPANY = rc.compiled(
    "公司|科技|集团|集團|银行|銀行|株式会社|有限|工业|工業|电子|電子|商事|産業|产业|控股|实业|實業|技术|技術|"
    "网络|網絡|グループ|ホールディングス|銀行|製作所|그룹|전자|은행|기술|산업|주식회사|건설|화학|증권|보험|"
    "شركة|مجموعة|بنك|مؤسسة|للتجارة"
)
_HAN_SURNAME = frozenset(
    "李王张張刘劉陈陳杨楊黄黃赵趙吴吳周徐孙孫马馬朱胡郭何林高罗羅郑鄭梁谢謝宋唐许許韩韓冯馮邓鄧曹彭曾肖田董潘袁"
    "蔡蒋蔣余于杜叶葉程魏苏蘇吕呂丁任卢盧姚沈钟鍾姜崔谭譚陆陸范汪廖石金韦韋贾賈夏付方邹鄒熊白孟秦邱侯江尹薛"
    "闫段雷龙龍黎史陶贺賀毛郝顾顧龚龔邵万萬武钱錢戴严嚴莫孔向常汤湯欧歐佐鈴高田渡伊山中小加吉松井木斎清"
)
_HANGUL_SURNAME = frozenset(
    "김이박최정강조윤장임한오서신권황안송류홍전고문양손배백허유남심노하곽성차주우구민진나"
)


def uncased_person(name: str) -> bool | None:
    """A name written in Han or Hangul: True for a person ("李小龍", "김민준"), False for a company, None when
    the name is in another script."""
    n = name.replace(" ", "")
    if not n or not rc.fullmatch(f"[{UNCASED}]+", n):
        return None
    if _UNCASED_COMPANY.search(n):
        return False
    if rc.fullmatch("[\uac00-\ud7af]{2,4}", n):
        return n[0] in _HANGUL_SURNAME
    if rc.fullmatch("[\u3400-\u9fff\uf900-\ufaff]{2,4}", n):
        return n[0] in _HAN_SURNAME
    return None


def _company_like(name: str) -> bool:
    parts = name.split()
    if not parts:
        return False
    if uncased_person(name) is False:
        return True
    last = parts[-1].lower().rstrip(".")
    if last in COMPANY_SUFFIX or last in COMPANY_WORDS or last in _INSTITUTION_WORDS:
        return True
    if any(ch.isdigit() for ch in name) or "&" in name:
        return True
    if len(parts) >= 3 and any(p.lower() in COMPANY_WORDS for p in parts[1:-1]):
        return True  # "Hanbit Logistics WMS": a company word inside the name
    if len(parts) == 1 and parts[0].isupper() and len(parts[0]) >= 2:
        return True
    return len(parts) == 1 and parts[0].lower() not in FIRST_NAMES and bool(_COMPANY_SHAPE.search(parts[0]))


def company_like(name: str) -> bool:
    """Shaped like an organisation: a legal suffix, a company word, digits or an ampersand."""
    return _company_like(name)


_LEGAL_SUFFIX = frozenset(
    [
        "inc",
        "corp",
        "corporation",
        "co",
        "ltd",
        "llc",
        "llp",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "srl",
        "bv",
        "nv",
        "pty",
        "oy",
        "ab",
    ]
)


# Family names by their endings (Slavic, Nordic, Greek, Romanian, Georgian, Armenian, Turkish, Spanish): a
# capitalised pair ending so is a person's name even when neither word is in a list.
_SURNAME_FORM = rc.compiled(
    r"(?:ski|ska|cki|cka|dzki|dzka|wicz|czyk|czak|ová|ović|ovic|ovich|enko|chuk|shvili|dze|yan|ian|oğlu|oglu|"
    r"sson|dóttir|dottir|poulos|akis|idis|escu|eanu|[aeiou]nez|[aeiou]rez|[aeiou]lez|[aeiou]ves|ães)$"
)


def person_like(name: str, *, default: bool) -> bool:
    if not name:
        return False
    parts = name.split()
    if uncased_person(name):
        return True  # "李小龍", "김민준"
    if len(parts) > 1 and parts[-1].lower().rstrip(".") in _LEGAL_SUFFIX:
        return False  # "Ahmed & Sons Trading LLC", "Jordan Lee Inc."
    if parts[0].lower() in FIRST_NAMES and not (len(parts) > 1 and _company_like(name)):
        return True
    if 1 < len(parts) <= 3 and not _company_like(name) and all(p[:1].isupper() for p in parts):
        last = parts[-1].lower()
        if last in SURNAMES or last in FIRST_NAMES or _SURNAME_FORM.search(last):
            return True  # "Mehmet Yılmaz", "Tanaka Hiroshi" (family name first), "Piotr Zieliński"
    if len(parts) > 1 and rc.fullmatch(
        r"(?:dr|mr|mrs|ms|miss|prof|professor|sir|dame|mx)\.?", parts[0].lower()
    ):
        return True  # "Dr. Chen": an honorific names a person
    if _company_like(name):
        return False
    return default


def name_at(m: Msg, pos: int, *, company: bool = False, max_words: int = 4) -> tuple[str, int]:
    while pos < len(m.text) and m.text[pos] == " ":
        pos += 1
    if m.text.startswith("@", pos):
        return "", pos
    name, end = take_name(m.text, pos, company=company, max_words=max_words)
    if name and not name.endswith(".") and m.text[end - 1 : end] == ".":
        end -= 1  # leave the full stop to end the clause
    return name, end


_COMPANY_LEAD = rc.compiled(r"\s*(?:,\s*)?(?:(?:at|from|of|with|in|over at)\b|@|w/|\()\s*(?:the\s+)?", re.I)


PLACE_TAIL = rc.compiled(
    r"\s+(?:team|teams|folks|people|guys|crew|office|offices|hq|offsite|onsite|event|booth|conference|summit|campus|"
    r"account)\b",
    re.I,
)


GENERIC_PLACE = rc.compiled(
    r"(?:the\s+)?(?:conference|event|office|airport|booth|summit|expo|trade ?show|show|meetup|gym|bar|"
    r"restaurant|party|hotel|lobby|cafe|coffee shop|venue|offsite|onsite|webinar|convention|fair|dinner|lunch)s?"
)


def company_after(m: Msg, pos: int) -> tuple[str, int]:
    cm = _COMPANY_LEAD.match(m.low, pos)
    if not cm or cm.end() == pos:
        return "", pos
    name, end = name_at(m, cm.end(), company=True)
    name = strip_org_tail(name)
    if not name or name.lower() in FIRST_NAMES or any(s.start < end and cm.end() < s.end for s in m.spans):
        return "", pos
    if GENERIC_PLACE.fullmatch(name.lower()):
        return "", pos  # "met Jane at the conference": where it happened, not her company
    if role_title(name) and name.split()[0].lower() in ROLE_WORDS:
        return "", pos  # "(CFO at Pied Piper)": a title, the company comes after it
    if m.text[cm.start() : cm.end()].strip().startswith("(") and m.text.startswith(")", end):
        end += 1
    return name, end


_ORG_TAIL = rc.compiled(
    r"(?:\s+(?:hq|office|offices|team|teams|folks|people|guys|site|campus|headquarters|account))+$", re.I
)


def strip_org_tail(name: str) -> str:
    return _ORG_TAIL.sub("", name) if " " in name else name


def split_clauses(s: str, base: int) -> list[tuple[int, int]]:
    out = []
    start = 0
    for sep in rc.finditer(
        r"[,;.!?]+\s+|\s+[-–—]+\s+|\s+(?:and|but|so|then|plus)\s+(?=\w)"
        r"|\s+(?=(?:she|he|they)\s+(?:wants?|needs?|asked|would like|'d like|requested)\b)"
        # run-on notes: a new clause starts where something to do does
        r"|\s+(?=(?:i\s+|we\s+)?(?:need|needs|have|has|got)\s+to\b|follow[\s\-]?up\b|remind me\b|next steps?\b)",
        s,
    ):
        if sep.start() > start:
            out.append((base + start, base + sep.start()))
        start = sep.end()
    if start < len(s):
        out.append((base + start, base + len(s)))
    return out


QUESTION = rc.compiled(
    r"^(?:who|what|what's|whats|when|where|why|how|how's|did|do|does|is|are|was|were|will|would|can|could|"
    r"should|has|have|any|anyone)\b"
)


# Changing the pipeline itself: "rename the Demo stage to Evaluation", "add a stage called Security Review"
PIPELINE_CHANGE = rc.compiled(
    r"^(?:please\s+)?(?:rename|add|remove|delete|drop|reorder|create|change|update|edit)\s+(?:a\s+|an\s+|the\s+|our\s+|new\s+)*"
    r"(?:(?:pipeline\s+)?stages?\b|\S+\s+(?:stage|pipeline)\b|pipeline\b)(?!\s+(?:of|for|on)\b)"
)
