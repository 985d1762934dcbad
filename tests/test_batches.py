"""Sheets laid out alike are normalised together, and load as if each were alone.

Every rule that decides something per sheet (day-first dates, years of dates
written without one, whether a log records progress, a section heading among its
rows, a repeated header, the caps on reported problems, the names of columns in
messages, referrals named within one log) is checked here on a folder whose files
share a layout, against the same folder normalised one sheet at a time.
"""

from __future__ import annotations

import warnings

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infoview_analytics import InfoviewError, LoadWarning, load_log_with_report, normalise
from infoview_analytics import load as load_module
from infoview_analytics.sample import generate_cohort, write_messy

LAYOUT_A = "Company,Contact,Date contacted,Channel,Referred by,Status,Notes"
LAYOUT_B = "Organization,Contact name,Date,How contacted,Referral from,Current status,Comments"


def _csv(folder, name, header, rows):
    path = folder / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _load(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LoadWarning)
        return load_log_with_report(path, **kw)


def _alone(monkeypatch):
    """Normalise every sheet on its own, as the loader did before batches."""
    monkeypatch.setattr(load_module, "batches", lambda segments: [[k] for k in
                                                                  range(len(segments))])


def _groups(monkeypatch) -> list[list[int]]:
    """The sizes of the batches normalised, as they happen."""
    seen = []
    batches = normalise.batches

    def spy(segments):
        groups = batches(segments)
        seen.append([len(g) for g in groups])
        return groups

    monkeypatch.setattr(load_module, "batches", spy)
    return seen


def _same_as_alone(path, monkeypatch, **kw):
    log, report = _load(path, **kw)
    with monkeypatch.context() as m:
        _alone(m)
        alone_log, alone_report = _load(path, **kw)
    pd.testing.assert_frame_equal(log, alone_log)
    assert report.to_dict() == alone_report.to_dict()
    return log, report


@pytest.fixture
def folder(tmp_path):
    """Files laid out alike under different spellings, each with a rule of its own,
    and one laid out differently between them."""
    _csv(tmp_path, "a.csv", LAYOUT_A, [  # day-first; a channel nobody knows, 60 times
        *(f"Acme {i},Bo,13/04/2024,pigeon,,Applied,n" for i in range(60)),
        "Beta,Cy,02/05/2024,Email,,Replied,x",
        LAYOUT_B])  # another file's header: here, an odd row, not a repeated header
    _csv(tmp_path, "b.csv", LAYOUT_B, [  # month-first; its header repeated; 10 pigeons
        "Gamma,Di,04/13/2024,LinkedIn,Bo,Applied,",
        "Delta,Ed,04/05/2024,pigeon,,Applied,",
        LAYOUT_B,
        *(f"Eps {i},Fay,04/06/2024,pigeon,,Interview,y" for i in range(9))])
    _csv(tmp_path, "c.csv", LAYOUT_A, [  # dates without a year, anchored on its own
        "Zeta,Gus,Nov 20,Email,,Applied,", "Eta,Hal,2023-12-01,Email,,Applied,"])
    _csv(tmp_path, "c_other.csv", "Company,Applied on,Outcome", [  # another layout
        "Theta,2024-02-01,Rejected", "Iota,2024-02-02,"])
    _csv(tmp_path, "d.csv", LAYOUT_A, [  # no progress recorded at all
        "Kappa,Ida,2024-03-01,Email,,,", "Lambda,Jo,2024-03-02,Phone,,,"])
    _csv(tmp_path, "e.csv", LAYOUT_A, [  # a section heading among full rows
        "CONTACTS:,,,,,,", "Mu,Kai,2024-03-03,Email,,Applied,n",
        "Nu,Lu,2024-03-04,Email,,Applied,n"])
    _csv(tmp_path, "f.csv", LAYOUT_A, [  # sparse rows: a lone capitalised word is a lead
        "Xi,,2024-03-05,,,,", "Omicron,,2024-03-06,,,,", "LATER:,,,,,,"])
    _csv(tmp_path, "g.csv", LAYOUT_B, [])  # the header alone
    return tmp_path


def test_a_folder_laid_out_alike_loads_as_sheet_by_sheet(folder, monkeypatch):
    groups = _groups(monkeypatch)
    log, report = _same_as_alone(folder, monkeypatch)
    assert groups == [[7, 1]]  # every file but the one laid out differently, together
    files = {f.file: f for f in report.files}
    assert list(files) == ["a.csv", "b.csv", "c.csv", "c_other.csv", "d.csv", "e.csv", "f.csv",
                           "g.csv"]
    assert log["source_file"].tolist() == [f for f in files for _ in
                                           range(files[f].rows_loaded)]  # in the files' order

    def rows(name):
        return log[log["source_file"] == name]

    # each file's dates read its own way
    a = rows("a.csv")
    assert a.loc[a["company"] == "Beta", "contacted_on"].dt.strftime("%m-%d").tolist() == ["05-02"]
    assert rows("b.csv")["contacted_on"].dt.strftime("%m-%d").tolist()[:2] == ["04-13", "04-05"]
    assert rows("c.csv")["contacted_on"].dt.strftime("%Y-%m-%d").tolist() == [
        "2023-11-20", "2023-12-01"]
    # the caps on problems, and the columns' names, are each file's own
    channel = [(p["column"], p["row"]) for f in ("a.csv", "b.csv") for p in files[f].problems
               if "channel" in p["message"] or "more rows like this" in p["message"]]
    assert channel.count(("Channel", None)) == 1 and len(channel) == 50 + 1 + 10
    assert {c for c, _ in channel[51:]} == {"How contacted"}
    assert [(r["row"], r["reason"]) for r in files["b.csv"].rejected] == [(4, "repeated header")]
    assert "Organization" in rows("a.csv")["company"].tolist()
    # a log recording no progress leaves progress unknown; the others answer it
    assert rows("d.csv")["responded"].isna().all()
    assert rows("a.csv")["responded"].notna().all()
    assert [r["reason"] for r in files["e.csv"].rejected] == ["section heading"]
    assert "LATER:" in rows("f.csv")["company"].tolist()
    assert files["g.csv"].rows_read == 0 and files["g.csv"].sheets[0].header_row == 1


def test_referrals_are_named_within_each_log(folder, monkeypatch):
    """Bo is contacted in a.csv and named as a referrer in b.csv: with one seeker for
    every file, each log still counts only its own referrals."""
    log, _ = _same_as_alone(folder, monkeypatch, seeker="Ann")
    bo = log[(log["source_file"] == "a.csv") & (log["contact"] == "Bo")]
    assert (bo["referrals"].fillna(0) == 0).all()


def test_a_workbook_with_a_sheet_per_student_is_normalised_at_once(tmp_path, monkeypatch):
    """Sheets named for students, one ticking a box where another writes 1: each cell
    keeps what it says."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, flag in (("Ann", True), ("Bo", 1), ("Cy", 1.0)):
        ws = wb.create_sheet(name)
        ws.append(["Company", "Contact", "Date contacted", "Status", "Flag"])
        ws.append([f"Co {name}", "X", "2024-01-02", "Applied", flag])
        ws.append([f"Co {name} 2", "Y", "2024-01-03", "Replied", 0])
    path = tmp_path / "cohort.xlsx"
    wb.save(path)
    groups = _groups(monkeypatch)
    log, _ = _same_as_alone(path, monkeypatch)
    assert groups == [[3]]
    assert log["seeker"].tolist() == ["Ann", "Ann", "Bo", "Bo", "Cy", "Cy"]
    assert log["extra_flag"].tolist() == ["True", "0", "1", "0", "1", "0"]


def test_sheets_that_cannot_share_a_batch_are_normalised_alone(tmp_path, monkeypatch):
    _csv(tmp_path, "a.csv", LAYOUT_A, ["Acme,Bo,2024-01-01,Email,,Applied,n"])
    _csv(tmp_path, "b.csv", LAYOUT_A, ["Beta,Cy,2024-01-02,Email,,Applied,n"])
    # the same fields, but named so that messages could not tell two columns apart
    _csv(tmp_path, "c.csv", "Company,Contact,Date contacted,Channel,Referred by,Status,Channel",
         ["Gamma,Di,2024-01-03,Email,,Applied,Phone"])
    # a big sheet: stacking it with small ones would cost more than it saves
    big = [f"Co {i},P {i},2024-01-04,Email,,Applied,n" for i in range(normalise.BATCH_MAX_ROWS)]
    _csv(tmp_path, "d.csv", LAYOUT_A, big)
    groups = _groups(monkeypatch)
    _same_as_alone(tmp_path, monkeypatch)
    assert groups == [[2, 1, 1]] or groups == [[2, 1, 1, 1]]  # c.csv's plan may differ too
    assert groups[0][0] == 2


def test_messages_name_each_file_s_own_columns(tmp_path, monkeypatch):
    """A column headed 'company' in one file and 'Organization' in another: the note on
    a web address in a company name still says 'company' for both."""
    _csv(tmp_path, "a.csv", LAYOUT_A.replace("Company", "company"),
         ["Acme,Bo,2024-01-01,Email,,Applied,n"])
    _csv(tmp_path, "b.csv", LAYOUT_B, ["Beta (www.beta.com),Cy,2024-01-02,pigeon,,Applied,n"])
    groups = _groups(monkeypatch)
    _, report = _same_as_alone(tmp_path, monkeypatch)
    assert groups == [[1, 1]]  # 'company' cannot name both a header and itself
    assert [p["column"] for p in report.files[1].problems] == ["company", "How contacted"]


def test_a_folder_shared_among_processes_keeps_its_order(tmp_path, monkeypatch):
    """Enough files for several processes: each normalises its share in batches, and
    the rows come back in the files' order."""
    cohort = generate_cohort(24, seed=5)
    rng = np.random.default_rng(5)
    for name, student in cohort.groupby("seeker", sort=True):
        write_messy(student, tmp_path / f"{name}{'.csv' if rng.random() < 0.3 else '.xlsx'}",
                    seed=int(rng.integers(2**32)))
    monkeypatch.setattr(load_module, "usable_cores", lambda: 2)
    log, report = _same_as_alone(tmp_path, monkeypatch)
    assert len(report.files) == 24
    assert report.rows_read == report.rows_loaded + report.rows_rejected
    assert log["source_file"].drop_duplicates().tolist() == sorted(
        f.file for f in report.files if f.rows_loaded)


_cells = st.sampled_from(["", "Acme", "acme", "Beta", "13/04/2024", "04/13/2024", "05/04/2024",
                          "Nov 20", "2023-12-01", "yes", "no", "pigeon", "Email", "Applied",
                          "Offer", "Rejected", "TOTAL", "NOTES:", "3", "Bo", "  "])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.lists(_cells, min_size=7, max_size=7), max_size=6),
                min_size=2, max_size=5),
       st.lists(st.sampled_from([LAYOUT_A, LAYOUT_B]), min_size=5, max_size=5))
def test_random_folders_load_as_sheet_by_sheet(tmp_path_factory, files, headers):
    folder = tmp_path_factory.mktemp("batch")
    for k, rows in enumerate(files):
        _csv(folder, f"{k}.csv", headers[k], [",".join(r) for r in rows])
    with pytest.MonkeyPatch.context() as monkeypatch:
        try:
            _same_as_alone(folder, monkeypatch)
        except InfoviewError as exc:  # the same refusal both ways
            with pytest.MonkeyPatch.context() as m:
                _alone(m)
                with pytest.raises(type(exc)):
                    _load(folder)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 3)), max_size=40))
def test_each_sheet_s_median_is_numpy_s(cells):
    values = np.array([v for v, _ in cells], dtype=int)
    groups = np.array([g for _, g in cells], dtype=np.intp)
    want = [np.median(values[groups == g]) if (groups == g).any() else 0 for g in range(5)]
    assert normalise._medians(values, groups, 5).tolist() == want


@pytest.mark.parametrize("parts", [2, 3])
def test_a_folder_is_shared_among_processes_by_size(tmp_path, parts):
    """Runs of files in order, each about as big as the others: one big file does not
    leave a process with half the small ones besides."""
    sizes = [100] * 30
    sizes[4] = 3_000
    jobs = []
    for k, size in enumerate(sizes):
        path = tmp_path / f"{k:02d}.csv"
        path.write_bytes(b"x" * size)
        jobs.append((path, tmp_path, path.name))
    runs = load_module._chunks(jobs, parts)
    assert [job for run in runs for job in run] == jobs and len(runs) == parts
    totals = [sum(path.stat().st_size for path, _, _ in run) for run in runs]
    assert max(totals) - min(totals) <= max(sizes)
    assert len(runs[0]) < len(jobs) // parts  # the big file's run holds fewer files
