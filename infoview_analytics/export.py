"""Sharing the results: the workshop chart pack and the metric tables, anonymised.

:func:`export_charts` turns an outreach log into a folder of slides-ready
charts (PNG, SVG, PDF): the funnel, response rates by channel and by
industry, informational interviews against 1 in 12, applications against
1 in 200, referral yield and chains, time to response, weekly activity and,
with more than one cohort, cohort outcomes. Every chart has a title and a
caption giving n, the date range and the benchmark's source.
:func:`export_tables` writes the main metric tables behind them as CSV files
and one XLSX workbook.

By default names are replaced by pseudonyms before anything is computed
(``privacy.pseudonymise``), free text (notes, status words, the channel as
written, file names) is dropped, and groups with fewer than ``k`` leads are
left out of the bars or blanked in the tables (``privacy.suppress_small``),
which the caption or the table says. Text cells of tables are neutralised
against spreadsheet formula injection (:func:`neutralise_formula`).

Every file is made in memory first and then written with
:func:`write_atomically` (a temporary file in the same folder, renamed into
place with ``os.replace``), so an interrupted run never leaves a half-written
file, and a chart or table that fails to draw leaves the folder as it was.
Figures are made with ``matplotlib.figure.Figure`` and rendered by file
format, so exporting never selects or changes the pyplot backend and leaves
the caller's open figures alone."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import secrets
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import openpyxl.styles
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from . import benchmarks, charts, metrics, privacy
from .errors import SmallSampleWarning
from .save import save_workbook_reproducibly

__all__ = [
    "export_charts",
    "export_tables",
    "neutralise_formula",
    "write_atomically",
    "FORMATS",
    "CHART_NAMES",
    "TABLE_FORMATS",
    "TABLE_NAMES",
    "TABLES_WORKBOOK",
]

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
#: File formats :func:`export_tables` can write.
TABLE_FORMATS = ("csv", "xlsx")
#: The workbook :func:`export_tables` writes (an ``About`` sheet, then a sheet per table).
TABLES_WORKBOOK = "tables.xlsx"
#: The tables of :func:`export_tables` (CSV file stems and sheet names), with what each shows.
TABLE_NAMES = {
    "funnel": "Leads reaching each stage, networking and applications (funnel, by activity)",
    "response_by_channel": "Share of leads that replied, by channel (pending: too recent to judge)",
    "response_by_industry": "Share of leads that replied, by industry",
    "response_by_cohort": "Share of leads that replied, by cohort",
    "offers_networking": "Offers per informational interview, by cohort, against 1 in 12",
    "offers_applications": "Offers per application, by cohort, against 1 in 200",
    "referral_yield_by_industry": "Referrals per informational interview, by industry",
    "referred_vs_cold": "What referred leads went on to do, against cold leads",
    "response_days_by_channel": "Median days to a reply, by channel (Kaplan-Meier)",
    "cohort_outcomes": "Per cohort: seekers, outreach and interviews per seeker, offers",
    "per_seeker": "One row per seeker: outreach, replies, interviews, offers",
}
#: Text that spreadsheet programs run as a formula when it starts a cell (OWASP).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Columns never needed by a chart that may carry names or free text. The rows' sources
#: (file and sheet) stay, pseudonymised with the names when anonymising: the metrics
#: tell by them which sheets record replies at all, and no chart or table shows them.
_FREE_TEXT = ("notes", "status_raw", "channel_raw", "contact_title", "source_row")
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


class _NothingToDraw(Exception):
    """A chart has no data in this log (no interviews, no reply dates...): leave it out."""


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
        ``index.md``, which lists the charts and their captions. A chart with
        nothing to show in this log (no informational interviews, no reply
        dates, a log that does not record replies...) is left out, with the
        reason in ``index.md``, rather than drawn empty.

    Raises
    ------
    ValueError
        An unknown format, or a negative ``k``.
    """
    formats, out_dir = _checked(formats, FORMATS, k, out_dir)
    data = _shareable(log, anonymise=anonymise, salt=salt)
    pack = _ChartPack(data, k=k or 0, as_of=as_of, anonymised=anonymise)
    # Everything is drawn in memory first: a chart that fails to draw leaves every
    # file in out_dir as it was. Then each file is written atomically.
    rendered: list[tuple[str, bytes]] = []
    captions: list[tuple[_Chart, str]] = []
    left_out: list[tuple[_Chart, str]] = []
    for chart in pack.charts():
        try:
            with warnings.catch_warnings():
                # the pack suppresses small groups and says so in each caption
                warnings.simplefilter("ignore", SmallSampleWarning)
                files, caption = _render(chart, formats=formats, dpi=dpi, figsize=figsize)
        except _NothingToDraw as reason:
            left_out.append((chart, str(reason)))
            continue
        rendered += files
        captions.append((chart, caption))
    rendered.append(("index.md", _index(captions, formats, pack, left_out).encode("utf-8")))
    written = [write_atomically(out_dir / name, content) for name, content in rendered]
    for chart, _ in left_out:  # an empty chart from an earlier export would now be wrong
        for fmt in FORMATS:
            (out_dir / f"{chart.stem}.{fmt}").unlink(missing_ok=True)
    return written


def export_tables(
    log: pd.DataFrame,
    out_dir: str | os.PathLike[str],
    *,
    formats: Sequence[str] = TABLE_FORMATS,
    anonymise: bool = True,
    k: int | None = 5,
    as_of: object = None,
    salt: str | bytes | None = None,
) -> list[Path]:
    """Write the main metric tables for ``log`` as CSV files and one XLSX workbook.

    The tables are prepared for sharing exactly like the chart pack
    (:func:`export_charts`): names are replaced by salted pseudonyms, free
    text (notes, status words, the channel as written, contact titles, file
    names) is left out, and the numbers of groups with fewer than ``k`` are
    blanked, their ``n`` shown as ``"<5"``. Every text cell is neutralised
    against formula injection (:func:`neutralise_formula`), and every file is
    written to a temporary file beside it and then renamed into place, so an
    interrupted run leaves no half-written file.

    Parameters
    ----------
    log : pandas.DataFrame
        A canonical outreach log (``load_log``). It is not changed.
    out_dir : str or path
        Folder for the tables (created if needed). Existing files of the same
        names are replaced; nothing else in it is touched.
    formats : sequence of {"csv", "xlsx"}
        ``"csv"``: one UTF-8 (with BOM, so Excel reads accents) file per
        table; ``"xlsx"``: one workbook, ``tables.xlsx``, with an ``About``
        sheet and a sheet per table.
    anonymise : bool
        Replace seeker, contact and referrer names by pseudonyms before
        computing anything (default). Free text is left out either way.
    k : int or None
        Blank the numbers of groups with fewer than ``k`` leads (seekers for
        ``cohort_outcomes``, leads for ``per_seeker``); ``None`` or 0 keeps
        every number.
    as_of : date-like, optional
        The "today" of the analysis (response rates, stalled seekers); by
        default the newest date in the log.
    salt : str or bytes, optional
        Salt for the pseudonyms; by default ``privacy.project_salt()``.

    Returns
    -------
    list of pathlib.Path
        Every file written: the CSV files in the order of :data:`TABLE_NAMES`,
        then ``tables.xlsx``.

    Each table has its group columns first, then ``n`` (a number, or
    ``"<5"`` where suppressed), the counts, rates and intervals of the metric
    (see :mod:`~infoview_analytics.metrics`), and ``suppressed``. Missing
    values and infinite "1 in N" (no offers yet) are empty cells; rates are
    fractions (0.25 = 25%).

    Raises
    ------
    ValueError
        An unknown format, or a negative ``k``.

    Examples
    --------
    >>> import tempfile
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_SEEKER_FILE
    >>> with tempfile.TemporaryDirectory() as d:
    ...     files = export_tables(load_log(SAMPLE_SEEKER_FILE), d, salt="workshop")
    ...     [p.name for p in files][:2], files[-1].name
    (['funnel.csv', 'response_by_channel.csv'], 'tables.xlsx')
    """
    formats, out_dir = _checked(formats, TABLE_FORMATS, k, out_dir)
    data = _shareable(log, anonymise=anonymise, salt=salt)
    tables = _metric_tables(data, k=k or 0, as_of=as_of)
    files: list[tuple[str, bytes]] = []
    if "csv" in formats:
        files += [(f"{t.name}.csv", _csv_bytes(t)) for t in tables]
    if "xlsx" in formats:
        files.append((TABLES_WORKBOOK, _xlsx_bytes(tables, _about(data, anonymise, k or 0))))
    # every file is made in memory before the first one is written
    return [write_atomically(out_dir / name, content) for name, content in files]


def neutralise_formula(value: object) -> object:
    """A cell value that no spreadsheet program will run as a formula.

    Text beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return is run as a formula by Excel, LibreOffice and Google Sheets when
    a CSV is opened (``=HYPERLINK(...)`` in a contact's name becomes a
    link; worse formulas can fetch data or start programs). Such text gets a
    leading apostrophe, which the programs show as text, following the OWASP
    guidance on CSV injection [1]_. Everything else, numbers included (a
    negative number is a number, not text), is returned unchanged.

    Both the CSV and the XLSX writers of :func:`export_tables` pass every
    cell through here.

    References
    ----------
    .. [1] OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection

    Examples
    --------
    >>> neutralise_formula('=HYPERLINK("http://x","click")')
    '\\'=HYPERLINK("http://x","click")'
    >>> neutralise_formula("-2+3"), neutralise_formula(-2), neutralise_formula("Acme")
    ("'-2+3", -2, 'Acme')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def write_atomically(path: str | os.PathLike[str], content: bytes) -> Path:
    """Write *content* to *path* so that the file is either the old one or the whole new one.

    The bytes go to a temporary file in the same folder (``.NAME.XXXXXXXX.tmp``,
    same file system, so the rename is atomic), are flushed to disk, and the
    file is then renamed over *path* with ``os.replace``. If anything fails or
    the run is interrupted (``KeyboardInterrupt`` included) the temporary file
    is removed and *path* is left as it was. The new file gets the usual
    permissions (the user's umask), not the private ones of ``tempfile``.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        with os.fdopen(os.open(tmp, flags, 0o666), "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path


def _checked(formats: Sequence[str], known: Sequence[str], k: int | None,
             out_dir: str | os.PathLike[str]) -> tuple[tuple[str, ...], Path]:
    """The formats, normalised and checked against *known*, and the output folder, made."""
    formats = tuple(str(f).lower().lstrip(".") for f in formats)
    unknown = sorted(set(formats) - set(known))
    if unknown or not formats:
        raise ValueError(f"cannot write {unknown or 'no format'}: choose from {tuple(known)}")
    if k is not None and k < 0:
        raise ValueError(f"k must be 0 or more (the smallest group shown), not {k}")
    folder = Path(out_dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return formats, folder


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


def _all_hidden(table: pd.DataFrame, k: int) -> None:
    """Refuse to draw a chart whose every group was suppressed."""
    if len(table) and "suppressed" in table and table["suppressed"].astype(bool).all():
        raise _NothingToDraw(f"every group has fewer than {k}")


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
        # The funnel is the networking one; a log of applications only gets theirs.
        self.funnel_activity = (
            "networking" if (data["activity"] == "networking").any() else "application"
        )

    def _caption(self, n: float, *, unit: str = "leads", source: str | None = None,
                 note: str | None = None, hidden: int = 0, hidden_unit: str = "leads") -> str:
        if hidden:
            note = _join(note, f"Groups with fewer than {self.k} {hidden_unit} not shown.")
        count = int(n) if np.isfinite(n) else 0
        return charts.caption_text(n=count, date_range=self.date_range, source=source,
                                   note=note, unit=unit)

    def charts(self) -> list[_Chart]:
        out = [
            _Chart("01_funnel", "From first message to offer (networking)"
                   if self.funnel_activity == "networking"
                   else "From application to offer", self.funnel),
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
        activity = self.funnel_activity
        leads = self.data.loc[(self.data["activity"] == activity).fillna(False)]
        table = metrics.funnel(leads)
        n = float(table["n"].max()) if len(table) else 0.0
        if not n:
            raise _NothingToDraw("no contacted leads")
        charts.plot_funnel(table, ax=ax)
        other = "applications are" if activity == "networking" else "networking is"
        return self._caption(n, unit=f"{activity} leads" if activity == "networking"
                             else "applications",
                             note=f"Each bar counts the leads that got at least that far; "
                                  f"{other} not included.")

    def response(self, ax: Axes, by: str) -> str:
        table = metrics.response_rates(self.data, by=by, as_of=self.as_of)
        if not table["n"].sum():
            raise _NothingToDraw(
                "the log does not record replies" if table["not_recorded"].sum()
                else "no leads contacted long enough ago to judge")
        table, hidden = _suppress(table, self.k)
        _all_hidden(table, self.k)
        charts.plot_response_rates(table, ax=ax, sort=True)
        pending = int(np.nansum(charts._floats(table["pending"]))) if len(table) else 0
        note = ("Only leads contacted at least 14 days before the last date count; "
                f"{pending:,} more are pending. " if pending else "")
        return self._caption(float(table["n"].sum()), note=note + _OBSERVATIONAL,
                             hidden=hidden)

    def offers(self, ax: Axes, activity: str, benchmark: benchmarks.Benchmark) -> str:
        table = metrics.offer_conversion(self.data, activity=activity)
        unit = "informational interviews" if activity == "networking" else "applications"
        if not table["n"].sum():
            raise _NothingToDraw(f"no {unit} in the log")
        table, hidden = _suppress(table, self.k)
        _all_hidden(table, self.k)
        charts.plot_offer_conversion(table, ax=ax)
        return self._caption(float(table["n"].sum()), unit=unit, source=_source(benchmark),
                             hidden=hidden, hidden_unit=unit)

    def referrals(self, ax: Axes) -> str:
        table = metrics.referral_yield(self.data, by="industry")
        if not table["n"].sum():
            raise _NothingToDraw("no informational interviews in the log")
        table, hidden = _suppress(table, self.k)
        _all_hidden(table, self.k)
        charts.plot_referral_yield(table, ax=ax, sort=True)
        return self._caption(
            float(table["n"].sum()), unit="informational interviews",
            note="Referrals: further people a contact introduced the seeker to. " + _OBSERVATIONAL,
            hidden=hidden, hidden_unit="informational interviews",
        )

    def chains(self, ax: Axes) -> str:
        edges = metrics.referral_edges(self.data)
        if edges.empty:
            raise _NothingToDraw("no one in the log was referred by another contact")
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
        if not len(table) or not table["events"].sum():
            raise _NothingToDraw("no reply dates in the log")
        hidden = 0
        if self.k and len(table):
            size = table.groupby("channel", observed=True)["at_risk"].transform("max")
            small = (size < self.k).to_numpy()
            hidden = table.loc[small, "channel"].nunique()
            table = table.loc[~small]
        if table.empty:
            raise _NothingToDraw(f"every channel has fewer than {self.k} leads")
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
        if not table["outreach"].sum():
            raise _NothingToDraw("no contact dates in the log")
        charts.plot_weekly_activity(table, ax=ax, by=by, align="start" if by else "calendar")
        seekers = self.data["seeker"].nunique()
        return self._caption(float(table["outreach"].sum()),
                             note=f"{seekers:,} seekers." if seekers > 1 else None)

    def cohort_outcomes(self, ax: Axes) -> str:
        table = metrics.cohort_outcomes(self.data)
        table, hidden = _suppress(table, self.k, n_column="seekers")
        _all_hidden(table, self.k)
        charts.plot_cohort_outcomes(table, ax=ax)
        return self._caption(float(table["seekers"].sum()), unit="seekers", hidden=hidden,
                             hidden_unit="seekers", note=_OBSERVATIONAL)


# ---------------------------------------------------------------------------
# Drawing and writing
# ---------------------------------------------------------------------------
def _render(chart: _Chart, *, formats: Sequence[str], dpi: int,
            figsize: tuple[float, float]) -> tuple[list[tuple[str, bytes]], str]:
    """Draw one chart and save it in every format, in memory; return (name, bytes) and caption."""
    with charts.workshop_style():
        fig = Figure(figsize=figsize, layout="constrained")
        ax = fig.add_subplot()
        caption = chart.draw(ax)
        ax.set_title(chart.title)
        charts.add_caption(fig, caption)
        files = []
        for fmt in formats:
            buffer = io.BytesIO()
            metadata = {**_METADATA[fmt], "Title": chart.title}
            fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
            files.append((f"{chart.stem}.{fmt}", buffer.getvalue()))
    return files, caption


def _index(captions: list[tuple[_Chart, str]], formats: Sequence[str], pack: _ChartPack,
           left_out: list[tuple[_Chart, str]]) -> str:
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
    if left_out:
        lines += ["", "Not drawn, because this log has nothing to show for them:", ""]
        lines += [f"- {chart.title}: {reason}" for chart, reason in left_out]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Table:
    name: str
    columns: list[str]
    rows: list[list[object]]  # plain Python values, text neutralised


def _metric_tables(data: pd.DataFrame, *, k: int, as_of: object) -> list[_Table]:
    """Every table of :data:`TABLE_NAMES`, suppressed and made of plain cell values."""
    networking = data.loc[(data["activity"] == "networking").fillna(False)]
    with warnings.catch_warnings():
        # small groups are flagged in each table's small_sample column instead
        warnings.simplefilter("ignore", SmallSampleWarning)
        made = {
            "funnel": metrics.funnel(data, by="activity"),
            "response_by_channel": metrics.response_rates(data, by="channel", as_of=as_of),
            "response_by_industry": metrics.response_rates(data, by="industry", as_of=as_of),
            "response_by_cohort": metrics.response_rates(data, by="cohort", as_of=as_of),
            "offers_networking": metrics.offer_conversion(data, activity="networking",
                                                          by="cohort"),
            "offers_applications": metrics.offer_conversion(data, activity="application",
                                                            by="cohort"),
            "referral_yield_by_industry": metrics.referral_yield(data, by="industry"),
            "referred_vs_cold": metrics.referred_vs_cold(networking),
            "response_days_by_channel": metrics.median_response_days(data, by="channel",
                                                                     as_of=as_of),
            "cohort_outcomes": metrics.cohort_outcomes(data, as_of=as_of),
            "per_seeker": metrics.per_seeker(data),
        }
    n_columns = {"cohort_outcomes": "seekers", "per_seeker": "leads"}
    return [_table(name, made[name], k=k, n_column=n_columns.get(name, "n"))
            for name in TABLE_NAMES]


def _table(name: str, table: pd.DataFrame, *, k: int, n_column: str) -> _Table:
    """Suppress groups under ``k`` (``n`` shown as ``"<k"``) and turn cells into plain values."""
    table = table.reset_index(drop=True)
    if k and n_column in table.columns and len(table):
        flagged = privacy.suppress_small(table, k=k, n_column=n_column)
        small = flagged["suppressed"].to_numpy(dtype=bool)
        shown = flagged[n_column].astype(object)
        shown[small] = f"<{k}"
        table = flagged.drop(columns="n_display")
        table[n_column] = shown
    else:
        table = table.assign(suppressed=False)
    columns = [str(c) for c in table.columns]
    rows = [[_cell(v) for v in row] for row in table.itertuples(index=False, name=None)]
    return _Table(name, columns, rows)


def _cell(value: object) -> object:
    """One exported cell: None, bool, int, finite float, date/datetime, or neutralised text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_localize(None)
        whole_day = stamp == stamp.normalize()
        return stamp.date() if whole_day else stamp.to_pydatetime()
    if isinstance(value, dt.date):
        return value
    # Control characters that XML (so XLSX) cannot hold are dropped first, so that
    # dropping them cannot uncover a formula ("\x01=cmd" would become "=cmd").
    return neutralise_formula(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def _csv_bytes(table: _Table) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, dt.date) else v
                         for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_bytes(tables: list[_Table], about: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "About"
    for line in about:
        sheet.append([_cell(v) for v in line])
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 90
    bold = openpyxl.styles.Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(table.name)
        sheet.append(table.columns)
        for row in table.rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = bold
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    save_workbook_reproducibly(book, buffer, creator="infoview-analytics")  # type: ignore[arg-type]
    return buffer.getvalue()


def _about(data: pd.DataFrame, anonymised: bool, k: int) -> list[list[object]]:
    dates = data["contacted_on"].dropna()
    span = (f"Leads contacted {dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}"
            if len(dates) else "No contact dates")
    note = ("Names are replaced by pseudonyms; notes and other free text are left out."
            if anonymised else "Names are not anonymised; notes and free text are left out.")
    if k:
        note += f' Numbers of groups with fewer than {k} are left out, n shown as "<{k}".'
    lines: list[list[object]] = [
        ["Outreach metrics"], [note], [f"{span}; {len(data):,} leads."],
        ["Rates are fractions (0.25 = 25%); intervals are 95% Wilson intervals."], [],
        ["Sheet", "What it shows"],
    ]
    return lines + [[name, what] for name, what in TABLE_NAMES.items()]
