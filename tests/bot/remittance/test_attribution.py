"""The credit line read into its parts: the World Bank's own form, an adapted table's, and any
other line left alone."""

from __future__ import annotations

import pytest

from bot.remittance.attribution import Attribution, parse_attribution
from bot.remittance.rpw import DEFAULT_ATTRIBUTION
from bot.remittance.values import Quarter

SAMPLE = (
    "Source: World Bank, Remittance Prices Worldwide, Q3 2025 (CC BY 4.0), adapted by Finofin Ltd."
)


def test_the_sample_line_keeps_every_name_as_published() -> None:
    assert parse_attribution(SAMPLE) == Attribution(
        text=SAMPLE,
        publisher="World Bank",
        dataset="Remittance Prices Worldwide",
        period=Quarter(2025, 3),
        licence="CC BY 4.0",
        adapted_by="Finofin Ltd.",
    )


def test_the_default_line_of_an_rpw_import_has_no_adapter() -> None:
    credit = parse_attribution(DEFAULT_ATTRIBUTION.format(period="Q1 2026"))
    assert credit is not None
    assert (credit.period, credit.adapted_by) == (Quarter(2026, 1), None)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Data courtesy of the World Bank",
        "Source: World Bank, Remittance Prices Worldwide, last year (CC BY 4.0)",
        "Source: World Bank, Remittance Prices Worldwide, Q3 2025",
        "Quelle: World Bank, Remittance Prices Worldwide, Q3 2025 (CC BY 4.0)",
        "Source: World Bank, Remittance Prices Worldwide, Q3 2025 (CC BY 4.0), and more",
    ],
)
def test_any_other_line_is_not_parsed(text: str) -> None:
    assert parse_attribution(text) is None
