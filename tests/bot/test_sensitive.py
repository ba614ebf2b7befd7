"""Sensitive topics: the sample deployment's list stops realistic questions about status in
every language, however they are written, and lets ordinary consular questions through."""

from __future__ import annotations

import pytest

from bot.deployment import Deployment
from bot.i18n import Languages
from bot.sensitive import SensitiveQuestion, SensitiveTopics, Topic, fold
from polls.publishing import SEGMENTED_NOTICE

REFUSED = [
    ("en", "Do you currently hold a valid residence permit?", "residence-status"),
    ("en", "Is your visa still valid?", "visas-permits"),
    ("en", "Have you ever applied for asylum?", "asylum-refugee"),
    ("en", "Are you undocumented?", "undocumented"),
    ("en", "Have you overstayed in the UAE?", "irregular-stay"),
    ("en", "Have you ever been arrested abroad?", "criminal-record"),
    ("fil", "May papeles ka ba rito sa Dubai?", "undocumented"),
    ("fil", "TNT ka ba?", "undocumented"),
    ("fil", "Legal ka ba dito sa Hong Kong?", "residence-status"),
    ("fil", "Ano ang iyong immigration na status?", "residence-status"),
    ("fil", "Na-deport ka na ba dati?", "irregular-stay"),
    ("fil", "Nakulong ka na ba?", "criminal-record"),
    ("ar", "هل لديك إقامة سارية؟", "residence-status"),
    ("ar", "هل تأشيرتك سارية المفعول؟", "visas-permits"),
    ("ar", "هل سبق أن قدمت طلب لجوء؟", "asylum-refugee"),
    ("ar", "هل أنت مقيم بشكل غير نظامي؟", "irregular-stay"),
    ("ar", "هل لديك أوراق ثبوتية؟", "undocumented"),
    ("ar", "هل لديك سجل جنائي؟", "criminal-record"),
    ("es", "¿Tiene usted papeles?", "undocumented"),
    ("es", "¿Cuál es su situación migratoria?", "residence-status"),
    ("es", "¿Tiene permiso de residencia?", "residence-status"),
    ("es", "¿Ha solicitado asilo en España?", "asylum-refugee"),
    ("es", "¿Se encuentra en situación irregular?", "irregular-stay"),
    ("es", "¿Tiene antecedentes penales?", "criminal-record"),
    ("fr", "Avez-vous un titre de séjour ?", "residence-status"),
    ("fr", "Êtes-vous sans-papiers ?", "undocumented"),
    ("fr", "Avez-vous demandé l'asile ?", "asylum-refugee"),
    ("fr", "Avez-vous reçu une OQTF ?", "irregular-stay"),
    ("fr", "Avez-vous un permis de travail ?", "visas-permits"),
    ("fr", "Avez-vous un casier judiciaire ?", "criminal-record"),
    ("pt", "Você tem autorização de residência válida?", "residence-status"),
    ("pt", "Você tem visto de trabalho?", "visas-permits"),
    ("pt", "Você é refugiado?", "asylum-refugee"),
    ("pt", "Está em situação irregular em Portugal?", "irregular-stay"),
    ("pt", "Você tem os papéis em dia?", "undocumented"),
    ("pt", "Já esteve preso?", "criminal-record"),
]

ALLOWED = [
    "Passport renewal day on Saturday",
    "Would you attend a passport renewal day in Dubai?",
    "Should the consulate open on Saturdays?",
    "Do you send money home with a Visa card?",
    "Which remittance service do you use most?",
    "Anong araw ang gusto mo para sa passport renewal?",
    "إقامة حفل ثقافي في السفارة يوم الجمعة",  # "holding a party", not a residence permit
    "المرحلة الأولى من التسجيل",
    "¿Qué documentos necesita para renovar el pasaporte?",
    "Revisa tu correo: torneo de deportes de la comunidad.",
    "Souhaitez-vous une permanence consulaire le samedi ?",
    "Arrêtez-vous à notre stand samedi ! Le visage de la diaspora.",
    "Você já tinha visto o novo site do consulado?",
]


@pytest.fixture(scope="module")
def topics(deployment: Deployment) -> SensitiveTopics:
    return deployment.sensitive


@pytest.mark.parametrize(("language", "question", "topic"), REFUSED)
def test_realistic_questions_about_status_are_refused_in_every_language(
    topics: SensitiveTopics, language: str, question: str, topic: str
) -> None:
    with pytest.raises(SensitiveQuestion) as refused:
        topics.refuse_poll({language: question}, [{language: "1"}, {language: "2"}])
    assert topic in [found.id for found in refused.value.topics()]
    assert refused.value.matches[0].field == f"question.{language}"


def test_an_option_in_a_translation_is_found_and_named(topics: SensitiveTopics) -> None:
    with pytest.raises(SensitiveQuestion) as refused:
        topics.refuse_poll(
            {"en": "What would help you most?", "es": "¿Qué le ayudaría más?"},
            [{"en": "Legal advice", "es": "Asesoría legal"}, {"en": "Other", "es": "Sin papeles"}],
        )
    (match,) = refused.value.matches
    assert match.field == "options[2].es" and match.topic.id == "undocumented"
    assert str(refused.value) == (
        'options[2].es mentions missing documents or papers ("Sin papeles"):'
        " polls must never ask about it"
    )


@pytest.mark.parametrize("text", ALLOWED)
def test_ordinary_consular_questions_pass(topics: SensitiveTopics, text: str) -> None:
    assert topics.scan([("question.en", text)]) == []


@pytest.mark.parametrize(
    "disguised",
    [
        "Do you hold a valid RESIDENCE\u200b PERMIT?",  # zero-width space
        "Do you hold a resi\u00addence permit?",  # soft hyphen
        "Do you hold a residence\npermit?",
        "Avez-vous un titre de se\u0301jour ?",  # a combining accent
        "TITRE DE SÉJOUR ?",
        "هل لديك إِقَامَـــة سارية؟",  # vowel signs and tatweel
        "Do you have a ｖｉｓａ?",  # full-width letters
        "Avez-vous un titre de \u200fséjour ?",  # a direction mark
    ],
)
def test_case_accents_and_invisible_marks_do_not_hide_a_topic(
    topics: SensitiveTopics, disguised: str
) -> None:
    assert topics.scan([("question.en", disguised)]), disguised


def test_announcements_are_read_without_their_html(topics: SensitiveTopics) -> None:
    (match,) = topics.in_messages({"en": "Free <b>asy</b>lum advice &amp; help"})
    assert (match.field, match.topic.id) == ("text.en", "asylum-refugee")
    assert topics.in_messages({"en": "<b>Passport</b> day"}) == []


def test_the_segmented_notice_is_not_a_sensitive_topic_in_any_language(
    deployment: Deployment, topics: SensitiveTopics
) -> None:
    languages = Languages(deployment.languages, deployment.default_language)
    for code in deployment.languages:
        notice = languages.translator(code).gettext(SEGMENTED_NOTICE)
        assert topics.scan([(code, notice)]) == [], code


def test_plain_phrases_are_literal_and_regexes_are_between_slashes() -> None:
    topic = Topic.build("t", {"en": "t"}, {"en": ["a.b", "/c.d/"]})
    topics = SensitiveTopics((topic,))
    assert topics.scan([("q", "a.b")]) and not topics.scan([("q", "axb")])
    assert topics.scan([("q", "cxd")])
    assert not topics.scan([("q", "xa.b"), ("q", "cxdx")])  # whole words only


def test_fold_unifies_arabic_letter_forms() -> None:
    assert fold("أإآٱ ة ى") == "اااا ه ي"
