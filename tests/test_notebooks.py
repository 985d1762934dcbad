"""The notebooks run top to bottom, the filter panel follows its widgets, and
``build_report`` writes the HTML reports and the chart pack.

Notebooks are executed in a real kernel (nbclient, through
``report.run_notebook``) with a cell timeout, so a stall fails the test
instead of hanging the suite. Expected numbers come from the metric functions
called here on the same input, not from the notebooks' own output.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import warnings
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from infoview_analytics import metrics
from infoview_analytics.errors import InfoviewError, UnreadableFileError
from infoview_analytics.export import CHART_NAMES
from infoview_analytics.filters import filter_log
from infoview_analytics.load import load_log
from infoview_analytics.report import (
    NOTEBOOKS,
    NotebookError,
    build_report,
    inject_parameters,
    notebook_dir,
    notebook_html,
    run_notebook,
)
from infoview_analytics.sample import (
    SAMPLE_COHORT_FOLDER,
    SAMPLE_COMBINED_FILE,
    SAMPLE_SEEKER_FILE,
)
from infoview_analytics.widgets import FilterPanel, funnel_table

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld"
REALWORLD_SEEKER = REALWORLD / "KidQuant__PersonalProject__networking.csv"
TIMEOUT = 240  # seconds per cell: a stalled kernel fails the test instead of hanging it

pytestmark = pytest.mark.filterwarnings("ignore::infoview_analytics.errors.SmallSampleWarning")


def _quiet_load(path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_log(path)


def _outputs(nb, mime: str | None = None) -> list:
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if mime is None or mime in out.get("data", {}):
                found.append(out)
    return found


def _text(nb) -> str:
    """Everything a reader sees as text: printed lines, text and HTML outputs."""
    parts = []
    for out in _outputs(nb):
        if out.get("output_type") == "stream":
            parts.append(out["text"])
        for mime in ("text/plain", "text/html", "text/markdown"):
            value = out.get("data", {}).get(mime)
            if value:
                parts.append(value if isinstance(value, str) else "".join(value))
    return "\n".join(parts)


def _run(name: str, tmp: Path, **parameters) -> nbformat.NotebookNode:
    return run_notebook(NOTEBOOK_DIR / name, {"output_dir": str(tmp / "out"), **parameters},
                        timeout=TIMEOUT)


def _realworld() -> Path:
    if not REALWORLD.is_dir():
        pytest.skip(f"real-world spreadsheets not found at {REALWORLD}; put the shared/ folder "
                    "beside the clone to run the notebooks on them")
    return REALWORLD


# ---------------------------------------------------------------------------
# The notebooks as committed
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(NOTEBOOKS.values()))
def test_notebooks_are_committed_thin_and_without_outputs(name):
    nb = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    assert "../data/" in tagged[0].source, "defaults point at the bundled sample"
    assert "output_dir" in tagged[0].source
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, "outputs are stripped"
        assert "def " not in cell.source and "class " not in cell.source, "no definitions"
    assert nb.cells[0].cell_type == "markdown"


def test_report_finds_the_notebooks():
    assert notebook_dir() == NOTEBOOK_DIR


def test_parameters_are_injected_after_the_parameters_cell():
    nb = nbformat.read(NOTEBOOK_DIR / NOTEBOOKS["seeker"], as_version=4)
    inject_parameters(nb, {"log_path": Path("/x/y.csv"), "as_of": None, "k": [1, 2.5, True]})
    inject_parameters(nb, {"log_path": "/x/z.csv"})  # replaces the first injection
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    where = tags.index(["parameters"])
    assert tags[where + 1] == ["injected-parameters"]
    assert sum("injected-parameters" in t for t in tags) == 1
    assert "log_path = '/x/z.csv'" in nb.cells[where + 1].source
    with pytest.raises(ValueError):
        inject_parameters(nb, {"log_path": object()})


# ---------------------------------------------------------------------------
# On the bundled sample (the parameters' defaults)
# ---------------------------------------------------------------------------
def test_my_outreach_on_the_sample(tmp_path):
    nb = _run(NOTEBOOKS["seeker"], tmp_path)
    log = _quiet_load(SAMPLE_SEEKER_FILE)
    assert len(_outputs(nb, "image/png")) >= 6  # funnel, channels, 2 benchmarks, yield, chains
    text = _text(nb)
    assert f"{len(log):,} leads loaded" in text
    funnel = metrics.funnel(log)
    counts = dict(zip(funnel["stage"].astype(str), funnel["count"], strict=True))
    for stage in ("contacted", "responded", "info_interview", "offer"):
        assert f"{stage} {counts[stage]}" in " ".join(text.split()), stage
    networking = metrics.offer_conversion(log).iloc[0]
    assert f"{int(networking['n'])} held/sent, {int(networking['offers'])} led to an offer" in text
    assert metrics.format_one_in(networking) in text
    todo = metrics.followups_due(log)
    saved = pd.read_csv(tmp_path / "out" / "followups_due.csv")
    assert len(saved) == len(todo) > 0
    assert f"{(todo['action'] == 'follow up').sum()} follow-ups" in text
    assert "my_outreach finished: 150 leads" in text
    assert not [o for o in _outputs(nb) if o.get("name") == "stderr"], "no warnings printed"


def test_cohort_outcomes_on_the_sample(tmp_path):
    nb = _run(NOTEBOOKS["cohort"], tmp_path)
    log = _quiet_load(SAMPLE_COHORT_FOLDER)
    assert len(_outputs(nb, "image/png")) >= 3  # cohorts, spread, referral yield
    text = _text(nb)
    assert f"cohort_outcomes finished: {len(log):,} leads from 60 students" in text
    stalled = metrics.stalled_seekers(log)
    saved = pd.read_csv(tmp_path / "out" / "stalled_students.csv")
    assert len(saved) == int(stalled["stalled"].sum())
    assert f"{len(saved)} of 60 students have stalled" in text
    outcomes = metrics.cohort_outcomes(log)
    for cohort, offers in zip(outcomes["cohort"], outcomes["with_offer"], strict=True):
        assert str(cohort) in text and str(offers) in text
    # The filter panel: a widget view with its static copy, and the widgets' state saved.
    panel = _outputs(nb, "application/vnd.jupyter.widget-view+json")
    assert len(panel) == 1
    snapshot = panel[0]["data"]["text/html"]
    assert f"{len(log):,} of {len(log):,} leads (60 students)" in snapshot
    assert "data:image/png;base64," in snapshot
    contacted = int(metrics.funnel(log)["count"].iloc[0])
    assert f"<td>{contacted}</td>" in snapshot
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    models = {m["model_name"] for m in state.values()}
    assert {"DropdownModel", "SelectMultipleModel", "DatePickerModel", "OutputModel"} <= models
    outputs = [m for m in state.values() if m["model_name"] == "OutputModel"]
    drawn = [o for m in outputs for o in m["state"].get("outputs", [])]
    assert any("image/png" in o.get("data", {}) for o in drawn), "the panel drew its chart"


def test_workshop_charts_on_the_sample(tmp_path):
    nb = _run(NOTEBOOKS["workshop"], tmp_path, formats=["png"])
    out = tmp_path / "out"
    for stem in CHART_NAMES:  # three cohorts in the sample folder: all ten charts
        assert (out / f"{stem}.png").stat().st_size > 10_000, stem
    assert not list(out.glob("*.svg"))
    assert (out / "index.md").is_file()
    assert len(_outputs(nb, "image/png")) == len(CHART_NAMES)
    text = _text(nb)
    assert f"{len(CHART_NAMES) + 1} files written" in text
    assert "Names are replaced by pseudonyms" in text
    # Anonymised: no student name from the sample reaches the pack's captions.
    index = (out / "index.md").read_text(encoding="utf-8")
    assert not any(p.stem in index for p in SAMPLE_COHORT_FOLDER.iterdir())


# ---------------------------------------------------------------------------
# On real-world files, with the paths injected as papermill would
# ---------------------------------------------------------------------------
def test_my_outreach_on_a_real_tracker(tmp_path):
    path = _realworld() / REALWORLD_SEEKER.name
    nb = _run(NOTEBOOKS["seeker"], tmp_path, log_path=str(path))
    log = _quiet_load(path)
    text = _text(nb)
    assert f"my_outreach finished: {len(log):,} leads" in text
    contacted = int(metrics.funnel(log)["count"].iloc[0])
    assert f"contacted {contacted}" in " ".join(text.split())
    assert _outputs(nb, "image/png")
    assert (tmp_path / "out" / "followups_due.csv").is_file()


def test_cohort_and_workshop_on_the_real_world_folder(tmp_path):
    folder = _realworld()
    log = _quiet_load(folder)
    nb = _run(NOTEBOOKS["cohort"], tmp_path, log_paths=[str(folder)])
    text = _text(nb)
    seekers = log["seeker"].nunique()
    assert f"cohort_outcomes finished: {len(log):,} leads from {seekers} students" in text
    assert _outputs(nb, "image/png")
    nb = _run(NOTEBOOKS["workshop"], tmp_path / "pack", log_paths=[str(folder)],
              formats=["png"])
    pngs = sorted(p.stem for p in (tmp_path / "pack" / "out").glob("*.png"))
    # Every chart but cohort outcomes (no cohorts given) is drawn, or left out with a reason:
    # these trackers hold too few informational interviews to show once suppressed.
    index = (tmp_path / "pack" / "out" / "index.md").read_text(encoding="utf-8")
    left_out = [line for line in index.splitlines() if line.startswith("- ")]
    assert set(pngs) <= set(CHART_NAMES) and {"01_funnel", "02_response_by_channel"} <= set(pngs)
    assert len(pngs) + len(left_out) == len(CHART_NAMES) - 1, (pngs, left_out)
    assert "workshop_charts finished" in _text(nb)


# ---------------------------------------------------------------------------
# The filter panel's callbacks (no kernel needed)
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cohort_log() -> pd.DataFrame:
    return _quiet_load(SAMPLE_COMBINED_FILE)


def test_panel_redraws_what_filter_log_and_the_metrics_give(cohort_log):
    panel = FilterPanel(cohort_log)
    assert len(panel.subset) == len(cohort_log)
    first_png, first_table = panel.png, panel.table
    assert first_png.startswith(b"\x89PNG")
    panel.cohort.value = "2025 Fall"
    want = filter_log(cohort_log, cohort="2025 Fall", start=panel.start.value,
                      end=panel.end.value)
    assert len(panel.subset) == len(want) == int((cohort_log["cohort"] == "2025 Fall").sum())
    pd.testing.assert_frame_equal(panel.table, funnel_table(want))
    assert panel.table["Leads"].iloc[0] == int(want["stage"].notna().sum())
    assert panel.png != first_png and not panel.table.equals(first_table)
    assert panel.message.startswith(f"{len(want):,} of {len(cohort_log):,} leads")
    panel.industry.value = ("Tech", "Finance")
    panel.channel.value = ("alumni",)
    panel.activity.value = "networking"
    want = filter_log(cohort_log, cohort="2025 Fall", industry=["Tech", "Finance"],
                      channel="alumni", activity="networking")
    assert len(panel.subset) == len(want) > 0
    assert "industry Tech, Finance" in panel.message


def test_panel_dates_empty_results_and_reset(cohort_log):
    panel = FilterPanel(cohort_log)
    panel.start.value = dt.date(2025, 1, 1)
    panel.end.value = dt.date(2025, 1, 31)
    day = cohort_log["contacted_on"]
    assert len(panel.subset) == int(((day >= "2025-01-01") & (day <= "2025-01-31")).sum())
    panel.seeker.value = panel.seeker.options[1]
    panel.start.value = dt.date(2030, 1, 1)  # after the end date: said, not raised
    assert panel.message.startswith("Cannot filter: start 2030-01-01 is after end")
    assert len(panel.subset) == 0 and panel.png == b""
    panel.end.value = None  # open-ended, but nothing after 2030
    assert panel.message.startswith("0 of")
    assert panel.table["Leads"].sum() == 0
    before = panel.refreshes
    panel.reset()
    assert panel.refreshes == before + 1, "one redraw for the whole reset"
    assert len(panel.subset) == len(cohort_log)
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert f"{len(cohort_log):,} of {len(cohort_log):,} leads" in bundle["text/html"]


# ---------------------------------------------------------------------------
# Running notebooks: failures are one-line typed errors
# ---------------------------------------------------------------------------
def _tiny_notebook(path: Path, source: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
                                         nbformat.v4.new_code_cell(source)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


def test_a_failing_cell_is_a_notebook_error(tmp_path):
    source = _tiny_notebook(tmp_path / "broken.ipynb", "raise ValueError('bad\\nthing')")
    with pytest.raises(NotebookError) as caught:
        run_notebook(source, timeout=60)
    assert isinstance(caught.value, InfoviewError)
    assert str(caught.value) == "broken.ipynb: cell 2 stopped with ValueError: bad thing"


def test_a_slow_cell_times_out_with_a_notebook_error(tmp_path):
    source = _tiny_notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(30)")
    with pytest.raises(NotebookError, match=r"slow.ipynb: a cell took longer than 2 s"):
        run_notebook(source, timeout=2)


# ---------------------------------------------------------------------------
# build_report end to end
# ---------------------------------------------------------------------------
def test_build_report_for_one_seeker(tmp_path, capsys):
    out = tmp_path / "report"
    page = build_report(SAMPLE_SEEKER_FILE, out, timeout=TIMEOUT)
    assert page == out / "my_outreach.html"
    html = page.read_text(encoding="utf-8")
    assert "<title>My outreach: what is working, and what to do next</title>" in html
    for heading in ("1. Reading your log", "3. Which channels answer?",
                    "6. Your to-do list: follow-ups and thank-you notes"):
        assert heading in html
    assert "log_path = " not in html, "code is hidden"
    assert html.count("data:image/png;base64,") >= 6
    assert "<script src=" not in html, "nothing is fetched from the web"
    log = _quiet_load(SAMPLE_SEEKER_FILE)
    networking = metrics.offer_conversion(log).iloc[0]
    assert metrics.format_one_in(networking) in html
    assert "my_outreach finished: 150 leads" in html
    workshop = (out / "workshop_charts.html").read_text(encoding="utf-8")
    assert "Workshop charts: a slide-ready pack, anonymised" in workshop
    for stem in CHART_NAMES[:9]:
        for fmt in ("png", "svg", "pdf"):
            assert (out / "charts" / f"{stem}.{fmt}").is_file(), (stem, fmt)
    assert not (out / "charts" / "10_cohort_outcomes.png").exists()  # one seeker, no cohorts
    assert (out / "my_outreach" / "followups_due.csv").is_file()
    assert json.loads((out / "my_outreach.ipynb").read_text())["cells"]
    assert "cell" in capsys.readouterr().err, "a progress bar on stderr"
    # The kernels get the caller's salt: no secret salt file in the folder to be shared.
    assert not list(out.rglob(".infoview-salt"))


def test_build_report_for_a_cohort_workbook_picks_the_cohort_notebook(tmp_path, monkeypatch):
    # A fast stand-in for the workshop notebook keeps this test on the choice of notebook.
    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOK_DIR, folder)
    stub = nbformat.read(folder / NOTEBOOKS["workshop"], as_version=4)
    stub.cells = [c for c in stub.cells if "parameters" in c.metadata.get("tags", [])]
    stub.cells.append(nbformat.v4.new_code_cell("print('pack for', log_paths)"))
    nbformat.write(stub, folder / NOTEBOOKS["workshop"])
    monkeypatch.setenv("INFOVIEW_NOTEBOOKS", str(folder))
    page = build_report([SAMPLE_COMBINED_FILE], tmp_path / "out", progress=False,
                        timeout=TIMEOUT)
    assert page.name == "cohort_outcomes.html"
    html = page.read_text(encoding="utf-8")
    assert "2. Cohort against cohort" in html and "4. Who has stalled?" in html
    assert "cohort_outcomes finished: 2,050 leads from 60 students" in html
    assert "infoview-panel-snapshot" in html, "the filter panel's static copy is in the page"
    assert "application/vnd.jupyter.widget-view+json" not in html
    assert str(SAMPLE_COMBINED_FILE) in (tmp_path / "out" / "workshop_charts.html").read_text()


def test_build_report_on_a_broken_file_says_which_file_and_why(tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"")
    with pytest.raises(UnreadableFileError) as caught:
        build_report(broken, tmp_path / "out", progress=False)
    message = str(caught.value)
    assert "broken.xlsx" in message and "\n" not in message
    with pytest.raises(InfoviewError, match="no such file or folder"):
        build_report([tmp_path / "missing", SAMPLE_SEEKER_FILE], tmp_path / "out")


def test_build_report_names_the_failing_notebook_and_cell(tmp_path, monkeypatch):
    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOK_DIR, folder)
    nb = nbformat.read(folder / NOTEBOOKS["seeker"], as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell("1 / 0"))
    nbformat.write(nb, folder / NOTEBOOKS["seeker"])
    monkeypatch.setenv("INFOVIEW_NOTEBOOKS", str(folder))
    with pytest.raises(NotebookError,
                       match=r"^my_outreach.ipynb: cell 4 stopped with ZeroDivisionError"):
        build_report(SAMPLE_SEEKER_FILE, tmp_path / "out", progress=False, timeout=TIMEOUT)


def test_notebook_html_keeps_the_static_copy_of_widgets():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("panel")])
    nb.cells[0].outputs = [nbformat.v4.new_output(
        "display_data", data={"application/vnd.jupyter.widget-view+json": {
            "model_id": "abc", "version_major": 2, "version_minor": 0},
            "text/html": "<p>static copy</p>", "text/plain": "FilterPanel"})]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    html = notebook_html(nb, title="T")
    assert "<p>static copy</p>" in html and "<title>T</title>" in html
    assert "widget-view" not in html and "<script src=" not in html
