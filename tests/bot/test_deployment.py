"""The deployment file: the sample loads, and every kind of mistake is named precisely."""

from __future__ import annotations

import csv
import logging
import re
from pathlib import Path

import pytest

from bot.deployment import Deployment, load_deployment
from bot.errors import ConfigError
from bot.settings import SAMPLE_DEPLOYMENT

REMITTANCE_CORRIDORS = (
    Path(__file__).resolve().parents[3] / "shared/data/remittance/official-corridors.csv"
)


def test_sample_is_labelled_and_complete(deployment: Deployment) -> None:
    assert deployment.sample
    assert "SAMPLE DATA" in SAMPLE_DEPLOYMENT.read_text()
    host_countries = {c.country for c in deployment.consulates}
    assert "GB" in host_countries and len(host_countries) >= 5
    assert {"en", "fr", "es", "pt", "ar"} <= set(deployment.languages)
    assert deployment.policies.poll_min_cell_size == 5
    for consulate in deployment.consulates:
        assert consulate.country in consulate.jurisdiction
        assert consulate.opening_hours and consulate.emergency_phone


@pytest.mark.skipif(not REMITTANCE_CORRIDORS.exists(), reason="shared/ is not beside the repo")
def test_sample_home_country_has_remittance_figures(deployment: Deployment) -> None:
    with REMITTANCE_CORRIDORS.open() as fp:
        codes = {row["destination_code"] for row in csv.DictReader(fp)}
    assert deployment.home_country in codes


def test_several_consulates_can_serve_one_country(deployment: Deployment) -> None:
    serving = {c.id for c in deployment.consulates_serving("SA")}
    assert serving == {"riyadh", "jeddah"}
    assert deployment.consulates_serving("ZZ") == ()


def _write_sample_with(tmp_path: Path, old: str, new: str) -> Path:
    text = SAMPLE_DEPLOYMENT.read_text()
    assert old in text, old
    path = tmp_path / "deployment.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('home_country = "PH"', 'home_country = "XX"', "government.home_country"),
        ('currency = "PHP"', 'currency = "PESO"', "government.currency"),
        ('default = "en"', 'default = "de"', "languages.default"),
        ('enabled = ["en"', 'enabled = ["zz-notalocale"', "languages.enabled"),
        ("poll_min_cell_size = 5", "poll_min_cell_size = 1", "policies.poll_min_cell_size"),
        ('approval = "two-person"', 'approval = "maybe"', "policies.approval"),
        ("outbox_days = 30", "outbox_days = 0", "policies.outbox_days"),
        ("audit_days = 1825", 'audit_days = "five years"', "policies.audit_days"),
        ('timezone = "Europe/London"', 'timezone = "Europe/Lodnon"', "consulates[0].timezone"),
        (
            'jurisdiction = ["GB", "IE"]',
            'jurisdiction = ["GB", "UK"]',
            "consulates[0].jurisdiction[1]",
        ),
        ('id = "dubai"', 'id = "london"', "consulates"),
        (
            'hours = "09:00-17:00" }]',
            'hours = "17:00-09:00" }]',
            "consulates[0].opening_hours[0].hours",
        ),
        (
            'days = "mon-fri", hours = "09:00-17:00"',
            'days = "monday", hours = "09:00-17:00"',
            "consulates[0].opening_hours[0].days",
        ),
        ('phone = "+44 20 7946 0000"', 'phone = ""', "consulates[0].phone"),
        ('id = "ncr"', 'id = "NCR Region"', "regions[0].id"),
        ('id = "residence-status"', 'id = "Residence status"', "sensitive.topics[0].id"),
        ('id = "visas-permits"', 'id = "residence-status"', "sensitive.topics"),
        ('fil = "katayuan sa imigrasyon o paninirahan", ', "", "sensitive.topics[0].names.fil"),
        ("fil = ['/repuhiyado(ng)?/']\n", "", "sensitive.topics[2].patterns.fil"),
        ("fil = ['/repuhiyado(ng)?/']", "fil = []", "sensitive.topics[2].patterns.fil"),
        ("'/repuhiyado(ng)?/'", "'/repuhiyado(ng?/'", "sensitive.topics[2].patterns.fil[0]"),
        ("'/repuhiyado(ng)?/'", "'//'", "sensitive.topics[2].patterns.fil[0]"),
        ("inbox_days = 90", "inbox_days = 0", "policies.inbox_days"),
        ("questions_per_day = 5", 'questions_per_day = "five"', "policies.questions_per_day"),
        ('id = "civil-registry"', 'id = "documents"', "inbox.topics"),
        (
            'id = "other"\nname = "Other"',
            'id = "Other topic"\nname = "Other"',
            "inbox.topics[4].id",
        ),
        (
            '[inbox.replies.texts]\nen = "Thank',
            '[inbox.replies.texts]\nde = "Thank',
            "inbox.replies[0].texts",
        ),
    ],
)
def test_a_bad_field_is_named_with_the_file(tmp_path: Path, old: str, new: str, field: str) -> None:
    path = _write_sample_with(tmp_path, old, new)
    with pytest.raises(ConfigError) as raised:
        load_deployment(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: {field}:"), message


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_deployment(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[government\nname = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_deployment(broken)
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    with pytest.raises(ConfigError, match="government: missing table"):
        load_deployment(empty)


def test_the_sample_lists_sensitive_topics_in_every_language(deployment: Deployment) -> None:
    ids = [topic.id for topic in deployment.sensitive.topics]
    assert ids == [
        "residence-status",
        "visas-permits",
        "asylum-refugee",
        "undocumented",
        "irregular-stay",
        "criminal-record",
    ]
    for topic in deployment.sensitive.topics:
        for language in deployment.languages:
            assert topic.names[language] and topic.patterns[language]


def test_an_empty_list_of_sensitive_topics_is_a_choice_a_missing_one_an_error(
    tmp_path: Path,
) -> None:
    text = SAMPLE_DEPLOYMENT.read_text()
    path = tmp_path / "deployment.toml"
    path.write_text(text[: text.index("[sensitive]")] + "[sensitive]\ntopics = []\n")
    assert load_deployment(path).sensitive.topics == ()
    path.write_text(text[: text.index("[sensitive]")])
    with pytest.raises(ConfigError, match="sensitive: missing table"):
        load_deployment(path)


def test_the_government_every_region_and_consulate_have_a_name_in_every_language(
    deployment: Deployment,
) -> None:
    """A member's chat never mixes languages: each name the bot shows is given per language."""
    for language in deployment.languages:
        named = [deployment.government_names, *(r.names for r in deployment.regions)]
        named += [c.names for c in deployment.consulates]
        assert all(names.get(language) for names in named), language
    assert deployment.government_in("fr") == "République des Philippines"
    assert deployment.government_in("ar") == "جمهورية الفلبين"
    assert deployment.region("ncr") is not None
    assert deployment.region("ncr").name_in("fr") == "Région capitale nationale"  # type: ignore[union-attr]


def test_a_name_missing_a_language_falls_back_to_the_default_and_the_log_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = SAMPLE_DEPLOYMENT.read_text()
    without_french = re.sub(r'fr = "[^"]*", ', "", text, count=3)  # government, ncr, car
    path = tmp_path / "deployment.toml"
    path.write_text(without_french)
    with caplog.at_level(logging.WARNING, logger="bot.deployment"):
        loaded = load_deployment(path)
    assert loaded.government_in("fr") == loaded.government == "Republic of the Philippines"
    ncr = loaded.region("ncr")
    assert ncr is not None and ncr.name_in("fr") == ncr.name == "National Capital Region"
    assert ncr.name_in("es") == "Región de la Capital Nacional"
    warned = [r.getMessage() for r in caplog.records]
    assert warned == [
        f"{path}: government.names, regions[0].names, regions[1].names: no name in fr;"
        " members reading fr see the default name"
    ], warned


def test_a_name_in_an_unknown_language_is_refused(tmp_path: Path) -> None:
    path = _write_sample_with(tmp_path, 'fil = "Republika ng Pilipinas"', 'fill = "Republika"')
    with pytest.raises(ConfigError) as raised:
        load_deployment(path)
    assert str(raised.value) == f"{path}: government.names.fill: 'fill' is not a known language"


@pytest.mark.parametrize(
    ("consulates", "zone"),
    [
        ({"london"}, "Europe/London"),
        ({"riyadh", "jeddah"}, "Asia/Riyadh"),  # two consulates, one zone
        ({"london", "madrid"}, None),  # their times differ: no single zone to read them in
        (set(), None),  # every consulate, across the world
    ],
)
def test_staff_read_times_in_their_consulates_zone_when_they_share_one(
    deployment: Deployment, consulates: set[str], zone: str | None
) -> None:
    shared = deployment.shared_zone(frozenset(consulates))
    assert (shared.key if shared else None) == zone
