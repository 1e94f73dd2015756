"""Shared by the system tool tests: the family's specs, a direct caller and child processes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from core.settings import Settings
from tools.deps import ToolDeps
from tools.registry import ToolSpec
from tools.system import family

SPECS = {s.name: s for s in family.specs}
MB = 1_000_000


@pytest.fixture
def deps(settings: Settings) -> ToolDeps:
    return ToolDeps(settings)


async def call(name: str, deps: ToolDeps, **args: Any) -> Any:
    spec: ToolSpec = SPECS[name]
    return await spec._impl(spec.args_model(**args), deps)


@pytest.fixture
def spawn() -> Iterator[Any]:
    """Start python children that print 'ready' once set up; killed after the test."""
    children: list[subprocess.Popen[str]] = []

    def start(code: str) -> subprocess.Popen[str]:
        script = f"{code}\nprint('ready', flush=True)\nimport time\ntime.sleep(30)"
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        children.append(proc)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        return proc

    yield start
    for proc in children:
        proc.kill()
        proc.wait(timeout=10)
