"""Turning sheets' raw cells into canonical outreach-log rows.

Every data row below the header is either kept or rejected with a reason;
every cell that could not be read is reported with its row and column. The
work is done per column, and each distinct value is interpreted once
(:func:`map_unique`), so a 100,000-row sheet costs what its vocabulary costs.
Small sheets laid out alike (a student folder) are stacked and normalised
together (:func:`batches`), each still judged by its own rows where a rule
decides per sheet.
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .dates import DateColumn, NoYear, parse_date_column, resolve_missing_years
from .mapping import FIELD_TARGETS, SheetPlan
from .read import RawSheet
from .rows import Rows, per_row, renumbered, used_values, with_none
from .schema import ACTIVITIES, CHANNELS, COLUMN_NAMES, OUTCOMES, STAGES, STRING, text_categorical
from .vocab import (
    StatusMeaning,
    combine_statuses,
    parse_activity,
    parse_channel,
    parse_status,
    parse_yes_no,
    squash,
    squash_index,
)

__all__ = ["Segment", "SheetResult", "batches", "normalise_sheets", "map_unique"]

PROBLEMS_PER_KIND = 50
#: Years an outreach log's dates can plausibly fall in; others are reported and left empty.
PLAUSIBLE_YEARS = (1970, 2100)
_TOTALS = re.compile(r"^(grand )?totals?\b|^sum\b|^count\b|^average\b|^subtotal", re.I)
#: what _TOTALS's first two letters match, casefolded (ſ folds to s): most names are spared
#: the regex
_TOTALS_START = frozenset({"gr", "to", "su", "co", "av"})
_NAME_ROLE = re.compile(r"^\s*([^()]+?)\s*\(([^()]*)\)\s*$")
_PAREN_URL = re.compile(r"\s*\((?:https?://|www\.)[^)]*\)\s*")
_ITEM_SPLIT = re.compile(r"\s*(?:,|;|/|\band\b|&|\n)\s*")
_HISTORY_SPLIT = re.compile(r"\s*(?:->|→|>|,|;|\|)\s*")


@dataclass
class Segment:
    """One sheet to normalise: its cells and column plan, and what fills its gaps."""

    raw: RawSheet
    plan: SheetPlan
    default_seeker: str  # for rows that name no seeker
    source_file: str | None = None  # for the source_file column


@dataclass
class SheetResult:
    """What happened to one sheet's rows; the rows kept are in its batch's frame."""

    rows_read: int
    kept_rows: np.ndarray  # spreadsheet row numbers of the rows kept, in order
    rejected: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return len(self.kept_rows)


# Columns whose factorisation is already known, by identity: a sheet's columns are
# factorised once when read, and every later per-value mapping of the same Series
# reuses the codes instead of hashing 100,000 objects again. Entries hold the Series
# itself, so an id is never mistaken for another object's; normalise_sheets drops its
# entries when it returns.
_CODED: dict[int, tuple[object, np.ndarray, np.ndarray, np.ndarray | None]] = {}


def _register(series: object, codes: np.ndarray, uniques: np.ndarray,
              used: np.ndarray | None = None) -> None:
    _CODED[id(series)] = (series, codes, uniques, used)


def _registered(values: object) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
    """``(codes, uniques, used)`` registered for *values* itself, or None."""
    entry = _CODED.get(id(values))
    return entry[1:] if entry is not None and entry[0] is values else None


def _factorize(values) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Codes (-1 for missing), distinct values and which of them occur (None: all)."""
    if isinstance(values, _RawColumn):
        return values.codes, values.uniques, values.used
    known = _registered(values)
    if known is not None:
        return known
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    return codes, uniques, None


def _cell(values: pd.Series | _RawColumn, pos: int) -> object:
    """The cell at row *pos*, to report it."""
    return values.cell(pos) if isinstance(values, _RawColumn) else values.iat[pos]


def _filled(values: pd.Series) -> np.ndarray:
    """``values.notna()`` as an array; from its registered codes where it has them (a
    check of 100,000 text cells one by one costs more than the rest of a rule)."""
    if isinstance(values, _RawColumn):
        return values.codes >= 0
    known = _registered(values)
    return known[0] >= 0 if known is not None else values.notna().to_numpy()


def map_codes(values, func: Callable[[object], object]) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, mapped)``: *func* of each distinct value, ``mapped[-1]`` is ``None``.

    ``mapped[codes]`` is :func:`map_unique`; the codes let callers look attributes up
    per distinct value instead of per row.
    """
    codes, uniques, used = _factorize(values)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    if used is None:
        mapped[:-1] = [func(u) for u in uniques]
    else:
        mapped[:-1] = [func(u) if ok else None for u, ok in zip(uniques, used, strict=True)]
    mapped[-1] = None
    return codes, mapped


def map_unique(values: pd.Series | np.ndarray, func: Callable[[object], object]) -> np.ndarray:
    """Apply *func* once per distinct non-missing value; missing cells give ``None``.

    Examples
    --------
    >>> map_unique(pd.Series(["a", "b", "a", None]), str.upper).tolist()
    ['A', 'B', 'A', None]
    """
    codes, mapped = map_codes(values, func)
    return mapped[codes]


def _text_column(codes: np.ndarray, uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                  np.ndarray]:
    """One raw column's cleaned text (``cell_text``), coded.

    *codes* and *uniques* are the column factorised (``Rows.coded_column``). Returns
    ``(text_codes, text_uniques, unique_text_codes)``, the last giving each unique's
    text code.
    """
    try:  # a .csv's column: all text, usually written without spaces around it
        as_is = all(map(operator.is_, map(str.strip, uniques), uniques)) and "" not in uniques
    except TypeError:  # not all text
        as_is = False
    if as_is:  # cell_text gives each unique itself
        return codes, np.asarray(uniques, dtype=object), np.append(
            np.arange(len(uniques), dtype=np.intp), -1)
    text = np.empty(len(uniques) + 1, dtype=object)
    text[:-1] = [cell_text(u) for u in uniques]
    text[-1] = None
    tcodes, tuniques = pd.factorize(text, use_na_sentinel=True)  # '1' and 1.0 read alike
    tcodes[-1] = -1
    # per row in the codes' own dtype (the readers' int32: half the memory of intp)
    return per_row(tcodes.astype(codes.dtype), codes), np.asarray(tuniques, dtype=object), tcodes


class _TextColumns(dict):
    """Each column's cleaned text as a Series, registered with its codes so that mapping
    it again costs only the distinct values; made when first asked for, as most columns
    of a log are read as dates, numbers or flags instead (:class:`_RawColumns`).
    :meth:`coded` gives a column's text codes, and :meth:`column` the column coded, for
    rules that map its distinct texts, without making its Series."""

    def __init__(self):
        super().__init__()
        self.parts: list[tuple[np.ndarray, np.ndarray]] = []  # (text codes, text uniques)

    def coded(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        return self.parts[i]

    def column(self, i: int) -> _RawColumn:
        codes, uniques = self.parts[i]
        return _RawColumn(codes, uniques, None, None)  # each text is some cell's

    def __missing__(self, i: int) -> pd.Series:
        codes, uniques = self.parts[i]
        value = self[i] = pd.Series(with_none(uniques)[codes], dtype=object, copy=False)
        _register(value, codes, uniques)
        return value


@dataclass(frozen=True)
class _RawColumn:
    """One column's cells as read (dates stay dates, numbers stay numbers), kept coded:
    the rules map each distinct value once, and read a cell only to report it, so its
    100,000 cells are never gathered into Python objects."""

    codes: np.ndarray  # -1: empty, or blank (no text)
    uniques: np.ndarray
    used: np.ndarray | None  # which uniques some non-blank cell holds (None: each)
    cells: np.ndarray | None  # the cells where the sheet holds them: 1.0 stays 1.0 beside True

    def cell(self, pos: int) -> object:
        code = self.codes[pos]
        if code < 0:
            return None
        return self.uniques[code] if self.cells is None else self.cells[pos]


def _raw_column(codes: np.ndarray, uniques: np.ndarray, cells: np.ndarray | None,
                text_codes: np.ndarray, unique_text_codes: np.ndarray) -> _RawColumn:
    """A column's cells as read, blank ones (no text, by :func:`_text_column`) empty."""
    raw_codes = codes if text_codes is codes else np.where(text_codes >= 0, codes, -1)
    return _RawColumn(raw_codes, np.asarray(uniques, dtype=object),
                      unique_text_codes[:-1] >= 0, cells)


class _RawColumns(dict):
    """Each column's :func:`_raw_column`, made when first asked for: most columns are
    only ever read as text."""

    def __init__(self):
        super().__init__()
        self.parts: dict[int, tuple] = {}

    def __missing__(self, i: int) -> _RawColumn:
        value = self[i] = _raw_column(*self.parts.pop(i))
        return value


CHANNEL_DTYPE = pd.CategoricalDtype(CHANNELS)
_STAGE_DTYPE = pd.CategoricalDtype(STAGES, ordered=True)
_OUTCOME_DTYPE = pd.CategoricalDtype(OUTCOMES)
_ACTIVITY_DTYPE = pd.CategoricalDtype(ACTIVITIES)


def _categorical(table: np.ndarray, codes: np.ndarray,
                 dtype: pd.CategoricalDtype) -> pd.Categorical:
    """``table[codes]`` as a categorical of *dtype*, looked up per distinct value."""
    position = {c: i for i, c in enumerate(dtype.categories)}
    cat_codes = np.fromiter((-1 if v is None else position[v] for v in table), dtype=np.int8,
                            count=len(table))
    return pd.Categorical.from_codes(per_row(cat_codes, codes), dtype=dtype)


def _as_text(values: pd.Series) -> pd.Series:
    """*values* as the schema's string dtype, keeping its registered codes."""
    known = _registered(values)
    if known is None:
        return values.astype(STRING)
    codes, uniques, used = known
    if used is None:  # a text column: its cells are its uniques' (checked once each)
        return _coded_text(codes, uniques, values.index)
    out = values.astype(STRING)
    _register(out, codes, uniques, used)
    return out


def _as_categorical(values: pd.Series) -> pd.Series | pd.Categorical:
    """Text with registered codes as a categorical of its distinct texts (one category
    each); other values as they are."""
    known = _registered(values)
    if known is None or known[2] is not None:
        return values
    codes, uniques, _ = known
    return text_categorical(codes, uniques, sort=True)


def _fill_text(values: pd.Series, fills: list[str], seg: np.ndarray) -> pd.Series:
    """*values*, each missing one filled with its sheet's text (``fills[seg]``), keeping
    registered text codes (the fills are more texts)."""
    known = _registered(values)
    if known is None or known[2] is not None:
        return values.fillna(pd.Series(np.asarray(fills, dtype=object)[seg], index=values.index,
                                       dtype=values.dtype))
    codes, uniques, _ = known
    missing = codes < 0
    if not missing.any():
        return values
    filler = np.empty(len(fills), dtype=np.intp)
    for k, value in enumerate(fills):
        at = np.flatnonzero(uniques == value)
        if len(at):
            filler[k] = at[0]
        else:
            filler[k], uniques = len(uniques), np.append(uniques, np.array([value], dtype=object))
    return _coded_text(np.where(missing, filler[seg], codes), uniques, values.index)


def _coded_text(codes: np.ndarray, uniques: np.ndarray, index: pd.Index | None = None
                ) -> pd.Series:
    """Text cells given as codes of distinct texts, as the schema's string dtype, with
    those codes registered."""
    out = pd.Series(pd.array(uniques, dtype=STRING).take(codes, allow_fill=True),
                    index=index, copy=False)
    _register(out, codes, uniques)
    return out


def cell_text(value: object) -> str | None:
    """A cell as text: integral floats without '.0', dates as ISO, blank as None."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if (value.hour, value.minute, value.second) != (0, 0, 0) \
            else value.date().isoformat()
    text = str(value).strip()
    return text or None


class _Collector:
    """Problems and rejections for the sheets of a batch, capped per sheet and kind so a
    bad column stays readable. Callers name columns by the first sheet's headers; each
    sheet's own headers replace them (:func:`batches` makes sure they can)."""

    def __init__(self, segments: list[Segment], seg: np.ndarray, rownums: np.ndarray):
        self.segments = segments
        self.sheets = [s.raw.sheet for s in segments]
        self.seg = seg  # each row's sheet
        self.rownums = rownums
        self._problems: list[tuple[int, int, str, object, str]] = []  # sheet, pos, ...
        self._rejected: list[tuple[int, str]] = []  # pos, reason
        self._counts: dict[tuple[int, str, str], int] = {}

    def problem(self, pos: int, column: str, value: object, message: str) -> None:
        key = (int(self.seg[pos]), column, message)
        n = self._counts.get(key, 0) + 1
        self._counts[key] = n
        if n <= PROBLEMS_PER_KIND:
            self._problems.append((key[0], pos, column, value, message))

    def reject(self, positions: np.ndarray, reason: str) -> None:
        self._rejected.extend((p, reason) for p in positions.tolist())

    def finish(self, keep: np.ndarray) -> tuple[list[list[dict]], list[list[dict]]]:
        """Each sheet's problems in rows kept (then the counts past the cap) and its
        rejected rows in row order."""
        problems: list[list[dict]] = [[] for _ in self.sheets]
        names: dict[int, dict[str, str]] = {0: {}}  # the first sheet's are the callers'

        def name(s: int, column: str) -> str:
            if s not in names:
                names[s] = _headers_of(self.segments[s].plan, self.segments[0].plan) or {}
            return names[s].get(column, column)

        for s, pos, column, value, message in self._problems:
            if keep[pos]:
                problems[s].append({"sheet": self.sheets[s], "row": int(self.rownums[pos]),
                                    "column": name(s, column),
                                    "value": None if value is None else str(value)[:200],
                                    "message": message})
        for (s, column, message), n in self._counts.items():
            if n > PROBLEMS_PER_KIND:
                problems[s].append({"sheet": self.sheets[s], "row": None,
                                    "column": name(s, column),
                                    "value": None, "message": f"{n - PROBLEMS_PER_KIND} more "
                                    f"rows like this ({message})"})
        rejected: list[list[dict]] = [[] for _ in self.sheets]
        for pos, reason in sorted(self._rejected, key=lambda r: r[0]):
            s = int(self.seg[pos])
            rejected[s].append({"sheet": self.sheets[s], "row": int(self.rownums[pos]),
                                "reason": reason})
        return problems, rejected


def _headers_of(plan: SheetPlan, first: SheetPlan) -> dict[str, str] | None:
    """The names *first* gives columns in messages, to the names *plan* gives them; None
    where two of them would take one name (the sheets cannot share a batch)."""
    names = {"company": "company"}  # a name of its own in messages, not a header
    pairs = [(a.header, b.header) for a, b in zip(first.columns, plan.columns, strict=True)]
    first_fields, fields = first.fields(), plan.fields()
    pairs += [(_hdr(first_fields, f), _hdr(fields, f)) for f in first_fields]
    for a, b in pairs:
        if names.setdefault(a, b) != b:
            return None
    return names


class _Columns(dict):
    """A sheet's output columns by name, on one ``RangeIndex`` of the sheet's rows.

    Made a DataFrame once at the end: inserting some forty columns one at a time
    into a DataFrame costs more than normalising a small sheet. A column set as an
    array stays one until a rule reads it (most are only written): a Series costs
    more to make than many a rule costs to run on a small sheet.
    """

    def __init__(self, n: int):
        super().__init__()
        self.index = pd.RangeIndex(n)

    def kept(self, keep: np.ndarray, first: Sequence[str] = ()) -> pd.DataFrame:
        """The rows marked in *keep*, as one DataFrame on a fresh ``RangeIndex``; the
        columns named in *first* first, in that order, then the others as they came.

        Built from the columns' arrays: a DataFrame of Series would align forty indexes
        first, which costs more than the rest of a small sheet's normalisation.
        """
        leading = [name for name in first if name in self]
        placed = set(leading)
        names = leading + [name for name in self if name not in placed]
        arrays = {}
        for name in names:
            value = dict.__getitem__(self, name)  # (not made a Series)
            arrays[name] = value.array if isinstance(value, pd.Series) else value
        if keep.all():  # every row kept (as in most logs): nothing to gather
            return pd.DataFrame(arrays, index=pd.RangeIndex(len(keep)), copy=False)
        rows = np.flatnonzero(keep)
        return pd.DataFrame({name: a[rows] for name, a in arrays.items()},
                            index=pd.RangeIndex(len(rows)), copy=False)

    def __setitem__(self, name: str, value: object) -> None:
        if isinstance(value, pd.Series):
            if not value.index.equals(self.index):
                value = value.reindex(self.index)  # aligned as a DataFrame would
        elif not isinstance(value, (np.ndarray, pd.api.extensions.ExtensionArray)):
            value = pd.Series(value, index=self.index)  # a scalar for every row
        super().__setitem__(name, value)

    def array(self, name: str) -> np.ndarray | pd.api.extensions.ExtensionArray:
        """*name*'s values as they are held, without making a Series of them."""
        value = super().__getitem__(name)
        return value.array if isinstance(value, pd.Series) else value

    def __getitem__(self, name: str) -> pd.Series:
        value = super().__getitem__(name)
        if not isinstance(value, pd.Series):  # cells held as objects are read as objects
            value = pd.Series(value, index=self.index, copy=False,
                              dtype=object if isinstance(value, np.ndarray)
                              and value.dtype.kind == "O" else None)
            super().__setitem__(name, value)
        return value


#: a sheet of this many data rows or more is normalised on its own: stacking its
#: cells with others' would cost more than the batch saves
BATCH_MAX_ROWS = 5_000


def batches(segments: list[Segment]) -> list[list[int]]:
    """Which of *segments* are normalised together: indices, in order, each group's
    sheets laid out alike (the same use of each column, in the same places).

    A student folder's files are mostly laid out alike under different header
    spellings; normalising each small sheet alone costs more in pandas' per-call
    overheads than in its rows, so alike sheets are stacked and normalised at once.
    Every decision the rules make per sheet (day-first dates, the year of a date
    without one, whether the log records progress at all, a section heading's
    neighbours, a repeated header, the caps on reported problems) is still made per
    sheet.
    """
    groups: dict[tuple, list[int]] = {}
    out: list[list[int]] = []
    for k, segment in enumerate(segments):
        key = _layout(segment)
        group = groups.get(key) if key is not None else None
        if group is not None and _headers_of(segment.plan, segments[group[0]].plan) is not None:
            group.append(k)
            continue
        out.append([k])
        if key is not None and group is None:
            groups[key] = out[-1]
    return out


def _layout(segment: Segment) -> tuple | None:
    """What sheets normalised together must share; None: normalise it alone."""
    plan, rows = segment.plan, segment.raw.rows
    if type(rows) is not Rows or len(rows) - plan.header_row - 1 >= BATCH_MAX_ROWS or any(
            c.index != i for i, c in enumerate(plan.columns)):
        return None
    return tuple((c.field, c.extra_name, c.how == "ignore") for c in plan.columns)


def normalise_sheets(segments: list[Segment], *, seeker: str | None, cohort: str | None
                     ) -> tuple[pd.DataFrame, list[SheetResult]]:
    """Canonical rows of sheets laid out alike (one of :func:`batches`' groups), one
    sheet after another, and what happened to each sheet's rows (see ``data-model.md``
    for every rule applied)."""
    registered = len(_CODED)
    try:
        return _normalise(segments, seeker=seeker, cohort=cohort)
    finally:
        if len(_CODED) != registered:
            _CODED.clear()


def _normalise(segments: list[Segment], *, seeker: str | None,
               cohort: str | None) -> tuple[pd.DataFrame, list[SheetResult]]:
    plan = segments[0].plan  # the layout, and the names columns go by until reported
    width = len(plan.columns)
    parts = [s.raw.rows[s.plan.header_row + 1:] for s in segments]
    sizes = np.array([len(p) for p in parts], dtype=np.intp)
    # one sheet as it is; several stacked into one grid
    data = parts[0] if len(parts) == 1 else Rows(np.concatenate([p.array[:, :width]
                                                                for p in parts]))
    n = int(sizes.sum())
    starts = np.concatenate([[0], np.cumsum(sizes)])
    seg = np.repeat(np.arange(len(segments)), sizes)  # each row's sheet
    # each row's number in its sheet: its place in the batch, moved to where its sheet's
    # data starts
    rownums = np.arange(n)
    moves = np.array([s.raw.first_row + s.plan.header_row + 1 for s in segments]) - starts[:-1]
    rownums += moves[0] if len(segments) == 1 else np.repeat(moves, sizes)
    # Each column is factorised once; its text Series and raw cells carry those codes.
    text_cols = _TextColumns()
    raw_cols = _RawColumns()
    # per column, whether each row's cell holds text; None where every row's does (most
    # columns of a big log: found by one reduction, with no array per column)
    filled: list[np.ndarray | None] = []
    for i in range(width):
        codes, uniques, column = data.coded_column(i)
        text_codes, text_uniques, unique_text_codes = _text_column(codes, uniques)
        text_cols.parts.append((text_codes, text_uniques))
        raw_cols.parts[i] = (codes, uniques, column, text_codes, unique_text_codes)
        filled.append(None if text_codes.min(initial=0) >= 0 else text_codes >= 0)
    out = _Collector(segments, seg, rownums)
    keep = _classify_rows(text_cols, filled, [s.raw.rows[s.plan.header_row] for s in segments],
                          plan, seg, starts, out)
    fields = plan.fields()

    def source(name: str) -> list[tuple[str, pd.Series]]:
        """Cleaned text of the columns feeding *name*."""
        return [(c.header, text_cols[c.index]) for c in fields.get(name, [])]

    def coded_text(name: str) -> list[tuple[str, _RawColumn]]:
        """:func:`source`'s columns kept coded, for rules that map distinct texts (and
        read a cell only to report it)."""
        return [(c.header, text_cols.column(c.index)) for c in fields.get(name, [])]

    def raw_values(name: str) -> list[tuple[str, _RawColumn]]:
        """Cells as read (dates stay dates, numbers stay numbers), blanks as None."""
        return [(c.header, raw_cols[c.index]) for c in fields.get(name, [])]

    def coded_of(name: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The text codes of *name*'s one column, where that is all it has and no rule
        has made its Series yet."""
        columns = fields.get(name, [])
        if len(columns) == 1 and columns[0].index not in text_cols:
            return text_cols.coded(columns[0].index)
        return None

    def text_of(*names: str) -> pd.Series:
        """The first cleaned text per row of the columns feeding the first of *names*
        the sheet has; from one column's codes where that is all it has."""
        name = next((m for m in names if m in fields), names[0])
        coded = coded_of(name)
        return _coded_text(*coded) if coded else _first_text(source(name), n)

    def category_of(name: str) -> pd.Series | pd.Categorical:
        """*name*'s text as a categorical of its distinct texts, sorted (a free
        category, handed on coded so it is not hashed again)."""
        coded = coded_of(name)
        return text_categorical(*coded, sort=True) if coded else \
            _as_categorical(text_of(name))

    frame = _Columns(n)
    texts = {}
    for name in ("seeker", "contact", "contact_title", "referred_by", "notes"):
        frame[name] = texts[name] = text_of(name)
    # the company as written is only read by its rule, which makes the column: kept coded
    company = text_cols.column(fields["company"][0].index) if coded_of("company") \
        else text_of("company")
    # The status as written, from whichever status-like column the log has.
    frame["status_raw"] = text_of("status_raw", "outcome", "stage")
    if "contact_first" in fields or "contact_last" in fields:  # names in two columns
        first, last = text_of("contact_first"), text_of("contact_last")
        joined = (first.fillna("") + " " + last.fillna("")).str.strip()
        frame["contact"] = frame["contact"].fillna(joined.mask(joined == ""))

    _apply_direction(frame, source, out, keep)
    _split_name_role(frame, "contact_title" in fields)
    _clean_company(frame, company, out)

    if seeker is not None:
        frame["seeker"] = _coded_text(np.zeros(n, dtype=np.intp), np.array([seeker], dtype=object))
    frame["seeker"] = _fill_text(frame["seeker"], [s.default_seeker for s in segments], seg)
    frame["cohort"] = category_of("cohort") if cohort is None else _as_categorical(
        _fill_text(text_of("cohort"), [cohort], np.zeros(n, dtype=np.intp)))
    frame["industry"] = category_of("industry")

    # Channel and activity.
    channel_raw = frame["channel_raw"] = text_of("channel")
    codes, mapped = map_codes(channel_raw, parse_channel)
    unrecognised = pd.isna(mapped)
    unrecognised[-1] = False  # code -1: no channel written
    if unrecognised.any():
        for pos in np.flatnonzero(per_row(unrecognised, codes) & keep):
            out.problem(pos, _hdr(fields, "channel"), channel_raw.iat[pos],
                        "channel not recognised; counted as 'other'")
    mapped = np.where(unrecognised, "other", mapped)
    mapped[-1] = "unknown"
    frame["channel"] = _categorical(mapped, codes, CHANNEL_DTYPE)
    frame["activity"] = _activity(coded_text("activity"), fields, n, out, keep)

    # Dates: day-first or not, and the years of dates without one, are each sheet's own.
    notes: list[list[str]] = [[*s.raw.notes] for s in segments]
    dates = {name: [] for name in ("contacted_on", "responded_on", "info_interview_on")}
    for k, segment in enumerate(segments):
        rows = slice(int(starts[k]), int(starts[k + 1]))
        date_cols = {name: _dates(raw_values(name), out, keep, rows) for name in dates}
        _resolve_years(date_cols, segment.raw, int(sizes[k]))
        fields_k = segment.plan.fields()
        for name, column in date_cols.items():
            dates[name].append(column.to_datetime64() if column else np.full(
                int(sizes[k]), np.datetime64("NaT"), dtype="datetime64[ns]"))
            if column:
                notes[k].extend(f"{_hdr(fields_k, name)}: {note}" for note in column.notes)
        notes[k].extend(f"{header}: {msg}" for header, msg in segment.plan.notices)
    for name, arrays in dates.items():
        frame[name] = arrays[0] if len(arrays) == 1 else np.concatenate(arrays)

    # Counts and flags.
    frame["followups"] = pd.arrays.IntegerArray(
        *_sum_counts(raw_values("followups"), out, keep, names_count=False))
    referrals = _sum_counts(raw_values("referrals"), out, keep, names_count=True)
    named = _referrals_named(frame, texts["referred_by"] if "referred_by" in fields
                             else frame["referred_by"], seg)
    more = named > referrals[0]  # (a missing count is 0 here)
    if more.any():  # leads naming this one count, where the log counts fewer
        referrals = np.where(more, named, referrals[0]), referrals[1] & ~more
    flags = {name: _any_flag(raw_values(name), out, keep)
             for name in ("responded", "info_interview", "thank_you", "job_interview", "offer",
                          "contacted_flag", "stage_responded", "stage_job_interview",
                          "stage_rejected", "stage_open")}
    statuses = _statuses(coded_text, out, keep)
    has_stage_info = _has_stage_info(coded_text, seg, len(segments)) | _per_sheet(
        named > 0, seg, len(segments))
    _derive_stage(frame, flags, statuses, referrals, has_stage_info[seg])

    # Extras: every other column is kept.
    for c in plan.columns:
        if c.extra_name:
            frame[c.extra_name] = text_cols[c.index].astype("string")

    identifying = _identifying(frame, plan, text_cols)
    no_id = keep & ~identifying
    out.reject(np.flatnonzero(no_id), "no identifying value (no contact, company, status, "
                                      "notes or other text)")
    keep &= identifying
    frame["source_row"] = pd.arrays.IntegerArray(rownums, np.zeros(n, dtype=bool))
    for name, values in (("source_file", [s.source_file for s in segments]),
                         ("source_sheet", [s.raw.sheet for s in segments])):
        frame[name] = pd.array(values, dtype=STRING).take(seg)
    result = frame.kept(keep, first=COLUMN_NAMES)  # the canonical order: conform's fast path
    problems, rejected = out.finish(keep)
    if keep.all():  # every row kept (as in most logs): nothing to gather
        kept, bounds = rownums, starts
    else:
        kept = rownums[keep]
        bounds = np.concatenate([[0], np.cumsum(np.bincount(seg[keep],
                                                            minlength=len(segments)))])
    return result, [SheetResult(int(sizes[k]), kept[bounds[k]:bounds[k + 1]], rejected[k],
                                problems[k], notes[k]) for k in range(len(segments))]


def _per_sheet(rows: np.ndarray, seg: np.ndarray, sheets: int) -> np.ndarray:
    """Whether any of each sheet's rows is marked in *rows*."""
    if sheets == 1:  # a big sheet alone: no per-row gather
        return np.array([rows.any()])
    return np.bincount(seg[rows], minlength=sheets) > 0


def _hdr(fields: dict, name: str) -> str:
    return ", ".join(c.header for c in fields.get(name, [])) or name


# ---------------------------------------------------------------------------
# Rows that are not data.
# ---------------------------------------------------------------------------
def _classify_rows(text_cols: _TextColumns, filled: list[np.ndarray | None],
                   headers: list[list[object]], plan: SheetPlan, seg: np.ndarray,
                   bounds: np.ndarray, out: _Collector) -> np.ndarray:
    """Which rows are data: not blank, not a repeat of their sheet's header (*headers*,
    one per sheet), not a totals row, not a section heading. Sheet *k*'s rows are
    ``bounds[k]:bounds[k + 1]``, and *seg* gives each row's sheet. *filled* has an item
    per column: whether each row's cell holds text, None where every row's does."""
    n = len(seg)
    keep = np.ones(n, dtype=bool)
    if not n:
        return keep
    counts = np.full(n, sum(f is None for f in filled), dtype=np.int32)  # filled per row
    for f in filled:
        if f is not None:
            counts += f
    blank = counts == 0
    out.reject(np.flatnonzero(blank), "blank")
    keep &= ~blank

    width = len(text_cols.parts)
    # each sheet's header, squashed, per column (columns past a header's end: "")
    header_keys = np.full((len(headers), width), "", dtype=object)
    spelled: dict[tuple[type, object], str] = {}  # a folder repeats its spellings
    for k, header in enumerate(headers):
        keys = [spelled.get((type(h), h)) or spelled.setdefault(
            (type(h), h), squash(h) if h is not None else "") for h in header[:width]]
        header_keys[k, : len(keys)] = keys
    header_size = (header_keys[:, : len(plan.columns)] != "").sum(axis=1)
    needed = np.maximum(2, (0.6 * header_size).astype(int))  # matching cells, per sheet
    # Columns with the fewest distinct values first: once no row could reach its count
    # even matching in every column left, the rest (a log's names and notes) are spared.
    order = sorted((i for i in range(width) if any(header_keys[:, i])),
                   key=lambda i: len(text_cols.coded(i)[1]))
    matches = None  # per row, once some cell matches
    most = 0  # the most matches of any row so far
    for done, i in enumerate(order):
        if most + len(order) - done < needed.min():
            break
        # each sheet's key's number (one key for most columns); a few keys, in Python
        numbers: dict[str, int] = {}
        sheet_keys = np.array([numbers.setdefault(k, len(numbers)) for k in header_keys[:, i]])
        of_sheet = list(numbers)
        codes, uniques = text_cols.coded(i)
        which = squash_index(uniques, of_sheet)
        for j, key in enumerate(of_sheet):
            if not key:
                continue
            hit = which == j
            if hit.any():  # most columns never repeat their header: no pass over the rows
                found = per_row(np.append(hit, False), codes)
                if len(of_sheet) > 1:
                    found &= sheet_keys[seg] == j
                matches = found.astype(int) if matches is None else matches + found
                most = int(matches.max())
    if most >= needed.min():  # some row may repeat its sheet's header
        repeated = keep & (matches >= needed[seg])
        out.reject(np.flatnonzero(repeated), "repeated header")
        keep &= ~repeated

    if width:
        # the first filled cell of each row, coded; its column: usually one column starts them all
        opening = next((i for i, f in enumerate(filled) if f is None or f.any()), 0)
        if filled[opening] is None or (filled[opening] | blank).all():
            codes, uniques = text_cols.coded(opening)
        else:
            first_col = np.stack([np.ones(n, dtype=bool) if f is None else f
                                  for f in filled]).argmax(axis=0)
            first_text = np.full(n, None, dtype=object)
            for i in range(width):
                rows = np.flatnonzero(first_col == i)
                if len(rows):
                    codes, uniques = text_cols.coded(i)
                    first_text[rows] = with_none(uniques)[codes[rows]]
            codes, uniques = pd.factorize(first_text, use_na_sentinel=True)
        total_of = np.zeros(len(uniques) + 1, dtype=bool)  # the uniques are text
        for k in np.flatnonzero([v[:2].casefold() in _TOTALS_START for v in uniques]):
            total_of[k] = _TOTALS.match(uniques[k]) is not None
        if total_of.any():  # rare: check the other cells of the candidate rows only
            is_total = per_row(total_of, codes) & keep & (counts >= 2)
            candidates = np.flatnonzero(is_total)
            others = pd.DataFrame({i: text_cols[i].iloc[candidates] for i in range(width)})
            is_total[candidates] &= _others_numeric(others,
                                                    with_none(uniques)[codes[candidates]])
            out.reject(np.flatnonzero(is_total), "totals row")
            keep &= ~is_total

        # each sheet's typical row: how many cells its data rows fill
        sheets = len(bounds) - 1
        data = slice(None) if keep.all() else keep  # (a slice: no copies)
        typical = _medians(counts[data], seg[data] if sheets > 1 else None, sheets)
        single = keep & (counts == 1) & (typical >= 3)[seg]
        heading_of = np.zeros(len(uniques) + 1, dtype=bool)
        if single.any():
            heading_of[:-1] = [bool(_looks_like_heading(v)) for v in uniques]
        heading = single & per_row(heading_of, codes)
        out.reject(np.flatnonzero(heading), "section heading")
        keep &= ~heading
    return keep


def _medians(values: np.ndarray, groups: np.ndarray | None, size: int) -> np.ndarray:
    """``np.median`` of *values*, whole numbers from 0 (cells filled per row), in each of
    *size* groups (None: all in one); 0 for an empty group; counted, not sorted."""
    if not len(values):
        return np.zeros(size)
    width = int(values.max()) + 1
    counts = (np.bincount(values)[None, :] if groups is None else np.bincount(
        groups * width + values, minlength=size * width).reshape(size, width))
    below = counts.cumsum(axis=1)  # how many of the group's values are <= each number
    n = below[:, -1]
    low = (below > ((n - 1) // 2)[:, None]).argmax(axis=1)  # the middle one (or two)
    high = (below > (n // 2)[:, None]).argmax(axis=1)
    return np.where(n > 0, (low + high) / 2, 0.0)


def _others_numeric(cells: pd.DataFrame, first: np.ndarray) -> np.ndarray:
    def numeric(v: object) -> bool:
        return re.fullmatch(r"[-+$€£]?[\d,]+(\.\d+)?%?", str(v)) is not None

    ok = np.ones(len(cells), dtype=bool)
    for i in cells.columns:
        col = cells[i].to_numpy(dtype=object)
        is_num = np.asarray([bool(x) for x in map_unique(col, numeric)])
        ok &= pd.isna(col) | is_num | (col == first)
    return ok


def _looks_like_heading(value: object) -> bool:
    text = str(value).strip()
    letters = re.sub(r"[^A-Za-z]", "", text)
    return text.endswith(":") or (len(letters) >= 4 and letters.isupper())


# ---------------------------------------------------------------------------
# Text fields.
# ---------------------------------------------------------------------------
def _first_text(sources: list[tuple[str, pd.Series]], n: int = 0) -> pd.Series:
    """The first non-empty text of *sources* per row; with no sources, *n* empty rows."""
    if not sources:
        return pd.Series(pd.NA, index=pd.RangeIndex(n), dtype=STRING)
    result = _as_text(sources[0][1])
    for _, s in sources[1:]:
        result = result.fillna(s.astype(STRING))
    return result


def _apply_direction(frame, source, out: _Collector, keep: np.ndarray) -> None:
    """LinkedIn invitations: the contact is 'To' for outgoing rows and 'From' for incoming ones."""
    direction = source("direction")
    if not direction:
        return
    d = direction[0][1].astype(STRING).str.upper().fillna("")
    from_p = _first_text(source("from_party"))
    to_p = _first_text(source("to_party"))
    outgoing = (d != "INCOMING").to_numpy()
    if len(from_p) and len(to_p):
        frame["contact"] = frame["contact"].fillna(to_p.where(outgoing, from_p))
        frame["seeker"] = frame["seeker"].fillna(from_p.where(outgoing, to_p))
    incoming = keep & ~outgoing
    out.reject(np.flatnonzero(incoming), "incoming invitation (someone else reached out; "
                                         "not the seeker's outreach)")
    keep &= outgoing


def _split_name_role(frame: _Columns, has_title_column: bool) -> None:
    """'Dale Shaw (Technical Recruiter)' -> contact 'Dale Shaw', title 'Technical Recruiter'."""
    contact = frame["contact"]
    _, candidate = map_codes(contact, lambda v: _NAME_ROLE.search(v) is not None
                             and "," not in v)  # per distinct name, with its codes if known
    if not any(c is True for c in candidate):  # the usual case: no 'Name (Role)' cells
        return
    parts = contact.str.extract(_NAME_ROLE)
    split = parts[0].notna() & ~contact.str.contains(",", regex=False).fillna(False)
    if has_title_column:
        split &= frame["contact_title"].isna()
    title, contact = frame["contact_title"].copy(), contact.copy()  # other names may share them
    title.loc[split] = parts.loc[split, 1].str.strip().replace("", pd.NA)
    contact.loc[split] = parts.loc[split, 0].str.strip()
    frame["contact_title"], frame["contact"] = title, contact


def _clean_company(frame: _Columns, company: pd.Series | _RawColumn, out: _Collector) -> None:
    codes, has_url = map_codes(company, lambda v: _PAREN_URL.search(v) is not None)
    if (has_url == True).any():  # noqa: E712
        for pos in np.flatnonzero(per_row(has_url == True, codes)):  # noqa: E712
            out.problem(pos, "company", _cell(company, pos),
                        "web address removed from the company name")
    codes, cleaned = map_codes(company, lambda v: " ".join(_PAREN_URL.sub(" ", v).split()))
    keys, names = pd.factorize(cleaned, use_na_sentinel=True)  # 'Acme (acme.com)' is 'Acme'
    frame["company"] = text_categorical(per_row(keys, codes), names)


def _activity(sources, fields, n, out: _Collector, keep) -> pd.Categorical:
    contact_like = bool(set(fields) & {"contact", "contact_first", "to_party"})
    default = "networking" if contact_like and "posting" not in fields else "application"
    if not sources:
        return pd.Categorical.from_codes(np.full(n, ACTIVITIES.index(default), dtype=np.int8),
                                         dtype=_ACTIVITY_DTYPE)
    header, values = sources[0]
    codes, mapped = map_codes(values, parse_activity)
    unread = pd.isna(mapped)
    unread[-1] = False  # code -1: nothing written
    if unread.any():
        for pos in np.flatnonzero(per_row(unread, codes) & keep):
            out.problem(pos, header, values.cell(pos),
                        f"not 'networking' or 'application'; read as '{default}'")
    return _categorical(np.where(pd.isna(mapped), default, mapped), codes, _ACTIVITY_DTYPE)


# ---------------------------------------------------------------------------
# Dates, counts and flags.
# ---------------------------------------------------------------------------
def _dates(sources, out: _Collector, keep, rows: slice) -> DateColumn | None:
    """The first of *sources* read as dates in one sheet's *rows* (positions in the
    column), day-first or not as that sheet's values say."""
    if not sources:
        return None
    header, values = sources[0]
    codes, uniques, used = _factorize(values)
    if rows != slice(0, len(codes)):  # one sheet of a batch: only the values it holds
        codes, uniques = renumbered(codes[rows], uniques, used_values(codes[rows], len(uniques)))
        used = None
    column = parse_date_column(codes=codes, uniques=uniques, used=used)
    # 9999-12-31 cannot be held in datetime64[ns]; 1900-01-01 is what a small number
    # typed into a date column shows as. Neither belongs in an outreach log.
    for k, v in enumerate(column.parsed):
        if not isinstance(v, dt.datetime) or PLAUSIBLE_YEARS[0] <= v.year <= PLAUSIBLE_YEARS[1]:
            continue
        column.parsed[k] = None
        message = (f"date {v:%Y-%m-%d} is not plausible for an outreach log (outside "
                   f"{PLAUSIBLE_YEARS[0]}-{PLAUSIBLE_YEARS[1]}); left empty - check the cell"
                   + (" (a number typed into a date column shows as 1900)"
                      if v.year == 1900 else ""))
        for pos in np.flatnonzero(codes == k).tolist():
            column.problems.append((pos, values.cell(rows.start + pos), message))
    for pos, value, message in column.problems:
        if keep[rows.start + pos]:
            out.problem(rows.start + pos, header, value, message)
    column.header = header  # type: ignore[attr-defined]
    return column


def _resolve_years(date_cols: dict[str, DateColumn | None], raw: RawSheet, n: int) -> None:
    """Years for dates written without one, anchored on the sheet's other dates."""
    columns = [c for c in date_cols.values() if c]
    if not any(c.has_no_year() for c in columns):
        return  # the usual case: every date has its year
    known = [k for k in (c.known_max() for c in columns) if k is not None]
    if known:
        anchor, label = max(known), "the file's other dates"
    else:
        anchor = dt.datetime.fromtimestamp(raw.modified or dt.datetime.now().timestamp())
        label = f"the file's modification date {anchor:%Y-%m-%d}"
    for column in columns:
        others = [c for c in columns if c is not column]
        if not any(isinstance(v, NoYear) for v in column.values):
            continue  # nothing to resolve: skip building the same-row dates
        row_dates = [next((o.values[i] for o in others if isinstance(o.values[i], dt.datetime)),
                          None) for i in range(n)] if others else None
        resolve_missing_years(column, anchor=anchor, anchor_label=label, row_dates=row_dates)


#: a count this big is a slip (a phone number, say), not follow-ups or referrals
_MAX_COUNT = 10**9


def _count_cell(value: object, names_count: bool) -> object:
    """A follow-up / referral cell as a count; '?' when it cannot be read."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return int(value) if float(value).is_integer() and 0 <= value < _MAX_COUNT else "?"
    if isinstance(value, (dt.date, dt.datetime)):
        return 1
    text = str(value).strip()
    yn = parse_yes_no(text)
    if yn is True:
        return 1
    if yn is False:
        return 0
    if yn is None:
        return None
    if re.fullmatch(r"\d+", text):
        return int(text) if len(text) < len(str(_MAX_COUNT)) else "?"
    from .dates import parse_date_text

    if parse_date_text(text) is not None or re.search(r"\d{1,2}/\d{1,2}", text):
        return 1
    if names_count:
        return len([p for p in _ITEM_SPLIT.split(text) if p])
    return "?"


def _sum_counts(sources, out: _Collector, keep, *, names_count: bool
                ) -> tuple[np.ndarray, np.ndarray]:
    """Sum of several count columns (follow-up 1, follow-up 2 ...) per row, and whether
    each row's are all empty (its sum then 0): an ``IntegerArray``'s values and mask."""
    total, missing = np.zeros(len(keep), dtype=np.int64), np.ones(len(keep), dtype=bool)
    for k, (header, values) in enumerate(sources):
        codes, mapped = map_codes(values, lambda v: _count_cell(v, names_count))
        bad_of = np.asarray([isinstance(m, str) and m == "?" for m in mapped], dtype=bool)
        if bad_of.any():
            for pos in np.flatnonzero(per_row(bad_of, codes) & keep):
                out.problem(pos, header, values.cell(pos), "not a number or yes/no; left empty")
        counted = np.asarray([isinstance(m, int) for m in mapped], dtype=bool)  # not None, '?'
        count = per_row(np.where(counted, mapped, 0).astype(np.int64), codes)
        empty = per_row(~counted, codes)
        # no count in any column so far
        total, missing = (count, empty) if k == 0 else (total + count, missing & empty)
    return total, missing


def _flag_cell(value: object) -> object:
    yn = parse_yes_no(value)
    if yn != "?":
        return yn
    if isinstance(value, (dt.date, dt.datetime)):
        return True
    text = str(value)
    from .dates import parse_date_text

    if parse_date_text(text) is not None or re.search(r"\d{1,2}/\d{1,2}(/\d{2,4})?", text):
        return True  # a date in a stage column means the stage happened then
    if isinstance(value, (int, float)) or re.fullmatch(r"\d+", text.strip()):
        return float(text) > 0
    return "?"


def _any_flag(sources, out: _Collector, keep) -> np.ndarray | None:
    """OR of several yes/no columns, per row: 1 if any is yes, 0 if all answered no,
    else -1 (int8, so the stage rules compare numbers, not Python objects)."""
    if not sources:
        return None
    result = None
    for header, values in sources:
        codes, table = map_codes(values, _flag_cell)
        bad_of = np.asarray([isinstance(m, str) and m == "?" for m in table], dtype=bool)
        if bad_of.any():
            for pos in np.flatnonzero(per_row(bad_of, codes) & keep):
                out.problem(pos, header, values.cell(pos), "not yes/no; left empty")
        answer_of = np.array([1 if m is True else 0 if m is False else -1 for m in table],
                             dtype=np.int8)  # not yes/no: -1, as an empty cell
        mapped = per_row(answer_of, codes)
        if result is None:
            result = mapped
        else:
            result = np.where((result == 1) | (mapped == 1), np.int8(1),
                              np.where(result < 0, mapped, result))
    return result


def _statuses(source, out: _Collector, keep) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per status-like column (outcome column first): codes and a StatusMeaning (or None)
    per distinct value, the last entry (code -1) None."""
    arrays = []
    for name in ("outcome", "status_raw", "stage", "stage_history"):
        for header, values in source(name):
            parse = _parse_history if name == "stage_history" else parse_status
            codes, table = map_codes(values, parse)
            unknown = pd.isna(table)
            unknown[-1] = False  # code -1: an empty cell
            if unknown.any():
                for pos in np.flatnonzero(per_row(unknown, codes) & keep):
                    out.problem(pos, header, values.cell(pos),
                                "status not recognised; stage read from the other columns")
            arrays.append((codes, table))
    return arrays


def _parse_history(value: object) -> StatusMeaning | None:
    """A stage-history cell: a list of dicts with 'stage' keys, or 'A -> B -> C' text."""
    text = str(value)
    items: list[str] = []
    try:
        parsed = ast.literal_eval(text)
        if isinstance(parsed, (list, tuple)):
            for it in parsed:
                items.append(str(it.get("stage") or it.get("status") or "") if isinstance(it, dict)
                             else str(it))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        items = _HISTORY_SPLIT.split(text)
    meanings = [m for m in (parse_status(i) for i in items if i) if m]
    return combine_statuses(meanings)


def _derive_stage(frame: _Columns, flags: dict,
                  statuses: list[tuple[np.ndarray, np.ndarray]],
                  referrals: tuple[np.ndarray, np.ndarray], has_stage_info: np.ndarray) -> None:
    """Furthest stage wins: every signal is OR-ed; a later 'Rejected' erases nothing.
    *referrals* are the counts and which are missing (:func:`_sum_counts`); a referred
    lead's missing count becomes 1. *has_stage_info* says per row whether its sheet
    records progress at all."""
    n = len(frame.index)
    nowhere = np.zeros(n, bool)  # read only: every rule below makes new arrays

    def truth(flag) -> np.ndarray:  # flags are _any_flag's 1 / 0 / -1
        return nowhere if flag is None else flag == 1

    def falsity(flag) -> np.ndarray:
        return nowhere if flag is None else flag == 0

    def any_of(*masks: np.ndarray) -> np.ndarray:  # a pass per mask that marks something
        marking = [m for m in masks if m is not nowhere]
        return functools.reduce(np.logical_or, marking) if marking else nowhere

    # Each status column holds a few distinct meanings: look attributes up per meaning.
    factorized = statuses

    def from_status(attr: str, want: bool) -> np.ndarray:
        acc = nowhere
        for codes, meanings in factorized:
            hit = np.array([m is not None and getattr(m, attr) is want for m in meanings],
                           dtype=bool)  # last slot: no meaning (code -1)
            if hit.any():  # most meanings say nothing of most stages
                acc = acc | per_row(hit, codes)
        return acc

    def dated(name: str) -> np.ndarray:
        return ~np.isnat(np.asarray(frame.array(name)))

    # outcomes as codes of OUTCOMES (-1: none yet), so the column is built without hashing
    open_, offer_, rejected, declined = (OUTCOMES.index(o) for o in
                                         ("open", "offer", "rejected", "declined"))
    outcome = None
    for codes, uniques in factorized:  # the first status-like column naming an outcome wins
        table = np.array([-1 if m is None or m.outcome is None else OUTCOMES.index(m.outcome)
                          for m in uniques], dtype=np.int8)
        said = per_row(table, codes)
        outcome = said if outcome is None else np.where(outcome < 0, said, outcome)
    if outcome is None:
        outcome = np.full(n, -1, dtype=np.int8)
    if flags["stage_rejected"] is not None:
        outcome = np.where(truth(flags["stage_rejected"]) & (outcome != offer_), rejected,
                           outcome)
    if flags["stage_open"] is not None:
        outcome = np.where((outcome < 0) & truth(flags["stage_open"]), open_, outcome)

    counts, no_count = referrals
    referred = any_of(from_status("referred", True), counts > 0)  # (a missing count is 0)
    offer = any_of(truth(flags["offer"]), from_status("offer", True))
    job = any_of(truth(flags["job_interview"]), truth(flags["stage_job_interview"]),
                 from_status("job_interview", True), offer)
    info = any_of(truth(flags["info_interview"]), from_status("info_interview", True),
                  dated("info_interview_on"))
    # (a reply, an interview, a referral or an offer all count as responses)
    responded = any_of(truth(flags["responded"]), truth(flags["stage_responded"]),
                       from_status("responded", True), dated("responded_on"),
                       (outcome == rejected) | (outcome == declined), info, referred, job)
    said_not = any_of(falsity(flags["contacted_flag"]), from_status("contacted", False))
    not_contacted = nowhere if said_not is nowhere else \
        said_not & ~responded & ~truth(flags["contacted_flag"])

    missing_referrals = no_count & referred
    frame["referrals"] = pd.arrays.IntegerArray(np.where(missing_referrals, 1, counts),
                                                no_count & ~missing_referrals)

    stage = np.where(not_contacted, np.int8(-1), np.int8(STAGES.index("contacted")))
    for name, mask in (("responded", responded), ("info_interview", info),
                       ("referred", referred), ("job_interview", job), ("offer", offer)):
        if mask is not nowhere:
            stage = np.where(mask, np.int8(STAGES.index(name)), stage)
    frame["stage"] = pd.Categorical.from_codes(stage, dtype=_STAGE_DTYPE)

    contacted = ~not_contacted
    for name, positive, negative in (
        ("responded", responded, any_of(falsity(flags["responded"]),
                                        from_status("responded", False))),
        ("info_interview", info, falsity(flags["info_interview"])),
        ("job_interview", job, falsity(flags["job_interview"])),
        ("offer", offer, falsity(flags["offer"])),
    ):
        # missing, then False where contacted (if the log says anything) or negative,
        # then True where positive
        known = (contacted & has_stage_info) | negative | positive
        frame[name] = pd.arrays.BooleanArray(positive.copy(), ~known)
    thank_you = flags["thank_you"]
    frame["thank_you"] = pd.arrays.BooleanArray(truth(thank_you), np.ones(n, bool)
                                                if thank_you is None else thank_you < 0)

    outcome = np.where(offer & ((outcome < 0) | (outcome == open_)), offer_, outcome)
    outcome = np.where(~offer & (outcome == offer_), open_, outcome)
    frame["outcome"] = pd.Categorical.from_codes(np.where(outcome < 0, open_, outcome)
                                                 .astype(np.int8), dtype=_OUTCOME_DTYPE)


def _referrals_named(frame: _Columns, referred_by: pd.Series, seg: np.ndarray) -> np.ndarray:
    """For each lead, how many leads of the same seeker and sheet (*seg*) name them in
    ``referred_by``.

    *referred_by* is the frame's column (passed so its distinct values are known).
    Names match stripped and case-folded; a lead without a contact matches nothing.
    """
    n = len(frame.index)
    if not _filled(referred_by).any():
        return np.zeros(n, dtype=int)

    def key(v: str) -> str:
        return v.strip().casefold()

    who_codes, who_keys = map_codes(referred_by, key)
    contact_codes, contact_keys = map_codes(frame["contact"], key)
    # one code space for both name columns (the key tables are small), looked up per
    # distinct name; the rows are gathered only where a name is given or named
    ids, _ = pd.factorize(np.concatenate([who_keys[:-1], contact_keys]), use_na_sentinel=True)
    who_id_of, contact_id_of = ids[: len(who_keys) - 1], ids[len(who_keys) - 1:]
    seeker_ids, seekers, _ = _factorize(frame["seeker"])  # filled: no -1
    width = int(ids.max()) + 1

    def pair_keys(rows: np.ndarray, name_ids: np.ndarray) -> np.ndarray:
        # one seeker's leads in another sheet are another seeker's
        seeker = seg[rows].astype(np.int64) * len(seekers) + seeker_ids[rows]
        return seeker * width + name_ids

    naming = np.flatnonzero(who_codes >= 0)
    who_ids = who_id_of[who_codes[naming]]
    found, counts = np.unique(pair_keys(naming, who_ids), return_counts=True)
    is_named = np.zeros(width + 1, dtype=bool)  # [-1]: id -1, no name (no contact)
    is_named[who_ids] = True
    rows = np.flatnonzero(per_row(is_named[contact_id_of], contact_codes))
    wanted = pair_keys(rows, contact_id_of[contact_codes[rows]])
    at = np.clip(np.searchsorted(found, wanted), 0, max(len(found) - 1, 0))
    result = np.zeros(n, dtype=int)
    result[rows] = np.where(found[at] == wanted, counts[at], 0)
    return result


def _has_stage_info(source, seg: np.ndarray, sheets: int) -> np.ndarray:
    """Whether each sheet records progress at all; if not, 'responded' etc. stay unknown.

    A column that is there but empty says nothing, and neither does an
    outcome column that only ever says "open".
    """
    found = np.zeros(sheets, dtype=bool)
    for name in ("responded", "responded_on", "info_interview", "info_interview_on",
                 "job_interview", "offer", "status_raw", "stage", "stage_history",
                 "stage_responded", "stage_job_interview", "stage_rejected", "stage_open",
                 "referrals"):
        for _, values in source(name):
            found |= _per_sheet(_filled(values), seg, sheets)
            if found.all():
                return found
    for _, values in source("outcome"):
        codes, squashed = map_codes(values, squash)  # per distinct value, not per row
        said = per_row(np.append(squashed[:-1] != "open", False), codes)  # [-1]: empty
        found |= _per_sheet(said, seg, sheets)
    return found


def _identifying(frame: _Columns, plan: SheetPlan, text_cols: _TextColumns) -> np.ndarray:
    ident = np.zeros(len(frame.index), dtype=bool)
    for name in ("contact", "company", "contact_title", "status_raw", "notes"):
        ident |= _filled(frame[name])
    for c in plan.columns:
        textual = c.field in (None, "posting", "stage", "outcome", "stage_history") or \
            FIELD_TARGETS.get(c.field or "") in ("stage", "outcome")
        if textual and c.how != "ignore":
            codes, table = map_codes(text_cols.column(c.index), _is_text)
            ident |= per_row(table.astype(bool), codes) & (codes >= 0)
    return ident


def _is_text(value: object) -> bool:
    return bool(re.search(r"[A-Za-z]{2,}", str(value))) and not re.fullmatch(
        r"\d{4}-\d\d-\d\d( [\d:]+)?", str(value))
