"""Languages: negotiation with fallback, formatting per locale, right-to-left text."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.deployment import Deployment
from bot.disclosure import Band, Disclosure
from bot.i18n import (
    FIRST_STRONG_ISOLATE,
    LEFT_TO_RIGHT_ISOLATE,
    POP_DIRECTIONAL_ISOLATE,
    RIGHT_TO_LEFT_MARK,
    Languages,
    band_in_english,
)


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
        ("ar", "0", "أقل من \u20685\u2069", "\u20681,040–1,044\u2069"),
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


def test_commands_inside_right_to_left_text_stay_upright(languages: Languages) -> None:
    """ "/mydata" inside Arabic would read "mydata/": every command is a left-to-right isolate
    once the text is laid out for the member; tags, links and other text are left alone."""
    ar, en = languages.translator("ar"), languages.translator("en")
    text = "<b>التحكم بيدك:</b> يرسل إليك /mydata كل شيء، و /delete يحذفه. https://example.org/x"
    shown = ar.direction(text)
    assert f"{LEFT_TO_RIGHT_ISOLATE}/mydata{POP_DIRECTIONAL_ISOLATE}" in shown
    assert f"{LEFT_TO_RIGHT_ISOLATE}/delete{POP_DIRECTIONAL_ISOLATE}" in shown
    assert "</b>" in shown and "https://example.org/x" in shown
    assert re.sub("[\u2066\u2069\u200f]", "", shown) == text
    assert ar.direction(shown) == shown  # laying out twice changes nothing
    assert en.direction("Send /mydata") == "Send /mydata"


def test_every_value_put_into_right_to_left_text_is_isolated(languages: Languages) -> None:
    """Translate first, then format: each value is an isolate, so "Saturdays?" keeps its
    question mark and a Latin name or a number cannot reorder the Arabic around it."""
    ar, en = languages.translator("ar"), languages.translator("en")
    question = "Open on Saturdays?"
    assert ar.format("Source: %(source)s", source=question) == ar.gettext("Source: %(source)s") % {
        "source": f"{FIRST_STRONG_ISOLATE}{question}{POP_DIRECTIONAL_ISOLATE}"
    }
    assert en.format("Source: %(source)s", source=question) == f"Source: {question}"
    assert ar.isolate(ar.isolate("x")) == ar.isolate("x")
    assert ar.isolate("one\ntwo") == ar.isolate("one") + "\n" + ar.isolate("two")
    assert ar.isolate("") == ""


def test_dates_and_times_are_written_by_babel_in_the_members_locale(
    languages: Languages,
) -> None:
    ar, en = languages.translator("ar"), languages.translator("en")
    assert ar.format_time_range(time(8), time(16)) == "8:00 ص\u2009–\u20094:00 م"
    assert en.format_time_range(time(9), time(17)) == "9:00\u202fAM\u2009–\u20095:00\u202fPM"
    assert languages.translator("fr").format_time_range(time(9), time(17)) == (
        "09:00\u2009–\u200917:00"
    )
    typed = datetime(2027, 3, 28, 10, 0)  # a wall-clock time, as staff type it
    assert ar.format_wall_time(typed) == "28\u200f/3\u200f/2027، 10:00 ص"
    assert en.format_wall_time(typed) == "3/28/27, 10:00\u202fAM"
    assert ar.format_date(date(2027, 3, 15), "long") == "15 مارس 2027"


def test_the_back_arrow_points_the_way_the_language_reads(languages: Languages) -> None:
    assert languages.translator("ar").back_arrow == "➡️"
    assert all(languages.translator(code).back_arrow == "⬅️" for code in ("en", "fr", "fil"))
