"""Excel workbooks (.xlsx) read as tables: the first sheet, streamed by openpyxl's read-only mode (rows
parsed as they are reached, never the whole sheet in memory), each cell written as the text a CSV
export of it would hold, so the same cell readers apply."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import Any


def first_sheet(path: Path) -> str | None:
    """The name of a workbook's first sheet; None when the file is another kind of zip."""
    try:
        with zipfile.ZipFile(path) as z:
            if "xl/workbook.xml" not in z.namelist():
                return None
    except zipfile.BadZipFile:
        return None
    with _open(path) as book:
        return str(book.sheetnames[0]) if book.sheetnames else None


@contextmanager
def _open(path: Path) -> Iterator[Any]:
    from openpyxl import load_workbook

    # Given a file rather than a name, openpyxl goes by the content, not the name's ending (a file
    # shared in Slack may have none).
    with open(path, "rb") as f:
        book = load_workbook(f, read_only=True, data_only=True)
        try:
            yield book
        finally:
            book.close()


def text(value: Any) -> str:
    """A cell as text: a day without a time as 2025-03-31, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def rows(path: Path) -> Iterator[tuple[int, list[str], float]]:
    """Each row of the first sheet: its number as Excel shows it, its cells as text, and the share of
    the sheet read so far (for progress)."""
    with _open(path) as book:
        sheet = book.worksheets[0]
        total = max(sheet.max_row or 1, 1)
        for n, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield n, [text(v) for v in values], min(n / total, 1.0)
