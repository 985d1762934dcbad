"""The filter panel's chart: what ``draw_overview`` draws and the PNG the panel shows."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from infoview_analytics import charts, metrics
from infoview_analytics.errors import SmallSampleWarning
from infoview_analytics.widgets import _png, draw_overview

TITLES = ("Which channels answer?", "Offers per informational interview, against 1 in 12")


def _pixels(fig: Figure, dpi: int = 60) -> np.ndarray:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return np.asarray(Image.open(buffer))


def _overview_with_automatic_titles(log) -> Figure:
    """``draw_overview`` as the plot functions title it: placed by matplotlib on every draw."""
    with warnings.catch_warnings(), charts.workshop_style():
        warnings.simplefilter("ignore", SmallSampleWarning)
        fig = Figure(figsize=(13.33, 13), layout="constrained")
        left, right = fig.subplots(2, 1, height_ratios=[1.4, 1])
        charts.plot_response_rates(metrics.response_rates(log, by="channel"), ax=left,
                                   sort=True, title=TITLES[0])
        charts.plot_offer_conversion(metrics.offer_conversion(log), ax=right, title=TITLES[1])
    return fig


def test_overview_titles_both_panels(cohort_log):
    fig = draw_overview(cohort_log)
    assert [ax.get_title(loc="left") for ax in fig.axes] == list(TITLES)
    assert all(ax.title.get_fontweight() == "bold" for ax in fig.axes)


@pytest.mark.parametrize("rows", [None, 0], ids=["cohort", "empty"])
def test_overview_titles_sit_where_matplotlib_would_place_them(cohort_log, rows):
    log = cohort_log if rows is None else cohort_log.iloc[:rows]
    assert np.array_equal(_pixels(draw_overview(log)),
                          _pixels(_overview_with_automatic_titles(log)))


def test_panel_png_has_the_pixels_of_the_default_png(cohort_log):
    # fresh figures: constrained layout may move things by a pixel when a figure is saved again
    png = _png(draw_overview(cohort_log), 60)
    assert png.startswith(b"\x89PNG")
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(png))),
                          _pixels(draw_overview(cohort_log), dpi=60))
