"""Announcement photos come only from the media folder, end to end: an announcement file
names a photo in BOT_MEDIA_DIR, the command line creates the broadcast, it is approved, and the
running bot delivers the photo to a member through the sandbox. A photo swapped for a link to a
private file after the broadcast was checked is not uploaded: the member gets nothing and the
row says why."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.access import Role, StaffMember
from bot.disclosure import Band
from bot.services import Services
from bot.settings import Settings
from broadcasts import cli
from handlers.context import App
from sandbox import Sandbox, SandboxClient
from tests.auxil.actors import OPERATOR, in_chat
from tests.auxil.chat import ChatUser
from tests.auxil.database import settings_env
from tests.broadcasts.builders import add_member

# The PNG signature and header of a 2x3 image: enough for the sandbox to take it as a photo.
POSTER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x03\x08\x02\x00\x00\x00"
APPROVER = StaffMember(1, Role.ADMIN, frozenset())
ANNOUNCEMENT = """category = "consular"
[audience]
consulates = ["london"]
[text]
en = "Passport day on <b>Saturday</b>"
[media]
photo = "passport-day.png"
"""


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    """Sandbox settings with a media folder of the test's own, holding the poster."""
    media = tmp_path / "media"
    media.mkdir()
    (media / "passport-day.png").write_bytes(POSTER)
    return Settings.from_env({**settings_env(tmp_path, database_url), "BOT_MEDIA_DIR": str(media)})


@pytest.fixture
async def member(bot: App, client: SandboxClient, services: Services) -> ChatUser:
    """A registered member in London, with the bot running."""
    user = await ChatUser.create(client, "Member", "en")
    await add_member(services.database, user.id, consulate_id="london", country="GB")
    return user


@pytest.fixture
async def created(services: Services, settings: Settings, tmp_path: Path) -> int:
    """``broadcast create FILE.toml`` as the command line runs it: the broadcast id. The bot's
    sweep sends it once a second person approves it."""
    file = tmp_path / "passport-day.toml"
    file.write_text(ANNOUNCEMENT)
    now = datetime.now(UTC)
    status = await cli.create(
        services.broadcasts, services.deployment, str(file), settings.media_dir, OPERATOR, now
    )
    assert status == 0
    return (await services.broadcasts.recent(OPERATOR, 1))[0].id


async def test_a_photo_from_the_media_folder_reaches_a_member(
    member: ChatUser, created: int, client: SandboxClient, sandbox: Sandbox, services: Services
) -> None:
    await services.broadcasts.approve(created, in_chat(APPROVER))
    await services.broadcasts.sweep(datetime.now(UTC))

    message = await client.wait_for_bot_message(member.id, timeout=10)
    assert message["caption"] == "Passport day on Saturday"
    (stored,) = sandbox.state.files.values()
    assert (stored.kind, stored.content) == ("photo", POSTER)


async def test_a_photo_swapped_for_a_link_after_the_check_is_not_uploaded(
    member: ChatUser, created: int, sandbox: Sandbox, services: Services, settings: Settings
) -> None:
    private_key = settings.media_dir.parent / "id_rsa"
    private_key.write_text("-----BEGIN OPENSSH PRIVATE KEY-----")
    poster = settings.media_dir / "passport-day.png"
    poster.unlink()
    poster.symlink_to(private_key)

    await services.broadcasts.approve(created, in_chat(APPROVER))
    await services.broadcasts.sweep(datetime.now(UTC))

    engine = services.broadcasts.engine
    assert engine is not None  # the running bot's
    for delivery in (await services.broadcasts.report(created, OPERATOR)).deliveries:
        await asyncio.wait_for(engine.wait_finished(delivery.delivery_id), 10)
    report = await services.broadcasts.report(created, OPERATOR)
    assert report.total("failed") == Band(1, 4) and report.total("sent") == Band(0, 0)
    row = await services.database.fetch_one("SELECT last_error FROM delivery_outbox")
    assert row is not None and "symbolic link" in row[0] and "passport-day.png" in row[0]
    assert sandbox.state.files == {}
    assert await member.bot_messages() == []
