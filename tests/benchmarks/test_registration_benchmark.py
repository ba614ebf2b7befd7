"""The registration benchmark runs end to end and prints every figure issue 3 names."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from bot.settings import PROJECT_ROOT

FIGURES = (
    "registration_p50_ms",
    "registration_p99_ms",
    "registration_updates_per_s",
    "echo_updates_per_s",
    "registration_vs_echo_ratio",
)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_small_registration_benchmark_prints_its_figures() -> None:
    env = {**os.environ, "BENCH_MEMBERS": "6", "BENCH_THINK_S": "0-0.05", "BENCH_PG_TURNS": "1"}
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks", "registration"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    printed = dict(re.findall(r"^BENCH (\S+) (\S+) \S+$", finished.stdout, re.MULTILINE))
    for name in FIGURES:
        assert float(printed[name]) > 0, name
    if "SKIPPED pg_registration_vs_sqlite_ratio" not in finished.stdout:  # said, as make test does
        assert float(printed["pg_registration_vs_sqlite_ratio"]) > 0
