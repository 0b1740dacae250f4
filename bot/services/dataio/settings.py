"""What records need to exist before they can be imported: the workspace's own fields and its pipelines.

An export writes them beside the records (``fields.csv``: each custom field, its kind and choices;
``pipelines.csv``: each pipeline's stages in order, with their outcome and probability), so that its
custom columns and its stages have somewhere to land in another workspace. Importing an export's zip
brings them in first, through the services that people use for them (each one an audited change,
undone like any other): a field or stage the workspace lacks is added; nothing it has is renamed or
changed, except a pipeline holding no deal yet, which is made the same as the file's (its stages,
their order, outcomes and probabilities), since nothing could depend on it.

A plain CSV of records is never taken as a reason to make a field: its columns that name no field are
left out and said so (bot/services/dataio/columns.py ``guess_mapping``).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, case, literal, select
from sqlalchemy.orm import Session, sessionmaker

from bot.services.base import Actor
from bot.services.customfields import CustomFields
from bot.services.pipelines import Pipelines
from bot.services.stages import words
from bot.services.text import fold
from models import CustomField, Pipeline, PipelineStage

FIELDS_FILE = "fields"
PIPELINES_FILE = "pipelines"
# The ids ("ID", "Stage ID") are the exporting workspace's, named by the audit trail and the stage
# history (a record's custom values are kept by field id): an import maps them to what it finds here.
FIELDS_HEADERS = ["Record Type", "Name", "Kind", "Choices", "ID"]
PIPELINES_HEADERS = ["Pipeline", "Renewal", "Stage", "Outcome", "Probability", "Stage ID"]


def fields_select(ws: int) -> Select[Any]:
    f = CustomField
    return (
        select(f.record_type, f.name, f.kind, f.choices, f.id)
        .where(f.workspace_id == ws)
        .order_by(f.record_type, f.position, f.id)
    )


def pipelines_select(ws: int) -> Select[Any]:
    p, st = Pipeline, PipelineStage
    return (
        select(
            p.name,
            case((p.is_renewal, literal("yes")), else_=literal("")),
            st.name,
            case((st.is_won, literal("won")), (st.is_closed, literal("lost")), else_=literal("open")),
            st.probability,
            st.id,
        )
        .join(p, p.id == st.pipeline_id)
        .where(st.workspace_id == ws)
        .order_by(p.position, p.id, st.position, st.id)
    )


@dataclass
class Brought:
    """What an export's settings added to a workspace."""

    fields: list[str] = field(default_factory=list)
    pipelines: list[str] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return bool(self.fields or self.pipelines or self.stages or self.changed)

    def described(self) -> str:
        parts = []
        if self.fields:
            parts.append(f"custom fields added: {', '.join(self.fields)}")
        if self.pipelines:
            parts.append(f"pipelines added: {', '.join(self.pipelines)}")
        if self.stages:
            parts.append(f"stages added: {', '.join(self.stages)}")
        if self.changed:
            parts.append(f"stages set as in the file: {', '.join(self.changed)}")
        return "; ".join(parts)


def archive_rows(path: Path, name: str) -> list[dict[str, str]] | None:
    with zipfile.ZipFile(path) as z:
        if f"{name}.csv" not in z.namelist():
            return None
        with z.open(f"{name}.csv") as raw:
            return list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")))


class Settings:
    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        self.dry_run = False
        self.fields = CustomFields(sessions, clock)
        self.pipelines = Pipelines(sessions, clock)

    def bring(self, actor: Actor, archive: Path | str, *, dry_run: bool = False) -> Brought:
        """An export's custom fields and pipelines, added where this workspace lacks them (``dry_run``:
        only said: the fields, pipelines and stages it would add)."""
        self.dry_run = dry_run
        brought = Brought()
        fields = archive_rows(Path(archive), FIELDS_FILE)
        if fields:
            self._fields(actor, fields, brought)
        stages = archive_rows(Path(archive), PIPELINES_FILE)
        if stages:
            self._pipelines(actor, stages, brought)
        return brought

    def _fields(self, actor: Actor, rows: list[dict[str, str]], brought: Brought) -> None:
        have = {(f.record_type, fold(f.name)) for f in self.fields.list_fields(actor)}
        for row in rows:
            record_type, name = (row.get("Record Type") or "").strip(), (row.get("Name") or "").strip()
            if not record_type or not name or (record_type, fold(name)) in have:
                continue
            listed = (row.get("Choices") or "").strip()
            # Written as JSON when a choice holds the separator (exporter.py cell).
            split = json.loads(listed) if listed.startswith("[") else listed.split(";")
            choices = [str(c).strip() for c in split if str(c).strip()]
            if not self.dry_run:
                self.fields.add_field(actor, record_type, name, row.get("Kind") or "text", choices or None)
            have.add((record_type, fold(name)))
            brought.fields.append(f"{name} ({record_type})")

    def _pipelines(self, actor: Actor, rows: list[dict[str, str]], brought: Brought) -> None:
        wanted: dict[str, list[dict[str, str]]] = {}
        for row in rows:
            if (row.get("Pipeline") or "").strip() and (row.get("Stage") or "").strip():
                wanted.setdefault(row["Pipeline"].strip(), []).append(row)
        for name, stages in wanted.items():
            here = self._pipeline(actor, name)
            if here is None and self.dry_run:
                brought.pipelines.append(name)
                continue
            if here is None:
                renewal = (stages[0].get("Renewal") or "").strip().lower() in ("yes", "true", "1")
                self.pipelines.add_pipeline(actor, name, renewal=renewal)
                brought.pipelines.append(name)
                here = self._pipeline(actor, name)
                assert here is not None
            self._stages(actor, here, stages, brought)

    def _pipeline(self, actor: Actor, name: str) -> Any:
        return next((p for p in self.pipelines.pipelines(actor) if words(p.name) == words(name)), None)

    def _stages(self, actor: Actor, pipeline: Any, rows: list[dict[str, str]], brought: Brought) -> None:
        def find(stage_name: str, among: Iterable[Any]) -> Any:
            return next((st for st in among if words(st.name) == words(stage_name)), None)

        names = [row["Stage"].strip() for row in rows]
        for i, row in enumerate(rows):
            current = self._pipeline(actor, pipeline.name).stages
            if find(names[i], current) is not None:
                continue
            # Before the next stage of the file's order that is here already (else where a new one goes).
            before = next((find(n, current) for n in names[i + 1 :] if find(n, current)), None)
            word = (row.get("Outcome") or "open").strip().lower()
            brought.stages.append(f"{pipeline.name} · {names[i]}")
            if self.dry_run:
                continue
            self.pipelines.add_stage(
                actor,
                names[i],
                pipeline=pipeline.name,
                before=before.ref.split(":")[-1] if before is not None else None,
                chance=(row.get("Probability") or "").strip() or None,
                closed=word if word in ("won", "lost") else None,
            )
        current = self._pipeline(actor, pipeline.name).stages
        if self.dry_run or any(st.deals for st in current):
            return
        # Nothing in this pipeline yet: it becomes the file's, stage for stage.
        for row in rows:
            st = find(row["Stage"], current)
            if st is None:
                continue
            chance = (row.get("Probability") or "").strip() or None
            word = (row.get("Outcome") or "open").strip().lower()
            new_chance = chance if chance is not None and chance != str(st.probability) else None
            new_word = word if word in ("open", "won", "lost") and word != st.outcome else None
            if new_chance or new_word:
                self.pipelines.change_stage(actor, st.ref, chance=new_chance, closed=new_word)
                brought.changed.append(f"{pipeline.name} · {st.name}")
        for st in self._pipeline(actor, pipeline.name).stages:
            if not any(words(st.name) == words(n) for n in names):
                self.pipelines.remove_stage(actor, st.ref)
                brought.changed.append(f"{pipeline.name} · {st.name} (removed)")
