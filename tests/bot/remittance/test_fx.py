"""ECB reference rates: fetching, caching, cross rates and every way it can fail; the rates
shipped with the code, used where the cache has none as fresh."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from bot.errors import ConfigError
from bot.remittance.fx import (
    SHIPPED_RATES,
    EcbParseError,
    ExchangeRates,
    RateStatus,
    RefreshOutcome,
    load_shipped_rates,
    parse_ecb_csv,
    parse_ecb_daily,
)
from bot.storage.database import Database
from bot.storage.remittance import CachedRate, RemittanceRepository

ECB_URL = "https://ecb.test/eurofxref-daily.xml"


def ecb_xml(day: str, rates: dict[str, str]) -> bytes:
    cubes = "".join(f"<Cube currency='{code}' rate='{rate}'/>" for code, rate in rates.items())
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<gesmes:Envelope xmlns:gesmes='http://www.gesmes.org/xml/2002-08-01'"
        " xmlns='http://www.ecb.int/vocabulary/2002-08-01/eurofxref'>"
        "<gesmes:subject>Reference rates</gesmes:subject>"
        f"<Cube><Cube time='{day}'>{cubes}</Cube></Cube></gesmes:Envelope>"
    ).encode()


SEPT_30 = ecb_xml("2025-09-30", {"USD": "1.1700", "GBP": "0.87", "PHP": "67.50"})


def service(
    database: Database,
    handler: Callable[[httpx.Request], httpx.Response],
    today: date = date(2025, 10, 1),
) -> ExchangeRates:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return ExchangeRates(RemittanceRepository(database), client, ECB_URL, today=lambda: today)


def serve(body: bytes, status: int = 200) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(status, content=body)


def fail_with(error: type[httpx.TransportError]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("simulated", request=request)

    return handler


async def test_refresh_caches_rates_and_quotes_a_cross_rate_via_the_euro(
    database: Database,
) -> None:
    rates = service(database, serve(SEPT_30))
    result = await rates.refresh()
    quote = await rates.quote("GBP", "PHP")
    assert result.outcome is RefreshOutcome.UPDATED
    assert result.rate_date == date(2025, 9, 30)
    assert result.currencies == 3
    # 67.50 PHP per euro / 0.87 GBP per euro = 77.5862... PHP per GBP
    assert quote.rate is not None and round(quote.rate, 4) == Decimal("77.5862")
    assert (quote.status, quote.rate_date, quote.source) == (
        RateStatus.CURRENT,
        date(2025, 9, 30),
        "ECB",
    )


async def test_the_configured_url_is_the_one_fetched(database: Database) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, content=SEPT_30)

    await service(database, handler).refresh()
    assert seen == [ECB_URL]


async def test_euro_legs_and_same_currency(database: Database) -> None:
    rates = service(database, serve(SEPT_30))
    await rates.refresh()
    to_euro = await rates.quote("PHP", "EUR")
    same = await rates.quote("GBP", "GBP")
    assert to_euro.rate == Decimal(1) / Decimal("67.50")
    assert to_euro.rate_date == date(2025, 9, 30)
    assert (same.status, same.rate) == (RateStatus.SAME_CURRENCY, Decimal(1))


async def test_no_cache_at_all_says_no_rate(database: Database) -> None:
    rates = service(database, serve(b"", status=500))
    await rates.refresh()
    quote = await rates.quote("GBP", "PHP")
    assert quote.status is RateStatus.NO_RATE
    assert quote.rate is None and not quote.available
    assert quote.missing == ("GBP", "PHP")


async def test_http_500_keeps_the_cached_rate_with_its_date(database: Database) -> None:
    await service(database, serve(SEPT_30)).refresh()
    rates = service(database, serve(b"oops", status=500), today=date(2025, 10, 20))
    result = await rates.refresh()
    quote = await rates.quote("GBP", "PHP")
    assert result.outcome is RefreshOutcome.HTTP_ERROR
    assert quote.rate is not None
    assert (quote.status, quote.rate_date) == (RateStatus.STALE, date(2025, 9, 30))


async def test_timeout_and_connection_errors_keep_the_cache(database: Database) -> None:
    await service(database, serve(SEPT_30)).refresh()
    for error in (httpx.ConnectTimeout, httpx.ReadTimeout, httpx.ConnectError):
        result = await service(database, fail_with(error)).refresh()
        assert result.outcome is RefreshOutcome.NETWORK_ERROR
    quote = await service(database, serve(SEPT_30)).quote("GBP", "PHP")
    assert quote.rate_date == date(2025, 9, 30)
    assert quote.status is RateStatus.CURRENT


async def test_malformed_responses_change_nothing(database: Database) -> None:
    await service(database, serve(SEPT_30)).refresh()
    bad_bodies = [
        b"<html>maintenance</html>",
        b"not xml at all <",
        ecb_xml("yesterday", {"GBP": "0.9"}),
        ecb_xml("2025-10-01", {}),
        ecb_xml("2025-10-01", {"GBP": "abc"}),
        ecb_xml("2025-10-01", {"GBP": "-1"}),
    ]
    for body in bad_bodies:
        result = await service(database, serve(body)).refresh()
        assert result.outcome is RefreshOutcome.MALFORMED, body
    quote = await service(database, serve(SEPT_30)).quote("GBP", "PHP")
    assert quote.rate_date == date(2025, 9, 30)


async def test_a_currency_the_ecb_does_not_publish_has_no_rate(database: Database) -> None:
    rates = service(database, serve(SEPT_30))
    await rates.refresh()
    quote = await rates.quote("GBP", "NGN")
    assert quote.status is RateStatus.NO_RATE
    assert quote.missing == ("NGN",)


async def test_a_currency_dropped_later_keeps_its_last_rate_and_date(database: Database) -> None:
    await service(database, serve(SEPT_30)).refresh()
    october = ecb_xml("2025-10-06", {"USD": "1.16", "GBP": "0.88"})  # no PHP this time
    rates = service(database, serve(october), today=date(2025, 10, 20))
    await rates.refresh()
    pound = await rates.quote("EUR", "GBP")
    peso = await rates.quote("GBP", "PHP")
    assert (pound.rate, pound.rate_date) == (Decimal("0.88"), date(2025, 10, 6))
    # the cross rate uses the old PHP leg, and its date is the older of the two
    assert peso.rate == Decimal("67.50") / Decimal("0.88")
    assert (peso.status, peso.rate_date) == (RateStatus.STALE, date(2025, 9, 30))


def test_parse_reads_the_ecb_layout() -> None:
    rates = parse_ecb_daily(SEPT_30)
    assert {(r.currency, r.per_euro, r.rate_date) for r in rates} == {
        ("USD", Decimal("1.1700"), date(2025, 9, 30)),
        ("GBP", Decimal("0.87"), date(2025, 9, 30)),
        ("PHP", Decimal("67.50"), date(2025, 9, 30)),
    }


# --- the rates shipped with the code (bot/remittance/data/ecb-eurofxref.csv) ----------------

SHIPPED_DAY = date(2026, 10, 30)


def shipped(
    database: Database, handler: Callable[[httpx.Request], httpx.Response]
) -> ExchangeRates:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return ExchangeRates(
        RemittanceRepository(database),
        client,
        ECB_URL,
        today=lambda: date(2026, 11, 30),
        shipped=load_shipped_rates(),
    )


def test_the_shipped_file_is_the_one_its_readme_names_with_its_date_and_figures() -> None:
    readme = (SHIPPED_RATES.parent / "README.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(SHIPPED_RATES.read_bytes()).hexdigest()
    assert f"sha256 {digest}" in readme
    rates = {rate.currency: rate for rate in load_shipped_rates()}
    assert {rate.rate_date for rate in rates.values()} == {SHIPPED_DAY}
    assert "30 October 2026" in readme
    assert len(rates) == 29
    for code, per_euro in [("GBP", "0.83380"), ("USD", "1.1172"), ("PHP", "71.143")]:
        assert rates[code].per_euro == Decimal(per_euro) and f"{code} {per_euro}" in readme
    assert rates["HKD"].source == "ECB" and "CAD" in rates
    assert not {"AED", "SAR", "QAR", "KWD"} & set(rates)  # not published by the ECB


async def test_without_a_cache_the_shipped_rates_are_used_with_their_date(
    database: Database,
) -> None:
    rates = shipped(database, fail_with(httpx.ConnectError))
    assert (await rates.refresh()).outcome is RefreshOutcome.NETWORK_ERROR
    quote = await rates.quote("GBP", "PHP")
    assert quote.rate == Decimal("71.143") / Decimal("0.83380")
    assert (quote.status, quote.rate_date, quote.source) == (
        RateStatus.STALE,
        SHIPPED_DAY,
        "ECB",
    )
    dirham = await rates.quote("GBP", "AED")
    assert (dirham.status, dirham.missing) == (RateStatus.NO_RATE, ("AED",))


async def test_a_fresher_cached_rate_wins_and_an_older_one_loses(database: Database) -> None:
    later = ecb_xml("2026-11-27", {"GBP": "0.85", "PHP": "70.00"})
    rates = shipped(database, serve(later))
    await rates.refresh()
    quote = await rates.quote("GBP", "PHP")
    assert (quote.rate, quote.rate_date) == (Decimal("70.00") / Decimal("0.85"), date(2026, 11, 27))
    assert quote.status is RateStatus.CURRENT
    async with database.transaction() as tx:  # an older rate in the cache (say, a restore)
        await tx.execute("UPDATE fx_rates SET rate_date = '2026-10-29' WHERE currency = 'PHP'")
    quote = await rates.quote("GBP", "PHP")
    # The shipped peso (30 October) is fresher; the date shown is the older of the two legs.
    assert (quote.rate, quote.rate_date) == (Decimal("71.143") / Decimal("0.85"), SHIPPED_DAY)


async def test_on_the_same_day_the_cached_rate_is_used(database: Database) -> None:
    same_day = ecb_xml("2026-10-30", {"GBP": "0.9", "PHP": "60"})
    rates = shipped(database, serve(same_day))
    await rates.refresh()
    assert (await rates.quote("GBP", "PHP")).rate == Decimal(60) / Decimal("0.9")


def test_parse_csv_reads_the_ecb_single_day_layout() -> None:
    text = "Date, USD, BGN, GBP, \n3 January 2026, 1.0350, N/A, 0.83, \n"
    assert parse_ecb_csv(text) == [
        CachedRate("USD", Decimal("1.0350"), date(2026, 1, 3), "ECB"),
        CachedRate("GBP", Decimal("0.83"), date(2026, 1, 3), "ECB"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Date, USD\n",
        "Day, USD\n30 October 2026, 1.1\n",
        "Date, USD, GBP\n30 October 2026, 1.1\n",
        "Date, USD\n30 Octobre 2026, 1.1\n",
        "Date, USD\n2026-10-30, 1.1\n",
        "Date, USD\n30 October 2026, abc\n",
        "Date, USD\n30 October 2026, 0\n",
        "Date, USDX\n30 October 2026, 1.1\n",
        "Date, USD\n30 October 2026, N/A\n",
        "Date, USD\n30 October 2026, 1.1\n31 October 2026, 1.2\n",
    ],
)
def test_parse_csv_refuses_anything_else(text: str) -> None:
    with pytest.raises(EcbParseError):
        parse_ecb_csv(text)


def test_an_unusable_shipped_file_stops_start_up_naming_it(tmp_path: Path) -> None:
    broken = tmp_path / "ecb-eurofxref.csv"
    broken.write_text("<html>not the ECB</html>\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"{broken}: not the ECB's eurofxref.csv")):
        load_shipped_rates(broken)
    with pytest.raises(ConfigError, match=re.escape(f"{tmp_path / 'missing.csv'}: cannot read")):
        load_shipped_rates(tmp_path / "missing.csv")
