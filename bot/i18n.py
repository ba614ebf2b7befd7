"""Languages: gettext catalogues, choosing a member's language, and locale-aware formatting.

Catalogues live in ``locales/<lang>/LC_MESSAGES/messages.po`` and are compiled to ``.mo`` by
``make``. Translate first, then format: ``t.format("Hello %(name)s", name=name)`` translates
the template, then puts each value in. Strings defined at import time are marked with ``N_``
and translated when shown.

Right to left (Arabic), one rule: whatever is put into a translated text (a name, a date, a
number, a question, a phone number) is an isolate (U+2068 FIRST STRONG ISOLATE ... U+2069), so
it keeps its own direction and cannot reorder the sentence around it: ``format`` does it for
every value, ``isolate`` for text assembled by hand. Commands written in the catalogue's texts
("أرسل /mydata") become left-to-right isolates (U+2066 ... U+2069) when a text is laid out for
the member (``direction``, which every reply goes through), so /mydata never reads "mydata/"
and translators type no invisible marks. In left-to-right languages all three change nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from pathlib import Path

from babel import Locale, UnknownLocaleError, dates, lists, numbers
from babel.support import Translations

from bot.disclosure import Band
from bot.errors import ConfigError
from bot.settings import PROJECT_ROOT

LOCALES_DIR = PROJECT_ROOT / "locales"
DOMAIN = "messages"

# Codes Telegram clients send that babel knows under another name.
LANGUAGE_ALIASES = {"tl": "fil", "iw": "he", "in": "id"}

RIGHT_TO_LEFT_MARK = "\u200f"
LEFT_TO_RIGHT_ISOLATE = "\u2066"
FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"
_ISOLATES = (LEFT_TO_RIGHT_ISOLATE, "\u2067", FIRST_STRONG_ISOLATE)
# A command as Telegram finds one: a slash not inside a word, a path, a closing tag or an isolate.
_COMMAND = re.compile(r"(?<![\w/<\u2066\u2067\u2068])/[A-Za-z0-9_]{1,64}(?:@\w{3,32})?")
_BACK_ARROWS = {"ltr": "⬅️", "rtl": "➡️"}


def band_in_english(band: Band) -> str:
    """``Translator.format_band`` for the command line: "0", "fewer than 5", "40-44"."""
    if band.low == 0:
        return "0"
    if band.low == 1:
        return f"fewer than {band.high + 1}"
    return f"{band.low}-{band.high}"


def isolate(value: str) -> str:
    """Wrap a value of unknown direction (a phone number, a name, a date, a question) so it
    keeps its own direction and cannot reorder the text around it; each line apart, since an
    isolate ends with its line. Wrapping twice changes nothing."""
    return "\n".join(_wrap(line, FIRST_STRONG_ISOLATE) for line in value.split("\n"))


def text_direction(text: str) -> str | None:
    """ "rtl" or "ltr" as a client lays ``text`` out (its first strong character, isolates
    skipped, as the Unicode bidirectional algorithm does); None when it has none."""
    depth = 0
    for char in text:
        if char in _ISOLATES:
            depth += 1
        elif char == POP_DIRECTIONAL_ISOLATE:
            depth = max(depth - 1, 0)
        elif depth == 0:
            kind = unicodedata.bidirectional(char)
            if kind in ("R", "AL"):
                return "rtl"
            if kind == "L":
                return "ltr"
    return None


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


@dataclass(frozen=True)
class Translator:
    """Everything needed to speak to one member: their catalogue and their locale's formats."""

    language: str
    translations: Translations
    locale: Locale = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "locale", Locale.parse(self.language, sep="-"))

    def gettext(self, message: str) -> str:
        return str(self.translations.gettext(message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return str(self.translations.ngettext(singular, plural, n))

    def pgettext(self, context: str, message: str) -> str:
        return str(self.translations.pgettext(context, message))

    @property
    def is_rtl(self) -> bool:
        return self.locale.text_direction == "rtl"

    @property
    def back_arrow(self) -> str:
        """The arrow that points back, the way this language reads: ⬅️, or ➡️ right to left."""
        return _BACK_ARROWS["rtl" if self.is_rtl else "ltr"]

    def direction(self, text: str) -> str:
        """Lay a message out for this language. Right to left: start with a mark, so a message
        that opens with a digit, an emoji or a Latin name still reads right to left in every
        Telegram client, and keep each /command a left-to-right isolate."""
        if not self.is_rtl:
            return text
        text = _COMMAND.sub(lambda m: _wrap(m.group(), LEFT_TO_RIGHT_ISOLATE), text)
        return text if text.startswith(RIGHT_TO_LEFT_MARK) else RIGHT_TO_LEFT_MARK + text

    def isolate(self, value: str) -> str:
        """``isolate(value)`` in a right-to-left language; ``value`` unchanged otherwise."""
        return isolate(value) if self.is_rtl else value

    def format(self, message: str, /, **values: str) -> str:
        """Translate ``message``, then put in the ``values``, each an isolate (right to left).
        Values must already be escaped for HTML where the text is HTML."""
        return self.gettext(message) % self._isolated(values)

    def nformat(self, singular: str, plural: str, n: int, /, **values: str) -> str:
        """``format`` with the plural form for ``n`` chosen by the language's rules."""
        return self.ngettext(singular, plural, n) % self._isolated(values)

    def _isolated(self, values: dict[str, str]) -> dict[str, str]:
        return {name: self.isolate(value) for name, value in values.items()}

    def format_number(self, value: int | float | Decimal) -> str:
        return numbers.format_decimal(value, locale=self.locale)

    def format_band(self, band: Band) -> str:
        """A count under the disclosure rule: "0", "fewer than 5" or "40–44" (see
        bot/disclosure.py). Every hidden count is written this one way."""
        if band.low == 0:
            return self.format_number(0)
        if band.low == 1:
            return self.format("fewer than %(count)s", count=self.format_number(band.high + 1))
        span = f"{self.format_number(band.low)}–{self.format_number(band.high)}"
        return self.isolate(span)

    @staticmethod
    def band_count(band: Band) -> int:
        """The number ``format_band`` writes, to choose the plural form of what it counts:
        0, the 5 of "fewer than 5", the 44 of "40–44"."""
        if band.low == 1:
            return band.high + 1
        return band.high

    def format_list(self, items: Iterable[str]) -> str:
        """ "A, B and C" as this language writes it."""
        found = list(items)
        return lists.format_list(found, locale=self.locale) if found else ""

    def format_percent(self, value: float | Decimal, digits: int = 1) -> str:
        pattern = "#,##0." + "0" * digits + "%" if digits else "#,##0%"
        return numbers.format_percent(value, pattern, locale=self.locale)

    def format_money(self, amount: Decimal | float, currency: str) -> str:
        return numbers.format_currency(amount, currency, locale=self.locale)

    def format_date(self, value: date, format: str = "medium") -> str:
        return dates.format_date(value, format=format, locale=self.locale)

    def format_datetime(self, value: datetime, zone: tzinfo, format: str = "medium") -> str:
        return dates.format_datetime(value, format=format, tzinfo=zone, locale=self.locale)

    def format_time(self, value: datetime, zone: tzinfo, format: str = "short") -> str:
        return dates.format_time(value, format=format, tzinfo=zone, locale=self.locale)

    def format_time_left(self, seconds: float | None) -> str:
        """ "3 minutes", or "unknown" before the rate is measured."""
        if seconds is None:
            return self.gettext("unknown")
        return dates.format_timedelta(timedelta(seconds=seconds), locale=self.locale)

    def format_wall_time(self, value: datetime, format: str = "short") -> str:
        """A date and time with no zone (a local time as staff typed it), as written here."""
        return dates.format_datetime(value.replace(tzinfo=None), format=format, locale=self.locale)

    def format_time_range(self, start: time, end: time) -> str:
        """ "9:00 AM – 5:00 PM", "09:00 – 17:00", "9:00 ص – 5:00 م": this locale's hours, in
        its 12- or 24-hour clock."""
        clock = "H" if "H" in str(self.locale.time_formats["short"]) else "h"
        return str(dates.format_interval(start, end, f"{clock}m", locale=self.locale))

    def weekday(self, index: int, width: str = "wide") -> str:
        """The name of a weekday (0 = Monday) in this language."""
        return str(self.locale.days["format"][width][index])

    def country(self, code: str) -> str:
        """A country's name in this language, from babel's locale data."""
        return str(self.locale.territories.get(code, code))

    def language_name(self, code: str) -> str:
        """A language's name as its own speakers write it (for the language menu)."""
        name = Locale.parse(code, sep="-").get_display_name(code) or code
        return name[:1].upper() + name[1:]


class Languages:
    """The enabled languages of a deployment and their loaded catalogues."""

    def __init__(
        self, enabled: Iterable[str], default: str, locales_dir: Path = LOCALES_DIR
    ) -> None:
        self.enabled = tuple(enabled)
        self.default = default
        self._translators = {
            code: Translator(code, _load_catalogue(locales_dir, code)) for code in self.enabled
        }

    def translator(self, language: str) -> Translator:
        return self._translators.get(language) or self._translators[self.default]

    def negotiate(self, language_code: str | None) -> str:
        """Pick an enabled language for Telegram's language_code: pt-BR -> pt -> default."""
        if not language_code:
            return self.default
        code = LANGUAGE_ALIASES.get(language_code.lower(), language_code)
        try:
            locale = Locale.parse(code.replace("_", "-"), sep="-")
        except (ValueError, UnknownLocaleError):
            return self.default
        base = LANGUAGE_ALIASES.get(locale.language, locale.language)
        for candidate in (str(locale), f"{locale.language}-{locale.territory}", base):
            if candidate in self.enabled:
                return candidate
        return self.default


def _wrap(value: str, opener: str) -> str:
    """``value`` between ``opener`` and POP DIRECTIONAL ISOLATE, unless empty or wrapped."""
    if not value or (value.startswith(_ISOLATES) and value.endswith(POP_DIRECTIONAL_ISOLATE)):
        return value
    return f"{opener}{value}{POP_DIRECTIONAL_ISOLATE}"


def _load_catalogue(locales_dir: Path, language: str) -> Translations:
    mo_file = locales_dir / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not mo_file.is_file():
        raise ConfigError(
            f"{mo_file}: compiled catalogue missing for enabled language {language!r} "
            f"(run `make catalogues`; the source is locales/{language}/LC_MESSAGES/messages.po)"
        )
    with mo_file.open("rb") as fp:
        return Translations(fp, domain=DOMAIN)
