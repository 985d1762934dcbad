"""``export_charts``: the workshop chart pack, anonymised, as PNG, SVG and PDF.

One call turns an outreach log into a folder of slides-ready charts: the
funnel, response rates by channel and by industry, informational interviews
against 1 in 12, applications against 1 in 200, referral yield and chains,
time to response, weekly activity and, with more than one cohort, cohort
outcomes. Every chart has a title and a caption giving n, the date range and
the benchmark's source.

By default names are replaced by pseudonyms before anything is computed
(``privacy.pseudonymise``), free text (notes, status words, the channel as
written, file names) is dropped, and groups with fewer than ``k`` leads are
left out of the bars (``privacy.suppress_small``), which the caption says.

Files are first written to a temporary folder beside ``out_dir`` and then
moved into place one by one with ``os.replace``, so an interrupted run never
leaves a half-written chart. Figures are made with ``matplotlib.figure.Figure``
and rendered by file format, so exporting never selects or changes the pyplot
backend and leaves the caller's open figures alone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from . import benchmarks, charts, metrics, privacy

__all__ = ["export_charts", "FORMATS", "CHART_NAMES"]

#: File formats :func:`export_charts` can write.
FORMATS = ("png", "svg", "pdf")
#: File stems of the charts, in slide order (cohort outcomes only with > 1 cohort).
CHART_NAMES = (
    "01_funnel",
    "02_response_by_channel",
    "03_response_by_industry",
    "04_info_interviews_vs_benchmark",
    "05_applications_vs_benchmark",
    "06_referral_yield_by_industry",
    "07_referral_chains",
    "08_time_to_response",
    "09_weekly_activity",
    "10_cohort_outcomes",
)
#: Columns never needed by a chart that may carry names or free text.
_FREE_TEXT = ("notes", "status_raw", "channel_raw", "contact_title", "source_file",
              "source_sheet", "source_row")
#: Columns replaced by pseudonyms (the same name gets the same pseudonym in each).
_NAMES = ("seeker", "contact", "referred_by")
_OBSERVATIONAL = "Comparisons between groups are observational."
_METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None},
    "pdf": {"CreationDate": None},
}


@dataclass(frozen=True)
class _Chart:
    stem: str
    title: str
    draw: Callable[[Axes], str]  # draws on the Axes, returns the caption


def export_charts(
    log: pd.DataFrame,
    out_dir: str | os.PathLike[str],
    *,
    formats: Sequence[str] = FORMATS,
    anonymise: bool = True,
    k: int | None = 5,
    as_of: object = None,
    salt: str | bytes | None = None,
    dpi: int = 200,
    figsize: tuple[float, float] = (13.33, 7.5),
) -> list[Path]:
    """Write the workshop chart pack for ``log`` into ``out_dir``.

    Parameters
    ----------
    log : pandas.DataFrame
        A canonical outreach log (``load_log``). It is not changed.
    out_dir : str or path
        Folder for the charts (created if needed). Existing files of the same
        names are replaced; nothing else in it is touched.
    formats : sequence of {"png", "svg", "pdf"}
        File formats to write; PNG for slides, SVG and PDF for print.
    anonymise : bool
        Replace seeker and contact names by pseudonyms before computing
        anything (default). Free-text columns are dropped either way.
    k : int or None
        Leave out groups with fewer than ``k`` leads (or interviews, seekers),
        saying so in the caption; ``None`` or 0 shows every group.
    as_of : date-like, optional
        The "today" of the analysis (response rates, time to response);
        by default the newest date in the log.
    salt : str or bytes, optional
        Salt for the pseudonyms; by default ``privacy.project_salt()``, so the
        same person gets the same pseudonym every term.
    dpi : int
        Resolution of the PNGs (200 by default: 2666 x 1500 pixels).
    figsize : (width, height)
        Inches; 16:9 by default.

    Returns
    -------
    list of pathlib.Path
        Every file written: each chart in each format, in slide order, then
        ``index.md``, which lists the charts and their captions.

    Raises
    ------
    ValueError
        An unknown format, or a negative ``k``.
    """
    formats = tuple(str(f).lower().lstrip(".") for f in formats)
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise ValueError(f"cannot write {unknown or 'no format'}: choose from {FORMATS}")
    if k is not None and k < 0:
        raise ValueError(f"k must be 0 or more (the smallest group shown), not {k}")
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)

    data = _shareable(log, anonymise=anonymise, salt=salt)
    pack = _ChartPack(data, k=k or 0, as_of=as_of, anonymised=anonymise)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    try:
        rendered: list[Path] = []
        captions: list[tuple[_Chart, str]] = []
        for chart in pack.charts():
            files, caption = _render(chart, tmp, formats=formats, dpi=dpi, figsize=figsize)
            rendered += files
            captions.append((chart, caption))
        index = tmp / "index.md"
        index.write_text(_index(captions, formats, pack), encoding="utf-8")
        written = []
        for path in [*rendered, index]:
            target = out_dir / path.name
            os.replace(path, target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------
# Preparing the data
# ---------------------------------------------------------------------------
def _shareable(log: pd.DataFrame, *, anonymise: bool, salt: str | bytes | None) -> pd.DataFrame:
    """The log without free text and, when anonymising, with pseudonyms for names."""
    data = log.copy()
    for col in _FREE_TEXT:
        if col in data.columns:
            data[col] = pd.Series(pd.NA, index=data.index, dtype=data[col].dtype)
    if anonymise:
        salt = privacy.project_salt() if salt is None else salt
        names = [c for c in _NAMES if c in data.columns]
        data = privacy.pseudonymise(data, salt=salt, columns=names)
    return data


def _suppress(table: pd.DataFrame, k: int, n_column: str = "n") -> tuple[pd.DataFrame, int]:
    """Flag groups with fewer than ``k`` in ``n_column``; return the table and how many."""
    if not k or table.empty or n_column not in table.columns:
        return table, 0
    flagged = privacy.suppress_small(table, k=k, n_column=n_column)
    return flagged, int(flagged["suppressed"].astype(bool).sum())


def _source(benchmark: benchmarks.Benchmark) -> str:
    """"1 in 12 — widely quoted career-advice figure (...); no published primary study."."""
    text = benchmark.source.strip()
    if text[:1].isupper() and text[1:2].islower():
        text = text[0].lower() + text[1:]
    return f"{benchmark.label} — {text.rstrip('.')}."


def _join(*notes: str | None) -> str | None:
    text = " ".join(n.strip() for n in notes if n)
    return text or None


class _ChartPack:
    """The charts of one export: metric tables, titles and captions."""

    def __init__(self, data: pd.DataFrame, *, k: int, as_of: object, anonymised: bool):
        self.data = data
        self.k = k
        self.as_of = as_of
        self.anonymised = anonymised
        dates = data["contacted_on"].dropna()
        self.date_range = (dates.min(), dates.max()) if len(dates) else None
        self.cohorts = data["cohort"].dropna().nunique() if "cohort" in data else 0

    def _caption(self, n: float, *, unit: str = "leads", source: str | None = None,
                 note: str | None = None, hidden: int = 0, hidden_unit: str = "leads") -> str:
        if hidden:
            note = _join(note, f"Groups with fewer than {self.k} {hidden_unit} not shown.")
        count = int(n) if np.isfinite(n) else 0
        return charts.caption_text(n=count, date_range=self.date_range, source=source,
                                   note=note, unit=unit)

    def charts(self) -> list[_Chart]:
        out = [
            _Chart("01_funnel", "From first message to offer (networking)", self.funnel),
            _Chart("02_response_by_channel", "Which channels get answers?",
                   lambda ax: self.response(ax, "channel")),
            _Chart("03_response_by_industry", "Which industries answer?",
                   lambda ax: self.response(ax, "industry")),
            _Chart("04_info_interviews_vs_benchmark",
                   "Offers per informational interview, against 1 in 12",
                   lambda ax: self.offers(ax, "networking", benchmarks.INFO_INTERVIEW_TO_OFFER)),
            _Chart("05_applications_vs_benchmark", "Offers per application, against 1 in 200",
                   lambda ax: self.offers(ax, "application", benchmarks.APPLICATION_TO_OFFER)),
            _Chart("06_referral_yield_by_industry",
                   "Where do informational interviews lead to referrals?", self.referrals),
            _Chart("07_referral_chains", "Referral chains: who led to whom", self.chains),
            _Chart("08_time_to_response", "How long do replies take?", self.time_to_response),
            _Chart("09_weekly_activity", "Outreach per week", self.activity),
        ]
        if self.cohorts > 1:
            out.append(_Chart("10_cohort_outcomes", "Share of seekers with an offer, by cohort",
                              self.cohort_outcomes))
        return out

    def funnel(self, ax: Axes) -> str:
        networking = self.data.loc[(self.data["activity"] == "networking").fillna(False)]
        table = metrics.funnel(networking)
        charts.plot_funnel(table, ax=ax)
        n = float(table["n"].max()) if len(table) else 0.0
        return self._caption(n, unit="networking leads",
                             note="Each bar counts the leads that got at least that far; "
                                  "applications are not included.")

    def response(self, ax: Axes, by: str) -> str:
        table = metrics.response_rates(self.data, by=by, as_of=self.as_of)
        table, hidden = _suppress(table, self.k)
        charts.plot_response_rates(table, ax=ax, sort=True)
        pending = int(np.nansum(charts._floats(table["pending"]))) if len(table) else 0
        note = ("Only leads contacted at least 14 days before the last date count; "
                f"{pending:,} more are pending. " if pending else "")
        return self._caption(float(table["n"].sum()), note=note + _OBSERVATIONAL,
                             hidden=hidden)

    def offers(self, ax: Axes, activity: str, benchmark: benchmarks.Benchmark) -> str:
        table = metrics.offer_conversion(self.data, activity=activity)
        table, hidden = _suppress(table, self.k)
        charts.plot_offer_conversion(table, ax=ax)
        unit = "informational interviews" if activity == "networking" else "applications"
        return self._caption(float(table["n"].sum()), unit=unit, source=_source(benchmark),
                             hidden=hidden, hidden_unit=unit)

    def referrals(self, ax: Axes) -> str:
        table = metrics.referral_yield(self.data, by="industry")
        table, hidden = _suppress(table, self.k)
        charts.plot_referral_yield(table, ax=ax, sort=True)
        return self._caption(
            float(table["n"].sum()), unit="informational interviews",
            note="Referrals: further people a contact introduced the seeker to. " + _OBSERVATIONAL,
            hidden=hidden, hidden_unit="informational interviews",
        )

    def chains(self, ax: Axes) -> str:
        edges = metrics.referral_edges(self.data)
        chains = metrics.referral_chains(self.data)
        contacted = self.data.loc[self.data["stage"].notna(), ["seeker", "contact", "stage"]]
        stages = {
            (row.seeker, row.contact): str(row.stage)
            for row in contacted.dropna(subset=["contact"]).itertuples(index=False)
        }
        charts.plot_referral_chains(edges, chains=chains, stages=stages, ax=ax)
        with_edges = edges[["seeker", "chain_id"]].drop_duplicates() if len(edges) else edges
        note = "Names are pseudonyms." if self.anonymised else None
        return self._caption(float(len(with_edges)), unit="referral chains", note=note)

    def time_to_response(self, ax: Axes) -> str:
        table = metrics.time_to_response(self.data, by="channel", as_of=self.as_of)
        hidden = 0
        if self.k and len(table):
            size = table.groupby("channel", observed=True)["at_risk"].transform("max")
            small = (size < self.k).to_numpy()
            hidden = table.loc[small, "channel"].nunique()
            table = table.loc[~small]
        charts.plot_time_to_response(table, ax=ax)
        n = table.groupby("channel", observed=True)["at_risk"].max().sum() if len(table) else 0
        return self._caption(
            float(n), hidden=hidden,
            note="Leads still waiting count until the last date, then drop out "
                 "(Kaplan-Meier). " + _OBSERVATIONAL,
        )

    def activity(self, ax: Axes) -> str:
        by = "cohort" if self.cohorts > 1 else None
        table = metrics.weekly_activity(self.data, by=by or "seeker")
        charts.plot_weekly_activity(table, ax=ax, by=by, align="start" if by else "calendar")
        seekers = self.data["seeker"].nunique()
        return self._caption(float(table["outreach"].sum()),
                             note=f"{seekers:,} seekers." if seekers > 1 else None)

    def cohort_outcomes(self, ax: Axes) -> str:
        table = metrics.cohort_outcomes(self.data)
        table, hidden = _suppress(table, self.k, n_column="seekers")
        charts.plot_cohort_outcomes(table, ax=ax)
        return self._caption(float(table["seekers"].sum()), unit="seekers", hidden=hidden,
                             hidden_unit="seekers", note=_OBSERVATIONAL)


# ---------------------------------------------------------------------------
# Drawing and writing
# ---------------------------------------------------------------------------
def _render(chart: _Chart, folder: Path, *, formats: Sequence[str], dpi: int,
            figsize: tuple[float, float]) -> tuple[list[Path], str]:
    """Draw one chart and save it in every format; return the files and the caption."""
    with charts.workshop_style():
        fig = Figure(figsize=figsize, layout="constrained")
        ax = fig.add_subplot()
        caption = chart.draw(ax)
        ax.set_title(chart.title)
        charts.add_caption(fig, caption)
        paths = []
        for fmt in formats:
            path = folder / f"{chart.stem}.{fmt}"
            metadata = {**_METADATA[fmt], "Title": chart.title}
            fig.savefig(path, format=fmt, dpi=dpi, metadata=metadata)
            paths.append(path)
    return paths, caption


def _index(captions: list[tuple[_Chart, str]], formats: Sequence[str], pack: _ChartPack) -> str:
    lines = ["# Workshop charts", ""]
    privacy_note = (
        "Names are replaced by pseudonyms; notes and other free text are left out."
        if pack.anonymised else "Names are not anonymised; notes and free text are left out."
    )
    if pack.k:
        privacy_note += f" Groups with fewer than {pack.k} are not shown."
    lines += [privacy_note, "", "| Chart | Files | Caption |", "|---|---|---|"]
    for chart, caption in captions:
        files = ", ".join(f"[{fmt}]({chart.stem}.{fmt})" for fmt in formats)
        lines.append(f"| {chart.title} | {files} | {caption.replace('|', '/')} |")
    return "\n".join(lines) + "\n"
