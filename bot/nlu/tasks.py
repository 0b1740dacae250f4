"""Tasks: ``create_task``, ``complete_task`` and ``list_tasks`` (and ``/crm task …``, ``/crm tasks``)."""

from __future__ import annotations

import re

from . import rx as rc
from .base import (
    MENTION_AT,
    PIPELINE_CHANGE,
    Msg,
    Result,
    Slots,
    blank,
    date_ranges,
    first_future,
    mentions,
    person_like,
    resolve_when,
    strip_quotes,
    tidy,
)
from .text import looks_like_person
from .vocab import FIRST_NAMES, NAME_STOP

_DONE_RULES = [
    # "task 'ping Tanaka about the contract' is finished", "the todo call Raj is done"
    rc.compiled(
        r"^(?:the\s+|my\s+)?(?:task|todo|to-do)\s*[:\-]?\s+(?P<t>.+?)\s+(?:is|was|has\s+been|'s)\s+(?:now\s+|all\s+)?"
        r"(?:done|finished|complete|completed|closed|sorted)$"
    ),
    rc.compiled(
        r"^(?:(?:i'm|im|i am|just|finally|all|already|now)\s+)*(?:task\s+|todo\s+)?(?:done|finished|completed|complete)\b\s*(?:with\s+)?"
        r"(?:task|todo)?\s*[:\-]?\s*(?P<t>.+)$"
    ),
    rc.compiled(
        r"^(?:please\s+)?(?:mark|marked|tick|ticked|check|checked|cross|crossed|set)\s+(?:off\s+)?(?P<t>.+?)\s+"
        r"(?:as\s+)?(?:done|complete|completed|finished|off|closed)$"
    ),
    rc.compiled(r"^(?:tick|ticked|check|checked|cross|crossed)\s+off\s*[:\-–—]?\s+(?P<t>.+)$"),
    # "i sent the questionnaire to Anjali, mark that task done": what was done, then the instruction
    rc.compiled(
        r"^(?P<t>.+?)\s*[,;.]\s*(?:so\s+|pls\s+|please\s+|you can\s+)*(?:(?:mark|tick|check|cross|close)\s+"
        r"(?:that|it|this|the)\s*(?:task|todo|one|to-do)?\s+(?:off|as\s+done|done|complete|completed|finished)"
        r"|(?:close|complete|close out)\s+(?:that|it|this|the)\s+(?:task|todo|one|to-do)"
        r"|(?:mark|tick|check)\s+(?:as\s+)?(?:done|complete|off))"
        r"(?:\s+(?:please|pls|thanks))?$"
    ),
    rc.compiled(
        r"^(?:i\s+|we\s+)?(?:finally\s+|just\s+)?got\s+(?P<t>.+?)\s+(?:done|finished|sorted|out the door)$"
    ),
    rc.compiled(
        r"^(?:mark|marked|set)\s+(?:as\s+)?(?:done|complete|completed|finished)\s*[:\-–—]\s*(?P<t>.+)$"
    ),
    rc.compiled(
        r"^(?:close|complete|close out|mark off|tick off|check off|cross off)\s+(?:the\s+)?(?:task|todo)\s*[:\-]?\s*(?P<t>.+)$"
    ),
    rc.compiled(
        r"^(?:i\s+|we\s+|i've\s+|i have\s+|we've\s+|we have\s+)?(?:just\s+|already\s+|finally\s+)?"
        r"(?:finished|completed|wrapped up|knocked out)\s+"
        r"(?:the\s+task\s+|task\s+)?(?P<t>.+)$"
    ),
    rc.compiled(
        r"^(?P<t>.+?)\s+(?:is|are|was|has been|have been|now)\s+(?:all\s+|now\s+|finally\s+)?"
        r"(?:done|complete|completed|finished|taken care of|sorted|handled)$"
    ),
    rc.compiled(r"^(?P<t>.+?)\s*(?:-|:|—|–|=>|->)\s*(?:done|complete|completed|finished)$"),
    # "call gina done" (the strike-through is gone by now): two or more words that read as a to-do
    rc.compiled(
        r"^(?!(?:i|i'm|im|we|we're|you|it|that|this|all|so|just|deal|the deal|they|he|she)\b)"
        r"(?P<t>[a-z]+\s+\S.*?)\s+(?:done|completed|finished)$"
    ),
    rc.compiled(
        r"^(?:i've\s+|i have\s+|i\s+|just\s+)*(?P<t>.+?)\s*[,;]\s*(?:so\s+)?(?:that\s+|the\s+)?(?:task\s+|todo\s+)?"
        r"(?:is\s+|'s\s+)?(?:done|complete|completed|finished)$"
    ),
]


def task_ref(s: str) -> str:
    s = tidy(s)
    s = strip_quotes(s)
    s = rc.sub(r"^(?:the\s+)?(?:task|todo|to-do)\s*[:\-]?\s+", "", s, flags=re.I)
    if rc.search(r"\s(?:task|todo|to-do)$", s, re.I):
        s = rc.sub(r"\s+(?:task|todo|to-do)$", "", s, flags=re.I)
        s = rc.sub(r"^(?:my|the|that|this)\s+", "", s, flags=re.I)
    return strip_quotes(tidy(s))


def rule_complete_task(m: Msg) -> Result | None:
    low = m.low.strip().rstrip("!.")
    if (
        m.done_mark
        and low
        and not rc.match(r"^(?:we\s+)?(?:won|signed|closed)\b", low)
        and not rc.match(
            r"^(?:call|meeting|demo|lunch|visit|mtg|sync)\s+(?:done|finished|completed)\s+with\b", low
        )
    ):
        # "finished the Comarch invoice task ✅": the done word first, then the task as a reference
        # "✅ done with 'call Rahul re invoice'": "with" joins the done word to the task, it is not the task's
        t = task_ref(
            rc.sub(r"^(?:done|finished|completed)(?:\s+with)?\s*[:\-]?\s*", "", tidy(m.text), flags=re.I)
        )
        t = rc.sub(r"^(?:done|finished|completed)(?:\s+with)?\s*[:\-]?\s*", "", t, flags=re.I)
        t = rc.sub(r"\s*[-:–—]?\s*(?:is\s+)?(?:done|finished|completed|complete)$", "", t, flags=re.I)
        if t:
            return "complete_task", 0.85, {"task": t}
    for rx in _DONE_RULES:
        dm = rx.match(low)
        if not dm:
            continue
        t_low = dm.group("t")
        if (
            rx.pattern.startswith("^(?P<t>")
            and rc.search(r"\b(?:deal|opp|opportunity|contract signed|renewal)\b", t_low)
            and not rc.search(r"\b(?:task|todo)\b", t_low)
        ):
            return None  # "the Acme renewal is done" closes a deal, not a task
        if rc.match(r"(?:a|an|my|our)\s+(?:quick\s+)?(?:call|meeting|demo|lunch|chat|mtg)\b", t_low):
            return None
        if rc.match(r"(?:deal|for today|for the day|for now|here|yet)\b", t_low) or len(t_low.split()) > 14:
            return None
        t = task_ref(m.text[dm.start("t") : dm.end("t")])
        t = rc.sub(
            r"\s*[,;.]\s*(?:so\s+|pls\s+|please\s+)?(?:mark|tick|check|cross|close)\b.*$", "", t, flags=re.I
        )
        t = rc.sub(
            r"\s*[,;.]?\s*(?:so|and)\s+(?:that|this|the)(?:\s+(?:task|one|todo|to-do))?$", "", t, flags=re.I
        )
        if t and t.lower() not in (
            "that",
            "it",
            "this",
            "everything",
            "all",
            "all of it",
            "that one",
            "this one",
        ):
            return "complete_task", 0.9, {"task": t}
    return None


_NAMED_ASSIGNEE = rc.compiled(
    r"(?:^|[\s(])(?P<n>[a-z][\w\-]*)['’]s\s+(?:(?:open|overdue|pending|current|upcoming|remaining)\s+)*(?:tasks?|todos?|to-?dos?|"
    r"list|plate|reminders|follow[\s\-]?ups)\b"
    r"|\b(?:tasks?|todos?|to-?dos?|overdue|due)\s+(?:for|of)\s+(?P<n2>[a-z][\w\-]*)\b"
    r"|^what\s+(?:does|has)\s+(?P<n3>[a-z][\w\-]*)\s+(?:have|got)\b"
    r"|^what(?:'s|\s+is)\s+(?P<n4>[a-z][\w\-]*)\s+(?:working\s+on|up\s+to|doing|busy\s+with)\b"
    # "what tasks does ahmed have", "does priya have anything overdue", "is raj behind on his follow-ups"
    r"|\b(?:tasks?|todos?|to-?dos?|reminders|follow[\s\-]?ups|items|things)\s+(?:does|do|has|did|is|will)\s+(?P<n5>[a-z][\w\-]*)"
    r"\s+(?:have|got|own|owe|need|working|due|behind)\b"
    r"|^(?:does|has|is|did)\s+(?P<n6>[a-z][\w\-]*)\s+(?:have|got|own|behind|late|overdue)\b"
)


def _named_assignee(m: Msg) -> str | None:
    from .records import teammate_name

    nm = _NAMED_ASSIGNEE.search(m.low)
    if not nm:
        return None
    key = next(k for k in ("n", "n2", "n3", "n4", "n5", "n6") if nm.group(k))
    name = m.text[nm.start(key) : nm.end(key)]
    low = name.lower()
    if not teammate_name(name) or low in (
        "today",
        "tomorrow",
        "me",
        "us",
        "the",
        "this",
        "next",
        "my",
        "today's",
        "i",
        "we",
        "you",
        "he",
        "she",
        "they",
    ):
        return None
    if key != "n" and not (name[:1].isupper() or low in FIRST_NAMES):
        return None
    return name


def _who(m: Msg, *, team_words: str) -> str | None:
    ids = mentions(m.text)
    if ids:
        return ids[0]
    named = _named_assignee(m)
    if named:
        return named
    got_on = rc.match(
        r"(?:what's|what has|whats|what does)\s+(?!(?:the|it|that|this|there|he|she|we|i|my|our|everyone)\b)"
        r"(?P<n>[A-Za-z][\w\-]*)\s+(?:got|have|has)\s+(?:on|due|going on|to do|planned|lined up)\b",
        m.text,
        re.I,
    )
    if got_on:
        return got_on.group("n")  # "what's Achieng got on today": a teammate named without a mention
    # Slack leaves "@name" as typed when it knows no such person: the name as written, for the bot to look up.
    typed = rc.search(r"(?<![\w.<@])@([A-Za-z][\w.\-]*[A-Za-z0-9]|[A-Za-z])", m.text)
    if typed:
        return typed.group(1)
    if rc.search(team_words, m.low):
        return None
    return m.user


def list_tasks(m: Msg, conf: float) -> Result:
    low = m.low
    slots: Slots = {}
    who = _who(
        m,
        # "who has overdue tasks?", "show all overdue": about everyone, not the sender ("all my tasks" is mine)
        team_words=r"\b(?:team|everyone|everybody|anyone|anybody|all of us|whole team|the team's|team's)\b"
        r"|^(?:who|which\s+(?:reps?|people|of\s+us))\s+(?:has|have|had|got|'s\s+got|is|are)\b"
        r"|^(?:show|list|see|view|get)?\s*(?:me\s+)?all\s+(?!my\b|of\s+my\b)",
    )
    if who:
        slots["assignee"] = who
    if rc.search(r"\boverdue\b|\blate\b|\bpast due\b|\bmissed\b|\bbehind\b|\bslipped\b", low):
        slots["scope"] = "overdue"
    elif rc.search(r"\btoday\b|\btonight\b|\bthis (?:morning|afternoon|evening)\b|\bnow\b", low):
        slots["scope"] = "today"
    elif rc.search(r"\bweek\b|\bweekly\b|\b7 days\b|\bnext few days\b|\bupcoming\b|\bcoming up\b", low):
        slots["scope"] = "week"
    elif rc.search(
        r"\ball\b|\beverything\b|\bevery\b|\bopen\b|\bpending\b|\boutstanding\b|\bremaining\b", low
    ):
        slots["scope"] = "all"
    # otherwise no scope was named (a day such as "tomorrow" is not one): the bot lists the open tasks
    return "list_tasks", conf, slots


_TASK_NOUN = r"(?:tasks?|todos?|to-?dos?|to do(?: list)?|task list|reminders|follow[\s\-]?ups|action items|stuff|things|items)"


def rule_list_tasks(m: Msg) -> Result | None:
    low = m.low.strip()
    if rc.match(r"^(?:which|who)\b.*\b(?:has|have|had|got)\s+the\s+(?:most|fewest|least|more)\b", low):
        return None  # "which rep has the most overdue tasks?": a ranking of the team, not one person's list
    if rc.match(
        rf"^(?:@\w+(?:'s)?\s+|[a-z][\w\-]*'s\s+)?(?:(?:my|our|all|all my|open|pending|outstanding|the team's|team|overdue|late|today's|todays|due|"
        rf"this week's|upcoming|remaining|current)\s+)*{_TASK_NOUN}\b"
        r"(?:\s+(?:for|of)\s+@\w+|\s+@\w+|\s+(?:today|overdue|this week|week|due|all|mine|list|please|pls|"
        r"now|for today|for the week|for this week|for me|due today|due this week"
        r"|(?:for|due|on)\s+(?:tomorrow|tmrw|(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?)))*[?!.]*$",
        low,
    ):
        return list_tasks(m, conf=0.95)
    question = rc.match(
        r"^(?:what|what's|whats|which|any|anything|do i|do we|does|is there|are there|show|list|see|view|get|"
        r"give|pull up|display|check|how many|where|remind me what|tell me|can i see|let me see|lemme see|"
        r"who has|who's got|who is|who's|is|are)\b",
        low,
    )
    if question and rc.search(
        rf"\b{_TASK_NOUN}\b|\bon (?:my|his|her|their|our) plate\b|\bplate\b|\bagenda\b|\bon deck\b"
        r"|\bdue\b|\boverdue\b|\bto do\b|\bi (?:have|got) to do\b|\bpending\b|\boutstanding\b|\bopen items\b"
        r"|\bon (?:my|the) list\b|\bmy list\b|\bworking on\b|\bbusy with\b|'s (?:list|plate)\b"
        r"|\bbehind on\b|\bbehind\b(?=.*\?)"
        r"|^what (?:do|does) (?:i|@\w+|he|she|they|we|the team) (?:have|got)\b"
        r"|^(?:what's|what is|whats) @\w+ (?:got|have|doing|working|up to)\b"
        # "what's Achieng got on today": a teammate named without a mention
        r"|^(?:what's|what has|whats|what does) (?!(?:the|it|that|this|there|he|she|we|i|my|our|everyone)\b)[a-z][\w\-]* "
        r"(?:got|have|has) (?:on|due|going on|to do|planned|lined up)\b"
        r"|\bdo i (?:have|need to do)\b|\bi need to do\b",
        low,
    ):
        if rc.search(r"\b(?:pipeline|pipe|forecast|deals?)\b", low) and not rc.search(_TASK_NOUN, low):
            return None
        return list_tasks(m, conf=0.9)
    if rc.match(
        r"^(?:what do i have|what have i got|what's next for me|what should i (?:do|work on|focus on|prioriti[sz]e|tackle)"
        r"|what am i (?:supposed|meant|expected) to (?:be )?(?:do|doing|work on|working on)"
        r"|what am i (?:late|behind) on|am i (?:late|behind) on|what(?:'s| is) late)\b"
        r"|^(?:what's|what is|whats) (?:left|remaining|next|pending)\b(?!.*\b(?:deal|pipeline)\b)"
        r"|^what else (?:do i|is) ",
        low,
    ):
        return list_tasks(m, conf=0.85)
    if rc.match(r"^(?:anything\s+|what's\s+|whats\s+|what is\s+)?overdue\b", low):
        return list_tasks(m, conf=0.9)
    return None


_TASK_START = rc.compiled(
    r"^(?:"
    r"(?P<remind>(?:set\s+(?:a\s+)?)?remind(?:er)?s?(?:\s+me)?)\b"
    r"|(?P<todo>assign(?:ed)?(?:\s+(?:this|it|a task|task))?(?:\s+to)?(?=\s*[:\-]?\s*@)|(?:add|create|new|make|set up|put in|open(?=\s+(?:a|an|new)\s))\s+(?:a\s+|an\s+|new\s+)*(?:task|todo|to-do|to do|reminder)s?"
    r"|(?:task|todo|to-do|to do|action item|ai|reminder)(?=\s*(?::|-|for\b|@))|(?:add|put)\s+(?:this\s+)?to\s+(?:my\s+)?(?:list|todos?|tasks?))\b"
    r"|(?P<need>(?:i|we)\s+(?:still\s+|really\s+)?(?:need|have|got|gotta|must|should|want)(?:\s+to)?"
    r"|(?:need|have|got|gotta|must)\s+to|gotta|must|(?:don't|dont|do not)\s+(?:let me\s+)?forget(?:\s+to)?"
    r"|(?:i'll|i will|we'll|we will|i'm going to|i am going to|going to|gonna)(?!\s+(?:be|have|need)\b)|note to self|ntm)\b"
    r")"
)


_IMPERATIVE = rc.compiled(
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
    for mm in MENTION_AT.finditer(m.text):
        before = m.low[max(0, mm.start() - 30) : mm.start()]
        if mm.start() <= pos + 2 or rc.search(
            r"(?:^|\b)(?:for|assign(?:ed)?(?: it| this)? to|owner|owned by|remind|ask|tell|get|have|task|todo)\s*[:\-]?\s*$",
            before,
        ):
            return mm.group(1), [(mm.start(), mm.end())]
        after = m.low[mm.end() : mm.end() + 25]
        if rc.match(r"\s*(?:,|:)?\s*(?:can you|could you|pls|please|to)\b", after):
            return mm.group(1), [(mm.start(), mm.end())]
        if (
            rc.search(r"(?:[-–—,:(]|\bfor|\bby|\bowner:?)\s*$", before)
            and not rc.search(r"\bcc:?\s*$", before)
            and rc.fullmatch(r"\s*\)?[.!?]*\s*", m.low[mm.end() :])
        ):
            return mm.group(1), [(mm.start(), mm.end())]  # "… due 12/5 - @U1": a mention that closes the task
    if mm_first := MENTION_AT.match(m.text.strip()):
        return mm_first.group(1), [(0, mm_first.end())]
    return m.user, []


def task_from(m: Msg, pos: int, *, conf: float, teammate: str | None = None) -> Result:
    assignee, cut = (teammate, []) if teammate else _task_assignee(m, pos, m.low[pos:])
    spans = m.spans_in(pos)
    due_span = first_future(m, spans)
    # "Zoe needs the SLA by Friday, remind me Thursday": the reminder's own date is when it is due
    rm = rc.search(r"\bremind (?:me|us|@\w+)\s+(?:on\s+|at\s+)?", m.low[pos:])
    after = [s for s in spans if rm and s.start == pos + rm.end()]
    if after:
        due_span = after[0]
    ranges = list(cut)
    if due_span is not None:
        ranges += date_ranges(m, [due_span])
    body = blank(m.text, ranges)[pos:]
    body = rc.sub(r"^\s*(?:(?:for|to)\b)?\s*[:\-]?\s*", "", body)
    body = rc.sub(
        r"^\s*(?:the\s+)?(?:team|everyone|everybody|all of us|us all)\s+to\s+", "", body, flags=re.I
    )
    body = rc.sub(
        r"^\s*(?:,|:)?\s*(?:me|us|myself)?\s*(?:,|:)?\s*(?:to|that i need to|that i should|that we need to|about|i need to)?\s+",
        " ",
        " " + body,
    )
    body = rc.sub(
        r"^\s*(?:,|:|-)?\s*(?:can you|could you|pls|please|plz|to|would you|will you)\b\s*",
        "",
        body,
        flags=re.I,
    )
    body = rc.sub(r"^\s*(?:can you|could you|pls|please|plz|to)\b\s*", "", body, flags=re.I)
    body = rc.split(r"(?<=\S)[?!]\s+(?=\w)|(?<=[a-z]{3})\.\s+(?=[A-Za-z])", body)[
        0
    ]  # the first sentence says what
    # "Zoe needs the SLA doc by Friday, can you remind me Thursday": the request for a reminder is not the task
    body = rc.sub(
        r"[,;]\s*(?:(?:can|could|would)\s+you\s+|pls\s+|please\s+)?remind\s+me\b.*$", "", body, flags=re.I
    )
    title = tidy(body)
    title = rc.sub(
        r"^(?:i'm|i am|we're|we are|i'll|i will|we'll)\s+(?:going to\s+|gonna\s+)?", "", title, flags=re.I
    )
    title = rc.sub(r"[,;]?\s*\bcc:?\s*(?:@[UW][A-Z0-9]+[\s,]*)+", " ", title, flags=re.I)
    title = rc.sub(r"\s+(?:,|:)\s*", " ", title)
    title = tidy(rc.sub(r"(?:\s+[-–—]+)+\s*$", "", title))
    title = rc.sub(r"\s+[-–—]+(\s+[-–—]+)+\s+", " - ", title)
    title = rc.sub(
        r"\s+(?:by|on|at|due|for|before|until|early|late|mid|around|sometime|approx\.?)$",
        "",
        title,
        flags=re.I,
    ).strip()
    if assignee and assignee != m.user:
        # "ask <@U1> to review the contract": with the person taken out, what is left is the ask itself
        title = rc.sub(r"^(?:ask|tell|get|have|remind)\s+(?:to\s+)?(?=\w)", "", title, flags=re.I)
    if not title:
        return "unknown", 0.3, {}
    slots: Slots = {"title": title}
    if assignee:
        slots["assignee"] = assignee
    if due_span is not None:
        due = resolve_when(m, due_span, "future")
        if due:
            slots["due"] = due
    cm = rc.search(
        r"\b(?:call|email|e-mail|ping|text|meet|message|follow[\s\-]?up with|check in with|reach out to|get back to|"
        r"send\b.{1,40}?\bto|sync with|touch base with|remind|invite|intro)\s+(?P<n>[A-Z][\w'’\-]+(?:\s+(?:(?:Van|Thi|Văn|Thị)\s+)?[A-Z][\w'’\-]+)?)",
        title,
    )
    # "send the quote to Pied Piper", "check in with Massive Dynamic": a pair of words is a person only when
    # it reads as one (a known first name, a family name's form), so no company is taken for a contact
    if cm and (
        person_like(cm.group("n"), default=False)
        if " " in cm.group("n")
        else looks_like_person(cm.group("n"))
    ):
        slots["contact"] = cm.group("n")
    dm = rc.search(
        r"\b(?:for|on|re)\s+the\s+(?P<d>[A-Z][\w&.\-]*(?:['’][A-Z][\w&.\-]*)?(?:\s+[\w&.\-]+){0,2}?)\s+(?:deal|opportunity|opp)\b",
        title,
    )
    if dm:
        slots["deal"] = dm.group("d")
    return "create_task", conf, slots


# Words after "remind/ask/tell" that are not a teammate's name: "remind me", "ask legal to review…"
_GROUP_NOUNS = frozenset(
    [
        "legal",
        "finance",
        "procurement",
        "support",
        "marketing",
        "sales",
        "ops",
        "it",
        "engineering",
        "security",
        "hr",
        "leadership",
        "management",
        "accounting",
        "billing",
        "product",
        "design",
        "customers",
        "customer",
        "client",
        "clients",
        "vendor",
        "partner",
        "team",
        "them",
        "him",
        "her",
        "someone",
        "somebody",
        "anyone",
    ]
)
# Not a teammate either: pronouns, determiners and groups ("remind the team", "ask them to").
_NOT_TEAMMATE = _GROUP_NOUNS | frozenset(
    [
        "a",
        "all",
        "an",
        "anybody",
        "cs",
        "everybody",
        "everyone",
        "folks",
        "guys",
        "his",
        "me",
        "my",
        "myself",
        "our",
        "ourselves",
        "people",
        "prospect",
        "prospect's",
        "that",
        "the",
        "their",
        "these",
        "this",
        "those",
        "u",
        "us",
        "you",
    ]
)
_TEAMMATE_ASK = rc.compiled(
    r"^(?:please\s+|pls\s+)?(?:remind|ask|tell|get|have|(?:set\s+)?(?:a\s+)?reminder\s+for(?=\s+[a-z][\w\-]*\s+to\s))\s+"
    r"(?P<n>[a-z][\w\-]*)\s+(?:(?:to|that\s+(?:he|she|they)\s+(?:needs?|has|have|should)\s+to|about|that)\s+|(?=[a-z]))"
)
# "assign the Acme follow-up to Sarah for Monday"
_ASSIGN_TO_NAME = rc.compiled(
    r"^(?:please\s+|pls\s+)?assign\s+(?!to\b)(?P<t>.+?)\s+to\s+(?P<n>[a-z][\w\-]*)"
    r"(?=\s+(?:by|for|on|due|before|until|tomorrow|today|next|this|eod|asap)\b|\s*[,.!?]?\s*$)"
)
_TEAMMATE_FOR = rc.compiled(
    r"^(?:(?:(?:create|add|make|set\s+up|open|new)\s+)?(?:a\s+|an\s+)?(?:new\s+)?(?:task|todo|to-do|action\s+item)\s+for"
    r"|assign(?:ed)?(?:\s+(?:this|it|a\s+task))?\s+to)\s+"
    r"(?P<n>[a-z][\w\-]*)\s*(?:[:\-–—]\s*|\s+to\s+)"
)
# "can bob send the deck…", "Sarah, please send the proposal…": a teammate asked directly (a known first name)
_TEAMMATE_DIRECT = rc.compiled(
    r"^(?:(?:can|could|would|will)\s+(?P<n>[a-z][\w\-]*)\s+(?:please\s+|pls\s+)?"
    r"|(?P<n2>[a-z][\w\-]*)\s*[,:]?\s+(?:please|pls|can\s+you|could\s+you)\s+)"
)


def teammate_task(m: Msg) -> Result | None:
    """A teammate named in words gets the task as written: "remind bob to send the MSA…" is bob's."""
    am = _ASSIGN_TO_NAME.match(m.low)
    if am:
        name = m.text[am.start("n") : am.end("n")]
        if name.lower() in FIRST_NAMES or name[:1].isupper() and name.lower() not in _NOT_TEAMMATE:
            slots: Slots = {"title": tidy(m.text[am.start("t") : am.end("t")]), "assignee": name}
            due_span = first_future(m, m.spans_in(am.end()))
            if due_span is not None:
                due = resolve_when(m, due_span, "future")
                if due:
                    slots["due"] = due
            return "create_task", 0.85, slots
    dm = _TEAMMATE_DIRECT.match(m.low)
    if (
        dm
        and _IMPERATIVE.match(m.low[dm.end() :])
        and not rc.match(r"(?:call|text|ping|email|message)\s+me\b", m.low[dm.end() :])
    ):
        key = "n" if dm.group("n") else "n2"
        name = m.text[dm.start(key) : dm.end(key)]
        if name.lower() in FIRST_NAMES and name.lower() not in _NOT_TEAMMATE:
            got = task_from(m, dm.end(), conf=0.8, teammate=name)
            return got if got[0] == "create_task" else None
    tm = _TEAMMATE_ASK.match(m.low) or _TEAMMATE_FOR.match(m.low)
    if not tm:
        return None
    name = m.text[tm.start("n") : tm.end("n")]
    low_name = name.lower()
    if m.spans_in(tm.start("n") - 1, tm.end("n") + 1) or any(
        s.start <= tm.start("n") < s.end for s in m.spans
    ):
        return None  # "remind Monday …": a day
    if (
        low_name in _NOT_TEAMMATE
        or m.low[tm.end("n") : tm.end("n") + 3] == "'s "
        or (
            tm.re is _TEAMMATE_ASK
            and m.low.startswith(("ask", "tell", "get", "have"))
            and not m.low[tm.end("n") :].lstrip().startswith("to ")
            and not _IMPERATIVE.match(m.low[tm.end() :])
        )
    ):
        return None
    if (
        tm.re is _TEAMMATE_ASK
        and not m.low.startswith(("remind", "set", "please", "pls"))
        and rc.match(r"\s+(?:at|from|of)\b", m.low[tm.end("n") :])
    ):
        return None  # "ask Jane at Acme to…": a customer, the task is the sender's
    # "ask kwame to update the notes": one word that is no common word, then "to" and something to do,
    # names a teammate even when the name is not a known first name
    told_to = (
        rc.match(r"\s+to\s+", m.low[tm.end("n") :])
        and _IMPERATIVE.match(m.low[tm.end("n") :].lstrip()[3:])
        and low_name not in NAME_STOP
        and low_name not in _GROUP_NOUNS
        and not low_name.endswith(("ed", "ing", "ly"))
    )
    if (
        rc.match(r"^(?:please\s+|pls\s+)?(?:ask|tell|get|have)\b", m.low)
        and low_name not in FIRST_NAMES
        and not name[:1].isupper()
        and not told_to
    ):
        return None
    got = task_from(m, tm.end(), conf=0.88, teammate=name)
    return got if got[0] == "create_task" else None


# "> can someone send Koç the W-9?\n<@U1> can you take this, by Friday": a request quoted, then handed to someone
_HANDED_OVER = rc.compiled(
    r"^(?:can|could|would)\s+(?:someone|somebody|anyone|anybody|we|you|u)\s+(?:please\s+|pls\s+)?(?P<t>[^?]{3,120}?)\s*\?\s+"
    r"@(?P<u>[UW][A-Z0-9]+)\s*[,:]?\s+(?:(?:can|could|would)\s+(?:you|u)\s+)?(?:please\s+|pls\s+)?"
    r"(?:take|grab|handle|own|pick\s+up|look\s+at|do)\s+(?:this|that|it)(?:\s+one)?\b(?P<rest>.*)$",
    re.I,
)


def _handed_over(m: Msg) -> Result | None:
    hm = _HANDED_OVER.match(m.text)
    if not hm or not _IMPERATIVE.match(hm.group("t").lower()):
        return None
    slots: Slots = {"title": tidy(hm.group("t")), "assignee": hm.group("u")}
    when = next((s for s in m.spans if s.start >= hm.start("rest")), None)
    if when is not None:
        due = resolve_when(m, when, "future")
        if due:
            slots["due"] = due
    return "create_task", 0.85, slots


def rule_create_task(m: Msg) -> Result | None:
    low = m.low
    handed = _handed_over(m)
    if handed:
        return handed
    mate = teammate_task(m)
    if mate:
        return mate
    tm = _TASK_START.match(low)
    if tm:
        if (
            tm.group("need")
            and not (m.spans or _IMPERATIVE.match(low[tm.end() :].strip()))
            and not rc.search(
                r"\b(?:call|email|send|follow|ping|prepare|draft|schedule|book|get|review|update)\b", low
            )
        ):
            return None
        if tm.group("need") and rc.match(r"\s*(?:to\s+)?(?:log|add|create|record)\b", low[tm.end() :]):
            return None
        return task_from(m, tm.end(), conf=0.9)
    if MENTION_AT.match(m.text.strip()):
        if rc.match(
            r"^@\w+(?:'s)?\s+(?:(?:overdue|open|pending|today's|current|upcoming)\s+)?"
            r"(?:tasks|todos|to-dos|pipeline|forecast|deals|numbers)\b",
            low,
        ):
            return None  # "@U123 overdue tasks", "@U123's pipeline": questions about someone
        return task_from(m, 0, conf=0.85)
    if rc.match(r"^(?:ask|tell|have|get)\s+@[uw]", low):
        return task_from(m, 0, conf=0.85)
    # "can @U1 send the deck to Hooli by Friday?"
    cm = rc.match(
        r"^(?:can|could|would|will)\s+(?=@[UW][A-Z0-9]+\s+(?:please\s+|pls\s+)?[a-z])", m.text, re.I
    )
    if cm:
        return task_from(m, cm.end(), conf=0.8)
    # "assign Initech follow-up to @U1 for Monday"
    am = rc.match(r"^assign\s+(?!to\b)(?P<t>.+?)\s+to\s+@(?P<u>[UW][A-Z0-9]+)\b", m.text, re.I)
    if am:
        slots: Slots = {"title": tidy(am.group("t")), "assignee": am.group("u")}
        due_span = first_future(m, m.spans_in(am.end()))
        if due_span is not None:
            slots["due"] = resolve_when(m, due_span, "future")
        return "create_task", 0.85, slots
    return None


def rule_create_task_imperative(m: Msg) -> Result | None:
    low = m.low
    if rc.match(r"^(?:book|order|get|buy|find|grab) me\b", low) or rc.search(
        r"\b(?:flight|hotel|uber|taxi|cab|restaurant|table for)\b", low
    ):
        return None  # "book me a flight to Denver": an errand, not CRM work
    if rc.match(r"^(?:call|text|ping|email|message) me\b", low):
        return None
    if PIPELINE_CHANGE.match(low):
        return None  # "add a stage called Security Review": the pipeline's shape, for /crm stages
    if rc.match(r"^(?:update|change|set|move|push|mark)\b", low) and not m.spans:
        return None
    if m.spans and rc.match(r"^(?:[\w'&\-]+\s+){0,3}reminders?\s+(?:for|to|about|re)\b", low):
        return task_from(m, 0, conf=0.7)  # "renewal reminder for Acme on Jan 1"
    im = _IMPERATIVE.match(low)
    if im:
        return task_from(m, 0, conf=0.8 if m.spans else 0.65)
    # "jane - call back", "globex: send pricing": who it is about, then what to do
    nm = rc.match(r"^[a-z][\w'.&\-]*(?:\s+[a-z][\w'.&\-]*)?\s*[-:–—]\s*", low)
    if nm and _IMPERATIVE.match(low[nm.end() :]) and not rc.match(r"(?:note|fyi|update)\b", low):
        return task_from(m, 0, conf=0.6)
    return None
