"""Dates as people type them, read one column at a time.

Day-first or month-first is decided per column from its values (a ``15/01``
settles it), not per cell. Excel serial numbers, ISO dates, ``30 May 2024``,
``11/13/23, 9:42 AM`` and dates without a year (``Nov 20``, ``8-Jul``) are all
read; a date without a year gets the year that keeps the column in order,
anchored on the file's other dates or its modification date.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .rows import per_row

__all__ = ["DateColumn", "parse_date_column", "resolve_missing_years", "parse_date_text"]

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for m in names
}
_MON = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_TIME = r"(?:[,\s]+(?:at\s+)?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[ap]\.?m\.?)?)?"
_ISO = re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?:[T\s].*)?$")
_NUMERIC = re.compile(r"^(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{2}|\d{4})" + _TIME + r"$",
                      re.I)
_DAY_MON_YEAR = re.compile(r"^(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s\-/]+" + _MON +
                           r"(?:[\s\-/,]+(?P<y>\d{4}|\d{2}))?" + _TIME + r"$", re.I)
_MON_DAY_YEAR = re.compile(r"^(?:[a-z]+,?\s+)?" + _MON + r"[\s\-/]+(?P<d>\d{1,2})(?:st|nd|rd|th)?"
                           r"(?:,?[\s\-/]+(?P<y>\d{4}))?" + _TIME + r"$", re.I)
_EMBEDDED = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}")
_SEPARATORS = re.compile(r"^[\s,;&+/]*(?:and|or|then)?[\s,;&+/]*$", re.I)

EXCEL_EPOCH = dt.datetime(1899, 12, 30)


@dataclass(frozen=True)
class NoYear:
    """A date written without a year; the year is decided for the whole column."""

    month: int
    day: int


class DateColumn:
    """The result of reading one column of dates.

    ``values`` holds a ``datetime`` or :class:`NoYear` per row (``None`` where
    empty or unreadable); ``problems`` lists ``(position, value, message)``.
    The column is kept as codes into its distinct parsed values until a caller
    needs ``values`` row by row (only columns with dates lacking a year do).
    """

    def __init__(self, codes: np.ndarray, parsed: list[object],
                 problems: list[tuple[int, object, str]] | None = None,
                 notes: list[str] | None = None):
        self.codes = np.asarray(codes)
        self.parsed = parsed  # per distinct value: datetime, NoYear or None
        self.problems = [] if problems is None else problems
        self.notes = [] if notes is None else notes
        self._values: list[object] | None = None

    @property
    def values(self) -> list[object]:
        if self._values is None:
            lookup = np.empty(len(self.parsed) + 1, dtype=object)
            lookup[:-1] = self.parsed
            lookup[-1] = None
            self._values = lookup[self.codes].tolist()
        return self._values

    def _distinct(self) -> list[object]:
        return self.parsed if self._values is None else self._values

    def known_max(self) -> dt.datetime | None:
        dates = [v for v in self._distinct() if isinstance(v, dt.datetime)]
        return max(dates) if dates else None

    def has_no_year(self) -> bool:
        return any(isinstance(v, NoYear) for v in self._distinct())

    def to_datetime64(self) -> np.ndarray:
        """The column as ``datetime64[ns]`` (NaT where empty)."""
        if self._values is not None:
            return pd.to_datetime(pd.Series(self._values, dtype=object),
                                  errors="coerce").astype("datetime64[ns]").to_numpy()
        # pandas converts datetime objects several times faster than numpy does
        lookup = pd.DatetimeIndex([v if isinstance(v, dt.datetime) else None
                                   for v in self.parsed] + [None]).as_unit("ns").to_numpy()
        return per_row(lookup, self.codes)


def _day_first(uniques: list[str]) -> bool | None:
    """True if the column's slash dates are day-first, False if month-first, None if unknown."""
    first_big = second_big = False
    for s in uniques:
        m = _NUMERIC.match(s)
        if m:
            a, b = int(m["a"]), int(m["b"])
            first_big |= a > 12
            second_big |= b > 12
    if first_big and not second_big:
        return True
    if second_big and not first_big:
        return False
    return None


def _year(text: str) -> int:
    y = int(text)
    if y < 100:
        y += 2000 if y < 70 else 1900
    return y


def _make(y: int | None, m: int, d: int, time_text: str = "") -> dt.datetime | NoYear | None:
    try:
        if y is None:
            dt.date(2000, m, d)  # leap year: validates 29 Feb too
            return NoYear(m, d)
        return dt.datetime(y, m, d)
    except ValueError:
        return None


def parse_date_text(text: str, *, day_first: bool = False) -> dt.datetime | NoYear | None:
    """Read one date as text; ``None`` if it is not a date.

    Examples
    --------
    >>> parse_date_text("11/13/23, 9:42 AM")
    datetime.datetime(2023, 11, 13, 0, 0)
    >>> parse_date_text("15/01/2025", day_first=True)
    datetime.datetime(2025, 1, 15, 0, 0)
    >>> parse_date_text("30 May 2024"), parse_date_text("Nov 20")
    (datetime.datetime(2024, 5, 30, 0, 0), NoYear(month=11, day=20))
    >>> parse_date_text("8/82019") is None
    True
    """
    s = text.strip().rstrip(".")
    m = _ISO.match(s)
    if m:
        return _make(int(m["y"]), int(m["m"]), int(m["d"]))
    m = _NUMERIC.match(s)
    if m:
        a, b = int(m["a"]), int(m["b"])
        month, day = (b, a) if day_first else (a, b)
        return _make(_year(m["y"]), month, day)
    for pattern in (_DAY_MON_YEAR, _MON_DAY_YEAR):
        m = pattern.match(s)
        if m:
            year = _year(m["y"]) if m["y"] else None
            return _make(year, _MONTHS[m["mon"].lower()], int(m["d"]))
    return None


def _from_number(x: float) -> dt.datetime | None:
    """Excel serial day number (1954–2119 range) to a date."""
    if 20000 <= x <= 80000:
        return (EXCEL_EPOCH + dt.timedelta(days=float(x))).replace(hour=0, minute=0, second=0,
                                                                    microsecond=0)
    return None


def parse_date_column(values: pd.Series | None = None, *, codes: np.ndarray | None = None,
                      uniques: np.ndarray | None = None,
                      used: np.ndarray | None = None) -> DateColumn:
    """Read a column of raw cells as dates, each distinct value parsed once.

    *codes* and *uniques* (with *used*, which distinct values occur) may be passed
    when the column is already factorised.
    """
    if codes is None or uniques is None:
        codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
        used = None
    if used is None:
        used = np.ones(len(uniques), dtype=bool)
    texts = [u.strip() for u, ok in zip(uniques, used, strict=True) if ok and isinstance(u, str)]
    day_first = _day_first(texts)
    notes = []
    if day_first:
        notes.append("day-first dates (dd/mm/yyyy)")
    parsed: list[object] = []
    messages: list[str | None] = []
    for u, ok in zip(uniques, used, strict=True):
        value, message = _parse_seen(u, bool(day_first)) if ok else (None, None)
        parsed.append(value)
        messages.append(message)
    problems = []
    flagged = np.zeros(len(uniques) + 1, dtype=bool)
    flagged[:-1] = [m is not None for m in messages]
    if flagged.any():
        for pos in np.flatnonzero(per_row(flagged, codes)).tolist():
            code = codes[pos]
            problems.append((pos, uniques[code], messages[code]))
    return DateColumn(codes, parsed, problems, notes)


def _parse_seen(u: object, day_first: bool) -> tuple[object, str | None]:
    """:func:`_parse_cell`, remembered: a log's date columns share most of their dates."""
    try:
        return _parse_remembered(u, day_first)
    except TypeError:  # unhashable
        return _parse_cell(u, day_first)


def _parse_cell(u: object, day_first: bool) -> tuple[object, str | None]:
    if isinstance(u, dt.datetime):
        return u.replace(hour=0, minute=0, second=0, microsecond=0), None
    if isinstance(u, dt.date):
        return dt.datetime(u.year, u.month, u.day), None
    if isinstance(u, bool):
        return None, "not a date"
    if isinstance(u, (int, float, np.integer, np.floating)):
        d = _from_number(float(u))
        return (d, None) if d else (None, "number that is not a date")
    if isinstance(u, (dt.time, dt.timedelta)):
        return None, "a time without a date"
    text = str(u).strip()
    if not text or text.lower() in {"n/a", "na", "none", "-", "tbd", "null", "nan", "?", "nat"}:
        return None, None
    value = parse_date_text(text, day_first=day_first)
    if value is not None:
        return value, None
    if re.fullmatch(r"\d+(\.\d+)?", text):
        d = _from_number(float(text))
        return (d, None) if d else (None, "number that is not a date")
    found = _EMBEDDED.findall(text)
    if len(found) >= 2 and _SEPARATORS.match(_EMBEDDED.sub(" ", text)):
        first = parse_date_text(found[0], day_first=day_first)
        if first is not None:
            return first, f"several dates in one cell; used the first ({found[0]})"
    return None, "not a date I can read; left empty"


def resolve_missing_years(
    column: DateColumn,
    *,
    anchor: dt.datetime,
    anchor_label: str,
    row_dates: list[dt.datetime | None] | None = None,
) -> None:
    """Give each :class:`NoYear` value a year, in place, and note how.

    Where the column has full dates, each no-year date takes the year that
    puts it closest to the nearest full date above or below it. Otherwise the
    dates are read as one run of the calendar (see :func:`_cluster`) and the
    run is placed in the year that best agrees with *row_dates* (dates from
    other columns of the same rows), or else so that it ends by *anchor*.
    """
    vals = column.values
    positions = [i for i, v in enumerate(vals) if isinstance(v, NoYear)]
    if not positions:
        return
    full = [(i, v) for i, v in enumerate(vals) if isinstance(v, dt.datetime)]
    if full:
        idx = np.array([i for i, _ in full])
        for p in positions:
            vals[p] = _closest(vals[p], full[int(np.argmin(np.abs(idx - p)))][1])
        how = "the nearest dates in the same column"
    else:
        place, newest = _cluster([vals[p] for p in positions])
        pairs = [(vals[p], row_dates[p]) for p in positions if row_dates and row_dates[p]]
        if pairs:
            centre = pairs[0][1].year
            year = min(range(centre - 2, centre + 2), key=lambda y: sum(
                abs((place(y, nd) - ref).days) for nd, ref in pairs))
            how = "dates in other columns of the same rows"
        else:
            year = anchor.year
            while place(year, newest) > anchor:
                year -= 1
            how = anchor_label
        for p in positions:
            vals[p] = place(year, vals[p])
    years = sorted({vals[p].year for p in positions})
    span = str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"
    column.notes.append(f"{len(positions)} dates had no year; read as {span} (anchored on {how})")


def _safe(year: int, nd: NoYear) -> dt.datetime:
    try:
        return dt.datetime(year, nd.month, nd.day)
    except ValueError:  # 29 Feb in a year that has none
        return dt.datetime(year, nd.month, 28)


def _closest(nd: NoYear, ref: dt.datetime) -> dt.datetime:
    cands = [_safe(y, nd) for y in (ref.year - 1, ref.year, ref.year + 1)]
    return min(cands, key=lambda c: abs((c - ref).days))


def _cluster(dates: list[NoYear]):
    """Read no-year dates as one run of the calendar.

    Returns ``place(first_year, d)`` and the newest date of the run.

    The largest gap between the dates' days of the year is where the log did
    *not* run, so a log from Nov 20 to Jan 5 wraps over New Year.
    """
    days = sorted({(d.month, d.day) for d in dates})
    ordinal = {md: dt.date(2000, *md).timetuple().tm_yday for md in days}
    ords = [ordinal[md] for md in days]
    gaps = [(ords[(i + 1) % len(ords)] - ords[i]) % 366 or 366 for i in range(len(ords))]
    start = ords[(gaps.index(max(gaps)) + 1) % len(ords)]

    def place(first_year: int, d: NoYear) -> dt.datetime:
        return _safe(first_year + (ordinal[(d.month, d.day)] < start), d)

    newest = NoYear(*max(days, key=lambda md: (ordinal[md] < start, ordinal[md])))
    return place, newest


# typed: 1, 1.0 and True are different cells (a number, a date serial, not a date)
_parse_remembered = functools.lru_cache(maxsize=1 << 16, typed=True)(_parse_cell)
