"""The outreach log: the one table every part of the kit works on.

The canonical columns, their dtypes and their vocabularies are declared here
once; the loader, the sample generator, the template and the metrics all refer
to these names instead of spelling them again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .rows import in_order, used_values

__all__ = [
    "ACTIVITIES",
    "CHANNELS",
    "STAGES",
    "OUTCOMES",
    "COLUMNS",
    "Column",
    "PERSONAL_COLUMNS",
    "PROVENANCE_COLUMNS",
    "empty_log",
    "conform",
    "text_categorical",
]

ACTIVITIES = ("networking", "application")
CHANNELS = (
    "linkedin",
    "email",
    "phone",
    "letter",
    "alumni",
    "warm_intro",
    "event",
    "in_person",
    "job_board",
    "company_site",
    "recruiter",
    "other",
    "unknown",
)
#: Furthest stage reached, in order. A lead that was planned but never
#: contacted (a draft, "Have contacted? No") has no stage (``<NA>``).
STAGES = ("contacted", "responded", "info_interview", "referred", "job_interview", "offer")
OUTCOMES = ("open", "no_response", "declined", "rejected", "withdrawn", "offer")

DATE = "datetime64[ns]"
STRING = pd.StringDtype("python", na_value=pd.NA)


@dataclass(frozen=True)
class Column:
    """One canonical column: its name, pandas dtype, friendly header and meaning."""

    name: str
    dtype: object
    header: str
    meaning: str


COLUMNS: tuple[Column, ...] = (
    Column("seeker", "string", "Seeker", "who did the outreach (student / job seeker)"),
    Column("cohort", "category", "Cohort", "class year, program or workshop"),
    Column(
        "activity",
        pd.CategoricalDtype(ACTIVITIES),
        "Activity",
        "networking (asking a person) or application (applying to a posting)",
    ),
    Column("contact", "string", "Contact", "the person contacted"),
    Column("contact_title", "string", "Contact title", "their job title"),
    Column("company", "string", "Company", "organisation"),
    Column("industry", "category", "Industry", "industry of the company"),
    Column("channel", pd.CategoricalDtype(CHANNELS), "Channel", "how the seeker reached out"),
    Column("channel_raw", "string", "Channel (as written)", "the channel as written"),
    Column("referred_by", "string", "Referred by", "who introduced the seeker to this contact"),
    Column("contacted_on", DATE, "Date contacted", "first outreach / application date"),
    Column("followups", "Int64", "Follow-ups", "number of follow-ups sent"),
    Column("responded", "boolean", "Responded", "any reply at all, positive or negative"),
    Column("responded_on", DATE, "Date responded", "date of the first reply"),
    Column("info_interview", "boolean", "Info interview", "an informational interview took place"),
    Column("info_interview_on", DATE, "Info interview date", "date of the informational interview"),
    Column("thank_you", "boolean", "Thank-you sent", "a thank-you note was sent"),
    Column("referrals", "Int64", "Referrals",
           "further contacts this person referred the seeker to"),
    Column("job_interview", "boolean", "Job interview", "the lead led to a job interview"),
    Column("offer", "boolean", "Offer", "the lead led to a job offer"),
    Column("stage", pd.CategoricalDtype(STAGES, ordered=True), "Stage", "furthest stage reached"),
    Column("outcome", pd.CategoricalDtype(OUTCOMES), "Outcome", "final disposition"),
    Column("status_raw", "string", "Status", "the original status text, untouched"),
    Column("notes", "string", "Notes", "free text, untouched"),
    Column("source_file", "string", "Source file", "file the row came from"),
    Column("source_sheet", "string", "Source sheet", "sheet the row came from"),
    Column("source_row", "Int64", "Source row", "1-based spreadsheet row"),
)

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
DTYPES: dict[str, object] = {c.name: c.dtype for c in COLUMNS}
DATE_COLUMNS = tuple(c.name for c in COLUMNS if c.dtype == DATE)
BOOL_COLUMNS = tuple(c.name for c in COLUMNS if c.dtype == "boolean")
#: Columns that may identify a person; dropped or pseudonymised for sharing.
PERSONAL_COLUMNS = ("seeker", "contact", "contact_title", "referred_by", "notes")
PROVENANCE_COLUMNS = ("source_file", "source_sheet", "source_row")


def empty_log() -> pd.DataFrame:
    """An outreach log with every canonical column and no rows.

    Examples
    --------
    >>> list(empty_log().columns[:4])
    ['seeker', 'cohort', 'activity', 'contact']
    >>> len(empty_log())
    0
    """
    return conform(pd.DataFrame(index=pd.RangeIndex(0)))


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Return *frame* with every canonical column, in order, with its dtype.

    Missing canonical columns are added all-missing; columns beyond the
    canonical ones (``extra_*``) are kept after them. Free-category columns
    (``cohort``, ``industry``) keep whatever categories their values have, sorted.
    A frame in that shape already (as the loader makes it) is returned as a shallow
    copy.
    """
    if _in_shape(frame):
        return frame.copy(deep=False)  # (copied on write, if ever)
    out = {}
    n = len(frame)
    for col in COLUMNS:
        if col.name in frame.columns:
            values = frame[col.name]
        else:
            values = pd.Series(pd.NA, index=frame.index, dtype="object")
        present = n or col.name in frame
        out[col.name] = _as_dtype(values, col.dtype) if present else _empty(col.dtype)
    result = pd.DataFrame(out, index=frame.index, copy=False)  # copied on write, if ever
    extras = [c for c in frame.columns if c not in DTYPES]
    for c in extras:
        result[c] = frame[c]
    return result


def text_categorical(codes: np.ndarray, texts: np.ndarray, *,
                     sort: bool = False) -> pd.Categorical:
    """Rows given as *codes* (-1: missing) of distinct *texts*, as a categorical whose
    categories are those texts, in the table's string dtype; *sort*: sorted, as
    :func:`conform` gives a free category."""
    categories = pd.Index(texts, dtype=STRING)
    if sort:
        return _sorted_categorical(codes, categories)
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories))


def _sorted_categorical(codes: np.ndarray, categories: pd.Index) -> pd.Categorical:
    """Rows given as *codes* of *categories*, the categories sorted: each row's code is
    looked up by its category's rank (where ``reorder_categories`` would match the
    texts again)."""
    order = categories.argsort()
    if (order[1:] > order[:-1]).all():  # sorted already
        return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories))
    return pd.Categorical.from_codes(in_order(codes, order, len(order)),
                                     dtype=pd.CategoricalDtype(categories[order]))


def _in_shape(frame: pd.DataFrame) -> bool:
    """Whether *frame* has the canonical columns first, in order, each with its dtype
    (a free category: sorted text categories, each used), and no other column named
    like one."""
    names = frame.columns
    if len(names) < len(COLUMNS) or not names.is_unique or \
            list(names[: len(COLUMNS)]) != list(COLUMN_NAMES):
        return False
    for col, dtype in zip(COLUMNS, frame.dtypes.iloc[: len(COLUMNS)], strict=True):
        if isinstance(col.dtype, str) and col.dtype == "category":  # a free category
            if not _tidy_category(frame[col.name]):
                return False
        elif not _has_exactly(dtype, col.dtype):
            return False
    return True


def _tidy_category(values: pd.Series) -> bool:
    """A free category as :func:`conform` makes it: unordered text categories, sorted,
    each some row's."""
    if not (isinstance(values.dtype, pd.CategoricalDtype) and not values.dtype.ordered
            and _has_exactly(values.cat.categories.dtype, "string")
            and values.cat.categories.is_monotonic_increasing):
        return False
    return _all_used(values)


def _all_used(values: pd.Series) -> bool:
    """Whether each category of *values* is some row's."""
    codes = values.cat.codes.to_numpy().astype(np.intp)  # (int8 codes, counted one up)
    return bool(used_values(codes, len(values.cat.categories)).all())


def _empty(dtype: object) -> pd.Series:
    return pd.Series([], dtype=dtype)


def _as_dtype(values: pd.Series, dtype: object) -> pd.Series:
    if _has_exactly(values.dtype, dtype):
        return values
    if isinstance(dtype, pd.CategoricalDtype):
        return values.astype("object").where(values.notna(), None).astype(dtype)
    if dtype == DATE:
        return pd.to_datetime(values, errors="coerce").astype(DATE)
    if dtype == "category":
        if isinstance(values.dtype, pd.CategoricalDtype) and \
                _has_exactly(values.cat.categories.dtype, "string"):
            # already coded text: the categories are put in shape, the rows only recoded
            # (and only where they are not in shape already)
            if not _all_used(values):
                values = values.cat.remove_unused_categories()
            values = values.cat.as_unordered()
            if values.cat.categories.is_monotonic_increasing:
                return values
            return pd.Series(_sorted_categorical(values.cat.codes.to_numpy(),
                                                 values.cat.categories),
                             index=values.index, name=values.name, copy=False)
        return values.astype(STRING).astype("category")
    if dtype == "string":
        return values.astype(STRING)
    return values.astype(dtype)


def _has_exactly(have: object, want: object) -> bool:
    """Whether dtype *have* is *want* in every detail.

    pandas compares dtypes loosely (any string dtype equals "string", categoricals
    with the same categories in another order are equal), so each kind is checked
    here; a free "category" always goes through the cast.
    """
    if isinstance(want, pd.CategoricalDtype):
        return (isinstance(have, pd.CategoricalDtype) and have.ordered == want.ordered
                and have.categories.dtype == want.categories.dtype
                and have.categories.equals(want.categories))
    if want == "string":
        return (isinstance(have, pd.StringDtype) and have.storage == STRING.storage
                and have.na_value is STRING.na_value)
    if want == "category":
        return False
    return have == want
