"""The benchmark script runs end to end at a tiny size and prints every target line.

No timing is asserted: the numbers depend on the machine; only that the
script still works (so ``make bench`` cannot rot between releases).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_benchmark_runs_end_to_end(tmp_path):
    pytest.importorskip("fastexcel", reason="the raw-reader baseline needs the bench extra")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--sizes", "1k", "--repeat", "1", "--quick"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "INFOVIEW_BENCH_CACHE": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    target_lines = [line for line in out.splitlines() if line.startswith("TARGET ")]
    for what in TARGETS:
        assert any(what in line for line in target_lines), what
    assert len(target_lines) == len(TARGETS)
    assert "failed" not in out
    assert "| 1k .xlsx |" in out and "| 1k .csv |" in out
