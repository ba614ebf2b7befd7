"""Counted words take the form their number asks for, in each language (issue 15, item 8):
"1 option", "2 options"; Arabic's six forms; French's singular for 0 and 1. Which sentences
count something at all: tests/locales/test_wording.py."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from bot.deployment import Deployment
from bot.disclosure import Band
from bot.i18n import Languages
from broadcasts.audience import AudienceBands
from handlers.broadcast_view import count_lines
from handlers.polls.texts import problem_text
from handlers.registration import questions
from handlers.remit.answer import plural_number
from polls.drafting import Problem, ProblemKind


def languages(deployment: Deployment) -> Languages:
    return Languages(deployment.languages, deployment.default_language)


def test_a_problem_counts_in_the_right_form(deployment: Deployment) -> None:
    en = languages(deployment).translator("en")
    one = Problem("options", ProblemKind.OPTION_COUNT_MISMATCH, limit=3, actual=1)
    assert problem_text(en, one) == "options: 1 option given, but the poll has 3."
    two = replace(one, actual=2)
    assert problem_text(en, two) == "options: 2 options given, but the poll has 3."


def test_recipients_follow_the_band_shown(deployment: Deployment) -> None:
    tr = languages(deployment).translator
    bands = AudienceBands(per_language={"en": Band(0, 0)}, fallback=Band(0, 0), total=Band(0, 0))
    assert count_lines(tr("en"), bands, "en")[0] == "English: 0 recipients"
    assert count_lines(tr("fr"), bands, "en")[0].endswith("0 destinataire")  # French: 0 is one
    bands.per_language["en"] = Band(1, 4)
    assert count_lines(tr("fr"), bands, "en")[0].endswith("moins de 5 destinataires")


def test_the_consent_text_counts_days_in_every_form(deployment: Deployment) -> None:
    ar = languages(deployment).translator("ar")
    texts = {
        days: questions.full_notice(ar, replace_outbox_days(deployment, days))[0]
        for days in (1, 2, 3, 11)
    }
    assert "1 يوم من إرسالها" in texts[1]
    assert "2 يومين من إرسالها" in texts[2]
    assert "3 أيام من إرسالها" in texts[3]
    assert "11 يومًا من إرسالها" in texts[11]


def replace_outbox_days(deployment: Deployment, days: int) -> Deployment:
    return replace(deployment, policies=replace(deployment.policies, outbox_days=days))


def test_fractions_take_the_form_fractions_take() -> None:
    assert plural_number(Decimal("1.00")) == 1
    assert plural_number(Decimal("2")) == 2
    assert plural_number(Decimal("1.5")) == 100
