"""Preparing logs and tables for sharing: pseudonyms for people, no small cells.

Outreach logs name students and the people they contacted. Workshop charts
and counselor reports need neither: :func:`pseudonymise` replaces names with
stable salted hashes (so a seeker's rows, and ``referred_by`` links, still
join up) and drops free text, and :func:`suppress_small` blanks the rates of
groups so small that a reader could work out what happened to one student,
the usual practice in student-outcome reporting (cells under 5 are not
published).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .schema import PERSONAL_COLUMNS, STRING

__all__ = ["SALT_FILE", "SALT_ENV", "project_salt", "pseudonymise", "suppress_small"]

#: File holding a project's salt, in the project folder (keep it out of shared folders).
SALT_FILE = ".infoview-salt"
#: Environment variable whose value, when set, is used as the salt instead of the file.
SALT_ENV = "INFOVIEW_SALT"

#: Columns of free text that may name people; dropped, never hashed.
_FREE_TEXT = ("notes", "status_raw", "channel_raw")
#: Provenance columns that often carry a student's name (one file or sheet per student).
_PROVENANCE_NAMES = ("source_file", "source_sheet")
#: Numeric columns of metric tables that describe the group, not its people.
_NOT_COUNTS = ("benchmark", "days", "chain_id", "depth")
_HEX_DIGITS = 8


def project_salt(folder: str | Path = ".") -> str:
    """The project's secret salt for :func:`pseudonymise`, created on first use.

    The salt makes pseudonyms impossible to reverse by hashing a list of
    likely names, and keeps them stable across runs of one project, so
    shared tables from different weeks still line up. Keep the file private:
    anyone who has it can check a guessed name against a pseudonym.

    Parameters
    ----------
    folder : str or Path
        Folder holding ``.infoview-salt``; the file is created there (with a
        random 128-bit hex salt, readable only by the user) if missing.

    Returns
    -------
    str
        The value of ``$INFOVIEW_SALT`` if set and not empty, else the file's
        content.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     project_salt(d) == project_salt(d)
    True
    """
    from_env = os.environ.get(SALT_ENV, "").strip()
    if from_env:
        return from_env
    path = Path(folder) / SALT_FILE
    if path.is_file():
        salt = path.read_text(encoding="utf-8").strip()
        if salt:
            return salt
    salt = secrets.token_hex(16)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(salt + "\n")
    return salt


def _pseudonym(value: str, salt: bytes, prefix: str) -> str:
    key = " ".join(value.split()).casefold()
    digest = hmac.new(salt, key.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{prefix}-{digest[:_HEX_DIGITS]}"


def _hash_column(values: pd.Series, salt: bytes, prefix: str) -> pd.Series:
    text = values.astype(STRING)
    unique = {v: _pseudonym(v, salt, prefix) for v in text.dropna().unique() if v.strip()}
    return text.map(unique).astype(STRING)


def pseudonymise(
    log: pd.DataFrame, *, salt: str | bytes, columns: Sequence[str] = PERSONAL_COLUMNS
) -> pd.DataFrame:
    """A copy of *log* safe to share: names hashed, free text dropped.

    Parameters
    ----------
    log : pandas.DataFrame
        An outreach log.
    salt : str or bytes
        Secret salt, normally :func:`project_salt`. The same name and salt
        always give the same pseudonym; another salt gives another.
    columns : sequence of str
        Columns that may identify someone (default
        :data:`~infoview_analytics.schema.PERSONAL_COLUMNS`). Names are
        replaced by ``"P-"`` and 8 hex digits of an HMAC-SHA256 of the name
        (trimmed, case-insensitive, so ``referred_by`` still matches
        ``contact``); ``notes`` is dropped, not hashed.

    Returns
    -------
    pandas.DataFrame
        The log with *columns* pseudonymised; ``notes``, ``status_raw`` and
        ``channel_raw`` (free text that can name people, e.g. "Intro from
        Mei") and every text ``extra_*`` column dropped; ``source_file`` and
        ``source_sheet`` (often a student's name) hashed as ``"F-..."``.
        Eight hex digits keep accidental collisions unlikely (about 1 in
        8,000 for 1,000 distinct names).

    Raises
    ------
    ValueError
        If *salt* is empty.

    References
    ----------
    .. [1] Krawczyk, H., Bellare, M., Canetti, R. (1997). HMAC: keyed-hashing
       for message authentication. RFC 2104.

    Examples
    --------
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_SEEKER_FILE
    >>> shared = pseudonymise(load_log(SAMPLE_SEEKER_FILE), salt="workshop")
    >>> shared["contact"].iloc[0][:2], "notes" in shared
    ('P-', False)
    """
    if not salt:
        raise ValueError("salt must not be empty; use project_salt() to make one")
    key = salt if isinstance(salt, bytes) else salt.encode("utf-8")
    out = log.copy()
    drop = [c for c in out.columns if c in _FREE_TEXT]
    drop += [
        c for c in out.columns
        if c.startswith("extra_") and not pd.api.types.is_numeric_dtype(out[c].dtype)
        and not pd.api.types.is_datetime64_any_dtype(out[c].dtype)
    ]
    out = out.drop(columns=sorted(set(drop)))
    for c in columns:
        if c in out.columns:
            out[c] = _hash_column(out[c], key, "P")
    for c in _PROVENANCE_NAMES:
        if c in out.columns:
            out[c] = _hash_column(out[c], key, "F")
    return out


def suppress_small(
    table: pd.DataFrame,
    *,
    k: int = 5,
    n_column: str = "n",
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Blank the numbers of groups with fewer than *k* people, for sharing.

    Small cells can reveal one student's outcome ("the one Nonprofit
    interview got no referral"); student-outcome reports conventionally
    publish no cell under 5. Analysis keeps the small groups (flagged
    ``small_sample``); only tables meant for sharing go through here.
    Suppression is per row: if a total is shown too, a reader can subtract,
    so share totals only when several rows are suppressed or none.

    Parameters
    ----------
    table : pandas.DataFrame
        A metric table.
    k : int
        Smallest group size shown (default 5).
    n_column : str
        The column holding the group size (``"n"``, or ``"seekers"`` for
        :func:`~infoview_analytics.metrics.cohort_outcomes`).
    columns : sequence of str, optional
        Columns to blank; default every numeric column except bool flags and
        columns that describe the group rather than its people (``benchmark``,
        ``days``, ``chain_id``, ``depth``). *n_column* is always blanked.

    Returns
    -------
    pandas.DataFrame
        A copy with, on rows where ``n < k``, *columns* and *n_column* set to
        missing (counts become nullable ``Int64``); a bool ``suppressed``
        column and a string ``n_display`` column (``"<5"`` where suppressed,
        else the number) to print instead of ``n``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"channel": ["email", "phone"], "n": [12, 3],
    ...                   "responded": [4, 1], "rate": [4 / 12, 1 / 3]})
    >>> s = suppress_small(t)
    >>> s["n_display"].tolist(), s["suppressed"].tolist(), bool(pd.isna(s.loc[1, "rate"]))
    (['12', '<5'], [False, True], True)
    """
    out = table.copy()
    n = pd.to_numeric(out[n_column]).astype("Float64")
    small = (n < k).fillna(False).to_numpy(dtype=bool)
    if columns is None:
        columns = [
            c for c in out.columns
            if c != n_column and c not in _NOT_COUNTS and c not in ("suppressed",)
            and pd.api.types.is_numeric_dtype(out[c].dtype)
            and not pd.api.types.is_bool_dtype(out[c].dtype)
        ]
    for c in [*columns, n_column]:
        values = out[c]
        if pd.api.types.is_integer_dtype(values.dtype):
            values = values.astype("Int64")
        elif pd.api.types.is_float_dtype(values.dtype) and not isinstance(
            values.dtype, pd.api.extensions.ExtensionDtype
        ):
            out[c] = values.where(~small, np.nan)
            continue
        out[c] = values.mask(small)
    out["suppressed"] = small
    shown = n.astype(object).map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")
    out["n_display"] = pd.Series(
        np.where(small, f"<{k}", shown.to_numpy(dtype=object)), index=out.index, dtype=STRING
    )
    return out
