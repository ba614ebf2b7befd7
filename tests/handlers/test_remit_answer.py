"""The /remit answer's wording: every code has words, the short list shows the best few and
leaves the rest to the details, long answers are split to fit Telegram's limit without losing
a line, the account-or-cash comparison is shown, and the credit line is worded in the member's
language with its names kept (or shown as published when its shape is unknown)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from telegram.constants import MessageLimit

from bot.remittance import (
    Advice,
    AmountProblem,
    AverageBasis,
    Comparison,
    ComparisonRequest,
    ComparisonStatus,
    PayoutMethod,
    SdgBand,
    Speed,
    Transparency,
)
from bot.remittance.corridor import CorridorProblem, SendingCorridor
from bot.services import Services
from handlers.remit import labels
from handlers.remit.answer import (
    SHORT_LIST_LENGTH,
    answer_blocks,
    attribution_line,
    details_blocks,
    has_details,
    split_messages,
)

GB_LK = SendingCorridor("GB", "LK", "GBP", "LKR", leaving=False)


@pytest.mark.parametrize(
    ("table", "codes"),
    [
        (labels.SPEED, set(Speed)),
        (labels.PAYOUT, set(PayoutMethod)),
        (labels.TRANSPARENCY, set(Transparency)),
        (labels.SDG, set(SdgBand)),
        (labels.AVERAGE_BASIS, set(AverageBasis)),
        (labels.ADVICE, set(Advice)),
        (labels.AMOUNT_PROBLEM, set(AmountProblem)),
        (labels.CORRIDOR_PROBLEM, set(CorridorProblem) - {CorridorProblem.NO_CURRENCY}),
    ],
)
def test_every_code_has_words(table: dict[object, str], codes: set[object]) -> None:
    assert set(table) == codes


async def compare_gb_lk(services: Services, amount: str = "200") -> Comparison:
    return await services.remittance.compare(
        ComparisonRequest(Decimal(amount), "GBP", "GB", "LK", receive_currency="LKR")
    )


async def test_account_or_cash_is_compared_where_the_data_pairs_them(services: Services) -> None:
    comparison = await compare_gb_lk(services)
    assert comparison.status is ComparisonStatus.OK and comparison.payout_differences
    tr = services.languages.translator("en")
    text = "\n\n".join(details_blocks(tr, comparison, GB_LK))
    assert tr.gettext("<b>Into an account or in cash</b>") in text
    assert "Global Exchange Ltd:" in text
    assert "No exchange rate is available for LKR" in text  # the ECB publishes none


async def test_a_long_answer_is_split_between_blocks_within_the_limit(services: Services) -> None:
    comparison = await compare_gb_lk(services)
    many = tuple(
        replace(offer, firm=f"Firm number {index:03d}", rank=index + 1)
        for index, offer in enumerate(comparison.ranked * 20)
    )
    long_comparison = replace(comparison, offers=many)
    tr = services.languages.translator("ar")
    blocks = details_blocks(tr, long_comparison, GB_LK)
    messages = split_messages(blocks)
    assert len(messages) > 1
    assert all(len(tr.direction(m)) <= MessageLimit.MAX_TEXT_LENGTH for m in messages)
    assert "\n\n".join(messages) == "\n\n".join(blocks)  # nothing lost, nothing cut
    assert all(f"Firm number {i:03d}" in "".join(messages) for i in range(len(many)))
    assert attribution_line(tr, comparison.attributions[0]) in messages[-1]
    # The short list of the same comparison: the best few, one short message.
    (short,) = split_messages(answer_blocks(tr, long_comparison, GB_LK))
    assert [f"Firm number {i:03d}" in short for i in range(len(many))] == [
        i < SHORT_LIST_LENGTH for i in range(len(many))
    ]
    assert tr.gettext("More services in the details.") in short
    assert has_details(long_comparison)


def test_an_oversized_block_is_cut_between_lines() -> None:
    block = "\n".join(f"line {i} " + "x" * 90 for i in range(100))
    messages = split_messages(["intro", block, "end"], limit=1000)
    assert all(len(m) <= 1000 for m in messages)
    assert "\n".join(messages).count("line ") == 100


async def test_a_corridor_with_only_its_average_shows_the_average_and_its_source(
    services: Services,
) -> None:
    comparison = await services.remittance.compare(
        ComparisonRequest(Decimal(100), "GBP", "GB", "GM")
    )
    assert comparison.status is ComparisonStatus.AVERAGE_ONLY
    tr = services.languages.translator("es")
    corridor = SendingCorridor("GB", "GM", "GBP", "GMD", leaving=True)
    text = "\n\n".join(answer_blocks(tr, comparison, corridor))
    assert "12,06" in text  # 12.0555% as babel writes it in Spanish
    assert "T3 2025" in text
    assert "Reino Unido" in text and "Gambia" in text
    assert attribution_line(tr, comparison.attributions[0]) in text
    assert "Fuente: World Bank, Remittance Prices Worldwide, T3 2025 (licencia CC BY 4.0)" in text
    assert not has_details(comparison)


async def test_no_rate_for_the_amount_is_said_plainly(services: Services) -> None:
    comparison = await services.remittance.compare(
        ComparisonRequest(Decimal(100), "AED", "GB", "PH")  # the ECB publishes no dirham rate
    )
    assert comparison.status is ComparisonStatus.NO_RATE_FOR_AMOUNT
    tr = services.languages.translator("en")
    corridor = SendingCorridor("GB", "PH", "AED", "PHP", leaving=False)
    text = "\n\n".join(answer_blocks(tr, comparison, corridor))
    assert "AED100.00" in text
    assert "no exchange rate is available" in text and "GBP" in text
    assert "sending money from United Kingdom to Philippines" in text


@pytest.mark.parametrize(
    ("language", "credit", "expected"),
    [
        (
            "en",
            "Source: World Bank, Remittance Prices Worldwide, Q3 2025 (CC BY 4.0)",
            "Source: World Bank, Remittance Prices Worldwide, Q3 2025 (CC BY 4.0)",
        ),
        (
            "fr",
            "Source: World Bank, Remittance Prices Worldwide, 2025_3Q (CC BY 4.0)",
            "Source\u00a0: World Bank, Remittance Prices Worldwide, T3 2025 (licence CC BY 4.0)",
        ),
        (
            "es",
            "Source: World Bank, Remittance Prices Worldwide, Q1 2024 (CC BY 4.0), "
            "adapted by A & B",
            "Fuente: World Bank, Remittance Prices Worldwide, T1 2024 (licencia CC BY 4.0), "
            "adaptado por A &amp; B",
        ),
        # A line of another shape is shown exactly as published (escaped for HTML).
        ("fr", "Data <b>courtesy</b> of X", "Data &lt;b&gt;courtesy&lt;/b&gt; of X"),
    ],
)
def test_the_credit_line_is_worded_in_the_language_with_its_names_kept(
    services: Services, language: str, credit: str, expected: str
) -> None:
    assert attribution_line(services.languages.translator(language), credit) == expected
