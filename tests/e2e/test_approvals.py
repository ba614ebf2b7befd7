"""Approval never ends in a dead end: a broadcast made on the command line reaches its approvers
through the running bot, and a staff member with no one to approve is told what to do."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import main
from bot.services import Services
from handlers.context import App
from sandbox import SandboxClient
from tests.auxil.actors import OPERATOR
from tests.auxil.announcing import approval_request, compose
from tests.auxil.chat import ChatUser
from tests.broadcasts.builders import announcement_file

#: The bot's sweep runs every few seconds; an approval request comes within two sweeps.
SWEEP_WAIT = 12.0
TEXT = "Free legal advice on asylum claims"  # announcement_file's English text


@pytest.mark.slow
async def test_a_broadcast_made_on_the_command_line_reaches_its_approver_through_the_bot(
    running: tuple[ChatUser, App],
    services: Services,
    operator_env: Path | str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    admin, _ = running
    command = ["broadcast", "create", str(announcement_file(tmp_path))]
    # Another process in real life: its own event loop and database connection.
    assert await asyncio.to_thread(main.main, command) == 0
    assert "the running bot sends it to the 1 staff member(s)" in capsys.readouterr().out
    broadcast_id = (await services.broadcasts.recent(OPERATOR, 1))[0].id
    data = f"v1:bcapp:approve:{broadcast_id}"
    request = await approval_request(admin, data, SWEEP_WAIT)
    # The request may take several messages (one per text direction); the button ends it.
    shown = "\n".join(m.get("text", "") for m in await admin.bot_messages())
    london = services.deployment.consulate("london")
    assert london is not None and TEXT in shown and london.name in shown
    # Told once: the next sweeps leave the admin alone.
    await asyncio.sleep(SWEEP_WAIT / 2)
    requests = [m for m in await admin.bot_messages() if data in str(m.get("inline_keyboard"))]
    assert len(requests) == 1
    await admin.choose(request, data)
    assert (await services.broadcasts.get(broadcast_id, OPERATOR)).status.value == "scheduled"


async def test_a_lone_admin_is_told_how_to_get_an_approver_who_is_then_asked(
    running: tuple[ChatUser, App], client: SandboxClient, services: Services
) -> None:
    admin, _ = running
    shown = await compose(admin, {"en": TEXT}, "v1:ann:con:london")
    (submitted,) = await admin.choose(shown[-1], "v1:ann:submit")
    assert "0 staff" not in submitted["text"]
    assert "/staff add <Telegram id> editor london" in submitted["text"]
    broadcast_id = (await services.broadcasts.recent(OPERATOR, 1))[0].id

    editor = await ChatUser.create(client, "Editor", "en")
    await admin.send(f"/staff add {editor.id} editor london")
    request = await approval_request(editor, f"v1:bcapp:approve:{broadcast_id}", SWEEP_WAIT)
    assert TEXT in request["text"]


def test_the_command_line_says_what_to_do_when_no_one_may_approve(
    tmp_path: Path, operator_env: Path | str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main.main(["broadcast", "create", str(announcement_file(tmp_path))]) == 0
    printed = capsys.readouterr().out
    assert "no staff member may approve it yet" in printed
    assert "python main.py staff add TELEGRAM_ID editor --consulates london" in printed
