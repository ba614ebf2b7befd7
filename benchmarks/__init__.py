"""Benchmarks (`make bench`): each prints `BENCH <name> <value> <unit>` lines and compares
against a baseline measured in the same run, because these machines are shared and noisy."""
