"""An export's JSON lines read back: each line's type and keys turned into the zip's CSV files (the same
names and headers the CSV export writes), so the one import of a whole zip reads either form.

The JSON lines give each file's header as a key (``"Close Date"`` → ``"close_date"``); the headers are
known (the registry's columns, the other files' header lists, the custom fields' names from the
``field`` lines), so each key goes back to its header. Values are written as the CSV export writes its
cells. The files are written one after another to disk and zipped there: memory stays flat.
"""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path
from typing import IO, Any

from bot.services.dataio import extras
from bot.services.dataio.columns import RECORD_TYPES, columns
from bot.services.dataio.exporter import (
    AUDIT_HEADERS,
    FILES,
    IMPORT_HEADERS,
    STAGE_HISTORY_HEADERS,
    cell,
)
from bot.services.dataio.settings import FIELDS_FILE, FIELDS_HEADERS, PIPELINES_FILE, PIPELINES_HEADERS


def _key(header: str) -> str:
    # As the export names a header in its JSON lines (bot/services/dataio/exporter.py _jsonl).
    return header.lower().replace(" ", "_")


def _files() -> dict[str, tuple[str, list[str]]]:
    """Each line type's file name and its headers (a record type's: its columns, custom fields aside)."""
    out = {kind: (FILES[kind], [c.header for c in columns(kind)]) for kind in RECORD_TYPES}
    out["field"] = (FIELDS_FILE, FIELDS_HEADERS)
    out["stage"] = (PIPELINES_FILE, PIPELINES_HEADERS)
    out.update({kind: (name, headers) for kind, name, _q, headers in extras.parts(0)})
    out["import"] = ("imports", IMPORT_HEADERS)
    out["audit"] = ("audit", AUDIT_HEADERS)
    out["stage_change"] = ("stage_history", STAGE_HISTORY_HEADERS)
    return out


def is_export(path: Path) -> bool:
    """Whether a file is an export's JSON lines: its first line an object with a known type."""
    try:
        with open(path, encoding="utf-8-sig") as f:
            first = f.readline()
        line = json.loads(first)
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(line, dict) and line.get("type") in _files()


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return cell(value)


def _custom_names(path: Path) -> dict[str, list[str]]:
    """The custom fields' names by record type: their lines come after the records' (whose keys are
    those names as keys), so they are looked for first; only those lines are parsed."""
    names: dict[str, list[str]] = {}
    with open(path, encoding="utf-8-sig") as f:
        for text in f:
            if text.startswith('{"type": "field"'):
                line = json.loads(text)
                names.setdefault(str(line.get("record_type")), []).append(str(line.get("name")))
    return names


def to_archive(path: Path, into: Path) -> Path:
    """The JSON lines written as the export's zip would hold them; the zip's path."""
    files = _files()
    written: dict[str, tuple[IO[str], Any, list[str]]] = {}
    custom = _custom_names(path)
    parts = into / f"{path.stem}-parts"
    parts.mkdir(exist_ok=True)
    try:
        with open(path, encoding="utf-8-sig") as f:
            for n, text in enumerate(f, start=1):
                if not text.strip():
                    continue
                line = json.loads(text)
                kind = line.pop("type", None)
                if kind not in files:
                    raise ValueError(f"line {n}: no file of the export holds a line of type “{kind}”")
                if kind not in written:
                    name, headers = files[kind]
                    known = {_key(h): h for h in [*headers, *custom.get(kind, ())]}
                    keys = list(line)
                    out = open(parts / f"{name}.csv", "w", encoding="utf-8", newline="")  # noqa: SIM115
                    writer = csv.writer(out, lineterminator="\n")
                    writer.writerow([known.get(k, k) for k in keys])
                    written[kind] = (out, writer, keys)
                _out, writer, keys = written[kind]
                writer.writerow([_value(line.get(k)) for k in keys])
    finally:
        for opened, _writer, _keys in written.values():
            opened.close()
    archive = into / f"{path.stem}.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for part in sorted(parts.iterdir()):
            z.write(part, part.name)
            part.unlink()
    parts.rmdir()
    return archive


__all__ = ["is_export", "to_archive"]
