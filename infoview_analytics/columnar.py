"""Big sheets and text tables read column by column (Arrow) instead of cell by cell.

python-calamine makes a Python object of every cell (two million for a 100,000-lead
log), which normalisation then hashes again to find the distinct values. fastexcel
runs the same calamine parser but hands each column over as one typed Arrow array;
dictionary-encoding it gives normalisation its codes directly. Text tables go the
same way through Arrow's csv reader (:func:`split_text`).

fastexcel types a column as a whole, so this path takes a sheet only when every
column below the first :data:`HEAD_ROWS` rows holds one kind of cell (text, number,
yes/no or date) and the sheet's cells start at A1. Those first rows (titles, the
header, notes above it) are read cell by cell, by python-calamine from a copy of the
workbook cut after them, so they keep each cell's own type. A sheet that does not
qualify, and every small one (under :data:`MIN_ROWS`), is read cell by cell, with the
same result; ``tests/test_columnar.py`` holds the two paths to that.

A sheet of :data:`PARALLEL_BYTES` of XML or more is parsed in a forked process
(:class:`Tails`) while this one runs the reader's security scan, which would
otherwise have to finish first: on two cores a 100,000-lead workbook loads about a
sixth faster.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import logging
import mmap
import multiprocessing
import os
import pickle
import re
import signal
import struct
import warnings
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import python_calamine as calamine

from .processes import usable_cores
from .rows import ColumnRows, per_row, used_extent

try:  # a dependency, but where it cannot be installed every sheet is read cell by cell
    import fastexcel
except ImportError:  # exercised by tests/test_benchmarks.py, which hides it
    fastexcel = None
# fastexcel logs each all-empty column it types as text straight to the terminal;
# the load report already says what matters about a sheet's cells.
logging.getLogger("fastexcel").setLevel(logging.ERROR)

__all__ = ["HEAD_ROWS", "MIN_ROWS", "PARALLEL_BYTES", "Tails", "available", "head_cut",
           "head_rows_pattern", "in_head_rows", "read_sheet", "split_text"]

HEAD_ROWS = 64  #: rows read cell by cell; more than the header search looks at (30)
MIN_ROWS = 5_000  #: smaller sheets and tables are read cell by cell: as fast, one path to trust
#: worksheet XML from which :class:`Tails` parses a sheet in parallel (about 3,500 rows
#: of a 20-column log); below it the fork and hand-over cost as much as they save
PARALLEL_BYTES = 2 * 2**20

_ROW_TAG = re.compile(rb'<row r="([0-9]{1,7})"')
_SHEET_DATA = re.compile(rb"<((?:\w+:)?)sheetData\b[^>]*?(/?)>")
_EMPTY_SHEET = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>')
#: 1900-01-01 in Unix milliseconds: fastexcel shows a time of day as a time on 1899-12-31
_EPOCH_MS = (dt.datetime(1900, 1, 1) - dt.datetime(1970, 1, 1)) // dt.timedelta(milliseconds=1)


def available() -> bool:
    """Whether fastexcel is installed (for workbooks; text tables need only pyarrow)."""
    return fastexcel is not None


def head_cut(xml: bytes) -> int | None:
    """Where the first row past :data:`HEAD_ROWS` starts in *xml* (a worksheet's start).

    ``None`` when *xml* has no such row (the sheet is short, or its rows are longer
    than *xml*).
    """
    for m in _ROW_TAG.finditer(xml):
        if int(m.group(1)) > HEAD_ROWS:
            return m.start()
    return None


def in_head_rows(chunks: list[bytes]) -> bool:
    """Whether worksheet XML from past the head holds a cell or row tag numbered in the
    head's rows (or with a leading zero): calamine would place it there, in the rows
    :func:`read_sheet` takes from the head. One RE2 search."""
    found = pc.match_substring_regex(pa.array(chunks, pa.binary()), head_rows_pattern())
    return pc.any(found).as_py()


def head_rows_pattern() -> str:
    """The RE2 :func:`in_head_rows` searches for."""
    return _head_rows(HEAD_ROWS)


@functools.lru_cache(maxsize=4)
def _head_rows(head_rows: int) -> str:
    numbers = "|".join(str(k) for k in range(1, head_rows + 1))
    return rf'<(?:c|row) r="[A-Z]{{0,3}}(?:0[0-9]*|{numbers})"'


def read_sheet(path: Path, sheet: str, part: str, head_xml: bytes,
               worksheets: set[str], tails: Tails | None = None) -> ColumnRows | None:
    """The sheet's rows, padded from A1 and trimmed like the cell-by-cell reader's.

    *part* is the sheet's worksheet part, *head_xml* that part up to its first row
    past :data:`HEAD_ROWS` (see :func:`head_cut`), *worksheets* every worksheet part,
    *tails* the sheet's rows past the head when they are being read in parallel.
    ``None`` when the sheet does not qualify (see the module notes): the caller reads
    it cell by cell.
    """
    if fastexcel is None:
        return None
    head = _read_head(path, sheet, part, head_xml, worksheets)
    if head is None:
        return None
    tail = tails.take(sheet) if tails is not None and sheet in tails else _read_tail(path, sheet)
    if tail is None:
        return None
    return _join(head, *tail)


def _read_tail(path: Path, sheet: str) -> tuple[list[tuple[np.ndarray, np.ndarray]], int] | None:
    """The sheet's rows past :data:`HEAD_ROWS`, as each column's ``(codes, uniques)``,
    and their number; ``None`` when a column does not qualify."""
    try:
        # eager: straight to one Arrow record batch, a third faster than to_arrow()
        table = fastexcel.read_excel(str(path)).load_sheet(
            sheet, header_row=None, skip_rows=HEAD_ROWS, dtype_coercion="strict",
            schema_sample_rows=None, eager=True)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # mixed cell kinds in a column (or anything odd): cell by cell
        return None
    n_tail = table.num_rows
    holder = [table]
    del table
    tail = _encode_all(holder)
    if any(t is None for t in tail):
        return None
    return tail, n_tail


class Tails:
    """:func:`_read_tail` of a workbook's big sheets, run in a forked process while this
    one scans the workbook (``read._scan_zip``) and reads the head rows.

    The scan has to finish before calamine allocates a sheet's cells in this process
    (a crafted cell reference would make it allocate billions), so here the parse can
    only follow it; a separate process can start at once, and is killed as soon as the
    scan refuses the file. It parses exactly what :func:`_read_tail` would here, and
    hands the codes back through an anonymous in-memory file. Only on Linux (fork,
    ``memfd``), with two cores free, and not inside a pool's worker, which already
    has the other core busy.
    """

    def __init__(self, pid: int, fd: int, sheets: list[str]):
        self._pid, self._fd, self._sheets = pid, fd, set(sheets)
        self._result: dict | None = None

    @classmethod
    def start(cls, path: Path, sheets: list[str]) -> Tails | None:
        """The parse of *sheets* started in a child process; ``None`` where this cannot."""
        if (fastexcel is None or not sheets or not hasattr(os, "memfd_create")
                or multiprocessing.current_process().daemon or usable_cores() < 2):
            return None
        fd = os.memfd_create("infoview-tails")
        with warnings.catch_warnings():
            # Python 3.12+ warns when a process with threads (a Jupyter kernel) forks;
            # the child only runs fastexcel, numpy and pickle, and leaves with _exit.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child
            code = 1
            try:
                _be_expendable()
                _hand_over(fd, {sheet: _read_tail(path, sheet) for sheet in sheets})
                code = 0
            finally:
                os._exit(code)
        return cls(pid, fd, sheets)

    def __contains__(self, sheet: str) -> bool:
        return sheet in self._sheets

    def take(self, sheet: str) -> tuple[list[tuple[np.ndarray, np.ndarray]], int] | None:
        """The sheet's :func:`_read_tail`, once the child is done (``None`` if it failed)."""
        if self._result is None:
            _, status = os.waitpid(self._pid, 0)
            self._pid = 0
            self._result = {}
            # a result cut short (or none): its sheets are read in this process instead
            with contextlib.suppress(Exception):
                if os.waitstatus_to_exitcode(status) == 0:
                    self._result = _taken_over(self._fd)
            self.close()
        return self._result.get(sheet)

    def close(self) -> None:
        """Stop the child if it still runs (the scan refused the file) and free its file."""
        if self._pid:
            try:
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self._pid = 0
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


_ALIGN = 64  # each array's bytes start on a cache line


def _hand_over(fd: int, result: object) -> None:
    """Write *result* to the in-memory file *fd*: a pickle whose arrays follow it as
    raw bytes, so that :func:`_taken_over` maps them instead of copying them."""
    arrays: list[pickle.PickleBuffer] = []
    head = pickle.dumps(result, protocol=5, buffer_callback=arrays.append)
    sizes = [a.raw().nbytes for a in arrays]
    with open(fd, "wb", closefd=False) as out:
        out.write(struct.pack(f"<QQ{len(sizes)}Q", len(head), len(sizes), *sizes))
        out.write(head)
        for array in arrays:
            out.write(b"\0" * (-out.tell() % _ALIGN))
            out.write(array.raw())


def _taken_over(fd: int) -> object:
    """What :func:`_hand_over` wrote to *fd*, its arrays on a private map of the file
    (reading them copies nothing; the map goes when the last of them does)."""
    memory = mmap.mmap(fd, os.fstat(fd).st_size, access=mmap.ACCESS_COPY)
    view = memoryview(memory)
    length, count = struct.unpack_from("<QQ", view)
    sizes = struct.unpack_from(f"<{count}Q", view, 16)
    at = 16 + 8 * count
    head = view[at: at + length]
    at += length
    arrays = []
    for size in sizes:
        at += -at % _ALIGN
        arrays.append(view[at: at + size])
        at += size
    return pickle.loads(head, buffers=arrays)


def _be_expendable() -> None:
    """In the child, before it parses a file the scan has not cleared yet: be the process
    the kernel ends first if memory runs out, refuse to grow past the machine's memory,
    and keep calamine's panic messages (a crafted file) off the user's screen."""
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass
    try:
        import resource

        used = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        with open("/proc/self/status") as f:
            reserved = next(int(line.split()[1]) * 1024 for line in f
                            if line.startswith("VmSize:"))
        resource.setrlimit(resource.RLIMIT_AS, (reserved + max(physical - used, 0),) * 2)
    except (ImportError, OSError, ValueError, StopIteration):
        pass
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    os.close(null)


def holds_byte(data: bytes | pa.Buffer, byte: int) -> bool:
    """Whether *data* holds *byte*. An Arrow buffer is searched a piece at a time in
    place: a copy of all of it would cost more in fresh memory pages than the search."""
    if isinstance(data, bytes):
        return bytes([byte]) in data
    view = np.frombuffer(data, dtype=np.uint8)
    if byte == 0:  # the least byte: held where the minimum is it (no comparison array)
        return view.min(initial=1) == 0
    found = np.empty(min(len(view), _PIECE), dtype=bool)
    for start in range(0, len(view), _PIECE):
        piece = view[start: start + _PIECE]
        if np.equal(piece, byte, out=found[: len(piece)]).any():
            return True
    return False


_PIECE = 1 << 20


def split_text(body: str | bytes | pa.Buffer, delimiter: str, width: int
               ) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """A text table's columns as ``(codes, uniques)``, every cell kept as its text.

    *body* is the text, or its UTF-8 bytes (Arrow checks them: ``None`` if they are not).

    Arrow's csv reader with the dialect of the cell-by-cell reader (``"`` quotes,
    doubled quotes, quoted line ends kept, no escape character; a blank line is a
    row of empty cells). ``None`` unless every other record has *width* fields:
    ragged rows are left to the cell-by-cell reader, which pads them.
    """
    names = [f"c{j}" for j in range(width)]
    try:
        raw = body.encode("utf-8") if isinstance(body, str) else body
        table = pa_csv.read_csv(
            pa.BufferReader(raw),  # read in place (a file object is copied from)
            read_options=pa_csv.ReadOptions(column_names=names),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter, quote_char='"', double_quote=True, escape_char=False,
                # a line end inside a value needs quotes; without any, Arrow may cut the
                # text into blocks at any line end, which parses it about a sixth faster
                newlines_in_values=holds_byte(raw, ord('"')), ignore_empty_lines=False),
            # dictionary-encoded as Arrow converts each block, on all cores; a block's
            # dictionary lists its values in order of first appearance, and unifying
            # them block after block keeps that order for the whole column. An empty
            # cell, quoted or not, is null: code -1 straight from the parse.
            # The UTF-8 is checked on each column's distinct values, not on every cell:
            # cells are split at ASCII bytes only, so the text is valid just when each
            # distinct cell is (a tenth of the parse's time on a 100,000-lead log).
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.dictionary(pa.int32(), pa.string())),
                null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True,
                check_utf8=False))
        table = table.unify_dictionaries()
        if not isinstance(body, str):  # text came from a str: valid by construction
            for column in table.columns:
                if column.num_chunks:  # one dictionary for all its chunks, once unified
                    column.chunk(0).dictionary.validate(full=True)
    except (pa.ArrowException, UnicodeError, ValueError):
        return None
    del raw
    holder = [table]
    del table
    return _encode_all(holder)


def _read_head(path: Path, sheet: str, part: str, head_xml: bytes,
               worksheets: set[str]) -> np.ndarray | None:
    """The first :data:`HEAD_ROWS` rows as a 2-D object array, empty cells None.

    ``None`` unless the sheet's cells start at A1 (a value in row 1 and one in
    column A), which is where fastexcel's columns and rows then start too.
    """
    m = _SHEET_DATA.search(head_xml)
    if m is None or m.group(2):
        return None
    prefix = m.group(1)
    cut = head_xml + b"</" + prefix + b"sheetData></" + prefix + b"worksheet>"
    buffer = io.BytesIO()
    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(buffer, "w") as out:
            for info in src.infolist():
                if info.filename == part:
                    out.writestr(info.filename, cut)
                elif info.filename in worksheets:
                    out.writestr(info.filename, _EMPTY_SHEET)
                else:
                    out.writestr(info.filename, src.read(info))
        rows = calamine.CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue())) \
            .get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:
        return None
    width = max(map(len, rows), default=0)
    if not rows or width == 0:
        return None
    grid = np.full((HEAD_ROWS, width), None, dtype=object)
    for i, row in enumerate(rows[:HEAD_ROWS]):
        grid[i, : len(row)] = row
    grid[grid == ""] = None
    if not (np.not_equal(grid[0], None).any() and np.not_equal(grid[:, 0], None).any()):
        return None
    return grid


def _encode_all(holder: list) -> list[tuple[np.ndarray, np.ndarray] | None]:
    """:func:`_encode` of each column of the table in the one-item *holder*.

    The holder is emptied, so that this is the table's only reference and each
    column's cells are let go once encoded (half the peak memory of a big text table).
    Columns still to be hashed (fastexcel's) are encoded two at a time where two cores
    are free: Arrow hashes a column's cells without holding the GIL (a 100,000-lead
    sheet's 21 columns take about 35 ms one by one). A text table's columns come
    encoded from the parse, and are only gathered: a thread would not pay.
    """
    table = holder.pop()
    if (table.num_columns > 1 and usable_cores() > 1
            and any(not pa.types.is_dictionary(c.type) for c in table.columns)):
        columns = table.columns
        del table

        def encode(i: int) -> tuple[np.ndarray, np.ndarray] | None:
            column, columns[i] = columns[i], None  # its cells go once it is encoded
            return _encode(column)

        with ThreadPoolExecutor(2) as pool:
            encoded = list(pool.map(encode, range(len(columns))))
    else:
        encoded = []
        for name in table.column_names:
            encoded.append(_encode(table.column(name)))
            table = table.drop_columns([name])
        del table
    pa.default_memory_pool().release_unused()  # the allocator would keep the cells' pages
    return encoded


def _encode(column) -> tuple[np.ndarray, np.ndarray] | None:
    """``(codes, uniques)`` of one Arrow column as python-calamine would give its cells.

    ``None`` for a kind of cell this path does not reproduce exactly (times of day,
    fractions of a second, durations).
    """
    kind = column.type
    if pa.types.is_dictionary(kind):  # a text table's column, encoded as it was read
        encoded = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        return _coded(encoded, kind.value_type)
    if pa.types.is_null(kind):
        return np.full(len(column), -1, dtype=np.intp), np.empty(0, dtype=object)
    if pa.types.is_timestamp(kind):
        ms = pc.cast(column, pa.timestamp("ms")).cast(pa.int64())
        low = pc.min(ms)
        if low.is_valid and (low.as_py() < _EPOCH_MS or pc.any(pc.not_equal(
                pc.multiply(pc.divide(ms, 1000), 1000), ms)).as_py()):
            return None  # times of day, or fractions of a second
    elif not (pa.types.is_string(kind) or pa.types.is_large_string(kind)
              or pa.types.is_floating(kind) or pa.types.is_boolean(kind)):
        return None
    encoded = pc.dictionary_encode(column)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    return _coded(encoded, kind)


def _coded(encoded: pa.DictionaryArray, kind: pa.DataType) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_encode`'s ``(codes, uniques)`` of a column of *kind*, dictionary-encoded:
    every one of the uniques is some cell's."""
    # int32, half the memory of intp; with no nulls left, a read-only view of Arrow's
    # buffer, not a copy (each fresh page costs more than the copy on small machines)
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    values = encoded.dictionary.to_pylist()
    if pa.types.is_timestamp(kind):  # python-calamine gives a date when there is no time
        values = [v.date() if v.time() == dt.time() else v for v in values]
    uniques = np.empty(len(values), dtype=object)
    uniques[:] = values
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        empty = np.flatnonzero(uniques == "")
        if len(empty):  # an empty text cell reads as an empty cell: its value goes
            remap = np.arange(len(uniques) + 1, dtype=np.int32)  # [-1]: code -1
            remap[empty[0]:] -= 1
            remap[empty[0]] = remap[-1] = -1
            codes, uniques = per_row(remap, codes), np.delete(uniques, empty[0])
    return codes, uniques


def _join(head: np.ndarray, tail: list[tuple[np.ndarray, np.ndarray]],
          n_tail: int) -> ColumnRows | None:
    """Head rows and tail columns as one :class:`ColumnRows`, trailing empties trimmed.

    The first row stays apart, as cells (the rows' head): a header there is then not
    among the codes of the rows under it, which are used as they are, with no
    renumbering (a pass over each column of a big sheet).
    """
    width = max(head.shape[1], len(tail))
    below = HEAD_ROWS - 1  # head rows coded with the tail
    codes: list[np.ndarray] = []
    uniques: list[np.ndarray] = []
    for j in range(width):
        head_cells = head[:, j] if j < head.shape[1] else np.full(HEAD_ROWS, None, dtype=object)
        tail_codes, tail_uniques = tail[j] if j < len(tail) else (
            np.full(n_tail, -1, dtype=np.intp), np.empty(0, dtype=object))
        kinds = {type(v) for v in head_cells if v is not None}
        kinds.update({type(tail_uniques[0])} if len(tail_uniques) else ())  # one kind each
        if bool in kinds and kinds & {int, float}:
            return None  # True and 1.0 are one value to pandas: keep them apart cell by cell
        values = np.concatenate([head_cells[1:], tail_uniques])
        first, seen = pd.factorize(values, use_na_sentinel=True)
        # one array per column, the tail's codes looked up straight into it (int32: the
        # columns are this sheet's largest arrays)
        column = np.empty(below + n_tail, dtype=np.int32)
        column[:below] = first[:below]
        np.take(np.append(first[below:], -1).astype(np.int32), tail_codes,
                out=column[below:], mode="wrap")  # [-1]: code -1, an empty cell
        codes.append(column)
        uniques.append(np.asarray(seen, dtype=object))
    n, width = used_extent(codes)
    top = np.full((1, max(width, head.shape[1])), None, dtype=object)
    top[0, : head.shape[1]] = head[0]
    width = max(width, max((j + 1 for j, v in enumerate(top[0]) if v is not None), default=0))
    if not width:
        return ColumnRows([], [], 0)
    # dense: every value is some cell's, the head's or the tail's (see _coded)
    return ColumnRows([c[:n] for c in codes[:width]], uniques[:width], n, ordered=True,
                      dense=[True] * width, head=top[:, :width])

