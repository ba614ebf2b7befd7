"""The /remit answer: a Comparison worded in the member's language, in blocks that fit
Telegram's message limit.

A ranked answer comes in two parts, so that a member on a slow network reads the essential
first: a short list (the best few services, what the family receives in the home currency and
the cost), then, on a button, the details (fees, exchange-rate margin, speed, payout,
transparency, the average against the SDG target, advice, sources). Words are plain: the
exchange-rate margin is explained the first time it is named, and a corridor is "sending
money from <country> to <country>".

Every figure is formatted by babel for the member's locale; every code goes through the
labels in ``labels.py``; the data's attribution (worded in the member's language, names kept
as published), its period and the exchange rate's source and date are always shown with the
figures.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from decimal import Decimal

from babel import dates, lists, numbers
from telegram.constants import MessageLimit

from bot.i18n import Translator
from bot.remittance import (
    SDG_CEILING_PCT,
    SDG_TARGET_PCT,
    AmountProblem,
    Comparison,
    ComparisonStatus,
    CorridorAverage,
    CostBasis,
    Offer,
    PayoutDifference,
    Quarter,
    RateQuote,
    RateStatus,
    Transparency,
)
from bot.remittance.amounts import MAX_AMOUNT
from bot.remittance.attribution import parse_attribution
from bot.remittance.corridor import CorridorProblem, SendingCorridor
from handlers.remit import labels
from handlers.replies import esc

# Telegram counts the text after parsing the HTML; counting the raw HTML here, with room for
# the right-to-left mark, keeps every message safely within the limit.
MESSAGE_LIMIT = MessageLimit.MAX_TEXT_LENGTH - 96
EXAMPLE_AMOUNT = Decimal("1234.50")
#: Services in the short list; the rest are in the details (the World Bank's SmaRT indicator
#: looks at the three cheapest too).
SHORT_LIST_LENGTH = 3


# --- small formatters ------------------------------------------------------------------------


def money(tr: Translator, amount: Decimal, currency: str) -> str:
    return tr.isolate(tr.format_money(amount, currency))


def whole_money(tr: Translator, amount: Decimal, currency: str) -> str:
    """An amount rounded to whole units ("₱12,627"), in the locale's own currency pattern."""
    pattern = copy.copy(tr.locale.currency_formats["standard"])
    pattern.frac_prec = (0, 0)
    text = pattern.apply(amount, tr.locale, currency=currency, currency_digits=False)
    return tr.isolate(text)


def percent(tr: Translator, value_pct: Decimal, pattern: str = "#,##0.##%") -> str:
    """A percentage given in percent (4.47 -> "4.47%"), two decimals at most."""
    return tr.isolate(numbers.format_percent(value_pct / 100, pattern, locale=tr.locale))


def whole_percent(tr: Translator, value_pct: Decimal) -> str:
    return tr.isolate(numbers.format_percent(value_pct / 100, "#,##0%", locale=tr.locale))


def rate_number(tr: Translator, rate: Decimal) -> str:
    return numbers.format_decimal(rate, "#,##0.0###", locale=tr.locale)


def quarter(tr: Translator, period: Quarter) -> str:
    name = dates.get_quarter_names("abbreviated", locale=tr.locale)[period.quarter]
    return tr.isolate(f"{name} {period.year}")


def listed(tr: Translator, items: Iterable[str]) -> str:
    return lists.format_list(list(items), locale=tr.locale)


def example_amount(tr: Translator) -> str:
    return tr.isolate(numbers.format_decimal(EXAMPLE_AMOUNT, "#,##0.00", locale=tr.locale))


def sdg_targets(tr: Translator) -> dict[str, str]:
    return {
        "target": whole_percent(tr, SDG_TARGET_PCT),
        "ceiling": whole_percent(tr, SDG_CEILING_PCT),
    }


# --- the question and refusals ---------------------------------------------------------------


def question(tr: Translator, corridor: SendingCorridor) -> str:
    currency = numbers.get_currency_name(corridor.currency, locale=tr.locale)
    return tr.gettext(
        "How much do you want to send? Type the amount in %(currency)s (%(code)s), "
        "for example %(example)s."
    ) % {"currency": esc(currency), "code": corridor.currency, "example": example_amount(tr)}


def amount_problem(tr: Translator, problem: AmountProblem) -> str:
    return tr.gettext(labels.AMOUNT_PROBLEM[problem]) % {
        "example": example_amount(tr),
        "maximum": tr.isolate(tr.format_number(MAX_AMOUNT)),
    }


def corridor_problem(tr: Translator, problem: CorridorProblem, home: str) -> str:
    if problem is CorridorProblem.NO_CURRENCY:
        return no_data_intro(tr, None, home)
    return tr.gettext(labels.CORRIDOR_PROBLEM[problem]) % {"home": esc(tr.country(home))}


# --- the answer ------------------------------------------------------------------------------


def answer_blocks(tr: Translator, comparison: Comparison, corridor: SendingCorridor) -> list[str]:
    """The first answer as blocks of HTML, in reading order: the short list when services are
    ranked (``has_details``: the rest comes on a button), else the whole answer."""
    status = comparison.status
    if status is ComparisonStatus.OK:
        return short_list(tr, comparison, corridor)
    if status is ComparisonStatus.AVERAGE_ONLY:
        return average_only_answer(tr, comparison, corridor)
    if status is ComparisonStatus.NO_RATE_FOR_AMOUNT:
        return [heading(tr, comparison, corridor), no_rate_for_amount(tr, comparison, corridor)]
    blocks = [
        no_data_intro(tr, corridor.source_country, corridor.destination_country),
        advice_block(tr, comparison),
    ]
    return [block for block in blocks if block]


def has_details(comparison: Comparison) -> bool:
    """Whether the first answer is a short list with details to ask for."""
    return comparison.status is ComparisonStatus.OK


def heading(tr: Translator, comparison: Comparison, corridor: SendingCorridor) -> str:
    request = comparison.request
    title = tr.gettext("Sending %(amount)s from %(source)s to %(destination)s") % {
        "amount": money(tr, request.amount, request.currency),
        "source": esc(tr.country(corridor.source_country)),
        "destination": esc(tr.country(corridor.destination_country)),
    }
    text = f"<b>{title}</b>"
    if corridor.leaving:
        text += "\n" + tr.gettext("These are the costs from %(country)s, where you are going.") % {
            "country": esc(tr.country(corridor.source_country))
        }
    return text


def route(tr: Translator, corridor: SendingCorridor) -> dict[str, str]:
    """The two countries, for the texts that say "sending money from %(source)s to ..."."""
    return {
        "source": esc(tr.country(corridor.source_country)),
        "destination": esc(tr.country(corridor.destination_country)),
    }


# --- the short list ------------------------------------------------------------------------


def short_list(tr: Translator, comparison: Comparison, corridor: SendingCorridor) -> list[str]:
    """The best few services with what the family receives and the cost; the rate used, with
    its date; the source. Everything else is in the details."""
    shown = comparison.ranked[:SHORT_LIST_LENGTH]
    lines = [short_line(tr, offer, comparison) for offer in shown]
    if len(comparison.offers) > len(shown):
        lines.append(tr.gettext("More services in the details."))
    blocks = [
        heading(tr, comparison, corridor),
        "\n".join(lines),
        rates_block(tr, comparison),
        attribution_block(tr, comparison),
    ]
    return [block for block in blocks if block]


def short_line(tr: Translator, offer: Offer, comparison: Comparison) -> str:
    """ "1. MoneyGram — your family receives about ₱12,627 (cost 1.3%)"."""
    assert offer.received is not None and offer.cost_pct is not None
    values = {
        "service": f"<b>{tr.format_number(offer.rank or 0)}. {esc(offer.firm)}</b>",
        "percent": percent(tr, offer.cost_pct, "#,##0.#%"),
    }
    if offer.received_abroad is not None and comparison.receive_currency:
        values["amount"] = whole_money(tr, offer.received_abroad, comparison.receive_currency)
        template = tr.gettext(
            "%(service)s — your family receives about %(amount)s (cost %(percent)s)"
        )
    else:
        assert comparison.send_currency is not None
        values["amount"] = money(tr, offer.received, comparison.send_currency)
        template = tr.gettext("%(service)s — your family receives %(amount)s (cost %(percent)s)")
    return template % values


# --- the details -----------------------------------------------------------------------------


def details_blocks(tr: Translator, comparison: Comparison, corridor: SendingCorridor) -> list[str]:
    """Every ranked service with its fee, exchange-rate margin, speed, payout and transparency;
    the services not ranked; the average against the SDG targets; advice; the sources."""
    assert comparison.period is not None and comparison.send_currency is not None
    blocks = [
        heading(tr, comparison, corridor)
        + "\n"
        + tr.gettext(
            "Services are ranked by what your family receives. Prices were observed in "
            "%(period)s; the costs on your amount are estimates."
        )
        % {"period": quarter(tr, comparison.period)}
        + "\n"
        + tr.gettext(labels.MARGIN_EXPLAINED)
    ]
    shared = shared_transparency(comparison.ranked)
    blocks += [offer_block(tr, offer, comparison, shared is None) for offer in comparison.ranked]
    if comparison.hidden_margin:
        blocks.append(hidden_margin_block(tr, comparison.hidden_margin))
    notes = [observed_amounts_line(tr, comparison)]
    if shared is not None:
        notes.append(tr.gettext(labels.TRANSPARENCY[shared]))
    blocks.append("\n".join(note for note in notes if note))
    blocks.append(average_block(tr, comparison.average, corridor))
    if comparison.payout_differences:
        blocks.append(payout_block(tr, comparison))
    blocks.append(advice_block(tr, comparison))
    blocks.append(rates_block(tr, comparison))
    blocks.append(attribution_block(tr, comparison))
    return [block for block in blocks if block]


def average_only_answer(
    tr: Translator, comparison: Comparison, corridor: SendingCorridor
) -> list[str]:
    return [
        heading(tr, comparison, corridor)
        + "\n"
        + tr.gettext(
            "There are no prices of individual services for sending money from %(source)s "
            "to %(destination)s, only the average cost."
        )
        % route(tr, corridor),
        average_block(tr, comparison.average, corridor),
        advice_block(tr, comparison),
        attribution_block(tr, comparison),
    ]


def shared_transparency(offers: tuple[Offer, ...]) -> Transparency | None:
    """The transparency every ranked offer has, said once rather than under each offer."""
    found = {offer.transparency for offer in offers}
    return found.pop() if len(found) == 1 else None


def offer_block(
    tr: Translator, offer: Offer, comparison: Comparison, with_transparency: bool
) -> str:
    currency = comparison.send_currency
    assert currency is not None and offer.received is not None and offer.cost is not None
    assert offer.cost_pct is not None and offer.sdg is not None
    received = money(tr, offer.received, currency)
    if offer.received_abroad is not None and comparison.receive_currency:
        receives = tr.gettext("Your family receives %(amount)s (about %(abroad)s)") % {
            "amount": received,
            "abroad": money(tr, offer.received_abroad, comparison.receive_currency),
        }
    else:
        receives = tr.gettext("Your family receives %(amount)s") % {"amount": received}
    lines = [
        f"<b>{tr.format_number(offer.rank or 0)}. {esc(offer.firm)}</b>",
        receives,
        tr.gettext("Cost: %(cost)s, %(percent)s of your amount, %(sdg)s")
        % {
            "cost": money(tr, offer.cost, currency),
            "percent": percent(tr, offer.cost_pct),
            "sdg": tr.gettext(labels.SDG[offer.sdg]) % sdg_targets(tr),
        },
        cost_basis_line(tr, offer, currency),
        *service_lines(tr, offer),
        tr.gettext(labels.TRANSPARENCY[offer.transparency]) if with_transparency else "",
    ]
    if offer.fee_exceeds_amount:
        lines.append(tr.gettext("On this amount the cost takes everything you send."))
    return "\n".join(line for line in lines if line)


def cost_basis_line(tr: Translator, offer: Offer, currency: str) -> str:
    if offer.cost_basis is CostBasis.FEE_AND_MARGIN:
        assert offer.fee is not None and offer.fx_margin_pct is not None
        return tr.gettext("Fee %(fee)s + exchange-rate margin %(margin)s") % {
            "fee": money(tr, offer.fee, currency),
            "margin": percent(tr, offer.fx_margin_pct),
        }
    if offer.cost_basis is CostBasis.TOTAL_PERCENT and offer.total_cost_pct is not None:
        return tr.gettext(
            "Estimated from the total cost published for this service: %(percent)s"
        ) % {"percent": percent(tr, offer.total_cost_pct)}
    return ""


def service_lines(tr: Translator, offer: Offer) -> list[str]:
    """Speed, payout and how the sender pays, where the data says (and we can word it)."""
    lines = []
    if offer.speed is not None:
        lines.append(
            tr.gettext("Arrives %(speed)s") % {"speed": tr.gettext(labels.SPEED[offer.speed])}
        )
    methods = [
        tr.gettext(labels.PAYOUT[m]) for m in labels.PAYOUT_ORDER if m in offer.payout_methods
    ]
    if methods:
        lines.append(tr.gettext("Paid out %(methods)s") % {"methods": listed(tr, methods)})
    instrument = known_label(labels.PAYMENT_INSTRUMENT, offer.payment_instrument)
    if instrument:
        lines.append(
            tr.gettext("You pay by %(instrument)s") % {"instrument": tr.gettext(instrument)}
        )
    access = known_label(labels.ACCESS_POINT, offer.access_point)
    if access:
        lines.append(tr.gettext("You send it %(where)s") % {"where": tr.gettext(access)})
    return lines


def known_label(table: dict[str, str], value: str | None) -> str | None:
    """The label for a dataset text this table knows; None for anything else."""
    return table.get(value.strip().casefold()) if value else None


def hidden_margin_block(tr: Translator, offers: tuple[Offer, ...]) -> str:
    firms = listed(tr, sorted({esc(offer.firm) for offer in offers}))
    return tr.gettext(
        "Not ranked, because they do not disclose their exchange-rate margin, so their cost "
        "cannot be estimated: %(firms)s."
    ) % {"firms": firms}


def observed_amounts_line(tr: Translator, comparison: Comparison) -> str:
    currency = comparison.send_currency
    amounts = sorted({o.observed_amount for o in comparison.offers if o.observed_amount})
    if not amounts or currency is None:
        return ""
    return tr.gettext(
        "The prices were observed on transfers of %(amounts)s; on other amounts the costs "
        "are estimates."
    ) % {"amounts": listed(tr, (money(tr, amount, currency) for amount in amounts))}


def average_block(
    tr: Translator, average: CorridorAverage | None, corridor: SendingCorridor
) -> str:
    lines = []
    if average is not None:
        values = {
            "percent": percent(tr, average.total_cost_pct),
            "period": quarter(tr, average.period),
            "basis": tr.gettext(labels.AVERAGE_BASIS[average.basis]),
            **route(tr, corridor),
        }
        if average.amount is not None and average.currency:
            values["amount"] = money(tr, average.amount, average.currency)
            text = tr.gettext(
                "Average cost of sending money from %(source)s to %(destination)s: "
                "%(percent)s on transfers of %(amount)s in %(period)s (%(basis)s)"
            )
        else:
            text = tr.gettext(
                "Average cost of sending money from %(source)s to %(destination)s: "
                "%(percent)s in %(period)s (%(basis)s)"
            )
        band = tr.gettext(labels.SDG[average.sdg]) % sdg_targets(tr)
        lines.append(f"{text % values}, {band}.")
    lines.append(
        tr.gettext(
            "The UN Sustainable Development Goals (SDG 10.c) aim for an average cost below "
            "%(target)s by 2030, and at most %(ceiling)s from any country to any other."
        )
        % sdg_targets(tr)
    )
    return "\n".join(lines)


def payout_block(tr: Translator, comparison: Comparison) -> str:
    currency = comparison.send_currency
    assert currency is not None
    lines = [tr.gettext("<b>Into an account or in cash</b>")]
    lines += [payout_line(tr, difference, currency) for difference in comparison.payout_differences]
    return "\n".join(lines)


#: What gettext, which counts in whole numbers, is given for a fraction: a number every
#: catalogue reads in the form fractions take ("1.5 points"; Arabic's singular).
FRACTION = 100


def plural_number(value: Decimal) -> int:
    """The number to choose a plural form by: a whole value itself, a fraction ``FRACTION``."""
    return int(value) if value == value.to_integral_value() else FRACTION


def payout_line(tr: Translator, difference: PayoutDifference, currency: str) -> str:
    shown = abs(difference.difference_pct_points).quantize(Decimal("0.01"))  # as "#,##0.##"
    values = {
        "firm": esc(difference.firm),
        "points": tr.isolate(numbers.format_decimal(shown, "#,##0.##", locale=tr.locale)),
        "amount": money(tr, abs(difference.difference), currency),
    }
    points = plural_number(shown)
    if difference.difference_pct_points > 0:
        template = tr.ngettext(
            "%(firm)s: cash pickup costs %(points)s percentage point more than payment into "
            "an account (%(amount)s more on your amount).",
            "%(firm)s: cash pickup costs %(points)s percentage points more than payment into "
            "an account (%(amount)s more on your amount).",
            points,
        )
    elif difference.difference_pct_points < 0:
        template = tr.ngettext(
            "%(firm)s: cash pickup costs %(points)s percentage point less than payment into "
            "an account (%(amount)s less on your amount).",
            "%(firm)s: cash pickup costs %(points)s percentage points less than payment into "
            "an account (%(amount)s less on your amount).",
            points,
        )
    else:
        template = tr.gettext("%(firm)s: cash pickup and payment into an account cost the same.")
    return "• " + template % values


def advice_block(tr: Translator, comparison: Comparison) -> str:
    if not comparison.advice:
        return ""
    lines = [tr.gettext("<b>Good to know</b>")]
    lines += [f"• {tr.gettext(labels.ADVICE[advice])}" for advice in comparison.advice]
    return "\n".join(lines)


def rates_block(tr: Translator, comparison: Comparison) -> str:
    """The exchange rates used: source and date, or plainly that there is none."""
    lines = []
    if comparison.amount_rate is not None:
        lines.append(
            tr.gettext("Your amount was converted at: %(rate)s")
            % {"rate": rate_text(tr, comparison.amount_rate)}
        )
    quote = comparison.receive_rate
    if quote is None or quote.status is RateStatus.NO_RATE:
        currency = comparison.receive_currency or "?"
        lines.append(
            tr.gettext(
                "No exchange rate is available for %(currency)s, so the amount in %(currency)s "
                "is not shown."
            )
            % {"currency": currency}
        )
    elif quote.status is not RateStatus.SAME_CURRENCY:
        lines.append(tr.gettext("Exchange rate: %(rate)s") % {"rate": rate_text(tr, quote)})
    return "\n".join(lines)


def rate_text(tr: Translator, quote: RateQuote) -> str:
    """ "1 GBP = 77.5 PHP (European Central Bank reference rate of 30 September 2025)"."""
    assert quote.rate is not None and quote.rate_date is not None  # callers check NO_RATE
    source = labels.RATE_SOURCE.get(quote.source or "")
    text = tr.gettext("%(pair)s (%(source)s reference rate of %(date)s)") % {
        "pair": tr.isolate(
            f"1 {quote.from_currency} = {rate_number(tr, quote.rate)} {quote.to_currency}"
        ),
        "source": esc(tr.gettext(source) if source else quote.source or ""),
        "date": tr.format_date(quote.rate_date, "long"),
    }
    if quote.status is RateStatus.STALE:
        text += "\n" + tr.gettext("This is the latest rate we have, but it is several days old.")
    return text


def no_rate_for_amount(tr: Translator, comparison: Comparison, corridor: SendingCorridor) -> str:
    return tr.gettext(
        "The prices for sending money from %(source)s to %(destination)s are in %(currency)s, "
        "and no exchange rate is available to convert your amount, so I cannot compare them "
        "now."
    ) % {"currency": comparison.send_currency or "?", **route(tr, corridor)}


def no_data_intro(tr: Translator, source: str | None, destination: str) -> str:
    if source is None:
        return tr.gettext("We have no cost figures for sending money from where you live yet.")
    return tr.gettext(
        "We have no cost figures for sending money from %(source)s to %(destination)s yet."
    ) % {"source": esc(tr.country(source)), "destination": esc(tr.country(destination))}


def attribution_block(tr: Translator, comparison: Comparison) -> str:
    """The data's credit lines, as its licence asks, in the member's language."""
    return "\n".join(f"<i>{attribution_line(tr, text)}</i>" for text in comparison.attributions)


def attribution_line(tr: Translator, text: str) -> str:
    """A credit line worded in the member's language, every name (publisher, data set,
    licence, adapter) kept as published; a line of unknown shape exactly as published."""
    credit = parse_attribution(text)
    if credit is None:
        return esc(text)
    values = {
        "publisher": tr.isolate(esc(credit.publisher)),
        "dataset": tr.isolate(esc(credit.dataset)),
        "period": quarter(tr, credit.period),
        "licence": tr.isolate(esc(credit.licence)),
    }
    if credit.adapted_by is None:
        return tr.gettext("Source: %(publisher)s, %(dataset)s, %(period)s (%(licence)s)") % values
    values["adapter"] = tr.isolate(esc(credit.adapted_by))
    return (
        tr.gettext(
            "Source: %(publisher)s, %(dataset)s, %(period)s (%(licence)s), adapted by %(adapter)s"
        )
        % values
    )


# --- fitting Telegram's limit ------------------------------------------------------------------


def split_messages(blocks: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join blocks with blank lines into as few messages as fit ``limit``; a block is never
    cut unless it alone is too long (then it is cut between lines)."""
    messages: list[str] = []
    current = ""
    for piece in (p for block in blocks for p in fit_block(block, limit)):
        candidate = f"{current}\n\n{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = piece
    if current:
        messages.append(current)
    return messages


def fit_block(block: str, limit: int) -> list[str]:
    if len(block) <= limit:
        return [block]
    pieces: list[str] = []
    current = ""
    for line in block.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
        else:
            if current:
                pieces.append(current)
            current = line[:limit]
    if current:
        pieces.append(current)
    return pieces
