"""Metrics: pure functions of the outreach log, each returning a tidy table.

Every table has the group columns first (none when ``by=None``), then ``n``
(the denominator), the count, the rate and its interval, and
``small_sample`` (``n < 10``; a :class:`SmallSampleWarning` is emitted too).
Nothing here draws or reads files, and nothing changes the log.

Conventions shared by every metric (``metrics.md``):

* Leads without a ``stage`` were planned, never contacted; they are left out
  of every denominator.
* Yes/no columns that are missing (``<NA>``, unknown) count as "not reached".
* ``by`` is ``None`` (one overall row), a column name or a list of them.
  Two names are computed: ``"month"`` (``contacted_on`` as ``"YYYY-MM"``) and
  ``"followed_up"`` (``followups > 0``). Missing group values form their own
  group, ``"unknown"`` (``"unassigned"`` for ``cohort``), so group ``n`` always
  adds up to the overall ``n``.
* ``as_of`` defaults to the newest date in the log (``contacted_on``,
  ``responded_on``, ``info_interview_on``).
* A lead's referrals are the larger of its own ``referrals`` count and the
  number of the seeker's other leads whose ``referred_by`` names it
  (case-insensitive).
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .benchmarks import APPLICATION_TO_OFFER, INFO_INTERVIEW_TO_OFFER, Benchmark
from .errors import SmallSampleWarning
from .schema import ACTIVITIES, COLUMN_NAMES, STAGES, STRING, conform
from .stats import binomial_test, one_in, poisson_rate_interval, wilson_interval

__all__ = [
    "SMALL_SAMPLE",
    "SmallSampleWarning",
    "funnel",
    "response_rates",
    "response_counts",
    "offer_conversion",
    "format_one_in",
    "referral_yield",
    "referred_vs_cold",
    "referral_chains",
    "referral_edges",
    "time_to_response",
    "median_response_days",
    "weekly_activity",
    "stalled_seekers",
    "per_seeker",
    "cohort_outcomes",
    "followups_due",
]

#: Groups with fewer leads than this are flagged ``small_sample``.
SMALL_SAMPLE = 10

By = str | Sequence[str] | None
DateLike = str | pd.Timestamp | Any

_CLOSED_OUTCOMES = ("declined", "rejected", "withdrawn", "offer")


# ---------------------------------------------------------------------------
# Shared helpers.
# ---------------------------------------------------------------------------
def _canonical(log: pd.DataFrame) -> pd.DataFrame:
    """The log with every canonical column (added all-missing if absent), index 0..n-1."""
    if any(c not in log.columns for c in COLUMN_NAMES):
        log = conform(log)
    return log.reset_index(drop=True)


def _keys(by: By) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


def _flag(log: pd.DataFrame, column: str) -> np.ndarray:
    """A yes/no column as a NumPy bool array, missing as False."""
    return np.array(log[column].astype("boolean").fillna(False), dtype=bool)


def _contacted(log: pd.DataFrame) -> np.ndarray:
    """Leads that were actually contacted (planned / draft rows have no stage)."""
    return np.array(log["stage"].notna(), dtype=bool)


def _missing_label(key: str) -> str:
    return "unassigned" if key == "cohort" else "unknown"


def _group_column(log: pd.DataFrame, key: str) -> pd.Series:
    """The values to group *log* by for *key*, missing values labelled."""
    missing = _missing_label(key)
    if key == "month":
        s = log["contacted_on"].dt.strftime("%Y-%m").astype(STRING).fillna(missing)
    elif key == "followed_up":
        s = log["followups"].astype("Float64").fillna(0).gt(0).astype(bool)
    elif key not in log.columns:
        raise ValueError(
            f"cannot group by {key!r}: the log has no such column; use a log column "
            "(channel, industry, cohort, seeker, activity, ...), 'month' or 'followed_up'"
        )
    else:
        s = log[key]
        if isinstance(s.dtype, pd.CategoricalDtype):
            if s.isna().any():
                if missing not in s.cat.categories:
                    s = s.cat.add_categories([missing])
                s = s.fillna(missing)
        elif pd.api.types.is_bool_dtype(s.dtype):
            if s.isna().any():
                s = s.astype(object).where(s.notna(), missing).astype(STRING)
        elif pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(
            s.dtype
        ):
            pass  # missing numbers / dates stay a group of their own (dropna=False)
        else:
            s = s.astype(STRING).fillna(missing)
    return s.rename(key).reset_index(drop=True)


def _group_frame(log: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return pd.DataFrame({k: _group_column(log, k) for k in keys}, index=log.index)


def _tidy_keys(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    for k in keys:
        if isinstance(table[k].dtype, pd.CategoricalDtype):
            table[k] = table[k].cat.remove_unused_categories()
    return table


def _sorted_groups(log: pd.DataFrame, keys: list[str],
                   rows: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
    """(group number of each of the *rows*, one row of key values per group) by *keys*.

    The groups of a sorted groupby (one group when *keys* is empty); *rows* a bool mask.
    """
    if keys == ["seeker"] and isinstance(log["seeker"].dtype, pd.StringDtype):
        codes, seekers = _seeker_codes(log)  # hashed once per log
        codes = codes[rows]
        present = np.bincount(codes, minlength=len(seekers)) > 0
        table = pd.DataFrame({"seeker": seekers[present].reset_index(drop=True)})
        return (np.cumsum(present) - 1)[codes], table
    frame = _group_frame(log, keys)[rows].reset_index(drop=True)
    if not keys:
        return np.zeros(len(frame), dtype=np.int64), pd.DataFrame(index=range(1))
    group = frame.groupby(keys, observed=True, sort=True, dropna=False).ngroup().to_numpy()
    _, first = np.unique(group, return_index=True)
    return group, frame.take(first).reset_index(drop=True)


def _key_groups(values: pd.Series) -> np.ndarray:
    """Each value's group number in a sorted groupby by it: its sorted code, missing last."""
    codes, uniques = pd.factorize(values, sort=True)
    return np.where(codes < 0, len(uniques), codes)


def _sum_by(frame: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.DataFrame:
    """Sum *columns* of *frame* per group; one row (no key columns) when *keys* is empty."""
    if not keys:
        return pd.DataFrame({c: [int(frame[c].sum())] for c in columns})
    if frame.empty:
        table = frame[keys].iloc[:0].copy()
        for c in columns:
            table[c] = pd.Series([], dtype="int64")
        return _tidy_keys(table.reset_index(drop=True), keys)
    if len(keys) == 1:
        group = _key_groups(frame[keys[0]])
        groups = int(group.max()) + 1
        first = np.full(groups, len(group))
        np.minimum.at(first, group, np.arange(len(group)))
        table = frame[keys].take(first).reset_index(drop=True)
        for c in columns:
            table[c] = np.bincount(group, weights=frame[c].to_numpy(dtype=float),
                                   minlength=groups).astype("int64")
        return _tidy_keys(table, keys)
    table = (
        frame.groupby(keys, observed=True, sort=True, dropna=False)[columns].sum().reset_index()
    )
    return _tidy_keys(table.astype({c: "int64" for c in columns}), keys)


def _ratio(count: pd.Series, n: pd.Series) -> pd.Series:
    n = n.astype(float)
    return (count.astype(float) / n.where(n > 0)).astype(float)


def _add_rate(
    table: pd.DataFrame,
    count: str,
    *,
    n: str = "n",
    alpha: float,
    rate: str = "rate",
    low: str = "ci_low",
    high: str = "ci_high",
) -> pd.DataFrame:
    table[rate] = _ratio(table[count], table[n])
    lo, hi = wilson_interval(table[count], table[n], alpha=alpha)
    table[low] = lo
    table[high] = hi
    return table


def _flag_small(table: pd.DataFrame, what: str, *, n: str = "n", warn: bool = True) -> pd.DataFrame:
    table["small_sample"] = (table[n] < SMALL_SAMPLE).astype(bool)
    if warn and table["small_sample"].any():
        k = int(table["small_sample"].sum())
        warnings.warn(
            f"{what}: {k} of {len(table)} row(s) rest on fewer than {SMALL_SAMPLE} "
            "(see the small_sample column); read their rates and intervals as rough",
            SmallSampleWarning,
            stacklevel=3,
        )
    return table


def _timestamp(value: DateLike | None) -> pd.Timestamp:
    return pd.NaT if value is None else pd.Timestamp(value).normalize()


def _newest_date(log: pd.DataFrame) -> pd.Timestamp:
    """The newest of ``contacted_on``, ``responded_on`` and ``info_interview_on`` (NaT if none)."""
    newest = [log[c].max() for c in ("contacted_on", "responded_on", "info_interview_on")]
    newest = [d for d in newest if pd.notna(d)]
    return max(newest) if newest else pd.NaT


def _as_of(log: pd.DataFrame, as_of: DateLike | None) -> pd.Timestamp:
    return _newest_date(log) if as_of is None else _timestamp(as_of)


def _days(delta: pd.Series) -> np.ndarray:
    """Whole days of a timedelta Series as floats (NaN for NaT)."""
    return (delta / pd.Timedelta(days=1)).to_numpy(dtype=float, na_value=np.nan)


def _lookup(keys: pd.Series, values: pd.Series, dtype: object) -> pd.Series:
    """``values[key]`` for each of *keys* (missing where absent), as *dtype*."""
    if keys.empty or values.empty:
        return pd.Series(pd.NaT if dtype == "datetime64[ns]" else np.nan, index=keys.index,
                         dtype=dtype)
    found = values.reindex(list(keys.astype(object)))
    return pd.Series(found.to_numpy(), index=keys.index).astype(dtype)


# What _remembered computed, by the memory of the columns it was computed from.
_MEMO: OrderedDict[tuple, tuple[tuple, Any]] = OrderedDict()
_MEMO_KEPT = 16  # the columns and graphs of the latest log or two


def _storage(values: pd.Series) -> tuple[np.ndarray, tuple] | None:
    """A text column's strings as stored, and where they are (None for other columns)."""
    if not (isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "python"):
        return None
    text = values.to_numpy(dtype=object)
    return text, (text.__array_interface__["data"][0], text.shape, text.strides)


def _remembered(what: str, columns: tuple[pd.Series, ...], compute: Any) -> Any:
    """``compute()``, kept for *columns*, which it must depend on alone.

    Hashing the million strings of a large log's seekers and contacts takes
    longer than the rest of a metric, and every metric of the log needs
    them, so the result is kept for the memory the columns' strings are in.
    The columns and their arrays are kept with it: the memory stays theirs,
    and under copy-on-write a later change to the log's column is written to
    a copy at another address, never to it. Only text columns are kept.
    """
    stored = [_storage(c) for c in columns]
    if any(x is None for x in stored):
        return compute()
    key = (what, *(where for _, where in stored))
    if key in _MEMO:
        _MEMO.move_to_end(key)
        return _MEMO[key][1]
    value = compute()
    _MEMO[key] = ((columns, [text for text, _ in stored]), value)
    while len(_MEMO) > _MEMO_KEPT:
        _MEMO.popitem(last=False)
    return value


def _read_only(*arrays: np.ndarray) -> None:
    for a in arrays:
        a.setflags(write=False)


def _text_factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, uniques) of ``values.astype(STRING)``: -1 for missing, else first-seen order.

    Both arrays are read-only. Only the present values are hashed: looking
    ``<NA>`` up costs more than a string, and most cells of ``referred_by``
    are empty.
    """
    def compute() -> tuple[np.ndarray, np.ndarray]:
        text = values if isinstance(values.dtype, pd.StringDtype) else values.astype(STRING)
        present = text.notna().to_numpy()
        codes = np.full(len(text), -1, dtype=np.int64)
        found, uniques = pd.factorize(text.to_numpy(dtype=object)[present])
        codes[present] = found
        _read_only(codes, uniques)
        return codes, uniques

    return _remembered("codes", (values,), compute)


def _text_order(values: pd.Series) -> np.ndarray:
    """Per code of :func:`_text_factorize`: the text's place among them sorted (read-only).

    The last entry, code -1 (a missing value), comes after them all.
    """
    def compute() -> np.ndarray:
        _, uniques = _text_factorize(values)
        rank = np.empty(len(uniques) + 1, dtype=np.int64)
        rank[np.argsort(uniques)] = np.arange(len(uniques))
        rank[-1] = len(uniques)
        _read_only(rank)
        return rank

    return _remembered("order", (values,), compute)


def _name_key_codes(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(codes, keys): :func:`_name_key` of each value is ``keys[code]`` (missing for -1).

    The string work is done once per distinct spelling.
    """
    codes, uniques = _text_factorize(values)
    u = pd.Series(uniques, dtype=STRING).str.strip().str.replace(r"\s+", " ", regex=True)
    u = u.str.casefold()
    return codes, u.where(u != "", pd.NA)


def _name_key(values: pd.Series) -> pd.Series:
    """Names compared the way people write them: trimmed, one space, case-insensitive."""
    codes, keys = _name_key_codes(values)
    return pd.Series(keys.array.take(codes, allow_fill=True), index=values.index,
                     name=values.name)


def _shared_name_codes(*columns: pd.Series) -> tuple[list[np.ndarray], pd.Index]:
    """Name keys of several columns as codes into one list of names (-1: none)."""
    parts = [_name_key_codes(c) for c in columns]
    allkeys = pd.concat([keys for _, keys in parts], ignore_index=True)
    shared, names = pd.factorize(allkeys)
    out, start = [], 0
    for codes, keys in parts:
        lookup = np.append(shared[start:start + len(keys)], -1).astype(np.int64)
        out.append(lookup[codes])  # code -1 (a missing value) picks the appended -1
        start += len(keys)
    return out, pd.Index(names)


def _seeker_key(log: pd.DataFrame) -> pd.Series:
    return _group_column(log, "seeker")


def _seeker_codes(log: pd.DataFrame) -> tuple[np.ndarray, pd.Series]:
    """(codes, seekers): :func:`_seeker_key` of row *i* is ``seekers[codes[i]]``, seekers sorted.

    The codes of a sorted groupby by seeker (read-only), hashing each seeker's text once.
    """
    if not isinstance(log["seeker"].dtype, pd.StringDtype):  # e.g. categorical: its own order
        seeker = _seeker_key(log)
        codes, seekers = pd.factorize(seeker, sort=True)
        return codes.astype(np.int64), pd.Series(seekers, dtype=seeker.dtype)

    def compute() -> tuple[np.ndarray, pd.Series]:
        codes, uniques = _text_factorize(log["seeker"])
        if (codes < 0).any():
            missing = _missing_label("seeker")
            at = np.flatnonzero(uniques == missing)
            if not len(at):
                uniques = np.append(uniques, np.array([missing], dtype=object))
                at = [len(uniques) - 1]
            codes = np.where(codes < 0, at[0], codes)
            rank = np.empty(len(uniques), dtype=np.int64)
            rank[np.argsort(uniques)] = np.arange(len(uniques))
        else:  # the texts' order, shared with other sorts by seeker
            rank = _text_order(log["seeker"])[:-1]
        order = np.empty_like(rank)
        order[rank] = np.arange(len(rank))
        codes = rank[codes]
        _read_only(codes)
        return codes, pd.Series(uniques[order], dtype=STRING)

    return _remembered("seeker", (log["seeker"],), compute)


# ---------------------------------------------------------------------------
# Referral graph: who introduced the seeker to whom.
# ---------------------------------------------------------------------------
_GraphKeys = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, pd.Index, pd.Series]


def _graph_keys(log: pd.DataFrame) -> _GraphKeys:
    """(seeker codes, contact ids, referrer ids, contact names, the names, the seekers).

    The string work behind every :class:`_Graph` of *log*, over all its rows.
    A contact is a seeker and a name: ``contact[i]`` is row *i*'s (-1 without
    a contact), ``referrer[i]`` the contact its ``referred_by`` names (-1 when
    it names no contact of the log, or its own), ``names[contact_name[c]]``
    the name of contact *c*. Seeker codes follow the seekers' sort (that of a
    sorted groupby): ``seekers[code]``. The arrays are read-only.
    """
    def compute() -> _GraphKeys:
        seeker, seekers = _seeker_codes(log)
        (ccode, rcode), names = _shared_name_codes(log["contact"], log["referred_by"])
        width = len(names) + 1
        c_rows = np.flatnonzero(ccode >= 0)
        r_rows = np.flatnonzero((rcode >= 0) & (rcode != ccode))
        # (seeker, name) pairs of the contacts, then of the referrers: one hash pass numbers
        # the contacts first, so a referrer numbered past them names no contact.
        pairs = np.concatenate([seeker[c_rows] * width + ccode[c_rows],
                                seeker[r_rows] * width + rcode[r_rows]])
        ids, uniq = pd.factorize(pairs)
        n_contacts = int(ids[: len(c_rows)].max()) + 1 if len(c_rows) else 0
        contact = np.full(len(log), -1, dtype=np.int64)
        contact[c_rows] = ids[: len(c_rows)]
        referrer = np.full(len(log), -1, dtype=np.int64)
        named = ids[len(c_rows):]
        referrer[r_rows] = np.where(named < n_contacts, named, -1)
        contact_name = uniq[:n_contacts] % width
        _read_only(contact, referrer, contact_name)
        return seeker, contact, referrer, contact_name, names, seekers

    return _remembered("graph", (log["seeker"], log["contact"], log["referred_by"]), compute)


class _Graph:
    """Leads linked by ``referred_by``, per seeker, at the level of contacts, as arrays.

    A node is a contact of one seeker (matched case-insensitively); a lead
    without a contact is a node of its own that can be referred but cannot
    refer. Contact nodes come first (ids ``0 .. n_contacts - 1``), then one
    node per contact-less lead.

    ``node[i]`` is the node of row *i* (-1 for rows not considered);
    ``parent[i]`` is the node that row *i*'s ``referred_by`` names (-1 when it
    names nobody of the seeker's considered leads, or the lead's own contact):
    row *i* is then a child of ``parent[i]``.
    """

    def __init__(self, log: pd.DataFrame, rows: np.ndarray, keys: _GraphKeys | None = None):
        n = len(log)
        self.rows = rows
        _, contact, referrer, contact_name, self.names, _ = keys or _graph_keys(log)
        considered = np.zeros(n, dtype=bool)
        considered[rows] = True
        # The log's contacts that some considered lead has, numbered in the log's order.
        c_rows = np.flatnonzero(considered & (contact >= 0))
        kept = np.zeros(len(contact_name), dtype=bool)
        kept[contact[c_rows]] = True
        number = np.cumsum(kept) - 1
        self.n_contacts = int(kept.sum())
        node = np.full(n, -1, dtype=np.int64)
        node[c_rows] = number[contact[c_rows]]
        r_rows = np.flatnonzero(considered & (contact < 0))
        node[r_rows] = self.n_contacts + np.arange(len(r_rows))
        self.node = node
        self.n_nodes = self.n_contacts + len(r_rows)
        self.node_name = np.full(self.n_nodes, -1, dtype=np.int64)  # name code, -1 for no contact
        self.node_name[: self.n_contacts] = contact_name[kept]
        parent = np.full(n, -1, dtype=np.int64)
        ref_rows = np.flatnonzero(considered & (referrer >= 0))
        named = referrer[ref_rows]
        found = kept[named]
        parent[ref_rows[found]] = number[named[found]]
        self.parent = parent

    def child_rows(self) -> np.ndarray:
        """Rows that are some node's child, in row order."""
        return np.flatnonzero(self.parent >= 0)


def _downstream_offer(log: pd.DataFrame) -> np.ndarray:
    """Per row: the lead, or a lead any number of introductions after it, got an offer."""
    offer = _flag(log, "offer")
    rows = np.flatnonzero(_contacted(log))
    graph = _Graph(log, rows)
    kids = graph.child_rows()
    src, dst = graph.parent[kids], graph.node[kids]  # edge node -> node, via a child row
    # reach[p]: an offer among the rows downstream of node p; grown one introduction a round
    reach = np.zeros(graph.n_nodes, dtype=bool)
    reach[src[offer[kids]]] = True
    while True:
        grown = reach.copy()
        grown[src[reach[dst]]] = True
        if (grown == reach).all():
            break
        reach = grown
    result = offer.copy()
    result[rows] |= reach[graph.node[rows]]
    return result


def _nearest_interview_offer(log: pd.DataFrame, keys: _GraphKeys | None = None) -> np.ndarray:
    """Per row: an interview credited with an offer, each offer credited to one interview.

    The offer's own lead if it held an informational interview, else the
    nearest interview up its chain of referrers (the referrer's earliest
    interview lead); offers with no interview upstream are credited to none.
    """
    rows = np.flatnonzero(_contacted(log))
    graph = _Graph(log, rows, keys)
    interview = _flag(log, "info_interview")
    offer = _flag(log, "offer")
    credited = np.zeros(len(log), dtype=bool)
    walkers = rows[offer[rows]]
    if not len(walkers):
        return credited
    # The lead each contact node is entered by: its earliest interview lead, else its
    # earliest lead (undated last, then by row).
    day = log["contacted_on"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    undated = log["contacted_on"].isna().to_numpy()
    named = np.zeros(graph.n_nodes, dtype=bool)  # only nodes some lead names are entered
    named[graph.parent[graph.parent >= 0]] = True
    cand = rows[named[graph.node[rows]]]
    order = np.lexsort((cand, day[cand], undated[cand], ~interview[cand], graph.node[cand]))
    ordered = cand[order]
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = graph.node[ordered][1:] != graph.node[ordered][:-1]
    entry = np.full(graph.n_nodes, -1, dtype=np.int64)
    entry[graph.node[ordered[first]]] = ordered[first]
    # Walk every offer up its chain at once, one introduction per round.
    cur = walkers.copy()
    seen = [graph.node[cur]]
    active = np.ones(len(cur), dtype=bool)
    for _ in range(64):
        idx = np.flatnonzero(active)
        if not len(idx):
            return credited
        here = cur[idx]
        hit = interview[here]
        credited[here[hit]] = True
        up = graph.parent[here]
        go = ~hit & (up >= 0)
        nxt = np.where(go, entry[np.maximum(up, 0)], -1)
        node_next = graph.node[np.maximum(nxt, 0)]
        revisit = np.zeros(len(idx), dtype=bool)
        for past in seen:
            revisit |= past[idx] == node_next
        go &= ~revisit
        active[idx[~go]] = False
        cur[idx[go]] = nxt[go]
        step = np.full(len(cur), -2, dtype=np.int64)
        step[idx[go]] = node_next[go]
        seen.append(step)
    # Rare long chains: finish them one by one.
    for k in np.flatnonzero(active):
        i = int(cur[k])
        visited = {int(s[k]) for s in seen if s[k] >= 0}
        while True:
            if interview[i]:
                credited[i] = True
                break
            up = graph.parent[i]
            if up < 0:
                break
            i = int(entry[up])
            if int(graph.node[i]) in visited:
                break
            visited.add(int(graph.node[i]))
    return credited


def _effective_referrals(log: pd.DataFrame, keys: _GraphKeys | None = None) -> np.ndarray:
    """Per row: max(own ``referrals``, leads of the seeker whose ``referred_by`` names it)."""
    own = log["referrals"].astype("Float64").fillna(0).to_numpy(dtype=float)
    # the graph of every lead: its contacts are the log's, its links the referrers
    _, contact, referrer, contact_name, _, _ = keys or _graph_keys(log)
    named = np.append(np.bincount(referrer[referrer >= 0], minlength=len(contact_name)), 0)
    named = named[contact].astype(float)  # contact -1 (none) picks the appended 0
    return np.maximum(own, named).astype(int) if len(log) else np.zeros(0, dtype=int)


# ---------------------------------------------------------------------------
# Funnel and response rates.
# ---------------------------------------------------------------------------
def funnel(log: pd.DataFrame, *, by: By = None, alpha: float = 0.05) -> pd.DataFrame:
    """Leads that reached at least each stage, in funnel order.

    Parameters
    ----------
    log : pandas.DataFrame
        A canonical outreach log (:func:`~infoview_analytics.load.load_log`).
    by : str, list of str or None
        Group columns (see the module notes); ``None`` for the whole log.
    alpha : float
        1 - confidence level of the Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        One row per group and stage: ``[by...]``, ``stage`` (ordered
        categorical, the six :data:`~infoview_analytics.schema.STAGES` in
        order), ``n`` (contacted leads in the group), ``count`` (leads whose
        furthest stage is this one or later), ``rate`` (``count / n``),
        ``ci_low``, ``ci_high`` (Wilson), ``step_rate`` (``count`` over the
        count of the stage above; NaN for ``contacted``), ``small_sample``.
        Counts never increase down the funnel. Stages follow the schema's
        order, so a lead with a job interview also counts as ``referred``.

    References
    ----------
    .. [1] Wilson, E. B. (1927), see :func:`~infoview_analytics.stats.wilson_interval`.

    Examples
    --------
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_SEEKER_FILE
    >>> f = funnel(load_log(SAMPLE_SEEKER_FILE))
    >>> f["stage"].tolist()[:3]
    ['contacted', 'responded', 'info_interview']
    >>> bool(f["count"].is_monotonic_decreasing)
    True
    """
    log = _canonical(log)
    keys = _keys(by)
    c = _contacted(log)
    codes = log["stage"].cat.codes.to_numpy()[c]
    if not keys:  # leads whose furthest stage is each one or later: one small table
        reached = np.cumsum(np.bincount(codes, minlength=len(STAGES))[::-1])[::-1]
        above = np.concatenate([[np.nan], reached[:-1]]).astype(float)
        table = pd.DataFrame({
            "stage": pd.Categorical(STAGES, categories=STAGES, ordered=True),
            "n": np.full(len(STAGES), reached[0], dtype=np.int64),
            "count": reached.astype(np.int64),
            "step_rate": reached / np.where(above > 0, above, np.nan),
        })
        _add_rate(table, "count", alpha=alpha)
        table = table[["stage", "n", "count", "rate", "ci_low", "ci_high", "step_rate"]]
        return _flag_small(table, "funnel")
    frame = _group_frame(log, keys)[c].reset_index(drop=True)
    for i, stage in enumerate(STAGES):
        frame[stage] = (codes >= i).astype(int)
    wide = _sum_by(frame, keys, list(STAGES))
    parts = []
    for i, stage in enumerate(STAGES):
        part = wide[keys].copy()
        part["stage"] = stage
        part["n"] = wide["contacted"].to_numpy()
        part["count"] = wide[stage].to_numpy()
        above = wide[STAGES[i - 1]] if i else pd.Series(np.nan, index=wide.index)
        part["step_rate"] = _ratio(wide[stage], above) if i else above.astype(float)
        part["_group"] = np.arange(len(wide))
        part["_stage"] = i
        parts.append(part)
    table = pd.concat(parts, ignore_index=True).sort_values(["_group", "_stage"], kind="stable")
    table = table.drop(columns=["_group", "_stage"]).reset_index(drop=True)
    table["stage"] = pd.Categorical(table["stage"], categories=STAGES, ordered=True)
    table = table.astype({"n": "int64", "count": "int64"})
    _add_rate(table, "count", alpha=alpha)
    table = table[[*keys, "stage", "n", "count", "rate", "ci_low", "ci_high", "step_rate"]]
    return _flag_small(table, "funnel")


def response_rates(
    log: pd.DataFrame,
    *,
    by: By = "channel",
    as_of: DateLike | None = None,
    min_age_days: int = 14,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Share of contacted leads that replied, counting only leads old enough to judge.

    A lead contacted fewer than *min_age_days* days before *as_of* has not had
    time to answer: it is reported as ``pending``, never as "no response",
    and is left out of ``n`` whether or not it has replied yet (counting the
    early replies but not the early silences would inflate the rate).

    Parameters
    ----------
    log : pandas.DataFrame
        A canonical outreach log.
    by : str, list of str or None
        Group columns; default ``"channel"``. ``"month"`` and
        ``"followed_up"`` are computed (see the module notes).
    as_of : date-like, optional
        The day the log is judged at; default the newest date in the log.
        Leads contacted after it are left out, replies after it do not count.
    min_age_days : int
        Days a lead needs to be judged (default 14).
    alpha : float
        1 - confidence level of the Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        ``[by...]``, ``n`` (contacted leads old enough to judge; leads without
        a date count as old enough), ``responded``, ``rate``, ``ci_low``,
        ``ci_high`` (Wilson), ``pending`` (contacted leads too recent to
        judge), ``not_recorded`` (contacted leads from sheets that record no
        replies at all, such as a LinkedIn connections export; left out of
        ``n``), ``small_sample``.

    References
    ----------
    .. [1] Wilson, E. B. (1927), see :func:`~infoview_analytics.stats.wilson_interval`.

    Examples
    --------
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_SEEKER_FILE
    >>> r = response_rates(load_log(SAMPLE_SEEKER_FILE), by=None)
    >>> list(r.columns)
    ['n', 'responded', 'rate', 'ci_low', 'ci_high', 'pending', 'not_recorded', 'small_sample']
    >>> bool(r.loc[0, "ci_low"] <= r.loc[0, "rate"] <= r.loc[0, "ci_high"])
    True
    """
    log = _canonical(log)
    keys = _keys(by)
    day = _as_of(log, as_of)
    contacted_on = log["contacted_on"]
    c = _contacted(log)
    if pd.notna(day):
        c = c & ~(contacted_on > day).to_numpy()
        age = _days(day - contacted_on)
        old = np.isnan(age) | (age >= min_age_days)
        answered_by_then = ~(log["responded_on"] > day).to_numpy()
    else:
        old = np.ones(len(log), dtype=bool)
        answered_by_then = np.ones(len(log), dtype=bool)
    responded = (_flag(log, "responded") | log["responded_on"].notna().to_numpy())
    responded = responded & answered_by_then
    recorded = _replies_recorded(log)
    frame = _group_frame(log, keys)
    frame["n"] = (old & recorded).astype(int)
    frame["responded"] = (responded & old & recorded).astype(int)
    frame["pending"] = (~old & recorded).astype(int)
    frame["not_recorded"] = (~recorded).astype(int)
    table = _sum_by(frame[c].reset_index(drop=True), keys,
                    ["n", "responded", "pending", "not_recorded"])
    _add_rate(table, "responded", alpha=alpha)
    table = table[[*keys, "n", "responded", "rate", "ci_low", "ci_high", "pending",
                   "not_recorded"]]
    return _flag_small(table, "response_rates")


def _text_codes(values: pd.Series) -> np.ndarray:
    """Codes of ``values.astype("string").fillna("")`` (equal codes: equal text)."""
    if not isinstance(values.dtype, pd.StringDtype):
        values = values.astype("string")
    codes, uniques = _text_factorize(values)
    empty = np.flatnonzero(np.asarray(pd.Series(uniques, dtype=object) == "", dtype=bool))
    return np.where(codes < 0, empty[0] if len(empty) else len(uniques), codes)


def _replies_recorded(log: pd.DataFrame) -> np.ndarray:
    """Per row: does the sheet it came from record replies at all?

    A LinkedIn connections export or a list of messages sent says nothing
    about answers: every ``responded`` is missing and no lead is past
    ``contacted``. Counting those leads as "no response" would report a 0%
    response rate the log never measured, so such sheets are left out.
    """
    stage = log["stage"]
    if isinstance(stage.dtype, pd.CategoricalDtype):  # compare the few categories, not rows
        codes = stage.cat.codes.to_numpy()
        past = np.append(np.asarray(stage.cat.categories.astype("string") != "contacted",
                                    dtype=bool), False)
        past = past[np.where(codes < 0, len(past) - 1, codes)]
    else:
        stage = stage.astype("string")
        past = (stage.notna() & (stage != "contacted")).to_numpy(dtype=bool, na_value=False)
    says = log["responded"].notna().to_numpy() | log["responded_on"].notna().to_numpy() | past
    if not len(log):
        return np.zeros(0, dtype=bool)
    group = _source_groups(log)
    return (np.bincount(group, weights=says) > 0)[group]


def _source_groups(log: pd.DataFrame) -> np.ndarray:
    """Per row: a number for its (file, sheet), a missing name the same as an empty one."""
    def compute() -> np.ndarray:
        file, sheet = _text_codes(log["source_file"]), _text_codes(log["source_sheet"])
        group = file * (int(sheet.max()) + 1) + sheet
        if group.max() >= 4 * len(group):  # too many pairs to count by number: number those seen
            group = pd.factorize(group)[0]
        _read_only(group)
        return group

    return _remembered("sources", (log["source_file"], log["source_sheet"]), compute)


def response_counts(log: pd.DataFrame, by: str = "channel") -> pd.DataFrame:
    """Contacted leads and how many responded, per group (no age rule, no intervals).

    The headline count of the ``infoview summary`` command; for rates use
    :func:`response_rates`.

    Returns
    -------
    pandas.DataFrame
        ``<by>``, ``n`` (contacted leads), ``responded``; groups with no
        contacted lead, and leads with no value in *by*, are left out.

    Examples
    --------
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_SEEKER_FILE
    >>> list(response_counts(load_log(SAMPLE_SEEKER_FILE)).columns)
    ['channel', 'n', 'responded']
    """
    log = _canonical(log)
    sub = log.loc[_contacted(log), [by, "responded"]]
    table = (
        sub.assign(responded=sub["responded"].fillna(False).astype(bool))
        .groupby(by, observed=True, sort=True)["responded"]
        .agg(n="size", responded="sum")
        .reset_index()
    )
    return table.astype({"n": int, "responded": int})


# ---------------------------------------------------------------------------
# Offers against a benchmark.
# ---------------------------------------------------------------------------
def _benchmark(activity: str, benchmark: Benchmark | float | None) -> tuple[float, str]:
    if benchmark is None:
        benchmark = INFO_INTERVIEW_TO_OFFER if activity == "networking" else APPLICATION_TO_OFFER
    if isinstance(benchmark, Benchmark):
        return float(benchmark.rate), benchmark.label
    rate = float(benchmark)
    if not 0 < rate <= 1:
        raise ValueError(f"benchmark must be a rate between 0 and 1, not {benchmark!r}")
    return rate, f"1 in {1 / rate:,.0f}"


_CREDIT = ("chain", "nearest")


def _offer_units(
    log: pd.DataFrame, activity: str, credit: str = "nearest", keys: _GraphKeys | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(leads counted in ``n``, those that converted) for *activity*."""
    if credit not in _CREDIT:
        raise ValueError(f"credit must be one of {_CREDIT}, not {credit!r}")
    c = _contacted(log)
    if activity == "networking":
        converted = (_downstream_offer(log) if credit == "chain"
                     else _nearest_interview_offer(log, keys))
        return c & _flag(log, "info_interview"), converted
    return c & (log["activity"] == "application").to_numpy(dtype=bool, na_value=False), _flag(
        log, "offer"
    )


def offer_conversion(
    log: pd.DataFrame,
    *,
    activity: str = "networking",
    by: By = None,
    alpha: float = 0.05,
    benchmark: Benchmark | float | None = None,
    credit: str = "nearest",
) -> pd.DataFrame:
    """Offers per informational interview (or per application), against a benchmark.

    For ``activity="networking"`` the unit is an informational interview
    held. Offers are traced back through ``referred_by`` introductions (an
    offer three introductions after an interview still counts). By default
    (``credit="nearest"``) each offer is credited to one interview only: its
    own lead's, else the nearest one up the chain of referrers, so
    ``offers`` never exceeds the offers in the log and the rate reads like
    the benchmark's "offers per interview". With ``credit="chain"`` an
    interview *converts* when any lead downstream of it got an offer, so one
    offer credits every interview on its chain - useful to ask "which
    conversations led somewhere", but it runs higher than the benchmark's
    definition. Offers not downstream of any interview are not counted
    here. For
    ``activity="application"`` the unit is an application sent (a contacted
    application lead) and it converts when it got an offer.

    Parameters
    ----------
    log : pandas.DataFrame
        A canonical outreach log.
    activity : {"networking", "application"}
        Which conversion to measure.
    by : str, list of str or None
        Group columns; ``None`` for one overall row.
    alpha : float
        1 - confidence level of the Wilson intervals.
    benchmark : Benchmark, float or None
        Rate to compare against; default :data:`~infoview_analytics.benchmarks.
        INFO_INTERVIEW_TO_OFFER` (1 in 12) for networking and
        :data:`~infoview_analytics.benchmarks.APPLICATION_TO_OFFER` (1 in 200)
        for applications.
    credit : {"chain", "nearest"}
        How networking offers are credited to interviews (see above).

    Returns
    -------
    pandas.DataFrame
        ``[by...]``, ``activity``, ``n`` (interviews held / applications
        sent), ``offers`` (units that converted), ``rate``, ``ci_low``,
        ``ci_high`` (Wilson), ``one_in`` (``1 / rate``, inf with no offers),
        ``one_in_low`` (``1 / ci_high``), ``one_in_high`` (``1 / ci_low``, inf
        when ``ci_low`` is 0), ``benchmark`` (its rate), ``benchmark_label``
        (``"1 in 12"``), ``expected_offers`` (``n * benchmark``), ``ratio``
        (``rate / benchmark``), ``p_value`` (exact two-sided binomial test of
        ``offers`` in ``n`` against the benchmark), ``small_sample``.

    References
    ----------
    .. [1] Wilson, E. B. (1927); Clopper & Pearson (1934) / R ``binom.test``;
       see :mod:`infoview_analytics.stats`.
    .. [2] Hansen, K. *A Foot in the Door* (the 1-in-12 and 1-in-200 figures);
       see :mod:`infoview_analytics.benchmarks` for their strength.

    Examples
    --------
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_SEEKER_FILE
    >>> o = offer_conversion(load_log(SAMPLE_SEEKER_FILE))
    >>> o.loc[0, ["activity", "benchmark_label"]].tolist()
    ['networking', '1 in 12']
    """
    if activity not in ACTIVITIES:
        raise ValueError(f"activity must be one of {ACTIVITIES}, not {activity!r}")
    log = _canonical(log)
    keys = _keys(by)
    rate, label = _benchmark(activity, benchmark)
    unit, converted = _offer_units(log, activity, credit)
    frame = _group_frame(log, keys)
    frame["n"] = 1
    frame["offers"] = converted.astype(int)
    table = _sum_by(frame[unit].reset_index(drop=True), keys, ["n", "offers"])
    table.insert(len(keys), "activity", activity)
    _add_rate(table, "offers", alpha=alpha)
    table["one_in"] = one_in(table["rate"])
    table["one_in_low"] = one_in(table["ci_high"])
    table["one_in_high"] = one_in(table["ci_low"])
    table["benchmark"] = rate
    table["benchmark_label"] = label
    table["expected_offers"] = table["n"] * rate
    table["ratio"] = table["rate"] / rate
    table["p_value"] = binomial_test(table["offers"], table["n"], rate)
    return _flag_small(table, "offer_conversion")


def _fmt_one_in(value: float) -> str:
    if not np.isfinite(value):
        return "never"
    return f"1 in {value:,.1f}" if value < 2 else f"1 in {value:,.0f}"


def format_one_in(row: pd.Series | dict) -> str:
    """A row of :func:`offer_conversion` as words: "1 in 7 (plausible range 1 in 4 to 1 in 16)".

    With no offers the observed rate has no "1 in N"; the range still says
    how rare conversion could plausibly be.

    Examples
    --------
    >>> format_one_in({"n": 14, "offers": 2, "one_in": 7.0, "one_in_low": 4.2,
    ...                "one_in_high": 16.4})
    '1 in 7 (plausible range 1 in 4 to 1 in 16)'
    >>> format_one_in({"n": 10, "offers": 0, "one_in": float("inf"), "one_in_low": 3.6,
    ...                "one_in_high": float("inf")})
    'no offers in 10 (plausible range: 1 in 4 or rarer)'
    """
    n = row["n"]
    if not n or pd.isna(n):
        return "no data"
    low, high = _fmt_one_in(row["one_in_low"]), _fmt_one_in(row["one_in_high"])
    if not row["offers"]:
        return f"no offers in {int(n)} (plausible range: {low} or rarer)"
    return f"{_fmt_one_in(row['one_in'])} (plausible range {low} to {high})"


# ---------------------------------------------------------------------------
# Referrals.
# ---------------------------------------------------------------------------
def referral_yield(log: pd.DataFrame, *, by: By = "industry", alpha: float = 0.05) -> pd.DataFrame:
    """Referrals per informational interview, and the share of interviews giving any.

    Parameters
    ----------
    log : pandas.DataFrame
        A canonical outreach log; works without industries (one ``"unknown"``
        group) and without referral counts (then only ``referred_by`` links
        count).
    by : str, list of str or None
        Group columns; default ``"industry"``.
    alpha : float
        1 - confidence level.

    Returns
    -------
    pandas.DataFrame
        ``[by...]``, ``n`` (informational interviews held), ``referrals``
        (their referrals, summed), ``per_interview`` (mean), ``ci_low``,
        ``ci_high`` (exact Poisson interval for the mean), ``with_referral``
        (interviews with at least one referral), ``share_with_referral``,
        ``share_ci_low``, ``share_ci_high`` (Wilson), ``small_sample``.

    References
    ----------
    .. [1] Garwood, F. (1936), see
       :func:`~infoview_analytics.stats.poisson_rate_interval`.
    .. [2] Wilson, E. B. (1927), see :func:`~infoview_analytics.stats.wilson_interval`.

    Examples
    --------
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_SEEKER_FILE
    >>> y = referral_yield(load_log(SAMPLE_SEEKER_FILE), by=None)
    >>> bool(y.loc[0, "ci_low"] <= y.loc[0, "per_interview"] <= y.loc[0, "ci_high"])
    True
    """
    log = _canonical(log)
    keys = _keys(by)
    unit = _contacted(log) & _flag(log, "info_interview")
    referrals = _effective_referrals(log)
    frame = _group_frame(log, keys)
    frame["n"] = 1
    frame["referrals"] = referrals
    frame["with_referral"] = (referrals > 0).astype(int)
    table = _sum_by(frame[unit].reset_index(drop=True), keys, ["n", "referrals", "with_referral"])
    table["per_interview"] = _ratio(table["referrals"], table["n"])
    low, high = poisson_rate_interval(table["referrals"], table["n"], alpha=alpha)
    table["ci_low"], table["ci_high"] = low, high
    _add_rate(table, "with_referral", alpha=alpha, rate="share_with_referral",
              low="share_ci_low", high="share_ci_high")
    table = table[[*keys, "n", "referrals", "per_interview", "ci_low", "ci_high",
                   "with_referral", "share_with_referral", "share_ci_low", "share_ci_high"]]
    return _flag_small(table, "referral_yield")


def referred_vs_cold(log: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """How referred networking leads fared against cold ones.

    A networking lead is *referred* when ``referred_by`` names someone or the
    channel is ``warm_intro``; otherwise it is *cold*. The comparison is
    observational: referred leads differ in more than the introduction.

    Returns
    -------
    pandas.DataFrame
        Two rows, ``lead_type`` ``"referred"`` then ``"cold"``: ``n``
        (contacted networking leads), ``responded``, ``rate``, ``ci_low``,
        ``ci_high`` (Wilson, response), ``info_interviews``,
        ``info_interview_rate``, ``job_interviews``, ``job_interview_rate``
        (shares of ``n``), ``small_sample``.

    References
    ----------
    .. [1] Wilson, E. B. (1927), see :func:`~infoview_analytics.stats.wilson_interval`.

    Examples
    --------
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_SEEKER_FILE
    >>> referred_vs_cold(load_log(SAMPLE_SEEKER_FILE))["lead_type"].tolist()
    ['referred', 'cold']
    """
    log = _canonical(log)
    networking = (log["activity"] == "networking").to_numpy(dtype=bool, na_value=False)
    unit = _contacted(log) & networking
    referred = log["referred_by"].notna().to_numpy() | (log["channel"] == "warm_intro").to_numpy(
        dtype=bool, na_value=False
    )
    counts = {"n": np.ones(len(log), dtype=int),
              "responded": _flag(log, "responded"),
              "info_interviews": _flag(log, "info_interview"),
              "job_interviews": _flag(log, "job_interview")}
    rows = []
    for lead_type, mask in (("referred", unit & referred), ("cold", unit & ~referred)):
        rows.append({"lead_type": lead_type, **{k: int(v[mask].sum()) for k, v in counts.items()}})
    table = pd.DataFrame(rows)
    _add_rate(table, "responded", alpha=alpha)
    table["info_interview_rate"] = _ratio(table["info_interviews"], table["n"])
    table["job_interview_rate"] = _ratio(table["job_interviews"], table["n"])
    table = table[["lead_type", "n", "responded", "rate", "ci_low", "ci_high", "info_interviews",
                   "info_interview_rate", "job_interviews", "job_interview_rate"]]
    return _flag_small(table, "referred_vs_cold")


def _runs_by_text(order: np.ndarray, same: np.ndarray, text) -> np.ndarray:
    """*order* with each run of ties (``same[k]``: item k ties with item k-1) sorted by text."""
    if not same.any():
        return order
    order = order.copy()
    starts = np.flatnonzero(~same)
    ends = np.append(starts[1:], len(order))
    for a, b in zip(starts, ends, strict=True):
        if b - a > 1:
            order[a:b] = sorted(order[a:b].tolist(), key=text)
    return order


def _chains(log: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The referral forest of the contacted leads: (chains table, edges table)."""
    chain_cols = ["seeker", "chain_id", "root", "leads", "depth", "responded",
                  "info_interviews", "job_interviews", "offers"]
    edge_cols = ["seeker", "chain_id", "from_contact", "to_contact", "depth"]
    types = {"seeker": STRING, "chain_id": "int64", "root": STRING, "leads": "int64",
             "depth": "int64", "responded": "int64", "info_interviews": "int64",
             "job_interviews": "int64", "offers": "int64", "from_contact": STRING,
             "to_contact": STRING}
    rows = np.flatnonzero(_contacted(log))
    graph = _Graph(log, rows)
    kids_rows = graph.child_rows()
    # Only nodes that refer or are referred take part; the rest is never looked at. They are
    # numbered afresh, in the graph's order, so that no array spans every lead's node.
    linked = np.zeros(graph.n_nodes, dtype=bool)
    linked[graph.node[kids_rows]] = True
    linked[graph.parent[kids_rows]] = True
    used = rows[linked[graph.node[rows]]]
    graph_node = np.flatnonzero(linked)  # of each node
    n_nodes = len(graph_node)
    node = np.searchsorted(graph_node, graph.node[used])  # of each used row
    seeker_codes, seekers = _seeker_codes(log)
    if isinstance(seekers.dtype, pd.StringDtype):  # text already, sorted: codes are ranks
        seeker_names = seekers.to_numpy(dtype=object)
        seeker_order = np.arange(len(seekers))
    else:
        seeker_names = seekers.astype(str).to_numpy(dtype=object)
        seeker_order = pd.factorize(seeker_names, sort=True)[0]
    contacted_on = log["contacted_on"].to_numpy(dtype="datetime64[ns]").view("int64")
    never = np.iinfo("int64").max

    def day(i: np.ndarray) -> np.ndarray:
        """``contacted_on`` of rows *i* as a number, missing last."""
        d = contacted_on[i]
        return np.where(d == np.iinfo("int64").min, never, d)  # NaT is the smallest int64

    # Each node's earliest lead (then by spelling), for its date and display name.
    spelled = log["contact"].iloc[used].astype(STRING)
    spelled = spelled.astype(object).where(spelled.notna(), "<NA>").to_numpy(dtype=object)
    spelling = pd.factorize(spelled, sort=True)[0]
    order = np.lexsort((used, spelling, day(used), node))
    first = np.ones(len(order), dtype=bool)
    first[1:] = node[order][1:] != node[order][:-1]
    first_row = np.zeros(n_nodes, dtype=np.int64)
    first_row[node[order][first]] = used[order][first]

    def node_text(x: int) -> str:
        """The node as the dictionary keys it was once spelled as (a tie-breaker)."""
        s = seeker_names[seeker_codes[first_row[x]]]
        if graph_node[x] < graph.n_contacts:
            return str((s, "c", graph.names[graph.node_name[graph_node[x]]]))
        return str((s, "r", np.int64(first_row[x])))

    # One parent per node: the referrer named by its leads (alphabetically first if several).
    parent = np.full(n_nodes + 1, n_nodes, dtype=np.int64)  # n_nodes: none (a fixed point)
    child = np.searchsorted(graph_node, graph.node[kids_rows])
    by = np.searchsorted(graph_node, graph.parent[kids_rows])
    named = np.unique(by)
    name_rank = np.zeros(n_nodes, dtype=np.int64)
    name_rank[named] = pd.factorize(
        np.asarray(graph.names[graph.node_name[graph_node[named]]], dtype=object), sort=True)[0]
    order = np.lexsort((name_rank[by], child))
    first = np.ones(len(order), dtype=bool)
    first[1:] = child[order][1:] != child[order][:-1]
    parent[child[order][first]] = by[order][first]
    # Break cycles (A referred by B referred by A): the earliest contact in a cycle becomes a
    # root. Jumping 2^k steps at once lands every node that never reaches a root on a cycle.
    # Only nodes with a parent can be on a cycle: jump among them (-1: no parent).
    steps = np.flatnonzero(parent[:n_nodes] < n_nodes)
    at = np.full(n_nodes + 1, -1, dtype=np.int64)
    at[steps] = np.arange(len(steps))
    jump = np.append(at[parent[steps]], -1)  # position -1 is the appended fixed point
    for _ in range(max(1, int(n_nodes).bit_length())):
        jump = jump[jump]
    on_cycle = np.unique(steps[jump[jump >= 0]])
    done: set[int] = set()
    for start in on_cycle.tolist():
        if start in done:
            continue
        cycle = [start]
        x = int(parent[start])
        while x != start:
            cycle.append(x)
            x = int(parent[x])
        done.update(cycle)
        root = min(cycle, key=lambda x: (int(day(first_row[x])), node_text(x)))
        parent[root] = n_nodes
    parent = parent[:n_nodes]
    has_parent = np.flatnonzero(parent < n_nodes)
    n_kids = np.bincount(parent[has_parent], minlength=n_nodes)

    def label(x: np.ndarray) -> np.ndarray:
        i = first_row[x]
        out = log["contact"].iloc[i].astype(STRING).to_numpy(dtype=object, na_value=None)
        unnamed = np.flatnonzero(pd.isna(out))
        company = log["company"].iloc[i[unnamed]].astype(STRING)
        out[unnamed] = [f"(lead at {b})" if b is not None else "(unnamed lead)"
                        for b in company.to_numpy(dtype=object, na_value=None)]
        return out

    in_tree = np.zeros(n_nodes, dtype=bool)
    in_tree[has_parent] = True
    roots = np.flatnonzero((parent == n_nodes) & (n_kids > 0))
    in_tree[roots] = True
    tree_nodes = np.flatnonzero(in_tree)
    labels = np.empty(n_nodes, dtype=object)
    labels[tree_nodes] = label(tree_nodes)
    spellings, spelled_as = pd.factorize(labels[tree_nodes])  # casefold each spelling once
    folded = np.array([s.casefold() for s in spelled_as], dtype=object)
    fold_rank = np.zeros(n_nodes, dtype=np.int64)
    fold_rank[tree_nodes] = pd.factorize(folded, sort=True)[0][spellings]

    # Chains in order of seeker, the root's first contact, its name.
    seeker_rank = np.zeros(n_nodes, dtype=np.int64)
    seeker_rank[roots] = seeker_order[seeker_codes[first_row[roots]]]
    root_day = day(first_row[roots])
    order = np.lexsort((fold_rank[roots], root_day, seeker_rank[roots]))
    r = roots[order]
    same = np.zeros(len(r), dtype=bool)
    same[1:] = ((seeker_rank[r][1:] == seeker_rank[r][:-1]) & (day(first_row[r])[1:]
                == day(first_row[r])[:-1]) & (fold_rank[r][1:] == fold_rank[r][:-1]))
    roots = _runs_by_text(r, same, node_text)

    # Children of each node in drawing order (by name), walked one depth level at a time.
    kid_order = np.lexsort((fold_rank[has_parent], parent[has_parent]))
    kid_nodes = has_parent[kid_order]
    same = np.zeros(len(kid_nodes), dtype=bool)
    same[1:] = ((parent[kid_nodes][1:] == parent[kid_nodes][:-1])
                & (fold_rank[kid_nodes][1:] == fold_rank[kid_nodes][:-1]))
    kid_nodes = _runs_by_text(kid_nodes, same, node_text)
    kid_start = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(n_kids, out=kid_start[1:])
    chain_of = np.full(n_nodes, -1, dtype=np.int64)
    depth_of = np.zeros(n_nodes, dtype=np.int64)
    chain_of[roots] = np.arange(1, len(roots) + 1)
    level = roots
    edge_parts = []
    depth = 0
    while len(level):
        counts = n_kids[level]
        total = int(counts.sum())
        if not total:
            break
        depth += 1
        offsets = np.repeat(kid_start[level] - np.cumsum(counts) + counts, counts)
        nxt = kid_nodes[offsets + np.arange(total)]
        from_ = np.repeat(level, counts)
        chain_of[nxt] = chain_of[from_]
        depth_of[nxt] = depth
        edge_parts.append((from_, nxt))
        level = nxt
    if edge_parts:
        from_ = np.concatenate([p[0] for p in edge_parts])
        to = np.concatenate([p[1] for p in edge_parts])
        chain_ids = chain_of[to]
        order = np.argsort(chain_ids, kind="stable")
        from_, to, chain_ids = from_[order], to[order], chain_ids[order]
    else:
        from_ = to = chain_ids = np.zeros(0, dtype=np.int64)
    edges = pd.DataFrame({
        "seeker": pd.array(seeker_names[seeker_codes[first_row[roots[chain_ids - 1]]]],
                           dtype=STRING),
        "chain_id": chain_ids, "from_contact": pd.array(labels[from_], dtype=STRING),
        "to_contact": pd.array(labels[to], dtype=STRING), "depth": depth_of[to]},
        columns=edge_cols)

    member_chain = chain_of[node]
    member = member_chain >= 0
    member_rows, member_chain = used[member], member_chain[member] - 1
    k = len(roots)

    def per_chain(values: np.ndarray | None) -> np.ndarray:
        w = None if values is None else values[member_rows].astype(np.int64)
        return np.bincount(member_chain, weights=w, minlength=k).astype(np.int64)

    deepest = np.zeros(k, dtype=np.int64)
    np.maximum.at(deepest, chain_of[tree_nodes] - 1, depth_of[tree_nodes])
    chains = pd.DataFrame({
        "seeker": pd.array(seeker_names[seeker_codes[first_row[roots]]], dtype=STRING),
        "chain_id": np.arange(1, k + 1), "root": pd.array(labels[roots], dtype=STRING),
        "leads": per_chain(None), "depth": deepest,
        "responded": per_chain(_flag(log, "responded")),
        "info_interviews": per_chain(_flag(log, "info_interview")),
        "job_interviews": per_chain(_flag(log, "job_interview")),
        "offers": per_chain(_flag(log, "offer"))}, columns=chain_cols)
    chains = chains.astype({c: t for c, t in types.items() if c in chains})
    edges = edges.astype({c: t for c, t in types.items() if c in edges})
    return chains, edges


def referral_chains(log: pd.DataFrame) -> pd.DataFrame:
    """Referral chains: who led to whom, walked through ``referred_by``.

    A chain starts at a *root*: a contacted lead whom nobody in the log
    referred, with at least one lead downstream. Contacts are matched
    case-insensitively within a seeker; a contact logged twice is one person.
    Cycles (A referred by B, B by A) are broken at the earliest contact.

    Returns
    -------
    pandas.DataFrame
        One row per chain, ordered by seeker then the root's contact date:
        ``seeker``, ``chain_id`` (1, 2, ...), ``root`` (the root contact),
        ``leads`` (leads in the chain, root included), ``depth`` (longest run
        of introductions from the root), ``responded``, ``info_interviews``,
        ``job_interviews``, ``offers`` (leads of the chain that reached each).

    Examples
    --------
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_SEEKER_FILE
    >>> chains = referral_chains(load_log(SAMPLE_SEEKER_FILE))
    >>> bool((chains["leads"] >= 2).all() and (chains["depth"] >= 1).all())
    True
    """
    return _chains(_canonical(log))[0]


def referral_edges(log: pd.DataFrame) -> pd.DataFrame:
    """The introductions of :func:`referral_chains`, one row per link, for drawing.

    Returns
    -------
    pandas.DataFrame
        ``seeker``, ``chain_id``, ``from_contact``, ``to_contact``, ``depth``
        (introductions from the chain's root to ``to_contact``; 1 for the
        root's own referrals). A referred lead without a contact name is
        shown as ``"(lead at <company>)"``.

    Examples
    --------
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_SEEKER_FILE
    >>> list(referral_edges(load_log(SAMPLE_SEEKER_FILE)).columns)
    ['seeker', 'chain_id', 'from_contact', 'to_contact', 'depth']
    """
    return _chains(_canonical(log))[1]


# ---------------------------------------------------------------------------
# Time to response (Kaplan-Meier).
# ---------------------------------------------------------------------------
def _km_frame(log: pd.DataFrame, keys: list[str], as_of: DateLike | None) -> pd.DataFrame:
    """Per contacted, dated lead: group keys, ``days``, ``event``, ``no_date``."""
    day = _as_of(log, as_of)
    contacted_on = log["contacted_on"]
    use = _contacted(log) & contacted_on.notna().to_numpy() & _replies_recorded(log)
    if pd.notna(day):
        use = use & ~(contacted_on > day).to_numpy()
    responded_on = log["responded_on"]
    replied = _flag(log, "responded") | responded_on.notna().to_numpy()
    no_date = replied & responded_on.isna().to_numpy()
    event = responded_on.notna().to_numpy()
    if pd.notna(day):
        event = event & ~(responded_on > day).to_numpy()
    waited = _days(responded_on - contacted_on)
    censor = _days(day - contacted_on) if pd.notna(day) else np.full(len(log), np.nan)
    frame = _group_frame(log, keys)
    frame["days"] = np.clip(np.where(event, waited, censor), 0, None)
    frame["event"] = event
    frame["no_date"] = no_date
    return frame[use].reset_index(drop=True)


def _unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` of floats, by counting for whole days."""
    if len(values):
        lo, hi = values.min(), values.max()
        if np.isfinite(lo) and np.isfinite(hi) and hi - lo < 4 * len(values) + 1024:
            whole = values.astype(np.int64)
            if (whole == values).all():
                offset = whole - whole.min()
                present = np.bincount(offset) > 0
                times = (np.flatnonzero(present) + whole.min()).astype(float)
                return times, (np.cumsum(present) - 1)[offset]
    times, at = np.unique(values, return_inverse=True)
    return times, at.reshape(-1)


def _km_table(days: np.ndarray, event: np.ndarray) -> pd.DataFrame:
    """Kaplan-Meier product-limit steps of (days, event) observations."""
    times, at = _unique_inverse(days)
    finite = ~np.isnan(days)  # a NaN time (no as_of) matches no observation
    m = len(times)
    events = np.bincount(at[finite & event], minlength=m).astype(int)
    censored = np.bincount(at[finite & ~event], minlength=m).astype(int)
    # leads still waiting just before each time: those observed at it or later
    at_risk = np.cumsum(np.bincount(at[finite], minlength=m)[::-1])[::-1].astype(int)
    survival = np.cumprod(1 - events / np.maximum(at_risk, 1)) if len(times) else np.zeros(0)
    return pd.DataFrame({"days": times.astype(int), "at_risk": at_risk, "events": events,
                         "censored": censored, "survival": survival.astype(float)})


def _group_rows(frame: pd.DataFrame, keys: list[str]) -> list[np.ndarray]:
    """Row positions of each group of a sorted groupby by *keys* (all rows without keys)."""
    if not keys:
        return [np.arange(len(frame))]
    if len(keys) == 1:
        group = _key_groups(frame[keys[0]])
    else:
        group = frame.groupby(keys, observed=True, sort=True, dropna=False).ngroup().to_numpy()
    if len(group) and group.max() < 2**15:
        group = group.astype(np.int16)  # a stable sort of 16-bit numbers is a radix sort
    order = np.argsort(group, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(group[order])) + 1) if len(order) else []


def time_to_response(
    log: pd.DataFrame, *, by: By = "channel", as_of: DateLike | None = None
) -> pd.DataFrame:
    """Kaplan-Meier curve of days from first contact to first reply.

    Leads still waiting are *censored* at *as_of*: they count as waiting up
    to that day and no further, instead of as "never". Replied leads with no
    ``responded_on`` date are left out (counted in :func:`median_response_days`'
    ``no_date``), as are leads without ``contacted_on``.

    Parameters
    ----------
    log : pandas.DataFrame
        A canonical outreach log.
    by : str, list of str or None
        Group columns; default ``"channel"``.
    as_of : date-like, optional
        The day waiting leads are censored at; default the newest date in
        the log. Leads contacted after it are left out.

    Returns
    -------
    pandas.DataFrame
        The product-limit table per group: ``[by...]``, ``days`` (each
        distinct time observed), ``at_risk`` (leads still waiting just before
        that day), ``events`` (first replies on that day), ``censored``
        (leads whose wait was cut off that day), ``survival`` (estimated share
        still waiting after that day), ``responded_share`` (``1 - survival``).

    References
    ----------
    .. [1] Kaplan, E. L., Meier, P. (1958). Nonparametric estimation from
       incomplete observations. *JASA* 53(282), 457-481.

    Examples
    --------
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_SEEKER_FILE
    >>> km = time_to_response(load_log(SAMPLE_SEEKER_FILE), by=None)
    >>> bool(km["survival"].is_monotonic_decreasing)
    True
    """
    log = _canonical(log)
    keys = _keys(by)
    frame = _km_frame(log, keys, as_of)
    frame = frame[~frame["no_date"]]
    days, event = frame["days"].to_numpy(dtype=float), frame["event"].to_numpy(dtype=bool)
    parts = []
    for rows in _group_rows(frame, keys):
        table = _km_table(days[rows], event[rows])
        for k in keys:
            value = frame[k].iat[rows[0]]
            table.insert(keys.index(k), k, pd.Series([value] * len(table), dtype=object))
        parts.append(table)
    columns = [*keys, "days", "at_risk", "events", "censored", "survival"]
    if parts:
        table = pd.concat(parts, ignore_index=True)
    else:
        table = _km_table(np.zeros(0), np.zeros(0, dtype=bool))
        for k in reversed(keys):
            table.insert(0, k, pd.Series([], dtype=object))
    for k in keys:
        table[k] = table[k].astype(frame[k].dtype)
    table = _tidy_keys(table[columns].reset_index(drop=True), keys)
    table["responded_share"] = 1 - table["survival"]
    return table


def median_response_days(
    log: pd.DataFrame, *, by: By = "channel", as_of: DateLike | None = None
) -> pd.DataFrame:
    """Median days to first reply per group, from the Kaplan-Meier curve.

    Returns
    -------
    pandas.DataFrame
        ``[by...]``, ``n`` (dated contacted leads in the curve), ``responded``
        (replies with a date), ``no_date`` (replies without a date, left out
        of the curve), ``median_days`` (first day the share still waiting
        falls to 0.5 or below; NaN if it never does), ``small_sample``.

    References
    ----------
    .. [1] Kaplan, E. L., Meier, P. (1958), see :func:`time_to_response`.

    Examples
    --------
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_SEEKER_FILE
    >>> m = median_response_days(load_log(SAMPLE_SEEKER_FILE), by=None)
    >>> list(m.columns)
    ['n', 'responded', 'no_date', 'median_days', 'small_sample']
    """
    log = _canonical(log)
    keys = _keys(by)
    frame = _km_frame(log, keys, as_of)
    frame["n"] = (~frame["no_date"]).astype(int)
    frame["responded"] = (frame["event"] & ~frame["no_date"]).astype(int)
    frame["no_date"] = frame["no_date"].astype(int)
    table = _sum_by(frame, keys, ["n", "responded", "no_date"])
    medians = []
    days, event = frame["days"].to_numpy(dtype=float), frame["event"].to_numpy(dtype=bool)
    dated = frame["no_date"].to_numpy() == 0
    for rows in _group_rows(frame, keys):  # the groups of table, in its order
        rows = rows[dated[rows]]
        if not len(rows):
            medians.append(np.nan)
            continue
        km = _km_table(days[rows], event[rows])
        reached = km.loc[km["survival"] <= 0.5, "days"]
        medians.append(float(reached.iloc[0]) if len(reached) else np.nan)
    table["median_days"] = pd.Series(medians, index=table.index, dtype=float)
    return _flag_small(table, "median_response_days")


# ---------------------------------------------------------------------------
# Activity over time, per seeker.
# ---------------------------------------------------------------------------
def weekly_activity(log: pd.DataFrame, *, by: By = "seeker") -> pd.DataFrame:
    """Leads contacted per week, with the quiet weeks in between.

    Returns
    -------
    pandas.DataFrame
        ``[by...]``, ``week`` (the Monday starting the week, datetime),
        ``outreach`` (leads contacted that week). Every week between a
        group's first and last outreach appears, with 0 where nothing was
        sent. Leads without ``contacted_on`` are left out.

    Examples
    --------
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_SEEKER_FILE
    >>> w = weekly_activity(load_log(SAMPLE_SEEKER_FILE))
    >>> bool((w["week"].dt.day_of_week == 0).all())
    True
    """
    log = _canonical(log)
    keys = _keys(by)
    dated = _contacted(log) & log["contacted_on"].notna().to_numpy()
    if not dated.any():
        frame = _group_frame(log, keys)
        table = pd.DataFrame({k: pd.Series([], dtype=object) for k in keys})
        table["week"] = pd.Series([], dtype="datetime64[ns]")
        table["outreach"] = pd.Series([], dtype="int64")
        for k in keys:
            table[k] = table[k].astype(frame[k].dtype)
        return _tidy_keys(table[[*keys, "week", "outreach"]].reset_index(drop=True), keys)
    # Day numbers of the Monday starting each lead's week.
    day = log["contacted_on"].to_numpy(dtype="datetime64[ns]")[dated].astype("datetime64[D]")
    day = day.astype(np.int64)
    week = day - (day + 3) % 7  # 1970-01-01 was a Thursday
    group, group_keys = _sorted_groups(log, keys, dated)
    groups = len(group_keys)
    first = np.full(groups, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(groups, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(first, group, week)
    np.maximum.at(last, group, week)
    weeks = (last - first) // 7 + 1  # every week from a group's first outreach to its last
    start = np.zeros(groups, dtype=np.int64)
    np.cumsum(weeks[:-1], out=start[1:])
    total = int(weeks.sum())
    outreach = np.bincount(start[group] + (week - first[group]) // 7, minlength=total)
    step = np.arange(total) - np.repeat(start, weeks)
    monday = (np.repeat(first, weeks) + 7 * step).astype("datetime64[D]")
    table = pd.DataFrame({"week": monday.astype("datetime64[ns]"),
                          "outreach": outreach.astype("int64")})
    rep = np.repeat(np.arange(groups), weeks)
    for k in keys:
        table[k] = group_keys[k].take(rep).reset_index(drop=True)
    return _tidy_keys(table[[*keys, "week", "outreach"]].reset_index(drop=True), keys)


def _seeker_cohorts(log: pd.DataFrame) -> pd.DataFrame:
    """Each seeker's cohort (the one most of their leads carry): ``seeker``, ``cohort``."""
    frame = pd.DataFrame({"seeker": _seeker_key(log), "cohort": _group_column(log, "cohort")})
    if frame.empty:
        return frame
    counts = frame.groupby(["seeker", "cohort"], observed=True).size().reset_index(name="k")
    counts = counts.sort_values(["seeker", "k", "cohort"], ascending=[True, False, True],
                                kind="stable")
    return counts.drop_duplicates("seeker")[["seeker", "cohort"]].reset_index(drop=True)


def _per_seeker(log: pd.DataFrame, keys: _GraphKeys | None = None) -> pd.DataFrame:
    if not len(log):
        return _per_seeker_empty(log)
    c = _contacted(log)
    activity = log["activity"]
    keys = keys or _graph_keys(log)
    codes, names = keys[0], keys[5]  # seekers in the order of a sorted groupby
    k = len(names)
    table = pd.DataFrame({"seeker": names})
    values = {
        "leads": c,
        "networking": c & (activity == "networking").to_numpy(bool, na_value=False),
        "applications": c & (activity == "application").to_numpy(bool, na_value=False),
        "responded": c & _flag(log, "responded"),
        "info_interviews": c & _flag(log, "info_interview"),
        "referrals": np.where(c, _effective_referrals(log, keys), 0),
        "job_interviews": c & _flag(log, "job_interview"),
        "offers": c & _flag(log, "offer"),
    }
    for name, v in values.items():
        if v.dtype == bool:  # count the rows, no weights
            table[name] = np.bincount(codes[v], minlength=k).astype("int64")
        else:
            table[name] = np.bincount(codes, weights=v.astype(np.int64),
                                      minlength=k).astype("int64")
    # NaT is the smallest datetime64, so a seeker without a dated contacted lead keeps NaT
    day = log["contacted_on"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    last = np.full(k, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last, codes, np.where(c, day, np.iinfo(np.int64).min))
    table["last_outreach"] = pd.Series(last.view("datetime64[ns]"))
    # each seeker's cohort: the one most of their leads carry (ties: the first cohort)
    cohort = _group_column(log, "cohort")
    if isinstance(cohort.dtype, pd.CategoricalDtype):  # count the (seeker, cohort) pairs
        m = len(cohort.cat.categories)
        counts = np.bincount(codes * m + cohort.cat.codes.to_numpy(), minlength=k * m)
        best = counts.reshape(k, m).argmax(axis=1)  # the first of the most frequent
        table["cohort"] = pd.Categorical.from_codes(best, dtype=cohort.dtype)
    else:
        pairs = pd.DataFrame({"seeker": codes, "cohort": cohort})
        counts = pairs.groupby(["seeker", "cohort"], observed=True).size().reset_index(name="k")
        counts = counts.sort_values(["seeker", "k", "cohort"], ascending=[True, False, True],
                                    kind="stable")
        table["cohort"] = counts.drop_duplicates("seeker")["cohort"].reset_index(drop=True)
    return table[["seeker", "cohort", *values, "last_outreach"]]


def _per_seeker_empty(log: pd.DataFrame) -> pd.DataFrame:
    """:func:`_per_seeker` of a log without leads (the empty table and its types)."""
    c = _contacted(log)
    activity = log["activity"]
    frame = pd.DataFrame({"seeker": _seeker_key(log)})
    frame["leads"] = c.astype(int)
    frame["networking"] = (c & (activity == "networking").to_numpy(bool, na_value=False))
    frame["applications"] = (c & (activity == "application").to_numpy(bool, na_value=False))
    frame["responded"] = c & _flag(log, "responded")
    frame["info_interviews"] = c & _flag(log, "info_interview")
    frame["referrals"] = np.where(c, _effective_referrals(log), 0)
    frame["job_interviews"] = c & _flag(log, "job_interview")
    frame["offers"] = c & _flag(log, "offer")
    counts = ["leads", "networking", "applications", "responded", "info_interviews",
              "referrals", "job_interviews", "offers"]
    frame[counts] = frame[counts].astype(int)
    table = _sum_by(frame, ["seeker"], counts)
    last = (log["contacted_on"].where(pd.Series(c, index=log.index))
            .groupby(frame["seeker"]).max())
    table["last_outreach"] = _lookup(table["seeker"], last, "datetime64[ns]")
    table = table.merge(_seeker_cohorts(log), on="seeker", how="left")
    return table[["seeker", "cohort", *counts, "last_outreach"]]


def per_seeker(log: pd.DataFrame) -> pd.DataFrame:
    """One row per seeker: how much outreach they did and how far it got.

    Counts are of contacted leads (planned ones left out); a seeker with only
    planned leads has a row of zeros.

    Returns
    -------
    pandas.DataFrame
        ``seeker``, ``cohort`` (``"unassigned"`` if missing), ``leads``,
        ``networking``, ``applications``, ``responded``, ``info_interviews``,
        ``referrals``, ``job_interviews``, ``offers``, ``last_outreach``
        (newest ``contacted_on``).

    Examples
    --------
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_COMBINED_FILE
    >>> len(per_seeker(load_log(SAMPLE_COMBINED_FILE)))
    60
    """
    return _per_seeker(_canonical(log))


def _stalled(
    log: pd.DataFrame, as_of: DateLike | None, stalled_days: int,
    seekers: pd.DataFrame | None = None, sort: bool = True,
) -> pd.DataFrame:
    """:func:`stalled_seekers`; *seekers* is ``_per_seeker(log)`` if already computed.

    With ``sort=False`` the rows stay in the order of *seekers*.
    """
    if seekers is None:
        seekers = _per_seeker(log)
    table = seekers[["seeker", "cohort", "leads", "last_outreach"]].copy()
    if as_of is None:
        cohort = _group_column(log, "cohort")
        dates = [log[c].to_numpy(dtype="datetime64[ns]")
                 for c in ("contacted_on", "responded_on", "info_interview_on")]
        newest = np.fmax(np.fmax(dates[0], dates[1]), dates[2])
        if isinstance(cohort.dtype, pd.CategoricalDtype):  # NaT is the smallest datetime64
            by_cohort = np.full(len(cohort.cat.categories), np.iinfo(np.int64).min)
            np.maximum.at(by_cohort, cohort.cat.codes.to_numpy(), newest.view(np.int64))
            newest = pd.Series(by_cohort.view("datetime64[ns]"), index=list(cohort.cat.categories))
        else:
            newest = pd.Series(newest, index=cohort.index)
            newest = newest.groupby(cohort, observed=True, sort=False, dropna=False).max()
            newest = pd.Series(newest.to_numpy(), index=list(newest.index),
                               dtype="datetime64[ns]")
        table["as_of"] = _lookup(table["cohort"], newest, "datetime64[ns]")
    else:
        table["as_of"] = pd.Series(_timestamp(as_of), index=table.index).astype("datetime64[ns]")
    table["days_since"] = _days(table["as_of"] - table["last_outreach"])
    table["stalled"] = ~(table["days_since"] < stalled_days)
    if sort and table["seeker"].is_monotonic_increasing:  # as _per_seeker gives them
        days = table["days_since"].to_numpy(dtype=float)
        order = np.argsort(np.where(np.isnan(days), -np.inf, -days), kind="stable")
        table = table.take(order).reset_index(drop=True)
    elif sort:
        table = table.sort_values(["days_since", "seeker"], ascending=[False, True],
                                  na_position="first", kind="stable").reset_index(drop=True)
    return table[["seeker", "cohort", "leads", "last_outreach", "days_since", "stalled", "as_of"]]


def stalled_seekers(
    log: pd.DataFrame, *, as_of: DateLike | None = None, stalled_days: int = 21
) -> pd.DataFrame:
    """Seekers who sent no outreach in the last *stalled_days* days, most stalled first.

    Parameters
    ----------
    log : pandas.DataFrame
        A canonical outreach log (one seeker or many).
    as_of : date-like, optional
        The day to judge at. By default each cohort is judged at the newest
        date among its own leads, so a finished term is judged at its end,
        not at today's date.
    stalled_days : int
        A seeker is stalled when the last outreach is at least this many
        days before *as_of* (default 21), or there is no dated outreach.

    Returns
    -------
    pandas.DataFrame
        ``seeker``, ``cohort``, ``leads`` (contacted), ``last_outreach``,
        ``days_since`` (days from ``last_outreach`` to ``as_of``; NaN without
        a dated outreach), ``stalled`` (bool), ``as_of`` (the day judged at);
        sorted by ``days_since`` descending, seekers with no dated outreach
        first.

    Examples
    --------
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_COMBINED_FILE
    >>> s = stalled_seekers(load_log(SAMPLE_COMBINED_FILE))
    >>> bool(s["days_since"].is_monotonic_decreasing)
    True
    """
    return _stalled(_canonical(log), as_of, stalled_days)


def cohort_outcomes(
    log: pd.DataFrame,
    *,
    as_of: DateLike | None = None,
    stalled_days: int = 21,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Per cohort: how many seekers are active, how much they did, and how many got offers.

    Parameters
    ----------
    log : pandas.DataFrame
        A canonical outreach log of many seekers.
    as_of, stalled_days
        As in :func:`stalled_seekers` (which decides ``active_seekers``).
    alpha : float
        1 - confidence level of the Wilson interval for ``share_with_offer``.

    Returns
    -------
    pandas.DataFrame
        One row per cohort (missing cohort -> ``"unassigned"``): ``cohort``,
        ``seekers``, ``active_seekers`` (not stalled), ``outreach_median``,
        ``outreach_q1``, ``outreach_q3`` (contacted leads per seeker),
        ``interviews_median``, ``interviews_q1``, ``interviews_q3``
        (informational interviews per seeker), ``with_offer`` (seekers with
        at least one offer, networking or application), ``share_with_offer``,
        ``ci_low``, ``ci_high`` (Wilson, over ``seekers``),
        ``info_interviews``, ``offers`` (interviews that led to an offer, as
        in :func:`offer_conversion`), ``conversion`` (``offers /
        info_interviews``), ``small_sample`` (fewer than 10 seekers).
        Quartiles are pandas' (linear, R's type 7).

    Examples
    --------
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_COMBINED_FILE
    >>> c = cohort_outcomes(load_log(SAMPLE_COMBINED_FILE))
    >>> int(c["seekers"].sum())
    60
    """
    log = _canonical(log)
    keys = _graph_keys(log)  # shared by the two referral graphs below
    seekers = _per_seeker(log, keys)
    seekers["stalled"] = _stalled(log, as_of, stalled_days, seekers, sort=False)["stalled"]
    seekers["active"] = (~seekers["stalled"]).astype(int)
    seekers["with_offer"] = (seekers["offers"] > 0).astype(int)
    seekers["one"] = 1
    unit, converted = _offer_units(log, "networking", keys=keys)
    frame = pd.DataFrame({"cohort": _group_column(log, "cohort")})
    frame["info_interviews"] = unit.astype(int)
    frame["offers"] = (unit & converted).astype(int)
    conv = _sum_by(frame, ["cohort"], ["info_interviews", "offers"])
    table = _sum_by(seekers, ["cohort"], ["one", "active", "with_offer"])
    table = table.rename(columns={"one": "seekers", "active": "active_seekers"})
    grouped = seekers.groupby("cohort", observed=True, sort=True)
    for name, column in (("outreach", "leads"), ("interviews", "info_interviews")):
        for stat, q in (("median", 0.5), ("q1", 0.25), ("q3", 0.75)):
            values = grouped[column].quantile(q) if len(seekers) else pd.Series(dtype=float)
            table[f"{name}_{stat}"] = _lookup(table["cohort"], values, float)
    _add_rate(table, "with_offer", n="seekers", alpha=alpha, rate="share_with_offer")
    table = table.merge(conv, on="cohort", how="left")
    table["conversion"] = _ratio(table["offers"], table["info_interviews"])
    table = _tidy_keys(table, ["cohort"])
    table = table[["cohort", "seekers", "active_seekers", "outreach_median", "outreach_q1",
                   "outreach_q3", "interviews_median", "interviews_q1", "interviews_q3",
                   "with_offer", "share_with_offer", "ci_low", "ci_high", "info_interviews",
                   "offers", "conversion"]]
    return _flag_small(table, "cohort_outcomes", n="seekers")


def followups_due(
    log: pd.DataFrame, *, as_of: DateLike | None = None, wait_days: int = 7
) -> pd.DataFrame:
    """The to-do list: leads to follow up, and informational interviews to thank.

    *Follow up*: contacted at least *wait_days* days before *as_of*, no reply,
    no follow-up sent, not closed (declined / rejected / withdrawn / offer),
    and someone to write to (a contact, or a networking lead). *Send a
    thank-you note*: an informational interview with ``thank_you`` not True.

    Returns
    -------
    pandas.DataFrame
        ``seeker``, ``contact``, ``company``, ``contacted_on``,
        ``days_waiting`` (days since contact, or since the interview for a
        thank-you), ``action`` (``"follow up"`` / ``"send thank-you note"``);
        longest waiting first.

    Examples
    --------
    >>> from infoview_analytics.load import load_log
    >>> from infoview_analytics.sample import SAMPLE_SEEKER_FILE
    >>> todo = followups_due(load_log(SAMPLE_SEEKER_FILE))
    >>> sorted(set(todo["action"])) <= ["follow up", "send thank-you note"]
    True
    """
    log = _canonical(log)
    day = _as_of(log, as_of)
    c = _contacted(log)
    waited = _days(day - log["contacted_on"]) if pd.notna(day) else np.full(len(log), np.nan)
    replied = _flag(log, "responded") | log["responded_on"].notna().to_numpy()
    followed = log["followups"].astype("Float64").fillna(0).to_numpy(dtype=float) > 0
    closed = log["outcome"].isin(_CLOSED_OUTCOMES).to_numpy(dtype=bool)
    reachable = log["contact"].notna().to_numpy() | (log["activity"] == "networking").to_numpy(
        dtype=bool, na_value=False)
    follow = c & ~replied & ~followed & ~closed & reachable & (waited >= wait_days)
    interview_day = log["info_interview_on"].fillna(log["contacted_on"])
    since_interview = (_days(day - interview_day) if pd.notna(day)
                       else np.full(len(log), np.nan))
    thank = c & _flag(log, "info_interview") & ~_flag(log, "thank_you")
    rows = np.concatenate([np.flatnonzero(follow), np.flatnonzero(thank)])
    days = np.concatenate([waited[follow], since_interview[thank]]).astype(float)
    action = np.repeat([0, 1], [follow.sum(), thank.sum()])
    text = ["seeker", "contact", "company"]
    by_rank = all(isinstance(log[k].dtype, pd.StringDtype) for k in text)
    if by_rank:
        # longest waiting first, then by text: the text columns' codes are hashed once per log
        keys = [*(_text_order(log[k])[_text_factorize(log[k])[0][rows]] for k in text), action]
        if len(rows) and np.prod([float(k.max()) + 1 for k in keys]) < 2.0**62:  # one number
            keys = [np.ravel_multi_index(keys, [int(k.max()) + 1 for k in keys])]
        order = np.lexsort((*keys[::-1], np.where(np.isnan(days), np.inf, -days)))
        rows, days, action = rows[order], days[order], action[order]
    table = log[[*text, "contacted_on"]].take(rows).reset_index(drop=True)
    table["days_waiting"] = days
    table["action"] = pd.array(["follow up", "send thank-you note"], dtype=STRING).take(action)
    if not by_rank:
        table = table.sort_values(["days_waiting", *text, "action"],
                                  ascending=[False, True, True, True, True], na_position="last",
                                  kind="stable").reset_index(drop=True)
    return table
