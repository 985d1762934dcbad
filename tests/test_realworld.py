"""Every real tracker in shared/realworld/ loads through ``infoview validate``.

Expected counts come from the files themselves and their SOURCES.md notes
(row counts, preamble rows, date-only rows, incoming invitations), not from
running the loader; a few cell values per file pin the interpretation.
"""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pytest

from infoview_analytics.cli import main
from infoview_analytics.load import load_log_with_report

# file -> (rows read, rows rejected, {header: canonical column} that must be in the mapping)
EXPECTED = {
    "Carla08__w241_final_project__recruiters.csv": (
        978, 1, {"Name": "contact", "Company": "company", "Position": "contact_title",
                 "Day Message Sent": "contacted_on"}),
    "DeanWilcox__Animal__Job Tracker.xlsx": (
        19, 0, {"Company": "company", "Application date": "contacted_on",
                "Applied where?": "channel", "Outcome": "outcome", "Made contact?": "responded"}),
    "JakeCarp__JakeCarp__Job Search Tracker.xlsx": (
        10, 0, {"Company Name (website)": "company", "Point of Contact": "contact",
                "Date applied": "contacted_on"}),
    "JasonToups__linkedin-export-sorting__Connections.csv": (
        1628, 47, {"First Name": "contact", "Last Name": "contact", "Company": "company",
                   "Position": "contact_title", "Connected On": "contacted_on"}),
    "KidQuant__PersonalProject__andres_rejections.csv": (7, 0, {"Date": "contacted_on"}),
    "KidQuant__PersonalProject__networking.csv": (
        121, 0, {"Name": "contact", "Firm": "company", "Recieved Response?": "responded",
                 "Followed Up?": "followups", "Have Contacted?": "stage"}),
    "MartinW72UK__job_tracker__job_applications.csv": (
        23, 0, {"Company": "company", "Date Applied": "contacted_on", "Status": "status_raw"}),
    "NakuraMino__Recruitment_Sankey_Diagram__applications2020.csv": (
        135, 0, {"Company": "company", "Applied Date": "contacted_on", "Result": "outcome",
                 "Onsite": "job_interview", "Phone": "job_interview"}),
    "abhishekwebcode__Abhishek-Mathur-Complete_LinkedInDataExport_11-04-2018__Invitations.csv": (
        11, 7, {"Sent At": "contacted_on", "To": "contact", "Direction": "contact"}),
    "altaiiiir__JobSankey__job_applications.csv": (
        4, 0, {"Name": "company", "Date": "contacted_on", "Stage": "stage",
               "Stage History": "stage"}),
    "apk0703__linkdin_profile_analysis__Job Applications.csv": (
        31, 0, {"Company Name": "company", "Application Date": "contacted_on"}),
    "cspyksma__Job_tracking__job_tracker.xlsx": (
        39, 0, {"Company": "company", "Status": "status_raw", "DateApplied": "contacted_on",
                "Source": "channel"}),
    "parthjain99__Auto_Jobs__Job Tracker.csv": (
        26, 0, {"COMPANY": "company", "APP SUBMITTED DATE": "contacted_on",
                "REFERRED BY": "referred_by", "SOURCE": "channel"}),
    "pratapgurav03__Cold-Reachout-Hunter__outreach_log.csv": (
        12, 0, {"date_sent": "contacted_on", "target_name": "contact",
                "target_company": "company", "status": "status_raw",
                "response_received": "responded"}),
    "smpotts__jobsearch-sankey__V1 Status-Table 1.csv": (
        199, 0, {"Company": "company", "Offer": "offer", "Auto Rejected": "outcome",
                 "Hiring Manager": "job_interview"}),
}


def test_every_realworld_file_is_expected(realworld):
    found = {p.name for p in realworld.iterdir() if p.suffix in {".csv", ".xlsx", ".xls", ".ods"}}
    assert found == set(EXPECTED), "a file was added or removed: extend EXPECTED"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_validate_accounts_for_every_row(realworld, name, capsys):
    rows_read, rows_rejected, mapped = EXPECTED[name]
    assert main(["validate", str(realworld / name), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    (file,) = report["files"]
    assert file["rows_read"] == rows_read
    assert file["rows_rejected"] == rows_rejected
    assert file["rows_read"] == file["rows_loaded"] + file["rows_rejected"]
    assert report["rows_read"] == report["rows_loaded"] + report["rows_rejected"]
    assert len(file["rejected"]) == rows_rejected
    for header, column in mapped.items():
        assert file["mapping"].get(header) == column, header
    for key in ("unmapped", "problems"):
        assert isinstance(file[key], list)


def _load(realworld, name):
    log, report = load_log_with_report(realworld / name)
    return log, report.files[0]


def test_no_year_dates_take_the_year_before_the_file_date(realworld):
    log, file = _load(realworld, "Carla08__w241_final_project__recruiters.csv")
    dates = log["contacted_on"].dropna()
    assert len(dates) == 978 - 745  # 745 blank "Day Message Sent" cells
    # Nov 20 .. Dec 6 with no year: one run, not split across two years.
    assert dates.min().month == 11 and dates.min().day == 20
    assert (dates.max() - dates.min()).days < 40
    assert any("had no year" in n for n in file.sheets[0].notes)
    rejected = file.rejected
    assert [r["reason"] for r in rejected] == ["section heading"]
    assert rejected[0]["row"] == 498  # the lone "CONTROL" row


def test_linkedin_preamble_and_names(realworld):
    log, file = _load(realworld, "JasonToups__linkedin-export-sorting__Connections.csv")
    assert file.sheets[0].header_row == 4  # after "Notes:", the note and a blank line
    assert log.loc[0, "contact"] == "Devansh Natarajan"
    assert log.loc[0, "contacted_on"] == pd.Timestamp("2024-05-30")
    assert {r["reason"] for r in file.rejected} == {
        "no identifying value (no contact, company, status, notes or other text)"}
    assert log["activity"].eq("networking").all()


def test_mac_roman_rejections(realworld):
    log, file = _load(realworld, "KidQuant__PersonalProject__andres_rejections.csv")
    assert "encoding mac_roman" in file.sheets[0].notes
    assert log.loc[0, "contacted_on"] == pd.Timestamp("2018-01-29")
    text = " ".join(log.filter(like="extra_text").iloc[:, 0].dropna())
    assert "\u2019" in text and "\u00d5" not in text  # curly apostrophe, not "Õ"


def test_networking_flags(realworld):
    log, _ = _load(realworld, "KidQuant__PersonalProject__networking.csv")
    gregg = log.loc[log["contact"] == "Gregg Clarke"].iloc[0]
    assert gregg["stage"] == "contacted" and gregg["responded"] == False  # Yes / No / No
    assert gregg["followups"] == 0
    # "Have Contacted? No" rows are planned leads: loaded, with no stage
    tim = log.loc[log["contact"] == "Tim Crawford"].iloc[0]
    assert pd.isna(tim["stage"])


def test_day_first_column_and_ghost_job(realworld):
    log, file = _load(realworld, "MartinW72UK__job_tracker__job_applications.csv")
    assert log.loc[0, "contacted_on"] == pd.Timestamp("2025-01-15")
    assert (log["status_raw"] == "Suspected Ghost Job").sum() == 3
    assert (log.loc[log["status_raw"] == "Suspected Ghost Job", "outcome"] == "no_response").all()
    bad = [p for p in file.problems if p["value"] == "Before 2025-01-24"]
    assert len(bad) == 2 and bad[0]["column"] == "Date Applied"
    assert log["activity"].eq("application").all()


def test_furthest_stage_with_typos_and_stage_columns(realworld):
    log, file = _load(realworld, "NakuraMino__Recruitment_Sankey_Diagram__applications2020.csv")
    google = log.loc[log["company"] == "Google (Winter)"].iloc[0]
    # Phone "8/5/2019 & 8/14/2019" then "Rejection :(": interview kept, outcome rejected
    assert google["job_interview"] == True and google["outcome"] == "rejected"
    assert google["contacted_on"] == pd.Timestamp("2019-07-08")  # "8-Jul" in a 2019 column
    microsoft = log.loc[log["company"] == "Microsoft"].iloc[0]
    assert microsoft["offer"] == True and microsoft["stage"] == "offer"
    assert log.loc[log["company"] == "Microsoft", "status_raw"].iloc[0] == "Accepted!"
    assert log.loc[log["company"] == "Google", "outcome"].iloc[0] == "rejected"  # reeejected
    messages = {(p["row"], p["message"]) for p in file.problems}
    assert (2, "not a date I can read; left empty") in messages  # "8/82019 "


def test_linkedin_invitations_direction(realworld):
    log, file = _load(
        realworld,
        "abhishekwebcode__Abhishek-Mathur-Complete_LinkedInDataExport_11-04-2018__Invitations.csv")
    assert log["contact"].tolist() == ["Tanvi Ganesan", "Kamya Chad", "Brinda Doctor",
                                       "Gopal Hari"]
    assert log["seeker"].unique().tolist() == ["Yash Mohan"]
    assert log.loc[0, "contacted_on"] == pd.Timestamp("2018-08-18")
    assert all(r["reason"].startswith("incoming invitation") for r in file.rejected)


def test_stage_history_list(realworld):
    log, _ = _load(realworld, "altaiiiir__JobSankey__job_applications.csv")
    amazon = log.loc[log["company"] == "Amazon"].iloc[0]
    assert amazon["job_interview"] == True  # Phone Screen in the history
    assert amazon["outcome"] == "rejected"
    msft = log.loc[log["company"] == "Msft Senior Engineer"].iloc[0]
    assert msft["stage"] == "job_interview" and msft["outcome"] == "open"  # Final Round


def test_excel_title_row_and_channels(realworld):
    log, file = _load(realworld, "DeanWilcox__Animal__Job Tracker.xlsx")
    assert file.sheets[0].header_row == 3
    assert log.loc[0, "company"] == "Larson Automotive"
    assert log.loc[0, "contacted_on"] == pd.Timestamp(datetime(2023, 9, 13))
    assert log.loc[0, "channel"] == "job_board"  # Indeed
    spacex = log.loc[log["company"] == "SpaceX"].iloc[0]
    assert spacex["channel"] == "company_site" and spacex["outcome"] == "rejected"
    # "Spacex" takes the first spelling seen
    assert (log["company"] == "Spacex").sum() == 0 and (log["company"] == "SpaceX").sum() == 2


def test_contact_with_role_and_company_with_url(realworld):
    log, file = _load(realworld, "JakeCarp__JakeCarp__Job Search Tracker.xlsx")
    assert log.loc[0, "company"] == "CD Project Red"
    assert log.loc[0, "contact"] == "Patty Wong"
    assert log.loc[0, "contact_title"] == "hiring manager?"
    assert log.loc[1, "company"] == "Intuit"  # trailing space trimmed
    assert log["contacted_on"].isna().all()  # "N/A" everywhere
    assert any("web address removed" in p["message"] for p in file.problems)


def test_multi_sheet_workbook_skips_dashboard(realworld):
    log, file = _load(realworld, "cspyksma__Job_tracking__job_tracker.xlsx")
    sheets = {s.sheet: s for s in file.sheets}
    assert sheets["Applications"].rows_loaded == 39
    assert sheets["Dashboard"].skipped and sheets["EmailLog"].skipped
    assert set(log["source_sheet"]) == {"Applications"}
    assert (log["status_raw"] == "Interview").sum() == 6
    assert log.loc[log["status_raw"] == "Interview", "job_interview"].all()
    assert log["seeker"].eq("cspyksma__Job_tracking__job_tracker").all()


def test_numbers_export_stage_flags(realworld):
    log, file = _load(realworld, "smpotts__jobsearch-sankey__V1 Status-Table 1.csv")
    assert int(log["offer"].sum()) == 2  # two "Y" in Offer
    assert int((log["outcome"] == "rejected").sum()) == 71  # "Auto Rejected" = Y
    assert {p["value"] for p in file.problems} == {"G"}  # unknown flag reported, not guessed


def test_cold_email_drafts(realworld):
    log, _ = _load(realworld, "pratapgurav03__Cold-Reachout-Hunter__outreach_log.csv")
    drafts = log["status_raw"] == "draft"
    assert log.loc[drafts, "stage"].isna().all()
    assert (log.loc[~drafts, "outcome"] == "no_response").all()
    assert set(log["company"].dropna().str.casefold()) >= {"amazon"}
    assert log["company"].str.fullmatch("amazon").sum() == 0  # one spelling: "Amazon"
    assert log.loc[0, "contacted_on"] == pd.Timestamp("2026-05-24")


def test_whole_folder_loads(realworld, capsys):
    assert main(["validate", str(realworld), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["files"]) == len(EXPECTED)
    assert report["rows_read"] == sum(v[0] for v in EXPECTED.values())
    assert report["rows_rejected"] == sum(v[1] for v in EXPECTED.values())
