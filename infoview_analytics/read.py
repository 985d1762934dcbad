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
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine as calamine

from .errors import UnreadableFileError

__all__ = ["RawSheet", "read_file", "iter_input_files", "WORKBOOK_SUFFIXES", "TEXT_SUFFIXES"]

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})
TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
SUPPORTED_SUFFIXES = WORKBOOK_SUFFIXES | TEXT_SUFFIXES

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_DELIMITERS = (",", ";", "\t", "|")


@dataclass
class RawSheet:
    """One sheet's cells as read, with where they came from.

    ``rows[i]`` is spreadsheet row ``first_row + i`` (1-based). Cells are
    Python values: ``str``, ``float``, ``int``, ``bool``, ``datetime``/``date``
    or ``None`` for an empty cell. Trailing empty rows are already trimmed.
    """

    file: Path
    sheet: str | None
    rows: list[list[object]]
    first_row: int = 1
    notes: list[str] = field(default_factory=list)
    modified: float | None = None

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
        The file is empty, password-protected, truncated, or not a spreadsheet.
    """
    path = Path(path)
    try:
        head = path.read_bytes()[:8192] if path.stat().st_size else b""
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableFileError(f"{path}: cannot open ({exc.strerror}).") from exc
    if size == 0:
        raise UnreadableFileError(f"{path}: the file is empty (0 bytes). Re-export or re-send it.")
    suffix = path.suffix.lower()
    kind = _sniff_kind(head, suffix)
    if kind == "text":
        return [_read_text(path)]
    _check_workbook(path, head, kind)
    return _read_workbook(path, sheet)


def _sniff_kind(head: bytes, suffix: str) -> str:
    if head.startswith(_ZIP_MAGIC) or head.startswith(_OLE_MAGIC):
        return "workbook"
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix == ".xls" and _looks_like_text(head):
        return "text"  # many web systems save tab-separated text as .xls
    return "workbook"


def _looks_like_text(head: bytes) -> bool:
    return b"\x00" not in head[:1024] and not head.lstrip().lower().startswith((b"<html", b"<!doc"))


def _check_workbook(path: Path, head: bytes, kind: str) -> None:
    """Give a precise reason before calamine gives a vague one."""
    suffix = path.suffix.lower()
    stripped = head.lstrip().lower()
    if stripped.startswith((b"<html", b"<!doctype", b"<table", b"<?xml version")) and suffix in (
        ".xls",
        ".xlsx",
    ):
        raise UnreadableFileError(
            f"{path}: this is a web page (HTML) saved with a {suffix} name, not a workbook. "
            "Open it in Excel and save it as .xlsx or .csv."
        )
    if head.startswith(_OLE_MAGIC):
        if suffix != ".xls" and _is_encrypted_ole(path):
            raise UnreadableFileError(
                f"{path}: the workbook is password-protected. "
                "Remove the password (File > Info > Protect Workbook) and save it again."
            )
        return
    if head.startswith(_ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile as exc:
            raise UnreadableFileError(
                f"{path}: the file is damaged or was cut off (incomplete download or e-mail "
                "attachment). Ask for the file again."
            ) from exc
        if "xl/workbook.xml" in names or "xl/workbook.bin" in names or "content.xml" in names:
            return
        what = "a Word document" if "word/document.xml" in names else "a zip archive"
        raise UnreadableFileError(
            f"{path}: this is {what}, not a spreadsheet. Send the .xlsx, .ods or .csv file instead."
        )
    raise UnreadableFileError(
        f"{path}: not a spreadsheet (the bytes are not .xlsx, .xls, .ods or text). "
        "Check that the right file was sent."
    )


def _is_encrypted_ole(path: Path) -> bool:
    data = path.read_bytes()[:1 << 20]
    return "EncryptionInfo".encode("utf-16-le") in data or b"EncryptedPackage" in data


def _read_workbook(path: Path, only_sheet: str | None) -> list[RawSheet]:
    try:
        wb = calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError as exc:
        raise UnreadableFileError(
            f"{path}: the workbook is password-protected. Remove the password and save it again."
        ) from exc
    except Exception as exc:  # calamine raises several unrelated types for damaged files
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
        try:
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise UnreadableFileError(
                f"{path}, sheet '{name}': cannot be read ({_short(exc)}). "
                "The file may be damaged; open and re-save it."
            ) from exc
        sheets.append(RawSheet(path, name, _trim(rows), 1, modified=modified))
    return sheets


def _trim(rows: list[list[object]]) -> list[list[object]]:
    """Cells as None when empty; trailing empty rows and columns dropped."""
    out = [[None if c == "" else c for c in r] for r in rows]
    while out and all(c is None for c in out[-1]):
        out.pop()
    width = max((max((i + 1 for i, c in enumerate(r) if c is not None), default=0) for r in out),
                default=0)
    return [r[:width] for r in out]


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


# ---------------------------------------------------------------------------
# Text tables
# ---------------------------------------------------------------------------
def _read_text(path: Path) -> RawSheet:
    data = path.read_bytes()
    text, encoding = decode_bytes(data)
    if not text.strip():
        raise UnreadableFileError(f"{path}: the file holds no data (only blank space).")
    if "\x00" in text:
        text = text.replace("\x00", "")
        note_nul = ["NUL bytes removed"]
    else:
        note_nul = []
    delimiter = _sniff_delimiter(text, path.suffix.lower())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [[c if c.strip() else None for c in rec] for rec in reader]
    except csv.Error as exc:
        raise UnreadableFileError(f"{path}: cannot be split into columns ({exc}).") from exc
    notes = [f"encoding {encoding}", f"delimiter {delimiter!r}", *note_nul]
    return RawSheet(path, None, _trim(rows), 1, notes=notes, modified=path.stat().st_mtime)


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


def _sniff_delimiter(text: str, suffix: str) -> str:
    if suffix == ".tsv":
        return "\t"
    lines = [ln for ln in text[:65536].splitlines()[:60] if ln.strip()]
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
