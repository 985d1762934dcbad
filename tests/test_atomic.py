"""Exports write whole files or nothing, and loading never writes to the input.

Every exported file (charts, ``index.md``, tables) is made in memory and then
written by ``export.write_atomically``: a temporary file in the same folder,
renamed over the target with ``os.replace``. These tests break the export at
several points and check that no half-written or temporary file is left and
that files from an earlier run are either untouched or wholly replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import warnings
from pathlib import Path

import pandas as pd
import pytest

from infoview_analytics import charts, export
from infoview_analytics.errors import InfoviewError
from infoview_analytics.export import export_charts, export_tables, write_atomically
from infoview_analytics.load import load_log_with_report
from infoview_analytics.sample import SAMPLE_COHORT_FOLDER, SAMPLE_FOLDER

REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld"
SALT = "test-salt"


@pytest.fixture(scope="module")
def log(cohort_log) -> pd.DataFrame:
    return cohort_log


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """File name -> (SHA-256, mtime in ns) of every file in *folder* (not recursive)."""
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.iterdir()) if p.is_file()}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp")
                  or p.name.startswith("."))


# ---------------------------------------------------------------------------
# The helper
# ---------------------------------------------------------------------------
def test_write_atomically_replaces_the_whole_file(tmp_path):
    target = tmp_path / "table.csv"
    target.write_bytes(b"old,old\n")
    assert write_atomically(target, b"new\n" * 1000) == target
    assert target.read_bytes() == b"new\n" * 1000
    assert os.listdir(tmp_path) == ["table.csv"]
    if os.name == "posix":  # ordinary permissions, not tempfile's private 0600
        umask = os.umask(0)
        os.umask(umask)
        assert target.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failure_while_writing_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch,
                                                                    error):
    target = tmp_path / "chart.png"
    target.write_bytes(b"the old chart")

    def fail(fd):  # the bytes are in the temporary file, not yet renamed
        raise error

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(type(error)):
        write_atomically(target, b"x" * 100_000)
    assert target.read_bytes() == b"the old chart"
    assert os.listdir(tmp_path) == ["chart.png"]


# ---------------------------------------------------------------------------
# Whole exports, interrupted
# ---------------------------------------------------------------------------
def _fail_on_call(monkeypatch, number: int) -> list[Path]:
    """Make the *number*-th ``os.replace`` raise; return the targets replaced before it."""
    real = os.replace
    done: list[Path] = []

    def replace(src, dst):
        if len(done) + 1 == number:
            raise OSError("interrupted: the disk went away")
        real(src, dst)
        done.append(Path(dst))

    monkeypatch.setattr(os, "replace", replace)
    return done


def test_tables_interrupted_between_files(log, tmp_path, monkeypatch):
    out = tmp_path / "tables"
    old = export_tables(log, out, salt="last-term")
    (out / "mine.txt").write_text("not an export")
    before = snapshot(out)
    fresh = {p.name: p.read_bytes() for p in export_tables(log, tmp_path / "ref", salt=SALT)}
    assert fresh != {p.name: p.read_bytes() for p in old}  # another salt, other pseudonyms

    done = _fail_on_call(monkeypatch, 4)
    with pytest.raises(OSError, match="interrupted"):
        export_tables(log, out, salt=SALT)
    monkeypatch.undo()
    assert len(done) == 3
    after = snapshot(out)
    assert sorted(after) == sorted(before)  # no temporary or partial file
    assert leftovers(out) == []
    for name in after:
        if name in {p.name for p in done}:
            assert (out / name).read_bytes() == fresh[name]  # wholly new
        else:
            assert after[name] == before[name]  # untouched, same bytes and mtime


def test_tables_failing_to_serialise_touch_nothing(log, tmp_path, monkeypatch):
    export_tables(log, tmp_path, salt="last-term")
    before = snapshot(tmp_path)

    def broken(*args, **kwargs):
        raise RuntimeError("cannot build the workbook")

    monkeypatch.setattr(export, "_xlsx_bytes", broken)  # the last file to be made
    with pytest.raises(RuntimeError, match="workbook"):
        export_tables(log, tmp_path, salt=SALT)
    assert snapshot(tmp_path) == before  # the CSV files were not written either


def test_chart_pack_failing_mid_drawing_touches_nothing(log, tmp_path, monkeypatch):
    out = tmp_path / "charts"
    export_charts(log, out, formats=("svg", "png"), dpi=20, salt="last-term")
    before = snapshot(out)

    def boom(*args, **kwargs):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(charts, "plot_time_to_response", boom)  # chart 8 of 10
    with pytest.raises(RuntimeError, match="interrupted"):
        export_charts(log, out, formats=("svg", "png"), dpi=20, salt=SALT)
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["charts"]  # nothing beside it


def test_chart_pack_interrupted_between_files(log, tmp_path, monkeypatch):
    out = tmp_path / "charts"
    export_charts(log, out, formats=("svg",), salt="last-term")
    before = snapshot(out)
    done = _fail_on_call(monkeypatch, 5)
    with pytest.raises(OSError, match="interrupted"):
        export_charts(log, out, formats=("svg",), salt=SALT)
    monkeypatch.undo()
    after = snapshot(out)
    assert sorted(after) == sorted(before) and leftovers(out) == []
    replaced = {p.name for p in done}
    assert len(replaced) == 4
    for name in after:
        if name in replaced:
            assert (out / name).read_text(encoding="utf-8").rstrip().endswith("</svg>")
        else:
            assert after[name] == before[name]


def test_index_is_written_the_same_way(log, tmp_path, monkeypatch):
    written: list[str] = []
    real = export.write_atomically

    def spy(path, content):
        written.append(Path(path).name)
        return real(path, content)

    monkeypatch.setattr(export, "write_atomically", spy)
    files = export_charts(log, tmp_path, formats=("svg",), salt=SALT)
    export_tables(log, tmp_path, salt=SALT)
    assert "index.md" in written and "tables.xlsx" in written and "funnel.csv" in written
    assert sorted(written) == sorted(p.name for p in tmp_path.iterdir())
    assert len(files) + len(export.TABLE_NAMES) + 1 == len(written)


# ---------------------------------------------------------------------------
# The loader reads, never writes
# ---------------------------------------------------------------------------
def _inputs(folder: Path) -> dict[str, tuple[str, int, int]]:
    """Relative path -> (SHA-256, mtime ns, size) of every file under *folder*."""
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(),
                                         p.stat().st_mtime_ns, p.stat().st_size)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _load_quietly(path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LoadWarning, year inferences and the like
        # a file it cannot read is fine here; writing to it is not
        with contextlib.suppress(InfoviewError):
            load_log_with_report(path)


def test_loading_the_sample_never_changes_its_files():
    before = _inputs(SAMPLE_FOLDER)
    assert len(before) > 60
    for path in (SAMPLE_FOLDER / "my_outreach.xlsx", SAMPLE_FOLDER / "cohort_combined.xlsx",
                 SAMPLE_COHORT_FOLDER):
        _load_quietly(path)
    assert _inputs(SAMPLE_FOLDER) == before


def test_loading_real_world_trackers_never_changes_them():
    if not REALWORLD.is_dir():
        pytest.skip(f"real-world trackers not found at {REALWORLD} (a folder beside the "
                    "clone); this check runs where they are")
    before = _inputs(REALWORLD)
    files = [p for p in sorted(REALWORLD.iterdir()) if p.is_file() and p.suffix != ".md"]
    assert files
    for path in files:
        _load_quietly(path)
    assert _inputs(REALWORLD) == before
