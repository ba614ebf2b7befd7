"""The credit line the remittance figures' licence asks for, read into its parts so that
handlers can word it in the member's language while every name stays as published.

The World Bank's RPW data is credited "Source: World Bank, Remittance Prices Worldwide,
Q3 2025 (CC BY 4.0)", and a table adapted from it adds ", adapted by <name>" (rpw.py's
DEFAULT_ATTRIBUTION and the sample's ``attribution`` column). A line of any other shape is not
parsed: it is shown exactly as published, in its own language, rather than reworded by guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.remittance.values import Quarter

_CREDIT = re.compile(
    r"\ASource: (?P<publisher>[^,()]+), (?P<dataset>[^,()]+), (?P<period>[^,()]+)"
    r" \((?P<licence>[^,()]+)\)(?:, adapted by (?P<adapter>.+))?\Z"
)


@dataclass(frozen=True)
class Attribution:
    """One credit line: who published what, for which quarter, under which licence, and who
    adapted it (None when nobody did). ``text`` is the line as published."""

    text: str
    publisher: str
    dataset: str
    period: Quarter
    licence: str
    adapted_by: str | None = None


def parse_attribution(text: str) -> Attribution | None:
    """The parts of a credit line of the known shape; None for any other line."""
    match = _CREDIT.match(text.strip())
    period = Quarter.parse(match["period"]) if match else None
    if match is None or period is None:
        return None
    return Attribution(
        text=text,
        publisher=match["publisher"],
        dataset=match["dataset"],
        period=period,
        licence=match["licence"],
        adapted_by=match["adapter"],
    )
