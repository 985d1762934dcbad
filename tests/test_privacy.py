"""Pseudonyms, salts and small-cell suppression."""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd
import pytest

from infoview_analytics import metrics as m
from infoview_analytics.privacy import SALT_FILE, project_salt, pseudonymise, suppress_small
from infoview_analytics.schema import conform

PSEUDONYM = re.compile(r"^P-[0-9a-f]{8}$")


@pytest.fixture
def log():
    return conform(pd.DataFrame({
        "seeker": ["Alex Rivera", "Alex Rivera", "Sam Lee", "Sam Lee"],
        "contact": ["Ann Smith", "Bob Jones", "Cy Wu", pd.NA],
        "contact_title": ["Analyst", "Director", "Manager", pd.NA],
        "referred_by": [pd.NA, " ann  SMITH", pd.NA, pd.NA],
        "company": ["Acme", "Acme", "Beta", "Gamma"],
        "channel_raw": ["LinkedIn", "Intro from Ann", "Email", "Indeed"],
        "status_raw": ["Replied", "Sent", "Sent", "Applied"],
        "notes": ["Ann's kids go to my school", pd.NA, "call back", pd.NA],
        "stage": ["responded", "contacted", "contacted", "contacted"],
        "source_file": ["Alex Rivera.xlsx"] * 2 + ["Sam Lee.csv"] * 2,
        "extra_phone": ["555-0100", pd.NA, pd.NA, pd.NA],
        "extra_score": [1.0, 2.0, 3.0, 4.0],
    }, dtype=object).astype({"extra_score": float}))


def test_pseudonymise_hashes_names_and_drops_free_text(log):
    out = pseudonymise(log, salt="s1")
    for column in ("seeker", "contact", "contact_title"):
        assert out[column].dropna().map(lambda v: bool(PSEUDONYM.match(v))).all()
    text = out.astype(str).to_string()
    for secret in ("Alex", "Ann", "Bob", "Cy Wu", "Sam", "555-0100", "kids"):
        assert secret not in text
    for dropped in ("notes", "extra_phone", "channel_raw", "status_raw"):
        assert dropped not in out
    assert out["extra_score"].tolist() == [1.0, 2.0, 3.0, 4.0]  # numbers are not personal text
    assert out["company"].tolist() == ["Acme", "Acme", "Beta", "Gamma"]
    assert pd.isna(out.loc[3, "contact"])  # missing stays missing
    assert out["source_file"].str.startswith("F-").all()
    # the log itself is untouched
    assert log.loc[0, "contact"] == "Ann Smith" and "notes" in log


def test_pseudonyms_are_stable_and_salted(log):
    a = pseudonymise(log, salt="s1")
    b = pseudonymise(log.iloc[::-1], salt="s1")
    c = pseudonymise(log, salt="s2")
    assert a.loc[0, "contact"] == b.loc[0, "contact"]
    assert a.loc[0, "seeker"] == a.loc[1, "seeker"] != a.loc[2, "seeker"]
    assert a.loc[0, "contact"] != c.loc[0, "contact"]
    assert pseudonymise(log, salt=b"s1").equals(a)  # bytes or text, same salt
    # referred_by matches contact case- and space-insensitively, so chains survive
    assert a.loc[1, "referred_by"] == a.loc[0, "contact"]
    assert len(m.referral_edges(a)) == 1
    with pytest.raises(ValueError, match="salt"):
        pseudonymise(log, salt="")


def test_project_salt_file_and_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("INFOVIEW_SALT", raising=False)
    first = project_salt(tmp_path)
    assert (tmp_path / SALT_FILE).read_text().strip() == first
    assert len(first) >= 32
    assert project_salt(tmp_path) == first  # read, not recreated
    if os.name == "posix":
        assert (tmp_path / SALT_FILE).stat().st_mode & 0o077 == 0  # private to the user
    other = tmp_path / "other"
    assert project_salt(other) != first  # a new project gets its own salt
    monkeypatch.setenv("INFOVIEW_SALT", "from-env")
    assert project_salt(tmp_path) == "from-env"


def test_suppress_small_blanks_rows_under_k():
    table = pd.DataFrame({
        "channel": ["email", "phone", "letter"],
        "n": [12, 4, 5],
        "responded": [6, 1, 0],
        "rate": [0.5, 0.25, 0.0],
        "ci_low": [0.25, 0.05, 0.0],
        "ci_high": [0.75, 0.7, 0.43],
        "small_sample": [False, True, True],
    })
    out = suppress_small(table)
    assert out["suppressed"].tolist() == [False, True, False]
    assert out["n_display"].tolist() == ["12", "<5", "5"]
    phone = out.iloc[1]
    assert pd.isna(phone["n"]) and pd.isna(phone["responded"])
    assert np.isnan(phone["rate"]) and np.isnan(phone["ci_low"]) and np.isnan(phone["ci_high"])
    assert out.loc[0, ["responded", "rate"]].tolist() == [6, 0.5]
    assert out["channel"].tolist() == ["email", "phone", "letter"]
    assert out["small_sample"].tolist() == [False, True, True]  # flags are kept
    assert table.loc[1, "n"] == 4  # input untouched
    assert suppress_small(table, k=10)["n_display"].tolist() == ["12", "<10", "<10"]


def test_suppress_small_on_metric_tables_keeps_benchmark_and_uses_n_column():
    log = conform(pd.DataFrame({"contact": list("ABC"), "stage": ["info_interview"] * 3,
                                "info_interview": [True] * 3, "responded": [True] * 3}))
    with pytest.warns(m.SmallSampleWarning):
        o = m.offer_conversion(log)
    s = suppress_small(o)
    assert s.loc[0, "suppressed"] and np.isnan(s.loc[0, "p_value"])
    assert s.loc[0, "benchmark"] == pytest.approx(1 / 12)  # not data about people
    c = pd.DataFrame({"cohort": ["a", "b"], "seekers": [3, 30], "with_offer": [1, 9]})
    s = suppress_small(c, n_column="seekers")
    assert s["n_display"].tolist() == ["<5", "30"] and pd.isna(s.loc[0, "with_offer"])
