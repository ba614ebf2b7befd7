"""Every catalogue is complete: no untranslated, fuzzy or placeholder-mismatched entry, and
every string the code uses is in every catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.deployment import Deployment
from bot.i18n import LEFT_TO_RIGHT_ISOLATE, LOCALES_DIR, POP_DIRECTIONAL_ISOLATE, Languages
from bot.settings import PROJECT_ROOT

PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]|\{(\w*)\}")
HTML_TAG = re.compile(r"</?([a-z-]+)[^>]*>")
COMMAND = re.compile(r"(?<![\w/<])/[a-z][a-z0-9_]*")
SOURCE_DIRS = ("bot", "handlers", "broadcasts", "console")


def _catalogue(language: str) -> Catalog:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=language)


def _strings(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def _ids(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


def _placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def _source_messages() -> set[str]:
    found: set[str] = set()
    for folder in SOURCE_DIRS:
        path = PROJECT_ROOT / folder
        if not path.is_dir():
            continue
        keywords = {
            "_": None,
            "gettext": None,
            "ngettext": (1, 2),
            "pgettext": ((1, "c"), 2),
            "N_": None,
            "format": None,  # Translator.format and nformat: translate, then isolate values
            "nformat": (1, 2),
        }
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(path),
            keywords=keywords,
            method_map=[("**.py", "python"), ("templates/**.html", "jinja2")],
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def enabled_languages() -> list[str]:
    from bot.deployment import load_deployment
    from bot.settings import SAMPLE_DEPLOYMENT

    return list(load_deployment(SAMPLE_DEPLOYMENT).languages)


@pytest.mark.parametrize("language", enabled_languages())
def test_catalogue_is_complete_and_consistent(language: str) -> None:
    catalogue = _catalogue(language)
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        label = _ids(message)[0][:60]
        if message.fuzzy:
            problems.append(f"fuzzy: {label!r}")
        strings = _strings(message)
        if len(strings) != (catalogue.num_plurals if message.pluralizable else 1) or not all(
            strings
        ):
            problems.append(f"untranslated: {label!r}")
            continue
        wanted = _placeholders(_ids(message)[-1])
        for text in strings:
            if _placeholders(text) != wanted:
                problems.append(
                    f"placeholders {sorted(_placeholders(text))} != {sorted(wanted)}: {label!r}"
                )
            if set(HTML_TAG.findall(text)) != set(HTML_TAG.findall(_ids(message)[0])):
                problems.append(f"HTML tags differ: {label!r}")
    assert not problems, f"locales/{language}/LC_MESSAGES/messages.po:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", enabled_languages())
def test_every_source_string_is_in_the_catalogue(language: str) -> None:
    known = {_ids(m)[0] for m in _catalogue(language) if m.id}
    missing = sorted(_source_messages() - known)
    assert not missing, f"run `make messages` and translate in {language}: {missing[:5]}"


def test_every_enabled_language_has_a_catalogue(deployment: Deployment) -> None:
    for language in deployment.languages:
        assert (Path(LOCALES_DIR) / language / "LC_MESSAGES" / "messages.po").is_file()


def test_commands_in_right_to_left_texts_reach_members_as_isolates(
    deployment: Deployment,
) -> None:
    """A command in an Arabic text ("أرسل /mydata") reads "mydata/" unless it is a
    left-to-right isolate; laying a text out for the member (``Translator.direction``, which
    every reply goes through) wraps each one, so translators need not type invisible marks."""
    languages = Languages(deployment.languages, deployment.default_language)
    checked = 0
    for language in deployment.languages:
        tr = languages.translator(language)
        if not tr.is_rtl:
            continue
        for message in _catalogue(language):
            for text in _strings(message) if message.id else []:
                shown = tr.direction(text)
                for command in COMMAND.findall(text):
                    checked += 1
                    wrapped = f"{LEFT_TO_RIGHT_ISOLATE}{command}{POP_DIRECTIONAL_ISOLATE}"
                    assert wrapped in shown, (language, command, text[:60])
    assert checked > 20  # /mydata, /delete, /start... in the Arabic catalogue
