"""Companies: finding one by name (fuzzy, or made on the way by a contact or deal), and adding one.

Public lookup for the other services: :func:`find_company`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services import fields
from bot.services.base import Actor, Op, Ref, Service
from bot.services.errors import NotFound
from bot.services.lookup import pick, rank
from bot.services.text import fold
from bot.services.views import CompanyView, Written
from models import Company


def find_company(s: Session, op: Op | None, actor: Actor, ref: Ref | None, *, create: bool) -> Company | None:
    """The company a person named (None when they named none). With ``create`` and an op, a name that
    matches no company makes one, audited in that op; otherwise it must match."""
    if ref is None or ref == "":
        return None
    if isinstance(ref, int):
        company = s.get(Company, ref)
        if company is None or company.workspace_id != actor.workspace_id:
            raise NotFound("company", str(ref))
        return company
    name = fields.name(ref, "company name", "Acme Corp")
    key = fold(name)
    found = s.scalars(select(Company).where(Company.name_key == key).limit(1)).first()
    if found is not None:
        return found
    matches = rank(s, Company, Company.name_key, Company.name, actor.workspace_id, name)
    if matches and matches[0].score >= 92:
        return s.get(Company, matches[0].id)
    if not create or op is None:
        return s.get(Company, pick("company", name, matches))
    company = Company(workspace_id=actor.workspace_id, name=name, name_key=key)
    s.add(company)
    # Its id is wanted at once; the op records it as made (bot/services/base.py).
    s.flush()
    return company


class Companies(Service):
    def find_companies(self, actor: Actor, query: str, limit: int = 5) -> list[CompanyView]:
        with self.read(actor) as s:
            matches = rank(s, Company, Company.name_key, Company.name, actor.workspace_id, query, limit=limit)
            return [CompanyView(m.id, m.label) for m in matches if m.score >= 60]

    def create_company(self, actor: Actor, name: str) -> Written:
        """A company on its own (contacts and deals usually create theirs on the way)."""
        with self.op(actor) as op:
            company = find_company(
                op.session, op, actor, fields.name(name, "company name", "Acme Corp"), create=True
            )
            assert company is not None
            return Written(op.id, company=CompanyView(company.id, company.name, company.domain))
