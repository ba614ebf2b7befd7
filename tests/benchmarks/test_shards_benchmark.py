"""The shard benchmark runs end to end and prints the figures issue 14 names."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from benchmarks.shards import capacity_note
from bot.settings import PROJECT_ROOT

FIGURES = (
    "shard_workers_1_updates_per_s",
    "shard_workers_2_updates_per_s",
    "shard_worker_1_of_2_updates_per_s",
    "shard_worker_2_of_2_updates_per_s",
    "shard_scaling_2_vs_1",
)
#: Where the CPU went (a small run can round a share to zero: the clock counts 10 ms ticks).
CPU_FIGURES = tuple(
    f"shard_{name}_{workers}"
    for name in ("cores_busy", "worker_cpu_per_update", "other_cpu_per_update")
    for workers in (1, 2)
)


@pytest.mark.slow
def test_a_small_shard_benchmark_prints_its_figures() -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k != "BOT_DATABASE_URL"},
        "BENCH_MEMBERS": "8",
        "BENCH_SHARD_TURNS": "1",
    }
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks", "shards"],
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
    for name in CPU_FIGURES:
        assert float(printed[name]) >= 0, name


def test_a_run_too_short_to_measure_its_cpu_gets_a_note_all_the_same() -> None:
    # The clock counts 10 ms ticks: a small run can round the workers' CPU to zero.
    note = capacity_note(0.0, 0.0)
    assert note.startswith("#") and "too short" in note
