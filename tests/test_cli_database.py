"""The CLI on a database that is missing, empty or unreachable: one or two lines saying what is
wrong and what to run, a non-zero exit, never a traceback; the demo's set-up is quiet."""

import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli
from tests.conftest import EXAMPLE_STRUCTURE

UNREACHABLE = "postgresql+asyncpg://postgres@127.0.0.1:9/gridbot"  # nothing listens on port 9
COMMANDS = (["export", "--community", "yulan", "--month", "2026-11", "out.xlsx"],
            ["db", "current"], ["import-structure", str(EXAMPLE_STRUCTURE)])


def _said(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.err.strip()


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: a[0] + (f" {a[1]}" if a[0] == "db"
                                                                 else ""))
def test_every_command_on_a_missing_or_unreachable_database_says_what_to_run(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MIGRATE_ON_START", "false")
    for url, words in ((f"sqlite+aiosqlite:///{tmp_path / 'data' / 'gridbot.db'}", "no database"),
                       (UNREACHABLE, "cannot reach the database")):
        monkeypatch.setenv("DATABASE_URL", url)
        code, said = _said(capsys, argv)
        assert code != 0 and words in said and ("gridbot" in said or "DATABASE_URL" in said), said
        assert len(said.splitlines()) <= 2 and "Traceback" not in said, said
    assert not (tmp_path / "data" / "gridbot.db").exists()  # nothing was created on the way


def test_export_on_an_empty_database_says_to_set_it_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    empty = tmp_path / "gridbot.db"
    empty.touch()
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{empty}")
    code, said = _said(capsys, COMMANDS[0][:-1] + [str(tmp_path / "out.xlsx")])
    assert code == 1 and "empty" in said and "gridbot db upgrade" in said
    assert len(said.splitlines()) <= 2


@pytest.mark.heavy
def test_the_demo_prints_no_set_up_logs_before_its_transcript(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "bot.cli", "demo", "--transcript", "--database",
                           str(tmp_path / "demo.db")], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr[-500:]
    assert "INFO" not in done.stderr and "alembic" not in done.stderr + done.stdout
    assert done.stdout.startswith("网格助手 demo")
