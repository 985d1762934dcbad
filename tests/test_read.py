"""The reader's own checks, below what tests/test_hostile.py covers file by file."""

from __future__ import annotations

import os

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from infoview_analytics import read
from infoview_analytics.errors import ResourceLimitError
from infoview_analytics.read import read_file
from tests.bad_corpus import MAX_ROWS, ods_cell, ods_row, write_ods

HEAD = ods_row(ods_cell("Company"), ods_cell("Status"))
DATA = ods_row(ods_cell("Acme"), ods_cell("Applied"))


# --- .ods repeat counts ------------------------------------------------------------------
def test_ods_trailing_empty_repeats_are_cheap_and_allowed(tmp_path):
    # what LibreOffice writes after the data: empty columns to the grid's edge, empty rows
    # to its end, and a gap of empty rows inside the data
    path = write_ods(tmp_path / "lo.ods", HEAD + ods_row(
        ods_cell("Acme"), ods_cell("Applied"), ods_cell(repeat=16_382))
        + ods_row(ods_cell(repeat=16_384), repeat=1000) + DATA
        + ods_row(ods_cell(repeat=16_384), repeat=MAX_ROWS - 1003))
    (sheet,) = read_file(path)
    assert sheet.rows[:2] == [["Company", "Status"], ["Acme", "Applied"]]
    assert len(sheet.rows) == 1003 and sheet.rows[-1] == ["Acme", "Applied"]


def test_ods_filled_repeats_count_towards_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(read, "MAX_CELLS", 100)
    ok = write_ods(tmp_path / "ok.ods", HEAD + ods_row(ods_cell("Acme", repeat=2), repeat=49))
    assert len(read_file(ok)[0].rows) == 50  # 50 rows x 2 columns = 100 cells
    tall = write_ods(tmp_path / "tall.ods", HEAD + ods_row(ods_cell("Acme", repeat=2), repeat=50))
    with pytest.raises(ResourceLimitError, match=r"tall\.ods, sheet 'Log': the used area spans "
                       r"51 rows x 2 columns \(102 cells; limit 100\)"):
        read_file(tall)
    wide = write_ods(tmp_path / "wide.ods", HEAD + ods_row(ods_cell("Acme", repeat=101)))
    with pytest.raises(ResourceLimitError, match=r"2 rows x 101 columns"):
        read_file(wide)
    # a value typed in a self-closing cell, far to the right after an empty run
    far = write_ods(tmp_path / "far.ods", HEAD + ods_row(
        ods_cell(repeat=200), '<table:table-cell office:value-type="float" office:value="1"/>'))
    with pytest.raises(ResourceLimitError, match=r"2 rows x 201 columns"):
        read_file(far)


def test_ods_every_table_is_checked_by_name(tmp_path):
    path = write_ods(tmp_path / "two.ods", HEAD + DATA)
    import zipfile

    with zipfile.ZipFile(path) as z:
        content = z.read("content.xml").decode()
    bad = ('<table:table table:name="Old &amp; big">'
           + ods_row(ods_cell("x", repeat=30), repeat=MAX_ROWS) + "</table:table>")
    content = content.replace("</office:spreadsheet>", bad + "</office:spreadsheet>")
    two = tmp_path / "two_sheets.ods"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(two, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, content if info.filename == "content.xml" else src.read(info))
    with pytest.raises(ResourceLimitError, match=r"sheet 'Old & big': the used area spans "
                       r"1,048,576 rows x 30 columns"):
        read_file(two)


@pytest.mark.parametrize("size", [1, 7, 64, 4096])
def test_ods_scan_does_not_depend_on_chunk_boundaries(tmp_path, size):
    rows = (HEAD + ods_row(ods_cell(), ods_cell("b", repeat=3), ods_cell(repeat=9), repeat=4)
            + '<table:table-row table:number-rows-repeated="5"/>'
            + ods_row('<table:covered-table-cell table:number-columns-repeated="6"/>',
                      ods_cell("z")) + ods_row(ods_cell(repeat=50), repeat=70))
    content = ('<office:spreadsheet><table:table table:name="S">' + rows
               + "</table:table></office:spreadsheet>").encode()
    seen = []
    area = read._OdsArea(tmp_path / "x.ods")
    area._end_table = lambda: seen.append((area.name, area.last_row, area.last_col))
    for i in range(0, len(content), size):
        area.feed(content[i:i + size])
    area.close()
    assert seen == [("S", 11, 7)]


# --- files that are not spreadsheets -------------------------------------------------------
@pytest.mark.parametrize("name, data", [
    ("README.md", b"# Notes\n\nThe outreach log is in log.xlsx.\n"),
    ("log.json", b'[{"company": "Acme"}]'),
    ("notes.rst", "Caf\u00e9 notes\n".encode("utf-16")),
    ("export", b"Company,Status\nAcme,Applied\n"),
])
def test_text_in_a_file_that_is_not_a_spreadsheet_is_called_text(tmp_path, capsys, name, data):
    from infoview_analytics.cli import main
    from infoview_analytics.errors import UnreadableFileError

    path = tmp_path / name
    path.write_bytes(data)
    what = f"a {path.suffix} file" if path.suffix else "a file without a suffix"
    expected = (f"{path}: {what} is not a spreadsheet; save the log as .xlsx, .ods or .csv "
                "(or rename a text table to .csv).")
    with pytest.raises(UnreadableFileError) as info:
        read_file(path)
    assert str(info.value) == expected
    assert main(["validate", str(path)]) == 2
    assert capsys.readouterr().err.strip() == f"infoview: error: {expected}"


def test_binary_bytes_under_any_name_keep_the_not_a_spreadsheet_message(tmp_path):
    import random

    from infoview_analytics.errors import UnreadableFileError

    data = random.Random(3).randbytes(4096)
    for name in ("random.md", "random.xlsx", "random"):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(UnreadableFileError, match=r"not a spreadsheet \(the bytes are not "):
            read_file(path)


def _binary_by_definition(text: str) -> bool:
    """The rule as written: over 1% (and over 2) of the first 64K characters are control
    characters other than tab, line ends, NUL and end-of-file, C1 controls or U+FFFD."""
    sample = text[:65536]
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\x0b\x0c\x00\x1a")
              or ch == "\ufffd" or 0x7F <= ord(ch) < 0xA0)
    return bad > max(2, len(sample) // 100)


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(max_codepoint=0x10FF) | st.sampled_from("\ufffd\x7f\x9f\xa0\x1a"),
               max_size=400), st.integers(0, 70_000))
def test_looks_binary_counts_by_the_rule(text, pad):
    padded = "a" * pad + text  # texts past the 64K sample, and the 1% bound at every size
    assert read._looks_binary(padded) == _binary_by_definition(padded)
    assert read._looks_binary(text) == _binary_by_definition(text)


# --- text tables: the C parser's cells are the csv module's --------------------------------
def _both_ways(tmp_path, text: str | bytes, name: str = "t.csv"):
    """read_file's sheet through the fast path, and through the csv module only."""
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    saved, read.SPLIT_FAST_MIN = read.SPLIT_FAST_MIN, 0  # however small the text
    try:
        fast = read_file(path)[0]
    except Exception as exc:  # noqa: BLE001 - compared below
        fast = exc
    finally:
        read.SPLIT_FAST_MIN = saved
    original = read._split_fast
    read._split_fast = lambda text, delimiter: None
    try:
        try:
            slow = read_file(path)[0]
        except Exception as exc:  # noqa: BLE001
            slow = exc
    finally:
        read._split_fast = original
    return fast, slow


def _same(fast, slow) -> None:
    if isinstance(slow, Exception):
        assert type(fast) is type(slow) and str(fast) == str(slow)
        return
    assert fast.rows == slow.rows
    assert fast.cell_problems == slow.cell_problems
    assert fast.notes == slow.notes


@pytest.mark.parametrize("text", [
    "a,b\n1\n", "a,b\n\n1,2\n", "a\n1,2,3\n4,5,6,7,8\n", "a,b\r1,2\r", 'a,"x\r\ny",c\n',
    'a"b,c\n', '"a"b,c\n', ' "a,b",c\n', '"abc\nd,e\n', "\ufeffa,b\n1,2\n", "a,b",
    "a,b\n\n\n", "\n\r\n\ra,b\n1,2\n", "a,b\r\n\r\n1,2\r\n", '"""",x\n', "a,b\n  \n",
    'x""y,"a""b"\n', '"a" ,b\n', 'a,b\n1,2\n""\n', "Title\nCompany,Status\nAcme,#REF!\n",
    "a;b;c\n1; #N/A ;#DIV/0!\n\u00a0;\u2003;x\n", "Company\tStatus\n\tApplied\n\t\n",
    "a,b\n1,2,3,4\n5,6,7,8,9,10\n" + "x\n" * 5,
    "\ufeff\ufeffCompany,Status\nAcme,Applied\n",
])
def test_text_split_matches_the_csv_module(tmp_path, text):
    _same(*_both_ways(tmp_path, text))


def test_text_split_matches_the_csv_module_for_encodings_and_nul(tmp_path):
    for data in ("Company,Status\nCaf\u00e9,Applied\n".encode("utf-16"),
                 b"\xef\xbb\xbfCompany,Status\nAcme,Applied\n",
                 b"Company,Sta\x00tus\nAcme,Ap\x00plied\n",
                 "Company;Status\nDon\u2019t;Applied\n".encode("cp1252")):
        _same(*_both_ways(tmp_path, data))


def test_text_split_ragged_and_too_many_cells(tmp_path, monkeypatch):
    monkeypatch.setattr(read, "MAX_CELLS", 100)
    fast, slow = _both_ways(tmp_path, "Company,Status\n" + "Acme,Applied\n" * 60)
    assert isinstance(slow, ResourceLimitError)
    _same(fast, slow)
    # one wide row among many narrow ones: not padded into a huge grid
    fast, slow = _both_ways(tmp_path, "a" + ",b" * 60 + "\n" + "x\n" * 30)
    _same(fast, slow)


@pytest.mark.parametrize("rows", [30, 1_500])
def test_a_small_text_table_is_split_by_the_csv_module(tmp_path, monkeypatch, rows):
    """pandas' parser costs more to start than a student's log costs to split."""
    asked = []
    split_fast = read._split_fast
    monkeypatch.setattr(read, "_split_fast", lambda *a: asked.append(1) or split_fast(*a))
    text = "Company,Contact,Status,Notes\n" + "".join(
        f"Acme {i},Ann Lee,Applied,called twice; said to write again\n" for i in range(rows))
    sheet = _write_and_read(tmp_path, text)
    assert bool(asked) == (len(text) >= read.SPLIT_FAST_MIN) == (rows > 30)
    assert len(sheet.rows) == rows + 1 and sheet.rows[rows][0] == f"Acme {rows - 1}"


def _write_and_read(tmp_path, text):
    path = tmp_path / "log.csv"
    path.write_text(text, encoding="utf-8")
    return read_file(path)[0]


try:
    from hypothesis import example, given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover
    given = None

if given is not None:
    _PIECES = list('ab ,;\t"\r\n#\u00a0\ufeffé\x0b\x1c\x85\u2028') + ["#N/A", "#REF!"]

    @settings(max_examples=int(os.environ.get("INFOVIEW_FUZZ_EXAMPLES", 300)), deadline=None)
    @given(st.lists(st.sampled_from(_PIECES), max_size=60).map("".join))
    def test_text_split_matches_the_csv_module_on_random_text(tmp_path_factory, text):
        if not text.strip("\x00\ufeff \t\r\n\x0b\x0c"):
            return
        _same(*_both_ways(tmp_path_factory.mktemp("split"), text))


def test_xlsx_area_counts_from_a1_like_the_reader(tmp_path):
    # A lone value in the grid's last cell: the sheet is read padded from A1, so its area
    # is the whole grid, and it is refused with the used-area message, not a reader error.
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Log"
    wb.active["XFD1048576"] = "stray"
    path = tmp_path / "corner_only.xlsx"
    wb.save(path)
    with pytest.raises(ResourceLimitError, match=r"corner_only.xlsx, sheet 'Log': the used "
                                                 r"area spans 1,048,576 rows x 16,384 columns"):
        read_file(path)


_LETTERS = st.sampled_from(["A", "B", "C", "K", "Z", "AA", "AB", "BA", "XFD"])
_CELLS = st.one_of(
    st.builds(lambda col, row, zero: f'<c r="{col}{"0" if zero else ""}{row}" t="s"><v>3</v></c>',
              _LETTERS, st.integers(1, 1_200_000), st.booleans()),
    st.builds(lambda col, row: f'<c r="{col}{row}" t="e"><v>#N/A</v></c>', _LETTERS,
              st.integers(1, 200)),
    st.sampled_from(['<c t="s"><v>1</v></c>', "<c><v>1</v></c>", '<c  r="A1"/>',
                     '<c s="1" r="B2"/>', '<row r="7">', "</row>", "<!DOCTYPE x>",
                     "<!entity y>", '<cols><col min="1"/></cols>', "<v>x</v>"]))


@settings(max_examples=400, deadline=None)
@example(known={"A"}, max_row=1000, cells=["<!entity y>"])
@example(known={"A"}, max_row=1000, cells=["<!DOCTYPE x>"])
@example(known={"A"}, max_row=1000, cells=['<c r="A5" t="e"><v>#N/A</v></c>'])
@example(known={"A"}, max_row=1000, cells=["<c><v>1</v></c>"])
@example(known={"A"}, max_row=1000, cells=['<c r="A0999" t="s"><v>3</v></c>'])
@example(known={"A"}, max_row=1000, cells=['<c r="A1001" t="s"><v>3</v></c>'])
@example(known={"A"}, max_row=1000, cells=['<c r="B9" t="s"><v>3</v></c>'])
@example(known={"A", "AA"}, max_row=1000, cells=['<c r="AB9" t="s"><v>3</v></c>'])
@example(known={"A", "AA"}, max_row=1000, cells=['<c r="BA9" t="s"><v>3</v></c>'])
@example(known={"A", "AA"}, max_row=1000, cells=['<c r="XFD9" t="s"><v>3</v></c>'])
@given(known=st.sets(st.sampled_from(["A", "B", "C", "K", "Z", "AA", "AB"]), min_size=1),
       max_row=st.integers(1, 999_999),
       cells=st.lists(_CELLS, max_size=12))
def test_the_quick_worksheet_filter_never_hides_what_the_exact_checks_find(known, max_row, cells):
    """quiet() skips a chunk's exact checks: it must be False wherever they find something."""
    data = "".join(cells).encode()

    def state() -> read._FastBound:
        bound = read._FastBound()
        bound.cols, bound.max_row = {c.encode() for c in known}, max_row
        return bound

    exact, scan = state(), read._PartScan()
    exact.update(data, scan)
    found = (exact.exact_needed or exact.cols != state().cols or scan.errors
             or read._DTD.search(data) is not None)
    if found:
        assert state().quiet([b"<c/>", data]) == [True, False]
