"""The interactive filter panel of the notebooks (ipywidgets).

``explore(log)`` shows drop-downs for cohort, student and activity, lists
for industry and channel, two date pickers, and an output area that redraws
a chart (response rate by channel, and offers per informational interview
against 1 in 12) and the funnel table each time a filter changes. Nobody has
to touch code to ask "how did the 2025 Spring students do with alumni in
Tech?".

The callbacks stay thin: every redraw is :func:`~infoview_analytics.filters.
filter_log` followed by metric functions and ``plot_*`` charts, so the panel
shows exactly what the metrics compute. The last drawn view is kept on the
panel (``panel.table``, ``panel.subset``, ``panel.png``), so it can be checked
without reading the output area, and the panel carries a static HTML copy of
it for exports that cannot run widgets (an HTML report).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import html
import io
import warnings
from collections.abc import Iterator
from typing import Any

import ipywidgets as w
import pandas as pd
from IPython import get_ipython
from IPython.display import HTML, Image, clear_output, display
from matplotlib.figure import Figure

from . import charts, metrics
from .errors import SmallSampleWarning
from .filters import filter_log, filter_options

__all__ = ["FilterPanel", "explore", "funnel_table", "draw_overview"]

_STAGE_NAMES = {
    "contacted": "Contacted",
    "responded": "Replied",
    "info_interview": "Informational interview",
    "referred": "Referred on",
    "job_interview": "Job interview",
    "offer": "Offer",
}
_ALL = "(all)"
#: drawn views a panel keeps, so going back to an earlier selection needs no redraw
_KEEP_VIEWS = 16


def funnel_table(log: pd.DataFrame) -> pd.DataFrame:
    """The funnel of ``log`` as a table for people: one row per stage.

    Returns
    -------
    pandas.DataFrame
        ``Stage`` (in words), ``Leads`` (leads that got at least that far),
        ``Share of contacted`` and ``Of the stage before`` (percent text,
        "–" where it does not apply), from :func:`~infoview_analytics.metrics.funnel`.

    Examples
    --------
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_SEEKER_FILE
    >>> funnel_table(load_log(SAMPLE_SEEKER_FILE))["Stage"].tolist()[:2]
    ['Contacted', 'Replied']
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        table = metrics.funnel(log)
    return pd.DataFrame({
        "Stage": [_STAGE_NAMES.get(str(s), str(s)) for s in table["stage"]],
        "Leads": table["count"].astype(int).to_numpy(),
        "Share of contacted": [_percent(r) for r in table["rate"]],
        "Of the stage before": [_percent(r) for r in table["step_rate"]],
    })


def _percent(value: float) -> str:
    return "–" if pd.isna(value) else f"{100 * float(value):.0f}%"


def draw_overview(log: pd.DataFrame, *, figsize: tuple[float, float] = (13.33, 13)) -> Figure:
    """Response rate by channel above offers per informational interview vs 1 in 12.

    A :class:`matplotlib.figure.Figure` in the workshop style, made without
    pyplot (nothing is shown or left open); an empty ``log`` gives two
    "No data to show" panels.
    """
    with warnings.catch_warnings(), charts.workshop_style():
        warnings.simplefilter("ignore", SmallSampleWarning)
        fig = Figure(figsize=figsize, layout="constrained")
        left, right = fig.subplots(2, 1, height_ratios=[1.4, 1])
        charts.plot_response_rates(metrics.response_rates(log, by="channel"), ax=left,
                                   sort=True)
        charts.plot_offer_conversion(metrics.offer_conversion(log), ax=right)
        # Nothing is drawn above these Axes (no top ticks, no offset text), so the
        # titles sit at the top edge, where matplotlib would place them; fixing them
        # there spares it re-measuring the y axis for them in every layout pass and draw.
        left.set_title("Which channels answer?", y=1.0)
        right.set_title("Offers per informational interview, against 1 in 12", y=1.0)
    return fig


def _png(fig: Figure, dpi: int) -> bytes:
    buffer = io.BytesIO()
    # zlib's fastest level: the panel's chart is encoded on every redraw and only shown;
    # for these flat-coloured charts it takes a third less time than the default
    # level (6) and comes out no larger.
    fig.savefig(buffer, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


class FilterPanel:
    """Filters for one outreach log, and a chart and table that follow them.

    Parameters
    ----------
    log : pandas.DataFrame
        A canonical outreach log (one student or a whole cohort).
    dpi : int
        Resolution of the chart in the panel.

    Attributes
    ----------
    widget : ipywidgets.VBox
        What is displayed: the filters above the output area.
    cohort, seeker, activity : ipywidgets.Dropdown
        ``"(all)"`` or one value.
    industry, channel : ipywidgets.SelectMultiple
        Nothing selected means every value.
    start, end : ipywidgets.DatePicker
        First and last contact day (inclusive); empty means open-ended.
    output : ipywidgets.Output
        Redrawn in place on every change.
    subset, table, png, message
        The leads matching the current filters, their :func:`funnel_table`,
        the chart as PNG bytes, and the one-line summary shown above it.

    Examples
    --------
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_SEEKER_FILE
    >>> panel = FilterPanel(load_log(SAMPLE_SEEKER_FILE))
    >>> panel.industry.value = ("Tech",)
    >>> panel.selection()["industry"], bool(panel.subset["industry"].eq("Tech").all())
    (('Tech',), True)
    """

    def __init__(self, log: pd.DataFrame, *, dpi: int = 60) -> None:
        self.log = log
        self.dpi = dpi
        options = filter_options(log)
        layout = w.Layout(width="auto")
        style = {"description_width": "70px"}

        def dropdown(label: str, values: list[str]) -> w.Dropdown:
            return w.Dropdown(options=[_ALL, *values], value=_ALL, description=label,
                              style=style, layout=w.Layout(width="300px"))

        def many(label: str, values: list[str]) -> w.SelectMultiple:
            return w.SelectMultiple(options=values, value=(), rows=min(8, max(2, len(values))),
                                    description=label, style=style, layout=layout)

        self.cohort = dropdown("Cohort", options["cohort"])
        self.seeker = dropdown("Student", options["seeker"])
        self.activity = dropdown("Activity", options["activity"])
        self.industry = many("Industry", options["industry"])
        self.channel = many("Channel", options["channel"])
        first, last = options["start"], options["end"]
        self.start = w.DatePicker(description="From", style=style,
                                  value=first.date() if first is not None else None)
        self.end = w.DatePicker(description="To", style=style,
                                value=last.date() if last is not None else None)
        self.reset_button = w.Button(description="Show everything", icon="undo")
        self.output = w.Output()
        hint = w.HTML("<small>Pick one or more industries or channels (Ctrl/Cmd-click); "
                      "none picked means all of them.</small>")
        self.widget = w.VBox([
            w.HBox([w.VBox([self.cohort, self.seeker, self.activity]),
                    w.VBox([self.start, self.end, self.reset_button]),
                    self.industry, self.channel]),
            hint,
            self.output,
        ])
        self.subset = log
        self.table = pd.DataFrame()
        self.png = b""
        self.message = ""
        self.refreshes = 0
        self._views: dict[tuple, tuple[pd.DataFrame, pd.DataFrame, bytes, str]] = {}
        for control in self.controls:
            control.observe(self._changed, names="value")
        self.reset_button.on_click(lambda _: self.reset())
        self.refresh()

    @property
    def controls(self) -> tuple[w.ValueWidget, ...]:
        """The filter widgets, in the order of :func:`filter_log`'s keywords."""
        return (self.cohort, self.seeker, self.industry, self.channel, self.activity,
                self.start, self.end)

    def selection(self) -> dict[str, Any]:
        """The current filters as keyword arguments of :func:`filter_log`."""
        def one(control: w.Dropdown) -> str | None:
            return None if control.value == _ALL else control.value

        return {
            "cohort": one(self.cohort),
            "seeker": one(self.seeker),
            "industry": tuple(self.industry.value) or None,
            "channel": tuple(self.channel.value) or None,
            "activity": one(self.activity),
            "start": self.start.value,
            "end": self.end.value,
        }

    def reset(self) -> None:
        """Clear every filter (one redraw)."""
        options = filter_options(self.log)
        with self._held():
            for control in (self.cohort, self.seeker, self.activity):
                control.value = _ALL
            self.industry.value = ()
            self.channel.value = ()
            self.start.value = options["start"].date() if options["start"] is not None else None
            self.end.value = options["end"].date() if options["end"] is not None else None
        self.refresh()

    @contextlib.contextmanager
    def _held(self) -> Iterator[None]:
        """Change several filters without a redraw for each."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False

    _holding = False

    def _changed(self, change: dict) -> None:
        if not self._holding:
            self.refresh()

    def refresh(self) -> None:
        """Filter the log with the current selection and redraw the output area."""
        self.refreshes += 1
        selection = self.selection()
        key = (id(self.log), self.dpi, tuple(selection.items()))
        if key in self._views:  # a view drawn before (e.g. a filter switched back): no redraw
            self.subset, self.table, self.png, self.message = self._views[key]
        else:
            try:
                subset = filter_log(self.log, **selection)
            except ValueError as exc:  # e.g. the start date after the end date
                self.subset = self.log.iloc[:0]
                self.table = pd.DataFrame()
                self.png = b""
                self.message = f"Cannot filter: {exc}"
            else:
                self.subset = subset
                self.table = funnel_table(subset)
                self.png = _png(draw_overview(subset), self.dpi)
                self.message = self._describe(subset)
                if len(self._views) >= _KEEP_VIEWS:
                    self._views.pop(next(iter(self._views)))
                self._views[key] = (self.subset, self.table, self.png, self.message)
        if not _in_kernel():  # plain Python: the state above is all there is to show
            return
        with self.output:
            clear_output(wait=True)
            display(HTML(f"<p class='infoview-panel-summary'>{html.escape(self.message)}</p>"))
            if self.png:
                display(Image(data=self.png, format="png"))
                display(HTML(self._table_html()))

    def _describe(self, subset: pd.DataFrame) -> str:
        chosen = []
        for name, value in self.selection().items():
            if value is None or name in ("start", "end"):
                continue
            text = ", ".join(value) if isinstance(value, tuple) else value
            chosen.append(f"{name} {text}")
        start, end = self.start.value, self.end.value
        if start or end:
            chosen.append(f"contacted {_date(start) or '…'} to {_date(end) or '…'}")
        seekers = subset["seeker"].nunique() if "seeker" in subset else 0
        what = "; ".join(chosen) if chosen else "no filter"
        return (f"{len(subset):,} of {len(self.log):,} leads ({seekers:,} "
                f"{'student' if seekers == 1 else 'students'}) match: {what}.")

    def _table_html(self) -> str:
        if self.table.empty:
            return ""
        return self.table.to_html(index=False, classes="infoview-funnel", border=0)

    def snapshot_html(self) -> str:
        """The current view as static HTML (summary, chart, table) for non-widget exports."""
        parts = [f"<p class='infoview-panel-summary'>{html.escape(self.message)}</p>"]
        if self.png:
            data = base64.b64encode(self.png).decode("ascii")
            parts.append(f"<img alt='Response rate by channel and offers per informational "
                         f"interview' src='data:image/png;base64,{data}' "
                         "style='max-width:100%'/>")
            parts.append(self._table_html())
        return "<div class='infoview-panel-snapshot'>" + "".join(parts) + "</div>"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/html"] = self.snapshot_html()
        return bundle


def _in_kernel() -> bool:
    """Running in a Jupyter kernel, where the output area can be drawn into."""
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def explore(log: pd.DataFrame, **kwargs: Any) -> FilterPanel:
    """A :class:`FilterPanel` for ``log``; the notebook displays it when it is the cell's result."""
    return FilterPanel(log, **kwargs)
