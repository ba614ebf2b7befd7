"""Comparing the cost of sending money home: services ranked by what the family receives.

For an amount and a corridor (country of residence to destination) the service returns the
corridor's own price rows only, never another corridor's. Each offer's cost on the member's
amount follows the RPW arithmetic, cost = fee + amount x FX margin %, or amount x total cost %
where the fee and margin are not published separately. Offers whose provider does not disclose
its margin (``transparent = no``) are listed after the ranking with no estimate, since their
stored margin of 0 is not a cost of 0. Results are data and codes; handlers word them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Decimal

from babel.numbers import get_territory_currencies

from bot.remittance.amounts import MAX_AMOUNT
from bot.remittance.fx import ExchangeRates, RateQuote
from bot.remittance.values import (
    PayoutMethod,
    Quarter,
    Speed,
    country_code,
    is_currency,
    payout_methods,
)
from bot.storage.remittance import CorridorAverageRecord, PriceRecord, RemittanceRepository

SDG_TARGET_PCT = Decimal(3)  # SDG 10.c: average cost below 3% by 2030
SDG_CEILING_PCT = Decimal(5)  # ... and no corridor above 5%
_AVERAGE_PLACES = Decimal("0.0001")  # as the World Bank publishes averages


class ComparisonStatus(enum.StrEnum):
    """The overall answer."""

    OK = "ok"  # ranked offers (and the corridor average where published)
    AVERAGE_ONLY = "average_only"  # the corridor's average is known, no provider prices
    NO_DATA = "no_data"  # nothing for this corridor: say so, give general advice
    INVALID_AMOUNT = "invalid_amount"
    UNKNOWN_CURRENCY = "unknown_currency"
    UNKNOWN_COUNTRY = "unknown_country"
    SAME_COUNTRY = "same_country"
    NO_RATE_FOR_AMOUNT = "no_rate_for_amount"  # prices are in another currency, no rate


class Transparency(enum.StrEnum):
    """Whether the sender is told the exchange margin."""

    DISCLOSED = "disclosed"
    NOT_DISCLOSED = "not_disclosed"
    NOT_PUBLISHED = "not_published"  # the dataset does not say


class CostBasis(enum.StrEnum):
    """How an offer's cost on the member's amount was estimated."""

    FEE_AND_MARGIN = "fee_and_margin"  # fee + amount x margin %
    TOTAL_PERCENT = "total_percent"  # amount x published total cost %
    NOT_ESTIMATED = "not_estimated"  # margin not disclosed


class SdgBand(enum.StrEnum):
    """Where a cost stands against SDG 10.c."""

    BELOW_TARGET = "below_target"  # under 3%
    BETWEEN_TARGET_AND_CEILING = "between_target_and_ceiling"  # 3% to 5%
    ABOVE_CEILING = "above_ceiling"  # over 5%


class AverageBasis(enum.StrEnum):
    PUBLISHED = "published"  # the corridor average as the source published it
    COMPUTED = "computed"  # the mean of this corridor's transparent price rows


class Advice(enum.StrEnum):
    """Neutral advice the handler words; none of it judges informal channels."""

    COMPARE_TOTAL_COST = "compare_total_cost"  # fee and exchange margin together
    ACCOUNT_PAYOUT_CHEAPER = "account_payout_cheaper"  # where the data shows it
    CHECK_RATE_BEFORE_SENDING = "check_rate_before_sending"
    FORMAL_CHANNELS_TRACEABLE = "formal_channels_traceable"  # receipts, recourse, safety
    ASK_FOR_TOTAL_COST = "ask_for_total_cost"  # for corridors without data


@dataclass(frozen=True)
class ComparisonRequest:
    """What the member asked: an amount in a currency, and a corridor."""

    amount: Decimal
    currency: str
    source_country: str
    destination_country: str
    receive_currency: str | None = None  # default: the destination's currency


@dataclass(frozen=True)
class Offer:
    """One service in the corridor, with its cost estimated on the member's amount.

    Money (fee, cost, received) is in the prices' currency (``Comparison.send_currency``);
    ``received_abroad`` is in ``Comparison.receive_currency`` when a rate exists. Figures are
    not rounded: ``Translator.format_money`` rounds them for display.
    """

    rank: int | None  # 1 = the family receives most; None when not ranked (margin hidden)
    firm: str
    firm_type: str | None
    payment_instrument: str | None
    access_point: str | None
    speed: Speed | None
    payout_methods: frozenset[PayoutMethod]
    transparency: Transparency
    fee: Decimal | None
    fx_margin_pct: Decimal | None
    total_cost_pct: Decimal | None  # as published; None when the margin is hidden
    observed_amount: Decimal | None  # the amount the price was observed on
    cost_basis: CostBasis
    cost: Decimal | None
    cost_pct: Decimal | None  # cost / member's amount x 100
    sdg: SdgBand | None
    received: Decimal | None
    received_abroad: Decimal | None
    fee_exceeds_amount: bool = False


@dataclass(frozen=True)
class CorridorAverage:
    total_cost_pct: Decimal
    period: Quarter
    basis: AverageBasis
    sdg: SdgBand
    amount: Decimal | None = None  # the basket it was computed on
    currency: str | None = None
    firms: int | None = None
    services: int | None = None


@dataclass(frozen=True)
class PayoutDifference:
    """The same firm, instrument and speed paying into an account or in cash."""

    firm: str
    payment_instrument: str | None
    speed: Speed | None
    account_cost_pct: Decimal
    cash_cost_pct: Decimal
    difference_pct_points: Decimal  # cash minus account
    difference: Decimal  # on the member's amount, in the prices' currency


@dataclass(frozen=True)
class Comparison:
    """Everything the /remit answer shows; ``attributions`` must be shown with any figure."""

    status: ComparisonStatus
    request: ComparisonRequest
    receive_currency: str | None = None
    send_currency: str | None = None
    send_amount: Decimal | None = None  # the member's amount in ``send_currency``
    amount_rate: RateQuote | None = None  # set when the amount had to be converted
    receive_rate: RateQuote | None = None
    period: Quarter | None = None
    offers: tuple[Offer, ...] = ()
    average: CorridorAverage | None = None
    payout_differences: tuple[PayoutDifference, ...] = ()
    attributions: tuple[str, ...] = ()
    advice: tuple[Advice, ...] = field(default=())

    @property
    def ranked(self) -> tuple[Offer, ...]:
        return tuple(offer for offer in self.offers if offer.rank is not None)

    @property
    def hidden_margin(self) -> tuple[Offer, ...]:
        return tuple(offer for offer in self.offers if offer.rank is None)


def sdg_band(cost_pct: Decimal) -> SdgBand:
    if cost_pct < SDG_TARGET_PCT:
        return SdgBand.BELOW_TARGET
    if cost_pct > SDG_CEILING_PCT:
        return SdgBand.ABOVE_CEILING
    return SdgBand.BETWEEN_TARGET_AND_CEILING


def destination_currency(country: str) -> str | None:
    """The currency the destination uses today, per babel's CLDR data."""
    currencies = get_territory_currencies(country)
    return str(currencies[0]) if currencies else None


class RemittanceComparer:
    """Builds a Comparison from stored prices, averages and cached rates."""

    def __init__(self, repository: RemittanceRepository, rates: ExchangeRates) -> None:
        self.repository = repository
        self.rates = rates

    async def compare(self, request: ComparisonRequest) -> Comparison:
        problem = _request_problem(request)
        if problem is not None:
            return Comparison(problem, request)
        source, destination = request.source_country.upper(), request.destination_country.upper()
        receive_currency = request.receive_currency or destination_currency(destination)
        period_code = await self.repository.latest_period(source, destination)
        records = (
            await self.repository.prices(source, destination, period_code) if period_code else []
        )
        published = await self.repository.latest_average(source, destination)
        if not records and published is None:
            return Comparison(
                ComparisonStatus.NO_DATA,
                request,
                receive_currency=receive_currency,
                advice=(Advice.ASK_FOR_TOTAL_COST, Advice.FORMAL_CHANNELS_TRACEABLE),
            )
        average = _published_average(published) if published else _computed_average(records)
        if not records:
            return Comparison(
                ComparisonStatus.AVERAGE_ONLY,
                request,
                receive_currency=receive_currency,
                average=average,
                period=average.period if average else None,
                attributions=_attributions([], published),
                advice=(Advice.ASK_FOR_TOTAL_COST, Advice.FORMAL_CHANNELS_TRACEABLE),
            )
        return await self._compare_offers(request, records, average, published, receive_currency)

    async def _compare_offers(
        self,
        request: ComparisonRequest,
        records: list[PriceRecord],
        average: CorridorAverage | None,
        published: CorridorAverageRecord | None,
        receive_currency: str | None,
    ) -> Comparison:
        send_currency = records[0].currency
        amount_rate = None
        send_amount = request.amount
        if request.currency.upper() != send_currency:
            amount_rate = await self.rates.quote(request.currency.upper(), send_currency)
            if amount_rate.rate is None:
                return Comparison(
                    ComparisonStatus.NO_RATE_FOR_AMOUNT,
                    request,
                    receive_currency=receive_currency,
                    send_currency=send_currency,
                    amount_rate=amount_rate,
                )
            send_amount = request.amount * amount_rate.rate
        receive_rate = (
            await self.rates.quote(send_currency, receive_currency) if receive_currency else None
        )
        offers = _rank([_offer(r, send_amount, receive_rate) for r in records])
        differences = payout_differences(offers)
        return Comparison(
            ComparisonStatus.OK,
            request,
            receive_currency=receive_currency,
            send_currency=send_currency,
            send_amount=send_amount,
            amount_rate=amount_rate,
            receive_rate=receive_rate,
            period=Quarter.parse(records[0].period),
            offers=offers,
            average=average,
            payout_differences=differences,
            attributions=_attributions(records, published),
            advice=_advice(differences),
        )


def _request_problem(request: ComparisonRequest) -> ComparisonStatus | None:
    if not request.amount.is_finite() or not 0 < request.amount <= MAX_AMOUNT:
        return ComparisonStatus.INVALID_AMOUNT
    currencies = [request.currency.upper()]
    if request.receive_currency:
        currencies.append(request.receive_currency.upper())
    if not all(is_currency(code) for code in currencies):
        return ComparisonStatus.UNKNOWN_CURRENCY
    countries = (request.source_country, request.destination_country)
    if any(country_code(code) != code.upper() or len(code) != 2 for code in countries):
        return ComparisonStatus.UNKNOWN_COUNTRY
    if request.source_country.upper() == request.destination_country.upper():
        return ComparisonStatus.SAME_COUNTRY
    return None


def _transparency(record: PriceRecord) -> Transparency:
    if record.transparent is None:
        return Transparency.NOT_PUBLISHED
    return Transparency.DISCLOSED if record.transparent else Transparency.NOT_DISCLOSED


def _estimated_cost(record: PriceRecord, amount: Decimal) -> tuple[CostBasis, Decimal | None]:
    """Cost on ``amount`` by the RPW arithmetic; the margin is counted once."""
    if record.transparent is False:
        return CostBasis.NOT_ESTIMATED, None
    if record.fee is not None and record.fx_margin_pct is not None:
        return CostBasis.FEE_AND_MARGIN, record.fee + amount * record.fx_margin_pct / 100
    return CostBasis.TOTAL_PERCENT, amount * record.total_cost_pct / 100


def _offer(record: PriceRecord, amount: Decimal, receive_rate: RateQuote | None) -> Offer:
    basis, cost = _estimated_cost(record, amount)
    hidden = basis is CostBasis.NOT_ESTIMATED
    received = None if cost is None else max(amount - cost, Decimal(0))
    abroad = None
    if received is not None and receive_rate is not None and receive_rate.rate is not None:
        abroad = received * receive_rate.rate
    cost_pct = None if cost is None else cost / amount * 100
    return Offer(
        rank=None,
        firm=record.firm,
        firm_type=record.firm_type,
        payment_instrument=record.payment_instrument,
        access_point=record.access_point,
        speed=Speed(record.speed) if record.speed else None,
        payout_methods=payout_methods(record.pickup_method),
        transparency=_transparency(record),
        fee=record.fee,
        fx_margin_pct=None if hidden else record.fx_margin_pct,
        total_cost_pct=None if hidden else record.total_cost_pct,
        observed_amount=record.amount,
        cost_basis=basis,
        cost=cost,
        cost_pct=cost_pct,
        sdg=None if cost_pct is None else sdg_band(cost_pct),
        received=received,
        received_abroad=abroad,
        fee_exceeds_amount=cost is not None and cost >= amount,
    )


def _rank(offers: list[Offer]) -> tuple[Offer, ...]:
    """Most received first (ties by firm name); offers with a hidden margin last, unranked."""
    estimated = sorted(
        (offer for offer in offers if offer.received is not None),
        key=lambda offer: (-(offer.received or Decimal(0)), offer.firm.casefold()),
    )
    hidden = sorted(
        (offer for offer in offers if offer.received is None), key=lambda o: o.firm.casefold()
    )
    ranked = [_with_rank(offer, position) for position, offer in enumerate(estimated, start=1)]
    return (*ranked, *hidden)


def _with_rank(offer: Offer, rank: int) -> Offer:
    return replace(offer, rank=rank)


def payout_differences(offers: tuple[Offer, ...]) -> tuple[PayoutDifference, ...]:
    """Account versus cash pickup, for each firm, instrument, access point and speed that has
    exactly one account-only and one cash-only offer; ambiguous groups are left out."""
    groups: dict[tuple[object, ...], list[Offer]] = {}
    for offer in offers:
        if offer.cost is not None and len(offer.payout_methods) == 1:
            key = (offer.firm, offer.payment_instrument, offer.access_point, offer.speed)
            groups.setdefault(key, []).append(offer)
    return tuple(difference for group in groups.values() if (difference := _pair_difference(group)))


def _pair_difference(group: list[Offer]) -> PayoutDifference | None:
    accounts = [o for o in group if o.payout_methods == {PayoutMethod.ACCOUNT}]
    cashes = [o for o in group if o.payout_methods == {PayoutMethod.CASH}]
    if len(accounts) != 1 or len(cashes) != 1:
        return None
    account, cash = accounts[0], cashes[0]
    assert account.total_cost_pct is not None and cash.total_cost_pct is not None
    assert account.cost is not None and cash.cost is not None
    return PayoutDifference(
        firm=account.firm,
        payment_instrument=account.payment_instrument,
        speed=account.speed,
        account_cost_pct=account.total_cost_pct,
        cash_cost_pct=cash.total_cost_pct,
        difference_pct_points=cash.total_cost_pct - account.total_cost_pct,
        difference=cash.cost - account.cost,
    )


def _published_average(record: CorridorAverageRecord) -> CorridorAverage:
    quarter = Quarter.parse(record.period)
    assert quarter is not None  # stored periods are written by Quarter.code
    return CorridorAverage(
        total_cost_pct=record.average_total_cost_pct,
        period=quarter,
        basis=AverageBasis.PUBLISHED,
        sdg=sdg_band(record.average_total_cost_pct),
        amount=record.amount,
        currency=record.currency,
        firms=record.firms,
        services=record.services,
    )


def _computed_average(records: list[PriceRecord]) -> CorridorAverage | None:
    """The mean total cost of the transparent rows, as the World Bank averages them."""
    costs = [r.total_cost_pct for r in records if r.transparent is not False]
    quarter = Quarter.parse(records[0].period) if records else None
    if not costs or quarter is None:
        return None
    mean = (sum(costs, Decimal(0)) / len(costs)).quantize(_AVERAGE_PLACES, ROUND_HALF_EVEN)
    return CorridorAverage(
        total_cost_pct=mean,
        period=quarter,
        basis=AverageBasis.COMPUTED,
        sdg=sdg_band(mean),
        currency=records[0].currency,
        firms=len({r.firm for r in records if r.transparent is not False}),
        services=len(costs),
    )


def _attributions(
    records: list[PriceRecord], average: CorridorAverageRecord | None
) -> tuple[str, ...]:
    texts = [r.attribution for r in records] + ([average.attribution] if average else [])
    return tuple(dict.fromkeys(texts))


def _advice(differences: tuple[PayoutDifference, ...]) -> tuple[Advice, ...]:
    advice = [Advice.COMPARE_TOTAL_COST, Advice.CHECK_RATE_BEFORE_SENDING]
    if any(d.difference_pct_points > 0 for d in differences):
        advice.append(Advice.ACCOUNT_PAYOUT_CHEAPER)
    advice.append(Advice.FORMAL_CHANNELS_TRACEABLE)
    return tuple(advice)
