"""Words for every code the remittance service returns, marked for translation.

The service speaks in enums and dataset values; nothing here is shown untranslated. Dataset
texts that are not listed (a payment instrument this table does not know) are left out of
the answer rather than shown in English.
"""

from __future__ import annotations

from bot.i18n import N_
from bot.remittance import (
    Advice,
    AmountProblem,
    AverageBasis,
    PayoutMethod,
    SdgBand,
    Speed,
    Transparency,
)
from bot.remittance.corridor import CorridorProblem

SPEED = {
    Speed.LESS_THAN_ONE_HOUR: N_("in less than an hour"),
    Speed.SAME_DAY: N_("the same day"),
    Speed.NEXT_DAY: N_("the next day"),
    Speed.TWO_DAYS: N_("in two days"),
    Speed.THREE_TO_FIVE_DAYS: N_("in three to five days"),
    Speed.SIX_DAYS_OR_MORE: N_("in six days or more"),
}

PAYOUT = {
    PayoutMethod.ACCOUNT: N_("into a bank account"),
    PayoutMethod.CASH: N_("in cash"),
    PayoutMethod.MOBILE_WALLET: N_("into a mobile wallet"),
}
PAYOUT_ORDER = (PayoutMethod.ACCOUNT, PayoutMethod.MOBILE_WALLET, PayoutMethod.CASH)

#: Said once, where the details first name the margin.
MARGIN_EXPLAINED = N_(
    "The exchange-rate margin is how much less than the official rate the service gives you."
)

TRANSPARENCY = {
    Transparency.DISCLOSED: N_("The exchange-rate margin is disclosed to the sender."),
    Transparency.NOT_DISCLOSED: N_("The exchange-rate margin is not disclosed to the sender."),
    Transparency.NOT_PUBLISHED: N_(
        "The data does not say whether the exchange-rate margin is shown."
    ),
}

SDG = {
    SdgBand.BELOW_TARGET: N_("below the %(target)s target"),
    SdgBand.BETWEEN_TARGET_AND_CEILING: N_("above the %(target)s target, within %(ceiling)s"),
    SdgBand.ABOVE_CEILING: N_("above the %(ceiling)s limit"),
}

AVERAGE_BASIS = {
    AverageBasis.PUBLISHED: N_("as published"),
    AverageBasis.COMPUTED: N_("computed from the services above"),
}

ADVICE = {
    Advice.COMPARE_TOTAL_COST: N_(
        "Compare the total cost, the fee and the exchange-rate margin together: a service with "
        "no fee can still cost more through its exchange rate."
    ),
    Advice.ACCOUNT_PAYOUT_CHEAPER: N_(
        "Here, payment into an account costs less than cash pickup. If your family has a bank "
        "account or a mobile wallet, it can be worth using."
    ),
    Advice.CHECK_RATE_BEFORE_SENDING: N_(
        "Exchange rates change every day: check the rate the service offers on the day you send."
    ),
    Advice.FORMAL_CHANNELS_TRACEABLE: N_(
        "Banks, licensed money transfer services and mobile money give you a receipt, a record "
        "of the transfer and a way to complain if something goes wrong."
    ),
    Advice.ASK_FOR_TOTAL_COST: N_(
        "Before you send, ask each service for the total cost: its fee, and the exchange rate "
        "it gives compared with the official rate of the day."
    ),
}

AMOUNT_PROBLEM = {
    AmountProblem.EMPTY: N_("Please type the amount as a number, for example %(example)s."),
    AmountProblem.NOT_A_NUMBER: N_("Please type the amount as a number, for example %(example)s."),
    AmountProblem.ZERO: N_("The amount must be more than zero."),
    AmountProblem.NEGATIVE: N_("The amount cannot be negative."),
    AmountProblem.TOO_LARGE: N_("That is more than this comparison covers (up to %(maximum)s)."),
    AmountProblem.TOO_MANY_DECIMALS: N_("Please use at most two decimal places."),
}

CORRIDOR_PROBLEM = {
    CorridorProblem.NOT_REGISTERED: N_(
        "To compare the cost of sending money home I need to know the country you send from. "
        "Register with /start first: it takes a minute."
    ),
    CorridorProblem.RETURNED: N_(
        "This comparison is for sending money to %(home)s from the country where you live "
        "abroad, and your registration says you live in %(home)s. If you move abroad again, "
        "change your answers with /profile."
    ),
}

# RPW dataset texts, matched case-insensitively.
PAYMENT_INSTRUMENT = {
    "bank account transfer": N_("bank transfer"),
    "bank account": N_("bank transfer"),
    "cash": N_("cash"),
    "credit card": N_("credit card"),
    "debit card": N_("debit card"),
}
ACCESS_POINT = {
    "agent": N_("at an agent"),
    "online": N_("online"),
    "branch": N_("at a branch"),
}

RATE_SOURCE = {"ECB": N_("European Central Bank")}
