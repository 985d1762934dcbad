"""Speed and scale benchmark: ``python -m benchmarks.run`` (or ``make bench``).

Every case runs in a fresh Python process, ``--repeat`` times, taking turns with the
cases it is compared with (raw, load, naive, raw, load, naive, ...); the table shows
the median and the minimum wall time of the timed call (imports and input
generation are not timed) and the child's peak memory (its peak resident memory).
The loader's cases fork (a big sheet is parsed beside the security scan, a folder
is read by a pool); their memory is that of the process tree, sampled in one more
run: the sampling itself slows the run it is in, so the timed runs do not sample.
Timings on a shared machine are noisy, so every target is a *ratio* against a
baseline measured in the same run, of medians over five runs by default (a median of
three moved a 100k .csv ratio between 2.7x and 3.4x from one run to the next; the
slow ``pandas.read_excel`` reference runs three times at most):

* (a) the fastest raw reader: ``fastexcel`` (calamine to Arrow, eagerly) for .xlsx,
  ``pandas.read_csv`` for .csv; without ``fastexcel`` (a dependency; if it is missing), the
  ``python-calamine`` the loader itself uses (calamine to Python lists, a slower
  baseline), and the output says which;
* (b) the naive path: ``pandas.read_excel`` with its default engine (openpyxl);
* (c) ``load_log``: read, map, normalise, validate, with the full load report.

Inputs are generated once with :mod:`infoview_analytics.sample` and cached
(``$INFOVIEW_BENCH_CACHE``, else a folder in the temp dir); see ``data.py``.

Examples::

    python -m benchmarks.run                       # 1k, 10k, 100k, 1M; 5 repetitions
    python -m benchmarks.run --sizes 1k,10k --repeat 1
    python -m benchmarks.run --sizes 1k --repeat 1 --quick   # seconds; smoke test
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1M": 1_000_000}
#: the default safety limits of read.py refuse a million-lead sheet (21M cells); raised for 1M
BIG = 1_000_000


# ---------------------------------------------------------------------------
# Child side: one timed call, one JSON line on stdout.
# ---------------------------------------------------------------------------
def xlsx_baseline() -> tuple[str, object]:
    """(name, read) of the raw .xlsx reader: fastexcel if installed, else python-calamine."""
    try:
        import fastexcel
    except ImportError:
        from python_calamine import CalamineWorkbook

        def read(path) -> object:
            return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()

        return "python-calamine", read

    def read(path) -> object:  # type: ignore[no-redef]
        # eager: one Arrow record batch, a third faster than load_sheet(0).to_arrow()
        return fastexcel.read_excel(str(path)).load_sheet(0, eager=True)

    return "fastexcel", read


def _child(case: str, arg: str, raise_limits: bool, sample_forks: bool = False) -> dict:
    import resource
    import warnings

    warnings.simplefilter("ignore")
    from benchmarks import data

    extra: dict = {}
    if case == "idle":
        import pandas  # noqa: F401

        extra["baseline"] = xlsx_baseline()[0]

        import infoview_analytics.load  # noqa: F401

        def run():
            return None
    elif case == "raw_xlsx":
        extra["baseline"], read_xlsx = xlsx_baseline()
        path = data.xlsx_file(int(arg))

        def run():
            return read_xlsx(path)
    elif case == "raw_csv":
        import pandas as pd

        path = data.csv_file(int(arg))

        def run():
            return pd.read_csv(path)
    elif case == "naive_xlsx":
        import pandas as pd

        path = data.xlsx_file(int(arg))

        def run():
            return pd.read_excel(path, engine="openpyxl")
    elif case in ("load_xlsx", "load_csv", "load_folder"):
        from infoview_analytics import read
        from infoview_analytics.load import load_log_with_report

        if raise_limits:
            read.MAX_CELLS = 100_000_000
            read.MAX_PART_BYTES = read.MAX_TOTAL_BYTES = 8 * 2**30
            read.MAX_TEXT_BYTES = 8 * 2**30
        if case == "load_folder":
            path = data.student_folder(int(arg))
        else:
            path = (data.xlsx_file if case == "load_xlsx" else data.csv_file)(int(arg))

        def run():
            log, report = load_log_with_report(path)
            assert report.rows_read == report.rows_loaded + report.rows_rejected
            extra["rows"] = len(log)
            return log
    elif case == "raw_folder":
        import pandas as pd

        extra["baseline"], read_xlsx = xlsx_baseline()
        files = sorted(p for p in data.student_folder(int(arg)).iterdir()
                       if p.suffix in (".xlsx", ".csv"))

        def run():
            for p in files:
                if p.suffix == ".csv":
                    pd.read_csv(p, skip_blank_lines=True)
                else:
                    read_xlsx(p)
            extra["files"] = len(files)
    elif case == "metrics":
        from infoview_analytics import metrics

        log = data.canonical_log(int(arg))
        names = [n for n in metrics.__all__ if callable(getattr(metrics, n))
                 and not isinstance(getattr(metrics, n), type) and n != "format_one_in"]
        extra["functions"] = names

        def run():
            for n in names:
                getattr(metrics, n)(log)
    elif case == "groupby":
        log = data.canonical_log(int(arg))
        cols = ["responded", "info_interview", "job_interview", "offer", "followups",
                "referrals"]

        def run():
            return log.groupby("seeker")[cols].mean()
    elif case in ("export", "export_png"):
        from infoview_analytics.export import FORMATS, export_charts

        log = data.canonical_log(int(arg))
        formats = ("png",) if case == "export_png" else FORMATS
        out = Path(tempfile.mkdtemp(prefix="infoview-bench-charts-"))

        def run():
            extra["charts"] = len(export_charts(log, out, formats=formats))
    elif case == "filter":
        try:
            from infoview_analytics import widgets
        except ImportError as exc:
            return {"unavailable": str(exc)}
        log = data.canonical_log(int(arg))
        cohort = str(log["cohort"].dropna().iloc[-1])
        industry = str(log["industry"].dropna().iloc[0])
        # the panel draws the whole log when made (warming matplotlib's font caches),
        # then once more for the cohort; the timed change is one industry click
        panel = widgets.FilterPanel(log)
        panel.cohort.value = cohort

        def run():
            before = panel.refreshes
            panel.industry.value = (industry,)  # filter, funnel table, chart, its PNG
            assert panel.refreshes == before + 1 and panel.png, "the panel did not redraw"
            extra["rows"] = len(panel.subset)
    else:
        raise SystemExit(f"unknown case {case}")
    forked = _ForkedPeak() if sample_forks else None
    if forked is not None:
        forked.start()
    t0 = time.perf_counter()
    run()
    seconds = time.perf_counter() - t0
    return {"seconds": seconds,
            "rss_mb": _peak_mb(resource, forked.stop() if forked is not None else None),
            **extra}


def _peak_mb(resource, forked: _ForkedPeak | None) -> float:
    """Peak memory in MB: this process's own peak resident memory, or (when *forked*
    sampled them) the peak of it and the processes it forked together, whichever is
    higher.

    ``VmHWM`` (Linux) starts afresh at exec; ``ru_maxrss`` keeps the parent's
    peak across exec, so it is only the fallback.
    """
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                own = int(line.split()[1]) / 1024
    except OSError:
        pass
    return max(own, forked.peak_mb) if forked is not None else own


class _ForkedPeak(threading.Thread):
    """The memory of this process and the ones it forks, together, sampled every 50 ms
    while any of them runs (the loader parses big sheets in one, beside its own work;
    a folder is read by a pool). Proportional set sizes, so the pages a forked process
    still shares with this one count once. Reading them walks each process's page
    tables: a 200-file folder loads about a tenth slower while this samples."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak_mb = 0.0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.05):  # often enough for peaks that build over seconds
            children = _children()
            if children:
                total = sum(_pss_kb(pid) for pid in ["self", *children]) / 1024
                self.peak_mb = max(self.peak_mb, total)

    def stop(self) -> _ForkedPeak:
        self._done.set()
        self.join()
        return self


def _children() -> list[str]:
    try:
        return [pid for task in Path("/proc/self/task").iterdir()
                for pid in (task / "children").read_text().split()]
    except OSError:
        return []


def _pss_kb(pid: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:  # the process ended between the two reads
        pass
    return 0


# ---------------------------------------------------------------------------
# Parent side: repetitions, ratios, targets.
# ---------------------------------------------------------------------------
class Result:
    def __init__(self, runs: list[dict], memory_runs: list[dict] | None = None):
        self.runs = runs
        self.memory_runs = memory_runs or runs  # where rss_mb comes from
        self.ok = bool(runs) and all("seconds" in r for r in runs)
        self.info = runs[0] if runs else {}

    @property
    def median(self) -> float:
        return statistics.median(r["seconds"] for r in self.runs)

    @property
    def min(self) -> float:
        return min(r["seconds"] for r in self.runs)

    @property
    def rss(self) -> float:
        return statistics.median(r["rss_mb"] for r in self.memory_runs)


@dataclasses.dataclass
class Case:
    """One case to time: ``--child`` *name* *arg*, *repeat* times; *forks*: it starts
    processes, so its memory comes from one more run that samples them."""

    name: str
    arg: object
    repeat: int
    raise_limits: bool = False
    forks: bool = False


def measure(case: str, arg: object, repeat: int, *, raise_limits: bool = False,
            forks: bool = False, timeout: float = 3600) -> Result:
    """*repeat* timed runs of *case*, each in a fresh process; with *forks* (the case
    starts processes), its memory comes from one more run that samples them."""
    return measure_together([Case(case, arg, repeat, raise_limits, forks)], timeout)[0]


def measure_together(cases: list[Case], timeout: float = 3600) -> list[Result]:
    """Each case's runs, taken in turns (a, b, c, a, b, c, ...): a machine that slows
    down or speeds up over a minute then shifts every case of a ratio alike, where
    running one case's repetitions after the other's would put the drift in the ratio.
    A case that fails or is unavailable is not run again."""
    runs: list[list[dict]] = [[] for _ in cases]
    stopped = [False] * len(cases)
    for turn in range(max((c.repeat for c in cases), default=0)):
        for k, case in enumerate(cases):
            if turn < case.repeat and not stopped[k]:
                runs[k].append(_run_child(case, False, timeout))
                stopped[k] = "seconds" not in runs[k][-1]
    results = []
    for k, case in enumerate(cases):
        if case.forks and not stopped[k]:
            results.append(Result(runs[k], [_run_child(case, True, timeout)]))
        else:
            results.append(Result(runs[k][-1:] if stopped[k] else runs[k]))
    return results


def _run_child(case: Case, sample: bool, timeout: float) -> dict:
    """One run of *case* in a fresh process: its JSON line, or ``{"error": ...}``."""
    cmd = [sys.executable, "-m", "benchmarks.run", "--child", case.name, str(case.arg)]
    if case.raise_limits:
        cmd.append("--raise-limits")
    if sample:
        cmd.append("--sample-forks")
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if proc.returncode:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        print(f"    {case.name} {case.arg}: failed: {tail}", flush=True)
        return {"error": tail}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _time(r: Result) -> str:
    return f"{_fmt_s(r.median)} (min {_fmt_s(r.min)})" if r.ok else "—"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1k,10k,100k,1M",
                        help="comma-separated lead counts: 1k, 10k, 100k, 1M")
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per case")
    parser.add_argument("--quick", action="store_true",
                        help="small stand-ins for the 1M-lead, 200-file and 20k-lead cases")
    parser.add_argument("--naive-1m", action="store_true",
                        help="also run pandas.read_excel (openpyxl) on 1M leads, once (minutes)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--raise-limits", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sample-forks", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(*args.child, args.raise_limits, args.sample_forks)))
        return 0

    sys.path.insert(0, str(ROOT))
    from benchmarks import data

    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size(s) {unknown}; choose from {', '.join(SIZES)}")
    repeat = max(1, args.repeat)
    largest = max(SIZES[s] for s in sizes)
    n_files = 20 if args.quick else 200
    metrics_n = largest if args.quick else BIG
    cohort_n = min(largest, 20_000) if args.quick else 20_000
    print(f"infoview-analytics benchmark, {dt.date.today()}, {platform.python_version()}, "
          f"{os.cpu_count()} cores, cache {data.cache_dir()}", flush=True)
    print("generating inputs (cached after the first run) ...", flush=True)
    t0 = time.perf_counter()
    # in a child, so that this process stays small (a child's memory starts from its parent's)
    subprocess.run([sys.executable, "-c", "from benchmarks import data\n"
                    f"for n in {[SIZES[s] for s in sizes]}: data.xlsx_file(n); data.csv_file(n)\n"
                    f"data.student_folder({n_files}); data.canonical_log({metrics_n}); "
                    f"data.canonical_log({cohort_n})"], cwd=ROOT, check=True)
    print(f"  ready in {time.perf_counter() - t0:.0f} s", flush=True)

    idle = measure("idle", 0, 1)
    print(f"imports alone: {idle.rss:.0f} MB peak memory", flush=True)
    baseline = idle.info.get("baseline", "?")
    print(f"raw .xlsx baseline (a): {baseline}"
          + ("" if baseline == "fastexcel" else " (fastexcel, a dependency, is not "
             "installed; python-calamine to Python lists is slower, so ratios against it "
             "look better than against fastexcel)"), flush=True)
    lines: list[str] = []  # markdown rows
    targets: list[tuple[str, str, str]] = []  # (what, measured, verdict)

    def target(what: str, value: float | None, limit: float, unit: str = "x",
               lower: bool = True, note: str = "") -> None:
        if value is None:
            measured, verdict = "not measured" + (f" ({note})" if note else ""), "—"
        else:
            measured = f"{value:.2f} {unit}".replace(" x", "x")
            ok = value <= limit if lower else value >= limit
            verdict = "MET" if ok else "MISSED"
            if note:
                measured += f" ({note})"
        print(f"TARGET {what}: {measured} -> {verdict}", flush=True)
        targets.append((what, measured, verdict))

    results: dict[tuple[str, str], tuple[Result, Result, Result | None]] = {}
    for s in sizes:
        n = SIZES[s]
        for kind in ("xlsx", "csv"):
            print(f"{s} leads, .{kind}:", flush=True)
            skip_naive = kind == "xlsx" and n >= BIG and not args.naive_1m
            cases = [Case(f"raw_{kind}", n, repeat),
                     Case(f"load_{kind}", n, repeat, raise_limits=n >= BIG,
                          forks=kind == "xlsx")]
            if kind == "xlsx" and not skip_naive:
                cases.append(Case("naive_xlsx", n, 1 if n >= BIG else min(repeat, 3)))
            raw, load, *rest = measure_together(cases)
            naive = rest[0] if rest else None
            print(f"  (a) raw reader   {_time(raw)}, {raw.rss:.0f} MB"
                  + (f" ({raw.info['baseline']})" if "baseline" in raw.info else ""), flush=True)
            if skip_naive:
                print("  (b) pandas.read_excel: skipped at 1M (minutes); --naive-1m runs "
                      "it once", flush=True)
            elif naive is not None:
                print(f"  (b) read_excel   {_time(naive)}, {naive.rss:.0f} MB", flush=True)
            print(f"  (c) load_log     {_time(load)}, {load.rss:.0f} MB"
                  + ("  [safety limits raised: 1M leads x 21 columns is over the default "
                     "5,000,000-cell limit]" if n >= BIG else ""), flush=True)
            results[(s, kind)] = (raw, naive, load)
            c_a = load.median / raw.median if load.ok and raw.ok else None
            b_c = naive.median / load.median if naive and naive.ok and load.ok else None
            mem = load.rss / raw.rss if load.ok and raw.ok else None
            per_k = load.median / n * 1000 if load.ok else None
            if c_a is not None:
                print(f"  c/a = {c_a:.2f}x   b/c = {f'{b_c:.1f}x' if b_c else '—'}   "
                      f"memory c/a = {mem:.2f}x   {per_k * 1000:.2f} ms per 1,000 rows",
                      flush=True)
            tgt_ca = {("100k", "xlsx"): "≤ 1.5", ("1M", "xlsx"): "≤ 1.5",
                      ("100k", "csv"): "≤ 3"}.get((s, kind), "")
            tgt_bc = "≥ 8" if (s, kind) in (("100k", "xlsx"), ("1M", "xlsx")) else ""
            tgt_mem = "≤ 2" if (s, kind) == ("1M", "xlsx") else ""
            lines.append(
                f"| {s} .{kind} | {_time(raw)} | {_time(naive) if naive else '—'} | "
                f"{_time(load)} | {f'{c_a:.2f}' if c_a else '—'} | {tgt_ca or '—'} | "
                f"{f'{b_c:.1f}' if b_c else '—'} | {tgt_bc or '—'} | "
                f"{raw.rss:.0f} / {load.rss:.0f} MB"
                f"{f' ({mem:.2f}x)' if mem else ''} | {tgt_mem or '—'} | "
                f"{f'{per_k * 1000:.2f} ms' if per_k else '—'} |")

    def ratio(key, which):
        if key not in results:
            return None, f"{key[0]} not in --sizes"
        raw, naive, load = results[key]
        if which == "c/a":
            return (load.median / raw.median if load.ok and raw.ok else None), ""
        if which == "b/c":
            if naive is None:
                return None, "pandas.read_excel skipped"
            return (naive.median / load.median if naive.ok and load.ok else None), ""
        return (load.rss / raw.rss if load.ok and raw.ok else None), ""

    print("\nfolder of student files:", flush=True)
    raw_f, load_f = measure_together([Case("raw_folder", n_files, repeat),
                                      Case("load_folder", n_files, repeat, forks=True)])
    print(f"  sum of raw reads {_time(raw_f)}; load_log {_time(load_f)}", flush=True)

    print(f"\nfull metric set on {metrics_n:,} leads:", flush=True)
    met, grp = measure_together([Case("metrics", metrics_n, repeat),
                                 Case("groupby", metrics_n, repeat)])
    print(f"  {len(met.info.get('functions', []))} functions "
          f"({', '.join(met.info.get('functions', []))})", flush=True)
    print(f"  all metrics {_time(met)}; groupby('seeker').mean() {_time(grp)}", flush=True)

    print(f"\nchart pack export ({cohort_n:,} leads):", flush=True)
    exp = measure("export_png" if args.quick else "export", cohort_n, repeat)
    print(f"  export_charts {_time(exp)}, {exp.info.get('charts', '?')} files", flush=True)

    print(f"\nfilter change on a {cohort_n:,}-lead cohort:", flush=True)
    flt = measure("filter", cohort_n, repeat)
    if "unavailable" in flt.info:
        print("  not available yet (infoview_analytics.filters / widgets)", flush=True)
    else:
        print(f"  one click in the filter panel (filter, funnel table, chart as PNG) {_time(flt)} "
              f"({flt.info.get('rows', '?')} leads left)", flush=True)

    print("\ntargets:", flush=True)
    quick_note = " [quick: small stand-in]" if args.quick else ""
    v, note = ratio(("100k", "xlsx"), "c/a")
    target("100k xlsx: load_log <= 1.5 x fastest raw reader", v, 1.5, note=note)
    v, note = ratio(("100k", "xlsx"), "b/c")
    target("100k xlsx: load_log >= 8 x faster than pandas.read_excel", v, 8, lower=False,
           note=note)
    v, note = ratio(("1M", "xlsx"), "c/a")
    target("1M xlsx: load_log <= 1.5 x fastest raw reader", v, 1.5, note=note)
    v, note = ratio(("1M", "xlsx"), "b/c")
    target("1M xlsx: load_log >= 8 x faster than pandas.read_excel", v, 8, lower=False,
           note=note)
    v, note = ratio(("1M", "xlsx"), "mem")
    target("1M xlsx: peak memory <= 2 x raw reader's", v, 2, note=note)
    v, note = ratio(("100k", "csv"), "c/a")
    target("100k csv: load_log <= 3 x pandas.read_csv", v, 3, note=note)
    target(f"full metric set on {metrics_n:,} leads <= 2 s", met.median if met.ok else None, 2,
           unit="s", note=quick_note.strip(" []"))
    target(f"full metric set on {metrics_n:,} leads <= 10 x groupby().mean()",
           met.median / grp.median if met.ok and grp.ok else None, 10,
           note=quick_note.strip(" []"))
    target(f"{n_files}-file folder: load_log <= 1.5 x sum of raw reads",
           load_f.median / raw_f.median if load_f.ok and raw_f.ok else None, 1.5,
           note=quick_note.strip(" []"))
    target(f"filter change on a {cohort_n:,}-lead cohort <= 300 ms",
           flt.median * 1000 if flt.ok and "unavailable" not in flt.info else None, 300,
           unit="ms", note="not available yet" if "unavailable" in flt.info
           else quick_note.strip(" []"))

    print("\nmarkdown (for benchmarks/RESULTS.md):\n")
    print(f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.system()}; {dt.date.today()}; median of {repeat} fresh processes "
          f"(min in brackets); raw .xlsx reader (a): {baseline}.\n")
    print("| input | (a) raw reader | (b) pandas.read_excel | (c) load_log | c/a | target | "
          "b/c | target | peak memory a / c | target c/a | c per 1,000 rows |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(lines))
    print("\n| other case | time | baseline | ratio |\n|---|---|---|---|")
    print(f"| {n_files}-file folder, load_log | {_time(load_f)} | sum of raw reads "
          f"{_time(raw_f)} | "
          f"{f'{load_f.median / raw_f.median:.2f}x' if load_f.ok and raw_f.ok else '—'} |")
    print(f"| full metric set, {metrics_n:,} leads | {_time(met)} | groupby('seeker').mean() "
          f"{_time(grp)} | {f'{met.median / grp.median:.1f}x' if met.ok and grp.ok else '—'} |")
    print(f"| chart pack export ({exp.info.get('charts', '?')} files), {cohort_n:,} leads | "
          f"{_time(exp)} | — | — |")
    flt_text = "not available yet" if "unavailable" in flt.info else _time(flt)
    print(f"| filter change, {cohort_n:,} leads | {flt_text} | — | — |")
    print("\n| target | measured | |\n|---|---|---|")
    for what, measured, verdict in targets:
        print(f"| {what} | {measured} | {verdict} |")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
