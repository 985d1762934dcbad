"""Reading spreadsheets into raw grids of cells, before any interpretation.

A :class:`RawSheet` is what a person sees when they open the file: rows of
cells, numbered as the spreadsheet numbers them. Workbooks (.xlsx, .xlsm,
.xlsb, .xls, .ods) go through the Rust ``calamine`` reader; text tables
(.csv, .tsv, .txt) are decoded (encoding detected) and split with the
delimiter sniffed from the first lines. Nothing here knows about outreach
logs: that starts in :mod:`infoview_analytics.mapping`.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import posixpath
import re
import string
import struct
import warnings
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import python_calamine as calamine

from . import columnar
from .errors import InfoviewError, ResourceLimitError, UnreadableFileError
from .rows import ColumnRows, Rows, used_extent

__all__ = [
    "RawSheet", "Rows", "read_file", "iter_input_files", "decode_bytes", "WORKBOOK_SUFFIXES",
    "TEXT_SUFFIXES", "MAX_PART_BYTES", "MAX_TOTAL_BYTES", "MAX_RATIO", "MAX_CELLS",
    "MAX_TEXT_BYTES",
]

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})
TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
SUPPORTED_SUFFIXES = WORKBOOK_SUFFIXES | TEXT_SUFFIXES

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
# what Python's zipfile raises for damaged archives (NotImplementedError: odd versions/methods)
_ZIP_ERRORS = (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error, zlib.error,
               NotImplementedError, RuntimeError, OverflowError, UnicodeDecodeError)
_DELIMITERS = (",", ";", "\t", "|")

# Resource limits, checked before anything large is allocated (see docs/bad-input.md).
# An outreach log of a whole cohort over years is a few MB and well under a million cells.
MAX_PART_BYTES = 200 * 2**20  #: one XML part of a workbook, inflated
MAX_TOTAL_BYTES = 400 * 2**20  #: all XML parts of a workbook, inflated
MAX_RATIO = 200  #: inflated / compressed size of a part ...
RATIO_FLOOR = 10 * 2**20  #: ... checked for parts inflating past this
MAX_CELLS = 5_000_000  #: rows x columns of one sheet's used area
MAX_TEXT_BYTES = 200 * 2**20  #: a .csv/.tsv/.txt file or a web page


@dataclass
class RawSheet:
    """One sheet's cells as read, with where they came from.

    ``rows[i]`` is spreadsheet row ``first_row + i`` (1-based). Cells are
    Python values: ``str``, ``float``, ``int``, ``bool``, ``datetime``/``date``
    or ``None`` for an empty cell. Trailing empty rows and columns are already
    trimmed, and every row has the sheet's width.
    """

    file: Path
    sheet: str | None
    rows: Rows
    first_row: int = 1
    notes: list[str] = field(default_factory=list)
    modified: float | None = None
    #: cells read as empty that hold a spreadsheet error: (row, 0-based column, value, message)
    cell_problems: list[tuple[int, int, str, str]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.file.name}" + (f", sheet '{self.sheet}'" if self.sheet else "")


def iter_input_files(paths: Path | str | list[Path | str]) -> Iterator[tuple[Path, Path | None]]:
    """Yield ``(file, folder_it_came_from)`` for files and folders, in a stable order.

    Folders are walked recursively; hidden files, lock files (``~$...``) and
    files of other types are skipped.
    """
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    for item in items:
        p = Path(item)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if (
                    f.is_file()
                    and f.suffix.lower() in SUPPORTED_SUFFIXES
                    and not f.name.startswith((".", "~$"))
                    and not any(part.startswith(".") for part in f.relative_to(p).parts)
                ):
                    yield f, p
        elif p.exists():
            yield p, None
        else:
            raise UnreadableFileError(f"{p}: no such file or folder. Check the path.")


def read_file(path: Path, *, sheet: str | None = None) -> list[RawSheet]:
    """Read every sheet of *path* (or only *sheet*) as raw cells.

    Raises
    ------
    UnreadableFileError
        The file is empty, password-protected, truncated, not a spreadsheet, or
        holds XML declarations no spreadsheet program writes.
    ResourceLimitError
        The file would inflate past :data:`MAX_PART_BYTES` / :data:`MAX_TOTAL_BYTES`
        or a sheet spans more than :data:`MAX_CELLS` cells (see ``docs/bad-input.md``).
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise UnreadableFileError(f"{path}: cannot open ({exc.strerror}).") from exc
    if size == 0:
        raise UnreadableFileError(f"{path}: the file is empty (0 bytes). Re-export or re-send it.")
    if not head.strip() and _only_blank_space(path):
        raise UnreadableFileError(f"{path}: the file holds no data (only blank space). "
                                  "Re-export or re-send it.")
    suffix = path.suffix.lower()
    kind = _sniff_kind(head, suffix)
    if kind == "text":
        return [_read_text(path, size)]
    if kind == "html":
        return _read_html(path, size)
    if kind != "zip":
        _check_workbook(path, head, kind)
        return _read_workbook(path, sheet, None)
    tails = None
    try:
        with _open_zip(path) as zf:  # its directory read once, for every check below
            _check_workbook(path, head, kind, zf)
            tails = _start_tails(path, sheet, zf)
            scan = _scan_zip(path, zf)
        return _read_workbook(path, sheet, scan, tails)
    finally:
        if tails is not None:
            tails.close()


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except _ZIP_ERRORS as exc:
        raise UnreadableFileError(
            f"{path}: the file is damaged or was cut off (incomplete download or e-mail "
            "attachment). Ask for the file again."
        ) from exc


def _start_tails(path: Path, only_sheet: str | None,
                 zf: zipfile.ZipFile) -> columnar.Tails | None:
    """The big sheets' column-wise parse, started beside the scan (``columnar.Tails``).

    Picked from the declared part sizes, before anything is inflated; within the
    limits only, since the scan will refuse anything past them.
    """
    try:
        infos = zf.infolist()
        _check_all_declared(path, infos)
        big = {i.filename for i in infos
               if _is_worksheet(i.filename) and i.file_size >= columnar.PARALLEL_BYTES}
        if not big:
            return None
        sheets = [name for name, part in _sheet_parts(zf, dict.fromkeys(big)).items()
                  if only_sheet in (None, name)]
    except (ResourceLimitError, *_ZIP_ERRORS):  # the scan says what is wrong
        return None
    return columnar.Tails.start(path, sheets)


def _only_blank_space(path: Path) -> bool:
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            if chunk.strip():
                return False
    return True


_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"{\\rtf", "an RTF document"),
)


def _sniff_kind(head: bytes, suffix: str) -> str:
    """'zip', 'ole', 'html', 'text' or 'other', from the bytes first and the name second."""
    if head.startswith(_ZIP_MAGIC):
        return "zip"
    if head.startswith(_OLE_MAGIC):
        return "ole"
    if _looks_like_html(head):
        return "html"
    if any(head.startswith(m) for m, _ in _MAGIC):
        return "other"
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix == ".xls" and _looks_like_text(head):
        return "text"  # many web systems save tab-separated text as .xls
    return "other"


def _looks_like_text(head: bytes) -> bool:
    return b"\x00" not in head[:1024] and not head.lstrip().lower().startswith((b"<html", b"<!doc"))


def _looks_like_html(head: bytes) -> bool:
    text = head[:4096]
    if text.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = text.decode("utf-16", errors="replace").encode("utf-8", errors="replace")
    text = text.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<head", b"<body", b"<meta")):
        return True
    # Excel's own "web page" export: an XML prolog, then <html xmlns:x="urn:...:excel">
    return text.startswith((b"<?xml", b"<!--")) and b"<html" in text


def _check_workbook(path: Path, head: bytes, kind: str,
                    zf: zipfile.ZipFile | None = None) -> None:
    """Give a precise reason before calamine gives a vague one (*zf*: the zip opened)."""
    suffix = path.suffix.lower()
    if kind == "ole":
        if _is_encrypted_ole(path):
            raise UnreadableFileError(
                f"{path}: the workbook is password-protected. "
                "Remove the password (File > Info > Protect Workbook) and save it again."
            )
        return
    if zf is not None:  # a zip
        names = set(zf.namelist())
        if "xl/workbook.xml" in names or "xl/workbook.bin" in names or "content.xml" in names:
            return
        what = "a Word document" if "word/document.xml" in names else (
            "a PowerPoint file" if "ppt/presentation.xml" in names else "a zip archive")
        raise UnreadableFileError(
            f"{path}: this is {what}, not a spreadsheet. Send the .xlsx, .ods or .csv file instead."
        )
    stripped = head.lstrip().lower()
    if stripped.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        raise UnreadableFileError(
            f"{path}: this is an Excel 2003 XML spreadsheet, which cannot be read directly. "
            "Open it in Excel and save it as .xlsx or .csv."
        )
    what = next((name for magic, name in _MAGIC if head.startswith(magic)), None)
    if what:
        raise UnreadableFileError(
            f"{path}: this is {what}, not a spreadsheet (named {suffix or 'without a suffix'}). "
            "Check that the right file was sent."
        )
    if suffix not in SUPPORTED_SUFFIXES and _is_text(head):
        what = f"a {suffix} file" if suffix else "a file without a suffix"
        raise UnreadableFileError(
            f"{path}: {what} is not a spreadsheet; save the log as .xlsx, .ods or .csv "
            "(or rename a text table to .csv)."
        )
    raise UnreadableFileError(
        f"{path}: not a spreadsheet (the bytes are not .xlsx, .xls, .ods or text). "
        "Check that the right file was sent."
    )


def _is_text(head: bytes) -> bool:
    """Whether the file's first bytes read as text (any encoding :func:`decode_bytes` knows)."""
    text = decode_bytes(head)[0]
    if head[:1024].count(b"\x00") and not head.startswith((b"\xff\xfe", b"\xfe\xff")) \
            and "\x00" in text:
        return False  # NUL bytes that are not UTF-16
    return not _looks_binary(text)


def _is_encrypted_ole(path: Path) -> bool:
    with path.open("rb") as fh:
        data = fh.read(64 << 20)
    return "EncryptionInfo".encode("utf-16-le") in data or \
        "EncryptedPackage".encode("utf-16-le") in data


# ---------------------------------------------------------------------------
# Zip-based workbooks: sizes, DTDs and used areas checked before calamine
# ---------------------------------------------------------------------------
@dataclass
class _PartScan:
    """What a pass over one decompressed XML part found."""

    size: int = 0
    rows: tuple[int, int] | None = None  # smallest and largest row holding a value (1-based)
    cols: tuple[int, int] | None = None  # smallest and largest column (1-based)
    errors: list[tuple[int, int, str]] = field(default_factory=list)  # (row, col, "#REF!")
    #: a worksheet's XML up to its first row past ``columnar.HEAD_ROWS``, when its row
    #: tags all carry their numbers, in order (else None: read cell by cell)
    head: bytes | None = None


@dataclass
class _ZipScan:
    parts: dict[str, _PartScan]
    sheet_parts: dict[str, str]  # sheet name -> worksheet part


_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_ERROR_CELL = re.compile(rb'<c\b([^>]*?\bt="e"[^>]*?)>(.*?)</c>', re.S)
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_DTD = re.compile(rb"<!(?i:doctype|entity)")
_CHUNK = 1 << 20


def _col_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def _scan_zip(path: Path, zf: zipfile.ZipFile | None = None) -> _ZipScan:
    """Check every part's size and XML before the workbook reader touches it.

    Declared sizes are checked first (cheap), then each XML part is inflated
    here, in bounded chunks, counting the bytes actually produced, because a
    crafted archive can declare small sizes and still inflate to gigabytes.
    Worksheets are scanned for the rectangle calamine will allocate and for
    cells holding formula errors.
    """
    try:
        if zf is None:
            with zipfile.ZipFile(path) as opened:
                return _scan_zip_parts(path, opened)
        return _scan_zip_parts(path, zf)
    except InfoviewError:
        raise
    except _ZIP_ERRORS as exc:
        raise UnreadableFileError(f"{path}: the file is damaged or was cut off ({_short(exc)}). "
                                  "Ask for the file again.") from exc


def _scan_zip_parts(path: Path, zf: zipfile.ZipFile) -> _ZipScan:
    with path.open("rb") as fh:
        infos = zf.infolist()
        _check_all_declared(path, infos)
        parts: dict[str, _PartScan] = {}
        total = 0
        is_ods = not any(i.filename.startswith("xl/") for i in infos)
        for info in infos:
            name = info.filename
            if not name.lower().endswith((".xml", ".rels", ".vml")):
                continue
            scan = _scan_part(path, fh, info, is_sheet=_is_worksheet(name),
                              budget=MAX_TOTAL_BYTES - total,
                              ods_tables=_OdsArea(path) if is_ods and name == "content.xml"
                              else None)
            total += scan.size
            parts[name] = scan
        sheet_parts = _sheet_parts(zf, parts)
    return _ZipScan(parts, sheet_parts)


_BOMB_ADVICE = ("No outreach log is that large: the file is damaged or built to exhaust memory "
                "(a 'zip bomb'). If it is a genuine workbook, delete unused sheets, rows and "
                "pictures, or save the log as .csv, and try again.")


def _check_all_declared(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Each part's declared size and ratio, then the workbook's declared total."""
    for info in infos:
        _check_declared(path, info)
    declared = sum(i.file_size for i in infos)
    if declared > MAX_TOTAL_BYTES:
        raise ResourceLimitError(
            f"{path}: the workbook inflates to {declared:,} bytes (limit "
            f"{MAX_TOTAL_BYTES:,}). {_BOMB_ADVICE}")


def _check_declared(path: Path, info: zipfile.ZipInfo) -> None:
    usize, csize = info.file_size, info.compress_size
    if usize > MAX_PART_BYTES:
        raise ResourceLimitError(
            f"{path}: part '{info.filename}' inflates to {usize:,} bytes (limit "
            f"{MAX_PART_BYTES:,}). {_BOMB_ADVICE}")
    if usize > RATIO_FLOOR and usize > MAX_RATIO * max(csize, 1):
        raise ResourceLimitError(
            f"{path}: part '{info.filename}' inflates to {usize:,} bytes from {csize:,} "
            f"({usize // max(csize, 1):,} times; limit {MAX_RATIO} times for parts over "
            f"{RATIO_FLOOR // 2**20} MB). {_BOMB_ADVICE}")


def _is_worksheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml") and name.count("/") == 2


def _inflate(path: Path, fh, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes as stored, inflated in chunks of at most ``_CHUNK``."""
    damaged = UnreadableFileError(f"{path}: the file is damaged (part '{info.filename}' cannot "
                                  "be unpacked). Ask for the file again or re-save it.")
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) < 30 or local[:4] != _ZIP_MAGIC:
        raise damaged
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    left = info.compress_size
    if info.flag_bits & 0x1:
        raise UnreadableFileError(f"{path}: the workbook is password-protected (encrypted zip). "
                                  "Remove the password and save it again.")
    if info.compress_type == zipfile.ZIP_STORED:
        while left > 0:
            raw = fh.read(min(left, _CHUNK))
            if not raw:
                raise damaged
            left -= len(raw)
            yield raw
        return
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise UnreadableFileError(
            f"{path}: part '{info.filename}' uses a compression method spreadsheet programs do "
            "not write. Open the file in a spreadsheet program and save it again.")
    inflater = zlib.decompressobj(-15)
    while left > 0 and not inflater.eof:
        raw = fh.read(min(left, 1 << 16))
        if not raw:
            raise damaged
        left -= len(raw)
        try:
            while raw and not inflater.eof:
                out = inflater.decompress(raw, _CHUNK)
                raw = inflater.unconsumed_tail
                if out:
                    yield out
        except zlib.error as exc:
            raise damaged from exc


def _scan_part(path: Path, fh, info: zipfile.ZipInfo, *, is_sheet: bool,
               budget: int, ods_tables: _OdsArea | None = None) -> _PartScan:
    """Inflate one part, refusing bombs and DTDs; for a worksheet, bound its used area.

    For an .ods ``content.xml`` (*ods_tables*), each table's used area is
    computed from its repeat counts and refused over :data:`MAX_CELLS`.
    For an .xlsx worksheet the area is first bounded cheaply (row tags, column
    letters); only when that bound is over :data:`MAX_CELLS`, or cells lack
    references, or a reference has more digits than its rows, is the exact
    rectangle (what calamine allocates: the span of cells holding something)
    computed in a second, slower pass.
    """
    scan = _PartScan()
    fast = _FastBound()
    carry = b""
    head: bytes | None = b"" if is_sheet and ods_tables is None else None
    # a worksheet's (data, body, where data starts in the part), checked in batches
    pending: list[tuple[bytes, bytes, int]] = []
    pending_size = 0
    utf8 = True  # so far; python-calamine refuses text that is not, fastexcel lets it pass
    for chunk in _inflate(path, fh, info):
        if head is not None and scan.head is None:
            head, scan.head = _find_head(head + chunk)
        start = scan.size - len(carry)
        scan.size += len(chunk)
        if scan.size > MAX_PART_BYTES or scan.size > budget:
            limit = min(MAX_PART_BYTES, budget)
            raise ResourceLimitError(
                f"{path}: part '{info.filename}' inflates to more than {limit:,} bytes "
                f"(declared {info.file_size:,}; limit {MAX_PART_BYTES:,} per part, "
                f"{MAX_TOTAL_BYTES:,} per workbook). {_BOMB_ADVICE}")
        if scan.size > info.file_size:
            raise ResourceLimitError(
                f"{path}: part '{info.filename}' inflates to more than the {info.file_size:,} "
                "bytes its header declares: the archive is damaged or crafted to slip past size "
                f"checks. {_BOMB_ADVICE}")
        data = carry + chunk
        if not is_sheet:
            _refuse_dtd(path, info, data)
            carry = data[-16:]
            if ods_tables is not None:
                ods_tables.feed(chunk)
            continue
        body, carry = _split_at_cell(data)
        fast.rows(body)
        if utf8 and (head is not None or scan.head is not None):  # a column-wise candidate
            utf8 = _is_utf8(body)
        pending.append((data, body, start))
        pending_size += len(data)
        if pending_size >= _FILTER_BATCH or not fast.cols:
            _check_cells(path, info, fast, pending, scan)
            pending, pending_size = [], 0
    if not is_sheet:
        if ods_tables is not None:
            ods_tables.close()
        return scan
    _check_cells(path, info, fast, pending, scan)
    fast.rows(carry)
    fast.update(carry, scan)
    if not (fast.rows_in_order and utf8 and _is_utf8(carry)):
        scan.head = None
    scan.rows, scan.cols = fast.bound()
    rows, cols = _extent(scan)
    if fast.exact_needed or rows * cols > MAX_CELLS:
        scan.rows, scan.cols = _exact_area(path, fh, info)
    return scan


def _check_cells(path: Path, info: zipfile.ZipInfo, fast: _FastBound,
                 pending: list[tuple[bytes, bytes, int]], scan: _PartScan) -> None:
    """The DTD and cell checks for a batch of a worksheet's chunks (see ``quiet``).

    Cells are checked against the rows up to the batch's end: still within the
    bound, which is the largest row of the whole part. Past the head, a cell or row
    tag in the head's rows (which the column-wise reader would miss) takes the
    sheet off that path: the quick filter looks for those too in chunks wholly past
    the head, and a chunk it does not clear is searched for them on its own.
    """
    cut = len(scan.head) if scan.head is not None else None
    past = [cut is not None and start >= cut for _, _, start in pending]
    quiet = [False] * len(pending)
    for group in (True, False):
        picked = [k for k, p in enumerate(past) if p is group]
        if picked:
            found = fast.quiet([pending[k][0] for k in picked],
                               also=columnar.head_rows_pattern() if group else None)
            for k, ok in zip(picked, found, strict=True):
                quiet[k] = ok
    unchecked = []
    for (data, body, start), skip, wholly_past in zip(pending, quiet, past, strict=True):
        if not skip:
            _refuse_dtd(path, info, data)
            fast.update(body, scan)
        if cut is not None and start + len(data) > cut and not (skip and wholly_past):
            unchecked.append(data[max(0, cut - start):])
    if unchecked and scan.head is not None and columnar.in_head_rows(unchecked):
        scan.head = None


_FILTER_BATCH = 8 * _CHUNK  #: inflated bytes per quick-filter search (one RE2 compile)


def _refuse_dtd(path: Path, info: zipfile.ZipInfo, data: bytes) -> None:
    if _DTD.search(data):
        raise UnreadableFileError(
            f"{path}: part '{info.filename}' declares a DOCTYPE or ENTITY, which spreadsheet "
            "programs never write (the 'billion laughs' attack uses them); the file was not "
            "read. If you trust it, open it in a spreadsheet program and save it again.")


def _is_utf8(data: bytes) -> bool:
    """Whether *data* (cut at a tag's start) is valid UTF-8; ASCII is checked in C at once."""
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _find_head(xml: bytes) -> tuple[bytes | None, bytes | None]:
    """``(xml still being searched, head found)`` for the columnar reader's head."""
    cut = columnar.head_cut(xml)
    if cut is not None:
        return None, xml[:cut]
    return (xml, None) if len(xml) <= _HEAD_SEARCH else (None, None)


_HEAD_SEARCH = 8 * _CHUNK  #: a head longer than this is not worth the search


def _split_at_cell(data: bytes) -> tuple[bytes, bytes]:
    """Cut before the last cell start (so no cell is split), or keep a short tail."""
    cut = data.rfind(b"<c", max(0, len(data) - 16384))
    cut = cut if cut > 0 else max(0, len(data) - 64)
    return data[:cut], data[cut:]


_ROW_TAG = re.compile(rb'<row(?: r="([0-9]{1,7})"|[ >])')  # the group is empty: no number


class _FastBound:
    """An upper bound of a worksheet's used area from cheap scans of its XML."""

    def __init__(self) -> None:
        self.max_row = 0
        self.cols: set[bytes] = set()
        self.exact_needed = False
        self.rows_in_order = True  # every row tag numbered, each above the one before

    def rows(self, body: bytes) -> None:
        """Take in *body*'s row tags (before its cells are checked against them)."""
        tags = _ROW_TAG.findall(body)
        if tags:
            numbers = list(map(int, filter(None, tags)))
            if self.rows_in_order and (len(numbers) != len(tags) or numbers[0] <= self.max_row
                                       or sorted(set(numbers)) != numbers):
                self.rows_in_order = False
            self.max_row = max(self.max_row, *numbers) if numbers else self.max_row

    def quiet(self, chunks: list[bytes], also: str | None = None) -> list[bool]:
        """Per chunk, whether it certainly holds nothing :meth:`update` or the DTD check
        acts on.

        One linear-time RE2 search (Arrow's regex kernel, about four times faster here
        than Python's per-cell matching) for anything they look for: a DTD, an error
        cell, a cell without a leading reference, in a column not seen yet or below the
        rows so far; and for *also*, one more RE2 pattern. It may say no where they
        find nothing; then they run.
        """
        if not self.cols or any(len(c) > 2 for c in self.cols) or self.exact_needed:
            return [False] * len(chunks)
        pattern = _quiet_pattern(frozenset(self.cols), self.max_row)
        pattern = f"{pattern}|{also}" if also else pattern
        found = pc.match_substring_regex(pa.array(chunks, pa.binary()), pattern)
        return [not hit for hit in found.to_pylist()]

    def update(self, body: bytes, scan: _PartScan) -> None:
        """Check *body*'s cells (see :meth:`_cells`) and collect its error cells."""
        if not body:
            return
        self._cells(body)
        if b't="e"' in body:
            for m in _ERROR_CELL.finditer(body):
                ref, value = _REF.search(m.group(1)), _VALUE.search(m.group(2))
                if ref and value and len(scan.errors) < 100_000:
                    scan.errors.append((int(ref.group(2)), _col_number(ref.group(1)),
                                        value.group(1).decode("utf-8", "replace")))

    def _cells(self, body: bytes) -> None:
        """Note *body*'s column letters, and whether the exact area is needed: a cell
        without a leading reference, or below every row tag so far."""
        self.cols.update(_COL_REF.findall(body))
        if _CELL_WITHOUT_REF.search(body) or _below_row(self.max_row).search(body):
            self.exact_needed = True

    def bound(self) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
        """Rows 1..largest row tag (no cell lies below it, or exact_needed), columns seen."""
        if not self.cols:
            return None, None
        nums = [_col_number(c) for c in self.cols]
        return (1, max(self.max_row, 1)), (min(nums), max(nums))


@functools.lru_cache(maxsize=64)
def _quiet_pattern(columns: frozenset[bytes], max_row: int) -> str:
    """RE2 for :meth:`_FastBound.quiet`, given the columns seen so far (one or two letters)."""
    return (r'<!(?i:doctype|entity)|t="e"|<c(?:>| (?:[^r]|r[^=]|r=[^"]))'
            rf'|<c r="(?:{_other_columns(columns)})[0-9]'
            rf'|<c r="[A-Z]{{1,3}}{_below(max_row).decode()}')


def _other_columns(columns: frozenset[bytes]) -> str:
    """A regex for the column letters not in *columns* (none of three letters)."""
    def others(known: set[str]) -> str:
        return "".join(ch for ch in string.ascii_uppercase if ch not in known)

    names = {c.decode() for c in columns}
    singles = others({c for c in names if len(c) == 1})
    alternatives = [f"[{singles}]"] if singles else []
    for first in string.ascii_uppercase:
        seconds = others({c[1] for c in names if len(c) == 2 and c[0] == first})
        if seconds:
            alternatives.append(first + (f"[{seconds}]" if len(seconds) < 26 else "[A-Z]"))
    return "|".join([*alternatives, "[A-Z]{3}"])


def _below(max_row: int) -> bytes:
    """A row number over *max_row* (or written with a leading zero), then its quote."""
    digits = str(max_row)
    over = [rb"0", rb"[0-9]{%d,}" % (len(digits) + 1)]  # a leading zero, or more digits
    for k, d in enumerate(digits):
        if d != "9":  # as many digits: equal up to k, larger at k
            over.append(digits[:k].encode()
                        + b'[%d-9][0-9]{%d}"' % (int(d) + 1, len(digits) - k - 1))
    return b"(?:%s)" % b"|".join(over)


_COL_REF = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
_CELL_WITHOUT_REF = re.compile(rb'<c(?:>| (?!r="))')


@functools.lru_cache(maxsize=64)
def _below_row(max_row: int) -> re.Pattern[bytes]:
    """A cell with a row over *max_row* (or written with a leading zero)."""
    return re.compile(rb'<c r="[A-Z]{1,3}%s' % _below(max_row))


def _exact_area(path: Path, fh, info: zipfile.ZipInfo):
    """The span of rows and columns of cells holding something, as calamine computes it."""
    rows = cols = None
    row = 0
    col = 0
    carry = b""
    for chunk in _inflate(path, fh, info):
        body, carry = _split_at_cell(carry + chunk)
        for m in _TAG.finditer(body):
            if m.group(1) == b"row":
                ref = _ROW_R.search(m.group(2))
                row = int(ref.group(1)) if ref else row + 1
                col = 0
                continue
            ref = _REF.search(m.group(2))
            if ref:
                r, col = int(ref.group(2)), _col_number(ref.group(1))
            else:
                r, col = max(row, 1), col + 1
            if m.group(3):  # <c .../> holds nothing; calamine skips it
                continue
            rows = (r, r) if rows is None else (min(rows[0], r), max(rows[1], r))
            cols = (col, col) if cols is None else (min(cols[0], col), max(cols[1], col))
    for m in _TAG.finditer(carry):  # the last cell
        if m.group(1) == b"c" and not m.group(3):
            ref = _REF.search(m.group(2))
            r, col = (int(ref.group(2)), _col_number(ref.group(1))) if ref else (row, col + 1)
            rows = (r, r) if rows is None else (min(rows[0], r), max(rows[1], r))
            cols = (col, col) if cols is None else (min(cols[0], col), max(cols[1], col))
    return rows, cols


_TAG = re.compile(rb"<(row|c)\b([^>]*?)(/?)>")
_ROW_R = re.compile(rb'\br="([0-9]{1,7})"')

# .ods content.xml: the tags that place cells, with their repeat counts
_ODS_TAG = re.compile(rb"<(/?)table:(table|table-row|table-cell|covered-table-cell)"
                      rb"(?=[\s/>])([^>]*?)(/?)>")
_ODS_ROWS = re.compile(rb'\btable:number-rows-repeated\s*=\s*["\']\s*([0-9]{1,18})')
_ODS_COLS = re.compile(rb'\btable:number-columns-repeated\s*=\s*["\']\s*([0-9]{1,18})')
_ODS_VALUE = re.compile(rb"\b(?:[\w-]+:value-type|table:formula)\s*=")
_ODS_NAME = re.compile(rb'\btable:name\s*=\s*"([^"]*)"')
_ODS_MAX_TAG = 1 << 20
_ODS_CARRY = 4 << 20
_ODS_ROW = re.compile(rb"<table:table-row(?=[\s/>])([^>]*?)(/?)>")
_ODS_ROW_END = b"</table:table-row>"
_ODS_TABLE = re.compile(rb"</?table:table[\s/>]")  # a table starts or ends in this piece


class _OdsArea:
    """Each ``<table:table>``'s used area in an .ods ``content.xml``, fed in chunks.

    Repeat counts (``table:number-rows-repeated``, ``number-columns-repeated``)
    are multiplied out as positions, never as cells, so the pass is as cheap as
    the bytes it reads. Only cells holding something (a value type, a formula
    or content) extend the area; the empty rows and columns LibreOffice writes
    up to the grid's end do not. The area counts from A1, as the reader pads
    the grid from there. A table over :data:`MAX_CELLS` is refused here,
    before calamine expands the repeats into memory.

    Rows are taken whole and measured with a few byte searches (their cell tags
    and repeat counts up to the last cell holding something); the tags around
    rows, and rows holding tables, go through the tag-by-tag path.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.carry = b""
        self.depth = 0  # nested tables (a table inside a cell) are counted with the outer one
        self.name = ""
        self.in_row = False
        self.row = 0  # rows placed so far in the current table
        self.col = 0  # cells placed so far in the current row
        self.row_repeat = 1
        self.row_last = 0  # 1-based column of the row's last cell holding something
        self.last_row = 0
        self.last_col = 0

    def feed(self, chunk: bytes) -> None:
        data = self.carry + chunk if self.carry else chunk
        end = data.rfind(_ODS_ROW_END)
        if end < 0:
            if len(data) <= _ODS_CARRY:
                self.carry = data
                return
            self.carry = b""
            self._tags(self._keep_open_tag(data))
            return
        end += len(_ODS_ROW_END)
        self.carry = data[end:]
        pieces = data[:end].split(_ODS_ROW_END)
        pieces.pop()  # empty: the data ends with a row's end
        tables = _ODS_TABLE.search(data, 0, end) is not None
        for piece in pieces:
            if not self._simple_row(piece, tables):
                self._tags(piece + _ODS_ROW_END)

    def close(self) -> None:
        if self.carry:
            self._tags(self.carry)
            self.carry = b""
        if self.depth:  # content.xml cut off inside a table: check what was placed
            self._end_table()

    def _keep_open_tag(self, data: bytes) -> bytes:
        """*data* up to an unfinished last tag, which is kept for the next chunk."""
        cut = data.rfind(b"<")
        if cut < 0 or data.find(b">", cut) >= 0:
            return data
        tail = data[cut:]
        if len(tail) <= _ODS_MAX_TAG:
            self.carry = tail
        elif tail.startswith((b"<table:", b"</table:")):
            raise UnreadableFileError(
                f"{self.path}: 'content.xml' holds a table tag over {_ODS_MAX_TAG:,} bytes "
                "long, which spreadsheet programs never write. Open the file in a spreadsheet "
                "program and save it again.")
        return data[:cut]

    def _simple_row(self, piece: bytes, tables: bool = True) -> bool:
        """Measure a whole row (*piece* ends where its end tag was) with byte counts."""
        if self.depth != 1 or self.in_row or (tables and _ODS_TABLE.search(piece)):
            return False
        start = piece.find(b"<table:table-row")
        if start < 0 or piece.find(b"<table:table-row", start + 16) >= 0:
            return False  # no row start, or several (self-closing rows, row groups)
        m = _ODS_ROW.match(piece, start)
        if m is None or m.group(2):
            return False
        cells = piece[m.end():]
        rep = _ODS_ROWS.search(m.group(1))
        self.row += max(int(rep.group(1)), 1) if rep else 1
        # the last cell holding something ends at the last end tag, or holds the last value
        # attribute (a self-closing cell); the row's width is measured up to that cell
        last = max(cells.rfind(b"</table:table-cell>"), cells.rfind(b"</table:covered-table-cell>"),
                   cells.rfind(b"value-type"), cells.rfind(b"table:formula"))
        if last < 0:
            return True
        used = cells[:cells.find(b">", last) + 1 or len(cells)]
        width = used.count(b"<table:table-cell") + used.count(b"<table:covered-table-cell")
        if b"-repeated" in used:
            width += sum(max(int(n), 1) - 1 for n in _ODS_COLS.findall(used))
        if width:
            self.last_row = self.row
            self.last_col = max(self.last_col, width)
        return True

    def _tags(self, data: bytes) -> None:
        for m in _ODS_TAG.finditer(data):
            self._tag(m.group(1) == b"/", m.group(2), m.group(3), m.group(4) == b"/")

    def _tag(self, end: bool, kind: bytes, attrs: bytes, empty: bool) -> None:
        if kind == b"table":
            if end:
                self.depth -= 1
                if self.depth == 0:
                    self._end_table()
            elif not empty:
                self.depth += 1
                if self.depth == 1:
                    name = _ODS_NAME.search(attrs)
                    self.name = html.unescape(name.group(1).decode("utf-8", "replace")) \
                        if name else ""
                    self.row = self.last_row = self.last_col = 0
                    self.in_row = False
            return
        if self.depth != 1:
            return
        if kind == b"table-row":
            if end:
                self._end_row()
                return
            rep = _ODS_ROWS.search(attrs)
            self.row_repeat = max(int(rep.group(1)), 1) if rep else 1
            self.col = self.row_last = 0
            self.in_row = True
            if empty:
                self._end_row()
            return
        if end:
            return
        rep = _ODS_COLS.search(attrs)
        self.col += max(int(rep.group(1)), 1) if rep else 1
        if not empty or _ODS_VALUE.search(attrs):
            self.row_last = self.col

    def _end_row(self) -> None:
        self.row += self.row_repeat
        if self.row_last:
            self.last_row = self.row
            self.last_col = max(self.last_col, self.row_last)
        self.row_repeat = 1
        self.col = self.row_last = 0
        self.in_row = False

    def _end_table(self) -> None:
        self.depth = 0
        _check_area(self.path, self.name, self.last_row, self.last_col)


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)>")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')


def _sheet_parts(zf: zipfile.ZipFile, parts: dict[str, _PartScan]) -> dict[str, str]:
    """Sheet name -> worksheet part, from workbook.xml and its relationships (best effort)."""
    try:
        workbook = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except (KeyError, *_ZIP_ERRORS):
        return {}
    targets = {}
    for m in _REL_TAG.finditer(rels):
        attrs = dict(_ATTR.findall(m.group(1)))
        target = attrs.get(b"Target", b"").decode("utf-8", "replace")
        target = target[1:] if target.startswith("/") else posixpath.join("xl", target)
        targets[attrs.get(b"Id", b"")] = posixpath.normpath(target)
    out = {}
    for m in _SHEET_TAG.finditer(workbook):
        attrs = {k.split(b":")[-1] if k != b"name" else k: v
                 for k, v in _ATTR.findall(m.group(1))}
        name = html.unescape(attrs.get(b"name", b"").decode("utf-8", "replace"))
        part = targets.get(attrs.get(b"id", b""))
        if name and part in parts:
            out[name] = part
    return out


def _check_area(path: Path, sheet: str, rows: int, cols: int) -> None:
    if rows * cols > MAX_CELLS:
        raise ResourceLimitError(
            f"{path}, sheet '{sheet}': the used area spans {rows:,} rows x {cols:,} columns "
            f"({rows * cols:,} cells; limit {MAX_CELLS:,}). A stray value far below or right "
            "of the data makes the area this big (Ctrl+End in Excel shows it): delete the empty "
            "rows and columns after the data and save, or save the sheet as .csv.")


def _read_workbook(path: Path, only_sheet: str | None, scan: _ZipScan | None = None,
                   tails: columnar.Tails | None = None) -> list[RawSheet]:
    try:
        wb = calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError as exc:
        raise UnreadableFileError(
            f"{path}: the workbook is password-protected. Remove the password and save it again."
        ) from exc
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine raises unrelated types, Rust panics included
        raise UnreadableFileError(
            f"{path}: cannot be read as a workbook ({_short(exc)}). "
            "It may be damaged or cut off; ask for the file again or save it as .xlsx."
        ) from exc
    names = list(wb.sheet_names)
    if only_sheet is not None:
        if only_sheet not in names:
            raise UnreadableFileError(
                f"{path}: there is no sheet '{only_sheet}'. Sheets: {', '.join(names)}."
            )
        names = [only_sheet]
    modified = path.stat().st_mtime
    sheets = []
    for name in names:
        part = scan.parts.get(scan.sheet_parts.get(name, "")) if scan else None
        if scan and part is None and len(scan.sheet_parts) != len(wb.sheet_names):
            # sheet not tied to a part: bound it by the largest area of any worksheet
            part = max((p for n, p in scan.parts.items() if _is_worksheet(n)),
                       key=lambda p: _area(p), default=None)
        if part is not None:
            _check_area(path, name, *_extent(part))
        columns = _read_columns(path, name, part, scan, tails)
        if columns is not None:
            sheets.append(RawSheet(path, name, columns, 1, modified=modified))
            continue
        try:
            data = wb.get_sheet_by_name(name)
            _check_area(path, name, data.height, data.width)
            rows = data.to_python(skip_empty_area=False)
        except InfoviewError:
            raise
        except (KeyboardInterrupt, SystemExit):
            raise
        except MemoryError as exc:
            raise ResourceLimitError(f"{path}, sheet '{name}': not enough memory to read the "
                                     "sheet. Save it as .csv, or split it.") from exc
        except BaseException as exc:
            raise UnreadableFileError(
                f"{path}, sheet '{name}': cannot be read ({_short(exc)}). "
                "The file may be damaged; open and re-save it."
            ) from exc
        raw = RawSheet(path, name, _trim(rows), 1, modified=modified)
        if part is not None and scan and scan.sheet_parts.get(name):
            raw.cell_problems = [(r, c - 1, v, _error_message(v)) for r, c, v in part.errors
                                 if r <= len(raw.rows)]
        sheets.append(raw)
    return sheets


def _read_columns(path: Path, name: str, part: _PartScan | None, scan: _ZipScan | None,
                  tails: columnar.Tails | None) -> Rows | None:
    """A big, regular .xlsx sheet read column-wise (see :mod:`.columnar`), else None."""
    if (scan is None or part is None or name not in scan.sheet_parts or part.head is None
            or part.errors or _extent(part)[0] < columnar.MIN_ROWS or not columnar.available()):
        return None
    worksheets = {n for n in scan.parts if _is_worksheet(n)}
    return columnar.read_sheet(path, name, scan.sheet_parts[name], part.head, worksheets, tails)


def _extent(part: _PartScan) -> tuple[int, int]:
    """Rows x columns the sheet is read as: from A1 (the grid is padded from there) to
    the last cell holding something."""
    if part.rows is None or part.cols is None:
        return 0, 0
    return part.rows[1], part.cols[1]


def _area(part: _PartScan) -> int:
    rows, cols = _extent(part)
    return rows * cols


EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                          "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!",
                          "#CONNECT!", "#BUSY!", "#UNKNOWN!"})


def _error_message(value: str) -> str:
    return (f"spreadsheet error {value} (a formula that failed or points at something deleted); "
            "left empty - fix the formula in the file")


def _trim(rows: list[list[object]]) -> Rows:
    """Cells as None when empty; trailing empty rows and columns dropped.

    Done on one object array (C loops) rather than cell by cell: a 100,000-row
    sheet has two million cells.
    """
    lengths = set(map(len, rows))  # C loops: no Python frame per row
    width = max(lengths, default=0)
    if not width:
        return Rows(np.empty((0, 0), dtype=object))
    if len(lengths) > 1:
        rows = [r + [None] * (width - len(r)) for r in rows]
    grid = np.array(rows, dtype=object)  # rectangular lists of scalars: a 2-D array
    grid[grid == ""] = None
    return Rows(_trim_grid(grid))


def _trim_grid(grid: np.ndarray) -> np.ndarray:
    """*grid* (empty cells already None) without its trailing empty rows and columns."""
    if not grid.size:
        return grid[:0, :0]
    filled = np.not_equal(grid, None)
    used_rows = np.flatnonzero(filled.any(axis=1))
    if not len(used_rows):
        return grid[:0, :0]
    grid = grid[: used_rows[-1] + 1]
    used_cols = np.flatnonzero(filled[: used_rows[-1] + 1].any(axis=0))
    return grid[:, : used_cols[-1] + 1]


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


# ---------------------------------------------------------------------------
# Text tables
# ---------------------------------------------------------------------------
def _read_text(path: Path, size: int) -> RawSheet:
    if size > MAX_TEXT_BYTES:
        raise ResourceLimitError(
            f"{path}: the text file is {size:,} bytes (limit {MAX_TEXT_BYTES:,}); no outreach log "
            "is that large. Check that the right file was sent, or split it.")
    if size >= BYTES_PATH_MIN:  # read by Arrow, into memory its allocator has ready
        with pa.OSFile(str(path)) as fh:
            buffer = fh.read_buffer()
        split = _split_utf8(path, buffer)
        if split is not None:
            return split
        data = buffer.to_pybytes()
        del buffer
    else:
        data = path.read_bytes()
    text, encoding = decode_bytes(data)
    del data  # a big table's bytes need not outlive its text
    if not text.strip("\x00\ufeff \t\r\n\x0b\x0c"):
        raise UnreadableFileError(f"{path}: the file holds no data (only blank space). "
                                  "Re-export or re-send it.")
    if _looks_binary(text):
        raise UnreadableFileError(
            f"{path}: not a text table (the bytes are binary data, not {path.suffix or 'text'}). "
            "Check that the right file was sent; a workbook must keep its .xlsx/.xls name.")
    if "\x00" in text:
        text = text.replace("\x00", "")
        note_nul = ["NUL bytes removed"]
    else:
        note_nul = []
    delimiter = _sniff_delimiter(text, path.suffix.lower())
    notes = [f"encoding {encoding}", f"delimiter {delimiter!r}", *note_nul]
    start = _body(text, delimiter)  # found once for both splitters
    columns = _split_columns(start, delimiter)
    if columns is not None:
        raw = RawSheet(path, None, columns[0], 1, notes=notes, modified=path.stat().st_mtime)
        raw.cell_problems = columns[1]
        return raw
    # a small table is split faster by the csv module than pandas' parser starts up
    split = _split_fast(start, delimiter) if len(text) >= SPLIT_FAST_MIN else None
    if split is None:
        rows = _trim(_split_rows(path, text, delimiter))
        raw = RawSheet(path, None, rows, 1, notes=notes, modified=path.stat().st_mtime)
        raw.cell_problems = _text_errors(rows.array) if _may_hold_errors(text) else []
        return raw
    grid, errors = split
    grid = _trim_grid(grid)
    problems = [] if errors is None else _grid_errors(grid, errors[: grid.shape[0],
                                                                     : grid.shape[1]])
    raw = RawSheet(path, None, Rows(grid), 1, notes=notes, modified=path.stat().st_mtime)
    raw.cell_problems = problems
    return raw


#: characters from which pandas' C parser splits a text table faster than the csv module
#: (about twice as fast at 256K; four times slower at 8K, a student's log)
SPLIT_FAST_MIN = 65_536


def _csv_reader(text: str | io.StringIO, delimiter: str):
    """The csv module's reader over *text* (or its lines, line ends kept): ``"`` quotes,
    doubled quotes, no escape."""
    if csv.field_size_limit() < MAX_TEXT_BYTES:
        csv.field_size_limit(MAX_TEXT_BYTES)  # one long notes cell is not an error
    lines = io.StringIO(text, newline="") if isinstance(text, str) else text
    return csv.reader(lines, delimiter=delimiter)


def _split_rows(path: Path, text: str, delimiter: str) -> list[list[object]]:
    """Split *text* with the csv module, one record at a time (the exact, slower path)."""
    reader = _csv_reader(text, delimiter)
    rows: list[list[object]] = []
    cells = 0
    try:
        for rec in reader:
            cells += len(rec)
            if cells > MAX_CELLS:
                raise ResourceLimitError(
                    f"{path}: more than {MAX_CELLS:,} cells (at row {len(rows) + 1:,}); no "
                    "outreach log is that large. Split the file, or check the delimiter.")
            rows.append([c if c.strip() else None for c in rec])
    except csv.Error as exc:
        raise UnreadableFileError(f"{path}: cannot be split into columns ({exc}).") from exc
    return rows


_ERROR_TEXT = re.compile("|".join(re.escape(e) for e in sorted(EXCEL_ERRORS)))
_SAW_FIELDS = re.compile(r"Expected [0-9]+ fields in line [0-9]+, saw ([0-9]+)")


def _split_fast(start: tuple[str, int, int] | None, delimiter: str
                ) -> tuple[np.ndarray, np.ndarray | None] | None:
    """A text split by pandas' C parser into a grid of cells (blank ones None), or None.

    *start* is what :func:`_body` found in the text (None: leave it to the csv module).
    With the grid comes a mask of its cells holding spreadsheet errors (#REF! ...), or
    None when the text holds none.

    Gives the cells :func:`_split_rows` gives (shorter rows padded): the csv
    dialect is the same (``"`` quotes, doubled quotes, quoted line ends kept,
    no escape character). None, for the csv module to decide, when the text
    could hold more than :data:`MAX_CELLS` cells (the exact count and its
    message are the csv path's), starts with a BOM character the C parser
    would drop, or has a quote left open (the csv module reads to the end).
    Rows longer than the first are found by the parser's error, then parsed
    with that width (a few times at most).
    """
    if start is None:
        return None
    body, blank, records = start
    width: int | None = None
    for _ in range(6):
        try:
            if width is None:  # the first row's width, which the parser pads every row to
                width = _first_width(body, delimiter)
            if records * width > 4 * MAX_CELLS:
                return None  # a ragged file: padding every row to the widest would be too big
            with warnings.catch_warnings():  # a row wider than the names: cells dropped
                warnings.simplefilter("error", pd.errors.ParserWarning)
                frame = pd.read_csv(io.StringIO(body), names=range(width),
                                    **_csv_options(delimiter))
            break
        except pd.errors.ParserError as exc:
            saw = _SAW_FIELDS.search(str(exc))
            if saw is None:
                return None
            width = int(saw.group(1))
        except (pd.errors.EmptyDataError, pd.errors.ParserWarning, ValueError, OverflowError,
                MemoryError):
            return None
    else:
        return None
    grid = frame.to_numpy(dtype=object, copy=False)
    if not grid.flags.writeable:  # one column: a view of the frame's own array
        grid = grid.copy()
    if blank:
        grid = np.concatenate([np.full((blank, grid.shape[1]), "", dtype=object), grid])
    if not _ERROR_TEXT.search(body) and not any(r.search(body) for r in _space_cells(delimiter)):
        grid[grid == ""] = None  # no cell is only whitespace, none holds an error value
        return grid, None
    # a log repeats its values: each distinct one is tested once, blank or spreadsheet error
    codes, uniques = pd.factorize(grid.ravel())
    codes = codes.reshape(grid.shape)
    space, error = _blank_or_error(uniques)
    grid[space[codes]] = None
    return grid, error[codes]


def _body(text: str, delimiter: str) -> tuple[str, int, int] | None:
    """``(text after leading blank lines, how many there were, at least how many records)``;
    None when the text could hold more than :data:`MAX_CELLS` cells or starts with a BOM
    character the parsers would drop: the csv module decides those."""
    body = text.lstrip("\r\n")  # the C parser finds no columns after leading blank lines
    if not body or body.startswith("\ufeff"):
        return None
    lead = text[: len(text) - len(body)]
    blank = lead.count("\n") + lead.count("\r") - lead.count("\r\n")
    records = body.count("\n") + body.count("\r") + 1  # at least as many as there are
    if body.count(delimiter) + records > MAX_CELLS:
        return None
    return body, blank, records


def _csv_options(delimiter: str) -> dict:
    """pandas' C parser with the csv module's dialect, every cell kept as its text."""
    return dict(sep=delimiter, header=None, dtype=object, keep_default_na=False,
                na_filter=False, engine="c", skip_blank_lines=False, quotechar='"',
                doublequote=True, escapechar=None, comment=None, skipinitialspace=False,
                index_col=False)


def _first_width(body: str, delimiter: str) -> int:
    """Fields in the first record, parsed from the text's start only (copying all of a
    big table into the parser's buffer costs more than the parse). A first record
    longer than that start is cut, which the full parse then refuses."""
    start = body[: _WIDTH_SPAN]
    return pd.read_csv(io.StringIO(start), nrows=1, **_csv_options(delimiter)).shape[1]


#: the text a first record's width is read from: a header row longer than this is cut,
#: and the parse then refused, leaving the table to a slower path (copying and decoding
#: more costs every big table a few milliseconds)
_WIDTH_SPAN = 1 << 16


def _first_record(start: str, delimiter: str) -> tuple[list[str], int]:
    """The first record of *start* (a text's start) and the characters it spans, its
    line end included, by the csv module (microseconds, where pandas' parser takes
    milliseconds to start). csv.Error where it does not end inside *start*."""
    lines = io.StringIO(start, newline="")
    record = next(_csv_reader(lines, delimiter), None)
    end = lines.tell()  # the reader takes a line at a time: where the record's lines end
    if not record or end >= len(start):  # (at the end it may be cut, or a CR its LF's)
        raise csv.Error("no first record ending inside the text's start")
    return record, end


_NOT_SPACE = re.compile(rb"[^ \t\r\n\x0b\x0c]")  # found, unlike a strip(), without a copy


def _split_columns(start: tuple[str, int, int] | None, delimiter: str
                   ) -> tuple[Rows, list] | None:
    """A big, regular text table split column-wise (:func:`columnar.split_text`), with
    its cell problems; the cells :func:`_split_fast` gives. None: split it cell by cell."""
    if start is None or start[2] < columnar.MIN_ROWS:
        return None
    body, blank, _ = start
    split = _split_by_arrow(body, body[: _WIDTH_SPAN], delimiter)
    return None if split is None else _coded_table(*split, blank)


def _split_by_arrow(body: str | pa.Buffer, start: str, delimiter: str
                    ) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[str]] | None:
    """``(columns, first)``: *body*'s first record (by the csv module, from *start*, the
    text of its first bytes) and the records under it, split by
    :func:`columnar.split_text` to that record's width; None where either refuses.

    Held apart, the header row's texts are not among the codes of the rows under it,
    which then need no renumbering (a pass over each column of a big table).
    """
    try:
        first, end = _first_record(start, delimiter)
    except csv.Error:
        return None
    rest = body[end:] if isinstance(body, str) else body.slice(len(start[:end].encode()))
    columns = columnar.split_text(rest, delimiter, len(first))
    return None if columns is None else (columns, first)


#: a UTF-8 text table this big or bigger is split straight from its bytes
#: (:func:`_split_utf8`); smaller ones are decoded first, which costs them nothing
BYTES_PATH_MIN = 1 << 20


_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")  # UTF-8, UTF-16 LE and BE


def _split_utf8(path: Path, data: pa.Buffer) -> RawSheet | None:
    """A big UTF-8 text table split column-wise from its bytes, as :func:`_split_columns`
    splits it from its text; None for the text path to decide (any other encoding, NUL
    bytes, a BOM, binary-looking text, blank space at length, ragged or few rows, too
    many cells).

    Decoding a 100,000-lead table, counting its lines and encoding it again for Arrow
    cost about half of what Arrow's parse costs; Arrow checks the UTF-8 itself.
    """
    start = data[: 4 * _SNIFF_CHARS + 3].to_pybytes()
    if start.startswith(_BOMS) or columnar.holds_byte(data, 0):
        return None
    try:  # the first characters, as the text path sees them (a character cut at the end)
        head = start.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        if exc.start < 4 * _SNIFF_CHARS:
            return None  # not UTF-8 in its first characters
        head = start[: exc.start].decode("utf-8")
    head = head[:_SNIFF_CHARS]
    if _looks_binary(head):
        return None
    delimiter = _sniff_delimiter(head, path.suffix.lower())
    lead = len(start) - len(start.lstrip(b"\r\n"))
    if lead == len(start) or _NOT_SPACE.search(start, lead) is None \
            or start.startswith(_BOMS[0], lead):
        return None  # blank at length, or a BOM after blank lines: the text path has the words
    blank = start.count(b"\n", 0, lead) + start.count(b"\r", 0, lead) \
        - start.count(b"\r\n", 0, lead)
    body = data.slice(lead)
    span = body[: _WIDTH_SPAN].to_pybytes()
    try:
        start_text = span.decode("utf-8")
    except UnicodeDecodeError as exc:  # a character cut at the end (or a bad byte, which
        start_text = span[: exc.start].decode("utf-8")  # the first record must end before)
    split = _split_by_arrow(body, start_text, delimiter)
    if split is None:
        return None
    columns, first = split
    records = 1 + (len(columns[0][0]) if columns else 0)
    if records < columnar.MIN_ROWS or records * len(first) > MAX_CELLS:
        return None  # small tables are split cell by cell; the text path counts big ones
    table, problems = _coded_table(columns, first, blank)
    raw = RawSheet(path, None, table, 1, notes=["encoding utf-8", f"delimiter {delimiter!r}"],
                   modified=path.stat().st_mtime)
    raw.cell_problems = problems
    return raw


def _coded_table(columns: list[tuple[np.ndarray, np.ndarray]], first: list[str],
                 blank: int) -> tuple[ColumnRows, list]:
    """:func:`_split_by_arrow`'s first record, *blank* leading blank lines above it, and
    its columns under it, with blank and spreadsheet-error cells emptied, and those
    errors as cell problems. The first record and the blank lines are the rows' head."""
    top = blank + 1  # rows held as cells, above the coded ones
    head = np.full((top, len(first)), None, dtype=object)
    space, error = _blank_or_error(first)
    kept = ~(space | error)
    head[blank, kept] = np.asarray(first, dtype=object)[kept]
    errors = [(blank, int(j), first[j].strip()) for j in np.flatnonzero(error)]
    head_width = int(np.flatnonzero(~space).max(initial=-1)) + 1  # error cells count
    codes, uniques, dense = [], [], []
    for j, (column, values) in enumerate(columns):
        space, error = _blank_or_error(values)
        for k in np.flatnonzero(error):
            errors.extend((top + int(i), j, values[k].strip())
                          for i in np.flatnonzero(column == k))
        if space.any():  # (a new array: the column may be a read-only view of Arrow's)
            column = np.where(np.isin(column, np.flatnonzero(space)), np.int32(-1), column)
        dense.append(not (space.any() or error.any()))  # Arrow's values, each used
        codes.append(column)
        uniques.append(values)
    n, width = used_extent(codes)  # error cells still count, as in _split_fast
    width = max(width, head_width)
    if not width:  # nothing but blank cells
        return ColumnRows([], [], 0), []
    problems = []
    for j in {j for i, j, _ in errors if i >= top}:
        codes[j] = codes[j].copy()  # a column of Arrow's is read-only
    # (every error cell is inside the extent: it was counted before it is emptied here)
    for i, j, value in sorted(errors):
        if i >= top:
            codes[j][i - top] = -1
        problems.append((i + 1, j, value, _error_message(value)))
    return ColumnRows([c[:n] for c in codes[:width]], uniques[:width], n, ordered=True,
                      dense=dense[:width], head=head[:, :width]), problems


@functools.lru_cache(maxsize=8)
def _space_cells(delimiter: str) -> tuple[re.Pattern[str], ...]:
    r"""Where a cell holding only whitespace may be in the text (no match: there is none).

    Unquoted, such a cell is a run of whitespace (other than line ends and the
    delimiter) after a cell's start, up to a cell's end; quoted, whitespace
    between quotes, or an empty quoted part followed by whitespace. ``\s`` is
    what ``str.isspace`` (so ``str.strip``) counts as whitespace. Three
    patterns, each starting with a character the search can skip to.
    """
    d = re.escape(delimiter)
    end = rf"(?:[{d}\r\n]|\Z)"
    return (re.compile(rf"\A[^\S\r\n{d}]+{end}"), re.compile(rf"[{d}\r\n][^\S\r\n{d}]+{end}"),
            re.compile(rf'"\s+"|""[^\S\r\n{d}]'))


def _grid_errors(grid: np.ndarray, errors: np.ndarray) -> list[tuple[int, int, str, str]]:
    """:func:`_text_errors` on a grid: cells marked in *errors* made empty, each reported."""
    found = []
    for i, j in np.argwhere(errors):
        value = grid[i, j].strip()
        grid[i, j] = None
        found.append((int(i) + 1, int(j), value, _error_message(value)))
    return found


def _text_errors(grid: np.ndarray) -> list[tuple[int, int, str, str]]:
    """Excel error values saved as text (#REF!, #N/A ...): made empty, each reported."""
    errors = np.vectorize(_is_error_text, otypes=[bool])(grid) if grid.size else None
    return [] if errors is None else _grid_errors(grid, errors)


def _blank_or_error(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per text: whether it is only whitespace (an empty cell), and whether it is a
    spreadsheet error value (emptied, and reported)."""
    # (isspace: what strip() strips, with no copy made)
    space = np.fromiter((not t or t.isspace() for t in texts), dtype=bool, count=len(texts))
    return space, np.fromiter(map(_is_error_text, texts), dtype=bool, count=len(texts))


def _is_error_text(cell: object) -> bool:
    return isinstance(cell, str) and cell.startswith("#") and cell.strip() in EXCEL_ERRORS


def _may_hold_errors(text: str) -> bool:
    """Whether the text holds an Excel error value anywhere (substring searches run in C)."""
    return any(e in text for e in EXCEL_ERRORS)


#: control characters but tab, line ends, NUL and end-of-file; C1 controls; U+FFFD
_BINARY_CHAR = re.compile("[\x01-\x08\x0e-\x19\x1b-\x1f\x7f-\x9f\ufffd]")


def _looks_binary(text: str) -> bool:
    """Control characters (other than tab, line ends, NUL) or undecodable bytes in bulk."""
    sample = text[:_SNIFF_CHARS]
    return len(_BINARY_CHAR.findall(sample)) > max(2, len(sample) // 100)


# ---------------------------------------------------------------------------
# HTML tables (web systems' "Excel" exports)
# ---------------------------------------------------------------------------
class _TableParser(HTMLParser):
    """Rows of every <table>, nested ones separately; colspan keeps columns aligned."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[object]]] = []
        self._open: list[dict] = []  # per open table: rows, current cell text
        self.cells = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._open.append({"rows": [], "cell": None, "span": 1, "row": False})
            return
        if not self._open:
            return
        t = self._open[-1]
        if tag == "tr":
            self._end_cell(t)
            t["rows"].append([])
            t["row"] = True
        elif tag in ("td", "th"):
            self._end_cell(t)
            if not t["row"]:
                t["rows"].append([])
                t["row"] = True
            span = (dict(attrs).get("colspan") or "1").strip()
            t["span"] = min(max(int(span), 1), 1000) if re.fullmatch("[0-9]{1,4}", span) else 1
            t["cell"] = []
        elif t["cell"] is not None and (tag == "br" or (tag in ("p", "div", "li") and t["cell"])):
            t["cell"].append("\n")

    def handle_endtag(self, tag: str) -> None:
        if not self._open:
            return
        t = self._open[-1]
        if tag in ("td", "th"):
            self._end_cell(t)
        elif tag == "tr":
            self._end_cell(t)
            t["row"] = False
        elif tag == "table":
            self._end_cell(t)
            self.tables.append(self._open.pop()["rows"])

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1]["cell"] is not None:
            self._open[-1]["cell"].append(data)

    def _end_cell(self, t: dict) -> None:
        if t["cell"] is None:
            return
        lines = "".join(t["cell"]).replace("\xa0", " ").split("\n")
        text = "\n".join(" ".join(line.split()) for line in lines).strip()
        t["rows"][-1].extend([text or None] + [None] * (t["span"] - 1))
        self.cells += t["span"]
        if self.cells > MAX_CELLS:
            raise _TooManyCells
        t["cell"], t["span"] = None, 1

    def close(self) -> None:
        super().close()
        while self._open:
            t = self._open[-1]
            self._end_cell(t)
            self.tables.append(self._open.pop()["rows"])


class _TooManyCells(Exception):
    pass


_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


def _read_html(path: Path, size: int) -> list[RawSheet]:
    """A web page's tables as sheets; one table is read as the file's only sheet."""
    if size > MAX_TEXT_BYTES:
        raise ResourceLimitError(
            f"{path}: the web page is {size:,} bytes (limit {MAX_TEXT_BYTES:,}). "
            "Export a smaller range or save it as .csv.")
    data = path.read_bytes()
    declared = _CHARSET.search(data[:4096])
    text = None
    if declared and not data.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        try:
            text = data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            text = None
    if text is None:
        text = decode_bytes(data)[0]
    parser = _TableParser()
    try:
        parser.feed(text.replace("\x00", ""))
        parser.close()
    except _TooManyCells as exc:
        raise ResourceLimitError(f"{path}: the web page's tables hold more than {MAX_CELLS:,} "
                                 "cells; no outreach log is that large.") from exc
    tables = [rows for rows in parser.tables
              if sum(c is not None for r in rows for c in r) >= 2]
    what = path.suffix or "no"
    if not tables:
        raise UnreadableFileError(
            f"{path}: this is a web page (HTML) saved with a {what} name, and it holds no table "
            "of data (a login or error page saved instead of the export?). Download the export "
            "again, or open it in Excel and save it as .xlsx or .csv.")
    modified = path.stat().st_mtime
    out = []
    for i, rows in enumerate(tables, start=1):
        raw = RawSheet(path, None if len(tables) == 1 else f"Table {i}", _trim(rows), 1,
                       notes=[f"web page (HTML) table {i} of {len(tables)}"], modified=modified)
        raw.cell_problems = _text_errors(raw.rows.array)
        out.append(raw)
    return out


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode a text file: BOMs, UTF-16 without BOM, UTF-8, then cp1252 or Mac Roman.

    Examples
    --------
    >>> decode_bytes("caf\u00e9".encode("utf-8"))
    ('café', 'utf-8')
    >>> decode_bytes(b"Don\\xd5t stop")
    ('Don’t stop', 'mac_roman')
    >>> decode_bytes(b"Don\\x92t stop")
    ('Don’t stop', 'cp1252')
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    sample = data[:4096]
    if len(sample) >= 4 and sample.count(b"\x00") > len(sample) // 4:
        enc = "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
        return data.decode(enc, errors="replace"), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = [(enc, data.decode(enc, errors="replace")) for enc in ("cp1252", "mac_roman")]
    best = max(candidates, key=lambda c: _plausibility(c[1]))
    return best[1], best[0]


_LIKELY = set("’‘“”–—…•éèêëàâäçîïôöùûüñáíóúÉÀÇ€£°")


def _plausibility(text: str) -> int:
    """Score decoded text: common punctuation and accents up, rare symbols down."""
    score = 0
    for ch in text:
        if ord(ch) < 128:
            continue
        score += 2 if ch in _LIKELY else -1
    return score


_SNIFF_CHARS = 65536  #: the delimiter and binary content are judged on this many characters


def _sniff_delimiter(text: str, suffix: str) -> str:
    if suffix == ".tsv":
        return "\t"
    lines = [ln for ln in text[:_SNIFF_CHARS].splitlines()[:60] if ln.strip()]
    best, best_score = ",", -1.0
    for delim in _DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=delim)]
        if not counts:
            continue
        common = max(set(counts), key=counts.count)
        if common < 2:
            continue
        score = counts.count(common) / len(counts) * min(common, 50)
        if score > best_score:
            best, best_score = delim, score
    return best
