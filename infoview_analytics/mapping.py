"""Finding the header row and deciding which source column is which field.

The header is found, not assumed: the first rows are scored by how many of
their cells are known header aliases. Each header is then matched to a field
through :data:`infoview_analytics.vocab.FIELD_ALIASES` (exactly, then with a
typo-level fuzzy match), a few ambiguous headers are settled from the rest of
the sheet and from their values, and an explicit mapping always wins.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import MappingError
from .read import Rows
from .schema import COLUMN_NAMES, PROVENANCE_COLUMNS
from .vocab import CONTEXTUAL, FIELD_ALIASES, parse_yes_no, squash

__all__ = [
    "ColumnPlan",
    "SheetPlan",
    "find_header_row",
    "plan_columns",
    "read_mapping_file",
    "FIELD_TARGETS",
]

_ALIAS_INDEX: dict[str, str] = {a: f for f, aliases in FIELD_ALIASES.items() for a in aliases}
_FUZZY_KEYS = sorted(k for k in _ALIAS_INDEX if len(k) >= 6)


def _deletions(text: str) -> set[str]:
    """*text* and every string one character shorter than it."""
    return {text} | {text[:i] + text[i + 1:] for i in range(len(text))}


# Every string one edit (change, insertion, deletion, swap) from an alias shares a
# one-deletion variant with it, so candidates for a typo come from a dict lookup
# per variant instead of comparing a header with every alias.
_DELETION_INDEX: dict[str, list[str]] = {}
for _key in _FUZZY_KEYS:
    for _variant in _deletions(_key):
        _DELETION_INDEX.setdefault(_variant, []).append(_key)
del _key, _variant
# A typo is one edit away, so a longer text cannot be one of any alias; the check
# also keeps a megabyte-long cell from becoming a million deletion variants.
_LONGEST_FUZZY = max(map(len, _FUZZY_KEYS)) + 1
#: Cell text longer than this is never a header (and is not cached as one).
MAX_HEADER_CHARS = 200
_SUFFIXES = re.compile(r"\s+(y n|yes no|y or n|1 0|true false|if any|optional)$")

#: The canonical column each signal feeds, as shown in the load report.
FIELD_TARGETS: dict[str, str] = {
    **{c: c for c in COLUMN_NAMES},
    "contact_first": "contact",
    "contact_last": "contact",
    "stage_history": "stage",
    "contacted_flag": "stage",
    "stage_responded": "responded",
    "stage_job_interview": "job_interview",
    "stage_rejected": "outcome",
    "stage_open": "outcome",
    "direction": "contact",
    "from_party": "contact",
    "to_party": "contact",
    "posting": "activity",
}
#: Fields that may come from several columns at once (combined, not a conflict).
COMBINABLE = frozenset(
    {"followups", "stage_responded", "stage_job_interview", "stage_rejected", "stage_open",
     "posting"}
)
FLAG_FIELDS = frozenset(
    {"responded", "info_interview", "thank_you", "job_interview", "offer", "contacted_flag",
     "stage_responded", "stage_job_interview", "stage_rejected", "stage_open"}
)
#: Fields that mark a sheet as an outreach log at all.
LOG_FIELDS = frozenset(
    {"company", "contact", "contact_first", "contacted_on", "status_raw", "stage", "outcome",
     "posting", "to_party"}
)
_SPECIAL_TARGETS = {"extra", "ignore"}


@dataclass
class ColumnPlan:
    """How one source column is used."""

    index: int
    header: str
    field: str | None  # None: kept as an extra_ column
    how: str = "alias"  # alias | fuzzy | explicit | context | extra | ignore
    extra_name: str | None = None


@dataclass
class SheetPlan:
    """The header row and every column's use, plus what the mapping noticed."""

    header_row: int  # index into RawSheet.rows
    columns: list[ColumnPlan]
    notices: list[tuple[str, str]] = field(default_factory=list)  # (column, message)

    def fields(self) -> dict[str, list[ColumnPlan]]:
        out: dict[str, list[ColumnPlan]] = {}
        for c in self.columns:
            if c.field:
                out.setdefault(c.field, []).append(c)
        return out

    @property
    def mapping(self) -> dict[str, str]:
        return {c.header: FIELD_TARGETS[c.field] for c in self.columns if c.field}

    @property
    def unmapped(self) -> list[str]:
        return [c.header for c in self.columns if c.field is None and c.how != "ignore"]


def match_header(header: object) -> tuple[str | None, str]:
    """The field a header names and how it was matched (``alias``/``fuzzy``), or ``(None, '')``.

    Examples
    --------
    >>> match_header("Recieved Response?")
    ('responded', 'alias')
    >>> match_header("Compnay")
    ('company', 'fuzzy')
    >>> match_header("DateApplied")
    ('contacted_on', 'alias')
    >>> match_header("Favourite colour")
    (None, '')
    """
    text = str(header)
    if len(text) > MAX_HEADER_CHARS:
        return None, ""
    return _match_text(text)


@functools.lru_cache(maxsize=8192)
def _match_text(header: str) -> tuple[str | None, str]:
    key = squash(_split_camel(header))
    if not key or header.startswith("extra_"):  # a column this kit saved as extra
        return None, ""
    for candidate in (key, _SUFFIXES.sub("", key)):
        if candidate in _ALIAS_INDEX:
            return _ALIAS_INDEX[candidate], "alias"
    if 6 <= len(key) <= _LONGEST_FUZZY:
        candidates = {a for v in _deletions(key) for a in _DELETION_INDEX.get(v, ())}
        close = [a for a in candidates if abs(len(a) - len(key)) <= 1 and _one_typo(key, a)]
        if close:
            return _ALIAS_INDEX[min(close)], "fuzzy"  # the first in _FUZZY_KEYS order
    return None, ""


def _one_typo(a: str, b: str) -> bool:
    """True if *a* and *b* differ by one edit: a letter changed, added, dropped or swapped."""
    if a == b:
        return True
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k, (x, y) in enumerate(zip(short, long_, strict=False)) if x != y), len(short))
    return short[i:] == long_[i + 1:]


def _split_camel(text: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text)


def find_header_row(rows: list[list[object]], *, scan: int = 30) -> tuple[int | None, set[str]]:
    """Index of the header row among the first *scan* rows and the fields it names.

    The row naming the most distinct fields wins (the earliest on a tie); a
    row needs at least two text cells. Returns ``(None, set())`` if no row
    names any field.

    Examples
    --------
    >>> rows = [["My job search 2024"], [None], ["Company", "Date applied", "Status"], ["Acme"]]
    >>> index, fields = find_header_row(rows)
    >>> index, sorted(fields)
    (2, ['company', 'contacted_on', 'status_raw'])
    """
    best, best_fields = None, set()
    for i, row in enumerate(rows[:scan]):
        texts = [c for c in row if isinstance(c, str) and c.strip()]
        if len(texts) < 2 and not (len(texts) == 1 and len(rows) > i + 1 and len(row) == 1):
            continue
        if len(set(texts)) <= len(best_fields):
            continue  # naming a field per distinct text, it could not name more: not matched
        fields = {f for f in (match_header(t)[0] for t in texts) if f}
        if len(fields) > len(best_fields):
            best, best_fields = i, fields
    return best, best_fields


def is_log(fields: set[str], *, strict: bool) -> bool:
    """Whether a header naming *fields* starts an outreach log.

    *strict* (used for the extra sheets of a workbook) asks for two fields,
    one of them identifying, so that dashboards and instruction sheets are
    skipped; a lone sheet or text file needs one identifying field.
    """
    if not fields & LOG_FIELDS:
        return False
    return len(fields) >= 2 if strict else True


def plan_columns(
    headers: list[object],
    data_rows: list[list[object]],
    *,
    explicit: Mapping[str, str | None] | None = None,
) -> SheetPlan:
    """Decide the use of every column from its header, its neighbours and its values."""
    explicit_keys = {squash(k): v for k, v in (explicit or {}).items()}
    plans: list[ColumnPlan] = []
    seen_headers: dict[str, int] = {}
    for i, h in enumerate(headers):
        base = _header_text(h, i)
        n = seen_headers.get(base, 0)
        seen_headers[base] = n + 1
        header = f"{base} ({n + 1})" if n else base
        key = squash(_split_camel(base))
        if key in explicit_keys:
            target = explicit_keys[key]
            if target in (None, "ignore"):
                plans.append(ColumnPlan(i, header, None, "ignore"))
            elif target == "extra":
                plans.append(ColumnPlan(i, header, None, "extra"))
            else:
                plans.append(ColumnPlan(i, header, target, "explicit"))
            continue
        fld, how = match_header(base)
        plans.append(ColumnPlan(i, header, fld, how or "extra"))
        if fld and key in CONTEXTUAL:
            plans[-1].how = "context"
    notices: list[tuple[str, str]] = []
    _resolve_context(plans, data_rows, notices)
    _check_flag_values(plans, data_rows, notices)
    _resolve_conflicts(plans, notices)
    _name_extras(plans)
    return SheetPlan(header_row=-1, columns=plans, notices=notices)


def _header_text(h: object, i: int) -> str:
    if h is None or (isinstance(h, str) and not h.strip()):
        return f"column {i + 1}"
    if isinstance(h, float) and h.is_integer():
        h = int(h)
    return " ".join(str(h).split())


def _column_values(rows: Sequence[list[object]], i: int, limit: int = 500) -> list[object]:
    """The first *limit* non-blank cells of column *i*."""
    if isinstance(rows, Rows):
        cells = _leading_cells(rows, i, limit)
    else:
        cells = (r[i] for r in rows if i < len(r) and r[i] is not None)
    vals = []
    for cell in cells:
        if str(cell).strip():
            vals.append(cell)
            if len(vals) >= limit:
                break
    return vals


def _leading_cells(rows: Rows, i: int, limit: int) -> Iterator[object]:
    """Column *i*'s cells from the top, empty ones left out, taken in growing windows:
    a big sheet's column is never built whole for the few hundred cells looked at."""
    if i >= rows.width:
        return
    start, size = 0, 2 * limit
    while start < len(rows):
        column = rows[start:start + size].column(i)
        yield from column[np.not_equal(column, None)]
        start, size = start + size, size * 4


def _flag_like(values: list[object]) -> float:
    """Share of values that read as yes/no, a count or a date."""
    from .dates import parse_date_text  # local: dates is a sibling helper, kept light

    if not values:
        return 0.0

    def reads(v: object) -> bool:
        if isinstance(v, (bool, int, float)) or hasattr(v, "year"):
            return True
        text = str(v)
        return parse_yes_no(text) != "?" or parse_date_text(text) is not None \
            or _all_dates(text)

    seen: dict[tuple[type, object], bool] = {}  # a flag column repeats a few values
    good = 0
    for v in values:
        key = (type(v), v)
        known = seen.get(key)
        good += seen.setdefault(key, reads(v)) if known is None else known
    return good / len(values)


def _all_dates(text: str) -> bool:
    from .dates import _EMBEDDED

    return bool(_EMBEDDED.search(text))


def _resolve_context(plans: list[ColumnPlan], rows: list[list[object]], notices) -> None:
    fields = {p.field for p in plans if p.field}
    has_contact = bool(fields & {"contact", "contact_first", "to_party"})
    has_posting = "posting" in fields
    for p in plans:
        if p.how != "context":
            continue
        key = squash(p.header)
        values = _column_values(rows, p.index)
        if key == "name":
            if has_posting and "company" not in fields:
                p.field = "company"
                notices.append((p.header, "read as the company: this is an application log "
                                          "with no company column"))
            else:
                has_contact = True
        elif key in ("position", "title"):
            p.field = "contact_title" if has_contact or "contact" in fields else "posting"
        elif key in ("phone", "recruiter"):
            if values and _flag_like(values) >= 0.6:
                continue  # a stage column: yes / a date when that stage happened
            if key == "recruiter" and not has_contact and values:
                p.field, has_contact = "contact", True
            else:
                p.field, p.how = None, "extra"
        elif key == "applied" and values and _flag_like(values) >= 0.6:
            dates = sum(1 for v in values if hasattr(v, "year") or _all_dates(str(v)))
            if dates < len(values) / 2:
                p.field = "contacted_flag"
    directions = "direction" in {p.field for p in plans}
    for p in plans:
        if p.field in ("from_party", "to_party") and not directions:
            p.field, p.how = None, "extra"


def _check_flag_values(plans: list[ColumnPlan], rows: list[list[object]], notices) -> None:
    """A yes/no column full of free text is kept as an extra column, and said so."""
    for p in plans:
        if p.field in FLAG_FIELDS and p.how != "explicit":
            values = _column_values(rows, p.index)
            if len(values) >= 3 and _flag_like(values) < 0.5:
                notices.append(
                    (p.header, f"looks like '{FIELD_TARGETS[p.field]}' by name but holds text "
                               f"such as {str(values[0])[:40]!r}; kept as an extra column. "
                               "Map it explicitly if it is that.")
                )
                p.field, p.how = None, "extra"


_RANK = {"explicit": 0, "alias": 1, "context": 2, "fuzzy": 3}


def _resolve_conflicts(plans: list[ColumnPlan], notices) -> None:
    by_field: dict[str, list[ColumnPlan]] = {}
    for p in plans:
        if p.field and p.field not in COMBINABLE:
            by_field.setdefault(p.field, []).append(p)
    for fld, group in by_field.items():
        if len(group) < 2:
            continue
        keep = min(group, key=lambda p: (_RANK.get(p.how, 9), p.index))
        others = [p for p in group if p is not keep]
        for p in others:
            p.field, p.how = None, "extra"
        names = ", ".join(repr(p.header) for p in others)
        notices.append(
            (keep.header, f"two or more columns look like '{FIELD_TARGETS[fld]}': used "
                          f"{keep.header!r}, kept {names} as extra columns. Pass a mapping "
                          "to choose another.")
        )


def _name_extras(plans: list[ColumnPlan]) -> None:
    used: set[str] = set()
    for p in plans:
        if p.how == "ignore" or (p.field and p.field != "posting"):
            continue
        if p.header.startswith("extra_"):
            base = p.header
        else:
            base = "extra_" + (squash(_split_camel(p.header)).replace(" ", "_")
                               or f"col{p.index + 1}")
        name, k = base, 2
        while name in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        p.extra_name = name


def validate_explicit(explicit: Mapping[str, str | None], headers: list[str], where: str) -> None:
    """Raise :class:`MappingError` for a target that is not a column or a header not in the file."""
    valid = set(FIELD_TARGETS) | _SPECIAL_TARGETS
    for src, target in explicit.items():
        if target is not None and target not in valid:
            close = difflib.get_close_matches(str(target), sorted(valid), n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise MappingError(
                f"mapping: '{src}' -> '{target}': '{target}' is not a column of the outreach "
                f"log.{hint} Use one of the canonical names, 'extra' or 'ignore'."
            )
        if target in PROVENANCE_COLUMNS:
            raise MappingError(f"mapping: '{src}' -> '{target}': provenance columns are set by "
                               "the loader and cannot be mapped.")
    keys = {squash(_split_camel(h)) for h in headers}
    missing = [k for k in explicit if squash(_split_camel(k)) not in keys]
    if missing and len(missing) == len(explicit):
        raise MappingError(
            f"{where}: none of the mapped headers ({', '.join(map(repr, missing))}) is in the "
            f"file. Headers seen: {', '.join(map(repr, headers))}."
        )


def read_mapping_file(path: str | Path) -> dict[str, str | None]:
    """Read an explicit column mapping from a YAML or TOML file.

    The file maps source headers to canonical columns, either at the top level
    or under a ``columns`` key::

        columns:
          Org: company
          Spoke with: contact
          Ignore me: ignore
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(f"{path}: cannot read the mapping file ({exc.strerror}).") from exc
    try:
        if path.suffix.lower() == ".toml":
            import tomllib

            data = tomllib.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as exc:
        raise MappingError(f"{path}: not valid YAML/TOML ({str(exc).splitlines()[0]}).") from exc
    if isinstance(data, dict) and isinstance(data.get("columns"), dict):
        data = data["columns"]
    if not isinstance(data, dict) or not data:
        raise MappingError(f"{path}: expected 'Source header: canonical_column' lines.")
    return {str(k): (None if v is None else str(v)) for k, v in data.items()}
