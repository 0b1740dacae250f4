"""Deleting and merging records, and finding likely duplicates: `/crm delete …`, `/crm merge A and B`,
`/crm duplicates`, and the ``delete_record`` / ``merge_records`` intents.

Nothing is deleted or merged on a reading alone: the first answer is always a question (the record named,
what stays; the fields that differ), and only its button (which carries ``confirmed``) writes. So the specs
are not marked as writes: the dispatcher's own read-back would only ask the same question twice.
"""

from __future__ import annotations

import re
from typing import Any

from bot.blocks import tidying
from bot.blocks.messages import describe
from bot.commands.registry import Ctx, Reply
from bot.intents.common import chosen_by_name
from bot.services.errors import Ambiguous, NotFound
from bot.spec import IntentSpec, Verb

GROUP = "Other"
# Which record a name means when the type was not said: the first kind that has it.
KINDS = ("contact", "deal", "company", "task")


def _chosen(ctx: Ctx, slots: dict[str, Any]) -> tuple[Any, str | None]:
    """The record and its type; a choice between look-alikes comes back in the slot of its type."""
    for kind in KINDS:
        if isinstance(slots.get(kind), int):
            return slots[kind], kind
    return chosen_by_name(ctx, slots.get("record"), slots.get("record_type"))


def delete_record(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    record, kind = _chosen(ctx, slots)
    if not slots.get("confirmed"):
        d = _deletion(ctx, kind, record)
        return Reply(
            f"Delete {d.kind} {d.label}?", tidying.delete_question(d, {**slots, "record_type": d.kind})
        )
    assert kind is not None
    written = ctx.crm.delete_record(ctx.actor, kind, record, with_records=bool(slots.get("with_records")))
    assert written.deleted is not None
    text, blocks = tidying.deleted(written.deleted, written.op_id)
    return Reply(text, blocks)


def _deletion(ctx: Ctx, kind: str | None, record: Any) -> Any:
    if kind is not None:
        return ctx.crm.deletion(ctx.actor, kind, record)
    missing: NotFound | None = None
    for each in KINDS:
        try:
            return ctx.crm.deletion(ctx.actor, each, record)
        except NotFound as exc:
            missing = missing or exc
    assert missing is not None
    raise missing


def merge_records(ctx: Ctx, slots: dict[str, Any]) -> Reply:
    refs = _kept_first(ctx, list(slots.get("records") or []))
    kind = slots.get("record_type")
    keep = dict(slots.get("keep") or {})
    if slots.get("confirmed") and all(isinstance(r, int) for r in refs) and len(refs) == 2 and kind:
        written = ctx.crm.merge(ctx.actor, kind, refs[0], refs[1], keep)
        assert written.merged is not None
        text, blocks = tidying.merged(written.merged, written.op_id)
        return Reply(text, blocks)
    try:
        plan = ctx.crm.merge_plan(ctx.actor, refs, kind, keep)
    except Ambiguous as exc:
        return _which(exc, slots, refs)
    return Reply(f"Merge {plan.b_label} into {plan.a_label}?", tidying.merge_question(plan, slots))


def _kept_first(ctx: Ctx, refs: list[Any]) -> list[Any]:
    """The record kept first: "merge Jane Do into Jane Doe" keeps Jane Doe (the parser gives the two names
    in the order written, whichever way the sentence runs)."""
    text = (ctx.text or "").lower()
    names = [r for r in refs if isinstance(r, str)]
    if len(names) == 2 and re.search(r"\binto\b", text):
        first, second = (text.find(n.lower()) for n in names)
        if 0 <= first < text.find(" into ") < second:
            return [refs[1], refs[0]]
    return refs


def _which(exc: Ambiguous, slots: dict[str, Any], refs: list[Any]) -> Reply:
    """One of the two names matches several records: a button per record, the other name kept."""
    message, _hint = describe(exc)
    at = next((i for i, r in enumerate(refs) if r == exc.ref), 0)
    options = []
    for cand in exc.candidates:
        chosen = [cand.id if i == at else r for i, r in enumerate(refs)]
        label = cand.label if not cand.detail else f"{cand.label} ({cand.detail})"
        value = {"i": "merge_records", "s": {**slots, "records": chosen, "record_type": exc.kind}}
        options.append((label, value))
    return Reply(message, tidying.choose(message, options))


def duplicates_verb(ctx: Ctx, args: str) -> Reply:
    """Likely duplicate contacts and companies, each pair with a Merge button."""
    word = args.strip().lower().rstrip("s")
    kind = {"contact": "contact", "company": "company", "companie": "company"}.get(word)
    text, blocks = tidying.duplicates(ctx.crm.duplicates(ctx.actor, kind))
    return Reply(text, blocks)


def deleted_verb(ctx: Ctx, args: str) -> Reply:
    """The records deleted last, newest first, each with Restore (managers and admins)."""
    text, blocks = tidying.recently_deleted(ctx.crm.recently_deleted(ctx.actor), ctx.tz)
    return Reply(text, blocks)


def _delete_verb(noun: str) -> Verb:
    return Verb(
        f"{noun} delete",
        f"{noun} delete NAME",
        f"Delete a {noun} (asks first; Undo brings it back).",
        {"contact": "Contacts", "company": "Companies", "deal": "Deals", "task": "Tasks"}[noun],
        (f"{noun} delete {tidying_example(noun)}",),
    )


def tidying_example(noun: str) -> str:
    return {"contact": "Jane Doe", "company": "Acme Corp", "deal": "Acme renewal", "task": "call Jane"}[noun]


SPECS = (
    IntentSpec(
        "delete_record",
        delete_record,
        verbs=(
            Verb(
                "delete",
                "delete [contact|company|deal|task] NAME",
                "Delete a record: asks first, says what stays, and Undo brings it back.",
                GROUP,
                ("delete contact Jane Doe", "delete deal Acme renewal"),
            ),
            *(_delete_verb(noun) for noun in ("contact", "company", "deal", "task")),
            Verb(
                "deleted",
                "deleted",
                "The records deleted last, with who deleted them and a Restore button (managers and admins).",
                GROUP,
                ("deleted",),
                run=deleted_verb,
            ),
        ),
    ),
    IntentSpec(
        "merge_records",
        merge_records,
        verbs=(
            Verb(
                "merge",
                "merge [contacts|companies] A and B",
                "Merge B into A: its interactions, tasks, deals and people move; you pick where fields differ.",
                GROUP,
                ("merge Jane Doe and Jane Do", "merge companies Acme and Acme Inc"),
            ),
            Verb(
                "duplicates",
                "duplicates [contacts|companies]",
                "Likely duplicates (same email, same name at a company, look-alike names), each with Merge.",
                GROUP,
                ("duplicates", "duplicates companies"),
                run=duplicates_verb,
            ),
        ),
    ),
)
