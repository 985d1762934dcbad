"""Workshop charts: one matplotlib function per metric table.

Every ``plot_<thing>`` takes a metric table (see ``metrics.py``) first and
everything else by keyword, draws on ``ax`` (the current Axes when ``None``),
never changes the table and always returns the Axes, even for an empty table
(it then says "No data to show"). Rates are labelled as percentages, every bar
carries its ``n``, intervals are drawn as whiskers from ``ci_low`` to
``ci_high``, and benchmarks as a labelled line at exactly ``y = benchmark``.
Rows flagged ``suppressed`` (see ``privacy.suppress_small``) are not drawn.

The workshop look (large type, 16:9, the Okabe-Ito colour-blind-safe palette,
no chart junk) is applied only on request: ``with workshop_style(): ...`` or
``use_workshop_style()``. Importing this module changes no matplotlib setting
and selects no backend.

Charts never read files or import the loader; they only draw tables.
"""

from __future__ import annotations

import contextlib
import math
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.layout_engine import ConstrainedLayoutEngine, TightLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter
from matplotlib.transforms import ScaledTranslation

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure
    from matplotlib.text import Text

__all__ = [
    "OKABE_ITO",
    "PALETTE",
    "STAGE_COLORS",
    "WORKSHOP_RC",
    "workshop_style",
    "use_workshop_style",
    "plot_funnel",
    "plot_response_rates",
    "plot_offer_conversion",
    "plot_referral_yield",
    "plot_referral_chains",
    "plot_time_to_response",
    "plot_weekly_activity",
    "plot_cohort_outcomes",
    "add_caption",
    "caption_text",
]

#: The Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"),
#: distinguishable with the common colour-vision deficiencies.
OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "bluish_green": "#009E73",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "sky_blue": "#56B4E9",
    "black": "#000000",
    "yellow": "#F0E442",  # last: faint on white, used only with eight groups
}
#: Colour cycle of the workshop style (Okabe-Ito, strongest colours first).
PALETTE: tuple[str, ...] = tuple(OKABE_ITO.values())
#: Node colour per furthest stage in referral chains.
STAGE_COLORS: dict[str, str] = {
    "contacted": "#BBBBBB",
    "responded": OKABE_ITO["sky_blue"],
    "info_interview": OKABE_ITO["blue"],
    "referred": OKABE_ITO["bluish_green"],
    "job_interview": OKABE_ITO["orange"],
    "offer": OKABE_ITO["vermillion"],
}

_BAR = OKABE_ITO["blue"]
_BENCHMARK = OKABE_ITO["vermillion"]
_INK = "#222222"
_MUTED = "#555555"
_SMALL_N = 10  # "too few to tell" below this n, when the table has no small_sample column

#: The workshop style: large type, 16:9 figures, colour-blind-safe colours,
#: no top/right spines, a light y grid, searchable text in SVG and PDF.
WORKSHOP_RC: dict[str, Any] = {
    "figure.figsize": (13.33, 7.5),
    "figure.dpi": 100,
    "figure.facecolor": "white",
    "figure.constrained_layout.use": True,
    "savefig.dpi": 200,
    "savefig.facecolor": "white",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "sans-serif"],
    "font.size": 18,
    "axes.titlesize": 26,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 18,
    "axes.labelsize": 20,
    "axes.labelcolor": _INK,
    "axes.labelpad": 10,
    "axes.edgecolor": "#666666",
    "axes.linewidth": 1.2,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "axes.prop_cycle": cycler(color=list(PALETTE)),
    "grid.color": "#DDDDDD",
    "grid.linewidth": 1.0,
    "xtick.labelsize": 17,
    "ytick.labelsize": 17,
    "xtick.color": _INK,
    "ytick.color": _INK,
    "legend.fontsize": 16,
    "legend.frameon": False,
    "lines.linewidth": 3,
    "text.color": _INK,
    "svg.fonttype": "none",  # text stays text in SVG (searchable, editable)
    "svg.hashsalt": "infoview-analytics",  # stable ids, so re-exports are identical
    "pdf.fonttype": 42,  # TrueType in PDF: text is searchable and editable
    "ps.fonttype": 42,
}


@contextlib.contextmanager
def workshop_style() -> Iterator[None]:
    """Apply the workshop style inside a ``with`` block only.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> with workshop_style():
    ...     mpl.rcParams["font.size"] >= 16
    True
    """
    with mpl.rc_context(WORKSHOP_RC):
        yield


def use_workshop_style() -> None:
    """Apply the workshop style for the rest of the session (``matplotlib.rcParams``)."""
    mpl.rcParams.update(WORKSHOP_RC)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
_LABELS = {
    "linkedin": "LinkedIn",
    "warm_intro": "Warm intro",
    "info_interview": "Info interview",
    "job_interview": "Job interview",
    "in_person": "In person",
    "job_board": "Job board",
    "company_site": "Company site",
}


def _pretty(value: object) -> str:
    """A readable label for a group value: ``warm_intro`` -> ``Warm intro``."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "(missing)"
    text = str(value)
    if text in _LABELS:
        return _LABELS[text]
    if text.islower() and " " not in text:
        return text.replace("_", " ").capitalize()
    return text


def _get_ax(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # only when no Axes is given: never at import

    return plt.gca()


def _floats(values: pd.Series | Sequence[float]) -> np.ndarray:
    """Numbers as a float array, missing values as NaN (handles pandas' nullable dtypes)."""
    series = pd.Series(values)
    return pd.to_numeric(series, errors="coerce").astype("float64").to_numpy(na_value=np.nan)


def _visible(table: pd.DataFrame, value: str | None = None) -> pd.DataFrame:
    """The rows to draw: not suppressed, and with a value when ``value`` is given."""
    keep = pd.Series(True, index=table.index)
    if "suppressed" in table.columns:
        keep &= ~table["suppressed"].astype("boolean").fillna(False).astype(bool)
    if value is not None and value in table.columns:
        keep &= ~np.isnan(_floats(table[value]))
    return table.loc[keep.to_numpy()]


def _group_columns(table: pd.DataFrame, first_metric: str) -> list[str]:
    """The ``[by...]`` columns: those before the first metric column."""
    if first_metric not in table.columns:
        return []
    return list(table.columns[: list(table.columns).index(first_metric)])


def _group_labels(table: pd.DataFrame, by: Sequence[str], default: str = "All") -> list[str]:
    if not by:
        return [default] * len(table)
    parts = [table[c].map(_pretty).astype(str).tolist() for c in by]
    return [" · ".join(p) for p in zip(*parts, strict=True)]


def _start(ax: Axes | None, title: str | None, table: pd.DataFrame,
           value: str) -> tuple[Axes, pd.DataFrame | None]:
    """The Axes (titled) and the rows with a *value* to draw; ``None`` (after saying
    "No data to show" on the Axes) when there are none."""
    ax = _get_ax(ax)
    _set_title(ax, title)
    data = _visible(table, value)
    if data.empty:
        _no_data(ax)
        return ax, None
    return ax, data


def _no_data(ax: Axes, message: str = "No data to show") -> Axes:
    ax.text(
        0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center",
        fontsize="large", color=_MUTED, gid="no-data",
    )
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def _set_title(ax: Axes, title: str | None) -> None:
    if title:
        ax.set_title(title)


def _percent_axis(ax: Axes, axis: str = "y") -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(PercentFormatter(xmax=1, decimals=None))


def _fmt_count(n: float) -> str:
    return f"{int(round(n)):,}" if np.isfinite(n) else "?"


def _fmt_percent(p: float) -> str:
    if not np.isfinite(p):
        return ""
    if 0 < p < 0.01:
        return f"{p:.1%}"
    return f"{p:.0%}"


def _fmt_one_in(x: float) -> str:
    """The N of "1 in N", as ``metrics.format_one_in`` writes it (1.5, 7, 1,500)."""
    if not np.isfinite(x):
        return "∞"
    return f"{x:,.1f}" if x < 2 else f"{x:,.0f}"


def _label(ax: Axes, x: float, y: float, text: str, offset: tuple[float, float], *,
           x_in_axes: bool = False, **kwargs: Any) -> Text:
    """``text`` at data point (x, y), moved by ``offset`` points.

    What ``ax.annotate(text, (x, y), xytext=offset, textcoords="offset points")``
    draws, as a plain Text: an Annotation recomputes its anchor on every layout
    pass and draw, which made the panel's per-bar labels a large share of its
    redraw time.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to write.
    x, y : float
        The anchor in data coordinates; with ``x_in_axes``, ``x`` is a fraction
        of the Axes' width (``xycoords=("axes fraction", "data")``).
    text : str
        The label.
    offset : (float, float)
        Points right and up from the anchor.
    **kwargs
        Text properties (``ha``, ``va``, ``fontsize``, ``color``, ``gid``, ...).

    Returns
    -------
    matplotlib.text.Text
    """
    anchor = ax.get_yaxis_transform() if x_in_axes else ax.transData
    shift = ScaledTranslation(offset[0] / 72, offset[1] / 72,
                              ax.get_figure(root=True).dpi_scale_trans)
    return ax.text(x, y, text, transform=anchor + shift, **kwargs)


def _mark_small(patches: Sequence, small: np.ndarray, color: str) -> None:
    """Tag each bar for tests and make small-sample bars lighter and hatched."""
    for patch, is_small in zip(patches, small, strict=True):
        patch.set_gid("bar")
        if is_small:
            patch.set_alpha(0.4)
            patch.set_hatch("//")
            patch.set_edgecolor(color)


def _whiskers(ax: Axes, at: np.ndarray, low: np.ndarray, high: np.ndarray, *, cap: float,
              horizontal: bool) -> np.ndarray:
    """Interval whiskers with caps at positions ``at``; returns where an interval was drawn."""
    has_ci = ~(np.isnan(low) | np.isnan(high))
    if has_ci.any():
        along, across = (ax.hlines, ax.vlines) if horizontal else (ax.vlines, ax.hlines)
        pos = at[has_ci]
        along(pos, low[has_ci], high[has_ci], colors=_INK, linewidth=2.5, zorder=3,
              gid="interval")
        across(np.r_[low[has_ci], high[has_ci]], np.r_[pos, pos] - cap, np.r_[pos, pos] + cap,
               colors=_INK, linewidth=2.5, zorder=3, gid="interval-caps")
    return has_ci


def _interval_bars(
    ax: Axes,
    labels: Sequence[str],
    values: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    *,
    small: np.ndarray | None = None,
    color: str = _BAR,
    value_labels: Sequence[str] | None = None,
    width: float = 0.62,
    x: np.ndarray | None = None,
) -> None:
    """Bars with Wilson whiskers; small-sample bars lighter and hatched."""
    x = np.arange(len(values), dtype=float) if x is None else x
    small = np.zeros(len(values), dtype=bool) if small is None else small
    bars = ax.bar(x, np.nan_to_num(values), width=width, color=color, label="_bars", zorder=2)
    _mark_small(bars.patches, small, color)
    has_ci = _whiskers(ax, x, low, high, cap=width * 0.18, horizontal=False)
    if value_labels is not None:
        tops = np.where(has_ci, high, values)
        for xi, top, text in zip(x, np.nan_to_num(tops), value_labels, strict=True):
            _label(ax, xi, top, text, (0, 6), ha="center", va="bottom", fontsize="medium",
                   fontweight="bold", color=_INK, gid="value")
    ax.set_xticks(x, labels)
    ax.tick_params(axis="x", length=0)
    ax.set_xlim(x.min() - 0.6, x.max() + 0.6) if len(x) else None


def _interval_barh(
    ax: Axes,
    labels: Sequence[str],
    sub_labels: Sequence[str],
    values: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    *,
    small: np.ndarray,
    color: str,
    value_labels: Sequence[str],
    height: float = 0.62,
) -> None:
    """Horizontal bars (first row on top) with whiskers, the value beside each bar.

    Horizontal, so that any number of groups with long names stays legible.
    Each row is labelled on the left with the group's name and, under it in
    smaller type, ``sub_labels`` (n and notes). The value axis gets the grid.
    """
    y = np.arange(len(values), dtype=float)
    bars = ax.barh(y, np.nan_to_num(values), height=height, color=color, label="_bars",
                   zorder=2)
    _mark_small(bars.patches, small, color)
    has_ci = _whiskers(ax, y, low, high, cap=height * 0.18, horizontal=True)
    ends = np.nan_to_num(np.where(has_ci, np.fmax(high, values), values))
    for yi, end, text in zip(y, ends, value_labels, strict=True):
        _label(ax, end, yi, text, (8, 0), ha="left", va="center", fontsize="medium",
               fontweight="bold", color=_INK, gid="value")
    name_size = mpl.rcParams["ytick.labelsize"]
    for yi, name, sub in zip(y, labels, sub_labels, strict=True):
        _label(ax, 0, yi, name, (-10, 1), x_in_axes=True, ha="right", va="bottom",
               fontsize=name_size, color=_INK, gid="group")
        _label(ax, 0, yi, sub, (-10, -1), x_in_axes=True, ha="right", va="top",
               fontsize="small", color=_MUTED, gid="n")
    ax.set_yticks([])  # the labels above name the rows; ticks would draw nothing
    ax.set_ylim(len(y) - 0.4, -0.6)  # first row on top
    ax.grid(False)
    ax.grid(True, axis="x")


def _value_axis(ax: Axes, top: float, *, percent: bool) -> None:
    """x from 0 with room on the right for the value labels; ticks only up to 100%."""
    top = top if np.isfinite(top) and top > 0 else 1.0
    right = top * 1.3
    limit = min(right, 1.0) if percent else right
    ax.set_xlim(0, right)
    ticks = MaxNLocator(nbins=5, steps=[1, 2, 5, 10]).tick_values(0, limit)
    ax.set_xticks([t for t in ticks if 0 <= t <= limit + 1e-9])
    if percent:
        _percent_axis(ax, "x")


def _headroom(ax: Axes, top: float, factor: float = 1.22) -> None:
    top = top if np.isfinite(top) and top > 0 else 1.0
    ax.set_ylim(0, top * factor)


def _small_flags(table: pd.DataFrame, n: np.ndarray) -> np.ndarray:
    if "small_sample" in table.columns:
        return table["small_sample"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    return n < _SMALL_N


def _legend(ax: Axes, handles: list, **kwargs: Any) -> None:
    if handles:
        # Outside the plot, on the right: never on top of a bar, whisker or label.
        options = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "handlelength": 1.6,
                   "fontsize": "small", **kwargs}
        ax.legend(handles=handles, **options)


def _interval_handle(label: str = "95% interval (Wilson)") -> Line2D:
    return Line2D([], [], color=_INK, linewidth=2.5, label=label)


def _small_handle(color: str = _BAR) -> Patch:
    return Patch(facecolor=color, alpha=0.4, hatch="//", edgecolor=color,
                 label=f"n < {_SMALL_N}: too few to tell")


# ---------------------------------------------------------------------------
# Plots
# ---------------------------------------------------------------------------
def plot_funnel(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    by: str | None = None,
    title: str | None = None,
) -> Axes:
    """Leads reaching each stage, from contacted to offer.

    Without groups, bars show the number of leads at each stage, labelled with
    the count and its share of contacted leads; the step-to-step conversion
    (``step_rate``) is written under each stage. With a ``by`` column, grouped
    bars show each group's ``rate`` (share of its contacted leads) with intervals.

    Parameters
    ----------
    table : pandas.DataFrame
        From ``metrics.funnel``: [by...], ``stage``, ``n``, ``count``, ``rate``,
        ``ci_low``, ``ci_high``, ``step_rate``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.
    by : str, optional
        Group column; by default the first column before ``stage``, if any.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax, data = _start(ax, title, table, "count")
    if data is None:
        return ax
    groups = _group_columns(data, "stage")
    by = by if by is not None else (groups[0] if groups else None)
    if by is None or data[by].nunique() <= 1:
        return _funnel_counts(ax, data)
    return _funnel_grouped(ax, data, by)


def _funnel_counts(ax: Axes, data: pd.DataFrame) -> Axes:
    counts = _floats(data["count"])
    rates = _floats(data["rate"]) if "rate" in data else np.full(len(data), np.nan)
    steps = _floats(data["step_rate"]) if "step_rate" in data else np.full(len(data), np.nan)
    labels = []
    for i, stage in enumerate(data["stage"]):
        label = _pretty(stage)
        if i > 0 and np.isfinite(steps[i]):
            label += f"\n{_fmt_percent(steps[i])} of prev."
        labels.append(label)
    values = [
        f"{_fmt_count(c)}" + (f" ({_fmt_percent(r)})" if i and np.isfinite(r) else "")
        for i, (c, r) in enumerate(zip(counts, rates, strict=True))
    ]
    nan = np.full(len(counts), np.nan)
    _interval_bars(ax, labels, counts, nan, nan, value_labels=values, width=0.7)
    _headroom(ax, np.nanmax(counts), 1.25)
    ax.set_ylabel("Leads reaching the stage\n(% of contacted)")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(mpl.ticker.StrMethodFormatter("{x:,.0f}"))
    return ax


def _funnel_grouped(ax: Axes, data: pd.DataFrame, by: str) -> Axes:
    stages = list(dict.fromkeys(data["stage"].astype(str)))
    groups = list(dict.fromkeys(data[by].tolist()))
    width = 0.8 / len(groups)
    x0 = np.arange(len(stages), dtype=float)
    handles = []
    for i, group in enumerate(groups):
        rows = data.loc[(data[by] == group).to_numpy()].set_index(data.loc[
            (data[by] == group).to_numpy(), "stage"].astype(str))
        rows = rows.reindex(stages)
        color = PALETTE[i % len(PALETTE)]
        n = _floats(rows["n"]) if "n" in rows else np.full(len(stages), np.nan)
        _interval_bars(
            ax, [_pretty(s) for s in stages], _floats(rows["rate"]), _floats(rows["ci_low"]),
            _floats(rows["ci_high"]), color=color, width=width * 0.92,
            x=x0 - 0.4 + width * (i + 0.5),
        )
        first_n = n[0] if len(n) else np.nan
        handles.append(Patch(color=color, label=f"{_pretty(group)} (n = {_fmt_count(first_n)})"))
    ax.set_xticks(x0, [_pretty(s) for s in stages])
    ax.set_xlim(-0.6, len(stages) - 0.4)
    _headroom(ax, 1.0, 1.05)
    _percent_axis(ax)
    ax.set_ylabel("Share of contacted leads")
    _legend(ax, [*handles, _interval_handle()])
    return ax


def plot_response_rates(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    by: str | None = None,
    sort: bool = False,
    title: str | None = None,
    color: str = _BAR,
) -> Axes:
    """Response rate per group, with Wilson intervals, ``n`` and pending leads.

    Bars show ``rate`` (responded / n) for each group, whiskers its 95%
    interval; the tick label gives ``n`` and, when some leads are too recent
    to judge, how many are pending. Groups flagged ``small_sample`` (n < 10)
    are drawn lighter and hatched: too few to tell.

    Parameters
    ----------
    table : pandas.DataFrame
        From ``metrics.response_rates``: [by...], ``n``, ``responded``,
        ``rate``, ``ci_low``, ``ci_high``, ``pending``, ``small_sample``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.
    by : str, optional
        Group column; by default all columns before ``n``.
    sort : bool
        Order the bars by rate, highest first (default: the table's order).
    title : str, optional
        Axes title.
    color : str
        Bar colour.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> table = pd.DataFrame({"channel": ["alumni", "linkedin"], "n": [40, 8],
    ...     "responded": [20, 1], "rate": [0.5, 0.125], "ci_low": [0.35, 0.02],
    ...     "ci_high": [0.65, 0.47], "pending": [3, 0], "small_sample": [False, True]})
    >>> fig, ax = plt.subplots()
    >>> plot_response_rates(table, ax=ax) is ax
    True
    >>> plt.close(fig)
    """
    ax, data = _start(ax, title, table, "rate")
    if data is None:
        return ax
    if sort:
        data = data.iloc[np.argsort(-_floats(data["rate"]), kind="stable")]
    groups = [by] if by else _group_columns(data, "n")
    n = _floats(data["n"])
    pending = np.nan_to_num(_floats(data["pending"])) if "pending" in data \
        else np.zeros(len(data))
    rates = _floats(data["rate"])
    high = _floats(data["ci_high"])
    subs = [f"n = {_fmt_count(k)}" + (f" · +{_fmt_count(p)} pending" if p > 0 else "")
            for k, p in zip(n, pending, strict=True)]
    small = _small_flags(data, n)
    _interval_barh(ax, _group_labels(data, groups), subs, rates, _floats(data["ci_low"]), high,
                   small=small, color=color, value_labels=[_fmt_percent(r) for r in rates])
    _value_axis(ax, np.nanmax(np.r_[high, rates]), percent=True)
    ax.set_xlabel("Share of leads that replied")
    handles: list = [_interval_handle()]
    if small.any():
        handles.append(_small_handle(color))
    if pending.sum() > 0:
        handles.append(Patch(color="none", label="pending: too recent\nto judge, not counted"))
    _legend(ax, handles)
    return ax


def plot_offer_conversion(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    by: str | None = None,
    title: str | None = None,
    color: str = _BAR,
) -> Axes:
    """Offers per informational interview (or application) against the benchmark.

    Bars show the observed ``rate`` with its interval, the benchmark is a
    dashed line at exactly ``y = benchmark`` labelled with ``benchmark_label``,
    and each bar is annotated "1 in N (plausible range 1 in a to 1 in b)".

    Parameters
    ----------
    table : pandas.DataFrame
        From ``metrics.offer_conversion``: [by...], ``activity``, ``n``,
        ``offers``, ``rate``, ``ci_low``, ``ci_high``, ``one_in``,
        ``one_in_low``, ``one_in_high``, ``benchmark``, ``benchmark_label``,
        ``expected_offers``, ``ratio``, ``p_value``, ``small_sample``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.
    by : str, optional
        Group column; by default all columns before ``activity``.
    title : str, optional
        Axes title.
    color : str
        Bar colour.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax, data = _start(ax, title, table, "rate")
    if data is None:
        return ax
    groups = [by] if by else _group_columns(data, "activity" if "activity" in data else "n")
    activity = str(data["activity"].iloc[0]) if "activity" in data else "networking"
    unit = "informational interview" if activity == "networking" else activity
    n = _floats(data["n"])
    rates = _floats(data["rate"])
    low, high = _floats(data["ci_low"]), _floats(data["ci_high"])
    small = _small_flags(data, n)
    names = _group_labels(data, groups, default=f"All {unit}s")
    labels = [f"{name}\nn = {_fmt_count(k)}" for name, k in zip(names, n, strict=True)]
    texts = [_one_in_text(row) for _, row in data.iterrows()]
    if len(data) == 1:
        texts = [t.replace(" (", "\n(") for t in texts]
    width = 0.5 if len(data) > 1 else 0.35
    _interval_bars(ax, labels, rates, low, high, small=small, color=color, value_labels=texts,
                   width=width)
    benchmarks = _floats(data["benchmark"]) if "benchmark" in data else np.array([np.nan])
    top = np.nanmax(np.r_[high, rates, benchmarks])
    handles: list = [_interval_handle()]
    for value in np.unique(benchmarks[np.isfinite(benchmarks)]):
        where = np.flatnonzero(benchmarks == value)[0]
        label = data["benchmark_label"].iloc[where] if "benchmark_label" in data else None
        text = f"Benchmark: {label}" if label else f"Benchmark: {_fmt_percent(value)}"
        ax.axhline(value, color=_BENCHMARK, linestyle="--", linewidth=3, zorder=4,
                   gid="benchmark", label=text)
        _label(ax, 1, value, text, (-4, 6), x_in_axes=True, ha="right", va="bottom",
               color=_BENCHMARK, fontsize="medium", fontweight="bold", gid="benchmark-label")
    if len(data) == 1 and "expected_offers" in data and np.isfinite(benchmarks[0]):
        row = data.iloc[0]
        note = (f"Observed {_fmt_count(float(row['offers']))} offers; "
                f"{float(row['expected_offers']):.1f} expected at the benchmark")
        if "p_value" in data and np.isfinite(_floats([row["p_value"]])[0]):
            note += f"\n(exact binomial test p = {float(row['p_value']):.2g})"
        ax.text(0.02, 0.97, note, transform=ax.transAxes, ha="left", va="top",
                fontsize="small", color=_MUTED, gid="note")
    if small.any():
        handles.append(_small_handle(color))
    _headroom(ax, top, 1.4)
    _percent_axis(ax)
    ax.set_ylabel(f"Offers per {unit}")
    _legend(ax, handles)
    return ax


def _one_in_text(row: pd.Series) -> str:
    """"1 in 12 (plausible range 1 in 6 to 1 in 30)", or the zero-offer wording."""
    offers = _floats([row.get("offers", np.nan)])[0]
    n = _floats([row.get("n", np.nan)])[0]
    ci_high = _floats([row.get("ci_high", np.nan)])[0]
    if offers == 0:
        bound = _fmt_one_in(1 / ci_high) if ci_high > 0 else "∞"
        return f"No offers in {_fmt_count(n)} (plausible range: 1 in {bound} or rarer)"
    one_in = _floats([row.get("one_in", np.nan)])[0]
    if not np.isfinite(one_in):
        rate = _floats([row.get("rate", np.nan)])[0]
        one_in = 1 / rate if rate > 0 else np.nan
    ends = _floats([row.get("one_in_low", np.nan), row.get("one_in_high", np.nan)])
    if np.isnan(ends).all():
        return f"1 in {_fmt_one_in(one_in)}"
    a, b = np.nanmin(ends), np.nanmax(ends)
    return f"1 in {_fmt_one_in(one_in)} (plausible range 1 in {_fmt_one_in(a)} to 1 in " \
           f"{_fmt_one_in(b)})"


def plot_referral_yield(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    by: str | None = None,
    sort: bool = False,
    title: str | None = None,
    color: str = OKABE_ITO["bluish_green"],
) -> Axes:
    """Referrals per informational interview, per group, with intervals and ``n``.

    Parameters
    ----------
    table : pandas.DataFrame
        From ``metrics.referral_yield``: [by...], ``n``, ``referrals``,
        ``per_interview``, ``ci_low``, ``ci_high``, ``with_referral``,
        ``share_with_referral``, ``share_ci_low``, ``share_ci_high``, ``small_sample``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.
    by : str, optional
        Group column; by default all columns before ``n``.
    sort : bool
        Order the bars by referrals per interview, highest first.
    title : str, optional
        Axes title.
    color : str
        Bar colour.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax, data = _start(ax, title, table, "per_interview")
    if data is None:
        return ax
    if sort:
        data = data.iloc[np.argsort(-_floats(data["per_interview"]), kind="stable")]
    groups = [by] if by else _group_columns(data, "n")
    n = _floats(data["n"])
    values = _floats(data["per_interview"])
    high = _floats(data["ci_high"])
    small = _small_flags(data, n)
    subs = [f"n = {_fmt_count(k)} interviews" for k in n]
    _interval_barh(ax, _group_labels(data, groups), subs, values, _floats(data["ci_low"]),
                   high, small=small, color=color, value_labels=[f"{v:.2f}" for v in values])
    _value_axis(ax, np.nanmax(np.r_[high, values]), percent=False)
    ax.set_xlabel("Referrals per informational interview")
    handles: list = [_interval_handle("95% interval")]
    if small.any():
        handles.append(_small_handle(color))
    _legend(ax, handles)
    return ax


def plot_referral_chains(
    edges: pd.DataFrame,
    *,
    chains: pd.DataFrame | None = None,
    stages: Mapping[Any, str] | pd.Series | None = None,
    ax: Axes | None = None,
    max_chains: int = 8,
    max_rows: int = 14,
    show_names: bool = True,
    title: str | None = None,
) -> Axes:
    """Who led to whom: each referral chain as a small left-to-right tree.

    Parameters
    ----------
    edges : pandas.DataFrame
        From ``metrics.referral_edges``: ``seeker``, ``chain_id``,
        ``from_contact``, ``to_contact``, ``depth``.
    chains : pandas.DataFrame, optional
        From ``metrics.referral_chains``; used to pick the chains that went
        furthest (offers, then job interviews, then leads) when there are more
        than ``max_chains``.
    stages : mapping or pandas.Series, optional
        Furthest stage per contact, keyed by ``(seeker, contact)`` or by
        ``contact``; colours the nodes. Nodes without one are grey.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.
    max_chains : int
        Largest number of chains drawn.
    max_rows : int
        Largest number of rows of nodes (leaves) over all chains drawn, so
        that labels stay legible; the first chain is always drawn.
    show_names : bool
        Write the contact names (as given in ``edges``; the export passes
        pseudonyms) beside the nodes.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _get_ax(ax)
    _set_title(ax, title)
    if edges is None or edges.empty:
        return _no_data(ax, "No referral chains yet")
    order = _chain_order(edges, chains)
    shown, rows = [], 0
    for key in order[:max_chains]:
        sub = edges.loc[_chain_mask(edges, key)]
        pos = _tree_layout(sub)
        height = max(y for _, y in pos.values()) + 1
        if shown and rows + height > max_rows:
            break
        shown.append((sub, pos, height))
        rows += height
    lookup = dict(stages.items()) if stages is not None else {}
    y_offset = 0.0
    segments, xs, ys, colors, names = [], [], [], [], []
    yticks, ytick_labels = [], []
    for sub, pos, height in shown:
        seeker = sub["seeker"].iloc[0] if "seeker" in sub else None
        for row in sub.itertuples(index=False):
            (x1, y1), (x2, y2) = pos[row.from_contact], pos[row.to_contact]
            elbow = x2 - 0.25  # leaves room for the parent's label on the way out
            segments.append([(x1, y_offset + y1), (elbow, y_offset + y1),
                             (elbow, y_offset + y2), (x2, y_offset + y2)])
        for node, (x, y) in pos.items():
            xs.append(x)
            ys.append(y_offset + y)
            stage = lookup.get((seeker, node), lookup.get(node))
            colors.append(STAGE_COLORS.get(str(stage), "#BBBBBB") if stage else "#DDDDDD")
            names.append(node)
        yticks.append(y_offset + (height - 1) / 2)
        ytick_labels.append(f"Chain {len(yticks)}")
        y_offset += height + 0.6
    for seg in segments:
        line = np.asarray(seg)
        ax.plot(line[:, 0], line[:, 1], color="#888888", linewidth=2, zorder=1, gid="edge")
    ax.scatter(xs, ys, s=300, c=colors, edgecolors=_INK, linewidths=1.2, zorder=2,
               gid="nodes")
    if show_names:
        for x, y, name in zip(xs, ys, names, strict=True):
            if isinstance(name, str) and name:
                ax.annotate(name, (x, y), xytext=(14, 0), textcoords="offset points",
                            va="center", ha="left", fontsize="small", color=_INK,
                            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85,
                                  "pad": 1})
    depth = int(max(xs)) if xs else 0
    ax.set_xticks(range(depth + 1),
                  ["First contact"] + [f"{_ordinal(d)} intro" for d in range(1, depth + 1)])
    ax.set_xlim(-0.2, depth + 0.85)
    ax.set_yticks(yticks, ytick_labels)
    ax.set_ylim(y_offset - 0.4, -0.6)
    ax.grid(False)
    ax.tick_params(length=0)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    handles = [Line2D([], [], marker="o", linestyle="", markersize=14, markerfacecolor=color,
                      markeredgecolor=_INK, label=_pretty(stage))
               for stage, color in STAGE_COLORS.items()]
    ax.legend(handles=handles, title="Furthest stage", loc="upper left",
              bbox_to_anchor=(1.0, 1.0), fontsize="small", title_fontsize="small")
    if len(order) > len(shown):
        ax.text(1.0, 0.0, f"Showing {len(shown)} of {len(order)} chains\n(those that went "
                "furthest)", transform=ax.transAxes, ha="left", va="bottom",
                fontsize="small", color=_MUTED, gid="note")
    return ax


def _ordinal(d: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(d, f"{d}th")


def _chain_keys(edges: pd.DataFrame) -> list[str]:
    return [c for c in ("seeker", "chain_id") if c in edges.columns]


def _chain_mask(edges: pd.DataFrame, key: tuple) -> np.ndarray:
    mask = np.ones(len(edges), dtype=bool)
    for col, value in zip(_chain_keys(edges), key, strict=True):
        mask &= (edges[col] == value).fillna(False).to_numpy(dtype=bool)
    return mask


def _chain_order(edges: pd.DataFrame, chains: pd.DataFrame | None) -> list[tuple]:
    keys = _chain_keys(edges)
    present = list(edges[keys].drop_duplicates().itertuples(index=False, name=None))
    if chains is None or chains.empty or not set(keys) <= set(chains.columns):
        sizes = edges.groupby(keys, sort=False, observed=True).size()
        return sorted(present, key=lambda k: -sizes.get(k if len(k) > 1 else k[0], 0))
    score = chains.set_index(keys)
    cols = [c for c in ("offers", "job_interviews", "leads") if c in score.columns]

    def rank(key: tuple) -> tuple:
        index = key if len(key) > 1 else key[0]
        if index not in score.index:
            return tuple(0 for _ in cols)
        row = score.loc[index]
        row = row.iloc[0] if isinstance(row, pd.DataFrame) else row
        return tuple(-_floats([row[c]])[0] for c in cols)

    return sorted(present, key=rank)


def _tree_layout(edges: pd.DataFrame) -> dict[Any, tuple[float, float]]:
    """Node -> (depth, slot): leaves in consecutive slots, parents centred on children."""
    children: dict[Any, list] = {}
    has_parent = set()
    for src, dst in zip(edges["from_contact"], edges["to_contact"], strict=True):
        children.setdefault(src, []).append(dst)
        has_parent.add(dst)
    roots = [n for n in dict.fromkeys(edges["from_contact"]) if n not in has_parent]
    pos: dict[Any, tuple[float, float]] = {}
    next_slot = [0.0]

    def place(node: Any, depth: int) -> float:
        if node in pos:  # a cycle or a shared child: place once
            return pos[node][1]
        pos[node] = (depth, -1.0)
        kids = [c for c in children.get(node, []) if c not in pos]
        if kids:
            slot = float(np.mean([place(c, depth + 1) for c in kids]))
        else:
            slot = next_slot[0]
            next_slot[0] += 1
        pos[node] = (depth, slot)
        return slot

    for root in roots or list(children)[:1]:
        place(root, 0)
    return pos


def plot_time_to_response(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    by: str | None = None,
    max_groups: int = 7,
    max_days: float | None = None,
    title: str | None = None,
) -> Axes:
    """Share of leads answered by each day since contact (Kaplan-Meier), per group.

    Parameters
    ----------
    table : pandas.DataFrame
        From ``metrics.time_to_response``: [by...], ``days``, ``at_risk``,
        ``events``, ``censored``, ``survival``, ``responded_share``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.
    by : str, optional
        Group column; by default the first column before ``days``.
    max_groups : int
        Largest number of curves (the groups with the most leads are kept).
    max_days : float, optional
        Right end of the day axis; by default a little after the last reply
        (leads still waiting can stretch the table far beyond it).
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax, data = _start(ax, title, table, "responded_share")
    if data is None:
        return ax
    groups = _group_columns(data, "days")
    by = by if by is not None else (groups[0] if groups else None)
    parts = list(data.groupby(by, sort=False, observed=True)) if by else [("All", data)]
    sizes = [(_floats(g["at_risk"]).max() if "at_risk" in g else len(g)) for _, g in parts]
    keep = np.argsort(-np.asarray(sizes), kind="stable")[:max_groups]
    finals = []
    last_event = last_day = 0.0
    for rank, i in enumerate(keep):
        name, group = parts[i]
        group = group.sort_values("days")
        days = np.r_[0.0, _floats(group["days"])]
        share = np.r_[0.0, _floats(group["responded_share"])]
        label = f"{_pretty(name[0] if isinstance(name, tuple) else name)} " \
                f"(n = {_fmt_count(sizes[i])})"
        (line,) = ax.step(days, share, where="post", color=PALETTE[rank % len(PALETTE)],
                          label=label, gid="km")
        finals.append((share[-1], line))
        if "events" in group:
            replied = _floats(group["events"]) > 0
            last_event = max(last_event, np.nanmax(days[1:][replied], initial=0.0))
        last_day = max(last_day, np.nanmax(days))
    right = max_days if max_days is not None else min(last_day, np.ceil(last_event * 1.15) + 1)
    ax.set_xlim(0, right if right > 0 else 1)
    _percent_axis(ax)
    ax.set_ylim(0, min(1.0, max(0.1, max(f for f, _ in finals) * 1.15)))
    ax.set_xlabel("Days since first contact")
    ax.set_ylabel("Share of leads answered")
    lines = [line for _, line in sorted(finals, key=lambda t: -t[0])]
    ax.legend(handles=lines, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    if len(parts) > len(keep):
        ax.text(1.0, 0.0, f"{len(parts) - len(keep)} smaller groups not shown",
                transform=ax.transAxes, ha="left", va="bottom", fontsize="small",
                color=_MUTED, gid="note")
    return ax


def plot_weekly_activity(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    by: str | None = None,
    align: str = "calendar",
    title: str | None = None,
) -> Axes:
    """Outreach per week: the total as bars, or one line per group of ``by``.

    Parameters
    ----------
    table : pandas.DataFrame
        From ``metrics.weekly_activity``: [by...], ``week``, ``outreach``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.
    by : str, optional
        Draw one line per value of this column (e.g. ``"cohort"``); by default
        the weeks are summed over every group.
    align : {"calendar", "start"}
        ``"start"`` counts each group's weeks from its own first week (week 1
        of each cohort's term), so cohorts of different terms line up.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if align not in ("calendar", "start"):
        raise ValueError(f"align must be 'calendar' or 'start', not {align!r}")
    ax, data = _start(ax, title, table, "outreach")
    if data is None:
        return ax
    is_date = pd.api.types.is_datetime64_any_dtype(data["week"])
    parts = list(data.groupby(by, sort=False, observed=True)) if by else [(None, data)]
    step = 7.0 if is_date else 1.0
    for i, (name, group) in enumerate(parts):
        series = group.groupby("week", sort=True)["outreach"].sum()
        x = series.index.to_numpy()
        if align == "start":
            first = x[0]
            delta = (x - first) / np.timedelta64(7, "D") if is_date else x - first
            x = np.asarray(delta, dtype=float) + 1
        if by is None:
            width = 0.8 * (step if is_date and align == "calendar" else 1.0)
            ax.bar(x, _floats(series), width=width, color=_BAR, gid="bar")
        else:
            ax.plot(x, _floats(series), marker="o", markersize=7,
                    color=PALETTE[i % len(PALETTE)], label=_pretty(name), gid="activity")
    if by is not None:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    if is_date and align == "calendar":
        locator = mpl.dates.AutoDateLocator(maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mpl.dates.ConciseDateFormatter(locator))
        ax.set_xlabel("Week starting")
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("Week of the term" if align == "start" else "Week")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("Leads contacted")
    return ax


def plot_cohort_outcomes(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    color: str = OKABE_ITO["orange"],
) -> Axes:
    """Share of seekers with at least one offer, per cohort, with intervals.

    Each tick label gives the number of seekers and the median outreach and
    informational interviews per seeker (with the interquartile range).

    Parameters
    ----------
    table : pandas.DataFrame
        From ``metrics.cohort_outcomes``: ``cohort``, ``seekers``,
        ``active_seekers``, ``outreach_median``, ``outreach_q1``,
        ``outreach_q3``, ``interviews_median``, ``interviews_q1``,
        ``interviews_q3``, ``with_offer``, ``share_with_offer``, ``ci_low``,
        ``ci_high``, ``info_interviews``, ``offers``, ``conversion``, ``small_sample``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.
    title : str, optional
        Axes title.
    color : str
        Bar colour.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax, data = _start(ax, title, table, "share_with_offer")
    if data is None:
        return ax
    seekers = _floats(data["seekers"])
    shares = _floats(data["share_with_offer"])
    labels = []
    for (_, row), k in zip(data.iterrows(), seekers, strict=True):
        label = f"{_pretty(row['cohort'])}\nn = {_fmt_count(k)} seekers"
        if "outreach_median" in data and "interviews_median" in data:
            label += (f"\nmedian: {_fmt_count(float(row['outreach_median']))} leads,"
                      f"\n{_fmt_count(float(row['interviews_median']))} info interviews")
        labels.append(label)
    small = _small_flags(data, seekers)
    high = _floats(data["ci_high"])
    _interval_bars(ax, labels, shares, _floats(data["ci_low"]), high, small=small,
                   color=color, value_labels=[_fmt_percent(s) for s in shares], width=0.5)
    _headroom(ax, np.nanmax(np.r_[high, shares]))
    _percent_axis(ax)
    ax.set_ylabel("Seekers with at least one offer")
    handles: list = [_interval_handle()]
    if small.any():
        handles.append(_small_handle(color))
    _legend(ax, handles)
    return ax


# ---------------------------------------------------------------------------
# Captions
# ---------------------------------------------------------------------------
def caption_text(
    *,
    n: int | str,
    date_range: tuple[object, object] | None = None,
    source: str | None = None,
    note: str | None = None,
    unit: str = "leads",
) -> str:
    """The footnote every shared chart carries: n, the date range, the benchmark source.

    Parameters
    ----------
    n : int or str
        How many leads (or ``unit``) the chart counts.
    date_range : (start, end), optional
        First and last contact dates (anything with ``strftime`` or a string).
    source : str, optional
        The benchmark's footnote (``Benchmark.source``), prefixed "Benchmark: ".
    note : str, optional
        A last sentence, e.g. "Comparisons between channels are observational."
    unit : str
        What ``n`` counts.

    Returns
    -------
    str

    Examples
    --------
    >>> caption_text(n=412, date_range=("2025-01-06", "2025-04-25"),
    ...     source="1 in 12 — widely quoted career-advice figure (Hansen, A Foot in the "
    ...     "Door); no published primary study.",
    ...     note="Comparisons between channels are observational.")
    'n = 412 leads · contacted 2025-01-06 to 2025-04-25 · Benchmark: 1 in 12 — widely quoted
    career-advice figure (Hansen, A Foot in the Door); no published primary study.
    Comparisons between channels are observational.'
    """
    count = f"{n:,}" if isinstance(n, int | np.integer) else str(n)
    parts = [f"n = {count} {unit}".rstrip()]
    if date_range is not None:
        start, end = (_date_text(d) for d in date_range)
        parts.append(f"contacted {start} to {end}")
    if source:
        parts.append(source if source.lower().startswith("benchmark") else f"Benchmark: {source}")
    text = " · ".join(parts)
    if note:
        text += (" " if text.endswith(".") else " · ") + note
    return text


def _date_text(value: object) -> str:
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return str(value)


def add_caption(
    fig_or_ax: Figure | SubFigure | Axes,
    text: str,
    *,
    fontsize: float | None = None,
) -> Text:
    """Write ``text`` under the chart, wrapped to the figure's width, and make room for it.

    With constrained or tight layout the layout keeps a band at the bottom for
    the caption; without a layout engine the subplots are moved up.

    Parameters
    ----------
    fig_or_ax : Figure or Axes
        The chart; an Axes stands for its figure.
    text : str
        The caption, e.g. from :func:`caption_text`.
    fontsize : float, optional
        Points; by default 80% of ``font.size`` (at least 12).

    Returns
    -------
    matplotlib.text.Text
        The caption (``gid="caption"``).
    """
    fig = fig_or_ax.get_figure(root=True)  # an Axes' or SubFigure's figure, or itself
    size = fontsize or max(12.0, 0.8 * float(mpl.rcParams["font.size"]))
    width_pt, height_pt = (fig.get_size_inches() * 72)
    chars = max(30, int(0.98 * width_pt / (0.55 * size)))
    wrapped = "\n".join(textwrap.wrap(text, chars)) or text
    lines = wrapped.count("\n") + 1
    margin = 0.012
    artist = fig.text(margin * height_pt / width_pt, margin, wrapped, ha="left", va="bottom",
                      fontsize=size, color=_MUTED, gid="caption")
    band = min(0.45, (lines * 1.35 * size + 10) / height_pt + margin)
    engine = fig.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine | TightLayoutEngine):
        engine.set(rect=(0, band, 1, 1 - band))
    else:
        fig.subplots_adjust(bottom=max(fig.subplotpars.bottom, band + 0.08))
    return artist
