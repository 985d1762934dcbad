"""A sheet's cells as rows: one 2-D object array, or columns of codes for big sheets.

Code that reads a few rows (header search, column plans) sees lists; normalisation
takes whole columns as ``(codes, uniques)`` so it never needs a Python list per row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

__all__ = ["Rows", "ColumnRows", "factorize_cells", "per_row", "renumbered", "used_extent",
           "used_values", "with_none"]


class Rows(Sequence):
    """A sheet's rows, all of one width, held as one 2-D object array.

    Indexing gives a row as a list and slicing gives :class:`Rows`, so code
    reading a few rows sees lists; :attr:`array` lets normalisation take whole
    columns without a Python list per row (a 100,000-row sheet has two million
    cells).
    """

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray):
        self.array = array

    @property
    def width(self) -> int:
        return self.array.shape[1]

    def column(self, i: int) -> np.ndarray:
        return self.array[:, i]

    def coded_column(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """``(codes, uniques, cells)`` of column *i*: codes -1 for empty, uniques in order
        of first appearance (as :func:`pandas.factorize`), and the cells themselves."""
        column = self.array[:, i]
        codes, uniques = factorize_cells(column)
        return codes, uniques, column

    def __len__(self) -> int:
        return self.array.shape[0]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Rows(self.array[index])
        return self.array[index].tolist()

    def __iter__(self) -> Iterator[list[object]]:
        return (row.tolist() for row in self.array)

    def tolist(self) -> list[list[object]]:
        return self.array.tolist()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Rows):
            other = other.tolist()
        return self.tolist() == other if isinstance(other, list) else NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like the lists it stands for

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.tolist()!r})"


class ColumnRows(Rows):
    """Rows held as one ``(codes, uniques)`` pair per column.

    Cell ``(r, j)`` is ``uniques[j][codes[j][r]]``, ``None`` where the code is -1.
    A big sheet read column-wise (Arrow) stays in this form: its two million cells
    are never Python objects one by one. Everything :class:`Rows` offers works; the
    object :attr:`array` is built on demand.

    *ordered* says each column's codes number its values in order of first
    appearance, as Arrow's dictionary encoding and :func:`pandas.factorize` give them
    (codes no cell uses may stay among them). A slice's codes are then renumbered
    without hashing them again (:meth:`coded_column`): for a million-row column, a
    count and a shift instead of a factorize. *dense* says, per column, that every
    one of its values is used by some cell (as Arrow's parse gives them): then not
    even the count is needed.

    *head*, a 2-D object array, holds the first rows as cells, above the coded ones (a
    text table's first record or a big sheet's first row, kept out of the coding of
    the rows under it: a header there leaves their codes needing no renumbering).
    """

    __slots__ = ("_codes", "_uniques", "_n", "_origin", "_head")

    def __init__(self, codes: list[np.ndarray], uniques: list[np.ndarray], n: int, *,
                 ordered: bool = False, dense: list[bool] | None = None,
                 head: np.ndarray | None = None):
        self._codes = codes
        self._uniques = uniques
        self._n = n  # coded rows, under the head's
        self._head = head if head is not None and len(head) else None
        # (the ordered columns, where these rows start in them, which are dense), or None
        self._origin: tuple[list[np.ndarray], int, list[bool]] | None = (
            (codes, 0, dense or [False] * len(codes)) if ordered else None)

    @property
    def _top(self) -> int:
        """Rows held in the head."""
        return 0 if self._head is None else len(self._head)

    @property
    def array(self) -> np.ndarray:  # type: ignore[override]
        top = self._top
        grid = np.empty((top + self._n, len(self._codes)), dtype=object)
        if top:
            grid[:top] = self._head
        for j in range(len(self._codes)):
            grid[top:, j] = with_none(self._uniques[j])[self._codes[j]]
        return grid

    @property
    def width(self) -> int:
        return len(self._codes)

    def column(self, i: int) -> np.ndarray:
        coded = with_none(self._uniques[i])[self._codes[i]]
        return coded if self._head is None else np.concatenate([self._head[:, i], coded])

    def coded_column(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        if self._head is not None:  # the head's cells and the codes under them, hashed
            column = self.column(i)
            return (*factorize_cells(column), column)
        # A slice may not use every unique (the header row's text, say): keep only the
        # used ones, in order of first appearance, as pandas.factorize would.
        codes, uniques = self._codes[i], self._uniques[i]
        if self._origin is not None:
            whole, start, dense = self._origin
            above = whole[i][:start]
            # Values first seen in these rows keep their order; one also seen above
            # them (a title repeated below it, say) may not: then hash after all.
            if dense[i] and start + self._n == len(whole[i]):
                # every value is used, and these rows run to the column's end: the
                # values first seen above them (the lowest codes) are the unused ones
                seen_above = int(above.max()) + 1 if len(above) else 0
                if not seen_above or not ((codes >= 0) & (codes < seen_above)).any():
                    return (*renumbered(codes, uniques,
                                        np.arange(len(uniques)) >= seen_above), None)
            else:
                used = used_values(codes, len(uniques))
                if not used[above[above >= 0]].any():
                    return (*renumbered(codes, uniques, used), None)
        first, seen = pd.factorize(codes)
        used = seen >= 0
        remap = np.full(len(seen), -1, dtype=np.intp)
        remap[used] = np.arange(int(used.sum()))
        return remap[first], uniques[seen[used]], None

    def __len__(self) -> int:
        return self._top + self._n

    def __getitem__(self, index):
        top = self._top
        if isinstance(index, slice):
            start, stop, step = index.indices(top + self._n)
            head = None
            if top:
                if step != 1:
                    return Rows(self.array[index])  # (no code steps over a head)
                head = self._head[start:stop] if start < top else None
                start, stop = max(start - top, 0), max(stop - top, 0)  # of the coded rows
                index = slice(start, stop)
            codes = [c[index] for c in self._codes]
            part = ColumnRows(codes, self._uniques, len(range(start, stop, step)), head=head)
            if self._origin is not None and step == 1:  # cutting rows keeps the order
                whole, at, dense = self._origin
                part._origin = (whole, at + start, dense)
            return part
        if index < 0:
            index += top + self._n
        if not 0 <= index < top + self._n:
            raise IndexError("row index out of range")
        if index < top:
            return self._head[index].tolist()
        return [None if c[index - top] < 0 else u[c[index - top]]
                for c, u in zip(self._codes, self._uniques, strict=True)]

    def __iter__(self) -> Iterator[list[object]]:
        return (row.tolist() for row in self.array)

    def tolist(self) -> list[list[object]]:
        return self.array.tolist()


def factorize_cells(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`pandas.factorize` of an object array of cells, with True and False kept
    apart from 1 and 0, which pandas hashes alike: a ticked box is not a count of one.

    Examples
    --------
    >>> codes, uniques = factorize_cells(np.array([1.0, True, None, 1], dtype=object))
    >>> codes.tolist(), uniques.tolist()
    ([0, 1, -1, 0], [1.0, True])
    """
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    if not any(u == 0 or u == 1 for u in uniques if isinstance(u, (bool, int, float))):
        return codes, uniques  # no value a yes/no could be confused with
    kinds = {type(v) for v in cells}
    if bool not in kinds or not kinds & {int, float}:
        return codes, uniques
    keys = np.empty(len(cells), dtype=object)
    keys[:] = [(v,) if type(v) is bool else v for v in cells]  # (True,) is not 1
    codes, _ = pd.factorize(keys, use_na_sentinel=True)
    found, first = np.unique(codes, return_index=True)
    return codes, cells[first[found >= 0]]


def used_values(codes: np.ndarray, size: int) -> np.ndarray:
    """Which of *size* distinct values the *codes* use (-1: none)."""
    # counted with every code moved up one (-1 to 0): no copy of the used codes first
    return np.bincount(codes + 1, minlength=size + 1)[1:] > 0


def renumbered(codes: np.ndarray, uniques: np.ndarray,
               used: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """*codes* and *uniques* with only the *used* values, in their order (-1 stays)."""
    kept = np.flatnonzero(used)
    if len(kept) == len(uniques):
        return codes, uniques
    if len(kept) and kept[-1] - kept[0] + 1 == len(kept):
        # one run of used values (the usual case: the header row's text unused below it):
        # a shift, in the codes' own dtype, with -1 and below back at -1
        shifted = np.subtract(codes, kept[0], dtype=codes.dtype)
        return np.maximum(shifted, -1, out=shifted), uniques[kept[0]: kept[-1] + 1]
    return in_order(codes, kept, len(uniques)), uniques[kept]


def in_order(codes: np.ndarray, order: np.ndarray, size: int) -> np.ndarray:
    """*codes* of *size* distinct values, renumbered so that value ``order[k]`` is *k*;
    a value not in *order*, and -1, become -1. One lookup per row."""
    lookup = np.full(size + 1, -1, dtype=np.intp)  # [-1]: code -1
    lookup[order] = np.arange(len(order))
    return per_row(lookup, codes)


def per_row(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``table[codes]`` for a *table* of numbers, flags or dates looked up per distinct
    value (code -1 takes its last item): :func:`numpy.take`, about twice as fast as
    indexing with the readers' int32 codes. (Indexing stays faster for objects.)"""
    return np.take(table, codes)


def with_none(uniques: np.ndarray) -> np.ndarray:
    """*uniques* with ``None`` appended, so code -1 takes it."""
    out = np.empty(len(uniques) + 1, dtype=object)
    out[:-1] = uniques
    out[-1] = None
    return out


def used_extent(codes: list[np.ndarray]) -> tuple[int, int]:
    """``(rows, columns)`` up to the last cell holding something (code >= 0)."""
    longest = max(map(len, codes), default=0)
    if longest and any(len(c) == longest and c[-1] >= 0 for c in codes) \
            and (codes[-1] >= 0).any():
        return longest, len(codes)  # the usual table: filled to its last row and column
    last_row, last_col = -1, -1
    for j, column in enumerate(codes):
        filled = column[::-1] >= 0
        if filled.any():
            last_row, last_col = max(last_row, len(column) - 1 - int(filled.argmax())), j
    return last_row + 1, last_col + 1
