"""Languages: negotiation with fallback, formatting per locale, right-to-left text."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.deployment import Deployment
from bot.disclosure import Band, Disclosure
from bot.i18n import RIGHT_TO_LEFT_MARK, Languages, band_in_english


@pytest.fixture(scope="module")
def languages(deployment: Deployment) -> Languages:
    return Languages(deployment.languages, deployment.default_language)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("pt-BR", "pt"),
        ("pt", "pt"),
        ("fr-CA", "fr"),
        ("ar", "ar"),
        ("ar-EG", "ar"),
        ("tl", "fil"),
        ("fil", "fil"),
        ("ES", "es"),
        ("de", "en"),
        ("", "en"),
        (None, "en"),
        ("not a code!", "en"),
    ],
)
def test_telegram_language_code_is_negotiated(
    languages: Languages, code: str | None, expected: str
) -> None:
    assert languages.negotiate(code) == expected


def test_each_catalogue_translates(languages: Languages) -> None:
    texts = {
        code: languages.translator(code).gettext("Change language") for code in languages.enabled
    }
    assert texts["en"] == "Change language"
    assert texts["fr"] == "Changer de langue"
    assert texts["ar"] == "تغيير اللغة"
    assert len(set(texts.values())) >= 5  # pt and es may share a word; the rest differ


def test_numbers_money_and_dates_follow_the_locale(languages: Languages) -> None:
    pt, en, fr = (languages.translator(c) for c in ("pt", "en", "fr"))
    assert pt.format_number(Decimal("1234.5")) == "1.234,5"
    assert en.format_number(Decimal("1234.5")) == "1,234.5"
    assert pt.format_money(Decimal("1234.5"), "GBP") == "£\xa01.234,50"
    assert en.format_money(Decimal("1234.5"), "PHP") == "₱1,234.50"
    moment = datetime(2026, 3, 29, 9, 30, tzinfo=UTC)
    assert "mars" in fr.format_datetime(moment, ZoneInfo("Europe/Paris"), "long")
    assert en.format_time(moment, ZoneInfo("Europe/London")) == "10:30\u202fAM"
    assert fr.weekday(0) == "lundi"
    assert languages.translator("es").country("GB") == "Reino Unido"


def test_plural_forms_differ_by_language(languages: Languages) -> None:
    ar = languages.translator("ar")
    assert ar.translations.plural(0) != ar.translations.plural(2) != ar.translations.plural(11)
    fr = languages.translator("fr")
    assert fr.translations.plural(0) == fr.translations.plural(1) == 0


def test_arabic_is_marked_right_to_left_and_values_isolated(languages: Languages) -> None:
    ar, en = languages.translator("ar"), languages.translator("en")
    assert ar.is_rtl and not en.is_rtl
    assert ar.direction("123 مرحبا").startswith(RIGHT_TO_LEFT_MARK)
    assert ar.direction(ar.direction("x")).count(RIGHT_TO_LEFT_MARK) == 1
    assert en.direction("Hello") == "Hello"
    assert ar.isolate("+44 20") == "\u2068+44 20\u2069"


def test_an_unknown_language_falls_back_to_the_default(languages: Languages) -> None:
    assert languages.translator("de").language == "en"


@pytest.mark.parametrize(
    ("code", "zero", "fewer", "band"),
    [
        ("en", "0", "fewer than 5", "1,040–1,044"),
        ("fr", "0", "moins de 5", "1\u202f040–1\u202f044"),
        ("es", "0", "menos de 5", "1.040–1.044"),
        ("ar", "0", "أقل من 5", "\u20681,040–1,044\u2069"),
    ],
)
def test_a_band_is_written_one_way_per_language(
    languages: Languages, code: str, zero: str, fewer: str, band: str
) -> None:
    tr = languages.translator(code)
    assert tr.format_band(Band(0, 0)) == zero
    assert tr.format_band(Band(1, 4)) == fewer
    assert tr.format_band(Band(1040, 1044)) == band


def test_the_command_line_writes_bands_in_plain_english() -> None:
    assert band_in_english(Band(0, 0)) == "0"
    assert band_in_english(Disclosure(5).band(3)) == "fewer than 5"
    assert band_in_english(Disclosure(10).band(1)) == "fewer than 10"
    assert band_in_english(Disclosure(5).band(42)) == "40-44"


def test_a_band_counts_as_the_number_it_shows(languages: Languages) -> None:
    tr = languages.translator("en")
    assert [tr.band_count(band) for band in (Band(0, 0), Band(1, 4), Band(40, 44))] == [0, 5, 44]
