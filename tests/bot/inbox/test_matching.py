"""Guidance pages offered before a question is sent: by the question's words, in its language."""

from __future__ import annotations

from bot.inbox.matching import matching_pages, words_of
from bot.services import Services


def test_an_arabic_question_about_a_passport_finds_the_documents_page(services: Services) -> None:
    pages = matching_pages(services.guidance_for("ar"), "كيف أجدد جواز السفر؟")
    assert pages and pages[0].id == "documents"


def test_a_question_about_nothing_in_the_guidance_finds_nothing(services: Services) -> None:
    assert matching_pages(services.guidance_for("en"), "Zxq wvvb?") == []


def test_words_ignore_case_accents_short_words_and_the_arabic_article() -> None:
    assert words_of("Où est le PASSEPORT? à") == {"passeport"}
    assert "سفر" in words_of("السفر")
