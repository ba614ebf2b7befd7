"""``python main.py broadcast ...``: what the command line shows is banded like every other
surface (no count under k), and ``report`` shows an approver everything they approve."""

from __future__ import annotations

import asyncio
import getpass
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

import main
from bot.deployment import load_deployment
from bot.services import Services
from bot.settings import SAMPLE_DEPLOYMENT
from bot.storage.database import Database
from broadcasts.cli import progress_bar, report
from tests.auxil.actors import OPERATOR
from tests.auxil.broadcasting import send_to_london
from tests.auxil.database import fetch_all
from tests.broadcasts.builders import add_member, announcement_file

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
#: A count label followed by a count from 1 to 3 ("sent 3", "Pending: 2", "total 1").
SMALL_COUNT = re.compile(
    r"(?i)\b(sent|failed|unreachable|skipped|cancelled|pending|total|recipients)\b:? [1-3]\b"
)


async def test_progress_of_a_broadcast_to_three_never_shows_their_number(
    services: Services,
) -> None:
    broadcast_id, progress = await send_to_london(services, 3, NOW)
    bar = progress_bar(progress)
    out = io.StringIO()
    await report(services.broadcasts, broadcast_id, OPERATOR, out)
    for text in (bar, out.getvalue()):
        assert "sent fewer than 5" in text, text
        assert not SMALL_COUNT.search(text), text


@pytest.mark.parametrize("count", [1, 3])
def test_create_and_report_show_fewer_than_k_the_texts_and_the_audience_in_words(
    tmp_path: Path,
    operator_env: Path | str,
    capsys: pytest.CaptureFixture[str],
    count: int,
) -> None:
    database_path = operator_env

    async def add_members() -> None:
        database = await Database.open(database_path)
        for index in range(count):
            await add_member(database, 700 + index, consulate_id="london", country="GB")
        await database.close()

    asyncio.run(add_members())
    assert main.main(["broadcast", "create", str(announcement_file(tmp_path))]) == 0
    created = capsys.readouterr().out
    assert "recipients now: fewer than 5" in created
    assert "warning: text.en mentions asylum or refugee status" in created
    assert main.main(["broadcast", "report", "1"]) == 0
    shown = capsys.readouterr().out
    assert "recipients now: fewer than 5" in shown and not SMALL_COUNT.search(shown)
    london = load_deployment(SAMPLE_DEPLOYMENT).consulate("london")
    assert london is not None and london.name in shown
    assert "Free legal advice on asylum claims" in shown and "استشارات قانونية" in shown
    assert "warning: text.en mentions asylum or refugee status" in shown


def test_list_starts_with_a_header_naming_its_columns(
    tmp_path: Path, operator_env: Path | str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main.main(["broadcast", "create", str(announcement_file(tmp_path))]) == 0
    capsys.readouterr()
    assert main.main(["broadcast", "list"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split("\t") == ["id", "status", "category", "when", "author"]
    assert row.split("\t")[:3] == ["1", "pending_approval", "consular"]


def test_cancel_as_a_staff_member_needs_their_power_and_is_audited_as_them(
    tmp_path: Path, operator_env: Path | str, capsys: pytest.CaptureFixture[str]
) -> None:
    database_path = operator_env
    for telegram_id, role in (("1000", "admin"), ("2000", "editor"), ("3000", "editor")):
        assert main.main(["staff", "add", telegram_id, role, "--consulates", "london"]) == 0
    created = ["broadcast", "create", str(announcement_file(tmp_path)), "--as", "2000"]
    assert main.main(created) == 0
    capsys.readouterr()
    # Another editor is neither the author nor an admin: refused, in one line.
    assert main.main(["broadcast", "cancel", "1", "--as", "3000"]) == 2
    login = getpass.getuser()
    assert capsys.readouterr().err.strip() == (
        f"error: cli:{login} as tg:3000 is neither the author nor an admin"
    )
    assert main.main(["broadcast", "cancel", "1", "--as", "2000"]) == 0
    assert capsys.readouterr().out.split("\t")[:2] == ["1", "cancelled"]
    audited = fetch_all(
        database_path, "SELECT actor FROM audit_log WHERE action = 'broadcast.cancel'"
    )
    assert audited == [(f"cli:{login} as tg:2000",)]


def test_contacts_are_exported_as_csv_only_for_staff_of_its_consulates_and_audited(
    tmp_path: Path, operator_env: Path | str, capsys: pytest.CaptureFixture[str]
) -> None:
    database_path = operator_env
    for telegram_id, consulate in (("2000", "london"), ("3000", "madrid")):
        assert main.main(["staff", "add", telegram_id, "editor", "--consulates", consulate]) == 0
    asyncio.run(_london_announcement_with_a_shared_contact(database_path))
    capsys.readouterr()
    assert main.main(["broadcast", "contacts", "1", "--as", "3000"]) == 2
    login = getpass.getuser()
    assert (
        capsys.readouterr().err.strip() == f"error: cli:{login} as tg:3000 may not act for london"
    )
    assert main.main(["broadcast", "contacts", "1", "--as", "2000"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "name,contact_kind,contact,shared_at",
        "Ana,username,@ana,2027-03-01T12:00:00+00:00",
    ]
    audited = fetch_all(
        database_path,
        "SELECT actor, subject FROM audit_log WHERE action = 'broadcast.contacts.export'",
    )
    assert audited == [(f"cli:{login} as tg:2000", "1")]


async def _london_announcement_with_a_shared_contact(path: Path | str) -> None:
    database = await Database.open(path)
    try:
        member_id = await add_member(database, 555, consulate_id="london", country="GB")
        async with database.transaction() as tx:
            await tx.execute(
                "INSERT INTO broadcasts (id, kind, category, status, author, audience,"
                " default_language, schedule, created_at) VALUES (1, 'message', 'investment',"
                " 'done', 'cli:x', ?, 'en', ?, 'now')",
                ('{"consulates": ["london"]}', '{"kind": "now"}'),
            )
            await tx.execute(
                "INSERT INTO response_offers (broadcast_id, kind) VALUES (1, 'interested')"
            )
            await tx.execute(
                "INSERT INTO responses (broadcast_id, member_id, status, answered_at)"
                " VALUES (1, ?, 'confirmed', 'now')",
                (member_id,),
            )
            await tx.execute(
                "INSERT INTO shared_contacts (broadcast_id, member_id, name, contact_kind,"
                " contact, shared_at) VALUES (1, ?, 'Ana', 'username', '@ana',"
                " '2027-03-01T12:00:00+00:00')",
                (member_id,),
            )
    finally:
        await database.close()
