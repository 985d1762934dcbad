"""Tests of the seeded sample-data generator and the messy-spreadsheet writer."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from infoview_analytics import schema, vocab
from infoview_analytics.sample import (
    SAMPLE_COHORT_FOLDER,
    SAMPLE_COMBINED_FILE,
    SAMPLE_FOLDER,
    SAMPLE_SEEKER_FILE,
    generate_cohort,
    generate_log,
    write_messy,
    write_sample_data,
)

NETWORKING_CHANNELS = {"linkedin", "email", "alumni", "warm_intro", "event", "phone", "in_person"}
APPLICATION_CHANNELS = {"job_board", "company_site", "linkedin", "recruiter"}
STAGE_ORDER = list(schema.STAGES)


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return generate_log(seed=11, cohort="2025 Spring")


@pytest.fixture(scope="module")
def big_cohort() -> pd.DataFrame:
    """Large enough that calibration checks are not at the mercy of chance."""
    return generate_cohort(400, seed=5)


@pytest.fixture(scope="module")
def sample_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sample")
    write_sample_data(folder, seed=2024)
    return folder


def _furthest_stage(frame: pd.DataFrame) -> pd.Series:
    """The furthest stage per row, recomputed from the data model's order."""
    reached = pd.DataFrame({
        "contacted": True,
        "responded": frame["responded"],
        "info_interview": frame["info_interview"],
        "referred": frame["referrals"] > 0,
        "job_interview": frame["job_interview"],
        "offer": frame["offer"],
    }, index=frame.index).astype(bool)
    return reached.iloc[:, ::-1].idxmax(axis=1)  # the last stage reached


def _old_enough(frame: pd.DataFrame, days: int = 21) -> pd.DataFrame:
    """Leads contacted at least *days* before their cohort's last outreach."""
    last = frame.groupby("cohort", observed=True)["contacted_on"].transform("max")
    return frame[frame["contacted_on"] <= last - pd.Timedelta(days=days)]


def _read_csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


# ---------------------------------------------------------------------------
# generate_log
# ---------------------------------------------------------------------------
def test_same_seed_same_log_different_seed_different_log():
    pd.testing.assert_frame_equal(generate_log(seed=3), generate_log(seed=3))
    assert not generate_log(seed=3).equals(generate_log(seed=4))
    pd.testing.assert_frame_equal(generate_cohort(12, seed=1), generate_cohort(12, seed=1))
    assert not generate_cohort(12, seed=1).equals(generate_cohort(12, seed=2))


def test_log_is_canonical(log):
    assert list(log.columns) == list(schema.COLUMN_NAMES)
    pd.testing.assert_frame_equal(log, schema.conform(log))
    for col in schema.COLUMNS:
        assert log[col.name].dtype == col.dtype, col.name
    assert log[list(schema.PROVENANCE_COLUMNS)].isna().all().all()
    assert log[list(schema.BOOL_COLUMNS)].notna().all().all()  # False, not <NA>
    assert log[["followups", "referrals", "stage", "outcome", "status_raw"]].notna().all().all()
    assert (log["seeker"] == "Alex Rivera").all() and (log["cohort"] == "2025 Spring").all()
    assert len(log) == 150 and set(log["activity"]) == {"networking", "application"}


def test_parameters_are_honoured():
    log = generate_log(30, seed=2, seeker="Sam Doe", start="2025-03-03", weeks=4,
                       application_share=0.0, industries=["Tech"])
    assert len(log) == 30 and (log["seeker"] == "Sam Doe").all()
    assert (log["activity"] == "networking").all() and (log["industry"] == "Tech").all()
    assert log["contacted_on"].min() >= pd.Timestamp("2025-03-03")
    assert log["contacted_on"].max() <= pd.Timestamp("2025-03-30")
    with pytest.raises(ValueError, match="unknown industries"):
        generate_log(5, industries=["Astrology"])


@pytest.mark.parametrize("which", ["log", "big_cohort"])
def test_booleans_dates_and_stages_are_consistent(which, request):
    frame = request.getfixturevalue(which)
    responded, info = frame["responded"], frame["info_interview"]
    assert (~frame["offer"] | frame["job_interview"]).all()
    assert (~info | responded).all()
    assert (~frame["job_interview"] | responded).all()
    assert ((frame["referrals"] == 0) | responded).all()
    assert ((frame["referrals"] == 0) | info).all()
    assert ((frame["outcome"] == "offer") == frame["offer"]).all()
    assert responded[frame["outcome"].isin(["rejected", "declined"])].all()
    assert (frame["stage"].astype("string") == _furthest_stage(frame)).all()
    # dates exist exactly when the stage was reached, and come in order
    assert (frame["responded_on"].notna() == responded).all()
    assert (frame["info_interview_on"].notna() == info).all()
    assert not (frame["responded_on"] <= frame["contacted_on"]).any()
    assert not (frame["info_interview_on"] <= frame["responded_on"]).any()
    assert frame["followups"].between(0, 2).all()
    assert (~frame["thank_you"] | info | frame["job_interview"]).all()


@pytest.mark.parametrize("which", ["log", "big_cohort"])
def test_activities_have_their_own_channels_and_fields(which, request):
    frame = request.getfixturevalue(which)
    net = frame[frame["activity"] == "networking"]
    app = frame[frame["activity"] == "application"]
    assert set(net["channel"]) == NETWORKING_CHANNELS
    assert set(app["channel"]) == APPLICATION_CHANNELS
    assert net["contact"].notna().all() and net["contact_title"].notna().all()
    assert not app["info_interview"].any() and (app["referrals"] == 0).all()
    assert app["referred_by"].isna().all()
    # applications name a contact only when a recruiter was involved
    assert app.loc[app["channel"] == "recruiter", "contact"].notna().all()
    assert 0 < app["contact"].notna().mean() < 0.5


def test_referrals_form_chains_of_earlier_contacts(log, big_cohort):
    for frame in (log, big_cohort):
        for _, leads in frame.groupby("seeker"):
            by_contact = leads.set_index("contact")
            referred = leads[leads["referred_by"].notna()]
            for referrer, n in referred["referred_by"].value_counts().items():
                source = by_contact.loc[referrer]
                assert source["referrals"] >= n
                later = referred.loc[referred["referred_by"] == referrer, "contacted_on"]
                assert (later > source["info_interview_on"]).all()
            assert (referred["channel"] == "warm_intro").all()

    def depth(leads: pd.DataFrame) -> int:
        parent = dict(zip(leads["contact"], leads["referred_by"], strict=True))
        deepest = 0
        for contact in parent:
            d = 0
            while isinstance(parent.get(contact), str):
                contact, d = parent[contact], d + 1
            deepest = max(deepest, d)
        return deepest

    assert depth(generate_log()) >= 2  # the bundled sample has a chain two links deep
    assert max(depth(leads) for _, leads in big_cohort.groupby("seeker")) >= 3


def test_status_raw_says_the_same_as_the_booleans(big_cohort):
    flags = ["responded", "info_interview", "job_interview", "offer"]
    cases = big_cohort[["status_raw", "stage", "outcome", "referrals", *flags]].copy()
    cases["referrals"] = cases["referrals"].clip(upper=1)
    cases = cases.drop_duplicates()
    meanings = [vocab.parse_status(text) for text in cases["status_raw"]]
    assert None not in meanings, "unmapped status words"
    said = pd.DataFrame(
        {f: [getattr(m, f) for m in meanings] for f in [*flags, "referred", "outcome"]},
        index=cases.index,
    )
    assert (said["outcome"] == cases["outcome"].astype("string")).all()
    for flag in flags:  # a status never contradicts a flag
        agrees = said[flag].isna() | (said[flag] == cases[flag])
        assert agrees.all(), cases.loc[~agrees, ["status_raw", flag]]
    assert (said["referred"].isna() | (cases["referrals"] > 0)).all()
    referrals = said["referred"].notna().astype(int)
    implied = _furthest_stage(said[flags].fillna(False).astype(bool).assign(referrals=referrals))
    rank = {s: i for i, s in enumerate(STAGE_ORDER)}
    stage = cases["stage"].astype("string")
    positive = cases["outcome"].isin(["open", "offer"])
    # open and offer words name the stage itself; a negative word ("Rejected")
    # leaves the earlier stage to the flags
    assert (implied[positive] == stage[positive]).all()
    assert (implied.map(rank) <= stage.map(rank)).all()
    # a few typos, as people type them
    typos = {"Recieved reply", "reeejected", "Coffe chat done"}
    assert 0 < big_cohort["status_raw"].isin(typos).mean() < 0.05


def test_channel_raw_maps_back_to_channel(big_cohort):
    parsed = big_cohort["channel_raw"].map(vocab.parse_channel)
    assert (parsed == big_cohort["channel"].astype("string")).all()
    assert big_cohort["channel_raw"].nunique() > 15


def test_recent_leads_are_pending_not_unanswered(log):
    age = (log["contacted_on"].max() - log["contacted_on"]).dt.days
    recent = log[age < 14]
    assert (recent["outcome"] != "no_response").all()
    assert (~recent["responded"] & (recent["outcome"] == "open")).any()


# ---------------------------------------------------------------------------
# Calibration (observational rates in a large simulated cohort)
# ---------------------------------------------------------------------------
def test_networking_response_rates_differ_by_channel(big_cohort):
    old = _old_enough(big_cohort)
    rates = old[old["activity"] == "networking"].groupby("channel", observed=True)[
        "responded"
    ].mean()
    assert rates["warm_intro"] > rates["alumni"] > rates["email"] > rates["linkedin"]
    assert 0.58 <= rates["warm_intro"] <= 0.72
    assert 0.43 <= rates["alumni"] <= 0.57
    assert 0.22 <= rates["email"] <= 0.33
    assert 0.32 <= rates["event"] <= 0.48
    assert 0.13 <= rates["linkedin"] <= 0.22
    referred = old["referred_by"].notna()
    assert old.loc[referred, "responded"].mean() > old.loc[~referred, "responded"].mean() + 0.2


def test_about_one_offer_per_twelve_informational_interviews(big_cohort):
    net = big_cohort[big_cohort["activity"] == "networking"]
    rate = net["offer"].sum() / net["info_interview"].sum()
    assert 0.05 <= rate <= 0.12


def test_applications_rarely_lead_anywhere(big_cohort):
    app = big_cohort[big_cohort["activity"] == "application"]
    old = _old_enough(app)
    assert 0.15 <= old["responded"].mean() <= 0.25
    assert 0.04 <= app["job_interview"].mean() <= 0.08
    assert app["offer"].mean() < 0.012  # about 1 in 200
    assert (old.loc[old["responded"] & ~old["job_interview"], "outcome"] == "rejected").mean() > 0.7


def test_referrals_per_info_interview_differ_by_industry(big_cohort):
    held = big_cohort[big_cohort["info_interview"]]
    per = held.groupby("industry", observed=True)["referrals"].mean()
    assert per["Tech"] > 0.6 and per["Consulting"] > 0.6
    assert per["Government"] < 0.35 and per["Nonprofit"] < 0.35
    assert 0.7 <= held["thank_you"].mean() <= 0.95


def test_cohort_has_three_cohorts_and_some_stalled_students(big_cohort):
    students = big_cohort.groupby("seeker").agg(
        cohort=("cohort", "first"), last=("contacted_on", "max"), leads=("contact", "size")
    )
    assert list(big_cohort["cohort"].cat.categories) == ["2024 Fall", "2025 Spring", "2025 Fall"]
    assert students["cohort"].value_counts().min() >= 130
    assert big_cohort.groupby("seeker")["cohort"].nunique().eq(1).all()
    term_end = students["cohort"].map(big_cohort.groupby("cohort", observed=True)[
        "contacted_on"].max())
    idle_days = (term_end.astype("datetime64[ns]") - students["last"]).dt.days
    stalled = (idle_days >= 21).mean()
    assert 0.05 <= stalled <= 0.25
    assert students["leads"].between(15, 60).all()
    assert students["leads"].max() >= 50 and students["leads"].median() < 35  # a few very active
    # the terms follow each other
    starts = big_cohort.groupby("cohort", observed=True)["contacted_on"].min()
    assert starts.is_monotonic_increasing


def test_cohort_names_are_distinct_and_every_cohort_is_used():
    cohort = generate_cohort(9, seed=8, cohorts=("A", "B"), leads_per_student=(5, 8))
    assert cohort["seeker"].nunique() == 9
    assert set(cohort["cohort"]) == {"A", "B"}
    assert cohort.groupby("seeker").size().between(5, 8).all()


# ---------------------------------------------------------------------------
# write_messy
# ---------------------------------------------------------------------------
def test_messy_headers_are_unambiguous_aliases(tmp_path, log):
    field_of = {"channel_raw": "channel"}
    seen = set()
    for seed in range(12):
        path = write_messy(log, tmp_path / f"log{seed}.csv", seed=seed, title=False)
        header = _read_csv_rows(path)[0]
        for text in header:
            key = vocab.squash(text)
            fields = [f for f, aliases in vocab.FIELD_ALIASES.items() if key in aliases]
            assert len(fields) == 1, (text, fields)
            assert key not in vocab.CONTEXTUAL, text
            seen.add(field_of.get(fields[0], fields[0]))
        assert not {"Stage", "Outcome", "Source file"} & set(header)
    assert seen == {
        "cohort", "contacted_on", "activity", "company", "contact", "contact_title", "industry",
        "channel", "referred_by", "followups", "responded", "responded_on", "info_interview",
        "info_interview_on", "thank_you", "referrals", "job_interview", "offer", "status_raw",
        "notes",
    }


def test_messy_csv_looks_typed_by_a_person(tmp_path, log):
    rows = _read_csv_rows(write_messy(log, tmp_path / "log.csv", seed=1, title=True))
    assert rows[0][0] and not any(rows[0][1:])  # a title row
    assert not any(rows[1])  # a blank row
    header, data, last = rows[2], rows[3:-1], rows[-1]
    assert not any(last) and len(data) == len(log)
    dates = [r[header.index(next(h for h in header if "date" in h.lower()))] for r in data]
    assert all(pd.to_datetime(d, format="%m/%d/%Y") for d in dates)
    assert dates[0] == "{d.month}/{d.day}/{d.year}".format(d=log["contacted_on"].iloc[0])
    words = {cell for r in data for cell in r}
    assert words & {"Yes", "Y", "x", "yes"} and not words & {"True", "False"}


def test_messy_xlsx_has_real_dates_and_a_trailing_blank_row(tmp_path, log):
    path = write_messy(log, tmp_path / "log.xlsx", seed=0, title=True)
    sheet = openpyxl.load_workbook(path).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] and values[1] == (None,) * len(values[1])
    header = values[2]
    first_date = sheet.cell(row=4, column=1 + header.index(next(
        h for h in header if h in ("Date contacted", "Date", "Contact date", "Outreach date"))))
    assert first_date.is_date and first_date.value.date() == log["contacted_on"].iloc[0].date()
    assert not str(values[-1][0]).strip() and len(values) == 3 + len(log) + 1


def test_messy_writer_is_byte_for_byte_repeatable(tmp_path, log):
    for suffix in (".csv", ".xlsx"):
        a = write_messy(log, tmp_path / f"a{suffix}", seed=5).read_bytes()
        b = write_messy(log, tmp_path / f"b{suffix}", seed=5).read_bytes()
        assert a == b, suffix
    c = write_messy(log, tmp_path / "c.csv", seed=6).read_bytes()
    assert c != (tmp_path / "a.csv").read_bytes()


def test_messy_writer_refuses_what_it_cannot_write(tmp_path, log):
    with pytest.raises(ValueError, match=".xlsx or .csv"):
        write_messy(log, tmp_path / "log.txt")
    with pytest.raises(ValueError, match="counselor"):
        write_messy(generate_cohort(3, seed=1, leads_per_student=(5, 6)), tmp_path / "c.csv")
    with pytest.raises(ValueError, match="style"):
        write_messy(log, tmp_path / "log.csv", style="fancy")


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_messy_files_load_back(tmp_path, suffix, seed):
    from infoview_analytics.load import load_log

    log = generate_log(60, seed=seed)
    path = write_messy(log, tmp_path / f"Alex Rivera{suffix}", seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = load_log(path)
    key = ["contacted_on", "company", "contact", "channel_raw"]
    want = log.sort_values(key, kind="stable").reset_index(drop=True)
    got = loaded.sort_values(key, kind="stable").reset_index(drop=True)
    assert len(got) == len(want)
    assert (got["seeker"] == "Alex Rivera").all()
    for col in ["company", "contact", "contacted_on", "channel", "activity", "status_raw"]:
        pd.testing.assert_series_equal(
            got[col].astype("object"), want[col].astype("object"), check_names=False, obj=col
        )
    for col in ["responded", "info_interview", "job_interview", "offer"]:
        # an unticked box ("x" / blank) may load as missing rather than False
        pd.testing.assert_series_equal(
            got[col].fillna(False).astype(bool), want[col].astype(bool), obj=col
        )
    assert (got["referrals"].fillna(0) == want["referrals"]).all()


# ---------------------------------------------------------------------------
# write_sample_data and the committed data/ folder
# ---------------------------------------------------------------------------
def test_sample_data_files(sample_folder):
    cohort = generate_cohort(seed=2024)
    files = sorted((sample_folder / "cohort").iterdir())
    assert {f.stem for f in files} == set(cohort["seeker"])
    suffixes = pd.Series([f.suffix for f in files]).value_counts()
    assert suffixes[".xlsx"] > suffixes[".csv"] > 0
    assert (sample_folder / "my_outreach.xlsx").is_file()
    assert (sample_folder / "cohort_combined.xlsx").is_file()
    readme = (sample_folder / "README.md").read_text(encoding="utf-8")
    assert "python -m infoview_analytics.sample data" in readme
    total = sum(f.stat().st_size for f in sample_folder.rglob("*") if f.is_file())
    assert total < 1_000_000
    combined = list(openpyxl.load_workbook(sample_folder / "cohort_combined.xlsx").active.values)
    assert combined[0][:2] == ("Student", "Cohort")
    assert sum(1 for r in combined[1:] if r[0] and str(r[0]).strip()) == len(cohort)


def test_committed_data_is_what_the_generator_writes(sample_folder):
    committed = SAMPLE_FOLDER
    assert Path(__file__).resolve().parents[1] / "data" == SAMPLE_FOLDER
    assert SAMPLE_SEEKER_FILE.is_file() and SAMPLE_COMBINED_FILE.is_file()
    assert SAMPLE_COHORT_FOLDER.is_dir()
    fresh = sorted(p.relative_to(sample_folder) for p in sample_folder.rglob("*") if p.is_file())
    assert sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file()) == fresh
    for rel in fresh:
        if rel.suffix == ".xlsx":  # compare cells: xlsx bytes depend on the openpyxl version
            def cells(p):
                return CalamineWorkbook.from_path(p).get_sheet_by_index(0).to_python()

            assert cells(committed / rel) == cells(sample_folder / rel), rel
        else:
            assert (committed / rel).read_bytes() == (sample_folder / rel).read_bytes(), rel
