"""The shipped pre-departure content is complete in every language, and the loader names
the file, entry and problem of every mistake."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.deployment import Deployment
from bot.errors import ConfigError
from bot.guidance import GuidanceContent, load_guidance
from bot.guidance.content import (
    BODY_MAX,
    CHECKLIST_TEXT_MAX,
    TITLE_MAX,
    TOPIC_BODY_MIN,
    guidance_path,
)

TOPIC_IDS = (
    "legal-channels",
    "recruitment-agency",
    "contract",
    "documents",
    "health",
    "living-working",
    "rights-complaints",
    "money-remittances",
    "register-consulate",
    "emergency-contacts",
    "return-reintegration",
)
TAG = re.compile(r"</?([a-z]+)>")


def test_every_topic_is_present_in_every_language(
    guidance: dict[str, GuidanceContent], deployment: Deployment
) -> None:
    assert set(guidance) == set(deployment.languages)
    for content in guidance.values():
        assert tuple(t.id for t in content.topics) == TOPIC_IDS, content.language


def test_every_host_country_has_a_destination_note(
    guidance: dict[str, GuidanceContent], deployment: Deployment
) -> None:
    countries = {code for c in deployment.consulates for code in (c.country, *c.jurisdiction)}
    for content in guidance.values():
        missing = {code for code in countries if content.destination(code) is None}
        assert not missing, (content.language, missing)


def test_checklist_ids_are_the_same_everywhere(guidance: dict[str, GuidanceContent]) -> None:
    english = guidance["en"].checklist_ids
    assert 10 <= len(english) <= 15
    for content in guidance.values():
        assert content.checklist_ids == english, content.language


def test_fields_respect_the_limits(guidance: dict[str, GuidanceContent]) -> None:
    for content in guidance.values():
        for entry in (*content.topics, *content.destinations):
            assert entry.title and entry.source and entry.last_reviewed
            assert len(entry.title) <= TITLE_MAX
            assert len(entry.body) <= BODY_MAX < 4096
            assert set(TAG.findall(entry.body)) <= {"b", "i"}
            assert "•" in entry.body
        for topic in content.topics:
            assert len(topic.body) >= TOPIC_BODY_MIN
        for item in content.checklist:
            assert 0 < len(item.text) <= CHECKLIST_TEXT_MAX


def test_warning_signs_of_illegal_recruitment_are_listed(
    guidance: dict[str, GuidanceContent],
) -> None:
    body = guidance["en"].topic("recruitment-agency").body  # type: ignore[union-attr]
    for sign in ("No office", "social media", "Excessive fees", "No receipts", "passport"):
        assert sign in body


def test_no_invented_links_or_phone_numbers(guidance: dict[str, GuidanceContent]) -> None:
    for content in guidance.values():
        for entry in (*content.topics, *content.destinations):
            text = entry.body + entry.source
            assert "http" not in text and "www." not in text, (content.language, entry.title)
            assert not re.search(r"\d{3}[ -]?\d{3,}", text), (content.language, entry.title)


def test_other_languages_are_translated(guidance: dict[str, GuidanceContent]) -> None:
    english = guidance["en"]
    for content in guidance.values():
        if content.language == "en":
            continue
        pairs = [
            *zip(content.topics, english.topics, strict=True),
            *zip(content.destinations, english.destinations, strict=True),
        ]
        for mine, theirs in pairs:
            assert mine.body != theirs.body, (content.language, mine.title)
        for item, english_item in zip(content.checklist, english.checklist, strict=True):
            assert item.text != english_item.text, (content.language, item.id)


def test_arabic_is_written_in_arabic_script(guidance: dict[str, GuidanceContent]) -> None:
    for topic in guidance["ar"].topics:
        assert re.search(r"[\u0600-\u06ff]", topic.title), topic.id


def test_other_languages_follow_the_english_order(locales_dir: Path) -> None:
    loaded = load_guidance(locales_dir, ["fr"])
    assert tuple(t.id for t in loaded["fr"].topics) == TOPIC_IDS


# Loader errors, on copies of the shipped files written to tmp_path.


@pytest.fixture
def copy(tmp_path: Path, locales_dir: Path) -> Path:
    """A locales folder holding copies of the English and French content."""
    for language in ("en", "fr"):
        target = guidance_path(tmp_path, language)
        target.parent.mkdir(parents=True)
        shutil.copy(guidance_path(locales_dir, language), target)
    return tmp_path


def edit(root: Path, language: str, old: str, new: str, count: int = 1) -> Path:
    path = guidance_path(root, language)
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def expect_error(root: Path, *fragments: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_guidance(root, ["en", "fr"])
    for fragment in fragments:
        assert fragment in str(caught.value), str(caught.value)


def test_copies_load(copy: Path) -> None:
    assert set(load_guidance(copy, ["en", "fr"])) == {"en", "fr"}


def test_missing_file_is_named(copy: Path) -> None:
    guidance_path(copy, "fr").unlink()
    expect_error(copy, "fr/guidance/predeparture.toml", "missing")


def test_invalid_toml_is_named(copy: Path) -> None:
    path = edit(copy, "fr", "[[topics]]", "[[topics]")
    expect_error(copy, str(path), "not valid TOML")


def test_missing_field_names_the_entry(copy: Path) -> None:
    path = edit(copy, "en", 'source = "Philippines Pre-Employment', 'sauce = "Philippines')
    expect_error(copy, str(path), "topics[0] (legal-channels).source", "missing")


def test_bad_date_names_the_entry(copy: Path) -> None:
    path = edit(copy, "fr", "last_reviewed = 2026-11-22", 'last_reviewed = "last week"')
    expect_error(copy, str(path), "topics[0] (legal-channels).last_reviewed", "TOML date")


def test_body_too_long_names_the_entry(copy: Path) -> None:
    path = edit(copy, "en", "Going abroad through", "Going abroad " + "very " * 300 + "through")
    expect_error(copy, str(path), "(legal-channels).body", "the limit is 1500")


def test_title_too_long_names_the_entry(copy: Path) -> None:
    edit(copy, "en", 'title = "Legal ways to go abroad"', f'title = "{"x" * 41}"')
    expect_error(copy, "(legal-channels).title", "41 characters")


def test_unknown_tag_is_refused(copy: Path) -> None:
    edit(copy, "en", "<b>Before you deal", '<a href="x">Before you deal')
    expect_error(copy, "(recruitment-agency).body", "not allowed")


def test_unclosed_tag_and_bare_ampersand_are_refused(copy: Path) -> None:
    edit(copy, "en", "<b>Fees and receipts</b>", "<b>Fees and receipts")
    expect_error(copy, "(recruitment-agency).body", "never closed")


def test_bare_ampersand_is_refused(copy: Path) -> None:
    edit(copy, "en", "Fees and receipts", "Fees & receipts")
    expect_error(copy, "(recruitment-agency).body", "bare '&'")


def test_missing_id_is_named_against_english(copy: Path) -> None:
    path = edit(copy, "fr", 'id = "contract"', 'id = "contrat"')
    expect_error(copy, str(path), "topics: 'contract' is missing", "en/guidance")


def test_extra_checklist_id_is_named(copy: Path) -> None:
    edit(
        copy, "fr", "[[checklist]]", '[[checklist]]\nid = "extra"\ntext = "Extra"\n\n[[checklist]]'
    )
    expect_error(copy, "checklist: 'extra' is not in the reference file")


def test_duplicate_id_is_named(copy: Path) -> None:
    edit(copy, "en", 'id = "contract"', 'id = "documents"')
    expect_error(copy, "topics: 'documents' appears twice")


def test_unknown_country_is_named(copy: Path) -> None:
    edit(copy, "fr", 'country = "GB"', 'country = "UK"')
    expect_error(copy, "destinations[0] (UK).country", "ISO 3166")
