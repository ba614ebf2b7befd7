"""``python main.py poll ...``: a poll file is checked (errors name file, field and problem),
stored with its delivery, reported on and closed."""

from __future__ import annotations

from pathlib import Path

import pytest

import main
from bot.operator import database_line
from bot.settings import Settings
from bot.storage.database import Database
from polls.counting import PollCounter
from tests.auxil.database import execute
from tests.auxil.process import main_py
from tests.polls.conftest import NOW, AddMember, MakePoll

GOOD = """
mode = "segmented"
closes = 2099-01-01T00:00:00Z
opens = 2098-12-31T00:00:00Z
[question]
en = "Should the consulate open on Saturdays?"
ar = "هل يجب أن تفتح القنصلية يوم السبت؟"
[options]
en = ["Yes", "No"]
ar = ["نعم", "لا"]
[audience]
consulates = ["dubai"]
"""


@pytest.fixture
def env(operator_env: Path | str, tmp_path: Path) -> Path:
    """A folder for the poll files, with the test's database in the operator's environment."""
    return tmp_path


def write(folder: Path, text: str) -> Path:
    path = folder / "poll.toml"
    path.write_text(text, encoding="utf-8")
    return path


def add_members(settings: Settings, count: int, consulate: str = "dubai") -> None:
    execute(
        settings.database,
        "INSERT INTO members (telegram_user_id, language, status, consulate_id,"
        " created_at, updated_at) VALUES (?, 'en', 'registered', ?, '', '')",
        *[(7_000_000 + index, consulate) for index in range(count)],
    )


def test_create_results_close(
    env: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    add_members(settings, 5)
    assert main.main(["poll", "create", str(write(env, GOOD))]) == 0
    assert "poll 1 stored" in capsys.readouterr().out
    assert main.main(["poll", "results", "1", "--out", str(env / "out")]) == 0
    assert "withheld: fewer than 5 people have answered" in capsys.readouterr().out
    assert not (env / "out").exists()  # nothing to draw or export yet
    assert main.main(["poll", "close", "1"]) == 0
    assert "poll 1 closed" in capsys.readouterr().out


def test_a_poll_to_fewer_than_k_members_is_refused_in_one_line(
    env: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    add_members(settings, 4)
    path = write(env, GOOD)
    assert main.main(["poll", "create", str(path)]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"error: {path}: audience: fewer than 5 members would receive it; a poll needs at"
        " least 5, so that no answer can be told apart"
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (('en = ["Yes", "No"]', 'en = ["Yes"]'), "options"),
        (("closes = 2099-01-01T00:00:00Z\n", ""), "closes"),
        (("segmented", "secret"), "mode"),
        (("Should", "S" * 300), "question.en"),
        (('["نعم", "لا"]', '["نعم", "نعم"]'), "options[2].ar"),
        (("consulates", "planets"), "audience.planets"),
    ],
)
def test_a_bad_file_names_the_field(
    env: Path, capsys: pytest.CaptureFixture[str], change: tuple[str, str], field: str
) -> None:
    path = write(env, GOOD.replace(*change))
    assert main.main(["poll", "create", str(path)]) == 2
    error = capsys.readouterr().err
    assert str(path) in error and f"{field}:" in error


@pytest.mark.parametrize(
    ("language", "question", "options"),
    [
        ("en", "Do you currently hold a valid residence permit?", '["Yes", "No"]'),
        ("es", "¿Tiene usted papeles?", '["Sí", "No"]'),
        ("fr", "Avez-vous un titre de séjour ?", '["Oui", "Non"]'),
        ("ar", "هل لديك إقامة سارية؟", '["نعم", "لا"]'),
        ("fil", "May papeles ka ba rito sa Dubai?", '["Oo", "Hindi"]'),
        ("pt", "Você tem autorização de residência válida?", '["Sim", "Não"]'),
    ],
)
def test_a_poll_about_a_sensitive_topic_is_refused(
    env: Path, capsys: pytest.CaptureFixture[str], language: str, question: str, options: str
) -> None:
    text = f"""
mode = "anonymous"
closes = 2099-01-01T00:00:00Z
opens = 2098-12-31T00:00:00Z
[question]
en = "Should the consulate open on Saturdays?"
{language} = "{question}"
[options]
en = ["Yes", "No"]
{language} = {options}
"""
    if language == "en":
        text = text.replace('en = "Should the consulate open on Saturdays?"\n', "")
        text = text.replace('en = ["Yes", "No"]\n', "", 1)
    path = write(env, text)
    assert main.main(["poll", "create", str(path)]) == 2
    error = capsys.readouterr().err
    assert str(path) in error and f"question.{language}" in error
    assert "polls must never ask" in error and "\n" not in error.strip()


async def test_results_draw_the_chart_with_no_font_warning(
    database: Database,
    settings: Settings,
    make_poll: MakePoll,
    add_member: AddMember,
    counter: PollCounter,
    tmp_path: Path,
) -> None:
    """What an operator sees on their terminal: the results, the files written, the database
    read, and no "findfont" or "Glyph missing" line from matplotlib."""
    poll = await make_poll()
    for update_id in range(1, 7):
        await counter.record_answer(
            update_id=update_id,
            telegram_poll_id=f"{poll}-en",
            telegram_user_id=await add_member(),
            option_ids=[update_id % 2],
            received_at=NOW,
        )
    results = ("poll", "results", str(poll), "--out", str(tmp_path / "out"))
    out, err = await main_py(settings.database, *results)
    assert "respondents: 6" in out
    assert (tmp_path / "out" / f"poll-{poll}-chart.png").is_file()
    assert err.splitlines() == [database_line(settings.database)]
