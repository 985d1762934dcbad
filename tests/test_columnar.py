"""Big .xlsx sheets read column-wise must load exactly as when read cell by cell.

Each check loads a workbook twice: through the column-wise reader (its size
threshold lowered so small fixtures take it) and cell by cell, then compares the
canonical table and the whole load report.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import resource
import signal
import tempfile
import time
import types
import warnings
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infoview_analytics import columnar, read
from infoview_analytics.errors import InfoviewError, LoadWarning, ResourceLimitError
from infoview_analytics.load import load_log_with_report
from infoview_analytics.rows import ColumnRows, Rows
from tests.test_fuzz import SETTINGS, _cell, _examples, _parts, _zip, mutated, mutated_part

HEADER = ["Company", "Contact", "Date contacted", "Responded?", "Follow-ups", "Status", "Notes",
          "Response date"]


def _lead(i: int) -> list[object]:
    day = dt.datetime(2024, 1, 1) + dt.timedelta(days=i % 300)
    return [f"Co {i % 37}", f"Person {i % 91}" if i % 7 else None, day,
            ["Yes", "No", "yes", None][i % 4], i % 4, ["Applied", "Interview", "Offer"][i % 3],
            f"note {i % 13}" if i % 3 else "  ", day + dt.timedelta(days=3) if i % 2 else None]


def _leads(n: int, extra=None) -> list[list[object]]:
    return [HEADER + ([extra[0]] if extra else [])] + [
        _lead(i) + ([extra[1](i)] if extra else []) for i in range(n)]


def _save(path, rows, *, first_row: int = 1, first_col: int = 1):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Log"
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is not None:
                ws.cell(row=first_row + i, column=first_col + j, value=value)
    wb.save(path)
    return path


def _with_title(n):
    return [["My search 2024"], [None], ["updated", dt.datetime(2025, 1, 2)]] + _leads(n)


def _with_totals(n):
    return _leads(n) + [[None] * 8] * 3 + [["Total", None, None, None, 123]]


def _with_gaps(n):
    rows = _leads(n)
    for row in rows[100:110]:
        row[2] = None
    rows[150] = [None] * 8
    return rows


def _repeated_header(n):
    rows = _leads(n)
    rows[200] = HEADER[:]  # text in the date and number columns
    return rows


def _late_header(n):
    return [[f"export line {k}"] for k in range(25)] + _leads(n)


def _mixed_counts(n, at=250):
    rows = _leads(n)
    rows[at][4] = "two"  # text in a column of numbers
    return rows


# name -> (rows, taken column-wise?)
FIXTURES = {
    "plain": (lambda: _leads(300), True),
    "title rows": (lambda: _with_title(300), True),
    "totals and trailing blanks": (lambda: _with_totals(300), True),
    "gaps": (lambda: _with_gaps(300), True),
    "a repeated header": (lambda: _repeated_header(300), False),
    "header below the first rows": (lambda: _late_header(200), True),
    "dates with times": (lambda: _leads(300, ("When", lambda i: dt.datetime(2024, 3, 1, 10, 30)
                                              if i % 2 else dt.datetime(2024, 3, 2))), True),
    "fractions": (lambda: _leads(300, ("Score", lambda i: i * 0.1)), True),
    "empty text cells": (lambda: _leads(300, ("Empty", lambda i: "")), True),
    "text among numbers": (lambda: _mixed_counts(300), False),
    # past the 1,000 rows fastexcel samples by default, where it would empty the cell
    "text among numbers far down": (lambda: _mixed_counts(1500, at=1400), False),
    "yes/no among numbers": (lambda: _leads(300, ("Flag", lambda i: True if i % 2 else 1.0)),
                             False),
    "times of day": (lambda: _leads(300, ("Time", lambda i: dt.time(10, i % 60))), False),
}


def _header_at(rows) -> int:
    return next(i for i, row in enumerate(rows) if row[: len(HEADER)] == HEADER)


@pytest.fixture(params=["in this process", "in a forked process"])
def column_wise(request, monkeypatch):
    """Every sheet with more rows than its head is offered to the column-wise reader,
    which parses it here or, as big sheets are, in a forked process beside the scan
    (:class:`columnar.Tails`); returns the list of (file, taken) it was asked about."""
    monkeypatch.setattr(columnar, "MIN_ROWS", 0)
    forked = request.param == "in a forked process"
    if forked:
        monkeypatch.setattr(columnar, "PARALLEL_BYTES", 0)
        monkeypatch.setattr(columnar, "usable_cores", lambda: 2)
    asked = []
    read_sheet = columnar.read_sheet

    def spy(path, sheet, part, head_xml, worksheets, tails=None):
        # every sheet is in the fork's hands, or none
        assert (tails is not None and sheet in tails) == forked
        rows = read_sheet(path, sheet, part, head_xml, worksheets, tails)
        asked.append((path.name, rows is not None))
        return rows

    monkeypatch.setattr(columnar, "read_sheet", spy)
    return asked


def _cell_by_cell(read_or_load, path):
    saved = columnar.MIN_ROWS
    columnar.MIN_ROWS = 10**12  # no sheet or table is big enough for the column-wise path
    try:
        return read_or_load(path)
    finally:
        columnar.MIN_ROWS = saved


def _assert_same(path):
    """The same cells (each of the same type), the same table and the same report."""
    sheets, expected_sheets = read.read_file(path), _cell_by_cell(read.read_file, path)
    assert [(s.sheet, s.rows.tolist()) for s in sheets] == [
        (s.sheet, s.rows.tolist()) for s in expected_sheets]
    for got, want in zip(sheets, expected_sheets, strict=True):
        assert [[type(v) for v in row] for row in got.rows] == [
            [type(v) for v in row] for row in want.rows]  # a date stays a date
    log, report = load_log_with_report(path)
    expected_log, expected_report = _cell_by_cell(load_log_with_report, path)
    pd.testing.assert_frame_equal(log, expected_log)
    assert report.to_dict() == expected_report.to_dict()
    return log, report


@pytest.mark.parametrize("head_rows", [1, 3, columnar.HEAD_ROWS])
@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_loads_as_cell_by_cell(tmp_path, column_wise, monkeypatch, name, head_rows):
    monkeypatch.setattr(columnar, "HEAD_ROWS", head_rows)
    make, taken = FIXTURES[name]
    rows = make()
    path = _save(tmp_path / "log.xlsx", rows)
    log, _ = _assert_same(path)
    if len(rows) > head_rows:  # a header below the head puts its text in the columns
        assert set(column_wise) == {("log.xlsx", taken and _header_at(rows) < head_rows)}
    assert len(log) > 100


def test_cells_not_starting_at_a1_are_read_cell_by_cell(tmp_path, column_wise):
    path = _save(tmp_path / "log.xlsx", _leads(300), first_row=3, first_col=2)
    _assert_same(path)
    assert set(column_wise) == {("log.xlsx", False)}


def test_a_sheet_per_seeker_and_an_unrelated_sheet(tmp_path, column_wise):
    wb = openpyxl.Workbook()
    for k, name in enumerate(["Ana", "Ben"]):
        ws = wb.active if k == 0 else wb.create_sheet()
        ws.title = name
        for row in _leads(200 + 50 * k):
            ws.append(row)
    wb.create_sheet("Notes").append(["Remember to follow up"])
    path = tmp_path / "cohort.xlsx"
    wb.save(path)
    log, _ = _assert_same(path)
    assert column_wise == [("cohort.xlsx", True)] * 4  # read, then loaded; Notes is one row
    assert sorted(log["seeker"].unique()) == ["Ana", "Ben"]


def test_a_big_sheet_is_read_column_wise_by_default(tmp_path, monkeypatch):
    asked = []
    read_sheet = columnar.read_sheet
    monkeypatch.setattr(columnar, "read_sheet",
                        lambda *a, **k: asked.append(1) or read_sheet(*a, **k))
    path = _save(tmp_path / "big.xlsx", _leads(columnar.MIN_ROWS + 10))
    sheets = read.read_file(path)
    assert isinstance(sheets[0].rows, ColumnRows) and asked == [1]
    assert len(sheets[0].rows) == columnar.MIN_ROWS + 11
    _assert_same(path)
    assert len(asked) == 3


def _forked_children() -> list[int]:
    return [int(pid) for task in Path("/proc/self/task").iterdir()
            for pid in (task / "children").read_text().split()]


def _record_forks(monkeypatch, events: list[str] | None = None) -> list[int]:
    """The pid of each parse :class:`columnar.Tails` forks, in order (and "fork" in
    *events*)."""
    pids: list[int] = []
    start = columnar.Tails.start

    def spy(path, sheets):
        tails = start(path, sheets)
        pids.append(tails._pid if tails else None)
        if events is not None:
            events.append("fork")
        return tails

    monkeypatch.setattr(columnar.Tails, "start", spy)
    return pids


def test_a_big_sheet_is_parsed_in_a_fork_beside_the_scan(tmp_path, monkeypatch):
    monkeypatch.setattr(columnar, "usable_cores", lambda: 2)
    rows = _leads(6_500)
    path = _save(tmp_path / "big.xlsx", rows)
    with zipfile.ZipFile(path) as zf:  # the default threshold, not one lowered for the test
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size >= columnar.PARALLEL_BYTES
    events = []
    scan, take = read._scan_zip, columnar.Tails.take
    monkeypatch.setattr(read, "_scan_zip", lambda *a: events.append("scan") or scan(*a))
    monkeypatch.setattr(columnar.Tails, "take",
                        lambda self, sheet: events.append("take") or take(self, sheet))
    pids = _record_forks(monkeypatch, events)
    sheets = read.read_file(path)
    assert pids and pids[0] and events == ["fork", "scan", "take"]
    assert isinstance(sheets[0].rows, ColumnRows) and len(sheets[0].rows) == len(rows)
    assert not Path(f"/proc/{pids[0]}").exists()  # reaped
    _assert_same(path)


def test_a_refused_workbook_stops_its_parse(tmp_path, monkeypatch):
    """The scan refuses a cell far out (calamine would allocate the rectangle up to it):
    the fork parsing the sheet meanwhile is killed, not left running."""
    monkeypatch.setattr(columnar, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(columnar, "usable_cores", lambda: 2)
    monkeypatch.setattr(columnar, "_read_tail", lambda path, sheet: time.sleep(600))
    path = _save(tmp_path / "log.xlsx", _leads(300))
    _rewrite_sheet(path, lambda xml: xml.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'))
    pids = _record_forks(monkeypatch)
    with pytest.raises(ResourceLimitError, match="used area spans 1,048,576 rows"):
        read.read_file(path)
    assert pids and pids[0] and not Path(f"/proc/{pids[0]}").exists()
    assert _forked_children() == []


@pytest.mark.parametrize("failure", ["raises", "exits", "is killed"])
def test_a_parse_failing_in_its_fork_falls_back_to_cell_by_cell(tmp_path, monkeypatch, failure):
    monkeypatch.setattr(columnar, "MIN_ROWS", 0)
    monkeypatch.setattr(columnar, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(columnar, "usable_cores", lambda: 2)

    def fail(path, sheet):  # runs in the forked process
        if failure == "exits":
            os._exit(0)  # without writing its result
        if failure == "is killed":
            os.kill(os.getpid(), signal.SIGKILL)
        raise RuntimeError("boom")

    monkeypatch.setattr(columnar, "_read_tail", fail)
    path = _save(tmp_path / "log.xlsx", _with_title(300))
    pids = _record_forks(monkeypatch)
    sheets = read.read_file(path)
    assert pids and pids[0]
    assert not isinstance(sheets[0].rows, ColumnRows)
    assert sheets[0].rows.tolist() == _cell_by_cell(read.read_file, path)[0].rows.tolist()


def test_the_fork_is_expendable_and_quiet(tmp_path, monkeypatch, capfd):
    """Before parsing a file the scan has not cleared, the child makes itself the first
    process the kernel ends for memory, caps its address space at the machine's memory
    and silences its stderr (calamine prints panics there); this process is unchanged."""
    monkeypatch.setattr(columnar, "usable_cores", lambda: 2)

    def probe(path, sheet):  # runs in the forked process
        os.write(2, b"thread panicked: memory allocation failed\n")
        return (Path("/proc/self/oom_score_adj").read_text().strip(),
                resource.getrlimit(resource.RLIMIT_AS)[0])

    monkeypatch.setattr(columnar, "_read_tail", probe)
    limit_here = resource.getrlimit(resource.RLIMIT_AS)
    adj_here = Path("/proc/self/oom_score_adj").read_text()
    tails = columnar.Tails.start(_save(tmp_path / "log.xlsx", _leads(20)), ["Log"])
    adj, limit = tails.take("Log")
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert adj == "1000"
    assert limit != resource.RLIM_INFINITY and physical <= limit < 4 * physical
    assert capfd.readouterr().err == ""
    assert resource.getrlimit(resource.RLIMIT_AS) == limit_here
    assert Path("/proc/self/oom_score_adj").read_text() == adj_here


def test_the_fork_works_inside_a_jupyter_kernel(tmp_path):
    """A kernel runs threads (its message loops) when the loader forks; the parse must
    still come back, the same, and leave no process behind."""
    import nbformat

    from infoview_analytics.report import run_notebook

    path = _save(tmp_path / "log.xlsx", _with_title(300))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(f"""
import threading
from pathlib import Path
from infoview_analytics import columnar
from infoview_analytics.load import load_log_with_report
columnar.MIN_ROWS, columnar.PARALLEL_BYTES = 0, 0
columnar.usable_cores = lambda: 2
taken, take = [], columnar.Tails.take
columnar.Tails.take = lambda self, sheet: taken.append(take(self, sheet)) or taken[-1]
log, report = load_log_with_report({str(path)!r})
assert threading.active_count() > 1  # the kernel's own threads
assert taken and all(t is not None for t in taken), taken  # parsed in the fork, used
tasks = Path("/proc/self/task").iterdir()
assert not [c for t in tasks for c in (t / "children").read_text().split()]
log.to_pickle({str(tmp_path / "kernel.pkl")!r})
""")]
    notebook = tmp_path / "fork.ipynb"
    nbformat.write(nb, notebook)
    run_notebook(notebook, cwd=tmp_path, timeout=120)
    expected, _ = _cell_by_cell(load_log_with_report, path)
    pd.testing.assert_frame_equal(pd.read_pickle(tmp_path / "kernel.pkl"), expected)


def test_no_fork_inside_a_pool_worker_or_on_one_core(tmp_path, monkeypatch):
    path = _save(tmp_path / "log.xlsx", _leads(50))
    monkeypatch.setattr(columnar, "usable_cores", lambda: 1)
    assert columnar.Tails.start(path, ["Log"]) is None
    monkeypatch.setattr(columnar, "usable_cores", lambda: 2)
    monkeypatch.setattr(columnar.multiprocessing, "current_process",
                        lambda: types.SimpleNamespace(daemon=True))
    assert columnar.Tails.start(path, ["Log"]) is None
    assert _forked_children() == []


def test_realworld_workbooks_load_as_cell_by_cell(realworld, column_wise, monkeypatch):
    monkeypatch.setattr(columnar, "HEAD_ROWS", 3)  # they are short: most rows in the tail
    books = sorted(p for p in realworld.rglob("*.xlsx"))
    assert books
    for path in books:
        _assert_same(path)
    assert any(taken for _, taken in column_wise)


def _rewrite_sheet(path, change):
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    parts["xl/worksheets/sheet1.xml"] = change(parts["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(path, "w") as out:
        for name, data in parts.items():
            out.writestr(name, data)


def test_rows_out_of_order_are_read_cell_by_cell(tmp_path, column_wise):
    """A row tag numbered below one before it would be skipped by the column-wise tail."""
    path = _save(tmp_path / "log.xlsx", _leads(300))

    def swap(xml: bytes) -> bytes:  # rows 2 and 250 trade places in the file
        start2, start3 = xml.index(b'<row r="2"'), xml.index(b'<row r="3"')
        start250, start251 = xml.index(b'<row r="250"'), xml.index(b'<row r="251"')
        return (xml[:start2] + xml[start250:start251] + xml[start3:start250]
                + xml[start2:start3] + xml[start251:])

    _rewrite_sheet(path, swap)
    assert read._scan_zip(path).parts["xl/worksheets/sheet1.xml"].head is None
    log, _ = _assert_same(path)
    assert column_wise == []  # not even offered
    assert len(log) == 300


@pytest.mark.parametrize("late", [b'<c r="H5" t="inlineStr"><is><t>late note</t></is></c>',
                                  b'<c r="I64" t="inlineStr"><is><t>late note</t></is></c>'])
@pytest.mark.parametrize("leads, after", [(300, 250), (4000, 3900)],
                         ids=["in the head's chunk", "megabytes later"])
def test_a_cell_of_the_head_rows_written_later_is_read_cell_by_cell(
        tmp_path, column_wise, monkeypatch, late, leads, after):
    """calamine places a cell by its reference: one in the head's rows but written among
    later rows would be missed by both halves of the column-wise read."""
    monkeypatch.setattr(columnar, "HEAD_ROWS", 64)
    path = _save(tmp_path / "log.xlsx", _leads(leads))
    _rewrite_sheet(path, lambda xml: xml.replace(b'</row><row r="%d"' % (after + 1),
                                                 late + b'</row><row r="%d"' % (after + 1), 1))
    log, report = _assert_same(path)
    assert column_wise == []
    cells = {str(v) for column in log.columns for v in log[column].dropna()}
    assert "late note" in cells | {p["value"] for p in report.files[0].problems}


def test_error_cells_are_read_cell_by_cell(tmp_path, column_wise):
    """An error cell (#N/A) reads as empty with a problem noted, not as its text."""
    path = _save(tmp_path / "log.xlsx", _leads(300))
    _rewrite_sheet(path, lambda xml: re.sub(
        rb'<c r="G250"[^>]*>.*?</c>', b'<c r="G250" t="e"><v>#N/A</v></c>', xml, count=1))
    log, report = _assert_same(path)
    assert column_wise == []
    assert [p["row"] for p in report.files[0].problems if "#N/A" in p["message"]] == [250]


def test_row_tags_without_numbers_are_read_cell_by_cell(tmp_path):
    path = _save(tmp_path / "log.xlsx", _leads(300))
    _rewrite_sheet(path, lambda xml: xml.replace(b'<row r="120"', b"<row", 1))
    assert read._scan_zip(path).parts["xl/worksheets/sheet1.xml"].head is None


def test_column_rows_behave_like_rows():
    grid = np.array([["a", None, 1.0], ["b", "x", None], ["a", "y", 2.0], [None, "x", 1.0]],
                    dtype=object)
    codes, uniques = [], []
    for j in range(grid.shape[1]):
        c, u = pd.factorize(grid[:, j], use_na_sentinel=True)
        codes.append(c)
        uniques.append(np.asarray(u, dtype=object))
    columns = ColumnRows(codes, uniques, len(grid))
    rows = Rows(grid)
    assert columns == rows and len(columns) == 4 and columns.width == 3
    assert columns[1] == rows[1] and columns[-1] == rows[-1]
    assert columns[1:] == rows[1:] and columns[::2] == rows[::2]
    assert list(columns[:2]) == [["a", None, 1.0], ["b", "x", None]]
    with pytest.raises(IndexError):
        columns[4]
    for start in range(4):  # a slice keeps only its own values, in order of appearance
        for j in range(3):
            got_codes, got_uniques, _ = columns[start:].coded_column(j)
            want_codes, want_uniques, _ = rows[start:].coded_column(j)
            assert got_codes.tolist() == want_codes.tolist()
            assert got_uniques.tolist() == want_uniques.tolist()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["a", "b", "c", "Company", 1.0, None]),
                         min_size=2, max_size=2), min_size=1, max_size=40),
       st.integers(0, 45), st.integers(0, 5), st.sampled_from(["a", "Company", 1.0, None]),
       st.integers(0, 3))
def test_slices_of_ordered_columns_are_coded_as_factorize_codes_them(cells, start, again,
                                                                     dropped, top):
    """Columns whose codes follow first appearance (the column-wise reader's) renumber a
    slice without hashing it; the result must be factorize's, also where a value above
    the slice (a title, the header) turns up in it again, and after slicing twice.
    Some uniques are used by no cell, as where the reader empties blank text; with none
    dropped, the columns are declared dense (every unique used), as Arrow's parse gives
    them, and are renumbered without counting. The first *top* rows may be held apart
    as cells (a text table's first record), the codes being those of the rows under."""
    grid = np.array(cells, dtype=object)
    top = min(top, len(grid))
    codes, uniques = [], []
    for j in range(grid.shape[1]):
        c, u = pd.factorize(grid[top:, j], use_na_sentinel=True)
        u = np.asarray(u, dtype=object)
        gone = np.flatnonzero([v == dropped and type(v) is type(dropped) for v in u])
        c[np.isin(c, gone)] = -1  # the unique stays, no cell uses it
        codes.append(c)
        uniques.append(u)
    grid[np.vectorize(lambda v: v == dropped and type(v) is type(dropped), otypes=[bool])(
        grid)] = None
    columns = ColumnRows(codes, uniques, len(grid) - top, ordered=True,
                         dense=[dropped is None] * 2, head=grid[:top].copy())
    rows = Rows(grid)
    assert columns == rows and len(columns) == len(rows)
    assert columns[start % len(grid)] == rows[start % len(grid)] and columns[-1] == rows[-1]
    assert columns[::2] == rows[::2] and columns[::-1] == rows[::-1]
    for j in range(2):
        assert columns.column(j).tolist() == rows.column(j).tolist()
    for got, want in ((columns[start:], rows[start:]),
                      (columns[start:][again:], rows[start:][again:]),
                      (columns[:start], rows[:start]),
                      (columns, rows), (columns[again:start], rows[again:start])):
        assert got == want and len(got) == len(want)
        for j in range(2):
            got_codes, got_uniques, _ = got.coded_column(j)
            want_codes, want_uniques, _ = want.coded_column(j)
            assert got_codes.tolist() == want_codes.tolist()
            assert got_uniques.tolist() == want_uniques.tolist()


def test_the_rows_under_a_header_are_coded_without_hashing_them(tmp_path, monkeypatch):
    """A big sheet's rows under its header are renumbered from the column-wise read's
    order of first appearance: no factorize of a million codes per column."""
    path = _save(tmp_path / "log.xlsx", _leads(columnar.MIN_ROWS + 500))
    rows = read.read_file(path)[0].rows
    assert isinstance(rows, ColumnRows)
    want = [Rows(rows.array)[1:].coded_column(j) for j in range(rows.width)]  # hashed

    def refuse(*args, **kwargs):
        raise AssertionError("factorized")

    monkeypatch.setattr("infoview_analytics.rows.pd.factorize", refuse)
    for j, (codes, uniques, _) in enumerate(want):
        got_codes, got_uniques, _ = rows[1:].coded_column(j)
        assert got_codes.tolist() == codes.tolist()
        assert got_uniques.tolist() == uniques.tolist()
        # the header row is held apart, so the rows under it are coded as read: no
        # renumbering makes a new array each time they are asked for
        assert np.shares_memory(rows[1:].coded_column(j)[0], got_codes)


@pytest.mark.parametrize("limit", [1, 7, 500])
def test_leading_column_values_read_in_windows_are_the_column_s_first(limit):
    """The column planner looks at a column's first non-blank cells; it reads big
    sheets in growing windows, which must give the same cells as the whole column."""
    from infoview_analytics.mapping import _column_values

    n = 9_000
    grid = np.full((n, 2), None, dtype=object)
    grid[::7, 0] = [f"v{i % 50}" for i in range(len(grid[::7, 0]))]
    grid[3::11, 0] = "   "  # blank text is not a value
    grid[n - 3, 1] = "late"  # the only value, in the last window
    codes, uniques = zip(*(pd.factorize(grid[:, j], use_na_sentinel=True) for j in range(2)),
                         strict=True)
    columns = ColumnRows(list(codes), [np.asarray(u, dtype=object) for u in uniques], n)
    for rows in (Rows(grid), columns, columns[5:]):
        for j in range(2):
            whole = [v for v in rows.column(j) if v is not None and str(v).strip()][:limit]
            assert _column_values(rows, j, limit) == whole
    assert _column_values(columns, 1, limit) == ["late"]
    assert _column_values(columns, 5, limit) == []


def _csv_lines(n: int) -> list[str]:
    lines = ["Company,Contact,Date contacted,Responded?,Follow-ups,Status,Notes"]
    for i in range(n):
        lines.append(f"Co {i % 37},Person {i % 91},2024-{1 + i % 12:02d}-{1 + i % 28:02d},"
                     f"{['Yes', 'No', ''][i % 3]},{i % 4},{['Applied', 'Offer'][i % 2]},"
                     f"note {i % 13}")
    return lines


def _with(lines, changes):
    lines = list(lines)
    for i, line in changes.items():
        lines[i] = line
    return lines


CSV_FIXTURES = {  # name -> (text, taken column-wise?)
    "plain": ("\n".join(_csv_lines(200)) + "\n", True),
    "crlf": ("\r\n".join(_csv_lines(200)) + "\r\n", True),
    "carriage returns only": ("\r".join(_csv_lines(200)), True),
    "semicolons": ("\n".join(line.replace(",", ";") for line in _csv_lines(200)), True),
    "quoting": ("\n".join(_with(_csv_lines(200), {
        5: 'Co 5,"Smith, Jo",2024-01-05,Yes,1,Applied,"said ""call me""\nnext week"',
        6: 'Co 6,"",2024-01-06,No,0,Applied,"  "',
        7: 'Co 7,Ann,2024-01-07,No,0,Applied,ab"c',
        8: 'Co 8,"Bo"b,2024-01-08,No,0,Applied,x',
        9: 'Co 9,Cy,2024-01-09,No,0,Applied,"a\r\nb"'})), True),
    "whitespace and errors": ("\n".join(_with(_csv_lines(200), {
        10: "Co 10,   ,2024-01-10,No,#N/A,Applied,\t",
        11: "Co 11,#REF!,2024-01-11, #VALUE! ,0,Applied,ok",
        199: "Co 199,Di,2024-01-12,No,0,Applied,#DIV/0!"})), True),
    "leading blank lines": ("\n\n\r\n" + "\n".join(_csv_lines(200)), True),
    "trailing delimiters": ("\n".join(line + "," for line in _csv_lines(200)), True),
    "unicode": ("\n".join(_with(_csv_lines(200), {3: "Café Zoë,Renée,2024-01-03,Oui,1,Applied,—"})),
                True),
    "a blank line inside": ("\n".join(_with(_csv_lines(200), {50: ""})), True),
    "a short row": ("\n".join(_with(_csv_lines(200), {50: "Co 50,Ed"})), False),
    "a long row": ("\n".join(_with(_csv_lines(200), {50: "Co 50,Ed,2024-01-01,No,0,A,n,extra"})),
                   False),
    "blank lines at the end": ("\n".join(_csv_lines(200)) + "\n\n\n", True),
    "a first record over a megabyte": (
        '"' + "x" * (1 << 20) + '",,,,,,\n' + "\n".join(_csv_lines(200)), False),
    "an open quote": ("\n".join(_with(_csv_lines(200), {60: 'Co 60,"Ed,2024-01-01,No,0,A,n'})),
                      False),
    "a byte order mark": ("\ufeff" + "\n".join(_csv_lines(200)), True),
    "a byte order mark after blank lines": ("\n\n\ufeff" + "\n".join(_csv_lines(200)), False),
}


def _spy_split_text(monkeypatch) -> list[tuple[bool, bool]]:
    """(split?, from the bytes?) for each table offered to :func:`columnar.split_text`."""
    asked = []
    split_text = columnar.split_text

    def spy(body, *args):
        columns = split_text(body, *args)
        asked.append((columns is not None, not isinstance(body, str)))
        return columns

    monkeypatch.setattr(columnar, "split_text", spy)
    return asked


@pytest.mark.parametrize("source", ["text", "bytes"])
@pytest.mark.parametrize("name", sorted(CSV_FIXTURES))
def test_text_tables_split_as_cell_by_cell(tmp_path, monkeypatch, name, source):
    """Split column-wise from the decoded text, or from the UTF-8 bytes where the file
    qualifies (no BOM: the text path drops it), the same cells as cell by cell."""
    monkeypatch.setattr(columnar, "MIN_ROWS", 0)
    monkeypatch.setattr(read, "BYTES_PATH_MIN", 0 if source == "bytes" else 10**12)
    asked = _spy_split_text(monkeypatch)
    text, taken = CSV_FIXTURES[name]
    path = tmp_path / "log.csv"
    path.write_bytes(text.encode("utf-8"))
    _assert_same(path)
    assert {split for split, _ in asked} <= {taken} and (asked or not taken)  # a bad start
    # may end it earlier
    if source == "bytes" and taken and "\ufeff" not in text:
        assert asked[-1] == (True, True)
    if source == "text":
        assert not any(from_bytes for _, from_bytes in asked)
    sheet = read.read_file(path)[0]
    assert isinstance(sheet.rows, ColumnRows) == taken


@pytest.mark.parametrize("at", [None, 0, (1 << 20) - 1, 1 << 20, 3 * (1 << 20) - 1])
@pytest.mark.parametrize("byte", [ord('"'), 0])
def test_a_byte_is_found_anywhere_in_a_buffer(at, byte):
    """A big table's bytes are searched in Arrow's buffer in place (a NUL sends the
    table to the text path; a quote tells Arrow a value may hold a line end)."""
    import pyarrow as pa

    other = 0 if byte else ord('"')
    data = bytearray(b"a,b\n" * (3 * (1 << 20) // 4))
    if at is not None:
        data[at] = byte
    for held in (bytes(data), pa.py_buffer(bytes(data))):
        assert columnar.holds_byte(held, byte) == (at is not None)
        assert not columnar.holds_byte(held, other)


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_a_big_utf8_table_is_split_from_its_bytes(tmp_path, monkeypatch, newline):
    """Many blocks for Arrow, and no quotes: it may cut the text at any line end."""
    asked = _spy_split_text(monkeypatch)
    lines = _with(_csv_lines(30_000), {9: "Co 9,Zoë Café,2024-01-09,#N/A,  ,Applied,—"})
    path = tmp_path / "log.csv"
    path.write_bytes(("\r\n\n" + newline.join(lines)).encode("utf-8"))
    assert path.stat().st_size > read.BYTES_PATH_MIN
    log, report = _assert_same(path)
    asked.clear()
    sheet = read.read_file(path)[0]
    assert asked == [(True, True)]
    assert sheet.notes == ["encoding utf-8", "delimiter ','"]
    assert sheet.rows[2][:2] == ["Company", "Contact"] and sheet.rows[11][1] == "Zoë Café"
    assert [p["column"] for p in report.to_dict()["files"][0]["problems"]] == ["Responded?"]
    assert len(log) == 30_000
    # the rows under the header coded as hashing their cells codes them, though the
    # blank and #N/A cells emptied leave values no cell uses
    hashed = Rows(sheet.rows.array)
    for j in range(sheet.rows.width):
        got_codes, got_uniques, _ = sheet.rows[3:].coded_column(j)
        want_codes, want_uniques, _ = hashed[3:].coded_column(j)
        assert got_codes.tolist() == want_codes.tolist()
        assert got_uniques.tolist() == want_uniques.tolist()
        # the header row was read apart, so a column with nothing emptied is Arrow's own
        # codes as they are: no renumbering copied them
        assert got_codes.flags.writeable == (j in (3, 4))  # (Zoë's row: #N/A, blank)


@pytest.mark.parametrize("damage", ["cp1252", "a stray byte deep down", "NUL bytes"])
def test_a_big_table_that_is_not_plain_utf8_is_decoded_first(tmp_path, monkeypatch, damage):
    """Arrow refuses text that is not UTF-8 (or would hold a NUL): the text path decodes
    it as before, and reads what it can."""
    asked = _spy_split_text(monkeypatch)
    lines = _csv_lines(30_000)
    data = "\n".join(_with(lines, {9: "Co 9,Zoë Café,2024-01-09,Yes,0,Applied,x"})).encode(
        "cp1252" if damage == "cp1252" else "utf-8")
    if damage == "a stray byte deep down":
        data = data[:-2] + b"\xff" + data[-2:]  # in the last note
    if damage == "NUL bytes":
        data = data.replace(b"note 5", b"note\x00 5")
    path = tmp_path / "log.csv"
    path.write_bytes(data)
    log, _ = _assert_same(path)
    asked.clear()
    sheet = read.read_file(path)[0]
    assert asked[-1] == (True, False)  # split from the decoded text
    assert not any(from_bytes and split for split, from_bytes in asked)
    # the bytes are not parsed at all where their first characters are not UTF-8
    assert any(from_bytes for _, from_bytes in asked) == (damage == "a stray byte deep down")
    assert sheet.notes[0] == ("encoding cp1252" if damage != "NUL bytes" else "encoding utf-8")
    if damage == "cp1252":
        assert sheet.rows[9][1] == "Zoë Café"
    assert len(log) == 30_000


# ---------------------------------------------------------------------------
# Fuzzing: damaged workbooks and random text tables load alike both ways.
# ---------------------------------------------------------------------------
def _outcome(path) -> tuple:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LoadWarning)
            log, report = load_log_with_report(path)
    except InfoviewError as exc:
        return ("error", type(exc).__name__, str(exc))
    return ("loaded", log, report.to_dict())


def _assert_alike(data: bytes, suffix: str, head_rows: int, forked: bool = False,
                  from_bytes: bool = False) -> None:
    """Loaded column-wise (a text table split from its bytes where *from_bytes*) and cell
    by cell: the same log and report, or the same error."""
    saved = columnar.MIN_ROWS, columnar.HEAD_ROWS, columnar.PARALLEL_BYTES, read.BYTES_PATH_MIN
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(data)
        columnar.MIN_ROWS, columnar.HEAD_ROWS = 0, head_rows
        columnar.PARALLEL_BYTES = 0 if forked else 10**12
        read.BYTES_PATH_MIN = 0 if from_bytes else 10**12
        try:
            column_wise = _outcome(path)
        finally:
            (columnar.MIN_ROWS, columnar.HEAD_ROWS, columnar.PARALLEL_BYTES,
             read.BYTES_PATH_MIN) = saved
        cell_by_cell = _cell_by_cell(_outcome, path)
    if column_wise[0] == "loaded" and cell_by_cell[0] == "error":
        # Known and accepted: python-calamine checks the sheet's XML to its last tag and
        # refuses a stray close tag (or a tag left open) as damaged; fastexcel stops at
        # the end of the sheet's data and reads it (the same with python-calamine 0.9.0,
        # which bundles fastexcel's calamine). The column-wise read then loads the
        # sheet, and its report must still account for every row.
        assert "cannot be read (" in cell_by_cell[2] and "damaged" in cell_by_cell[2], \
            cell_by_cell
        log, report = column_wise[1], column_wise[2]
        assert report["rows_read"] == report["rows_loaded"] + report["rows_rejected"]
        assert len(log) == report["rows_loaded"]
        return
    assert column_wise[0] == cell_by_cell[0], (column_wise, cell_by_cell)
    if column_wise[0] == "loaded":
        pd.testing.assert_frame_equal(column_wise[1], cell_by_cell[1])
        assert column_wise[2] == cell_by_cell[2]
    else:
        assert column_wise == cell_by_cell


def _regular_seed() -> dict[str, bytes]:
    """A small log whose columns each hold one kind of cell: it takes the column-wise path."""
    path = Path(tempfile.mkdtemp()) / "seed.xlsx"
    _save(path, [["My outreach"], [None]] + _leads(40))
    return _parts(path.read_bytes())


REGULAR_SEED = _regular_seed()


@st.composite
def damaged_regular(draw) -> bytes:
    """The regular seed with one of its worksheet, shared-strings or styles parts mutated."""
    parts = dict(REGULAR_SEED)
    names = sorted(n for n in parts if n.endswith(".xml") and ("worksheets" in n or "styles"
                                                              in n or "sharedStrings" in n))
    name = draw(st.sampled_from(names))
    parts[name] = draw(mutated(parts[name]))
    return _zip(parts)


@settings(max_examples=_examples(120), **SETTINGS)
@given(st.one_of(damaged_regular(), mutated_part()), st.sampled_from([1, 3, 5]), st.booleans())
def test_damaged_workbooks_load_alike_both_ways(data, head_rows, forked):
    _assert_alike(data, ".xlsx", head_rows, forked)


def test_the_regular_seed_takes_the_column_wise_path(tmp_path, column_wise, monkeypatch):
    monkeypatch.setattr(columnar, "HEAD_ROWS", 3)
    path = tmp_path / "seed.xlsx"
    path.write_bytes(_zip(REGULAR_SEED))
    _assert_same(path)
    assert set(column_wise) == {("seed.xlsx", True)}


@settings(max_examples=_examples(120), **SETTINGS)
@given(st.lists(st.lists(_cell, max_size=8), min_size=1, max_size=12),
       st.sampled_from([",", ";", "\t", "|"]), st.sampled_from(["utf-8", "cp1252"]),
       st.sampled_from(["\n", "\r\n", "\r"]), st.booleans())
def test_random_text_tables_load_alike_both_ways(rows, delimiter, encoding, newline, from_bytes):
    text = newline.join(delimiter.join(r) for r in rows)
    _assert_alike(text.encode(encoding, errors="replace"), ".csv", 1, from_bytes=from_bytes)


def test_text_that_is_not_utf8_is_refused_both_ways(tmp_path):
    """fastexcel's build reads a stray byte in a cell's text; python-calamine's refuses
    it as damaged, and a big sheet must not slip through on the lenient reader."""
    path = _save(tmp_path / "log.xlsx", _leads(300))
    _rewrite_sheet(path, lambda xml: xml.replace(b"<t>note 5</t>", b"<t>note \xff5</t>", 1))
    assert read._scan_zip(path).parts["xl/worksheets/sheet1.xml"].head is None
    _assert_alike(path.read_bytes(), ".xlsx", 3)
    assert _cell_by_cell(_outcome, path)[0] == "error"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(-1, 3), min_size=0, max_size=12), min_size=0, max_size=5))
def test_the_used_extent_ends_at_the_last_filled_row_and_column(columns):
    from infoview_analytics.rows import used_extent

    codes = [np.asarray(c, dtype=np.int32) for c in columns]
    filled = [(r, j) for j, c in enumerate(columns) for r, code in enumerate(c) if code >= 0]
    want = (max((r for r, _ in filled), default=-1) + 1,
            max((j for _, j in filled), default=-1) + 1)
    assert used_extent(codes) == want


def test_a_forks_result_is_handed_over_with_its_arrays_mapped_not_copied():
    import mmap

    result = {"Log": ([(np.arange(7, dtype=np.int32), np.array(["a", None, 1.5], dtype=object)),
                       (np.zeros(0, dtype=np.int32), np.empty(0, dtype=object)),
                       (np.array([3, -1], dtype=np.intp), np.array([dt.date(2024, 1, 2)]))], 7),
              "Notes": None}
    fd = os.memfd_create("test")
    try:
        columnar._hand_over(fd, result)
        got = columnar._taken_over(fd)
    finally:
        os.close(fd)  # the arrays outlive the file
    assert got.keys() == result.keys() and got["Notes"] is None and got["Log"][1] == 7
    for (codes, uniques), (want_codes, want_uniques) in zip(got["Log"][0], result["Log"][0],
                                                            strict=True):
        assert codes.dtype == want_codes.dtype and codes.tolist() == want_codes.tolist()
        assert uniques.dtype == object and uniques.tolist() == want_uniques.tolist()
        base = codes
        while isinstance(base, np.ndarray):
            base = base.base
        assert isinstance(base.obj, mmap.mmap)  # on the file's pages
        assert codes.ctypes.data % 64 == 0 or not len(codes)
    got["Log"][0][0][0][0] = 99  # a private map: writable, the file unchanged
