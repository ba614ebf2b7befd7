"""ECB reference rates: fetching, caching, cross rates and every way it can fail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import httpx

from bot.remittance.fx import ExchangeRates, RateStatus, RefreshOutcome, parse_ecb_daily
from bot.storage.database import Database
from bot.storage.remittance import RemittanceRepository

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
