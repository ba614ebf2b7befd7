"""Amounts typed in each enabled language's own number format."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from bot.remittance.amounts import MAX_AMOUNT, AmountProblem, parse_amount

LANGUAGES = ("en", "fil", "ar", "es", "fr", "pt")


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("en", "1,234.50"),
        ("en", "1234.5"),
        ("fil", "1,234.50"),
        ("ar", "1,234.50"),
        ("ar", "١٬٢٣٤٫٥٠"),  # Arabic-Indic digits and separators
        ("ar", "\u200f1234.50"),  # with a right-to-left mark in front
        ("es", "1.234,50"),
        ("es", "1234,50"),
        ("fr", "1\u202f234,50"),  # the narrow no-break space French formats with
        ("fr", "1 234,50"),  # the plain space people type
        ("fr", "1\u00a0234,50"),  # the no-break space some keyboards give
        ("pt", "1.234,50"),
        ("pt", " 1234,5 "),
    ],
)
def test_each_language_reads_its_own_format(language: str, typed: str) -> None:
    assert parse_amount(typed, language).value == Decimal("1234.50")


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("en", "1.234,50"),  # Portuguese format in English is not guessed
        ("pt", "1,234.50"),
        ("fr", "1.234,50"),
        ("en", "1,23.4"),  # bad grouping
    ],
)
def test_another_languages_format_is_refused_not_guessed(language: str, typed: str) -> None:
    result = parse_amount(typed, language)
    assert result.value is None
    assert result.problem is AmountProblem.NOT_A_NUMBER


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", AmountProblem.EMPTY),
        ("   ", AmountProblem.EMPTY),
        ("abc", AmountProblem.NOT_A_NUMBER),
        ("NaN", AmountProblem.NOT_A_NUMBER),
        ("Infinity", AmountProblem.NOT_A_NUMBER),
        ("1e5", AmountProblem.NOT_A_NUMBER),
        ("1_000", AmountProblem.NOT_A_NUMBER),
        ("£200", AmountProblem.NOT_A_NUMBER),
        ("0", AmountProblem.ZERO),
        ("0.00", AmountProblem.ZERO),
        ("-5", AmountProblem.NEGATIVE),
        ("\u22125", AmountProblem.NEGATIVE),  # the typographic minus sign
        ("1,000,001", AmountProblem.TOO_LARGE),
        ("12.345", AmountProblem.TOO_MANY_DECIMALS),
    ],
)
def test_bad_amounts_get_a_reason(typed: str, problem: AmountProblem) -> None:
    result = parse_amount(typed, "en")
    assert (result.value, result.problem) == (None, problem)
    assert not result.ok


def test_the_largest_amount_allowed_is_accepted() -> None:
    assert parse_amount("1,000,000", "en").value == MAX_AMOUNT


def test_an_unknown_language_falls_back_to_english_format() -> None:
    assert parse_amount("1,234.50", "xx-nonsense").value == Decimal("1234.50")


@given(text=st.text(max_size=60), language=st.sampled_from(LANGUAGES))
def test_the_parser_never_raises(text: str, language: str) -> None:
    result = parse_amount(text, language)
    assert (result.value is None) != (result.problem is None)
    if result.value is not None:
        assert Decimal(0) < result.value <= MAX_AMOUNT


@given(
    value=st.decimals(min_value=Decimal("0.01"), max_value=MAX_AMOUNT, places=2),
    language=st.sampled_from(LANGUAGES),
)
def test_what_babel_formats_reads_back(value: Decimal, language: str) -> None:
    typed = format_decimal(value, format="#,##0.##", locale=language)
    assert parse_amount(typed, language).value == value
