"""The benchmark script runs end to end at a tiny size and prints every target line.

No timing is asserted: the numbers depend on the machine; only that the
script still works (so ``make bench`` cannot rot between releases). One run
hides ``fastexcel`` (a dependency, but one without wheels on some platforms):
the loader then reads every workbook cell by cell and the raw .xlsx baseline
is python-calamine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = (
    "100k xlsx: load_log <= 1.5 x fastest raw reader",
    "100k xlsx: load_log >= 8 x faster than pandas.read_excel",
    "1M xlsx: load_log <= 1.5 x fastest raw reader",
    "1M xlsx: load_log >= 8 x faster than pandas.read_excel",
    "1M xlsx: peak memory <= 2 x raw reader's",
    "100k csv: load_log <= 3 x pandas.read_csv",
    "leads <= 2 s",
    "leads <= 10 x groupby().mean()",
    "-file folder: load_log <= 1.5 x sum of raw reads",
    "-lead cohort <= 300 ms",
)


def _hide_fastexcel(folder: Path) -> dict[str, str]:
    """An environment in which ``import fastexcel`` fails, in this process's children too."""
    shadow = folder / "shadow"
    shadow.mkdir()
    (shadow / "fastexcel.py").write_text('raise ImportError("fastexcel hidden by the test")\n')
    path = os.pathsep.join(p for p in (str(shadow), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}


def test_benchmark_runs_end_to_end_without_fastexcel(tmp_path):
    env = {**_hide_fastexcel(tmp_path), "INFOVIEW_BENCH_CACHE": str(tmp_path / "cache")}
    check = subprocess.run([sys.executable, "-c", "import fastexcel"], cwd=ROOT, env=env,
                           capture_output=True, text=True)
    assert check.returncode != 0 and "hidden by the test" in check.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--sizes", "1k", "--repeat", "1", "--quick"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    target_lines = [line for line in out.splitlines() if line.startswith("TARGET ")]
    for what in TARGETS:
        assert any(what in line for line in target_lines), what
    assert len(target_lines) == len(TARGETS)
    assert "failed" not in out
    assert "| 1k .xlsx |" in out and "| 1k .csv |" in out
    assert "raw .xlsx baseline (a): python-calamine" in out
    assert "(a) raw reader" in out and "(python-calamine)" in out
    assert "raw .xlsx reader (a): python-calamine." in out


def test_the_xlsx_baseline_prefers_fastexcel(tmp_path):
    from benchmarks.run import xlsx_baseline

    name, read = xlsx_baseline()
    try:
        import fastexcel  # noqa: F401
    except ImportError:
        assert name == "python-calamine"
    else:
        assert name == "fastexcel"
    from tests.bad_corpus import inline, write_sheet_xml

    path = write_sheet_xml(tmp_path / "t.xlsx", f'<row r="1">{inline("A1", "Company")}</row>'
                           f'<row r="2">{inline("A2", "Acme")}</row>')
    table = read(path)
    if name == "python-calamine":
        assert table == [["Company"], ["Acme"]]
    else:
        assert table.column_names == ["Company"] and table.num_rows == 1


def test_timed_runs_do_not_sample_forked_memory(monkeypatch):
    """Sampling the memory of forked processes slows the loader down (it walks their
    page tables); so a case that forks is timed in runs that do not sample, and its
    memory comes from one more run that does."""
    import json
    import types

    from benchmarks import run as bench

    calls = []

    def fake_run(cmd, **kwargs):
        sampled = "--sample-forks" in cmd
        calls.append(sampled)
        out = {"seconds": 9.0 if sampled else 1.0 + len(calls), "rss_mb": 500.0 if sampled
               else 100.0}
        return types.SimpleNamespace(returncode=0, stdout=json.dumps(out) + "\n", stderr="")

    monkeypatch.setattr(bench.subprocess, "run", fake_run)
    result = bench.measure("load_folder", 200, 3, forks=True)
    assert calls == [False, False, False, True]
    assert result.median == 3.0 and result.min == 2.0 and result.rss == 500.0
    calls.clear()
    result = bench.measure("raw_folder", 200, 2)
    assert calls == [False, False] and result.rss == 100.0

    started = []
    monkeypatch.setattr(bench._ForkedPeak, "start", lambda self: started.append(self))
    monkeypatch.setattr(bench._ForkedPeak, "stop", lambda self: self)
    bench._child("idle", "0", False)
    assert started == []
    assert bench._child("idle", "0", False, True)["rss_mb"] > 0 and len(started) == 1


def test_cases_compared_with_each_other_take_turns(monkeypatch):
    """A ratio's cases run in turns, so a drift of the machine's speed shifts both; a
    case that fails stops, the others go on; a forking case's memory run comes last."""
    import json
    import types

    from benchmarks import run as bench

    calls = []

    def fake_run(cmd, **kwargs):
        case, sampled = cmd[cmd.index("--child") + 1], "--sample-forks" in cmd
        calls.append(case + ("+memory" if sampled else ""))
        if case == "naive_xlsx" and calls.count("naive_xlsx") == 2:
            return types.SimpleNamespace(returncode=1, stdout="", stderr="boom\n")
        out = {"seconds": float(len(calls)), "rss_mb": 100.0}
        return types.SimpleNamespace(returncode=0, stdout=json.dumps(out) + "\n", stderr="")

    monkeypatch.setattr(bench.subprocess, "run", fake_run)
    raw, load, naive = bench.measure_together([
        bench.Case("raw_xlsx", 10, 3), bench.Case("load_xlsx", 10, 3, forks=True),
        bench.Case("naive_xlsx", 10, 3)])
    assert calls == ["raw_xlsx", "load_xlsx", "naive_xlsx", "raw_xlsx", "load_xlsx",
                     "naive_xlsx", "raw_xlsx", "load_xlsx", "load_xlsx+memory"]
    assert [r["seconds"] for r in raw.runs] == [1.0, 4.0, 7.0]
    assert [r["seconds"] for r in load.runs] == [2.0, 5.0, 8.0] and load.median == 5.0
    assert load.memory_runs[0]["seconds"] == 9.0
    assert not naive.ok and naive.info == {"error": "boom"}
