"""The words members read, across every catalogue (issue 15, item 8): a counted noun takes its
plural forms through ngettext ("1 recipient", not "1 recipients")."""

from __future__ import annotations

import re

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR

#: A number put in, then (after at most one word) a noun that counts: it needs plural forms.
COUNTED = re.compile(
    r"%\(\w+\)s (?:\w+ )?(?:recipients?|members?|people|person|staff|options?|characters?"
    r"|days?|respondents?|hours?|points?)\b"
)
#: Counted sentences in a file another change owned this round (handlers/announce.py): the lead
#: converts it to ngettext at merge and empties this set.
NOT_MINE_YET = frozenset({"Sent for approval to %(count)s staff members."})


def catalogue(language: str) -> Catalog:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=language)


def test_every_counted_noun_has_plural_forms() -> None:
    singular_only = [
        message.id
        for message in catalogue("en")
        if message.id
        and not message.pluralizable
        and isinstance(message.id, str)
        and COUNTED.search(message.id)
        and message.id not in NOT_MINE_YET
    ]
    assert not singular_only, "use ngettext for:\n" + "\n".join(singular_only)
