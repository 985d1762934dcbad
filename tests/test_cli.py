"""The ``infoview`` command as a user runs it: exit codes, one-line errors, JSON shapes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from infoview_analytics.cli import main

LOG = (
    "Company,Contact,How contacted,Date contacted,Responded,Coffee chat,Interview,Offer,Status\n"
    "Acme,Ann,LinkedIn,2024-01-02,yes,yes,yes,yes,Offer\n"
    "Acme,Bob,LinkedIn,2024-01-03,no,,,,\n"
    "Beta,Cy,Email,2024-01-04,yes,yes,,,Referred\n"
    "Beta,Di,Email,2024-01-05,,,,,\n"
    ",,,,,,,,\n"
    "Gamma,Ed,,2024-01-06,,,,,Draft\n"
    ",,,,,,,,\n"  # trailing empty rows are the sheet's end, not data
)


@pytest.fixture
def log_csv(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(LOG)
    return path


def run_cli(*args):
    """Run the installed entry point the way a user does."""
    return subprocess.run([sys.executable, "-m", "infoview_analytics.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def test_validate_json(log_csv, capsys):
    assert main(["validate", str(log_csv), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["rows_read"], report["rows_loaded"], report["rows_rejected"]) == (6, 5, 1)
    (f,) = report["files"]
    assert set(f) >= {"file", "rows_read", "rows_loaded", "rows_rejected", "mapping", "unmapped",
                      "rejected", "problems"}
    assert f["rejected"] == [{"sheet": None, "row": 6, "reason": "blank"}]
    assert f["mapping"]["How contacted"] == "channel"


def test_validate_table_is_readable(log_csv, capsys):
    assert main(["validate", str(log_csv)]) == 0
    out = capsys.readouterr().out
    assert "log.csv" in out and "'How contacted'" in out and "-> channel" in out
    assert "row 6: blank" in out


def test_summary_json_counts(log_csv, capsys):
    assert main(["summary", str(log_csv), "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    # By hand: 5 leads; Ed is a draft (never contacted); Ann reached an offer,
    # Cy a referral (status), Bob and Di were contacted only.
    assert (s["leads"], s["networking"], s["applications"]) == (5, 5, 0)
    assert s["funnel"] == {"contacted": 4, "responded": 2, "info_interview": 2, "referred": 2,
                           "job_interview": 1, "offer": 1}
    assert sorted(s["by_channel"], key=lambda r: r["channel"]) == [
        {"channel": "email", "n": 2, "responded": 1},
        {"channel": "linkedin", "n": 2, "responded": 1}]


def test_unreadable_input_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    for args in (["validate", bad], ["summary", bad, "--json"], ["validate", tmp_path / "nope"]):
        result = run_cli(*args)
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("infoview: error: ")
        assert "Traceback" not in result.stderr and result.stdout == ""
    assert "broken.xlsx" in run_cli("validate", bad).stderr


def test_no_outreach_columns_names_headers(tmp_path):
    path = tmp_path / "colours.csv"
    path.write_text("Colour,Size\nred,3\n")
    result = run_cli("validate", path)
    assert result.returncode == 2
    assert "no outreach columns found" in result.stderr and "'Colour', 'Size'" in result.stderr


def test_folder_with_a_bad_file_strict(tmp_path, capsys):
    (tmp_path / "good.csv").write_text("Company\nAcme\n")
    (tmp_path / "bad.csv").write_bytes(b"")
    assert main(["validate", str(tmp_path)]) == 0
    assert "NOT READ" in capsys.readouterr().out
    assert main(["validate", str(tmp_path), "--strict"]) == 2


def test_template_then_load(tmp_path, capsys):
    out = tmp_path / "log.xlsx"
    assert main(["template", str(out)]) == 0
    assert out.exists() and "wrote" in capsys.readouterr().out
    # a blank template is a valid, empty log
    assert main(["validate", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rows_read"] == 0 and report["files"][0]["mapping"]["Company"] == "company"


def test_demo_writes_results(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "out")]) == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "my_outreach_summary.json" in written and "cohort_summary.json" in written
    summary = json.loads((tmp_path / "out" / "cohort_summary.json").read_text())
    assert summary["seekers"] >= 50 and summary["leads"] > 1000


def test_help_lists_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("validate", "summary", "template", "demo"):
        assert command in result.stdout
