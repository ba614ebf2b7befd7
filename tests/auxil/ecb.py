"""An offline European Central Bank: the daily reference-rate file served by httpx.MockTransport."""

from __future__ import annotations

from datetime import date

import httpx

# Per euro, in the ECB's format. Test figures, not the ECB's: dated after the ECB rates shipped
# in bot/remittance/data/ (30 October 2026), so that a refresh is fresher than those.
RATES = {"USD": "1.1703", "GBP": "0.87325", "PHP": "67.913"}
RATE_DATE = date(2026, 11, 20)


def ecb_xml(day: date, rates: dict[str, str]) -> bytes:
    cubes = "".join(f"<Cube currency='{code}' rate='{rate}'/>" for code, rate in rates.items())
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<gesmes:Envelope xmlns:gesmes='http://www.gesmes.org/xml/2002-08-01'"
        " xmlns='http://www.ecb.int/vocabulary/2002-08-01/eurofxref'>"
        "<gesmes:subject>Reference rates</gesmes:subject>"
        f"<Cube><Cube time='{day.isoformat()}'>{cubes}</Cube></Cube></gesmes:Envelope>"
    ).encode()


class OfflineEcb:
    """Serves one rate file and counts the requests it gets."""

    def __init__(self, day: date = RATE_DATE, rates: dict[str, str] | None = None) -> None:
        self.body = ecb_xml(day, RATES if rates is None else rates)
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, content=self.body)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handle))
