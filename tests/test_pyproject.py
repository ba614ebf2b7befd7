"""pyproject.toml as the locked setuptools reads it: no deprecation warning at install time."""

from __future__ import annotations

import warnings

import pytest
from setuptools.config.pyprojecttoml import apply_configuration
from setuptools.dist import Distribution

from bot.settings import PROJECT_ROOT


def test_setuptools_reads_the_project_without_a_deprecation_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`make run` installs the bot with setuptools; a licence written as a TOML table (or as
    a classifier) made it print a deprecation warning on every install."""
    monkeypatch.chdir(PROJECT_ROOT)  # the readme and packages are found from here
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        distribution = apply_configuration(Distribution(), PROJECT_ROOT / "pyproject.toml")
    assert [str(warning.message) for warning in caught] == []
    assert distribution.metadata.license_expression == "Apache-2.0"
