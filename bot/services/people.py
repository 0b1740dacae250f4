"""Teammates named in words: "bob", "Bob's", "@bob", "Bob Rep", a Slack id, or "me".

The parser gives a teammate named without a mention as written; this is where the bot finds the person.
Nobody is ever replaced by the sender: a name that fits no one is "not found", one that fits several
is asked about.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.base import Actor
from bot.services.errors import Ambiguous, Candidate, NotFound
from bot.services.text import fold
from models import User

SLACK_ID = re.compile(r"[UW][A-Z0-9]{2,}")
SELF = {"me", "my", "mine", "myself", "i"}
# A misspelt first name still finds its person ("bbo" → Bob) only when it is this close and unique.
TYPO_SCORE = 85


def _written(ref: str) -> str:
    text = ref.strip().lstrip("@").strip()
    text = re.sub(r"(?:'|’)s?$", "", text)  # Bob's, James'
    return text.strip()


def find_teammate(s: Session, actor: Actor, ref: str | int) -> User:
    if isinstance(ref, int):
        by_id = s.get(User, ref)
        if by_id is None or by_id.workspace_id != actor.workspace_id:
            raise NotFound("record.not_found", kind="teammate", ref=str(ref))
        return by_id
    written = _written(ref)
    people = list(s.scalars(select(User)))
    if SLACK_ID.fullmatch(written):
        for person in people:
            if person.slack_id == written:
                return person
        raise NotFound("person.unknown", kind="teammate", ref=written)
    key = fold(written)
    if key in SELF:
        mine = next((p for p in people if p.id == actor.user_id), None)
        if mine is not None:
            return mine
    if not key:
        raise NotFound("record.not_found", kind="teammate", ref=ref)

    def keys(person: User) -> set[str]:
        name = fold(person.name)
        out = {name, name.split(" ")[0]} if name else set()
        if person.email:
            out.add(fold(person.email.split("@")[0]))
        return out

    exact = [p for p in people if key in keys(p)]
    if not exact:
        scored = [(max(fuzz.ratio(key, k) for k in keys(p)), p) for p in people if keys(p) and len(key) >= 3]
        exact = [p for score, p in scored if score >= TYPO_SCORE]
    if len(exact) == 1:
        return exact[0]
    if exact:
        raise Ambiguous(
            "record.ambiguous", [Candidate(p.id, p.name) for p in exact[:5]], kind="teammate", ref=written
        )
    raise NotFound("teammate.not_found", kind="teammate", ref=written)
