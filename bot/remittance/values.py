"""The vocabulary of remittance prices: quarters, delivery speeds, payout methods, countries.

The World Bank's Remittance Prices Worldwide (RPW) writes these as English text; here they
become codes the handlers translate, so nothing English reaches a member.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from babel import Locale
from babel.core import get_global
from babel.numbers import list_currencies

_QUARTER_PATTERNS = (
    re.compile(r"^Q([1-4])[\s_-]*(\d{4})$", re.IGNORECASE),  # Q3 2025
    re.compile(r"^(\d{4})[\s_-]*Q([1-4])$", re.IGNORECASE),  # 2025 Q3, 2025-Q3
    re.compile(r"^(\d{4})[\s_-]*([1-4])Q$", re.IGNORECASE),  # 2025_3Q (the RPW's own form)
)
# Territory codes CLDR names that are not countries money can be sent to.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "QO", "UN", "XA", "XB", "ZZ"})
_COUNTRY_CODES = frozenset(
    str(code)
    for code in Locale("en").territories
    if str(code).isalpha() and str(code) not in _NOT_COUNTRIES
)
_ENGLISH_COUNTRY_NAMES = {
    str(name).casefold(): str(code)
    for code, name in Locale("en").territories.items()
    if str(code) in _COUNTRY_CODES
}
_CURRENCY_CODES = frozenset(list_currencies())


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter, the period of an RPW survey."""

    year: int
    quarter: int

    @property
    def code(self) -> str:
        """The stored form, which sorts in time order: '2025-Q3'."""
        return f"{self.year}-Q{self.quarter}"

    @property
    def label(self) -> str:
        """The form the World Bank and our attribution use: 'Q3 2025'."""
        return f"Q{self.quarter} {self.year}"

    @classmethod
    def parse(cls, text: str) -> Quarter | None:
        """Read 'Q3 2025', '2025 Q3', '2025-Q3' or '2025_3Q'; None for anything else."""
        text = text.strip()
        first, second, third = (pattern.match(text) for pattern in _QUARTER_PATTERNS)
        if first:
            return cls(int(first.group(2)), int(first.group(1)))
        match = second or third
        return cls(int(match.group(1)), int(match.group(2))) if match else None


class Speed(enum.StrEnum):
    """How fast the money arrives, in the RPW's 'speed actual' bands."""

    LESS_THAN_ONE_HOUR = "less_than_one_hour"
    SAME_DAY = "same_day"
    NEXT_DAY = "next_day"
    TWO_DAYS = "two_days"
    THREE_TO_FIVE_DAYS = "three_to_five_days"
    SIX_DAYS_OR_MORE = "six_days_or_more"


_SPEED_TEXTS = {
    "less than one hour": Speed.LESS_THAN_ONE_HOUR,
    "less than 1 hour": Speed.LESS_THAN_ONE_HOUR,
    "same day": Speed.SAME_DAY,
    "next day": Speed.NEXT_DAY,
    "2 days": Speed.TWO_DAYS,
    "3-5 days": Speed.THREE_TO_FIVE_DAYS,
    "3 to 5 days": Speed.THREE_TO_FIVE_DAYS,
    "6 days or more": Speed.SIX_DAYS_OR_MORE,
}


def parse_speed(text: str) -> Speed | None:
    """The band an RPW 'speed actual' text names, or None when it names none."""
    return _SPEED_TEXTS.get(" ".join(text.casefold().split()))


class PayoutMethod(enum.StrEnum):
    """How the family receives the money."""

    ACCOUNT = "account"
    CASH = "cash"
    MOBILE_WALLET = "mobile_wallet"


def payout_methods(pickup_method: str | None) -> frozenset[PayoutMethod]:
    """The payout methods an RPW 'pickup method' text mentions (empty when unknown).

    Provider averages describe a mix ('Account, cash and wallet payout'), so this is a set.
    """
    text = (pickup_method or "").casefold()
    found = set()
    if "account" in text or "bank" in text:
        found.add(PayoutMethod.ACCOUNT)
    if "cash" in text:
        found.add(PayoutMethod.CASH)
    if "wallet" in text or "mobile" in text:
        found.add(PayoutMethod.MOBILE_WALLET)
    return frozenset(found)


def country_code(text: str) -> str | None:
    """An ISO 3166 alpha-2 code from an alpha-2 or alpha-3 code or an English name."""
    text = text.strip()
    if text.upper() in _COUNTRY_CODES:
        return text.upper()
    aliases = get_global("territory_aliases").get(text.upper())
    if aliases and aliases[0] in _COUNTRY_CODES:
        return str(aliases[0])
    return _ENGLISH_COUNTRY_NAMES.get(text.casefold())


def is_currency(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 currency code babel knows."""
    return code in _CURRENCY_CODES
