"""What a person sees of the team's pipelines: the stages list, a stage change written, the question of
where a removed stage's deals go, and the stage form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import ids
from bot.blocks.common import actions, button, compact, context, esc, section
from bot.services.pipelines import OUTCOMES, PipelineChange, StageChange
from bot.services.views import PipelineView, StageView

# The form's "Stage" select: this value is a new stage.
NEW = "__new__"
OUTCOME_WORDS = {"open": "open", "won": "closed-won", "lost": "closed-lost"}


def stage_line(st: StageView) -> str:
    chance = f"{st.probability}%" if st.probability is not None else "no probability"
    outcome = "" if st.outcome == "open" else f" · {OUTCOME_WORDS[st.outcome]}"
    deals = f" · {st.deals} deal{'s' if st.deals != 1 else ''}" if st.deals else ""
    return f"• *{esc(st.name)}* (`{esc(st.ref)}`) · {chance}{outcome}{deals}"


def stages_list(pipelines: Sequence[PipelineView]) -> tuple[str, list[Block]]:
    several = len(pipelines) > 1
    blocks: list[Block] = []
    for p in pipelines:
        title = f"*{esc(p.name)}*" + (" · renewals" if p.is_renewal else "")
        lines = [stage_line(st) for st in p.stages]
        blocks.append(section("\n".join([title if several or p.is_renewal else "*Pipeline stages*", *lines])))
    blocks.append(
        context(
            "Managers and admins change them: `/crm stages add Security review before negotiation 50%`, "
            "`/crm stages rename Demo to Evaluation`, `/crm stages move Proposal before Demo`, "
            "`/crm stages set Demo 30%`, `/crm stages remove Demo`, `/crm pipelines add Renewals renewal`."
        )
    )
    blocks += compact([actions(button("Add or change a stage", ids.STAGE_FORM, {"f": 1}))])
    names = "; ".join(f"{p.name}: " + ", ".join(st.name for st in p.stages) for p in pipelines)
    return f"Pipeline stages — {names}", blocks


def _change_word(field: str, before: object, after: object) -> str:
    if field == "probability":
        return f"• win probability: {before if before is not None else '—'}% → {after}%"
    if field == "outcome":
        return f"• {OUTCOME_WORDS.get(str(before), before)} → {OUTCOME_WORDS.get(str(after), after)}"
    if field == "order":
        return f"• order: {esc(after)}"
    if field == "name":
        return f"• renamed: {esc(before)} → {esc(after)}"
    return ""


def stage_written(verb: str, w: StageChange) -> tuple[str, list[Block]]:
    st = w.stage
    assert st is not None
    where = f" in {esc(st.pipeline)}"
    if verb == "Removed":
        headline = f"🗑️ Removed stage *{esc(st.name)}*{where}."
        lines = (
            [f"• {w.moved} deal{'s' if w.moved != 1 else ''} moved to *{esc(w.moved_to)}*."]
            if w.moved
            else []
        )
    else:
        headline = f"🪜 {verb} stage {stage_line(st)[2:]}{where}."
        lines = [line for f, b, a in w.changed if (line := _change_word(f, b, a))]
    blocks = compact(
        [section("\n".join([headline, *lines])), actions(button("Undo", ids.UNDO, {"op": w.op_id}))]
    )
    return "\n".join([headline, *lines]).replace("*", ""), blocks


def pipeline_written(p: PipelineView) -> tuple[str, list[Block]]:
    kind = " (renewals: a deal won here makes its contact and company loyal)" if p.is_renewal else ""
    headline = f"🪜 Added pipeline *{esc(p.name)}*{kind} with stages " + ", ".join(st.name for st in p.stages)
    hint = f"Rename or change its stages with `/crm stages rename {p.key}:demo to Evaluation`."
    blocks = compact(
        [
            section(headline + "."),
            context(hint),
            actions(button("Undo", ids.UNDO, {"op": p.op_id}) if p.op_id else None),
        ]
    )
    return headline.replace("*", ""), blocks


def pipeline_changed(w: PipelineChange) -> tuple[str, list[Block]]:
    """A pipeline renamed or removed, with its Undo."""
    if w.was is not None:
        headline = f"✏️ Renamed pipeline {esc(w.was)} → *{esc(w.name)}*."
        if w.op_id is None:
            headline = f"✏️ The pipeline is already called *{esc(w.name)}*."
    else:
        headline = f"🗑️ Removed pipeline *{esc(w.name)}* and its stages."
    lines = (
        [f"• {w.moved} deal{'s' if w.moved != 1 else ''} moved to *{esc(w.moved_to)}*."] if w.moved_to else []
    )
    undo = button("Undo", ids.UNDO, {"op": w.op_id}) if w.op_id else None
    blocks = compact([section("\n".join([headline, *lines])), actions(undo)])
    return "\n".join([headline, *lines]).replace("*", ""), blocks


def where_to(
    stage: str, ref: str, count: int, choices: Sequence[tuple[str, str]], *, pipeline: bool = False
) -> tuple[str, list[Block]]:
    """The question a removal asks: one button per stage the deals could go to (for a whole pipeline:
    the stages of the other pipelines)."""
    text = (
        f"“{stage}” holds {count} deal{'s' if count != 1 else ''}. Where should they go before it is removed?"
    )
    action, key = (ids.PIPELINE_REMOVE_TO, "pipeline") if pipeline else (ids.STAGE_REMOVE_TO, "stage")
    offered = [
        button(name, f"{action}_{i}", {key: ref, "to": to}) for i, (to, name) in enumerate(list(choices)[:24])
    ]
    blocks: list[Block] = [section(esc(text))]
    for start in range(0, len(offered), 5):
        row = actions(*offered[start : start + 5], block_id=f"stage_remove_{start}")
        if row is not None:
            blocks.append(row)
    verb = "pipelines" if pipeline else "stages"
    blocks.append(
        context(f"Nothing is removed until you choose. Or type `/crm {verb} remove {ref} to STAGE`.")
    )
    return text, blocks


def _select(
    action: str, options: Sequence[tuple[str, str]], initial: str | None = None
) -> StaticSelectElement:
    opts = [Option(text=label[:75], value=value) for value, label in options]
    chosen = next((o for o in opts if o.value == initial), None)
    return StaticSelectElement(action_id=action, options=opts, initial_option=chosen)


def stage_form(pipelines: Sequence[PipelineView], metadata: str) -> View:
    """Add a stage or change one: which (or a new one), its name, probability, outcome and place."""
    several = len(pipelines) > 1
    stages = [(st.ref, f"{p.name} · {st.name}" if several else st.name) for p in pipelines for st in p.stages]
    blocks: list[Any] = [
        InputBlock(
            block_id="stage",
            label=PlainTextObject(text="Stage"),
            element=_select("v", [(NEW, "➕ A new stage"), *stages], NEW),
        ),
        InputBlock(
            block_id="name",
            label=PlainTextObject(text="Name (a new stage's, or the new name)"),
            element=PlainTextInputElement(action_id="v", max_length=80),
            optional=True,
        ),
        InputBlock(
            block_id="probability",
            label=PlainTextObject(text="Win probability (%)"),
            element=PlainTextInputElement(action_id="v", placeholder="40"),
            optional=True,
        ),
        InputBlock(
            block_id="outcome",
            label=PlainTextObject(text="Outcome"),
            element=_select("v", [(o, OUTCOME_WORDS[o]) for o in OUTCOMES]),
            optional=True,
        ),
        InputBlock(
            block_id="before",
            label=PlainTextObject(text="Place it before"),
            element=_select("v", stages),
            optional=True,
        ),
    ]
    if several:
        blocks.insert(
            2,
            InputBlock(
                block_id="pipeline",
                label=PlainTextObject(text="Pipeline (for a new stage)"),
                element=_select("v", [(p.key, p.name) for p in pipelines], pipelines[0].key),
                optional=True,
            ),
        )
    return View(
        type="modal",
        callback_id=ids.STAGE_MODAL,
        title=PlainTextObject(text="Pipeline stage"),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=metadata,
        blocks=blocks,
    )


def form_values(view: dict[str, Any]) -> dict[str, str | None]:
    """What the stage form's fields hold, by block id."""
    values = (view.get("state") or {}).get("values") or {}
    read: dict[str, str | None] = {}
    for block_id, fields in values.items():
        state = (fields or {}).get("v") or {}
        if state.get("type") == "static_select":
            read[block_id] = (state.get("selected_option") or {}).get("value")
        else:
            read[block_id] = (state.get("value") or "").strip() or None
    return read
