"""Country search: part of the name, in the member's language, accents and case ignored."""

from __future__ import annotations

import pytest

from bot.registration.countries import search_countries


@pytest.mark.parametrize(
    ("query", "language", "expected"),
    [
        ("reino unido", "es", "GB"),
        ("royaume-uni", "fr", "GB"),
        ("ROYAUME UNI", "fr", "GB"),
        ("emirats", "fr", "AE"),
        ("الإمارات", "ar", "AE"),
        ("السعودية", "ar", "SA"),
        ("arabie", "fr", "SA"),
        ("UK", "en", "GB"),
        ("uae", "en", "AE"),
        ("canada", "pt", "CA"),
        ("hong kong", "fil", "HK"),
        ("japão", "pt", "JP"),
        ("japao", "pt", "JP"),
        ("ES", "en", "ES"),
    ],
)
def test_a_country_is_found(query: str, language: str, expected: str) -> None:
    assert search_countries(query, language)[0] == expected


def test_nothing_for_nonsense_or_too_short() -> None:
    assert search_countries("zzqqxx", "en") == []
    assert search_countries("a", "en") == []
    assert "EU" not in search_countries("europe", "en")


def test_many_matches_are_capped() -> None:
    assert 1 < len(search_countries("united", "en")) <= 8
