"""The media folder rule on real files: only regular files inside the folder, reached without
following a symbolic link, are read; everything else is refused with a one-line reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from broadcasts.media import MediaRefused, check_media, keep_upload, read_media


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A media folder with a poster, a leaflet in a subfolder, and a secret next to it."""
    media = tmp_path / "media"
    (media / "2027").mkdir(parents=True)
    (media / "poster.jpg").write_bytes(b"poster")
    (media / "2027" / "leaflet.pdf").write_bytes(b"leaflet")
    (tmp_path / "secret.txt").write_text("a private key")
    return media


@pytest.mark.parametrize(
    ("name", "content"),
    [("poster.jpg", b"poster"), ("2027/leaflet.pdf", b"leaflet"), ("./poster.jpg", b"poster")],
)
def test_files_inside_the_folder_are_read(folder: Path, name: str, content: bytes) -> None:
    check_media(folder, name)
    assert read_media(folder, name) == content


def refusal(folder: Path, name: str) -> str:
    with pytest.raises(MediaRefused) as caught:
        check_media(folder, name)
    with pytest.raises(MediaRefused):
        read_media(folder, name)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("name", ["../secret.txt", "2027/../../secret.txt", "2027/../poster.jpg"])
def test_dot_dot_is_refused(folder: Path, name: str) -> None:
    assert "'..'" in refusal(folder, name)


def test_an_absolute_path_is_refused_even_inside_the_folder(folder: Path) -> None:
    assert "absolute path" in refusal(folder, str(folder.parent / "secret.txt"))
    assert "absolute path" in refusal(folder, str(folder / "poster.jpg"))


def test_a_symbolic_link_is_refused_wherever_it_points(folder: Path) -> None:
    (folder / "escape.jpg").symlink_to(folder.parent / "secret.txt")
    (folder / "alias.jpg").symlink_to(folder / "poster.jpg")
    (folder / "outside").symlink_to(folder.parent, target_is_directory=True)
    assert "symbolic link" in refusal(folder, "escape.jpg")
    assert "symbolic link" in refusal(folder, "alias.jpg")
    assert "symbolic link" in refusal(folder, "outside/secret.txt")


def test_missing_files_and_folders_are_refused(folder: Path, tmp_path: Path) -> None:
    assert "no such file" in refusal(folder, "missing.jpg")
    assert "no such file" in refusal(folder, "2026/poster.jpg")
    assert "cannot be opened" in refusal(tmp_path / "nowhere", "poster.jpg")


def test_what_is_not_a_regular_file_is_refused_without_waiting(folder: Path) -> None:
    os.mkfifo(folder / "pipe")
    assert "not a regular file" in refusal(folder, "pipe")
    assert "not a regular file" in refusal(folder, "2027")


def test_no_folder_and_empty_names_are_refused(folder: Path) -> None:
    assert "no media folder" in refusal(None, "poster.jpg")  # type: ignore[arg-type]
    assert "empty" in refusal(folder, " ")
    assert "NUL" in refusal(folder, "poster.jpg\0.png")


def test_an_upload_is_kept_under_a_new_private_name(tmp_path: Path) -> None:
    folder = tmp_path / "new-media"
    name = keep_upload(folder, "../../Poster Final.JPG", b"photo")
    assert name.endswith(".jpg") and "/" not in name and "Poster" not in name
    assert read_media(folder, name) == b"photo"
    assert (folder / name).stat().st_mode & 0o777 == 0o600
    assert folder.stat().st_mode & 0o777 == 0o700
    assert keep_upload(folder, "poster.jpg", b"again") != name  # never overwritten


@pytest.mark.parametrize("filename", ["tool.exe", "page.html", "script.js", "no-suffix"])
def test_an_upload_that_is_not_a_photo_or_document_is_refused(
    tmp_path: Path, filename: str
) -> None:
    with pytest.raises(MediaRefused):
        keep_upload(tmp_path / "media", filename, b"x")
    assert not (tmp_path / "media").exists()
