"""The operator's import: what it stores, what it rejects and how it says so."""

from __future__ import annotations

from pathlib import Path

from bot.remittance.cli import (
    SAMPLE_AVERAGES,
    SAMPLE_PRICES,
    FileLayout,
    FileProblem,
    format_report,
    import_file,
    import_sample,
    import_sample_if_empty,
)
from bot.remittance.rpw import RejectReason
from bot.storage.database import Database
from bot.storage.remittance import RemittanceRepository

HEADER = (
    "period,source_code,destination_code,firm,payment instrument,speed actual,"
    "cc1 lcu amount,cc1 lcu code,cc1 lcu fee,cc1 fx margin,cc1 total cost %,transparent,"
    "pickup method\n"
)
GOOD = "Q3 2025,GB,PH,Xoom,,,120,GBP,1.99,2.81,4.47,,Account payout\n"


def write(tmp_path: Path, body: str, name: str = "prices.csv") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


async def test_the_shipped_sample_imports_without_a_reject(database: Database) -> None:
    reports = await import_sample(database)
    assert [(r.layout, r.rejected, r.problem) for r in reports] == [
        (FileLayout.CORRIDOR_AVERAGES, (), None),
        (FileLayout.PRICES, (), None),
    ]
    source_rows = len(SAMPLE_PRICES.read_text().splitlines()) - 1
    average_rows = len(SAMPLE_AVERAGES.read_text().splitlines()) - 1
    assert [r.imported for r in reports] == [average_rows, source_rows]


async def test_importing_twice_replaces_rather_than_duplicates(database: Database) -> None:
    await import_sample(database)
    await import_sample(database)
    repository = RemittanceRepository(database)
    assert await repository.count_prices() == len(SAMPLE_PRICES.read_text().splitlines()) - 1
    assert len(await repository.prices("GB", "PH", "2025-Q3")) == 2


async def test_the_first_start_import_runs_only_on_an_empty_database(database: Database) -> None:
    first = await import_sample_if_empty(database)
    second = await import_sample_if_empty(database)
    assert len(first) == 2 and second == []


async def test_each_bad_row_is_rejected_with_its_row_column_and_reason(
    database: Database, tmp_path: Path
) -> None:
    rows = [
        GOOD,  # row 2
        "Q3 2025,GB,XX,Firm A,,,120,GBP,1,1,1.83,,Cash\n",  # 3: unknown country
        "Q3 2025,GB,PH,Firm B,,,120,GBP,abc,1,2,,Cash\n",  # 4: fee not a number
        "Q3 2025,GB,PH,Firm C,,,120,GBP,-1,1,2,,Cash\n",  # 5: negative fee
        "Q3 2025,GB,PH,Firm D,,,120,GBP,1.99,2.81,9.99,,Cash\n",  # 6: 1.658+2.81 is not 9.99
        "Q3 2025,GB,PH,Firm E,,,120,XYZ,1,1,1.83,,Cash\n",  # 7: unknown currency
        "last year,GB,PH,Firm F,,,120,GBP,1,1,1.83,,Cash\n",  # 8: period
        "Q3 2025,GB,PH,Firm G,,warp speed,120,GBP,1,1,1.83,,Cash\n",  # 9: speed
        "Q3 2025,GB,PH,Firm H,,,120,GBP,1,1,1.83,maybe,Cash\n",  # 10: transparent
        "Q3 2025,GB,PH,,,,120,GBP,1,1,1.83,,Cash\n",  # 11: no firm
        "Q3 2025,GB,GB,Firm I,,,120,GBP,1,1,1.83,,Cash\n",  # 12: same country
        "Q3 2025,GB,PH,Firm J,,,120,GBP,1,1,1.83\n",  # 13: too few cells
        GOOD,  # 14: duplicate of row 2
        "Q3 2025,GB,PH,Firm K,,,120,GBP,1,1,250,,Cash\n",  # 15: total out of range
    ]
    report = await import_file(database, write(tmp_path, HEADER + "".join(rows)))
    found = [(r.row, r.column, r.reason) for r in report.rejected]
    assert found == [
        (3, "destination_code", RejectReason.UNKNOWN_COUNTRY),
        (4, "cc1 lcu fee", RejectReason.NOT_A_NUMBER),
        (5, "cc1 lcu fee", RejectReason.OUT_OF_RANGE),
        (6, "cc1 total cost %", RejectReason.INCONSISTENT_TOTAL),
        (7, "cc1 lcu code", RejectReason.UNKNOWN_CURRENCY),
        (8, "period", RejectReason.BAD_PERIOD),
        (9, "speed actual", RejectReason.UNKNOWN_SPEED),
        (10, "transparent", RejectReason.BAD_TRANSPARENCY),
        (11, "firm", RejectReason.MISSING_VALUE),
        (12, "destination_code", RejectReason.SAME_COUNTRY),
        (13, "(whole row)", RejectReason.WRONG_FIELD_COUNT),
        (14, "(whole row)", RejectReason.DUPLICATE_ROW),
        (15, "cc1 total cost %", RejectReason.OUT_OF_RANGE),
    ]
    assert report.imported == 1
    assert [p.firm for p in await RemittanceRepository(database).prices("GB", "PH", "2025-Q3")] == [
        "Xoom"
    ]


async def test_the_report_names_the_file_row_and_column(database: Database, tmp_path: Path) -> None:
    body = HEADER + GOOD + "Q3 2025,GB,PH,Firm D,,,120,GBP,1.99,2.81,9.99,,Cash\n"
    text = format_report(await import_file(database, write(tmp_path, body, "rpw-2025q3.csv")))
    first, second = text.splitlines()
    assert "rpw-2025q3.csv" in first and "1 row(s) imported, 1 rejected" in first
    assert second.startswith("rpw-2025q3.csv: row 3, column 'cc1 total cost %'")
    assert "'9.99'" in second and "4.4683" in second  # the value found and the sum expected


async def test_a_non_transparent_row_is_kept_and_flagged(
    database: Database, tmp_path: Path
) -> None:
    body = HEADER + "Q3 2025,GB,PH,Bank X,,,120,GBP,6,0,5,no,Account\n"
    report = await import_file(database, write(tmp_path, body))
    [stored] = await RemittanceRepository(database).prices("GB", "PH", "2025-Q3")
    assert report.imported == 1
    assert stored.transparent is False


async def test_whole_file_problems(database: Database, tmp_path: Path) -> None:
    missing = await import_file(database, tmp_path / "nowhere.csv")
    empty = await import_file(database, write(tmp_path, "  \n"))
    binary = tmp_path / "sheet.xlsx"
    binary.write_bytes(b"PK\x03\x04\xff\xfe\x00")
    not_text = await import_file(database, binary)
    other = await import_file(database, write(tmp_path, "name,phone\nA,1\n"))
    assert [r.problem for r in (missing, empty, not_text, other)] == [
        FileProblem.NOT_FOUND,
        FileProblem.EMPTY,
        FileProblem.NOT_UTF8,
        FileProblem.UNKNOWN_LAYOUT,
    ]
    assert "nothing imported" in format_report(other)
    assert "cc1 total cost %" in format_report(other)


async def test_an_rpw_file_without_a_required_column_is_refused_whole(
    database: Database, tmp_path: Path
) -> None:
    body = "period,source_code,firm,cc1 lcu code,cc1 total cost %\nQ3 2025,GB,Xoom,GBP,4.47\n"
    report = await import_file(database, write(tmp_path, body))
    [reject] = report.rejected
    assert (reject.row, reject.column, reject.reason) == (
        1,
        "destination_code",
        RejectReason.MISSING_COLUMN,
    )
    assert report.imported == 0


async def test_rpw_codes_and_quarters_are_accepted_in_the_world_banks_own_forms(
    database: Database, tmp_path: Path
) -> None:
    body = HEADER + "2025_3Q,GBR,PHL,Xoom,,Less than one hour,120,gbp,1.99,2.81,4.47,Yes,Cash\n"
    report = await import_file(database, write(tmp_path, body))
    [stored] = await RemittanceRepository(database).prices("GB", "PH", "2025-Q3")
    assert report.ok
    assert (stored.currency, stored.speed, stored.transparent) == (
        "GBP",
        "less_than_one_hour",
        True,
    )
    assert (
        stored.attribution == "Source: World Bank, Remittance Prices Worldwide, Q3 2025 (CC BY 4.0)"
    )


async def test_corridor_average_rejects(database: Database, tmp_path: Path) -> None:
    body = (
        "source_country,destination_code,period,source_amount_gbp,average_total_cost_pct\n"
        "United Kingdom,PH,Q3 2025,120,3.3305\n"
        "Atlantis,PH,Q3 2025,120,3.3\n"
        "United Kingdom,PH,Q3 2025,120,lots\n"
    )
    report = await import_file(database, write(tmp_path, body, "averages.csv"))
    assert report.layout is FileLayout.CORRIDOR_AVERAGES
    assert report.imported == 1
    assert [(r.row, r.column, r.reason) for r in report.rejected] == [
        (3, "source_country", RejectReason.UNKNOWN_COUNTRY),
        (4, "average_total_cost_pct", RejectReason.NOT_A_NUMBER),
    ]


async def test_a_decimal_comma_in_the_csv_is_refused_not_misread(
    database: Database, tmp_path: Path
) -> None:
    # "1,99" must not become 199: RPW files write decimals with a point.
    body = HEADER + '"Q3 2025",GB,PH,Xoom,,,120,GBP,"1,99",2.81,4.47,,Account\n'
    report = await import_file(database, write(tmp_path, body))
    [reject] = report.rejected
    assert (reject.row, reject.column, reject.reason) == (
        2,
        "cc1 lcu fee",
        RejectReason.NOT_A_NUMBER,
    )
