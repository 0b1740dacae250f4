"""Reading a workspace's pipelines and stages, and finding the one a person named.

A workspace has one or more pipelines ("Sales", "Renewals"), each with its own stages in its own order;
a deal is in the pipeline of its stage. A stage is named as written: its key or its name, case, accents
and separators aside. In the first pipeline its key alone names it; a stage of another pipeline is named
with the pipeline before it ("renewals:negotiation", "Renewals negotiation"), or alone when a deal of
that pipeline is moved, or when no other pipeline has a stage so called.

Public for the other services: :func:`workspace_pipelines`, :func:`workspace_stages`, :func:`find_stage`,
:func:`find_pipeline`, :func:`stage_ref`, :func:`stage_label` and :func:`slug`.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.errors import Invalid
from bot.services.text import fold
from models import Pipeline, PipelineStage


def words(text: str) -> str:
    # "Security Review", "security_review", "security-review" and "renewals:lead" read as words.
    return re.sub(r"[\s_\-:/·]+", " ", fold(text)).strip()


def slug(name: str) -> str:
    """The key a stage or pipeline gets from its name: "Security Review" → ``security_review``."""
    return words(name).replace(" ", "_")[:40]


def workspace_pipelines(s: Session, ws_id: int) -> list[Pipeline]:
    return list(
        s.scalars(
            select(Pipeline).where(Pipeline.workspace_id == ws_id).order_by(Pipeline.position, Pipeline.id)
        )
    )


def workspace_stages(s: Session, ws_id: int, pipeline_id: int | None = None) -> list[PipelineStage]:
    """The stages in pipeline order: the first pipeline's, then the next one's (or only ``pipeline_id``'s)."""
    q = (
        select(PipelineStage)
        .join(Pipeline, PipelineStage.pipeline_id == Pipeline.id)
        .where(PipelineStage.workspace_id == ws_id)
        .order_by(Pipeline.position, Pipeline.id, PipelineStage.position, PipelineStage.id)
    )
    if pipeline_id is not None:
        q = q.where(PipelineStage.pipeline_id == pipeline_id)
    return list(s.scalars(q).unique())


def first_pipeline_id(s: Session, ws_id: int) -> int | None:
    pipelines = workspace_pipelines(s, ws_id)
    return pipelines[0].id if pipelines else None


def stage_ref(stage: PipelineStage, first_id: int | None) -> str:
    """How a stage is typed: its key in the first pipeline, ``pipeline:key`` in another. The first
    pipeline is the one at position 0: the one every workspace starts with, which stays first."""
    return stage.key if stage.pipeline_id == first_id else f"{stage.pipeline.key}:{stage.key}"


def stage_label(stage: PipelineStage, several: bool) -> str:
    """How a stage is shown: its name, after its pipeline's when the workspace has several."""
    return f"{stage.pipeline.name} · {stage.name}" if several else stage.name


def _named(stage: PipelineStage, wanted: str) -> bool:
    return words(stage.key) == wanted or words(stage.name) == wanted


def find_stage(s: Session, ws_id: int, text: str, pipeline_id: int | None = None) -> PipelineStage:
    """The workspace's stage a person named. ``pipeline_id``: the pipeline looked in first (a deal's);
    without it, the first pipeline."""
    stages = workspace_stages(s, ws_id)
    if not stages:
        raise Invalid("deal.stages.none", field="stage")
    home = pipeline_id if pipeline_id is not None else stages[0].pipeline_id
    wanted = words(text)
    found = [st for st in stages if st.pipeline_id == home and _named(st, wanted)]
    if not found:
        found = _prefixed(stages, wanted)
    if not found:
        elsewhere = [st for st in stages if _named(st, wanted)]
        found = elsewhere if len(elsewhere) == 1 else []
    if found:
        return found[0]
    first = stages[0].pipeline_id
    raise Invalid(
        "deal.stage.unknown",
        field="stage",
        value=text,
        stages=[stage_ref(st, first) for st in stages if st.pipeline_id == home],
    )


def _prefixed(stages: list[PipelineStage], wanted: str) -> list[PipelineStage]:
    """ "renewals negotiation": a pipeline's key or name, then one of its stages."""
    for st in stages:
        for prefix in (words(st.pipeline.key), words(st.pipeline.name)):
            if wanted.startswith(prefix + " ") and _named(st, wanted[len(prefix) + 1 :]):
                return [st]
    return []


def find_pipeline(s: Session, ws_id: int, text: str) -> Pipeline:
    wanted = words(text)
    pipelines = workspace_pipelines(s, ws_id)
    for p in pipelines:
        if wanted in (words(p.key), words(p.name)):
            return p
    raise Invalid("pipeline.unknown", field="pipeline", value=text, pipelines=[p.name for p in pipelines])
