"""deploy/entrypoint.sh: secret settings read from files, run as the image runs it (sh)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENTRYPOINT = REPO / "deploy" / "entrypoint.sh"


def run(env: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    """The entrypoint with only PATH and `env`, running `command`."""
    environ = {"PATH": os.environ["PATH"], **env}
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *command],
        env=environ,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def _env_of(done: subprocess.CompletedProcess[str]) -> dict[str, str]:
    assert done.returncode == 0, done.stderr
    return dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)


def test_secret_files_become_settings_and_the_file_names_go(tmp_path: Path) -> None:
    key = tmp_path / "secret_key"
    key.write_text("a-fernet-key=\n")
    url = tmp_path / "database_url"
    url.write_text("postgresql://jarvis:p w'd@postgres:5432/jarvis")
    env = _env_of(
        run({"JARVIS_SECRET_KEY_FILE": str(key), "JARVIS_DATABASE_URL_FILE": str(url)}, "env")
    )
    assert env["JARVIS_SECRET_KEY"] == "a-fernet-key="  # the trailing newline is dropped
    assert env["JARVIS_DATABASE_URL"] == "postgresql://jarvis:p w'd@postgres:5432/jarvis"
    assert "JARVIS_SECRET_KEY_FILE" not in env and "JARVIS_DATABASE_URL_FILE" not in env


def test_a_setting_that_ends_in_file_is_left_alone(tmp_path: Path) -> None:
    checkpoints = str(tmp_path / "audit-checkpoints.jsonl")
    env = _env_of(run({"JARVIS_AUDIT_CHECKPOINT_FILE": checkpoints}, "env"))
    assert env["JARVIS_AUDIT_CHECKPOINT_FILE"] == checkpoints
    assert "JARVIS_AUDIT_CHECKPOINT" not in env


def test_an_unreadable_file_stops_the_start_and_says_which(tmp_path: Path) -> None:
    done = run({"JARVIS_SECRET_KEY_FILE": str(tmp_path / "absent")}, "env")
    assert done.returncode == 64
    assert "JARVIS_SECRET_KEY_FILE" in done.stderr and "absent" in done.stderr
    assert done.stdout == ""  # the command never ran


def test_both_the_value_and_the_file_is_refused(tmp_path: Path) -> None:
    key = tmp_path / "secret_key"
    key.write_text("from-file")
    done = run({"JARVIS_SECRET_KEY_FILE": str(key), "JARVIS_SECRET_KEY": "inline"}, "env")
    assert done.returncode == 64 and "keep one" in done.stderr


def test_the_command_replaces_the_shell_with_its_exit_code() -> None:
    assert run({}, "sh", "-c", "exit 7").returncode == 7
