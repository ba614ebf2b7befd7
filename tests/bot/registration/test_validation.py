"""Typed answers: every input gets a clean value or a named problem, never an exception."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.registration.validation import (
    Problem,
    check_birth_year,
    check_departure_date,
    clean_text,
)

TODAY = date(2026, 11, 22)
LANGUAGES = ["en", "fil", "ar", "es", "fr", "pt"]


@given(st.text(max_size=20))
def test_birth_year_is_plausible_or_explained(text: str) -> None:
    checked = check_birth_year(text, TODAY)
    if checked.value is not None:
        assert 1926 <= checked.value <= 2011


@given(st.text(max_size=30), st.sampled_from(LANGUAGES))
def test_departure_date_is_future_and_near_or_explained(text: str, language: str) -> None:
    checked = check_departure_date(text, language, TODAY)
    if checked.value is not None:
        assert checked.value >= TODAY and (checked.value - TODAY).days <= 2 * 366


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("en", "3/15/27"),
        ("fil", "3/15/27"),
        ("fr", "15/03/2027"),
        ("es", "15/3/27"),
        ("pt", "15/03/2027"),
        ("ar", "2027-03-15"),
        ("ar", "١٥‏/٣‏/٢٠٢٧"),
        ("en", "2027-03-15"),
    ],
)
def test_dates_typed_the_local_way(language: str, typed: str) -> None:
    assert check_departure_date(typed, language, TODAY).value == date(2027, 3, 15)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("31/02/2027", Problem.NOT_A_DATE),
        ("1/1/2020", Problem.DATE_IN_PAST),
        ("1/1/2030", Problem.DATE_TOO_FAR),
        ("soon", Problem.NOT_A_DATE),
    ],
)
def test_bad_dates_are_named(typed: str, problem: Problem) -> None:
    assert check_departure_date(typed, "fr", TODAY).problem is problem


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("São Paulo", "São Paulo"),
        ("  New   York ", "New York"),
        ("جدة", "جدة"),
        ("Saint-Jean-sur-Richelieu", "Saint-Jean-sur-Richelieu"),
        ("\u202eLondon\u202c", "London"),
    ],
)
def test_typed_names_are_cleaned(typed: str, expected: str) -> None:
    assert clean_text(typed) == expected


def test_birth_year_in_arabic_digits() -> None:
    assert check_birth_year("١٩٩٠", TODAY).value == 1990
    assert check_birth_year("1890", TODAY).problem is Problem.IMPLAUSIBLE_YEAR
