"""Reading the operations server (bot/operations.py) as Prometheus and a load balancer would."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from handlers.context import App


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    text: str


async def get(url: str) -> Answer:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return Answer(response.status, response.headers["Content-Type"], await response.text())


def ops_url(application: App) -> str:
    url = application.bot_data.ops_url
    assert url is not None, "the runner has not started the operations server"
    return url


async def scrape(application: App) -> list[Sample]:
    """Every sample /metrics shows now."""
    answer = await get(ops_url(application) + "/metrics")
    assert answer.status == 200
    return samples_of(answer.text)


def samples_of(text: str) -> list[Sample]:
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]


def value_of(samples: list[Sample], name: str, **labels: str) -> float:
    """The sample called ``name`` with exactly ``labels`` (0 when absent, as for a counter
    that never moved)."""
    for sample in samples:
        if sample.name == name and sample.labels == labels:
            return float(sample.value)
    return 0.0
