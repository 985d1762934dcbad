"""Saving an outreach log so that loading it again gives the same table.

Derived columns are written in the words the loader reads back: booleans as
Yes/No, the stage of a lead never contacted as "planned", dates as real
dates in a workbook and ISO dates in text. Provenance columns are not saved:
the saved file is the new source.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.writer.excel import ExcelWriter

from .errors import ExportError
from .schema import BOOL_COLUMNS, COLUMN_NAMES, DATE_COLUMNS, PROVENANCE_COLUMNS

__all__ = ["save_log", "save_workbook_reproducibly"]

_DERIVED = ("channel",)  # read back from channel_raw


def log_for_saving(log: pd.DataFrame) -> pd.DataFrame:
    """The log as the plain table :func:`save_log` writes (one header per column)."""
    keep = [c for c in log.columns if c not in PROVENANCE_COLUMNS and c not in _DERIVED]
    out = log[keep].copy()
    # channel_raw falls back to the canonical word so the channel survives the trip
    out["channel_raw"] = log["channel_raw"].astype("string").fillna(
        log["channel"].astype("string").replace("unknown", pd.NA))
    for col in BOOL_COLUMNS:
        out[col] = log[col].map({True: "Yes", False: "No"}, na_action="ignore").astype("object")
    out["stage"] = log["stage"].astype("string").fillna("planned")
    for col in out.columns:
        if col not in DATE_COLUMNS and col not in BOOL_COLUMNS:
            out[col] = out[col].astype("object").where(out[col].notna(), None)
    return out[[c for c in COLUMN_NAMES if c in out] + [c for c in out if c not in COLUMN_NAMES]]


def save_log(log: pd.DataFrame, path: str | Path) -> Path:
    """Write *log* to .xlsx or .csv so that :func:`~infoview_analytics.load.load_log` reads it back.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_SEEKER_FILE
    >>> log = load_log(SAMPLE_SEEKER_FILE)
    >>> out = save_log(log, pathlib.Path(tempfile.mkdtemp()) / "copy.csv")
    >>> len(load_log(out)) == len(log)
    True
    """
    path = Path(path)
    table = log_for_saving(log)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        for col in DATE_COLUMNS:
            table[col] = table[col].dt.strftime("%Y-%m-%d")
        table.to_csv(path, index=False, encoding="utf-8")
    elif suffix in (".xlsx", ".xlsm"):
        table.to_excel(path, index=False, sheet_name="Outreach log", engine="openpyxl")
    else:
        raise ExportError(f"{path}: cannot save a log as '{suffix}'; use .xlsx or .csv.")
    return path


FIXED_TIME = dt.datetime(2025, 1, 1)


def save_workbook_reproducibly(book: openpyxl.Workbook, path: Path, *, creator: str) -> None:
    """Save *book* so that the same content always gives the same bytes.

    ``Workbook.save`` stamps the current time into the document properties and
    every zip entry; this writes through ``ExcelWriter`` and re-zips with a
    fixed time, so committed sample files and templates do not churn.
    """
    book.properties.creator = book.properties.lastModifiedBy = creator
    book.properties.created = book.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    ExcelWriter(book, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w") as out:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=FIXED_TIME.timetuple()[:6])
            info.external_attr = 0o644 << 16
            out.writestr(info, source.read(entry), compress_type=zipfile.ZIP_DEFLATED)
