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
from datetime import datetime
from typing import Any

from . import rx as rc
from .base import (
    PIPELINE_CHANGE,
    QUESTION,
    Msg,
    Result,
    Slots,
    first_future,
    mentions,
    name_at,
    person_like,
    tidy,
)
from .contacts import (
    contact_edit_command,
    create_contact_from,
    rule_create_contact,
    rule_find_contact,
    rule_update_contact,
)
from .contract import MESSAGE_INTENTS, REQUIRED
from .dates import find_period, find_spans, make_now
from .deals import create_deal_from, deal_command, rule_create_deal, rule_update_deal
from .logs import rule_log
from .normalize import normalize, recase_lower
from .records import (
    rule_create_company,
    rule_delete,
    rule_history,
    rule_list,
    rule_merge,
    rule_record_command,
    rule_show,
    rule_tag,
    rule_update_company,
    teammate_name,
)
from .reports import rule_feedback, rule_report
from .rules import Rule, ordered, rule
from .tasks import (
    list_tasks,
    rule_complete_task,
    rule_create_task,
    rule_create_task_imperative,
    rule_list_tasks,
    task_from,
    task_ref,
    teammate_task,
)
from .text import EMAIL, with_legal_form
from .vocab import FIRST_NAMES, KINDS, LIFECYCLES, MEASURES, RECORD_TYPES, SCALES, SCOPES

MAX_CHARS = 4000
log = logging.getLogger(__name__)


_LEADING_FILLER = rc.compiled(
    r"^(?:(?:hey|hi|hello|yo|ok|okay|so|um+|uh+|oh|btw|bot|crm|/crm|please|pls|plz|kindly|"
    r"quick (?:one|q|question|reminder)|(?:long|big|short|brief|quick)\s+(?:one|recap|debrief)(?=\s*[:\-])|can you|could you|would you|will you|can u|could u|"
    r"(?:(?:a|status|quick|small|an|deal|pipeline)\s+)?update(?=\s*[:\-])|heads up|"
    # "typo fix: Ngozi Eze's email is …", "correction: …": a label for what follows
    r"(?:(?:typo|quick|small|data)\s+)?(?:fix|correction|corrected)(?=\s*:)|"
    r"fyi(?=[\s,:;\-]+(?:i\s+|we\s+)?(?:just\s+)?(?:had|called|met|spoke|talked|"
    r"emailed|sent|rang|phoned|texted|left|caught|demoed|visited)\b)|(?:log|record)(?:\s+this)?(?=\s*[:\-]\s*\S)|"
    r"(?:new\s+)?(?:interaction|activity|log entry)(?=\s*[:\-])|"
    r"i'd like to|i would like to|i want to|i wanna|let's|lets|go ahead and|log that|record that)\b[\s,:;!.\-]*)+",
    re.I,
)


_HELP_PHRASE = rc.compiled(
    r"(?:help|h|\?|commands?|usage|menu|options|what can (?:you|u|i) do(?: here| for me)?|what do you do"
    r"|how does (?:this|it|the)(?: bot| thing| app)? work|how do i use (?:this|you|it|the bot)|what are (?:the|your) commands"
    r"|how (?:do|can) i (?:use|talk to) (?:this|you|the bot)|what can i (?:say|ask|type)(?: you)?(?: here)?"
    r"|what (?:should|do|must) i (?:type|say|write|enter|send)(?: here)?(?: to (?:\w+)(?: (?:a|an|the|new))?(?: \w+)?)?"
    r"|what (?:are|r) (?:you|u) (?:able|here) to (?:help(?: me)? with|do)|what (?:can|could) (?:you|u) help(?: me)? with"
    r"|what (?:can|does) (?:this|the) (?:bot|thing|app|crm) do|what is this(?: bot)?|how do i (?:log|add|use)\b.*"
    r"|(?:what|which|list|show)(?: are)?(?: the| your| all)? commands(?: are there| do you have| can i use)?"
    r"|(?:can you |could you )?explain what (?:you do|you can do|this (?:bot|thing) does)|what can you help(?: me)? with|(?:show|list|tell)(?: me)? (?:what|which) commands(?: you (?:support|have|know))?"
    r"|(?:what|which) (?:commands|phrases|words|things|requests) (?:do |can )?you (?:support|have|know|understand|accept|take|recogni[sz]e)"
    r"|what (?:do|can) you understand|what (?:do|can) you (?:respond|react) to"
    r"|(?:i )?(?:don't|dont|do not) (?:get|understand|know) how (?:this|it|you|the bot) works?"
    r"|show (?:me )?(?:the )?(?:help|commands)|list (?:the )?commands|who are you|what are you"
    r"|help (?:me|please|pls)(?: out)?(?: here| please| pls)?|(?:i )?need (?:some )?help(?: (?:using|with) (?:this|the|you)(?: bot| thing| app| crm)?)?|get started|how to use)(?:\s+(?:please|pls|bot|crm|thanks))*",
)


def _help_said(low: str) -> bool:
    """The whole message asks for help, in one phrase or a few ("help pls, what commands are there")."""
    if _HELP_PHRASE.fullmatch(low):
        return True
    parts = [p.strip() for p in rc.split(r"[,;.!?]+", low) if p.strip()]
    helps = [bool(_HELP_PHRASE.fullmatch(p)) for p in parts]
    return (
        len(parts) > 1
        and any(helps)
        and all(h or _SMALL_TALK.fullmatch(p) for h, p in zip(helps, parts, strict=True))
    )


def _r_help(m: Msg) -> Result | None:
    if rc.fullmatch(r"\s*\?+\s*", m.low):
        return "help", 0.9, {}
    low = m.low.strip(" ?!.")
    if _help_said(low):
        return "help", 0.97, {}
    if rc.search(
        r"\b(?:not sure how to|how do i|how can i|how to|don't know how to)\b.*\b(?:log|add|create|record|use|track)\b",
        low,
    ) and (rc.search(r"\bhelp\b|\?", m.low) and not rc.search(r"@|\d", low)):
        return "help", 0.85, {}  # "I'm not sure how to log a meeting, can you help?"
    if rc.match(
        r"^(?:is there a way to|(?:what's|what is|whats) the (?:best |right )?way to|can (?:i|you|this bot) even|"
        r"does (?:this|the) bot (?:support|handle|do))\b.*\b(?:log|track|add|record|import|export|create|use|contacts?|deals?|"
        r"tasks?|renewals?|pipeline|reminders?)\b",
        low,
    ) and not rc.search(r"@|\d", low):
        return "help", 0.8, {}  # "is there a way to bulk import contacts?"
    if rc.search(
        r"\b(?:examples?|samples?|ideas?|list)\s+of\s+(?:what|the\s+things|things|stuff|questions|commands)\s+(?:that\s+)?i\s+"
        r"(?:can|could|should)\s+(?:ask|say|type|do|try)\b|^(?:what|which)\s+(?:kinds?|sorts?|types?)\s+of\s+(?:stuff|things|"
        r"questions|requests|commands|messages)\s+(?:can|could|should|do)\s+i\s+(?:ask|say|type|send|try)\b",
        low,
    ) and not rc.search(r"@|\d", low):
        return "help", 0.9, {}  # "can you show me some examples of what i can ask"
    if m.low.startswith("help ") and len(low.split()) <= 5 and not rc.search(r"@|\d", low):
        return "help", 0.9, {}
    return None


_SMALL_TALK = rc.compiled(
    r"^(?:(?:thanks|thank you|thx|ty|cheers|hi|hello|hey|yo|good (?:morning|afternoon|evening|night)|gm|gn|lol|"
    r"haha+|ok|okay|cool|nice|great|awesome|perfect|yes|no|yep|nope|sure|bye|see ya|how are you|how's it going|"
    r"what's up|sup|sounds good|got it|np|no worries|all good|nice one|good job|well done|brb|morning|"
    r"you're the best|love it|amazing|wow|hmm+|ugh|test|testing|that's all(?: for (?:now|today))?|that's it(?: for now)?|"
    r"all set|all done|done for (?:now|today)|that will be all|that'll be all)\b[\s,.!?]*)+$",
)


# Requests for things a CRM does not do, said in the imperative: errands, travel, food, reposting something
# the bot cannot see. Matched at the start only, so a report that mentions a flight stays a report.
_OFF_TOPIC = rc.compiled(
    r"^(?:(?:book|order|buy|grab|reserve) me (?!(?:an?\s+|the\s+|some\s+|my\s+|all\s+)?(?:[\w'’]+\s+)?"
    r"(?:call|reminder|list|report|summary|tasks?|deals?|pipeline|contacts?|numbers|status|info|details|email|phone|"
    r"update|overview|forecast|notes?)\b)"
    r"|(?:book|reserve|order|get|buy|find)\s+(?:me\s+|us\s+)?(?:an?\s+|the\s+|some\s+|my\s+|our\s+)?(?:\w+\s+)?"
    r"(?:flights?|hotels?|uber|lyft|taxi|cab|ride|train|tickets?|rooms?|airbnb|car rental|rental car|table|"
    r"restaurant|lunch|dinner|pizza|food)\b"
    r"|(?:order|get|grab|buy|pick up|bring)\s+(?:some\s+|the\s+)?(?:lunch|dinner|breakfast|food|pizzas?|coffees?|"
    r"snacks|drinks|donuts|bagels|cake)\b(?!\s+(?:with|w/)\b)"
    r"|(?:post|share|pin|put|drop|paste|forward|cross-?post|repost|send)\s+(?:this|that|it|these|those)\s+"
    r"(?:in|to|on|into)\s+(?:#|the\s+[\w\-]+\s+channel\b|(?:the\s+)?channel\b|slack\b|general\b)"
    r"|(?:invite|add|kick|remove)\s+@[uw][a-z0-9]+\s+(?:to|from|into)\s+(?:#|the\s+channel)"
    r"|(?:create|make|open|start|archive|rename|set up)\s+(?:a\s+|the\s+)?(?:new\s+|private\s+|shared\s+)*(?:slack\s+)?channel\b"
    r"|(?:set|change|update)\s+my\s+(?:slack\s+)?(?:status|profile|avatar|notifications?)\b"
    r"|tell me a joke|write (?:me )?an? (?:poem|song|haiku|story|joke)|(?:what's|what is|how's) the weather"
    r"|set (?:an?|my) (?:alarm|timer)|play (?:some )?(?:music|a song)|translate (?:this|that)\b)",
)


# A treat offered to the team ("lunch is on me today folks", "first round's on us"): office chatter, whatever
# day it names.
_TREAT = rc.compiled(
    r"^(?:the\s+|first\s+|next\s+|this\s+)?(?:lunch|dinner|breakfast|brunch|coffees?|drinks|beers?|pizzas?|snacks|donuts|"
    r"doughnuts|bagels|cake|tacos|treats|round)(?:\s+(?:is|are)|['’]s)?\s+on\s+(?:me|us|the house|the company)\b"
)


# Office life that names days, places and money but asks nothing of a CRM: where someone will be, a
# food run with a question to colleagues, the office's opening days, holidays and leave.
_OFFICE_LIFE = rc.compiled(
    r"^(?:i'll|i will|i'm going to|i am going to|i'm gonna|im gonna)\s+be\s+(?:in|at|out|off|away|travell?ing|"
    r"on\s+(?:leave|holiday|vacation|pto))\b(?!.*\b(?:remind|todo|to-do|task|follow[\s-]?up|log|deal|call\s+[A-Z])\b)"
    r"|^(?:(?:i'm|im|i am)\s+)?(?:gonna|going\s+to|about\s+to|off\s+to)\s+(?:grab|get|order|pick\s+up)\s+"
    r"(?:a\s+|some\s+|the\s+)?[\w\-]+(?:\s+[\w\-]+)?\s*[,;.!-]+\s*(?:anyone|who|want|wanna|need)\b.*\?\s*$"
    r"|\b(?:vacation|pto|sick|holiday|leave)\s+days?\b.*\?*\s*$(?<=\?)|^how\s+many\s+(?:vacation|pto|sick|holiday|leave)\s+days?\b"
    r"|\b(?:office|offices|store|shop|building|restaurant|cafe|café|canteen|cafeteria|airport|school|gym|bank|mall|"
    r"parking(?:\s+(?:garage|lot|deck))?|garage|car\s+park|elevators?|lifts?|kitchen|lobby|bike\s+room)\s+"
    r"(?:is|are|will\s+be|'s)\s+(?:closed|shut|open)\b(?![\s-]+(?:won|lost|deal|the\s+deal)\b)"
    r"|^(?:lunch|coffee|drinks|dinner|beers?|breakfast)\s+(?:at|@)\s+\d[^?]*\?"
    # family and household, personal errands: "I need to call my mom tomorrow", "note to self: buy coffee"
    r"|\bmy\s+(?:mom|mum|mother|dad|father|parents|wife|husband|partner|kids?|son|daughter|sister|brother|"
    r"grandma|grandpa|dentist|doctor|vet|landlord|plumber|babysitter|nanny|dog|cat|car\s+(?:service|wash))\b"
    r"|^(?:note\s+to\s+self|ntm|reminder|remind\s+me\s+to|todo|to-do)?\s*[:\-]?\s*(?:buy|grab|get|pick\s+up|order)\s+"
    r"(?:some\s+|a\s+|the\s+|more\s+)?(?:coffee|milk|groceries|bread|eggs|snacks|flowers|beer|wine|cake|lunch|dinner|"
    r"toilet\s+paper|printer\s+paper|batteries)\s*[.!]*$"
)


# A report asked for again and again ("send me the forecast every monday"): a subscription, which the
# contract has no intent for; `/crm report subscribe` does it, and nothing here may become a task.
_RECURRING_REPORT = rc.compiled(
    r"^(?:(?:can|could)\s+(?:you|u)\s+|please\s+|pls\s+)*(?:send|post|share|email|dm|give|deliver|drop|stop\s+sending)\b"
    r".*\b(?:forecast|pipeline|report|summary|win\s+rate|numbers|funnel|quota|leaderboard)\b"
    r".*\b(?:every|each)\s+(?:day|morning|evening|week|month|quarter|monday|tuesday|wednesday|thursday|friday|mon|tue|wed|thu|fri)\b"
    r"|^(?:(?:can|could)\s+(?:you|u)\s+|please\s+|pls\s+)*(?:send|post|share|email|dm|stop\s+sending)\b.*"
    r"\b(?:daily|weekly|monthly)\s+(?:forecast|pipeline|report|summary|numbers)\b"
)


# Words the CRM also uses, said of something else: luck and games ("won the office raffle"), the weather
# ("forecast for Saturday"), plumbing ("the pipe under the sink"), hiring ("pipeline of candidates"), the
# news ("who is the president of Brazil"), errands and office things, messages to colleagues ("I'll email you
# the slides"), questions that only sound like reminders ("remind me what the wifi password is?").
_NOT_CRM = rc.compiled(
    r"\b(?:won|lost|win|lose|winning|losing)\s+(?:the\s+|a\s+|an\s+|our\s+|my\s+|this\s+)?(?:\w+\s+)?"
    r"(?:raffle|lottery|lotto|bet|prize|tournament|quiz|trivia|pool|sweepstakes?|contest|coin\s+toss|argument|bracket|"
    r"fantasy\s+league|bake[\s-]?off|karaoke|ping[\s-]?pong|foosball|game\s+of)\b"
    r"|\bforecast\b(?=.*\b(?:weather|bbq|barbecue|rain|rainy|sunny|sun|snow|beach|picnic|hike|hiking|outside|outdoors|"
    r"umbrella|storm|temperature|degrees)\b)"
    r"|\bforecast\s+(?:for|on)\s+(?:this\s+)?(?:saturday|sunday|the\s+weekend|weekend|tonight)\b"
    r"|\bpipes?\b(?=.*\b(?:leak\w*|sink|burst|plumber|drain|toilet|bathroom|frozen|clogged|water)\b)"
    r"|\bpipeline\b(?=.*\b(?:kitchen|bathroom|plumber|sink|drain|toilet|sewage|basement)\b)"
    r"|\bpipeline\s+(?:of|for)\s+(?:\w+\s+)?(?:candidates|applicants|hires|talent|recruits|interns|resumes|cvs)\b"
    r"|\b(?:hiring|recruiting|recruitment|candidate|talent|intern|interview)\s+pipeline\b"
    r"|^who(?:'s|\s+is|\s+was)\s+the\s+(?:current\s+)?(?:(?:king|queen|pope|mayor|governor|senator|emperor|sultan|premier)\s+of\s+"
    r"|(?:president|prime\s+minister|pm|chancellor)\s+of\s+(?:the\s+)?(?:usa|us|u\.s\.|united\s+states|america|uk|britain|"
    r"united\s+kingdom|france|germany|italy|spain|portugal|brazil|argentina|mexico|chile|colombia|peru|canada|india|china|japan|"
    r"korea|south\s+korea|indonesia|philippines|vietnam|thailand|australia|new\s+zealand|nigeria|kenya|ghana|egypt|"
    r"south\s+africa|turkey|russia|ukraine|poland|sweden|norway|denmark|finland|netherlands|belgium|switzerland|austria|"
    r"ireland|israel|saudi\s+arabia|uae|pakistan|bangladesh|singapore|malaysia|the\s+world\s+bank|the\s+eu)\b)"
    r"|^(?:can\s+(?:you|u)\s+)?(?:find|recommend|suggest)\s+(?:me\s+|us\s+)?(?:a|an|some)\s+(?:good\s+|nice\s+|decent\s+|great\s+|"
    r"cheap\s+|quiet\s+|cool\s+)?(?:[\w\-]+\s+)?(?:place|restaurant|spot|bar|pub|cafe|café|hotel|gym|barber|dentist|"
    r"bakery)s?\b"
    r"|^(?:i'll|i\s+will|will|i'm\s+gonna|gonna)\s+(?:email|send|dm|slack|forward|ping|text|share)\s+(?:you|u|y'all|you\s+all|"
    r"you\s+guys|everyone|everybody|the\s+team)\b(?!.*\b(?:remind|todo|task|follow[\s-]?up|log)\b)"
    r"|\b(?:shopping|grocery|groceries)\s+list\b"
    r"|^(?:merge|combine)\s+(?:the\s+|these\s+|those\s+|my\s+|our\s+)?(?:two\s+|2\s+|both\s+)?(?:calendar\s+)?"
    r"(?:invites|events|meetings|calendars|slots|files|pdfs|docs|documents|spreadsheets|sheets|tabs|branches|prs|"
    r"pull\s+requests|slides|decks)\b"
    r"|^what(?:'s|\s+is|\s+does|\s+do)\s+(?:an?\s+)?(?:nps|csat|arr|mrr|acv|cac|ltv|churn|a\s+lead|a\s+deal|a\s+pipeline|"
    r"crm|kpi|okr|sla|sdr|bdr)\s+(?:anyway|even|again|mean|stand\s+for)\b"
    r"|\b(?:get|buy|order)\s+(?:a\s+|us\s+a\s+)?new\s+(?:espresso\s+machine|coffee\s+machine|printer|fridge|microwave|"
    r"chairs?|desks?|monitors?|kettle|couch|sofa|plants?)\b"
    r"|^(?:(?:can|could)\s+(?:you|u|someone)\s+)?remind\s+me\s+(?:what|where|when|how|why|which)\b[^A-Z]*\?\s*$"
    # software and data pipelines ("the CI pipeline is red again"), and a meeting about the pipeline being moved
    r"|\b(?:ci|cd|ci/cd|build|deploy|deployment|release|etl|jenkins|github|gitlab)\s+pipelines?\b(?!.*\b(?:deal|opp|project)\b)"
    r"|\b(?:data|ml|test)\s+pipelines?\s+(?:is|was|are|were|broke|failed|keeps|went|crashed)\b"
    r"|\bpipeline\s+(?:training|meeting|review|session|workshop|sync|call)\s+(?:got|was|is|has\s+been)\s+"
    r"(?:moved|pushed|cancel+ed|rescheduled|postponed|shifted)\b"
    # idioms: "big deal, the printer's jammed", "I'll call it a day", "who's closing up the office?"
    r"|^(?:big|no|not\s+a\s+big|what\s+a|such\s+a)\s+deal\b(?!\s+(?:with|for|at)\b)"
    r"|\bcall(?:ing|ed)?\s+it\s+(?:a\s+day|a\s+night|quits)\b"
    r"|\bclos(?:e|ed|ing)\s+(?:my|the|your|our|all\s+my)\s+(?:laptop|computer|tabs?|browser|windows?|door|eyes|"
    r"terminal|lid|blinds|curtains)\b"
    # a question to a teammate about the day ("@ana are you joining the call?") asks nothing of the CRM
    r"|^(?:<@|@)[uw][a-z0-9]+(?:\|[^>]*)?>?\s+(?:are|r)\s+(?:you|u)\s+(?:joining|coming|around|free|there|online|back|"
    r"in|on|ok|okay|still)\b[^.!]*\?\s*$"
    r"|\b(?:clos(?:e|es|ing)|lock(?:ing)?)\s+up\s+(?:the\s+)?(?:office|shop|store|building|place)\b"
    # office social life: parties, snacks, brackets, the clocks changing
    r"|\b(?:snacks|potluck|secret\s+santa|march\s+madness|brackets|fantasy\s+football|happy\s+hour|birthday\s+cake)\b"
    r"|\bclocks?\s+(?:go|goes|went|going|change[sd]?|changing)\s+(?:back|forward|ahead)\b"
    # software again: a forecasting model or job, a build's pipeline step, a service's quota
    r"|\bforecast(?:ing)?\s+(?:model|models|job|jobs|script|service|notebook|training|pipeline)\b"
    r"|\bpipeline\s+(?:step|steps|stage\s+failed|job|jobs|run|runs|yaml|yml|config|logs?|is\s+red|is\s+green)\b"
    r"|`[^`]*\b(?:npm|yarn|pip|make|docker|git|kubectl|terraform|pytest|gradle|mvn)\b[^`]*`.*\bpipeline\b"
    r"|\b(?:api|github|gitlab|actions|ci|minutes|storage|disk|cpu|gpu|compute|rate|usage|token|tokens|aws|gcp|azure|"
    r"openai|s3|bandwidth|data|email\s+sending)\s+(?:\w+\s+)?quotas?\b(?!.*\b(?:deal|rep|reps|sales|attainment)\b)"
    # a pipeline of things other than business: "my pipeline of side projects", "of books to read"
    r"|\bpipeline\s+of\s+(?:side\s+)?(?:projects|books|shows|movies|films|recipes|ideas|hobbies|chores|games|"
    r"podcasts|articles|blog\s+posts|renovations)\b"
    # the weather said in degrees
    r"|\bforecast\b(?=.*(?:-?\d+\s*°|\bdegrees\b|\bcelsius\b|\bfahrenheit\b|\bstay\s+(?:warm|cool|dry)\b))"
    # travel and things that go wrong: "my flight got cancelled", "lost connection to the VPN"
    r"|\b(?:flight|flights|train|trains|trip|hotel|booking|reservation|uber|taxi|cab|bus|concert|gym\s+class|class|"
    r"dentist\s+appointment|haircut)\s+(?:\w+\s+){0,3}(?:got|was|is|has\s+been|been)\s+(?:cancel+ed|delayed|"
    r"moved|pushed|rescheduled|overbooked)\b"
    r"|\blost\s+(?:my\s+|the\s+|our\s+)?(?:connection|internet|wi-?fi|signal|power|keys|wallet|phone|voice|"
    r"headphones|charger|badge|password|train\s+of\s+thought|track\s+of\s+time|the\s+thread)\b"
    # a computer's own task manager or scheduler
    r"|^(?:the\s+|my\s+)?task\s+(?:manager|scheduler|bar)\b"
    # sport: a team or country that won or lost a match, a final, a league, or by a score
    r"|\b(?:won|lost|wins|loses|win|lose)\s+(?:the\s+|a\s+|an\s+|our\s+|their\s+|its\s+)?(?:\w+\s+)?(?:derby|league|final|finals|"
    r"semi-?finals?|quarter-?finals?|cup|match|matches|championship|title|series|race|grand\s+prix|medal|gold|trophy|"
    r"pennant|super\s+bowl|world\s+cup|world\s+series|playoffs?|tournament|game|games|toss|penalties|shoot-?out)\b(?!-)"
    r"|\b(?:won|lost|beat|drew)\s+(?:\w+\s+){0,3}?\d{1,2}\s*[-–:]\s*\d{1,2}\b"
    r"|\b(?:football|soccer|volleyball|basketball|cricket|rugby|hockey|baseball|tennis|handball|netball|f1|formula\s+1|"
    r"chess|esports|e-sports)\s+(?:team\s+|club\s+|squad\s+|side\s+)?(?:won|lost|wins|loses|beat|lost\s+to)\b"
    # things that break: "the wifi on floor 3 is dead again", "my phone died"
    r"|\b(?:my|the|our|your|his|her|this)\s+(?:wi-?fi|internet|network|phone|mobile|cell|laptop|computer|pc|mac|battery|printer|"
    r"scanner|coffee\s+machine|espresso\s+machine|kettle|fridge|microwave|monitor|screen|vpn|server|mouse|keyboard|headset|"
    r"headphones|charger|projector|elevator|lift|ac|air\s+con|aircon|heating|car|bike|plant|plants|camera|mic|microphone)\b"
    r"[^.,;!?]{0,25}?\b(?:is\s+|was\s+|just\s+|has\s+|went\s+|'s\s+)?(?:dead|died|down|broken|broke|dying)\b"
    # food: the lunch menu, lunch is here
    r"|\b(?:lunch|dinner|breakfast|brunch|canteen|cafeteria|cafe|café)\s+menu\b"
    r"|\b(?:lunch|dinner|breakfast|pizza|food|coffee)\s+(?:is|has)\s+(?:here|arrived|served|ready)\b"
    # quotas of office things: parking, leave, printing
    r"|\b(?:parking|gym|leave|vacation|pto|holiday|printing|print|coffee|snack|desk|meeting[\s-]room|locker|visitor)\s+quotas?\b"
    # a build's pipeline failing in its own ways
    r"|\b(?:build|deploy|deployment|test|tests|lint|release|docker)\s+(?:stage|step|job)s?\s+(?:of|in)\s+(?:the\s+|our\s+|my\s+)?pipeline\b"
    r"|\bpipeline\b[^.!?]{0,40}\b(?:keeps\s+)?(?:timing\s+out|times\s+out|timed\s+out|keeps\s+failing|is\s+flaky|"
    r"flaking|keeps\s+crashing)\b"
)


def _r_small_talk(m: Msg) -> Result | None:
    if _RECURRING_REPORT.search(m.low.strip()):
        return "unknown", 0.3, {}
    if not m.low.strip() or _SMALL_TALK.match(m.low.strip()) or _TREAT.match(m.low.strip()):
        return "unknown", 0.2, {}
    if _OFFICE_LIFE.search(m.low.strip()):
        return "unknown", 0.3, {}
    if _OFF_TOPIC.match(m.low.strip()):
        return "unknown", 0.3, {}
    if _NOT_CRM.search(m.low.strip()):
        return "unknown", 0.3, {}
    return None


def _by_tag(rest_low: str) -> str:
    """The tag of "#vip" or "tagged #vip" after a record type, or ""."""
    tagged = rc.fullmatch(r"\s*(?:tagged\s+)?#([\w\-]+)\s*", rest_low)
    return tagged.group(1) if tagged else ""


def _command(m: Msg) -> Result | None:
    low = m.low
    # "any contacts named Olumide?": the same look-up, asked
    asked = rc.match(
        r"(?:(?:are\s+there|do\s+we\s+have|have\s+we\s+got|got)\s+)?any\s+(?=contacts?\s+(?:named|called)\s)",
        low,
    )
    off = asked.end() if asked else 0
    cm = rc.match(r"(contacts?|deals?|tasks?|todos?|log|pipeline|subscribe|unsubscribe|undo)\b\s*", low[off:])
    if not cm:
        return None
    verb = cm.group(1)
    rest_pos = off + cm.end()
    rest_low = low[rest_pos:]
    if verb in ("subscribe", "unsubscribe", "undo"):
        return "unknown", 0.5, {}
    if verb.startswith("contact"):
        sm = rc.match(r"(add|new|create)\b\s*", rest_low)
        if sm:
            return create_contact_from(m, rest_pos + sm.end(), lifecycle=None)
        sm = rc.match(
            r"(?:find|search|show|lookup|look up|get|view|info|details|card)\b\s*(?:(?:for|of|on|about)\s+)?",
            rest_low,
        )
        if sm:
            q = tidy(m.text[rest_pos + sm.end() :])
            return ("find_contact", 0.95, {"query": q}) if q else ("unknown", 0.4, {})
        sm = rc.match(r"(edit|update|set|change|fix)\b\s*", rest_low)
        if sm:
            return contact_edit_command(m, rest_pos + sm.end())
        if verb == "contacts" and rc.search(
            r"^(?:where|whose|with|that|who)\b|\b(?:more|less|fewer)\s+than\s+\d|[<>=]", rest_low
        ):
            return "unknown", 0.4, {}  # "contacts with more than 50 seats": a list by a field
        if verb == "contacts" and not rest_low.strip():
            return "list_records", 0.9, {"record_type": "contact"}  # "/crm contacts", as "/crm companies"
        if verb == "contacts" and _by_tag(rest_low):
            return (
                "list_records",
                0.9,
                {"record_type": "contact", "tag": _by_tag(rest_low)},
            )  # "contacts #vip"
        if verb == "contacts" and rest_low.strip():
            q = rc.sub(r"^(?:at|from|for|in|of|named|called)\s+", "", tidy(m.text[rest_pos:]), flags=re.I)
            return "find_contact", 0.8, {"query": q}
        return None  # "contact card for Jane Doe": free text
    if verb.startswith("deal"):
        sm = rc.match(r"(add|new|create)\b\s*", rest_low)
        if sm:
            return create_deal_from(m, rest_pos + sm.end())
        if rc.match(r"(?:by|per)\s+(?:stage|owner|rep|person|amount|value|close date|month)\b", rest_low):
            return _pipeline(m, conf=0.8)  # "deals by stage"
        if verb == "deals" and _by_tag(rest_low):
            return (
                "list_records",
                0.9,
                {"record_type": "deal", "tag": _by_tag(rest_low)},
            )  # "deals #strategic"
        if verb == "deals" and rc.fullmatch(r"\s*@[\w.\-]+\s*", rest_low):
            return _pipeline(m, conf=0.9)  # "/crm deals @zed": their pipeline, like "/crm pipeline @zed"
        if verb == "deals" and rest_low.strip():
            return rule_report(m) or ("unknown", 0.5, {})  # "deals closing next month" is a forecast
        if verb == "deals" or rc.match(r"(show|list|view|info|get|find)\b", rest_low) or not rest_low.strip():
            return "unknown", 0.5, {}
        return deal_command(m, rest_pos)
    if verb in ("task", "todo"):
        mate = teammate_task(m) or _said_done(m)
        if mate:
            return mate
        sm = rc.match(r"(add|new|create)\b\s*", rest_low)
        if sm:
            return task_from(m, rest_pos + sm.end(), conf=0.95)
        sm = rc.match(r"(done|complete|completed|finish|finished|close|check|tick)\b\s*(?:off\s+)?", rest_low)
        if sm:
            t = task_ref(m.text[rest_pos + sm.end() :])
            return ("complete_task", 0.95, {"task": t}) if t else ("unknown", 0.4, {})
        if not rest_low.strip() or rc.match(r"(list|show|mine|my|overdue|today|week|all|@)", rest_low):
            return list_tasks(m, conf=0.95)
        if rc.match(r"(edit|reschedule|postpone|rename|delete|remove|reassign)\b", rest_low):
            return (
                "unknown",
                0.5,
                {},
            )  # "task edit …": a task is changed from its card, not made from the words
        return task_from(m, rest_pos, conf=0.7)
    if verb in ("tasks", "todos"):
        got = list_tasks(m, conf=0.95)
        named = rc.fullmatch(r"\s*(?:for\s+)?([a-z][\w\-]*)(?:'s)?\s*", rest_low)
        if (
            named
            and teammate_name(named.group(1))
            and not rc.fullmatch(
                r"today|overdue|week|all|mine|my|list|show|due|open|pending|late|upcoming|me|everyone|team|pls|please",
                named.group(1),
            )
        ):
            # "/crm tasks bob": a teammate named without a mention, as written, for the bot to look up
            word = m.text[rest_pos:].strip()
            got[2]["assignee"] = rc.sub(r"^(?i:for)\s+|['’]s$", "", word)
        return got
    if verb == "pipeline":
        return rule_report(m) or _pipeline(m, conf=0.97)  # "pipeline velocity last quarter" is a report
    return None  # "log ..." is free text already


def _said_done(m: Msg) -> Result | None:
    """ "task 'ping Tanaka' is finished": a task named, then said to be done."""
    if not rc.search(
        r"\b(?:is|was|has\s+been|'s)\s+(?:now\s+|all\s+)?(?:done|finished|complete|completed|closed|sorted)$",
        m.low,
    ):
        return None
    return rule_complete_task(m)


# "Bob's pipeline", "pipeline for Sarah": a teammate named in words, given as written
_NAMED_OWNER = rc.compiled(
    r"(?:^|[\s(])(?P<n>[a-z][\w\-]*)['’]s\s+(?:(?:whole|full|current|open|total|q[1-4]|sales)\s+)*(?:pipeline|pipe|deals|"
    r"forecast|numbers|book)\b|\b(?:pipeline|pipe|deals|forecast|numbers)(?:\s+(?:summary|overview|report|review|status|update|snapshot))?"
    r"\s+(?:for|of)\s+(?P<n2>[a-z][\w\-]*)\s*[?!.]*$"
    r"|^how(?:'s|\s+is)\s+(?P<n3>[a-z][\w\-]*)\s+(?:doing|tracking|looking)\s+(?:on|with)\s+(?:(?:his|her|their)\s+)?pipe"
)


def _named_owner(m: Msg) -> str | None:
    nm = _NAMED_OWNER.search(m.low)
    if not nm:
        return None
    key = next(k for k in ("n", "n2", "n3") if nm.group(k))
    name = m.text[nm.start(key) : nm.end(key)]
    if not teammate_name(name):
        return None
    if key == "n2" and not (name[:1].isupper() or name.lower() in FIRST_NAMES):
        return None  # "pipeline for q4", "pipeline for the team"
    return name


def _pipeline(m: Msg, conf: float) -> Result:
    slots: Slots = {}
    ids = mentions(m.text)
    named = None if ids else _named_owner(m)
    if ids:
        slots["owner"] = ids[0]
    elif named:
        slots["owner"] = named
    elif (
        m.user
        and rc.search(
            r"\b(?:my|mine|for me|am i|i have|i've got|i got|did i|have i|i(?:'ve)? (?:closed|won|booked|sold))\b",
            m.low,
        )
        and not rc.search(r"\b(?:team|everyone|our|we)\b", m.low)
    ):
        slots["owner"] = m.user
    return "pipeline_summary", conf, slots


def _r_pipeline(m: Msg) -> Result | None:
    low = m.low.strip()
    if PIPELINE_CHANGE.match(low):
        return None  # "rename the renewals pipeline to Upsell": its shape, for /crm pipelines
    if rc.match(
        r"^(?:happy|congrats|congratulations|great job|good job|well done|kudos|shout ?out|let's|lets)\b", low
    ):
        return None  # "happy Q4 everyone, let's crush the forecast": a cheer, not a question
    if rc.search(r"\bweather\b|\brain\b|\bsnow\b", low):
        return None  # "weather forecast for the offsite?"
    if (
        m.spans
        and rc.search(r"\b(?:review|meeting|sync|call|standup|session)\b", low)
        and not QUESTION.match(low)
    ):
        return None  # "weekly pipeline review at 3" is an appointment, not a question
    if rc.search(r"\b(?:pipeline|pipe|forecast|funnel)\b", low):
        if rc.match(
            r"^(?:add|move|put|create|new|update|prepare|prep|build|finish|submit|fix|clean|draft|review|send|email)\b",
            low,
        ):
            return None  # "update the forecast EOD" is a to-do about the pipeline
        return _pipeline(m, conf=0.92)
    if rc.match(
        r"^(?:how's|how is|hows|how are)\s+(?:q[1-4]|the quarter|this quarter|the month|this month|the year|"
        r"this year|(?:the |our )?numbers|bookings|revenue)\b",
        low,
    ):
        return _pipeline(m, conf=0.8)
    if rc.match(
        r"^(?:(?:my|our|all|open|all my|all our|the team's|team|active)\s+)*(?:deals|opps|opportunities)\s+"
        r"(?:by|per)\s+(?:stage|owner|rep|person|amount|value|close date|month)\b",
        low,
    ):
        return _pipeline(m, conf=0.8)  # "deals by stage"
    if rc.match(
        r"^(?:(?:my|our|all|open|all my|all our|the team's|team|active|[a-z][\w\-]*'s)\s+)+deals\??$", low
    ) or rc.match(r"^what deals (?:do|does|have) (?:i|we|@\w+)\b", low):
        return _pipeline(m, conf=0.8)  # "my deals"
    if (
        rc.match(
            r"^how (?:many|much)\b.*\b(?:deals?|opportunities|opps|revenue|closed?|won|booked|sold|sell)\b",
            low,
        )
        or rc.match(
            r"^(?:how (?:many|much)|what(?:'s| is| do we have)|what do we have)\b.*\b(?:in|at)\s+(?:the\s+)?"
            r"(?:lead|qualified|demo|proposal|negotiation|contracting|legal)(?:\s+stage)?\b",
            low,
        )
        or rc.match(
            r"^(?:what|how much|how many|which deals)\b.*\b(?:did|have|has)\s+(?:i|we|@\w+)\s+(?:close|closed|win|won|book|booked|"
            r"sell|sold|lose|lost)\b|^(?:what(?:'s| is)|how(?:'s| is))\s+(?:our|my|the team's|the)\s+(?:win rate|close rate|"
            r"conversion(?: rate)?|quota attainment|bookings)\b|^(?:any|which|what)\s+deals?\s+(?:are\s+)?(?:stuck|sitting|stalled|"
            r"slipping|at risk)\b",
            low,
        )
    ):  # "how much do we have in negotiation right now?", "what did I close last month"
        return _pipeline(m, conf=0.8)
    if rc.search(
        r"^(?:how (?:are|is|'s|do|does)|how much|how many|how's|hows|what's|whats|what is|show|give|get|send|share|"
        r"are we|am i|will we|can we)\b.*"
        r"\b(?:deals? (?:looking|doing|summary|overview|status|report)|(?:my|our|team|the|open) deals\b"
        r"|numbers (?:looking|this (?:month|quarter))|quarter looking|sales (?:summary|report|numbers)"
        r"|we (?:tracking|doing|looking)|(?:am i|are we) (?:tracking|doing|trending)|in play|on the board"
        r"|(?:deal|sales) (?:summary|report|overview|numbers|status)|bookings|quota|attainment|tracking against"
        r"|on track for|on pace for|going to hit|hit (?:our|the|my) (?:number|target|quota)"
        r"|many (?:open |active |live )?deals|\bclosing (?:this|next|by|before|in|soon|today|tomorrow)\b|(?:summary|overview|rundown|status|update) (?:of|on) .*\bdeals?\b|deals? stand|much (?:have|did) (?:we|i) (?:closed?|won|booked|sold)|(?:closed|won|booked) this (?:month|quarter|year))",
        low,
    ):
        return _pipeline(m, conf=0.8)
    return None


def _r_fallback(m: Msg) -> Result | None:
    low = m.low
    # A bare email address or a person's name on its own: look it up
    bare = m.text.strip().rstrip("?").strip()
    if EMAIL.fullmatch(bare):
        return "find_contact", 0.6, {"query": bare}
    if (
        rc.fullmatch(r"[A-Z][\w'\-]*(?:\s+[A-Z][\w'\-]*){0,2}", bare)
        and bare.split()[0].lower() in FIRST_NAMES
    ):
        return "find_contact", 0.5, {"query": bare}
    # "Jane Doe, VP Sales, Acme - jane@acme.com": a bare contact card
    if EMAIL.search(m.text) and not m.spans and m.text[:1].isupper():
        name, end = name_at(m, 0)
        after = m.text[end:].lstrip()
        if (
            name
            and len(name.split()) >= 2
            and person_like(name, default=True)
            and (
                not after
                or after[0] in ",(<-–—:;"
                or EMAIL.match(after)
                or name.split()[0].lower() in FIRST_NAMES
            )
        ):
            return create_contact_from(m, 0, lifecycle=None)
    # a task-shaped message: a future date and something to do, said as a plan rather than a question
    fut = first_future(m, m.spans)
    if rc.search(
        r"\b(?:book|order|get|buy|find|grab) me\b|\b(?:flight|hotel|uber|taxi|cab|restaurant)\b", low
    ):
        return None  # "can you book me a flight to Denver next Tuesday": an errand, not CRM work
    if (
        fut is not None
        and not QUESTION.match(low)
        and not low.rstrip().endswith("?")  # "lunch at 12?": asked of colleagues, not a plan
        and rc.search(
            r"\b(?:need|needs|should|must|have to|has to|gotta|please|pls|remember|send|call|email|follow|prepare|"
            r"schedule|book|review|draft|meeting|demo|sync|lunch|coffee|post|share|update|finish|submit|deliver|"
            r"wants|needs|asked for|expects|requested|due|visit|onsite|trip|dinner|breakfast|drinks|"
            r"get|set up|ask|check|confirm|reply|respond|write|call|ping|text|prep|chase|renew|sign|collect)\b",
            low,
        )
        and not rc.match(r"^(?:happy|good|have a|enjoy|see you|thanks|thank you|cheers|congrats)\b", low)
        and not rc.match(
            r"^(?:i'm|im|i am|we're|we are|it's|its|it is|he's|she's|they're)\b(?!\s+(?:meeting|calling|seeing|"
            r"visiting|having|demoing|presenting|sending|emailing))",
            low,
        )
        and not rc.search(r"\b(?:had|was|were|did|went|met|called|spoke|got)\b", low)
        and len(low.split()) >= 3
        # "push the call Raj task to Friday": a change to a task that exists, not a new one
        and not rc.search(
            r"^(?:please\s+|pls\s+)?(?:push|move|reschedule|postpone|delay|bump|shift|change|edit|rename|reassign)\b"
            r".*\b(?:task|todo|reminder)\b",
            low,
        )
    ):
        conf = (
            0.6
            if rc.search(r"\b(?:need|should|must|have to|please|remember|send|call|email|follow)\b", low)
            else 0.5
        )
        return task_from(m, 0, conf=conf)
    return None


RULES = ordered(
    [
        rule("help", 10, "help", _r_help, "asking how to use the bot is never a record, whatever it names"),
        rule(
            "small_talk",
            20,
            "unknown",
            _r_small_talk,
            "greetings, thanks and errands write nothing; said first so no later rule reads a name in them",
        ),
        rule(
            "record_command",
            30,
            "show_record show_history delete_record",
            rule_record_command,
            "the exact form `company show X` / `deal history X` beats every reading of its words",
            guard=r"^(?:contact|company|account|deal|task)\s+(?:show|view|info|open|card|details|history|timeline|delete|remove)\b",
        ),
        rule(
            "merge",
            40,
            "merge_records",
            rule_merge,
            "two records joined by and/with/into: before delete and tag, which would read one of them",
            guard=r"\b(?:merge|combine|dedupe|de-dupe|dedup|consolidate|join)\b",
        ),
        rule(
            "delete",
            50,
            "delete_record",
            rule_delete,
            "a record to remove, before any rule reads the record's words as news about it",
            guard=r"\b(?:delete|remove|erase|trash|purge|nuke|get rid of|wipe)\b",
        ),
        rule(
            "tag",
            60,
            "tag_record",
            rule_tag,
            "tag/label verbs, before lifecycle updates read `tag Jane as lead`",
            guard=r"\b(?:tag|label|retag|tags|labels|tagged|labelled|labeled)\b",
        ),
        rule(
            "create_company",
            70,
            "create_company",
            rule_create_company,
            "`add company X`: before contacts and deals, which would read X as a person or a deal",
            guard=r"\bcompan(?:y|ies)\b|\baccounts?\b|\borgani[sz]ation\b|\borg\b|\bbusiness\b",
        ),
        rule(
            "update_company",
            80,
            "update_company",
            rule_update_company,
            "a company's own fields (domain, industry, size, owner) before the contact updates",
        ),
        rule(
            "history",
            90,
            "show_history",
            rule_history,
            "history and timeline questions name a record; before show, which would take the whole phrase",
        ),
        rule(
            "show",
            100,
            "show_record find_contact",
            rule_show,
            "`pull up X`, `status of X`: one record, before lists and the pipeline",
            guard=r"^(?:(?:can|could)\s+(?:you|u|i)\s+|please\s+|pls\s+|quickly\s+)*(?:pull|bring|show|open|display"
            r"|view|let|give|get|see|look|go|take|lookup|fetch|what|where|any|status|tell|info|details|everything)\b",
        ),
        rule(
            "list",
            110,
            "list_records",
            rule_list,
            "lists of records by tag, lifecycle, owner, company or activity",
            guard=r"\b(?:customers|clients|prospects|leads|advocates|champions|contacts|people|persons|companies"
            r"|accounts|organi[sz]ations|orgs|deals|opportunities|opps|oppties|customer|client|prospect|lead"
            r"|contact|company|account|deal|opportunity|opp)\b",
        ),
        rule(
            "command",
            120,
            "create_contact find_contact update_contact create_deal update_deal create_task complete_task "
            "list_tasks list_records pipeline_summary report log_interaction unknown",
            _command,
            "the old `/crm` verb forms rewritten into words: their first word decides",
            guard=r"^(?:(?:(?:are\s+there|do\s+we\s+have|have\s+we\s+got|got)\s+)?any\s+(?=contacts?\s+(?:named|called)\s))?"
            r"(?:contacts?|deals?|tasks?|todos?|log|pipeline|subscribe|unsubscribe|undo)\b",
        ),
        rule(
            "complete_task",
            130,
            "complete_task",
            rule_complete_task,
            "`done: X`, `mark X done`: before logs, which would read the finished task as news",
        ),
        rule(
            "feedback",
            140,
            "log_feedback",
            rule_feedback,
            "a customer's score (NPS, CSAT) before logs, which would file the scoring call",
            guard=r"\bnps\b|\bnet\s+promoter\b|\bpromoter\s+score\b|(?:/|out\s+of)\s*(?:10|5)\b|\bcsat\b"
            r"|\bsatisfaction\b|\bstars?\b|\bsurvey\b|\b(?:gave|gives|rated|scored)\s+us\s+(?:an?\s+)?(?:[6-9]|10)\b",
        ),
        rule(
            "log",
            150,
            "log_interaction create_contact update_deal create_task",
            rule_log,
            "something that already happened (a call, a meeting, an email): the commonest message",
        ),
        rule(
            "report",
            160,
            "report",
            rule_report,
            "a measure over a period (win rate, funnel, forecast for Q1) asked for",
        ),
        rule(
            "create_task",
            170,
            "create_task unknown",
            rule_create_task,
            "`remind me to`, `todo:`, a teammate asked to do something",
        ),
        rule(
            "list_tasks",
            180,
            "list_tasks",
            rule_list_tasks,
            "questions about what is on someone's plate",
        ),
        rule(
            "pipeline",
            190,
            "pipeline_summary",
            _r_pipeline,
            "questions about the pipeline as it stands, after reports have taken the ones with a period",
        ),
        rule(
            "create_deal",
            200,
            "create_deal unknown",
            rule_create_deal,
            "`new deal`, a deal card with an amount",
        ),
        rule(
            "find_contact",
            210,
            "find_contact",
            rule_find_contact,
            "`who is X`, `find X`: after the record rules, which know companies and deals",
        ),
        rule(
            "update_contact",
            220,
            "update_contact",
            rule_update_contact,
            "`X's title is …`, `mark X as a customer`",
        ),
        rule(
            "create_contact",
            230,
            "create_contact unknown",
            rule_create_contact,
            "`add X at Y`, a contact card",
        ),
        rule(
            "update_deal",
            240,
            "update_deal",
            rule_update_deal,
            "stage moves and new amounts or dates of a named deal; late, since its cues (won, moved, pushed) are common words",
        ),
        rule(
            "create_task_imperative",
            250,
            "create_task unknown",
            rule_create_task_imperative,
            "a bare imperative (`send Jane the deck Friday`) only once nothing more specific claimed it",
        ),
        rule(
            "fallback",
            260,
            "find_contact create_contact create_task unknown",
            _r_fallback,
            "a bare name, email or card, or a plan with a date: the last reading before `unknown`",
        ),
    ]
)


def _prepare(text: str, now: datetime | str | None, tz: str, user: str | None) -> Msg:
    n = normalize(text[:MAX_CHARS])
    t, low = n.text, n.low
    if not rc.search(r"[a-z]", t) and len(rc.findall(r"[A-Z]", t)) > 3:
        t = low  # ALL CAPS carries no name signal; read it as lower case
    # Judged on what was typed: expanding "eod" to "EOD" does not make a message cased.
    # Codes and acronyms in capitals ("CNY 2m", "NZ$", "the CFO") do not make a message cased.
    bare = rc.sub(r"<[^<>]*>|(?<![\w$])[A-Z]{1,3}\$|\b[A-Z]{2,}s?\b", "", text[:MAX_CHARS])
    typed_lower = not rc.search(r"[A-Z]", bare) and bool(rc.search(r"[a-z]", t))
    if typed_lower:
        t = recase_lower(t)
    qm = rc.match(r"[>\s•◦▪‣*\-,;]+", low)  # Slack quote markers, bullets
    if qm:
        t, low = t[qm.end() :], low[qm.end() :]
    fm = _LEADING_FILLER.match(low)
    if fm and rc.search(r"\w", low[fm.end() :]):
        t, low = t[fm.end() :], low[fm.end() :]
    am = _ADDRESSED.match(low)
    if am:  # "@BOT remind me to…": the mention only addresses the bot
        t, low = t[am.end() :], low[am.end() :]
        fm = _LEADING_FILLER.match(low)
        if fm and rc.search(r"\w", low[fm.end() :]):
            t, low = t[fm.end() :], low[fm.end() :]
    t, low = t.rstrip(), low.rstrip()
    when = make_now(now, tz)
    return Msg(
        text=t,
        low=low,
        now=when,
        user=user,
        spans=find_spans(low),
        done_mark=n.done_mark,
        typed_lower=typed_lower,
        restore=n.restore,
        emoji_breaks=" ; " in t and " ; " not in text,
    )


# A leading mention followed by a request the sender makes for themselves addresses the bot, not a colleague
# ("<@BOT> remind me to…", "<@BOT> can you log a call…"); "<@U1> send the contract…" still assigns U1.
_ADDRESSED = rc.compiled(
    r"^@[UW][A-Z0-9]+[\s,:]+(?=(?:(?:hey|hi|pls|please|can you|could you|would you)\s+)*"
    r"(?:remind me|(?:remind|ask|tell|have|get|assign)\s+@[UW][A-Z0-9]+\b|log\b|add (?:a |an )?(?:contact|deal|task|note|lead)|"
    # "<@BOT> add Ngozi Adeyemi, COO of Kuda Bank, ngozi@kuda.com": a person's card, not a chore for a teammate
    r"add\s+[^\W\d_][\w'\-]+\s+[^\W\d_][\w'\-]+\s*(?:,|\s(?:at|from|of|@)\s)[^\n]*?(?:[\w.+\-']+@\w|\+\d[\d\s().\-]{6,})|create\b|new (?:deal|contact|lead|task|opp)|"
    r"find\b|who\b|what\b|show\b|list\b|how\b|my tasks|help\b|commands?\b|usage\b|menu\b|\?|had\b|called\b|met\b|"
    r"spoke\b|emailed\b|note\b|we (?:won|lost|closed|signed)\b|look up|lookup|search\b|"
    r"just (?:got|had|spoke|called|met|emailed|finished|wrapped|hung|left|heard)\b|i (?:just |had|called|met|spoke)))",
    re.I,
)


# ``stage`` is not here: a team's own stage is given as written.
_ENUMS = {
    "kind": KINDS,
    "lifecycle": LIFECYCLES,
    "scope": SCOPES,
    "record_type": RECORD_TYPES,
    "measure": MEASURES,
    "scale": SCALES,
}
_DAY = rc.compiled(r"\d{4}-\d{2}-\d{2}")
_WHEN = rc.compiled(r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?[+-]\d{2}:\d{2})?")


_AS_WRITTEN = (
    "summary",
    "title",
    "task",
    "query",
    "deal",
    "contact",
    "company",
    "name",
    "record",
    "owner",
    "assignee",
)


def _restore_wording(slots: Slots, restore: list[tuple[str, str]]) -> None:
    """Free text and references in the sender's own words: "f/u w/ Omar", not "follow up with Omar"."""
    if not restore:
        return
    targets = [(slots, k) for k in _AS_WRITTEN if isinstance(slots.get(k), str)]
    if isinstance(slots.get("follow_up"), dict) and isinstance(slots["follow_up"].get("title"), str):
        targets.append((slots["follow_up"], "title"))
    for holder, key in targets:
        value = holder[key]
        for new, old in restore:
            value = rc.sub(rf"(?i)(?<!\w){re.escape(new)}(?!\w)", old.replace("\\", "\\\\"), value, count=1)
        holder[key] = value


def _valid_slots(slots: Slots) -> Slots:
    """Slots as the contract types them; a value a rule got wrong is dropped rather than sent on."""
    out: Slots = {}
    for k, v in slots.items():
        if k == "period":
            if isinstance(v, dict) and all(
                isinstance(v.get(x), str) and _DAY.fullmatch(v[x]) for x in ("from", "to")
            ):
                out[k] = {"from": v["from"], "to": v["to"]}
        elif k in ("tags", "records"):
            items = [x.strip() for x in v if isinstance(x, str) and x.strip()] if isinstance(v, list) else []
            if items and (k == "tags" or len(items) == 2):
                out[k] = items
        elif k in ("inactive_days", "score"):
            if isinstance(v, int | float) and not isinstance(v, bool) and v == v and (k == "score" or v >= 1):
                out[k] = int(v) if k == "inactive_days" or float(v).is_integer() else v
        elif isinstance(v, dict):
            v = {
                kk: vv
                for kk, vv in v.items()
                if isinstance(vv, str) and vv and (kk != "due" or _WHEN.fullmatch(vv))
            }
            if v:
                out[k] = v
        elif k == "amount":
            if isinstance(v, int | float) and v == v and abs(v) < 1e15:
                out[k] = v
        elif not isinstance(v, str) or not v.strip():
            continue
        elif k in _ENUMS:
            if v in _ENUMS[k]:
                out[k] = v
        elif k == "currency":
            if rc.fullmatch(r"[A-Z]{3}", v):
                out[k] = v
        elif k in ("due", "occurred_at"):
            if _WHEN.fullmatch(v):
                out[k] = v
        elif k == "close_date":
            if rc.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
                out[k] = v
        else:
            out[k] = v.strip()
    return out


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
    return trace(text, now=now, tz=tz, user=user)[1]


def prepare(text: str, *, now: datetime | str | None = None, tz: str = "UTC", user: str | None = None) -> Msg:
    """The message as every rule sees it."""
    return _prepare(text if isinstance(text, str) else str(text), now, tz or "UTC", user)


def answer(r: Rule, m: Msg) -> dict[str, Any] | None:
    """What ``r`` makes of ``m`` on its own, guard aside: a contract answer, or None to pass it on."""
    got = r.run(m)
    if got is None:
        return None
    intent, conf, slots = got
    slots = _valid_slots(slots)
    if intent not in MESSAGE_INTENTS or any(s not in slots for s in REQUIRED.get(intent, ())):
        return None
    if intent == "update_deal" and _a_period(slots.get("deal"), m):
        return None  # "won since the beginning of the quarter": a period asked about, no deal named
    _restore_wording(slots, m.restore)
    _whole_company_names(slots, intent, m.text)
    _no_emoji_breaks(slots, m)
    _no_team_or_event_as_record(slots, m.text)
    if intent == "log_interaction" and _says_nothing_new(slots, m):
        del slots["summary"]
    return {"intent": intent, "confidence": round(conf, 2), "slots": slots}


def _a_period(name: object, m: Msg) -> bool:
    """``name`` is nothing but a period ("since the beginning of the quarter", "ytd", "this month")."""
    if not isinstance(name, str) or not name.strip():
        return False
    low = name.strip().lower()
    got = find_period(low, m.now)
    return got is not None and got.start == 0 and not low[got.end :].strip(" ?!.")


# Words that join names, places and days without saying anything about the conversation
_FILLER = frozenset(
    [
        "with",
        "w",
        "and",
        "&",
        "at",
        "from",
        "of",
        "in",
        "on",
        "the",
        "a",
        "an",
        "our",
        "their",
        "his",
        "her",
        "its",
        "to",
        "for",
        "by",
        "plant",
        "hq",
        "office",
        "offices",
        "site",
        "headquarters",
        "booth",
        "campus",
        "factory",
        "store",
        "branch",
        "warehouse",
        "team",
        "reps",
        "folks",
        "people",
        "depot",
        "yard",
        "lab",
        "labs",
        "studio",
        "showroom",
        "facility",
        "facilities",
        "mill",
        "port",
        "farm",
        "clinic",
    ]
)


def _says_nothing_new(slots: Slots, m: Msg) -> bool:
    """A summary made only of the names, places and days the other slots already hold ("visited the Umbrella
    plant yesterday with Carlos": summary "plant yesterday with Carlos") invents a summary."""
    summary = slots.get("summary")
    if not isinstance(summary, str):
        return False
    at = m.text.find(summary)
    if at > 0 and rc.search(r"[:,;—–-]\s*$", m.text[:at]):
        return False  # "call with Tom: Salesforce": what was said, set apart by the sender
    known: set[str] = set()
    for k in ("contact", "company"):
        if isinstance(slots.get(k), str):
            known.update(w.lower() for w in rc.findall(r"[\w'’.&-]+", slots[k]))
    for span in m.spans:
        known.update(w.lower() for w in rc.findall(r"[\w'’.&-]+", span.text))
    # other people and places named in passing ("with Tom and Priya", "at Gitex") are names too
    words = [w.strip(".") for w in rc.findall(r"[\w'’.&-]+", summary)]
    return bool(words) and all(
        w.lower() in known or w.lower() in _FILLER or w[:1].isupper() and not w.isupper() or w.isdigit()
        for w in words
    )


# A department is not a person ("call w/ procurement at Oscorp"), and a trade show or its booth is not the
# company met there ("met Elena at the SaaStr booth")
_DEPARTMENT_AS_CONTACT = rc.compiled(
    r"(?i)(?:the\s+)?(?:procurement|purchasing|legal|finance|it|security|infosec|engineering|ops|operations|hr|"
    r"marketing|sales|accounting|compliance|leadership|exec|executive|buying|product|support)(?:\s+(?:team|dept|department|folks|people|guys))?"
)
_EVENT_AFTER = rc.compiled(
    r"\s+(?:booth|stand|dinner|conference|summit|expo|event|party|reception|meetup|afterparty|happy\s+hour|keynote|"
    r"panel)\b",
    re.I,
)


def _no_emoji_breaks(slots: Slots, m: Msg) -> None:
    """An emoji between two words ended a clause for the rules (" ; "); free text keeps the sender's words
    without that stand-in ("they want 20 more trucks 🚚 next quarter")."""
    if not m.emoji_breaks:
        return
    holders = [(slots, k) for k in ("summary", "title") if isinstance(slots.get(k), str)]
    if isinstance(slots.get("follow_up"), dict) and isinstance(slots["follow_up"].get("title"), str):
        holders.append((slots["follow_up"], "title"))
    for holder, key in holders:
        holder[key] = rc.sub(r"\s+;\s+", " ", holder[key]).strip(" ;")


def _no_team_or_event_as_record(slots: Slots, text: str) -> None:
    contact = slots.get("contact")
    if isinstance(contact, str) and _DEPARTMENT_AS_CONTACT.fullmatch(contact.strip()):
        del slots["contact"]
    company = slots.get("company")
    role = rc.search(r"\s+(?:CEO|CFO|CTO|COO|CMO|CIO|CRO|CISO|CPO|CDO|GC|VP|SVP|EVP)$", company or "")
    if isinstance(company, str) and role:
        # "quick note - Acme CFO is on leave": the company's person is not part of its name
        slots["company"] = company = company[: role.start()]
    if isinstance(company, str) and company:
        at = text.find(company)
        if at >= 0 and _EVENT_AFTER.match(text, at + len(company)):
            del slots["company"]


def _whole_company_names(slots: Slots, intent: str, text: str) -> None:
    """Company names keep the legal form the message gives them, whichever rule read them."""
    keys = (
        ["company"]
        + (["name"] if intent == "create_company" else [])
        + (["deal"] if intent == "update_deal" else [])
    )
    for k in keys:
        if isinstance(slots.get(k), str):
            slots[k] = with_legal_form(text, slots[k])


# Mentions that open a message ("<@U0BOT> do we have Bui Thi Lan in the crm?"), then a question or thanks
_LEADING_MENTIONS = rc.compiled(r"^\s*(?:<@[UW][A-Z0-9]+(?:\|[^>]*)?>[\s,:;\-]*)+", re.I)
_QUESTION_OR_THANKS = rc.compiled(
    r"(?:do|does|did|is|are|was|were|have|has|what|what's|whats|who|who's|where|when|which|how|how's|any|anyone)\b"
    r"(?!.*\b(?:remind|todo|to-do|follow[\s-]?up|task)\b).*\?\s*$"
    # thanks or praise for something ("<@U1> thanks for the cake!"): said to them, asking nothing
    r"|(?:thanks|thank\s+you|thx|ty|cheers|kudos|congrats|congratulations|great\s+job|nice\s+work|well\s+done|"
    r"shout[\s-]?out)\b(?!.*\b(?:remind|todo|to-do|follow[\s-]?up|task|please|pls|can\s+you|could\s+you)\b)[^?]*$"
)

# What only reads: a question asked of the bot may be answered, never turned into a write
_READS = frozenset(
    [
        "find_contact",
        "show_record",
        "show_history",
        "list_records",
        "list_tasks",
        "report",
        "pipeline_summary",
        "help",
    ]
)


def _asked_after_mention(text: str) -> str | None:
    """The words after leading mentions when they are a question or thanks, not a request: "<@U1> do we
    have X in the crm?" asks the bot (or a teammate) something; it hands nobody a task."""
    lead = _LEADING_MENTIONS.match(text) if isinstance(text, str) else None
    if not lead:
        return None
    rest = text[lead.end() :].strip()
    low = rest.lower()
    if rest and (_QUESTION_OR_THANKS.match(low) or _SMALL_TALK.match(low)):
        return rest
    return None


def trace(
    text: str, *, now: datetime | str | None = None, tz: str = "UTC", user: str | None = None
) -> tuple[str | None, dict[str, Any]]:
    """The name of the rule that read the message (None: no rule did) and its answer."""
    asked = _asked_after_mention(text)
    if asked is not None:
        name, read = trace(asked, now=now, tz=tz, user=user)
        if read["intent"] in _READS:
            return name, read
        return "small_talk", {"intent": "unknown", "confidence": 0.3, "slots": {}}
    m = prepare(text, now=now, tz=tz, user=user)
    for r in RULES:
        if not r.tried_on(m):
            continue
        got = answer(r, m)
        if got is not None:
            return r.name, got
    return None, {"intent": "unknown", "confidence": 0.1, "slots": {}}
