"""``filter_log`` and ``filter_options``, checked against plain pandas boolean masks.

Every expected count is computed here with an independent mask written
directly on the log's columns (``==``, ``isin``, date comparisons), not by
calling the filter.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from infoview_analytics.filters import FILTER_COLUMNS, filter_log, filter_options
from infoview_analytics.load import load_log
from infoview_analytics.sample import SAMPLE_COMBINED_FILE, SAMPLE_SEEKER_FILE


@pytest.fixture(scope="module")
def seeker_log() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_log(SAMPLE_SEEKER_FILE)


@pytest.fixture(scope="module")
def cohort_log() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_log(SAMPLE_COMBINED_FILE)


def _same_frame(got: pd.DataFrame, log: pd.DataFrame, mask) -> None:
    """``got`` is exactly ``log[mask]``: same rows, index, columns and dtypes."""
    want = log[np.asarray(mask, dtype=bool)]
    assert list(got.columns) == list(log.columns)
    assert got.dtypes.equals(log.dtypes)
    pd.testing.assert_frame_equal(got, want)


def test_no_filter_is_a_copy_of_everything(cohort_log):
    got = filter_log(cohort_log)
    _same_frame(got, cohort_log, np.ones(len(cohort_log)))
    got.loc[got.index[0], "company"] = "changed"
    assert cohort_log.loc[cohort_log.index[0], "company"] != "changed"


@pytest.mark.parametrize("column", ["cohort", "industry", "channel", "activity", "seeker"])
def test_single_value(cohort_log, column):
    value = str(cohort_log[column].dropna().iloc[0])
    got = filter_log(cohort_log, **{column: value})
    mask = (cohort_log[column].astype(object) == value).fillna(False)
    assert len(got) == int(mask.sum()) > 0
    _same_frame(got, cohort_log, mask)


def test_collections_of_values(cohort_log):
    industries = ["Tech", "Finance"]
    channels = ("linkedin", "alumni", "warm_intro")
    mask = (cohort_log["industry"].isin(industries) & cohort_log["channel"].isin(channels)
            & (cohort_log["cohort"] == "2025 Spring"))
    for industry in (industries, set(industries), pd.Index(industries), np.array(industries)):
        got = filter_log(cohort_log, industry=industry, channel=channels,
                         cohort=["2025 Spring"])
        assert len(got) == int(mask.sum()) > 0
        _same_frame(got, cohort_log, mask)


def test_dates_are_inclusive_whole_days(cohort_log):
    day = cohort_log["contacted_on"]
    start, end = "2025-01-06", "2025-03-31"
    mask = (day >= pd.Timestamp(start)) & (day <= pd.Timestamp(end))
    got = filter_log(cohort_log, start=start, end=end)
    assert len(got) == int(mask.sum()) > 0
    _same_frame(got, cohort_log, mask)
    # A lead contacted on the first or last day is kept; datetime and date objects work too.
    first = day.dropna().min()
    only_first = filter_log(cohort_log, start=first.date(), end=first.to_pydatetime())
    assert len(only_first) == int((day == first).sum()) > 0
    # Open-ended ranges.
    assert len(filter_log(cohort_log, start=start)) == int((day >= pd.Timestamp(start)).sum())
    assert len(filter_log(cohort_log, end=end)) == int((day <= pd.Timestamp(end)).sum())


def test_leads_with_a_time_of_day_are_kept_on_the_last_day(seeker_log):
    log = seeker_log.copy()
    last = log["contacted_on"].max()
    log.loc[log["contacted_on"] == last, "contacted_on"] = last + pd.Timedelta(hours=17)
    got = filter_log(log, end=last.date())
    assert len(got) == int(log["contacted_on"].notna().sum())


def test_undated_leads_are_left_out_only_by_a_date_filter(seeker_log):
    log = seeker_log.copy()
    log.loc[log.index[:5], "contacted_on"] = pd.NaT
    assert len(filter_log(log)) == len(log)
    got = filter_log(log, start=log["contacted_on"].min())
    assert len(got) == len(log) - 5


def test_combined_filters(cohort_log):
    day = cohort_log["contacted_on"]
    mask = ((cohort_log["cohort"] == "2024 Fall") & (cohort_log["activity"] == "networking")
            & cohort_log["industry"].isin(["Healthcare", "Education"])
            & (day >= pd.Timestamp("2024-10-01")) & (day <= pd.Timestamp("2024-12-15")))
    got = filter_log(cohort_log, cohort="2024 Fall", activity="networking",
                     industry=["Healthcare", "Education"], start="2024-10-01",
                     end="2024-12-15")
    assert len(got) == int(mask.sum()) > 0
    _same_frame(got, cohort_log, mask)


def test_unknown_values_and_empty_results(cohort_log):
    for kwargs in ({"industry": "Aerospace"}, {"channel": ["carrier pigeon"]},
                   {"seeker": "Nobody At All"}, {"industry": []},
                   {"cohort": "2024 Fall", "start": "2030-01-01"},
                   {"start": "2000-01-01", "end": "2000-12-31"}):
        got = filter_log(cohort_log, **kwargs)
        assert len(got) == 0, kwargs
        assert list(got.columns) == list(cohort_log.columns)
        assert got.dtypes.equals(cohort_log.dtypes)
    # An unknown value among known ones only adds nothing.
    known = filter_log(cohort_log, industry=["Tech", "Aerospace"])
    assert len(known) == int((cohort_log["industry"] == "Tech").sum())


def test_missing_values_use_the_metrics_labels(seeker_log):
    log = seeker_log.copy()
    log.loc[log.index[:7], "industry"] = pd.NA
    assert log["cohort"].isna().all()
    assert len(filter_log(log, cohort="unassigned")) == len(log)
    assert len(filter_log(log, industry="unknown")) == 7
    assert len(filter_log(log, industry=["unknown", "Tech"])) == 7 + int(
        (log["industry"] == "Tech").sum())


def test_bad_dates_raise(seeker_log):
    with pytest.raises(ValueError, match="not a date"):
        filter_log(seeker_log, start="next tuesday-ish")
    with pytest.raises(ValueError, match="after end"):
        filter_log(seeker_log, start="2025-03-01", end="2025-02-01")


def test_options_list_what_is_in_the_log(cohort_log):
    options = filter_options(cohort_log)
    assert set(options) == {*FILTER_COLUMNS, "start", "end"}
    assert options["cohort"] == ["2024 Fall", "2025 Fall", "2025 Spring"]
    assert len(options["seeker"]) == cohort_log["seeker"].nunique() == 60
    assert set(options["industry"]) == set(cohort_log["industry"].dropna().astype(str))
    # Channels with no lead (letter, other, unknown in the sample) are not offered.
    assert set(options["channel"]) == set(cohort_log["channel"].dropna().astype(str))
    assert "letter" not in options["channel"]
    assert options["activity"] == ["networking", "application"]
    assert options["start"] == cohort_log["contacted_on"].min()
    assert options["end"] == cohort_log["contacted_on"].max()
    # Every option selects at least one lead, and each column's options cover the log.
    for column in FILTER_COLUMNS:
        sizes = [len(filter_log(cohort_log, **{column: v})) for v in options[column][:5]]
        assert all(s > 0 for s in sizes), column
        assert len(filter_log(cohort_log, **{column: options[column]})) == len(cohort_log)


def test_options_of_a_log_with_gaps(seeker_log):
    log = seeker_log.copy()
    log.loc[log.index[:3], "channel"] = pd.NA
    options = filter_options(log)
    assert options["cohort"] == ["unassigned"]
    assert options["channel"][-1] == "unknown"
    empty = filter_options(log.iloc[:0])
    assert empty["seeker"] == [] and empty["start"] is None and empty["end"] is None
