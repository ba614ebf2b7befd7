"""The announcement file: the shipped example loads; errors name the file, field and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.deployment import Deployment
from bot.errors import ConfigError
from bot.settings import PROJECT_ROOT
from broadcasts.compose import Category
from broadcasts.file import load_announcement
from broadcasts.schedule import ScheduleKind

EXAMPLE = PROJECT_ROOT / "deploy" / "examples" / "announcement.toml"
GOOD = """category = "event"
[audience]
consulates = ["london"]
[schedule]
kind = "at"
at = "2027-03-28 10:00"
consulate = "london"
[text]
en = "Hello"
[[buttons]]
url = "https://example.org"
text = { en = "More" }
"""


def test_the_example_loads(deployment: Deployment) -> None:
    loaded = load_announcement(EXAMPLE, deployment)
    assert loaded.category is Category.CONSULAR
    assert loaded.schedule.kind is ScheduleKind.LOCAL_TIME
    assert {p.language for p in loaded.payloads} >= {"en", "fr", "ar"}
    assert all(p.buttons for p in loaded.payloads)


def test_a_good_file(tmp_path: Path, deployment: Deployment) -> None:
    path = tmp_path / "a.toml"
    path.write_text(GOOD)
    loaded = load_announcement(path, deployment)
    assert loaded.schedule.zone == "Europe/London"
    assert loaded.payloads[0].buttons[0].text == "More"


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (('category = "event"', 'category = "party"'), "category", "not one of"),
        (('en = "Hello"', 'xx = "Hello"'), "text.xx", "not enabled"),
        (('en = "Hello"', 'fr = "Bonjour"'), "text", "default language"),
        (('consulates = ["london"]', 'consulates = ["mars"]'), "audience.consulates", "mars"),
        (('consulate = "london"', 'consulate = "mars"'), "schedule.consulate", "expected one of"),
        (('at = "2027-03-28 10:00"', 'at = "tomorrow"'), "schedule.at", "YYYY-MM-DD"),
        (('kind = "at"', 'kind = "soon"'), "schedule.kind", "expected one of"),
        (('url = "https://example.org"', 'url = "ftp://x"'), "buttons[0].url", "https://"),
    ],
)
def test_errors_name_the_file_field_and_problem(
    tmp_path: Path, deployment: Deployment, change: tuple[str, str], field: str, problem: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace(*change))
    with pytest.raises(ConfigError) as caught:
        load_announcement(path, deployment)
    message = str(caught.value)
    assert message.startswith(f"{path}: {field}: ") and problem in message


def test_not_toml(tmp_path: Path, deployment: Deployment) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("category = ")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_announcement(path, deployment)
