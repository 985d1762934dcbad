"""Charts, tested by what they drew: bars, whiskers, benchmark lines, labels, captions.

The tables are built by hand with exactly the columns of the metric contract
(``metrics.py``), so these tests do not depend on the metrics' numbers.
"""

from __future__ import annotations

import os
import subprocess
import sys

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection

from infoview_analytics import charts
from infoview_analytics.charts import (
    add_caption,
    caption_text,
    plot_cohort_outcomes,
    plot_funnel,
    plot_offer_conversion,
    plot_referral_chains,
    plot_referral_yield,
    plot_response_rates,
    plot_time_to_response,
    plot_weekly_activity,
    use_workshop_style,
    workshop_style,
)


@pytest.fixture
def ax():
    return plt.figure(figsize=(13.33, 7.5)).add_subplot()


# ---------------------------------------------------------------------------
# Hand-made metric tables (the contract's columns, values chosen by hand;
# the intervals are Wilson 95% intervals from R's prop.test(x, n, correct=FALSE)).
# ---------------------------------------------------------------------------
def response_table() -> pd.DataFrame:
    return pd.DataFrame({
        "channel": pd.Categorical(["alumni", "linkedin", "phone"]),
        "n": [40, 120, 6],
        "responded": [20, 18, 2],
        "rate": [0.5, 0.15, 2 / 6],
        # prop.test(20, 40, correct=FALSE)$conf.int -> 0.3520 0.6480
        # prop.test(18, 120, correct=FALSE)$conf.int -> 0.0970 0.2247
        # prop.test(2, 6, correct=FALSE)$conf.int -> 0.0968 0.7000
        "ci_low": [0.3520, 0.0970, 0.0968],
        "ci_high": [0.6480, 0.2247, 0.7000],
        "pending": [3, 0, 1],
        "small_sample": [False, False, True],
    })


def offer_table(by: bool = False) -> pd.DataFrame:
    table = pd.DataFrame({
        "activity": ["networking"],
        "n": [60],
        "offers": [4],
        "rate": [4 / 60],
        # prop.test(4, 60, correct=FALSE)$conf.int -> 0.0262 0.1592
        "ci_low": [0.0262],
        "ci_high": [0.1592],
        "one_in": [15.0],
        "one_in_low": [1 / 0.1592],
        "one_in_high": [1 / 0.0262],
        "benchmark": [1 / 12],
        "benchmark_label": ["1 in 12"],
        "expected_offers": [5.0],
        "ratio": [0.8],
        "p_value": [0.78],
        "small_sample": [False],
    })
    if by:
        other = table.assign(n=8, offers=0, rate=0.0, ci_low=0.0, ci_high=0.3244,
                             one_in=np.inf, one_in_low=1 / 0.3244, one_in_high=np.inf,
                             expected_offers=8 / 12, ratio=0.0, p_value=1.0,
                             small_sample=True)
        table = pd.concat([table, other], ignore_index=True)
        table.insert(0, "cohort", ["2025 Spring", "2025 Fall"])
    return table


def funnel_table() -> pd.DataFrame:
    counts = [200, 60, 30, 12, 8, 3]
    rate = [c / 200 for c in counts]
    step = [1.0] + [counts[i] / counts[i - 1] for i in range(1, 6)]
    return pd.DataFrame({
        "stage": ["contacted", "responded", "info_interview", "referred", "job_interview",
                  "offer"],
        "n": 200, "count": counts, "rate": rate,
        "ci_low": [r * 0.8 for r in rate], "ci_high": [min(1.0, r * 1.2) for r in rate],
        "step_rate": step,
    })


def referral_table() -> pd.DataFrame:
    return pd.DataFrame({
        "industry": ["Tech", "Finance", "Nonprofit"],
        "n": [30, 20, 7],
        "referrals": [24, 12, 1],
        "per_interview": [0.8, 0.6, 1 / 7],
        "ci_low": [0.5, 0.3, 0.0],
        "ci_high": [1.1, 0.9, 0.5],
        "with_referral": [15, 8, 1],
        "share_with_referral": [0.5, 0.4, 1 / 7],
        "share_ci_low": [0.33, 0.22, 0.03],
        "share_ci_high": [0.67, 0.61, 0.51],
        "small_sample": [False, False, True],
    })


def km_table() -> pd.DataFrame:
    rows = []
    for channel, n, shares in (("alumni", 40, [0.2, 0.35, 0.5]), ("email", 30, [0.1, 0.2])):
        for i, share in enumerate(shares):
            rows.append({"channel": channel, "days": 3.0 * (i + 1), "at_risk": n - 5 * i,
                         "events": 4, "censored": 1, "survival": 1 - share,
                         "responded_share": share})
    return pd.DataFrame(rows)


def cohort_table() -> pd.DataFrame:
    return pd.DataFrame({
        "cohort": ["2024 Fall", "2025 Spring"], "seekers": [20, 8], "active_seekers": [18, 6],
        "outreach_median": [30.0, 25.0], "outreach_q1": [20.0, 15.0],
        "outreach_q3": [40.0, 35.0], "interviews_median": [4.0, 3.0],
        "interviews_q1": [2.0, 1.0], "interviews_q3": [6.0, 5.0], "with_offer": [9, 2],
        "share_with_offer": [0.45, 0.25], "ci_low": [0.26, 0.07], "ci_high": [0.66, 0.59],
        "info_interviews": [90, 25], "offers": [9, 2], "conversion": [0.1, 0.08],
        "small_sample": [False, True],
    })


def edges_table() -> pd.DataFrame:
    return pd.DataFrame({
        "seeker": ["S1", "S1", "S1", "S2"],
        "chain_id": [1, 1, 1, 2],
        "from_contact": ["Ana", "Ana", "Ben", "Cy"],
        "to_contact": ["Ben", "Dee", "Eve", "Fay"],
        "depth": [1, 1, 2, 1],
    })


def chains_table() -> pd.DataFrame:
    return pd.DataFrame({
        "seeker": ["S1", "S2"], "chain_id": [1, 2], "root": ["Ana", "Cy"], "leads": [4, 2],
        "depth": [2, 1], "responded": [4, 1], "info_interviews": [3, 1],
        "job_interviews": [1, 0], "offers": [1, 0],
    })


def all_texts(ax) -> list[str]:
    """Every string drawn on the Axes: annotations, tick labels, legend, title."""
    texts = [t.get_text() for t in ax.texts]
    texts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    legend = ax.get_legend()
    if legend is not None:
        texts += [t.get_text() for t in legend.get_texts()]
    return [*texts, *(ax.get_title(loc=loc) for loc in ("left", "center", "right"))]


def bar_patches(ax):
    return [p for p in ax.patches if p.get_gid() == "bar"]


def whiskers(ax, horizontal: bool = False) -> np.ndarray:
    """(position, low, high) per whisker drawn."""
    drawn = [c for c in ax.collections if c.get_gid() == "interval"]
    assert drawn and all(isinstance(c, LineCollection) for c in drawn)
    segments = [seg for c in drawn for seg in c.get_segments()]
    if horizontal:
        return np.array([(seg[0][1], seg[0][0], seg[1][0]) for seg in segments])
    return np.array([(seg[0][0], seg[0][1], seg[1][1]) for seg in segments])


# ---------------------------------------------------------------------------
# Style
# ---------------------------------------------------------------------------
def test_import_changes_no_setting():
    # dict.items reads rcParams without resolving the backend (which imports pyplot)
    code = (
        "import sys, matplotlib as mpl; before = dict(dict.items(mpl.rcParams)); "
        "import infoview_analytics.charts, infoview_analytics.export; "
        "after = dict(dict.items(mpl.rcParams)); "
        "changed = [k for k in before if before[k] != after[k]]; "
        "assert not changed, changed; "
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'; "
        "assert 'MPLBACKEND' not in __import__('os').environ"
    )
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_workshop_style_is_a_context():
    before = mpl.rcParams["font.size"]
    with workshop_style():
        assert mpl.rcParams["font.size"] >= 16
        assert tuple(mpl.rcParams["figure.figsize"]) == pytest.approx((13.33, 7.5))
        assert mpl.rcParams["axes.spines.top"] is False
        assert mpl.rcParams["axes.prop_cycle"].by_key()["color"][0] == charts.OKABE_ITO["blue"]
    assert mpl.rcParams["font.size"] == before


def test_use_workshop_style_sets_rcparams():
    with mpl.rc_context():
        use_workshop_style()
        assert mpl.rcParams["font.size"] >= 16
        assert mpl.rcParams["savefig.dpi"] >= 200


# ---------------------------------------------------------------------------
# Every plot: returns the Axes given, the current one by default, and copes with no rows
# ---------------------------------------------------------------------------
PLOTS = {
    "funnel": (plot_funnel, funnel_table),
    "response": (plot_response_rates, response_table),
    "offer": (plot_offer_conversion, offer_table),
    "referral": (plot_referral_yield, referral_table),
    "chains": (plot_referral_chains, edges_table),
    "km": (plot_time_to_response, km_table),
    "weekly": (plot_weekly_activity,
               lambda: pd.DataFrame({"seeker": ["a", "b"], "week": pd.to_datetime(
                   ["2025-01-06", "2025-01-13"]), "outreach": [3, 5]})),
    "cohort": (plot_cohort_outcomes, cohort_table),
}


@pytest.mark.parametrize("name", PLOTS)
def test_returns_the_axes_given_and_leaves_the_table_alone(name, ax):
    plot, make = PLOTS[name]
    table = make()
    copy = table.copy(deep=True)
    assert plot(table, ax=ax) is ax
    pd.testing.assert_frame_equal(table, copy)


@pytest.mark.parametrize("name", PLOTS)
def test_defaults_to_the_current_axes(name):
    plot, make = PLOTS[name]
    current = plt.figure().add_subplot()
    assert plot(make()) is current


@pytest.mark.parametrize("name", PLOTS)
def test_empty_table_draws_a_note(name, ax):
    plot, make = PLOTS[name]
    empty = make().iloc[0:0]
    assert plot(empty, ax=ax) is ax
    assert "No" in " ".join(t.get_text() for t in ax.texts)


@pytest.mark.parametrize("name", PLOTS)
def test_draws_under_the_workshop_style_and_saves(name, tmp_path):
    plot, make = PLOTS[name]
    with workshop_style():
        fig = plt.figure()
        ax = plot(make(), ax=fig.add_subplot(), title="A title")
        add_caption(ax, "n = 3 leads")
        fig.savefig(tmp_path / "chart.png", dpi=40)
    assert "A title" in all_texts(ax)
    assert (tmp_path / "chart.png").stat().st_size > 0


# ---------------------------------------------------------------------------
# Response rates
# ---------------------------------------------------------------------------
def test_response_rates_bars_whiskers_and_labels(ax):
    table = response_table()
    plot_response_rates(table, ax=ax)
    bars = bar_patches(ax)  # horizontal: the bar's length is its width
    assert len(bars) == 3
    assert [b.get_width() for b in bars] == pytest.approx(table["rate"].tolist())
    w = whiskers(ax, horizontal=True)
    assert w[:, 0] == pytest.approx([b.get_y() + b.get_height() / 2 for b in bars])
    assert w[:, 1] == pytest.approx(table["ci_low"].tolist())
    assert w[:, 2] == pytest.approx(table["ci_high"].tolist())
    texts = " | ".join(all_texts(ax))
    for n in ("n = 40", "n = 120", "n = 6"):
        assert n in texts
    assert "Alumni" in texts and "LinkedIn" in texts
    assert "50%" in texts and "15%" in texts
    assert "n = 40 · +3 pending" in texts and "n = 120\n" not in texts
    assert "+4 pending" not in texts  # only pending leads per group are listed
    assert "pending: too recent" in texts
    assert "n < 10: too few to tell" in texts
    assert ax.xaxis.get_major_formatter()(0.5, 0) == "50%"
    assert max(ax.get_xticks()) <= 1  # no tick beyond 100%


def test_response_rates_rows_are_labelled_beside_their_bars_without_ticks(ax):
    plot_response_rates(response_table(), ax=ax)
    assert len(ax.get_yticks()) == 0  # the labels below name the rows
    renderer = ax.figure.canvas.get_renderer()
    ax.figure.draw(renderer)
    centres = ax.transData.transform([(0, b.get_y() + b.get_height() / 2)
                                      for b in bar_patches(ax)])[:, 1]
    names = [t for t in ax.texts if t.get_gid() == "group"]
    subs = [t for t in ax.texts if t.get_gid() == "n"]
    assert [t.get_text() for t in names] == ["Alumni", "LinkedIn", "Phone"]
    for centre, name, sub in zip(centres, names, subs, strict=True):
        name_box, sub_box = name.get_window_extent(renderer), sub.get_window_extent(renderer)
        assert sub_box.y1 < centre < name_box.y0  # the name just above, n just below
        assert max(name_box.x1, sub_box.x1) < ax.bbox.x0  # left of the plot


def test_response_rates_small_sample_bars_are_hatched_and_lighter(ax):
    plot_response_rates(response_table(), ax=ax)
    bars = bar_patches(ax)
    assert [bool(b.get_hatch()) for b in bars] == [False, False, True]
    assert bars[2].get_alpha() < 1


def test_response_rates_sorted_and_suppressed_rows(ax):
    table = response_table().assign(suppressed=[False, False, True])
    table.loc[2, ["rate", "ci_low", "ci_high"]] = np.nan
    plot_response_rates(table, ax=ax, sort=True)
    assert [b.get_width() for b in bar_patches(ax)] == pytest.approx([0.5, 0.15])
    assert "Phone" not in " ".join(all_texts(ax))


def test_response_rates_accept_nullable_dtypes(ax):
    table = response_table().astype({"rate": "Float64", "n": "Int64", "pending": "Int64",
                                      "small_sample": "boolean"})
    table.loc[1, "pending"] = pd.NA
    plot_response_rates(table, ax=ax)
    assert len(bar_patches(ax)) == 3


# ---------------------------------------------------------------------------
# Offer conversion against the benchmark
# ---------------------------------------------------------------------------
def benchmark_line(ax):
    return next(line for line in ax.lines if line.get_gid() == "benchmark")


def test_offer_conversion_against_benchmark(ax):
    table = offer_table()
    plot_offer_conversion(table, ax=ax)
    bars = bar_patches(ax)
    assert [b.get_height() for b in bars] == pytest.approx([4 / 60])
    assert np.unique(benchmark_line(ax).get_ydata()) == pytest.approx([1 / 12])
    w = whiskers(ax)
    assert w[0, 1:] == pytest.approx([0.0262, 0.1592])
    texts = " | ".join(all_texts(ax))
    assert "Benchmark: 1 in 12" in texts
    # 1 / 0.1592 = 6.28 -> "1 in 6"; 1 / 0.0262 = 38.2 -> "1 in 38" (as metrics.format_one_in)
    assert "1 in 15\n(plausible range 1 in 6 to 1 in 38)" in texts
    assert "n = 60" in texts
    assert "5.0 expected" in texts


def test_offer_conversion_by_group_with_zero_offers(ax):
    table = offer_table(by=True)
    plot_offer_conversion(table, ax=ax)
    assert [b.get_height() for b in bar_patches(ax)] == pytest.approx([4 / 60, 0.0])
    texts = " | ".join(all_texts(ax))
    assert "1 in 15 (plausible range 1 in 6 to 1 in 38)" in texts
    # 1 / 0.3244 = 3.08
    assert "No offers in 8 (plausible range: 1 in 3 or rarer)" in texts
    assert "2025 Spring\nn = 60" in texts and "2025 Fall\nn = 8" in texts
    assert len([line for line in ax.lines if line.get_gid() == "benchmark"]) == 1


def test_offer_conversion_application_benchmark(ax):
    table = offer_table().assign(activity="application", n=400, offers=2, rate=0.005,
                                 benchmark=1 / 200, benchmark_label="1 in 200")
    plot_offer_conversion(table, ax=ax)
    assert np.unique(benchmark_line(ax).get_ydata()) == pytest.approx([0.005])
    assert "Benchmark: 1 in 200" in all_texts(ax)
    assert ax.get_ylabel() == "Offers per application"


# ---------------------------------------------------------------------------
# Funnel, referral yield, cohort outcomes
# ---------------------------------------------------------------------------
def test_funnel_counts_and_step_rates(ax):
    table = funnel_table()
    plot_funnel(table, ax=ax)
    assert [b.get_height() for b in bar_patches(ax)] == pytest.approx(table["count"].tolist())
    texts = " | ".join(all_texts(ax))
    assert "Info interview\n50% of prev." in texts  # 30 / 60
    assert "60 (30%)" in texts  # 60 leads, 30% of 200 contacted


def test_funnel_by_group_draws_rates_with_intervals(ax):
    table = pd.concat([funnel_table().assign(activity="networking"),
                       funnel_table().assign(activity="application")], ignore_index=True)
    table = table[["activity", *funnel_table().columns]]
    plot_funnel(table, ax=ax)
    bars = bar_patches(ax)
    assert len(bars) == 12
    assert sorted(b.get_height() for b in bars) == pytest.approx(sorted(table["rate"]))
    assert sorted(whiskers(ax)[:, 2]) == pytest.approx(sorted(table["ci_high"]))
    assert any("Networking (n = 200)" in t for t in all_texts(ax))


def test_referral_yield_bars(ax):
    table = referral_table()
    plot_referral_yield(table, ax=ax)
    assert [b.get_width() for b in bar_patches(ax)] == pytest.approx(table["per_interview"])
    assert whiskers(ax, horizontal=True)[:, 1] == pytest.approx(table["ci_low"].tolist())
    texts = all_texts(ax)
    assert {"Tech", "n = 30 interviews", "0.80", "0.14"} <= set(texts)
    assert "n < 10: too few to tell" in " | ".join(texts)


def test_cohort_outcomes_bars(ax):
    table = cohort_table()
    plot_cohort_outcomes(table, ax=ax)
    assert [b.get_height() for b in bar_patches(ax)] == pytest.approx([0.45, 0.25])
    assert whiskers(ax)[:, 2] == pytest.approx([0.66, 0.59])
    texts = " | ".join(all_texts(ax))
    assert "n = 20 seekers" in texts and "45%" in texts


# ---------------------------------------------------------------------------
# Chains, time to response, weekly activity
# ---------------------------------------------------------------------------
def test_referral_chains_draws_every_edge_and_node(ax):
    stages = {("S1", "Ana"): "info_interview", ("S1", "Eve"): "offer"}
    plot_referral_chains(edges_table(), chains=chains_table(), stages=stages, ax=ax)
    edges = [line for line in ax.lines if line.get_gid() == "edge"]
    assert len(edges) == 4
    nodes = next(c for c in ax.collections if c.get_gid() == "nodes")
    assert len(nodes.get_offsets()) == 6
    colors = [mpl.colors.to_hex(c) for c in nodes.get_facecolors()]
    assert charts.STAGE_COLORS["offer"].lower() in colors
    texts = all_texts(ax)
    assert {"Ana", "Eve", "Fay"} <= set(texts)
    assert "Chain 1" in texts


def test_referral_chains_without_names(ax):
    plot_referral_chains(edges_table(), ax=ax, show_names=False, max_chains=1)
    assert "Ana" not in all_texts(ax)
    assert len([line for line in ax.lines if line.get_gid() == "edge"]) == 3


def test_time_to_response_steps_start_at_zero(ax):
    plot_time_to_response(km_table(), ax=ax)
    curves = [line for line in ax.lines if line.get_gid() == "km"]
    assert len(curves) == 2
    alumni = curves[0]
    assert alumni.get_ydata()[0] == 0 and alumni.get_ydata()[-1] == pytest.approx(0.5)
    assert "Alumni (n = 40)" in all_texts(ax)


def test_weekly_activity_total_and_by_group(ax):
    table = pd.DataFrame({
        "cohort": ["A", "A", "B"],
        "week": pd.to_datetime(["2025-01-06", "2025-01-13", "2025-01-06"]),
        "outreach": [3, 4, 5],
    })
    plot_weekly_activity(table, ax=ax)
    assert sorted(p.get_height() for p in ax.patches) == [4, 8]
    fig, ax2 = plt.subplots()
    plot_weekly_activity(table, ax=ax2, by="cohort")
    assert len([line for line in ax2.lines if line.get_gid() == "activity"]) == 2


# ---------------------------------------------------------------------------
# Captions
# ---------------------------------------------------------------------------
def test_caption_text_in_full():
    source = ("1 in 12 — widely quoted career-advice figure (Hansen, A Foot in the Door); "
              "no published primary study.")
    text = caption_text(n=412, date_range=(pd.Timestamp("2025-01-06"),
                                           pd.Timestamp("2025-04-25")),
                        source=source, note="Comparisons between channels are observational.")
    assert text == (
        "n = 412 leads · contacted 2025-01-06 to 2025-04-25 · Benchmark: 1 in 12 — widely "
        "quoted career-advice figure (Hansen, A Foot in the Door); no published primary "
        "study. Comparisons between channels are observational."
    )
    assert caption_text(n=1500) == "n = 1,500 leads"
    assert caption_text(n=3, note="Small.") == "n = 3 leads · Small."


def test_add_caption_writes_the_whole_text_and_makes_room():
    with workshop_style():
        fig, ax = plt.subplots()
        text = caption_text(n=412, date_range=("2025-01-06", "2025-04-25"),
                            source=("1 in 12 — a long footnote " * 8).strip())
        artist = add_caption(ax, text)
        fig.canvas.draw()
    assert artist in fig.texts
    assert artist.get_text().replace("\n", " ") == text
    caption_top = artist.get_window_extent().y1
    axes_bottom = ax.get_tightbbox().y0
    assert caption_top <= axes_bottom + 1  # the caption does not overlap the chart
    assert artist.get_window_extent().x1 <= fig.bbox.x1  # nor run off the page


def test_add_caption_without_layout_engine():
    fig, ax = plt.subplots(layout="none")
    add_caption(fig, "n = 3 leads")
    assert fig.subplotpars.bottom > 0.1
