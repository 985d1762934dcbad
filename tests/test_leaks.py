"""No name from the log leaks into anything exported with the default settings.

The bundled cohort sample is exported as the chart pack (PNG, SVG, PDF,
index.md) and the tables (CSV, XLSX) with anonymising on, as a facilitator
would before sharing. Then every name in the log (seekers, contacts,
referrers, the names in file names) and every note is searched for in
everything a reader of those files could see:

* SVG: the file as text (the export keeps SVG text as ``<text>``, so names
  would be there verbatim);
* PDF: the text pypdf extracts, the document information, and the raw bytes;
* PNG: the text chunks (``tEXt``, ``zTXt``, ``iTXt``) and the raw bytes
  (pixels cannot be searched; the chart text is checked in the SVG and PDF
  drawn from the same figure);
* CSV and index.md as text; XLSX unzipped, every XML part as text.

The search is case-insensitive. A control exports the same log with
``anonymise=False`` and finds names in each kind of file, so a search that
silently found nothing (text drawn as paths, compressed streams, a wrong
encoding) fails instead of passing.

Pseudonyms are salted per project: another salt gives other pseudonyms, and
hashing the names without the salt (SHA-256, SHA-1, MD5, in the ways a
curious reader would try) reproduces none of them.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pandas as pd
import pytest

from infoview_analytics.export import export_charts, export_tables
from infoview_analytics.schema import COLUMN_NAMES

pypdf = pytest.importorskip("pypdf", reason="pip install -e '.[test]' (pypdf reads the PDFs)")

SALT = "leak-test-salt"
PSEUDONYM = re.compile(r"[PF]-([0-9a-f]{8})")


@pytest.fixture(scope="module")
def log(cohort_log) -> pd.DataFrame:
    return cohort_log


@pytest.fixture(scope="module")
def names(log) -> set[str]:
    """Every name a shared file must not show, and every note."""
    found: set[str] = set()
    personal = ["seeker", "contact", "referred_by"]
    # contact details, if the schema ever gets such columns, or the log has them as extras
    personal += [c for c in log.columns if re.search(r"e-?mail|phone|mobile|linkedin_url", c)
                 and c not in COLUMN_NAMES]
    for column in personal:
        found |= set(log[column].dropna().astype(str).str.strip())
    found |= {Path(f).stem for f in log["source_file"].dropna().astype(str)}
    found |= {s for s in log["source_sheet"].dropna().astype(str) if " " in s}
    notes = {n.strip() for n in log["notes"].dropna().astype(str)}
    found |= {n for n in notes if len(n) >= 12}
    return {n for n in found if len(n) > 3}


def export_everything(log: pd.DataFrame, out: Path, *, anonymise: bool,
                      charts: tuple[str, ...] = ("png", "svg", "pdf")) -> list[Path]:
    # dpi only sets the pixel size, not what is drawn; kept low to save time
    charts = export_charts(log, out, formats=charts, anonymise=anonymise, salt=SALT, dpi=40)
    return charts + export_tables(log, out, formats=("csv", "xlsx"), anonymise=anonymise,
                                  salt=SALT)


@pytest.fixture(scope="module")
def shared(log, tmp_path_factory) -> list[Path]:
    return export_everything(log, tmp_path_factory.mktemp("shared"), anonymise=True)


@pytest.fixture(scope="module")
def plain(log, tmp_path_factory) -> list[Path]:
    # no PNG: names are only in its pixels (its text chunks are checked in the control below)
    return export_everything(log, tmp_path_factory.mktemp("plain"), anonymise=False,
                             charts=("svg", "pdf"))


# ---------------------------------------------------------------------------
# What a reader of each kind of file can see, as text
# ---------------------------------------------------------------------------
def png_text_chunks(data: bytes) -> list[str]:
    """The text of every tEXt, zTXt and iTXt chunk of a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, texts = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"tEXt":
            texts.append(body.replace(b"\0", b" ").decode("latin-1"))
        elif kind == b"zTXt":
            key, _, rest = body.partition(b"\0")
            texts.append(key.decode("latin-1") + " " + zlib.decompress(rest[1:]).decode("latin-1"))
        elif kind == b"iTXt":
            key, _, rest = body.partition(b"\0")
            compressed, rest = rest[0], rest[2:]
            _language, _, rest = rest.partition(b"\0")
            _translated, _, text = rest.partition(b"\0")
            text = zlib.decompress(text) if compressed else text
            texts.append(key.decode("latin-1") + " " + text.decode("utf-8"))
    return texts


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(path)
    pages = "\n".join(page.extract_text() or "" for page in reader.pages)
    info = " ".join(str(v) for v in (reader.metadata or {}).values())
    return pages + "\n" + info


def visible_text(path: Path) -> list[str]:
    """Every text a reader of *path* could get at, one string per view."""
    data = path.read_bytes()
    raw = data.decode("latin-1")
    suffix = path.suffix
    if suffix == ".png":
        return png_text_chunks(data) + [raw]
    if suffix == ".pdf":
        return [pdf_text(path), raw, data.decode("utf-16-be", errors="ignore")]
    if suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return [z.read(part).decode("utf-8") for part in z.namelist()]
    return [data.decode("utf-8-sig")]  # svg, csv, md


def leaks(paths: list[Path], names: set[str]) -> dict[str, list[str]]:
    wanted = {n.casefold(): n for n in names}
    found: dict[str, list[str]] = {}
    for path in paths:
        for text in visible_text(path):
            folded = text.casefold()
            hits = sorted(original for key, original in wanted.items() if key in folded)
            if hits:
                found.setdefault(path.name, []).extend(hits)
    return found


# ---------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------
def test_every_kind_of_file_is_searched(shared):
    assert {p.suffix for p in shared} == {".png", ".svg", ".pdf", ".md", ".csv", ".xlsx"}
    assert len(shared) > 40


def test_no_name_or_note_in_any_shared_file(shared, names):
    assert len(names) > 200  # seekers, contacts, referrers and notes of 60 students
    found = leaks(shared, names)
    assert not found, {k: v[:5] for k, v in found.items()}


def test_control_without_anonymising_names_are_found(plain, shared, names):
    """Proves the search above can see names in each kind of file."""
    found = leaks(plain, names)
    by_kind = {Path(name).suffix for name in found}
    assert {".svg", ".pdf", ".csv", ".xlsx"} <= by_kind, found.keys()
    assert "07_referral_chains.pdf" in found and "07_referral_chains.svg" in found
    assert "per_seeker.csv" in found
    # PNG text chunks are read (the chart's title is in one); the names are in its pixels
    chunks = png_text_chunks((shared[0].parent / "07_referral_chains.png").read_bytes())
    assert any("Referral chains: who led to whom" in t for t in chunks)


def test_pseudonyms_are_shown_instead(shared):
    out = shared[0].parent
    svg = (out / "07_referral_chains.svg").read_text(encoding="utf-8")
    seekers = pd.read_csv(out / "per_seeker.csv")["seeker"]
    assert PSEUDONYM.search(svg) and seekers.str.fullmatch(r"P-[0-9a-f]{8}").all()
    assert PSEUDONYM.search(pdf_text(out / "07_referral_chains.pdf"))


def test_pseudonyms_depend_on_the_projects_salt(log, shared, tmp_path):
    ours = set(pd.read_csv(shared[0].parent / "per_seeker.csv")["seeker"])
    export_tables(log, tmp_path, formats=("csv",), salt="another-project")
    theirs = set(pd.read_csv(tmp_path / "per_seeker.csv")["seeker"])
    assert len(ours) == len(theirs) == log["seeker"].nunique()
    assert not ours & theirs  # the same students, other pseudonyms


def test_unsalted_hashes_do_not_reproduce_any_pseudonym(shared, names):
    pseudonyms: set[str] = set()
    for path in shared:
        if path.suffix in (".svg", ".csv", ".md"):
            pseudonyms |= set(PSEUDONYM.findall(path.read_text(encoding="utf-8-sig")))
    assert len(pseudonyms) > 60
    for name in names:
        for variant in {name, name.casefold(), " ".join(name.split()).casefold(), name.upper()}:
            for algorithm in ("sha256", "sha1", "md5"):
                digest = hashlib.new(algorithm, variant.encode("utf-8")).hexdigest()
                assert digest[:8] not in pseudonyms, (name, algorithm)
                assert digest[-8:] not in pseudonyms, (name, algorithm)
