"""One focused test per loader rule in data-model.md, on fixtures built here."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import re
import warnings
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infoview_analytics import (
    LoadWarning,
    MappingError,
    NoLogFoundError,
    UnreadableFileError,
    load_log,
    load_log_with_report,
)
from infoview_analytics.sample import SAMPLE_SEEKER_FILE
from infoview_analytics.schema import COLUMN_NAMES, DTYPES


def write_csv(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path, sheets):
    """sheets: {name: list of rows}; cells as Python values."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(list(r))
    wb.save(path)
    return path


def load(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LoadWarning)
        return load_log_with_report(path, **kw)


def row(log, **where):
    mask = pd.Series(True, index=log.index)
    for k, v in where.items():
        mask &= log[k] == v
    (i,) = log.index[mask]
    return log.loc[i]


# --- the canonical table ------------------------------------------------------------------
def test_canonical_columns_and_dtypes(tmp_path):
    log, _ = load(write_csv(tmp_path / "a.csv", "Company,Contact,Date contacted\nAcme,Ann,"
                                                "2024-03-01\n"))
    assert list(log.columns[: len(COLUMN_NAMES)]) == list(COLUMN_NAMES)
    for name, dtype in DTYPES.items():
        assert log[name].dtype == dtype, name
    assert log["industry"].isna().all()  # absent columns are present and all-missing
    assert log.loc[0, "source_file"] == "a.csv" and log.loc[0, "source_row"] == 2


# --- furthest stage -----------------------------------------------------------------------
def test_later_rejected_keeps_the_interview(tmp_path):
    path = write_csv(tmp_path / "log.csv",
                     "Company,Date applied,Phone screen,Interview,Status\n"
                     "Acme,2024-01-02,yes,yes,Rejected\n"
                     "Beta,2024-01-03,,,Rejected\n"
                     "Gamma,2024-01-04,,,Offer accepted\n"
                     "Delta,2024-01-05,,,Ghosted\n")
    log, _ = load(path)
    acme = row(log, company="Acme")
    assert acme["job_interview"] == True and acme["outcome"] == "rejected"
    assert acme["stage"] == "job_interview" and acme["responded"] == True
    beta = row(log, company="Beta")
    assert beta["stage"] == "responded" and beta["job_interview"] == False  # rejection = reply
    gamma = row(log, company="Gamma")  # offer implies job interview
    assert gamma["offer"] == True and gamma["job_interview"] == True and gamma["stage"] == "offer"
    delta = row(log, company="Delta")
    assert delta["responded"] == False and delta["outcome"] == "no_response"


def test_implications_from_dates_and_counts(tmp_path):
    path = write_csv(tmp_path / "log.csv",
                     "Contact,Company,Date contacted,Meeting date,Referrals\n"
                     "Ann,Acme,2024-01-02,2024-01-09,\n"
                     "Bob,Beta,2024-01-03,,2\n"
                     "Cy,Gamma,2024-01-03,,\n")
    log, _ = load(path)
    ann = row(log, contact="Ann")  # a date in a stage column => that stage
    assert ann["info_interview"] == True and ann["responded"] == True
    assert ann["info_interview_on"] == pd.Timestamp("2024-01-09")
    bob = row(log, contact="Bob")  # referrals > 0 => responded, stage referred
    assert bob["responded"] == True and bob["stage"] == "referred" and bob["referrals"] == 2
    assert row(log, contact="Cy")["stage"] == "contacted"
    assert log["activity"].eq("networking").all()  # contact names, no posting columns


def test_referred_by_counts_as_referrals(tmp_path):
    path = write_csv(tmp_path / "log.csv",
                     "Contact,Company,Referred by,Status\n"
                     "Ann,Acme,,coffee chat done\n"
                     "Bob,Acme,Ann,replied\n"
                     "Cy,Beta,ann,no response\n")
    log, _ = load(path)
    ann = row(log, contact="Ann")
    assert ann["referrals"] == 2 and ann["stage"] == "referred"


def test_a_referred_leads_missing_count_is_one_and_a_written_count_stands(tmp_path):
    path = write_csv(tmp_path / "log.csv",
                     "Contact,Company,Referrals,Referred by,Status\n"
                     "Ann,Acme,,,got a referral\n"  # referred, no count: 1
                     "Bob,Acme,3,,referred\n"  # a count written stands
                     "Cy,Beta,,,replied\n"  # not referred, no count: missing
                     "Dee,Beta,0,,replied\n"  # a zero written stays zero
                     "Eve,Gamma,1,,replied\n"  # named by two leads below: 2, over 1
                     "Fay,Gamma,,Eve,no response\n"
                     "Gus,Gamma,,eve,no response\n")
    log, _ = load(path)
    assert log["referrals"].astype(object).where(log["referrals"].notna(), None).tolist() == \
        [1, 3, None, 0, 2, None, None]
    assert log["stage"].astype(str).tolist()[:5] == [
        "referred", "referred", "responded", "responded", "referred"]


def test_referred_by_names_no_one_or_comes_from_a_lead_without_a_contact(tmp_path):
    path = write_csv(tmp_path / "log.csv",
                     "Student,Contact,Company,Referred by\n"
                     "Kim,Ann,Acme,\n"
                     "Kim,,Beta,Ann\n"  # no contact: still a referral by Ann, matches no one
                     "Kim,Zed,Gamma,Nobody\n"  # names someone who is no lead
                     "Kim,Bob,Delta, ANN \n")
    log, _ = load(path)
    assert log["referrals"].fillna(0).tolist() == [2, 0, 0, 0]
    # a second seeker's lead without a contact matches none of the first seeker's names
    path = write_csv(tmp_path / "two.csv",
                     "Student,Contact,Company,Referred by\n"
                     "Kim,Ann,Acme,\nKim,Zed,Beta,Ann\nKim,Ann,Gamma,Zed\nLee,,Delta,\n")
    log, _ = load(path)
    assert log["referrals"].fillna(0).tolist() == [1, 1, 1, 0]


def test_referred_by_counts_only_within_the_same_seeker(tmp_path):
    # two seekers each know an Ann; the sheet-wide default fills the blank seeker
    path = write_csv(tmp_path / "log.csv",
                     "Student,Contact,Company,Referred by\n"
                     "Kim,Ann,Acme,\n"
                     "Lee,Ann,Beta,\n"
                     "Lee,Bob,Beta,Ann\n"
                     ",Cy,Gamma,\n"
                     ",Dee,Gamma,cy\n")
    log, _ = load(path)
    assert log["referrals"].fillna(0).tolist() == [0, 1, 0, 1, 0]


# --- yes/no, status and channel vocabularies ------------------------------------------------
@pytest.mark.parametrize(("cell", "expected"), [
    ("Yes", True), ("y", True), ("TRUE", True), ("1", True), ("x", True), ("\u2713", True),
    ("done", True), ("No", False), ("n", False), ("false", False), ("0", False),
    ("", None), ("n/a", None), ("NA", None), ("null", None), ("none", None), ("-", None),
    ("tbd", None), ("not yet", None), ("pending", None),
])
def test_yes_no_cells(tmp_path, cell, expected):
    log, _ = load(write_csv(tmp_path / "a.csv", f"Company,Responded\nAcme,{cell}\nBeta,yes\n"))
    value = log.loc[0, "responded"]
    if expected is None:
        assert value is pd.NA or pd.isna(value) or value == False  # noqa: E712
        # missing is not "no": with a status-bearing column present it reads as not yet replied
    else:
        assert value == expected


@pytest.mark.parametrize(("status", "stage", "outcome"), [
    ("Replied", "responded", "open"), ("meeting scheduled", "responded", "open"),
    ("Coffee chat done", "info_interview", "open"), ("Referred!", "referred", "open"),
    ("Phone screen", "job_interview", "open"), ("ONSITE", "job_interview", "open"),
    ("final round", "job_interview", "open"), ("Offer", "offer", "offer"),
    ("accepted", "offer", "offer"), ("ghosted", "contacted", "no_response"),
    ("No response", "contacted", "no_response"), ("reeejected", "responded", "rejected"),
    ("Rejection :(", "responded", "rejected"), ("withdrew", "contacted", "withdrawn"),
    ("Recieved reply", "responded", "open"), ("Applied", "contacted", "open"),
])
def test_status_words(tmp_path, status, stage, outcome):
    log, report = load(write_csv(tmp_path / "a.csv", f"Company,Status\nAcme,{status}\n"))
    assert (log.loc[0, "stage"], log.loc[0, "outcome"]) == (stage, outcome)
    assert log.loc[0, "status_raw"] == status  # kept untouched
    assert report.files[0].problems == []


def test_squash_remembers_values_by_type():
    """squash is memoised; 1, 1.0 and True are equal to Python, not to squash."""
    from infoview_analytics.vocab import squash

    assert [squash(1.0), squash(1), squash(True), squash("1")] == ["1 0", "1", "true", "1"]
    assert [squash(True), squash(1.0), squash(1)] == ["true", "1 0", "1"]
    assert squash(["Yes!"]) == "yes"  # unhashable: squashed all the same
    assert squash("  Recieved  RESPONSE?") == squash("recieved response") == "recieved response"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(st.sampled_from("aAbBzZ09 &'-.?!\t"), max_size=12)  # plain ASCII
                | st.text(st.sampled_from("aAbBzZ09 &'’-.?!éİK\u212a\t") | st.characters(),
                          max_size=12), max_size=20))
def test_squash_index_finds_each_squash(texts):
    """squash_index gives, for each text, where its squash is among the keys: the same
    through Arrow's kernels as through squash one by one."""
    from infoview_analytics import vocab

    squashes = [vocab.squash(t) for t in texts]
    keys = sorted(set(squashes))[::2] + ["not a squash of any"]  # every other one is missing
    want = [keys.index(q) if q in keys else -1 for q in squashes]
    assert vocab.squash_index(texts, keys).tolist() == want
    saved, vocab._FEW = vocab._FEW, 0  # Arrow's kernels, which take many strings, here too
    try:
        assert vocab.squash_index(texts, keys).tolist() == want
    finally:
        vocab._FEW = saved


@pytest.mark.parametrize("outcomes, known", [(["Open", "open", None], False),
                                              (["Open", "Offer", None], True)])
def test_an_outcome_column_saying_only_open_records_no_progress(tmp_path, outcomes, known):
    """Responses stay unknown (not 'no') unless the log records progress somewhere."""
    path = write_xlsx(tmp_path / "log.xlsx", {"Log": [
        ("Company", "Contact", "Outcome"),
        *((f"Co {i}", f"Person {i}", o) for i, o in enumerate(outcomes)),
    ]})
    log, _ = load(path)
    first = row(log, company="Co 0")
    assert pd.isna(first["responded"]) is not known
    if known:
        assert first["responded"] == False  # noqa: E712 - a pandas boolean


def test_unknown_status_is_reported_not_guessed(tmp_path):
    log, report = load(write_csv(tmp_path / "a.csv", "Company,Status\nAcme,purple\n"))
    (p,) = report.files[0].problems
    assert (p["row"], p["column"], p["value"]) == (2, "Status", "purple")
    assert log.loc[0, "stage"] == "contacted" and log.loc[0, "outcome"] == "open"


def test_unknown_activity_is_reported_and_read_as_the_logs_default(tmp_path):
    log, report = load(write_csv(tmp_path / "a.csv", "Contact,Company,Type\n"
                                 "Ann,Acme,Job application\nBob,Beta,pottery class\n"
                                 "Cy,Gamma,Networking\n"))
    assert log["activity"].tolist() == ["application", "networking", "networking"]
    (p,) = report.files[0].problems
    assert (p["row"], p["column"], p["value"]) == (3, "Type", "pottery class")
    assert "read as 'networking'" in p["message"]


def test_channels_mapped_and_raw_kept(tmp_path):
    log, report = load(write_csv(tmp_path / "a.csv",
                                 "Company,How contacted\nA,LinkedIn InMail\nB,cold e-mail\n"
                                 "C,Alumni database\nD,Intro from Sam\nE,carrier pigeon\nF,\n"))
    assert log["channel"].tolist() == ["linkedin", "email", "alumni", "warm_intro", "other",
                                       "unknown"]
    assert log.loc[0, "channel_raw"] == "LinkedIn InMail"
    assert [p["value"] for p in report.files[0].problems] == ["carrier pigeon"]


# --- dates ----------------------------------------------------------------------------------
def test_day_first_is_decided_per_column(tmp_path):
    path = write_csv(tmp_path / "a.csv", "Company,Date applied\nA,03/04/2024\nB,15/04/2024\n"
                                         "C,01/05/2024\n")
    log, report = load(path)
    assert log["contacted_on"].tolist() == [pd.Timestamp(2024, 4, 3), pd.Timestamp(2024, 4, 15),
                                            pd.Timestamp(2024, 5, 1)]
    assert any("day-first" in n for n in report.files[0].sheets[0].notes)


def test_month_first_when_the_column_says_so(tmp_path):
    log, _ = load(write_csv(tmp_path / "a.csv", "Company,Date applied\nA,03/04/2024\n"
                                                "B,12/25/2023\n"))
    assert log["contacted_on"].tolist() == [pd.Timestamp(2024, 3, 4), pd.Timestamp(2023, 12, 25)]


def test_dates_without_year_anchor_on_other_dates(tmp_path):
    path = write_csv(tmp_path / "a.csv", "Company,Date contacted,Date responded\n"
                                         "A,Nov 20,2023-11-25\nB,Dec 6,\nC,Jan 3,\n")
    log, report = load(path)
    assert log["contacted_on"].tolist() == [pd.Timestamp(2023, 11, 20), pd.Timestamp(2023, 12, 6),
                                            pd.Timestamp(2024, 1, 3)]
    assert any("no year" in n for n in report.files[0].sheets[0].notes)


def test_dates_without_year_anchor_on_file_date(tmp_path):
    path = write_csv(tmp_path / "a.csv", "Company,Date contacted\nA,Nov 20\nB,Dec 6\nC,Nov 21\n")
    stamp = dt.datetime(2026, 11, 22, 12).timestamp()
    os.utime(path, (stamp, stamp))
    log, report = load(path)
    # Dec 6 2026 would be after the file was saved: the whole run is 2025
    assert log["contacted_on"].dt.year.tolist() == [2025, 2025, 2025]
    assert any("modification date 2026-11-22" in n for n in report.files[0].sheets[0].notes)


def test_many_date_spellings(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"Log": [
        ["Company", "Date contacted"],
        ["A", dt.datetime(2024, 5, 30, 14, 5)],
        ["B", 45443],  # Excel serial number for 2024-05-31
        ["C", "2024-06-01"],
        ["D", "6/2/24"],
        ["E", "3 June 2024"],
        ["F", "June 4, 2024"],
        ["G", "11/13/23, 9:42 AM"],
        ["H", "sometime in June"],
    ]})
    log, report = load(path)
    expected = ["2024-05-30", "2024-05-31", "2024-06-01", "2024-06-02", "2024-06-03",
                "2024-06-04", "2023-11-13"]
    assert log["contacted_on"].tolist()[:7] == [pd.Timestamp(d) for d in expected]
    assert pd.isna(log.loc[7, "contacted_on"])
    (p,) = report.files[0].problems
    assert (p["sheet"], p["row"], p["column"], p["value"]) == ("Log", 9, "Date contacted",
                                                               "sometime in June")


# --- header, blank, repeated header and totals rows ------------------------------------------
@pytest.mark.parametrize("layout", ["from column A", "from column B", "a row from column B"])
def test_header_on_row_four_and_rows_that_are_not_data(tmp_path, layout):
    rows = [
        ["My job search", None, None],
        ["Spring 2024", None, None],
        [None, None, None],
        ["Company", "Contact", "Status"],
        ["Acme", "Ann", "replied"],
        [None, None, None],
        ["Company", "Contact", "Status"],
        ["Beta", "Bob", "ghosted"],
        ["TECH COMPANIES:", None, None],
        ["Gamma", "Cy", "applied"],
        ["Total", 3, None],
    ]
    if layout == "from column B":  # the titles in A, the table from B
        rows = rows[:3] + [[None, *row] for row in rows[3:]]
    if layout == "a row from column B":  # the rows start in different columns
        rows.insert(10, [None, "LATE ADDITIONS:", None])
    log, report = load(write_xlsx(tmp_path / "a.xlsx", {"Tracker": rows}))
    f = report.files[0]
    assert f.sheets[0].header_row == 4
    late = layout == "a row from column B"
    assert log["company"].tolist() == ["Acme", "Beta", "Gamma"]
    assert log["contact"].tolist() == ["Ann", "Bob", "Cy"]
    assert log["source_row"].tolist() == [5, 8, 10]
    assert [(r["row"], r["reason"]) for r in f.rejected] == [
        (6, "blank"), (7, "repeated header"), (9, "section heading")] + \
        [(11, "section heading")] * late + [(11 + late, "totals row")]
    assert f.rows_read == 7 + late == f.rows_loaded + f.rows_rejected


@pytest.mark.parametrize("repeat_in", ["every column", "the many-valued columns only"])
def test_a_repeated_header_is_found_in_a_wide_log(tmp_path, repeat_in):
    """A repeated header needs 60% of its cells to match; the columns holding the
    most distinct values (checked last) decide here."""
    header = ["Company", "Contact", "Their title", "Notes", "Follow up notes", "Email",
              "Phone", "Status", "Channel", "Industry"]
    rows = [header] + [[f"Co {i}", f"Person {i}", f"Title {i}", f"note {i}", f"more {i}",
                        f"p{i}@x.org", f"555-{i:04d}", "applied", "email", "Tech"]
                       for i in range(300)]
    repeat = list(header)
    if repeat_in != "every column":  # 6 of 10 match: the unique-per-row columns only
        repeat[6:] = ["555", "applied", "email", "Tech"]
    rows.insert(150, repeat)
    near = list(header[:5]) + rows[5][5:]  # 5 of 10 match: data, not a header
    rows.insert(200, near)
    log, report = load(write_csv(tmp_path / "wide.csv",
                                 "\n".join(",".join(r) for r in rows) + "\n"))
    f = report.files[0]
    assert [(r["row"], r["reason"]) for r in f.rejected] == [(151, "repeated header")]
    assert len(log) == 301 and "Company" in log["company"].tolist()


def test_totals_rows_first_two_letters_are_all_the_pattern_can_match():
    """Only cells whose first two letters, casefolded, are one of these starts are tried
    against the totals pattern: every two characters it matches case-insensitively at
    the start of a totals word must fold to one of them, and each is some word's."""
    from infoview_analytics import normalise

    words = ("grand total", "total", "sum", "count", "average", "subtotal")
    letters = [chr(c) for c in range(0x110000) if chr(c).isalpha()]  # only letters fold
    alike = {a: [ch for ch in letters if re.fullmatch(a, ch, re.IGNORECASE)]
             for a in {w[k] for w in words for k in (0, 1)}}
    starts = set()
    for w in words:
        for first in alike[w[0]]:
            for second in alike[w[1]]:
                assert normalise._TOTALS.match(first + second + w[2:])
                starts.add((first + second).casefold())
    assert starts == normalise._TOTALS_START


# --- encodings and delimiters -----------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["mac_roman", "cp1252", "utf-8-sig", "utf-16"])
def test_encodings(tmp_path, encoding):
    text = "Company;Contact;Notes\r\nCaf\u00e9 Ltd;Ren\u00e9e;Don\u2019t forget\r\n"
    log, report = load(write_csv(tmp_path / "a.csv", text, encoding))
    assert log.loc[0, "company"] == "Caf\u00e9 Ltd" and log.loc[0, "contact"] == "Ren\u00e9e"
    assert log.loc[0, "notes"] == "Don\u2019t forget"


def test_tab_separated_and_quoted_newlines(tmp_path):
    text = 'Company\tNotes\nAcme\t"line one\nline two"\nBeta\tok\n'
    log, report = load(write_csv(tmp_path / "a.tsv", text))
    assert log["notes"].tolist() == ["line one\nline two", "ok"]
    assert log["source_row"].tolist() == [2, 3]


# --- workbooks and folders ------------------------------------------------------------------
def test_sheet_per_student_and_instructions_skipped(tmp_path):
    path = write_xlsx(tmp_path / "cohort.xlsx", {
        "Instructions": [["How to fill this in"], ["One row per person you contact."],
                         ["Dates as dates; yes/no as Yes or No."]],
        "Ana Lopez": [["Company", "Contact", "Responded"], ["Acme", "Ann", "yes"]],
        "Ben Ode": [["Company", "Contact", "Responded"], ["Beta", "Bob", "no"],
                    ["Gamma", "Cy", ""]],
    })
    log, report = load(path, cohort="2025 Fall")
    assert log.groupby("seeker").size().to_dict() == {"Ana Lopez": 1, "Ben Ode": 2}
    sheets = {s.sheet: s for s in report.files[0].sheets}
    assert sheets["Instructions"].skipped and sheets["Instructions"].rows_read == 0
    assert set(log["cohort"]) == {"2025 Fall"}


def test_folder_of_files_and_student_column(tmp_path):
    folder = tmp_path / "cohort"
    folder.mkdir()
    write_csv(folder / "Ana Lopez.csv", "Company,Contact\nAcme,Ann\n")
    write_xlsx(folder / "combined.xlsx", {"Sheet1": [["Student", "Company"], ["Cy Po", "Beta"],
                                                     ["Di Qu", "Gamma"]]})
    (folder / "notes.docx").write_bytes(b"ignored: not a spreadsheet type")
    log, report = load(folder)
    assert sorted(log["seeker"]) == ["Ana Lopez", "Cy Po", "Di Qu"]
    assert sorted(f.file for f in report.files) == ["Ana Lopez.csv", "combined.xlsx"]


def test_bad_file_in_folder_is_reported_and_skipped(tmp_path):
    write_csv(tmp_path / "good.csv", "Company\nAcme\n")
    (tmp_path / "empty.csv").write_bytes(b"")
    log, report = load(tmp_path)
    assert log["company"].tolist() == ["Acme"]
    (bad,) = report.errors
    assert bad.file == "empty.csv" and "empty" in bad.error


# --- explicit mapping and conflicts ------------------------------------------------------------
def test_explicit_mapping_wins(tmp_path):
    path = write_csv(tmp_path / "a.csv", "Org,Name,Spoke?\nAcme,Ann,yes\n")
    log, report = load(path, mapping={"Org": "company", "Name": "contact_title",
                                      "Spoke?": "info_interview"})
    assert log.loc[0, "company"] == "Acme" and log.loc[0, "contact_title"] == "Ann"
    assert log.loc[0, "info_interview"] == True and pd.isna(log.loc[0, "contact"])
    assert report.files[0].mapping == {"Org": "company", "Name": "contact_title",
                                       "Spoke?": "info_interview"}


def test_mapping_file_yaml_and_toml(tmp_path):
    data = write_csv(tmp_path / "a.csv", "Org,Who\nAcme,Ann\n")
    (tmp_path / "m.yaml").write_text("columns:\n  Org: company\n  Who: contact\n")
    (tmp_path / "m.toml").write_text('Org = "company"\nWho = "contact"\n')
    for mapping in (tmp_path / "m.yaml", tmp_path / "m.toml"):
        log, _ = load(data, mapping=mapping)
        assert (log.loc[0, "company"], log.loc[0, "contact"]) == ("Acme", "Ann")


def test_bad_mapping_is_a_clear_error(tmp_path):
    data = write_csv(tmp_path / "a.csv", "Org,Who\nAcme,Ann\n")
    with pytest.raises(MappingError, match="'compnay' is not a column.*Did you mean company"):
        load(data, mapping={"Org": "compnay"})
    with pytest.raises(MappingError, match="Headers seen: 'Org', 'Who'"):
        load(data, mapping={"Organisation": "company"})


def test_two_headers_claiming_one_column_are_reported(tmp_path):
    log, report = load(write_csv(tmp_path / "a.csv", "Company,Firm,Contact\nAcme,Acme Inc,Ann\n"))
    assert log.loc[0, "company"] == "Acme"
    assert log.loc[0, "extra_firm"] == "Acme Inc"  # kept, not merged
    notes = " ".join(report.files[0].sheets[0].notes)
    assert "two or more columns look like 'company'" in notes and "'Firm'" in notes


def test_unknown_columns_are_kept_as_extra(tmp_path):
    log, report = load(write_csv(tmp_path / "a.csv", "Company,Favourite colour\nAcme,teal\n"))
    assert log.loc[0, "extra_favourite_colour"] == "teal"
    assert report.files[0].unmapped == ["Favourite colour"]


# --- files that cannot be read -------------------------------------------------------------------
def test_unreadable_files(tmp_path):
    (tmp_path / "zero.xlsx").write_bytes(b"")
    with pytest.raises(UnreadableFileError, match=r"zero\.xlsx: the file is empty"):
        load_log(tmp_path / "zero.xlsx")
    (tmp_path / "junk.xlsx").write_bytes(bytes(range(256)) * 4)
    with pytest.raises(UnreadableFileError, match=r"junk\.xlsx: not a spreadsheet"):
        load_log(tmp_path / "junk.xlsx")
    good = write_xlsx(tmp_path / "good.xlsx", {"S": [["Company"], ["Acme"]]})
    (tmp_path / "cut.xlsx").write_bytes(good.read_bytes()[:1500])
    with pytest.raises(UnreadableFileError, match=r"cut\.xlsx: the file is damaged or was cut"):
        load_log(tmp_path / "cut.xlsx")
    with zipfile.ZipFile(tmp_path / "doc.xlsx", "w") as z:
        z.writestr("word/document.xml", "<w/>")
    with pytest.raises(UnreadableFileError, match="a Word document, not a spreadsheet"):
        load_log(tmp_path / "doc.xlsx")
    (tmp_path / "page.xls").write_text("<html><table><tr><td>x</td></tr></table></html>")
    with pytest.raises(UnreadableFileError, match="web page"):
        load_log(tmp_path / "page.xls")


def test_no_outreach_columns(tmp_path):
    path = write_csv(tmp_path / "a.csv", "Colour,Size\nred,3\n")
    with pytest.raises(NoLogFoundError, match=r"a\.csv: no outreach columns found.*'Colour', "
                                              r"'Size'.*--mapping"):
        load_log(path)


def test_load_log_warns_with_a_summary(tmp_path):
    path = write_csv(tmp_path / "a.csv", "Company,Status\nAcme,purple\n,\nBeta,applied\n")
    with pytest.warns(LoadWarning, match="3 rows read, 2 loaded, 1 rejected"):
        load_log(path)


def test_open_document_spreadsheet(tmp_path):
    path = tmp_path / "log.ods"
    pd.DataFrame({"Company": ["Acme"], "Date contacted": [pd.Timestamp("2024-03-01")],
                  "Responded": ["yes"]}).to_excel(path, engine="odf", index=False)
    log, report = load(path)
    assert (log.loc[0, "company"], log.loc[0, "contacted_on"]) == ("Acme",
                                                                  pd.Timestamp("2024-03-01"))
    assert log.loc[0, "responded"] == True and log.loc[0, "source_sheet"] == "Sheet1"


def test_tab_separated_text_saved_as_xls(tmp_path):
    # web systems often export tab-separated text with an .xls name
    path = write_csv(tmp_path / "export.xls", "Company\tStatus\nAcme\tApplied\n")
    log, _ = load(path)
    assert (log.loc[0, "company"], log.loc[0, "status_raw"]) == ("Acme", "Applied")


def test_a_huge_cell_is_never_taken_for_a_header():
    import tracemalloc

    from infoview_analytics.mapping import match_header

    tracemalloc.start()
    assert match_header("Compnay " * 125_000) == (None, "")  # 1 MB of near-header text
    assert match_header("x" * 1_000_000) == (None, "")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 * 2**20, f"header matching took {peak:,} bytes for one cell"
    assert match_header("Compnay") == ("company", "fuzzy")


def test_a_big_folder_is_read_by_several_processes_with_the_same_result(tmp_path, monkeypatch):
    import infoview_analytics.load as load_module

    n = load_module.PARALLEL_MIN_FILES + 4
    for i in range(n):
        write_csv(tmp_path / f"student {i:02}.csv",
                  f"Company,Contact,Status\nAcme {i},Ann {i},replied\n,,\nBeta,Bo,\n")
    (tmp_path / "empty.csv").write_bytes(b"")  # its error crosses back from a worker
    pools = []

    class CountedPool(load_module.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(args)
            super().__init__(*args, **kwargs)

    handed_back = []
    forked = load_module._load_forked

    def counted_forked(*args):
        for chunk in forked(*args):
            handed_back.append(chunk)
            yield chunk

    monkeypatch.setattr(load_module, "ProcessPoolExecutor", CountedPool)
    monkeypatch.setattr(load_module, "_load_forked", counted_forked)
    monkeypatch.setattr(load_module, "usable_cores", lambda: 2)  # as on a one-core runner too
    log, report = load(tmp_path)
    assert len(pools) == 1
    # the workers join their files' rows: one frame per chunk of files comes back
    assert 1 < len(handed_back) < n and sum(len(files) for files, _ in handed_back) == n + 1
    assert all(isinstance(frame, pd.DataFrame) for _, frame in handed_back)
    monkeypatch.setattr(load_module, "PARALLEL_MIN_FILES", 10**6)
    serial_log, serial_report = load(tmp_path)
    assert len(pools) == 1
    pd.testing.assert_frame_equal(log, serial_log)
    assert report.to_dict() == serial_report.to_dict()
    assert [f.file for f in report.files][:2] == ["empty.csv", "student 00.csv"]
    assert report.errors[0].file == "empty.csv" and "empty" in report.errors[0].error
    assert len(log) == 2 * n and report.rows_rejected == n  # a blank row in each


def test_a_big_folder_inside_a_pool_worker_is_read_in_that_process(tmp_path, monkeypatch):
    import infoview_analytics.load as load_module

    monkeypatch.setattr(load_module, "usable_cores", lambda: 2)  # the forked worker inherits it
    for i in range(load_module.PARALLEL_MIN_FILES):
        write_csv(tmp_path / f"student {i:02}.csv", f"Company,Contact\nAcme {i},Ann\n")
    with multiprocessing.get_context("fork").Pool(1) as pool:  # its workers are daemons
        rows = pool.apply(_rows_loaded, (str(tmp_path),))
    assert rows == load_module.PARALLEL_MIN_FILES


def _rows_loaded(folder: str) -> int:
    return load(folder)[1].rows_loaded


def test_columns_read_as_dates_or_numbers_get_no_text_series(tmp_path, monkeypatch):
    """A column's cleaned-text Series is made only for rules that read it cell by cell
    as text: text fields come straight from the column's codes."""
    from infoview_analytics import normalise

    made = []
    build = normalise._TextColumns.__missing__

    def spy(self, i):
        made.append(i)
        return build(self, i)

    monkeypatch.setattr(normalise._TextColumns, "__missing__", spy)
    path = write_csv(tmp_path / "log.csv", "Company,Follow-ups,Date contacted,Contact,Colour\n"
                     "Acme,2,2024-03-01,Ann,red\nBeta,0,2024-03-02,Bo,\n")
    log, _ = load(path)
    assert log["company"].tolist() == ["Acme", "Beta"] and log["followups"].tolist() == [2, 0]
    assert log["contact"].tolist() == ["Ann", "Bo"]
    assert log["extra_colour"].tolist() == ["red", pd.NA]
    # only the unmapped column (kept as an extra, and checked for identifying text)
    assert set(made) == {4}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(
    ["Acme", "ACME", "acme ", " Acme  Corp", "acme corp", "Beta", "beta", "", "  "])),
    max_size=30))
def test_each_name_takes_its_first_spelling_as_a_row_by_row_reading_would(values):
    from infoview_analytics.load import _first_spelling
    from infoview_analytics.schema import STRING

    first: dict[str, str] = {}
    want = []
    for v in values:
        if v is None:
            want.append(None)
            continue
        tidy = " ".join(v.split())
        want.append(first.setdefault(tidy.casefold(), tidy))
    got = _first_spelling(pd.Series(values, dtype=object).astype(STRING))
    assert str(got.dtype) == str(STRING)
    assert [None if pd.isna(v) else v for v in got] == want
    # as one sheet hands them on: coded, categories in another order, some unused
    present = sorted({v for v in values if v is not None}, reverse=True)
    coded = pd.Series(pd.Categorical(values, categories=pd.Index(present + ["unused"],
                                                                 dtype=STRING)))
    got = _first_spelling(coded)
    assert isinstance(got.dtype, pd.CategoricalDtype)
    assert [None if pd.isna(v) else v for v in got] == want


def test_yes_no_columns_keep_yes_no_and_unknown_apart(tmp_path):
    """A blank or unreadable yes/no cell is unknown, not "no"; two columns of one stage
    are OR-ed; a lead not contacted keeps an unanswered "responded" unknown."""
    path = write_csv(tmp_path / "log.csv",
                     "Company,Contact,Contacted,Responded?,Thank you note,Phone screen,Onsite\n"
                     "Acme,Ann,yes,yes,yes,yes,\n"
                     "Beta,Bo,no,,no,,\n"
                     "Gamma,Cy,no,no,,,\n"
                     "Delta,Di,,,purple,no,yes\n"
                     "Echo,Ed,yes,,,no,no\n"
                     "Fox,Fi,no,,,no,\n")
    log, report = load(path)

    def cells(name):
        return [None if pd.isna(v) else v for v in log[name]]

    assert cells("thank_you") == [True, False, None, None, None, None]
    assert cells("responded") == [True, None, False, True, False, None]
    # a stage column's "no" says nothing (Fox): only its "yes" counts
    assert cells("job_interview") == [True, None, None, True, False, None]
    assert cells("stage") == ["job_interview", None, None, "job_interview", "contacted", None]
    assert [(p["row"], p["column"], p["message"]) for p in report.files[0].problems] == [
        (5, "Thank you note", "not yes/no; left empty")]


def test_a_tick_and_a_one_in_date_columns_are_told_apart(tmp_path):
    """Date cells are read once per distinct value and remembered across columns and
    files: True (a ticked box) and 1 (a number) are equal to Python, not here."""
    rows = [["Company", "Date contacted", "Date responded"],
            ["Acme", True, 1], ["Beta", 1, True], ["Gamma", 45000, 45000.0]]
    log, report = load(write_xlsx(tmp_path / "a.xlsx", {"Log": rows}))
    assert [(p["row"], p["column"], p["message"]) for p in report.files[0].problems] == [
        (2, "Date contacted", "not a date"), (3, "Date contacted", "number that is not a date"),
        (2, "Date responded", "number that is not a date"), (3, "Date responded", "not a date")]
    assert log["contacted_on"].iloc[2] == log["responded_on"].iloc[2] == pd.Timestamp("2023-03-15")


def test_counts_summed_over_columns_and_absurd_ones_reported(tmp_path):
    """Follow-ups written in two columns add up; a row with neither is empty, not 0; a
    number no one sends that many of (a phone number pasted, a digit string) is reported
    and left empty rather than held as a wrapped-around integer."""
    rows = [["Company", "Follow-up 1", "Follow-up 2"],
            ["Acme", 2, "yes"], ["Beta", None, None], ["Gamma", 1e20, 1],
            ["Delta", "12345678901234567890", None], ["Eps", "7", "n/a"]]
    log, report = load(write_xlsx(tmp_path / "a.xlsx", {"Log": rows}))
    assert [None if pd.isna(v) else v for v in log["followups"]] == [3, None, 1, None, 7]
    assert [(p["row"], p["column"]) for p in report.files[0].problems] == [
        (4, "Follow-up 1"), (5, "Follow-up 1")]


def test_a_row_with_only_a_date_is_rejected_as_not_identifying_anyone(tmp_path):
    path = write_csv(tmp_path / "log.csv", "Company,Contact,Notes,Date contacted\n"
                     "Acme,Ann,,2024-03-01\n,,,2024-03-02\n,Bo,,2024-03-03\n,,met at fair,\n")
    log, report = load(path)
    assert log["source_row"].tolist() == [2, 4, 5]
    assert [(r["row"], r["reason"].split(" (")[0]) for r in report.files[0].rejected] == [
        (3, "no identifying value")]


def test_a_rejected_rows_cell_problems_are_dropped_and_its_neighbours_kept(tmp_path):
    # rows 2 and 4 hold only an unreadable date: rejected, so their dates are no problem
    path = write_csv(tmp_path / "log.csv", "Company,Date contacted,Contact\n"
                     ",31/31/2024,\nAcme,someday,Ann\n,later,\nBeta,2024-01-01,Bo\n")
    log, report = load(path)
    assert log["source_row"].tolist() == [3, 5]
    assert [r["row"] for r in report.files[0].rejected] == [2, 4]
    assert [(p["row"], p["value"]) for p in report.files[0].problems] == [(3, "someday")]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.sampled_from(["Ann", "Bo", "Cy"])),
                          st.integers(0, 2)), max_size=20),
       st.lists(st.sampled_from(["Ann", "Cy", "Dee", "Eve"]), min_size=3, max_size=3))
def test_filling_a_coded_text_column_keeps_codes_that_decode_to_fillna(cells, fills):
    """Each missing cell takes its sheet's text (a batch of sheets: one per row in seg)."""
    from infoview_analytics import normalise
    from infoview_analytics.schema import STRING

    values = [v for v, _ in cells]
    seg = np.array([k for _, k in cells], dtype=np.intp)
    want = [fills[k] if v is None else v for v, k in cells]
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    text = normalise._coded_text(codes, np.asarray(uniques, dtype=object))
    try:
        filled = normalise._fill_text(text, fills, seg)
        assert filled.tolist() == want and filled.dtype == text.dtype
        new_codes, new_uniques, used = normalise._registered(filled)
        assert used is None and (new_codes >= 0).all()
        assert new_uniques[new_codes].tolist() == want
        assert len(set(new_uniques)) == len(new_uniques)  # still one code per text
        plain = pd.Series(values, dtype=STRING)  # no codes known: filled as they are
        assert normalise._fill_text(plain, fills, seg).tolist() == want
    finally:
        normalise._CODED.clear()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["b", "a", "C", "a b", ""])), max_size=20),
       st.lists(st.sampled_from(["z", "b", "y"]), max_size=3, unique=True), st.booleans())
def test_conform_takes_coded_text_as_a_cast_from_text_would(values, unused, ordered):
    from infoview_analytics.schema import STRING, conform

    present = list(dict.fromkeys(v for v in values if v is not None))
    categories = pd.Index(present + [u for u in unused if u not in present], dtype=STRING)
    coded = pd.Series(pd.Categorical(values, categories=categories, ordered=ordered))
    got = conform(pd.DataFrame({"industry": coded}))["industry"]
    want = conform(pd.DataFrame({"industry": pd.Series(values, dtype=object)}))["industry"]
    pd.testing.assert_series_equal(got, want)
    assert list(got.cat.categories) == sorted(present)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["b", "a", "C", "a b"])), max_size=20))
def test_sorted_text_categorical_is_what_conform_makes(values):
    from infoview_analytics.schema import STRING, conform, text_categorical

    codes, texts = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    got = pd.Series(text_categorical(codes, np.asarray(texts, dtype=object), sort=True))
    want = conform(pd.DataFrame({"industry": pd.Series(values, dtype=object)}))["industry"]
    pd.testing.assert_series_equal(got, want, check_names=False)
    assert got.cat.categories.dtype == STRING


def test_conform_returns_a_frame_in_shape_as_it_is_and_reshapes_any_other():
    """The loader's frame is in shape (conform's fast path); a frame with any column out
    of order, of another dtype, or a free category unsorted or with an unused category
    goes the long way, and comes out as a frame built from scratch would."""
    from infoview_analytics import schema

    log = load_log(SAMPLE_SEEKER_FILE)
    assert schema._in_shape(log)
    same = schema.conform(log)
    assert same is not log
    pd.testing.assert_frame_equal(same, log)
    same["notes"] = "changed"  # a copy: the caller's frame is not changed through it
    assert (log["notes"] != "changed").any()

    def from_scratch(frame):  # every column through the object dtype and back
        return schema.conform(frame.astype(object))

    industry = log["industry"].cat.reorder_categories(log["industry"].cat.categories[::-1])
    unused = log["cohort"].cat.add_categories(["Never used"])
    for frame in (log.assign(industry=industry), log.assign(cohort=unused),
                  log.assign(followups=log["followups"].astype("float64")),
                  log[[*COLUMN_NAMES[1:], COLUMN_NAMES[0]]]):
        assert not schema._in_shape(frame)
        got = schema.conform(frame)
        assert schema._in_shape(got)
        pd.testing.assert_frame_equal(got, from_scratch(frame))
        pd.testing.assert_frame_equal(got, log)


def test_a_sheets_columns_stay_arrays_until_read():
    from infoview_analytics.normalise import _Columns

    cols = _Columns(3)
    cols["count"] = np.array([1, 2, 3])
    cols["cells"] = np.array(["x", None, "z"], dtype=object)
    cols["kind"] = pd.Categorical(["p", "q", "p"])
    cols["aligned"] = pd.Series([1.0, 2.0], index=[0, 2])
    cols["everywhere"] = "same"
    assert isinstance(dict.__getitem__(cols, "count"), np.ndarray)  # not made a Series yet
    read = cols["count"]
    assert read.index.equals(pd.RangeIndex(3)) and read.tolist() == [1, 2, 3]
    assert cols["count"] is read  # made once
    frame = cols.kept(np.array([True, False, True]))
    assert frame.index.equals(pd.RangeIndex(2))
    assert frame["cells"].tolist() == ["x", "z"]
    assert frame["count"].tolist() == [1, 3] and frame["kind"].tolist() == ["p", "p"]
    assert isinstance(frame["kind"].dtype, pd.CategoricalDtype)
    assert frame["aligned"].tolist() == [1.0, 2.0] and frame["everywhere"].tolist() == ["same"] * 2
    whole = cols.kept(np.ones(3, dtype=bool))
    assert [None if pd.isna(v) else v for v in whole["cells"]] == ["x", None, "z"]
    assert cols["cells"].dtype == object  # read by a rule as the objects they are
    assert whole["aligned"].isna().tolist() == [False, True, False]
