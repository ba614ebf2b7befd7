"""The command line: every subcommand listed, database upkeep, one-line operator errors."""

from __future__ import annotations

import getpass
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT, SAMPLE_DEPLOYMENT, Settings
from bot.storage.postgresql import redacted
from tests.auxil.database import database_env, execute, fetch_all


def run_main(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    full_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_", "WEBHOOK_"))
    }
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=PROJECT_ROOT,
    )


def test_help_lists_every_subcommand() -> None:
    result = run_main("--help")
    assert result.returncode == 0
    for command in ("run", "sandbox", "db"):
        assert command in result.stdout
    db_help = run_main("db", "--help")
    assert "upgrade" in db_help.stdout and "backup" in db_help.stdout


def test_db_upgrade_then_backup(tmp_path: Path) -> None:
    env = {"BOT_DB_PATH": str(tmp_path / "live.sqlite3")}
    upgraded = run_main("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "applied 0001 members" in upgraded.stdout
    assert "schema version" in upgraded.stdout
    again = run_main("db", "upgrade", env=env)
    assert "applied" not in again.stdout
    backup = tmp_path / "copy.sqlite3"
    result = run_main("db", "backup", str(backup), env=env)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(backup) as copy:
        tables = {
            row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    assert {"members", "schema_migrations"} <= tables


def test_bad_deployment_stops_start_up_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "deployment.toml"
    bad.write_text(SAMPLE_DEPLOYMENT.read_text().replace('currency = "PHP"', 'currency = "PESO"'))
    result = run_main(
        "run", "--sandbox", env={"BOT_DEPLOYMENT": str(bad), "BOT_DB_PATH": str(tmp_path / "db")}
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {bad}: government.currency: 'PESO' is not an ISO 4217 currency code"
    ]
    assert "Traceback" not in result.stderr + result.stdout


def test_unusable_db_path_stops_start_up_with_one_line(tmp_path: Path) -> None:
    result = run_main("run", "--sandbox", env={"BOT_DB_PATH": str(tmp_path)})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: BOT_DB_PATH={tmp_path}:")


def test_bad_variable_is_named(tmp_path: Path) -> None:
    result = run_main("run", env={"BOT_RATE_LIMIT": "-3"})
    assert result.returncode == 2
    assert result.stderr.strip() == "error: BOT_RATE_LIMIT='-3': expected a positive number"


def test_run_without_a_token_asks_for_one_or_for_the_sandbox(tmp_path: Path) -> None:
    result = run_main("run", env={"BOT_DB_PATH": str(tmp_path / "bot.sqlite3")})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: TELEGRAM_BOT_TOKEN is not set: set it to run the bot on Telegram, "
        "or run the local sandbox with `python main.py run --sandbox` (what `make run` does)"
    )
    assert not (tmp_path / "bot.sqlite3").exists()


def test_run_sandbox_with_a_token_is_refused(tmp_path: Path) -> None:
    env = {"TELEGRAM_BOT_TOKEN": "123:abc", "BOT_DB_PATH": str(tmp_path / "bot.sqlite3")}
    result = run_main("run", "--sandbox", env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: TELEGRAM_BOT_TOKEN is set and --sandbox was given: "
        "unset the token to run the sandbox, or drop --sandbox to run on Telegram"
    )
    assert not (tmp_path / "bot.sqlite3").exists()


def test_run_refuses_an_unknown_role_in_one_line(tmp_path: Path) -> None:
    env = {"BOT_DB_PATH": str(tmp_path / "bot.sqlite3")}
    result = run_main("run", "--sandbox", "--roles", "bot,sender", env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: --roles bot,sender: not a role: 'sender'; choose from bot, engine, console"
    )
    refused = run_main("run", "--sandbox", "--demo", "--roles", "engine", env=env)
    assert refused.returncode == 2
    assert refused.stderr.strip().startswith("error: --demo seeds the sandbox")
    assert not (tmp_path / "bot.sqlite3").exists()


def test_webhook_without_a_secret_refuses_to_start(tmp_path: Path) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": "123:abc",
        "WEBHOOK_URL": "https://bot.example.org/telegram",
        "BOT_DB_PATH": str(tmp_path / "bot.sqlite3"),
    }
    result = run_main("run", env=env)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: WEBHOOK_SECRET: required when WEBHOOK_URL is set")


def mark_database(database: Path | str, mode: str) -> None:
    """A database some earlier start marked with ``mode``."""
    execute(
        database, "INSERT INTO deployment_mode (id, mode, marked_at) VALUES (1, ?, 'x')", (mode,)
    )


def test_the_sandbox_refuses_a_database_a_telegram_bot_used(settings: Settings) -> None:
    mark_database(settings.database, "telegram")
    result = run_main("run", "--sandbox", env=database_env(settings.database))
    assert result.returncode == 2
    advice = (
        "run the sandbox with BOT_DATABASE_URL set to another database"
        if settings.database_url
        else "run the sandbox with BOT_DB_PATH set to another file"
    )
    assert result.stderr.strip() == (
        f"error: {setting(settings)}: this database belongs to a Telegram deployment; {advice}"
    )


def test_telegram_refuses_a_database_the_sandbox_used(settings: Settings) -> None:
    mark_database(settings.database, "sandbox")
    # The check comes before any call to Telegram, so this unreachable address is never used.
    env = {
        **database_env(settings.database),
        "TELEGRAM_BOT_TOKEN": "123:abc",
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",
    }
    result = run_main("run", env=env)
    assert result.returncode == 2
    new = "a new database" if settings.database_url else "a new database file"
    assert result.stderr.strip() == (
        f"error: {setting(settings)}: this database was used by the sandbox, whose invented "
        f"user ids may be real people's; give the Telegram bot {new}"
    )


def setting(settings: Settings) -> str:
    """How operator messages name the database (a URL without its password)."""
    if settings.database_url:
        return f"BOT_DATABASE_URL={redacted(settings.database_url)}"
    return f"BOT_DB_PATH={settings.db_path}"


def test_logging_keeps_the_token_out_of_every_line_and_traceback() -> None:
    token = "123456789:AAH-secret-part-of-the-token-xyzXYZ"
    script = (
        "import logging, main\n"
        "main.configure_logging('run')\n"
        "logging.getLogger('probe').warning('GET https://api.telegram.org/bot%s/getMe', "
        f"{token!r})\n"
        f"raise RuntimeError('refused: ' + {token!r})\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "TELEGRAM_BOT_TOKEN": token},
        timeout=60,
        cwd=PROJECT_ROOT,
    )
    assert result.returncode == 1
    assert "GET https://api.telegram.org/bot[redacted]/getMe" in result.stderr
    assert "RuntimeError: refused: [redacted]" in result.stderr
    assert "AAH-secret" not in result.stderr + result.stdout


def test_stats_hide_small_groups(settings: Settings) -> None:
    people = (
        [("london", "GB", "en")] * 12 + [("dubai", "AE", "ar")] * 3 + [("madrid", "ES", "es")] * 6
    )
    execute(
        settings.database,
        "INSERT INTO members (telegram_user_id, language, status, member_type, country,"
        " consulate_id, created_at, updated_at) VALUES (?, ?, 'registered', 'abroad', ?, ?,"
        " 'x', 'x')",
        *[
            (1000 + i, language, country, consulate)
            for i, (consulate, country, language) in enumerate(people)
        ],
    )
    execute(  # a visitor: not counted
        settings.database,
        "INSERT INTO members (telegram_user_id, created_at, updated_at) VALUES (1, 'x', 'x')",
    )
    result = run_main("stats", env=database_env(settings.database))
    assert result.returncode == 0, result.stderr
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert "Registered members: 21" in lines
    assert "london 12" in lines and "GB 12" in lines and "en 12" in lines
    # Dubai's 3 could be worked out from 21 - 12 - 6, so Madrid's 6 is hidden as well, and
    # both are written the same way: nothing tells the small count from its complement.
    assert "dubai suppressed" in lines and "AE suppressed" in lines and "ar suppressed" in lines
    assert "madrid suppressed" in lines and "ES suppressed" in lines
    assert "3" not in " ".join(line for line in lines if "dubai" in line or "AE" in line)


def test_stats_of_fewer_than_k_members_show_nothing_but_that(settings: Settings) -> None:
    execute(
        settings.database,
        "INSERT INTO members (telegram_user_id, language, status, consulate_id,"
        " created_at, updated_at) VALUES (?, 'en', 'registered', 'london', 'x', 'x')",
        *[(1000 + i,) for i in range(3)],
    )
    result = run_main("stats", env=database_env(settings.database))
    members, inbox = result.stdout.split("\n\n")
    assert members.strip() == "Registered members: fewer than 5; no breakdown is shown below 5."
    assert inbox.startswith("Inbox")


@pytest.mark.slow
def test_staff_from_the_command_line_is_audited(settings: Settings) -> None:
    env = database_env(settings.database)
    added = run_main("staff", "add", "4242", "editor", "--consulates", "london,dubai", env=env)
    assert added.returncode == 0, added.stderr
    listed = run_main("staff", "list", env=env)
    assert "4242\teditor\tdubai,london" in listed.stdout
    bad = run_main("staff", "add", "4243", "editor", "--consulates", "atlantis", env=env)
    assert bad.returncode == 2
    assert bad.stderr.strip() == "error: staff add: consulate 'atlantis' is not in the deployment"
    assert run_main("staff", "remove", "4242", env=env).returncode == 0
    assert run_main("staff", "remove", "4242", env=env).returncode == 1
    actions = fetch_all(
        settings.database, "SELECT actor, action, subject FROM audit_log ORDER BY id"
    )
    assert [(a.startswith("cli:"), b, c) for a, b, c in actions] == [
        (True, "staff.put", "4242"),
        (True, "staff.remove", "4242"),
    ]


@pytest.mark.slow
def test_the_command_line_names_the_operator_and_whom_they_act_for(settings: Settings) -> None:
    env = database_env(settings.database)
    login = getpass.getuser()
    assert run_main("staff", "add", "1000", "admin", env=env).returncode == 0
    assert run_main("staff", "add", "2000", "viewer", env=env).returncode == 0
    acting = run_main("staff", "add", "3000", "editor", "--as", "1000", env=env)
    assert acting.returncode == 0, acting.stderr
    refused = run_main("staff", "add", "4000", "admin", "--as", "2000", env=env)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"error: cli:{login} as tg:2000 does not hold the manage_staff permission"
    )
    stranger = run_main("staff", "list", "--as", "999", env=env)
    assert stranger.returncode == 2
    assert stranger.stderr.strip() == "error: --as 999: no staff member has that Telegram id"
    actors = [
        row[0] for row in fetch_all(settings.database, "SELECT actor FROM audit_log ORDER BY id")
    ]
    assert actors == [f"cli:{login}", f"cli:{login}", f"cli:{login} as tg:1000"]
    assert db_staff(settings.database) == {1000: "admin", 2000: "viewer", 3000: "editor"}


def test_the_last_admin_stays_on_the_command_line_too(settings: Settings) -> None:
    env = database_env(settings.database)
    assert run_main("staff", "add", "1000", "admin", env=env).returncode == 0
    for action in (("remove", "1000"), ("add", "1000", "viewer")):
        result = run_main("staff", *action, env=env)
        assert result.returncode == 2
        assert "1000 is the last admin of every consulate" in result.stderr
    assert db_staff(settings.database) == {1000: "admin"}


def db_staff(database: Path | str) -> dict[int, str]:
    return dict(fetch_all(database, "SELECT telegram_user_id, role FROM staff"))


#: Every command that acts on what is already stored (creating commands may start a database).
READING_COMMANDS = [
    ("stats",),
    ("staff", "list"),
    ("staff", "remove", "4242"),
    ("broadcast", "list"),
    ("broadcast", "report", "1"),
    ("broadcast", "approve", "1", "--as", "4242"),
    ("broadcast", "cancel", "1"),
    ("broadcast", "pause", "1"),
    ("broadcast", "resume", "1"),
    ("broadcast", "send", "1", "--foreground"),
    ("poll", "results", "1"),
    ("poll", "close", "1"),
    ("db", "backup", "{tmp}/copy.sqlite3"),
]


@pytest.mark.parametrize("command", READING_COMMANDS, ids=" ".join)
def test_a_reading_command_refuses_a_missing_database(tmp_path: Path, command: tuple[str]) -> None:
    """An operator who mistyped BOT_DB_PATH is told so, instead of reading a new empty file."""
    missing = tmp_path / "data" / "bot.sqlite3"
    arguments = [argument.format(tmp=tmp_path) for argument in command]
    result = run_main(*arguments, env={"BOT_DB_PATH": str(missing)})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: BOT_DB_PATH={missing}: no database at this path; start the bot once or run"
        " `main.py db upgrade`"
    )
    assert not missing.parent.exists() and not (tmp_path / "copy.sqlite3").exists()


@pytest.mark.parametrize(
    "command",
    [("stats",), ("staff", "list"), ("broadcast", "list"), ("poll", "results", "1")],
    ids=" ".join,
)
def test_a_reading_command_names_the_database_it_read(tmp_path: Path, command: tuple[str]) -> None:
    db_path = tmp_path / "bot.sqlite3"
    assert run_main("db", "upgrade", env={"BOT_DB_PATH": str(db_path)}).returncode == 0
    result = run_main(*command, env={"BOT_DB_PATH": str(db_path)})
    assert result.stderr.strip().splitlines()[-1] == f"database: {db_path} (BOT_DB_PATH)"
