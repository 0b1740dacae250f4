"""Reading a table from a file whatever wrote it: the encoding (UTF-8 with or without a BOM, UTF-16,
Windows-1252) and the delimiter (comma, semicolon, tab) are found from its start, quoted fields may
span lines, and rows are read one at a time, so memory stays flat whatever the file's size."""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections import Counter
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bot.services.dataio import xlsx

SAMPLE = 64 * 1024
DELIMITERS = (",", ";", "\t")
# A field longer than this is not a CRM value: the file is not a table (csv's own limit is 128 KB).
csv.field_size_limit(1024 * 1024)


def column_names(headers: list[str]) -> list[str]:
    """Each column as a person can tell it apart: a header two columns share is said with its place
    ("Email (column 3)"), as a spreadsheet numbers them."""
    counts = Counter(headers)
    return [f"{h} (column {i + 1})" if h and counts[h] > 1 else h for i, h in enumerate(headers)]


class NotATable(Exception):
    """The file is not a table this importer can read; the message says why, for a person."""


@dataclass(frozen=True)
class Layout:
    encoding: str
    delimiter: str
    sheet: str | None = None  # an Excel workbook's sheet read (its first); None for text

    @property
    def described(self) -> str:
        if self.sheet is not None:
            return f"Excel workbook, sheet “{self.sheet}”"
        names = {",": "commas", ";": "semicolons", "\t": "tabs"}
        return f"{self.encoding}, {names[self.delimiter]}"


class _Counting(io.RawIOBase):
    """A file that counts the bytes read through it (for progress and the ETA)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        self.count += n or 0
        return n or 0

    def close(self) -> None:
        self.raw.close()
        super().close()


_SIGNATURES = {
    b"PK\x03\x04": "a zip archive",
    b"%PDF": "a PDF",
    b"\x89PNG": "a picture",
    b"\xff\xd8\xff": "a picture",
    b"\xd0\xcf\x11\xe0": "an old Excel or Word file (save it as CSV and share that)",
    b"GIF8": "a picture",
}


def encoding_of(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for magic, what in _SIGNATURES.items():
        if sample.startswith(magic):
            raise NotATable(f"This file is {what}, not a table.")
    if len(sample) >= 4 and sample[1:4:2] == b"\x00\x00" and sample[0:4:2].count(0) == 0:
        return "utf-16-le"
    if len(sample) >= 4 and sample[0:4:2] == b"\x00\x00":
        return "utf-16-be"
    if b"\x00" in sample:
        raise NotATable("This file holds binary data, not a table.")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def delimiter_of(text: str) -> str:
    """The delimiter that splits the sample's rows into the same number of columns most often."""
    best, best_score = ",", (-1, -1)
    for delim in DELIMITERS:
        try:
            rows = list(_first_rows(text, delim, 50))
        except csv.Error:
            continue
        if not rows:
            continue
        widths = Counter(len(r) for r in rows)
        width, times = widths.most_common(1)[0]
        score = (times if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delim, score
    return best


def _first_rows(text: str, delim: str, limit: int) -> Iterator[list[str]]:
    # The sample may end inside a row: the last one read is left out.
    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines[:-1] if len(lines) > 1 else lines, delimiter=delim)
    for n, row in enumerate(reader):
        if n >= limit:
            return
        yield row


def layout_of(path: Path) -> Layout:
    with open(path, "rb") as f:
        sample = f.read(SAMPLE)
    if not sample.strip():
        raise NotATable("This file is empty.")
    if sample.startswith(b"PK\x03\x04") and (sheet := xlsx.first_sheet(path)) is not None:
        return Layout("xlsx", ",", sheet)
    encoding = encoding_of(sample)
    text = sample.decode(encoding if encoding != "cp1252" else "cp1252", errors="replace")
    return Layout("cp1252" if encoding == "cp1252" else encoding, delimiter_of(text))


class Table:
    """A file's rows, read one at a time: ``header`` then each row with its row number as a spreadsheet
    shows it (the header is row 1)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.size = os.path.getsize(self.path)
        self.layout = layout_of(self.path)
        self._counting: _Counting | None = None
        self.header: list[str] = []

    @property
    def bytes_read(self) -> int:
        return self._counting.count if self._counting else 0

    def rows(self) -> Generator[tuple[int, list[str]], None, None]:
        if self.layout.sheet is not None:
            yield from self._sheet_rows()
            return
        counting = _Counting(open(self.path, "rb"))  # noqa: SIM115 - closed by the wrapper below
        self._counting = counting
        # A byte the encoding does not define (Windows-1252 leaves five out) is shown as "�", not fatal.
        with io.TextIOWrapper(
            io.BufferedReader(counting, 1 << 20), encoding=self.layout.encoding, errors="replace", newline=""
        ) as text:
            reader = csv.reader(text, delimiter=self.layout.delimiter)
            try:
                header = next(reader, None)
                if header is None:
                    raise NotATable("This file is empty.")
                self.header = [h.strip() for h in header]
                if len([h for h in self.header if h]) < 1:
                    raise NotATable("The first row of this file has no column names.")
                for n, row in enumerate(reader, start=2):
                    if "".join(row).strip():
                        yield n, row
            except UnicodeDecodeError:
                raise NotATable("This file's text is in an encoding I cannot read (use UTF-8).") from None
            except csv.Error as exc:
                raise NotATable(f"This file is not a table I can read ({exc}).") from None

    def _sheet_rows(self) -> Iterator[tuple[int, list[str]]]:
        self._counting = _Counting(io.BytesIO())
        rows = xlsx.rows(self.path)
        header = next(rows, None)
        if header is None:
            raise NotATable("This workbook's first sheet is empty.")
        row_no, cells, _ = header
        self.header = [h.strip() for h in cells]
        if not any(self.header):
            raise NotATable("The first row of this sheet has no column names.")
        for row_no, cells, share in rows:
            # What the workbook holds is compressed: progress is told as the share of the sheet's rows read.
            self._counting.count = int(self.size * share)
            if "".join(cells).strip():
                yield row_no, cells

    def read_header(self) -> list[str]:
        for _ in self.rows():
            break
        return self.header
