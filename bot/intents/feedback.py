"""Satisfaction in chat: "Jane from Acme gave us a 9 on the NPS survey" or ``/crm feedback Jane Doe nps 9``
logs an answer (the ``log_feedback`` intent, whose spec is in the records family), and the ``satisfaction``
measure of the report shows NPS and average CSAT per period, company and owner."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.blocks import cards
from bot.blocks.common import esc, user
from bot.commands.registry import Ctx, Reply
from bot.dispatch import escaped, execute, wrong_form
from bot.services.feedback import Scores
from bot.spec import Ask, IntentSpec, Verb

SCALES = {"nps": "NPS", "csat": "CSAT"}


def log_feedback(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    w = ctx.crm.log_feedback(
        ctx.actor, slots["contact"], slots["scale"], slots["score"], slots.get("company")
    )
    at = f" ({esc(w.company)})" if w.company else ""
    line = f"⭐ Logged {SCALES[w.scale]} {w.score} from *{esc(w.contact)}*{at}"
    return Reply(line, cards.written(line, [], op_id=w.op_id))


FORM = re.compile(r"^(?P<contact>.+?)\s+(?P<scale>nps|csat)\s+(?P<score>\S+)$", re.I)


def feedback_verb(ctx: Ctx, args: str) -> Reply:
    """Log a survey answer: NPS (0–10) or CSAT (1–5) from a contact."""
    m = FORM.match(args.strip())
    if m is None:
        return wrong_form(VERB, args)
    slots = {"contact": m.group("contact"), "scale": m.group("scale").lower(), "score": m.group("score")}
    return execute(ctx, {"intent": "log_feedback", "slots": slots}, confirmed=True)


def _read_back(slots: dict[str, Any]) -> str:
    s = escaped(slots)
    scale = SCALES.get(str(s.get("scale", "")).lower(), str(s.get("scale")))
    return f"log {scale} {s.get('score')} from {s.get('contact', '?')}"


def _answers(n: int) -> str:
    return f"{n} answer" if n == 1 else f"{n} answers"


def _scores(x: Scores) -> str:
    bits = []
    if x.net_promoter is not None:
        bits.append(f"NPS {x.net_promoter:+.0f} ({_answers(x.nps_answers)})")
    if x.average_csat is not None:
        bits.append(f"CSAT {x.average_csat:.1f}/5 ({_answers(x.csat_answers)})")
    return " · ".join(bits) or "no answers"


def satisfaction_report(ctx: Ctx, start: date, end: date, owner: str | None) -> tuple[str, list[str]]:
    r = ctx.crm.satisfaction(ctx.actor, start, end, owner)
    title = f"{user(owner)}'s satisfaction" if owner else "The team's satisfaction"
    if not r.team.nps and not r.team.csat:
        return title, ["*No answers logged in this period.* Log one: /crm feedback Jane Doe nps 9"]
    lines = [f"*{_scores(r.team)}*"]
    if r.companies:
        lines.append("*By company*")
        lines += [f"• {esc(name)}: {_scores(x)}" for name, x in r.companies]
    if r.owners and not owner:
        lines.append("*By owner*")
        lines += [f"• {user(slack_id) if slack_id else 'no owner'}: {_scores(x)}" for slack_id, x in r.owners]
    return title, lines


VERB = Verb(
    "feedback",
    "feedback CONTACT nps|csat SCORE",
    "Log a survey answer: NPS (0–10) or CSAT (1–5) from a contact.",
    "Interactions",
    ("feedback Jane Doe nps 9", "feedback Tom Lee csat 4"),
    run=feedback_verb,
)

SPEC = IntentSpec(
    "log_feedback",
    log_feedback,
    writes=True,
    asks=(
        Ask(("contact",), "Who gave that answer?", "/crm feedback Jane Doe nps 9"),
        Ask(("scale",), "Was it NPS (0–10) or CSAT (1–5)?", "/crm feedback Jane Doe csat 4"),
        Ask(("score",), "What score did they give?", "/crm feedback Jane Doe nps 9"),
    ),
    read_back=_read_back,
    verbs=(VERB,),
)
