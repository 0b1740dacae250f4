"""Merging two contacts or two companies, and finding the ones that are likely the same.

A merge keeps the first record (``a``) and folds the second (``b``) into it, in one audited operation:
every deal, person, interaction and task that pointed at ``b`` points at ``a``, ``a`` takes ``b``'s value
for each field the person chose, both sets of tags, and ``b`` is marked deleted. Undo takes the whole op
back: ``b`` returns and everything moved points at it again.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services import policy, targets
from bot.services.base import Actor, Op, Ref, Service, lock_row
from bot.services.companies import SAME_NAME, company_key, find_company
from bot.services.contacts import SIMILAR, find_contact
from bot.services.errors import Invalid, NotFound
from bot.services.text import fold
from bot.services.views import DuplicatePair, Duplicates, MergeField, MergePlan, Written
from models import Company, Contact, Deal, Interaction, Task, User
from models.entities import linked_fields

# The fields a person chooses between, by record type (tags are always both records').
FIELDS: dict[str, tuple[str, ...]] = {
    "contact": (
        "name",
        "email",
        "phone",
        "title",
        "company_id",
        "lifecycle",
        "owner_id",
        "preferred_channel",
    ),
    "company": ("name", "domain", "industry", "owner_id"),
}
MODELS: dict[str, Any] = {"contact": Contact, "company": Company}
# What points at a record by a column of its own, per record type: (what it is called, model, column).
POINTING: dict[str, tuple[tuple[str, Any, str], ...]] = {
    "contact": (("deals", Deal, "contact_id"),),
    "company": (("people", Contact, "company_id"), ("deals", Deal, "company_id")),
}
# How many neighbours, in name order, each name is compared with when looking for look-alikes.
WINDOW = 8


def _find(s: Session, actor: Actor, kind: str, ref: Ref) -> Any:
    if kind == "contact":
        return find_contact(s, actor, ref)
    company = find_company(s, None, actor, ref, create=False)
    if company is None:
        raise NotFound("record.not_found", kind="company", ref=str(ref))
    return company


def _pair(s: Session, actor: Actor, kind: str | None, refs: list[Ref]) -> tuple[str, Any, Any]:
    """The two records named, of the type said, else two contacts, else two companies."""
    if len(refs) != 2 or any(r in (None, "") for r in refs):
        raise Invalid("merge.two", field="records")
    if kind not in (None, "contact", "company"):
        raise Invalid("merge.kind", field="record_type", value=kind)
    kinds = [kind] if kind else ["contact", "company"]
    missing: NotFound | None = None
    for each in kinds:
        try:
            a, b = _find(s, actor, each, refs[0]), _find(s, actor, each, refs[1])
        except NotFound as exc:
            missing = missing or exc
            continue
        if a.id == b.id:
            raise Invalid("merge.same", field="records", label=a.name)
        return each, a, b
    assert missing is not None
    raise missing


def _shown(s: Session, name: str, value: Any) -> str | None:
    """A field's value as a person reads it: a company or an owner by name."""
    if value is None or value == "":
        return None
    if name == "company_id":
        company = s.get(Company, value)
        return company.name if company else None
    if name == "owner_id":
        owner = s.get(User, value)
        return owner.name if owner else None
    return str(value)


def _fields(s: Session, kind: str, a: Any, b: Any, keep: dict[str, str]) -> list[MergeField]:
    out = []
    for name in FIELDS[kind]:
        va, vb = _shown(s, name, getattr(a, name)), _shown(s, name, getattr(b, name))
        if va == vb or vb is None:
            continue
        # Unless the person chose, a keeps its own value, and takes b's only where it has none.
        chosen = keep.get(name) or ("a" if va is not None else "b")
        out.append(MergeField(name, va, vb, "b" if chosen == "b" else "a"))
    return out


def _sources_of(s: Session, actor: Actor, kind: str, record_id: int) -> Iterator[tuple[str, Any]]:
    """The tasks and interactions linked to the record (each kind that can be linked to it)."""
    for name, cls in (("interactions", Interaction), ("tasks", Task)):
        if f"{kind}_id" in linked_fields(cls):
            for row in s.scalars(
                select(cls).where(targets.linked_to(cls, actor.workspace_id, kind, record_id))
            ):
                yield name, row


def _moves(s: Session, actor: Actor, kind: str, b: Any) -> dict[str, int]:
    moves: dict[str, int] = {}
    for name, model, column in POINTING[kind]:
        n = int(s.scalar(select(func.count()).select_from(model).where(getattr(model, column) == b.id)) or 0)
        moves[name] = moves.get(name, 0) + n
    for name, _row in _sources_of(s, actor, kind, b.id):
        moves[name] = moves.get(name, 0) + 1
    return {k: v for k, v in moves.items() if v}


class Merges(Service):
    def merge_plan(
        self, actor: Actor, refs: list[Ref], kind: str | None = None, keep: dict[str, str] | None = None
    ) -> MergePlan:
        """What merging the second record into the first would do, checked: both must be the actor's
        to change."""
        with self.read(actor) as s:
            kind, a, b = _pair(s, actor, kind, refs)
            for record in (a, b):
                policy.require_change(s, actor, record, "merge")
            return MergePlan(
                kind,
                a.id,
                a.name,
                b.id,
                b.name,
                _fields(s, kind, a, b, keep or {}),
                _moves(s, actor, kind, b),
            )

    def merge(
        self, actor: Actor, kind: str, a_id: int, b_id: int, keep: dict[str, str] | None = None
    ) -> Written:
        """Fold ``b`` into ``a`` as one undoable op (see the module's docstring)."""
        with self.op(actor) as op:
            s = op.session
            kind, a, b = _pair(s, actor, kind, [a_id, b_id])
            # Locked in id order, whichever is kept: two merges of the same pair, each keeping another,
            # would otherwise each hold the row the other waits for.
            locked = {i: lock_row(s, MODELS[kind], i) for i in sorted((a.id, b.id))}
            gone = [ref for ref, i in ((str(a_id), a.id), (str(b_id), b.id)) if locked[i] is None]
            if gone:
                # Deleted by someone else between finding and locking it: gone, as deleting it twice is.
                raise NotFound("record.not_found", kind=kind, ref=gone[0])
            a, b = locked[a.id], locked[b.id]
            for record in (a, b):
                policy.require_change(s, actor, record, "merge")
            plan = MergePlan(
                kind,
                a.id,
                a.name,
                b.id,
                b.name,
                _fields(s, kind, a, b, keep or {}),
                _moves(s, actor, kind, b),
            )
            self._take_fields(plan, a, b)
            self._move(op, kind, a, b)
            b.deleted_at, b.deleted_by_id = self.now(), actor.user_id
            s.flush()
            # The kept record's history shows the merge (bot/services/timeline.py reads it beside the
            # other record's deletion in this op): an event on it even when no field of it changed.
            op.record_many(kind, [(a.id, {"name": a.name}, {"name": a.name})])
            return Written(op.id, merged=plan)

    @staticmethod
    def _take_fields(plan: MergePlan, a: Any, b: Any) -> None:
        for f in plan.fields:
            if f.keep == "b":
                setattr(a, f.name, getattr(b, f.name))
        a.name_key = fold(a.name)
        a.tags = list(dict.fromkeys([*(a.tags or []), *(b.tags or [])]))

    @staticmethod
    def _move(op: Op, kind: str, a: Any, b: Any) -> None:
        s = op.session
        for _name, model, column in POINTING[kind]:
            pointing = select(model.id).where(getattr(model, column) == b.id).order_by(model.id)
            for record_id in list(s.scalars(pointing)):
                setattr(lock_row(s, model, record_id), column, a.id)
        for _name, source in list(_sources_of(s, op.actor, kind, b.id)):
            targets.link(source, kind, a.id)

    def duplicates(self, actor: Actor, kind: str | None = None, limit: int = 20) -> Duplicates:
        """Likely duplicates among the workspace's contacts and companies (or one kind): the first
        ``limit`` pairs, strongest reasons first, and how many pairs in all."""
        started = time.perf_counter()
        with self.read(actor) as s:
            found: dict[tuple[str, int, int], DuplicatePair] = {}
            scanned = 0
            if kind in (None, "contact"):
                scanned += _contact_pairs(s, found)
            if kind in (None, "company"):
                scanned += _company_pairs(s, found)
            pairs = list(found.values())
        return Duplicates(pairs[:limit], len(pairs), scanned, time.perf_counter() - started)


def _add(
    found: dict[tuple[str, int, int], DuplicatePair],
    kind: str,
    x: tuple[int, str],
    y: tuple[int, str],
    reason: str,
) -> None:
    (a_id, a_label), (b_id, b_label) = sorted([x, y])
    key = (kind, a_id, b_id)
    if a_id != b_id and key not in found:
        found[key] = DuplicatePair(kind, a_id, a_label, b_id, b_label, reason)


def _groups(rows: Iterable[tuple[Any, int, str]]) -> Iterator[list[tuple[int, str]]]:
    """Rows sharing their first value, as lists of (id, label), for each value shared by more than one."""
    by: dict[Any, list[tuple[int, str]]] = {}
    for value, record_id, name in rows:
        by.setdefault(value, []).append((record_id, name))
    yield from (group for group in by.values() if len(group) > 1)


def _neighbours(
    items: list[tuple[str, int, str, Any]], same: Any, threshold: float
) -> Iterator[tuple[tuple[int, str], tuple[int, str]]]:
    """Look-alike names without comparing every pair: each name against the next few in name order, and
    again in the order of the names read backwards (a typo in the first letters)."""
    for order in (lambda t: t[0], lambda t: t[0][::-1]):
        ranked = sorted(items, key=order)
        for i, (key, rid, name, extra) in enumerate(ranked):
            for other_key, other_id, other_name, other_extra in ranked[i + 1 : i + 1 + WINDOW]:
                # score_cutoff lets rapidfuzz give up early on names that cannot reach it.
                if same(extra, other_extra) and fuzz.ratio(key, other_key, score_cutoff=threshold):
                    yield (rid, name), (other_id, other_name)


def _contact_pairs(s: Session, found: dict[tuple[str, int, int], DuplicatePair]) -> int:
    rows = s.execute(
        select(Contact.id, Contact.name, Contact.name_key, Contact.email, Contact.company_id)
    ).all()
    for group in _groups((r.email, r.id, r.name) for r in rows if r.email):
        for other in group[1:]:
            _add(found, "contact", group[0], other, "same email")
    for group in _groups(((r.name_key, r.company_id), r.id, r.name) for r in rows if r.company_id):
        for other in group[1:]:
            _add(found, "contact", group[0], other, "same name at the same company")

    def same_company(x: Any, y: Any) -> bool:
        return x is None or y is None or x == y

    items = [(r.name_key, r.id, r.name, r.company_id) for r in rows]
    for x, y in _neighbours(items, same_company, SIMILAR):
        _add(found, "contact", x, y, "similar names")
    return len(rows)


def _company_pairs(s: Session, found: dict[tuple[str, int, int], DuplicatePair]) -> int:
    rows = s.execute(select(Company.id, Company.name, Company.domain)).all()
    for group in _groups((r.domain.lower(), r.id, r.name) for r in rows if r.domain):
        for other in group[1:]:
            _add(found, "company", group[0], other, "same domain")
    keyed = [(company_key(r.name), r.id, r.name, None) for r in rows]
    for group in _groups((key, rid, name) for key, rid, name, _ in keyed if key):
        for other in group[1:]:
            _add(found, "company", group[0], other, "same name but for the legal suffix")
    for x, y in _neighbours(keyed, lambda _x, _y: True, SAME_NAME):
        _add(found, "company", x, y, "similar names")
    return len(rows)
