"""Fuzzing the loader: mutated workbooks and text tables never crash it.

Invariant, for every input: ``load_log_with_report`` either raises an
:class:`InfoviewError` subclass, or returns a log where
``rows_read == rows_loaded + rows_rejected`` and the log has ``rows_loaded`` rows.
Any other exception (or a Rust panic from the workbook reader) fails the test.

Three strategies: byte-level mutations (flip, insert, delete, truncate) of small valid
seed files; the same mutations applied *inside* one part of an .xlsx, re-zipped, so
the XML parser and the loader behind it see damaged content rather than a damaged
archive; and random text tables.

The normal suite runs a bounded number of examples (well under a minute on two cores).
A longer run for developers, e.g. before a release or after touching read.py::

    INFOVIEW_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py -q -p no:cacheprovider

Hypothesis prints the failing input as a reproducible ``@reproduce_failure`` blob and
the mutated bytes can be written out by adding ``path.write_bytes`` in ``_check``.
"""

from __future__ import annotations

import io
import os
import tempfile
import warnings
import zipfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infoview_analytics import load_log_with_report
from infoview_analytics.errors import InfoviewError, LoadWarning
from tests.bad_corpus import inline, minimal_xlsx_parts

EXAMPLES = int(os.environ.get("INFOVIEW_FUZZ_EXAMPLES", "0"))
SETTINGS = dict(deadline=None, derandomize=EXAMPLES == 0, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _examples(default: int) -> int:
    return EXAMPLES or default


def _openpyxl_seed() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Outreach"
    for row in [["My job search"], [],
                ["Company", "Contact", "Date contacted", "Responded", "Follow-ups", "Status"],
                ["Acme", "Ann Lee", "2024-03-01", "yes", 1, "Replied"],
                ["Beta", "Bo Chen", 45352, "no", "", "Rejected"],
                ["Gamma", "", "3/4/24", "", 2, "coffee chat done"],
                ["TOTAL", "", "", "", 3, ""]]:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _hand_seed_parts() -> dict[str, bytes]:
    rows = (f'<row r="1">{inline("A1", "Company")}{inline("B1", "Status")}'
            f'{inline("C1", "Date applied")}</row>'
            f'<row r="2">{inline("A2", "Acme")}<c r="B2" t="e"><v>#REF!</v></c>'
            f'<c r="C2"><v>45352</v></c></row>'
            f'<row r="3">{inline("A3", "Beta")}{inline("B3", "Interview")}'
            f'<c r="C3"><v>45400</v></c></row>')
    sheet = ('<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="http://schemas.'
             'openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:C3"/>'
             f'<sheetData>{rows}</sheetData></worksheet>')
    return minimal_xlsx_parts(sheet)


def _zip(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


CSV_SEED = ("Company;Contact;Date contacted;Status;Notes\n"
            "Acme;Ann Lee;01/03/2024;Replied;\"said, call back\"\n"
            "Beta;;15/03/2024;Rejected;\n"
            ";;;;\n"
            "Gamma;Cy Po;;coffee chat;caf\u00e9\n").encode("cp1252")
XLSX_SEEDS = {"openpyxl": _openpyxl_seed(), "hand": _zip(_hand_seed_parts())}


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """*seed* with 1-4 byte-level edits: flip, insert, delete, overwrite, truncate."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "overwrite", "truncate"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16)
                                 | st.sampled_from([b"<", b">", b"\"", b"\x00", b"\r\n",
                                                    b"&amp;", b"<!DOCTYPE x>", b"9999999",
                                                    b"#REF!", b"XFD", b";", b","]))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 64))]
        elif op == "overwrite" and data:
            chunk = draw(st.binary(min_size=1, max_size=8))
            data[pos:pos + len(chunk)] = chunk
        elif op == "truncate":
            del data[pos:]
    return bytes(data)


def _check(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", LoadWarning)
                log, report = load_log_with_report(path)
        except InfoviewError as exc:
            assert str(exc), "an error must say something"
            return
        assert report.rows_read == report.rows_loaded + report.rows_rejected
        assert len(log) == report.rows_loaded


@settings(max_examples=_examples(120), **SETTINGS)
@given(st.sampled_from(sorted(XLSX_SEEDS)).flatmap(lambda k: mutated(XLSX_SEEDS[k])))
def test_mutated_xlsx_bytes(data):
    _check(data, ".xlsx")


@st.composite
def mutated_part(draw) -> bytes:
    """An .xlsx whose archive is sound but one XML part inside is mutated."""
    seed = draw(st.sampled_from(sorted(XLSX_SEEDS)))
    parts = _parts(XLSX_SEEDS[seed])
    names = sorted(n for n in parts if n.endswith((".xml", ".rels")))
    weights = [n for n in names if "worksheets" in n or "sharedStrings" in n] * 3 + names
    name = draw(st.sampled_from(weights))
    parts[name] = draw(mutated(parts[name]))
    return _zip(parts)


@settings(max_examples=_examples(200), **SETTINGS)
@given(mutated_part())
def test_mutated_xlsx_parts(data):
    _check(data, ".xlsx")


@settings(max_examples=_examples(120), **SETTINGS)
@given(mutated(CSV_SEED), st.sampled_from([".csv", ".tsv", ".txt", ".xls"]))
def test_mutated_text(data, suffix):
    _check(data, suffix)


_cell = st.one_of(st.text(max_size=12), st.sampled_from(
    ["Company", "Status", "Date contacted", "yes", "no", "#REF!", "2024-02-30", "\x00",
     "Replied", "1/2/3", "=1/0", "\ufeff", '"', "\r", ";;", "9999-12-31", "TOTAL:"]))


@settings(max_examples=_examples(80), **SETTINGS)
@given(st.lists(st.lists(_cell, max_size=8), max_size=12),
       st.sampled_from([",", ";", "\t", "|"]),
       st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_random_text_tables(rows, delimiter, encoding):
    text = "\n".join(delimiter.join(r) for r in rows)
    _check(text.encode(encoding, errors="replace"), ".csv")
