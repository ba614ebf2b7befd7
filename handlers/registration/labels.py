"""What each stored answer is called in the member's language (marked for the catalogues)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.i18n import Translator
from bot.labels import GENDERS, INTERESTS, MEMBER_TYPE_NAMES, MEMBER_TYPES, OCCUPATIONS

__all__ = ["GENDERS", "INTERESTS", "MEMBER_TYPES", "MEMBER_TYPE_NAMES", "OCCUPATIONS", "label"]


def label(tr: Translator, labels: Mapping[Any, str], value: str | None) -> str:
    """The translated label of a stored value ("—" when empty)."""
    return tr.gettext(labels[value]) if value in labels else "—"
