"""Remittance costs: RPW price data, amounts typed by members, ECB rates, the comparison.

Services here return data and reason codes, never sentences; handlers word them in the
member's language. Every figure shown must carry its ``attributions``.
"""

from bot.remittance.amounts import AmountProblem, ParsedAmount, parse_amount
from bot.remittance.cli import (
    FileLayout,
    FileProblem,
    ImportReport,
    format_report,
    import_file,
    import_sample,
    import_sample_if_empty,
)
from bot.remittance.compare import (
    SDG_CEILING_PCT,
    SDG_TARGET_PCT,
    Advice,
    AverageBasis,
    Comparison,
    ComparisonRequest,
    ComparisonStatus,
    CorridorAverage,
    CostBasis,
    Offer,
    PayoutDifference,
    RemittanceComparer,
    SdgBand,
    Transparency,
    destination_currency,
)
from bot.remittance.fx import (
    ECB_DAILY_URL,
    ExchangeRates,
    RateQuote,
    RateStatus,
    RefreshOutcome,
    RefreshResult,
)
from bot.remittance.rpw import Reject, RejectReason
from bot.remittance.values import PayoutMethod, Quarter, Speed

__all__ = [
    "ECB_DAILY_URL",
    "SDG_CEILING_PCT",
    "SDG_TARGET_PCT",
    "Advice",
    "AmountProblem",
    "AverageBasis",
    "Comparison",
    "ComparisonRequest",
    "ComparisonStatus",
    "CorridorAverage",
    "CostBasis",
    "ExchangeRates",
    "FileLayout",
    "FileProblem",
    "ImportReport",
    "Offer",
    "ParsedAmount",
    "PayoutDifference",
    "PayoutMethod",
    "Quarter",
    "RateQuote",
    "RateStatus",
    "RefreshOutcome",
    "RefreshResult",
    "Reject",
    "RejectReason",
    "RemittanceComparer",
    "SdgBand",
    "Speed",
    "Transparency",
    "destination_currency",
    "format_report",
    "import_file",
    "import_sample",
    "import_sample_if_empty",
    "parse_amount",
]
