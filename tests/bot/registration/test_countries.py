"""Country search: part of the name, in the member's language, accents and case ignored."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.registration.countries import country_names, search_countries


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


#: Marks people's keyboards and copy-paste leave in text without showing them: right-to-left
#: and left-to-right marks, the Arabic letter mark, zero-width space, joiner and non-joiner,
#: word joiner, byte-order mark, bidirectional embeddings and isolates, soft hyphen.
INVISIBLE = (
    "\u200f\u200e\u061c\u200b\u200c\u200d\u2060\ufeff"
    "\u202a\u202b\u202c\u2066\u2067\u2068\u2069\u00ad"
)
LANGUAGES = ("en", "fil", "ar", "es", "fr", "pt")


@st.composite
def a_name_with_invisible_marks(draw: st.DrawFn) -> tuple[str, str, str]:
    """(language, a country's name in it, the same name with invisible marks put in)."""
    language = draw(st.sampled_from(LANGUAGES))
    name = draw(st.sampled_from(sorted(country_names(language).values())))
    marked = list(name)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        position = draw(st.integers(min_value=0, max_value=len(marked)))
        marked.insert(position, draw(st.sampled_from(INVISIBLE)))
    return language, name, "".join(marked)


@given(a_name_with_invisible_marks())
@settings(max_examples=300)
def test_invisible_marks_change_nothing(case: tuple[str, str, str]) -> None:
    language, name, marked = case
    assert search_countries(marked, language) == search_countries(name, language)


@pytest.mark.parametrize(
    ("query", "language"),
    [("\u200fSpain", "en"), ("Spa\u200bin", "en"), ("\u200fإسبانيا", "ar"), ("España\u200e", "es")],
)
def test_a_name_typed_with_a_mark_is_found(query: str, language: str) -> None:
    assert search_countries(query, language) == ["ES"]


@pytest.mark.parametrize("query", ["UK", "uk", "U.K.", "the UK"])
def test_uk_means_the_united_kingdom_only(query: str) -> None:
    assert search_countries(query, "en") == ["GB"]


@pytest.mark.parametrize(
    ("query", "language", "expected"),
    [
        ("England", "en", "GB"),
        ("Scotland", "en", "GB"),
        ("Wales", "en", "GB"),
        ("Northern Ireland", "en", "GB"),
        ("Great Britain", "en", "GB"),
        ("Britain", "en", "GB"),
        ("Inglaterra", "es", "GB"),
        ("Escocia", "es", "GB"),
        ("Gales", "es", "GB"),
        ("Angleterre", "fr", "GB"),
        ("Écosse", "fr", "GB"),
        ("Pays de Galles", "fr", "GB"),
        ("Inglaterra", "pt", "GB"),
        ("País de Gales", "pt", "GB"),
        ("Inglatera", "fil", "GB"),
        ("إنجلترا", "ar", "GB"),
        ("بريطانيا", "ar", "GB"),
        ("Holland", "en", "NL"),
        ("Holanda", "es", "NL"),
        ("Hollande", "fr", "NL"),
        ("America", "en", "US"),
        ("U.S.A.", "en", "US"),
        ("EE. UU.", "es", "US"),
        ("EUA", "pt", "US"),
        ("Amerika", "fil", "US"),
        ("أمريكا", "ar", "US"),
        ("Turkey", "en", "TR"),
        ("Ivory Coast", "en", "CI"),
        ("Czech Republic", "en", "CZ"),
        ("Macau", "en", "MO"),
        ("Swaziland", "en", "SZ"),
        ("South Korea", "en", "KR"),
        ("Dubai", "en", "AE"),
        ("Saudi", "en", "SA"),
    ],
)
def test_common_names_resolve_to_one_country(query: str, language: str, expected: str) -> None:
    assert search_countries(query, language) == [expected]


def test_a_full_name_is_not_mistaken_for_the_start_of_another() -> None:
    assert search_countries("Oman", "en") == ["OM"]  # not Romania
    assert search_countries("India", "en") == ["IN"]  # not British Indian Ocean Territory
