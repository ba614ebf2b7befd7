"""Which remittance corridor a member's costs are compared on: from the country they live in
(or are going to) to the home country, paid in that country's currency."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.deployment import Deployment
from bot.registration.answers import MemberType
from bot.registration.draft import Draft
from bot.remittance.compare import destination_currency


class CorridorProblem(enum.StrEnum):
    """Why a member has no corridor to compare remittance costs on."""

    NOT_REGISTERED = "not_registered"  # no country of residence known
    RETURNED = "returned"  # lives in the home country: nothing to send from abroad
    NO_CURRENCY = "no_currency"  # the country has no current currency in CLDR


@dataclass(frozen=True)
class SendingCorridor:
    """Where a member sends money from (residence, or destination when leaving), and to."""

    source_country: str
    destination_country: str
    currency: str  # what the member is paid in: the source country's currency
    receive_currency: str  # what the family receives: the deployment's currency
    leaving: bool  # the source is where the member is going, not where they live yet


def corridor_of(profile: Draft | None, deployment: Deployment) -> SendingCorridor | CorridorProblem:
    """The member's corridor, or why there is none."""
    if profile is None or profile.country is None:
        return CorridorProblem.NOT_REGISTERED
    home = deployment.home_country
    if profile.member_type is MemberType.RETURNED or profile.country == home:
        return CorridorProblem.RETURNED
    currency = destination_currency(profile.country)
    if currency is None:
        return CorridorProblem.NO_CURRENCY
    return SendingCorridor(
        source_country=profile.country,
        destination_country=home,
        currency=currency,
        receive_currency=deployment.currency,
        leaving=profile.member_type is MemberType.LEAVING,
    )
