"""Deleting records: contacts, companies, deals and tasks are marked deleted (when, by whom), never
removed, so that the delete is one audited operation that Undo takes back whole.

A deleted record drops out of every read by itself (bot/services/tenancy.py); what pointed at it stays
as it was (a deal keeps its contact, a task its deal), so that undoing the delete finds everything as it
left it. A company goes either alone (its people and deals stay, shown without a company) or with its
people and deals, each of which the actor must be allowed to change.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services import policy, targets
from bot.services.base import Actor, Op, Ref, Service, aware, lock_row
from bot.services.companies import find_company
from bot.services.contacts import find_contact
from bot.services.deals import find_deal
from bot.services.errors import Invalid, NotFound
from bot.services.tasks import find_task
from bot.services.views import Deleted, Deletion, Written
from bot.services.workspace import person
from models import AuditEvent, Company, Contact, Deal, Interaction, PipelineStage, Task

# What can be deleted, by the name a person and the audit trail use.
DELETABLE: dict[str, Any] = {"contact": Contact, "company": Company, "deal": Deal, "task": Task}


def find_record(s: Session, actor: Actor, kind: str, ref: Ref) -> Any:
    """The record of that kind a person named (by id, or by words as its own lookup reads them)."""
    if kind not in DELETABLE:
        raise Invalid("record.kind.unknown", field="record_type", value=kind, kinds=list(DELETABLE))
    if kind == "contact":
        return find_contact(s, actor, ref)
    if kind == "deal":
        return find_deal(s, actor, ref)
    if kind == "task":
        return find_task(s, actor, ref, open_only=False)
    company = find_company(s, None, actor, ref, create=False)
    if company is None:
        raise NotFound("record.not_found", kind="company", ref=str(ref))
    return company


def label(record: Any) -> str:
    return str(getattr(record, "name", None) or getattr(record, "title", ""))


def _count(s: Session, query: Any) -> int:
    return int(s.scalar(select(func.count()).select_from(query.subquery())) or 0)


def _open_deals(where: Any) -> Any:
    return (
        select(Deal.id)
        .join(PipelineStage, Deal.stage_id == PipelineStage.id)
        .where(where, PipelineStage.is_closed.is_(False))
    )


def what_stays(s: Session, actor: Actor, kind: str, record: Any) -> dict[str, int]:
    """What points at ``record`` and stays when it goes: people, deals, open deals, interactions, tasks."""
    ws, rid = actor.workspace_id, record.id
    if kind == "task":
        return {}
    out: dict[str, int] = {}
    if kind == "company":
        out["people"] = _count(s, select(Contact.id).where(Contact.company_id == rid))
        out["deals"] = _count(s, select(Deal.id).where(Deal.company_id == rid))
        out["open deals"] = _count(s, _open_deals(Deal.company_id == rid))
    if kind == "contact":
        out["deals"] = _count(s, select(Deal.id).where(Deal.contact_id == rid))
    out["interactions"] = _count(
        s, select(Interaction.id).where(targets.linked_to(Interaction, ws, kind, rid))
    )
    if kind != "company":
        out["open tasks"] = _count(
            s, select(Task.id).where(targets.linked_to(Task, ws, kind, rid), Task.done_at.is_(None))
        )
    return {k: v for k, v in out.items() if v}


def _mark(record: Any, actor: Actor, now: Any) -> None:
    record.deleted_at = now
    record.deleted_by_id = actor.user_id


class Deletions(Service):
    def deletion(self, actor: Actor, kind: str, ref: Ref) -> Deletion:
        """What deleting that record would do, checked first: the actor must be allowed to change it."""
        with self.read(actor) as s:
            record = find_record(s, actor, kind, ref)
            policy.require_change(s, actor, record, "delete")
            return Deletion(kind, record.id, label(record), what_stays(s, actor, kind, record))

    def delete_record(self, actor: Actor, kind: str, ref: Ref, *, with_records: bool = False) -> Written:
        """Mark the record deleted (one audited, undoable op). ``with_records``: a company's people and
        deals go with it, each only if the actor may change it."""

        def load(op: Op) -> Any:
            record = find_record(op.session, actor, kind, ref)
            locked = lock_row(op.session, DELETABLE[kind], record.id)
            if locked is None:
                # Deleted by someone else between finding it and locking it: gone, as if not found.
                raise NotFound("record.not_found", kind=kind, ref=str(ref))
            return locked

        with self.edit(actor, load, check=lambda s, a, r: policy.require_change(s, a, r, "delete")) as edit:
            s, record, now = edit.session, edit.record, self.now()
            _mark(record, actor, now)
            gone = 0
            if kind == "company" and with_records:
                gone = self._with_company(s, actor, record, now)
            s.flush()
            return Written(edit.op.id, deleted=Deletion(kind, record.id, label(record), {}, gone))

    def recently_deleted(self, actor: Actor, limit: int = 20) -> list[Deleted]:
        """The records deleted last, newest first, with who deleted them and the op that did (its Undo
        restores them): managers and admins, who may restore anyone's."""
        with self.read(actor) as s:
            policy.require(s, actor, "deleted records")
            found: list[Deleted] = []
            for kind, cls in DELETABLE.items():
                name = cls.name if hasattr(cls, "name") else cls.title
                rows = s.execute(
                    select(cls.id, name, cls.deleted_at, cls.deleted_by_id)
                    .where(cls.deleted_at.is_not(None))
                    .order_by(cls.deleted_at.desc(), cls.id.desc())
                    .limit(limit)
                    .execution_options(include_deleted=True)
                )
                for record_id, label_, at, by in rows:
                    who = person(s, by)
                    found.append(Deleted(kind, record_id, label_, at, who.name if who else None, None))
            found.sort(key=lambda d: (aware(d.deleted_at), d.id), reverse=True)
            return [replace(d, op_id=self._deleting_op(s, d)) for d in found[:limit]]

    @staticmethod
    def _deleting_op(s: Session, d: Deleted) -> str | None:
        # Nothing changes a deleted record, so its last change still standing is the one that deleted it.
        return s.scalar(
            select(AuditEvent.op_id)
            .where(
                AuditEvent.record_type == d.kind,
                AuditEvent.record_id == d.id,
                AuditEvent.undone_by_op.is_(None),
                # A deletion an import brought as history is no operation here to take back.
                AuditEvent.replayed_by.is_(None),
                AuditEvent.action == "update",
            )
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )

    @staticmethod
    def _with_company(s: Session, actor: Actor, company: Company, now: Any) -> int:
        rows: list[tuple[Any, int]] = [
            *((Contact, i) for i in s.scalars(select(Contact.id).where(Contact.company_id == company.id))),
            *((Deal, i) for i in s.scalars(select(Deal.id).where(Deal.company_id == company.id))),
        ]
        gone = 0
        for cls, record_id in rows:
            record = lock_row(s, cls, record_id)
            policy.require_change(s, actor, record, "delete")
            _mark(record, actor, now)
            gone += 1
        return gone
