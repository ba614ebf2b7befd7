"""The deployment file: the sample loads, and every kind of mistake is named precisely."""

from __future__ import annotations

import csv
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
