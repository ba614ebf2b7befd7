"""Builders and helpers shared by the tests (fixtures live only in conftest.py files)."""
