"""``filter_log``: the rows of an outreach log that match a selection.

The interactive filter panel (:mod:`infoview_analytics.widgets`) and the
notebooks narrow the log with this one pure function, so what a counselor
sees after picking "2025 Spring" and "Tech" is exactly what the metrics
compute on ``filter_log(log, cohort="2025 Spring", industry="Tech")``.

Missing values are selectable under the labels the metrics give them:
``"unassigned"`` for a missing cohort, ``"unknown"`` for any other missing
value (so a metric's group row and the filter for it always agree).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FILTER_COLUMNS", "filter_log", "filter_options"]

#: The log columns a selection can narrow, in the order the panel shows them.
FILTER_COLUMNS = ("cohort", "seeker", "industry", "channel", "activity")

Selection = str | Iterable[Any] | None


def _missing_label(column: str) -> str:
    return "unassigned" if column == "cohort" else "unknown"


def _matches(log: pd.DataFrame, column: str, wanted: list[str]) -> np.ndarray:
    """Rows whose value, as text (missing ones under their label, as the metrics group
    them), is one of *wanted*; each distinct value is compared once."""
    if column not in log.columns:
        return np.full(len(log), _missing_label(column) in wanted)
    codes, uniques = pd.factorize(log[column], use_na_sentinel=True)
    labels = np.array([str(u) for u in uniques] + [_missing_label(column)], dtype=object)
    return np.isin(labels, wanted)[codes]


def _wanted(value: Selection) -> list[str]:
    """One value or a collection of them, as a list of strings."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        return [str(value)]
    return [str(v) for v in value]


def _day(value: Any, name: str) -> pd.Timestamp:
    try:
        day = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r} is not a date; use YYYY-MM-DD") from None
    if pd.isna(day):
        raise ValueError(f"{name}={value!r} is not a date; use YYYY-MM-DD")
    return day.tz_localize(None).normalize() if day.tzinfo else day.normalize()


def filter_log(
    log: pd.DataFrame,
    *,
    cohort: Selection = None,
    seeker: Selection = None,
    industry: Selection = None,
    channel: Selection = None,
    activity: Selection = None,
    start: Any = None,
    end: Any = None,
) -> pd.DataFrame:
    """The leads of ``log`` that match every given filter.

    Parameters
    ----------
    log : pandas.DataFrame
        A canonical outreach log (``load_log``). It is not changed.
    cohort, seeker, industry, channel, activity : str, collection of str, or None
        Keep leads whose value is this one (a string) or any of these (a
        list, tuple, set, ...). ``None`` does not filter. Values are compared
        as text, exactly; a missing cohort is ``"unassigned"`` and any other
        missing value ``"unknown"``. A value the log does not have matches
        nothing, and an empty collection keeps no lead.
    start, end : date-like or None
        Keep leads first contacted on or after ``start`` and on or before
        ``end`` (whole days, both inclusive). A lead without
        ``contacted_on`` is left out when either is given.

    Returns
    -------
    pandas.DataFrame
        A copy of the matching rows with the same columns, dtypes (category
        lists included) and index labels as ``log``.

    Raises
    ------
    ValueError
        ``start`` or ``end`` is not a date, or ``start`` is after ``end``.

    Examples
    --------
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_SEEKER_FILE
    >>> log = load_log(SAMPLE_SEEKER_FILE)
    >>> tech = filter_log(log, industry="Tech", channel=["linkedin", "email"])
    >>> bool(tech["industry"].eq("Tech").all()), list(tech.dtypes) == list(log.dtypes)
    (True, True)
    >>> len(filter_log(log, industry="No such industry"))
    0
    """
    keep = np.ones(len(log), dtype=bool)
    chosen = {"cohort": cohort, "seeker": seeker, "industry": industry, "channel": channel,
              "activity": activity}
    for column, value in chosen.items():
        if value is None:
            continue
        keep &= _matches(log, column, _wanted(value))
    first = _day(start, "start") if start is not None else None
    last = _day(end, "end") if end is not None else None
    if first is not None and last is not None and first > last:
        raise ValueError(
            f"start {first:%Y-%m-%d} is after end {last:%Y-%m-%d}: no lead can match; "
            "swap the two dates"
        )
    if first is not None or last is not None:
        day = (log["contacted_on"] if "contacted_on" in log.columns
               else pd.Series(pd.NaT, index=log.index))
        day = pd.to_datetime(day).dt.normalize()
        dated = day.notna().to_numpy(dtype=bool)
        keep &= dated
        if first is not None:
            keep &= (day >= first).to_numpy(dtype=bool, na_value=False)
        if last is not None:
            keep &= (day <= last).to_numpy(dtype=bool, na_value=False)
    return log.loc[keep].copy()


def filter_options(log: pd.DataFrame) -> dict[str, Any]:
    """The choices a filter panel offers for ``log``.

    Returns
    -------
    dict
        ``cohort``, ``seeker``, ``industry``, ``channel``, ``activity``: the
        values present in the log, as strings (category order for categories,
        alphabetical otherwise), with ``"unassigned"`` / ``"unknown"`` last
        when some leads have no value; ``start`` and ``end``: the first and
        last ``contacted_on`` (``pandas.Timestamp``, or ``None`` when no lead
        has a date). Every value can be passed back to :func:`filter_log`
        under the same key.

    Examples
    --------
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_SEEKER_FILE
    >>> options = filter_options(load_log(SAMPLE_SEEKER_FILE))
    >>> options["activity"], options["cohort"]
    (['networking', 'application'], ['unassigned'])
    >>> options["start"] <= options["end"]
    True
    """
    out: dict[str, Any] = {}
    for column in FILTER_COLUMNS:
        values = log[column] if column in log.columns else pd.Series(pd.NA, index=log.index)
        present = values.dropna()
        if isinstance(values.dtype, pd.CategoricalDtype):
            seen = set(present.astype(object))
            choices = [str(c) for c in values.cat.categories if c in seen]
        else:
            choices = sorted({str(v) for v in present}, key=lambda s: (s.casefold(), s))
        missing = _missing_label(column)
        if values.isna().any() and missing not in choices:
            choices.append(missing)
        out[column] = choices
    dates = (pd.to_datetime(log["contacted_on"]).dropna() if "contacted_on" in log.columns
             else pd.Series([], dtype="datetime64[ns]"))
    out["start"] = dates.min().normalize() if len(dates) else None
    out["end"] = dates.max().normalize() if len(dates) else None
    return out
