"""A small, reproducible corpus of hostile and broken input files for the loader.

``make_corpus(folder)`` writes every file and returns ``{file name: Expect}``:
what loading that file alone must do. Run ``python -m tests.bad_corpus OUT_DIR``
to get the files for poking at by hand (``infoview validate OUT_DIR``), and
``python -m tests.bad_corpus --markdown OUT_DIR`` for the table of
the README ("What happens with bad files"), made by running ``infoview validate`` on each file.

Everything is built here from code, deterministically (a seeded generator for
the random bytes), in well under a second; the "huge" files are tiny on disk:
the zip bomb is one deflate block repeated (about 2 MB that inflate to 2 GiB of
rows padded with blanks),
and the 1,048,576-row sheets are a few rows of hand-written XML with a dimension
(.xlsx) or repeat counts (.ods) claiming the whole grid.
"""

from __future__ import annotations

import datetime as dt
import random
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from infoview_analytics.errors import (
    InfoviewError,
    NoLogFoundError,
    ResourceLimitError,
    UnreadableFileError,
)

__all__ = ["Expect", "make_corpus", "write_sheet_xml", "minimal_xlsx_parts", "inline",
           "write_ods", "ods_row", "ods_cell"]


@dataclass(frozen=True)
class Expect:
    """What loading one corpus file must do.

    Either ``error`` (the exact InfoviewError subclass) and ``match`` (a
    regular expression the message must contain, after the file name), or a
    load with ``rows_read`` / ``rows_loaded`` data rows and, when given, a
    cell problem or note whose text contains ``problem`` / ``note``.
    """

    error: type[InfoviewError] | None = None
    match: str = ""
    rows_read: int | None = None
    rows_loaded: int | None = None
    problem: str | None = None
    note: str | None = None


# ---------------------------------------------------------------------------
# Hand-written .xlsx parts (for what openpyxl will not write: cached error
# values, lying dimensions, DOCTYPEs, bombs)
# ---------------------------------------------------------------------------
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def minimal_xlsx_parts(sheet_xml: bytes | str, name: str = "Log") -> dict[str, bytes]:
    """The five parts of a one-sheet .xlsx whose worksheet is *sheet_xml*."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="{_PKG}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<workbook xmlns="{_NS}" xmlns:r="{_REL}">'
            f'<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="{_PKG}">'
            f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            '</Relationships>'),
    }
    out = {k: v.encode() for k, v in parts.items()}
    out["xl/worksheets/sheet1.xml"] = sheet_xml if isinstance(sheet_xml, bytes) \
        else sheet_xml.encode()
    return out


def write_sheet_xml(path: Path, rows_xml: str, *, dimension: str = "A1", prolog: str = "",
                    name: str = "Log") -> Path:
    """Write a one-sheet .xlsx whose ``<sheetData>`` is *rows_xml*."""
    sheet = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{prolog}'
             f'<worksheet xmlns="{_NS}"><dimension ref="{dimension}"/>'
             f'<sheetData>{rows_xml}</sheetData></worksheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for part, data in minimal_xlsx_parts(sheet, name).items():
            z.writestr(part, data)
    return path


def inline(ref: str, text: str) -> str:
    """An inline-string cell."""
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _row(n: int, *cells: str) -> str:
    return f'<row r="{n}">{"".join(cells)}</row>'


def _xlsx(path: Path, rows: list[list[object]], name: str = "Log") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = name
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


# ---------------------------------------------------------------------------
# Hand-written .ods (OpenDocument) sheets, for repeated-cell attributes
# ---------------------------------------------------------------------------
_ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"


def ods_cell(text: str | None = None, *, repeat: int | None = None) -> str:
    """A table cell (empty when *text* is None), optionally ``number-columns-repeated``."""
    rep = f' table:number-columns-repeated="{repeat}"' if repeat else ""
    if text is None:
        return f"<table:table-cell{rep}/>"
    return (f'<table:table-cell{rep} office:value-type="string"><text:p>{text}</text:p>'
            "</table:table-cell>")


def ods_row(*cells: str, repeat: int | None = None) -> str:
    """A table row, optionally ``number-rows-repeated``."""
    rep = f' table:number-rows-repeated="{repeat}"' if repeat else ""
    return f"<table:table-row{rep}>{''.join(cells)}</table:table-row>"


def write_ods(path: Path, rows_xml: str, name: str = "Log") -> Path:
    """Write a one-sheet .ods whose ``<table:table>`` holds *rows_xml*."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{name}">{rows_xml}'
        "</table:table></office:spreadsheet></office:body></office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest='
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{_ODS_MIME}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", _ODS_MIME, compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


# ---------------------------------------------------------------------------
# The zip bomb: one byte-aligned deflate block of repeated rows, repeated.
# ---------------------------------------------------------------------------
def _crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """zlib's crc32_combine (GF(2) matrix method), so a 2 GiB CRC costs microseconds."""

    def times(mat, vec):
        s, i = 0, 0
        while vec:
            if vec & 1:
                s ^= mat[i]
            vec >>= 1
            i += 1
        return s

    def square(mat):
        return [times(mat, mat[n]) for n in range(32)]

    if len2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = square(odd)
    odd = square(even)
    while True:
        even = square(odd)
        if len2 & 1:
            crc1 = times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = square(even)
        if len2 & 1:
            crc1 = times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def _crc_repeat(crc: int, length: int, times: int) -> int:
    """crc32 of a block repeated *times* times, by doubling."""
    result, have = 0, False
    while times:
        if times & 1:
            result = _crc32_combine(result, crc, length) if have else crc
            have = True
        crc, length = _crc32_combine(crc, crc, length), length * 2
        times >>= 1
    return result


def _bomb_sheet_stream(total: int) -> tuple[bytes, int, int]:
    """(raw deflate data, uncompressed size, crc32) of a worksheet of ~*total* bytes."""
    head = (f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{_NS}"><sheetData>'
            + _row(1, inline("A1", "Company"), inline("B1", "Status"))).encode()
    unit = b'<row><c t="inlineStr"><is><t>Acme</t></is></c><c><v>1</v></c></row>' + b" " * (1 << 20)
    tail = b"</sheetData></worksheet>"
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = comp.compress(head) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(unit) + comp.flush(zlib.Z_FULL_FLUSH)
    again = comp.compress(unit) + comp.flush(zlib.Z_FULL_FLUSH)
    assert again == block, "deflate blocks after a full flush should repeat"
    n = max(1, (total - len(head) - len(tail)) // len(unit))
    end = comp.compress(tail) + comp.flush()
    data = first + block * (n + 1) + end
    crc = _crc32_combine(zlib.crc32(head), _crc_repeat(zlib.crc32(unit), len(unit), n + 1),
                         len(unit) * (n + 1))
    crc = _crc32_combine(crc, zlib.crc32(tail), len(tail))
    size = len(head) + len(unit) * (n + 1) + len(tail)
    return data, size, crc


def _write_raw_zip(path: Path, members: list[tuple[str, bytes, int, int, int, int]]) -> Path:
    """Members as (name, stored bytes, method, crc, declared uncompressed size, csize)."""
    out = bytearray()
    central = bytearray()
    for name, data, method, crc, usize, _ in members:
        nb = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc,
                           len(data), usize, len(nb), 0) + nb + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21,
                                crc, len(data), usize, len(nb), 0, 0, 0, 0, 0, offset) + nb
    start = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central),
                       start, 0)
    path.write_bytes(bytes(out))
    return path


def _zip_bomb(path: Path, *, total: int = 2 << 30, lie: bool = False) -> Path:
    data, size, crc = _bomb_sheet_stream(total)
    members = []
    for part, raw in minimal_xlsx_parts(b"").items():
        if part == "xl/worksheets/sheet1.xml":
            declared = 4096 if lie else size  # a lying header claims a small sheet
            members.append((part, data, zipfile.ZIP_DEFLATED, crc, declared, len(data)))
        else:
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            packed = c.compress(raw) + c.flush()
            members.append((part, packed, zipfile.ZIP_DEFLATED, zlib.crc32(raw), len(raw),
                            len(packed)))
    return _write_raw_zip(path, members)


# ---------------------------------------------------------------------------
# A password-protected workbook: an OLE compound file holding the two streams
# Office writes for an encrypted .xlsx ("EncryptionInfo", "EncryptedPackage").
# ---------------------------------------------------------------------------
def _ole_encrypted(path: Path, seed: int = 7) -> Path:
    rng = random.Random(seed)
    sector = 512
    free, end, fat_sect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    info = struct.pack("<HHI", 4, 4, 0x40) + b"\x00" * 4088  # "agile" encryption version 4.4
    package = struct.pack("<Q", 4096) + bytes(rng.randrange(256) for _ in range(4088))
    # sectors: 0 FAT, 1 directory, 2-9 EncryptionInfo, 10-17 EncryptedPackage
    fat = [fat_sect, end] + list(range(3, 10)) + [end] + list(range(11, 18)) + [end]
    fat += [free] * (sector // 4 - len(fat))

    def entry(name: str, kind: int, start: int, size: int, child=free, right=free) -> bytes:
        nm = (name + "\0").encode("utf-16-le")
        return (nm.ljust(64, b"\0") + struct.pack("<HBBIII", len(nm), kind, 1, free, right,
                                                  child)
                + b"\0" * 16 + b"\0" * 4 + b"\0" * 16 + struct.pack("<IQ", start, size))

    directory = (entry("Root Entry", 5, end, 0, child=1)
                 + entry("EncryptionInfo", 2, 2, len(info), right=2)
                 + entry("EncryptedPackage", 2, 10, len(package))
                 + b"\0" * 128)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    assert len(header) == 512 and len(directory) == 512
    body = header + struct.pack(f"<{len(fat)}I", *fat) + directory + info + package
    path.write_bytes(body)
    return path


# ---------------------------------------------------------------------------
# The corpus
# ---------------------------------------------------------------------------
_LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                     for i in range(1, 10))
           + "]>\n")

MAX_ROWS = 1_048_576


def make_corpus(folder: Path | str) -> dict[str, Expect]:
    """Write every hostile file into *folder*; return what loading each must do."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20240601)
    ex: dict[str, Expect] = {}

    def put(name: str, data: bytes | str, expect: Expect) -> None:
        (folder / name).write_bytes(data.encode() if isinstance(data, str) else data)
        ex[name] = expect

    # --- nothing in it -------------------------------------------------------------------
    empty = Expect(UnreadableFileError, r"the file is empty \(0 bytes\)")
    put("zero_bytes.xlsx", b"", empty)
    put("zero_bytes.csv", b"", empty)
    blank = Expect(UnreadableFileError, r"holds no data \(only blank space\)")
    put("whitespace_only.csv", " \r\n\t\n   \n", blank)
    put("whitespace_only.xlsx", "\n\n    \n", blank)

    # --- damaged or not a spreadsheet ----------------------------------------------------------
    good = _xlsx(folder / "_good.xlsx", [["Company", "Status"], ["Acme", "Applied"]])
    whole = good.read_bytes()
    good.unlink()
    put("truncated.xlsx", whole[: len(whole) // 2],
        Expect(UnreadableFileError, "damaged or was cut off"))
    _ole_encrypted(folder / "password.xlsx")
    ex["password.xlsx"] = Expect(UnreadableFileError, "password-protected")
    docx = folder / "_doc.zip"
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    put("word_document.xlsx", docx.read_bytes(), Expect(UnreadableFileError,
                                                        "a Word document, not a spreadsheet"))
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("photos/readme.txt", "holiday pictures")
    put("archive.xlsx", docx.read_bytes(), Expect(UnreadableFileError,
                                                  "a zip archive, not a spreadsheet"))
    put("archive.csv", docx.read_bytes(), Expect(UnreadableFileError,
                                                 "a zip archive, not a spreadsheet"))
    docx.unlink()
    png = (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR"
           + struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0) + b"\x00" * 4
           + bytes(rng.randrange(256) for _ in range(200)))
    put("image.xlsx", png, Expect(UnreadableFileError, "a PNG image, not a spreadsheet"))
    put("image.csv", png, Expect(UnreadableFileError, "a PNG image, not a spreadsheet"))
    noise = bytes(rng.randrange(256) for _ in range(4096))
    put("random.xlsx", noise, Expect(UnreadableFileError, "not a spreadsheet"))
    put("random.csv", noise, Expect(UnreadableFileError, "not a text table"))

    # --- web pages saved as .xls (read like any sheet) ---------------------------------------
    put("web_export.xls",
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>Export</title></head><body>"
        "<h1>My applications</h1><table border=1>"
        "<tr><th>Company</th><th>Date applied</th><th>Status</th><th>Notes</th></tr>"
        "<tr><td>Acme &amp; Sons</td><td>2024-03-01</td><td>Applied</td>"
        "<td>line one<br>line two</td></tr>"
        "<tr><td colspan=2>Beta Corp</td><td>Interview</td><td></td></tr>"
        "<tr><td>Gamma</td><td>2024-03-09</td><td>Rejected</td><td>caf\u00e9</td></tr>"
        "</table></body></html>",
        Expect(rows_read=3, rows_loaded=3))
    put("web_page_no_table.xls", "<html><body><p>Session expired. Please log in.</p></body></html>",
        Expect(UnreadableFileError, r"web page \(HTML\).*no table"))

    # --- shapes of sheet ------------------------------------------------------------------------
    _xlsx(folder / "header_only.xlsx", [["Company", "Contact", "Date contacted", "Status"]])
    ex["header_only.xlsx"] = Expect(rows_read=0, rows_loaded=0)
    _xlsx(folder / "no_outreach_columns.xlsx", [["Colour", "Size", "Price"], ["red", 3, 9.5],
                                                ["blue", 4, 7.25]])
    ex["no_outreach_columns.xlsx"] = Expect(NoLogFoundError, "no outreach columns found")
    wide = [["Company", "Status"] + [f"Extra {i}" for i in range(3, 101)]]
    wide += [[f"Firm {r}", "Applied"] + [f"v{r}.{i}" for i in range(3, 101)] for r in range(3)]
    _xlsx(folder / "hundred_columns.xlsx", wide)
    ex["hundred_columns.xlsx"] = Expect(rows_read=3, rows_loaded=3)
    big = "".join(rng.choices("abcdefghij klmnop", k=1 << 20))
    write_sheet_xml(folder / "megabyte_cell.xlsx",
                    _row(1, inline("A1", "Company"), inline("B1", "Notes"))
                    + _row(2, inline("A2", "Acme"), inline("B2", big)), dimension="A1:B2")
    ex["megabyte_cell.xlsx"] = Expect(rows_read=1, rows_loaded=1)
    put("megabyte_cell.csv", f'Company,Notes\nAcme,"{big}"\n', Expect(rows_read=1, rows_loaded=1))
    when = dt.datetime(2024, 3, 1)
    _xlsx(folder / "mixed_types.xlsx", [
        ["Company", "Date contacted", "Responded", "Follow-ups", "Status"],
        ["Acme", when, "yes", 2, "Applied"],
        [42, "not a date", 3.5, "many", True],
        [when, 45000, True, when, 17],
        [True, "2024-13-45", "maybe", -1, when],
        ["=1+1", None, "", "", "Interview"],
    ])
    ex["mixed_types.xlsx"] = Expect(rows_read=5, rows_loaded=5, problem="not a date")
    _xlsx(folder / "duplicate_headers.xlsx", [
        ["Company", "Company", "Status", "Status", "Date", "Date"],
        ["Acme", "Acme Inc", "Applied", "Rejected", when, dt.datetime(2024, 3, 5)],
        ["Beta", None, "Interview", None, None, when],
    ])
    ex["duplicate_headers.xlsx"] = Expect(rows_read=2, rows_loaded=2)
    write_sheet_xml(
        folder / "formula_errors.xlsx",
        _row(1, inline("A1", "Company"), inline("B1", "Follow-ups"), inline("C1", "Status"))
        + _row(2, inline("A2", "Acme"), '<c r="B2" t="e"><f>#REF!+1</f><v>#REF!</v></c>',
               inline("C2", "Applied"))
        + _row(3, inline("A3", "Beta"), '<c r="B3" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
               '<c r="C3" t="e"><f>VLOOKUP(A3,X!A:B,2,0)</f><v>#N/A</v></c>')
        + _row(4, inline("A4", "Gamma"), '<c r="B4"><f>1+1</f><v>2</v></c>',
               '<c r="C4" t="str"><f>"Inter"&amp;"view"</f><v>Interview</v></c>'),
        dimension="A1:C4")
    ex["formula_errors.xlsx"] = Expect(rows_read=3, rows_loaded=3, problem="#REF!")
    put("formula_errors.csv", "Company,Follow-ups,Status\nAcme,#REF!,Applied\nBeta,#DIV/0!,#N/A\n",
        Expect(rows_read=2, rows_loaded=2, problem="#DIV/0!"))
    _xlsx(folder / "extreme_dates.xlsx", [
        ["Company", "Date contacted", "Date of response"],
        ["Acme", dt.datetime(1900, 1, 1), dt.datetime(9999, 12, 31)],
        ["Beta", dt.datetime(1900, 3, 1), dt.datetime(2024, 5, 1)],
        ["Gamma", dt.datetime(2024, 2, 1), dt.datetime(9999, 12, 31, 23, 59, 59)],
    ])
    ex["extreme_dates.xlsx"] = Expect(rows_read=3, rows_loaded=3,
                                      problem="is not plausible for an outreach log")

    # --- resource attacks --------------------------------------------------------------------
    _zip_bomb(folder / "zip_bomb.xlsx")
    ex["zip_bomb.xlsx"] = Expect(ResourceLimitError, r"inflates? to")
    _zip_bomb(folder / "zip_bomb_lying_sizes.xlsx", lie=True)
    ex["zip_bomb_lying_sizes.xlsx"] = Expect(ResourceLimitError, r"inflates? to")
    write_sheet_xml(folder / "billion_laughs.xlsx",
                    _row(1, inline("A1", "Company"), inline("B1", "Notes"))
                    + _row(2, inline("A2", "Acme"), inline("B2", "&lol9;")),
                    dimension="A1:B2", prolog=_LAUGHS)
    ex["billion_laughs.xlsx"] = Expect(UnreadableFileError, "DOCTYPE")
    write_sheet_xml(folder / "million_rows.xlsx",
                    _row(1, inline("A1", "Company"), inline("B1", "Status"))
                    + _row(2, inline("A2", "Acme"), inline("B2", "Applied"))
                    + _row(3, inline("A3", "Beta"), inline("B3", "Rejected")),
                    dimension=f"A1:XFD{MAX_ROWS}")
    ex["million_rows.xlsx"] = Expect(rows_read=2, rows_loaded=2)
    # One empty string in the last cell of the grid: calamine would allocate the whole
    # 1,048,576 x 16,384 rectangle (512 GiB) and abort the process.
    write_sheet_xml(folder / "far_corner_cell.xlsx",
                    _row(1, inline("A1", "Company"), inline("B1", "Status"))
                    + _row(2, inline("A2", "Acme"), inline("B2", "Applied"))
                    + _row(MAX_ROWS, inline(f"XFD{MAX_ROWS}", "")),
                    dimension=f"A1:XFD{MAX_ROWS}")
    ex["far_corner_cell.xlsx"] = Expect(ResourceLimitError, r"1,048,576 rows .* 16,384 columns")
    # .ods: LibreOffice ends a sheet with its empty rows and columns as repeat counts,
    # up to the last row of the grid; only cells holding something count.
    ods_head = ods_row(ods_cell("Company"), ods_cell("Status"))
    ods_data = ods_row(ods_cell("Acme"), ods_cell("Applied")) + ods_row(ods_cell("Beta"),
                                                                       ods_cell("Rejected"))
    write_ods(folder / "ods_repeated_empty_rows.ods",
              ods_head + ods_data + ods_row(ods_cell(repeat=1024), repeat=MAX_ROWS - 3))
    ex["ods_repeated_empty_rows.ods"] = Expect(rows_read=2, rows_loaded=2)
    # one value in the grid's far corner, reached through repeat counts
    write_ods(folder / "ods_far_corner_cell.ods",
              ods_head + ods_data + ods_row(ods_cell(), repeat=MAX_ROWS - 4)
              + ods_row(ods_cell(repeat=16_383), ods_cell("x")))
    ex["ods_far_corner_cell.ods"] = Expect(ResourceLimitError, r"1,048,576 rows")

    # --- text encodings and bytes ----------------------------------------------------------
    put("nul_byte.csv", b"Company,Status\nAc\x00me,Applied\nBeta,Rejected\n",
        Expect(rows_read=2, rows_loaded=2, note="NUL"))
    put("utf16.csv", "Company\tContact\tStatus\nCaf\u00e9 M\u00fcller\tZo\u00eb\tApplied\n"
        "Beta\tAl\tReplied\n".encode("utf-16"), Expect(rows_read=2, rows_loaded=2,
                                                      note="utf-16"))
    return ex


#: What each corpus file stands for, in the words of the README table.
KINDS = {
    "zero_bytes.xlsx": "empty file (0 bytes)",
    "whitespace_only.csv": "only spaces and blank lines",
    "truncated.xlsx": "workbook cut off (half a download)",
    "password.xlsx": "password-protected workbook",
    "word_document.xlsx": "Word document renamed .xlsx",
    "archive.xlsx": "other zip file renamed .xlsx (or .csv)",
    "image.xlsx": "picture renamed .xlsx (also PDF, JPEG, gzip, ...)",
    "random.xlsx": "random bytes named .xlsx",
    "random.csv": "random bytes named .csv",
    "web_page_no_table.xls": "web page without a table saved as .xls (login or error page)",
    "no_outreach_columns.xlsx": "a sheet that is not an outreach log",
    "billion_laughs.xlsx": "workbook XML with DOCTYPE/ENTITY (\"billion laughs\")",
    "zip_bomb.xlsx": "zip bomb (2 GiB of sheet in 2 MB)",
    "zip_bomb_lying_sizes.xlsx": "zip bomb whose headers lie about sizes",
    "far_corner_cell.xlsx": "a value in the grid's last cell (XFD1048576)",
    "ods_far_corner_cell.ods": ".ods with a value in the last cell, via repeat counts",
    "web_export.xls": "web-system export: HTML table saved as .xls",
    "header_only.xlsx": "header row only",
    "hundred_columns.xlsx": "100 columns",
    "megabyte_cell.xlsx": "a cell holding 1 MB of text",
    "mixed_types.xlsx": "mixed types in every column",
    "duplicate_headers.xlsx": "the same header twice",
    "formula_errors.xlsx": "formula errors (#REF!, #DIV/0!, #N/A)",
    "extreme_dates.xlsx": "dates in 1900 and 9999",
    "million_rows.xlsx": "dimension A1:XFD1048576, three rows filled",
    "ods_repeated_empty_rows.ods": ".ods with empty rows repeated to the grid's end",
    "nul_byte.csv": "CSV with a NUL byte",
    "utf16.csv": "UTF-16 text",
}


#: For files that load: the line of ``infoview validate`` output worth showing.
_SHOW = {
    "web_export.xls": "web page",
    "hundred_columns.xlsx": "kept as extra columns",
    "duplicate_headers.xlsx": "two or more columns look like 'company'",
    "utf16.csv": "encoding utf-16",
}


def validate_messages(folder: Path | str) -> list[tuple[str, str, str]]:
    """(kind, file, what ``infoview validate FILE`` says) for each file of :data:`KINDS`.

    Runs the real command on the corpus in *folder* (as written by
    :func:`make_corpus`); errors are its one line without ``infoview: error:``,
    loads are the row counts and the line about the reported problem or note.
    """
    import contextlib
    import io
    import os
    import warnings

    from infoview_analytics.cli import main as infoview

    folder = Path(folder)
    expect = make_corpus(folder)
    here = Path.cwd()
    out = []
    try:
        os.chdir(folder)  # messages start with the path as given: the bare file name
        for name, kind in KINDS.items():
            stdout, stderr = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), \
                    warnings.catch_warnings():
                warnings.simplefilter("ignore")
                code = infoview(["validate", name])
            e = expect[name]
            if code:
                said = stderr.getvalue().strip().removeprefix("infoview: error: ")
            else:
                lines = [line.strip() for line in stdout.getvalue().splitlines()]
                said = f"loads {e.rows_loaded} of {e.rows_read} rows"
                wanted = _SHOW.get(name) or e.problem or e.note
                hit = next((line for line in lines if wanted and wanted in line), None)
                if hit:
                    if len(hit) > 200 and hit.count(", ") > 3:  # cut long lists at an item
                        hit = hit[:hit.rfind(", ", 0, 120)] + ", ..."
                    said += "; " + hit
            out.append((kind, name, said))
    finally:
        os.chdir(here)
    return out


def markdown_table(rows: list[tuple[str, str, str]]) -> str:
    """Two tables: files refused (with the one-line message) and files that load."""
    refused = [(kind, said) for kind, _, said in rows if not said.startswith("loads ")]
    loaded = [(kind, said) for kind, _, said in rows if said.startswith("loads ")]
    out = []
    for title, group in (("Files that are refused", refused), ("Files that load anyway", loaded)):
        out += [f"### {title}", "", "| bad input | what `infoview validate FILE` says |",
                "|---|---|"]
        out += [f"| {kind} | {said.replace('|', '/')} |" for kind, said in group]
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 2 and argv[0] == "--markdown":
        print(markdown_table(validate_messages(argv[1])), end="")
        return 0
    if len(argv) != 1:
        print("usage: python -m tests.bad_corpus [--markdown] OUT_DIR", file=sys.stderr)
        return 2
    expectations = make_corpus(argv[0])
    width = max(map(len, expectations))
    for name, e in sorted(expectations.items()):
        what = (f"{e.error.__name__}: {e.match}" if e.error
                else f"loads {e.rows_loaded} of {e.rows_read} rows")
        print(f"{name:<{width}}  {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
