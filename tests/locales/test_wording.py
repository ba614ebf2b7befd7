"""The words members read, across every catalogue and the guidance content (issue 15, item 8):
a counted noun takes its plural forms through ngettext ("1 recipient", not "1 recipients");
each language addresses the member in one way (Spanish "usted", never "tú"); French puts the
no-break spaces its typography wants before ":", ";", "!", "?" and inside « »."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR

#: A number put in, then (after at most one word) a noun that counts: it needs plural forms.
COUNTED = re.compile(
    r"%\(\w+\)s (?:\w+ )?(?:recipients?|members?|people|person|staff|options?|characters?"
    r"|days?|respondents?|hours?|points?)\b"
)

#: Words that address the member in another way than the one each language chose: Spanish
#: "usted" (never "tú"), French "vous", Portuguese "você" (not "tu", nor Portugal's "si"),
#: Filipino "ikaw"/"ka" without "po", which would mix two registers.
FAMILIAR = {
    "es": re.compile(
        r"\b(?:tú|tu|tus|te|ti|contigo|tuyos?|tuyas?|puedes|tienes|eres|estás|quieres|debes"
        r"|sabes|necesitas|vives|regístrate|asegúrate|infórmate|hazte|léelo|guárdalo"
        r"|guárdalos|desconfía|detente|compruébala)\b",
        re.IGNORECASE,
    ),
    "fr": re.compile(r"\b(?:tu|toi|ton|tes|t'|te)\b", re.IGNORECASE),
    "pt": re.compile(r"\b(?:tu|teu|tua|teus|tuas|te|ti|contigo|si)\b", re.IGNORECASE),
    "fil": re.compile(r"\b(?:po|opo)\b", re.IGNORECASE),
}

NBSP, NARROW_NBSP = "\u00a0", "\u202f"
#: French punctuation that ends a word (what follows is a space, the end, a tag or a quote).
FRENCH_MARK = re.compile(r"(.)([:;!?])(?=$|[\s<»”)])", re.MULTILINE)


def catalogue(language: str) -> Catalog:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=language)


def strings(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def texts(language: str) -> Iterator[tuple[str, str]]:
    """(where, text) for every translated string and every guidance text in ``language``."""
    for message in catalogue(language):
        if message.id:
            label = (message.id[0] if isinstance(message.id, tuple) else message.id)[:50]
            for text in strings(message):
                yield f"messages.po {label!r}", text
    guidance = tomllib.loads(
        (LOCALES_DIR / language / "guidance" / "predeparture.toml").read_text()
    )
    for section in ("topics", "destinations", "checklist"):
        for entry in guidance.get(section, []):
            for field in ("title", "body", "text"):
                if field in entry:
                    name = entry.get("id") or entry.get("country")
                    yield f"predeparture.toml {section} {name} {field}", entry[field]


def test_every_counted_noun_has_plural_forms() -> None:
    singular_only = [
        message.id
        for message in catalogue("en")
        if message.id
        and not message.pluralizable
        and isinstance(message.id, str)
        and COUNTED.search(message.id)
    ]
    assert not singular_only, "use ngettext for:\n" + "\n".join(singular_only)


@pytest.mark.parametrize("language", sorted(FAMILIAR))
def test_one_form_of_address(language: str) -> None:
    familiar = [
        f"{where}: {match.group(0)!r}"
        for where, text in texts(language)
        for match in FAMILIAR[language].finditer(text)
    ]
    assert not familiar, "\n".join(familiar)


def test_french_punctuation_has_its_no_break_spaces() -> None:
    wrong = []
    for where, text in texts("fr"):
        for match in FRENCH_MARK.finditer(text):
            before, mark = match.groups()
            wanted = NBSP if mark == ":" else NARROW_NBSP
            if before != wanted:
                wrong.append(f"{where}: …{text[max(0, match.start() - 20) : match.end()]!r}")
        for quote in re.finditer(r"«(.)|(.)»", text):
            inside = quote.group(1) or quote.group(2)
            if inside != NARROW_NBSP:
                wrong.append(f"{where}: guillemets without a narrow no-break space")
    assert not wrong, "\n".join(wrong[:40]) + f"\n({len(wrong)} in all)"
