"""SafeCommandExecutor: real processes, checked against an allow-tree, never through a shell."""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

from core.errors import BadInput, JarvisError
from core.redaction import placeholder_for
from tests.testbed.services import missing_service
from tools.safety.allow_tree import AllowTree
from tools.safety.executor import CommandNotAllowed, SafeCommandExecutor

ECHO = shutil.which("echo") or "/bin/echo"
TOUCH = shutil.which("touch") or "/usr/bin/touch"
PY = sys.executable
ANY = {"pattern": r"[^\x00]*"}


def _tree(allowed_marker: Path) -> AllowTree:
    """A test-only tree: echo anything, python -c, touch one named file (with -c only)."""
    return AllowTree.model_validate(
        {
            "programs": {
                ECHO: {"args": ANY, "max_args": 10},
                PY: {"flags": {"-c": ANY}, "args": ANY, "max_args": 5},
                TOUCH: {"flags": {"-c": None}, "subcommands": {str(allowed_marker): {}}},
            }
        }
    )


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    """A file that exists only if a refused command ran anyway."""
    return tmp_path / "marker"


@pytest.fixture
def executor(tmp_path: Path) -> SafeCommandExecutor:
    """An executor with the test tree, a 10 s timeout and a 4 KiB output cap."""
    return SafeCommandExecutor(timeout=10, output_cap=4096, allow_tree=_tree(tmp_path / "ok"))


async def test_allowed_command_runs_and_returns_output(executor: SafeCommandExecutor) -> None:
    result = await executor.run([ECHO, "hello", "world"])
    assert result.ok
    assert result.exit_code == 0
    assert result.stdout == "hello world\n"
    assert result.stderr == ""
    assert not result.timed_out and not result.truncated
    assert result.argv[0] == ECHO


async def test_allowed_subcommand_runs(executor: SafeCommandExecutor, tmp_path: Path) -> None:
    result = await executor.run([TOUCH, str(tmp_path / "ok")])
    assert result.ok
    assert (tmp_path / "ok").exists()


async def test_exit_code_and_stderr_are_reported(executor: SafeCommandExecutor) -> None:
    code = "import sys; print('bad thing', file=sys.stderr); sys.exit(3)"
    result = await executor.run([PY, "-c", code])
    assert result.exit_code == 3
    assert not result.ok
    assert "bad thing" in result.stderr


async def test_disallowed_program_is_refused_and_nothing_runs(
    executor: SafeCommandExecutor, marker: Path
) -> None:
    with pytest.raises(CommandNotAllowed) as info:
        await executor.run(["/usr/bin/env", TOUCH, str(marker)])
    assert "'/usr/bin/env'" in info.value.message
    assert info.value.kind == "denied"
    assert isinstance(info.value, JarvisError)
    assert not marker.exists()


async def test_disallowed_subcommand_is_refused_and_nothing_runs(
    executor: SafeCommandExecutor, marker: Path
) -> None:
    with pytest.raises(CommandNotAllowed) as info:
        await executor.run([TOUCH, str(marker)])
    assert repr(str(marker)) in info.value.message
    assert "subcommand or argument" in info.value.message
    assert not marker.exists()


async def test_disallowed_flag_is_refused_and_nothing_runs(
    executor: SafeCommandExecutor, tmp_path: Path
) -> None:
    allowed = tmp_path / "ok"
    with pytest.raises(CommandNotAllowed) as info:
        await executor.run([TOUCH, "-a", str(allowed)])
    assert "'-a'" in info.value.message and "flag" in info.value.message
    assert not allowed.exists()
    # A switch given a value is refused too.
    with pytest.raises(CommandNotAllowed):
        await executor.run([TOUCH, "-c=1", str(allowed)])
    assert not allowed.exists()


async def test_shell_metacharacters_are_passed_literally(
    executor: SafeCommandExecutor, marker: Path
) -> None:
    tricks = [f"$(touch {marker})", f"`touch {marker}`", f"; touch {marker}", f"| touch {marker}"]
    result = await executor.run([ECHO, *tricks, "&&", "$HOME", "*"])
    assert result.stdout == " ".join([*tricks, "&&", "$HOME", "*"]) + "\n"
    assert not marker.exists()


async def test_timeout_kills_the_whole_process_group(executor: SafeCommandExecutor) -> None:
    # The child starts a grandchild `sleep 30`, prints its pid, then waits for it.
    code = (
        "import subprocess, sys\n"
        "p = subprocess.Popen(['sleep', '30'])\n"
        "print(p.pid, flush=True)\n"
        "p.wait()\n"
    )
    started = time.monotonic()
    result = await executor.run([PY, "-c", code], timeout=1.0)
    elapsed = time.monotonic() - started
    assert result.timed_out
    assert not result.ok
    assert elapsed < 5, elapsed
    grandchild = int(result.stdout.split()[0])
    assert _gone(grandchild), "the grandchild sleep survived the timeout"


def _gone(pid: int, wait_s: float = 3.0) -> bool:
    """True once `pid` no longer runs (a zombie awaiting its reaper counts as gone)."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in {"Z", "X"}:
            return True
        time.sleep(0.05)
    return False


async def test_output_cap_truncates_large_output(executor: SafeCommandExecutor) -> None:
    # 1 MB on stdout and stderr: more than a pipe buffer, so reading must go on past the cap.
    code = "import sys; sys.stdout.write('x' * 1_000_000); sys.stderr.write('y' * 1_000_000)"
    result = await executor.run([PY, "-c", code])
    assert result.ok
    assert result.truncated
    assert result.stdout == "x" * 4096
    assert result.stderr == "y" * 4096


async def test_small_output_is_not_truncated(executor: SafeCommandExecutor) -> None:
    result = await executor.run([PY, "-c", "print('x' * 4000)"])
    assert not result.truncated
    assert len(result.stdout) == 4001


async def test_secrets_in_output_are_redacted(executor: SafeCommandExecutor) -> None:
    result = await executor.run([ECHO, "PASSWORD=hunter2secret", "db=postgres://u:pw12345@h/db"])
    assert "hunter2secret" not in result.stdout
    assert "pw12345" not in result.stdout
    assert placeholder_for("hunter2secret") in result.stdout
    assert all("hunter2secret" not in arg for arg in result.argv)


async def test_input_is_fed_to_stdin(executor: SafeCommandExecutor) -> None:
    code = "import sys; print(sys.stdin.read().upper())"
    result = await executor.run([PY, "-c", code], input="hello")
    assert result.stdout == "HELLO\n"


async def test_child_gets_a_small_environment(executor: SafeCommandExecutor) -> None:
    os.environ["JARVIS_TEST_LEAK"] = "should-not-pass"
    try:
        code = "import os; print(sorted(os.environ))"
        result = await executor.run([PY, "-c", code], env={"EXTRA": "1"})
    finally:
        del os.environ["JARVIS_TEST_LEAK"]
    assert "JARVIS_TEST_LEAK" not in result.stdout
    assert "'EXTRA'" in result.stdout and "'PATH'" in result.stdout


@pytest.mark.parametrize(
    "argv",
    [[], [ECHO, "a\x00b"], [ECHO, 1], [ECHO, b"bytes"], "echo hi"],
    ids=["empty", "nul", "int", "bytes", "string"],
)
async def test_bad_argv_is_bad_input(executor: SafeCommandExecutor, argv: object) -> None:
    with pytest.raises(BadInput):
        await executor.run(argv)  # type: ignore[arg-type]


async def test_nul_in_env_is_bad_input(executor: SafeCommandExecutor) -> None:
    with pytest.raises(BadInput):
        await executor.run([ECHO, "x"], env={"A": "b\x00c"})


async def test_caddy_version_runs_from_the_default_tree() -> None:
    if shutil.which("caddy") is None:
        missing_service("caddy", "apt-get install caddy")
    result = await SafeCommandExecutor(timeout=10, output_cap=10_000).run(["caddy", "version"])
    assert result.ok
    assert re.match(r"v?2\.\d+", result.stdout)
