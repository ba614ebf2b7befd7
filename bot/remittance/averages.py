"""Reading corridor averages: one row per corridor with its published average total cost.

The layout is that of ``official-corridors.csv`` (World Bank RPW figures for UK outbound,
adapted by Finofin Ltd.): ``source_country, destination_code, period,
source_amount_<currency>, average_total_cost_pct``, optionally ``distinct_firms``,
``service_observations`` and ``attribution``. The basket's currency is named by the amount
column, as in ``source_amount_gbp``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from decimal import Decimal

from bot.remittance.rpw import (
    DEFAULT_ATTRIBUTION,
    PERCENT_RANGE,
    ParsedRows,
    Reject,
    RejectReason,
    Row,
    RowRejected,
    normalise_cells,
)
from bot.remittance.values import is_currency
from bot.storage.remittance import CorridorAverageRecord

REQUIRED_COLUMNS = ("source_country", "destination_code", "period", "average_total_cost_pct")
_AMOUNT_COLUMN = re.compile(r"^source_amount_([a-z]{3})$")


def is_averages_header(fieldnames: Iterable[str]) -> bool:
    """Whether a header names the columns of a corridor-averages file."""
    names = {name.strip().casefold() for name in fieldnames}
    return set(REQUIRED_COLUMNS) <= names


def read_average_rows(lines: Iterable[str]) -> ParsedRows[CorridorAverageRecord]:
    """Check every row of a corridor-averages CSV."""
    reader = csv.DictReader(lines)
    names = [name.strip().casefold() for name in reader.fieldnames or ()]
    missing = [column for column in REQUIRED_COLUMNS if column not in names]
    amount_column = next((name for name in names if _AMOUNT_COLUMN.match(name)), None)
    if amount_column is None:
        missing.append("source_amount_<currency>")
    if missing or amount_column is None:
        return ParsedRows([], [Reject(1, ", ".join(missing), RejectReason.MISSING_COLUMN)])
    currency = amount_column.removeprefix("source_amount_").upper()
    if not is_currency(currency):
        return ParsedRows([], [Reject(1, amount_column, RejectReason.UNKNOWN_CURRENCY, currency)])
    records: list[CorridorAverageRecord] = []
    rejects: list[Reject] = []
    for number, cells in enumerate(reader, start=2):
        row = Row(number, normalise_cells(cells))
        try:
            records.append(_average_record(row, amount_column, currency))
        except RowRejected as rejected:
            rejects.append(rejected.reject)
    return ParsedRows(records, rejects)


def _average_record(row: Row, amount_column: str, currency: str) -> CorridorAverageRecord:
    quarter = row.quarter("period")
    source = row.country("source_country")
    destination = row.country("destination_code")
    if source == destination:
        raise row.reject("destination_code", RejectReason.SAME_COUNTRY)
    amount = row.decimal(amount_column, low=Decimal("0.01"), high=Decimal("1000000"), required=True)
    average = row.decimal(
        "average_total_cost_pct", low=PERCENT_RANGE[0], high=PERCENT_RANGE[1], required=True
    )
    firms = row.decimal("distinct_firms", low=Decimal(0), high=Decimal(100000))
    services = row.decimal("service_observations", low=Decimal(0), high=Decimal(100000))
    assert amount is not None and average is not None  # required=True never returns None
    return CorridorAverageRecord(
        source_country=source,
        destination_country=destination,
        period=quarter.code,
        currency=currency,
        amount=amount,
        average_total_cost_pct=average,
        firms=None if firms is None else int(firms),
        services=None if services is None else int(services),
        attribution=row.text("attribution") or DEFAULT_ATTRIBUTION.format(period=quarter.label),
    )
