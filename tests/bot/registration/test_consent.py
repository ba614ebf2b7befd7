"""Only what a feature uses: every column of ``members`` and ``member_interests``, and every
other table that refers to a member, is named in ``bot.registration.consent.KEPT`` with the
code that reads it and the consent text's line that says so. A column added later without a
feature and a line in the consent text fails here; so does a line for a column that is gone."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.registration.consent import KEPT, Kept
from bot.services import Services
from bot.storage.database import Database
from handlers.registration import questions

ROOT = Path(__file__).resolve().parents[3]
#: The tables whose every column is personal data registration keeps.
PERSONAL_TABLES = ("members", "member_interests")


def kept_names() -> set[str]:
    return {name for kept in KEPT for name in kept.columns}


async def columns_of(database: Database, table: str) -> set[str]:
    return {f"{table}.{column}" for column in await database.column_names(table)}


async def tables_referring_to_members(database: Database) -> set[str]:
    return {table for table, _ in await database.tables_referring_to("members")}


async def test_every_personal_column_is_named_with_the_feature_that_reads_it(
    database: Database,
) -> None:
    columns: set[str] = set()
    for table in PERSONAL_TABLES:
        columns |= await columns_of(database, table)
    listed = {name for name in kept_names() if name.split(".")[0] in PERSONAL_TABLES}
    assert columns - listed == set(), "columns kept without a feature and a line in the notice"
    assert listed - columns == set(), "the notice names columns that no longer exist"


async def test_every_table_about_a_member_is_named(database: Database) -> None:
    referring = await tables_referring_to_members(database) - set(PERSONAL_TABLES)
    assert {f"{table}.*" for table in referring} - kept_names() == set()


@pytest.mark.parametrize("kept", KEPT, ids=lambda kept: kept.columns[0])
def test_the_named_features_really_read_what_they_keep(kept: Kept) -> None:
    sources = "\n".join((ROOT / reader).read_text() for reader in kept.readers)
    for name in kept.columns:
        table, column = name.split(".")
        assert (table if column == "*" else column) in sources, (name, kept.readers)


def test_the_full_notice_names_every_kept_group_in_every_language(services: Services) -> None:
    for language in services.languages.enabled:
        tr = services.languages.translator(language)
        text, _keyboard = questions.full_notice(tr, services.deployment)
        for kept in KEPT:
            assert tr.gettext(kept.notice) in text, (tr.language, kept.notice)


def test_the_short_consent_screen_offers_the_full_notice(services: Services) -> None:
    tr = services.languages.translator("en")
    short, keyboard = questions.consent(tr, services.deployment)
    full, _keyboard = questions.full_notice(tr, services.deployment)
    assert len(short) < len(full) / 3
    datas = [b.callback_data for row in keyboard.inline_keyboard for b in row]
    assert datas == ["v1:reg:consent:yes", "v1:reg:consent:no", "v1:reg:consent:full"]


def test_the_dropped_fields_are_asked_no_more() -> None:
    text = " ".join(kept.notice for kept in KEPT).lower()
    # A phone number is kept only when a member shares it for a call-back on one question
    # (inbox_threads.callback_phone), never from registration.
    call_back = "see your phone number only if you share it for a call-back, in that question"
    assert text.count("phone") == 1 and call_back in text
    for dropped in ("city", "skills", "phone", "plans"):
        assert dropped not in text.replace(call_back, "")
