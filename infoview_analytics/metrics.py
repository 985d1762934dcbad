"""Metrics: pure functions of the outreach log, each returning a tidy table.

Group columns come first, then ``n`` (the denominator) and the counts.
Nothing here draws or reads files.
"""

from __future__ import annotations

import pandas as pd

from .schema import STAGES

__all__ = ["funnel", "response_counts"]


def contacted(log: pd.DataFrame) -> pd.Series:
    """Leads that were actually contacted (planned / draft rows have no stage)."""
    return log["stage"].notna()


def funnel(log: pd.DataFrame) -> pd.DataFrame:
    """Leads that reached at least each stage, in funnel order.

    Returns
    -------
    pandas.DataFrame
        ``stage``, ``leads`` (reached at least this stage), ``of_previous``
        (share of the stage above) and ``of_contacted``.

    Examples
    --------
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_SEEKER_FILE
    >>> f = funnel(load_log(SAMPLE_SEEKER_FILE))
    >>> f["stage"].tolist()[:3]
    ['contacted', 'responded', 'info_interview']
    >>> bool(f["leads"].is_monotonic_decreasing)
    True
    """
    codes = log["stage"].cat.codes.to_numpy()
    counts = [int((codes >= i).sum()) for i in range(len(STAGES))]
    table = pd.DataFrame({"stage": list(STAGES), "leads": counts})
    previous = table["leads"].shift(1, fill_value=counts[0] if counts else 0)
    table["of_previous"] = (table["leads"] / previous.where(previous > 0)).astype("Float64")
    table["of_contacted"] = (table["leads"] / (counts[0] or float("nan"))).astype("Float64")
    return table


def response_counts(log: pd.DataFrame, by: str = "channel") -> pd.DataFrame:
    """Contacted leads and how many responded, per group.

    Returns
    -------
    pandas.DataFrame
        ``<by>``, ``n`` (contacted leads), ``responded``; groups with no
        contacted lead are left out.
    """
    sub = log.loc[contacted(log), [by, "responded"]]
    table = (
        sub.assign(responded=sub["responded"].fillna(False).astype(bool))
        .groupby(by, observed=True, sort=True)["responded"]
        .agg(n="size", responded="sum")
        .reset_index()
    )
    return table.astype({"n": int, "responded": int})
