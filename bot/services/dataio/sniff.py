"""What a file leaves unsaid: whether its 03/04/2027 is 4 March or 3 April, and whether its amounts'
decimal mark is a comma (1.234,56). Found from the cells of its date and money columns before any row
is read, so that every row of one file is read the same way and a file that could be read either way
is said to be, rather than guessed."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from bot.services.dataio.cells import MONEY_JUNK

# A day written with slashes or dashes: month first in the US, day first almost everywhere else. A dotted
# one (03.04.2027) is day first wherever it is written, so it is not in doubt.
_SLASH = re.compile(r"^(\d{1,2})[/\-](\d{1,2})[/\-](\d{4})(?:[ T].*)?$")
_DECIMAL_COMMA = re.compile(r"\d,\d{1,2}$")
_DECIMAL_POINT = re.compile(r"\d\.\d{1,2}$")
# A date column whose first thousand cells hold no slashed day writes its days otherwise (ISO, Excel's).
ENOUGH = 1000


@dataclass
class Written:
    # "dmy" or "mdy" when a cell reads only one way (25/03/2027), "either" when every slashed day read
    # could be both, None when there is none.
    dates: str | None = None
    decided_by: str = ""  # the cell that settled it (25/03/2027)
    example: str = ""  # a cell that reads both ways, to show how it is read (03/04/2027)
    decimal: str | None = None  # "," or "." when the amounts say; None when they do not


def readings(cell: str) -> tuple[date | None, date | None]:
    """The day a slashed cell is, read month first and day first (None where that reading is no day)."""
    m = _SLASH.match(cell.strip())
    if not m:
        return None, None
    a, b, year = int(m[1]), int(m[2]), int(m[3])
    return _day(year, a, b), _day(year, b, a)


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def sniff(
    rows: Iterable[list[str]],
    dates_at: list[int],
    money_at: list[int],
    delimiter: str,
    *,
    order_given: bool = False,
) -> Written:
    """``rows``: the file's rows (cells by position); ``dates_at`` and ``money_at``: the positions of its
    date and money columns. Reads no further than it needs: up to the first cell that settles each
    question, to the end of the file for dates that might each be read both ways (``order_given``: the
    person said how, so the first slashed day is enough, to show how it is read)."""
    found = Written()
    month_first = day_first = ""
    seen = slashed = amounts = 0
    comma = point = False
    for row in rows:
        width = len(row)
        for pos in dates_at:
            cell = row[pos].strip() if pos < width else ""
            if not cell:
                continue
            seen += 1
            m = _SLASH.match(cell)
            if not m:
                continue
            slashed += 1
            a, b = int(m[1]), int(m[2])
            if a > 12 >= b:
                day_first = day_first or cell
            elif b > 12 >= a:
                month_first = month_first or cell
            elif a != b and not found.example:
                found.example = cell
        for pos in money_at:
            cell = MONEY_JUNK.sub("", row[pos]) if pos < width else ""
            amounts += bool(cell)
            comma = comma or bool(_DECIMAL_COMMA.search(cell))
            point = point or bool(_DECIMAL_POINT.search(cell))
        dates_known = (
            bool(day_first or month_first)
            or not dates_at
            or (seen >= ENOUGH and not slashed)
            or (order_given and slashed > 0)
        )
        # Whole amounts (5000) say nothing of the mark: a thousand of them is enough looking.
        money_known = comma or point or not money_at or amounts >= ENOUGH
        if dates_known and money_known:
            break
    if day_first or month_first:
        found.dates = "dmy" if day_first else "mdy"
        found.decided_by = day_first or month_first
        found.example = found.example or found.decided_by
    elif found.example:
        found.dates = "either"
    # Where a semicolon parts the columns, the comma is the decimal mark (Excel's CSV in most of Europe).
    found.decimal = "," if comma else "." if point else "," if delimiter == ";" else None
    return found
