"""Payload checks, delivery creation, and progress arithmetic."""

from __future__ import annotations

import pytest

from bot.disclosure import Band, Disclosure
from bot.storage.database import Database
from broadcasts import Audience, Media, MediaKind, OutboxStatus, Payload, create_delivery
from broadcasts.deliveries import DeliveryRepository
from broadcasts.payload import check_payloads
from broadcasts.progress import RateMeter, build_progress, combined


def test_payloads_must_include_the_default_language() -> None:
    with pytest.raises(ValueError, match="default language"):
        check_payloads([Payload("ar", text="x")], "en")


def test_messages_and_polls_do_not_mix() -> None:
    payloads = [Payload("en", text="x"), Payload("ar", poll_question="q", poll_options=("a", "b"))]
    with pytest.raises(ValueError, match="same kind"):
        check_payloads(payloads, "en")


@pytest.mark.parametrize(
    "payload",
    [
        Payload("en"),
        Payload("en", text="x" * 4097),
        Payload("en", text="x" * 1025, media=Media(MediaKind.PHOTO, file_id="f")),
        Payload("en", poll_question="q", poll_options=("only one",)),
        Payload("en", poll_question="q", poll_options=("a", "")),
    ],
)
def test_content_telegram_would_refuse_is_rejected(payload: Payload) -> None:
    with pytest.raises(ValueError):
        payload.check()


def test_media_needs_one_source() -> None:
    with pytest.raises(ValueError):
        Media(MediaKind.DOCUMENT)


async def test_created_delivery_round_trips(database: Database) -> None:
    payloads = [
        Payload("en", text="Hi", media=Media(MediaKind.PHOTO, path="/tmp/a.png")),
        Payload("ar", text="مرحبا", media=Media(MediaKind.PHOTO, file_id="abc")),
    ]
    audience = Audience.of(countries=["AE"])
    delivery_id = await create_delivery(
        database, payloads, audience, "en", origin="broadcast", origin_id=4
    )
    repository = DeliveryRepository(database)
    delivery = await repository.get(delivery_id)
    assert delivery is not None
    assert (delivery.audience, delivery.origin, delivery.origin_id) == (audience, "broadcast", 4)
    stored = await repository.payloads(delivery)
    assert stored == {payload.language: payload for payload in payloads}


def test_progress_counts_and_eta() -> None:
    counts = dict.fromkeys(OutboxStatus, 0)
    counts.update(
        {
            OutboxStatus.SENT: 60,
            OutboxStatus.PENDING: 30,
            OutboxStatus.SENDING: 10,
            OutboxStatus.SKIPPED: 2,
        }
    )
    progress = build_progress(1, "sending", counts, rate=20.0)
    assert (progress.pending, progress.total, progress.finished) == (40, 102, 62)
    assert progress.eta_seconds == 2.0
    assert build_progress(1, "sending", counts, rate=None).eta_seconds is None


def test_rate_meter_measures_recent_completions() -> None:
    now = [0.0]
    meter = RateMeter(window=10.0, clock=lambda: now[0])
    assert meter.rate() is None
    for _ in range(50):
        meter.record()
        now[0] += 0.1
    assert meter.rate() == pytest.approx(10.0, rel=0.05)


def outbox(sent: int = 0, failed: int = 0, pending: int = 0) -> dict[OutboxStatus, int]:
    return {OutboxStatus.SENT: sent, OutboxStatus.FAILED: failed, OutboxStatus.PENDING: pending}


def test_staff_see_progress_as_bands_and_the_share_done_from_bands_only() -> None:
    rule = Disclosure(5)
    small = build_progress(1, "sending", outbox(sent=2, pending=1), rate=10.0).banded(rule)
    assert (small.sent, small.pending, small.total) == (Band(1, 4), Band(1, 4), Band(1, 4))
    assert small.share_done == 0.0  # not 67%: that would say 2 of 3
    assert small.eta_seconds == 0.4  # the band's upper end at the rate, not 1 / 10
    large = build_progress(1, "sending", outbox(sent=40, failed=1, pending=7), 10.0).banded(rule)
    assert (large.sent, large.failed, large.total) == (Band(40, 44), Band(1, 4), Band(45, 49))
    assert large.share_done == 40 / 45  # the finished band's lower end over the total's
    done = build_progress(1, "done", outbox(sent=3, failed=1), rate=None).banded(rule)
    assert (done.share_done, done.eta_seconds, done.pending) == (1.0, 0.0, Band(0, 0))


def test_deliveries_are_added_up_before_they_are_banded() -> None:
    rule = Disclosure(5)
    parts = [build_progress(i, "done", outbox(sent=3), None) for i in (1, 2)]
    assert combined(parts).banded(rule).sent == Band(5, 9)  # 6, not "fewer than 5" twice


def test_the_time_left_of_several_deliveries_counts_their_rates_together() -> None:
    rule = Disclosure(5)
    sending = [build_progress(i, "sending", outbox(sent=20, pending=30), rate=10.0) for i in (1, 2)]
    assert combined(sending).banded(rule).eta_seconds == 64 / 20  # band 60–64 at 10 + 10 a second
    waiting = [*sending, build_progress(3, "sending", outbox(pending=10), rate=None)]
    assert combined(waiting).banded(rule).eta_seconds is None  # one rate not measured yet
    finished = [build_progress(i, "done", outbox(sent=9), rate=None) for i in (1, 2)]
    assert combined(finished).banded(rule).eta_seconds == 0.0
