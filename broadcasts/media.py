"""The media folder: the one place a broadcast's photos and documents may be uploaded from.

An announcement names its photo or document by a name inside the folder (``BOT_MEDIA_DIR``,
default ``data/media``): ``poster.jpg``, or ``2027/leaflet.pdf`` in a subfolder. Without this
rule a typo or a hostile announcement file would upload ``~/.ssh/id_rsa``, ``/etc/passwd`` or
the database itself to every recipient. Refused, each with a one-line reason: an empty name, an
absolute path, a ``..`` part, a symbolic link anywhere on the way (even one pointing back
inside), anything that is not a regular file, a missing file, a missing folder.

The rule is checked when a broadcast is created (``check_media``) and again when it is sent
(``read_media``), since the file could have been swapped for a symbolic link after approval.
Both open the file the same way: one name at a time from the folder, with ``O_NOFOLLOW``, and
read what was opened, so no link is followed between the check and the read.

Files uploaded through the console are kept here by ``keep_upload``: a photo or document type
only, under a new random name (never the sender's), readable by the bot's user only.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from broadcasts.payload import MediaKind

PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp"})
DOCUMENT_SUFFIXES = frozenset({".pdf", ".doc", ".docx", ".txt"})

#: Flags for every name opened on the way: never follow a link, never block (a FIFO).
_NO_LINKS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK


class MediaRefused(ValueError):
    """A media name that is not a regular file inside the media folder; says why in one line."""


def check_media(folder: Path | None, name: str) -> None:
    """Raise MediaRefused unless ``name`` is a regular file inside ``folder``."""
    with _open_inside(folder, name):
        pass


def read_media(folder: Path | None, name: str) -> bytes:
    """The content of the file ``name`` inside ``folder``; MediaRefused says why not."""
    with _open_inside(folder, name) as file:
        return file.read()


def media_kind_of(filename: str) -> MediaKind | None:
    """What a file with this name is sent as (by its suffix); None for any other type."""
    suffix = PurePosixPath(filename).suffix.lower()
    if suffix in PHOTO_SUFFIXES:
        return MediaKind.PHOTO
    return MediaKind.DOCUMENT if suffix in DOCUMENT_SUFFIXES else None


def keep_upload(folder: Path, filename: str, data: bytes) -> str:
    """Keep an uploaded photo or document in ``folder`` under a new name, private to the bot's
    user; return the name. MediaRefused for any other type of file."""
    if media_kind_of(filename) is None:
        raise MediaRefused(f"{filename!r} is not a photo or document type")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"upload-{secrets.token_hex(8)}{PurePosixPath(filename).suffix.lower()}"
    descriptor = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    return name


def _parts(folder: Path, name: str) -> tuple[str, ...]:
    """The names to open one by one from the folder, or MediaRefused for a name that could
    lead out of it."""
    if not name.strip():
        raise MediaRefused(f"an empty file name; name a file in the media folder {folder}")
    if "\0" in name:
        raise MediaRefused(f"{name!r} is not a file name (it holds a NUL character)")
    path = PurePosixPath(name)
    if path.is_absolute():
        raise MediaRefused(
            f"{name!r} is an absolute path; name a file in the media folder {folder}"
        )
    if ".." in path.parts:
        raise MediaRefused(f"{name!r} uses '..' to leave the media folder {folder}")
    return path.parts


@contextmanager
def _open_inside(folder: Path | None, name: str) -> Iterator[BinaryIO]:
    if folder is None:
        raise MediaRefused(f"{name!r}: no media folder is configured (BOT_MEDIA_DIR)")
    *folders, file_name = _parts(folder, name)
    try:
        directory = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise MediaRefused(f"the media folder {folder} cannot be opened: {exc.strerror}") from None
    try:
        for part in folders:
            inner = _open_one(directory, part, os.O_DIRECTORY, name, folder)
            os.close(directory)
            directory = inner
        descriptor = _open_one(directory, file_name, 0, name, folder)
    finally:
        os.close(directory)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise MediaRefused(f"{name!r} is not a regular file in the media folder {folder}")
    os.set_blocking(descriptor, True)
    with os.fdopen(descriptor, "rb") as file:
        yield file


def _open_one(directory: int, part: str, flags: int, name: str, folder: Path) -> int:
    """Open ``part`` inside the open ``directory``, never following a link."""
    try:
        return os.open(part, _NO_LINKS | flags, dir_fd=directory)
    except FileNotFoundError:
        raise MediaRefused(f"{name!r}: no such file in the media folder {folder}") from None
    except OSError as exc:
        if _is_link(directory, part):
            raise MediaRefused(
                f"{name!r} is a symbolic link; put the file itself in the media folder {folder}"
            ) from None
        raise MediaRefused(
            f"{name!r} cannot be opened in the media folder {folder}: {exc.strerror}"
        ) from None


def _is_link(directory: int, part: str) -> bool:
    try:
        return stat.S_ISLNK(os.stat(part, dir_fd=directory, follow_symlinks=False).st_mode)
    except OSError:
        return False
