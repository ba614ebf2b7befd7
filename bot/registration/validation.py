"""Checks on what members type. Each returns the cleaned value or a Problem the handler
explains in the member's language; nothing here raises on bad input."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Generic, TypeVar

from babel import Locale
from babel.dates import parse_date

OLDEST_AGE = 100
YOUNGEST_AGE = 15
FURTHEST_DEPARTURE_DAYS = 2 * 366


class Problem(StrEnum):
    NOT_A_YEAR = "not_a_year"
    IMPLAUSIBLE_YEAR = "implausible_year"
    NOT_A_DATE = "not_a_date"
    DATE_IN_PAST = "date_in_past"
    DATE_TOO_FAR = "date_too_far"


T = TypeVar("T")


@dataclass(frozen=True)
class Checked(Generic[T]):
    """Either a clean value or the problem with what was typed."""

    value: T | None = None
    problem: Problem | None = None


def clean_text(text: str) -> str:
    """Normalise Unicode, drop control and invisible format characters, squeeze spaces."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n")
    return " ".join(text.split())


def check_birth_year(text: str, today: date) -> Checked[int]:
    cleaned = clean_text(text)
    digits = "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in cleaned)
    if not re.fullmatch(r"\d{4}", digits):
        return Checked(problem=Problem.NOT_A_YEAR)
    year = int(digits)
    if not today.year - OLDEST_AGE <= year <= today.year - YOUNGEST_AGE:
        return Checked(problem=Problem.IMPLAUSIBLE_YEAR)
    return Checked(value=year)


def check_departure_date(text: str, language: str, today: date) -> Checked[date]:
    """A date typed as ISO (2027-03-01) or in the member's locale's short format."""
    parsed = _parse_date(clean_text(text), language)
    if parsed is None:
        return Checked(problem=Problem.NOT_A_DATE)
    if parsed < today:
        return Checked(problem=Problem.DATE_IN_PAST)
    if (parsed - today).days > FURTHEST_DEPARTURE_DAYS:
        return Checked(problem=Problem.DATE_TOO_FAR)
    return Checked(value=parsed)


def _parse_date(text: str, language: str) -> date | None:
    text = "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in text)
    if not text or not any(ch.isdigit() for ch in text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        parsed = parse_date(text, locale=Locale.parse(language, sep="-"), format="short")
    except (ValueError, IndexError):
        return None
    if parsed.year < 100:  # "1/3/27" means 2027
        parsed = parsed.replace(year=2000 + parsed.year)
    return parsed
