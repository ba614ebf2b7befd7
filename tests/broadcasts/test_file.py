"""The announcement file: the shipped example loads; errors name the file, field and problem;
media come only from the media folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.deployment import Deployment
from bot.errors import ConfigError
from bot.settings import PROJECT_ROOT
from broadcasts.compose import Category
from broadcasts.file import load_announcement
from broadcasts.payload import MediaKind
from broadcasts.schedule import PastZones, ScheduleKind

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


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    """A media folder holding one poster."""
    folder = tmp_path / "media"
    folder.mkdir()
    (folder / "poster.jpg").write_bytes(b"poster")
    return folder


def test_the_example_loads(deployment: Deployment, media_dir: Path) -> None:
    loaded = load_announcement(EXAMPLE, deployment, media_dir)
    assert loaded.category is Category.CONSULAR
    assert loaded.schedule.kind is ScheduleKind.LOCAL_TIME
    assert {p.language for p in loaded.payloads} >= {"en", "fr", "ar"}
    assert all(p.buttons for p in loaded.payloads)


def test_the_example_s_media_section_names_a_file_in_the_media_folder(
    tmp_path: Path, deployment: Deployment, media_dir: Path
) -> None:
    example = EXAMPLE.read_text(encoding="utf-8")
    assert '# [media]\n# photo = "mobile-passport.jpg"' in example
    path = tmp_path / "announcement.toml"
    path.write_text(example.replace("# [media]\n# photo", "[media]\nphoto"), encoding="utf-8")
    (media_dir / "mobile-passport.jpg").write_bytes(b"photo")
    loaded = load_announcement(path, deployment, media_dir)
    assert all(p.media and p.media.path == "mobile-passport.jpg" for p in loaded.payloads)


def test_a_good_file(tmp_path: Path, deployment: Deployment, media_dir: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_text(GOOD)
    loaded = load_announcement(path, deployment, media_dir)
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
        (
            ('kind = "at"', 'kind = "local_time"\npast_zones = "later"'),
            "schedule.past_zones",
            "next_day or skip",
        ),
        (('url = "https://example.org"', 'url = "ftp://x"'), "buttons[0].url", "https://"),
    ],
)
def test_errors_name_the_file_field_and_problem(
    tmp_path: Path,
    deployment: Deployment,
    media_dir: Path,
    change: tuple[str, str],
    field: str,
    problem: str,
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace(*change))
    with pytest.raises(ConfigError) as caught:
        load_announcement(path, deployment, media_dir)
    message = str(caught.value)
    assert message.startswith(f"{path}: {field}: ") and problem in message


def test_a_local_time_says_what_to_do_where_it_has_passed(
    tmp_path: Path, deployment: Deployment, media_dir: Path
) -> None:
    path = tmp_path / "a.toml"
    path.write_text(GOOD.replace('kind = "at"', 'kind = "local_time"\npast_zones = "skip"'))
    schedule = load_announcement(path, deployment, media_dir).schedule
    assert schedule.past_zones is PastZones.SKIP


def test_not_toml(tmp_path: Path, deployment: Deployment, media_dir: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("category = ")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_announcement(path, deployment, media_dir)


def test_a_photo_is_named_inside_the_media_folder(
    tmp_path: Path, deployment: Deployment, media_dir: Path
) -> None:
    path = tmp_path / "a.toml"
    path.write_text(GOOD.replace("[text]", '[media]\nphoto = "poster.jpg"\n[text]'))
    (payload,) = load_announcement(path, deployment, media_dir).payloads
    assert payload.media is not None
    assert (payload.media.kind, payload.media.path) == (MediaKind.PHOTO, "poster.jpg")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../secret.txt", "'..'"),
        ("sub/../../secret.txt", "'..'"),
        ("{secret}", "absolute path"),
        ("escape.jpg", "symbolic link"),
        ("missing.jpg", "no such file"),
        ("", "empty"),
    ],
)
def test_media_outside_the_folder_are_refused_in_one_line(
    tmp_path: Path, deployment: Deployment, media_dir: Path, name: str, problem: str
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("a private key")
    (media_dir / "escape.jpg").symlink_to(secret)
    (media_dir / "sub").mkdir()
    name = name.format(secret=secret)
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace("[text]", f'[media]\ndocument = "{name}"\n[text]'))
    with pytest.raises(ConfigError) as caught:
        load_announcement(path, deployment, media_dir)
    message = str(caught.value)
    assert message.startswith(f"{path}: media.document: ") and problem in message
    assert "\n" not in message
