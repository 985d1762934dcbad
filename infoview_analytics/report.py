"""``build_report``: the notebooks, run on someone's files, as HTML they can open.

One call picks the notebook for the input — ``my_outreach`` for one job
seeker's log, ``cohort_outcomes`` for a counselor's folder, several files or a
workbook of many students — and always ``workshop_charts`` for the anonymised
chart pack; runs them top to bottom in a fresh kernel with the input paths
injected as parameters (the papermill convention: a cell tagged
``injected-parameters`` after the one tagged ``parameters``), and writes each
as a static HTML page with the code hidden.

The notebooks live in ``notebooks/`` at the top of the repository (an
editable install finds them there); ``INFOVIEW_NOTEBOOKS`` may point at
another copy.

Execution uses nbclient with one change: it waits for kernel messages in
short slices instead of one long blocking wait. With an ipywidgets ``Output``
widget (the filter panel) the stock client intermittently stalls for a
whole cell timeout (jupyter/nbclient#312); polling keeps it moving.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from queue import Empty
from time import monotonic
from typing import Any

import nbformat
from jinja2 import DictLoader
from nbclient import NotebookClient
from nbclient.client import timestamp
from nbclient.exceptions import (
    CellExecutionComplete,
    CellExecutionError,
    CellTimeoutError,
    DeadKernelError,
)
from nbclient.util import ensure_async

from .errors import ExportError, NotebookError
from .export import write_atomically
from .load import load_log
from .privacy import SALT_ENV, project_salt

__all__ = [
    "NotebookError",
    "NOTEBOOKS",
    "build_report",
    "notebook_dir",
    "inject_parameters",
    "run_notebook",
    "notebook_html",
]

#: The notebooks, by role.
NOTEBOOKS = {
    "seeker": "my_outreach.ipynb",
    "cohort": "cohort_outcomes.ipynb",
    "workshop": "workshop_charts.ipynb",
}
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_POLL = 0.1  # seconds per wait for a kernel message

# The lab template without anything fetched from the web: no require.js, MathJax,
# Mermaid or widget manager (the report is static; the filter panel carries a
# static copy of its view).
_TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


# ---------------------------------------------------------------------------
# Finding and running notebooks
# ---------------------------------------------------------------------------
def notebook_dir() -> Path:
    """The folder holding the report notebooks.

    ``INFOVIEW_NOTEBOOKS`` if set, else ``notebooks/`` beside the package (the
    repository of an editable install).

    Raises
    ------
    NotebookError
        No folder with the notebooks is found.
    """
    candidates = []
    if os.environ.get("INFOVIEW_NOTEBOOKS"):
        candidates.append(Path(os.environ["INFOVIEW_NOTEBOOKS"]))
    here = Path(__file__).resolve().parent
    candidates += [here / "notebooks", here.parent / "notebooks"]
    for folder in candidates:
        if all((folder / name).is_file() for name in NOTEBOOKS.values()):
            return folder
    raise NotebookError(
        f"the report notebooks ({', '.join(NOTEBOOKS.values())}) were not found in "
        f"{' or '.join(str(c) for c in candidates)}; install the kit from its repository "
        "(pip install -e .) or set INFOVIEW_NOTEBOOKS to the folder that has them"
    )


def inject_parameters(nb: nbformat.NotebookNode, parameters: Mapping[str, Any]) -> None:
    """Add a cell setting ``parameters`` after the cell tagged ``parameters`` (in place).

    The new cell is tagged ``injected-parameters``, as papermill does, and
    replaces one injected before. Values must be plain Python literals (str,
    numbers, bool, None, lists of them); paths are written as strings.
    """
    lines = ["# Parameters injected by infoview_analytics.report"]
    for name, value in parameters.items():
        if not name.isidentifier():
            raise ValueError(f"not a parameter name: {name!r}")
        lines.append(f"{name} = {_literal(value)}")
    cell = nbformat.v4.new_code_cell("\n".join(lines))
    cell.metadata["tags"] = ["injected-parameters"]
    cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    where = next((i + 1 for i, c in enumerate(cells)
                  if "parameters" in c.metadata.get("tags", [])), 0)
    cells.insert(where, cell)
    nb.cells = cells


def _literal(value: Any) -> str:
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if value is None or isinstance(value, (str, bool, int, float)):
        return repr(value)
    raise ValueError(f"cannot pass {value!r} to a notebook; use text, numbers or lists")


class _PollingClient(NotebookClient):
    """nbclient, waiting for kernel messages in short slices (works around nbclient#312)."""

    async def _async_poll_output_msg(self, parent_msg_id: str, cell: Any,
                                     cell_index: int) -> None:
        assert self.kc is not None
        while True:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=_POLL))
            except Empty:
                continue
            if msg["parent_header"].get("msg_id") == parent_msg_id:
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    return

    async def _async_poll_for_reply(self, msg_id: str, cell: Any, timeout: int | None,
                                    task_poll_output_msg: asyncio.Future[Any],
                                    task_poll_kernel_alive: asyncio.Future[Any]) -> dict:
        assert self.kc is not None
        deadline = monotonic() + timeout if timeout is not None else None
        while True:
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=_POLL))
            except Empty:
                if deadline is None or monotonic() < deadline:
                    continue
                assert timeout is not None
                task_poll_kernel_alive.cancel()
                await self._async_check_alive()
                # Raises CellTimeoutError, or interrupts the kernel and returns a reply.
                reply = await self._async_handle_timeout(timeout, cell)
                if reply is None:
                    deadline = monotonic() + self.shell_timeout_interval
                    continue
                msg = {**reply, "parent_header": {"msg_id": msg_id}}
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if self.record_timing:
                cell["metadata"]["execution"]["shell.execute_reply"] = timestamp(msg)
            try:
                await asyncio.wait_for(task_poll_output_msg, self.iopub_timeout)
            except (TimeoutError, Empty):
                if self.raise_on_iopub_timeout:
                    task_poll_kernel_alive.cancel()
                    raise CellTimeoutError.error_from_timeout_and_cell(
                        "Timeout waiting for IOPub output", self.iopub_timeout, cell
                    ) from None
                self.log.warning("Timeout waiting for IOPub output")
            task_poll_kernel_alive.cancel()
            return msg


def run_notebook(
    source: str | os.PathLike[str],
    parameters: Mapping[str, Any] | None = None,
    *,
    cwd: str | os.PathLike[str] | None = None,
    timeout: int = 600,
    on_cell: Callable[[int, int], None] | None = None,
) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in a fresh kernel and return it with its outputs.

    Parameters
    ----------
    source : path
        The ``.ipynb`` file (not changed).
    parameters : mapping, optional
        Values injected after the cell tagged ``parameters``.
    cwd : path, optional
        Working folder of the kernel; default the notebook's folder.
    timeout : int
        Seconds any one cell may take.
    on_cell : callable, optional
        Called as ``on_cell(done, total)`` after each code cell.

    Raises
    ------
    NotebookError
        A cell raised (the message gives the notebook, the cell and the error)
        or took longer than ``timeout``, or the kernel died.
    """
    source = Path(source)
    nb = nbformat.read(source, as_version=4)
    if parameters:
        inject_parameters(nb, parameters)
    total = _code_cells(nb)
    done = 0

    def executed(**_: Any) -> None:
        nonlocal done
        done += 1
        if on_cell is not None:
            on_cell(done, total)

    client = _PollingClient(
        nb, timeout=timeout, kernel_name="python3", allow_errors=False,
        resources={"metadata": {"path": str(cwd or source.parent)}},
        on_cell_executed=executed,
    )
    # Kernels inherit the environment; a non-interactive MPLBACKEND would stop
    # plt.show() from putting charts into the notebook.
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    # The kernel works in the output folder. Hand it the caller's project salt,
    # so pseudonyms match those of `infoview charts` and no salt file lands in
    # a folder that is meant to be shared.
    env[SALT_ENV] = project_salt()
    with tempfile.TemporaryFile() as kernel_log:  # the kernel's own chatter, kept off the screen
        try:
            with _cell_errors(source, nb, timeout):
                client.execute(env=env, stderr=kernel_log)
        except DeadKernelError:
            kernel_log.seek(0)
            lines = kernel_log.read().decode("utf-8", "replace").strip().splitlines()
            last = lines[-1].strip() if lines else "no message"
            raise NotebookError(f"{source.name}: the Python kernel died ({last}); check "
                                "that there is enough memory and run again") from None
    return nb


@contextlib.contextmanager
def _cell_errors(source: Path, nb: nbformat.NotebookNode, timeout: int) -> Iterator[None]:
    """nbclient's errors as one-line :class:`NotebookError` messages."""
    try:
        yield
    except CellTimeoutError:
        raise NotebookError(
            f"{source.name}: a cell took longer than {timeout} s and was stopped; "
            "for very large logs pass a longer timeout"
        ) from None
    except CellExecutionError as exc:
        index = _failed_cell(nb)
        evalue = " ".join(str(exc.evalue).split()) or "(no message)"
        raise NotebookError(
            f"{source.name}: cell {index} stopped with {exc.ename}: {evalue}"
        ) from None


def _code_cells(nb: nbformat.NotebookNode) -> int:
    return sum(1 for c in nb.cells if c.cell_type == "code" and c.source.strip())


def _failed_cell(nb: nbformat.NotebookNode) -> int:
    """1-based number of the first cell with an error output, as in the notebook file
    (injected parameters not counted); 0 if none."""
    number = 0
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            continue
        number += 1
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return number
    return 0


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------
def notebook_html(nb: nbformat.NotebookNode, *, title: str, hide_input: bool = True) -> str:
    """An executed notebook as one self-contained, static HTML page.

    Widget outputs that carry a static HTML copy (the filter panel) are shown
    as that copy; nothing is fetched from the web when the page is opened.
    """
    from nbconvert import HTMLExporter  # noqa: PLC0415 - slow to import, only needed here

    nb = nbformat.from_dict(nb)  # a copy
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if _WIDGET_VIEW in data and "text/html" in data:
                del data[_WIDGET_VIEW]
                data.pop("text/plain", None)
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"infoview_report.html.j2": _TEMPLATE})],
        template_file="infoview_report.html.j2",
        exclude_input=hide_input,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------
def _paths(paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[Path]:
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not items:
        raise ExportError("no input given: pass a log file, several files or a folder")
    return [Path(p).expanduser().resolve() for p in items]


def _kind(paths: list[Path]) -> str:
    """``"cohort"``: a folder, several files, a file of several seekers; else ``"seeker"``."""
    if len(paths) > 1 or paths[0].is_dir():
        for p in paths:
            if not p.exists():
                load_log(p)  # raises the loader's one-line "no such file or folder"
        return "cohort"
    import warnings  # noqa: PLC0415

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log = load_log(paths[0])  # a file that cannot be read stops here, with its reason
    return "cohort" if log["seeker"].nunique() > 1 else "seeker"


class _Progress:
    """A progress bar on stderr over every code cell of the report (tqdm)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.bar = None
        if enabled:
            from tqdm.auto import tqdm  # noqa: PLC0415

            self.bar = tqdm(total=total, unit="cell", desc="report", file=sys.stderr,
                            leave=True, dynamic_ncols=True)

    def stage(self, name: str) -> None:
        if self.bar is not None:
            self.bar.set_description(name)

    def step(self, *_: Any) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def build_report(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    progress: bool = True,
    timeout: int = 600,
    hide_input: bool = True,
) -> Path:
    """Run the report notebooks on ``paths`` and write HTML reports and the chart pack.

    Signature: ``build_report(paths, out_dir, *, progress=True, timeout=600,
    hide_input=True) -> Path``.

    One job seeker's log (a file whose rows all belong to one person) gets
    ``my_outreach``; a folder, several files, or a file with several students
    (a sheet per student, or a Student column) gets ``cohort_outcomes``.
    ``workshop_charts`` always runs and writes the anonymised chart pack.

    Parameters
    ----------
    paths : path or sequence of paths
        Outreach log files and/or folders, as ``load_log`` takes them.
    out_dir : path
        Folder for the results (created if needed). It receives
        ``my_outreach.html`` or ``cohort_outcomes.html`` (the report),
        ``workshop_charts.html``, ``charts/`` (the chart pack: PNG, SVG, PDF
        and ``index.md``), a folder per report notebook with the tables it
        saves (``followups_due.csv`` or ``stalled_students.csv``), and each
        executed notebook (``*.ipynb``, to reopen in Jupyter).
    progress : bool
        Show a progress bar on stderr, advancing with each notebook cell run.
    timeout : int
        Seconds any one notebook cell may take before the report stops.
    hide_input : bool
        Leave the code out of the HTML (default): readers see prose, tables
        and charts.

    Returns
    -------
    pathlib.Path
        The main HTML report (``out_dir/my_outreach.html`` or
        ``out_dir/cohort_outcomes.html``).

    Raises
    ------
    UnreadableFileError, NoLogFoundError
        An input file cannot be read (from the loader, naming the file).
    NotebookError
        A notebook is missing, or one of its cells failed or timed out; the
        one-line message names the notebook, the cell and the cause.
    ExportError
        No input, or ``out_dir`` cannot be written.
    """
    inputs = _paths(paths)
    kind = _kind(inputs)
    out = Path(out_dir).expanduser().resolve()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{out}: cannot create the output folder ({exc.strerror}); "
                          "choose a folder you can write to") from None
    folder = notebook_dir()
    main = NOTEBOOKS[kind]
    input_parameter = (
        {"log_path": str(inputs[0])} if kind == "seeker"
        else {"log_paths": [str(p) for p in inputs]}
    )
    jobs = [
        (main, {**input_parameter, "output_dir": str(out / Path(main).stem)}),
        (NOTEBOOKS["workshop"], {"log_paths": [str(p) for p in inputs],
                                 "output_dir": str(out / "charts")}),
    ]
    total = 0
    for name, parameters in jobs:
        nb = nbformat.read(folder / name, as_version=4)
        total += bool(parameters) + _code_cells(nb)
    bar = _Progress(total, progress)
    written = []
    try:
        for name, parameters in jobs:
            stem = Path(name).stem
            bar.stage(stem)
            nb = run_notebook(folder / name, parameters, cwd=out, timeout=timeout,
                              on_cell=bar.step)
            write_atomically(out / name, nbformat.writes(nb).encode("utf-8"))
            page = out / f"{stem}.html"
            html = notebook_html(nb, title=_title(nb, stem), hide_input=hide_input)
            write_atomically(page, html.encode("utf-8"))
            written.append(page)
    finally:
        bar.close()
    return written[0]


def _title(nb: nbformat.NotebookNode, default: str) -> str:
    """The notebook's first Markdown heading, for the page title."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+)$", cell.source, flags=re.MULTILINE)
            if match:
                return match.group(1).strip()
    return default
