"""The exported workshop chart pack and metric tables, on the bundled cohort sample.

Three charts are also compared with image baselines in ``tests/baseline/``,
rendered small (13.33 x 7.5 in at 40 dpi, DejaVu Sans, a fixed salt) and
compared with a tolerance (``compare_images(tol=10)``), so font hinting or
antialiasing differences between machines do not fail the test but a moved
bar, line or label does. After an intended change to the charts, regenerate
them from the repository root with

    python -m tests.test_export --update-baselines

and look at the new PNGs before committing them.
"""

from __future__ import annotations

import csv
import datetime
import sys
import tempfile
import zipfile
from pathlib import Path

import matplotlib as mpl
import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import openpyxl
import pandas as pd
import pytest
from matplotlib.testing.compare import compare_images

from infoview_analytics import charts, export, metrics
from infoview_analytics.export import (
    CHART_NAMES,
    TABLE_NAMES,
    export_charts,
    export_tables,
    neutralise_formula,
)
from infoview_analytics.load import load_log
from infoview_analytics.sample import SAMPLE_COHORT_FOLDER
from infoview_analytics.schema import conform

BASELINE_DIR = Path(__file__).resolve().parent / "baseline"
BASELINE_CHARTS = (
    "01_funnel",
    "02_response_by_channel",
    "04_info_interviews_vs_benchmark",
)
BASELINE_DPI = 40
SALT = "test-salt"


@pytest.fixture(scope="module")
def log(cohort_log) -> pd.DataFrame:
    return cohort_log


@pytest.fixture(scope="module")
def pack(log, tmp_path_factory) -> tuple[Path, list[Path]]:
    """The full pack at the default settings (PNG at 200 dpi, SVG, PDF)."""
    out = tmp_path_factory.mktemp("pack") / "charts"
    return out, export_charts(log, out, salt=SALT)


def names_in(log: pd.DataFrame) -> set[str]:
    """Every seeker, contact and referrer name, and the names in file names."""
    names: set[str] = set()
    for col in ("seeker", "contact", "referred_by"):
        names |= set(log[col].dropna().astype(str))
    names |= {Path(f).stem for f in log["source_file"].dropna().astype(str)}
    return {n for n in names if len(n) > 3}


def test_every_chart_in_every_format(pack, log):
    out, written = pack
    assert log["cohort"].nunique() > 1  # so the cohort chart is expected too
    expected = [out / f"{name}.{fmt}" for name in CHART_NAMES for fmt in ("png", "svg", "pdf")]
    assert written == [*expected, out / "index.md"]
    for path in written:
        assert path.is_file() and path.stat().st_size > 0, path
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)
    index = (out / "index.md").read_text(encoding="utf-8")
    for name in CHART_NAMES:
        assert f"({name}.png)" in index and f"({name}.pdf)" in index
    assert (out / "01_funnel.pdf").read_bytes().startswith(b"%PDF")


def test_no_temporary_folder_is_left_behind(pack):
    out, _ = pack
    assert [p.name for p in out.parent.iterdir()] == [out.name]


def test_png_resolution(pack):
    out, _ = pack
    for name in CHART_NAMES:
        height, width = mpimg.imread(out / f"{name}.png").shape[:2]
        # 13.33 x 7.5 in at 200 dpi
        assert width >= 2000 and height >= 1125, name
        assert width / height == pytest.approx(16 / 9, rel=0.01)


def test_no_name_from_the_log_in_any_svg(pack, log):
    out, _ = pack
    names = names_in(log)
    assert len(names) > 100
    for name in CHART_NAMES:
        svg = (out / f"{name}.svg").read_text(encoding="utf-8")
        assert "<text" in svg  # text is kept as text (svg.fonttype none), so this search works
        leaked = sorted(n for n in names if n in svg)
        assert not leaked, f"{name}.svg shows {leaked[:5]}"
    chains = (out / "07_referral_chains.svg").read_text(encoding="utf-8")
    assert "P-" in chains  # pseudonyms instead


def test_titles_and_captions(pack, log):
    out, _ = pack
    dates = log["contacted_on"].dropna()
    span = f"contacted {dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}"
    for name in CHART_NAMES:
        svg = (out / f"{name}.svg").read_text(encoding="utf-8")
        assert span in svg, name
        assert "n = " in svg, name
    info = (out / "04_info_interviews_vs_benchmark.svg").read_text(encoding="utf-8")
    assert "Benchmark: 1 in 12" in info
    assert "Hansen, A Foot in the Door" in info
    assert "Offers per informational interview, against 1 in 12" in info
    apps = (out / "05_applications_vs_benchmark.svg").read_text(encoding="utf-8")
    assert "Benchmark: 1 in 200" in apps
    channels = (out / "02_response_by_channel.svg").read_text(encoding="utf-8")
    assert "observational" in channels


def test_small_groups_are_left_out_and_the_caption_says_so(log, tmp_path):
    counts = log.loc[log["stage"].notna(), "channel"].value_counts()
    k = 100
    small = [c for c, n in counts.items() if 0 < n < 50]  # well under k even before pending
    big = [c for c, n in counts.items() if n > 200]
    assert small and big
    export_charts(log, tmp_path, formats=("svg",), k=k, salt=SALT)
    svg = (tmp_path / "02_response_by_channel.svg").read_text(encoding="utf-8")
    assert f"Groups with fewer than {k} leads not shown." in svg
    labels = {c: charts._pretty(c) for c in [*small, *big]}
    for c in small:
        assert f">{labels[c]}<" not in svg
    for c in big:
        assert f">{labels[c]}<" in svg


def test_charts_with_nothing_to_show_are_left_out_and_listed(tmp_path):
    # Applications only, no dates, no replies recorded: a job board export.
    log = conform(pd.DataFrame({
        "seeker": ["Sam"] * 12, "activity": ["application"] * 12,
        "company": [f"Company {i}" for i in range(12)], "stage": ["contacted"] * 12,
    }))
    out = tmp_path / "pack"
    out.mkdir()
    (out / "08_time_to_response.png").write_bytes(b"an old chart")  # from an earlier export
    written = {p.name for p in export_charts(log, out, formats=("png",), salt=SALT)}
    assert written == {"01_funnel.png", "05_applications_vs_benchmark.png", "index.md"}
    assert not (out / "08_time_to_response.png").exists(), "a stale chart would mislead"
    index = (out / "index.md").read_text()
    assert "| From application to offer |" in index
    for line in ("- Which channels get answers?: the log does not record replies",
                 "- Offers per informational interview, against 1 in 12: no informational "
                 "interviews in the log",
                 "- Referral chains: who led to whom: no one in the log was referred by "
                 "another contact",
                 "- How long do replies take?: no reply dates in the log",
                 "- Outreach per week: no contact dates in the log"):
        assert line in index


def test_default_salt_and_no_anonymising(log, tmp_path, monkeypatch):
    monkeypatch.setenv("INFOVIEW_SALT", "from-the-environment")
    export_charts(log, tmp_path / "a", formats=("svg",))
    export_charts(log, tmp_path / "b", formats=("svg",), salt="from-the-environment")
    chains = "07_referral_chains.svg"
    assert (tmp_path / "a" / chains).read_bytes() == (tmp_path / "b" / chains).read_bytes()
    export_charts(log, tmp_path / "c", formats=("svg",), anonymise=False)
    shown = (tmp_path / "c" / chains).read_text(encoding="utf-8")
    assert any(n in shown for n in log["contact"].dropna())


def test_interrupted_export_leaves_no_partial_file(log, tmp_path, monkeypatch):
    out = tmp_path / "charts"
    out.mkdir()
    (out / "keep.txt").write_text("mine")

    def boom(*args, **kwargs):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(charts, "plot_referral_chains", boom)
    with pytest.raises(RuntimeError, match="interrupted"):
        export_charts(log, out, salt=SALT, formats=("png",), dpi=20)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["charts"]


def test_export_leaves_pyplot_and_settings_alone(log, tmp_path):
    backend = mpl.get_backend()
    mine = plt.figure()
    before = dict(dict.items(mpl.rcParams))
    export_charts(log, tmp_path, formats=("png",), dpi=20, salt=SALT)
    assert mpl.get_backend() == backend
    assert plt.get_fignums() == [mine.number]
    after = dict(dict.items(mpl.rcParams))
    assert [k for k in before if before[k] != after[k]] == []


def test_bad_arguments(log, tmp_path):
    with pytest.raises(ValueError, match="jpg"):
        export_charts(log, tmp_path, formats=("png", "jpg"))
    with pytest.raises(ValueError, match="k must be"):
        export_charts(log, tmp_path, k=-1)
    assert list(tmp_path.iterdir()) == []


def test_log_is_not_changed(log, tmp_path):
    copy = log.copy(deep=True)
    export_charts(log, tmp_path, formats=("svg",), salt=SALT)
    pd.testing.assert_frame_equal(log, copy)


# ---------------------------------------------------------------------------
# Tables (CSV and XLSX)
# ---------------------------------------------------------------------------
HOSTILE = ['=HYPERLINK("http://x","click")', "+1-555", "@SUM(A1)", "-2+3", "\t=1", "\r=1"]


@pytest.fixture(scope="module")
def tables(log, tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("tables")
    return out, export_tables(log, out, salt=SALT)


def read_csv_cells(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_every_table_as_csv_and_one_workbook(tables, log):
    out, written = tables
    assert written == [out / f"{name}.csv" for name in TABLE_NAMES] + [out / "tables.xlsx"]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)
    book = openpyxl.load_workbook(out / "tables.xlsx")
    assert book.sheetnames == ["About", *TABLE_NAMES]
    for name in TABLE_NAMES:
        frame = pd.read_csv(out / f"{name}.csv")
        sheet = list(book[name].iter_rows(values_only=True))
        assert list(frame.columns) == list(sheet[0])
        assert len(frame) == len(sheet) - 1 > 0, name
        assert "suppressed" in frame
    funnel = pd.read_csv(out / "funnel.csv")
    assert set(funnel["activity"]) == {"networking", "application"}
    contacted = funnel.loc[funnel["stage"] == "contacted", "n"].astype(int).sum()
    assert contacted == int(log["stage"].notna().sum())
    offers = pd.read_csv(out / "offers_networking.csv")
    assert set(offers["benchmark_label"]) == {"1 in 12"}
    seekers = pd.read_csv(out / "per_seeker.csv")
    assert seekers["seeker"].str.fullmatch(r"P-[0-9a-f]{8}").all()
    assert len(seekers) == log["seeker"].nunique()
    # numbers are numbers in the workbook, dates are dates
    row = next(book["per_seeker"].iter_rows(min_row=2, max_row=2))
    kinds = {c.column_letter: c.data_type for c in row}
    assert kinds["C"] == "n" and kinds["K"] == "d"


def test_tables_suppress_small_groups(log, tmp_path):
    export_tables(log, tmp_path, formats=("csv",), k=100, salt=SALT)
    cells = read_csv_cells(tmp_path / "response_by_channel.csv")
    header, rows = cells[0], cells[1:]
    n, rate, flag = header.index("n"), header.index("rate"), header.index("suppressed")
    hidden = [r for r in rows if r[flag] == "True"]
    shown = [r for r in rows if r[flag] == "False"]
    assert hidden and shown
    assert all(r[n] == "<100" and r[rate] == "" for r in hidden)
    assert all(int(r[n]) >= 100 and 0 <= float(r[rate]) <= 1 for r in shown)
    export_tables(log, tmp_path / "all", formats=("csv",), k=None, salt=SALT)
    everything = pd.read_csv(tmp_path / "all" / "response_by_channel.csv")
    assert not everything["suppressed"].any() and everything["rate"].notna().all()


def test_shared_numbers_leave_out_sheets_that_record_no_replies(tmp_path):
    """A sheet that never records a reply (a list of messages sent) is left out of the
    response rates in the shared tables and charts as in the metrics: the shared copy
    keeps each row's source, under a pseudonym."""
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "tracker.csv").write_text(
        "Contact,Company,How contacted,Date contacted,Responded\n"
        + "".join(f"C{i},Acme,Email,2024-{i + 1:02d}-01,{'yes' if i % 3 == 0 else 'no'}\n"
                  for i in range(12)))
    (folder / "Jo Smith sent.csv").write_text(
        "Contact,Company,How contacted,Date contacted\n"
        + "".join(f"D{i},Beta,Email,2025-01-{i + 1:02d}\n" for i in range(20)))
    log = load_log(folder)
    want = metrics.response_rates(log, by="channel")
    assert want["n"].tolist() == [12] and want["not_recorded"].tolist() == [20]
    for anonymise in (True, False):
        out = tmp_path / f"tables_{anonymise}"
        export_tables(log, out, formats=("csv",), k=0, anonymise=anonymise, salt=SALT)
        got = pd.read_csv(out / "response_by_channel.csv")
        assert got[["n", "responded", "not_recorded"]].values.tolist() == [[12, 4, 20]]
        # the file's name (here a student's) is a seeker's name: shared only when asked
        assert anonymise != any("Jo Smith" in p.read_text() for p in out.iterdir())
    written = export_charts(log, tmp_path / "charts", formats=("svg",), k=0, salt=SALT)
    index = (tmp_path / "charts" / "index.md").read_text()
    assert "n = 12 leads" in index.split("Which channels get answers?")[1].split("\n\n")[0]
    assert not any("Jo Smith" in p.read_text() for p in written)


@pytest.mark.parametrize("value, expected", [
    ('=HYPERLINK("http://x","click")', '\'=HYPERLINK("http://x","click")'),
    ("+1-555", "'+1-555"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("-2+3", "'-2+3"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("-5", "'-5"),  # text, even if it looks like a number
    ("Acme", "Acme"),
    (" =1", " =1"),  # not at the start: shown as text already
    ("", ""),
    (-2, -2),
    (-2.5, -2.5),
    (0, 0),
    (None, None),
])
def test_neutralise_formula(value, expected):
    assert neutralise_formula(value) == expected


def hostile_log() -> pd.DataFrame:
    n = len(HOSTILE) * 2
    return conform(pd.DataFrame({
        "seeker": [HOSTILE[i % len(HOSTILE)] for i in range(n)],
        "cohort": [HOSTILE[i % len(HOSTILE)] for i in range(n)],
        "industry": [HOSTILE[(i + 1) % len(HOSTILE)] for i in range(n)],
        "contact": [f"{HOSTILE[i % len(HOSTILE)]} {i}" for i in range(n)],
        "activity": ["networking"] * n,
        "channel": ["email"] * n,
        "stage": ["info_interview"] * n,
        "responded": [True] * n,
        "info_interview": [True] * n,
        "contacted_on": pd.date_range("2024-01-01", periods=n, freq="7D"),
        "notes": ["=cmd|' /C calc'!A0"] * n,
    }))


def test_hostile_names_are_neutralised_in_csv_and_xlsx(tmp_path):
    written = export_tables(hostile_log(), tmp_path, anonymise=False, k=0, salt=SALT)
    seen: set[str] = set()
    for path in written[:-1]:
        for row in read_csv_cells(path):
            for cell in row:
                seen.add(cell)
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (path.name, cell)
    assert {"'" + h for h in HOSTILE} <= seen  # as seekers, cohorts and industries
    book = openpyxl.load_workbook(tmp_path / "tables.xlsx")
    values = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))
                    values.add(cell.value)
                elif cell.value is not None:
                    assert isinstance(cell.value, int | float | datetime.datetime), cell.value
    # XML turns a raw carriage return into a line feed when read back
    assert {"'" + h.replace("\r", "\n") for h in HOSTILE} <= values
    with zipfile.ZipFile(tmp_path / "tables.xlsx") as z:
        for part in z.namelist():
            assert b"<f>" not in z.read(part) and b"<f " not in z.read(part), part
    leads = next(book["per_seeker"].iter_rows(min_row=2, max_row=2))[2]
    assert leads.data_type == "n" and isinstance(leads.value, int)
    assert "calc" not in "".join(seen)  # free text is never exported


def test_tables_control_characters_cannot_uncover_a_formula(tmp_path):
    log = hostile_log()
    log["cohort"] = pd.Series(["\x01=cmd", "\x1f@x"] * (len(log) // 2), dtype="category")
    export_tables(log, tmp_path, anonymise=False, k=0, salt=SALT)
    cohorts = {r[0] for r in read_csv_cells(tmp_path / "response_by_cohort.csv")[1:]}
    assert cohorts == {"'=cmd", "'@x"}
    sheet = openpyxl.load_workbook(tmp_path / "tables.xlsx")["response_by_cohort"]
    assert {c.value for c in sheet["A"][1:]} == {"'=cmd", "'@x"}


def test_tables_bad_arguments_and_log_unchanged(log, tmp_path):
    with pytest.raises(ValueError, match="ods"):
        export_tables(log, tmp_path, formats=("csv", "ods"))
    with pytest.raises(ValueError, match="k must be"):
        export_tables(log, tmp_path, k=-1)
    assert list(tmp_path.iterdir()) == []
    copy = log.copy(deep=True)
    export_tables(log, tmp_path, formats=("XLSX",), salt=SALT)
    assert [p.name for p in tmp_path.iterdir()] == ["tables.xlsx"]
    pd.testing.assert_frame_equal(log, copy)


def test_tables_are_reproducible(log, tmp_path):
    a = export_tables(log, tmp_path / "a", salt=SALT)
    b = export_tables(log, tmp_path / "b", salt=SALT)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


# ---------------------------------------------------------------------------
# Image baselines
# ---------------------------------------------------------------------------
def render_baselines(log: pd.DataFrame, folder: Path) -> list[Path]:
    """The baseline charts, rendered small; returns their paths in ``folder``."""
    export_charts(log, folder, formats=("png",), dpi=BASELINE_DPI, salt=SALT)
    return [folder / f"{name}.png" for name in BASELINE_CHARTS]


def test_against_baselines(log, tmp_path):
    missing = [n for n in BASELINE_CHARTS if not (BASELINE_DIR / f"{n}.png").is_file()]
    if missing:
        pytest.fail(f"no baseline for {missing}: run python -m tests.test_export "
                    "--update-baselines and check the images")
    for actual in render_baselines(log, tmp_path):
        expected = BASELINE_DIR / actual.name
        assert expected.stat().st_size < 100_000
        result = compare_images(str(expected), str(actual), tol=10)
        assert result is None, result


def update_baselines() -> list[Path]:
    """Regenerate ``tests/baseline/*.png`` from the bundled sample."""
    BASELINE_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        written = []
        for path in render_baselines(load_log(SAMPLE_COHORT_FOLDER), Path(tmp)):
            target = BASELINE_DIR / path.name
            target.write_bytes(path.read_bytes())
            written.append(target)
    return written


if __name__ == "__main__":
    if "--update-baselines" not in sys.argv[1:]:
        sys.exit("usage: python -m tests.test_export --update-baselines")
    for _path in update_baselines():
        print(_path, _path.stat().st_size, "bytes")
    assert export  # the module under test
