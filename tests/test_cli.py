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
    # Judged at the newest date, every lead is younger than 14 days: all pending, none
    # counted as "no response".
    assert s["response_rate"] == {"n": 0, "responded": 0, "rate": None, "ci_low": None,
                                  "ci_high": None, "pending": 4, "not_recorded": 0}


# Wilson 95% intervals, by hand: for 2 of 4, centre (2 + z^2/2) / (4 + z^2) = 0.5 and
# half-width z * sqrt(p(1-p)/n + z^2/(4n^2)) / (1 + z^2/n) = 0.35; R:
# prop.test(2, 4, correct = FALSE)$conf.int = 0.1500 0.8500, and for 1 of 2 = 0.0945 0.9055.
WILSON_2_OF_4 = (0.1500, 0.8500)
WILSON_1_OF_2 = (0.0945, 0.9055)


def test_summary_json_rates_and_benchmarks(log_csv, capsys):
    assert main(["summary", str(log_csv), "--json", "--as-of", "2024-03-01"]) == 0
    s = json.loads(capsys.readouterr().out)
    r = s["response_rate"]
    assert (r["n"], r["responded"], r["pending"], r["rate"]) == (4, 2, 0, 0.5)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx(WILSON_2_OF_4, abs=5e-5)
    channels = {row["channel"]: row for row in s["by_channel"]}
    assert set(channels) == {"email", "linkedin"}
    for row in channels.values():
        assert (row["n"], row["responded"], row["rate"]) == (2, 1, 0.5)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(WILSON_1_OF_2, abs=5e-5)
        assert row["small_sample"] is True
    # Two coffee chats (Ann, Cy); Ann's offer came from hers. R: binom.test(1, 2, 1/12)
    # p = P(1) + P(2) = 22/144 + 1/144 = 0.1597.
    c = s["info_interview_to_offer"]
    assert (c["interviews"], c["offers"], c["rate"], c["benchmark"]) == (2, 1, 0.5,
                                                                          pytest.approx(1 / 12))
    assert (c["ci_low"], c["ci_high"]) == pytest.approx(WILSON_1_OF_2, abs=5e-5)
    assert c["p_value"] == pytest.approx(23 / 144)
    assert c["benchmark_label"] == "1 in 12"
    a = s["application_to_offer"]
    assert (a["applications"], a["offers"], a["rate"], a["p_value"]) == (0, 0, None, None)
    assert a["benchmark"] == pytest.approx(1 / 200)
    # No industry column: one group. Cy's status "Referred" means at least one referral.
    (y,) = s["referral_yield_by_industry"]
    assert (y["info_interviews"], y["referrals"], y["per_interview"]) == (2, 1, 0.5)


def test_summary_text(log_csv, capsys):
    assert main(["summary", str(log_csv), "--as-of", "2024-03-01"]) == 0
    out = capsys.readouterr().out
    assert "responses: 2 of 4 (50%, 95% interval 15% to 85%)" in out
    assert "offers from informational interviews: 1 of 2" in out and "1 in 12" in out


def test_summary_of_a_log_without_replies(tmp_path, capsys):
    # A list of people messaged, nothing about answers: no 0% response rate.
    path = tmp_path / "sent.csv"
    path.write_text("Name,Company,Connection Sent\nAnn,Acme,2024-01-02\nBob,Beta,2024-01-03\n")
    assert main(["summary", str(path), "--as-of", "2024-06-01"]) == 0
    out = capsys.readouterr().out
    assert "responses: not recorded" in out and "0%" not in out
    assert main(["summary", str(path), "--json", "--as-of", "2024-06-01"]) == 0
    r = json.loads(capsys.readouterr().out)["response_rate"]
    assert (r["n"], r["not_recorded"], r["rate"]) == (0, 2, None)


def test_usage_mistakes_are_one_line(log_csv):
    for args, says in ((("summary", log_csv, "--as-of", "someday"), "not a date: 'someday'"),
                       (("charts", log_csv), "required: --out"),
                       (("nonsense",), "invalid choice: 'nonsense'")):
        result = run_cli(*args)
        assert result.returncode == 2 and says in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("infoview: error: ")


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
    out = tmp_path / "out"
    assert main(["demo", "--out", str(out)]) == 0
    summary = json.loads((out / "cohort_summary.json").read_text())
    assert summary["seekers"] >= 50 and summary["leads"] > 1000
    assert json.loads((out / "my_outreach_summary.json").read_text())["seekers"] == 1
    # The notebook reports, executed: the seeker's and the counselor's.
    seeker_page = (out / "my_outreach" / "my_outreach.html").read_text()
    cohort_page = (out / "cohort" / "cohort_outcomes.html").read_text()
    assert "1 in 12" in seeker_page and "<img" in seeker_page
    assert f"{summary['leads']:,} leads" in cohort_page.replace("&nbsp;", " ")
    charts = {p.suffix for p in (out / "cohort" / "charts").iterdir()}
    assert charts == {".png", ".svg", ".pdf", ".md"}
    assert (out / "cohort" / "tables" / "tables.xlsx").is_file()
    assert "results written to" in capsys.readouterr().out


def test_report_on_a_bad_file_is_one_line(tmp_path):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    result = run_cli("report", bad, "--out", tmp_path / "report")
    assert result.returncode == 2 and "broken.xlsx" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_help_lists_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("validate", "summary", "charts", "tables", "report", "template", "demo"):
        assert command in result.stdout
