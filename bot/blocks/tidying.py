"""Cards for deleting and merging records and for the list of likely duplicates.

Deleting always asks first (the record named, what stays behind); merging shows the fields the two records
disagree on, each with a button per value, and merges only on its own button. Both answers carry Undo.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, ConfirmObject, PlainTextObject

from bot.blocks import ids
from bot.blocks.common import actions, button, compact, context, esc, section, when
from bot.services.views import Deleted, Deletion, Duplicates, MergePlan

# How a field two records disagree on is named on the merge card.
FIELD_NAMES = {"company_id": "company", "owner_id": "owner", "preferred_channel": "preferred channel"}
THE = {"contact": "contact", "company": "company", "deal": "deal", "task": "task"}


def counted(counts: dict[str, int]) -> str:
    """ "2 deals, 3 interactions and 1 open task" (singular where one)."""
    parts = [f"{n} {word if n != 1 else _one(word)}" for word, n in counts.items() if n]
    if len(parts) > 1:
        return ", ".join(parts[:-1]) + " and " + parts[-1]
    return parts[0] if parts else ""


def stay(counts: dict[str, int]) -> str:
    """ "stays" after one thing ("Its 1 interaction stays"), "stay" after more."""
    present = [n for n in counts.values() if n]
    return "stays" if present == [1] else "stay"


def _one(word: str) -> str:
    return {"people": "person"}.get(word, word[:-1] if word.endswith("s") else word)


def delete_question(d: Deletion, slots: dict[str, Any]) -> list[Block]:
    """Delete it? One press on purpose; Cancel is the default. A company asks what goes with it."""
    base = {k: v for k, v in slots.items() if k not in ("record", "with_records")}
    base.update({"record": d.id, "record_type": d.kind, "confirmed": True})
    stays = counted(d.stays)
    text = f"🗑️ Delete {THE[d.kind]} *{esc(d.label)}*?"
    if d.kind == "company":
        with_it = counted({k: v for k, v in d.stays.items() if k in ("people", "deals")})
        alone = "Delete the company only"
        lines = [text]
        if with_it:
            moving = {k: v for k, v in d.stays.items() if k in ("people", "deals")}
            lines.append(f"Its {with_it} {stay(moving)}, without a company, unless you delete them with it.")
        # Both answers in one row, so the second carries another action id (PICK writes as CONFIRM does).
        everything = None
        if with_it:
            everything = button(
                f"Delete it with its {with_it}"[:75],
                f"{ids.PICK}_1",
                {"i": "delete_record", "s": {**base, "with_records": True}},
                style="danger",
                confirm=_sure(d.label, with_it),
            )
        row = [button(alone, ids.CONFIRM, {"i": "delete_record", "s": base}), everything]
        cancel = button("Cancel", ids.CANCEL, style="primary")
        return compact([section("\n".join(lines)), actions(*row, cancel)])
    if stays:
        text += f"\nIts {stays} {stay(d.stays)} on file."
    return compact(
        [
            section(text),
            actions(
                button("Delete", ids.CONFIRM, {"i": "delete_record", "s": base}, style="danger"),
                button("Cancel", ids.CANCEL, style="primary"),
            ),
        ]
    )


def _sure(label: str, with_it: str) -> ConfirmObject:
    return ConfirmObject(
        title=PlainTextObject(text="Delete them too?"),
        text=f"{label} and its {with_it} will be deleted. Undo brings them all back."[:300],
        confirm=PlainTextObject(text="Delete"),
        deny=PlainTextObject(text="Back"),
    )


def deleted(d: Deletion, op_id: str) -> tuple[str, list[Block]]:
    text = f"🗑️ Deleted {THE[d.kind]} *{esc(d.label)}*"
    if d.with_it:
        text += f" and {d.with_it} of its people and deals"
    text += ". Undo brings it back."
    return text, compact([section(text), actions(button("Undo", ids.UNDO, {"op": op_id}))])


def recently_deleted(found: list[Deleted], tz: str) -> tuple[str, list[Block]]:
    """The records deleted last, each with a Restore button (the Undo of the op that deleted it)."""
    if not found:
        return "Nothing has been deleted.", [section("🗑️ Nothing has been deleted.")]
    blocks: list[Block] = [section(f"🗑️ *Recently deleted* ({len(found)}, newest first)")]
    for n, d in enumerate(found):
        by = f" by {esc(d.deleted_by)}" if d.deleted_by else ""
        line = f"{THE[d.kind].capitalize()} *{esc(d.label)}* · deleted {when(d.deleted_at, tz)}{by}"
        restore = button(f"Restore {d.label}"[:75], f"{ids.UNDO}_{n}", {"op": d.op_id}) if d.op_id else None
        blocks.append(section(line, accessory=restore) if restore else section(line))
    text = "Recently deleted: " + "; ".join(f"{d.kind} {d.label}" for d in found)
    return text, blocks


def merge_question(plan: MergePlan, slots: dict[str, Any]) -> list[Block]:
    """The two records side by side where they differ, a button per value, then Merge and Cancel."""
    base = {
        **{k: v for k, v in slots.items() if k not in ("records", "keep", "confirmed")},
        "records": [plan.a_id, plan.b_id],
        "record_type": plan.kind,
    }
    keep = {f.name: f.keep for f in plan.fields}
    head = f"🔀 Merge {plan.kind} *{esc(plan.b_label)}* into *{esc(plan.a_label)}*?"
    moves = counted(plan.moves)
    lines = [head, f"Moves to {esc(plan.a_label)}: {moves}." if moves else "", "Tags of both are kept."]
    blocks: list[Block | None] = [section("\n".join(x for x in lines if x))]
    if plan.fields:
        blocks.append(context("Where they differ, pick the value to keep:"))
    for n, f in enumerate(plan.fields):
        name = FIELD_NAMES.get(f.name, f.name)
        choices = []
        for side, value in (("a", f.a), ("b", f.b)):
            mark = "✓ " if f.keep == side else ""
            shown = value if value is not None else "(empty)"
            choices.append(
                button(
                    f"{mark}{shown}"[:75],
                    f"{ids.PICK}_{n * 2 + (side == 'b')}",
                    {"i": "merge_records", "s": {**base, "keep": {**keep, f.name: side}}},
                    style="primary" if f.keep == side else None,
                )
            )
        blocks.append(section(f"*{esc(name)}*"))
        blocks.append(actions(*choices))
    merge = {"i": "merge_records", "s": {**base, "keep": keep, "confirmed": True}}
    blocks.append(actions(button("Merge", ids.CONFIRM, merge, style="primary"), button("Cancel", ids.CANCEL)))
    return compact(blocks)[:50]


def merged(plan: MergePlan, op_id: str) -> tuple[str, list[Block]]:
    moves = counted(plan.moves)
    taken = [FIELD_NAMES.get(f.name, f.name) for f in plan.fields if f.keep == "b"]
    text = f"🔀 Merged *{esc(plan.b_label)}* into *{esc(plan.a_label)}*."
    if moves:
        text += f" {moves[0].upper()}{moves[1:]} moved."
    if taken:
        text += f" Kept {esc(plan.b_label)}'s {', '.join(taken)}."
    text += " Undo splits them again."
    return text, compact([section(text), actions(button("Undo", ids.UNDO, {"op": op_id}))])


def duplicates(found: Duplicates) -> tuple[str, list[Block]]:
    if not found.pairs:
        text = f"✨ No likely duplicates among {found.scanned:,} contacts and companies."
        return text, [section(text)]
    title = f"🔍 {found.total} likely duplicate{'' if found.total == 1 else 's'}"
    if found.total > len(found.pairs):
        title += f" (the first {len(found.pairs)})"
    blocks: list[Block | None] = [section(f"*{title}*")]
    for n, p in enumerate(found.pairs):
        value = {"i": "merge_records", "s": {"records": [p.a_id, p.b_id], "record_type": p.kind}}
        line = f"{p.kind}: *{esc(p.a_label)}* and *{esc(p.b_label)}* · {p.reason}"
        blocks.append(section(line, accessory=button("Merge…", f"{ids.MERGE}_{n}", value)))
    blocks.append(context(f"Looked through {found.scanned:,} records in {found.seconds:.1f} s."))
    return title, compact(blocks)[:50]


def choose(message: str, options: list[tuple[str, dict[str, Any]]]) -> list[Block]:
    """A question with one button per answer (each a pending intent), and Cancel."""
    made = [button(label[:75], f"{ids.PICK}_{n}", value) for n, (label, value) in enumerate(options[:5])]
    return compact([section(f"🤔 {esc(message)}"), actions(*made, button("Cancel", ids.CANCEL))])
