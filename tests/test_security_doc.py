"""SECURITY.md promises only what a test holds: every test it names exists."""

from __future__ import annotations

import re

from bot.settings import PROJECT_ROOT

REFERENCE = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?`")


def test_every_test_named_in_security_md_exists() -> None:
    text = (PROJECT_ROOT / "SECURITY.md").read_text(encoding="utf-8")
    references = REFERENCE.findall(text)
    assert len(references) > 20
    for path, name in references:
        source = PROJECT_ROOT / path
        assert source.is_file(), path
        if name:
            assert re.search(rf"def {name}\(", source.read_text(encoding="utf-8")), (path, name)
