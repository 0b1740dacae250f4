"""Companies: finding one by name (fuzzy, or made on the way by a contact or deal), adding one (asking
first when it looks like one already on file, legal suffix or not), changing, tagging and listing them.

Public for the other services: :func:`find_company`, :func:`company_view` and :func:`company_key`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services import customfields, fields
from bot.services.base import Actor, Op, Ref, Service, lock_row
from bot.services.errors import Ambiguous, Candidate, Invalid, NotFound, PossibleDuplicate
from bot.services.lookup import counted, pick, rank, tagged
from bot.services.text import LEGAL_SUFFIXES, fold
from bot.services.views import CompanyView, Written
from bot.services.workspace import person, user_by_slack
from models import Company, Contact, Interaction, Target
from models.entities import LIFECYCLES

# What update_company may change.
EDITABLE = ("name", "domain", "industry", "owner", "tags", "lifecycle", "custom")
# Two companies whose names differ by no more than a typo once the suffixes are gone.
SAME_NAME = 90.0
# A whole name this close to one on file is likely a typo of it (one swap or slip in a short name).
NEAR = 85.0


def company_key(name: str) -> str:
    """A company's name without punctuation, a leading "the" or its legal suffixes: "The Acme Co., Inc."
    and "acme" have the same key."""
    words = re.sub(r"[^\w ]+", " ", fold(name).replace(".", "")).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def company_view(s: Session, c: Company) -> CompanyView:
    owner = person(s, c.owner_id)
    return CompanyView(
        c.id,
        c.name,
        c.domain,
        c.industry,
        owner.slack_id if owner else None,
        list(c.tags or []),
        c.lifecycle,
        tuple(customfields.shown(s, "company", c.custom)) if c.custom else (),
    )


def find_company(
    s: Session, op: Op | None, actor: Actor, ref: Ref | None, *, create: bool, new: bool = False
) -> Company | None:
    """The company a person named (None when they named none). With ``create`` and an op, a name that
    matches no company makes one, audited in that op; otherwise it must match. A name near one on file
    ("Acme Crop" beside "Acme Corp") is asked about first, unless ``new`` says the person meant a new one."""
    if ref is None or ref == "":
        return None
    if isinstance(ref, int):
        company = s.get(Company, ref)
        if company is None or company.workspace_id != actor.workspace_id:
            raise NotFound("record.not_found", kind="company", ref=str(ref))
        return company
    name = fields.name(ref, "company name", "company")
    key = fold(name)
    found = s.scalars(select(Company).where(Company.name_key == key).limit(1)).first()
    if found is not None:
        return found
    matches = rank(s, Company, Company.name_key, Company.name, actor.workspace_id, name, suffixes=True)
    if matches and matches[0].score >= 92:
        return s.get(Company, matches[0].id)
    same = _same_name(s, actor, name)
    if len(same) == 1:
        # "Globex Corp" is Globex: the one company of that name but for its legal suffix.
        return same[0]
    if not create or op is None:
        return s.get(Company, pick("company", name, matches))
    if not new:
        _ask_if_near(s, actor, name)
    # The op's clock, like every time a service writes: "no activity in 30 days" counts from it.
    company = Company(workspace_id=actor.workspace_id, name=name, name_key=key, created_at=op.clock())
    s.add(company)
    # Its id is wanted at once; the op records it as made (bot/services/base.py).
    s.flush()
    return company


def _ask_if_near(s: Session, actor: Actor, name: str) -> None:
    """A typo of a company on file is that company, or a new one, as the person says: never guessed."""
    key, whole = company_key(name), fold(name)
    near = [
        m
        for m in rank(s, Company, Company.name_key, Company.name, actor.workspace_id, name, limit=10)
        # "Acme Crop" is "Acme Corp" with two letters swapped: near as written, though its suffix is not one.
        if fuzz.ratio(company_key(m.label), key) >= SAME_NAME or fuzz.ratio(fold(m.label), whole) >= NEAR
    ]
    if near:
        names = " or ".join(m.label for m in near[:3])
        raise Ambiguous(
            "company.near",
            [Candidate(m.id, m.label, m.score) for m in near[:3]],
            kind="company",
            ref=name,
            names=names,
        )


def _same_name(s: Session, actor: Actor, name: str, limit: int = 10) -> list[Company]:
    """The companies whose names are ``name`` but for legal suffixes and punctuation."""
    key = company_key(name)
    found = rank(s, Company, Company.name_key, Company.name, actor.workspace_id, key, limit=limit)
    rows = [s.get(Company, m.id) for m in found if company_key(m.label) == key]
    return [c for c in rows if c is not None]


def _named(s: Session, actor: Actor, ref: Ref) -> Company:
    company = find_company(s, None, actor, ref, create=False)
    if company is None:
        raise NotFound("record.not_found", kind="company", ref=str(ref))
    return company


def _detail(c: Company) -> str | None:
    return " · ".join(x for x in (c.domain, c.industry) if x) or None


def _check_duplicate(s: Session, actor: Actor, name: str, domain: str | None) -> None:
    """A company on file with the same domain, or the same name but for its legal suffix, punctuation or
    a typo ("Acme" and "Acme Corp."): asked about, like a contact that looks like someone on file."""
    existing: dict[int, Candidate] = {}
    if domain:
        for c in s.scalars(
            select(Company)
            .where(Company.workspace_id == actor.workspace_id, Company.domain == domain)
            .limit(3)
        ):
            existing[c.id] = Candidate(c.id, c.name, 100.0, _detail(c))
    key = company_key(name)
    for m in rank(s, Company, Company.name_key, Company.name, actor.workspace_id, key, limit=10):
        other = company_key(m.label)
        if m.id in existing or (other != key and fuzz.ratio(other, key) < SAME_NAME):
            continue
        row = s.get(Company, m.id)
        if row is not None:
            existing[m.id] = Candidate(m.id, m.label, m.score, _detail(row))
    if existing:
        raise PossibleDuplicate("record.duplicate", list(existing.values())[:5], kind="company")


def _checked_edits(values: dict[str, Any]) -> dict[str, Any]:
    """The changes asked of a company, each checked and in its stored form."""
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise Invalid("company.field.unknown", field=unknown[0], fields=list(EDITABLE))
    if not values:
        raise Invalid("company.edit.empty", field="fields")
    if "name" in values:
        values["name"] = fields.name(values["name"], "company name", "company")
    if "domain" in values:
        values["domain"] = fields.domain(values["domain"])
    if "industry" in values:
        values["industry"] = fields.industry(values["industry"])
    if "tags" in values:
        values["tags"] = fields.tags(values["tags"])
    if "lifecycle" in values:
        values["lifecycle"] = str(values["lifecycle"] or "").strip().lower()
        if values["lifecycle"] not in LIFECYCLES:
            raise Invalid(
                "contact.lifecycle.unknown",
                field="lifecycle",
                value=values["lifecycle"],
                lifecycles=list(LIFECYCLES),
            )
    return values


def _quiet_since(since: datetime) -> list[Any]:
    """Companies with nothing logged since ``since``, neither with them nor with their people, and on
    file from before it."""
    logged = select(Target.company_id).join(Interaction, Interaction.id == Target.interaction_id)
    with_them = logged.where(Target.company_id.is_not(None), Interaction.occurred_at >= since)
    with_people = (
        select(Contact.company_id)
        .join(Target, Target.contact_id == Contact.id)
        .join(Interaction, Interaction.id == Target.interaction_id)
        .where(Contact.company_id.is_not(None), Interaction.occurred_at >= since)
    )
    return [Company.id.not_in(with_them), Company.id.not_in(with_people), Company.created_at < since]


class Companies(Service):
    def find_companies(self, actor: Actor, query: str, limit: int = 5) -> list[CompanyView]:
        with self.read(actor) as s:
            matches = rank(s, Company, Company.name_key, Company.name, actor.workspace_id, query, limit=limit)
            return [CompanyView(m.id, m.label) for m in matches if m.score >= 60]

    def resolve_company(self, actor: Actor, ref: Ref) -> CompanyView:
        with self.read(actor) as s:
            return company_view(s, _named(s, actor, ref))

    def ensure_company(self, actor: Actor, name: str) -> Written:
        """The company of that name, made if there is none (what a "Create company" button does after a
        reference found nothing: pressed twice, it still makes one)."""
        with self.op(actor) as op:
            company = find_company(
                op.session, op, actor, fields.name(name, "company name", "company"), create=True
            )
            assert company is not None
            return Written(op.id, company=company_view(op.session, company))

    def create_company(
        self,
        actor: Actor,
        name: str,
        *,
        domain: str | None = None,
        industry: str | None = None,
        tags: list[str] | None = None,
        custom: dict[str, Any] | None = None,
        force: bool = False,
    ) -> Written:
        """A company of its own, owned by whoever adds it. ``force``: add it even though it looks like
        one on file (the person said so)."""
        name = fields.name(name, "company name", "company.add")
        domain = fields.domain(domain)
        industry = fields.industry(industry)
        with self.op(actor) as op:
            s = op.session
            if not force:
                _check_duplicate(s, actor, name, domain)
            company = Company(
                workspace_id=actor.workspace_id,
                name=name,
                name_key=fold(name),
                domain=domain,
                industry=industry,
                owner_id=actor.user_id,
                tags=fields.tags(tags),
                custom={},
                created_at=self.now(),
            )
            customfields.apply(s, "company", company, custom or {})
            s.add(company)
            s.flush()
            return Written(op.id, company=company_view(s, company))

    def update_company(self, actor: Actor, ref: Ref, **values: Any) -> Written:
        """Change a company's name, domain, industry, owner (a Slack id) or tags; its owner, a manager
        or an admin may, and anyone while nobody owns it."""
        values = _checked_edits(values)

        def load(op: Op) -> Company:
            company = _named(op.session, actor, ref)
            return lock_row(op.session, Company, company.id)  # type: ignore[no-any-return]

        with self.edit(actor, load) as edit:
            s, company = edit.session, edit.record
            for key, value in values.items():
                if key == "name":
                    company.name, company.name_key = value, fold(value)
                elif key == "custom":
                    customfields.apply(s, "company", company, value)
                elif key == "owner":
                    company.owner_id = user_by_slack(s, actor.workspace_id, value).id if value else None
                else:
                    setattr(company, key, value)
            changed = customfields.named_changes(s, "company", edit.changes())
            return Written(edit.op.id, company=company_view(s, company), changed=changed)

    def tag_company(self, actor: Actor, ref: Ref, tags: list[str]) -> Written:
        """Tags added to those the company has (under its lock, so two people tagging at once keep both)."""
        wanted = fields.tags(tags)
        if not wanted:
            raise Invalid("tags.missing", field="tags")

        def load(op: Op) -> Company:
            company = _named(op.session, actor, ref)
            return lock_row(op.session, Company, company.id)  # type: ignore[no-any-return]

        with self.edit(actor, load) as edit:
            company = edit.record
            company.tags = list(dict.fromkeys([*(company.tags or []), *wanted]))
            return Written(edit.op.id, company=company_view(edit.session, company), changed=edit.changes())

    def list_companies(
        self,
        actor: Actor,
        *,
        owner: str | None = None,
        tag: str | None = None,
        industry: str | None = None,
        inactive_days: int | None = None,
        limit: int = 25,
        offset: int = 0,
    ) -> tuple[int, list[CompanyView]]:
        """Companies matching every filter given, by name, with how many match in all; ``offset`` and
        ``limit`` give one page of them. "No activity in N days": nothing logged with the company or its
        people since, and on file for longer than that."""
        with self.read(actor) as s:
            where: list[Any] = []
            if owner:
                where.append(Company.owner_id == user_by_slack(s, actor.workspace_id, owner).id)
            if tag:
                where.append(tagged(s, Company.tags, tag))
            if industry:
                where.append(func.lower(Company.industry) == industry.strip().lower())
            if inactive_days is not None:
                where += _quiet_since(self.now() - timedelta(days=int(inactive_days)))
            total = counted(s, select(Company.id).where(*where))
            rows = s.scalars(
                select(Company)
                .where(*where)
                .order_by(Company.name_key, Company.id)
                .offset(max(0, offset))
                .limit(limit)
            )
            return total, [company_view(s, c) for c in rows]
