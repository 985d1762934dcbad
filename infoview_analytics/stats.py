"""Interval estimates and exact tests for small counts.

Everything here is vectorised over NumPy arrays / pandas Series and returns
NaN where the question has no answer (no trials, no exposure) instead of
raising, so metric tables can carry empty groups.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats as _st

__all__ = ["wilson_interval", "binomial_test", "poisson_rate_interval", "one_in"]


def _float_array(values: ArrayLike) -> np.ndarray:
    """*values* as a float array, pandas ``<NA>`` as NaN."""
    if isinstance(values, pd.Series | pd.Index):
        return values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    shape = np.shape(values)
    flat = pd.Series(np.ravel(np.asarray(values, dtype=object)), dtype=object)
    return flat.astype("Float64").to_numpy(dtype=float, na_value=np.nan).reshape(shape)


def _out(result: np.ndarray, like: ArrayLike) -> Any:
    """Return a float for scalar input, a Series for Series input, else an array."""
    if isinstance(like, pd.Series):
        return pd.Series(result, index=like.index, dtype=float)
    if np.ndim(like) == 0:
        return float(result)
    return result


def wilson_interval(
    successes: ArrayLike, n: ArrayLike, *, alpha: float = 0.05
) -> tuple[Any, Any]:
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    successes, n : int, array-like or Series
        Number of successes and of trials (broadcast together).
    alpha : float
        1 - confidence level (0.05 gives a 95% interval).

    Returns
    -------
    (low, high)
        Floats for scalar input, Series for Series input (index of
        *successes*), otherwise arrays. NaN where ``n == 0`` or a value is
        missing. Exactly 0 at ``successes == 0`` and exactly 1 at
        ``successes == n``.

    Notes
    -----
    The score interval without continuity correction, the same as R's
    ``prop.test(x, n, correct = FALSE)$conf.int`` and statsmodels'
    ``proportion_confint(method="wilson")``. Unlike the Wald interval it
    stays inside [0, 1] and keeps close to its nominal coverage at small n
    and at rates near 0 or 1 (Brown, Cai & DasGupta 2001).

    References
    ----------
    .. [1] Wilson, E. B. (1927). Probable inference, the law of succession,
       and statistical inference. *JASA* 22(158), 209-212.
    .. [2] Brown, L. D., Cai, T. T., DasGupta, A. (2001). Interval estimation
       for a binomial proportion. *Statistical Science* 16(2), 101-133.

    Examples
    --------
    >>> low, high = wilson_interval(3, 12)
    >>> round(low, 4), round(high, 4)
    (0.0889, 0.5323)
    >>> wilson_interval(0, 10)[0]
    0.0
    """
    x = _float_array(successes)
    m = _float_array(n)
    x, m = np.broadcast_arrays(x, m)
    z = _st.norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / m
        denom = 1 + z**2 / m
        centre = (p + z**2 / (2 * m)) / denom
        half = z * np.sqrt(p * (1 - p) / m + z**2 / (4 * m**2)) / denom
        low = np.clip(centre - half, 0.0, 1.0)
        high = np.clip(centre + half, 0.0, 1.0)
    bad = ~(m > 0) | np.isnan(x)
    low = np.where(x == 0, 0.0, low)
    high = np.where(x == m, 1.0, high)
    low = np.where(bad, np.nan, low)
    high = np.where(bad, np.nan, high)
    like = successes if isinstance(successes, pd.Series) or np.ndim(n) == 0 else n
    return _out(low, like), _out(high, like)


def binomial_test(k: ArrayLike, n: ArrayLike, p: ArrayLike) -> Any:
    """Exact two-sided binomial test of ``k`` successes in ``n`` trials against rate ``p``.

    Parameters
    ----------
    k, n : int or array-like
        Successes and trials (broadcast together with *p*).
    p : float or array-like
        Rate under the null hypothesis, e.g. a benchmark such as 1/12.

    Returns
    -------
    float, array or Series
        The p-value: the probability, if the true rate were *p*, of a result
        at most as likely as the one seen (the "minimum likelihood" two-sided
        rule of R's ``binom.test`` and :func:`scipy.stats.binomtest`). NaN
        where ``n == 0`` or anything is missing.

    References
    ----------
    .. [1] Clopper, C. J., Pearson, E. S. (1934); R Core Team, ``binom.test``.
    .. [2] :func:`scipy.stats.binomtest`.

    Examples
    --------
    >>> round(binomial_test(0, 50, 1 / 12), 4)
    0.0204
    >>> binomial_test(1, 12, 1 / 12)
    1.0
    """
    ks, ns, ps = np.broadcast_arrays(_float_array(k), _float_array(n), _float_array(p))
    out = np.full(ks.shape, np.nan)
    for i in np.ndindex(ks.shape):
        if np.isnan(ks[i]) or np.isnan(ns[i]) or np.isnan(ps[i]) or ns[i] < 1:
            continue
        if not 0 <= ps[i] <= 1 or not 0 <= ks[i] <= ns[i]:
            continue
        out[i] = _st.binomtest(int(ks[i]), int(ns[i]), float(ps[i])).pvalue
    like = k if isinstance(k, pd.Series) or np.ndim(n) == 0 else n
    return _out(out, like)


def poisson_rate_interval(
    events: ArrayLike, exposure: ArrayLike, *, alpha: float = 0.05
) -> tuple[Any, Any]:
    """Exact (Garwood) interval for a Poisson rate: *events* per unit of *exposure*.

    Used for referrals per informational interview: *events* is the number of
    referrals, *exposure* the number of interviews.

    Parameters
    ----------
    events : int or array-like
        Observed count.
    exposure : float or array-like
        Units the count was observed over (must be > 0).
    alpha : float
        1 - confidence level.

    Returns
    -------
    (low, high)
        ``chi2.ppf(alpha/2, 2k) / 2 / exposure`` and
        ``chi2.ppf(1 - alpha/2, 2k + 2) / 2 / exposure``; the lower limit is
        exactly 0 when ``events == 0``. NaN where ``exposure`` is 0 or missing.

    References
    ----------
    .. [1] Garwood, F. (1936). Fiducial limits for the Poisson distribution.
       *Biometrika* 28(3/4), 437-442.
    .. [2] Ulm, K. (1990). A simple method to calculate the confidence interval
       of a standardized mortality ratio. *Am. J. Epidemiol.* 131(2), 373-375.

    Examples
    --------
    >>> low, high = poisson_rate_interval(0, 1)
    >>> low, round(high, 4)
    (0.0, 3.6889)
    """
    k = _float_array(events)
    t = _float_array(exposure)
    k, t = np.broadcast_arrays(k, t)
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(k > 0, _st.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0) / t
        high = _st.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2 / t
    bad = ~(t > 0) | np.isnan(k)
    low = np.where(bad, np.nan, low)
    high = np.where(bad, np.nan, high)
    like = events if isinstance(events, pd.Series) or np.ndim(exposure) == 0 else exposure
    return _out(low, like), _out(high, like)


def one_in(rate: ArrayLike) -> Any:
    """A rate as "1 in N": ``1 / rate``, infinite for a rate of 0, NaN for missing.

    Examples
    --------
    >>> one_in(0.25), one_in(0.0)
    (4.0, inf)
    """
    r = _float_array(rate)
    with np.errstate(divide="ignore"):
        out = np.where(r == 0, np.inf, 1.0 / r)
    return _out(out, rate)
