"""Settings: defaults, and each bad variable named in the error."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import PROJECT_ROOT, SAMPLE_DEPLOYMENT, Settings


def test_defaults_use_the_sample_deployment_and_never_imply_the_sandbox() -> None:
    settings = Settings.from_env({})
    assert not settings.sandbox_mode  # only `run --sandbox` chooses the sandbox
    assert settings.api_base_url == "https://api.telegram.org/bot"
    assert settings.deployment_path == SAMPLE_DEPLOYMENT
    assert settings.db_path.name == "bot.sqlite3"
    assert (settings.sandbox_host, settings.sandbox_port) == ("127.0.0.1", 8080)
    assert settings.rate_limit == 30
    assert settings.admin_ids == frozenset()
    assert settings.media_dir == PROJECT_ROOT / "data" / "media"


def test_every_variable_is_read() -> None:
    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": "123:abc",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",
            "BOT_DB_PATH": "/tmp/x.sqlite3",
            "BOT_DEPLOYMENT": "/tmp/d.toml",
            "BOT_ADMIN_IDS": " 11, 22 ,",
            "SANDBOX_HOST": "0.0.0.0",
            "SANDBOX_PORT": "9090",
            "BOT_RATE_LIMIT": "12.5",
            "WEBHOOK_URL": "https://bot.example.org/hook",
            "WEBHOOK_SECRET": "s3cret_-x-0123456789",
            "BOT_MEDIA_DIR": "/srv/bot/media",
        }
    )
    assert not settings.sandbox_mode
    assert settings.token == "123:abc"
    assert settings.db_path == Path("/tmp/x.sqlite3")
    assert settings.admin_ids == {11, 22}
    assert settings.sandbox_port == 9090
    assert settings.rate_limit == 12.5
    assert settings.webhook_url == "https://bot.example.org/hook"
    assert settings.media_dir == Path("/srv/bot/media")


HOOK = {"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": "s3cret_-x-0123456789"}


def test_bot_shards_turns_the_webhook_queue_on() -> None:
    assert Settings.from_env(HOOK).shards is None
    assert Settings.from_env({**HOOK, "BOT_SHARDS": "8"}).shards == 8


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"BOT_ADMIN_IDS": "12,abc"}, "BOT_ADMIN_IDS"),
        ({"SANDBOX_PORT": "eighty"}, "SANDBOX_PORT"),
        ({"SANDBOX_PORT": "70000"}, "SANDBOX_PORT"),
        ({"BOT_RATE_LIMIT": "0"}, "BOT_RATE_LIMIT"),
        ({"BOT_RATE_LIMIT": "fast"}, "BOT_RATE_LIMIT"),
        ({"WEBHOOK_URL": "http://bot.example.org/hook"}, "WEBHOOK_URL"),
        ({"WEBHOOK_SECRET": "has spaces and is long enough"}, "WEBHOOK_SECRET"),
        ({"WEBHOOK_SECRET": "short_and_guessable"[:15]}, "WEBHOOK_SECRET"),
        ({"WEBHOOK_URL": "https://bot.example.org/hook"}, "WEBHOOK_SECRET"),
        ({"BOT_SHARDS": "0", **HOOK}, "BOT_SHARDS='0': expected a whole number from 1 to"),
        ({"BOT_SHARDS": "two", **HOOK}, "BOT_SHARDS='two'"),
        ({"BOT_SHARDS": "2"}, "BOT_SHARDS: .* set WEBHOOK_URL"),
    ],
)
def test_a_bad_variable_is_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(env)


def test_ecb_rates_url_defaults_to_the_ecb_and_is_checked() -> None:
    assert Settings.from_env({}).ecb_rates_url == (
        "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
    )
    local = Settings.from_env({"ECB_RATES_URL": "http://127.0.0.1:9/rates.xml"})
    assert local.ecb_rates_url == "http://127.0.0.1:9/rates.xml"
    with pytest.raises(ConfigError, match="ECB_RATES_URL"):
        Settings.from_env({"ECB_RATES_URL": "ftp://example.org/rates.xml"})


def test_webhook_url_without_a_secret_is_refused_in_one_line() -> None:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"WEBHOOK_URL": "https://bot.example.org/hook"})
    message = str(refused.value)
    assert message.startswith("WEBHOOK_SECRET: required when WEBHOOK_URL is set")
    assert "\n" not in message


def test_run_needs_a_token_or_the_sandbox_but_not_both() -> None:
    without_token = Settings.from_env({})
    assert without_token.for_run(sandbox=True).sandbox_mode
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN is not set"):
        without_token.for_run(sandbox=False)
    with_token = Settings.from_env({"TELEGRAM_BOT_TOKEN": "123:abc"})
    assert not with_token.for_run(sandbox=False).sandbox_mode
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN is set and --sandbox"):
        with_token.for_run(sandbox=True)


def test_the_operations_server_listens_on_loopback_unless_told_otherwise() -> None:
    default = Settings.from_env({})
    assert (default.ops_host, default.ops_port) == ("127.0.0.1", 8082)
    chosen = Settings.from_env({"BOT_OPS_HOST": "10.0.0.5", "BOT_OPS_PORT": "0"})
    assert (chosen.ops_host, chosen.ops_port) == ("10.0.0.5", 0)


@pytest.mark.parametrize("port", ["metrics", "70000", "-1", "80.5"])
def test_a_bad_operations_port_is_named(port: str) -> None:
    with pytest.raises(ConfigError, match=f"BOT_OPS_PORT='{port}': expected a port number"):
        Settings.from_env({"BOT_OPS_PORT": port})
