"""A team's own pipelines: adding, renaming, reordering and removing stages (each with a win probability
and an outcome: open, won or lost), and adding pipelines ("Renewals"). Managers and admins only
(``policy`` action "stages"); every change is one audited op, undone like any other.

Removing a stage that holds deals asks where they go (:class:`StageHasDeals`), then moves them all there
in one statement of the same op (each move audited), before the stage goes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services import policy
from bot.services.base import Actor, Op, Ref, Service, change, lock_row
from bot.services.deals import find_deal, move_deal
from bot.services.errors import Conflict, Invalid, StageHasDeals
from bot.services.lifecycle import after_deal_written
from bot.services.limits import column_limit
from bot.services.stage_moves import move_all
from bot.services.stages import (
    find_pipeline,
    find_stage,
    slug,
    stage_ref,
    words,
    workspace_pipelines,
    workspace_stages,
)
from bot.services.views import PipelineView, StageView
from models import Deal, Pipeline, PipelineStage, PipelineTotal
from models.entities import DEFAULT_PROBABILITIES, DEFAULT_STAGES

OUTCOMES = ("open", "won", "lost")
# Deals moved per flush when a stage is removed.
MOVE_BATCH = 500


@dataclass(frozen=True)
class StageChange:
    op_id: str
    stage: StageView | None
    # What changed, as (field, before, after); for a removal: how many deals moved and where.
    changed: list[tuple[str, object, object]]
    moved: int = 0
    moved_to: str | None = None


@dataclass(frozen=True)
class PipelineChange:
    """A pipeline renamed (``was``: its old name) or removed (``moved`` deals went to ``moved_to``)."""

    op_id: str | None
    name: str
    was: str | None
    moved: int
    moved_to: str | None = None


def probability(value: object) -> int | None:
    """A win probability as people write it: 40, 40%, 0.4 is not a percentage."""
    if value is None or value == "":
        return None
    text = str(value).strip().rstrip("%").strip()
    if not text.isdigit() or not 0 <= int(text) <= 100:
        raise Invalid("stage.probability.bad", field="probability", value=str(value))
    return int(text)


def outcome(value: str | None) -> str | None:
    if value is None:
        return None
    word = value.strip().lower().replace("closed-", "").replace("closed ", "")
    if word not in OUTCOMES:
        raise Invalid("stage.outcome.bad", field="outcome", value=value, outcomes=list(OUTCOMES))
    return word


def _name(value: str, what: str = "stage") -> str:
    name = " ".join((value or "").split())
    if (not name or not slug(name)) and what == "pipeline":
        raise Invalid("pipeline.name.missing", field="name")
    if not name or not slug(name):
        raise Invalid("stage.name.missing", field="name")
    most = column_limit(PipelineStage if what == "stage" else Pipeline, "name") or 80
    if len(name) > most:
        raise Invalid("field.too_long", field="name", label=f"{what} name", size=len(name), most=most)
    return name


def stage_view(s: Session, st: PipelineStage, first: int | None, deals: int = 0) -> StageView:
    return StageView(
        stage_ref(st, first),
        st.name,
        st.pipeline.name,
        st.probability,
        "won" if st.is_won else "lost" if st.is_closed else "open",
        deals,
    )


def _counts(s: Session) -> dict[int, int]:
    # From the running totals (bot/services/totals.py): a few dozen rows, not a scan of every deal.
    T = PipelineTotal
    return {sid: int(n) for sid, n in s.execute(select(T.stage_id, func.sum(T.deals)).group_by(T.stage_id))}


def _renumber(items: Sequence[PipelineStage | Pipeline]) -> None:
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position


def _set_outcome(st: PipelineStage, word: str) -> None:
    st.is_closed = word != "open"
    st.is_won = word == "won"


class Pipelines(Service):
    def pipelines(self, actor: Actor) -> list[PipelineView]:
        """Every pipeline with its stages in order, each with its probability, outcome and deal count."""
        with self.read(actor) as s:
            counts = _counts(s)
            stages = workspace_stages(s, actor.workspace_id)
            first = stages[0].pipeline_id if stages else None
            return [
                PipelineView(
                    p.key,
                    p.name,
                    p.is_renewal,
                    [
                        stage_view(s, st, first, counts.get(st.id, 0))
                        for st in stages
                        if st.pipeline_id == p.id
                    ],
                )
                for p in workspace_pipelines(s, actor.workspace_id)
            ]

    def _begin(self, op: Op) -> Session:
        policy.require(op.session, op.actor, "stages")
        return op.session

    def _pipeline(self, s: Session, actor: Actor, ref: str | None) -> Pipeline:
        if ref:
            return find_pipeline(s, actor.workspace_id, ref)
        return workspace_pipelines(s, actor.workspace_id)[0]

    def add_stage(
        self,
        actor: Actor,
        name: str,
        *,
        pipeline: str | None = None,
        before: str | None = None,
        chance: object = None,
        closed: str | None = None,
    ) -> StageChange:
        """A new stage: before ``before``, else (an open one) before the pipeline's first closed stage,
        else (a won or lost one) at the end."""
        name, chance_value, word = _name(name), probability(chance), outcome(closed) or "open"
        with self.op(actor) as op:
            s = self._begin(op)
            home = self._pipeline(s, actor, pipeline)
            stages = workspace_stages(s, actor.workspace_id, home.id)
            key = slug(name)
            if any(words(st.key) == words(key) or words(st.name) == words(name) for st in stages):
                raise Conflict("stage.exists", name=name, pipeline=home.name)
            if before:
                at = stages.index(find_stage(s, actor.workspace_id, before, home.id))
            elif word == "open":
                at = next((i for i, st in enumerate(stages) if st.is_closed), len(stages))
            else:
                at = len(stages)
            stage = PipelineStage(
                workspace_id=actor.workspace_id,
                pipeline_id=home.id,
                key=key,
                name=name,
                position=at,
                probability=chance_value if chance_value is not None else _closed_chance(word),
            )
            _set_outcome(stage, word)
            s.add(stage)
            stages.insert(at, stage)
            self._place(s, stages)
            first = workspace_pipelines(s, actor.workspace_id)[0].id
            return StageChange(op.id, stage_view(s, stage, first), [("stage", None, name)])

    @staticmethod
    def _place(s: Session, stages: list[PipelineStage]) -> None:
        # Positions are not unique, so renumbering in one flush never collides.
        _renumber(stages)
        s.flush()

    def change_stage(
        self,
        actor: Actor,
        ref: str,
        *,
        name: str | None = None,
        before: str | None = None,
        after: str | None = None,
        chance: object = None,
        closed: str | None = None,
    ) -> StageChange:
        """Rename, move (before or after another stage), or set its probability or outcome."""
        new_name = _name(name) if name is not None else None
        chance_value, word = probability(chance), outcome(closed)
        if new_name is None and before is None and after is None and chance_value is None and word is None:
            raise Invalid("stage.edit.empty", field="stage")
        with self.op(actor) as op:
            s = self._begin(op)
            stage = self._locked(s, actor, ref)
            stages = workspace_stages(s, actor.workspace_id, stage.pipeline_id)
            changed: list[tuple[str, object, object]] = []
            if new_name is not None and new_name != stage.name:
                self._rename(stage, stages, new_name, changed)
            if before is not None or after is not None:
                self._reorder(s, actor, stage, stages, before, after, changed)
            if chance_value is not None and chance_value != stage.probability:
                changed.append(("probability", stage.probability, chance_value))
                stage.probability = chance_value
            if word is not None:
                self._reoutcome(stage, stages, word, changed)
            s.flush()
            first = workspace_pipelines(s, actor.workspace_id)[0].id
            return StageChange(op.id, stage_view(s, stage, first), changed)

    def _locked(self, s: Session, actor: Actor, ref: str) -> PipelineStage:
        found = find_stage(s, actor.workspace_id, ref)
        stage: PipelineStage = lock_row(s, PipelineStage, found.id)
        return stage

    @staticmethod
    def _rename(
        stage: PipelineStage,
        stages: list[PipelineStage],
        name: str,
        changed: list[tuple[str, object, object]],
    ) -> None:
        key = slug(name)
        for other in stages:
            if other.id != stage.id and (words(other.key) == words(key) or words(other.name) == words(name)):
                raise Conflict("stage.exists", name=name, pipeline=stage.pipeline.name)
        changed.append(("name", stage.name, name))
        stage.name, stage.key = name, key

    @staticmethod
    def _reorder(
        s: Session,
        actor: Actor,
        stage: PipelineStage,
        stages: list[PipelineStage],
        before: str | None,
        after: str | None,
        changed: list[tuple[str, object, object]],
    ) -> None:
        other = find_stage(s, actor.workspace_id, before or after or "", stage.pipeline_id)
        if other.pipeline_id != stage.pipeline_id or other.id == stage.id:
            raise Invalid("stage.move.same", field="stage", stage=stage.name, other=other.name)
        was = [st.name for st in stages]
        stages.remove(stage)
        at = stages.index(other) + (0 if before else 1)
        stages.insert(at, stage)
        _renumber(stages)
        now = [st.name for st in stages]
        if now != was:
            changed.append(("order", ", ".join(was), ", ".join(now)))

    @staticmethod
    def _reoutcome(
        stage: PipelineStage,
        stages: list[PipelineStage],
        word: str,
        changed: list[tuple[str, object, object]],
    ) -> None:
        was = "won" if stage.is_won else "lost" if stage.is_closed else "open"
        if was == word:
            return
        if word != "open" and not any(not st.is_closed for st in stages if st.id != stage.id):
            raise Conflict("stage.last_open", stage=stage.name)
        changed.append(("outcome", was, word))
        _set_outcome(stage, word)

    def remove_stage(self, actor: Actor, ref: str, *, move_to: str | None = None) -> StageChange:
        """Remove a stage; its deals go to ``move_to`` (asked for when it holds any), each move audited."""
        with self.op(actor) as op:
            s = self._begin(op)
            stage = self._locked(s, actor, ref)
            stages = workspace_stages(s, actor.workspace_id, stage.pipeline_id)
            if not stage.is_closed and not any(not st.is_closed for st in stages if st.id != stage.id):
                raise Conflict("stage.last_open", stage=stage.name)
            first = workspace_pipelines(s, actor.workspace_id)[0].id
            held = int(s.scalar(select(func.count(Deal.id)).where(Deal.stage_id == stage.id)) or 0)
            target = None
            if held:
                if not move_to:
                    raise StageHasDeals(
                        "stage.remove.has_deals",
                        stage=stage.name,
                        ref=stage_ref(stage, first),
                        count=held,
                        choices=[(stage_ref(st, first), st.name) for st in stages if st.id != stage.id],
                    )
                target = find_stage(s, actor.workspace_id, move_to, stage.pipeline_id)
                if target.id == stage.id:
                    raise Invalid("stage.remove.same", field="stage", stage=stage.name)
            # Deleted deals go too (to the place chosen, else the pipeline's first other stage): a stage
            # cannot go while a row points at it, and a deal restored later needs a stage.
            to = target or next(st for st in stages if st.id != stage.id)
            self._move_all(op, stage, to)
            view = stage_view(s, stage, first)
            s.delete(stage)
            stages.remove(stage)
            self._place(s, stages)
            return StageChange(
                op.id, view, [("stage", stage.name, None)], held, target.name if target else None
            )

    def _move_all(self, op: Op, source: PipelineStage, target: PipelineStage) -> None:
        """Every deal of ``source`` into ``target`` in one statement, each move audited (bot/services/
        stage_moves.py); a move into a won stage also moves each party's lifecycle on, as any win does."""
        s = op.session
        moved = move_all(op, source, target, self.now())
        if moved and target.is_won and not source.is_won:
            for start in range(0, len(moved), MOVE_BATCH):
                for deal in s.scalars(
                    select(Deal).where(Deal.id.in_(moved[start : start + MOVE_BATCH]))
                ).unique():
                    after_deal_written(op, deal, was_won=False)

    def add_pipeline(self, actor: Actor, name: str, *, renewal: bool = False) -> PipelineView:
        """A new pipeline with the default stages (to rename as the team likes), last in order."""
        name = _name(name, "pipeline")
        with self.op(actor) as op:
            s = self._begin(op)
            pipelines = workspace_pipelines(s, actor.workspace_id)
            if any(words(p.name) == words(name) or p.key == slug(name) for p in pipelines):
                raise Conflict("pipeline.exists", name=name)
            pipeline = Pipeline(
                workspace_id=actor.workspace_id,
                key=slug(name),
                name=name,
                position=max((p.position for p in pipelines), default=-1) + 1,
                is_renewal=renewal,
            )
            s.add(pipeline)
            s.flush()
            for position, key in enumerate(DEFAULT_STAGES):
                st = PipelineStage(
                    workspace_id=actor.workspace_id,
                    pipeline_id=pipeline.id,
                    key=key,
                    name=key.capitalize(),
                    position=position,
                    probability=DEFAULT_PROBABILITIES[key],
                )
                _set_outcome(st, key if key in ("won", "lost") else "open")
                s.add(st)
            s.flush()
            first = pipelines[0].id if pipelines else pipeline.id
            stages = workspace_stages(s, actor.workspace_id, pipeline.id)
            return PipelineView(
                pipeline.key,
                pipeline.name,
                pipeline.is_renewal,
                [stage_view(s, st, first) for st in stages],
                op.id,
            )

    def rename_pipeline(self, actor: Actor, ref: str, name: str) -> PipelineChange:
        """A pipeline's new name (and the key its stages are typed with, ``upsell:demo``); deals stay."""
        name = _name(name, "pipeline")
        with self.op(actor) as op:
            s = self._begin(op)
            pipeline = self._locked_pipeline(s, actor, ref)
            others = [p for p in workspace_pipelines(s, actor.workspace_id) if p.id != pipeline.id]
            if any(words(p.name) == words(name) or p.key == slug(name) for p in others):
                raise Conflict("pipeline.exists", name=name)
            was = pipeline.name
            if was == name:
                return PipelineChange(None, name, was, 0)
            pipeline.name, pipeline.key = name, slug(name)
            s.flush()
            return PipelineChange(op.id, name, was, 0)

    def remove_pipeline(self, actor: Actor, ref: str, *, move_to: str | None = None) -> PipelineChange:
        """Remove a pipeline and its stages; its deals go to ``move_to``, a stage of another pipeline
        (asked for when it holds any), one statement per stage, each move audited. The first pipeline
        stays: its stages are the ones typed without a prefix everywhere."""
        with self.op(actor) as op:
            s = self._begin(op)
            pipeline = self._locked_pipeline(s, actor, ref)
            pipelines = workspace_pipelines(s, actor.workspace_id)
            if pipeline.id == pipelines[0].id:
                raise Conflict("pipeline.first", name=pipeline.name)
            first = pipelines[0].id
            stages = workspace_stages(s, actor.workspace_id, pipeline.id)
            held = int(
                s.scalar(select(func.count(Deal.id)).where(Deal.stage_id.in_([st.id for st in stages]))) or 0
            )
            target = None
            if held and not move_to:
                elsewhere = [
                    st for st in workspace_stages(s, actor.workspace_id) if st.pipeline_id != pipeline.id
                ]
                raise StageHasDeals(
                    "pipeline.remove.has_deals",
                    stage=pipeline.name,
                    ref=pipeline.key,
                    count=held,
                    choices=[(stage_ref(st, first), f"{st.pipeline.name} · {st.name}") for st in elsewhere],
                )
            if move_to:
                target = find_stage(s, actor.workspace_id, move_to)
                if target.pipeline_id == pipeline.id:
                    raise Invalid("pipeline.remove.same", field="stage", pipeline=pipeline.name)
            to = target or workspace_stages(s, actor.workspace_id, first)[0]
            for stage in stages:
                self._move_all(op, stage, to)
            for stage in stages:
                s.delete(stage)
            # Stages first, then their pipeline, in two flushes: the undo (newest first) makes the
            # pipeline again before its stages.
            s.flush()
            s.delete(pipeline)
            s.flush()
            _renumber([p for p in pipelines if p.id != pipeline.id])
            s.flush()
            moved_to = f"{to.pipeline.name} · {to.name}" if target else None
            return PipelineChange(op.id, pipeline.name, None, held, moved_to)

    def _locked_pipeline(self, s: Session, actor: Actor, ref: str) -> Pipeline:
        found = find_pipeline(s, actor.workspace_id, ref)
        pipeline: Pipeline = lock_row(s, Pipeline, found.id)
        return pipeline

    def move_deal_to_pipeline(self, actor: Actor, deal_ref: Ref, pipeline: str) -> tuple[str, str]:
        """A deal into another pipeline: to its stage of the same name, else its first stage. Whoever
        may change the deal may (it is a stage change of the deal). Returns (op id, stage shown)."""
        with self.op(actor) as op:
            s = op.session
            deal = find_deal(s, actor, deal_ref, lock=True)
            with change(op, deal):
                home = find_pipeline(s, actor.workspace_id, pipeline)
                stages = workspace_stages(s, actor.workspace_id, home.id)
                same = [st for st in stages if words(st.key) == words(deal.stage.key)]
                target = same[0] if same else stages[0]
                move_deal(op, deal, target, self.now())
                return op.id, f"{home.name} · {target.name}"


def _closed_chance(word: str) -> int | None:
    return {"won": 100, "lost": 0}.get(word)
