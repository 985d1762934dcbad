"""``load_log``: any outreach spreadsheet, folder or workbook into the canonical log.

The load report says what happened to every row: how each column was used,
which rows were rejected and why, which cells could not be read, and which
sheets were skipped. ``rows_read == rows_loaded + rows_rejected`` always.
"""

from __future__ import annotations

import difflib
import itertools
import json
import multiprocessing
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InfoviewError, LoadWarning, NoLogFoundError, UnreadableFileError
from .mapping import (
    FIELD_TARGETS,
    find_header_row,
    is_log,
    plan_columns,
    read_mapping_file,
    validate_explicit,
)
from .normalise import PROBLEMS_PER_KIND, Segment, batches, normalise_sheets
from .processes import usable_cores
from .read import RawSheet, iter_input_files, read_file
from .rows import in_order, per_row
from .schema import STRING, conform, empty_log, text_categorical
from .vocab import FIELD_ALIASES, squash

__all__ = ["load_log", "load_log_with_report", "LoadReport", "FileReport", "SheetReport"]

PathLike = str | Path
_GENERIC_SHEET = (
    "sheet", "table", "log", "tracker", "applications", "application", "outreach", "data",
    "networking", "contacts", "jobs", "job tracker", "job search", "export", "main", "list",
    "status", "pipeline", "connections", "invitations", "leads",
)


@dataclass
class SheetReport:
    """What happened to one sheet."""

    sheet: str | None
    header_row: int | None = None  # 1-based spreadsheet row of the header
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    mapping: dict[str, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    skipped: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class FileReport:
    """What happened to one file: its sheets, rejected rows and unreadable cells."""

    file: str
    sheets: list[SheetReport] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    error: str | None = None

    @property
    def rows_read(self) -> int:
        return sum(s.rows_read for s in self.sheets)

    @property
    def rows_loaded(self) -> int:
        return sum(s.rows_loaded for s in self.sheets)

    @property
    def rows_rejected(self) -> int:
        return sum(s.rows_rejected for s in self.sheets)

    @property
    def mapping(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for s in self.sheets:
            out.update(s.mapping)
        return out

    @property
    def unmapped(self) -> list[str]:
        seen: dict[str, None] = {}
        for s in self.sheets:
            seen.update(dict.fromkeys(s.unmapped))
        return list(seen)

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected,
            "mapping": self.mapping,
            "unmapped": self.unmapped,
            "rejected": self.rejected,
            "problems": self.problems,
            "sheets": [asdict(s) for s in self.sheets],
            "error": self.error,
        }


@dataclass
class LoadReport:
    """The account of a load: every file, every sheet, every row.

    Examples
    --------
    >>> from infoview_analytics.sample import SAMPLE_SEEKER_FILE
    >>> log, report = load_log_with_report(SAMPLE_SEEKER_FILE)
    >>> report.rows_read == report.rows_loaded + report.rows_rejected
    True
    """

    files: list[FileReport] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    @property
    def errors(self) -> list[FileReport]:
        return [f for f in self.files if f.error]

    def to_dict(self) -> dict:
        return {
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected,
            "files": [f.to_dict() for f in self.files],
        }

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), default=str, **kwargs)

    def rejected_frame(self) -> pd.DataFrame:
        """One row per rejected source row: file, sheet, row, reason."""
        rows = [{"file": f.file, **r} for f in self.files for r in f.rejected]
        return pd.DataFrame(rows, columns=["file", "sheet", "row", "reason"])

    def problems_frame(self) -> pd.DataFrame:
        """One row per cell that could not be read: file, sheet, row, column, value, message."""
        rows = [{"file": f.file, **p} for f in self.files for p in f.problems]
        return pd.DataFrame(rows, columns=["file", "sheet", "row", "column", "value", "message"])

    def summary_frame(self) -> pd.DataFrame:
        """One row per sheet: rows read, loaded, rejected, and why a sheet was skipped."""
        rows = [
            {"file": f.file, "sheet": s.sheet, "header_row": s.header_row,
             "rows_read": s.rows_read, "rows_loaded": s.rows_loaded,
             "rows_rejected": s.rows_rejected, "problems": sum(
                 1 for p in f.problems if p["sheet"] == s.sheet),
             "note": s.skipped or f.error or ""}
            for f in self.files for s in (f.sheets or [SheetReport(None)])
        ]
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        head = (f"<p><b>{self.rows_read}</b> rows read: <b>{self.rows_loaded}</b> loaded, "
                f"<b>{self.rows_rejected}</b> rejected.</p>")
        return head + self.summary_frame().to_html(index=False)

    def __str__(self) -> str:
        return (f"{self.rows_read} rows read, {self.rows_loaded} loaded, "
                f"{self.rows_rejected} rejected, in {len(self.files)} file(s)")


def load_log(
    path_or_paths: PathLike | Sequence[PathLike],
    *,
    mapping: Mapping[str, str | None] | PathLike | None = None,
    seeker: str | None = None,
    cohort: str | None = None,
    sheet: str | None = None,
) -> pd.DataFrame:
    """Load outreach logs into one canonical table.

    Parameters
    ----------
    path_or_paths
        A file (.xlsx, .xlsm, .xls, .ods, .csv, .tsv, .txt), a folder of such
        files (read recursively), or a list of files and folders.
    mapping
        Explicit ``{source header: canonical column}`` (or a YAML/TOML file of
        it); wins over the built-in guess. Targets may also be ``"extra"`` or
        ``"ignore"``.
    seeker
        The job seeker's name for every row (else a Seeker/Student column, the
        sheet name of a workbook with a sheet per seeker, or the file name).
    cohort
        Cohort for rows whose log does not say.
    sheet
        Read only this sheet of a workbook.

    Returns
    -------
    pandas.DataFrame
        The canonical columns of ``data-model.md`` in order, then ``extra_*``
        columns. Rows rejected or cells not understood are reported in a
        :class:`LoadWarning`; use :func:`load_log_with_report` for the details.

    Raises
    ------
    UnreadableFileError, NoLogFoundError, MappingError
        A file named directly cannot be read, holds no outreach log, or the
        mapping is wrong. In a folder a bad file is reported and skipped.

    Examples
    --------
    >>> from infoview_analytics.sample import SAMPLE_SEEKER_FILE
    >>> log = load_log(SAMPLE_SEEKER_FILE)
    >>> log["activity"].value_counts().sort_index().index.tolist()
    ['networking', 'application']
    """
    log, report = load_log_with_report(path_or_paths, mapping=mapping, seeker=seeker,
                                       cohort=cohort, sheet=sheet)
    problems = sum(len(f.problems) for f in report.files)
    if report.rows_rejected or problems or report.errors:
        warnings.warn(
            f"{report}; {problems} cell problem(s); {len(report.errors)} file(s) not read. "
            "See load_log_with_report() for rows and reasons.",
            LoadWarning,
            stacklevel=2,
        )
    return log


def load_log_with_report(
    path_or_paths: PathLike | Sequence[PathLike],
    *,
    mapping: Mapping[str, str | None] | PathLike | None = None,
    seeker: str | None = None,
    cohort: str | None = None,
    sheet: str | None = None,
) -> tuple[pd.DataFrame, LoadReport]:
    """Like :func:`load_log`, and also return the :class:`LoadReport`."""
    explicit = read_mapping_file(mapping) if isinstance(mapping, (str, Path)) else mapping
    jobs = [(path, folder, str(path.relative_to(folder)) if folder else path.name)
            for path, folder in iter_input_files(path_or_paths)]
    if not jobs:
        raise UnreadableFileError(
            f"{path_or_paths}: no spreadsheet files found (.xlsx, .xls, .ods, .csv, .tsv)."
        )
    options = {"explicit": explicit, "seeker": seeker, "cohort": cohort, "sheet": sheet}
    report = LoadReport()
    frames = []
    folders = iter([folder for _, folder, _ in jobs])  # the outcomes come in this order
    for outcomes, frame in _load_files(jobs, options):
        for file_report, error in outcomes:
            folder = next(folders)
            report.files.append(file_report)
            if error is not None:
                if folder is None:  # a file named directly: its problem is the user's answer
                    raise error
                file_report.error = str(error)
        if frame is not None:
            frames.append(frame)
    log = _joined(frames)
    return _finish(log if log is not None else empty_log()), report


#: a folder of at least this many files is read by several processes
PARALLEL_MIN_FILES = 16


def _load_files(jobs: list[tuple[Path, Path | None, str]], options: dict
                ) -> Iterator[tuple[list[tuple[FileReport, InfoviewError | None]],
                                    pd.DataFrame | None]]:
    """:func:`_load_chunk` of the jobs, in order; many files are shared among the cores.

    Reading is mostly Python (pandas, per-distinct-value mapping), so threads would
    wait on each other; forked processes start in milliseconds with everything
    imported. Only on Linux, where fork is the default and safe for this code, and not
    inside a daemon process (a pool's worker), which may not start processes.
    """
    workers = min(len(jobs) // (PARALLEL_MIN_FILES // 2), usable_cores(), 8)
    if (len(jobs) < PARALLEL_MIN_FILES or workers < 2 or not sys.platform.startswith("linux")
            or multiprocessing.current_process().daemon):
        return iter([_load_chunk(jobs, options)])
    return _load_forked(jobs, options, workers)


def _load_forked(jobs: list[tuple[Path, Path | None, str]], options: dict, workers: int
                 ) -> Iterator[tuple[list[tuple[FileReport, InfoviewError | None]],
                                     pd.DataFrame | None]]:
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        yield from pool.map(_load_chunk, _chunks(jobs, workers), itertools.repeat(options))


def _chunks(jobs: list[tuple[Path, Path | None, str]], parts: int
            ) -> list[list[tuple[Path, Path | None, str]]]:
    """*jobs* cut into *parts* runs, in order, of about the same total file size.

    One run per process: each run's sheets are normalised in a few batches (a run
    of 25 small files cost about a batch per layout more than a run of 100), and
    weighing the runs by size keeps one process from getting all the big files.
    """
    sizes = np.array([_file_size(path) for path, _, _ in jobs], dtype=float) + 1
    ends = np.cumsum(sizes)
    cuts = np.searchsorted(ends, ends[-1] * np.arange(1, parts) / parts, side="left") + 1
    bounds = [0, *np.clip(cuts, 1, len(jobs)).tolist(), len(jobs)]
    return [jobs[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # reading it will say what is wrong
        return 0


def _load_chunk(jobs: list[tuple[Path, Path | None, str]], options: dict) -> tuple[
        list[tuple[FileReport, InfoviewError | None]], pd.DataFrame | None]:
    """Each file's report and the error that stopped it (or None), and all their rows
    as one frame (None: no rows). Joined here, in a folder pool's worker: handing back
    and joining 200 small frames cost the loading process more than all its workers'
    joins."""
    outcomes, sheets = [], []
    for path, _, label in jobs:
        file_report = FileReport(label)
        try:
            sheets.extend(_plan_file(path, label, file_report, explicit=options["explicit"],
                                     sheet=options["sheet"]))
            outcomes.append((file_report, None))
        except InfoviewError as exc:
            outcomes.append((file_report, exc))
    return outcomes, _normalised(sheets, seeker=options["seeker"], cohort=options["cohort"])


def _normalised(sheets: list[tuple[FileReport, SheetReport, Segment]], *, seeker: str | None,
                cohort: str | None) -> pd.DataFrame | None:
    """The rows of *sheets*, normalised in :func:`batches` of sheets laid out alike, as
    one frame in the sheets' order (None: no sheets); each sheet's report filled in."""
    segments = [segment for _, _, segment in sheets]
    frames, results, order = [], [None] * len(sheets), []
    for group in batches(segments):
        frame, group_results = normalise_sheets([segments[k] for k in group], seeker=seeker,
                                                cohort=cohort)
        frames.append(frame)
        for k, result in zip(group, group_results, strict=True):
            results[k] = result
        order.extend(group)
    for (file_report, sheet_report, segment), result in zip(sheets, results, strict=True):
        sheet_report.rows_read = result.rows_read
        sheet_report.rows_loaded = result.rows_loaded
        sheet_report.rows_rejected = len(result.rejected)
        sheet_report.notes = result.notes
        file_report.rejected.extend(result.rejected)
        file_report.problems.extend(result.problems)
        raw = segment.raw
        file_report.problems.extend(_cell_problems(raw, raw.rows[segment.plan.header_row],
                                                   result.kept_rows))
    log = _joined(frames)
    if len(frames) < 2 or order == sorted(order):
        return log
    # the batches' rows back in the sheets' order
    loaded = np.array([results[k].rows_loaded for k in order])
    start_of = dict(zip(order, np.cumsum(loaded) - loaded, strict=True))
    rows = np.concatenate([np.arange(start_of[k], start_of[k] + results[k].rows_loaded)
                           for k in range(len(sheets))])
    return log.take(rows).reset_index(drop=True)


def _joined(frames: list[pd.DataFrame]) -> pd.DataFrame | None:
    """The frames one after another (None for none; one is itself)."""
    if len(frames) < 2:
        return frames[0] if frames else None
    return pd.concat(frames, ignore_index=True)


def _plan_file(path: Path, label: str, file_report: FileReport, *, explicit, sheet
               ) -> list[tuple[FileReport, SheetReport, Segment]]:
    """The log sheets of *path*, each with its report (filled in as its rows are
    normalised) and what normalising it takes; the other sheets' reports say why not."""
    sheets = read_file(path, sheet=sheet)
    found = [(raw, *find_header_row(raw.rows)) for raw in sheets]
    strict = len(sheets) > 1
    logs = [(raw, h, f) for raw, h, f in found if h is not None and is_log(f, strict=strict)]
    if explicit and not logs:  # the user says what the columns are: trust the first sheet
        logs = [(raw, h if h is not None else 0, f) for raw, h, f in found[:1] if raw.rows]
    if not logs:
        raise NoLogFoundError(_no_log_message(path, sheets, found))
    per_seeker = _sheet_per_seeker([raw for raw, _, _ in logs])
    planned = []
    for raw, h, _ in found:
        sheet_report = SheetReport(raw.sheet)
        file_report.sheets.append(sheet_report)
        if not any(raw is r for r, _, _ in logs):
            sheet_report.skipped = _skip_reason(raw, h)
            continue
        header = raw.rows[h]
        if explicit:
            validate_explicit(explicit, [str(c) for c in header if c is not None],
                              f"{raw.label}")
        plan = plan_columns(header, raw.rows[h + 1:], explicit=explicit)
        plan.header_row = h
        default_seeker = raw.sheet if per_seeker and raw.sheet else path.stem
        sheet_report.header_row = raw.first_row + h
        sheet_report.mapping = plan.mapping
        sheet_report.unmapped = plan.unmapped
        planned.append((file_report, sheet_report,
                        Segment(raw, plan, default_seeker=default_seeker, source_file=label)))
    return planned


def _cell_problems(raw: RawSheet, header: list, kept_rows: np.ndarray) -> list[dict]:
    """Cells the reader had to empty (spreadsheet errors such as #REF!) in rows that were kept."""
    if not raw.cell_problems:
        return []
    kept = set(kept_rows.tolist())
    out: list[dict] = []
    counts: dict[int, int] = {}
    for row, col, value, message in raw.cell_problems:
        if row not in kept:
            continue
        counts[col] = counts.get(col, 0) + 1
        if counts[col] > PROBLEMS_PER_KIND:
            continue
        name = header[col] if col < len(header) and header[col] is not None else None
        out.append({"sheet": raw.sheet, "row": row, "column": str(name) if name is not None
                    else f"column {col + 1}", "value": value, "message": message})
    for col, n in counts.items():
        if n > PROBLEMS_PER_KIND:
            name = header[col] if col < len(header) and header[col] is not None else col + 1
            out.append({"sheet": raw.sheet, "row": None, "column": str(name), "value": None,
                        "message": f"{n - PROBLEMS_PER_KIND} more spreadsheet errors in this "
                                   "column; left empty"})
    return out


def _sheet_per_seeker(log_sheets: list[RawSheet]) -> bool:
    """A workbook has one sheet per seeker when it has several log sheets, or one named oddly."""
    named = [r.sheet for r in log_sheets if r.sheet]
    if len(named) >= 2:
        return True
    if len(named) == 1:
        key = squash(named[0])
        return not any(key == g or key.startswith(g + " ") or key.endswith(" " + g)
                       or key.rstrip("0123456789 ") == g for g in _GENERIC_SHEET)
    return False


def _skip_reason(raw: RawSheet, h: int | None) -> str:
    if not raw.rows:
        return "empty sheet"
    if h is None:
        return "not an outreach log (no header row with outreach columns; notes or a dashboard?)"
    return "not an outreach log (too few outreach columns; notes or a dashboard?)"


def _no_log_message(path: Path, sheets: list[RawSheet], found) -> str:
    if all(not raw.rows for raw in sheets):
        return f"{path}: the file has no data (empty sheet). Check that the right file was sent."
    raw, h, _ = max(found, key=lambda t: len(t[0].rows))
    row = raw.rows[h or 0]
    headers = [str(c).strip() for c in row if c is not None and str(c).strip()][:12]
    names = sorted({a for aliases in FIELD_ALIASES.values() for a in aliases})
    hints = []
    for hd in headers[:6]:
        close = difflib.get_close_matches(squash(hd), names, n=1, cutoff=0.75)
        if close:
            alias = close[0]
            target = next(FIELD_TARGETS[f] for f, a in FIELD_ALIASES.items() if alias in a)
            hints.append(f"'{hd}' ~ {target}")
    hint = f" Closest canonical names: {', '.join(hints)}." if hints else ""
    return (
        f"{path}: no outreach columns found (no company, contact, date or status header). "
        f"Headers seen: {', '.join(repr(x) for x in headers) or 'none'}.{hint} "
        "Pass a mapping (--mapping FILE) to say which column is which."
    )


def _finish(log: pd.DataFrame) -> pd.DataFrame:
    """Cross-file rules: one spelling per company and industry."""
    for name in ("company", "industry"):
        if name in log:
            values = log[name]
            spelled = _first_spelling(values)
            if name == "company" and isinstance(spelled.dtype, pd.CategoricalDtype):
                spelled = spelled.astype(STRING)  # (coded only for the rule)
            if spelled is not values:  # (the usual industry: as it came)
                log[name] = spelled
    return conform(log)  # canonical columns in order, then the extras as they come


def _first_spelling(values: pd.Series) -> pd.Series:
    """Case- and space-insensitive variants take the first spelling seen.

    Text in, text out; a categorical of text (as one sheet's values come) gives a
    categorical of the spellings.
    """
    # Distinct values in order of first appearance: the first row of a key holds the
    # first of its spellings among them, so the rule is decided per distinct value,
    # and the rows only look their key's spelling up.
    coded = isinstance(values.dtype, pd.CategoricalDtype) and \
        values.cat.categories.dtype == STRING
    if coded:
        written = values.cat.categories.to_numpy(dtype=object)
        tidy = np.array([" ".join(v.split()) for v in written], dtype=object)
        if (tidy == written).all() and len({t.casefold() for t in tidy}) == len(tidy):
            return values  # the usual case: no two spellings of one name, none to tidy
        codes = values.cat.codes.to_numpy()
        order = pd.unique(codes[codes >= 0])  # categories in order of first appearance
        codes, text = in_order(codes, order, len(written)), tidy[order]
    else:
        codes, uniques = pd.factorize(values.astype(STRING), use_na_sentinel=True)
        text = np.array([" ".join(v.split()) for v in uniques], dtype=object)
    key_of, _ = pd.factorize(np.array([t.casefold() for t in text], dtype=object))
    _, first = np.unique(key_of, return_index=True)
    keys = per_row(np.append(key_of, -1), codes)  # per row; -1 where missing
    if coded:
        return pd.Series(text_categorical(keys, text[first]), index=values.index, copy=False)
    spelling = pd.array(text[first], dtype=STRING)
    return pd.Series(spelling.take(keys, allow_fill=True), index=values.index, copy=False)
