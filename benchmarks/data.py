# ruff: noqa: E501  (the fixed XML parts of the .xlsx writer are one line each)
"""Benchmark inputs, generated once with the project's sample generator and cached.

Every log is a counselor-style tracker (one sheet, a Student column and about
twenty columns: dates, yes/no words, status text, channel words) built from
:func:`infoview_analytics.sample.generate_cohort`. Large logs repeat a
generated cohort block with the students renamed per block, so 1M leads take
seconds to make instead of an hour. The .xlsx writer here streams the sheet
XML directly (shared strings, real date cells with a date style, a cell
reference on every cell, as Excel writes them): openpyxl's normal mode needs
gigabytes for a million rows.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from infoview_analytics.sample import _human_table, generate_cohort, write_messy

DATA_VERSION = "v2"  # v1 wrote a date with a missing one in its column as 9.0/8.0/2024.0
BLOCK_STUDENTS = 700  # ~20,500 leads per generated block
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1M": 1_000_000}


def cache_dir() -> Path:
    """``$INFOVIEW_BENCH_CACHE`` or ``<tmp>/infoview-bench-<version>``."""
    root = os.environ.get("INFOVIEW_BENCH_CACHE")
    path = Path(root) if root else Path(tempfile.gettempdir()) / f"infoview-bench-{DATA_VERSION}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _block(students: int) -> pd.DataFrame:
    path = cache_dir() / f"block_{students}.pkl"
    if path.exists():
        return pd.read_pickle(path)
    log = generate_cohort(students, seed=2024)
    log.to_pickle(path)
    return log


def canonical_log(n: int) -> pd.DataFrame:
    """A canonical log of exactly *n* leads (generated blocks, students renamed per block)."""
    path = cache_dir() / f"canonical_{n}.pkl"
    if path.exists():
        return pd.read_pickle(path)
    block = _block(min(BLOCK_STUDENTS, max(40, n // 25)))  # small logs: a small cohort
    reps = -(-n // len(block))
    parts = []
    for k in range(reps):
        part = block.copy()
        if k:
            part["seeker"] = part["seeker"] + f" {k + 1}"
        parts.append(part)
    log = pd.concat(parts, ignore_index=True).iloc[:n].reset_index(drop=True)
    log.to_pickle(path)
    return log


def human_table(n: int) -> pd.DataFrame:
    """The *n*-lead log as a counselor keeps it (headers, yes/no words; 21 columns)."""
    return _human_table(canonical_log(n), np.random.default_rng(7), "counselor")


def csv_file(n: int) -> Path:
    path = cache_dir() / f"leads_{n}.csv"
    if not path.exists():
        table = human_table(n)
        for c in table.columns:
            if table[c].map(lambda v: isinstance(v, pd.Timestamp)).any():
                d = pd.to_datetime(table[c])
                parts = [getattr(d.dt, unit).astype("Int64").astype("string")  # no "9.0"
                         for unit in ("month", "day", "year")]
                text = parts[0] + "/" + parts[1] + "/" + parts[2]
                table[c] = text.astype(object).where(d.notna(), None)
        tmp = path.with_suffix(".tmp")
        table.to_csv(tmp, index=False)
        tmp.replace(path)
    return path


def xlsx_file(n: int) -> Path:
    path = cache_dir() / f"leads_{n}.xlsx"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        write_xlsx(human_table(n), tmp)
        tmp.replace(path)
    return path


def _col_letters(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


_EPOCH = pd.Timestamp("1899-12-30")


def write_xlsx(table: pd.DataFrame, path: Path, *, sheet: str = "Outreach") -> None:
    """Write *table* as a one-sheet .xlsx: shared strings, dates as date cells."""
    strings: dict[str, int] = {}
    letters = [_col_letters(i) for i in range(table.shape[1])]

    def cells(col: int, values: pd.Series) -> np.ndarray:
        """The XML of one column's cells, without the row number (filled in per row)."""
        out = np.full(len(values), "", dtype=object)
        obj = values.to_numpy(dtype=object)
        is_date = np.fromiter((isinstance(v, (pd.Timestamp, dt.date)) for v in obj), bool,
                              len(obj))
        is_num = np.fromiter((isinstance(v, (int, float, np.integer, np.floating))
                              and not isinstance(v, bool) and v == v for v in obj), bool, len(obj))
        is_str = np.fromiter((isinstance(v, str) for v in obj), bool, len(obj))
        if is_date.any():
            serial = (pd.to_datetime(pd.Series(obj[is_date])) - _EPOCH).dt.days.to_numpy()
            out[is_date] = [f' s="1"><v>{d}</v>' for d in serial]
        if is_num.any():
            out[is_num] = [f"><v>{v!r}</v>" if isinstance(v, float) else f"><v>{v}</v>"
                           for v in obj[is_num]]
        if is_str.any():
            idx = [strings.setdefault(s, len(strings)) for s in obj[is_str]]
            out[is_str] = [f' t="s"><v>{i}</v>' for i in idx]
        return out

    columns = [cells(i, table.iloc[:, i]) for i in range(table.shape[1])]
    header = [strings.setdefault(str(h), len(strings)) for h in table.columns]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK.format(sheet=escape(sheet)))
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        zf.writestr("xl/styles.xml", _STYLES)
        last = f"{letters[-1]}{len(table) + 1}"
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(_SHEET_HEAD.format(ref=f"A1:{last}").encode())
            row = "".join(f'<c r="{letters[j]}1" t="s"><v>{k}</v></c>'
                          for j, k in enumerate(header))
            fh.write(f'<row r="1">{row}</row>'.encode())
            buf = []
            for i in range(len(table)):
                r = i + 2
                parts = [f'<row r="{r}">']
                for j, col in enumerate(columns):
                    c = col[i]
                    if c:
                        parts.append(f'<c r="{letters[j]}{r}"{c}</c>')
                parts.append("</row>")
                buf.append("".join(parts))
                if len(buf) >= 20_000:
                    fh.write("".join(buf).encode())
                    buf = []
            fh.write("".join(buf).encode())
            fh.write(b"</sheetData></worksheet>")
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns='
                      '"http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                      f'count="{len(strings)}" uniqueCount="{len(strings)}">').encode())
            fh.write("".join(f"<si><t>{escape(s)}</t></si>" for s in strings).encode())
            fh.write(b"</sst>")


_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"""
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="m/d/yyyy"/></numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>"""
_SHEET_HEAD = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><dimension ref="{ref}"/><sheetData>"""


def student_folder(n_files: int = 200) -> Path:
    """*n_files* small student logs (about 4 in 5 .xlsx, the rest .csv), one per student."""
    folder = cache_dir() / f"students_{n_files}"
    done = folder / ".done"
    if done.exists():
        return folder
    folder.mkdir(exist_ok=True)
    cohort = generate_cohort(n_files, seed=11)
    rng = np.random.default_rng(11)
    for name, student in cohort.groupby("seeker", sort=True):
        suffix = ".csv" if rng.random() < 0.2 else ".xlsx"
        write_messy(student, folder / f"{name}{suffix}", seed=int(rng.integers(2**32)))
    done.touch()
    return folder


def cohort_20k() -> pd.DataFrame:
    """The 20,000-lead cohort of the filter-change case."""
    return canonical_log(20_000)
