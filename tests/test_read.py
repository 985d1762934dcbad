"""The reader's own checks, below what tests/test_hostile.py covers file by file."""

from __future__ import annotations

import pytest

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
