"""Reading an amount of money typed in the member's own number format.

"1.234,50" in Portuguese and "1,234.50" in English are the same amount; grouping is strict,
so "1,23.4" is refused rather than guessed. Arabic-Indic digits and separators are accepted,
as are the plain and no-break spaces people type for the narrow no-break space French uses.
Never raises: every refusal is an ``AmountProblem`` the handler explains in the member's language.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale, UnknownLocaleError, numbers

MAX_AMOUNT = Decimal("1000000")
MAX_DECIMAL_PLACES = 2
MAX_INPUT_LENGTH = 40

_ARABIC_INDIC_DIGITS = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}
_EXTENDED_ARABIC_INDIC_DIGITS = {ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")}
_BIDI_MARKS = "\u200e\u200f\u061c\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e"
_MINUS_SIGNS = "\u2212\u2012\u2013\ufe63\uff0d"
_SPACES = " \u00a0\u202f\u2009"


class AmountProblem(enum.StrEnum):
    """Why a typed amount was not accepted."""

    EMPTY = "empty"
    NOT_A_NUMBER = "not_a_number"
    ZERO = "zero"
    NEGATIVE = "negative"
    TOO_LARGE = "too_large"
    TOO_MANY_DECIMALS = "too_many_decimals"


@dataclass(frozen=True)
class ParsedAmount:
    """The outcome of reading an amount: a positive Decimal, or the problem with the input."""

    value: Decimal | None
    problem: AmountProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def parse_amount(text: str, language: str) -> ParsedAmount:
    """Read ``text`` as an amount in ``language``'s number format (a babel locale code)."""
    locale = _locale(language)
    cleaned = _normalise(text, locale)
    if not cleaned:
        return ParsedAmount(None, AmountProblem.EMPTY)
    if len(cleaned) > MAX_INPUT_LENGTH or not _only_number_characters(cleaned, locale):
        return ParsedAmount(None, AmountProblem.NOT_A_NUMBER)
    try:
        value = numbers.parse_decimal(cleaned, locale, strict=True)
    except (numbers.NumberFormatError, ValueError, ArithmeticError):
        return ParsedAmount(None, AmountProblem.NOT_A_NUMBER)
    return _check_bounds(value)


def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("_", "-"), sep="-")
    except (ValueError, UnknownLocaleError):
        return Locale("en")


def _normalise(text: str, locale: Locale) -> str:
    """Latin digits, one minus sign, the locale's own group symbol for any typed space."""
    decimal_symbol = numbers.get_decimal_symbol(locale)
    group_symbol = numbers.get_group_symbol(locale)
    text = text.translate(_ARABIC_INDIC_DIGITS).translate(_EXTENDED_ARABIC_INDIC_DIGITS)
    text = text.replace("٫", decimal_symbol).replace("٬", group_symbol)
    for mark in _BIDI_MARKS:
        text = text.replace(mark, "")
    for minus in _MINUS_SIGNS:
        text = text.replace(minus, "-")
    text = text.strip()
    if group_symbol in _SPACES:
        for space in _SPACES:
            text = text.replace(space, group_symbol)
    return text


def _only_number_characters(text: str, locale: Locale) -> bool:
    """Digits, the locale's separators and one leading sign; nothing babel would also read
    (exponents, "NaN", "Infinity", underscores)."""
    allowed = set("0123456789")
    allowed.add(numbers.get_decimal_symbol(locale))
    allowed.add(numbers.get_group_symbol(locale))
    body = text[1:] if text[:1] in "+-" else text
    return bool(body) and any(c.isdigit() for c in body) and set(body) <= allowed


def _check_bounds(value: Decimal) -> ParsedAmount:
    if not value.is_finite():
        return ParsedAmount(None, AmountProblem.NOT_A_NUMBER)
    if value.is_zero():
        return ParsedAmount(None, AmountProblem.ZERO)
    if value < 0:
        return ParsedAmount(None, AmountProblem.NEGATIVE)
    if value > MAX_AMOUNT:
        return ParsedAmount(None, AmountProblem.TOO_LARGE)
    if _decimal_places(value) > MAX_DECIMAL_PLACES:
        return ParsedAmount(None, AmountProblem.TOO_MANY_DECIMALS)
    return ParsedAmount(value)


def _decimal_places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0
