"""SQL for remittance data: imported price rows, corridor averages and the exchange-rate cache.

Decimals go in and come out as decimal TEXT, so no figure is rounded through a float.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.storage.database import Database, Row, Transaction, utc_now_iso


@dataclass(frozen=True)
class PriceRecord:
    """One price observation (a firm's service in a corridor and quarter), as stored."""

    period: str
    source_country: str
    destination_country: str
    firm: str
    firm_type: str | None
    payment_instrument: str | None
    access_point: str | None
    speed: str | None
    pickup_method: str | None
    currency: str
    amount: Decimal | None
    fee: Decimal | None
    fx_margin_pct: Decimal | None
    total_cost_pct: Decimal
    transparent: bool | None
    attribution: str


@dataclass(frozen=True)
class CorridorAverageRecord:
    """A corridor's published average total cost in one quarter, as stored."""

    source_country: str
    destination_country: str
    period: str
    currency: str
    amount: Decimal
    average_total_cost_pct: Decimal
    firms: int | None
    services: int | None
    attribution: str


@dataclass(frozen=True)
class CachedRate:
    """A currency's last known euro reference rate."""

    currency: str
    per_euro: Decimal
    rate_date: date
    source: str


def _decimal_or_none(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _text_or_none(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _transparent_to_text(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def _row_to_price(row: Row) -> PriceRecord:
    transparent = row["transparent"]
    return PriceRecord(
        period=row["period"],
        source_country=row["source_country"],
        destination_country=row["destination_country"],
        firm=row["firm"],
        firm_type=row["firm_type"],
        payment_instrument=row["payment_instrument"],
        access_point=row["access_point"],
        speed=row["speed"],
        pickup_method=row["pickup_method"],
        currency=row["currency"],
        amount=_decimal_or_none(row["amount"]),
        fee=_decimal_or_none(row["fee"]),
        fx_margin_pct=_decimal_or_none(row["fx_margin_pct"]),
        total_cost_pct=Decimal(row["total_cost_pct"]),
        transparent=None if transparent is None else transparent == "yes",
        attribution=row["attribution"],
    )


def _row_to_average(row: Row) -> CorridorAverageRecord:
    return CorridorAverageRecord(
        source_country=row["source_country"],
        destination_country=row["destination_country"],
        period=row["period"],
        currency=row["currency"],
        amount=Decimal(row["amount"]),
        average_total_cost_pct=Decimal(row["average_total_cost_pct"]),
        firms=row["firms"],
        services=row["services"],
        attribution=row["attribution"],
    )


def _row_to_rate(row: Row) -> CachedRate:
    return CachedRate(
        currency=row["currency"],
        per_euro=Decimal(row["per_euro"]),
        rate_date=date.fromisoformat(row["rate_date"]),
        source=row["source"],
    )


class RemittanceRepository:
    """Reads and writes ``remittance_prices``, ``remittance_corridor_averages`` and ``fx_rates``."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def replace_prices(self, records: Iterable[PriceRecord], source_file: str) -> int:
        """Store ``records``, replacing what was stored for each of their corridor-quarters.

        Re-importing a file therefore never duplicates rows. Returns the number stored.
        """
        records = list(records)
        keys = {(r.source_country, r.destination_country, r.period) for r in records}
        now = utc_now_iso()
        async with self.database.transaction() as tx:
            for source, destination, period in sorted(keys):
                await tx.execute(
                    "DELETE FROM remittance_prices WHERE source_country = ?"
                    " AND destination_country = ? AND period = ?",
                    (source, destination, period),
                )
            for record in records:
                await _insert_price(tx, record, source_file, now)
        return len(records)

    async def replace_averages(
        self, records: Iterable[CorridorAverageRecord], source_file: str
    ) -> int:
        """Store corridor averages, replacing any for the same corridor and quarter."""
        records = list(records)
        now = utc_now_iso()
        async with self.database.transaction() as tx:
            for record in records:
                await tx.execute(
                    "INSERT INTO remittance_corridor_averages (source_country,"
                    " destination_country, period, currency, amount, average_total_cost_pct,"
                    " firms, services, attribution, source_file, imported_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (source_country, destination_country, period) DO UPDATE SET"
                    " currency = excluded.currency, amount = excluded.amount,"
                    " average_total_cost_pct = excluded.average_total_cost_pct,"
                    " firms = excluded.firms, services = excluded.services,"
                    " attribution = excluded.attribution, source_file = excluded.source_file,"
                    " imported_at = excluded.imported_at",
                    (
                        record.source_country,
                        record.destination_country,
                        record.period,
                        record.currency,
                        str(record.amount),
                        str(record.average_total_cost_pct),
                        record.firms,
                        record.services,
                        record.attribution,
                        source_file,
                        now,
                    ),
                )
        return len(records)

    async def count_prices(self) -> int:
        row = await self.database.fetch_one("SELECT COUNT(*) FROM remittance_prices")
        return int(row[0]) if row else 0

    async def latest_period(self, source_country: str, destination_country: str) -> str | None:
        """The most recent quarter with prices for the corridor, or None."""
        row = await self.database.fetch_one(
            "SELECT MAX(period) FROM remittance_prices"
            " WHERE source_country = ? AND destination_country = ?",
            (source_country, destination_country),
        )
        return row[0] if row else None

    async def prices(
        self, source_country: str, destination_country: str, period: str
    ) -> list[PriceRecord]:
        """The corridor's price rows for one quarter, in import order."""
        rows = await self.database.fetch_all(
            "SELECT * FROM remittance_prices WHERE source_country = ?"
            " AND destination_country = ? AND period = ? ORDER BY id",
            (source_country, destination_country, period),
        )
        return [_row_to_price(row) for row in rows]

    async def latest_average(
        self, source_country: str, destination_country: str
    ) -> CorridorAverageRecord | None:
        """The corridor's most recent published average, or None."""
        row = await self.database.fetch_one(
            "SELECT * FROM remittance_corridor_averages WHERE source_country = ?"
            " AND destination_country = ? ORDER BY period DESC LIMIT 1",
            (source_country, destination_country),
        )
        return _row_to_average(row) if row else None

    async def save_rates(self, rates: Iterable[CachedRate]) -> None:
        """Upsert euro reference rates; currencies not given keep their older rows."""
        now = utc_now_iso()
        async with self.database.transaction() as tx:
            for rate in rates:
                await tx.execute(
                    "INSERT INTO fx_rates (currency, per_euro, rate_date, source, fetched_at)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (currency) DO UPDATE SET"
                    " per_euro = excluded.per_euro, rate_date = excluded.rate_date,"
                    " source = excluded.source, fetched_at = excluded.fetched_at",
                    (
                        rate.currency,
                        str(rate.per_euro),
                        rate.rate_date.isoformat(),
                        rate.source,
                        now,
                    ),
                )

    async def cached_rate(self, currency: str) -> CachedRate | None:
        row = await self.database.fetch_one(
            "SELECT * FROM fx_rates WHERE currency = ?", (currency,)
        )
        return _row_to_rate(row) if row else None


async def _insert_price(tx: Transaction, record: PriceRecord, source_file: str, now: str) -> None:
    await tx.insert(
        "INSERT INTO remittance_prices (period, source_country, destination_country, firm,"
        " firm_type, payment_instrument, access_point, speed, pickup_method, currency, amount,"
        " fee, fx_margin_pct, total_cost_pct, transparent, attribution, source_file, imported_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            record.period,
            record.source_country,
            record.destination_country,
            record.firm,
            record.firm_type,
            record.payment_instrument,
            record.access_point,
            record.speed,
            record.pickup_method,
            record.currency,
            _text_or_none(record.amount),
            _text_or_none(record.fee),
            _text_or_none(record.fx_margin_pct),
            str(record.total_cost_pct),
            _transparent_to_text(record.transparent),
            record.attribution,
            source_file,
            now,
        ),
    )
