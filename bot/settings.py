"""Settings read from the environment (the variables of DESIGN.md §3)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from bot.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DEPLOYMENT = PROJECT_ROOT / "deploy" / "sample-philippines.toml"
# Broadcast photos and documents are uploaded only from this folder (broadcasts/media.py).
DEFAULT_MEDIA_DIR = PROJECT_ROOT / "data" / "media"
DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
# Telegram allows 1-256 characters; fewer than 16 could be guessed by trying.
MIN_SECRET_LENGTH = 16
SECRET_ADVICE = (
    f"use {MIN_SECRET_LENGTH}-256 characters from A-Z, a-z, 0-9, _ and -, e.g. from "
    "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`"
)
# The ECB's daily euro reference rates (the same address as bot.remittance.fx.ECB_DAILY_URL).
DEFAULT_ECB_RATES_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"


@dataclass(frozen=True)
class Settings:
    """Everything the operator sets through environment variables."""

    token: str | None
    api_base_url: str
    db_path: Path
    deployment_path: Path
    admin_ids: frozenset[int]
    sandbox_host: str
    sandbox_port: int
    rate_limit: float
    webhook_url: str | None
    webhook_secret: str | None
    webhook_listen: str
    webhook_port: int
    ecb_rates_url: str
    # BOT_PAID_BROADCAST=1: send with allow_paid_broadcast (Telegram allows up to 1000/s).
    paid_broadcast: bool = False
    # BOT_MEDIA_DIR: the only folder broadcast photos and documents are uploaded from.
    media_dir: Path = DEFAULT_MEDIA_DIR
    # The staff web console (console/): where it listens, and the public address its sign-in
    # links use (behind the reverse proxy that also serves the webhook; https:// in production).
    console_host: str = "127.0.0.1"
    console_port: int = 8081
    console_url: str | None = None
    # The operations server (bot/operations.py: /healthz, /readyz, /metrics), never public.
    ops_host: str = "127.0.0.1"
    ops_port: int = 8082
    # `run --sandbox`: talk to the local sandbox. Never implied by a missing token, so a
    # deployment that lost its token stops instead of serving invented users.
    sandbox_mode: bool = False
    # `run --sandbox --demo`: seed the demo's staff and members (bot/demo.py).
    sandbox_demo: bool = False
    # BOT_DATABASE_URL=postgresql://...: PostgreSQL instead of the SQLite file at db_path.
    database_url: str | None = None

    # BOT_SHARDS=N: the webhook queues updates and sharded workers handle them (bot/inbound.py);
    # None: the webhook hands updates to this process's application directly.
    shards: int | None = None

    @property
    def database(self) -> Path | str:
        """What ``Database.open`` opens: the PostgreSQL URL when set, else the SQLite file."""
        return self.database_url or self.db_path

    def for_run(self, sandbox: bool, demo: bool = False) -> Settings:
        """The settings of ``main.py run [--sandbox [--demo]]``: a token or --sandbox, one of
        the two; the demo only in the sandbox."""
        if demo and not sandbox:
            raise ConfigError("--demo seeds people into the sandbox: give --sandbox too")
        if sandbox and self.token is not None:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is set and --sandbox was given: "
                "unset the token to run the sandbox, or drop --sandbox to run on Telegram"
            )
        if not sandbox and self.token is None:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: set it to run the bot on Telegram, or run the "
                "local sandbox with `python main.py run --sandbox` (what `make run` does)"
            )
        return replace(self, sandbox_mode=sandbox, sandbox_demo=demo)

    def console_address(self, port: int | None = None) -> str:
        """The console's public address: CONSOLE_URL, else where it listens."""
        if self.console_url:
            return self.console_url
        host = "127.0.0.1" if self.console_host in ("0.0.0.0", "") else self.console_host
        return f"http://{host}:{port if port is not None else self.console_port}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and check every variable; raise ConfigError naming the first bad one."""
        env = os.environ if env is None else env
        webhook_url = _optional(env, "WEBHOOK_URL")
        webhook_secret = _optional(env, "WEBHOOK_SECRET")
        if webhook_url and not webhook_url.startswith("https://") and not _is_local(webhook_url):
            raise ConfigError(f"WEBHOOK_URL={webhook_url!r}: Telegram only calls https:// URLs")
        if webhook_url and webhook_secret is None:
            raise ConfigError(
                "WEBHOOK_SECRET: required when WEBHOOK_URL is set (without it anyone could post "
                f"updates to the bot); {SECRET_ADVICE}"
            )
        if webhook_secret is not None and not _is_valid_secret(webhook_secret):
            raise ConfigError(f"WEBHOOK_SECRET: {SECRET_ADVICE}")
        return cls(
            token=_optional(env, "TELEGRAM_BOT_TOKEN"),
            api_base_url=env.get("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL,
            db_path=Path(env.get("BOT_DB_PATH") or PROJECT_ROOT / "data" / "bot.sqlite3"),
            deployment_path=Path(env.get("BOT_DEPLOYMENT") or SAMPLE_DEPLOYMENT),
            admin_ids=_id_set(env, "BOT_ADMIN_IDS"),
            sandbox_host=env.get("SANDBOX_HOST") or "127.0.0.1",
            sandbox_port=_port(env, "SANDBOX_PORT", 8080),
            rate_limit=_positive_float(env, "BOT_RATE_LIMIT", 30.0),
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            webhook_listen=env.get("WEBHOOK_LISTEN") or "0.0.0.0",
            webhook_port=_port(env, "WEBHOOK_PORT", 8443),
            console_host=env.get("CONSOLE_HOST") or "127.0.0.1",
            console_port=_port(env, "CONSOLE_PORT", 8081),
            console_url=_optional_http_url(env, "CONSOLE_URL"),
            ops_host=env.get("BOT_OPS_HOST") or "127.0.0.1",
            ops_port=_port(env, "BOT_OPS_PORT", 8082),
            ecb_rates_url=_http_url(env, "ECB_RATES_URL", DEFAULT_ECB_RATES_URL),
            paid_broadcast=_flag(env, "BOT_PAID_BROADCAST"),
            media_dir=Path(env.get("BOT_MEDIA_DIR") or DEFAULT_MEDIA_DIR),
            database_url=_optional_postgresql_url(env, "BOT_DATABASE_URL"),
            shards=_shards(env, webhook_url),
        )


def _optional_postgresql_url(env: Mapping[str, str], name: str) -> str | None:
    """A postgresql:// URL, or None (the SQLite file). Never echoed: it may hold a password."""
    value = _optional(env, name)
    if value is None:
        return None
    if not value.startswith(("postgresql://", "postgres://")):
        raise ConfigError(
            f"{name}: expected postgresql://user:password@host:port/database (unset it to use"
            " the SQLite file at BOT_DB_PATH)"
        )
    return value


def _optional(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _is_local(url: str) -> bool:
    return url.startswith(("http://127.0.0.1", "http://localhost"))


def _is_valid_secret(secret: str) -> bool:
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    return MIN_SECRET_LENGTH <= len(secret) <= 256 and set(secret) <= allowed


def _http_url(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not value.startswith(("https://", "http://")):
        raise ConfigError(f"{name}={value!r}: expected an http:// or https:// URL")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise ConfigError(f"{name}={raw!r}: expected 1 or 0")


def _id_set(env: Mapping[str, str], name: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in env.get(name, "").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise ConfigError(f"{name}: {part!r} is not a Telegram user id (expected digits)")
        ids.add(int(part))
    return frozenset(ids)


def _optional_http_url(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip().rstrip("/")
    if not value:
        return None
    if not value.startswith(("https://", "http://")):
        raise ConfigError(f"{name}={value!r}: expected an http:// or https:// URL")
    return value


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    if not raw.isdigit() or not 0 <= int(raw) <= 65535:
        raise ConfigError(f"{name}={raw!r}: expected a port number from 0 to 65535")
    return int(raw)


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise ConfigError(f"{name}={raw!r}: expected a positive number")
    return value


MAX_SHARDS = 1024


def _shards(env: Mapping[str, str], webhook_url: str | None) -> int | None:
    """BOT_SHARDS: how many shards the webhook's queue has (bot/inbound.py); unset: no queue."""
    raw = env.get("BOT_SHARDS", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_SHARDS:
        raise ConfigError(f"BOT_SHARDS={raw!r}: expected a whole number from 1 to {MAX_SHARDS}")
    if not webhook_url:
        raise ConfigError("BOT_SHARDS: the shards are fed by the webhook; set WEBHOOK_URL too")
    return int(raw)
