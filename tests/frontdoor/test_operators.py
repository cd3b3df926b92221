"""Operators' comfort: readable logs at a terminal and JSON elsewhere, quiet idle jobs, a CLI that explains
itself, and migrations from the CLI and from plain `alembic` at the repository root."""

from __future__ import annotations

import io
import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import structlog
from alembic.config import Config
from alembic.script import ScriptDirectory
from scripts import services as support

from adapters.queue.tasks import DISPATCH_EVENT, EXPIRE_PENDING_ORDERS
from entrypoints import database
from entrypoints.cli import build_parser, main
from entrypoints.logging_setup import configure_logging, resolve_format

ROOT = support.ROOT


def _head() -> str | None:
    """The repository's newest revision: these tests follow the chain rather than name its end."""
    return ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini"))).get_current_head()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_log_format_follows_the_terminal_unless_log_format_says() -> None:
    assert resolve_format(None, _Terminal()) == "console"
    assert resolve_format(None, io.StringIO()) == "json"
    assert resolve_format("json", _Terminal()) == "json"
    assert resolve_format("console", io.StringIO()) == "console"


@pytest.fixture
def restore_logging() -> object:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield None
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


def test_json_lines_and_console_lines(capsys: pytest.CaptureFixture[str], restore_logging: object) -> None:
    configure_logging("INFO", log_format="json")
    logging.getLogger("chapterhouse.test").info("plain %s", "json")
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["event"] == "plain json" and line["level"] == "info" and line["timestamp"].endswith("Z")

    configure_logging("INFO", log_format="console")
    logging.getLogger("chapterhouse.test").info("plain %s", "console")
    out = capsys.readouterr().out
    assert "plain console" in out and not out.lstrip().startswith("{")


def test_idle_schedulers_are_quiet_at_info_and_heard_at_debug(
    capsys: pytest.CaptureFixture[str], restore_logging: object
) -> None:
    configure_logging("INFO", log_format="json")
    logging.getLogger("taskiq.cli.scheduler.run").info(f"Sending task {EXPIRE_PENDING_ORDERS} with schedule_id 1.")
    logging.getLogger("taskiq.receiver.receiver").info(f"Executing task {EXPIRE_PENDING_ORDERS} with ID: 1")
    logging.getLogger("taskiq.receiver.receiver").info(f"Executing task {DISPATCH_EVENT} with ID: 2")
    logging.getLogger("taskiq.cli.scheduler.run").warning("a schedule source failed")
    out = capsys.readouterr().out
    assert "Sending task" not in out and f"Executing task {EXPIRE_PENDING_ORDERS}" not in out
    assert f"Executing task {DISPATCH_EVENT}" in out  # work that something asked for stays visible
    assert "a schedule source failed" in out
    configure_logging("DEBUG", log_format="json")
    logging.getLogger("taskiq.cli.scheduler.run").info(f"Sending task {EXPIRE_PENDING_ORDERS} with schedule_id 1.")
    logging.getLogger("taskiq.receiver.receiver").info(f"Executing task {EXPIRE_PENDING_ORDERS} with ID: 1")
    out = capsys.readouterr().out
    assert "Sending task" in out and "Executing task" in out


def test_version_and_help_with_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == "chapterhouse 0.1.0"

    parser = build_parser()
    subcommands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in ("serve", "dev"):
        text = subcommands[name].format_help()
        for option in ("--host", "--port", "--workers"):
            assert option in text
        assert "127.0.0.1" in text and "8000" in text and "(default: 1)" in text
    for name, sub in subcommands.items():
        for action in sub._actions:
            if action.option_strings and action.dest != "help":
                assert action.help, f"{name} {action.option_strings} has no help"
    assert "(default: 50)" in subcommands["worker"].format_help()


def test_db_history_current_and_revision(
    database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["db", "history"]) == 0
    history = capsys.readouterr().out
    assert "<base> -> 0001" in history and "0013 -> 0014" in history
    head = _head()
    assert main(["db", "current"]) == 0
    assert f"{head} (head)" in capsys.readouterr().out

    # `db revision` writes into the migrations directory: a copy of it here, not the repository's.
    shutil.copy(ROOT / "alembic.ini", tmp_path / "alembic.ini")
    shutil.copytree(ROOT / "migrations", tmp_path / "migrations", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(database, "ROOT", tmp_path)
    assert main(["db", "revision", "-m", "add a column"]) == 0
    [created] = [p for p in (tmp_path / "migrations" / "versions").glob("*add_a_column.py")]
    assert f"'{head}'" in created.read_text()
    assert main(["db", "revision"]) == 2


def test_plain_alembic_works_from_the_repository_root(database_url: str) -> None:
    alembic = Path(sys.executable).with_name("alembic")
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url, "HOME": str(ROOT)}
    history = subprocess.run(
        [str(alembic), "history"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert history.returncode == 0, history.stderr
    assert "0013 -> 0014" in history.stdout and "Error" not in history.stderr
    upgrade = subprocess.run(
        [str(alembic), "upgrade", "head"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert upgrade.returncode == 0, upgrade.stderr
    current = subprocess.run(
        [str(alembic), "current"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert f"{_head()} (head)" in current.stdout, current.stderr


def test_commands_print_no_warning_with_the_embedded_database(tmp_path: Path) -> None:
    """Without DATABASE_URL the embedded PostgreSQL is used: no RuntimeDirWarning (or any other) on stderr."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT / "src"),
        "DATA_DIR": str(ROOT / ".data" / "test"),  # the suite's embedded server when it runs without DATABASE_URL
    }
    result = subprocess.run(
        [sys.executable, "-W", "default", "-m", "entrypoints.cli", "db", "url"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("postgresql://")
    assert "Warning" not in result.stderr and "Traceback" not in result.stderr, result.stderr
