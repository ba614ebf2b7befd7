"""Exchange rates from the European Central Bank's daily euro reference rates, cached.

``refresh()`` fetches eurofxref-daily.xml and stores each currency's rate with the date the
ECB gave it; a failed fetch changes nothing, and a currency missing from a new file keeps its
older rate and date. ``quote()`` reads the cache only, so answers never wait on the network:
it gives a cross rate via the euro with its date, says when that date is old, and says plainly
when there is no rate at all. Several remittance currencies (AED, SAR, NGN, KES, PKR...) are
not published by the ECB.

So that amounts can be shown in the home currency even offline (a new database, an ECB out of
reach), the ECB's rates of one day ship with the code (data/ecb-eurofxref.csv, see the README
there): for each currency, the quote uses the fresher of the cached rate and the shipped one,
and its date, like any rate's, is shown with it.
"""

from __future__ import annotations

import enum
import logging
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import httpx
from babel import dates

from bot.errors import ConfigError
from bot.storage.remittance import CachedRate, RemittanceRepository

logger = logging.getLogger(__name__)

ECB_DAILY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
ECB_SOURCE = "ECB"
EURO = "EUR"
# The ECB publishes on TARGET working days around 16:00 CET, so on a Monday morning the
# newest rate is Friday's. Older than this, a rate is reported as stale.
MAX_FRESH_AGE = timedelta(days=4)
FETCH_TIMEOUT_SECONDS = 10.0
_CUBE = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}Cube"
SHIPPED_RATES = Path(__file__).resolve().parent / "data" / "ecb-eurofxref.csv"
# The ECB's CSV writes dates as "30 October 2026", in English whatever the machine's locale.
_MONTHS = {
    str(name).casefold(): number
    for number, name in dates.get_month_names("wide", locale="en").items()
}


class RefreshOutcome(enum.StrEnum):
    """What a refresh did."""

    UPDATED = "updated"
    HTTP_ERROR = "http_error"
    NETWORK_ERROR = "network_error"
    MALFORMED = "malformed"


class RateStatus(enum.StrEnum):
    """What a quote can say about a rate."""

    SAME_CURRENCY = "same_currency"
    CURRENT = "current"
    STALE = "stale"
    NO_RATE = "no_rate"


@dataclass(frozen=True)
class RefreshResult:
    outcome: RefreshOutcome
    rate_date: date | None = None
    currencies: int = 0


@dataclass(frozen=True)
class RateQuote:
    """Units of ``to_currency`` for one unit of ``from_currency``, with its date and source.

    ``rate`` is None exactly when ``status`` is NO_RATE; ``missing`` names the currencies that
    had no cached rate.
    """

    from_currency: str
    to_currency: str
    status: RateStatus
    rate: Decimal | None = None
    rate_date: date | None = None
    source: str | None = None
    missing: tuple[str, ...] = ()

    @property
    def available(self) -> bool:
        return self.rate is not None


class EcbParseError(ValueError):
    """The response was not a daily reference-rate file."""


def parse_ecb_daily(xml_text: str | bytes) -> list[CachedRate]:
    """The rates in an eurofxref-daily.xml document; raise EcbParseError when malformed."""
    try:
        root = ElementTree.fromstring(xml_text)
    except ElementTree.ParseError as exc:
        raise EcbParseError(f"not XML: {exc}") from None
    day_cube = next((cube for cube in root.iter(_CUBE) if cube.get("time")), None)
    if day_cube is None:
        raise EcbParseError("no Cube with a time attribute")
    rate_date = _parse_date(day_cube.get("time", ""))
    rates = [_parse_rate(cube, rate_date) for cube in day_cube.iter(_CUBE) if cube.get("currency")]
    if not rates:
        raise EcbParseError("no rates in the file")
    return rates


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise EcbParseError(f"bad date {text!r}") from None


def _parse_rate(cube: ElementTree.Element, rate_date: date) -> CachedRate:
    return _checked_rate(cube.get("currency", ""), cube.get("rate", ""), rate_date)


def parse_ecb_csv(text: str) -> list[CachedRate]:
    """The rates in the ECB's single-day CSV (``eurofxref.csv``: a header line "Date, USD, ..."
    and one line "30 October 2026, 1.1172, ..."); raise EcbParseError when malformed. "N/A"
    marks a currency not published that day and is skipped."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) != 2:
        raise EcbParseError(f"expected a header and one line of rates, got {len(lines)} lines")
    header, values = ([cell.strip() for cell in line.split(",")] for line in lines)
    if header[0] != "Date" or len(header) != len(values):
        raise EcbParseError("the header does not match the line of rates")
    rate_date = _parse_csv_date(values[0])
    rates = [
        _checked_rate(code, value, rate_date)
        for code, value in zip(header[1:], values[1:], strict=True)
        if code and value != "N/A"
    ]
    if not rates:
        raise EcbParseError("no rates in the file")
    return rates


def _parse_csv_date(text: str) -> date:
    try:
        day, month, year = text.split()
        return date(int(year), _MONTHS[month.casefold()], int(day))
    except (ValueError, KeyError):
        raise EcbParseError(f"bad date {text!r}") from None


def _checked_rate(currency: str, text: str, rate_date: date) -> CachedRate:
    try:
        per_euro = Decimal(text)
    except InvalidOperation:
        raise EcbParseError(f"bad rate for {currency!r}") from None
    if len(currency) != 3 or not currency.isalpha() or not per_euro.is_finite() or per_euro <= 0:
        raise EcbParseError(f"bad rate for {currency!r}")
    return CachedRate(currency.upper(), per_euro, rate_date, ECB_SOURCE)


def load_shipped_rates(path: Path = SHIPPED_RATES) -> list[CachedRate]:
    """The ECB rates shipped with the code; ConfigError naming the file when unusable."""
    try:
        return parse_ecb_csv(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the shipped exchange rates: {exc}") from None
    except EcbParseError as exc:
        raise ConfigError(f"{path}: not the ECB's eurofxref.csv: {exc}") from None


def _fresher(cached: CachedRate | None, shipped: CachedRate | None) -> CachedRate | None:
    """The more recent of two rates for one currency; the cached one on the same date."""
    if cached is None or (shipped is not None and shipped.rate_date > cached.rate_date):
        return shipped
    return cached


def _today_utc() -> date:
    return datetime.now(UTC).date()


class ExchangeRates:
    """The ECB client and the rate cache. The httpx client is the app's shared one;
    ``shipped`` are the rates used where the cache has none as fresh (``load_shipped_rates``)."""

    def __init__(
        self,
        repository: RemittanceRepository,
        client: httpx.AsyncClient,
        url: str = ECB_DAILY_URL,
        today: Callable[[], date] = _today_utc,
        shipped: Iterable[CachedRate] = (),
    ) -> None:
        self.repository = repository
        self.client = client
        self.url = url
        self.today = today
        self.shipped = {rate.currency: rate for rate in shipped}

    async def refresh(self) -> RefreshResult:
        """Fetch today's file and cache it; on any failure keep the cache and say why."""
        try:
            response = await self.client.get(self.url, timeout=FETCH_TIMEOUT_SECONDS)
            response.raise_for_status()
        except httpx.HTTPStatusError as exc:
            logger.warning("ECB rates: HTTP %s from %s", exc.response.status_code, self.url)
            return RefreshResult(RefreshOutcome.HTTP_ERROR)
        except httpx.TransportError as exc:
            logger.warning("ECB rates: cannot reach %s: %r", self.url, exc)
            return RefreshResult(RefreshOutcome.NETWORK_ERROR)
        try:
            rates = parse_ecb_daily(response.content)
        except EcbParseError as exc:
            logger.warning("ECB rates: malformed response from %s: %s", self.url, exc)
            return RefreshResult(RefreshOutcome.MALFORMED)
        await self.repository.save_rates(rates)
        logger.info("ECB rates: %d currencies for %s", len(rates), rates[0].rate_date)
        return RefreshResult(RefreshOutcome.UPDATED, rates[0].rate_date, len(rates))

    async def quote(self, from_currency: str, to_currency: str) -> RateQuote:
        """The cached cross rate, its date (the older of its two legs) and its freshness."""
        if from_currency == to_currency:
            return RateQuote(from_currency, to_currency, RateStatus.SAME_CURRENCY, Decimal(1))
        legs = {code: await self._per_euro(code) for code in (from_currency, to_currency)}
        missing = tuple(code for code, leg in legs.items() if leg is None)
        if missing:
            return RateQuote(from_currency, to_currency, RateStatus.NO_RATE, missing=missing)
        source_leg, target_leg = legs[from_currency], legs[to_currency]
        assert source_leg is not None and target_leg is not None
        rate_date = min(source_leg.rate_date, target_leg.rate_date)
        status = RateStatus.STALE if self._is_stale(rate_date) else RateStatus.CURRENT
        rate = target_leg.per_euro / source_leg.per_euro
        return RateQuote(from_currency, to_currency, status, rate, rate_date, source_leg.source)

    async def _per_euro(self, currency: str) -> CachedRate | None:
        if currency == EURO:
            return CachedRate(EURO, Decimal(1), date.max, ECB_SOURCE)
        return _fresher(await self.repository.cached_rate(currency), self.shipped.get(currency))

    def _is_stale(self, rate_date: date) -> bool:
        return self.today() - rate_date > MAX_FRESH_AGE
