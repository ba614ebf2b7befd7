"""The /remit comparison on the shipped sample data, checked against hand arithmetic.

The figures below come from bot/remittance/data/, itself taken from shared/data/remittance/:
provider rows give fee (GBP) and FX margin (%) observed on GBP 120; cost on an amount A is
fee + A x margin / 100, and the family receives A - cost, times the reference rate.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from bot.remittance.cli import SAMPLE_PRICES, import_file, import_sample
from bot.remittance.compare import (
    Advice,
    AverageBasis,
    ComparisonRequest,
    ComparisonStatus,
    CostBasis,
    RemittanceComparer,
    SdgBand,
    Transparency,
)
from bot.remittance.fx import ExchangeRates, RateStatus
from bot.remittance.values import PayoutMethod, Speed
from bot.storage.database import Database
from bot.storage.remittance import CachedRate, RemittanceRepository

RATE_DAY = date(2025, 9, 30)
PER_EURO = {"GBP": "0.87", "PHP": "67.50", "ZAR": "20.30", "CNY": "8.35"}


def cents(value: Decimal | None) -> Decimal:
    assert value is not None
    return value.quantize(Decimal("0.01"))


@pytest.fixture
async def comparer(database: Database) -> RemittanceComparer:
    await import_sample(database)
    repository = RemittanceRepository(database)
    await repository.save_rates(
        CachedRate(code, Decimal(rate), RATE_DAY, "ECB") for code, rate in PER_EURO.items()
    )
    offline = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    rates = ExchangeRates(repository, offline, today=lambda: date(2025, 10, 1))
    return RemittanceComparer(repository, rates)


def request(amount: str, destination: str, currency: str = "GBP") -> ComparisonRequest:
    return ComparisonRequest(Decimal(amount), currency, "GB", destination)


async def test_uk_to_philippines_ranks_by_what_the_family_receives(
    comparer: RemittanceComparer,
) -> None:
    result = await comparer.compare(request("200", "PH"))
    assert result.status is ComparisonStatus.OK
    assert [o.firm for o in result.ranked] == ["MoneyGram", "Xoom"]
    moneygram, xoom = result.ranked
    # MoneyGram: 1.3267 + 200 x 0.46 / 100 = 1.3267 + 0.92 = 2.2467; 200 - 2.2467 = 197.7533
    assert moneygram.cost == Decimal("2.2467")
    assert moneygram.received == Decimal("197.7533")
    # Xoom: 1.99 + 200 x 2.81 / 100 = 1.99 + 5.62 = 7.61; 200 - 7.61 = 192.39
    assert (xoom.cost, xoom.received) == (Decimal("7.61"), Decimal("192.39"))
    # GBP -> PHP via the euro: 67.50 / 0.87 = 77.5862...; 197.7533 x 77.5862 = 15342.93
    assert cents(moneygram.received_abroad) == Decimal("15342.93")
    assert cents(xoom.received_abroad) == Decimal("14926.81")  # 192.39 x 77.5862...
    assert (result.receive_currency, result.send_currency) == ("PHP", "GBP")
    assert result.receive_rate is not None
    assert (result.receive_rate.rate_date, result.receive_rate.source) == (RATE_DAY, "ECB")


async def test_each_offer_shows_fee_margin_total_payout_and_transparency(
    comparer: RemittanceComparer,
) -> None:
    result = await comparer.compare(request("200", "PH"))
    moneygram = result.ranked[0]
    assert (moneygram.fee, moneygram.fx_margin_pct, moneygram.total_cost_pct) == (
        Decimal("1.3267"),
        Decimal("0.46"),
        Decimal("1.5667"),
    )
    assert moneygram.payout_methods == {
        PayoutMethod.ACCOUNT,
        PayoutMethod.CASH,
        PayoutMethod.MOBILE_WALLET,
    }
    assert moneygram.transparency is Transparency.NOT_PUBLISHED
    assert moneygram.cost_basis is CostBasis.FEE_AND_MARGIN
    assert moneygram.observed_amount == Decimal("120")
    # 2.2467 / 200 = 1.12% is under the SDG target; Xoom's 7.61 / 200 = 3.8% is between 3 and 5
    assert [o.sdg for o in result.ranked] == [
        SdgBand.BELOW_TARGET,
        SdgBand.BETWEEN_TARGET_AND_CEILING,
    ]


async def test_the_corridor_average_is_the_published_one_with_sdg_band_and_source(
    comparer: RemittanceComparer,
) -> None:
    result = await comparer.compare(request("200", "PH"))
    assert result.average is not None
    assert result.average.total_cost_pct == Decimal("3.3305")  # official-corridors.csv, PH
    assert result.average.basis is AverageBasis.PUBLISHED
    assert result.average.sdg is SdgBand.BETWEEN_TARGET_AND_CEILING  # 3 <= 3.3305 <= 5
    assert result.average.period.label == "Q3 2025"
    assert result.attributions == (
        "Source: World Bank, Remittance Prices Worldwide, Q3 2025 (CC BY 4.0), "
        "adapted by Finofin Ltd.",
    )


@pytest.mark.parametrize(
    ("amount", "expected_order"),
    [
        # A = 100: Remitly 2.99 + 1.4633 = 4.45, WorldRemit 3.99 + 3.67 = 7.66, Wise 8.13 + 0,
        # Ria 6 + 2.44 = 8.44, MoneyGram 3.3267 + 6.0333 = 9.36, Western Union 5.445 + 7.65
        ("100", ["Remitly", "WorldRemit", "Wise", "Ria", "MoneyGram", "Western Union"]),
        # A = 1000: Wise 8.13, Remitly 2.99 + 14.633 = 17.62, Ria 6 + 24.4 = 30.40,
        # WorldRemit 3.99 + 36.7 = 40.69, MoneyGram 3.3267 + 60.333 = 63.66, WU 81.95
        ("1000", ["Wise", "Remitly", "Ria", "WorldRemit", "MoneyGram", "Western Union"]),
    ],
)
async def test_a_flat_fee_matters_less_on_a_larger_amount(
    comparer: RemittanceComparer, amount: str, expected_order: list[str]
) -> None:
    result = await comparer.compare(request(amount, "ZA"))
    assert [o.firm for o in result.ranked] == expected_order
    assert [o.rank for o in result.ranked] == list(range(1, 7))


async def test_the_average_above_five_percent_is_flagged(comparer: RemittanceComparer) -> None:
    result = await comparer.compare(request("200", "ZA"))
    assert result.average is not None
    assert result.average.total_cost_pct == Decimal("6.3933")
    assert result.average.sdg is SdgBand.ABOVE_CEILING


async def test_cash_pickup_versus_account_matches_the_published_premium(
    comparer: RemittanceComparer,
) -> None:
    result = await comparer.compare(request("200", "CN"))
    # cash_premium_gbp_on_gbp_200 as matched-offers.csv publishes it for China
    published = {
        ("MoneyGram", "Debit card"): Decimal("7.7267"),
        ("MoneyGram", "Credit card"): Decimal("7.4867"),
        ("Western Union", "Bank account transfer"): Decimal("2.5067"),
    }
    found = {(d.firm, d.payment_instrument): d for d in result.payout_differences}
    assert set(found) == set(published)
    for key, premium in published.items():
        # e.g. MoneyGram by debit card: 200 x (5.1533 - 1.29) / 100 = 7.7266, published 7.7267
        assert cents(found[key].difference) == cents(premium)
        assert found[key].speed is Speed.LESS_THAN_ONE_HOUR
    assert Advice.ACCOUNT_PAYOUT_CHEAPER in result.advice


async def test_ambiguous_pairs_get_no_cash_difference(comparer: RemittanceComparer) -> None:
    # Sri Lanka: two Global Exchange bank-transfer rows share every published column,
    # so only the cash-funded pair (2.3633 both ways) is compared.
    result = await comparer.compare(request("200", "LK"))
    [difference] = result.payout_differences
    assert difference.payment_instrument == "Cash"
    assert difference.difference_pct_points == 0
    assert Advice.ACCOUNT_PAYOUT_CHEAPER not in result.advice


async def test_percentage_only_offers_scale_with_the_amount(comparer: RemittanceComparer) -> None:
    result = await comparer.compare(request("500", "BD"))
    sonali = next(o for o in result.ranked if o.firm == "Sonali Bank")
    # 2.41% published on the GBP 200 scenario: 500 x 2.41 / 100 = 12.05
    assert sonali.cost_basis is CostBasis.TOTAL_PERCENT
    assert (sonali.cost, sonali.fee, sonali.fx_margin_pct) == (Decimal("12.05"), None, None)
    assert result.receive_rate is not None
    assert result.receive_rate.status is RateStatus.NO_RATE  # the ECB has no BDT
    assert sonali.received_abroad is None


async def test_a_corridor_without_data_says_so_and_borrows_nothing(
    comparer: RemittanceComparer,
) -> None:
    # The UAE is a consulate country of the sample deployment; the data is UK outbound only.
    result = await comparer.compare(ComparisonRequest(Decimal("1000"), "AED", "AE", "PH"))
    assert result.status is ComparisonStatus.NO_DATA
    assert (result.offers, result.average, result.attributions) == ((), None, ())
    assert Advice.FORMAL_CHANNELS_TRACEABLE in result.advice


async def test_a_corridor_with_only_an_average_shows_it_alone(
    comparer: RemittanceComparer,
) -> None:
    result = await comparer.compare(request("200", "GM"))
    assert result.status is ComparisonStatus.AVERAGE_ONLY
    assert result.offers == ()
    assert result.average is not None and result.average.total_cost_pct == Decimal("12.0555")
    assert result.attributions


async def test_a_hidden_margin_is_listed_unranked(
    comparer: RemittanceComparer, database: Database, tmp_path: Path
) -> None:
    path = tmp_path / "kenya.csv"
    path.write_text(
        "period,source_code,destination_code,firm,cc1 lcu amount,cc1 lcu code,cc1 lcu fee,"
        "cc1 fx margin,cc1 total cost %,transparent,pickup method\n"
        "2025_4Q,GB,KE,Open Co,120,GBP,3,1,3.5,yes,Account\n"
        "2025_4Q,GB,KE,Quiet Bank,120,GBP,1.2,0,1,no,Account\n"
        "2025_4Q,GB,KE,Plain Co,120,GBP,2.4,2,4,yes,Cash\n",
        encoding="utf-8",
    )
    await import_file(database, path)
    result = await comparer.compare(request("120", "KE"))
    assert [o.firm for o in result.ranked] == ["Open Co", "Plain Co"]
    [quiet] = result.hidden_margin
    assert (quiet.firm, quiet.rank, quiet.transparency) == (
        "Quiet Bank",
        None,
        Transparency.NOT_DISCLOSED,
    )
    assert (quiet.cost, quiet.received, quiet.fx_margin_pct) == (None, None, None)
    # the newest quarter's prices are shown; the published average is Q3 2025's (3.43)
    assert result.period is not None and result.period.label == "Q4 2025"
    assert result.average is not None and result.average.total_cost_pct == Decimal("3.43")


async def test_the_computed_average_leaves_out_hidden_margins(
    database: Database, tmp_path: Path
) -> None:
    path = tmp_path / "es.csv"
    path.write_text(
        "period,source_code,destination_code,firm,cc1 lcu code,cc1 total cost %,transparent\n"
        "Q1 2026,ES,PH,A,EUR,3.5,yes\n"
        "Q1 2026,ES,PH,B,EUR,1,no\n"
        "Q1 2026,ES,PH,C,EUR,4.5,\n",
        encoding="utf-8",
    )
    await import_file(database, path)
    repository = RemittanceRepository(database)
    offline = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    comparer = RemittanceComparer(repository, ExchangeRates(repository, offline))
    result = await comparer.compare(ComparisonRequest(Decimal(100), "EUR", "ES", "PH"))
    assert result.average is not None
    # (3.5 + 4.5) / 2 = 4; B's 1% (margin hidden) is left out, as the World Bank does
    assert (result.average.total_cost_pct, result.average.basis) == (
        Decimal("4"),
        AverageBasis.COMPUTED,
    )
    assert result.average.services == 2


async def test_an_amount_in_another_currency_is_converted_with_its_rate(
    comparer: RemittanceComparer,
) -> None:
    result = await comparer.compare(request("100", "PH", currency="EUR"))
    # 100 EUR x 0.87 = 87 GBP; Xoom: 1.99 + 87 x 2.81 / 100 = 4.4347
    assert result.send_amount == Decimal("87.00")
    assert result.amount_rate is not None and result.amount_rate.rate_date == RATE_DAY
    assert result.ranked[1].cost == Decimal("4.4347")


async def test_an_amount_in_a_currency_without_a_rate_is_said_so(
    comparer: RemittanceComparer,
) -> None:
    result = await comparer.compare(request("100", "PH", currency="NGN"))
    assert result.status is ComparisonStatus.NO_RATE_FOR_AMOUNT
    assert result.amount_rate is not None and result.amount_rate.missing == ("NGN",)


async def test_an_amount_below_the_fee_receives_nothing(comparer: RemittanceComparer) -> None:
    result = await comparer.compare(request("1", "PH"))
    # MoneyGram: 1.3267 + 0.0046 exceeds 1
    assert all(o.fee_exceeds_amount and o.received == 0 for o in result.ranked)


@pytest.mark.parametrize(
    ("req", "status"),
    [
        (ComparisonRequest(Decimal(0), "GBP", "GB", "PH"), ComparisonStatus.INVALID_AMOUNT),
        (ComparisonRequest(Decimal(-5), "GBP", "GB", "PH"), ComparisonStatus.INVALID_AMOUNT),
        (ComparisonRequest(Decimal("1e9"), "GBP", "GB", "PH"), ComparisonStatus.INVALID_AMOUNT),
        (ComparisonRequest(Decimal("NaN"), "GBP", "GB", "PH"), ComparisonStatus.INVALID_AMOUNT),
        (ComparisonRequest(Decimal(5), "XYZ", "GB", "PH"), ComparisonStatus.UNKNOWN_CURRENCY),
        (
            ComparisonRequest(Decimal(5), "GBP", "GB", "PH", receive_currency="ABC"),
            ComparisonStatus.UNKNOWN_CURRENCY,
        ),
        (ComparisonRequest(Decimal(5), "GBP", "GB", "ZZ"), ComparisonStatus.UNKNOWN_COUNTRY),
        (ComparisonRequest(Decimal(5), "GBP", "GBR", "PH"), ComparisonStatus.UNKNOWN_COUNTRY),
        (ComparisonRequest(Decimal(5), "GBP", "GB", "GB"), ComparisonStatus.SAME_COUNTRY),
    ],
)
async def test_bad_requests_get_a_reason_code(
    comparer: RemittanceComparer, req: ComparisonRequest, status: ComparisonStatus
) -> None:
    result = await comparer.compare(req)
    assert result.status is status
    assert result.offers == ()


def test_the_sample_says_where_each_row_came_from() -> None:
    rows = list(csv.DictReader(SAMPLE_PRICES.read_text(encoding="utf-8").splitlines()))
    assert {row["attribution"] for row in rows} == {
        "Source: World Bank, Remittance Prices Worldwide, Q3 2025 (CC BY 4.0), "
        "adapted by Finofin Ltd."
    }
    philippines = [row["firm"] for row in rows if row["destination_code"] == "PH"]
    assert sorted(philippines) == ["MoneyGram", "Xoom"]
