"""Poll breakdowns name every group in the reader's language, never by its stored code."""

from __future__ import annotations

import pytest

from bot.deployment import Deployment
from bot.i18n import Languages
from bot.registration.answers import Gender, MemberType
from polls import Dimension
from polls.results import AGE_BANDS
from polls.words import group_name

CODES = {
    Dimension.MEMBER_TYPE: [t.value for t in MemberType],
    Dimension.GENDER: [g.value for g in Gender],
    Dimension.AGE_BAND: [b for b in AGE_BANDS if not b[0].isdigit()],
    Dimension.CONSULATE: ["london", "dubai"],
    Dimension.COUNTRY: ["GB", "AE"],
    Dimension.LANGUAGE: ["ar", "fil"],
}


@pytest.mark.parametrize("language", ["en", "fil", "ar", "es", "fr", "pt"])
def test_no_group_is_shown_as_its_code(deployment: Deployment, language: str) -> None:
    tr = Languages(deployment.languages, deployment.default_language).translator(language)
    for dimension, codes in CODES.items():
        for code in codes:
            name = group_name(tr, deployment, dimension, code)
            assert name and name != code, (dimension, code, name)
    assert group_name(tr, deployment, Dimension.GENDER, None) == tr.gettext("not given")
