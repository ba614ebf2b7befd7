"""``python main.py remittance import FILE``: the report, and its exit status."""

from __future__ import annotations

from pathlib import Path

from bot.remittance.cli import SAMPLE_AVERAGES, SAMPLE_PRICES
from bot.settings import Settings
from tests.auxil.database import database_env
from tests.test_main import run_main


def test_import_reports_rows_and_exits_0(settings: Settings) -> None:
    for path in (SAMPLE_AVERAGES, SAMPLE_PRICES):
        result = run_main("remittance", "import", str(path), env=database_env(settings.database))
        assert result.returncode == 0, result.stderr
        assert f"{path}:" in result.stdout and "0 rejected" in result.stdout


def test_rejected_rows_are_listed_and_exit_1(tmp_path: Path, settings: Settings) -> None:
    bad = tmp_path / "prices.csv"
    lines = SAMPLE_PRICES.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",0.28,0.28,", ",0.28,lots,")
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_main("remittance", "import", str(bad), env=database_env(settings.database))
    assert result.returncode == 1
    assert "1 rejected" in result.stdout
    assert "prices.csv: row 2, column 'cc1 total cost %': not a number ('lots')" in result.stdout


def test_a_file_problem_names_the_file_and_exits_2(tmp_path: Path) -> None:
    env = {"BOT_DB_PATH": str(tmp_path / "bot.sqlite3")}
    missing = tmp_path / "missing.csv"
    result = run_main("remittance", "import", str(missing), env=env)
    assert result.returncode == 2
    assert str(missing) in result.stderr and "not found" in result.stderr
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b\n1,2\n", encoding="utf-8")
    result = run_main("remittance", "import", str(odd), env=env)
    assert result.returncode == 2 and str(odd) in result.stderr


def test_help_lists_the_remittance_subcommand() -> None:
    result = run_main("--help")
    assert "remittance" in result.stdout
