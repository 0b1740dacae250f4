"""Contacts: adding one (refusing a likely duplicate), changing one, finding and listing them.

Public for the other services: :func:`find_contact` (a contact named by id, email or name, "Jane at
Acme" preferring the one at Acme) and :func:`contact_view`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.services import customfields, fields, limits
from bot.services.base import Actor, Op, Ref, Service, lock_row
from bot.services.companies import find_company
from bot.services.errors import Candidate, Invalid, NotFound, PossibleDuplicate
from bot.services.fields import EMAIL
from bot.services.lookup import Match, counted, pick, rank, tagged
from bot.services.text import fold
from bot.services.views import ContactView, Written
from bot.services.workspace import person, user_by_slack
from models import Company, Contact, Interaction, Target
from models.entities import LIFECYCLES

# What update_contact may change.
EDITABLE = {"name", "email", "phone", "company", "title", "lifecycle", "tags", "preferred_channel", "custom"}


def contact_view(s: Session, c: Contact) -> ContactView:
    owner = person(s, c.owner_id)
    return ContactView(
        c.id,
        c.name,
        c.email,
        c.phone,
        c.title,
        c.company.name if c.company else None,
        c.company_id,
        c.lifecycle,
        owner.slack_id if owner else None,
        list(c.tags or []),
        tuple(customfields.shown(s, "contact", c.custom)) if c.custom else (),
    )


def _matches(s: Session, actor: Actor, ref: str, limit: int = 5) -> list[Match]:
    ref = ref.strip()
    if "@" in ref and EMAIL.match(ref):
        rows = s.execute(select(Contact.id, Contact.name).where(Contact.email == ref.lower())).all()
        if rows:
            return [Match(r[0], r[1], 100.0) for r in rows]
    return rank(s, Contact, Contact.name_key, Contact.name, actor.workspace_id, ref, limit=limit)


def _details_line(s: Session, ids: list[int]) -> dict[int, str]:
    rows = s.execute(
        select(Contact.id, Contact.email, Company.name)
        .outerjoin(Company, Contact.company_id == Company.id)
        .where(Contact.id.in_(ids))
    ).all()
    return {r[0]: " · ".join(x for x in (r[2], r[1]) if x) for r in rows}


def find_contact(s: Session, actor: Actor, ref: Ref, company_hint: str | None = None) -> Contact:
    if isinstance(ref, int):
        contact = s.get(Contact, ref)
        if contact is None or contact.workspace_id != actor.workspace_id:
            raise NotFound("record.not_found", kind="contact", ref=str(ref))
        return contact
    matches = _matches(s, actor, ref)
    if company_hint and len(matches) > 1:
        # "Jane at Acme": among close matches, the one at that company wins.
        hint = fold(company_hint)
        ids = [m.id for m in matches]
        at_company = set(
            s.scalars(
                select(Contact.id)
                .join(Company, Contact.company_id == Company.id)
                .where(Contact.id.in_(ids), Company.name_key.like(f"{hint[:3]}%"))
            ).all()
        )
        narrowed = [m for m in matches if m.id in at_company]
        if narrowed:
            matches = narrowed
    detail = _details_line(s, [m.id for m in matches])
    contact = s.get(Contact, pick("contact", ref, matches, detail=detail))
    assert contact is not None
    return contact


# Two names at the same company this alike (rapidfuzz's ratio of their folded forms) are likely one
# person: the duplicates scan (bot/services/merging.py) flags such a pair and adding one asks first.
SIMILAR = 90.0


def _similar_at_company(s: Session, name: str, company: str | int) -> list[tuple[int, str]]:
    """Contacts at the company (its id, or its name as written) whose names are as alike as the duplicates
    scan's rule says."""
    key = fold(name)
    if isinstance(company, int):
        at = Company.id == company
    else:
        company_key = fold(company)
        if not company_key:
            return []
        at = or_(Company.name_key == company_key, Company.name_key.like(f"{company_key[:4]}%"))
    rows = s.execute(
        select(Contact.id, Contact.name, Contact.name_key)
        .join(Company, Contact.company_id == Company.id)
        .where(at)
        .order_by(Contact.id)
        .limit(2000)
    ).all()
    return [(r[0], r[1]) for r in rows if fuzz.ratio(key, r[2], score_cutoff=SIMILAR)]


def _check_duplicate(
    s: Session, actor: Actor, name: str, email: str | None, company: str | int | None
) -> None:
    existing: list[Candidate] = []
    if email:
        for cid, cname in s.execute(select(Contact.id, Contact.name).where(Contact.email == email)):
            existing.append(Candidate(cid, cname, 100.0, email))
    if not existing:
        matches = [
            m
            for m in rank(s, Contact, Contact.name_key, Contact.name, actor.workspace_id, name)
            if m.score >= 88
        ]
        if matches:
            detail = _details_line(s, [m.id for m in matches])
            company_key = fold(company) if isinstance(company, str) and company else None
            for m in matches:
                row = s.get(Contact, m.id)
                same_company = (
                    row is not None and isinstance(company, int) and row.company_id == company
                ) or (
                    row is not None
                    and row.company is not None
                    and company_key is not None
                    and (
                        row.company.name_key == company_key
                        or row.company.name_key.startswith(company_key[:4])
                    )
                )
                if same_company or (m.score == 100.0 and not company):
                    existing.append(Candidate(m.id, m.label, m.score, detail.get(m.id)))
    if not existing and company:
        alike = _similar_at_company(s, name, company)
        detail = _details_line(s, [cid for cid, _ in alike])
        existing = [Candidate(cid, label, SIMILAR, detail.get(cid)) for cid, label in alike[:5]]
    if existing:
        raise PossibleDuplicate("record.duplicate", existing, kind="contact")


def _checked_edits(values: dict[str, Any]) -> dict[str, Any]:
    """The changes asked of a contact, each checked, emails and phones in their stored form."""
    unknown = set(values) - EDITABLE
    if unknown:
        raise Invalid("contact.field.unknown", field=sorted(unknown)[0], fields=sorted(EDITABLE))
    if "email" in values:
        values["email"] = fields.email(values["email"])
    if "phone" in values:
        values["phone"] = fields.phone(values["phone"])
    if values.get("name"):
        fields.name(values["name"], "name", "contact")
    if isinstance(values.get("title"), str):
        limits.check("job title", values["title"])
    if "tags" in values:
        values["tags"] = fields.tags(values["tags"])
    if values.get("lifecycle") and values["lifecycle"] not in LIFECYCLES:
        raise Invalid(
            "contact.lifecycle.unknown",
            field="lifecycle",
            value=values["lifecycle"],
            lifecycles=list(LIFECYCLES),
        )
    if not values:
        raise Invalid("contact.edit.empty", field="fields")
    return values


class Contacts(Service):
    def create_contact(
        self,
        actor: Actor,
        name: str,
        *,
        email: str | None = None,
        phone: str | None = None,
        company: str | None = None,
        title: str | None = None,
        lifecycle: str | None = None,
        tags: list[str] | None = None,
        custom: dict[str, Any] | None = None,
        force: bool = False,
        new_company: bool = False,
    ) -> Written:
        """``custom``: values of the workspace's own fields, by field name (checked by the field's kind);
        ``new_company``: a company named near one on file is made all the same (the person said so)."""
        name = fields.name(name, "name", "contact.add")
        email = fields.email(email)
        phone = fields.phone(phone)
        title = (title or "").strip() or None
        limits.check("job title", title)
        if lifecycle and lifecycle not in LIFECYCLES:
            raise Invalid(
                "contact.lifecycle.unknown", field="lifecycle", value=lifecycle, lifecycles=list(LIFECYCLES)
            )
        with self.op(actor) as op:
            s = op.session
            if not force:
                _check_duplicate(s, actor, name, email, company)
            company_row = find_company(s, op, actor, company, create=True, new=new_company)
            contact = Contact(
                workspace_id=actor.workspace_id,
                name=name,
                name_key=fold(name),
                email=email,
                phone=phone,
                title=title,
                company_id=company_row.id if company_row else None,
                lifecycle=lifecycle or "prospect",
                owner_id=actor.user_id,
                tags=fields.tags(tags),
                custom={},
                # The service's clock, like every other time it writes (a test's or the console's).
                created_at=self.now(),
            )
            customfields.apply(s, "contact", contact, custom or {})
            s.add(contact)
            s.flush()
            s.refresh(contact)
            return Written(op.id, contact=contact_view(s, contact))

    def update_contact(self, actor: Actor, ref: Ref, *, new_company: bool = False, **values: Any) -> Written:
        values = _checked_edits(values)

        def load(op: Op) -> Contact:
            contact = find_contact(op.session, actor, ref)
            lock_row(op.session, Contact, contact.id)
            return contact

        with self.edit(actor, load) as edit:
            s, contact = edit.session, edit.record
            for key, value in values.items():
                if key == "company":
                    company = find_company(s, edit.op, actor, value, create=True, new=new_company)
                    contact.company_id = company.id if company else None
                elif key == "custom":
                    customfields.apply(s, "contact", contact, value)
                elif key == "name":
                    contact.name = fields.name(value, "name", "contact")
                    contact.name_key = fold(contact.name)
                else:
                    setattr(contact, key, value)
            # Written first, then reloaded so the view names the company it now points at.
            s.flush()
            s.refresh(contact)
            changed = customfields.named_changes(s, "contact", edit.changes())
            return Written(edit.op.id, contact=contact_view(s, contact), changed=changed)

    def find_contacts(self, actor: Actor, query: str, limit: int = 5) -> list[ContactView]:
        with self.read(actor) as s:
            views = []
            matches = [m for m in _matches(s, actor, query, limit=limit) if m.score >= 60]
            # Read together: one query, not one a person found.
            ids = [m.id for m in matches]
            by_id = {c.id: c for c in s.scalars(select(Contact).where(Contact.id.in_(ids)))} if ids else {}
            for m in matches:
                c = by_id.get(m.id)
                if c is not None:
                    views.append(contact_view(s, c))
            if not views:
                views = self._at_company(s, actor, query, limit)
            return views[:limit]

    @staticmethod
    def _at_company(s: Session, actor: Actor, query: str, limit: int) -> list[ContactView]:
        """ "find acme" means the people at Acme as much as anyone called Acme."""
        views = []
        for company in rank(s, Company, Company.name_key, Company.name, actor.workspace_id, query, limit=2):
            if company.score < 80:
                continue
            for c in s.scalars(
                select(Contact).where(Contact.company_id == company.id).order_by(Contact.name).limit(limit)
            ):
                views.append(contact_view(s, c))
        return views

    def list_contacts(
        self,
        actor: Actor,
        *,
        lifecycle: str | None = None,
        tag: str | None = None,
        owner: str | None = None,
        company: str | None = None,
        inactive_days: int | None = None,
        industry: str | None = None,
        custom: list[tuple[str, str, str]] | None = None,
        limit: int = 25,
        offset: int = 0,
    ) -> tuple[int, list[ContactView]]:
        """Contacts matching every filter given, by name, with how many match in all; ``offset`` and
        ``limit`` give one page of them. "No activity in N days": nothing logged with them since, and
        on file for longer than that. ``industry``: their company's. ``custom``: (custom field, comparison,
        value) each, as ``region=EMEA`` or ``seats>50`` says it (bot/services/customfields.py condition)."""
        with self.read(actor) as s:
            where: list[Any] = []
            if lifecycle:
                where.append(Contact.lifecycle == lifecycle)
            if tag:
                where.append(tagged(s, Contact.tags, tag))
            if owner:
                where.append(Contact.owner_id == user_by_slack(s, actor.workspace_id, owner).id)
            if company:
                found = find_company(s, None, actor, company, create=False)
                where.append(Contact.company_id == (found.id if found else -1))
            if industry:
                in_industry = select(Company.id).where(
                    func.lower(Company.industry) == industry.strip().lower()
                )
                where.append(Contact.company_id.in_(in_industry))
            for name, op, value in custom or []:
                where.append(customfields.condition(s, "contact", Contact.custom, name, op, value))
            if inactive_days is not None:
                since = self.now() - timedelta(days=int(inactive_days))
                last = (
                    select(Target.contact_id, func.max(Interaction.occurred_at).label("at"))
                    .join(Interaction, Interaction.id == Target.interaction_id)
                    .where(Target.workspace_id == actor.workspace_id, Target.contact_id.is_not(None))
                    .group_by(Target.contact_id)
                    .subquery()
                )
                q_last = select(last.c.contact_id).where(last.c.at >= since)
                where += [Contact.id.not_in(q_last), Contact.created_at < since]
            total = counted(s, select(Contact.id).where(*where))
            rows = s.scalars(
                select(Contact)
                .where(*where)
                .order_by(Contact.name_key, Contact.id)
                .offset(max(0, offset))
                .limit(limit)
            )
            return total, [contact_view(s, c) for c in rows]

    def resolve_contact(self, actor: Actor, ref: Ref, company: str | None = None) -> ContactView:
        with self.read(actor) as s:
            return contact_view(s, find_contact(s, actor, ref, company))
