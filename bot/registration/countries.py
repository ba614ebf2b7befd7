"""Finding a country by part of its name in the member's own language.

Names come from babel's locale data; matching ignores case and accents, and also accepts the
English name and the ISO code, so "mexi", "méxico" and "MX" all find Mexico.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from babel import Locale

# Territory codes in babel that are not countries a person lives in.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
MAX_RESULTS = 8
# Abbreviations people type that are not ISO codes.
_ABBREVIATIONS = {"uk": "GB", "usa": "US", "uae": "AE", "ksa": "SA", "drc": "CD"}


def fold(text: str) -> str:
    """Lower-case without accents, for matching what people type."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(letters.replace("-", " ").replace("'", " ").split())


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
def _search_keys(language: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    local, english = country_names(language), country_names("en")
    return tuple(
        (code, tuple({fold(local[code]), fold(english.get(code, "")), code.casefold()}))
        for code in local
    )


def is_country(code: str) -> bool:
    return code in country_names("en")


def search_countries(query: str, language: str) -> list[str]:
    """Codes whose names match ``query``: exact first, then prefix, then anywhere."""
    needle = fold(query)
    if len(needle) < 2:
        return []
    exact, prefix, inside = [], [], []
    if needle in _ABBREVIATIONS:
        exact.append(_ABBREVIATIONS[needle])
    for code, keys in _search_keys(language):
        if code in exact:
            continue
        if needle in keys:
            exact.append(code)
        elif any(key.startswith(needle) or f" {needle}" in key for key in keys):
            prefix.append(code)
        elif any(needle in key for key in keys if len(needle) >= 3):
            inside.append(code)
    names = country_names(language)
    ranked = exact + sorted(prefix, key=names.__getitem__) + sorted(inside, key=names.__getitem__)
    return ranked[:MAX_RESULTS]
