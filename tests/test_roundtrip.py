"""load(save(log)) == log, for random logs, through .xlsx and .csv.

A random *raw* log (human headers, yes/no words, status words, odd text) is
loaded once to get a canonical log; saving that log and loading it again
must give the same table, value for value and dtype for dtype.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import warnings
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infoview_analytics import LoadWarning, load_log
from infoview_analytics.save import save_log
from infoview_analytics.schema import COLUMN_NAMES, PROVENANCE_COLUMNS

WORDS = st.text(
    alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyz ABCDEFGHÉéüñ'-.,&()0123456789")),
    min_size=1, max_size=14,
).map(str.strip).filter(lambda s: any(ch.isalpha() for ch in s))
MAYBE = lambda s: st.one_of(st.none(), s)  # noqa: E731
YES_NO = st.sampled_from(["Yes", "No", "y", "n", "x", "", "N/A", "TRUE"])
STATUS = st.sampled_from(["Applied", "Replied", "Coffee chat done", "Referred", "Phone screen",
                          "Final round", "Offer", "Rejected", "reeejected", "Ghosted",
                          "Withdrew", "Draft", "Meeting scheduled", "", "no response"])
CHANNEL = st.sampled_from(["LinkedIn", "Cold email", "Alumni", "Warm intro", "Career fair",
                           "Indeed", "Company site", "Phone", "", "pigeon"])
DATES = st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2026, 12, 31))

HEADERS = ["Student", "Cohort", "Contact", "Title", "Company", "Industry", "How contacted",
           "Referred by", "Date contacted", "Follow-ups", "Responded?", "Date responded",
           "Coffee chat", "Thank-you sent", "Referrals", "Interview", "Offer", "Status", "Notes",
           "Type", "Hobby"]


@st.composite
def raw_rows(draw):
    n = draw(st.integers(1, 12))
    contacts = draw(st.lists(WORDS, min_size=n, max_size=n))
    rows = []
    for i in range(n):
        rows.append([
            draw(st.sampled_from(["Ana", "Ben", "Cy"])),
            draw(MAYBE(st.sampled_from(["2024 Fall", "2025 Spring"]))),
            contacts[i],
            draw(MAYBE(WORDS)),
            draw(MAYBE(st.sampled_from(["Acme", "acme", "Beta Corp", " Gamma  Inc"]))),
            draw(MAYBE(st.sampled_from(["Tech", "tech", "Finance", "Non profit"]))),
            draw(CHANNEL),
            draw(MAYBE(st.sampled_from(contacts[:i] or ["Someone"]))),
            draw(MAYBE(DATES)),
            draw(MAYBE(st.integers(0, 3))),
            draw(YES_NO),
            draw(MAYBE(DATES)),
            draw(YES_NO),
            draw(YES_NO),
            draw(MAYBE(st.integers(0, 3))),
            draw(YES_NO),
            draw(YES_NO),
            draw(STATUS),
            draw(MAYBE(WORDS)),
            draw(st.sampled_from(["Networking", "Application", ""])),
            draw(MAYBE(WORDS)),
        ])
    return rows


def _write_raw(rows, path: Path) -> None:
    frame = pd.DataFrame(rows, columns=HEADERS)
    for col in ("Date contacted", "Date responded"):
        frame[col] = pd.to_datetime(frame[col])
    frame.to_excel(path, index=False)


def _load(path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LoadWarning)
        return load_log(path, seeker=None)


def _comparable(log: pd.DataFrame) -> pd.DataFrame:
    return log.drop(columns=list(PROVENANCE_COLUMNS)).reset_index(drop=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_rows(), st.sampled_from([".xlsx", ".csv"]))
def test_saved_log_loads_back_equal(rows, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        _write_raw(rows, tmp / "raw.xlsx")
        original = _load(tmp / "raw.xlsx")
        save_log(original, tmp / f"saved{suffix}")
        again = _load(tmp / f"saved{suffix}")
    assert list(again.columns) == list(original.columns)
    pd.testing.assert_frame_equal(_comparable(again), _comparable(original))


def test_round_trip_of_the_bundled_sample(tmp_path):
    from infoview_analytics.sample import SAMPLE_SEEKER_FILE

    original = _load(SAMPLE_SEEKER_FILE)
    for suffix in (".xlsx", ".csv"):
        save_log(original, tmp_path / f"copy{suffix}")
        again = _load(tmp_path / f"copy{suffix}")
        pd.testing.assert_frame_equal(_comparable(again), _comparable(original))
    assert set(COLUMN_NAMES) <= set(original.columns)
