"""The delivery engine end to end through the sandbox, with fault injection."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.storage.database import Database
from broadcasts import (
    Audience,
    DeliveryEngine,
    DeliveryStatus,
    EngineConfig,
    Media,
    MediaKind,
    Payload,
    PollSettings,
    create_delivery,
)
from broadcasts.deliveries import DeliveryRepository
from broadcasts.outbox import Outbox, OutboxStatus
from broadcasts.telegram_transport import TelegramTransport
from sandbox import Sandbox, SandboxClient
from tests.broadcasts.builders import add_member, new_delivery, set_member, text_payloads

FAST = EngineConfig(
    rate=200.0,
    workers=8,
    batch_size=10,
    flush_interval=0.05,
    backoff_base=0.05,
    idle_interval=0.05,
    max_attempts=3,
)


async def _users(
    client: SandboxClient, database: Database, languages: list[str]
) -> list[tuple[int, int]]:
    """Create a sandbox user and a registered member per language; (user id, member id)."""
    pairs = []
    for index, language in enumerate(languages):
        user = await client.create_user(f"Member{index}", language)
        pairs.append((user["id"], await add_member(database, user["id"], language=language)))
    return pairs


async def _bot_texts(client: SandboxClient, user_id: int) -> list[str]:
    return [
        message.get("text") or message.get("caption") or message.get("poll", {}).get("question")
        for message in await client.chat(user_id)
        if message["sender"] == "bot"
    ]


async def _run(
    database: Database,
    transport: TelegramTransport,
    delivery_id: int,
    config: EngineConfig = FAST,
) -> DeliveryEngine:
    engine = DeliveryEngine(database, transport, config)
    await engine.start()
    try:
        await engine.start_delivery(delivery_id)
        await asyncio.wait_for(engine.wait_finished(delivery_id), 20)
    finally:
        await engine.stop()
    return engine


async def _status_of(database: Database, member_id: int) -> tuple[str, int, str | None]:
    row = await database.fetch_one(
        "SELECT status, attempts, last_error FROM delivery_outbox WHERE member_id = ?",
        (member_id,),
    )
    assert row is not None
    return row[0], row[1], row[2]


async def test_delivers_each_member_their_language(
    database: Database, client: SandboxClient, transport: TelegramTransport
) -> None:
    languages = ["en", "ar", "es", "pt"] * 3
    users = await _users(client, database, languages)
    delivery_id = await new_delivery(database, languages=("en", "ar", "es"))
    engine = await _run(database, transport, delivery_id)
    for (user_id, _), language in zip(users, languages, strict=True):
        expected = "pt" if language == "pt" else language
        want = "en" if expected == "pt" else expected
        assert await _bot_texts(client, user_id) == [f"News in {want}"]
    progress = await engine.progress(delivery_id)
    assert (progress.sent, progress.pending, progress.eta_seconds) == (12, 0, 0.0)
    stored = await database.fetch_all("SELECT message_id, sent_at FROM delivery_outbox")
    assert all(row[0] and row[1] for row in stored)
    delivery = await DeliveryRepository(database).get(delivery_id)
    assert delivery is not None and delivery.status is DeliveryStatus.DONE


async def test_a_429_pauses_all_sending_then_completes_without_loss(
    database: Database, client: SandboxClient, transport: TelegramTransport
) -> None:
    users = await _users(client, database, ["en"] * 10)
    await client.set_faults(
        injections=[{"method": "sendMessage", "status": 429, "retry_after": 1, "count": 1}]
    )
    delivery_id = await new_delivery(database)
    started = time.monotonic()
    engine = await _run(database, transport, delivery_id)
    assert time.monotonic() - started >= 1.0
    assert engine.bucket.paused_until > 0
    for user_id, _ in users:
        assert len(await _bot_texts(client, user_id)) == 1
    stats = await client.stats()
    assert stats["rate_limited"] == 1
    assert (await engine.progress(delivery_id)).sent == 10


async def test_a_blocked_user_is_marked_unreachable_and_not_retried(
    database: Database, client: SandboxClient, transport: TelegramTransport
) -> None:
    (blocked, blocked_member), (other, _) = await _users(client, database, ["en", "en"])
    await client.block(blocked)
    delivery_id = await new_delivery(database)
    engine = await _run(database, transport, delivery_id)
    status, attempts, error = await _status_of(database, blocked_member)
    assert (status, attempts) == ("unreachable", 1)
    assert error is not None and "blocked" in error
    reachable = await database.fetch_one(
        "SELECT reachable FROM members WHERE id = ?", (blocked_member,)
    )
    assert reachable is not None and reachable[0] == 0
    assert (await client.stats())["forbidden"] == 1
    assert await _bot_texts(client, other) == ["News in en"]
    progress = await engine.progress(delivery_id)
    assert (progress.sent, progress.unreachable) == (1, 1)


async def test_chat_not_found_fails_the_rows_and_keeps_the_members_reachable(
    database: Database, transport: TelegramTransport, caplog: pytest.LogCaptureFixture
) -> None:
    """Registered members whose chats the server does not know: the bot is talking to the wrong
    server or token, so the rows fail with Telegram's words, nobody is marked unreachable, and
    one warning per delivery says what to check."""
    members = [await add_member(database, 999_990 + index) for index in range(3)]
    delivery_id = await new_delivery(database)
    with caplog.at_level(logging.WARNING, logger="broadcasts.engine"):
        engine = await _run(database, transport, delivery_id)
    for member_id in members:
        status, attempts, error = await _status_of(database, member_id)
        assert (status, attempts) == ("failed", 1)
        assert error is not None and "chat not found" in error.lower()
    reachable = await database.fetch_all("SELECT reachable FROM members")
    assert [row[0] for row in reachable] == [1, 1, 1]
    progress = await engine.progress(delivery_id)
    assert (progress.failed, progress.unreachable) == (3, 0)
    warned = [r for r in caplog.records if "not found" in r.getMessage()]
    assert len(warned) == 1 and warned[0].levelno == logging.WARNING


async def test_5xx_and_timeouts_are_retried_then_succeed(
    database: Database, client: SandboxClient, transport: TelegramTransport
) -> None:
    (flaky, flaky_member), (slow, slow_member) = await _users(client, database, ["en", "en"])
    await client.set_faults(
        timeout_s=2.0,
        injections=[
            {"method": "sendMessage", "chat_id": flaky, "status": 502, "count": 2},
            {"method": "sendMessage", "chat_id": slow, "status": "timeout", "count": 1},
        ],
    )
    delivery_id = await new_delivery(database)
    await _run(database, transport, delivery_id)
    assert await _status_of(database, flaky_member) == ("sent", 3, "Bad Gateway")
    status, attempts, error = await _status_of(database, slow_member)
    assert (status, attempts) == ("sent", 2)
    assert error is not None and "timed out" in error.lower()
    assert await _bot_texts(client, flaky) == ["News in en"]
    assert await _bot_texts(client, slow) == ["News in en"]


async def test_a_permanent_5xx_fails_with_the_reason(
    database: Database, client: SandboxClient, transport: TelegramTransport
) -> None:
    ((user_id, member_id),) = await _users(client, database, ["en"])
    await client.set_faults(
        injections=[{"method": "sendMessage", "chat_id": user_id, "status": 500, "count": 99}]
    )
    delivery_id = await new_delivery(database)
    engine = await _run(database, transport, delivery_id)
    assert await _status_of(database, member_id) == ("failed", 3, "Internal Server Error")
    assert (await client.stats())["server_errors"] == 3
    assert (await engine.progress(delivery_id)).failed == 1


async def test_members_who_stop_after_the_fill_are_skipped(
    database: Database, client: SandboxClient, transport: TelegramTransport
) -> None:
    users = await _users(client, database, ["en"] * 6)
    delivery_id = await new_delivery(database)
    engine = DeliveryEngine(database, transport, FAST)
    await engine.start_delivery(delivery_id)
    await _fill_completely(database, delivery_id)
    for _, member_id in users[:2]:
        await set_member(database, member_id, "announcements", 0)
    await engine.start()
    try:
        await asyncio.wait_for(engine.wait_finished(delivery_id), 20)
    finally:
        await engine.stop()
    progress = await engine.progress(delivery_id)
    assert (progress.sent, progress.skipped) == (4, 2)
    for user_id, _ in users[:2]:
        assert await _bot_texts(client, user_id) == []
    assert await _status_of(database, users[0][1]) == ("skipped", 0, "stopped")


async def _fill_completely(database: Database, delivery_id: int) -> None:
    repository = DeliveryRepository(database)
    delivery = await repository.get(delivery_id)
    assert delivery is not None
    languages = sorted(await repository.payloads(delivery))
    while not await Outbox(database).fill_next_chunk(delivery, languages):
        pass


async def test_restart_after_a_crash_loses_nothing(
    database: Database, client: SandboxClient, transport: TelegramTransport
) -> None:
    users = await _users(client, database, ["en"] * 40)
    delivery_id = await new_delivery(database)
    slow = EngineConfig(rate=40.0, workers=4, batch_size=8, flush_interval=0.3, idle_interval=0.05)
    engine = DeliveryEngine(database, transport, slow)
    await engine.start()
    await engine.start_delivery(delivery_id)
    await _wait_for_sent(client, 15)
    await engine.kill()
    in_flight = (await Outbox(database).counts(delivery_id))[OutboxStatus.SENDING]
    assert in_flight > 0

    restarted = await Database.open(database.target)
    try:
        engine = DeliveryEngine(restarted, transport, FAST)
        await engine.start()
        await asyncio.wait_for(engine.wait_finished(delivery_id), 20)
        await engine.stop()
        progress = await engine.progress(delivery_id)
    finally:
        await restarted.close()
    received = Counter({user_id: len(await _bot_texts(client, user_id)) for user_id, _ in users})
    assert min(received.values()) == 1
    assert sum(received.values()) - len(users) <= in_flight
    assert progress.sent == 40


async def test_pause_resume_and_cancel(
    database: Database, client: SandboxClient, transport: TelegramTransport
) -> None:
    users = await _users(client, database, ["en"] * 30)
    slow = EngineConfig(rate=30.0, workers=2, batch_size=4, flush_interval=0.05, idle_interval=0.05)
    engine = DeliveryEngine(database, transport, slow)
    await engine.start()
    try:
        delivery_id = await new_delivery(database)
        await engine.start_delivery(delivery_id)
        await _wait_for_sent(client, 5)
        await engine.pause(delivery_id)
        await asyncio.sleep(0.2)
        paused_at = (await client.stats())["messages_sent"]
        await asyncio.sleep(0.4)
        assert (await client.stats())["messages_sent"] == paused_at
        assert (await engine.progress(delivery_id)).status == "paused"
        await engine.resume(delivery_id)
        await asyncio.wait_for(engine.wait_finished(delivery_id), 20)
        for user_id, _ in users:
            assert len(await _bot_texts(client, user_id)) == 1

        second = await new_delivery(database)
        await engine.start_delivery(second)
        await _wait_for_sent(client, 35)
        await engine.cancel(second)
        await asyncio.wait_for(engine.wait_finished(second), 5)
        await asyncio.sleep(0.3)
        cancelled_at = (await client.stats())["messages_sent"]
        await asyncio.sleep(0.3)
        assert (await client.stats())["messages_sent"] == cancelled_at
    finally:
        await engine.stop()
    progress = await engine.progress(second)
    assert progress.status == "cancelled"
    assert progress.sent + progress.cancelled == 30
    assert 5 <= progress.sent < 30
    assert progress.pending == 0


async def _wait_for_sent(client: SandboxClient, count: int) -> None:
    """Poll the sandbox until it has accepted ``count`` messages."""
    for _ in range(1000):
        if (await client.stats())["messages_sent"] >= count:
            return
        await asyncio.sleep(0.02)
    raise TimeoutError(f"fewer than {count} messages sent")


async def test_a_poll_delivery_stores_message_and_poll_ids(
    database: Database, client: SandboxClient, transport: TelegramTransport
) -> None:
    users = await _users(client, database, ["en", "es"])
    payloads = [
        Payload("en", poll_question="Useful?", poll_options=("Yes", "No")),
        Payload("es", poll_question="¿Útil?", poll_options=("Sí", "No")),
    ]
    poll = PollSettings(anonymous=False)
    delivery_id = await create_delivery(database, payloads, Audience.everyone(), "en", poll=poll)
    await _run(database, transport, delivery_id)
    assert await _bot_texts(client, users[1][0]) == ["¿Útil?"]
    rows = await database.fetch_all(
        "SELECT member_id, poll_id, message_id FROM delivery_outbox ORDER BY member_id"
    )
    assert all(row[1] and row[2] for row in rows)
    recipient = await Outbox(database).recipient_of_poll(rows[1][1])
    assert recipient is not None
    assert (recipient.member_id, recipient.language) == (users[1][1], "es")
    chat = await client.chat(users[0][0])
    assert chat[-1]["poll"]["is_anonymous"] is False


async def test_text_payloads_with_buttons_reach_the_chat(
    database: Database, client: SandboxClient, transport: TelegramTransport
) -> None:
    ((user_id, _),) = await _users(client, database, ["en"])
    from broadcasts import Button

    payload = Payload("en", text="<b>Fair</b>", buttons=(Button("Details", "https://example.org"),))
    delivery_id = await create_delivery(database, [payload], Audience.everyone(), "en")
    await _run(database, transport, delivery_id)
    (message,) = [m for m in await client.chat(user_id) if m["sender"] == "bot"]
    assert message["text"] == "Fair"
    assert message["inline_keyboard"][0][0]["url"] == "https://example.org"
    assert text_payloads("en")[0].text == "<b>News</b> in en"


async def test_a_document_from_the_media_folder_is_uploaded_once(
    database: Database,
    client: SandboxClient,
    transport: TelegramTransport,
    sandbox: Sandbox,
    media_dir: Path,
) -> None:
    users = await _users(client, database, ["en"] * 4)
    (media_dir / "leaflet.txt").write_text("Consular hours")
    media = Media(MediaKind.DOCUMENT, path="leaflet.txt")
    payload = Payload("en", text="Read <i>this</i>", media=media)
    delivery_id = await create_delivery(database, [payload], Audience.everyone(), "en")
    await _run(database, transport, delivery_id)
    for user_id, _ in users:
        assert await _bot_texts(client, user_id) == ["Read this"]
    (stored,) = sandbox.state.files.values()
    assert (stored.content, stored.file_name) == (b"Consular hours", "leaflet.txt")


async def test_a_file_outside_the_media_folder_is_never_uploaded(
    database: Database,
    client: SandboxClient,
    transport: TelegramTransport,
    sandbox: Sandbox,
    media_dir: Path,
    tmp_path: Path,
) -> None:
    """Rows whose file left the folder after approval (a link now, or an absolute path an
    older version stored) fail with the reason; nothing leaves the machine."""
    ((link_user, link_member), (old_user, old_member)) = await _users(
        client, database, ["en", "fr"]
    )
    secret = tmp_path / "id_rsa"
    secret.write_text("PRIVATE KEY")
    (media_dir / "poster.jpg").symlink_to(secret)
    payloads = [
        Payload("en", text="Poster", media=Media(MediaKind.PHOTO, path="poster.jpg")),
        Payload("fr", text="Affiche", media=Media(MediaKind.PHOTO, path=str(secret))),
    ]
    delivery_id = await create_delivery(database, payloads, Audience.everyone(), "en")
    engine = await _run(database, transport, delivery_id)
    link_status, _, link_error = await _status_of(database, link_member)
    old_status, _, old_error = await _status_of(database, old_member)
    assert (link_status, old_status) == ("failed", "failed")
    assert link_error is not None and "symbolic link" in link_error
    assert old_error is not None and "absolute path" in old_error
    assert sandbox.state.files == {}
    assert await _bot_texts(client, link_user) == await _bot_texts(client, old_user) == []
    assert (await engine.progress(delivery_id)).failed == 2
