"""Run every benchmark, or the ones named: `python -m benchmarks [registration ...]`."""

from __future__ import annotations

import asyncio
import importlib
import sys

BENCHMARKS = ("registration", "broadcast", "polls", "shards", "failover")


def main(names: list[str]) -> int:
    for name in names or BENCHMARKS:
        if name not in BENCHMARKS:
            print(
                f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr
            )
            return 2
        module = importlib.import_module(f"benchmarks.{name}")
        asyncio.run(module.run())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
