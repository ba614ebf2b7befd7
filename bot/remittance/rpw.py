"""Reading and checking price rows in the World Bank RPW column layout.

Each data row is one firm's service in one corridor and quarter. A row that fails a check is
rejected whole, with its row number (as a spreadsheet numbers it: the header is row 1), the
column at fault and a reason code. Rows whose sender is told no exchange margin
(``transparent = no``; the RPW stores their margin as 0) are kept and flagged.
"""

from __future__ import annotations

import csv
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Generic, TypeVar

from bot.remittance.values import Quarter, country_code, is_currency, parse_speed
from bot.storage.remittance import PriceRecord

# Columns as the World Bank names them; a file needs the first group, the rest may be empty.
REQUIRED_COLUMNS = (
    "period",
    "source_code",
    "destination_code",
    "firm",
    "cc1 lcu code",
    "cc1 total cost %",
)
OPTIONAL_COLUMNS = (
    "firm_type",
    "payment instrument",
    "access point",
    "speed actual",
    "pickup method",
    "cc1 lcu amount",
    "cc1 lcu fee",
    "cc1 fx margin",
    "transparent",
    "attribution",  # not an RPW column: the credit line a derived dataset asks for
)
WHOLE_ROW = "(whole row)"

# total cost % = fee / amount x 100 + FX margin %; published figures are rounded.
TOTAL_COST_TOLERANCE = Decimal("0.05")
PERCENT_RANGE = (Decimal("-20"), Decimal("100"))
DEFAULT_ATTRIBUTION = "Source: World Bank, Remittance Prices Worldwide, {period} (CC BY 4.0)"

_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0"})


class RejectReason(enum.StrEnum):
    """Why an imported row (or the whole file) was not accepted."""

    MISSING_COLUMN = "missing_column"
    MISSING_VALUE = "missing_value"
    NOT_A_NUMBER = "not_a_number"
    OUT_OF_RANGE = "out_of_range"
    UNKNOWN_COUNTRY = "unknown_country"
    SAME_COUNTRY = "same_country"
    UNKNOWN_CURRENCY = "unknown_currency"
    BAD_PERIOD = "bad_period"
    UNKNOWN_SPEED = "unknown_speed"
    BAD_TRANSPARENCY = "bad_transparency"
    INCONSISTENT_TOTAL = "inconsistent_total"
    DUPLICATE_ROW = "duplicate_row"
    WRONG_FIELD_COUNT = "wrong_field_count"


@dataclass(frozen=True)
class Reject:
    """One refused row: where, which column, why, and the value found there."""

    row: int
    column: str
    reason: RejectReason
    value: str = ""
    detail: str = ""


T = TypeVar("T")


@dataclass(frozen=True)
class ParsedRows(Generic[T]):
    """The accepted records of a file and the rejects, in file order."""

    records: list[T]
    rejects: list[Reject]


class RowRejected(Exception):
    """Raised by a cell check; carries the reject for the row."""

    def __init__(self, reject: Reject) -> None:
        super().__init__(reject.reason)
        self.reject = reject


class Row:
    """One CSV row with checked accessors that raise RowRejected naming the column."""

    def __init__(self, number: int, cells: Mapping[str, str | None]) -> None:
        self.number = number
        self.cells = cells

    def reject(self, column: str, reason: RejectReason, detail: str = "") -> RowRejected:
        return RowRejected(Reject(self.number, column, reason, self.text(column), detail))

    def text(self, column: str) -> str:
        return (self.cells.get(column) or "").strip()

    def optional_text(self, column: str) -> str | None:
        return self.text(column) or None

    def required_text(self, column: str) -> str:
        value = self.text(column)
        if not value:
            raise self.reject(column, RejectReason.MISSING_VALUE)
        return value

    def country(self, column: str) -> str:
        code = country_code(self.required_text(column))
        if code is None:
            raise self.reject(column, RejectReason.UNKNOWN_COUNTRY)
        return code

    def currency(self, column: str) -> str:
        code = self.required_text(column).upper()
        if not is_currency(code):
            raise self.reject(column, RejectReason.UNKNOWN_CURRENCY)
        return code

    def quarter(self, column: str) -> Quarter:
        quarter = Quarter.parse(self.required_text(column))
        if quarter is None:
            raise self.reject(column, RejectReason.BAD_PERIOD, "expected e.g. Q3 2025 or 2025_3Q")
        return quarter

    def decimal(
        self, column: str, *, low: Decimal, high: Decimal, required: bool = False
    ) -> Decimal | None:
        """A number in [low, high]; None for an empty optional cell."""
        text = self.required_text(column) if required else self.text(column)
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise self.reject(column, RejectReason.NOT_A_NUMBER) from None
        if not value.is_finite():
            raise self.reject(column, RejectReason.NOT_A_NUMBER)
        if not low <= value <= high:
            raise self.reject(column, RejectReason.OUT_OF_RANGE, f"expected {low} to {high}")
        return value


def read_price_rows(lines: Iterable[str]) -> ParsedRows[PriceRecord]:
    """Check every row of an RPW-layout CSV; the header must name the required columns."""
    reader = csv.DictReader(lines)
    missing = _missing_columns(reader.fieldnames, REQUIRED_COLUMNS)
    if missing:
        return ParsedRows([], [_missing_column_reject(missing)])
    records: list[PriceRecord] = []
    rejects: list[Reject] = []
    seen: dict[tuple[str, ...], int] = {}
    for number, cells in enumerate(_normalised_rows(reader), start=2):
        try:
            record = _price_record(Row(number, cells), seen)
        except RowRejected as rejected:
            rejects.append(rejected.reject)
        else:
            records.append(record)
    return ParsedRows(records, rejects)


def _normalised_rows(reader: csv.DictReader[str]) -> Iterable[dict[str, str | None]]:
    for cells in reader:
        yield normalise_cells(cells)


def normalise_cells(cells: Mapping[str | None, object]) -> dict[str, str | None]:
    """Cells keyed by lower-case header names; cells beyond the header are kept under ''."""
    return {(key or "").strip().casefold(): _cell(value) for key, value in cells.items()}


def _cell(value: object) -> str | None:
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return None if value is None else str(value)


def _missing_columns(fieldnames: Iterable[str] | None, required: Iterable[str]) -> list[str]:
    present = {name.strip().casefold() for name in fieldnames or ()}
    return [column for column in required if column not in present]


def _missing_column_reject(missing: list[str]) -> Reject:
    return Reject(1, ", ".join(missing), RejectReason.MISSING_COLUMN, "", "header row")


def _check_field_count(row: Row) -> None:
    if "" in row.cells or any(value is None for value in row.cells.values()):
        raise row.reject(
            WHOLE_ROW, RejectReason.WRONG_FIELD_COUNT, "more or fewer cells than the header"
        )


def _check_not_duplicate(row: Row, seen: dict[tuple[str, ...], int]) -> None:
    key = tuple(row.text(column) for column in sorted(row.cells))
    if key in seen:
        raise row.reject(WHOLE_ROW, RejectReason.DUPLICATE_ROW, f"same as row {seen[key]}")
    seen[key] = row.number


def _price_record(row: Row, seen: dict[tuple[str, ...], int]) -> PriceRecord:
    _check_field_count(row)
    quarter = row.quarter("period")
    source = row.country("source_code")
    destination = row.country("destination_code")
    if source == destination:
        raise row.reject("destination_code", RejectReason.SAME_COUNTRY)
    speed_text = row.text("speed actual")
    speed = parse_speed(speed_text) if speed_text else None
    if speed_text and speed is None:
        raise row.reject("speed actual", RejectReason.UNKNOWN_SPEED)
    amount = row.decimal("cc1 lcu amount", low=Decimal("0.01"), high=Decimal("1000000"))
    fee = row.decimal("cc1 lcu fee", low=Decimal(0), high=Decimal("1000000"))
    margin = row.decimal("cc1 fx margin", low=PERCENT_RANGE[0], high=PERCENT_RANGE[1])
    total = row.decimal(
        "cc1 total cost %", low=PERCENT_RANGE[0], high=PERCENT_RANGE[1], required=True
    )
    assert total is not None  # required=True never returns None
    _check_total(row, amount, fee, margin, total)
    record = PriceRecord(
        period=quarter.code,
        source_country=source,
        destination_country=destination,
        firm=row.required_text("firm"),
        firm_type=row.optional_text("firm_type"),
        payment_instrument=row.optional_text("payment instrument"),
        access_point=row.optional_text("access point"),
        speed=speed.value if speed else None,
        pickup_method=row.optional_text("pickup method"),
        currency=row.currency("cc1 lcu code"),
        amount=amount,
        fee=fee,
        fx_margin_pct=margin,
        total_cost_pct=total,
        transparent=_transparency(row),
        attribution=row.text("attribution") or DEFAULT_ATTRIBUTION.format(period=quarter.label),
    )
    _check_not_duplicate(row, seen)
    return record


def _check_total(
    row: Row, amount: Decimal | None, fee: Decimal | None, margin: Decimal | None, total: Decimal
) -> None:
    """Where fee, amount and margin are all given, they must add up to the total cost %."""
    if amount is None or fee is None or margin is None:
        return
    expected = fee / amount * 100 + margin
    if abs(expected - total) > TOTAL_COST_TOLERANCE:
        detail = f"fee / amount x 100 + margin = {expected:.4f}, not {total}"
        raise row.reject("cc1 total cost %", RejectReason.INCONSISTENT_TOTAL, detail)


def _transparency(row: Row) -> bool | None:
    text = row.text("transparent").casefold()
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise row.reject("transparent", RejectReason.BAD_TRANSPARENCY, "expected yes or no")
