"""An import a person is still looking at in Slack: the file they shared and what they chose for it
(record type, column mapping, how duplicates are treated), kept on disk between their button presses.

On disk, not in memory, so a preview survives the bot restarting between the preview and the press;
several bot processes need this directory shared (``CRM_IMPORT_DIR``).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

_ID = re.compile(r"^[0-9a-f]{32}$")


def folder() -> Path:
    path = Path(os.environ.get("CRM_IMPORT_DIR") or Path(tempfile.gettempdir()) / "crm-bot-imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Pending:
    id: str
    team_id: str
    user_id: str
    channel: str
    thread_ts: str
    file_name: str
    record_type: str
    mode: str = "skip"
    # Column position (as text: JSON keys) → field.
    mapping: dict[str, str] = field(default_factory=dict)
    state: str = "preview"  # preview | running | done | cancelled
    preview_ts: str | None = None
    # How 03/04/2027 is read when the person said ("mdy" or "dmy"); what the file showed of its slashed
    # days ("mdy", "dmy", "either" or None); and a day that could be either while nobody has said.
    dates: str | None = None
    dates_found: str | None = None
    dates_unsure: str = ""
    # What the workspace's directory said of the file's unknown emails (email → the teammate, or None),
    # asked once for the preview and the import after it.
    teammates: dict[str, Any] = field(default_factory=dict)

    @property
    def data(self) -> Path:
        return folder() / f"{self.id}.data"

    @property
    def report(self) -> Path:
        return folder() / f"{self.id}-bad-rows.csv"

    def columns(self) -> dict[int, str]:
        return {int(k): v for k, v in self.mapping.items()}

    def save(self) -> None:
        # A name of its own for each save: two threads saving one import at once (its progress and a
        # button pressed) each replace the file whole; a shared name was moved away under the second.
        tmp = folder() / f"{self.id}.{uuid.uuid4().hex}.json.tmp"
        tmp.write_text(json.dumps(asdict(self)), encoding="utf-8")
        tmp.replace(folder() / f"{self.id}.json")

    def drop(self) -> None:
        for path in (self.data, self.report, folder() / f"{self.id}.json"):
            path.unlink(missing_ok=True)


def new(
    team_id: str, user_id: str, channel: str, thread_ts: str, file_name: str, record_type: str
) -> Pending:
    return Pending(uuid.uuid4().hex, team_id, user_id, channel, thread_ts, file_name, record_type)


def load(pending_id: str, team_id: str, user_id: str) -> Pending | None:
    """The pending import of that id, if it is this person's in this workspace."""
    if not _ID.match(pending_id or ""):
        return None
    path = folder() / f"{pending_id}.json"
    try:
        raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    found = Pending(**raw)
    if found.team_id != team_id or found.user_id != user_id:
        return None
    return found
