"""Intervals and tests against published values and exact arithmetic."""

from __future__ import annotations

from fractions import Fraction
from math import comb

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from infoview_analytics.benchmarks import (
    APPLICATION_TO_OFFER,
    BENCHMARKS,
    INFO_INTERVIEW_TO_OFFER,
    POSTING_APPLICANT_HIRE,
    REFERRED_HIRE,
    Benchmark,
)
from infoview_analytics.stats import binomial_test, one_in, poisson_rate_interval, wilson_interval

# Wilson score interval, 95%, no continuity correction. Sources:
# * Newcombe (1998), Stat Med 17:857-872, Table I, method 3 (score interval):
#   81/263, 15/148, 0/20, 1/29 as printed there.
# * the rest: the closed form (Wilson 1927; Brown, Cai & DasGupta 2001 eq. 4),
#   evaluated with 40-digit decimals, z = 1.959963984540054; the same as
#   R prop.test(x, n, correct = FALSE)$conf.int, which computes this formula.
WILSON_95 = [
    (81, 263, 0.2553, 0.3662),  # Newcombe 1998
    (15, 148, 0.0624, 0.1605),  # Newcombe 1998
    (0, 20, 0.0, 0.1611),  # Newcombe 1998
    (1, 29, 0.0061, 0.1718),  # Newcombe 1998
    (0, 10, 0.0, 0.2775),  # closed form: high = z^2 / (n + z^2) = 3.8415 / 13.8415
    (3, 12, 0.0889, 0.5323),  # closed form
    (10, 10, 0.7225, 1.0),  # closed form: low = n / (n + z^2) = 10 / 13.8415
    (5, 8, 0.3057, 0.8632),  # closed form
]


@pytest.mark.parametrize(("x", "n", "low", "high"), WILSON_95)
def test_wilson_known_values(x, n, low, high):
    lo, hi = wilson_interval(x, n)
    assert lo == pytest.approx(low, abs=5e-5)
    assert hi == pytest.approx(high, abs=5e-5)


def test_wilson_exact_at_the_ends_and_nan_without_trials():
    assert wilson_interval(0, 7)[0] == 0.0
    assert wilson_interval(7, 7)[1] == 1.0
    lo, hi = wilson_interval(0, 0)
    assert np.isnan(lo) and np.isnan(hi)


def test_wilson_is_vectorised_and_keeps_the_series_index():
    x = pd.Series([0, 3, pd.NA], index=["a", "b", "c"], dtype="Int64")
    n = pd.Series([10, 12, 5], index=["a", "b", "c"], dtype="Int64")
    lo, hi = wilson_interval(x, n)
    assert list(lo.index) == ["a", "b", "c"]
    assert lo["a"] == 0.0 and hi["a"] == pytest.approx(0.2775, abs=5e-5)
    assert lo["b"] == pytest.approx(0.0889, abs=5e-5)
    assert np.isnan(lo["c"]) and np.isnan(hi["c"])
    lo, hi = wilson_interval(np.array([0, 3]), np.array([10, 12]))
    assert hi == pytest.approx([0.2775, 0.5323], abs=5e-5)


def test_wilson_alpha_widens_the_interval():
    lo95, hi95 = wilson_interval(3, 12)
    lo99, hi99 = wilson_interval(3, 12, alpha=0.01)
    assert lo99 < lo95 and hi99 > hi95


@given(st.integers(0, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.sampled_from([0.01, 0.05, 0.1, 0.32]))
def test_wilson_contains_the_rate(xn, alpha):
    x, n = xn
    lo, hi = wilson_interval(x, n, alpha=alpha)
    if n == 0:
        assert np.isnan(lo) and np.isnan(hi)
    else:
        assert 0.0 <= lo <= x / n <= hi <= 1.0


def _binom_test_exact(k: int, n: int, p: Fraction) -> float:
    """R's binom.test two-sided rule in exact rational arithmetic: sum the
    probabilities of outcomes no more likely than k (relative tolerance 1e-7)."""
    probs = [comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]
    return float(sum(q for q in probs if q <= probs[k] * (1 + Fraction(1, 10**7))))


# Exact two-sided binomial p-values. binom.test(1, 12, 1/12)$p.value = 1:
# 1 is the most likely count. binom.test(0, 50, 1/12): P(0) = (11/12)^50 =
# 0.012893; adding the upper tail k >= 9 no more likely gives 0.020369
# (the often-quoted 0.0229 does not survive this check).
BINOMIAL = [
    (1, 12, Fraction(1, 12), 1.0),
    (0, 50, Fraction(1, 12), 0.0203691),
    (4, 5, Fraction(1, 12), 56 / 12**5),  # P(4) + P(5) = (5*11 + 1) / 12^5
    (1, 2, Fraction(1, 200), 0.009975),  # P(1) + P(2) = 2*.005*.995 + .005^2
    (0, 12, Fraction(1, 12), 0.6160048),
]


@pytest.mark.parametrize(("k", "n", "p", "expected"), BINOMIAL)
def test_binomial_test_known_values(k, n, p, expected):
    assert _binom_test_exact(k, n, p) == pytest.approx(expected, rel=1e-6)  # the reference
    assert binomial_test(k, n, float(p)) == pytest.approx(expected, rel=1e-6)


def test_binomial_test_vectorised_with_nan_for_no_trials():
    out = binomial_test(pd.Series([1, 0]), pd.Series([12, 0]), 1 / 12)
    assert out.iloc[0] == pytest.approx(1.0) and np.isnan(out.iloc[1])


# Exact Poisson (Garwood) 95% limits, checked by solving P(X >= k; mu) = 0.025
# and P(X <= k; mu) = 0.025 for mu with scipy.stats.poisson and brentq; they
# match the classic tables (k = 0 -> 3.689, the "rule of 3.7").
GARWOOD_95 = [(0, 0.0, 3.6889), (1, 0.0253, 5.5716), (2, 0.2422, 7.2247),
              (5, 1.6235, 11.6683), (10, 4.7954, 18.3904)]


@pytest.mark.parametrize(("k", "low", "high"), GARWOOD_95)
def test_poisson_interval_known_values(k, low, high):
    lo, hi = poisson_rate_interval(k, 1)
    assert lo == pytest.approx(low, abs=5e-5) and hi == pytest.approx(high, abs=5e-5)
    lo4, hi4 = poisson_rate_interval(k, 4)  # a rate per unit: limits divide by the exposure
    assert lo4 == pytest.approx(low / 4, abs=5e-5) and hi4 == pytest.approx(high / 4, abs=5e-5)


def test_poisson_interval_nan_without_exposure():
    lo, hi = poisson_rate_interval(pd.Series([3, 0]), pd.Series([2, 0]))
    assert lo.iloc[0] > 0 and np.isnan(lo.iloc[1]) and np.isnan(hi.iloc[1])


def test_one_in():
    assert one_in(0.25) == 4.0
    assert one_in(0.0) == np.inf
    assert np.isnan(one_in(float("nan")))
    assert one_in(pd.Series([0.5, 0.0])).tolist() == [2.0, np.inf]


def test_benchmarks_have_rates_labels_and_sources():
    assert INFO_INTERVIEW_TO_OFFER.rate == pytest.approx(1 / 12)
    assert INFO_INTERVIEW_TO_OFFER.label == "1 in 12"
    assert "Hansen" in INFO_INTERVIEW_TO_OFFER.source
    assert "no published primary study" in INFO_INTERVIEW_TO_OFFER.source
    assert APPLICATION_TO_OFFER.rate == pytest.approx(1 / 200)
    assert "1,500" in APPLICATION_TO_OFFER.source
    assert REFERRED_HIRE.rate == pytest.approx(1 / 16) and "Lever" in REFERRED_HIRE.source
    assert POSTING_APPLICANT_HIRE.rate == pytest.approx(1 / 152)
    assert set(BENCHMARKS) == {b.name for b in BENCHMARKS.values()}
    assert len(BENCHMARKS) == 4
    with pytest.raises(AttributeError):
        INFO_INTERVIEW_TO_OFFER.rate = 0.5  # frozen
    assert isinstance(BENCHMARKS["referred_hire"], Benchmark)
