"""Finding a country by part of its name in the member's own language.

Names come from babel's locale data; matching ignores case, accents, punctuation and the
invisible marks keyboards and copy-paste leave in text (right-to-left mark, zero-width space,
bidirectional isolates...), and also accepts the English name and the ISO code, so "mexi",
"méxico", "‏Mexico" and "MX" all find Mexico.

What people call a country is not always its official name: "UK", "England", "Holland",
"Turkey", "Ivory Coast". ``COMMON_NAMES`` maps such names, in every enabled language, to one
country. A common name or a full name typed whole means that country alone ("Oman" is not
the start of "Romania"); only part of a name offers every country it may be the start of.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from babel import Locale

# Territory codes in babel that are not countries a person lives in.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
MAX_RESULTS = 8

#: Names people use for a country that are not its name in babel's data, in any enabled
#: language (matched after ``fold``): abbreviations, the nations of the United Kingdom, older
#: or everyday names, and cities people give for a country they stand for.
COMMON_NAMES = {
    # The United Kingdom and its nations.
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "inglaterra": "GB",
    "escocia": "GB",
    "gales": "GB",
    "pais de gales": "GB",
    "irlanda del norte": "GB",
    "gran bretana": "GB",
    "angleterre": "GB",
    "ecosse": "GB",
    "pays de galles": "GB",
    "irlande du nord": "GB",
    "grande bretagne": "GB",
    "gra bretanha": "GB",
    "irlanda do norte": "GB",
    "inglatera": "GB",
    "eskosya": "GB",
    "britanya": "GB",
    "انجلترا": "GB",
    "انكلترا": "GB",
    "بريطانيا": "GB",
    "اسكتلندا": "GB",
    "ويلز": "GB",
    # The United States.
    "us": "US",
    "usa": "US",
    "america": "US",
    "united states of america": "US",
    "ee uu": "US",
    "eeuu": "US",
    "eua": "US",
    "amerique": "US",
    "etats unis d amerique": "US",
    "amerika": "US",
    "امريكا": "US",
    "الولايات المتحدة الامريكية": "US",
    # Other everyday and former names.
    "uae": "AE",
    "dubai": "AE",
    "abu dhabi": "AE",
    "ksa": "SA",
    "saudi": "SA",
    "drc": "CD",
    "holland": "NL",
    "holanda": "NL",
    "hollande": "NL",
    "turkey": "TR",
    "turquia": "TR",
    "turquie": "TR",
    "ivory coast": "CI",
    "czech republic": "CZ",
    "macau": "MO",
    "swaziland": "SZ",
    "burma": "MM",
    "south korea": "KR",
    "timog korea": "KR",
    "hongkong": "HK",
}


def fold(text: str) -> str:
    """What people type, reduced for matching: no invisible or control characters, lower
    case without accents, dots dropped ("U.K."), other punctuation as spaces."""
    visible = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    decomposed = unicodedata.normalize("NFKD", visible.casefold().replace(".", ""))
    kept = (ch for ch in decomposed if not unicodedata.combining(ch))
    spaced = "".join(" " if unicodedata.category(ch)[0] in "PSZ" else ch for ch in kept)
    return " ".join(spaced.split())


@cache
def country_names(language: str) -> dict[str, str]:
    """ISO code -> country name in ``language``."""
    territories = Locale.parse(language, sep="-").territories
    return {
        str(code): str(name)
        for code, name in territories.items()
        if len(str(code)) == 2 and str(code).isalpha() and code not in _NOT_COUNTRIES
    }


@cache
def _search_keys(language: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """Per country: its names, folded, in ``language`` and in English."""
    local, english = country_names(language), country_names("en")
    return tuple(
        (code, frozenset({fold(local[code]), fold(english.get(code, ""))})) for code in local
    )


@cache
def _common_names() -> dict[str, str]:
    return {fold(name): code for name, code in COMMON_NAMES.items()}


def is_country(code: str) -> bool:
    return code in country_names("en")


def search_countries(query: str, language: str) -> list[str]:
    """Codes whose names match ``query``: the one country a common name or a whole name
    means; else the ISO code's country, then names that start with it, then names that
    contain it."""
    needle = fold(query).removeprefix("the ")
    if len(needle) < 2:
        return []
    common = _common_names().get(needle)
    if common is not None:
        return [common]
    keys = _search_keys(language)
    whole = [code for code, names in keys if needle in names]
    if whole:
        return whole[:MAX_RESULTS]
    by_code, prefix, inside = [], [], []
    for code, names in keys:
        if needle == code.casefold():
            by_code.append(code)
        elif any(name.startswith(needle) or f" {needle}" in name for name in names):
            prefix.append(code)
        elif len(needle) >= 3 and any(needle in name for name in names):
            inside.append(code)
    by_name = country_names(language).__getitem__
    return (by_code + sorted(prefix, key=by_name) + sorted(inside, key=by_name))[:MAX_RESULTS]
