"""The `jarvis` command as a real process: run it, read its JSON, or start it in the background."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

JARVIS = str(Path(sys.executable).parent / "jarvis")


class Cli:
    """`jarvis` with a fixed environment; a wrong exit code fails the test with the output."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __call__(self, *argv: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        """Run and check the exit code."""
        proc = subprocess.run(
            [JARVIS, *argv], env=self.env, capture_output=True, text=True, timeout=180, check=False
        )
        assert proc.returncode == code, (argv, proc.returncode, proc.stdout, proc.stderr)
        return proc

    def json(self, *argv: str, code: int = 0) -> Any:
        """Run with --json and parse what it printed."""
        return json.loads(self(*argv, "--json", code=code).stdout)

    def spawn(self, *argv: str) -> subprocess.Popen[str]:
        """Start a long-running command (a worker) in the background."""
        return subprocess.Popen(
            [JARVIS, *argv],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
