"""The operator's import: ``python main.py remittance import FILE``, and the shipped sample.

A file is recognised by its header: the World Bank RPW price layout, or a corridor-averages
table. Rows that fail a check are reported by row number, column and reason; the rest are
stored, replacing earlier figures for the same corridor and quarter.
"""

from __future__ import annotations

import csv
import enum
import io
from dataclasses import dataclass, field
from pathlib import Path

from bot.remittance.averages import is_averages_header, read_average_rows
from bot.remittance.rpw import REQUIRED_COLUMNS, Reject, RejectReason, read_price_rows
from bot.storage.database import Database
from bot.storage.remittance import RemittanceRepository

SAMPLE_DIR = Path(__file__).resolve().parent / "data"
SAMPLE_PRICES = SAMPLE_DIR / "uk-outbound-prices-q3-2025.csv"
SAMPLE_AVERAGES = SAMPLE_DIR / "uk-corridor-averages-q3-2025.csv"


class FileLayout(enum.StrEnum):
    PRICES = "prices"  # World Bank RPW layout
    CORRIDOR_AVERAGES = "corridor_averages"
    UNKNOWN = "unknown"


class FileProblem(enum.StrEnum):
    """Why a whole file could not be read."""

    NOT_FOUND = "not_found"
    NOT_UTF8 = "not_utf8"
    EMPTY = "empty"
    UNKNOWN_LAYOUT = "unknown_layout"


@dataclass(frozen=True)
class ImportReport:
    """What one import did: rows stored, rows refused and why."""

    path: Path
    layout: FileLayout
    imported: int = 0
    rejected: tuple[Reject, ...] = field(default=())
    problem: FileProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.rejected


async def import_file(database: Database, path: Path) -> ImportReport:
    """Check and store one CSV file; never raises for bad content."""
    text, problem = _read_text(path)
    if problem is not None:
        return ImportReport(path, FileLayout.UNKNOWN, problem=problem)
    layout = detect_layout(text)
    repository = RemittanceRepository(database)
    if layout is FileLayout.PRICES:
        prices = read_price_rows(io.StringIO(text, newline=""))
        stored = await repository.replace_prices(prices.records, path.name)
        return ImportReport(path, layout, stored, tuple(prices.rejects))
    if layout is FileLayout.CORRIDOR_AVERAGES:
        averages = read_average_rows(io.StringIO(text, newline=""))
        stored = await repository.replace_averages(averages.records, path.name)
        return ImportReport(path, layout, stored, tuple(averages.rejects))
    return ImportReport(path, layout, problem=FileProblem.UNKNOWN_LAYOUT)


def _read_text(path: Path) -> tuple[str, FileProblem | None]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (FileNotFoundError, IsADirectoryError):
        return "", FileProblem.NOT_FOUND
    except UnicodeDecodeError:
        return "", FileProblem.NOT_UTF8
    return text, None if text.strip() else FileProblem.EMPTY


def detect_layout(text: str) -> FileLayout:
    """Which layout a CSV's header row belongs to."""
    header = next(csv.reader(io.StringIO(text, newline="")), [])
    names = {name.strip().casefold() for name in header}
    if "cc1 total cost %" in names:
        return FileLayout.PRICES
    if is_averages_header(names):
        return FileLayout.CORRIDOR_AVERAGES
    return FileLayout.UNKNOWN


async def import_sample(database: Database) -> list[ImportReport]:
    """Load the dataset shipped with the code (corridor averages, then prices)."""
    return [await import_file(database, path) for path in (SAMPLE_AVERAGES, SAMPLE_PRICES)]


async def import_sample_if_empty(database: Database) -> list[ImportReport]:
    """At first start: load the sample when no prices are stored; else do nothing."""
    if await RemittanceRepository(database).count_prices():
        return []
    return await import_sample(database)


_PROBLEM_TEXT = {
    FileProblem.NOT_FOUND: "file not found",
    FileProblem.NOT_UTF8: "not UTF-8 text (save the sheet as CSV UTF-8)",
    FileProblem.EMPTY: "the file is empty",
    FileProblem.UNKNOWN_LAYOUT: (
        "unknown layout: expected the World Bank RPW columns ("
        + ", ".join(REQUIRED_COLUMNS)
        + ") or a corridor-averages table"
    ),
}
_REASON_TEXT = {
    RejectReason.MISSING_COLUMN: "required column missing",
    RejectReason.MISSING_VALUE: "empty, but required",
    RejectReason.NOT_A_NUMBER: "not a number",
    RejectReason.OUT_OF_RANGE: "out of range",
    RejectReason.UNKNOWN_COUNTRY: "not a known country",
    RejectReason.SAME_COUNTRY: "same as the source country",
    RejectReason.UNKNOWN_CURRENCY: "not an ISO 4217 currency code",
    RejectReason.BAD_PERIOD: "not a quarter",
    RejectReason.UNKNOWN_SPEED: "not an RPW speed band",
    RejectReason.BAD_TRANSPARENCY: "not yes or no",
    RejectReason.INCONSISTENT_TOTAL: "does not match fee and margin",
    RejectReason.DUPLICATE_ROW: "duplicate row",
    RejectReason.WRONG_FIELD_COUNT: "wrong number of cells",
}


def format_report(report: ImportReport) -> str:
    """The operator's summary: one line for the file, then one per rejected row."""
    if report.problem is not None:
        return f"{report.path}: {_PROBLEM_TEXT[report.problem]}; nothing imported."
    lines = [
        f"{report.path}: {report.layout.value.replace('_', ' ')}: "
        f"{report.imported} row(s) imported, {len(report.rejected)} rejected."
    ]
    lines.extend(_reject_line(report.path, reject) for reject in report.rejected)
    return "\n".join(lines)


def _reject_line(path: Path, reject: Reject) -> str:
    line = f"{path.name}: row {reject.row}, column '{reject.column}': {_REASON_TEXT[reject.reason]}"
    if reject.value:
        line += f" ({reject.value!r})"
    if reject.detail:
        line += f"; {reject.detail}"
    return line
